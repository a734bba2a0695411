"""nn.Module classes of one file: their parameters, their init paths, and what each path initializes.

Questions the INIT0xx rules ask (all answered from one pass over the module classes, memoized):

* :meth:`ModuleFacts.module_classes` — which classes are nn.Modules (bases resolved through the imports,
  ``torch.nn.*``, Lightning, config ``module_bases``, same-file modules transitively);
* ``cls.params`` — parameters the class creates itself, with how their storage was allocated;
* :meth:`reset_method` / :meth:`torch_reset_base` / :meth:`central_coverage` — its re-initialization paths;
* :meth:`reinit_coverage` — which of its parameters those paths initialize;
* :meth:`constructor_coverage` — which parameters ``__init__`` initializes after allocating them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from .effects import Effects, guard_matches, scan
from .imports import dotted
from .walk import body_of, call_name, descendants, keyword, positional, string_value

#: torch.nn classes whose own ``reset_parameters`` initializes the parameters they create.
TORCH_WITH_RESET = frozenset(
    """Linear LazyLinear Bilinear Conv1d Conv2d Conv3d ConvTranspose1d ConvTranspose2d ConvTranspose3d
    LazyConv1d LazyConv2d LazyConv3d Embedding EmbeddingBag LayerNorm GroupNorm RMSNorm BatchNorm1d
    BatchNorm2d BatchNorm3d SyncBatchNorm InstanceNorm1d InstanceNorm2d InstanceNorm3d RNN LSTM GRU
    RNNCell LSTMCell GRUCell MultiheadAttention PReLU LocalResponseNorm""".split()
)
_NOT_MODULES = frozenset({"Parameter", "UninitializedParameter", "UninitializedBuffer", "Buffer"})
_LIGHTNING = ("lightning.", "pytorch_lightning.", "lightning_fabric.")
#: Library base classes that are nn.Modules *and* bring a central init function we cannot see.
#: transformers' ``PreTrainedModel._init_weights`` initializes ``weight``/``bias`` of every module whose
#: class name contains "Norm" (LayerNorm/RMSNorm/GroupNorm/BatchNorm), besides torch's own layers.
_HF_PRETRAINED = "PreTrainedModel"
_HF_NORM_ATTRS = frozenset({"weight", "bias"})
_PARAM_FACTORIES = frozenset({"torch.nn.Parameter", "torch.nn.parameter.Parameter"})
_PARAM_CONTAINERS = frozenset({"torch.nn.ParameterList", "torch.nn.ParameterDict"})
_EMPTY_FACTORIES = frozenset(
    {"torch.empty", "torch.empty_like", "torch.empty_strided", "torch.Tensor"}
    | {
        f"torch.{t}Tensor"
        for t in ("Float", "Double", "Half", "BFloat16", "Long", "Int", "Short", "Byte", "Char", "Bool")
    }
    | {f"torch.cuda.{t}Tensor" for t in ("Float", "Double", "Half", "BFloat16")}
)
_PASSTHROUGH = frozenset(
    {"to", "float", "double", "half", "bfloat16", "cuda", "cpu", "contiguous", "type", "detach", "view",
     "reshape", "requires_grad_", "t", "transpose", "permute", "squeeze", "unsqueeze", "pin_memory"}
)
_WRITE_NAMES = ("init", "reset")
#: A single name passed to ``torch.Tensor(x)`` that looks like data rather than a size.
_DATA_WORDS = ("data", "weight", "tensor", "value", "init", "array", "matrix", "emb", "table", "arr", "vec")


@dataclass
class ParamInfo:
    """A parameter created by a module class."""

    name: str
    node: cst.CSTNode
    method: str
    #: "empty" (uninitialized memory), "value" (data given at creation), or "unknown"
    alloc: str
    #: only a load can fill it: ``requires_grad=False`` on uninitialized storage, or an integer/fp8 dtype
    #: (packed or quantized weights) that no ``nn.init`` function initializes
    load_only: bool = False
    #: why INIT001-INIT003 do not judge it ("" when they do): "load" (see ``load_only``), "data" (a method
    #: other than the constructor overwrites it with a value computed from its arguments: a DoRA magnitude
    #: from the base weight's norm, k-means codebooks from the first batch), "zero-size" (``torch.empty(0)``,
    #: ``torch.Tensor()``: no element to initialize, a device marker or a placeholder replaced later)
    unjudged: str = ""


@dataclass
class ModuleClass:
    name: str
    node: cst.ClassDef
    local_bases: list[str]
    external_bases: list[str]
    methods: dict[str, cst.FunctionDef]
    params: dict[str, ParamInfo] = field(default_factory=dict)
    #: ``self.child = SameFileClass(...)`` in a method: child attribute -> class name
    children: dict[str, str] = field(default_factory=dict)


@dataclass
class Coverage:
    attrs: set[str] = field(default_factory=set)
    all: bool = False
    #: the init methods/functions that contributed, in order (for messages)
    sources: list["ReinitPath"] = field(default_factory=list)

    def covers(self, attr: str) -> bool:
        return self.all or attr in self.attrs

    def add(self, fx_attrs, fx_all: bool) -> None:
        self.attrs |= set(fx_attrs)
        self.all = self.all or fx_all


@dataclass
class CentralInit:
    """A Hugging Face / nanoGPT style init function (``_init_weights(self, module)`` ...)."""

    name: str
    node: cst.FunctionDef | None  # None: defined in another file (read from its summary)
    owner: str | None  # class whose method it is
    effects: Effects
    #: ``super().<name>(module)`` was resolved through the project index (no need to assume it covers all)
    super_resolved: bool = False
    #: where it is defined when not in this file: ``PreTrainedModel._init_weights`` (for messages)
    label: str | None = None
    #: defined in another file, and its ``super().<name>(module)`` goes into a base that cannot be read
    super_unread: bool = False


@dataclass(frozen=True)
class ReinitPath:
    """One way a class's parameters get re-initialized.

    ``kind``: "reset" (its own or a base's ``reset_parameters()``), "torch-reset" (inherited from a torch.nn
    class), "own" (an init method of the class itself: nanoGPT's ``GPT.init_weights``), "dispatch" (a central
    init function whose branch for the class covers it: ``_init_weights(module)``, here or in another file),
    "owner" (the init method of a class that builds this one as its child and initializes it there).
    """

    kind: str
    #: "Cls.reset_parameters", "nn.Linear", "_init_weights", "GPT.init_weights"...
    name: str
    #: the class whose method it is, when it is a method (None: a function or a library class)
    owner: str | None = None

    def __str__(self) -> str:
        if self.kind == "reset":
            return f"{self.name}()"
        if self.kind == "torch-reset":
            return f"{self.name}.reset_parameters() (inherited)"
        return self.name


def self_param_name(fn: cst.FunctionDef) -> str | None:
    params = fn.params.params or fn.params.posonly_params
    if not params:
        return None
    for deco in fn.decorators:
        if dotted(deco.decorator) in ("staticmethod", "classmethod"):
            return None
    return params[0].name.value


def parameter_names(fn: cst.FunctionDef) -> list[str]:
    return [p.name.value for p in list(fn.params.posonly_params) + list(fn.params.params)]


class ModuleFacts:
    """Module-definition facts of one file (see the module docstring)."""

    def __init__(self, facts) -> None:
        self.facts = facts
        self.imports = facts.imports
        self.config = facts.config
        #: other files of the project / installed libraries (None: this source is not a file on disk)
        self.index = getattr(facts, "project", None)
        self.origin = getattr(facts, "origin", None)
        #: class name -> qualified names of its bases that are module classes defined in other files
        self.remote_bases: dict[str, list[str]] = {}
        self._mro_cache: dict[str, list] = {}
        #: files under tests/ or named test_*.py / *_test.py: their classes are not reported by INIT001-003
        self.test_file = _is_test_path(facts.path)
        self.functions: dict[str, cst.FunctionDef] = {}
        all_classes: dict[str, cst.ClassDef] = {}
        for stmt in top_level_statements(facts.module.body):
            if isinstance(stmt, cst.ClassDef):
                all_classes.setdefault(stmt.name.value, stmt)
            elif isinstance(stmt, cst.FunctionDef):
                self.functions.setdefault(stmt.name.value, stmt)
        self.classes: dict[str, ModuleClass] = self._module_classes(all_classes)
        for cls in self.classes.values():
            self._collect_params(cls)
            if cls.params:
                for pname in _data_filled(cls):
                    if pname in cls.params and not cls.params[pname].unjudged:
                        cls.params[pname].unjudged = "data"
        #: same-file classes that are not modules (peft's ``OFTLayer`` mixed into ``class Linear(nn.Module,
        #: OFTLayer)``, a builder): their methods may build children and initialize them, which counts for
        #: :meth:`owner_coverage`. Never reported themselves.
        self.mixins: dict[str, ModuleClass] = self._mixins(all_classes)
        for cls in self.mixins.values():
            self._collect_params(cls)
        self._method_cache: dict[tuple, Coverage] = {}
        self._function_cache: dict[tuple, Coverage] = {}
        self._constructed_cache: dict[str, set[str]] = {}
        self._unwritten_cache: dict[str, list[ParamInfo]] = {}
        self._built_cache: dict[str, set[str]] = {}
        self._owner_cache: dict[tuple, Coverage] = {}
        self._factory_table: dict[str, set[str]] | None = None
        self._writers: dict[str, frozenset[int]] = {}
        self.central: list[CentralInit] = self._central_inits(all_classes)
        #: the file builds on transformers' PreTrainedModel, whose source could not be read: its inherited
        #: ``_init_weights`` is assumed to cover ``*Norm*`` classes (the transformers v5 behaviour)
        #: (also when the file's model bases are read from other files of the package but their chain ends at
        #: a ``PreTrainedModel`` that cannot be read: a ``models/`` directory without ``modeling_utils.py``)
        self.hf_model_file = any(
            self._is_hf_base(ext) and self._unread_hf_base(ext) for c in self.classes.values()
            for ext in c.external_bases
        )
        #: transformers' ``modular_*.py`` files are templates: the converter copies inherited code with the
        #: parent model's name replaced by this one (``ViTEmbeddings`` -> ``Dinov2Embeddings``), so a
        #: ``ViTPreTrainedModel._init_weights`` branch for ``ViTEmbeddings`` covers ``Dinov2Embeddings`` here
        self.renames: list[tuple[str, str]] = self._modular_renames(facts.path)
        #: central init methods inherited from classes in other files (``PreTrainedModel._init_weights``)
        self.remote_central: list[CentralInit] = self._remote_central_inits()

    def _scan(self, body, recv, imports, **kw) -> Effects:
        """:func:`~initlint.facts.effects.scan` with the project index answering for functions of other files."""
        if self.index is not None and self.origin is not None:
            kw["writer"] = self._remote_writer
        return scan(body, recv, imports, **kw)

    def _remote_writer(self, func) -> frozenset[int]:
        """Indices of the arguments an imported function (``torch_geometric.nn.inits.glorot``) writes in place."""
        qual = self.imports.resolve(func)
        if not qual or qual.startswith(("torch.", "math.", "numpy.")):
            return frozenset()
        cached = self._writers.get(qual)
        if cached is None:
            found = self.index.function_writes(self.origin, qual)
            cached = self._writers[qual] = frozenset(found or ())
        return cached

    # ------------------------------------------------------------------ which classes are modules
    def _is_module_base(self, expr) -> str | None:
        """Resolved name of an external base that makes a class a module, else None."""
        return module_base_name(expr, self.imports, self.config)

    @staticmethod
    def _is_hf_base(name: str) -> bool:
        return _is_hf_base(name)

    def _module_classes(self, all_classes: dict[str, cst.ClassDef]) -> dict[str, ModuleClass]:
        info: dict[str, tuple[list[str], list[str]]] = {}
        for name, node in all_classes.items():
            local, external = [], []
            for arg in node.bases:
                if arg.keyword is not None:
                    continue
                raw = dotted(arg.value)
                if raw in all_classes and raw != name:
                    local.append(raw)
                    continue
                resolved = self._is_module_base(arg.value)
                if resolved:
                    external.append(resolved)
                    if not resolved.startswith(("torch.", ) + _LIGHTNING):
                        self.remote_bases.setdefault(name, []).append(resolved)
                elif self.index is not None and self.origin is not None:
                    qual = self.imports.resolve(arg.value)
                    if qual and self.index.is_module_class(self.origin, qual, self.config.module_bases):
                        # a module class of another file (a library's ``ModelMixin``, an adapter base layer)
                        external.append(qual)
                        self.remote_bases.setdefault(name, []).append(qual)
            info[name] = (local, external)
        modules: set[str] = {n for n, (_l, ext) in info.items() if ext}
        changed = True
        while changed:
            changed = False
            for n, (local, _ext) in info.items():
                if n not in modules and any(b in modules for b in local):
                    modules.add(n)
                    changed = True
        out = {}
        for n in sorted(modules, key=lambda k: all_classes[k].name.value):
            node = all_classes[n]
            methods = {
                s.name.value: s for s in body_of(node.body) if isinstance(s, cst.FunctionDef)
            } if isinstance(node.body, cst.IndentedBlock) else {}
            local, external = info[n]
            out[n] = ModuleClass(n, node, [b for b in local if b in modules], external, methods)
        return out

    def _mixins(self, all_classes: dict[str, cst.ClassDef]) -> dict[str, ModuleClass]:
        out: dict[str, ModuleClass] = {}
        for name, node in all_classes.items():
            if name not in self.classes and isinstance(node.body, cst.IndentedBlock):
                methods = {s.name.value: s for s in node.body.body if isinstance(s, cst.FunctionDef)}
                out[name] = ModuleClass(name, node, [], [], methods)
        return out

    def factories(self, class_name: str) -> set[str]:
        """``class_name`` and the same-file functions that return a new instance of it (peft's
        ``get_router(config)`` returning ``PolyRouter(config)``): the names a child of that class is built with."""
        table = self._factory_table
        if table is None:
            from .walk import simple_statements

            table = self._factory_table = {}
            for fname, fn in self.functions.items():
                for small in simple_statements(body_of(fn)):
                    if (isinstance(small, cst.Return) and isinstance(small.value, cst.Call)
                            and isinstance(small.value.func, cst.Name)):
                        table.setdefault(small.value.func.value, set()).add(fname)
        return {class_name} | table.get(class_name, set())

    # ------------------------------------------------------------------ parameters
    def is_param_creation(self, expr) -> str | None:
        """"param" / "container" when ``expr`` creates a Parameter (or ParameterList/Dict), else None."""
        if isinstance(expr, cst.IfExp):
            return self.is_param_creation(expr.body) or self.is_param_creation(expr.orelse)
        if not isinstance(expr, cst.Call):
            return None
        name = self.imports.resolve(expr.func)
        if name in _PARAM_FACTORIES:
            return "param"
        if name in _PARAM_CONTAINERS:
            return "container"
        return None

    def allocation(self, expr) -> str:
        """How the data of ``nn.Parameter(<expr>)`` was allocated: "empty", "value" or "unknown"."""
        if isinstance(expr, cst.IfExp):
            kinds = {self.allocation(expr.body), self.allocation(expr.orelse)}
            return "empty" if kinds == {"empty"} else ("value" if kinds == {"value"} else "unknown")
        if not isinstance(expr, cst.Call):
            return "unknown" if isinstance(expr, cst.Name) else "value"
        func = expr.func
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            if method == "new_empty":
                return "empty"
            if method.endswith("_") and method not in ("requires_grad_",):
                return "value"  # torch.empty(n).normal_()
            if method in _PASSTHROUGH and isinstance(func.value, cst.Call):
                return self.allocation(func.value)
        name = self.imports.resolve(func)
        if name in ("torch.Tensor",) or (name or "").endswith("Tensor") and name in _EMPTY_FACTORIES:
            args = [a for a in expr.args if a.keyword is None]
            if not args:
                return "empty"
            if any(a.star == "*" for a in args) or len(args) >= 2:
                return "empty"
            only = args[0].value
            if isinstance(only, (cst.Integer, cst.Attribute, cst.BinaryOperation)):
                return "empty"
            if isinstance(only, cst.Name) and not any(w in only.value.lower() for w in _DATA_WORDS):
                return "empty"  # ``torch.Tensor(out_features)``: a size, the classic bias allocation
            return "unknown"
        if name in _EMPTY_FACTORIES:
            return "empty"
        return "value"

    def _collect_params(self, cls: ModuleClass) -> None:
        from .walk import simple_statements

        for method_name, fn in cls.methods.items():
            self_name = self_param_name(fn)
            if self_name is None:
                continue
            for small in simple_statements(body_of(fn)):
                target = value = None
                if isinstance(small, cst.Assign) and len(small.targets) == 1:
                    target, value = small.targets[0].target, small.value
                elif isinstance(small, cst.AnnAssign) and small.value is not None:
                    target, value = small.target, small.value
                elif isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
                    call = small.value
                    if (
                        call_name(call) == "register_parameter"
                        and isinstance(call.func, cst.Attribute)
                        and isinstance(call.func.value, cst.Name)
                        and call.func.value.value == self_name
                    ):
                        pname = string_value(positional(call, 0) or keyword(call, "name"))
                        pvalue = positional(call, 1) or keyword(call, "param")
                        if pname and pvalue is not None and self.is_param_creation(pvalue):
                            self._add_param(cls, pname, small, method_name, pvalue)
                    continue
                if (
                    isinstance(target, cst.Subscript)
                    and isinstance(target.value, cst.Attribute)
                    and isinstance(target.value.value, cst.Name)
                    and target.value.value.value == self_name
                    and isinstance(value, cst.Call)
                    and isinstance(value.func, cst.Name)
                ):
                    # ``self.oft_R[adapter] = OFTRotationModule(...)``: children kept in a ModuleDict by key
                    cls.children.setdefault(target.value.attr.value, value.func.value)
                    continue
                if (
                    isinstance(target, cst.Attribute)
                    and isinstance(target.value, cst.Name)
                    and target.value.value == self_name
                    and value is not None
                ):
                    if self.is_param_creation(value):
                        self._add_param(cls, target.attr.value, small, method_name, value)
                    elif isinstance(value, cst.Call) and isinstance(value.func, cst.Name):
                        cls.children.setdefault(target.attr.value, value.func.value)

    def _add_param(self, cls: ModuleClass, name: str, node, method: str, value) -> None:
        if name in cls.params and cls.params[name].method == "__init__":
            return  # first creation in __init__ is the definition
        if method in ("reset_parameters",) and name in cls.params:
            return
        alloc = "value"
        load_only = False
        kind = self.is_param_creation(value)
        if kind == "param":
            call = value.body if isinstance(value, cst.IfExp) else value
            if isinstance(call, cst.Call):
                data = positional(call, 0) or keyword(call, "data")
                alloc = self.allocation(data) if data is not None else "empty"
                frozen = keyword(call, "requires_grad") or positional(call, 1)
                load_only = _integer_storage(data, self.imports) or (
                    alloc == "empty" and isinstance(frozen, cst.Name) and frozen.value == "False"
                )
        elif kind == "container":
            call = value.body if isinstance(value, cst.IfExp) else value
            if isinstance(call, cst.Call) and _empty_container(call):
                return  # ``nn.ParameterDict({})``: filled later (peft's per-adapter dicts); nothing to initialize yet
            alloc = "unknown"
        info = cls.params[name] = ParamInfo(name, node, method, alloc, load_only)
        if load_only:
            info.unjudged = "load"
        elif kind == "param" and alloc == "empty" and _zero_size(data):
            info.unjudged = "zero-size"

    # ------------------------------------------------------------------ class hierarchy (same file)
    def mro(self, cls: ModuleClass) -> list[ModuleClass]:
        """``cls`` and its module bases, without repeats: same-file ones first, then those of other files
        (:class:`~initlint.project.index.RemoteClass`, read from their summaries)."""
        cached = self._mro_cache.get(cls.name) if not getattr(cls, "remote", False) else None
        if cached is not None:
            return cached
        out: list = []
        stack = [cls]
        while stack:
            c = stack.pop(0)
            if c in out:
                continue
            out.append(c)
            stack.extend(self.classes[b] for b in c.local_bases if b in self.classes)
        if self.index is not None and self.origin is not None:
            for c in list(out):
                for qual in self.remote_bases.get(c.name, ()) if not getattr(c, "remote", False) else ():
                    for remote in self.index.remote_mro(self.origin, qual):
                        if remote not in out:
                            out.append(remote)
        self._mro_cache[cls.name] = out
        return out

    def _unread_hf_base(self, qual: str) -> bool:
        """Does the transformers model base ``qual`` (as imported here) lead, through the files the index can
        read, to a ``*PreTrainedModel`` whose source cannot be read?"""
        if self.index is None or self.origin is None:
            return True
        memo = self.__dict__.setdefault("_unread_memo", {})
        if qual not in memo:
            memo[qual] = self._walk_to_unread_hf_base(qual)
        return memo[qual]

    def _walk_to_unread_hf_base(self, qual: str) -> bool:
        stack, seen = [(self.origin, qual, 0)], set()
        while stack:
            file, q, depth = stack.pop()
            if depth > 12 or (file, q) in seen:
                continue
            seen.add((file, q))
            where = (file, q[1:]) if q.startswith("#") else self.index.locate(file, q)
            if where is None:
                if q.rsplit(".", 1)[-1].endswith(_HF_PRETRAINED):
                    return True
                continue
            stack.extend((f, b, depth + 1) for f, b in self.index.base_refs(*where))
        return False

    def _modular_renames(self, path) -> list[tuple[str, str]]:
        """``[(parent model prefix, this model prefix)]`` in a transformers ``modular_*.py`` file, from its
        classes whose base is a model class of another file with the same suffix (``Dinov2PreTrainedModel
        (ViTPreTrainedModel)``: ``("ViT", "Dinov2")``). Empty for every other file."""
        import os

        if not os.path.basename(str(path or "")).startswith("modular_"):
            return []
        out: set[tuple[str, str]] = set()
        for cls in self.classes.values():
            for qual in [*self.remote_bases.get(cls.name, ()), *(e for e in cls.external_bases if _is_hf_base(e))]:
                base = qual.rsplit(".", 1)[-1]
                common = 0
                while common < min(len(base), len(cls.name)) and base[-1 - common] == cls.name[-1 - common]:
                    common += 1
                old, new = base[:len(base) - common], cls.name[:len(cls.name) - common]
                if old and new and old != new and common >= 4:
                    out.add((old, new))
        return sorted(out)

    def _resolves(self, qual: str) -> bool:
        """Does the index find the class ``qual`` (as imported here) in a file it can read?"""
        return self.index is not None and self.origin is not None and \
            self.index.resolve_class(self.origin, qual) is not None

    def family_names(self, cls: ModuleClass) -> set[str]:
        names = set()
        for c in self.mro(cls):
            names.add(c.name)
            names.update(e.rsplit(".", 1)[-1] for e in c.external_bases)
        for old, new in self.renames:  # a modular file: ``Dinov2Embeddings`` is what ``ViTEmbeddings`` becomes
            names.update(old + n[len(new):] for n in list(names) if n.startswith(new))
        return names

    def find_method(self, cls: ModuleClass, name: str, after: ModuleClass | None = None):
        """``(owner, FunctionDef)`` of ``name`` along the same-file MRO (after ``after`` if given)."""
        chain = self.mro(cls)
        if after is not None and after in chain:
            chain = chain[chain.index(after) + 1:]
        for c in chain:
            if name in c.methods:
                return c, c.methods[name]
        return None, None

    def reset_method(self, cls: ModuleClass):
        """``(owner, FunctionDef)`` of the class's own or same-file inherited ``reset_parameters``."""
        return self.find_method(cls, "reset_parameters")

    def torch_reset_base(self, cls: ModuleClass) -> str | None:
        """Name of a torch.nn base (``Linear``...) whose ``reset_parameters`` the class inherits."""
        for c in self.mro(cls):
            for ext in c.external_bases:
                last = ext.rsplit(".", 1)[-1]
                if ext.startswith("torch.nn.") and last in TORCH_WITH_RESET:
                    return last
        return None

    # ------------------------------------------------------------------ coverage of init paths
    def method_coverage(self, cls: ModuleClass, name: str, after: ModuleClass | None = None,
                        _seen: frozenset = frozenset()) -> Coverage:
        """What calling ``self.<name>()`` on an instance of ``cls`` initializes (own parameters)."""
        key = (cls.name, name, after.name if after else None)
        if key in self._method_cache:
            return self._method_cache[key]
        cov = Coverage()
        if key in _seen:
            return cov
        seen = _seen | {key}
        owner, fn = self.find_method(cls, name, after)
        if fn is None:
            if any(w in name.lower() for w in _WRITE_NAMES) and name != "__init__":
                # ``self.post_init()``, ``self.init_weights()`` from an unseen base: assume it initializes.
                cov.all = not (name == "reset_parameters" and self.torch_reset_base(cls) is not None)
                cov.sources.append(ReinitPath("dispatch", name))
            self._method_cache[key] = cov
            return cov
        if getattr(fn, "fx", None) is not None:  # a method of a class in another file: its summary
            if fn.has_self:
                cov.add(fn.fx.inits, fn.fx.all)
                cov.sources.append(ReinitPath("own", f"{owner.name}.{name}", owner.name))
                self._merge_effects(cls, owner, fn.fx, cov, seen)
            self._method_cache[key] = cov
            return cov
        self_name = self_param_name(fn)
        if self_name is None:
            self._method_cache[key] = cov
            return cov
        fx = self._scan(body_of(fn), {self_name}, self.imports, functions=self.functions)
        # an init method that assigns a fresh value does set it (INIT005 reports the replacement)
        cov.add(fx.inits | set(fx.assigned), fx.all)
        cov.sources.append(ReinitPath("own", f"{owner.name}.{name}", owner.name))
        self._merge_effects(cls, owner, fx, cov, seen)
        self._method_cache[key] = cov
        return cov

    def _merge_effects(self, cls: ModuleClass, owner: ModuleClass | None, fx: Effects, cov: Coverage,
                       seen: frozenset) -> None:
        for m in sorted(fx.self_calls):
            if m in ("apply", "register_buffer", "register_parameter", "parameters", "named_parameters"):
                continue
            sub = self.method_coverage(cls, m, None, seen)
            cov.add(sub.attrs, sub.all)
        for m in sorted(fx.super_calls):
            sub = self.method_coverage(cls, m, owner, seen)
            cov.add(sub.attrs, sub.all)
        for fn_expr in fx.applied:
            sub = self.applied_coverage(cls, fn_expr, seen)
            cov.add(sub.attrs, sub.all)
        for fname, index in fx.passed_to:
            sub = self.function_coverage(fname, index, cls, seen)
            cov.add(sub.attrs, sub.all)

    def function_coverage(self, fname: str, index: int, cls: ModuleClass | None = None,
                          _seen: frozenset = frozenset()) -> Coverage:
        """What the same-file function ``fname`` initializes on its ``index``-th argument."""
        key = (fname, index, cls.name if cls else None)
        if key in self._function_cache:
            return self._function_cache[key]
        cov = Coverage()
        fn = self.functions.get(fname)
        names = parameter_names(fn) if fn is not None else []
        if fn is None or index < 0 or index >= len(names) or key in _seen:
            cov.all = index < 0  # passed by keyword: be generous (precision first)
            return cov
        fx = self._scan(body_of(fn), {names[index]}, self.imports, functions=self.functions,
                        dispatch_names={names[index]})
        cov.add(fx.inits, fx.all)
        if cls is not None:
            self._dispatch_into(cls, fx, cov)
            self._merge_effects(cls, None, Effects(passed_to=fx.passed_to, self_calls=fx.self_calls), cov,
                                _seen | {key})
        cov.sources.append(ReinitPath("dispatch", fname))
        self._function_cache[key] = cov
        return cov

    def applied_coverage(self, cls: ModuleClass, fn_expr, seen: frozenset = frozenset()) -> Coverage:
        """``self.apply(fn)``: fn runs on every submodule, this one included."""
        cov = Coverage()
        if isinstance(fn_expr, cst.Attribute) and isinstance(fn_expr.value, cst.Name):
            owner, fn = self.find_method(cls, fn_expr.attr.value)
            if fn is None:
                cov.all = True  # an unseen method: assume it initializes (precision first)
                return cov
            if getattr(fn, "fx", None) is not None:  # defined in another file
                if len(fn.params) >= 2:
                    self._dispatch_into(cls, fn.fx, cov)
                else:
                    cov.all = True
                return cov
            names = parameter_names(fn)
            if len(names) >= 2:
                fx = self._scan(body_of(fn), {names[0]}, self.imports, functions=self.functions,
                                dispatch_names={names[1]})
                self._dispatch_into(cls, fx, cov)
            return cov
        if isinstance(fn_expr, cst.Name) and fn_expr.value in self.functions:
            return self.function_coverage(fn_expr.value, 0, cls, seen)
        qual = self.imports.resolve(fn_expr) if isinstance(fn_expr, (cst.Name, cst.Attribute)) else None
        if qual and self.index is not None and self.origin is not None and not qual.startswith("torch."):
            found = self.index.resolve_function(self.origin, qual)
            if found is not None:  # ``self.apply(init_fn)`` with ``init_fn`` from another file
                _params, fx = found
                cov.add(fx.inits, fx.all)
                self._dispatch_into(cls, fx, cov)
                return cov
        cov.all = True  # lambda / partial / imported function: unknown, assume it initializes
        return cov

    def _dispatch_into(self, cls: ModuleClass, fx: Effects, cov: Coverage) -> None:
        family = self.family_names(cls)
        for entry in fx.dispatch:
            if entry.guard is None or guard_matches(entry.guard, family):
                cov.add(entry.attrs, entry.all)
                for method in sorted(entry.methods):
                    sub = self.method_coverage(cls, method)
                    cov.add(sub.attrs, sub.all)

    def _central_inits(self, all_classes: dict[str, cst.ClassDef]) -> list[CentralInit]:
        wanted = set(self.config.init_functions)
        out: list[CentralInit] = []
        for name in sorted(wanted & set(self.functions)):
            fn = self.functions[name]
            names = parameter_names(fn)
            if names:
                fx = self._scan(body_of(fn), set(), self.imports, functions=self.functions, dispatch_names={names[0]})
                out.append(CentralInit(name, fn, None, fx))
        for cname, node in all_classes.items():
            if not isinstance(node.body, cst.IndentedBlock):
                continue
            for stmt in node.body.body:
                if isinstance(stmt, cst.FunctionDef) and stmt.name.value in wanted:
                    names = parameter_names(stmt)
                    self_name = self_param_name(stmt)
                    if self_name is None:
                        if names:
                            fx = self._scan(body_of(stmt), set(), self.imports, functions=self.functions,
                                            dispatch_names={names[0]})
                            out.append(CentralInit(stmt.name.value, stmt, None, fx))
                        continue
                    dispatch = {names[1]} if len(names) >= 2 else set()
                    fx = self._scan(body_of(stmt), {self_name}, self.imports, functions=self.functions,
                                    dispatch_names=dispatch)
                    out.append(CentralInit(stmt.name.value, stmt, cname, fx))
        return out

    def _remote_central_inits(self) -> list[CentralInit]:
        """Central init methods this file's classes inherit from classes in other files, and the targets of
        ``super()._init_weights(module)`` in this file's own ones (read from the index's summaries)."""
        out: list[CentralInit] = []
        if self.index is None or self.origin is None:
            return out
        seen: set = set()
        wanted = sorted(set(self.config.init_functions))

        def add(cls: ModuleClass, owner, fn, name: str) -> None:
            # the method, then what its ``super().<name>(module)`` reaches in turn (Esm -> PreTrainedModel)
            for _hop in range(8):
                if fn is None or getattr(fn, "fx", None) is None or not fn.has_self or len(fn.params) < 2:
                    return
                key = (owner.path, owner.name, name)
                if key in seen:
                    return
                seen.add(key)
                out.append(CentralInit(name, None, None, fn.fx, label=f"{owner.name}.{name}",
                                       super_unread=self._super_unread(cls, owner, name, fn.fx)))
                if name not in fn.fx.super_calls:
                    return
                owner, fn = self.find_method(cls, name, owner)

        for cls in self.classes.values():
            if not self.remote_bases.get(cls.name) and not any(self.remote_bases.get(c.name) for c in self.mro(cls)):
                continue
            for name in wanted:
                owner, fn = self.find_method(cls, name)
                add(cls, owner, fn, name)
        for central in self.central:
            owner_cls = self.classes.get(central.owner) if central.owner else None
            if owner_cls is None or central.name not in central.effects.super_calls:
                continue
            owner, fn = self.find_method(owner_cls, central.name, owner_cls)
            if fn is None or getattr(fn, "fx", None) is None:
                continue
            central.super_resolved = True
            add(owner_cls, owner, fn, central.name)
        return out

    def _super_unread(self, cls: ModuleClass, owner, name: str, fx: Effects) -> bool:
        """Does the inherited init method ``owner.<name>`` call ``super().<name>(module)`` into a base of another
        library that cannot be read? Then, as for this file's own init methods (:meth:`_unseen_base`), it is
        assumed to cover everything: unknown stays silent. transformers' ``PreTrainedModel`` is not such a base:
        when it cannot be read, the ``*Norm*`` assumption stands for it (:attr:`hf_model_file`)."""
        if name not in fx.super_calls or self.index is None:
            return False
        _next_owner, nxt = self.find_method(cls, name, owner)
        if nxt is not None:
            return False
        for file, qual in self.index.base_refs(getattr(owner, "path", ""), owner.name):
            if qual.startswith("#") or self.index.locate(file, qual) is not None:
                continue
            last = qual.rsplit(".", 1)[-1]
            if not qual.startswith(("torch.", "builtins.")) and not last.endswith(_HF_PRETRAINED) \
                    and last not in ("object", "ABC", "Generic"):
                return True
        return False

    def central_coverage(self, cls: ModuleClass) -> tuple[bool, Coverage]:
        """(does some central init function cover this class at all, what it initializes)."""
        cov = Coverage()
        covered = False
        family = self.family_names(cls)
        own_names = {c.name for c in self.mro(cls)}
        params = set(cls.params)
        if self.hf_model_file and "Norm" in cls.name and params & _HF_NORM_ATTRS:
            covered = True
            cov.add(_HF_NORM_ATTRS, False)
            cov.sources.append(
                ReinitPath("dispatch", "PreTrainedModel._init_weights (inherited; covers *Norm* weight/bias)")
            )
        for central in self.central + self.remote_central:
            label = central.label or central.name
            if central.super_unread or (central.name in central.effects.super_calls and not central.super_resolved
                                        and central.node is not None and self._unseen_base(central.owner)):
                # ``super()._init_weights(module)`` into a library base we cannot read: assume it covers
                covered = True
                cov.all = True
                cov.sources.append(ReinitPath("dispatch", f"super().{central.name}"))
            for entry in central.effects.dispatch:
                for child, attr in entry.nested:
                    # ``isinstance(m, Block): init(m.gate.weight)`` initializes Block.gate's ``weight``
                    if attr in params and any(
                        self.classes[g].children.get(child) == cls.name for g in entry.guard or () if g in self.classes
                    ):
                        covered = True
                        cov.add({attr}, False)
                        cov.sources.append(ReinitPath("dispatch", label))
                if guard_matches(entry.guard, family):
                    covered = True
                    self._add_dispatch(cls, entry, label, cov)
                elif entry.guard is None and (entry.all or entry.attrs & params):
                    covered = True
                    cov.add(entry.attrs, entry.all)
                    cov.sources.append(ReinitPath("dispatch", label))
            for child, attr in central.effects.container_writes:
                # ``for level in self.levels: init(level.pos_embed)`` in the init method of a class that
                # builds this class in its constructor: every item's ``pos_embed`` is written
                owner = self.classes.get(central.owner) if central.owner else None
                if attr in params and owner is not None and cls.name in self.constructed(owner):
                    covered = True
                    cov.add({attr}, False)
                    cov.sources.append(ReinitPath("own", f"{central.owner}.{central.name}", central.owner))
            if central.owner in own_names and self.classes.get(central.owner) is not None:
                owner = self.classes[central.owner]
                fx = central.effects
                sub = Coverage(set(fx.inits), fx.all)
                calls = Effects(self_calls=fx.self_calls, super_calls=fx.super_calls, applied=fx.applied,
                                passed_to=fx.passed_to)
                self._merge_effects(cls, owner, calls, sub, frozenset())
                # the class's own init method (nanoGPT / nanochat ``init_weights(self)``): it is an init
                # path even when it misses every direct parameter (INIT002 then names each one)
                covered = True
                cov.add(sub.attrs, sub.all)
                cov.sources.append(ReinitPath("own", f"{central.owner}.{central.name}", central.owner))
        if params and not cov.all and not params <= cov.attrs:
            owner = self.owner_coverage(cls, construction=False)  # a parent's init method writes them
            if owner.sources:
                covered = True
                cov.add(owner.attrs, owner.all)
                cov.sources.extend(owner.sources)
        if (self.index is not None and self.origin is not None and params and not cov.all
                and not params <= cov.attrs):
            # the ``_init_weights`` of models in other files of the package that build this class
            for label, fx in self.index.init_functions_applying_to(self.origin, cls.name, self.config.init_functions):
                for entry in fx.dispatch:
                    if guard_matches(entry.guard, family):
                        covered = True
                        self._add_dispatch(cls, entry, label, cov)
        return covered, cov

    def _add_dispatch(self, cls: ModuleClass, entry, label: str, cov: Coverage) -> None:
        """A central init function's branch that matches ``cls``: what it writes, and the methods it calls."""
        cov.add(entry.attrs, entry.all)
        for method in sorted(entry.methods):
            sub = self.method_coverage(cls, method)
            cov.add(sub.attrs, sub.all)
        cov.sources.append(ReinitPath("dispatch", label))

    def constructed(self, cls: ModuleClass) -> set[str]:
        """Names called in ``cls.__init__`` (``levels.append(NestLevel(...))``): what its containers may hold."""
        names = self._constructed_cache.get(cls.name)
        if names is None:
            from .walk import iter_calls, simple_statements

            init = cls.methods.get("__init__")
            names = self._constructed_cache[cls.name] = set() if init is None else {
                c.func.value for small in simple_statements(body_of(init)) for c in iter_calls(small)
                if isinstance(c.func, cst.Name)
            }
        return names

    def _unseen_base(self, owner: str | None) -> bool:
        """Does class ``owner`` inherit from a base outside this file other than torch.nn / transformers?"""
        node_info = self.classes.get(owner) if owner else None
        if node_info is None:
            return owner is not None
        for c in self.mro(node_info):
            for ext in c.external_bases:
                if not ext.startswith("torch.nn.") and not self._is_hf_base(ext):
                    return True
        return False

    def reinit_paths(self, cls: ModuleClass) -> list[ReinitPath]:
        """The class's re-initialization paths (empty: none); ``str()`` of each is its name in messages."""
        paths = []
        owner, fn = self.reset_method(cls)
        if fn is not None:
            paths.append(ReinitPath("reset", f"{owner.name}.reset_parameters", owner.name))
        elif self.torch_reset_base(cls):
            paths.append(ReinitPath("torch-reset", f"nn.{self.torch_reset_base(cls)}"))
        covered, cov = self.central_coverage(cls)
        if covered:
            paths.extend(dict.fromkeys(cov.sources))
        return paths

    def reinit_coverage(self, cls: ModuleClass) -> Coverage:
        """Union of what the reset path and the central init functions initialize."""
        cov = Coverage()
        owner, fn = self.reset_method(cls)
        if fn is not None:
            sub = self.method_coverage(cls, "reset_parameters")
            cov.add(sub.attrs, sub.all)
        _covered, central = self.central_coverage(cls)
        cov.add(central.attrs, central.all)
        return cov

    def constructor_coverage(self, cls: ModuleClass, method: str = "__init__") -> Coverage:
        """What ``method`` (normally ``__init__``) initializes in place, following self-calls and super()."""
        cov = Coverage()
        fn = cls.methods.get(method)
        if fn is None:
            return cov
        self_name = self_param_name(fn)
        if self_name is None:
            return cov
        fx = self._scan(body_of(fn), {self_name}, self.imports, functions=self.functions)
        cov.add(fx.inits, fx.all)
        if "__init__" in fx.super_calls:
            # a same-file base constructor may call self.reset_parameters() (dispatched to this class)
            owner, base_init = self.find_method(cls, "__init__", cls)
            if base_init is not None and getattr(base_init, "fx", None) is not None:
                # a constructor in another file (its summary): what it writes and the methods it calls
                if base_init.has_self:
                    cov.add(base_init.fx.inits, base_init.fx.all)
                    self._merge_effects(cls, owner, Effects(self_calls=set(base_init.fx.self_calls)), cov, frozenset())
            elif base_init is not None and self_param_name(base_init):
                bfx = self._scan(body_of(base_init), {self_param_name(base_init)}, self.imports,
                                 functions=self.functions)
                cov.add(bfx.inits, bfx.all)
                calls = Effects(self_calls=bfx.self_calls, applied=bfx.applied, passed_to=bfx.passed_to)
                self._merge_effects(cls, owner, calls, cov, frozenset())
            elif self.torch_reset_base(cls) is not None:
                # torch's constructor calls self.reset_parameters(), dispatched to an override
                if "reset_parameters" in cls.methods:
                    sub = self.method_coverage(cls, "reset_parameters")
                    cov.add(sub.attrs, sub.all)
        fx.super_calls.discard("__init__")
        self._merge_effects(cls, cls, fx, cov, frozenset())
        return cov

    def uninitialized_at_construction(self, cls: ModuleClass) -> list[ParamInfo]:
        """Parameters allocated from uninitialized memory that construction never writes (INIT003).

        Asked by INIT001, INIT002 and INIT003 for every class, so computed once per class.
        """
        cached = self._unwritten_cache.get(cls.name)
        if cached is None:
            cached = self._unwritten_cache[cls.name] = self._uninitialized_at_construction(cls)
        return cached

    def owner_coverage(self, cls: ModuleClass, construction: bool) -> Coverage:
        """What same-file classes that build ``cls`` as a child (``self.child = Cls(...)``, ``self.d[key] =
        Cls(...)``, ``self.d[key] = factory(...)``; module classes or not) initialize of it.

        ``construction``: in their ``__init__`` (``self.child.reset()`` right after building it,
        ``nn.init.zeros_(self.child.weight)``); otherwise in their init methods (``reset_parameters`` and the
        configured init function names), which run again under deferred init.
        """
        key = (cls.name, construction)
        cached = self._owner_cache.get(key)
        if cached is not None:
            return cached
        cov = Coverage()
        self._owner_cache[key] = cov  # cycles
        methods = ("reset_parameters",) + tuple(self.config.init_functions)
        built_by = self.factories(cls.name)
        for parent in [*self.classes.values(), *self.mixins.values()]:
            attrs = {a for a, c in parent.children.items() if c in built_by}
            if not attrs or parent is cls:
                continue
            # at construction: any method of the parent (peft builds adapters in ``update_layer`` and
            # initializes them right there); under deferred init only its init methods run again
            self._parent_writes(cls, parent, attrs, list(parent.methods) if construction else methods,
                                self.imports, self.functions, cov)
        return cov

    def _parent_writes(self, cls: ModuleClass, parent: ModuleClass, attrs: set[str], names, imports, functions,
                       cov: Coverage) -> None:
        """Add to ``cov`` what methods ``names`` of ``parent`` initialize of its children ``attrs`` (of class
        ``cls``): ``nn.init.zeros_(self.child[key].weight)``, ``self.child[key].reset()``."""
        from .walk import iter_calls, simple_statements

        for name in names:
            fn = parent.methods.get(name)
            self_name = self_param_name(fn) if fn is not None else None
            if self_name is None:
                continue
            before = (set(cov.attrs), cov.all)
            fx = self._scan(body_of(fn), set(), imports, functions=functions, dispatch_names={self_name})
            for entry in fx.dispatch:
                if entry.guard is None:
                    cov.add({attr for child, attr in entry.nested if child in attrs}, False)
            for small in simple_statements(body_of(fn)):
                for call in iter_calls(small):
                    f = call.func
                    owner_expr = f.value.value if isinstance(f, cst.Attribute) and isinstance(
                        f.value, cst.Subscript) else getattr(f, "value", None)
                    if (isinstance(f, cst.Attribute) and isinstance(owner_expr, cst.Attribute)
                            and isinstance(owner_expr.value, cst.Name) and owner_expr.value.value == self_name
                            and owner_expr.attr.value in attrs
                            and any(w in f.attr.value.lower() for w in _WRITE_NAMES)):
                        sub = self.method_coverage(cls, f.attr.value)
                        cov.add(sub.attrs, sub.all)
            if (set(cov.attrs), cov.all) != before:
                cov.sources.append(ReinitPath("owner", f"{parent.name}.{name}", parent.name))

    def remote_owner_coverage(self, cls: ModuleClass) -> Coverage:
        """What classes of other files of the package that build ``cls`` as a child initialize of it there.

        peft's ``PolyLayer.update_layer`` (``tuners/poly/layer.py``) does ``self.poly_router[name] =
        get_router(config)`` with ``get_router`` imported from the file that defines ``PolyRouter``, and
        ``self.poly_router[name].reset()`` in another of its methods. Only files of the same top-level package
        that import ``cls`` or a same-file factory of it (:meth:`factories`) by name are read, and only the
        names that the project index resolves back to this file count. Asked for INIT003's candidates only.
        """
        cached = self._owner_cache.get((cls.name, "remote"))
        if cached is not None:
            return cached
        cov = self._owner_cache[(cls.name, "remote")] = Coverage()
        if self.index is None or self.origin is None:
            return cov
        import os

        from .imports import Imports

        here = os.path.abspath(self.origin)
        names = self.factories(cls.name)
        for path, data in self.index.files_importing(self.origin, names):
            if self.index.summary(path) is None:  # (also records the file as consulted for the result cache)
                continue
            try:
                module = cst.parse_module(data)
            except Exception:  # noqa: BLE001 - unparseable: unknown, and unknown stays silent
                continue
            imports = Imports(module)
            built = {local for local, target in imports.aliases.items()
                     if target.rsplit(".", 1)[-1] in names and self.index.locate(path, target) is not None
                     and self.index.locate(path, target) == (here, target.rsplit(".", 1)[-1])}
            if not built:
                continue
            functions: dict[str, cst.FunctionDef] = {}
            parents = []
            for stmt in top_level_statements(module.body):
                if isinstance(stmt, cst.FunctionDef):
                    functions.setdefault(stmt.name.value, stmt)
                elif isinstance(stmt, cst.ClassDef) and isinstance(stmt.body, cst.IndentedBlock):
                    methods = {m.name.value: m for m in stmt.body.body if isinstance(m, cst.FunctionDef)}
                    parents.append(ModuleClass(stmt.name.value, stmt, [], [], methods))
            for parent in parents:
                parent.children = _children(parent)
                attrs = {a for a, c in parent.children.items() if c in built}
                if attrs:
                    self._parent_writes(cls, parent, attrs, list(parent.methods), imports, functions, cov)
        return cov

    def built_at_construction(self, cls: ModuleClass) -> set[str]:
        """``__init__`` and the methods of the class it calls (transitively): where parameters that exist
        after construction are created. A parameter created elsewhere (in ``forward``, a ``build(shape)`` on
        first use) is created lazily, with real data, after any deferred init: INIT001/INIT002 leave it alone."""
        cached = self._built_cache.get(cls.name)
        if cached is not None:
            return cached
        out = {"__init__"}
        todo = ["__init__"]
        while todo:
            fn = cls.methods.get(todo.pop())
            self_name = self_param_name(fn) if fn is not None else None
            if self_name is None:
                continue
            from .walk import iter_calls, simple_statements

            for small in simple_statements(body_of(fn)):
                for call in iter_calls(small):
                    f = call.func
                    if (isinstance(f, cst.Attribute) and isinstance(f.value, cst.Name) and f.value.value == self_name
                            and f.attr.value in cls.methods and f.attr.value not in out):
                        out.add(f.attr.value)
                        todo.append(f.attr.value)
        self._built_cache[cls.name] = out
        return out

    def checked_classes(self) -> list[ModuleClass]:
        """The module classes INIT001-INIT003 judge: none in test files (``tests/``, ``test_*.py``)."""
        return [] if self.test_file else list(self.classes.values())

    def _uninitialized_at_construction(self, cls: ModuleClass) -> list[ParamInfo]:
        out = []
        empties = [p for p in cls.params.values()
                   if p.alloc == "empty" and p.method == "__init__" and not p.unjudged]
        if not empties:
            return out
        ctor = self.constructor_coverage(cls)
        _covered, central = self.central_coverage(cls)
        owner = self.owner_coverage(cls, construction=True)
        for p in empties:
            if not ctor.covers(p.name) and not central.covers(p.name) and not owner.covers(p.name):
                out.append(p)
        if out:
            remote = self.remote_owner_coverage(cls)
            out = [p for p in out if not remote.covers(p.name)]
        return out


