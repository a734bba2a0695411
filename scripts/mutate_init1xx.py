#!/usr/bin/env python
"""Mutation harness for INIT101–INIT105 on real training entry points (issue 13: recall measured, not guessed).

    python scripts/mutate_init1xx.py                      # every entry point of scripts/init1xx_corpus.toml
    python scripts/mutate_init1xx.py --only torchtitan-trainer --only litgpt-pretrain
    python scripts/mutate_init1xx.py --json results.json  # machine-readable results too ('-' = stdout)
    python scripts/mutate_init1xx.py --download           # fetch missing archives with `pip download --no-deps`

Each entry point of the corpus is one real file (a training script or a trainer class) inside a pinned PyPI
release (wheel or sdist). The harness

1. finds the archive in ``--corpus-dir`` (default ``/work/corpora/init1xx``, or ``$INIT1XX_CORPUS``), checks
   its sha256 and the file's sha256 against the corpus, and unpacks it into a scratch directory;
2. applies each mutation of the entry point to the file (:func:`apply_mutation`; a mutation is a small named
   edit that introduces a real bug: delete the initialization on the fresh-run path → INIT101, move it after
   the checkpoint load → INIT104, into the empty-init/meta context → INIT102, make a load non-strict → INIT103)
   and writes every mutant *next to* the original (``train__m_<entry>__<mutation>.py``), so imports of the package
   resolve for the mutant exactly as they do for the original;
3. runs ``initlint --select INIT1 --no-cache --format json`` once, in a subprocess, over all originals and
   mutants. The subprocess is ``sys.executable -m initlint``, so whatever ``initlint`` is importable (set
   ``PYTHONPATH`` to a worktree to measure that worktree's code);
4. prints one row per entry point (caught/total, findings on the original = false alarms), overall recall,
   recall by shape and by rule, and the misses.

Exit status 0 when every entry and mutant was measured (misses and false alarms are results, not errors), 1 when
some could not be (archive missing or hash mismatch, an anchor that no longer matches: listed as "not measured").

A mutant is *caught* when the linter reports its expected code on it. Every INIT101–INIT105 finding on an
original is a false alarm (the originals are released code; each entry's ``note`` says why the original is
correct), and so is every one on a *semantics-preserving variant* (``expect = "silent"``: an edit that keeps the
program's behaviour, e.g. a helper's logic moved inline), which measures precision on code that was not released.
Entries are ``kind = "training"`` (the file trains the model: a script's main, a trainer class) or ``"helper"``
(the file builds/initializes/loads the model and training happens in another module); recall is printed for
both.

Corpus format (TOML, see ``scripts/init1xx_corpus.toml``)::

    [[entry]]
    name = "litgpt-pretrain"            # unique, used by --only
    framework = "litgpt"
    requirement = "litgpt==0.5.13"       # what `pip download --no-deps` fetches
    archive = "litgpt-0.5.13-py3-none-any.whl"
    archive_sha256 = "..."
    path = "litgpt/pretrain.py"          # inside the archive (sdists: without the top-level directory)
    file_sha256 = "..."
    shape = "plain script"               # default shape of the mutants
    note = "why the original is correct"

    [[entry.mutation]]
    name = "delete-init"
    op = "delete"                        # delete | move_after | move_into | nonstrict | replace
    anchor = "reset_parameters(model)"   # text on the first line of the statement to delete (must be unique)
    expect = "INIT101"                   # or "silent" for a semantics-preserving variant
    bug = "fresh run (no checkpoint, no resume) trains the empty-init weights"
    # shape = "..."                      # optional, overrides the entry's shape

Operations (all anchors are matched against the file's lines and must identify exactly one statement):

- ``delete``: remove the statement starting on the line containing ``anchor`` (``pass`` if a block empties);
- ``move_after``: remove that statement and re-insert it after the statement at ``target`` (same indentation as
  ``target``);
- ``move_into``: remove it and re-insert it as the last statement of the body of the compound statement
  (``with``/``if``/``for``...) at ``target``;
- ``nonstrict``: in the call of ``func`` (a name or attribute name) on the line containing ``anchor``, replace
  ``strict=True`` by ``strict=False`` or add ``strict=False``;
- ``replace``: replace the unique occurrence of ``old`` by ``new`` (for edits the others cannot express).
"""

