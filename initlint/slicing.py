"""Parse only what the matching rules can see: the libcst parse is our floor, so make it smaller.

Rules whose ``scope`` is ``"classes"`` (INIT0xx) look only at module-level imports and other simple
statements, at module classes that create or initialize parameters, at their same-file bases, and at
module-level init functions. For a file where only such rules can match, every other top-level ``def`` and
``class`` is cut before the libcst parse. Unrelated classes keep their header (``class A(B):`` + ``pass``)
so the class hierarchy stays visible. Inside the classes that stay, and at module level, every function
that no init path can reach (not ``__init__``, no keep word, and its name used by nothing else that stays:
typically ``forward`` and its helpers) is stubbed the same way, header kept and body ``pass``. Rules whose
scope is ``"file"`` (INIT1xx) get a statement-level cut (:func:`statement_plan`); both kinds, the union.

Cut lines are *dropped*, not left blank: libcst builds one ``EmptyLine`` node per blank line, and on
transformers' ``models/`` two thirds of a slice's lines were such blanks (its parse took 13-30% longer
than the same slice without them). Blank and comment-only lines of kept code go too (no rule reads
comments; lines inside string literals stay). Kept lines stay whole, so columns do not change, and a
:class:`Slice` carries, for each line it keeps, the line number that line has in the file: positions are
mapped back through it (:class:`initlint.facts.FileFacts`). Each file is split into lines and scanned for
strings and comments once (:class:`_Source`), whichever cuts run.

The cut is computed from Python's ``ast`` (about 10× faster than libcst's parser), or from the ``ast``
tree flake8 already built. Any surprise (a file ``ast`` cannot parse, odd encodings) falls back to
parsing the whole file, so slicing can change speed but never findings.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from array import array
from itertools import compress
from typing import Iterable, NamedTuple

from .facts.vocabulary import MODULE_RESET

#: Words that make a top-level class worth keeping whole, besides the rules' triggers and the configured
#: central init function names.
_KEEP_WORDS = (MODULE_RESET,)
#: Words that keep a method of a kept class whole, besides ``__init__``, the keep words (the rules' triggers such
#: as ``Parameter``, ``reset_parameters`` and the central init function names) and every method whose name
#: occurs in what is kept: the rules follow ``self.<name>()``/``super().<name>()``/``self.apply(...)`` calls
#: from the constructor, ``reset_parameters`` and the central init functions, and collect parameter
#: creations from every method.
#: ``.copy_(`` and ``.data =`` keep the methods that may fill a parameter from data (a DoRA magnitude, k-means
#: codebooks: ``initlint.facts.modules._data_filled``).
_METHOD_KEEP_WORDS = ("register_parameter", ".copy_(", ".data =")
#: Module-level simple statements at least this many lines long are data, blanked unless they mention a keep word.
_BIG_STATEMENT_LINES = 20


class Slice(NamedTuple):
    """The part of a file to parse: ``text``, and ``origin[i]``, the file's line number of line ``i + 1`` of it."""

    text: str
    origin: "array[int]"

    def line(self, number: int) -> int:
        """The file's line number for line ``number`` (1-based) of :attr:`text`."""
        origin = self.origin
        if 0 < number <= len(origin):
            return origin[number - 1]
        return (origin[-1] if origin else 0) + number - len(origin)  # past the end (an end position)

    def padded(self) -> str:
        """:attr:`text` with every dropped line back as an empty line: each line at its number in the file."""
        out: list[str] = []
        at = 1
        for number, line in zip(self.origin, physical_lines(self.text)):
            out.append("\n" * (number - at))
            out.append(line)
            at = number + 1
        return "".join(out)


#: What a dropped line becomes in the per-line lists the cutters build (no real line is empty: each has
#: at least its line break or, on the last line, one character).
_DROPPED = ""


def _join(out: list[str]) -> Slice:
    """The slice of per-line list ``out`` (one entry per line of the file, :data:`_DROPPED` where cut)."""
    return Slice("".join(out), array("i", compress(range(1, len(out) + 1), out)))


