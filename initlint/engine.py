"""The core every adapter calls: source text in, findings out (before ``# noqa``).

The public :func:`initlint.lint_source` / :func:`initlint.lint_file` (:mod:`initlint.runner`) add ``# noqa``
and file reading; the flake8 plugin calls this module directly because flake8 applies ``# noqa`` itself.

Order of work for one file, cheapest first:
1. selection: which rules are enabled for this path;
2. prefilter: if the bytes contain none of those rules' trigger strings, stop (libcst is not even imported);
3. cut what those rules cannot read (:mod:`initlint.slicing`, from an ``ast`` tree) and parse the rest with
   libcst's native parser (the floor of our cost); findings keep the file's line numbers;
4. each rule asks the shared, lazily computed facts; a rule that raises becomes one ``INIT900`` finding
   for this file and the other rules still run;
5. positions are resolved only when there is something to report (they cost about as much as a parse).
"""

from __future__ import annotations

import traceback

from .codes import INTERNAL_ERROR, PARSE_ERROR
from .config import Config
from .finding import Finding, split_fix

_rules_cache: dict[tuple, list] = {}
#: ``{path: sha256}`` of the other files the last :func:`lint_source` consulted through the project index
#: (the findings cache stores them so that an entry goes stale when one of them changes).
last_consulted: dict[str, str] = {}


def enabled_rules(config: Config, path: str | None = None) -> list:
    """Rule classes enabled by ``config`` for ``path`` (cached per selection)."""
    from .rules import ALL_RULES

    key = (config.select, config.extend_select, config.ignore, config.per_file_ignores if path else (), path)
    rules = _rules_cache.get(key)
    if rules is None:
        rules = [r for r in ALL_RULES if config.enabled(r.code, path)]
        if len(_rules_cache) > 4096:
            _rules_cache.clear()
        _rules_cache[key] = rules
    return rules


def might_match(source: bytes | str, rules, config: Config | None = None) -> bool:
    """Cheap text test: can any of ``rules`` possibly match this file?"""
    return bool(matching_rules(source, rules, config))


def matching_rules(source: bytes | str, rules, config: Config | None = None) -> list:
    """The rules that can match ``source``: one of their triggers occurs, and one word of each required group."""
    config = config or Config()
    text = isinstance(source, str)
    out = []
    for r in rules:
        if not any((t.decode("ascii") if text else t) in source for t in r.triggers):
            continue
        groups = r.required(config)
        if groups and not all(
            any((w if text else w.encode("utf-8")) in source for w in group) for group in groups
        ):
            continue
        out.append(r)
    return out


def lint_source(
    source: bytes | str, path: str = "<string>", config: Config | None = None, tree=None, origin: str | None = None
) -> list[Finding]:
    """Lint one file's contents. Never raises for any input: problems become findings.

    ``source`` may be bytes (encoding declarations and BOMs are honoured) or text. ``tree`` is an optional
    ``ast`` tree of the same source (flake8 has one), used to cut what need not be parsed. Findings are
    sorted. ``origin``: the file on disk ``source`` was read from, when ``path`` is not it (the CLI reports
    project-relative keys); imports are resolved from there.
    """
    last_consulted.clear()
    config = config or Config()
    rules = matching_rules(source, enabled_rules(config, path), config)
    if not rules:
        return []
    import libcst as cst

    piece = _slice(source, rules, config, tree)
    module = None
    if piece is not None:
        try:
            module = cst.parse_module(piece.text)
        except Exception:  # noqa: BLE001 - never expected (ast parsed the file): parse the file itself
            piece = None
    if module is None:
        try:
            module = cst.parse_module(source)
        except Exception as exc:  # noqa: BLE001 - ParserSyntaxError, decode errors, recursion...
            if not config.enabled(PARSE_ERROR, path):
                return []
            return [_parse_error(source, path, exc)]
    return lint_module(module, path, config, rules, piece, origin)


