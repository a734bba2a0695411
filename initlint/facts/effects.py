"""What a function body does to the tensors of a receiver (``self``, ``module``, ``m``...).

This is the one place that knows what "initializes" means statically, shared by the module facts
(INIT0xx) and usable by the script facts (INIT1xx):

* an in-place write to ``recv.x`` or ``recv.x.data``: a ``*_`` tensor method (``normal_``, ``fill_``,
  ``copy_``, ``zero_``...), a call of ``nn.init.*`` / any ``*_``, ``*init*`` or ``*reset*`` function with it
  as an argument, assignment to ``recv.x.data`` or a full slice ``recv.x[:] = ...``;
* a loop over ``recv.parameters()`` / ``named_parameters()`` whose body initializes the loop variable:
  covers every parameter;
* ``recv.apply(fn)``, ``recv.method()``, ``super().reset_parameters()``: recorded for the caller to
  resolve (same-class methods, same-file functions, base classes);
* ``isinstance(recv_or_loop_var, Cls)`` dispatch (Hugging Face ``_init_weights``, torchtitan
  ``for m in self.modules()``): touches are recorded per guard so coverage can be asked per class.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

import libcst as cst

from .imports import Imports, dotted
from .walk import body_of, call_name, positional, string_value

from .vocabulary import FORWARDERS as _FORWARDERS
from .vocabulary import INIT_WORDS
from .vocabulary import MODULE_ITERATORS as _MODULE_ITERATORS
from .vocabulary import NOT_WRITES as _NOT_WRITES
from .vocabulary import PARAM_ITERATORS as _PARAM_ITERATORS
from .vocabulary import TORCH_INIT as _TORCH_INIT

#: Methods returning a view of the whole tensor: writing the view writes the tensor.
_VIEWS = frozenset({"view", "reshape", "view_as", "reshape_as", "flatten", "unflatten", "t", "transpose", "permute",
                    "squeeze", "unsqueeze", "contiguous"})


@dataclass
class Touches:
    """Attributes written under one ``isinstance`` guard (``guard`` None: unconditional)."""

    guard: frozenset[str] | None
    attrs: set[str] = field(default_factory=set)
    all: bool = False
    #: ``(child, attr)`` for writes through a child module: ``init.normal_(module.gate.weight)``
    nested: set[tuple[str, str]] = field(default_factory=set)
    #: methods of the dispatched module called in this branch: ``module.init_mamba_weights()``
    methods: set[str] = field(default_factory=set)


@dataclass
class Effects:
    """Everything a body does to its receiver(s); see the module docstring."""

    inits: set[str] = field(default_factory=set)
    all: bool = False
    #: ``recv.x = <expr>`` assignments (x -> value nodes), e.g. replacements by a new Parameter.
    assigned: dict[str, list[cst.Assign | cst.AnnAssign]] = field(default_factory=dict)
    self_calls: set[str] = field(default_factory=set)
    super_calls: set[str] = field(default_factory=set)
    applied: list[cst.BaseExpression] = field(default_factory=list)
    #: Same-file functions called with the receiver itself as argument N: (function name, N).
    passed_to: list[tuple[str, int]] = field(default_factory=list)
    #: Dispatch on classes (HF ``_init_weights(module)``, ``for m in self.modules()``).
    dispatch: list[Touches] = field(default_factory=list)
    #: ``for level in self.levels: init(level.pos_embed)``: (container child, attr written on each item)
    container_writes: set[tuple[str, str]] = field(default_factory=set)

    def covers(self, attr: str) -> bool:
        return self.all or attr in self.inits


def is_init_callee(call: cst.Call, imports: Imports) -> bool:
    """Does this call look like an initializer of its tensor arguments?"""
    name = call_name(call)
    if name is None:
        return False
    resolved = imports.resolve(call.func) or ""
    if resolved.startswith(_TORCH_INIT):
        return True
    low = name.lower()
    return (name.endswith("_") and name not in _NOT_WRITES) or any(w in low for w in INIT_WORDS)


def _attr_of(node, recv: set[str]) -> str | None:
    """``x`` for ``recv.x`` or ``recv.x.data`` (or ``recv.x.weight``? no: only the receiver's own attrs)."""
    if isinstance(node, cst.Attribute) and node.attr.value == "data":
        node = node.value
    if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and node.value.value in recv:
        return node.attr.value
    return None


def _child_attr_of(node, names: set[str]) -> tuple[str, str] | None:
    """``(child, x)`` for ``m.child.x`` or ``m.child.x.data`` where ``m`` is one of ``names``."""
    if isinstance(node, cst.Attribute) and node.attr.value == "data":
        node = node.value
    if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Subscript):
        node = node.with_changes(value=node.value.value)  # ``m.adapters[key].weight``: an item of a container
    if (
        isinstance(node, cst.Attribute)
        and isinstance(node.value, cst.Attribute)
        and isinstance(node.value.value, cst.Name)
        and node.value.value.value in names
    ):
        return node.value.attr.value, node.attr.value
    return None


