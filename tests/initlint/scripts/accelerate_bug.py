"""Hugging Face accelerate pretraining from a config: empty weights, materialized, never initialized on a fresh run."""

import argparse

import torch
from accelerate import Accelerator, init_empty_weights
from transformers import AutoConfig, AutoModelForCausalLM, get_scheduler


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--config_name", default="gpt2")
    p.add_argument("--resume_from_checkpoint", default=None)
    p.add_argument("--num_train_epochs", type=int, default=1)
    return p.parse_args()


def main():
    args = parse_args()
    accelerator = Accelerator(gradient_accumulation_steps=4)
    config = AutoConfig.from_pretrained(args.config_name)
    with init_empty_weights():
        model = AutoModelForCausalLM.from_config(config)
    model.to_empty(device=accelerator.device)  # expect: INIT101
    model.tie_weights()

    optimizer = torch.optim.AdamW(model.parameters(), lr=5e-5)
    train_dataloader = build_dataloader()
    lr_scheduler = get_scheduler("cosine", optimizer=optimizer, num_warmup_steps=100, num_training_steps=10_000)
    model, optimizer, train_dataloader, lr_scheduler = accelerator.prepare(
        model, optimizer, train_dataloader, lr_scheduler
    )

    if args.resume_from_checkpoint:
        accelerator.print(f"Resumed from checkpoint: {args.resume_from_checkpoint}")
        accelerator.load_state(args.resume_from_checkpoint)

    model.train()
    for epoch in range(args.num_train_epochs):
        for batch in train_dataloader:
            with accelerator.accumulate(model):
                outputs = model(**batch)
                accelerator.backward(outputs.loss)
                optimizer.step()
                lr_scheduler.step()
                optimizer.zero_grad()


def build_dataloader():
    return torch.utils.data.DataLoader([{"input_ids": torch.zeros(8, dtype=torch.long)}] * 8, batch_size=2)


if __name__ == "__main__":
    main()