def _parse_error(source: bytes | str, path: str, exc: Exception) -> Finding:
    """One INIT901, with CPython's message and line when CPython can say more than libcst.

    ``compile(..., PyCF_ONLY_AST)`` only parses (nothing is executed). When CPython accepts the file, the
    message says that libcst cannot parse valid Python instead of implying the file is broken.
    """
    import ast

    line, col = getattr(exc, "raw_line", 1) or 1, getattr(exc, "raw_column", 0) or 0
    try:
        compile(source, path, "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as err:  # IndentationError / TabError included
        where = int(err.lineno or line), max(int(err.offset or 1) - 1, 0)
        return Finding(path, where[0], where[1], PARSE_ERROR, f"cannot parse this file: {err.msg}")
    except (ValueError, RecursionError, MemoryError, OverflowError) as err:  # e.g. NUL bytes
        return Finding(path, int(line), int(col), PARSE_ERROR, f"cannot parse this file: {_one_line(err)}")
    return Finding(
        path, int(line), int(col), PARSE_ERROR,
        f"libcst cannot parse this file although Python can ({_one_line(exc)}); it was not checked",
    )


def _slice(source: bytes | str, rules, config: Config, tree):
    """The :class:`~initlint.slicing.Slice` of what the matching rules can read, or None to parse it all.

    Class-scoped rules only (INIT0xx): a class-level slice. File-scoped rules only (INIT1xx): a
    statement-level slice. Both kinds at once: their union (see :func:`initlint.slicing.slice_both`).
    """
    import ast

    from .slicing import decode, slice_both, slice_classes, slice_statements

    scopes = {r.scope for r in rules}
    text = decode(source) if isinstance(source, bytes) else source
    if text is None:
        return None
    if tree is None:
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None
    if scopes == {"file"}:
        return slice_statements(text, config, tree)
    words = [t.decode("ascii") for r in rules for t in r.triggers] + list(config.init_functions)
    if "file" in scopes:
        return slice_both(text, words, config, tree, dispatch_words=config.init_functions)
    return slice_classes(text, words, tree, dispatch_words=config.init_functions)


def lint_module(module, path: str, config: Config, rules=None, piece=None, origin=None) -> list[Finding]:
    """Run ``rules`` (default: the enabled ones) on an already parsed libcst module.

    ``piece``: the :class:`~initlint.slicing.Slice` that ``module`` was parsed from, if it was sliced, so
    that findings carry the file's line numbers.
    """
    from .facts import FileFacts

    rules = enabled_rules(config, path) if rules is None else rules
    facts = FileFacts(module, path, config, None if piece is None else piece.line, origin)
    hits: list[tuple[object, str, str, str | None]] = []
    errors: list[Finding] = []
    for rule_cls in rules:
        try:
            for hit in rule_cls().check(facts):
                node, message, fix = hit if len(hit) == 3 else (*hit, None)
                if fix is None:
                    message, fix = split_fix(message)
                hits.append((node, rule_cls.code, message, fix))
        except RecursionError:
            errors.append(_internal(path, rule_cls.code, "file too deeply nested to analyse", config))
        except Exception as exc:  # noqa: BLE001 - a rule bug must never abort the run
            detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            errors.append(_internal(path, rule_cls.code, detail, config))
    index = facts.__dict__.get("project")
    if index is not None:
        last_consulted.clear()
        last_consulted.update(index.consulted)
    findings = [e for e in errors if e is not None]
    if hits:
        positions = facts.positions  # shared with rules that put line numbers in their messages
        for node, code, message, fix in hits:
            line, col = _position_of(positions, node)
            findings.append(Finding(path, line, col, code, message, fix))
    return sorted(set(findings))


def _internal(path: str, code: str, detail: str, config: Config) -> Finding | None:
    if not config.enabled(INTERNAL_ERROR, path):
        return None
    return Finding(
        path,
        1,
        0,
        INTERNAL_ERROR,
        f"internal error in rule {code} (please report it; other rules still ran): {_one_line(detail)}",
    )


def _one_line(value) -> str:
    text = str(value).strip().splitlines()
    return text[0] if text else type(value).__name__


def _position_of(positions, node) -> tuple[int, int]:
    import libcst as cst

    if isinstance(node, (cst.ClassDef, cst.FunctionDef)):
        node = node.name
    pos = positions.get(node)
    if pos is None:
        return 1, 0
    return pos.start.line, pos.start.column
