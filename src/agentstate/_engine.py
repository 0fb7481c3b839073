"""The engine: a policy's status graph, compiled once per policy.

The allowed transitions are declared once, in :class:`~agentstate.Policy`, which checks them
and hands them here spelt out: status names, and ``(source, dest, roles)`` edges. This module is
a pure compiler: it checks nothing about the policy and knows nothing of it. The edges become a
``transitions`` state machine whose triggers are the roles (``agent``, ``supervisor``,
``system``): a transition ``lunch -> available`` that agents may perform is the machine's
transition on trigger ``agent`` from ``lunch`` to ``available``.

The machine is built with ``model=None`` and ``auto_transitions=False``: no agent is ever added
to it and no method is bound onto anything. Its event map is then read back into two frozen
dictionaries, so the per-event check is a dictionary look-up (about 0.1 us) rather than a trigger
call (about 12 us), and the table cannot drift from the machine because it is read from it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from typing import TypeVar

from transitions import Machine

from ._policy_parts import Role

_N = TypeVar("_N")

__all__ = ["Engine", "reachable"]

_NOBODY: frozenset[Role] = frozenset()
_NOWHERE: frozenset[str] = frozenset()


class Engine:
    """The compiled transition table of one policy. Read-only; shared by every agent.

    Args:
        names: the status names, in the policy's order.
        edges: the allowed changes as ``(source, dest, roles)``; a pair may come more than
            once (its roles add up).
        initial: the machine's initial state (the logged-out status).
    """

    __slots__ = ("_allowed", "_dests", "edges", "machine")

    def __init__(self, names: Sequence[str],
                 edges: Iterable[tuple[str, str, frozenset[Role]]], *, initial: str) -> None:
        specs = [{"trigger": role.value, "source": source, "dest": dest}
                 for source, dest, roles in edges
                 for role in sorted(roles, key=lambda r: r.value)]
        self.machine = Machine(model=None, states=list(names), transitions=specs,
                               initial=initial, auto_transitions=False, send_event=False)
        allowed: dict[tuple[str, str], set[Role]] = {}
        dests: dict[tuple[str, Role], set[str]] = {}
        for trigger, event in self.machine.events.items():
            role = Role(trigger)
            for source, transitions in event.transitions.items():
                for transition in transitions:
                    dest: str = transition.dest  # type: ignore[assignment]  # never None here
                    allowed.setdefault((source, dest), set()).add(role)
                    dests.setdefault((source, role), set()).add(dest)
        self._allowed = {k: frozenset(v) for k, v in allowed.items()}
        self._dests = {k: frozenset(v) for k, v in dests.items()}
        self.edges: tuple[tuple[str, str, frozenset[Role]], ...] = tuple(
            (s, d, self._allowed[(s, d)]) for s in names for d in names if (s, d) in self._allowed
        )

    def allowed(self, source: str, dest: str) -> frozenset[Role]:
        """Who may move an agent from ``source`` to ``dest``."""
        return self._allowed.get((source, dest), _NOBODY)

    def destinations(self, source: str, role: Role) -> frozenset[str]:
        """Where ``role`` may move an agent from ``source``."""
        return self._dests.get((source, role), _NOWHERE)


def reachable(starts: Iterable[_N], edges: Iterable[tuple[_N, _N]], *,
              reverse: bool = False) -> set[_N]:
    """The nodes reachable from any of ``starts`` (or, with ``reverse``, that can reach one)."""
    graph: dict[_N, list[_N]] = {}
    for source, dest in edges:
        a, b = (dest, source) if reverse else (source, dest)
        graph.setdefault(a, []).append(b)
    seen = set(starts)
    todo = deque(seen)
    while todo:
        for nxt in graph.get(todo.popleft(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen
