"""flake8 adapter: ``flake8 --select INIT``. Thin: options in, :func:`initlint.engine.lint_source` out.

Options are checked by :meth:`initlint.config.Config.from_mapping`, like ``[tool.initlint]``; a bad value stops
flake8 with ``flake8: error: ...`` (exit 2). flake8 applies ``# noqa`` itself, so the engine's findings are
returned before ``# noqa`` (the public :func:`initlint.lint_source` would apply it a second time).

Registered under the entry-point name ``INI`` (flake8 requires names matching ``^[A-Z]{1,3}[0-9]{0,3}$``)
while emitting ``INIT###`` codes. flake8 runs every installed plugin on every file whatever ``--select``
says, so this adapter (a) returns at once when INIT codes cannot be selected, (b) relies on the engine's
substring prefilter so files with nothing torch-related are never parsed, and (c) never lets an exception
escape (one ``INIT900`` for the file instead), because a plugin exception aborts the whole flake8 run.

flake8 rejects 4-letter codes in config ``ignore``/``extend-ignore``; use ``initlint-ignore`` instead.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import replace
from typing import Any, Iterator

from . import __version__
from .codes import INTERNAL_ERROR
from .config import Config, ConfigError, path_matches

#: The plugin's options: ``initlint-<option>`` for each of these Config options, checked by
#: :meth:`Config.from_mapping` like ``[tool.initlint]`` and the command line.
_LIST_OPTIONS = {
    "ignore": "INIT codes or prefixes to skip (flake8's own ignore rejects 4-letter codes).",
    "module-bases": "Extra base classes (simple or dotted names) that make a class an nn.Module.",
    "init-functions": "Names of central init functions (default: _init_weights, init_weights, ...).",
    "init-helpers": "Glob patterns of imported helper names that initialize their argument (when the body does "
                    "not resolve to a project file).",
    "load-helpers": "Glob patterns of imported helper names that load weights into their argument (when the body "
                    "does not resolve to a project file).",
    "train-calls": "Names of calls that start training (fit, train, backward, step, ...).",
}
_PREFIX = "initlint-"
#: Every option the plugin offers (without the prefix).
_OPTIONS = tuple(_LIST_OPTIONS) + ("conditional-empty-init", "per-file-ignores")


class Plugin:
    """The flake8 tree plugin. flake8 constructs one per file and calls :meth:`run`."""

    name = "initlint"
    version = __version__

    _config: Config = Config()
    _active: bool = True
    _root: str = os.getcwd()

    def __init__(self, tree: Any, filename: str, lines: list[str]) -> None:
        self.tree = tree
        self.filename = filename
        self.lines = lines

    @classmethod
    def add_options(cls, parser: Any) -> None:
        """Register the ``--initlint-*`` options (also read from ``[flake8]`` in setup.cfg/tox.ini/.flake8)."""
        for option, help_text in _LIST_OPTIONS.items():
            parser.add_option(
                f"--{_PREFIX}{option}", parse_from_config=True, comma_separated_list=True, default=[],
                help=help_text,
            )
        parser.add_option(
            f"--{_PREFIX}conditional-empty-init",
            parse_from_config=True,
            action=_Flag,
            default=None,
            metavar="BOOL",
            help="INIT101: also treat init_module(empty_init=<non-literal>) (the FSDP convention) as empty init "
            "(true/false).",
        )
        parser.add_option(
            f"--{_PREFIX}per-file-ignores",
            parse_from_config=True,
            default="",
            help="Lines of 'glob: INIT001,INIT002' (flake8's per-file-ignores works too).",
        )

    @classmethod
    def parse_options(cls, option_manager: Any, options: Any, args: Any = None) -> None:
        """Check the options (unknown codes, wrong types) and keep them; a bad value stops flake8 with
        ``flake8: error: initlint-...: ...`` and exit status 2, as flake8's own option errors do."""
        cfg, cfg_dir = _flake8_config(options)
        values: dict[str, Any] = {name: None for name in _misspelt_keys(cfg)}
        for option in _OPTIONS:
            given = getattr(options, (_PREFIX + option).replace("-", "_"), None)
            if given not in (None, "", []):
                values[_PREFIX + option] = given
        try:
            cls._config = Config.from_mapping(values, prefix=_PREFIX, names=_OPTIONS)
        except ConfigError as exc:
            parser = getattr(option_manager, "parser", None)
            if parser is None:
                raise
            parser.error(str(exc))
        cls._active = _init_selectable(options)
        cls._root = os.path.abspath(cfg_dir or os.getcwd())

    def _file_config(self) -> Config:
        """The options for this file. ``initlint-per-file-ignores`` globs are relative to the directory of
        flake8's configuration file, as flake8's own ``per-file-ignores`` are, whatever directory flake8 runs
        from; matched here and turned into plain ignores, so the engine still sees the file's real path."""
        config = self._config
        if not config.per_file_ignores:
            return config
        key = os.path.relpath(os.path.abspath(self.filename), self._root).replace(os.sep, "/")
        codes = tuple(c for pattern, cs in config.per_file_ignores if path_matches(key, (pattern,)) for c in cs)
        return replace(config, ignore=config.ignore + codes, per_file_ignores=())

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        if not self._active:
            return
        try:
            from .engine import lint_source

            findings = lint_source("".join(self.lines), self.filename, self._file_config(), self.tree)
        except BaseException as exc:  # noqa: BLE001 - never abort the user's flake8 run
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            yield 1, 0, f"{INTERNAL_ERROR} internal error in initlint (please report it): {exc!r}", type(self)
            return
        for f in findings:
            # flake8 prints one line per finding: the fix follows the message on it, so a flake8 user still
            # learns what to change (initlint's own text output puts it on the next line)
            fix = f" Fix: {f.fix}" if f.fix else ""
            yield f.line, f.col, f"{f.code} {f.message}{fix}", type(self)