def _full_slice(sub: cst.Subscript) -> bool:
    if len(sub.slice) != 1:
        return False
    inner = sub.slice[0].slice
    if isinstance(inner, cst.Slice):
        return inner.lower is None and inner.upper is None and inner.step is None
    return isinstance(inner.value, cst.Ellipsis) if isinstance(inner, cst.Index) else False


def guard_matches(guard: frozenset[str] | None, family: set[str]) -> bool:
    """Does an ``isinstance`` guard select a class whose own and base class names are ``family``?

    ``*Norm*`` in a guard stands for a test on the class name (``"RMSNorm" in module.__class__.__name__``).
    """
    if guard is None:
        return False
    if guard & family:
        return True
    return any(g.startswith("*") and g.endswith("*") and len(g) > 2 and any(g[1:-1] in f for f in family)
               for g in guard)


def _class_name_of(node, names: set[str]) -> bool:
    """``n.__class__.__name__`` / ``type(n).__name__`` for ``n`` in ``names``."""
    if not (isinstance(node, cst.Attribute) and node.attr.value == "__name__"):
        return False
    inner = node.value
    if isinstance(inner, cst.Attribute) and inner.attr.value == "__class__":
        return isinstance(inner.value, cst.Name) and inner.value.value in names
    if isinstance(inner, cst.Call) and isinstance(inner.func, cst.Name) and inner.func.value == "type":
        arg = positional(inner)
        return isinstance(arg, cst.Name) and arg.value in names
    return False


def _isinstance_guard(test, names: set[str]) -> frozenset[str] | None:
    """Class names tested by ``isinstance(n, C)`` / ``type(n) is C`` on one of ``names``.

    A test on the class name (``"Norm" in n.__class__.__name__``) gives ``*Norm*`` (see :func:`guard_matches`).
    """
    if isinstance(test, cst.BooleanOperation):
        left = _isinstance_guard(test.left, names)
        right = _isinstance_guard(test.right, names)
        if isinstance(test.operator, cst.And):
            return left or right
        return (left | right) if left is not None and right is not None else None
    if isinstance(test, cst.Call) and isinstance(test.func, cst.Name) and test.func.value == "isinstance":
        subject, classes = positional(test, 0), positional(test, 1)
        if isinstance(subject, cst.Name) and subject.value in names and classes is not None:
            elems = [e.value for e in classes.elements] if isinstance(classes, cst.Tuple) else [classes]
            out = {(dotted(e) or "").rsplit(".", 1)[-1] for e in elems}
            out.discard("")
            return frozenset(out) if out else None
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        left = test.left
        op, right = test.comparisons[0].operator, test.comparisons[0].comparator
        text = string_value(left)
        if text and isinstance(op, cst.In) and _class_name_of(right, names):
            return frozenset({f"*{text}*"})
        text = string_value(right)
        if text and isinstance(op, cst.Equal) and _class_name_of(left, names):
            return frozenset({text})
        if (
            isinstance(left, cst.Call)
            and isinstance(left.func, cst.Name)
            and left.func.value == "type"
            and isinstance(positional(left), cst.Name)
            and positional(left).value in names
            and isinstance(test.comparisons[0].operator, (cst.Is, cst.Equal))
        ):
            name = (dotted(test.comparisons[0].comparator) or "").rsplit(".", 1)[-1]
            return frozenset({name}) if name else None
    return None


