"""Cheap, targeted traversal helpers shared by every fact.

libcst's generic visitor costs about 2.5 parses per pass; these helpers walk only statement bodies and
the expression shapes that matter (calls, attributes, containers), so analysis stays a small fraction
of the parse.
"""

from __future__ import annotations

from typing import Iterator, Sequence

import libcst as cst


def body_of(node) -> Sequence[cst.BaseStatement]:
    """Statements of a block (IndentedBlock or one-line suite)."""
    body = getattr(node, "body", None)
    if isinstance(body, (cst.IndentedBlock, cst.SimpleStatementSuite)):
        return body.body
    if isinstance(body, (list, tuple)):
        return body
    return ()


def simple_statements(body: Sequence, *, into_functions: bool = False) -> Iterator[cst.BaseSmallStatement]:
    """Every small statement in ``body``, descending into compound statements (not classes).

    Function bodies are entered only with ``into_functions``.
    """
    for stmt in body:
        if isinstance(stmt, cst.SimpleStatementLine):
            yield from stmt.body
        elif isinstance(stmt, cst.BaseSmallStatement):
            yield stmt
        elif isinstance(stmt, cst.SimpleStatementSuite):
            yield from stmt.body
        elif isinstance(stmt, cst.ClassDef):
            continue
        elif isinstance(stmt, cst.FunctionDef):
            if into_functions:
                yield from simple_statements(body_of(stmt), into_functions=True)
        else:
            for block in sub_blocks(stmt):
                yield from simple_statements(block, into_functions=into_functions)


def sub_blocks(stmt) -> Iterator[Sequence]:
    """The statement lists nested directly in a compound statement."""
    if isinstance(stmt, cst.If):
        yield body_of(stmt)
        if stmt.orelse is not None:
            if isinstance(stmt.orelse, cst.If):
                yield [stmt.orelse]
            else:
                yield body_of(stmt.orelse)
    elif isinstance(stmt, (cst.For, cst.While)):
        yield body_of(stmt)
        if stmt.orelse is not None:
            yield body_of(stmt.orelse)
    elif isinstance(stmt, cst.With):
        yield body_of(stmt)
    elif isinstance(stmt, (cst.Try, cst.TryStar)):
        yield body_of(stmt)
        for handler in stmt.handlers:
            yield body_of(handler)
        if stmt.orelse is not None:
            yield body_of(stmt.orelse)
        if stmt.finalbody is not None:
            yield body_of(stmt.finalbody)
    elif isinstance(stmt, cst.Match):
        for case in stmt.cases:
            yield body_of(case)


def _comp_parts(n):
    out = [getattr(n, "elt", None), getattr(n, "key", None), getattr(n, "value", None)]
    f = n.for_in
    while f is not None:
        out.append(f.iter)
        out.extend(i.test for i in f.ifs)
        f = f.inner_for_in
    return out


# Children to visit per node type; dispatch on exact type is several times cheaper than a chain of
# isinstance checks (libcst node classes are ABCs) or than libcst's generic ``children``.
_PARTS = {
    cst.Attribute: lambda n: (n.value,),
    cst.Assign: lambda n: [n.value] + [t.target for t in n.targets],
    cst.AugAssign: lambda n: (n.value, n.target),
    cst.AnnAssign: lambda n: (n.value, n.target),
    cst.Expr: lambda n: (n.value,),
    cst.Return: lambda n: (n.value,),
    cst.Tuple: lambda n: [e.value for e in n.elements],
    cst.List: lambda n: [e.value for e in n.elements],
    cst.Set: lambda n: [e.value for e in n.elements],
    cst.Dict: lambda n: [x for e in n.elements for x in (getattr(e, "key", None), e.value)],
    cst.BinaryOperation: lambda n: (n.left, n.right),
    cst.BooleanOperation: lambda n: (n.left, n.right),
    cst.UnaryOperation: lambda n: (n.expression,),
    cst.Comparison: lambda n: [n.left] + [c.comparator for c in n.comparisons],
    cst.IfExp: lambda n: (n.test, n.body, n.orelse),
    cst.Subscript: lambda n: [n.value] + [getattr(e.slice, "value", None) for e in n.slice],
    cst.StarredElement: lambda n: (n.value,),
    cst.Await: lambda n: (n.expression,),
    cst.NamedExpr: lambda n: (n.value,),
    cst.Yield: lambda n: (n.value,) if isinstance(n.value, cst.BaseExpression) else (),
    cst.Assert: lambda n: (n.test, n.msg),
    cst.Raise: lambda n: (n.exc,),
    cst.Del: lambda n: (),
    cst.ListComp: _comp_parts,
    cst.SetComp: _comp_parts,
    cst.GeneratorExp: _comp_parts,
    cst.DictComp: _comp_parts,
}
#: Nodes with no calls worth seeing (names, literals, strings incl. f-strings, lambdas, simple statements).
_SKIP = frozenset(
    {cst.Name, cst.SimpleString, cst.Integer, cst.Float, cst.Imaginary, cst.Ellipsis, cst.Lambda,
     cst.FormattedString, cst.ConcatenatedString, cst.Pass, cst.Break, cst.Continue, cst.Import,
     cst.ImportFrom, cst.Global, cst.Nonlocal, type(None)}
)


