"""One options object for every adapter, and the one place that checks option values.

:class:`Config` is filled by :meth:`Config.from_mapping` from ``[tool.initlint]`` in ``pyproject.toml``
(found by :func:`find_project_config`), from the ``initlint`` command's flags and from the flake8 plugin's
``initlint-*`` options (``setup.cfg``/``tox.ini``/``.flake8``). Every value goes through the same checks: an
unknown key, a code or prefix that names no initlint code, or a value of the wrong type is a
:class:`ConfigError` with a did-you-mean, never a silently ignored setting.
"""

from __future__ import annotations

import difflib
import fnmatch
import os
import sys
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10: the ``tomli`` dependency (same API)
    import tomli as tomllib
#: Names of "central" init functions (Hugging Face / nanoGPT / torchtitan convention).
DEFAULT_INIT_FUNCTIONS = (
    "_init_weights",
    "init_weights",
    "initialize_weights",
    "_initialize_weights",
    "_init_weight",
    "init_weight",
)

#: Imported helpers that initialize their argument, judged by name when their body does not resolve to a file of
#: the linted project (installed packages, unresolved imports); a body that resolves is judged instead.
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


_TRUE = ("true", "yes", "on", "1")
_FALSE = ("false", "no", "off", "0")


def _split(name: str, value: Any) -> tuple[str, ...]:
    """A list option: a list of strings, or one string of comma- or newline-separated items."""
    if isinstance(value, str):
        parts = value.replace("\n", ",").split(",")
    elif isinstance(value, (list, tuple)):
        parts = []
        for item in value:
            if not isinstance(item, str):
                raise ConfigError(f"{name}: expected a list of strings, got the item {item!r}")
            parts.extend(item.replace("\n", ",").split(","))
    else:
        raise ConfigError(f"{name}: expected a list of strings, got {value!r}")
    return tuple(p.strip() for p in parts if p.strip())


def _codes(name: str, value: Any) -> tuple[str, ...]:
    """A list of initlint codes or prefixes; anything that names no code is an error with a suggestion."""
    from .codes import unknown_code_message

    codes = tuple(c.upper() for c in _split(name, value))
    for code in codes:
        problem = unknown_code_message(code)
        if problem is not None:
            raise ConfigError(f"{name}: {problem}")
    return codes


def _bool(name: str, value: Any) -> bool:
    """A TOML boolean, or (from an ini file) one of true/false, yes/no, on/off, 1/0; nothing else."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
        return value.strip().lower() in _TRUE
    raise ConfigError(f"{name}: expected true or false, got {value!r}")


@dataclass(frozen=True)
class Config:
    """Options shared by every rule and adapter. All fields have sensible defaults.

    Build it with :meth:`from_mapping` (checked) from user input; the constructor does not check values.
    """

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
    def option_names(cls) -> list[str]:
        """The documented names of the options (``per-file-ignores``: dashes, as in ``[tool.initlint]``)."""
        names = [f.name for f in fields(cls)] + list(_ADDS_TO)
        return sorted({n.replace("_", "-") for n in names})

    @classmethod
    def from_mapping(
        cls,
        data: Mapping[str, Any],
        base: "Config | None" = None,
        where: str = "",
        prefix: str = "",
        names: Optional[Iterable[str]] = None,
    ) -> "Config":
        """Build from user input, checking every key and value; the only way user input becomes a Config.

        ``data`` maps option names (``per-file-ignores``; underscores are accepted too) to values, each name
        starting with ``prefix`` (``"--"`` for command-line flags, ``"initlint-"`` for flake8 options, which
        the messages then show as the user wrote them). ``where`` (``"pyproject.toml [tool.initlint]: "``)
        starts every error message. ``names`` limits the accepted options (dashed, without the prefix) to
        what an adapter offers. Unset fields keep ``base``'s values; ``extend-select``, ``extend-ignore`` and
        ``extend-exclude`` add to them.
        """
        base = base or cls()
        offered = sorted(names) if names is not None else cls.option_names()
        known = {n.replace("-", "_") for n in offered}
        updates: dict[str, Any] = {}
        additions: list[tuple[str, tuple]] = []
        for raw_key, value in data.items():
            key = raw_key[len(prefix):] if raw_key.startswith(prefix) else raw_key
            key = key.replace("-", "_")
            name = f"{where}{raw_key}"
            if key not in known:
                raise ConfigError(_unknown_key(raw_key, prefix, where, offered))
            if key in ("select", "ignore", "extend_select", "extend_ignore"):
                parsed: Any = _codes(name, value)
                if key == "select" and not parsed:
                    raise ConfigError(
                        f"{name}: empty: no rule would run; to skip files use exclude or per-file-ignores, "
                        "to turn a rule off use ignore"
                    )
            elif key in ("conditional_empty_init", "cache"):
                parsed = _bool(name, value)
            elif key == "per_file_ignores":
                parsed = parse_per_file_ignores(value, name)
            else:
                parsed = _split(name, value)
            if key in _ADDS_TO:
                additions.append((_ADDS_TO[key], parsed))
            else:
                updates[key] = parsed
        for target, parsed in additions:
            updates[target] = updates.get(target, getattr(base, target)) + parsed
        return replace(base, **updates)

    @classmethod
    def from_pyproject(cls, path: Path | str, base: "Config | None" = None) -> "Config":
        """Read ``[tool.initlint]`` from a pyproject.toml (no such table: ``base`` or the defaults)."""
        table = read_initlint_table(path)
        if table is None:
            return base or cls()
        return cls.from_mapping(table, base, where=f"{path} [tool.initlint]: ")


#: Options that add to another option instead of replacing it.
_ADDS_TO = {"extend_select": "extend_select", "extend_ignore": "ignore", "extend_exclude": "extend_exclude"}


def _unknown_key(raw_key: str, prefix: str, where: str, names: list[str]) -> str:
    wanted = raw_key[len(prefix):] if raw_key.startswith(prefix) else raw_key
    close = difflib.get_close_matches(wanted.replace("_", "-"), names, n=1, cutoff=0.6)
    hint = f" (did you mean {prefix + close[0]!r}?)" if close else ""
    listed = ", ".join(prefix + n for n in names)
    return f"{where}unknown option {raw_key!r}{hint}; the options are: {listed}"


def read_initlint_table(path: Path | str) -> Optional[dict]:
    """The ``[tool.initlint]`` table of a pyproject.toml, or ``None`` when the file has none."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from exc
    table = data.get("tool", {}).get("initlint")
    if table is not None and not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.initlint] must be a table")
    return table


