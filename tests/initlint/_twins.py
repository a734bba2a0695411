"""Bad/good fixture twins written as an edit of one source, so that a twin says exactly what makes it differ
and cannot drift from its other half.

``twin(source, (old, new), ...)`` makes each edit in turn; every ``old`` must occur exactly once, so a twin whose
base changed under it fails loudly instead of silently testing something else. ``TWINS`` are fixture files (module
fixtures in ``fixtures/modules/``, training scripts in ``scripts/``) that exist only as an edit of another fixture
beside them; they are written once per test process into a temporary directory, and :func:`fixture_files` lists
them with the real files, so the tests read, copy and lint them like the files beside them (``# expect:`` lines
included).
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

HERE = Path(__file__).parent
MODULES = HERE / "fixtures" / "modules"
SCRIPTS = HERE / "scripts"


def twin(source: str, *edits: tuple[str, str]) -> str:
    """``source`` with each ``(old, new)`` replacement made; ``old`` must occur exactly once in the text so far,
    and an edit must not join two lines (deleting a line takes its indentation with it)."""
    for old, new in edits:
        count = source.count(old)
        if count != 1:
            raise AssertionError(f"twin edit {old!r} matches {count} times, expected once")
        at = source.index(old)
        if old.endswith("\n") and not new.endswith("\n") and at and source[at - 1] != "\n":
            raise AssertionError(f"twin edit {old!r} would join two lines (include the line's indentation)")
        source = source.replace(old, new)
    return source


#: (fixture directory, file name) -> (the fixture beside it that it is an edit of, its docstring, the edits)
TWINS: dict[tuple[Path, str], tuple[str, str, tuple[tuple[str, str], ...]]] = {
    (MODULES, "adapter_children_by_key_bad.py"): (
        "adapter_children_by_key.py",
        "The twin of adapter_children_by_key.py: the owners build the children by key and never initialize them,\n"
        "so each uninitialized allocation is reported (INIT003).",
        (
            ("class Rotation(nn.Module):  # expect: INIT001", "class Rotation(nn.Module):"),
            ("torch.empty(r, n))\n", "torch.empty(r, n))  # expect: INIT003\n"),
            (
                "        if init_weights is False:\n"
                "            nn.init.normal_(self.rot[name].weight, mean=0.0, std=0.1)\n"
                "            return\n"
                "        nn.init.zeros_(self.rot[name].weight)\n",
                "        self.rot[name].requires_grad_(bool(init_weights))\n",
            ),
            ("class TaskRouter(Router):  # expect: INIT001", "class TaskRouter(Router):"),
            ("torch.empty((n_tasks, n_skills)))\n", "torch.empty((n_tasks, n_skills)))  # expect: INIT003\n"),
            (
                "        self.reset_router(name)\n\n"
                "    def reset_router(self, name):\n        self.router[name].reset()\n",
                "        self.router[name].train()\n",
            ),
            ("class Gate(nn.Module):  # expect: INIT001", "class Gate(nn.Module):"),
            ("torch.empty(n))\n", "torch.empty(n))  # expect: INIT003\n"),
            ("        self.gates[name].reset()\n", ""),
        ),
    ),
    (MODULES, "fla_mamba2_fixed.py"): (
        "fla_mamba2_prefix.py",
        "flash-linear-attention Mamba2 after the flame issue 9 fix: `_init_weights` now writes `A_log` and `D` in\n"
        "the mixer's branch, so nothing is reported.",
        (
            ("torch.log(A))  # expect: INIT002\n", "torch.log(A))\n"),
            ("torch.ones(num_heads))  # expect: INIT002\n", "torch.ones(num_heads))\n"),
            (
                "            dt = torch.exp(",
                "            with torch.no_grad():\n"
                "                module.A_log.copy_(torch.log(torch.arange(1, module.A_log.shape[0] + 1)))\n"
                "                module.D.fill_(1.0)\n"
                "            dt = torch.exp(",
            ),
        ),
    ),
    (SCRIPTS, "trainer_class_clean.py"): (
        "trainer_class_bug.py",
        "The twin of trainer_class_bug.py: the model is initialized after ``to_empty()`` on every path, then the\n"
        "checkpointer overwrites it when it finds a checkpoint (clean).",
        ((
            "        model.to_empty(device=self.device)  # expect: INIT101\n"
            "        if self.config.init_weights:\n"
            "            with torch.no_grad():\n"
            "                model.init_weights()\n",
            "        model.to_empty(device=self.device)\n"
            "        with torch.no_grad():\n"
            "            model.init_weights()\n",
        ),),
    ),
}


def twin_source(directory: Path, name: str) -> str:
    """The text of twin ``name`` of ``directory``: its base fixture, docstring replaced, edits made."""
    base, doc, edits = TWINS[directory, name]
    text = (directory / base).read_text(encoding="utf-8")
    end = text.index('"""', 3) + 3  # the base's module docstring
    return twin(f'"""{doc}"""' + text[end:], *edits)


_WRITTEN = Path(tempfile.mkdtemp(prefix="initlint-twins-"))
atexit.register(shutil.rmtree, _WRITTEN, True)


def fixture_files(directory: Path) -> list[Path]:
    """The fixtures of ``directory``: its files, then its twins (written out under a temporary directory)."""
    out = sorted(directory.glob("*.py"))
    for (where, name) in sorted(TWINS, key=lambda k: k[1]):
        if where == directory:
            path = _WRITTEN / directory.name / name
            if not path.exists():
                path.parent.mkdir(exist_ok=True)
                path.write_text(twin_source(directory, name), encoding="utf-8")
            out.append(path)
    return out