from __future__ import annotations

import argparse
import ast
import collections
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO / "scripts" / "init1xx_corpus.toml"
DEFAULT_CORPUS_DIR = Path(os.environ.get("INIT1XX_CORPUS", "/work/corpora/init1xx"))
CODES = ("INIT101", "INIT102", "INIT103", "INIT104", "INIT105")
SILENT = "silent"  # expect of a semantics-preserving variant: any INIT101–INIT105 finding on it is a false alarm
SHAPES = (
    "trainer class", "unknown call", "model_cls", "apply(partial)", "sub-module loops",
    "checkpointer object", "FSDP param_init_fn", "config meta", "plain script",
)
# training: the file itself trains the model (a script's main, a trainer class's train/step method);
# helper: the file builds/initializes/loads the model, the training loop is in another module
KINDS = ("training", "helper")
OPS = ("delete", "move_after", "move_into", "nonstrict", "replace")


class MutationError(Exception):
    """A mutation could not be applied (anchor missing or ambiguous): a corpus error, never a linter result."""


# --------------------------------------------------------------------------------------------- mutations
def _statements(tree: ast.AST) -> Iterable[ast.stmt]:
    for node in ast.walk(tree):
        if isinstance(node, ast.stmt):
            yield node


def _find_stmt(source: str, anchor: str, what: str = "anchor", index: Optional[int] = None) -> ast.stmt:
    """The innermost statement whose lines contain the line holding ``anchor``.

    ``anchor`` must be on exactly one line, unless ``index`` picks its n-th (0-based) occurrence.
    """
    lines = source.splitlines()
    hits = [i + 1 for i, line in enumerate(lines) if anchor in line]
    if index is None and len(hits) != 1:
        raise MutationError(f"{what} {anchor!r} is on {len(hits)} lines (lines {hits[:5]}), expected exactly one")
    if index is not None and not 0 <= index < len(hits):
        raise MutationError(f"{what} {anchor!r} has no occurrence {index} (lines {hits[:5]})")
    lineno = hits[0 if index is None else index]
    tree = ast.parse(source)
    found = [s for s in _statements(tree) if s.lineno <= lineno <= (s.end_lineno or s.lineno)]
    if not found:
        raise MutationError(f"{what} {anchor!r} (line {lineno}) is not inside a statement")
    # innermost = the one starting last (ties: the smallest span)
    return max(found, key=lambda s: (s.lineno, -((s.end_lineno or s.lineno) - s.lineno)))


def _span(stmt: ast.stmt) -> Tuple[int, int]:
    """0-based [start, end) line range of a statement, decorators included."""
    start = stmt.lineno
    for dec in getattr(stmt, "decorator_list", ()):
        start = min(start, dec.lineno)
    return start - 1, stmt.end_lineno or stmt.lineno


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def _reindent(block: List[str], indent: str) -> List[str]:
    old = _indent(block[0])
    out = []
    for line in block:
        if line.strip() and line.startswith(old):
            out.append(indent + line[len(old):])
        else:
            out.append(line)
    return out


def _remove(lines: List[str], start: int, end: int) -> List[str]:
    """Remove lines[start:end]; keep the enclosing block valid with ``pass``."""
    indent = _indent(lines[start])
    rest = lines[:start] + lines[end:]
    candidate = "\n".join(rest) + "\n"
    try:
        ast.parse(candidate)
        return rest
    except SyntaxError:
        return lines[:start] + [indent + "pass"] + lines[end:]


def delete(source: str, anchor: str, index: Optional[int] = None) -> str:
    """Delete the (innermost) statement on the line containing ``anchor``."""
    stmt = _find_stmt(source, anchor, index=index)
    lines = source.splitlines()
    start, end = _span(stmt)
    return "\n".join(_remove(lines, start, end)) + "\n"