@dataclass(frozen=True)
class ProjectConfig:
    """Where the configuration came from, and what it says."""

    #: The pyproject.toml that was read (``None``: none found, defaults).
    path: Optional[str]
    #: The project root: the directory of ``path`` (or the current directory). Globs are relative to it.
    root: str
    #: True when ``path`` has a ``[tool.initlint]`` table (False: defaults, although the file exists).
    has_table: bool
    config: Config

    def describe(self) -> str:
        """One line for ``initlint -v``: which file was used, or why none was."""
        if self.path is None:
            return f"config: no pyproject.toml found: defaults; project root: {self.root}"
        if not self.has_table:
            return f"config: {self.path} has no [tool.initlint] table: defaults; project root: {self.root}"
        return f"config: [tool.initlint] in {self.path}; project root: {self.root}"


def find_pyproject(start: Optional[str] = None) -> Optional[str]:
    """The nearest ``pyproject.toml`` in ``start`` (default: the current directory) or above it."""
    directory = os.path.abspath(start or os.getcwd())
    while True:
        candidate = os.path.join(directory, "pyproject.toml")
        if os.path.isfile(candidate):
            return candidate
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def find_project_config(explicit: Optional[str] = None, start: Optional[str] = None) -> ProjectConfig:
    """Load ``[tool.initlint]`` from ``explicit`` or from the nearest pyproject.toml above ``start``."""
    if explicit:
        if os.path.isdir(explicit):
            raise ConfigError(f"--config {explicit}: is a directory; give the pyproject.toml file itself")
        if not os.path.isfile(explicit):
            raise ConfigError(f"--config {explicit}: no such file")
        path: Optional[str] = os.path.abspath(explicit)
    else:
        path = find_pyproject(start)
    if path is None:
        return ProjectConfig(None, os.path.abspath(start or os.getcwd()), False, Config())
    table = read_initlint_table(path)
    if explicit and table is None:
        raise ConfigError(
            f"--config {explicit}: has no [tool.initlint] table, so it configures nothing; "
            "add the table or leave --config out to use the defaults"
        )
    config = Config.from_mapping(table, where=f"{path} [tool.initlint]: ") if table is not None else Config()
    return ProjectConfig(path, os.path.dirname(path), table is not None, config)


def parse_per_file_ignores(value: Any, name: str = "per-file-ignores") -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Accept flake8's ``"glob: CODE,CODE"`` lines or a TOML table ``{glob = [codes]}``."""
    pairs: list[tuple[str, tuple[str, ...]]] = []
    if isinstance(value, dict):
        for pattern, codes in value.items():
            pairs.append((str(pattern), _codes(f"{name} {pattern!r}", codes)))
        return tuple(pairs)
    for entry in _split_lines(value, name):
        if ":" not in entry:
            raise ConfigError(f"{name}: entry {entry!r} must look like 'glob: CODE,CODE'")
        pattern, codes = entry.split(":", 1)
        pairs.append((pattern.strip(), _codes(f"{name} {pattern.strip()!r}", codes.replace(" ", ","))))
    return tuple(pairs)


def _split_lines(value: Any, name: str) -> Iterable[str]:
    if isinstance(value, str):
        value = value.splitlines()
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{name}: expected 'glob: CODE,CODE' lines or a table {{glob = [codes]}}, got {value!r}")
    return [v.strip() for v in value if v.strip()]


def _path_matches(path: str, pattern: str) -> bool:
    """fnmatch on the project-relative path, a directory prefix of it, or the file name.

    ``./tests/*`` means ``tests/*`` (a leading ``./`` is how many users write project-relative globs), and
    ``**/`` also matches zero directories, as in gitignore and pathlib (``**/conftest.py`` matches a top-level
    ``conftest.py``; fnmatch's ``*`` already crosses ``/``).
    """
    path = path.replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    pattern = pattern.replace("\\", "/").rstrip("/")
    while pattern.startswith("./"):
        pattern = pattern[2:]
    candidates = [pattern]
    while candidates[-1].startswith("**/"):
        candidates.append(candidates[-1][3:])
    return any(
        fnmatch.fnmatch(path, pat) or fnmatch.fnmatch(path, pat + "/*") or fnmatch.fnmatch(Path(path).name, pat)
        for pat in candidates
        if pat
    )


def path_matches(path: str, patterns: Iterable[str]) -> bool:
    """True when ``path`` (or its file name) matches one of the glob ``patterns``."""
    return any(_path_matches(path, p) for p in patterns)
