"""The twin of trainer_class_bug.py: the model is initialized after ``to_empty()`` on every path, then the
checkpointer overwrites it when it finds a checkpoint (clean)."""

import torch

from mylib.checkpoint import CheckpointManager


class Trainer:
    def __init__(self, config):
        self.config = config
        self.device = torch.device("cuda")
        self._build_model()
        self.optimizer = torch.optim.AdamW(
            [p for m in self.model_parts for p in m.parameters()], lr=config.lr
        )
        self.checkpointer = CheckpointManager(model_parts=self.model_parts, folder=config.dump_folder)

    def _build_model(self):
        with torch.device("meta"):
            model = self.config.model_cls(self.config.model_args)
        model = self.config.parallelize_fn(model, self.config)
        model.to_empty(device=self.device)
        with torch.no_grad():
            model.init_weights()
        self.model_parts = [model]

    def train_step(self, batch):
        for m in self.model_parts:
            loss = m(batch["input"]).sum()
            loss.backward()
        self.optimizer.step()
        self.optimizer.zero_grad()

    def train(self):
        self.checkpointer.load(step=self.config.load_step)
        for batch in self.config.loader:
            self.train_step(batch)


if __name__ == "__main__":
    trainer = Trainer(parse_config())  # noqa: F821
    trainer.train()
