"""``ProjectIndex``: answers about classes and functions defined in other files, from their summaries.

Only modules actually reached from the linted file are summarized (imports of its bases, their bases...,
and for "who initializes this class" the files of the same package that import it), with bounds on depth
and on the number of files per linted file. Every answer is "unknown" (None/False/empty) when a bound is
hit, a name does not resolve or a file does not parse, and the rules stay silent on unknown.

The index remembers the content hash of every file it consulted (:attr:`ProjectIndex.consulted`), so that the
CLI's findings cache can treat an entry as stale when one of them changed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Optional

from .cache import SummaryCache, file_key
from .resolver import ModuleResolver

#: Most files summarized for one linted file; most hops through bases and re-exports.
MAX_FILES = 48
MAX_DEPTH = 8
#: Most imported-function summaries computed inside one another (a helper calling an imported helper...).
MAX_SCRIPT_DEPTH = 3
#: Reverse lookups ("which files of this package import class X") only in packages at most this large.
MAX_PACKAGE_FILES = 2500
MAX_PACKAGE_BYTES = 64 * 1024 * 1024


@dataclass
class RemoteMethod:
    """A method of a class in another file: its parameter names and its effects on ``self``/its argument."""

    name: str
    params: list[str]
    has_self: bool
    fx: Any  # initlint.facts.effects.Effects


@dataclass
class RemoteClass:
    """A class of another file, shaped like :class:`initlint.facts.modules.ModuleClass` where rules look."""

    name: str
    path: str
    methods: Mapping[str, RemoteMethod]
    external_bases: list[str]
    local_bases: list[str] = field(default_factory=list)
    params: dict = field(default_factory=dict)
    children: dict = field(default_factory=dict)
    node: Any = None
    remote: bool = True

    def __hash__(self) -> int:
        return hash((self.path, self.name))

    def __eq__(self, other) -> bool:
        return isinstance(other, RemoteClass) and (self.path, self.name) == (other.path, other.name)


class _RemoteMethods(Mapping):
    """The methods of a :class:`RemoteClass`, name -> :class:`RemoteMethod`, read on first use.

    Whether a name is a method is first answered from the file's head (method names, no libcst parse); the
    class's own lines are parsed (:meth:`ProjectIndex._class_data`) only when a method it has is looked up,
    or when the methods are listed. ``in`` stays exact: a name whose class cannot be read is not a method."""

    def __init__(self, index: "ProjectIndex", path: str, name: str, names) -> None:
        self._index, self._path, self._name = index, path, name
        self._names = frozenset(names)
        self._loaded: Optional[dict[str, RemoteMethod]] = None

    def load(self) -> dict[str, RemoteMethod]:
        if self._loaded is None:
            from .summaries import effects_from_json

            data = self._index._class_data(self._path, self._name) or {}
            self._loaded = {
                m: RemoteMethod(m, list(info.get("params", [])), bool(info.get("self")), effects_from_json(info["fx"]))
                for m, info in data.get("methods", {}).items()
            }
        return self._loaded

    def __contains__(self, key) -> bool:
        return (key in self._names or self._loaded is not None) and key in self.load()

    def __getitem__(self, key) -> RemoteMethod:
        if key not in self._names and self._loaded is None:
            raise KeyError(key)
        return self.load()[key]

    def __iter__(self):
        return iter(self.load())

    def __len__(self) -> int:
        return len(self.load())


class ProjectIndex:
    """Summaries of other modules, on demand (see the module docstring)."""

    def __init__(self, resolver: Optional[ModuleResolver] = None, cache: Optional[SummaryCache] = None) -> None:
        self.resolver = resolver or ModuleResolver()
        self.cache = cache if cache is not None else SummaryCache()
        self._summaries: dict[str, Optional[dict]] = {}
        self._data: dict[str, Optional[bytes]] = {}
        self._heads: dict[str, Optional[dict]] = {}
        self._parts: dict[tuple[str, str], Optional[dict]] = {}
        self._shas: dict[str, str] = {}
        self._classes: dict[tuple[str, str], Optional[RemoteClass]] = {}
        self._is_module: dict[tuple[str, str], bool] = {}
        self._packages: dict[str, Optional[list[tuple[str, bytes]]]] = {}
        self._users: dict[tuple[str, str], tuple] = {}
        self._importer_tables: dict[tuple, dict[str, list[str]]] = {}
        #: path -> sha256 of the files consulted since :meth:`begin`
        self.consulted: dict[str, str] = {}
        self._budget = MAX_FILES
        self._stats: dict[str, Optional[tuple[int, int]]] = {}
        #: INIT1xx summaries of imported functions: (path, name, variant) -> {"script", "deps"}
        self._scripts: dict[tuple, dict] = {}
        self._script_stack: list[tuple] = []
        self._incomplete: set[tuple] = set()
        #: ``{path: sha}`` of the files read while a summary is being computed (innermost last)
        self._collectors: list[dict[str, str]] = []

    def begin(self) -> None:
        """Start answering for a new linted file: reset the consulted set and the per-file budget.

        The process-wide memo is dropped when one of the files it read changed on disk since (a long-lived
        process such as a test run or an editor integration sees edits)."""
        self.consulted = {}
        self._budget = MAX_FILES
        for path, stamp in self._stats.items():
            if _stat(path) != stamp:
                self._summaries.clear()
                self._data.clear()
                self._heads.clear()
                self._parts.clear()
                self._shas.clear()
                self._stats.clear()
                self._classes.clear()
                self._is_module.clear()
                self._packages.clear()
                self._users.clear()
                self._importer_tables.clear()
                self._scripts.clear()
                break

    # ------------------------------------------------------------------ summaries
    def _file(self, path: str) -> Optional[bytes]:
        """The bytes of the file at ``path`` (absolute), read once per process; recorded as consulted for the
        linted file. The first read of a file counts against the per-linted-file budget (None past it)."""
        if path in self._data:
            if path in self._shas:
                self.consulted[path] = self._shas[path]
                for c in self._collectors:
                    c[path] = self._shas[path]
            return self._data[path]
        if self._budget <= 0:
            return None
        self._budget -= 1
        self._stats[path] = _stat(path)
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError:
            self._data[path] = None
            return None
        sha = file_key(data)
        self._shas[path] = sha
        self.consulted[path] = sha
        for c in self._collectors:
            c[path] = sha
        self._data[path] = data
        return data

    def summary(self, path: str) -> Optional[dict]:
        """The whole summary of the module at ``path`` (memoized, disk-cached), or None.

        The index itself asks for less (:meth:`_head`, :meth:`_class_data`); whole summaries serve top-level
        functions and the INIT1xx analysis."""
        path = os.path.abspath(path)
        if path in self._summaries:
            self._file(path)  # records it as consulted for this linted file
            return self._summaries[path]
        data = self._file(path)
        if data is None:
            return None
        from .summaries import summarize

        summary = self._cached(self._shas[path], None, summarize, data, path)
        self._summaries[path] = summary
        return summary

    def _cached(self, sha: str, kind: Optional[str], compute, *args) -> Optional[dict]:
        """The ``kind`` part of the summary of the file whose content hash is ``sha``: from the disk cache, or
        ``compute(*args)`` and stored (None, never stored, when it cannot be computed: too deeply nested)."""
        value = self.cache.get(sha, kind)
        if value is None:
            try:
                value = compute(*args)
            except RecursionError:
                value = None
            if value is not None:
                self.cache.put(sha, value, kind)
        return value

    def _head(self, path: str) -> Optional[dict]:
        """Names, bases and imports of the module at ``path`` (:func:`~.summaries.summarize_head`), or None.

        From the whole summary when one is at hand or when ``ast`` cannot parse the file (a newer syntax than
        the running Python's), then without ``span``/``methods``."""
        path = os.path.abspath(path)
        if path in self._heads:
            self._file(path)
            return self._heads[path]
        data = self._file(path)
        if data is None:
            return None
        head = None
        if self._summaries.get(path) is None:
            from .summaries import summarize_head

            head = self._cached(self._shas[path], "head", summarize_head, data, path)
        if head is None:
            full = self.summary(path)
            head = None if full is None else {
                "aliases": full["aliases"],
                "classes": {n: {k: c[k] for k in ("local_bases", "bases", "module")}
                            for n, c in full["classes"].items()},
                "functions": {n: f["params"] for n, f in full["functions"].items()},
            }
        self._heads[path] = head
        return head

    def _class_data(self, path: str, name: str) -> Optional[dict]:
        """The summary entry of class ``name`` in ``path`` (as in :func:`~.summaries.summarize`), or None;
        its methods from a parse of that class alone (:func:`~.summaries.summarize_class`)."""
        path = os.path.abspath(path)
        full = self._summaries.get(path)
        if full is not None:
            self._file(path)
            return full["classes"].get(name)
        head = self._head(path)
        entry = head["classes"].get(name) if head else None
        if entry is None:
            return None
        if "span" not in entry:  # the head came from the whole summary
            full = self.summary(path)
            return full["classes"].get(name) if full else None
        key = (path, name)
        if key not in self._parts:
            from .summaries import summarize_class

            self._parts[key] = self._cached(self._shas[path], f"class-{name}", summarize_class, self._data[path],
                                            head, name)
        part = self._parts[key]
        if part is None:
            return None
        return {"local_bases": entry["local_bases"], "bases": entry["bases"], "module": entry["module"], **part}

    # ------------------------------------------------------------------ names
    def _site(self, file: str, qualname: str, depth: int, roots=None) -> Optional[tuple[str, str, dict]]:
        """``(path, name, head)``: the module file that ``qualname`` (as imported in ``file``) names a top-level
        ``name`` of, and that file's head; None when it does not resolve, lies outside ``roots`` (when given), or
        cannot be read."""
        if depth > MAX_DEPTH or not qualname:
            return None
        level = len(qualname) - len(qualname.lstrip("."))
        *module, name = qualname[level:].split(".")
        if not name or (not module and level == 0):
            return None
        path = self.resolver.resolve(file, ".".join(module), level)
        if path is None or roots is not None and not any(path.startswith(os.path.join(r, "")) for r in roots):
            return None
        head = self._head(path)
        return None if head is None else (path, name, head)

    def locate(self, file: str, qualname: str, _depth: int = 0) -> Optional[tuple[str, str]]:
        """``(path, name)`` of the top-level definition that ``qualname`` (as imported in ``file``) names."""
        site = self._site(file, qualname, _depth)
        if site is None:
            return None
        path, name, head = site
        if name in head["classes"] or head["functions"].get(name):  # (functions with parameters)
            return path, name
        alias = head["aliases"].get(name)
        return self.locate(path, alias, _depth + 1) if alias else None

    def locate_function(self, file: str, qualname: str, _depth: int = 0) -> Optional[tuple[str, str]]:
        """``(path, name)`` of the top-level function with parameters that ``qualname`` (as imported in ``file``)
        names, when its file belongs to ``file``'s project (:meth:`ModuleResolver.project_roots`, never an
        installed package: their bodies are not ours to judge, and reading them costs); else None."""
        site = self._site(file, qualname, _depth, roots=self.resolver.project_roots(file))
        if site is None:
            return None
        path, name, head = site
        if head["functions"].get(name):
            return path, name
        alias = head["aliases"].get(name)
        if alias and name not in head["classes"]:
            return self.locate_function(path, alias, _depth + 1)
        return None

    def script_summary(self, path: str, name: str, variant: str, compute) -> Optional[dict]:
        """The INIT1xx summary of the top-level function ``name`` of ``path`` (see
        :mod:`initlint.facts.script.remote`): memoized, and on disk under the kind
        ``script-<variant>-<hash of path>-<name>`` with the other files read to compute it (``deps``, checked on
        every use: an edit to one of them recomputes it; they count as consulted for the linted file).
        ``compute(data, path, name)`` computes it.

        None when the file cannot be read (the call is judged by name); ``{"unknown": True}`` inside a cycle
        or past :data:`MAX_SCRIPT_DEPTH` nested summaries (such summaries, and those that contain them, are
        never stored: an answer does not depend on the order files are linted in)."""
        from ..facts.script.remote import UNKNOWN_SCRIPT

        key = (path, name, variant)
        if key in self._script_stack or len(self._script_stack) >= MAX_SCRIPT_DEPTH:
            self._incomplete.update(self._script_stack)
            return UNKNOWN_SCRIPT
        data = self._file(path)
        if data is None:
            return None
        got = self._scripts.get(key)
        if got is not None and self._deps_current(got["deps"]):
            return got["script"]
        sha = self._shas[path]
        # (where the file is matters too: its imports, and so its deps, resolve from there)
        kind = f"script-{variant}-{file_key(path.encode('utf-8', 'surrogatepass'))[:12]}-{name}"
        value = self.cache.get(sha, kind)
        if value is not None and not self._deps_current(value["deps"]):
            value = None
        if value is None:
            deps: dict[str, str] = {}
            self._collectors.append(deps)
            self._script_stack.append(key)
            try:
                script = compute(data, path, name)
            except RecursionError:
                script = UNKNOWN_SCRIPT
                self._incomplete.add(key)
            finally:
                self._script_stack.pop()
                self._collectors.pop()
            deps.pop(path, None)
            value = {"script": script, "deps": deps}
            if key in self._incomplete:
                self._incomplete.discard(key)
                return script
            self.cache.put(sha, value, kind)
        self._scripts[key] = value
        return value["script"]

    def _deps_current(self, deps) -> bool:
        """Do the files in ``deps`` (path -> sha) still have those contents? (Reading them records them as
        consulted.)"""
        if not isinstance(deps, dict):
            return False
        for dep, sha in deps.items():
            if self._file(dep) is None or self._shas.get(dep) != sha:
                return False
        return True

    def resolve_class(self, file: str, qualname: str) -> Optional[RemoteClass]:
        """The class ``qualname`` (as imported in ``file``) names, or None."""
        where = self.locate(file, qualname)
        if where is None:
            return None
        return self._class_at(*where)

    def _class_at(self, path: str, name: str) -> Optional[RemoteClass]:
        key = (path, name)
        if key in self._classes:
            self._file(path)  # records it as consulted for this linted file
            return self._classes[key]
        head = self._head(path)
        data = head["classes"].get(name) if head else None
        if data is None:
            self._classes[key] = None
            return None
        if "methods" in data:  # read the class's own lines only when one of its methods is asked for
            methods = _RemoteMethods(self, path, name, data["methods"])
        else:
            methods = _RemoteMethods(self, path, name, ())
            methods.load()
        known = [b for b in data.get("bases", []) if _known_base(b)]
        cls = RemoteClass(name, path, methods, known)
        self._classes[key] = cls
        return cls

    def base_refs(self, path: str, name: str) -> list[tuple[str, str]]:
        """``(file, qualname)`` of the bases of class ``name`` in ``path``: same-file first, then imported."""
        head = self._head(path)
        data = head["classes"].get(name) if head else None
        if data is None:
            return []
        return [(path, f"#{b}") for b in data.get("local_bases", [])] + [(path, b) for b in data.get("bases", [])]

    def remote_mro(self, file: str, qualname: str) -> list[RemoteClass]:
        """The class ``qualname`` names and its bases in other files, depth-first (bases not found are skipped)."""
        out: list[RemoteClass] = []
        stack: list[tuple[str, str, int]] = [(file, qualname, 0)]
        while stack:
            f, q, depth = stack.pop(0)
            if depth > MAX_DEPTH or len(out) > 32:
                break
            if q.startswith("#"):
                cls = self._class_at(f, q[1:])
            else:
                cls = self.resolve_class(f, q)
            if cls is None or cls in out:
                continue
            out.append(cls)
            stack.extend((bf, bq, depth + 1) for bf, bq in self.base_refs(cls.path, cls.name) if not _known_base(bq))
        return out

    def is_module_class(self, file: str, qualname: str, module_bases=(), _depth: int = 0) -> bool:
        """Is the class ``qualname`` (imported in ``file``) an nn.Module, following its bases across files?"""
        where = self.locate(file, qualname) if not qualname.startswith("#") else (file, qualname[1:])
        if where is None:
            return False
        if where in self._is_module:
            return self._is_module[where]
        self._is_module[where] = False  # cycles
        head = self._head(where[0])
        data = head["classes"].get(where[1]) if head else None
        result = False
        if data is not None and _depth <= MAX_DEPTH:
            if data.get("module") or any(b in module_bases or b.rsplit(".", 1)[-1] in module_bases
                                         for b in data.get("bases", [])):
                result = True
            else:
                result = any(self.is_module_class(bf, bq, module_bases, _depth + 1)
                             for bf, bq in self.base_refs(*where))
        self._is_module[where] = result
        return result

    def _function_summary(self, file: str, qualname: str) -> Optional[dict]:
        """The summary entry of the top-level function ``qualname`` names from ``file``, or None."""
        where = self.locate(file, qualname)
        if where is None:
            return None
        summary = self.summary(where[0])
        return summary["functions"].get(where[1]) if summary else None

    def resolve_function(self, file: str, qualname: str) -> Optional[tuple[list[str], Any]]:
        """``(parameter names, effects on the first argument)`` of a top-level function in another file."""
        data = self._function_summary(file, qualname)
        if data is None:
            return None
        from .summaries import effects_from_json

        return list(data.get("params", [])), effects_from_json(data["fx"])

    def function_writes(self, file: str, qualname: str) -> Optional[list[int]]:
        """Indices of the positional arguments that a top-level function of another file writes in place."""
        data = self._function_summary(file, qualname)
        if data is None:
            return None
        return [i for i in data.get("writes", ()) if isinstance(i, int)]

    # ------------------------------------------------------------------ who initializes a class
    def init_functions_applying_to(self, file: str, class_name: str, init_names) -> list[tuple[str, Any]]:
        """Central init functions in other files of the package that import ``class_name`` from ``file``.

        ``[(label, effects)]`` where ``effects.dispatch`` says what each one does per ``isinstance`` guard:
        the ``_init_weights`` of models (``models/*/modeling_*.py``) that build a layer class defined here.
        """
        file = os.path.abspath(file)
        key = (file, class_name)
        if key in self._users:
            for path in self._users[key][1]:
                self._file(path)
            return self._users[key][0]
        found: list[tuple[str, Any]] = []
        consulted: list[str] = []
        wanted = set(init_names)
        from .summaries import effects_from_json

        texts = dict(self._package_files(file))
        word = re.escape(class_name.encode("utf-8"))
        dispatch = re.compile(rb"isinstance\([^)]*\b" + word + rb"\b|__name__|\btype\(")
        for path in self._importers(file, tuple(sorted(wanted))).get(class_name, ()):
            if path == file or not dispatch.search(texts.get(path, b"")):
                continue  # only an ``isinstance(module, Cls)`` / ``type(module) is Cls`` / class-name branch covers it
            head = self._head(path)
            if head is None:
                continue
            consulted.append(path)
            alias = [local for local, target in head["aliases"].items()
                     if target.rsplit(".", 1)[-1] == class_name]
            if not any(self.locate(path, head["aliases"][a]) == (file, class_name) for a in alias):
                continue
            for cname, centry in head["classes"].items():
                if "methods" in centry and not wanted.intersection(centry["methods"]):
                    continue  # no method of that name: nothing to read in the class
                cdata = self._class_data(path, cname) or {}
                for mname, info in cdata.get("methods", {}).items():
                    if mname in wanted and info.get("self") and len(info.get("params", [])) >= 2:
                        found.append((f"{cname}.{mname}", effects_from_json(info["fx"])))
            if wanted.intersection(f for f, params in head["functions"].items() if params):
                summary = self.summary(path)
                for fname, info in (summary["functions"] if summary else {}).items():
                    if fname in wanted:
                        found.append((fname, effects_from_json(info["fx"])))
        self._users[key] = (found, consulted)
        return found

    def files_importing(self, file: str, names) -> list[tuple[str, bytes]]:
        """``(path, text)`` of the other files of ``file``'s top-level package with a ``from x import`` of one of
        ``names`` (textual, like :meth:`_importers`; the caller resolves the names to be sure)."""
        top = self._package_top(file)
        if top is None:
            return []
        table = self._importer_tables.get((top, None))
        if table is None:
            table = self._importer_tables[(top, None)] = {}
            for path, data in self._package_files(file):
                for name in _imported_names(data):
                    table.setdefault(name, []).append(path)
        texts = dict(self._package_files(file))
        file = os.path.abspath(file)
        paths = sorted({p for n in names for p in table.get(n, ()) if p != file})
        return [(p, texts[p]) for p in paths if p in texts]

    def _importers(self, file: str, init_names: tuple[str, ...]) -> dict[str, list[str]]:
        """name -> files of ``file``'s top-level package that import that name and mention an init function.

        Built once per package and process from the text (a regex over ``from x import ...`` lines), so a name
        only mentioned in a comment (transformers' "Copied from ...") does not count."""
        top = self._package_top(file)
        if top is None:
            return {}
        key = (top, init_names)
        table = self._importer_tables.get(key)
        if table is None:
            table = {}
            words = [w.encode("utf-8") for w in init_names]
            for path, data in self._package_files(file):
                if not any(w in data for w in words):
                    continue
                for name in _imported_names(data):
                    table.setdefault(name, []).append(path)
            self._importer_tables[key] = table
        return table

    @staticmethod
    def _package_top(file: str) -> Optional[str]:
        directory = os.path.dirname(file)
        top = None
        while os.path.isfile(os.path.join(directory, "__init__.py")):
            top = directory
            parent = os.path.dirname(directory)
            if parent == directory:
                break
            directory = parent
        return top

    def _package_files(self, file: str) -> list[tuple[str, bytes]]:
        """``(path, bytes)`` of the .py files of the top-level package holding ``file`` (bounded; memoized)."""
        top = self._package_top(file)
        if top is None:
            return []
        if top in self._packages:
            return self._packages[top] or []
        out: list[tuple[str, bytes]] = []
        total = 0
        ok = True
        for d, dirnames, filenames in os.walk(top):
            dirnames[:] = sorted(x for x in dirnames if not x.startswith(".") and x != "__pycache__")
            for name in sorted(filenames):
                if not name.endswith(".py"):
                    continue
                path = os.path.join(d, name)
                try:
                    with open(path, "rb") as fh:
                        data = fh.read()
                except OSError:
                    continue
                total += len(data)
                out.append((path, data))
                if len(out) > MAX_PACKAGE_FILES or total > MAX_PACKAGE_BYTES:
                    ok = False
                    break
            if not ok:
                break
        self._packages[top] = out if ok else None
        return out if ok else []


_FROM_IMPORT = None


def _imported_names(data: bytes) -> set[str]:
    """Names bound by ``from x import a, b as c`` / ``from x import (\n a,\n b,\n)`` lines of a file's text."""
    global _FROM_IMPORT
    import re

    if _FROM_IMPORT is None:
        _FROM_IMPORT = re.compile(rb"^[ \t]*from[ \t]+[\w.]+[ \t]+import[ \t]*(\([^)]*\)|[^\n#]*)", re.M)
    out: set[str] = set()
    for m in _FROM_IMPORT.finditer(data):
        for item in m.group(1).strip(b"()").replace(b"\\\n", b" ").split(b","):
            word = item.split(b"#")[0].split()
            if word:
                try:
                    out.add(word[0].decode("ascii"))
                except UnicodeDecodeError:
                    pass
    return out


def _stat(path: str) -> Optional[tuple[int, int]]:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def _known_base(qualname: str) -> bool:
    """A base whose behaviour the module facts model themselves (torch.nn, Lightning)."""
    return qualname.startswith(("torch.", "lightning.", "pytorch_lightning.", "lightning_fabric."))


_index: list[ProjectIndex] = []


def get_index() -> ProjectIndex:
    """The process-wide index (memoized summaries and resolutions)."""
    if not _index:
        _index.append(ProjectIndex())
    return _index[0]
