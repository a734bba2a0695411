"""Reading a checkpoint file's tensors safely, and saying in plain words why a file cannot be read.

``.pt``/``.pth``/``.bin``/``.ckpt`` files go through ``torch.load(weights_only=True)``: tensors and plain
containers only, never arbitrary unpickling. ``.safetensors`` files need the ``safetensors`` package. Every
failure becomes a :class:`CheckpointError` whose ``reason`` says what is wrong with the file (missing, a
directory, empty, text, not a checkpoint, refused because it holds pickled code) and what to do.
"""

from __future__ import annotations

import os
import pickle
import re

from initguard._extras import SAFETENSORS, TORCH, require

CHECKPOINT_SUFFIXES = (".pt", ".pth", ".bin", ".ckpt", ".safetensors")
NESTED_KEYS = ("state_dict", "model", "module", "model_state_dict")
_SNIFF_BYTES = 64
_ZIP_MAGIC = b"PK\x03\x04"
_PICKLE_PROTO = b"\x80"  # PROTO opcode: every pickle of protocol 2 or later starts with it
_GLOBAL = re.compile(r"GLOBAL ([\w.]+)")


class CheckpointError(Exception):
    """A checkpoint file that cannot be read; ``reason`` explains why (no traceback needed)."""

    def __init__(self, path: str, reason: str, read: bool = False):
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}" if read else f"cannot read {path}: {reason}")


def load_state_dict(path: str) -> dict:
    """Load tensors from a checkpoint file without executing pickled code; returns ``{name: tensor}``.

    Lightning/Fabric checkpoints whose tensors sit under ``state_dict``/``model``/``module`` are unwrapped and
    nested dicts are flattened to dotted names. Raises :class:`CheckpointError` for an unreadable file and
    :class:`initguard._extras.MissingExtra` when torch (or safetensors, for ``.safetensors``) is missing.
    """
    torch = require(TORCH, "reading a checkpoint")
    _check_path(path)
    if path.endswith(".safetensors"):
        return _load_safetensors(path)
    try:
        try:
            obj = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
        except RuntimeError:  # mmap needs the zip format; the legacy format loads without it
            obj = torch.load(path, map_location="cpu", weights_only=True)
    except OSError as e:
        raise CheckpointError(path, _os_reason(e)) from e
    except Exception as e:  # torch.load raises many types for a file that is not a checkpoint
        raise CheckpointError(path, _load_reason(path, e)) from e
    if isinstance(obj, dict):
        for key in NESTED_KEYS:
            inner = obj.get(key)
            if isinstance(inner, dict) and any(isinstance(v, torch.Tensor) for v in inner.values()):
                obj = inner
                break
    out: dict = {}
    _flatten(torch, obj, "", out)
    if not out:
        raise CheckpointError(
            path,
            f"it holds no tensors (a {type(obj).__name__}), so there is nothing to check: "
            "give the file that holds the model's weights",
            read=True,
        )
    return out


def _flatten(torch, obj, prefix: str, out: dict) -> None:
    """Tensors of nested dicts, lists and tuples under dotted names (``optimizer.0.w``, ``0.weight``)."""
    if isinstance(obj, torch.Tensor):
        out[prefix or "tensor"] = obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            _flatten(torch, v, f"{prefix}.{k}" if prefix else str(k), out)
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            _flatten(torch, v, f"{prefix}.{i}" if prefix else str(i), out)


def _load_safetensors(path: str) -> dict:
    st = require(SAFETENSORS, "reading a .safetensors file")
    try:
        return st.load_file(path, device="cpu")
    except OSError as e:
        raise CheckpointError(path, _os_reason(e)) from e
    except Exception as e:  # SafetensorError: header or data not in the safetensors format
        raise CheckpointError(path, f"not a valid .safetensors file ({e})") from e


def _check_path(path: str) -> None:
    """Reject what is not a readable, non-empty file before handing it to a loader."""
    if not os.path.exists(path):
        raise CheckpointError(path, "no such file")
    if os.path.isdir(path):
        inside = sorted(f for f in os.listdir(path) if f.endswith(CHECKPOINT_SUFFIXES))[:3]
        hint = f"; it contains {', '.join(inside)}: pass one of those" if inside else ""
        raise CheckpointError(
            path, f"it is a directory, and initguard check reads one checkpoint file "
                  f"({'/'.join(CHECKPOINT_SUFFIXES)}){hint}")
    if os.path.isfile(path) and os.path.getsize(path) == 0:
        raise CheckpointError(path, "the file is empty (0 bytes): was it written completely?")


def _os_reason(e: OSError) -> str:
    return e.strerror or str(e) or type(e).__name__


def _load_reason(path: str, e: Exception) -> str:
    """Explain why ``torch.load`` failed, without torch's advice to load with ``weights_only=False``."""
    found = _GLOBAL.search(str(e)) if isinstance(e, pickle.UnpicklingError) else None
    if found:
        what = f"a reference to `{found.group(1)}`"
        return (f"refused: it contains pickled code ({what}), not only tensor data, and initguard loads only "
                "plain tensors and containers (torch.load with weights_only=True), never code from a file. "
                "Check the weights alone: save them with torch.save(model.state_dict(), path) or as .safetensors")
    head = _head(path)
    if head.startswith(_ZIP_MAGIC):
        return (f"a zip archive, but not a torch.save checkpoint torch can read "
                f"({type(e).__name__}: {_torch_detail(e)})")
    if head.startswith(_PICKLE_PROTO):
        return (f"a pickle (torch.save's legacy format) that torch cannot read: truncated or corrupted? "
                f"({type(e).__name__}: {_torch_detail(e) or 'no detail'})")
    if head and _is_text(head):
        start = head.decode("utf-8", "replace").splitlines()[0][:40]
        return f"a text file, not a checkpoint (it starts with {start!r})"
    detail = f"{type(e).__name__}: {_torch_detail(e)}" if str(e) else type(e).__name__
    return (f"not a torch.save checkpoint ({detail}); initguard check reads torch.save files "
            "(.pt/.pth/.bin/.ckpt) and .safetensors")


def _torch_detail(e: Exception) -> str:
    """The error itself, without the paragraphs of a weights-only failure that advise ``weights_only=False``."""
    text = str(e)
    if "weights_only" not in text:
        return text
    kept = [p.strip() for p in text.split("\n\n")
            if p.strip() and "weights_only" not in p and not p.strip().startswith("Check the documentation")]
    return " ".join(kept) or "rejected by torch.load(weights_only=True)"


def _head(path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read(_SNIFF_BYTES)
    except OSError:
        return b""


def _is_text(head: bytes) -> bool:
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as e:
        if e.start < len(head) - 3:  # not just a character cut by the sniff window
            return False
        text = head[: e.start].decode("utf-8")
    return all(c.isprintable() or c in "\t\r\n" for c in text)