#: dtypes no ``nn.init`` function fills: packed / quantized storage that only a checkpoint load fills
_LOAD_ONLY_DTYPES = frozenset(
    {"int8", "uint8", "int16", "int32", "int64", "uint16", "uint32", "uint64", "int", "long", "short", "bool",
     "quint8", "qint8", "qint32", "quint4x2", "float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz", "float8_e5m2fnuz",
     "float8_e8m0fnu", "float4_e2m1fn_x2"}
)


def _children(cls: ModuleClass) -> dict[str, str]:
    """``self.child = Name(...)`` / ``self.children[key] = Name(...)`` in any method: attribute -> called name."""
    from .walk import simple_statements

    out: dict[str, str] = {}
    for fn in cls.methods.values():
        self_name = self_param_name(fn)
        if self_name is None:
            continue
        for small in simple_statements(body_of(fn)):
            if not (isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(small.value, cst.Call)
                    and isinstance(small.value.func, cst.Name)):
                continue
            target = small.targets[0].target
            if isinstance(target, cst.Subscript):
                target = target.value
            if (isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name)
                    and target.value.value == self_name):
                out.setdefault(target.attr.value, small.value.func.value)
    return out


#: calls whose result is an initialization, not data (``self.w.data.copy_(torch.randn(n) * std)``)
_RANDOM_CALLS = frozenset(
    {"randn", "rand", "randint", "randn_like", "rand_like", "normal", "normal_", "uniform_", "trunc_normal_",
     "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "orthogonal_", "zeros",
     "ones", "full", "eye", "zeros_like", "ones_like", "full_like", "arange", "linspace"}
)


