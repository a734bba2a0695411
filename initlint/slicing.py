"""Parse only what class-scoped rules can see: the libcst parse is our floor, so make it smaller.

Rules whose ``scope`` is ``"classes"`` (INIT0xx) look only at module-level imports and other simple
statements, at module classes that create or initialize parameters, at their same-file bases, and at
module-level init functions. For a file where only such rules can match, every other top-level ``def`` and
``class`` is blanked out *line for line* before the libcst parse, so line and column numbers of what is
kept do not change. Unrelated classes keep their header (``class A(B):`` + ``pass``) so the class
hierarchy stays visible. Inside the classes that stay, and at module level, every function that no init
path can reach (not ``__init__``, no keep word, and its name used by nothing else that stays: typically
``forward`` and its helpers) is stubbed the same way, header kept and body ``pass``.

The cut is computed from Python's ``ast`` (about 10× faster than libcst's parser), or from the ``ast``
tree flake8 already built. Any surprise (a file ``ast`` cannot parse, odd encodings) falls back to
parsing the whole file, so slicing can change speed but never findings.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from typing import Iterable

#: Words that make a top-level class worth keeping whole, besides the rules' triggers and the configured
#: central init function names.
_KEEP_WORDS = ("reset_parameters",)
#: Words that keep a method of a kept class whole (with ``__init__``, the keep words, and every method whose
#: name occurs in what is kept): the rules follow ``self.<name>()``/``super().<name>()``/``self.apply(...)``
#: calls from the constructor and the init paths, and collect parameter creations from every method.
_METHOD_KEEP_WORDS = ("init", "Parameter", "register_", "reset")
#: Module-level simple statements at least this many lines long are data, blanked unless they mention a keep word.
_BIG_STATEMENT_LINES = 20


def decode(source: bytes) -> str | None:
    """Decode like Python does (BOM, coding cookie); None when that fails."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
        text = source.decode(encoding)
    except (SyntaxError, UnicodeDecodeError, LookupError):
        return None
    return text[1:] if text.startswith("\ufeff") else text


def _base_names(node: ast.ClassDef) -> set[str]:
    return {b.id for b in node.bases if isinstance(b, ast.Name)}


