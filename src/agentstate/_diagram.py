"""Diagrams generated from a policy: Mermaid state diagrams that GitHub and MkDocs render.

The edges come from the policy's compiled engine, so the picture is the same table the tracker
enforces. Routable statuses are drawn in green, statuses reported as logged out in grey.
"""

from __future__ import annotations

import re

from ._policy import Policy, Role

__all__ = ["to_mermaid"]

_ROLE_MARK = {Role.AGENT: "agent", Role.SUPERVISOR: "supervisor", Role.SYSTEM: "system"}


def _id(name: str) -> str:
    return "s_" + re.sub(r"\W", "_", name)


def to_mermaid(policy: Policy) -> str:
    """The policy's statuses and allowed transitions as a Mermaid ``stateDiagram-v2``.

    Each edge is labelled with who may take it; ``[*]`` marks the logged-out start.
    """
    lines = ["stateDiagram-v2", "    direction LR",
             "    classDef routable fill:#d4f7d4,stroke:#2a7a2a",
             "    classDef loggedout fill:#eeeeee,stroke:#888888"]
    for status in policy.statuses:
        label = status.label.replace('"', "'")
        lines.append(f'    state "{label}" as {_id(status.name)}')
    lines.append(f"    [*] --> {_id(policy.logged_out)}")
    for source, dest, roles in policy.engine.edges:
        who = ", ".join(_ROLE_MARK[r] for r in sorted(roles, key=lambda r: r.value))
        lines.append(f"    {_id(source)} --> {_id(dest)}: {who}")
    for status in policy.statuses:
        if status.routable:
            lines.append(f"    class {_id(status.name)} routable")
        elif not status.logged_in:
            lines.append(f"    class {_id(status.name)} loggedout")
    return "\n".join(lines) + "\n"
