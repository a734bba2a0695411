"""One options object for every adapter.

The flake8 plugin fills it from ``[flake8]`` options (``setup.cfg``/``tox.ini``/``.flake8``); the CLI fills it
from ``[tool.initlint]`` in ``pyproject.toml`` and its own flags. Rules read it; nothing else does.
"""

from __future__ import annotations

import fnmatch
import sys
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, Iterable

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    tomllib = None

#: Names of "central" init functions (Hugging Face / nanoGPT / torchtitan convention).
DEFAULT_INIT_FUNCTIONS = (
    "_init_weights",
    "init_weights",
    "initialize_weights",
    "_initialize_weights",
    "_init_weight",
    "init_weight",
)

#: Imported helpers (judged by name, their bodies are not visible) that initialize their argument.
DEFAULT_INIT_HELPERS = (
    "reset_parameters",
    "initialize",  # initguard.initialize(model)
    "*init_weights*",
    "initialize_weights",
    "initialize_parameters",
    "init_parameters",
    "*reset_parameters*",
    "materialize*",
)

#: Imported helpers that load weights into their argument.
DEFAULT_LOAD_HELPERS = (
    "load_checkpoint*",
    "*_load_checkpoint",
    "load_model*",
    "load_weights*",
    "load_pretrained*",
    "load_state_dict*",
    "*load_from_checkpoint*",
    "load_raw",
)

#: Calls that start training.
DEFAULT_TRAIN_CALLS = ("fit", "train", "backward", "step", "fit_loop", "training_loop", "train_loop")


class ConfigError(ValueError):
    """A configuration value that makes no sense; adapters turn it into a usage error (exit 2)."""


def _split(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        parts = value.replace("\n", ",").split(",")
    elif isinstance(value, (list, tuple)):
        parts = []
        for item in value:
            if not isinstance(item, str):
                raise ConfigError(f"expected strings, got {item!r}")
            parts.extend(item.replace("\n", ",").split(","))
    else:
        raise ConfigError(f"expected a string or a list of strings, got {value!r}")
    return tuple(p.strip() for p in parts if p.strip())


def _codes(value: Any) -> tuple[str, ...]:
    codes = tuple(c.upper() for c in _split(value))
    for code in codes:
        if not code.isalnum():
            raise ConfigError(f"{code!r} is not an error code or code prefix (like INIT or INIT001)")
    return codes


@dataclass(frozen=True)
class Config:
    """Options shared by every rule and adapter. All fields have sensible defaults."""

    select: tuple[str, ...] = ("INIT",)
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    #: Extra base-class names (simple or dotted) that make a class an nn.Module.
    module_bases: tuple[str, ...] = ()
    init_functions: tuple[str, ...] = DEFAULT_INIT_FUNCTIONS
    init_helpers: tuple[str, ...] = DEFAULT_INIT_HELPERS
    load_helpers: tuple[str, ...] = DEFAULT_LOAD_HELPERS
    train_calls: tuple[str, ...] = DEFAULT_TRAIN_CALLS
    #: INIT101: also treat ``init_module(empty_init=<non-literal>)`` (the FSDP convention) as empty init.
    conditional_empty_init: bool = False
    #: ``(glob, codes)`` pairs: codes ignored in files whose path matches the glob.
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    exclude: tuple[str, ...] = ()
    extend_exclude: tuple[str, ...] = ()
    cache: bool = True

    # ------------------------------------------------------------------ selection
    def enabled(self, code: str, path: str | None = None) -> bool:
        """flake8 semantics: the longest matching prefix wins; on a tie ``ignore`` wins."""
        sel = max((len(p) for p in self.select + self.extend_select if code.startswith(p)), default=-1)
        ign = max((len(p) for p in self.ignore if code.startswith(p)), default=-1)
        if path is not None:
            for pattern, codes in self.per_file_ignores:
                if _path_matches(path, pattern):
                    ign = max([ign] + [len(p) for p in codes if code.startswith(p)])
        return sel >= 0 and sel > ign

    def fingerprint(self) -> str:
        """Stable text of every option that can change findings (used by the result cache)."""
        return repr(tuple((f.name, getattr(self, f.name)) for f in fields(self) if f.name != "cache"))

    # ------------------------------------------------------------------ loading
    @classmethod
    def from_mapping(cls, data: dict, base: "Config | None" = None) -> "Config":
        """Build from a ``[tool.initlint]``-style mapping (keys with ``-`` or ``_``)."""
        base = base or cls()
        known = {f.name: f for f in fields(cls)}
        updates: dict[str, Any] = {}
        for raw_key, value in data.items():
            key = raw_key.replace("-", "_")
            if key not in known:
                raise ConfigError(f"unknown initlint option {raw_key!r} (known: {', '.join(sorted(known))})")
            if key in ("select", "ignore", "extend_select"):
                updates[key] = _codes(value)
            elif key in ("conditional_empty_init", "cache"):
                if isinstance(value, str):
                    value = value.strip().lower() in ("1", "true", "yes", "on")
                if not isinstance(value, bool):
                    raise ConfigError(f"{raw_key} must be true or false, got {value!r}")
                updates[key] = value
            elif key == "per_file_ignores":
                updates[key] = parse_per_file_ignores(value)
            else:
                updates[key] = _split(value)
        return replace(base, **updates)

    @classmethod
    def from_pyproject(cls, path: Path | str, base: "Config | None" = None) -> "Config":
        """Read ``[tool.initlint]`` from a pyproject.toml (missing file or table: defaults)."""
        path = Path(path)
        if tomllib is None or not path.is_file():
            return base or cls()
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read: {exc}") from exc
        table = data.get("tool", {}).get("initlint", {})
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: [tool.initlint] must be a table")
        return cls.from_mapping(table, base)


def parse_per_file_ignores(value: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Accept flake8's ``"glob: CODE,CODE"`` lines or a TOML table ``{glob = [codes]}``."""
    pairs: list[tuple[str, tuple[str, ...]]] = []
    if isinstance(value, dict):
        for pattern, codes in value.items():
            pairs.append((str(pattern), _codes(codes)))
        return tuple(pairs)
    for entry in _split_lines(value):
        if ":" not in entry:
            raise ConfigError(f"per-file-ignores entry {entry!r} must look like 'glob: CODE,CODE'")
        pattern, codes = entry.split(":", 1)
        pairs.append((pattern.strip(), _codes(codes.replace(" ", ","))))
    return tuple(pairs)


def _split_lines(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        value = value.splitlines()
    if not isinstance(value, (list, tuple)):
        raise ConfigError(f"per-file-ignores must be text or a table, got {value!r}")
    return [v.strip() for v in value if isinstance(v, str) and v.strip()]


def _path_matches(path: str, pattern: str) -> bool:
    path = path.replace("\\", "/")
    if path.startswith("./"):
        path = path[2:]
    pattern = pattern.rstrip("/")
    return (
        fnmatch.fnmatch(path, pattern)
        or fnmatch.fnmatch(path, pattern + "/*")
        or fnmatch.fnmatch(Path(path).name, pattern)
    )


def path_matches(path: str, patterns: Iterable[str]) -> bool:
    """True when ``path`` (or its file name) matches one of the glob ``patterns``."""
    return any(_path_matches(path, p) for p in patterns)
