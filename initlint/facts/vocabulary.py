"""What initializes, loads, trains, empties or wraps a model: the one vocabulary of initlint.

Every name list that says what a call *does* to a model's weights lives here, read by

* the module facts (:mod:`initlint.facts.effects`: what a function body writes into its receiver, INIT0xx),
* the script analysis (:mod:`initlint.facts.script`: the path-sensitive states behind INIT101–INIT104),
* the statement slicer (:mod:`initlint.slicing`: which top-level statements the INIT1xx analysis can use) and
  the INIT1xx rules' byte triggers (:data:`ORIGIN_TRIGGERS`).

``tests/initlint/test_vocabulary.py`` checks that these readers agree: every name the analysis treats as an
origin, a load or an initialization keeps its statement in the slice and passes the rules' prefilter, and every
initializing name is one the module facts count as a write.

Plain data and string tests only (no libcst: the slicer and the rules' prefilter import it before any parse).
Name lists are matched against the last component of a call's name (``model.reset_parameters()`` →
``reset_parameters``); configured patterns (``init-helpers``, ``load-helpers``...) extend them per project.
"""

from __future__ import annotations

import fnmatch
import re
from typing import Any

# ----------------------------------------------------------------------------- initialization
#: ``torch.nn.init`` functions (and timm's/JAX-style ones) that write their first argument.
NN_INIT_NAMES = frozenset(
    {"uniform_", "normal_", "trunc_normal_", "constant_", "ones_", "zeros_", "eye_", "dirac_", "xavier_uniform_",
     "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "orthogonal_", "sparse_", "trunc_normal_tf_",
     "lecun_normal_", "variance_scaling_"}
)
#: In-place tensor methods that write random or constant values (``param.data.normal_(0, 0.02)``).
TENSOR_INIT_METHODS = frozenset(
    {"normal_", "uniform_", "zero_", "fill_", "trunc_normal_", "bernoulli_", "exponential_", "log_normal_",
     "geometric_", "cauchy_", "random_"}
)
#: torch.nn's convention: the module method that (re)initializes the module's own parameters.
MODULE_RESET = "reset_parameters"
#: Model methods that initialize every parameter. (``post_init()`` is not here: transformers' skips loaded
#: tensors, others tie weights or build RoPE caches; it counts as "may initialize", see :func:`maybe_init_name`.)
INIT_METHODS = frozenset({MODULE_RESET, "init_weights", "_init_weights", "initialize_weights",
                          "_initialize_weights", "reset_params", "init_parameters", "initialize_parameters"})
#: Functions that materialize a meta model *and* initialize it (``torchdistx``, Lightning).
MATERIALIZE = frozenset({"materialize_module", "materialize_meta_module"})
#: Central init methods a module forwards its sub-modules to (``self._init_weights(module)``): judged on their own.
FORWARDERS = frozenset({"_init_weights", "init_weights", "_init_weight", "init_weight"})
#: Words in a function's name that make it an initializer of the tensors it is given (module facts).
INIT_WORDS = ("init", "reset")
#: Tensor methods ending in ``_`` that do not write values.
NOT_WRITES = frozenset({"requires_grad_", "share_memory_", "retain_grad_", "pin_memory_", "rename_", "resize_"})
#: Where ``torch.nn.init`` resolves (every function there writes its first argument).
TORCH_INIT = "torch.nn.init."

# ----------------------------------------------------------------------------- empty/meta origins
TO_EMPTY = "to_empty"  #: ``model.to_empty(device=...)``: storage allocated, never written
SKIP_INIT = "skip_init"  #: ``torch.nn.utils.skip_init(cls, ...)``
DEFERRED_INIT = "deferred_init"  #: ``torchdistx.deferred_init.deferred_init(cls, ...)`` (meta, recorded)
SET_DEFAULT_DEVICE = "set_default_device"  #: ``torch.set_default_device("meta")``
INIT_EMPTY_WEIGHTS = "init_empty_weights"  #: accelerate's context: parameters on meta
INIT_ON_DEVICE = "init_on_device"  #: accelerate's ``init_on_device("meta")`` context
#: Fabric's (and Lightning Trainer's) context managers with an ``empty_init=`` flag
FABRIC_INIT_CONTEXTS = ("init_module", "init_tensor")
#: Calls that make a model's memory empty or meta (some only with an argument, see :func:`name_kind`):
#: ``fabric.init_module(empty_init=True)``, ``init_empty_weights()``, ``skip_init(...)``, ``deferred_init(...)``,
#: ``model.to_empty(...)``, ``torch.set_default_device("meta")``, ``init_on_device("meta")``.
ORIGIN_NAMES = frozenset({FABRIC_INIT_CONTEXTS[0], INIT_EMPTY_WEIGHTS, SKIP_INIT, DEFERRED_INIT, TO_EMPTY,
                          SET_DEFAULT_DEVICE, INIT_ON_DEVICE})
