"""flake8 adapter: ``flake8 --select INIT``. Thin: options in, :func:`initlint.lint_source` out.

Registered under the entry-point name ``INI`` (flake8 requires names matching ``^[A-Z]{1,3}[0-9]{0,3}$``)
while emitting ``INIT###`` codes. flake8 runs every installed plugin on every file whatever ``--select``
says, so this adapter (a) returns at once when INIT codes cannot be selected, (b) relies on the engine's
substring prefilter so files with nothing torch-related are never parsed, and (c) never lets an exception
escape (one ``INIT900`` for the file instead), because a plugin exception aborts the whole flake8 run.

flake8 rejects 4-letter codes in config ``ignore``/``extend-ignore``; use ``initlint-ignore`` instead.
"""

from __future__ import annotations

from typing import Any, Iterator

from . import __version__
from .config import Config, parse_per_file_ignores

_LIST_OPTIONS = {
    # option name            Config field       help
    "initlint-ignore": ("ignore", "INIT codes or prefixes to skip (flake8's own ignore rejects 4-letter codes)."),
    "initlint-module-bases": ("module_bases", "Extra base classes (simple or dotted names) that make a class an nn.Module."),
    "initlint-init-functions": ("init_functions", "Names of central init functions (default: _init_weights, init_weights, ...)."),
    "initlint-init-helpers": ("init_helpers", "Glob patterns of imported helper names that initialize their argument."),
    "initlint-load-helpers": ("load_helpers", "Glob patterns of imported helper names that load weights into their argument."),
    "initlint-train-calls": ("train_calls", "Names of calls that start training (fit, train, backward, step, ...)."),
}


class Plugin:
    """The flake8 tree plugin. flake8 constructs one per file and calls :meth:`run`."""

    name = "initlint"
    version = __version__

    _config: Config = Config()
    _active: bool = True

    def __init__(self, tree: Any, filename: str, lines: list[str]) -> None:
        self.tree = tree
        self.filename = filename
        self.lines = lines

    @classmethod
    def add_options(cls, parser: Any) -> None:
        for option, (_field, help_text) in _LIST_OPTIONS.items():
            parser.add_option(
                f"--{option}", parse_from_config=True, comma_separated_list=True, default=[], help=help_text
            )
        parser.add_option(
            "--initlint-conditional-empty-init",
            parse_from_config=True,
            action="store_true",
            default=False,
            help="INIT101: also treat init_module(empty_init=<non-literal>) (the FSDP convention) as empty init.",
        )
        parser.add_option(
            "--initlint-per-file-ignores",
            parse_from_config=True,
            default="",
            help="Lines of 'glob: INIT001,INIT002' (flake8's per-file-ignores works too).",
        )

    @classmethod
    def parse_options(cls, options: Any) -> None:
        values: dict[str, Any] = {}
        for option, (field, _help) in _LIST_OPTIONS.items():
            given = getattr(options, option.replace("-", "_"), None)
            if given:
                values[field] = tuple(v.strip().upper() if field == "ignore" else v.strip() for v in given if v.strip())
        if getattr(options, "initlint_conditional_empty_init", False):
            values["conditional_empty_init"] = True
        pfi = getattr(options, "initlint_per_file_ignores", "")
        if pfi:
            values["per_file_ignores"] = parse_per_file_ignores(pfi)
        cls._config = Config(**values)
        cls._active = _init_selectable(options)

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        if not self._active:
            return
        try:
            from .engine import lint_source

            findings = lint_source("".join(self.lines), self.filename, self._config, self.tree)
        except BaseException as exc:  # noqa: BLE001 - never abort the user's flake8 run
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            yield 1, 0, f"INIT900 internal error in initlint (please report it): {exc!r}", type(self)
            return
        for f in findings:
            yield f.line, f.col, f"{f.code} {f.message}", type(self)


def _init_selectable(options: Any) -> bool:
    """False only when flake8's explicit ``--select`` (and extend-select) cannot match any INIT code."""
    select = getattr(options, "select", None)
    if not select:
        return True
    wanted = list(select) + list(getattr(options, "extend_select", None) or [])
    return any("INIT".startswith(p) or p.startswith("INIT") for p in (s.strip().upper() for s in wanted) if p)
