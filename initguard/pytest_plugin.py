"""pytest plugin for model authors (registered through the ``pytest11`` entry point ``initguard``).

It exposes :mod:`initguard.testing` as fixtures so a model's test-suite can check that its init
function writes every parameter and buffer, and that deferred (meta-device) construction matches
eager construction::

    def test_init_complete(assert_init_complete):
        assert_init_complete(lambda: MyModel(cfg), lambda m: m.init_weights())

    def test_init_parity(assert_init_parity):
        assert_init_parity(lambda: MyModel(cfg), deferred_build, seed=0)

The plugin is loaded by every pytest run in an environment where initcheck is installed, so this
module imports neither torch nor :mod:`initguard.testing` until a fixture is actually requested.
"""

from __future__ import annotations

import pytest


@pytest.fixture
def assert_init_complete():
    """Return :func:`initguard.testing.assert_init_complete` (build on meta, poison, init, name misses)."""
    from initguard.testing import assert_init_complete as helper

    return helper


@pytest.fixture
def assert_init_parity():
    """Return :func:`initguard.testing.assert_init_parity` (eager vs deferred mean/std/KS per parameter)."""
    from initguard.testing import assert_init_parity as helper

    return helper


@pytest.fixture
def assert_initialized():
    """Return :func:`initguard.assert_initialized`, the runtime check, for use inside model tests."""
    from initguard import assert_initialized as helper

    return helper
