"""initlint: a static checker that finds models that would train from uninitialized weights.

Public API (every adapter — flake8, the CLI, pre-commit — is a thin layer over these)::

    from initlint import lint_source, lint_file, Config, Finding, ALL_RULES

``lint_source(text_or_bytes, path, config)`` never raises: unparseable input and internal rule errors are
reported as findings (INIT901, INIT900), and ``# noqa`` comments are honoured as by the ``initlint`` command.
Invalid option values are rejected by ``Config.from_mapping`` (a :class:`ConfigError`).
"""

from __future__ import annotations

from .config import Config, ConfigError
from .runner import lint_file, lint_source
from .finding import Finding

__version__ = "0.1.0"

__all__ = ["ALL_RULES", "Config", "ConfigError", "Finding", "lint_file", "lint_source", "__version__"]


def __getattr__(name: str):
    # The rule catalogue imports libcst; keep ``import initlint`` free of it until asked.
    if name in ("ALL_RULES", "RULES_BY_CODE"):
        from . import rules

        return getattr(rules, name)
    raise AttributeError(name)