#: Keyword naming the flag of Fabric's ``init_module``/``init_tensor`` context.
EMPTY_INIT_KEYWORD = "empty_init"
#: Bytes at least one of which every file with an empty-init origin contains (the INIT1xx rules' triggers).
#: ``init_module``, ``set_default_device`` and ``init_on_device`` are origins only with ``empty_init=`` or a
#: ``"meta"`` argument, so those words cover them.
ORIGIN_TRIGGERS = (
    EMPTY_INIT_KEYWORD.encode(),
    b'"meta"',  # torch.device("meta"), device="meta"; a bare b"meta" also matched every "metadata"
    b"'meta'",
    INIT_EMPTY_WEIGHTS.encode(),
    SKIP_INIT.encode(),
    DEFERRED_INIT.encode(),
    TO_EMPTY.encode(),
)
#: The device whose tensors hold no storage.
META_DEVICE = "meta"

# ----------------------------------------------------------------------------- loads
#: Method and function names that load weights into a model.
LOAD_STATE_DICT = "load_state_dict"  #: ``model.load_state_dict(sd, strict=...)``
LOAD_STATE = "load_state"  #: accelerate's ``accelerator.load_state(dir)``: every prepared model
LOAD_NAMES = frozenset({LOAD_STATE_DICT, "load_raw", "set_model_state_dict", "set_state_dict", LOAD_STATE})
#: Resolved ``load`` functions that read a file and load nothing into a model.
NOT_A_LOAD = frozenset({"torch.load", "json.load", "pickle.load", "yaml.load", "numpy.load", "np.load",
                        "safetensors.torch.load", "torch.hub.load", "tomllib.load", "toml.load"})
#: Words that, next to ``load``, say a name loads weights (``load_checkpoint``, ``load_pretrained``...).
LOAD_OBJECT_WORDS = ("state_dict", "checkpoint", "weights", "pretrained", "model")
#: Words that say a load restores training state, not weights (``load_from_full_optimizer_state_dict``).
NOT_WEIGHT_LOAD_WORDS = ("optim", "scheduler")
#: Keyword arguments of a trainer's constructor that make it load a checkpoint into the model.
TRAINER_LOAD_KWS = ("load_path", "resume_from_checkpoint", "ckpt_path", "load_checkpoint", "resume_from")
#: Keyword arguments of a training call that resume from a checkpoint (``trainer.fit(model, ckpt_path=...)``).
TRAIN_RESUME_KWS = ("ckpt_path", "resume_from_checkpoint")

# ----------------------------------------------------------------------------- wrapping, aliases, iteration
#: Methods that return the same model (moved, cast, mode switched).
PASSTHROUGH_METHODS = frozenset(
    {"to", "cuda", "cpu", "half", "float", "double", "bfloat16", "requires_grad_", "eval", "share_memory",
     "type", "xpu", "mps", "npu"}
)
#: Calls that wrap or shard the models they are given (and engage them in training).
WRAPPERS = frozenset(
    {"setup", "setup_module", "compile", "DDP", "DistributedDataParallel", "FSDP", "FullyShardedDataParallel",
     "prepare", "prepare_model", "fully_shard", "wrap", "DataParallel", "parallelize_module", "optimize"}
)
#: Wrappers that materialize a meta (or conditionally empty) model with ``reset_parameters()`` (Fabric).
MATERIALIZING_WRAPPERS = frozenset({"setup", "setup_module"})
#: Attributes of a wrapper that are the wrapped model itself.
SAME_MODEL_ATTRS = frozenset({"module", "_orig_mod", "_forward_module", "_fsdp_wrapped_module"})
#: Model methods that iterate its modules, parameters or buffers.
ITER_METHODS = frozenset(
    {"modules", "named_modules", "children", "named_children", "parameters", "named_parameters", "buffers",
     "named_buffers", "state_dict"}
)
PARAM_ITERATORS = frozenset({"parameters", "named_parameters", "buffers", "named_buffers"})
MODULE_ITERATORS = frozenset({"modules", "named_modules", "children", "named_children"})
#: Model methods whose use engages the model in training (its parameters handed to an optimizer...).
ENGAGING_METHODS = frozenset({"parameters", "named_parameters", "forward"})
#: Builtins that iterate what they are given (``for i, m in enumerate(model.modules())``).
ITER_BUILTINS = frozenset({"enumerate", "list", "tuple", "reversed", "sorted", "tqdm", "iter"})
#: Tensor attributes that are not its weights (``p.grad.zero_()`` initializes nothing).
NOT_WEIGHTS = frozenset({"grad", "main_grad", "grad_fn", "shape", "device", "dtype", "requires_grad", "ndim",
                         "is_cuda", "is_meta", "config", "training"})