def _move(source: str, anchor: str, target: str, into: bool, index: Optional[int] = None,
          target_index: Optional[int] = None) -> str:
    stmt = _find_stmt(source, anchor, index=index)
    dest = _find_stmt(source, target, "target", index=target_index)
    lines = source.splitlines()
    start, end = _span(stmt)
    block = lines[start:end]
    if into:
        body = getattr(dest, "body", None)
        if not body or not isinstance(body, list):
            raise MutationError(f"target {target!r} has no body to move into")
        indent = _indent(lines[body[0].lineno - 1])
        at = _span(dest)[1] if not getattr(dest, "orelse", None) and not getattr(dest, "handlers", None) \
            else body[-1].end_lineno
    else:
        indent = _indent(lines[dest.lineno - 1])
        at = _span(dest)[1]
    dstart, dend = _span(dest)
    if start <= dstart and dend <= end:
        raise MutationError("the target lies inside the moved statement")
    if dstart <= start and end <= dend and not into:
        raise MutationError("the moved statement lies inside the target")
    moved = _reindent(block, indent)
    new = lines[:at] + moved + lines[at:]
    # remove the original (its position shifts if it came after the insertion point)
    if start >= at:
        start, end = start + len(moved), end + len(moved)
    return "\n".join(_remove(new, start, end)) + "\n"


def move_after(source: str, anchor: str, target: str, index: Optional[int] = None,
               target_index: Optional[int] = None) -> str:
    """Move the statement at ``anchor`` to just after the statement at ``target``."""
    return _move(source, anchor, target, False, index, target_index)


def move_into(source: str, anchor: str, target: str, index: Optional[int] = None,
              target_index: Optional[int] = None) -> str:
    """Move the statement at ``anchor`` to the end of the body of the compound statement at ``target``."""
    return _move(source, anchor, target, True, index, target_index)


def nonstrict(source: str, anchor: str, func: str, index: Optional[int] = None) -> str:
    """Make the call of ``func`` in the statement at ``anchor`` non-strict (``strict=False``)."""
    stmt = _find_stmt(source, anchor, index=index)
    calls = []
    for node in ast.walk(stmt):
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            if name == func:
                calls.append(node)
    if len(calls) != 1:
        raise MutationError(f"{len(calls)} calls of {func!r} in the statement at {anchor!r}, expected one")
    call = calls[0]
    lines = source.splitlines()
    for kw in call.keywords:
        if kw.arg == "strict":
            seg = ast.get_source_segment(source, kw)
            if seg is None:
                raise MutationError("cannot locate strict= keyword")
            row = kw.lineno - 1
            b = lines[row].encode()
            new = b[: kw.col_offset] + b"strict=False" + b[kw.end_col_offset:] if kw.lineno == kw.end_lineno \
                else None
            if new is None:
                raise MutationError("multi-line strict= keyword")
            lines[row] = new.decode()
            return "\n".join(lines) + "\n"
    row = call.end_lineno - 1
    b = lines[row].encode()
    close = call.end_col_offset - 1  # the closing parenthesis
    before = b[:close].rstrip()
    if not before.strip() and row > call.lineno - 1:
        # the closing parenthesis is alone on its line: add the keyword as a new last argument line
        prev = row - 1
        while prev > call.lineno - 1 and not lines[prev].strip():
            prev -= 1
        if not lines[prev].rstrip().endswith((",", "(")):
            lines[prev] = lines[prev].rstrip() + ","
        indent = _indent(lines[prev]) if not lines[prev].rstrip().endswith("(") else _indent(lines[prev]) + "    "
        lines.insert(row, indent + "strict=False,")
        return "\n".join(lines) + "\n"
    sep = b"" if before.endswith(b"(") else (b" " if before.endswith(b",") else b", ")
    lines[row] = (before + sep + b"strict=False" + b[close:]).decode()
    return "\n".join(lines) + "\n"


def replace(source: str, old: str, new: str) -> str:
    """Replace the unique occurrence of ``old`` by ``new``."""
    n = source.count(old)
    if n != 1:
        raise MutationError(f"{old!r} occurs {n} times, expected exactly once")
    return source.replace(old, new)