class _Scanner:
    def __init__(self, recv: set[str], imports: Imports, functions: Iterable[str], dispatch_names: set[str],
                 writer=None):
        #: ``writer(func_expr) -> indices`` of the arguments a function of another file writes in place
        #: (the project index's answer for ``glorot(self.weight)``), or None
        self.writer = writer
        self.recv = recv
        self.imports = imports
        self.functions = set(functions)
        self.fx = Effects()
        # names that stand for "a module being initialized" in a dispatch (function param, loop var)
        self.dispatch_names = dispatch_names
        self.guard_stack: list[frozenset[str] | None] = []

    # -- statements -----------------------------------------------------------------------------
    def block(self, body) -> None:
        for stmt in body:
            self.statement(stmt)

    def statement(self, stmt) -> None:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                self.small(small)
        elif isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            return  # a nested def does nothing until called
        elif isinstance(stmt, cst.If):
            guard = _isinstance_guard(stmt.test, self.dispatch_names) if self.dispatch_names else None
            self._calls_in(stmt.test)
            if guard is not None:
                self.guard_stack.append(guard)
                self.block(body_of(stmt))
                self.guard_stack.pop()
            else:
                self.block(body_of(stmt))
            if stmt.orelse is not None:
                if isinstance(stmt.orelse, cst.If):
                    self.statement(stmt.orelse)
                else:
                    self.block(body_of(stmt.orelse))
        elif isinstance(stmt, cst.For):
            self._for(stmt)
        elif isinstance(stmt, cst.While):
            self.block(body_of(stmt))
        elif isinstance(stmt, cst.With):
            for item in stmt.items:
                self._calls_in(item.item)
            self.block(body_of(stmt))
        elif isinstance(stmt, (cst.Try, cst.TryStar)):
            self.block(body_of(stmt))
            for handler in stmt.handlers:
                self.block(body_of(handler))
            for extra in (stmt.orelse, stmt.finalbody):
                if extra is not None:
                    self.block(body_of(extra))
        elif isinstance(stmt, cst.Match):
            for case in stmt.cases:
                self.block(body_of(case))

    def _for(self, stmt: cst.For) -> None:
        it = stmt.iter
        target_names = {n.value for n in _names_in(stmt.target)}
        if isinstance(it, cst.Call) and isinstance(it.func, cst.Attribute):
            owner, method = it.func.value, it.func.attr.value
            owner_is_recv = isinstance(owner, cst.Name) and owner.value in self.recv | self.dispatch_names
            if method in _PARAM_ITERATORS and (owner_is_recv or _attr_of(owner, self.recv)):
                sub = _Scanner(target_names, self.imports, self.functions, set(), self.writer)
                sub.block(body_of(stmt))
                selected = None
                names = _names_in(stmt.target)
                if method.startswith("named_") and isinstance(stmt.target, cst.Tuple) and len(names) == 2:
                    selected = _filtered_names(body_of(stmt), names[0].value, {names[1].value}, self.imports)
                if selected is not None:
                    # ``for name, p in m.named_parameters(): if name in ["out_proj.weight"]: ...``: only those
                    self._touch_names(owner, selected)
                    return
                if sub.fx.inits or sub.fx.all or names_written(body_of(stmt), target_names, self.imports):
                    if isinstance(owner, cst.Name) and owner.value in self.dispatch_names:
                        self._dispatch_touch(None)  # ``for p in module.parameters()`` in a dispatch branch
                    else:
                        self._touch_all()
                return
            if method in _MODULE_ITERATORS and owner_is_recv:
                # ``for m in self.modules(): if isinstance(m, nn.Linear): init(m.weight)``
                sub = _Scanner(set(), self.imports, self.functions, target_names, self.writer)
                sub.block(body_of(stmt))
                self.fx.dispatch.extend(sub.fx.dispatch)
                self.fx.all = self.fx.all or sub.fx.all
                return
        # ``for level in self.levels: trunc_normal_(level.pos_embed)`` (timm Nest): each item's attribute
        child = _attr_of(it, self.recv)
        if child is not None and target_names:
            sub = _Scanner(target_names, self.imports, self.functions, set(), self.writer)
            sub.block(body_of(stmt))
            self.fx.container_writes.update((child, attr) for attr in sub.fx.inits)
        # ``for p in [module.q, module.k]: init(p)`` / ``for w in module.weights: init(w)``
        # ``for k, p in self.experts.items(): init(p)`` (a ParameterDict filled by key)
        if (isinstance(it, cst.Call) and isinstance(it.func, cst.Attribute)
                and it.func.attr.value in ("items", "values") and self._own_attr(it.func.value)):
            it = it.func.value
        elements = [e.value for e in it.elements] if isinstance(it, (cst.List, cst.Tuple)) else [it]
        if target_names and all(self._own_attr(e) for e in elements) and names_written(
            body_of(stmt), target_names, self.imports
        ):
            for e in elements:
                self._touch_expr(e)
        self._calls_in(it)
        self.block(body_of(stmt))
        if stmt.orelse is not None:
            self.block(body_of(stmt.orelse))

    def _own_attr(self, node) -> bool:
        return _attr_of(node, self.recv | self.dispatch_names) is not None

    def small(self, small) -> None:
        if isinstance(small, (cst.Assign, cst.AnnAssign, cst.AugAssign)):
            targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else [small.target]
            for target in targets:
                self._assign_target(target, small)
            if getattr(small, "value", None) is not None:
                self._calls_in(small.value)
        elif isinstance(small, (cst.Expr, cst.Return)):
            if small.value is not None:
                self._calls_in(small.value)

    def _assign_target(self, target, stmt) -> None:
        if isinstance(target, cst.Attribute):
            if target.attr.value == "data":
                self._touch_expr(target.value)
            elif isinstance(target.value, cst.Name):
                if target.value.value in self.recv:
                    # an assignment creates or replaces; callers decide whether that counts (INIT005)
                    self.fx.assigned.setdefault(target.attr.value, []).append(stmt)
                elif target.value.value in self.dispatch_names:
                    self._dispatch_touch(target.attr.value)
        elif isinstance(target, cst.Subscript) and _full_slice(target):
            self._touch_expr(target.value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for e in target.elements:
                self._assign_target(e.value, stmt)

    # -- expressions ----------------------------------------------------------------------------
    def _calls_in(self, expr) -> None:
        from .walk import iter_calls

        for call in iter_calls(expr):
            self._call(call)

    def _call(self, call: cst.Call) -> None:
        func = call.func
        if isinstance(func, cst.Attribute):
            method, owner = func.attr.value, func.value
            if method.endswith("_") and method not in _NOT_WRITES:
                self._touch_expr(owner)
            if (
                isinstance(owner, cst.Name)
                and owner.value in self.dispatch_names
                and self.guard_stack
                and any(w in method.lower() for w in INIT_WORDS)
            ):
                # ``if isinstance(module, Mixer): module.init_mamba_weights()``: the class's own init method,
                # resolved per class by the module facts
                self._dispatch_touch(None, method=method)
            if isinstance(owner, cst.Name) and owner.value in self.recv:
                if method == "apply" and call.args:
                    self.fx.applied.append(call.args[0].value)
                else:
                    self.fx.self_calls.add(method)
            elif isinstance(owner, cst.Call) and isinstance(owner.func, cst.Name) and owner.func.value == "super":
                # resolved by the caller against the base classes (same file, or a modelled library base)
                self.fx.super_calls.add(method)
                return
            elif isinstance(owner, cst.Name) and call.args:
                first = positional(call)
                if isinstance(first, cst.Name) and first.value in self.recv and method[:1].isalpha():
                    # ``Base.reset_parameters(self)``
                    if owner.value[:1].isupper():
                        self.fx.super_calls.add(method)
        if (
            isinstance(func, cst.Attribute)
            and isinstance(func.value, cst.Name)
            and func.value.value in self.recv
            and func.attr.value in _FORWARDERS
            and any(isinstance(a.value, cst.Name) and a.value.value in self.dispatch_names for a in call.args)
        ):
            return  # ``self._init_weights(module)`` in HF's ``_initialize_weights``: that central init is its own entry
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value == "out":
                self._touch_expr(arg.value)  # ``torch.arange(1, n + 1, out=self.freq)``
        if is_init_callee(call, self.imports):
            for arg in call.args:
                self._touch_expr(arg.value)
                if isinstance(arg.value, cst.Name) and arg.value.value in self.recv:
                    name = call_name(call)
                    if isinstance(func, cst.Name) and name in self.functions:
                        self.fx.passed_to.append((name, _arg_index(call, arg)))
                    else:
                        self._touch_all()
        elif isinstance(func, cst.Name) and func.value in self.functions:
            for arg in call.args:
                if isinstance(arg.value, cst.Name) and arg.value.value in self.recv:
                    self.fx.passed_to.append((func.value, _arg_index(call, arg)))
        elif self.writer is not None and call.args and isinstance(func, (cst.Name, cst.Attribute)):
            # ``glorot(self.weight)``: a function of another file that writes its argument in place
            positional_args = [a.value for a in call.args if a.keyword is None and not a.star]
            if any(self._own_attr(_strip_views(a)) for a in positional_args):
                written = self.writer(func)
                for index in written or ():
                    if index < len(positional_args):
                        self._touch_expr(positional_args[index])

    # -- recording ------------------------------------------------------------------------------
    def _touch_names(self, owner, selected: set[str]) -> None:
        """Parameter names (``"A_log"``, ``"out_proj.weight"``) of ``owner`` written by a filtered loop."""
        for full in selected:
            parts = full.split(".")
            if isinstance(owner, cst.Name) and owner.value in self.dispatch_names:
                if len(parts) == 1:
                    self._dispatch_touch(parts[0])
                elif len(parts) == 2:
                    self._dispatch_touch(None, (parts[0], parts[1]))
            elif isinstance(owner, cst.Name) and len(parts) == 1:
                self._touch(parts[0])

    def _touch_expr(self, node) -> None:
        while (isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)
               and node.func.attr.value in _VIEWS):
            node = node.func.value  # ``xavier_normal_(self.att.view(2, h, d))``: a view of the whole tensor
        item = node.value if isinstance(node, cst.Attribute) and node.attr.value == "data" else node
        if isinstance(item, cst.Subscript) and self._own_attr(item.value):
            # ``init(self.experts[key])``, ``self.gains[i].data.copy_(...)`` (an item of a ParameterList/Dict),
            # ``glorot(self.weight[:end]); glorot(self.weight[-1])`` (slices): precision first, a write of it
            node = item.value
        attr = _attr_of(node, self.recv)
        if attr is not None:
            self._touch(attr)
            return
        if self.dispatch_names:
            attr = _attr_of(node, self.dispatch_names)
            if attr is not None:
                self._dispatch_touch(attr)
                return
            nested = _child_attr_of(node, self.dispatch_names)
            if nested is not None:
                self._dispatch_touch(None, nested)
                return
            if isinstance(node, cst.Name) and node.value in self.dispatch_names:
                self._dispatch_touch(None)

    def _touch(self, attr: str) -> None:
        self.fx.inits.add(attr)

    def _touch_all(self) -> None:
        self.fx.all = True

    def _dispatch_touch(
        self, attr: str | None, nested: tuple[str, str] | None = None, method: str | None = None
    ) -> None:
        guard = self.guard_stack[-1] if self.guard_stack else None
        for entry in self.fx.dispatch:
            if entry.guard == guard:
                break
        else:
            entry = Touches(guard)
            self.fx.dispatch.append(entry)
        if method is not None:
            entry.methods.add(method)
        elif nested is not None:
            entry.nested.add(nested)
        elif attr is None:
            entry.all = True
        else:
            entry.attrs.add(attr)


