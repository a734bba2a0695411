"""Finetune a classifier from a backbone checkpoint: initialize everything, then load what exists (clean)."""

import torch
import torch.nn as nn


def build(device, num_classes, backbone_ckpt, Classifier):
    with torch.device("meta"):
        model = Classifier(num_classes)
    model.to_empty(device=device)
    for module in model.modules():
        if hasattr(module, "reset_parameters"):
            module.reset_parameters()
    model.load_state_dict(torch.load(backbone_ckpt, map_location=device), strict=False)
    return model
