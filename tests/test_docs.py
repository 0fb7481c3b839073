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


def test_the_api_reference_is_current() -> None:
    """docs/api.md is what docs/gen_api.py generates from the modules' __all__."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("gen_api", DOCS / "gen_api.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.render() == (DOCS / "api.md").read_text()