# ----------------------------------------------------------------------------- construction, control flow
#: Class-method factories that build a model (``GPT.from_config(cfg)``).
MODEL_FACTORIES = frozenset({"from_config", "from_model_args", "from_name", "from_args", "from_params", "build"})
#: Calls that end the program.
EXIT_CALLS = frozenset({"sys.exit", "exit", "quit", "os._exit", "os.abort"})
#: Words in a base class's name that make a same-file class a model (not a trainer run inline).
MODULE_BASE_WORDS = ("Module", "Model", "Layer", "nn.", "Block", "Net")

# ----------------------------------------------------------------------------- kinds of names
#: :func:`name_kind` results.
KIND_NONE, KIND_LOAD, KIND_INIT, KIND_ORIGIN = 0, 1, 2, 3

_PATTERNS: dict[tuple, Any] = {}


def matches(name: str | None, patterns) -> bool:
    """Does ``name`` match one of the glob ``patterns`` (compiled once per pattern set)?"""
    if not name:
        return False
    rx = _PATTERNS.get(patterns)
    if rx is None:
        rx = _PATTERNS[patterns] = re.compile("|".join(f"(?:{fnmatch.translate(p)})" for p in patterns) or "(?!)")
    return rx.match(name) is not None


def load_name(name: str, patterns) -> bool:
    """Load helpers: the configured patterns, plus names that say they load weights into a model."""
    low = name.lower()
    if any(w in low for w in NOT_WEIGHT_LOAD_WORDS):
        return False  # ``load_from_full_optimizer_state_dict(model, opt, sd)`` restores the optimizer's state
    if name in LOAD_NAMES or matches(name, patterns):
        return True
    return "load" in low and any(w in low for w in LOAD_OBJECT_WORDS)


def maybe_init_name(name: str) -> bool:
    """A method name that may initialize the model or not (``init_states``, ``reset_cache``, ``post_init``)."""
    low = name.lstrip("_").lower()
    return low.startswith(("init", "reset", "materialize", "setup_weights", "post_init")) or (
        "init" in low and any(w in low for w in ("weight", "param", "state"))
    )


def initializing_name(name: str) -> bool:
    """Initializes what it is called on or given, whatever the project configures."""
    return name == "apply" or name in INIT_METHODS or name in NN_INIT_NAMES or name in TENSOR_INIT_METHODS


def name_kind(name: str, config, functions) -> int:
    """What a call named ``name`` is to the gate of every scope (and to :mod:`initlint.slicing`).

    :data:`KIND_NONE` (0): nothing, :data:`KIND_LOAD` (1): a load, :data:`KIND_INIT` (2): an initialization (or a
    same-file helper in ``functions``), :data:`KIND_ORIGIN` (3): an empty-init origin.
    """
    if name in ORIGIN_NAMES:
        return KIND_ORIGIN
    if name == "load" or load_name(name, config.load_helpers):
        return KIND_LOAD
    if initializing_name(name) or matches(name, config.init_helpers) or name in functions:
        return KIND_INIT
    return KIND_NONE


#: Source regex (for :mod:`initlint.slicing`): a trainer constructor's keyword that makes it load a checkpoint.
TRAINER_LOAD_RE = re.compile(r"\b(?:" + "|".join(TRAINER_LOAD_KWS) + r")\s*=")