def apply_mutation(source: str, spec: Dict) -> str:
    """Apply one corpus mutation (a dict with ``op`` and its arguments); the result must still parse."""
    op = spec.get("op")
    idx, tidx = spec.get("index"), spec.get("target_index")
    if op == "delete":
        out = delete(source, spec["anchor"], idx)
    elif op == "move_after":
        out = move_after(source, spec["anchor"], spec["target"], idx, tidx)
    elif op == "move_into":
        out = move_into(source, spec["anchor"], spec["target"], idx, tidx)
    elif op == "nonstrict":
        out = nonstrict(source, spec["anchor"], spec.get("func", "load_state_dict"), idx)
    elif op == "replace":
        out = replace(source, spec["old"], spec["new"])
    else:
        raise MutationError(f"unknown op {op!r} (one of {', '.join(OPS)})")
    if out == source:
        raise MutationError("the mutation changed nothing")
    try:
        ast.parse(out)
    except SyntaxError as exc:
        raise MutationError(f"the mutant does not parse: {exc}") from None
    for extra in spec.get("also", ()):  # further edits belonging to the same mutant
        out = apply_mutation(out, extra)
    return out


# --------------------------------------------------------------------------------------------- corpus
@dataclass
class Mutant:
    name: str
    expect: str
    shape: str
    bug: str
    spec: Dict
    path: Optional[Path] = None
    error: Optional[str] = None
    findings: List[Dict] = field(default_factory=list)

    @property
    def caught(self) -> bool:
        """A bug mutant is caught when its expected code is reported (a silent variant: never 'caught')."""
        return self.error is None and self.expect != SILENT and any(f["code"] == self.expect for f in self.findings)

    @property
    def alarms(self) -> List[Dict]:
        """INIT101–INIT105 findings on a semantics-preserving variant: false alarms."""
        return [f for f in self.findings if f["code"] in CODES] if self.expect == SILENT else []


@dataclass
class Entry:
    name: str
    framework: str
    requirement: str
    archive: str
    archive_sha256: str
    path: str
    file_sha256: str
    shape: str
    note: str
    mutants: List[Mutant]
    kind: str = "training"
    original: Optional[Path] = None
    error: Optional[str] = None
    findings: List[Dict] = field(default_factory=list)


def load_corpus(path: Path) -> List[Entry]:
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    entries, seen = [], set()
    for raw in data.get("entry", []):
        name = raw["name"]
        if name in seen:
            raise SystemExit(f"{path}: duplicate entry {name!r}")
        seen.add(name)
        shape = raw.get("shape", "plain script")
        mutants = []
        for m in raw.get("mutation", []):
            if m.get("expect") not in CODES + (SILENT,):
                raise SystemExit(f"{path}: {name}/{m.get('name')}: expect must be one of {CODES + (SILENT,)}")
            mshape = m.get("shape", shape)
            if mshape not in SHAPES:
                raise SystemExit(f"{path}: {name}/{m.get('name')}: unknown shape {mshape!r}")
            mutants.append(Mutant(m["name"], m["expect"], mshape, m.get("bug", ""), m))
        if shape not in SHAPES:
            raise SystemExit(f"{path}: {name}: unknown shape {shape!r}")
        entries.append(Entry(
            name, raw["framework"], raw["requirement"], raw["archive"], raw.get("archive_sha256", ""),
            raw["path"], raw.get("file_sha256", ""), shape, raw.get("note", ""), mutants,
            raw.get("kind", "training"),
        ))
        if entries[-1].kind not in KINDS:
            raise SystemExit(f"{path}: {name}: kind must be one of {KINDS}")
    return entries


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def hash_mismatch(what: str, data: bytes, pinned: str) -> Optional[str]:
    """The error for bytes that are not what the corpus pinned (None when they are, or when nothing is pinned)."""
    got = sha256(data)
    return f"{what} sha256 {got} != corpus {pinned}" if pinned and got != pinned else None


def download(entries: Sequence[Entry], corpus_dir: Path) -> None:
    corpus_dir.mkdir(parents=True, exist_ok=True)
    done = set()
    for e in entries:
        if (corpus_dir / e.archive).exists() or e.requirement in done:
            continue
        done.add(e.requirement)
        kind = ["--no-binary", ":all:"] if e.archive.endswith((".tar.gz", ".zip")) else ["--only-binary", ":all:"]
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", *kind,
               "-d", str(corpus_dir), e.requirement]
        print("+", " ".join(cmd), file=sys.stderr)
        subprocess.run(cmd, check=False)