def _data_filled(cls: ModuleClass) -> set[str]:
    """Parameters a method other than ``__init__`` overwrites in place with a value computed from its arguments.

    ``self.weight.data.copy_(weight_norm)`` where ``weight_norm`` comes from the method's ``base_layer``
    argument (DoRA), ``self.embed.data.copy_(embed)`` after ``embed, _ = kmeans(data, ...)`` (k-means
    codebooks filled on the first batch), ``self.p.data = f(arg)``. Locals are followed in statement order;
    a source with a random or constant factory (``torch.randn``...) is an initialization, not data.
    """
    from .walk import iter_calls, simple_statements

    out: set[str] = set()
    for name, fn in cls.methods.items():
        self_name = self_param_name(fn)
        if name == "__init__" or self_name is None:
            continue
        ps = fn.params
        args = {p.name.value for p in [*ps.posonly_params, *ps.params, *ps.kwonly_params]} - {self_name}
        for star in (ps.star_arg, ps.star_kwarg):
            if isinstance(star, cst.Param):
                args.add(star.name.value)
        if not args:
            continue
        tainted = set(args)

        def from_data(expr, attr: str | None = None) -> bool:
            names = {n.value for n in _nodes_in(expr, cst.Name)}
            if not names & tainted:
                return False
            if attr is not None and any(self_param(e) == attr for e in _nodes_in(expr, cst.Attribute)):
                return False  # ``self.w.data = self.w.data.to(device)``, an EMA of itself: its own value still matters
            return not any(call_name(c) in _RANDOM_CALLS for c in iter_calls(expr))

        def self_param(expr) -> str | None:
            # ``self.p`` or ``self.p.data`` (optionally indexed: ``self.p.data[i]``)
            while isinstance(expr, cst.Subscript):
                expr = expr.value
            if isinstance(expr, cst.Attribute) and expr.attr.value == "data":
                expr = expr.value
            if (isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name)
                    and expr.value.value == self_name):
                return expr.attr.value
            return None

        for small in simple_statements(body_of(fn)):
            if isinstance(small, (cst.Assign, cst.AnnAssign, cst.AugAssign)) and small.value is not None:
                targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else [small.target]
                data = from_data(small.value)
                for t in targets:
                    attr = self_param(t)
                    if attr is not None:
                        if from_data(small.value, attr) and (isinstance(t, cst.Subscript) or (
                                isinstance(t, cst.Attribute) and t.attr.value == "data")):
                            out.add(attr)  # ``self.p.data = f(arg)``, ``self.p.data[i] = ...``
                    elif data:
                        tainted.update(n.value for n in _nodes_in(t, cst.Name))
            for call in iter_calls(small):
                f = call.func
                if isinstance(f, cst.Attribute) and f.attr.value == "copy_" and call.args:
                    attr = self_param(f.value)
                    if attr is not None and from_data(call.args[0].value, attr):
                        out.add(attr)
    return out