def decode(source: bytes) -> str | None:
    """Decode like Python does (BOM, coding cookie); None when that fails."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
        text = source.decode(encoding)
    except (SyntaxError, UnicodeDecodeError, LookupError):
        return None
    return text[1:] if text.startswith("\ufeff") else text


def parse_module(source: bytes | str) -> tuple[ast.Module, str] | None:
    """``(ast tree, text)`` of a file's bytes (decoded like Python does) or text; None when it does not decode
    or parse. The project index and the imported-helper summaries read other files' heads this way, so that a
    file they cannot read never fails a run."""
    text = decode(source) if isinstance(source, bytes) else source
    if text is None:
        return None
    try:
        return ast.parse(text), text
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return None


def _base_names(node: ast.ClassDef) -> set[str]:
    return {b.id for b in node.bases if isinstance(b, ast.Name)}


#: Physical lines as Python counts them (``str.splitlines`` also splits on form feeds and friends).
_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
#: Characters where ``str.splitlines`` (fast) splits and Python does not.
_ODD_BREAKS = re.compile("[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def physical_lines(text: str) -> list[str]:
    """Physical lines with their line breaks."""
    return _LINES.findall(text) if _ODD_BREAKS.search(text) else text.splitlines(keepends=True)


#: A string literal (group 1) or a comment. One scan of a file with it serves every cut below: comments
#: must not keep a method alive ("# Feed-forward"), and "Parameters:" in a docstring must keep nothing.
_STRING_OR_COMMENT = re.compile(
    r'''("""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*')|#[^\r\n]*'''
)


class _Source:
    """One file's text, split into lines and scanned for strings and comments once, for every cut."""

    def __init__(self, text: str, tree: ast.Module) -> None:
        self.tree = tree
        self.lines = physical_lines(text)
        # code, literal (or None for a comment), code, literal, ..., code
        parts = _STRING_OR_COMMENT.split(text)
        literals = parts[1::2]
        # a comment becomes one space (so a last line holding only a comment stays a line)
        parts[1::2] = [" " if lit is None else lit for lit in literals]
        #: the lines without comments (string literals kept)
        self.code_lines: list[str] | None = physical_lines("".join(parts))
        if len(self.code_lines) != len(self.lines):  # pragma: no cover - defensive: never guess line ranges
            self.code_lines = None
        # string literals become ``""`` and each line they continue on starts with a NUL: no word in a string
        # counts, and a line left blank here is blank or a comment outside every string
        parts[1::2] = [" " if lit is None else '""' + "\n\0" * lit.count("\n") for lit in literals]
        self.bare_lines: list[str] | None = physical_lines("".join(parts))
        if len(self.bare_lines) != len(self.lines):  # pragma: no cover - a lone CR inside a string
            self.bare_lines = None

    def finish(self, out: list[str]) -> Slice | None:
        """The slice of per-line list ``out``, also without blank and comment-only lines; None if all stays.

        Such lines become ``EmptyLine`` nodes in libcst (5% of the parse on transformers' kept code), and no
        rule reads comments. Lines inside string literals stay (they are part of the string).
        """
        bare = self.bare_lines
        if bare is not None:  # (a placeholder is never put on such a line: statements start with code)
            out = [_DROPPED if b.isspace() else o for o, b in zip(out, bare)]
        return None if out == self.lines else _join(out)


def _source(text: str, tree: ast.Module | None) -> _Source | None:
    try:
        return _Source(text, ast.parse(text) if tree is None else tree)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def slice_classes(
    text: str, words: Iterable[str], tree: ast.Module | None = None, dispatch_words: Iterable[str] = ()
) -> Slice | None:
    """``text`` without irrelevant top-level defs, unreachable methods and comments, or None if all stays."""
    src = _source(text, tree)
    return None if src is None else src.finish(_class_cut(src, words, dispatch_words))


