"""Regenerate the diagram and who-may-change-what table of every preset page.

Run from the project root after changing a preset: ``python docs/gen_diagrams.py``. Each page in
docs/presets/ holds its generated part between ``<!-- diagram:NAME:start -->`` and
``<!-- diagram:NAME:end -->``; tests/test_presets.py checks the diagram is current.
"""

from __future__ import annotations

import re
from pathlib import Path

from agentstate import to_mermaid
from agentstate._diagram import to_table
from agentstate.presets import PRESETS

PAGES = Path(__file__).parent / "presets"


def block(name: str) -> str:
    """The generated part of preset ``name``'s page."""
    policy = PRESETS[name]()
    return (f"<!-- diagram:{name}:start -->\n```mermaid\n{to_mermaid(policy)}```\n\n"
            f"{to_table(policy)}<!-- diagram:{name}:end -->")


def main() -> None:
    for name in sorted(PRESETS):
        page = PAGES / f"{name}.md"
        if not page.exists():
            continue
        text = page.read_text(encoding="utf-8")
        pattern = rf"<!-- diagram:{name}:start -->.*?<!-- diagram:{name}:end -->"
        replacement = block(name)
        new = re.sub(pattern, lambda _, r=replacement: r, text, flags=re.S)
        if new != text:
            page.write_text(new, encoding="utf-8")
            print(f"updated {page}")


if __name__ == "__main__":
    main()
