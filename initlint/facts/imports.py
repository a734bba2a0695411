"""Which local names mean torch, torch.nn, nn.init, Lightning, accelerate... in this file.

One pass over the import statements (module level, and inside module-level ``if``/``try`` blocks and
function bodies' first level) builds an alias map; :meth:`Imports.resolve` turns a ``Name``/``Attribute``
chain into a dotted qualified name (``nn.init.normal_`` -> ``torch.nn.init.normal_``). This replaces
libcst's QualifiedNameProvider, which costs several parses.
"""

from __future__ import annotations

from typing import Iterator

import libcst as cst


def dotted(node: cst.BaseExpression | None) -> str | None:
    """``a.b.c`` for a Name/Attribute chain, else None."""
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if isinstance(node, cst.Name):
        parts.append(node.value)
        return ".".join(reversed(parts))
    return None


def _module_name(node: cst.BaseExpression | None) -> str:
    return dotted(node) or ""


class Imports:
    """Alias map of one file: local name -> qualified name."""

    def __init__(self, module: cst.Module) -> None:
        self.aliases: dict[str, str] = {}
        for stmt in _import_statements(module.body):
            self._add(stmt)

    def _add(self, stmt: cst.Import | cst.ImportFrom) -> None:
        if isinstance(stmt, cst.Import):
            for alias in stmt.names:
                full = _module_name(alias.name)
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    self.aliases[alias.asname.name.value] = full
                else:  # ``import torch.nn`` binds ``torch``
                    top = full.split(".")[0]
                    self.aliases.setdefault(top, top)
            return
        prefix = "." * len(stmt.relative) + _module_name(stmt.module)
        if isinstance(stmt.names, cst.ImportStar):
            return
        for alias in stmt.names:
            name = _module_name(alias.name)
            local = name
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            sep = "" if prefix.endswith(".") or not prefix else "."
            self.aliases[local] = f"{prefix}{sep}{name}"

    def resolve(self, node: cst.BaseExpression | None) -> str | None:
        """Qualified dotted name of ``node`` through the imports; None when its root is not imported."""
        text = dotted(node)
        if text is None:
            return None
        return self.resolve_text(text)

    def resolve_text(self, text: str) -> str | None:
        root, _, rest = text.partition(".")
        target = self.aliases.get(root)
        if target is None:
            return None
        return f"{target}.{rest}" if rest else target

    def imports_any(self, *prefixes: str) -> bool:
        """Does the file import anything under one of these module prefixes?"""
        return any(v == p or v.startswith(p + ".") for v in self.aliases.values() for p in prefixes)


def _import_statements(body) -> Iterator[cst.Import | cst.ImportFrom]:
    for stmt in body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, (cst.Import, cst.ImportFrom)):
                    yield small
        elif isinstance(stmt, cst.If):
            yield from _import_statements(stmt.body.body)
            orelse = stmt.orelse
            while orelse is not None:
                yield from _import_statements(orelse.body.body)
                orelse = getattr(orelse, "orelse", None)
        elif isinstance(stmt, cst.Try):
            yield from _import_statements(stmt.body.body)
            for handler in stmt.handlers:
                yield from _import_statements(handler.body.body)
            if stmt.orelse is not None:
                yield from _import_statements(stmt.orelse.body.body)
        elif isinstance(stmt, cst.FunctionDef):
            yield from _import_statements(stmt.body.body) if isinstance(stmt.body, cst.IndentedBlock) else ()
