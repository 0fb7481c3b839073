"""Write docs/wire.schema.json: the JSON Schema of agentstate's wire format.

Run ``python docs/gen_schema.py`` after changing an event, a change, a result or a state class;
tests/test_wire.py checks the file is current.
"""

from __future__ import annotations

import json
from pathlib import Path

from agentstate import wire


def render() -> str:
    return json.dumps(wire.schema(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    Path(__file__).with_name("wire.schema.json").write_text(render())
