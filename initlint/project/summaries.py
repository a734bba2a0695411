"""Summaries of modules read from other files: plain, JSON-serializable, computed from text with libcst.

A summary never imports the code. It records, per class: its bases (same-file names, and the qualified
names its imports give the others), whether one of them is a known module base (``torch.nn.*``,
Lightning, transformers' ``PreTrainedModel``), the parameters it creates, and for each method what it does
to ``self`` and — for ``_init_weights(self, module)``-style methods — what it dispatches on. Per top-level
function, what it does to its first argument (``model.apply(fn)``). The import alias map is kept so that
names in the summary can be resolved further by the index.

Layout (all lists and dicts of strings/bools, so ``json`` round-trips it)::

    {"aliases": {local: qualname},
     "classes": {name: {"local_bases": [...], "bases": [...], "module": bool, "params": {p: alloc},
                        "methods": {m: {"params": [...], "self": bool, "fx": EFFECTS}},
                        "flow": CLASS_FLOW}},
     "functions": {name: {"params": [...], "fx": EFFECTS, "writes": [indices of arguments written in place]}}}

``EFFECTS`` is :func:`effects_to_json` of :class:`initlint.facts.effects.Effects`; ``CLASS_FLOW`` is
:func:`class_flow` (what the methods of a trainer class do with ``self.<attr>``, for INIT101-INIT104).
"""

from __future__ import annotations

from typing import Any, Optional

#: Bump when the layout above changes (part of the cache key).
SUMMARY_FORMAT = 5


def effects_to_json(fx) -> dict[str, Any]:
    """The serializable part of an :class:`~initlint.facts.effects.Effects`.

    Effects that only the summarized file could resolve (``self.apply(fn)``, same-file helpers the receiver is
    passed to) are folded into ``all``: precision first, an unresolved init path is assumed to initialize.
    """
    return {
        "inits": sorted(fx.inits | set(fx.assigned)),
        "all": bool(fx.all or fx.applied or fx.passed_to),
        "self_calls": sorted(fx.self_calls),
        "super_calls": sorted(fx.super_calls),
        "dispatch": [
            {
                "guard": None if t.guard is None else sorted(t.guard),
                "attrs": sorted(t.attrs),
                "all": bool(t.all),
                "nested": sorted([list(n) for n in t.nested]),
                "methods": sorted(t.methods),
            }
            for t in fx.dispatch
        ],
    }


def effects_from_json(data: dict[str, Any]):
    """An :class:`~initlint.facts.effects.Effects` back from :func:`effects_to_json`."""
    from ..facts.effects import Effects, Touches

    fx = Effects(inits=set(data.get("inits", ())), all=bool(data.get("all")),
                 self_calls=set(data.get("self_calls", ())), super_calls=set(data.get("super_calls", ())))
    for t in data.get("dispatch", ()):
        guard = t.get("guard")
        fx.dispatch.append(Touches(
            None if guard is None else frozenset(guard), set(t.get("attrs", ())), bool(t.get("all")),
            {tuple(n) for n in t.get("nested", ())}, set(t.get("methods", ())),
        ))
    return fx


def _forward_writes(functions, out_functions) -> None:
    """``def zeros(value): constant(value, 0.)``: an argument passed on to a same-file function that writes it
    is written too (to a fixpoint)."""
    import libcst as cst

    from ..facts.walk import body_of, iter_calls, simple_statements

    calls: dict[str, list[tuple[str, int, int]]] = {}
    for name, info in out_functions.items():
        params = info["params"]
        edges = []
        for small in simple_statements(body_of(functions[name])):
            for call in iter_calls(small):
                if isinstance(call.func, cst.Name) and call.func.value in out_functions:
                    pos = [a.value for a in call.args if a.keyword is None and not a.star]
                    for j, arg in enumerate(pos):
                        if isinstance(arg, cst.Name) and arg.value in params:
                            edges.append((call.func.value, j, params.index(arg.value)))
        calls[name] = edges
    changed = True
    while changed:
        changed = False
        for name, edges in calls.items():
            writes = out_functions[name]["writes"]
            for callee, j, i in edges:
                if j in out_functions[callee]["writes"] and i not in writes:
                    writes.append(i)
                    changed = True