def _strip_views(node):
    """``self.w`` for ``self.w.view(...)``, ``self.w[:n]``, ``self.w.data``."""
    while True:
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value in _VIEWS:
            node = node.func.value
        elif isinstance(node, cst.Subscript):
            node = node.value
        elif isinstance(node, cst.Attribute) and node.attr.value == "data":
            node = node.value
        else:
            return node


def _name_filter(test, name_var: str) -> set[str] | None:
    """Literal parameter names selected by ``name in [...]`` / ``name == "x"`` on the loop's name variable."""
    if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.Or):
        left, right = _name_filter(test.left, name_var), _name_filter(test.right, name_var)
        return None if left is None or right is None else left | right
    if not (isinstance(test, cst.Comparison) and len(test.comparisons) == 1):
        return None
    if not (isinstance(test.left, cst.Name) and test.left.value == name_var):
        return None
    op, right = test.comparisons[0].operator, test.comparisons[0].comparator
    if isinstance(op, cst.Equal):
        text = string_value(right)
        return {text} if text else None
    if isinstance(op, cst.In) and isinstance(right, (cst.List, cst.Tuple, cst.Set)):
        texts = [string_value(e.value) for e in right.elements]
        return set(texts) if texts and all(texts) else None
    return None


def _filtered_names(body, name_var: str, value_vars: set[str], imports: Imports) -> set[str] | None:
    """Names a ``for name, p in m.named_parameters()`` body initializes when every write of ``p`` sits under
    an ``if`` that selects literal names (GPT-2's "rescale prenorm residual" loop); None: not that shape."""
    statements = [s for s in body if not isinstance(s, cst.SimpleStatementLine)
                  or not all(isinstance(x, (cst.Pass, cst.Expr)) and not _has_call(x) for x in s.body)]
    names: set[str] = set()
    for stmt in statements:
        if not isinstance(stmt, cst.If):
            if names_written([stmt], value_vars, imports):
                return None
            continue
        branch: cst.If | None = stmt
        while isinstance(branch, cst.If):
            selected = _name_filter(branch.test, name_var)
            if names_written(body_of(branch), value_vars, imports):
                if selected is None:
                    return None
                names |= selected
            orelse = branch.orelse
            if orelse is not None and not isinstance(orelse, cst.If):
                if names_written(body_of(orelse), value_vars, imports):
                    return None
                break
            branch = orelse
    return names


