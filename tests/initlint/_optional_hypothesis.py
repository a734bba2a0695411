"""``hypothesis`` when it is installed; otherwise stand-ins that make only the property tests skip.

A module that builds strategies at import time (``st.sampled_from(...)``) and imports hypothesis at module
level disappears entirely without it, taking its ordinary table-driven tests along. Importing the names from
here instead keeps those tests: the strategies become inert placeholders and ``@given`` turns the property
test into a skip that says why.
"""

from __future__ import annotations

from typing import Any

import pytest

try:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
except ImportError:  # pragma: no cover - exercised by test_cli_subprocess without hypothesis

    class _Inert:
        """Any attribute, call or operator gives another placeholder (strategies are never drawn from)."""

        def __getattr__(self, name: str) -> "_Inert":
            return self

        def __call__(self, *args: Any, **kwargs: Any) -> "_Inert":
            return self

        def __or__(self, other: Any) -> "_Inert":
            return self

    st = HealthCheck = _Inert()  # type: ignore[assignment]

    def settings(*args: Any, **kwargs: Any):  # type: ignore[no-redef]
        """No-op stand-in for ``hypothesis.settings`` used as a decorator."""
        return lambda test: test

    def given(*args: Any, **kwargs: Any):  # type: ignore[no-redef]
        """Stand-in for ``hypothesis.given``: the property test skips, saying that hypothesis is missing."""
        return pytest.mark.skip(reason="hypothesis is not installed (pip install -e '.[test]')")

__all__ = ["HealthCheck", "given", "settings", "st"]