def summarize(source: bytes | str, path: str) -> Optional[dict[str, Any]]:
    """The summary of one module's text, or None when it cannot be parsed."""
    import libcst as cst

    from ..config import Config
    from ..facts.effects import names_written, scan
    from ..facts.imports import Imports, dotted
    from ..facts.modules import parameter_names, top_level_statements, module_base_name
    from ..facts.walk import body_of

    try:
        module = cst.parse_module(source)
    except Exception:  # noqa: BLE001 - unparseable: unknown
        return None
    imports = Imports(module)
    config = Config()
    classes: dict[str, cst.ClassDef] = {}
    functions: dict[str, cst.FunctionDef] = {}
    for stmt in top_level_statements(module.body):
        if isinstance(stmt, cst.ClassDef):
            classes.setdefault(stmt.name.value, stmt)
        elif isinstance(stmt, cst.FunctionDef):
            functions.setdefault(stmt.name.value, stmt)
    out_classes: dict[str, Any] = {}
    for name, node in classes.items():
        local, bases, known = [], [], False
        for arg in node.bases:
            if arg.keyword is not None:
                continue
            raw = dotted(arg.value)
            if raw is None:
                continue
            if raw in classes and raw != name:
                local.append(raw)
                continue
            if module_base_name(arg.value, imports, config):
                known = True
            resolved = imports.resolve(arg.value)
            bases.append(resolved or raw)
        out_classes[name] = {"local_bases": local, "bases": bases, "module": known,
                             **class_body(node, imports, functions)}
    out_functions: dict[str, Any] = {}
    for name, fn in functions.items():
        params = parameter_names(fn)
        if not params:
            continue
        fx = scan(body_of(fn), set(), imports, functions=functions, dispatch_names={params[0]})
        # which arguments it writes in place (``def glorot(value): value.data.uniform_(...)``)
        writes = [i for i, p in enumerate(params) if names_written(body_of(fn), {p}, imports)]
        out_functions[name] = {"params": params, "fx": effects_to_json(fx), "writes": writes}
    _forward_writes(functions, out_functions)
    return {"aliases": dict(imports.aliases), "classes": out_classes, "functions": out_functions}


def class_body(node, imports, functions) -> dict[str, Any]:
    """``{"methods": ..., "flow": ...}`` of one class of a summary (see the layout in the module docstring).

    Reads only ``node`` itself, the file's import aliases (``imports``) and the names of its top-level
    functions (``functions``): a class can be summarized from its own text (:func:`summarize_class`).
    """
    import libcst as cst

    from ..facts.effects import scan
    from ..facts.modules import parameter_names, self_param_name
    from ..facts.walk import body_of

    methods: dict[str, Any] = {}
    if isinstance(node.body, cst.IndentedBlock):
        for stmt in node.body.body:
            if not isinstance(stmt, cst.FunctionDef):
                continue
            params = parameter_names(stmt)
            self_name = self_param_name(stmt)
            recv = {self_name} if self_name else set()
            dispatch = set(params[1:2]) if self_name else set(params[:1])
            fx = scan(body_of(stmt), recv, imports, functions=functions, dispatch_names=dispatch)
            methods[stmt.name.value] = {"params": params, "self": self_name is not None,
                                        "fx": effects_to_json(fx)}
    return {"methods": methods, "flow": class_flow(node)}


