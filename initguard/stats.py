"""Statistics without provenance (the former single module; kept so old imports keep working).

The code now lives in modules named for what they hold: :mod:`initguard.sampling` (reading a tensor's fixed
sample and fingerprint), :mod:`initguard.sample_stats` (statistics and garbage tests of a sample),
:mod:`initguard.pytorch_defaults` (the catalogue of PyTorch's constructor defaults and the fit tests),
:mod:`initguard.statistical_verdict` (the per-tensor verdict, ``tensor_verdict``) and :mod:`initguard.fixes`
(fix texts). Every name this module offered before is re-exported here.
"""

from __future__ import annotations

from initguard.fixes import FIX_LAZY, FIX_META, FIX_UNINIT, allow_snippets, fix_default  # noqa: F401
from initguard.pytorch_defaults import (  # noqa: F401
    KS_ALPHA, KS_C, MIN_DEFAULT_N, MIN_KS_N, SCALE_Z, Expected, fan_in_of, fits_default, ks_statistic,
    matches_default, module_expectation, shape_expectations, uniform_default,
)
from initguard.sample_stats import BUFFER_HUGE, HUGE, SENTINELS, TINY, SampleStats, garbage_reason  # noqa: F401
from initguard.sample_stats import sample_stats  # noqa: F401
from initguard.sampling import (  # noqa: F401
    BLOCK, FINGERPRINT_SIZE, SAMPLE_SIZE, dtype_eps, fingerprint, full_max_abs, one_thread, positions, read_sample,
    unravel,
)
from initguard.statistical_verdict import (  # noqa: F401
    TOO_SMALL_WHY, Examined, examine, structural_problem, tensor_verdict, too_small_problem, type_name,
)
from initguard.tensors import local_tensor  # noqa: F401

# the former private names, for code written against them
_positions, _eps, _uniform, _type_name, _unravel = positions, dtype_eps, uniform_default, type_name, unravel