def _unpack(archive: Path, dest: Path) -> Path:
    """Unpack a wheel or sdist once; return the root that ``path`` entries are relative to."""
    marker = dest / ".unpacked"
    if not marker.exists():
        if dest.exists():
            shutil.rmtree(dest)
        dest.mkdir(parents=True)
        if archive.name.endswith(".tar.gz"):
            with tarfile.open(archive) as tf:
                try:
                    tf.extractall(dest, filter="data")
                except TypeError:  # Python < 3.10.12 has no filter argument
                    tf.extractall(dest)
        else:
            with zipfile.ZipFile(archive) as zf:
                zf.extractall(dest)
        marker.write_text("ok")
    if archive.name.endswith(".tar.gz"):
        tops = [p for p in dest.iterdir() if p.is_dir()]
        if len(tops) == 1:
            return tops[0]
    return dest


def prepare(entries: Sequence[Entry], corpus_dir: Path, work: Path) -> None:
    """Check hashes, unpack, write every mutant next to its original."""
    for e in entries:
        archive = corpus_dir / e.archive
        if not archive.exists():
            e.error = f"archive {archive} missing (run with --download)"
            continue
        e.error = hash_mismatch("archive", archive.read_bytes(), e.archive_sha256)
        if e.error:
            continue
        root = _unpack(archive, work / archive.name.replace(".", "_"))
        original = root / e.path
        if not original.exists():
            e.error = f"{e.path} not in {e.archive}"
            continue
        text = original.read_bytes()
        e.error = hash_mismatch(e.path, text, e.file_sha256)
        if e.error:
            continue
        e.original = original
        source = text.decode("utf-8")
        for m in e.mutants:
            try:
                mutated = apply_mutation(source, m.spec)
            except (MutationError, KeyError) as exc:
                m.error = f"mutation not applicable: {exc}"
                continue
            tag = "".join(c if c.isalnum() else "_" for c in f"{e.name}__{m.name}")
            m.path = original.with_name(f"{original.stem}__m_{tag}.py")
            m.path.write_text(mutated, encoding="utf-8")


def run_initlint(paths: Sequence[Path], cwd: Path) -> Tuple[List[Dict], str]:
    """One ``initlint --select INIT1 --no-cache`` subprocess over every path; findings as dicts."""
    cmd = [sys.executable, "-m", "initlint", "--select", "INIT1", "--no-cache", "--format", "json",
           "--exit-zero", *[str(p) for p in paths]]
    env = dict(os.environ)
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"initlint failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    findings = json.loads(proc.stdout or "[]")
    return findings, proc.stderr