#: Physical lines as Python counts them (``str.splitlines`` also splits on form feeds and friends).
_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def slice_classes(
    text: str, words: Iterable[str], tree: ast.Module | None = None, dispatch_words: Iterable[str] = ()
) -> str | None:
    """``text`` with irrelevant top-level defs blanked, or None when nothing would be saved / on error."""
    try:
        if tree is None:
            tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    lines = _LINES.findall(text)
    keep_words = tuple(words) + _KEEP_WORDS

    def segment(node) -> str:
        return "".join(lines[node.lineno - 1:node.end_lineno])

    # only classes are cut: module-level functions may be called with a module as argument (their
    # summaries feed coverage), and they are small next to the classes of a model file
    defs = [n for n in tree.body if isinstance(n, ast.ClassDef)]
    keep: set[int] = set()
    by_name: dict[str, list[int]] = {}
    for i, node in enumerate(defs):
        by_name.setdefault(node.name, []).append(i)
        if any(w in segment(node) for w in keep_words):
            keep.add(i)
    # classes named inside a central init function (``isinstance(module, Block): init(module.gate.weight)``)
    # are kept whole: their constructors say which child class ``gate`` is
    dispatch_words = tuple(dispatch_words)
    named: set[str] = set()
    for i in list(keep):
        seg = segment(defs[i])
        if dispatch_words and any(w in seg for w in dispatch_words):
            named.update(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", seg))
    keep.update(j for name in named for j in by_name.get(name, ()))
    # same-file bases of kept classes are kept whole too (their reset/init methods are inherited)
    todo = list(keep)
    while todo:
        for base in _base_names(defs[todo.pop()]):
            for j in by_name.get(base, ()):
                if j not in keep:
                    keep.add(j)
                    todo.append(j)
    # big module-level data statements (tables of numbers, long dict literals) that mention no keep word:
    # rules never read them, and libcst spends ~550 bytes of memory per source byte on their trees
    data = [
        n for n in tree.body
        if isinstance(n, (ast.Assign, ast.AnnAssign, ast.Expr))
        and n.end_lineno - n.lineno >= _BIG_STATEMENT_LINES
        and not any(w in segment(n) for w in keep_words)
    ]
    blank_methods = _unreachable_methods(
        tree, [defs[i] for i in sorted(keep)], [d for i, d in enumerate(defs) if i not in keep], lines,
        keep_words, segment,
    )
    if len(keep) == len(defs) and not data and not blank_methods:
        return None
    out = list(lines)
    for fn in blank_methods:
        _stub(fn, lines, out)
    for node in data:
        # the statement becomes the expression ``None`` on its first line (rules never read data names)
        first = lines[node.lineno - 1]
        indent = first[: len(first) - len(first.lstrip())]
        out[node.lineno - 1] = indent + "None" + _eol(first)
        for k in range(node.lineno + 1, node.end_lineno + 1):
            out[k - 1] = _blank(lines[k - 1])
    for i, node in enumerate(defs):
        if i not in keep:
            _stub(node, lines, out)
    return "".join(out)


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: A string literal (kept) or a comment (dropped): comments must not keep a method alive ("# Feed-forward").
_STRING_OR_COMMENT = re.compile(
    r'''("""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*')|#[^\r\n]*'''
)


def _unreachable_methods(tree: ast.Module, kept: list, dropped: list, lines: list[str], keep_words, segment) -> list:
    """Methods of kept classes, and module-level functions, that no rule can reach: stubbed like classes.

    A method or function stays whole when it is ``__init__``, mentions a keep word, or its name occurs in
    the code (identifiers and string contents, comments excluded) of anything else that stays: module-level
    statements other than definitions, the kept classes' headers and other statements, and the kept
    methods. The closure is computed to a fixed point, so a method reached through a chain of calls from
    the constructor or an init function stays. What is stubbed is typically ``forward`` and its helpers,
    which no INIT0xx rule reads. Text-based (a regex over the lines, about 8x cheaper than walking the
    ``ast``), and conservative: any identifier-like word in a string keeps a method of that name.
    """
    words = tuple(keep_words) + _METHOD_KEEP_WORDS
    methods = [stmt for cls in kept for stmt in cls.body if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef))]
    methods += [stmt for stmt in tree.body if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef))]
    if not methods:
        return []
    code = _STRING_OR_COMMENT.sub(r"\1", "".join(lines))
    code_lines = _LINES.findall(code)
    if len(code_lines) != len(lines):  # pragma: no cover - defensive: never guess line ranges
        return []

    def first_line(node) -> int:
        return node.decorator_list[0].lineno if node.decorator_list else node.lineno

    def names(node) -> set[str]:
        return set(_IDENT.findall("".join(code_lines[first_line(node) - 1:node.end_lineno])))

    inside = bytearray(len(lines) + 2)
    for node in methods + dropped:
        inside[first_line(node):node.end_lineno + 1] = b"\x01" * (node.end_lineno + 1 - first_line(node))
    known = set(_IDENT.findall("".join(line for k, line in enumerate(code_lines, 1) if not inside[k])))
    pending = []
    for fn in methods:
        if fn.name == "__init__" or any(w in segment(fn) for w in words):
            known |= names(fn)
        else:
            pending.append(fn)
    changed = True
    while changed and pending:
        changed = False
        rest = []
        for fn in pending:
            if fn.name in known:
                known |= names(fn)
                changed = True
            else:
                rest.append(fn)
        pending = rest
    return pending


def _stub(node, lines: list[str], out: list[str]) -> None:
    """Blank ``node`` (a class or function) line for line, keeping its header and a ``pass`` body."""
    first = node.decorator_list[0].lineno if node.decorator_list else node.lineno
    body0 = node.body[0] if node.body else None
    start = min([body0.lineno] + [d.lineno for d in getattr(body0, "decorator_list", ())]) if body0 else 0
    if body0 is not None and start > node.lineno:
        # header lines (node.lineno .. start - 1) stay; the body becomes ``pass``
        for k in range(first, node.lineno):
            out[k - 1] = _blank(lines[k - 1])
        indent = " " * body0.col_offset if body0.col_offset else "    "
        out[start - 1] = indent + "pass" + _eol(lines[start - 1])
        for k in range(start + 1, node.end_lineno + 1):
            out[k - 1] = _blank(lines[k - 1])
    # else: a one-line definition, kept as it is


def _eol(line: str) -> str:
    return line[len(line.rstrip("\r\n")):]


def _blank(line: str) -> str:
    return line[len(line.rstrip("\r\n")):]
