#!/usr/bin/env python
"""Download the pinned benchmark corpora and build their deterministic 1/20 samples.

    python benchmarks/corpora.py            # download (once) + unpack + print sizes
    python benchmarks/corpora.py --json     # the same, sizes as JSON

Corpora (nothing here is committed; everything lands under ``benchmarks/_work/``):

* ``transformers``: the ``transformers/models/`` tree of the ``transformers==5.24.0`` wheel;
* ``torch``: the ``torch/`` Python sources of the ``torch==2.13.0`` wheel (on this machine pip finds the
  local CPU wheel through its ``find-links`` config; if no wheel can be downloaded at all, the installed
  ``torch`` package of the running interpreter is copied instead and ``source`` says so).

Each corpus has ``full/`` (every ``.py`` file) and ``sample/`` (every 20th file in sorted path order, starting
with the first: a fixed 1/20 sample) and ``tiny/`` (every 100th file: 1/100, used only for TorchFix in quick
runs because TorchFix needs about two minutes for one 1/20 sample). Line counts are newline counts (+1 for a last
line without one).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / "_work"
WHEELS = WORK / "wheels"
CORPORA = WORK / "corpora"

TRANSFORMERS_PIN = "5.24.0"
TORCH_PIN = "2.13.0"
SAMPLE_EVERY = 20
#: A 1/100 sample (every 5th file of the 1/20 sample) for the slow TorchFix side of a quick run.
TINY_EVERY = 100

# name -> (pip requirement, wheel-name prefix, path prefix inside the wheel)
SPECS = {
    "transformers": (f"transformers=={TRANSFORMERS_PIN}", "transformers-", "transformers/models/"),
    "torch": (f"torch=={TORCH_PIN}", "torch-", "torch/"),
}


def _find_wheel(prefix: str, version: str) -> Path | None:
    for path in sorted(WHEELS.glob(f"{prefix}{version}*.whl")):
        return path
    return None


def download(name: str) -> Path | None:
    """The pinned wheel for ``name`` (downloaded once with pip, no dependencies, binary only)."""
    requirement, prefix, _ = SPECS[name]
    version = requirement.split("==")[1]
    found = _find_wheel(prefix, version)
    if found:
        return found
    WHEELS.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-d", str(WHEELS), requirement]
    print("+", " ".join(cmd), file=sys.stderr)
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        print(proc.stdout[-2000:], proc.stderr[-2000:], file=sys.stderr)
        return None
    return _find_wheel(prefix, version)


def _count_lines(data: bytes) -> int:
    if not data:
        return 0
    return data.count(b"\n") + (0 if data.endswith(b"\n") else 1)


def _write_tree(root: Path, files: dict[str, bytes]) -> None:
    tmp = root.with_name(root.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    for rel, data in files.items():
        dest = tmp / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)
    shutil.rmtree(root, ignore_errors=True)
    tmp.rename(root)


def _sources_from_wheel(wheel: Path, inner_prefix: str) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    with zipfile.ZipFile(wheel) as zf:
        for info in zf.infolist():
            if info.filename.startswith(inner_prefix) and info.filename.endswith(".py") and not info.is_dir():
                out[info.filename] = zf.read(info)
    return out


def _sources_from_installed(package: str) -> dict[str, bytes]:
    import importlib.util

    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"cannot find an installed {package} to fall back on")
    pkg_root = Path(list(spec.submodule_search_locations)[0])
    out: dict[str, bytes] = {}
    for path in sorted(pkg_root.rglob("*.py")):
        out[str(Path(package) / path.relative_to(pkg_root))] = path.read_bytes()
    return out


def _stats(files: dict[str, bytes]) -> dict:
    return {"files": len(files), "lines": sum(_count_lines(d) for d in files.values()),
            "bytes": sum(len(d) for d in files.values())}


def build(name: str, force: bool = False) -> dict:
    """Unpack corpus ``name`` (once) and return its manifest."""
    root = CORPORA / name
    manifest_path = root / "manifest.json"
    if manifest_path.is_file() and not force:
        return json.loads(manifest_path.read_text())
    requirement, _, inner_prefix = SPECS[name]
    wheel = download(name)
    if wheel is not None:
        files = _sources_from_wheel(wheel, inner_prefix)
        source = f"wheel {wheel.name} ({requirement}), {inner_prefix}**/*.py"
    else:
        files = _sources_from_installed(name)
        import importlib.metadata as md

        source = f"installed {name}=={md.version(name)} of {sys.executable} (download failed)"
    names = sorted(files)
    sample = {n: files[n] for n in names[::SAMPLE_EVERY]}
    tiny = {n: files[n] for n in names[::TINY_EVERY]}
    root.mkdir(parents=True, exist_ok=True)
    _write_tree(root / "full", files)
    _write_tree(root / "sample", sample)
    _write_tree(root / "tiny", tiny)
    # An empty project file, so that `initlint` run on a corpus does not pick up this repository's config.
    (CORPORA / "pyproject.toml").write_text("# initcheck benchmark corpora: default configuration\n")
    manifest = {
        "name": name,
        "source": source,
        "full": {"path": str(root / "full"), **_stats(files)},
        "sample": {"path": str(root / "sample"), "every": SAMPLE_EVERY, **_stats(sample)},
        "tiny": {"path": str(root / "tiny"), "every": TINY_EVERY, **_stats(tiny)},
    }
    manifest_path.write_text(json.dumps(manifest, indent=2))
    return manifest


def corpus(name: str, size: str) -> dict:
    """``{"path", "files", "lines", "bytes"}`` of ``name`` (``transformers``/``torch``), ``size`` full/sample."""
    m = build(name)
    return {"name": f"{name}/{size}", "source": m["source"], **m[size]}


def list_files(path: str | os.PathLike) -> list[str]:
    return sorted(str(p) for p in Path(path).rglob("*.py"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--force", action="store_true", help="re-unpack even when a manifest exists")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    manifests = [build(n, force=args.force) for n in SPECS]
    if args.json:
        print(json.dumps(manifests, indent=2))
        return 0
    for m in manifests:
        print(f"{m['name']}: {m['source']}")
        for size in ("full", "sample", "tiny"):
            s = m[size]
            print(f"  {size:6s} {s['files']:6d} files {s['lines']:9d} lines  {s['path']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
