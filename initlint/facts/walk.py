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


_LEAVES = (cst.Name, cst.SimpleString, cst.Integer, cst.Float, cst.Imaginary, cst.Ellipsis)


def iter_calls(node) -> Iterator[cst.Call]:
    """Every Call inside an expression or small statement, outermost first (lambdas excluded)."""
    stack = [node]
    while stack:
        n = stack.pop()
        if n is None or isinstance(n, _LEAVES) or isinstance(n, cst.Lambda):
            continue
        if isinstance(n, cst.Call):
            yield n
            stack.extend(a.value for a in reversed(n.args))
            stack.append(n.func)
        elif isinstance(n, cst.Attribute):
            stack.append(n.value)
        elif isinstance(n, (cst.Assign, cst.AugAssign, cst.AnnAssign, cst.Expr, cst.Return)):
            stack.append(getattr(n, "value", None))
            if isinstance(n, cst.Assign):
                stack.extend(t.target for t in n.targets)
            elif isinstance(n, (cst.AugAssign, cst.AnnAssign)):
                stack.append(n.target)
        elif isinstance(n, (cst.Tuple, cst.List, cst.Set)):
            stack.extend(e.value for e in n.elements)
        elif isinstance(n, cst.Dict):
            for e in n.elements:
                stack.append(getattr(e, "key", None))
                stack.append(e.value)
        else:
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
