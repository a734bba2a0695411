"""Small syntax tests and walks over libcst trees used by the INIT1xx analysis (no state, no vocabulary)."""

from __future__ import annotations

import re

import libcst as cst

from ..imports import dotted
from ..vocabulary import META_DEVICE, MODULE_BASE_WORDS
from ..walk import body_of, call_name, iter_calls, keyword, positional, string_value, sub_blocks


class Dead(Exception):
    """The path ends here (``return``, ``raise``, ``sys.exit()``...)."""


#: The assignment target standing for ``return f(...)`` when ``f`` runs inline.
RETURNED = cst.Name("__returned__")
#: A script's main guard: the script runs.
MAIN_GUARD = re.compile(r"""__name__ == (['"])__main__\1|(['"])__main__\2 == __name__""")
#: Names a test reads (identifiers not preceded by a dot).
ROOT_NAME = re.compile(r"(?<![.\w])[A-Za-z_]\w*")
#: Expressions whose parts may not run (lambda, comprehensions, conditional expressions) and leaves.
OPAQUE = frozenset(
    {cst.Lambda, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp, cst.IfExp, cst.BooleanOperation,
     cst.SimpleString, cst.Integer, cst.Float, cst.Imaginary, cst.Ellipsis, cst.ConcatenatedString}
)


def is_true(node) -> bool:
    return isinstance(node, cst.Name) and node.value == "True"


def is_false(node) -> bool:
    return isinstance(node, cst.Name) and node.value in ("False",)


def is_none(node) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"


def is_meta(node) -> bool:
    """``"meta"`` or ``torch.device("meta")``."""
    if string_value(node) == META_DEVICE:
        return True
    return isinstance(node, cst.Call) and call_name(node) == "device" and string_value(positional(node)) == META_DEVICE


def nonstrict(call: cst.Call) -> bool:
    """``strict=False``, also nested one level (``options=StateDictOptions(strict=False)``)."""
    if is_false(keyword(call, "strict")):
        return True
    return any(isinstance(a.value, cst.Call) and is_false(keyword(a.value, "strict")) for a in call.args)


def torch_function(qual: str | None) -> bool:
    """A function of torch outside ``torch.nn`` (never a model constructor)."""
    return qual is not None and qual.startswith("torch.") and not qual.startswith("torch.nn.")


def params_of(fn: cst.FunctionDef) -> tuple[list[str], list[str]]:
    """``(positional parameter names, keyword-only names)``."""
    ps = fn.params
    positional_names = [p.name.value for p in list(ps.posonly_params) + list(ps.params)]
    kwonly = [p.name.value for p in ps.kwonly_params]
    return positional_names, kwonly


def call_statement(small):
    """``(call, assignment target or None)`` for ``f(...)`` and ``x = f(...)`` statements, else ``(None, None)``."""
    t = type(small)
    if t is cst.Expr and type(small.value) is cst.Call:
        return small.value, None
    if t is cst.Assign and type(small.value) is cst.Call and len(small.targets) == 1:
        return small.value, small.targets[0].target
    if t is cst.Return and type(small.value) is cst.Call:
        return small.value, RETURNED
    return None, None


def module_like(cls: cst.ClassDef) -> bool:
    """A class that is (probably) a model, not a trainer: its constructor builds a model, it is not run inline."""
    for base in cls.bases:
        text = dotted(base.value) or ""
        if any(w in text for w in MODULE_BASE_WORDS):
            return True
    return any(isinstance(s, cst.FunctionDef) and s.name.value == "forward" for s in body_of(cls))


def functions(module: cst.Module):
    """``(function or None for the module body, statements to gate on)`` for every def, at any depth."""
    yield None, [s for s in module.body if not isinstance(s, (cst.FunctionDef, cst.ClassDef))]
    stack = list(module.body)
    while stack:
        s = stack.pop()
        if isinstance(s, cst.FunctionDef):
            yield s, body_of(s)
            stack.extend(body_of(s))
        elif isinstance(s, cst.ClassDef):
            stack.extend(body_of(s))
        elif not isinstance(s, cst.SimpleStatementLine):
            for block in sub_blocks(s):
                stack.extend(block)


def defs(cls: cst.ClassDef):
    """The methods a class body defines."""
    return [s for s in body_of(cls) if isinstance(s, cst.FunctionDef)]


def calls(stmts):
    """Calls in statements and compound-statement headers (nested defs and classes excluded)."""
    stack = list(stmts)
    while stack:
        s = stack.pop()
        if isinstance(s, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            for small in s.body:
                yield from iter_calls(small)
        elif isinstance(s, (cst.FunctionDef, cst.ClassDef)):
            continue
        else:
            if isinstance(s, cst.With):
                for item in s.items:
                    yield from iter_calls(item.item)
            elif isinstance(s, (cst.If, cst.While)):
                yield from iter_calls(s.test)
            elif isinstance(s, cst.For):
                yield from iter_calls(s.iter)
            for block in sub_blocks(s):
                stack.extend(block)
