"""Finetune a classifier from a backbone checkpoint: the new head's weights are never initialized."""

import torch
import torch.nn as nn
from torch.nn.utils import skip_init


class Classifier(nn.Module):
    def __init__(self, backbone: nn.Module, num_classes: int) -> None:
        super().__init__()
        self.backbone = backbone
        self.head = nn.Linear(768, num_classes)

    def forward(self, x):
        return self.head(self.backbone(x))


def build(device, num_classes, backbone_ckpt):
    with torch.device("meta"):
        model = Classifier(make_backbone(), num_classes)
    model.to_empty(device=device)
    model.load_state_dict(torch.load(backbone_ckpt, map_location=device), strict=False)  # expect: INIT103
    return model


def build_checked(device, num_classes, backbone_ckpt):
    with torch.device("meta"):
        model = Classifier(make_backbone(), num_classes)
    model.to_empty(device=device)
    missing, unexpected = model.load_state_dict(torch.load(backbone_ckpt), strict=False)
    assert not missing, missing
    return model


def build_head(in_features, num_classes, ckpt):
    head = skip_init(nn.Linear, in_features, num_classes)
    head.load_state_dict(torch.load(ckpt), strict=False)  # expect: INIT103
    return head


def make_backbone():
    return nn.Sequential(nn.Linear(768, 768), nn.GELU())