def _nodes_in(expr, kind):
    """Every node of type ``kind`` under ``expr`` (including ``expr`` itself)."""
    return (n for n in descendants([expr]) if isinstance(n, kind))


def _zero_size(data) -> bool:
    """``torch.empty(0)``, ``torch.empty((0,))``, ``torch.Tensor()``: storage with no element."""
    if not isinstance(data, cst.Call):
        return False
    sizes = [a.value for a in data.args if a.keyword is None]
    if not sizes:
        return not data.args  # ``torch.Tensor()``
    if len(sizes) == 1 and isinstance(sizes[0], (cst.Tuple, cst.List)):
        sizes = [e.value for e in sizes[0].elements]
    return any(isinstance(v, cst.Integer) and v.value == "0" for v in sizes)


def _integer_storage(data, imports) -> bool:
    """Is ``data`` created with an integer / fp8 dtype (``torch.empty(n, dtype=torch.uint8)``, ``.to(torch.int8)``)?"""
    node = data
    while isinstance(node, cst.Call):
        dtype = keyword(node, "dtype")
        if dtype is None and isinstance(node.func, cst.Attribute) and node.func.attr.value in ("to", "view", "type"):
            dtype = positional(node, 0)
        name = imports.resolve(dtype) if dtype is not None else None
        if name and name.startswith("torch.") and name.rsplit(".", 1)[-1] in _LOAD_ONLY_DTYPES:
            return True
        node = node.func.value if isinstance(node.func, cst.Attribute) else None
    return False


