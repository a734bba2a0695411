"""Small helpers shared by the INIT0xx rules (message pieces; no analysis here)."""

from __future__ import annotations


def names(items) -> str:
    """```a`, `b` and `c``` for messages."""
    quoted = [f"`{i}`" for i in items]
    if len(quoted) <= 1:
        return "".join(quoted)
    return ", ".join(quoted[:-1]) + " and " + quoted[-1]


DEFERRED = "meta-device / empty init (FSDP, `to_empty()`, Fabric `empty_init=True`)"
