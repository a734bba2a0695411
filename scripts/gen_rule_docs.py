"""Write docs/rules.md from the rule classes (their docstrings and examples are the single source).

    python scripts/gen_rule_docs.py          # rewrite docs/rules.md
    python scripts/gen_rule_docs.py --check  # exit 1 if docs/rules.md is stale (the test-suite runs this)
"""

from __future__ import annotations

import inspect
import sys
import textwrap
from pathlib import Path

from initlint import ALL_RULES

OUT = Path(__file__).resolve().parent.parent / "docs" / "rules.md"


def render() -> str:
    parts = [
        "# initlint rules\n",
        "Generated from the rule classes in `initlint/rules/` by `python scripts/gen_rule_docs.py`; "
        "do not edit by hand.\n",
        "| code | name | summary |",
        "|---|---|---|",
    ]
    parts += [f"| [{r.code}](#{r.code.lower()}) | `{r.name}` | {r.summary} |" for r in ALL_RULES]
    parts.append("| INIT900 | `internal-error` | a rule hit an internal error on this file (reported; the run goes on) |")
    parts.append("| INIT901 | `unparseable` | the file could not be read, decoded or parsed |")
    for r in ALL_RULES:
        doc = inspect.cleandoc(r.__doc__ or "")
        parts.append(f"\n## {r.code}\n\n`{r.name}` — {r.summary}\n\n{doc}\n")
        parts.append("Bad:\n\n```python\n" + textwrap.dedent(r.bad).strip() + "\n```\n")
        parts.append("Good:\n\n```python\n" + textwrap.dedent(r.good).strip() + "\n```")
    return "\n".join(parts) + "\n"


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        if not OUT.exists() or OUT.read_text(encoding="utf-8") != text:
            print(f"{OUT} is stale: run python scripts/gen_rule_docs.py", file=sys.stderr)
            return 1
        return 0
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