def _empty_container(call: cst.Call) -> bool:
    """``nn.ParameterDict()``, ``nn.ParameterDict({})``, ``nn.ParameterList([])``: a container with no parameter."""
    args = [a for a in call.args if a.keyword is None]
    if not args and not call.args:
        return True
    if len(call.args) == 1 and args:
        only = args[0].value
        return isinstance(only, (cst.Dict, cst.List, cst.Tuple)) and not only.elements
    return False


def _is_test_path(path) -> bool:
    """A file named ``test_*.py`` / ``*_test.py`` / ``conftest.py``, or under a ``tests``/``test`` directory
    (files under a ``fixtures`` directory there are inputs of tests, not tests: they are checked)."""
    parts = str(path or "").replace("\\", "/").split("/")
    base, dirs = parts[-1], parts[:-1]
    if base.startswith("test_") or base.endswith("_test.py") or base == "conftest.py":
        return True
    where = [i for i, p in enumerate(dirs) if p in ("tests", "test")]
    return bool(where) and "fixtures" not in dirs[where[-1]:]


def _is_hf_base(name: str) -> bool:
    # ``PreTrainedModel`` itself, or another model's ``LlamaPreTrainedModel`` (transformers modular files)
    return name.rsplit(".", 1)[-1].endswith(_HF_PRETRAINED) and (
        name.startswith("transformers.") or name.startswith(".")
    )


