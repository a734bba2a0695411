#!/usr/bin/env python
"""Known real initialization bugs, on the real released sources: found before the fix, silent after it.

    python scripts/known_bugs.py                  # download (once) into /work/corpora/known_bugs, lint, report
    python scripts/known_bugs.py --work-dir DIR   # elsewhere

Each case names a pinned release with the bug and one with the fix (``pip download --no-deps``, wheels
unpacked next to them, never imported), the file, and the (rule, class, parameter) the bug is. A case counts as
*shown* when the pre-fix file has that finding and the post-fix file has no finding on that parameter.
Files are linted in place with :func:`initlint.lint_file`, so the project index reads the release's other files
(``modeling_utils.py``...) exactly as a user's run would. Nothing here runs at test time: the tests use small
faithful fixtures (``tests/initlint/fixtures/modules``, ``tests/initlint/test_project_index.py``).

flame issue 9 (flash-linear-attention Mamba2 ``A_log``/``D``): every fla release on PyPI (0.1 onwards) already has
the fix, so the pre-fix file is *reconstructed*: a copy of fla 0.1 with the fix reverted (the ``A_log``/``D``
lines removed from ``_init_weights``' mixer branch and the GPT-2 residual rescale written back as the
``for name, p in module.named_parameters(): if name in ["out_proj.weight"]`` loop it replaced). The report says so.

Exit status: 0 when every case is shown, 1 otherwise.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from typing import Callable, Optional

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

FLA_FIX = (
    """            # --- A_log ---
            A = torch.arange(1, module.num_heads + 1)
            with torch.no_grad():
                if not isinstance(module.A_log, torch.distributed.tensor.DTensor):
                    module.A_log.copy_(torch.log(A))
                else:
                    logger.warning_once("`A_log` is a DTensor, skipping initialization")
            module.A_log._no_weight_decay = True

            # --- D ---
            nn.init.ones_(module.D)
            module.D._no_weight_decay = True
""",
    """            module.A_log._no_weight_decay = True
            module.D._no_weight_decay = True
""",
)
FLA_RESCALE = (
    """            p = None
            if hasattr(module, 'o_proj'):
                # p = module.o_proj.weight
                # guard against deprecated behavior
                raise ValueError("This is not supposed to happen")
            elif hasattr(module, 'out_proj'):
                p = module.out_proj.weight
            elif hasattr(module, 'down_proj'):
                p = module.down_proj.weight
            if p is not None:
""",
    """            for name, p in module.named_parameters():
                if name in ["out_proj.weight"]:
