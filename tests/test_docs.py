"""The docs show what the code does: generated diagrams match the policies they describe."""

from __future__ import annotations

import re
from pathlib import Path

from agentstate import to_mermaid
from agentstate.presets import basic

DOCS = Path(__file__).parents[1] / "docs"


def test_the_concepts_diagram_is_the_basic_policy() -> None:
    """The diagram in docs/concepts.md is exactly what to_mermaid(basic()) generates."""
    text = (DOCS / "concepts.md").read_text()
    block = re.search(r"<!-- diagram:basic:start -->\n```mermaid\n(.*?)```\n", text, re.S)
    assert block is not None
    assert to_mermaid(basic()) == block.group(1)