def _class_cut(src: _Source, words: Iterable[str], dispatch_words: Iterable[str]) -> list[str]:
    """The lines of the file, with :data:`_DROPPED` for every line :func:`slice_classes` cuts."""
    tree, lines = src.tree, src.lines
    keep_words = tuple(words) + _KEEP_WORDS
    bare = src.bare_lines or lines

    def segment(node) -> str:
        return "".join(lines[node.lineno - 1:node.end_lineno])

    def code(node) -> str:
        """The node's code without comments and string contents ("Parameters:" in docstrings keeps nothing)."""
        return "".join(bare[node.lineno - 1:node.end_lineno])

    # whole classes are cut here; functions (methods of kept classes, module-level ones) by reachability below
    defs = [n for n in tree.body if isinstance(n, ast.ClassDef)]
    keep: set[int] = set()
    by_name: dict[str, list[int]] = {}
    for i, node in enumerate(defs):
        by_name.setdefault(node.name, []).append(i)
        if any(w in code(node) for w in keep_words):
            keep.add(i)
    # classes that allocate uninitialized storage (INIT003's candidates): whoever builds one (a parent's
    # ``update_layer`` filling a ModuleDict by key, a factory function) may initialize it right there, so
    # the classes, methods and functions that name one stay (``ModuleFacts.owner_coverage`` reads them)
    empty = {defs[i].name for i in keep if _allocates_empty(defs[i], code)}
    if empty:
        # and the module-level functions that name one (``def get_router(cfg): return PolyRouter(cfg)``)
        empty |= {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                  and empty & set(_IDENT.findall(code(n)))}
        keep_words += tuple(sorted(empty))
        keep.update(i for i, node in enumerate(defs) if i not in keep and empty & set(_IDENT.findall(code(node))))
    # classes named inside a central init function (``isinstance(module, Block): init(module.gate.weight)``)
    # are kept whole: their constructors say which child class ``gate`` is
    dispatch_words = tuple(dispatch_words)
    named: set[str] = set()
    for i in list(keep):
        seg = segment(defs[i])
        if dispatch_words and any(w in seg for w in dispatch_words):
            named.update(_IDENT.findall(seg))
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
        and not any(w in code(n) for w in keep_words)
    ]
    blank_methods = _unreachable_methods(
        src, [defs[i] for i in sorted(keep)], [d for i, d in enumerate(defs) if i not in keep], keep_words, code,
        empty,
    )
    out = list(lines)
    for fn in blank_methods:
        _stub(fn, lines, out)
    for node in data:
        _replace(node.lineno, node.end_lineno, "None", lines, out)  # rules never read data names
    for i, node in enumerate(defs):
        if i not in keep:
            _stub(node, lines, out)
    return out


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _allocates_empty(cls: ast.ClassDef, code) -> bool:
    """Does the class's ``__init__`` create a parameter and call an allocator that does not write (INIT003's
    candidates)? Textual, on comment- and string-free code."""
    for stmt in cls.body:
        if isinstance(stmt, ast.FunctionDef) and stmt.name == "__init__":
            text = code(stmt)
            return "Parameter" in text and _EMPTY_CALL.search(text) is not None
    return False


#: a method name that says it initializes (``reset``, ``init_weights``...; ``initlint.facts.modules._WRITE_NAMES``)
_WRITER_NAME = re.compile(r"(?i)init|reset")
#: a call that allocates without writing (``torch.empty(``, ``new_empty(``, ``torch.Tensor(n)``...)
_EMPTY_CALL = re.compile(r"(?<![A-Za-z0-9_])(?:empty|empty_like|empty_strided|new_empty|[A-Za-z]*Tensor)\s*\(")


def _unreachable_methods(src: _Source, kept: list, dropped: list, keep_words, bare, empty=frozenset()) -> list:
    """Methods of kept classes, and module-level functions, that no rule can reach: stubbed like classes.

    A method or function stays whole when it is ``__init__``, mentions a keep word, or its name occurs in
    the code (identifiers and string contents, comments excluded) of anything else that stays: module-level
    statements other than definitions, the kept classes' headers and other statements, and the kept
    methods. The closure is computed to a fixed point, so a method reached through a chain of calls from
    the constructor or an init function stays. What is stubbed is typically ``forward`` and its helpers,
    which no INIT0xx rule reads. Text-based (a regex over the lines, about 8x cheaper than walking the
    ``ast``), and conservative: any identifier-like word in a string keeps a method of that name.

    In the classes named in ``empty`` (they allocate uninitialized storage), every method whose name says
    init or reset stays too: an owner in another file may call it on the child it builds (peft's
    ``self.poly_router[name].reset()``).
    """
    words = tuple(keep_words) + _METHOD_KEEP_WORDS
    methods = [stmt for cls in kept for stmt in cls.body if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef))]
    methods += [stmt for stmt in src.tree.body if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef))]
    code_lines = src.code_lines
    if not methods or code_lines is None:
        return []
    lines = src.lines

    def names(node) -> set[str]:
        return set(_IDENT.findall("".join(code_lines[_first_line(node) - 1:node.end_lineno])))

    inside = bytearray(len(lines) + 2)
    for node in methods + dropped:
        inside[_first_line(node):node.end_lineno + 1] = b"\x01" * (node.end_lineno + 1 - _first_line(node))
    known = set(_IDENT.findall("".join(line for k, line in enumerate(code_lines, 1) if not inside[k])))
    pending = []
    writers = {id(stmt) for cls in kept if cls.name in empty for stmt in cls.body
               if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and _WRITER_NAME.search(stmt.name)}
    for fn in methods:
        if fn.name == "__init__" or id(fn) in writers or any(w in bare(fn) for w in words):
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