""",
)


def revert_fla_fix(text: str) -> str:
    for old, new in (FLA_FIX, FLA_RESCALE):
        if old not in text:
            raise SystemExit("fla 0.1 modeling_mamba2.py changed: cannot reconstruct the pre-fix file")
        text = text.replace(old, new)
    # the loop body is one level deeper than the ``if p is not None:`` block it replaces
    head, sep, tail = text.partition('if name in ["out_proj.weight"]:\n')
    body, rest = [], tail.split("\n")
    while rest and (rest[0].startswith(" " * 16) or not rest[0].strip()):
        line = rest.pop(0)
        body.append(("    " + line) if line.strip() else line)
    return head + sep + "\n".join(body + rest)


@dataclass
class Case:
    name: str
    thread: str
    pre: str  # pip requirement of the release with the bug
    post: str  # and with the fix
    path: str  # file inside the unpacked release
    code: str
    cls: str
    params: tuple[str, ...]
    reconstruct: Optional[Callable[[str], str]] = None  # make the pre-fix file from the ``pre`` release


CASES = [
    Case("transformers LlamaRMSNorm skipped by _init_weights", "llm-foundry PR 1745; transformers 4.52 fix",
         "transformers==4.49.0", "transformers==4.52.4", "transformers/models/llama/modeling_llama.py",
         "INIT001", "LlamaRMSNorm", ("weight",)),
    Case("flame issue 9: Mamba2 A_log/D missed by _init_weights", "fla-org/flame issue 9",
         "flash-linear-attention==0.1", "flash-linear-attention==0.1", "fla/models/mamba2/modeling_mamba2.py",
         "INIT002", "Mamba2", ("A_log", "D"), reconstruct=revert_fla_fix),
    Case("Tapas output weights missed by _init_weights", "huggingface/transformers PR 44575",
         "transformers==4.52.4", "transformers==5.24.0", "transformers/models/tapas/modeling_tapas.py",
         "INIT002", "TapasForQuestionAnswering", ("output_weights", "column_output_weights")),
    Case("OmDetTurbo text_projection missed by _init_weights", "huggingface/transformers PR 38987",
         "transformers==4.52.4", "transformers==5.24.0",
         "transformers/models/omdet_turbo/modeling_omdet_turbo.py",
         "INIT001", "OmDetTurboLanguageBackbone", ("text_projection",)),
]


def fetch(requirement: str, work: str) -> str:
    """Unpacked directory of the pinned release (downloaded once; wheels preferred, sdists accepted)."""
    name, _, version = requirement.partition("==")
    norm = name.replace("-", "_").lower()
    for entry in sorted(os.listdir(work)):
        if entry.lower().startswith(f"{norm}-{version}-") and entry.endswith(".whl") or \
                entry.lower() == f"{norm}-{version}.tar.gz" or entry.lower() == f"{name.lower()}-{version}.tar.gz":
            return unpack(os.path.join(work, entry))
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", work, requirement], check=True)
    return fetch(requirement, work)


def unpack(archive: str) -> str:
    if archive.endswith(".whl"):
        target = archive[:-4]
        if not os.path.isdir(target):
            with zipfile.ZipFile(archive) as zf:
                zf.extractall(target)
        return target
    import tarfile

    target = archive[: -len(".tar.gz")]
    if not os.path.isdir(target):
        with tarfile.open(archive) as tf:
            tf.extractall(os.path.dirname(target), filter="data")
    inner = os.path.join(target, "src")
    return inner if os.path.isdir(inner) else target


def findings_on(path: str, case: Case) -> list:
    from initlint import lint_file

    return [f for f in lint_file(path) if f.code.startswith("INIT0") and any(f"`{p}`" in f.message for p in case.params)
            and case.cls in f.message]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--work-dir", default="/work/corpora/known_bugs")
    args = parser.parse_args(argv)
    os.makedirs(args.work_dir, exist_ok=True)
    shown = 0
    for case in CASES:
        pre_dir, post_dir = fetch(case.pre, args.work_dir), fetch(case.post, args.work_dir)
        pre_file = os.path.join(pre_dir, case.path)
        note = ""
        if case.reconstruct is not None:
            copy = pre_dir + "-prefix-reconstructed"
            if not os.path.isdir(copy):
                shutil.copytree(pre_dir, copy)
            with open(os.path.join(pre_dir, case.path), encoding="utf-8") as fh:
                text = case.reconstruct(fh.read())
            pre_file = os.path.join(copy, case.path)
            with open(pre_file, "w", encoding="utf-8") as fh:
                fh.write(text)
            note = " (pre-fix reconstructed: no pre-fix release on PyPI, the fix reverted in a copy)"
        before = findings_on(pre_file, case)
        after = findings_on(os.path.join(post_dir, case.path), case)
        found = {p for p in case.params if any(f"`{p}`" in f.message and f.code == case.code for f in before)}
        ok = found == set(case.params) and not after
        shown += ok
        print(f"{'SHOWN' if ok else 'NOT SHOWN'}  {case.name} [{case.thread}]{note}")
        print(f"    pre  {case.pre}: {len(before)} finding(s) "
              + ", ".join(f"{f.code} line {f.line}" for f in before))
        print(f"    post {case.post}: {len(after)} finding(s) " + ", ".join(f"{f.code} line {f.line}" for f in after))
    print(f"\n{shown}/{len(CASES)} known bugs found on the pre-fix sources and silent after the fix")
    return 0 if shown == len(CASES) else 1


if __name__ == "__main__":
    sys.exit(main())