def module_base_name(expr, imports, config) -> str | None:
    """Resolved name of a base class expression that makes a class an nn.Module by itself, else None.

    ``torch.nn.*`` module classes, Lightning's ``LightningModule``, transformers' ``*PreTrainedModel`` and the
    configured ``module_bases``. Bases defined in other files are the project index's business.
    """
    name = imports.resolve(expr)
    raw = dotted(expr)
    extra = config.module_bases
    if raw and (raw in extra or raw.rsplit(".", 1)[-1] in extra):
        return raw
    if name is None:
        return None
    if name in extra:
        return name
    if name.startswith("torch.nn."):
        last = name.rsplit(".", 1)[-1]
        sub = name[len("torch.nn."):]
        if sub.startswith(("functional", "init", "utils")) or last in _NOT_MODULES or not last[:1].isupper():
            return None
        return name
    if name.startswith(_LIGHTNING) and name.endswith("LightningModule"):
        return name
    if _is_hf_base(name):
        return name
    return None


def top_level_statements(body):
    """Module-level statements, looking inside module-level if/try blocks (``if TYPE_CHECKING``...)."""
    for stmt in body:
        if isinstance(stmt, cst.If):
            yield from top_level_statements(body_of(stmt))
            if stmt.orelse is not None:
                orelse = [stmt.orelse] if isinstance(stmt.orelse, cst.If) else body_of(stmt.orelse)
                yield from top_level_statements(orelse)
        elif isinstance(stmt, (cst.Try, cst.TryStar)):
            yield from top_level_statements(body_of(stmt))
            for h in stmt.handlers:
                yield from top_level_statements(body_of(h))
        else:
            yield stmt