def _flake8_config(options: Any) -> tuple[Any, str | None]:
    """The configuration flake8 used and its directory (flake8's ``load_config``), or ``(None, None)``."""
    try:
        from flake8.options.config import load_config

        return load_config(
            getattr(options, "config", None),
            list(getattr(options, "append_config", None) or []),
            isolated=bool(getattr(options, "isolated", False)),
        )
    except Exception:  # noqa: BLE001 - a flake8 internals change must never break the user's run
        return None, None


def _misspelt_keys(cfg: Any) -> list[str]:
    """``initlint-*`` keys in the ``[flake8]`` section that the plugin does not define (flake8 itself skips
    unknown keys silently, so ``initlint-ignroe = INIT003`` would turn nothing off without a word)."""
    known = {_PREFIX + name for name in _OPTIONS}
    try:
        keys = list(cfg["flake8"]) if cfg is not None and cfg.has_section("flake8") else []
    except Exception:  # noqa: BLE001 - a flake8 internals change must never break the user's run
        return []
    return [k for k in keys if k.replace("_", "-").startswith(_PREFIX) and k.replace("_", "-") not in known]


class _Flag(argparse.Action):
    """``store_true`` on the command line whose ``[flake8]`` value reaches :meth:`Plugin.parse_options` as text.

    With ``action="store_true"`` flake8 itself parses the config value and ``= ture`` ends in a ValueError
    traceback; with this action the text goes through the same checks as every other initlint option.
    """

    def __init__(self, option_strings, dest, **kwargs) -> None:
        super().__init__(option_strings, dest, nargs=0, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        setattr(namespace, self.dest, True)


def _init_selectable(options: Any) -> bool:
    """False only when flake8's explicit ``--select`` (and extend-select) cannot match any INIT code."""
    select = getattr(options, "select", None)
    if not select:
        return True
    wanted = list(select) + list(getattr(options, "extend_select", None) or [])
    return any("INIT".startswith(p) or p.startswith("INIT") for p in (s.strip().upper() for s in wanted) if p)
