"""Bad/good fixture twins written as an edit of one source, so that a twin says exactly what makes it differ
and cannot drift from its other half.

``twin(source, (old, new), ...)`` makes each edit in turn; every ``old`` must occur exactly once, so a twin whose
base changed under it fails loudly instead of silently testing something else. ``MODULE_TWINS`` are the module-rule
fixtures (``fixtures/modules/``) that exist only as an edit of another fixture there; the fixture tests write them
out and lint them like the files beside them (``# expect:`` lines included).
"""

from __future__ import annotations

from pathlib import Path

MODULES = Path(__file__).parent / "fixtures" / "modules"


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


#: file name -> (the fixture it is an edit of, its docstring, the edits)
MODULE_TWINS: dict[str, tuple[str, str, tuple[tuple[str, str], ...]]] = {
    "adapter_children_by_key_bad.py": (
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
    "fla_mamba2_fixed.py": (
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
}


def module_twin_source(name: str) -> str:
    """The text of the module twin ``name``: its base fixture, docstring replaced, edits made."""
    base, doc, edits = MODULE_TWINS[name]
    text = (MODULES / base).read_text(encoding="utf-8")
    end = text.index('"""', 3) + 3  # the base's module docstring
    return twin(f'"""{doc}"""' + text[end:], *edits)


def module_fixture(name: str, tmp_path: Path) -> Path:
    """The path of module fixture ``name``: the file in ``fixtures/modules/``, or its twin written into ``tmp_path``."""
    if name not in MODULE_TWINS:
        return MODULES / name
    path = tmp_path / name
    path.write_text(module_twin_source(name), encoding="utf-8")
    return path


#: every module fixture by name: the files, then the twins written as edits
MODULE_FIXTURES = sorted(p.name for p in MODULES.glob("*.py")) + sorted(MODULE_TWINS)
