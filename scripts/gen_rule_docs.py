"""Write docs/rules.md from initlint's code table (the rule classes' docstrings and examples, and INIT900/901).

    python scripts/gen_rule_docs.py          # rewrite docs/rules.md
    python scripts/gen_rule_docs.py --check  # exit 1 if docs/rules.md is stale (the test-suite runs this)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Optional, Sequence

from initlint.codes import catalogue

OUT = Path(__file__).resolve().parent.parent / "docs" / "rules.md"


def render() -> str:
    """The whole of docs/rules.md."""
    infos = catalogue()
    parts = [
        "# initlint rules\n",
        "Generated from the rule classes in `initlint/rules/` (and `initlint/codes.py` for INIT900/INIT901) by "
        "`python scripts/gen_rule_docs.py`; do not edit by hand. `initlint --explain CODE` prints the same text "
        "without Markdown.\n",
        "Each rule says **What** it finds, **Why** it matters, an **Example** with the line initlint reports, the "
        "**Fix** with the example fixed, its **Limitations** (the rules are precision-first: what a rule cannot "
        "see, it does not report, and the limitations say what that is), the **Options** that change it and "
        "where its **Cases** are: the `[[invalid]]` (reported, each with its line and a piece of the message) and "
        "`[[valid]]` (not reported) entries of the TOML file beside the rule (`initlint/rules/init0NN_*.toml`), "
        "which the test-suite runs through initlint and flake8. "
        "On a finding, the message says what is wrong and the fix line after it what to change for that "
        "finding (`initlint --concise` leaves it out; JSON has a `fix` key, SARIF carries it, the flake8 plugin "
        "prints both on one line).\n",
        "| code | name | summary |",
        "|---|---|---|",
    ]
    parts += [f"| [{i.code}](#{i.code.lower()}) | `{i.name}` | {i.summary} |" for i in infos]
    for info in infos:
        parts.append(f"\n## {info.code}\n\n`{info.name}` — {info.summary}\n\n{info.markdown().rstrip()}")
    return "\n".join(parts) + "\n"


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Rewrite docs/rules.md, or with ``--check`` only say whether it is up to date (exit 1 if not)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="do not write; exit 1 if docs/rules.md is stale")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        if not OUT.exists() or OUT.read_text(encoding="utf-8") != text:
            print(f"{OUT.name} is stale: run python scripts/gen_rule_docs.py", file=sys.stderr)
            return 1
        return 0
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