def _has_call(small) -> bool:
    from .walk import iter_calls

    return next(iter(iter_calls(small)), None) is not None


def _arg_index(call: cst.Call, arg: cst.Arg) -> int:
    return [a for a in call.args if a.keyword is None].index(arg) if arg.keyword is None else -1


def _names_in(target) -> list[cst.Name]:
    if isinstance(target, cst.Name):
        return [target]
    if isinstance(target, (cst.Tuple, cst.List)):
        out: list[cst.Name] = []
        for e in target.elements:
            out.extend(_names_in(e.value))
        return out
    return []


def names_written(body, names: set[str], imports: Imports) -> bool:
    """Does ``body`` write to one of ``names`` in place (``p.normal_()``, ``init.zeros_(p)``, ``p.data = ``)?"""
    from .walk import iter_calls, simple_statements

    for small in simple_statements(body):
        if isinstance(small, cst.Assign):
            for t in small.targets:
                node = t.target
                if isinstance(node, cst.Attribute) and node.attr.value == "data":
                    node = node.value
                if isinstance(node, cst.Subscript):
                    node = node.value
                if isinstance(node, cst.Name) and node.value in names:
                    return True
        for call in iter_calls(small):
            func = call.func
            if isinstance(func, cst.Attribute) and func.attr.value.endswith("_") and func.attr.value not in _NOT_WRITES:
                owner = func.value
                if isinstance(owner, cst.Attribute) and owner.attr.value == "data":
                    owner = owner.value
                if isinstance(owner, cst.Name) and owner.value in names:
                    return True
            if is_init_callee(call, imports):
                for arg in call.args:
                    value = arg.value
                    if isinstance(value, cst.Attribute) and value.attr.value == "data":
                        value = value.value
                    if isinstance(value, cst.Name) and value.value in names:
                        return True
    return False


def scan(
    body,
    recv: set[str],
    imports: Imports,
    *,
    functions: Iterable[str] = (),
    dispatch_names: Iterable[str] = (),
    writer=None,
) -> Effects:
    """Effects of ``body`` on the receiver names ``recv``.

    ``functions``: same-file function names whose summaries the caller can resolve (calls passing the
    receiver are recorded in ``passed_to`` rather than assumed to initialize everything).
    ``dispatch_names``: names bound to "some module" (an ``_init_weights(module)`` parameter); writes to
    them are recorded per ``isinstance`` guard in ``dispatch``.
    ``writer``: ``writer(func_expr)`` -> indices of the positional arguments a called function writes in place
    (functions of other files, answered by the project index), or None.
    """
    scanner = _Scanner(set(recv), imports, functions, set(dispatch_names), writer)
    scanner.block(body)
    return scanner.fx