def class_flow(node) -> dict[str, Any]:
    """What each method of a class (a trainer, usually) does with the attributes of ``self``, from its body.

    Used by the INIT1xx analysis (:mod:`initlint.facts.script`) when a trainer of the linted file inherits a
    training method from a class in another file. Layout::

        {"methods": {name: {"calls": [attrs called: ``self.a(...)``, ``self.a[i](...)``],
                            "refs": [names read as ``self.<name>`` anywhere in the body],
                            "backward": bool (a ``.backward()`` call: the method trains)}},
         "bound": {attr: [methods referenced in what ``self.<attr> = ...`` assigns]}}

    The caller follows ``refs`` (methods, and attributes bound to methods) to a closure.
    """
    import libcst as cst

    from ..facts.walk import body_of, call_name, descendants

    _NESTED = (cst.FunctionDef, cst.ClassDef, cst.Lambda)  # their bodies are not this method's
    methods: dict[str, Any] = {}
    bound: dict[str, list[str]] = {}
    if not isinstance(node.body, cst.IndentedBlock):
        return {"methods": methods, "bound": bound}

    def self_attr(e, me):
        if type(e) is cst.Attribute and type(e.value) is cst.Name and e.value.value == me:
            return e.attr.value
        return None

    for stmt in node.body.body:
        if not isinstance(stmt, cst.FunctionDef):
            continue
        params = stmt.params.params
        me = params[0].name.value if params else None
        calls: set[str] = set()
        refs: set[str] = set()
        backward = False
        if me is not None:
            for sub in descendants(body_of(stmt), _NESTED):
                kind = type(sub)
                if kind is cst.Attribute:
                    a = self_attr(sub, me)
                    if a is not None:
                        refs.add(a)
                elif kind is cst.Call:
                    func = sub.func
                    while type(func) is cst.Subscript:
                        func = func.value
                    a = self_attr(func, me)
                    if a is not None:
                        calls.add(a)
                    if call_name(sub) == "backward":
                        backward = True
                elif kind is cst.Assign:
                    targets = [self_attr(t.target, me) for t in sub.targets]
                    named = {self_attr(x, me) for x in descendants([sub.value], _NESTED) if type(x) is cst.Attribute}
                    for t in targets:
                        if t is not None:
                            bound.setdefault(t, [])
                            bound[t].extend(sorted(n for n in named if n is not None and n not in bound[t]))
        methods[stmt.name.value] = {"calls": sorted(calls), "refs": sorted(refs), "backward": backward}
    return {"methods": methods, "bound": bound}


# ---------------------------------------------------------------------------------------------- parts
# The index needs a whole summary rarely: "is this imported class a module?" and "where is this name
# defined?" need only the names, bases and imports of a file (its *head*, from Python's ``ast``, about 5x
# cheaper than libcst), and "what do the methods of class X do?" needs only X's own text (parsed alone,
# :func:`summarize_class`). Both give exactly what :func:`summarize` gives for the same fields (checked on
# the corpora by ``benchmarks/check_summary_parts.py``).


def summarize_head(source: bytes | str, path: str) -> Optional[dict[str, Any]]:
    """The names part of a summary, from ``ast``; None when the file cannot be decoded or parsed.

    Layout: ``{"aliases": {...}, "classes": {name: {"local_bases", "bases", "module", "methods": [names],
    "span": [first line, last line, column]}}, "functions": {name: [parameter names]}}``, where ``aliases``,
    ``local_bases``, ``bases`` and ``module`` are those of :func:`summarize`, ``methods`` the names of the
    class's methods, ``span`` its lines (decorators included), and ``functions`` every top-level function
    (:func:`summarize` keeps only those with parameters).
    """
    import ast

    from ..slicing import parse_module, physical_lines

    parsed = parse_module(source)
    if parsed is None:
        return None
    tree, text = parsed

    lines = physical_lines(text)
    aliases: dict[str, str] = {}
    _ast_imports(tree.body, lines, aliases)
    classes: dict[str, ast.ClassDef] = {}
    functions: dict[str, list[str]] = {}
    for stmt in _ast_top_level(tree.body):
        if isinstance(stmt, ast.ClassDef):
            classes.setdefault(stmt.name, stmt)
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            args = stmt.args
            functions.setdefault(stmt.name, [a.arg for a in args.posonlyargs + args.args])
    imports = _imports_of(aliases)
    out: dict[str, Any] = {}
    for name, node in classes.items():
        local, bases, known = [], [], False
        for base in node.bases:
            raw = _ast_dotted(base.value if isinstance(base, ast.Starred) else base)
            if raw is None:
                continue
            if raw in classes and raw != name:
                local.append(raw)
                continue
            if _module_base(raw, imports):
                known = True
            resolved = imports.resolve_text(raw)
            bases.append(resolved or raw)
        first = node.decorator_list[0].lineno if node.decorator_list else node.lineno
        out[name] = {"local_bases": local, "bases": bases, "module": known,
                     "methods": [s.name for s in node.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))],
                     "span": [first, node.end_lineno, node.col_offset]}
    return {"aliases": aliases, "classes": out, "functions": functions}


