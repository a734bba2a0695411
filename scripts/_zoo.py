"""What the two guard zoo scripts (guard_zoo.py: transformers architectures, guard_zoo_vision.py: timm and
torchvision) share: how a run ends."""

from __future__ import annotations

import json


def finish(rows: list[dict], json_path: str | None, summary: str) -> int:
    """Print the run's one-paragraph ``summary``, write every row to ``json_path`` (when given); exit status 0
    (the script reports, a reader judges)."""
    print("\n" + summary)
    if json_path:
        with open(json_path, "w") as f:
            json.dump(rows, f, indent=1)
    return 0
