"""The engine: a policy's status graph, compiled once per policy.

The allowed transitions are declared once, in :class:`~agentstate.Policy`. Here they become a
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
from collections.abc import Iterable
from typing import TYPE_CHECKING, TypeVar

from transitions import Machine

from ._errors import PolicyError
from ._policy import ANY, Role, _selectable

if TYPE_CHECKING:
    from ._policy import Policy

_N = TypeVar("_N")

__all__ = ["Engine"]

_NOBODY: frozenset[Role] = frozenset()
_NOWHERE: frozenset[str] = frozenset()


class Engine:
    """The compiled transition table of one policy. Read-only; shared by every agent."""

    __slots__ = ("_allowed", "_dests", "edges", "machine")

    def __init__(self, policy: Policy) -> None:
        names = [s.name for s in policy.statuses]
        specs: list[dict[str, str]] = []
        seen: set[tuple[str, str]] = set()
        for t in policy.transitions:
            roles = t.by if t.by is not None else _selectable(policy.status(t.dest))
            sources = [n for n in names if n != t.dest] if t.source == ANY else [t.source]
            for source in sources:
                if t.source != ANY and (source, t.dest) in seen:
                    raise PolicyError(f"duplicate transition {source!r} -> {t.dest!r}",
                                      culprit=f"{source}->{t.dest}")
                seen.add((source, t.dest))
                specs.extend({"trigger": role.value, "source": source, "dest": t.dest}
                             for role in sorted(roles, key=lambda r: r.value))
        self.machine = Machine(model=None, states=names, transitions=specs,
                               initial=policy.logged_out, auto_transitions=False,
                               send_event=False)
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
        _check_graph(policy, names, self._allowed)
        _check_system_moves(policy, self._allowed)

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


def _check_graph(policy: Policy, names: list[str],
                 allowed: dict[tuple[str, str], frozenset[Role]]) -> None:
    if not allowed.get((policy.logged_out, policy.login_status)):
        raise PolicyError(
            f"no way to log in: no transition {policy.logged_out!r} -> "
            f"{policy.login_status!r}", culprit=policy.login_status)
    forward = reachable([policy.logged_out], allowed)
    for name in names:
        if name not in forward:
            raise PolicyError(f"status {name!r} is unreachable from {policy.logged_out!r}",
                              culprit=name)
    back = reachable([policy.logged_out], allowed, reverse=True)
    for name in names:
        if name not in back:
            raise PolicyError(f"no way to log out from status {name!r}: no path to "
                              f"{policy.logged_out!r}", culprit=name)


def _check_system_moves(policy: Policy, allowed: dict[tuple[str, str], frozenset[Role]]
                        ) -> None:
    """Every automatic move the policy configures must be a transition the system may take."""
    routable = [s.name for s in policy.statuses if s.routable]
    timers = policy.timers
    moves: list[tuple[str, list[str], str | None]] = [
        ("timers.no_answer_status", routable, timers.no_answer_status),
        ("timers.reject_status", routable, timers.reject_status),
    ]
    paused = [s.name for s in policy.statuses if any(policy.limited(r) for r in s.reasons)]
    moves.append(("overrun_status", paused, policy.overrun_status))
    moves.extend((f"status {s.name!r} then", [s.name], s.then) for s in policy.statuses)
    for label, sources, dest in moves:
        if dest is None:
            continue
        for source in sources:
            if source != dest and Role.SYSTEM not in allowed.get((source, dest), frozenset()):
                raise PolicyError(
                    f"{label}: the system must be allowed {source!r} -> {dest!r}; add that "
                    "transition", culprit=f"{source}->{dest}")