#: ``name(``; the look-behind starts a match only at a word's start (no retry at every letter of a word).
_CALL = re.compile(r"(?<![A-Za-z0-9_])([A-Za-z_][A-Za-z0-9_]*)\s*\(")
#: A ``'meta'`` literal passed as ``device_type=`` (test decorators) is never an empty-init origin.
#: ``'meta'`` where a call argument or keyword can hold it (``device("meta")``, ``f(x, 'meta')``, ``device='meta'``);
#: a dict value (``'name': 'meta'``) or list item is never an origin.
_META_ARG = re.compile(r"""[(,=]\s*(['"])meta\1""")
_DEVICE_TYPE_META = re.compile(r"""device_type\s*=\s*(['"])meta\1""")
_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def slice_statements(text: str, config, tree: ast.Module | None = None) -> Slice | None:
    """``text`` without the top-level statements that no INIT1xx analysis can use, or None.

    See :func:`statement_plan` for what stays.
    """
    src = _source(text, tree)
    if src is None:
        return None
    lines, out = src.lines, list(src.lines)
    keep = _statement_keep(src, config)
    if keep is not None:
        for i, node in enumerate(src.tree.body):
            if i in keep:
                continue
            if isinstance(node, _DEFS):
                _stub(node, lines, out)
            else:
                _replace(node.lineno, node.end_lineno, "pass", lines, out)
    return src.finish(out)


def slice_both(
    text: str, words: Iterable[str], config, tree: ast.Module | None = None, dispatch_words: Iterable[str] = ()
) -> Slice | None:
    """Both kinds of rules at once: the class slice, with every statement the INIT1xx slice keeps restored.

    Each slice keeps a superset of what its rules read, so their union (taken per top-level statement,
    which either slice keeps whole or not) is safe for both; None when nothing would be cut.
    """
    src = _source(text, tree)
    if src is None:
        return None
    lines = src.lines
    keep = _statement_keep(src, config)
    if keep is None:
        out = list(lines)
    else:
        out = _class_cut(src, words, dispatch_words)
        for i in keep:
            node = src.tree.body[i]
            out[_first_line(node) - 1:node.end_lineno] = lines[_first_line(node) - 1:node.end_lineno]
    return src.finish(out)


def _first_line(node) -> int:
    decos = getattr(node, "decorator_list", None)
    return decos[0].lineno if decos else node.lineno


def statement_plan(text: str, config, tree: ast.Module | None = None) -> set[int] | None:
    """Indices of the top-level statements an INIT1xx slice keeps, or None when all must stay.

    The INIT1xx analysis runs only on scopes (the module body, each function) that contain an empty-init
    origin (a ``'meta'`` literal, ``empty_init``, ``to_empty``...) or both a load and an initialization;
    everything else is read only through calls. So a top-level statement stays when

    * it is an import, or such an *interesting* scope holds it; if one module-level statement is
      interesting, all module-level statements stay (the module body is one scope);
    * it calls, by name, a definition that stays for the reason above (an origin can travel through a
      return value), to a fixed point;
    * then: it defines a name used by anything that stays (helpers, their helpers, module constants), to a
      fixed point.

    Definitions that do not stay are stubbed (header + ``pass``) and other statements become ``pass``, their
    other lines dropped. The tests are textual on comment-free code and generous (any ``name(`` counts as a call; the
    kind of a call is :func:`initlint.facts.vocabulary.name_kind`, the function the analysis itself uses), so
    slicing can change speed and memory, never findings. A generated 1.4 MB table of test cases with one
    ``.to('meta')`` in a helper is reduced to that helper and what it uses.
    """
    src = _source(text, tree)
    return None if src is None else _statement_keep(src, config)


