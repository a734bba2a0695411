#!/usr/bin/env python
"""The summary parts the project index computes lazily equal the whole summary, on real files.

    python benchmarks/check_summary_parts.py DIR [DIR ...]

For every ``.py`` file under the directories: :func:`initlint.project.summaries.summarize` (one libcst parse of
the whole file) against :func:`~initlint.project.summaries.summarize_head` (``ast``) and
:func:`~initlint.project.summaries.summarize_class` (a libcst parse of each class's own lines): aliases, class
names, bases, module flags, the functions that have parameters, and each class's methods and INIT1xx flow
must be identical. Prints one line per difference and a total; exit status 1 when any differs. Also prints
the CPU time of each way (whole summaries vs heads + every class part). Reads the files only.
"""

from __future__ import annotations

import os
import sys
import time


def check(path: str, stats: dict) -> list[str]:
    from initlint.project.summaries import summarize, summarize_class, summarize_head

    with open(path, "rb") as fh:
        data = fh.read()
    t0 = time.process_time()
    full = summarize(data, path)
    t1 = time.process_time()
    head = summarize_head(data, path)
    t2 = time.process_time()
    stats["full"] += t1 - t0
    stats["head"] += t2 - t1
    stats["files"] += 1
    if full is None or head is None:
        stats["unparsed"] += 1
        return [] if full is None and head is None else [f"{path}: whole summary {'None' if full is None else 'ok'}, "
                                                         f"head {'None' if head is None else 'ok'}"]
    out = []
    if full["aliases"] != head["aliases"]:
        out.append(f"{path}: aliases differ")
    if list(full["classes"]) != list(head["classes"]):
        out.append(f"{path}: classes differ: {sorted(set(full['classes']) ^ set(head['classes']))}")
    with_params = [n for n, p in head["functions"].items() if p]
    if list(full["functions"]) != with_params:
        out.append(f"{path}: functions differ")
    for name, entry in full["classes"].items():
        h = head["classes"].get(name)
        if h is None:
            continue
        stats["classes"] += 1
        for key in ("local_bases", "bases", "module"):
            if entry[key] != h[key]:
                out.append(f"{path}: {name}.{key}: {entry[key]!r} != {h[key]!r}")
        if sorted(entry["methods"]) != sorted(set(h["methods"])):
            out.append(f"{path}: {name} method names differ")
        t = time.process_time()
        part = summarize_class(data, head, name)
        stats["parts"] += time.process_time() - t
        if part is None:
            out.append(f"{path}: {name}: class part does not parse")
        elif part["methods"] != entry["methods"] or part["flow"] != entry["flow"]:
            out.append(f"{path}: {name}: class part differs")
    return out


def main(argv: list[str]) -> int:
    stats = dict.fromkeys(("full", "head", "parts", "files", "classes", "unparsed"), 0)
    bad = 0
    for root in argv:
        for d, dirnames, files in os.walk(root):
            dirnames.sort()
            for f in sorted(files):
                if f.endswith(".py"):
                    for line in check(os.path.join(d, f), stats):
                        bad += 1
                        print(line)
    print(f"{stats['files']} files ({stats['unparsed']} unparseable), {stats['classes']} classes: "
          f"{bad} differences; CPU s: whole summaries {stats['full']:.1f}, heads {stats['head']:.1f}, "
          f"every class part {stats['parts']:.1f}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
