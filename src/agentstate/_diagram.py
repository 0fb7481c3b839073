"""Diagrams generated from a policy: Mermaid state diagrams that GitHub and MkDocs render,
Graphviz dot, and a Markdown table of who may change what.

The edges come from the policy's compiled engine, so the picture is the same table the tracker
enforces. Routable statuses are drawn in green, statuses reported as logged out in grey.

Big policies stay readable: a status that can be reached from every other status (or every
other logged-in one) by the same roles gets one edge from an "any status" node instead of one
edge per source, and edges open to every role carry no label (the legend says so).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ._policy import Policy, Role

__all__ = ["edges", "to_data", "to_dot", "to_mermaid", "to_table"]

_ROLE_ORDER = (Role.AGENT, Role.SUPERVISOR, Role.SYSTEM)
_ANY = "__any__"
_ANY_IN = "__any_logged_in__"


def _id(name: str) -> str:
    return "s_" + re.sub(r"\W", "_", name)


def _who(roles: frozenset[Role]) -> str:
    return ", ".join(r.value for r in _ROLE_ORDER if r in roles)


def edges(policy: Policy) -> list[tuple[str, str, frozenset[Role]]]:
    """The policy's transitions, ``(source, dest, roles)``, with "from any status" collapsed.

    A source of ``"__any__"`` stands for every other status, ``"__any_logged_in__"`` for every
    other logged-in status.
    """
    names = [s.name for s in policy.statuses]
    logged_in = {s.name for s in policy.statuses if s.name != policy.logged_out}
    by_dest: dict[tuple[str, frozenset[Role]], set[str]] = {}
    for source, dest, roles in policy.engine.edges:
        by_dest.setdefault((dest, roles), set()).add(source)
    out: list[tuple[str, str, frozenset[Role]]] = []
    collapsed: set[tuple[str, frozenset[Role]]] = set()
    for (dest, roles), sources in by_dest.items():
        others = set(names) - {dest}
        if len(others) > 2 and sources >= others:
            out.append((_ANY, dest, roles))
            collapsed.add((dest, roles))
        elif len(logged_in - {dest}) > 2 and sources >= logged_in - {dest}:
            out.append((_ANY_IN, dest, roles))
            out.extend((s, dest, roles) for s in sorted(sources - logged_in))
            collapsed.add((dest, roles))
    for source, dest, roles in policy.engine.edges:
        if (dest, roles) not in collapsed:
            out.append((source, dest, roles))
    return out


def to_mermaid(policy: Policy) -> str:
    """The policy's statuses and allowed transitions as a Mermaid ``stateDiagram-v2``.

    Each edge is labelled with who may take it (no label: anyone, agent, supervisor or
    system); ``[*]`` marks the logged-out start; "any status" stands for every other status.
    """
    lines = ["stateDiagram-v2", "    direction LR",
             "    classDef routable fill:#d4f7d4,stroke:#2a7a2a",
             "    classDef loggedout fill:#eeeeee,stroke:#888888",
             "    classDef any fill:#ffffff,stroke:#888888,stroke-dasharray:4 4"]
    for status in policy.statuses:
        label = status.label.replace('"', "'")
        lines.append(f'    state "{label}" as {_id(status.name)}')
    drawn = edges(policy)
    used = {source for source, _, _ in drawn}
    if _ANY in used:
        lines.append(f'    state "any status" as {_id(_ANY)}')
    if _ANY_IN in used:
        lines.append(f'    state "any logged-in status" as {_id(_ANY_IN)}')
    lines.append(f"    [*] --> {_id(policy.logged_out)}")
    for source, dest, roles in drawn:
        label = "" if roles >= set(Role) else f": {_who(roles)}"
        lines.append(f"    {_id(source)} --> {_id(dest)}{label}")
    for status in policy.statuses:
        if status.routable:
            lines.append(f"    class {_id(status.name)} routable")
        elif not status.logged_in:
            lines.append(f"    class {_id(status.name)} loggedout")
    for pseudo in (_ANY, _ANY_IN):
        if pseudo in used:
            lines.append(f"    class {_id(pseudo)} any")
    return "\n".join(lines) + "\n"


def to_dot(policy: Policy) -> str:
    """The same diagram in Graphviz dot (``dot -Tsvg``)."""
    lines = [f'digraph "{policy.name}" {{', "    rankdir=LR;",
             '    node [shape=box, style="rounded,filled", fillcolor=white, '
             'fontname="sans-serif"];', '    edge [fontname="sans-serif", fontsize=10];']
    for status in policy.statuses:
        fill = "#d4f7d4" if status.routable else ("#eeeeee" if not status.logged_in
                                                   else "white")
        lines.append(f'    {_id(status.name)} [label="{_dot(status.label)}", '
                     f'fillcolor="{fill}"];')
    drawn = edges(policy)
    for pseudo, label in ((_ANY, "any status"), (_ANY_IN, "any logged-in status")):
        if any(source == pseudo for source, _, _ in drawn):
            lines.append(f'    {_id(pseudo)} [label="{label}", style="dashed"];')
    for source, dest, roles in drawn:
        label = "" if roles >= set(Role) else f' [label="{_who(roles)}"]'
        lines.append(f"    {_id(source)} -> {_id(dest)}{label};")
    return "\n".join([*lines, "}"]) + "\n"


def _dot(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _rows(policy: Policy) -> Iterator[tuple[str, list[str], list[str], list[str]]]:
    """Per status: who may move an agent into it, from where (agent, supervisor, system)."""
    into: dict[str, dict[Role, list[str]]] = {s.name: {r: [] for r in Role}
                                             for s in policy.statuses}
    for source, dest, roles in policy.engine.edges:
        for role in roles:
            into[dest][role].append(source)
    total = len(policy.statuses) - 1
    for status in policy.statuses:
        cells: list[list[str]] = []
        for role in _ROLE_ORDER:
            sources = sorted(into[status.name][role])
            if not sources:
                cells.append([])
            elif len(sources) == total:
                cells.append(["any status"])
            else:
                cells.append(sources)
        yield status.name, cells[0], cells[1], cells[2]


def to_table(policy: Policy) -> str:
    """Who may change what: a Markdown table, one row per status, the statuses each role
    may move an agent into it from."""
    lines = [f"Who may move an agent into each status of `{policy.name}`, and from where:", "",
             "| into | agent, from | supervisor, from | system, from |",
             "| --- | --- | --- | --- |"]
    for name, agent, supervisor, system in _rows(policy):
        cells = [", ".join(f"`{s}`" if s != "any status" else s for s in c) or "-"
                 for c in (agent, supervisor, system)]
        lines.append(f"| `{name}` | {' | '.join(cells)} |")
    return "\n".join(lines) + "\n"


def to_data(policy: Policy) -> dict[str, Any]:
    """The diagram as plain data (for ``--json``)."""
    return {"policy": policy.name, "logged_out": policy.logged_out,
            "statuses": [{"name": s.name, "label": s.label, "routable": s.routable,
                          "logged_in": s.logged_in} for s in policy.statuses],
            "transitions": [{"source": s, "dest": d, "by": [r.value for r in _ROLE_ORDER
                                                            if r in roles]}
                            for s, d, roles in policy.engine.edges]}