def _statement_keep(src: _Source, config) -> set[int] | None:
    """:func:`statement_plan` on a scanned file."""
    from .facts.vocabulary import EMPTY_INIT_KEYWORD, KIND_INIT, KIND_LOAD, KIND_ORIGIN, TRAINER_LOAD_RE, name_kind

    body = src.tree.body
    code_lines = src.code_lines
    if not body or code_lines is None:
        return None

    spans = [(_first_line(n), n.end_lineno) for n in body]
    if any(spans[i][1] >= spans[i + 1][0] for i in range(len(spans) - 1)):
        return None  # ``a = 1; b = 2`` on one line: statements cannot be blanked separately
    segs = ["".join(code_lines[a - 1:b]) for a, b in spans]
    top_defs = {n.name for n in body if isinstance(n, _DEFS)}
    kinds: dict[str, int] = {}

    def kind(name: str) -> int:
        k = kinds.get(name)
        if k is None:
            k = kinds[name] = name_kind(name, config, top_defs)
        return k

    calls = [set(_CALL.findall(seg)) for seg in segs]

    def interesting(i: int) -> bool:
        seg = _DEVICE_TYPE_META.sub("", segs[i])
        if EMPTY_INIT_KEYWORD in seg or (("'meta'" in seg or '"meta"' in seg) and _META_ARG.search(seg)):
            return True  # (the other origins are calls: ``to_empty(``, ``skip_init(``..., kind 3 below)
        found = {kind(c) for c in calls[i]}
        if any("Trainer" in c for c in calls[i]) and TRAINER_LOAD_RE.search(seg):
            found.add(KIND_LOAD)  # ``Trainer(model, load_path=...)`` loads (see the analysis, initlint.facts.script)
        return KIND_ORIGIN in found or (KIND_LOAD in found and KIND_INIT in found)

    module = [i for i, n in enumerate(body) if not isinstance(n, (*_DEFS, ast.Import, ast.ImportFrom))]
    keep = {i for i, n in enumerate(body) if isinstance(n, (ast.Import, ast.ImportFrom))}
    keep |= {i for i in range(len(body)) if i not in keep and interesting(i)}

    def close_module() -> None:
        if any(i in keep for i in module):
            keep.update(module)

    close_module()
    # origins travel up through return values: callers of what stays, stay
    changed = True
    while changed:
        changed = False
        names = {body[i].name for i in keep if isinstance(body[i], _DEFS)}
        for i in range(len(body)):
            if i not in keep and calls[i] & names:
                keep.add(i)
                changed = True
        close_module()
    # what stays may read any definition it names, and those read theirs
    defined = [_defined_names(n) for n in body]
    used: set[str] = set()
    todo = list(keep)
    while todo:
        used.update(_IDENT.findall(segs[todo.pop()]))
        for i in range(len(body)):
            if i not in keep and defined[i] & used:
                keep.add(i)
                todo.append(i)
    return None if len(keep) == len(body) else keep


def _defined_names(node) -> set[str]:
    """Names a top-level statement binds (definitions, assignment targets, loop and ``with`` targets)."""
    if isinstance(node, _DEFS):
        return {node.name}
    if isinstance(node, ast.Expr):
        return set()
    if isinstance(node, ast.Assign):
        roots = node.targets
    elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
        roots = [node.target]  # not the value: a table of 10,000 lines binds one name
    else:
        roots = [node]
    out = set()
    for n in (x for root in roots for x in ast.walk(root)):
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
            out.add(n.id)
        elif isinstance(n, _DEFS):
            out.add(n.name)
        elif isinstance(n, ast.alias):
            out.add((n.asname or n.name).split(".")[0])
    return out


def _col(body0, start: int) -> int:
    """Column where the body's first statement (or its first decorator) starts on line ``start``."""
    if body0.lineno == start:
        return body0.col_offset
    return min(d.col_offset for d in getattr(body0, "decorator_list", ()) if d.lineno == start)


def _stub(node, lines: list[str], out: list[str]) -> None:
    """Cut ``node`` (a class or function) down to its header and a ``pass`` body; its decorators are dropped."""
    first = _first_line(node)
    body0 = node.body[0] if node.body else None
    start = min([body0.lineno] + [d.lineno for d in getattr(body0, "decorator_list", ())]) if body0 else 0
    # the body's first line holds nothing of the header (a decorator's column is after its ``@``)
    own_line = body0 is not None and lines[start - 1][: _col(body0, start)].strip() in ("", "@")
    if body0 is not None and start > node.lineno and own_line:
        # header lines (node.lineno .. start - 1) stay; the body becomes ``pass``
        for k in range(first, node.lineno):
            out[k - 1] = _DROPPED
        _replace(start, node.end_lineno, "pass", lines, out)
    # else: a one-line definition, or a body that starts on the header's last line (``) -> T: ...``): kept


def _replace(first: int, last: int, placeholder: str, lines: list[str], out: list[str]) -> None:
    """Lines ``first..last`` become ``placeholder`` (at the first line's indent); the others are dropped."""
    line = lines[first - 1]
    out[first - 1] = line[: len(line) - len(line.lstrip())] + placeholder + line[len(line.rstrip("\r\n")):]
    out[first:last] = [_DROPPED] * (last - first)