def summarize_class(source: bytes | str, head: dict[str, Any], name: str) -> Optional[dict[str, Any]]:
    """``{"methods", "flow"}`` of class ``name`` (see :func:`summarize`), from a libcst parse of that class's
    lines alone; ``head``: the file's :func:`summarize_head`. None when those lines do not parse."""
    import libcst as cst

    from ..slicing import physical_lines, decode

    data = head["classes"].get(name)
    text = decode(source) if isinstance(source, bytes) else source
    if data is None or text is None:
        return None
    first, last, col = data["span"]
    segment = "".join(physical_lines(text)[first - 1:last])
    if col:  # a class inside a module-level ``if``/``try``: parse it as the body of an ``if``
        segment = "if True:\n" + segment
    try:
        module = cst.parse_module(segment)
    except Exception:  # noqa: BLE001 - unparseable alone: unknown
        return None
    node = module.body[0] if module.body else None
    if col and isinstance(node, cst.If) and isinstance(node.body, cst.IndentedBlock) and node.body.body:
        node = node.body.body[0]
    if not isinstance(node, cst.ClassDef) or node.name.value != name:
        return None
    return class_body(node, _imports_of(head["aliases"]), head["functions"])


def _imports_of(aliases: dict[str, str]):
    """An :class:`~initlint.facts.imports.Imports` with these aliases (no module parsed)."""
    from ..facts.imports import Imports

    imports = Imports.__new__(Imports)
    imports.aliases = dict(aliases)
    return imports


def _module_base(raw: str, imports) -> bool:
    """:func:`~initlint.facts.modules.module_base_name` of the base written ``raw`` (a dotted name)."""
    import libcst as cst

    from ..config import Config
    from ..facts.modules import module_base_name

    parts = raw.split(".")
    expr = cst.Name(parts[0])
    for part in parts[1:]:
        expr = cst.Attribute(value=expr, attr=cst.Name(part))
    if not _CONFIG:
        _CONFIG.append(Config())
    return module_base_name(expr, imports, _CONFIG[0]) is not None


_CONFIG: list = []  # the default Config, as in summarize()


def _ast_dotted(node) -> Optional[str]:
    """``a.b.c`` for an ``ast`` Name/Attribute chain (as :func:`initlint.facts.imports.dotted`), else None."""
    import ast

    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _ast_top_level(body):
    """:func:`initlint.facts.modules.top_level_statements` over an ``ast`` body."""
    import ast

    for stmt in body:
        if isinstance(stmt, ast.If):
            yield from _ast_top_level(stmt.body)
            yield from _ast_top_level(stmt.orelse)
        elif isinstance(stmt, (ast.Try, getattr(ast, "TryStar", ast.Try))):
            yield from _ast_top_level(stmt.body)
            for h in stmt.handlers:
                yield from _ast_top_level(h.body)
        else:
            yield stmt


def _one_line_suite(block, lines: list[str]) -> bool:
    """Is ``block`` (a list of ``ast`` statements) written on its header's line (``if x: import y``)?"""
    if not block:
        return False
    first = block[0]
    line = lines[first.lineno - 1] if 0 < first.lineno <= len(lines) else ""
    return bool(line.encode("utf-8", "surrogatepass")[:first.col_offset].strip())


def _ast_imports(body, lines: list[str], aliases: dict[str, str]) -> None:
    """The alias map of :class:`initlint.facts.imports.Imports`, from ``ast``: the same statements are read
    (module level, module-level ``if``/``try`` blocks, first level of function bodies, recursively; one-line
    suites are not), in the same order."""
    import ast

    if _one_line_suite(body, lines):
        return
    for stmt in body:
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if alias.asname is not None:
                    aliases[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    aliases.setdefault(top, top)
        elif isinstance(stmt, ast.ImportFrom):
            if any(a.name == "*" for a in stmt.names):
                continue
            prefix = "." * (stmt.level or 0) + (stmt.module or "")
            sep = "" if prefix.endswith(".") or not prefix else "."
            for alias in stmt.names:
                aliases[alias.asname or alias.name] = f"{prefix}{sep}{alias.name}"
        elif isinstance(stmt, ast.If):
            _ast_imports(stmt.body, lines, aliases)
            _ast_imports(stmt.orelse, lines, aliases)
        elif isinstance(stmt, ast.Try):
            _ast_imports(stmt.body, lines, aliases)
            for handler in stmt.handlers:
                _ast_imports(handler.body, lines, aliases)
            _ast_imports(stmt.orelse, lines, aliases)
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            _ast_imports(stmt.body, lines, aliases)