def initlint_under_test(cwd: Path) -> Dict[str, str]:
    """Where the ``initlint`` the subprocess imports comes from (file, version, git commit when available)."""
    code = "import initlint, sys; print(initlint.__file__); print(getattr(initlint, '__version__', '?'))"
    proc = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True)
    lines = proc.stdout.split("\n")
    info = {"file": lines[0] if lines else "?", "version": lines[1] if len(lines) > 1 else "?", "commit": ""}
    if info["file"] not in ("", "?"):
        git = subprocess.run(["git", "-C", str(Path(info["file"]).parent), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True)
        if git.returncode == 0:
            info["commit"] = git.stdout.strip()
            dirty = subprocess.run(["git", "-C", str(Path(info["file"]).parent), "status", "--porcelain", "--",
                                    "."], capture_output=True, text=True)
            if dirty.stdout.strip():
                info["commit"] += " + uncommitted changes"
    return info


def _norm(p: str, cwd: Path) -> str:
    path = Path(p)
    if not path.is_absolute():
        path = cwd / path
    return str(path.resolve())


# --------------------------------------------------------------------------------------------- report
def _pct(a: int, b: int) -> str:
    return f"{100.0 * a / b:.0f} %" if b else "–"


def summarize(entries: Sequence[Entry]) -> Dict:
    rows, by_shape, by_rule, by_kind, misses, alarms, broken = [], {}, {}, {}, [], [], []
    tot_c = tot_n = n_silent = 0
    files: set = set()  # distinct (archive, file) with bug mutants: the entry points
    frameworks: set = set()
    for e in entries:
        if e.error:
            broken.append({"entry": e.name, "error": e.error})
            continue
        alarm = [f for f in e.findings if f["code"] in CODES]
        for f in alarm:
            alarms.append({"entry": e.name, "line": f["line"], "code": f["code"], "message": f["message"]})
        valid = [m for m in e.mutants if m.error is None and m.expect != SILENT]
        for m in e.mutants:
            if m.error:
                broken.append({"entry": e.name, "mutant": m.name, "error": m.error})
            elif m.expect == SILENT:
                n_silent += 1
                for f in m.alarms:
                    alarms.append({"entry": e.name, "variant": m.name, "line": f["line"], "code": f["code"],
                                   "message": f["message"]})
        caught = [m for m in valid if m.caught]
        tot_c += len(caught)
        tot_n += len(valid)
        rows.append({"framework": e.framework, "entry": e.name, "file": e.path, "requirement": e.requirement,
                     "kind": e.kind, "shape": e.shape, "caught": len(caught), "total": len(valid),
                     "false_alarms": len(alarm) + sum(len(m.alarms) for m in e.mutants if m.error is None),
                     "silent_variants": sum(1 for m in e.mutants if m.error is None and m.expect == SILENT)})
        if valid:
            c, n = by_kind.get(e.kind, (0, 0))
            by_kind[e.kind] = (c + len(caught), n + len(valid))
            files.add((e.archive, e.path))
            frameworks.add(e.framework)
        for m in valid:
            for key, table in ((m.shape, by_shape), (m.expect, by_rule)):
                c, n = table.get(key, (0, 0))
                table[key] = (c + int(m.caught), n + 1)
            if not m.caught:
                got = sorted({f["code"] for f in m.findings})
                misses.append({"entry": e.name, "mutant": m.name, "expect": m.expect, "shape": m.shape,
                               "got": got, "bug": m.bug})
    return {
        "entries": rows, "caught": tot_c, "total": tot_n, "recall": (tot_c / tot_n) if tot_n else None,
        "false_alarms": alarms, "by_shape": {k: {"caught": c, "total": n} for k, (c, n) in by_shape.items()},
        "by_rule": {k: {"caught": c, "total": n} for k, (c, n) in sorted(by_rule.items())}, "misses": misses,
        "by_kind": {k: {"caught": c, "total": n} for k, (c, n) in sorted(by_kind.items())},
        "broken": broken, "frameworks": len(frameworks), "entry_points": len(files), "silent_variants": n_silent,
    }


def print_tables(s: Dict, out=sys.stdout) -> None:
    w = out.write
    if "initlint" in s:
        i = s["initlint"]
        w(f"initlint under test: {i['file']} (version {i['version']}{', commit ' + i['commit'] if i['commit'] else ''})"
          "\n\n")
    w("| framework | entry point | file | kind | shape | caught | false alarms |\n|---|---|---|---|---|---:|---:|\n")
    for r in s["entries"]:
        w(f"| {r['framework']} | {r['entry']} | `{r['file']}` | {r['kind']} | {r['shape']} | "
          f"{r['caught']}/{r['total']} | {r['false_alarms']} |\n")
    w(f"\n**Overall recall: {s['caught']}/{s['total']} = {_pct(s['caught'], s['total'])}** over "
      f"{s['entry_points']} entry points from {s['frameworks']} frameworks; "
      f"false alarms: {len(s['false_alarms'])} (on the originals and on {s['silent_variants']} "
      f"semantics-preserving variants)\n\n")
    for kind, d in s["by_kind"].items():
        where = "training in the same file" if kind == "training" else "training in another module"
        w(f"- {kind} entries ({where}): {d['caught']}/{d['total']} = {_pct(d['caught'], d['total'])}\n")
    w("\n| shape | caught | recall |\n|---|---:|---:|\n")
    for shape in SHAPES:
        if shape in s["by_shape"]:
            d = s["by_shape"][shape]
            w(f"| {shape} | {d['caught']}/{d['total']} | {_pct(d['caught'], d['total'])} |\n")
    w("\n| rule | caught | recall |\n|---|---:|---:|\n")
    for rule, d in s["by_rule"].items():
        w(f"| {rule} | {d['caught']}/{d['total']} | {_pct(d['caught'], d['total'])} |\n")
    if s["misses"]:
        w("\nMissed mutants:\n")
        for m in s["misses"]:
            got = ", ".join(m["got"]) or "nothing"
            w(f"- {m['entry']} / {m['mutant']} (expect {m['expect']}, {m['shape']}): got {got}\n")
    if s["false_alarms"]:
        w("\nFalse alarms (originals and semantics-preserving variants):\n")
        for a in s["false_alarms"]:
            where = a.get("variant", "original")
            w(f"- {a['entry']} / {where} line {a['line']}: {a['code']} {a['message'][:160]}\n")
    if s["broken"]:
        w("\nNot measured (corpus problems, not linter results):\n")
        for b in s["broken"]:
            w(f"- {b['entry']}{' / ' + b['mutant'] if 'mutant' in b else ''}: {b['error']}\n")


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="corpus file (TOML)")
    ap.add_argument("--corpus-dir", type=Path, default=DEFAULT_CORPUS_DIR,
                    help=f"where the downloaded archives are (default {DEFAULT_CORPUS_DIR})")
    ap.add_argument("--work-dir", type=Path, default=None,
                    help="scratch directory for unpacked archives and mutants (default: a fresh temporary one)")
    ap.add_argument("--only", action="append", default=[], metavar="NAME",
                    help="only this entry point (repeatable; also matches a framework name)")
    ap.add_argument("--download", action="store_true", help="download missing archives first (pip download)")
    ap.add_argument("--json", metavar="FILE", help="also write the results as JSON ('-' for stdout)")
    ap.add_argument("--show-findings", action="store_true", help="print every finding on mutants and originals")
    args = ap.parse_args(argv)

    entries = load_corpus(args.corpus)
    if args.only:
        entries = [e for e in entries if e.name in args.only or e.framework in args.only]
        if not entries:
            raise SystemExit(f"no entry named {args.only}")
    if args.download:
        download(entries, args.corpus_dir)
    tmp = None
    if args.work_dir is None:
        tmp = tempfile.mkdtemp(prefix="init1xx-mut-")
        work = Path(tmp)
    else:
        work = args.work_dir
        work.mkdir(parents=True, exist_ok=True)
    try:
        prepare(entries, args.corpus_dir, work)
        paths = [e.original for e in entries if e.original] + [m.path for e in entries for m in e.mutants if m.path]
        findings, _ = run_initlint(paths, work) if paths else ([], "")
        by_path: Dict[str, List[Dict]] = collections.defaultdict(list)
        for f in findings:
            by_path[_norm(f["path"], work)].append(f)
        for e in entries:
            if e.original:
                e.findings = by_path.get(str(e.original.resolve()), [])
            for m in e.mutants:
                if m.path:
                    m.findings = by_path.get(str(m.path.resolve()), [])
        s = summarize(entries)
        s["initlint"] = initlint_under_test(work)
        if args.show_findings:
            for e in entries:
                for obj, label in [(e, "original")] + [(m, m.name) for m in e.mutants]:
                    for f in obj.findings:
                        print(f"{e.name}/{label}:{f['line']}: {f['code']} {f['message']}")
        out = sys.stderr if args.json == "-" else sys.stdout
        print_tables(s, out)
        if args.json:
            s["details"] = [
                {"entry": e.name, "original_findings": e.findings,
                 "mutants": [{"name": m.name, "expect": m.expect, "shape": m.shape, "caught": m.caught,
                              "error": m.error, "bug": m.bug, "findings": m.findings} for m in e.mutants]}
                for e in entries
            ]
            text = json.dumps(s, indent=2)
            if args.json == "-":
                print(text)
            else:
                Path(args.json).write_text(text + "\n")
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    # misses and false alarms are results; only a corpus that could not be measured is a failure
    return 1 if s["broken"] else 0


if __name__ == "__main__":
    sys.exit(main())