def iter_calls(node) -> Iterator[cst.Call]:
    """Every Call inside an expression or small statement, outermost first (lambdas, strings excluded)."""
    stack = [node]
    parts = _PARTS
    skip = _SKIP
    while stack:
        n = stack.pop()
        t = type(n)
        if t in skip:
            continue
        if t is cst.Call:
            yield n
            stack.extend(a.value for a in reversed(n.args))
            stack.append(n.func)
            continue
        getter = parts.get(t)
        if getter is not None:
            stack.extend(getter(n))
        elif isinstance(n, cst.CSTNode):
            stack.extend(c for c in n.children if isinstance(c, cst.CSTNode))


def call_name(call: cst.Call) -> str | None:
    """The final name of the called function: ``normal_`` for ``nn.init.normal_(...)``."""
    func = call.func
    if isinstance(func, cst.Attribute):
        return func.attr.value
    if isinstance(func, cst.Name):
        return func.value
    return None


def positional(call: cst.Call, index: int = 0) -> cst.BaseExpression | None:
    """The ``index``-th positional argument of ``call`` (None when absent)."""
    pos = [a for a in call.args if a.keyword is None and not a.star]
    return pos[index].value if index < len(pos) else None


def keyword(call: cst.Call, name: str) -> cst.BaseExpression | None:
    for a in call.args:
        if a.keyword is not None and a.keyword.value == name:
            return a.value
    return None


def string_value(node) -> str | None:
    if isinstance(node, cst.SimpleString):
        try:
            value = node.evaluated_value
        except Exception:  # noqa: BLE001 - odd prefixes
            return None
        return value if isinstance(value, str) else None
    return None


def descendants(nodes, stop: tuple = ()) -> Iterator[cst.CSTNode]:
    """Every node under ``nodes`` (themselves included), depth first, in source order; nodes of a type in
    ``stop`` are yielded but not entered (e.g. nested functions, classes, lambdas).

    Children are read from the nodes' fields (:func:`_child_fields`) rather than libcst's ``children``
    property, which rebuilds each node through a visitor (about 8x the cost); whitespace, parentheses and
    comma tokens, which hold no code, are not entered. Same nodes of code, same order.
    """
    stack = list(nodes)[::-1]
    while stack:
        n = stack.pop()
        yield n
        kind = type(n)
        if kind in stop:
            continue
        kids = []
        names = _FIELDS.get(kind)
        for name in _child_fields(kind) if names is None else names:
            value = getattr(n, name)
            if type(value) in _NODE_TYPES or _is_node(value):
                kids.append(value)
            elif type(value) in (list, tuple):
                kids.extend(x for x in value if type(x) in _NODE_TYPES or _is_node(x))
        kids.reverse()
        stack.extend(kids)


#: Field names that hold only whitespace, comments or punctuation tokens (never code) in libcst nodes.
_NO_CODE = ("whitespace", "lpar", "rpar", "leading_lines", "lines_after_decorators", "comma", "semicolon",
            "trailing_whitespace", "header", "footer", "newline")
_FIELDS: dict[type, tuple[str, ...]] = {}
_NODE_TYPES: set[type] = set()


def _child_fields(kind: type) -> tuple[str, ...]:
    """The fields of a libcst node type that can hold code, in declaration order (memoized per type)."""
    import dataclasses

    names = tuple(f.name for f in dataclasses.fields(kind) if not f.name.startswith(_NO_CODE))
    _FIELDS[kind] = names
    return names


def _is_node(value) -> bool:
    """Is ``value`` a libcst node (its type remembered, so that the next test is a set lookup)?"""
    if isinstance(value, cst.CSTNode):
        _NODE_TYPES.add(type(value))
        return True
    return False
