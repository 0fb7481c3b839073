#!/usr/bin/env python3
"""A floor for the in-memory figures: the tracker's bookkeeping for the benchmark stream, written
by hand in plain CPython, in two flavours.

``benchmarks/run.py`` measures it in the same run as the tracker and bare ``transitions``
(``floor_mutable_events_per_s``, ``floor_immutable_events_per_s`` and their ratios to bare
transitions). It answers one question: how fast can *any* pure-Python engine do this work on
this machine? If the floor is below a target, no design of the tracker reaches it.

What each flavour does per event of :func:`run.make_stream`'s stream, as a minimal real engine
would (the same :class:`agentstate.Event` objects the tracker gets, read the same way):

- finds the agent (a dict lookup; an unknown agent is refused);
- refuses an event older than the agent's last change (time never goes backwards);
- fires the agent's pause-limit deadline if it is due (one comparison per event; a history
  entry when it fires, kept even if the event is then refused, as time did pass);
- finds the kind's handler and its roles (a dict lookup on the event's type), resolves the
  actor (the kind's default role, or the event's actor; an agent acts only on itself) and
  refuses a role the kind does not admit;
- a status move checks the policy's edge and its roles (a dict lookup on ``(from, to)``), the
  pause reason (given, implied, or refused if the status does not take it), and refuses while
  an interaction is open; it ends the pause span of a limited reason (time used today) and
  starts the deadline of the next one (the daily allotment less the time used);
- login keeps the queues and the device; an offer checks a routable status, a free slot (one
  interaction), a known channel and the queue's membership; answer, end, miss and reject check
  the interaction's id and state; each sets the occupation and its start;
- bumps the version, stamps the update, appends a history entry (a tuple: version, instant,
  the event, from and to status, reason, occupation) to the agent's history list, and returns
  a result object (the agent, its version, status and occupation, the history entry).

Flavour (a), :class:`MutableFloor`: one ``__slots__`` record per agent, updated in place.
Flavour (b), :class:`ImmutableFloor`: one :class:`typing.NamedTuple` state per agent, a new one
built per event (positionally) and stored in a dict, as the tracker's ``MemoryStore`` does.

What it does not do (the tracker does; a host may rely on it): idempotency keys,
``expected_version``, the clock and a stale check against it, strict names beyond the channel,
pending status changes while busy (refused here), post-processing, delays after a miss or a
reject, per-queue call counts and last-offer times, sessions, devices' registration and
do-not-disturb, several interactions at once, channel settings and pools, reset of the pause
allowance at midnight in the agent's zone (the stream stays within one day), the change feed and
notices, typed errors carrying data (a plain :class:`Refused` with a message), and a history
readable as rich values (entries keep the event object itself).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from agentstate import (
    Event,
    ForceLogout,
    ForceStatus,
    InteractionAnswered,
    InteractionEnded,
    InteractionMissed,
    InteractionOffered,
    InteractionRejected,
    Login,
    Logout,
    Policy,
    Role,
    SetStatus,
)

__all__ = ["ImmutableFloor", "MutableFloor", "Refused", "Rules", "State"]

_sub = datetime.__sub__  # pendulum's own subtraction builds an Interval: 70 times slower
_add = datetime.__add__

IDLE, OFFERED, ON_INTERACTION = "idle", "offered", "on_interaction"
_ANYONE = (Role.AGENT, Role.SYSTEM, Role.SUPERVISOR)
_AGENT_OR_SYSTEM = (Role.AGENT, Role.SYSTEM)
_SYSTEM = (Role.SYSTEM,)
_SUPERVISOR = (Role.SUPERVISOR,)


class Refused(ValueError):
    """An event the floor does not apply (the message says why); nothing changed."""


class Rules:
    """What the floor reads of the policy, once: edges with their roles (as tuples: membership
    by identity, no Enum hashing), statuses' reasons, limited reasons' allotments."""

    def __init__(self, policy: Policy) -> None:
        self.logged_out = policy.logged_out
        self.login_status = policy.login_status
        self.edges: dict[tuple[str, str], tuple[Role, ...]] = {
            (source, dest): tuple(r for r in _ANYONE if r in roles)
            for source, dest, roles in policy.engine.edges}
        self.routable = frozenset(s.name for s in policy.statuses if s.routable)
        # status -> (implied reason, reasons it takes)
        self.reasons: dict[str, tuple[str | None, frozenset[str]]] = {}
        for status in policy.statuses:
            codes = frozenset(status.reasons)
            implied = next(iter(codes)) if len(codes) == 1 else None
            self.reasons[status.name] = (implied, codes)
        self.allotment: dict[str, timedelta] = {
            r.code: r.daily_allotment for r in policy.reasons if r.daily_allotment is not None}
        self.channels = frozenset(c.name for c in policy.channels)


# -- (a) mutable records -------------------------------------------------------------------------


class Record:
    """One agent, updated in place."""

    __slots__ = ("agent", "call", "connected", "deadline", "device", "history", "occupation",
                 "occupied_since", "queues", "reason", "since", "status", "updated", "used",
                 "version")

    def __init__(self, agent: str, logged_out: str, at: datetime) -> None:
        self.agent = agent
        self.version = 1
        self.status = logged_out
        self.reason: str | None = None
        self.since = at
        self.occupation = IDLE
        self.occupied_since = at
        self.call: str | None = None
        self.connected = False
        self.queues: tuple[str, ...] = ()
        self.device: str | None = None
        self.updated = at
        self.deadline: datetime | None = None
        self.used: dict[str, timedelta] | None = None
        self.history: list[tuple[Any, ...]] = [(1, at, None, None, logged_out, None, IDLE)]


class Result:
    """What an event changed: the agent's version, status and occupation, its history entry."""

    __slots__ = ("agent", "change", "occupation", "status", "version")

    def __init__(self, agent: str, version: int, status: str, occupation: str,
                 change: tuple[Any, ...]) -> None:
        self.agent = agent
        self.version = version
        self.status = status
        self.occupation = occupation
        self.change = change


HANDLERS: tuple[tuple[type[Event], str, tuple[Role, ...]], ...] = (
    (Login, "_login", _ANYONE), (Logout, "_logout", _ANYONE),
    (SetStatus, "_set_status", _ANYONE), (ForceStatus, "_set_status", _SUPERVISOR),
    (ForceLogout, "_force_logout", _SUPERVISOR),
    (InteractionOffered, "_offered", _SYSTEM),
    (InteractionAnswered, "_answered", _AGENT_OR_SYSTEM),
    (InteractionEnded, "_ended", _AGENT_OR_SYSTEM),
    (InteractionMissed, "_missed", _SYSTEM),
    (InteractionRejected, "_missed", _AGENT_OR_SYSTEM))
"""Each event kind the floors apply: its handler's name (the same in both flavours) and the
roles that may perform it."""


class MutableFloor:
    """Flavour (a): per-agent ``__slots__`` records updated in place."""

    def __init__(self, policy: Policy, agents: Iterable[str], at: datetime) -> None:
        self.rules = Rules(policy)
        self.records = {agent: Record(agent, self.rules.logged_out, at) for agent in agents}
        self.kinds: dict[type[Event], tuple[Callable[[Record, Any, datetime, Role], None],
                                            tuple[Role, ...], Role]] = {
            kind: (getattr(self, handler), roles, kind.default_role)
            for kind, handler, roles in HANDLERS}

    def apply(self, event: Event) -> Result:
        """Apply ``event``; raise :class:`Refused` (nothing changed) if it may not happen."""
        record = self.records.get(event.agent)
        if record is None:
            raise Refused(f"unknown agent {event.agent!r}")
        at = event.at
        assert at is not None
        if at < record.updated:
            raise Refused(f"{at} is before the agent's last change at {record.updated}")
        if record.deadline is not None and record.deadline <= at:
            self._fire(record)
        found = self.kinds.get(type(event))
        if found is None:
            raise Refused(f"{type(event).__name__} is not applied by the floor")
        handler, roles, role = found
        actor = event.actor
        if actor is not None:
            role = actor.role
            if role is Role.AGENT and actor.id != record.agent:
                raise Refused("an agent acts only on itself")
        if role not in roles:
            raise Refused(f"{type(event).__name__} is not for the {role}")
        before = record.status
        handler(record, event, at, role)
        record.version += 1
        record.updated = at
        change = (record.version, at, event, before, record.status, record.reason,
                  record.occupation)
        record.history.append(change)
        return Result(record.agent, record.version, record.status, record.occupation, change)

    # -- status moves ------------------------------------------------------------------------

    def _move(self, record: Record, dest: str, reason: str | None, at: datetime,
              role: Role) -> None:
        allowed = self.rules.edges.get((record.status, dest))
        if allowed is None or role not in allowed:
            raise Refused(f"{record.status!r} -> {dest!r} is not allowed for the {role}")
        allotment = self.rules.allotment
        if record.reason in allotment:  # a limited pause ends: count the time it took
            used = record.used
            if used is None:
                used = record.used = {}
            used[record.reason] = used.get(record.reason, timedelta()) + _sub(at, record.since)
        record.status, record.reason, record.since = dest, reason, at
        record.occupied_since = at  # a status move starts a new occupation interval too
        record.deadline = None
        if reason in allotment:  # a limited pause starts: when its allowance runs out
            spent = record.used.get(reason, timedelta()) if record.used else timedelta()
            record.deadline = _add(at, allotment[reason] - spent)

    def _reason(self, dest: str, reason: str | None) -> str | None:
        implied, codes = self.rules.reasons[dest]
        if reason is None:
            return implied
        if reason not in codes:
            raise Refused(f"{dest!r} does not take the reason {reason!r}")
        return reason

    def _login(self, record: Record, event: Login, at: datetime, role: Role) -> None:
        self._move(record, event.status or self.rules.login_status, None, at, role)
        record.queues, record.device = event.queues, event.device

    def _logout(self, record: Record, event: Event, at: datetime, role: Role) -> None:
        if record.call is not None:
            raise Refused("an interaction is open")
        self._move(record, self.rules.logged_out, None, at, role)

    def _force_logout(self, record: Record, event: Event, at: datetime, role: Role) -> None:
        self._move(record, self.rules.logged_out, None, at, role)
        record.call, record.connected = None, False
        record.occupation = IDLE

    def _set_status(self, record: Record, event: SetStatus, at: datetime, role: Role) -> None:
        if record.call is not None:
            raise Refused("an interaction is open")
        self._move(record, event.status, self._reason(event.status, event.reason), at, role)

    def _fire(self, record: Record) -> None:
        """The pause allowance ran out: recorded at its deadline (the status stays)."""
        at = record.deadline
        assert at is not None
        record.deadline = None
        record.version += 1
        record.updated = at
        record.history.append((record.version, at, "pause_limit", record.status, record.status,
                               record.reason, record.occupation))

    # -- interactions ------------------------------------------------------------------------

    def _offered(self, record: Record, event: InteractionOffered, at: datetime,
                 role: Role) -> None:
        if record.status not in self.rules.routable:
            raise Refused(f"{record.status!r} is not routable")
        if record.call is not None:
            raise Refused("no free slot")
        if event.channel not in self.rules.channels:
            raise Refused(f"unknown channel {event.channel!r}")
        if event.queue is not None and event.queue not in record.queues:
            raise Refused(f"not a member of {event.queue!r}")
        record.call, record.connected = event.interaction, False
        record.occupation, record.occupied_since = OFFERED, at

    def _answered(self, record: Record, event: InteractionAnswered, at: datetime,
                  role: Role) -> None:
        if record.call != event.interaction or record.connected:
            raise Refused(f"{event.interaction!r} is not ringing")
        record.connected = True
        record.occupation, record.occupied_since = ON_INTERACTION, at

    def _ended(self, record: Record, event: InteractionEnded, at: datetime, role: Role) -> None:
        if record.call != event.interaction:
            raise Refused(f"{event.interaction!r} is not open")
        record.call, record.connected = None, False
        record.occupation, record.occupied_since = IDLE, at

    def _missed(self, record: Record, event: InteractionMissed, at: datetime,
                role: Role) -> None:
        if record.call != event.interaction or record.connected:
            raise Refused(f"{event.interaction!r} is not ringing")
        record.call = None
        record.occupation, record.occupied_since = IDLE, at


# -- (b) a new immutable state per event ---------------------------------------------------------


class State(NamedTuple):
    """One agent's state; a new one per event."""

    agent: str
    version: int
    status: str
    reason: str | None
    since: datetime
    occupation: str
    occupied_since: datetime
    call: str | None
    connected: bool
    queues: tuple[str, ...]
    device: str | None
    updated: datetime
    deadline: datetime | None
    used: tuple[tuple[str, timedelta], ...]  # time used per limited reason


class Outcome(NamedTuple):
    """What an event changed: the new state and its history entry."""

    state: State
    change: tuple[Any, ...]


class ImmutableFloor:
    """Flavour (b): a new :class:`State` per event, kept in a dict; history lists per agent."""

    def __init__(self, policy: Policy, agents: Iterable[str], at: datetime) -> None:
        self.rules = rules = Rules(policy)
        self.states = {agent: State(agent, 1, rules.logged_out, None, at, IDLE, at, None, False,
                                    (), None, at, None, ())
                       for agent in agents}
        self.history: dict[str, list[tuple[Any, ...]]] = {
            agent: [(1, at, None, None, rules.logged_out, None, IDLE)] for agent in agents}
        self.kinds: dict[type[Event], tuple[Callable[[State, Any, datetime, Role], State],
                                            tuple[Role, ...], Role]] = {
            kind: (getattr(self, handler), roles, kind.default_role)
            for kind, handler, roles in HANDLERS}

    def apply(self, event: Event) -> Outcome:
        """Apply ``event``; raise :class:`Refused` (nothing changed) if it may not happen."""
        state = self.states.get(event.agent)
        if state is None:
            raise Refused(f"unknown agent {event.agent!r}")
        at = event.at
        assert at is not None
        if at < state.updated:
            raise Refused(f"{at} is before the agent's last change at {state.updated}")
        fired = None
        if state.deadline is not None and state.deadline <= at:
            state, fired = self._fire(state)
        found = self.kinds.get(type(event))
        if found is None:
            raise Refused(f"{type(event).__name__} is not applied by the floor")
        handler, roles, role = found
        actor = event.actor
        if actor is not None:
            role = actor.role
            if role is Role.AGENT and actor.id != state.agent:
                raise Refused("an agent acts only on itself")
        if role not in roles:
            raise Refused(f"{type(event).__name__} is not for the {role}")
        new = handler(state, event, at, role)
        change = (new.version, at, event, state.status, new.status, new.reason, new.occupation)
        history = self.history[new.agent]
        if fired is not None:
            history.append(fired)
        history.append(change)
        self.states[new.agent] = new
        return Outcome(new, change)

    # -- status moves ------------------------------------------------------------------------

    def _move(self, s: State, dest: str, reason: str | None, at: datetime, role: Role, *,
              call: str | None, connected: bool, occupation: str, queues: tuple[str, ...],
              device: str | None) -> State:
        allowed = self.rules.edges.get((s.status, dest))
        if allowed is None or role not in allowed:
            raise Refused(f"{s.status!r} -> {dest!r} is not allowed for the {role}")
        allotment = self.rules.allotment
        used = s.used
        if s.reason in allotment:  # a limited pause ends: count the time it took
            spent = _sub(at, s.since)
            used = (*[(r, t + spent if r == s.reason else t) for r, t in used],
                    *(() if any(r == s.reason for r, _t in used) else ((s.reason, spent),)))
        deadline = None
        if reason in allotment:  # a limited pause starts: when its allowance runs out
            spent = next((t for r, t in used if r == reason), timedelta())
            deadline = _add(at, allotment[reason] - spent)
        # a status move starts a new occupation interval too
        return State(s.agent, s.version + 1, dest, reason, at, occupation, at, call, connected,
                     queues, device, at, deadline, used)

    def _reason(self, dest: str, reason: str | None) -> str | None:
        implied, codes = self.rules.reasons[dest]
        if reason is None:
            return implied
        if reason not in codes:
            raise Refused(f"{dest!r} does not take the reason {reason!r}")
        return reason

    def _login(self, s: State, event: Login, at: datetime, role: Role) -> State:
        return self._move(s, event.status or self.rules.login_status, None, at, role,
                          call=None, connected=False, occupation=IDLE, queues=event.queues,
                          device=event.device)

    def _logout(self, s: State, event: Event, at: datetime, role: Role) -> State:
        if s.call is not None:
            raise Refused("an interaction is open")
        return self._move(s, self.rules.logged_out, None, at, role, call=None, connected=False,
                          occupation=s.occupation, queues=s.queues, device=s.device)

    def _force_logout(self, s: State, event: Event, at: datetime, role: Role) -> State:
        return self._move(s, self.rules.logged_out, None, at, role, call=None, connected=False,
                          occupation=IDLE, queues=s.queues, device=s.device)

    def _set_status(self, s: State, event: SetStatus, at: datetime, role: Role) -> State:
        if s.call is not None:
            raise Refused("an interaction is open")
        return self._move(s, event.status, self._reason(event.status, event.reason), at, role,
                          call=None, connected=False, occupation=s.occupation,
                          queues=s.queues, device=s.device)

    def _fire(self, s: State) -> tuple[State, tuple[Any, ...]]:
        """The pause allowance ran out: recorded at its deadline (the status stays)."""
        at = s.deadline
        assert at is not None
        new = s._replace(version=s.version + 1, updated=at, deadline=None)
        return new, (new.version, at, "pause_limit", s.status, s.status, s.reason, s.occupation)

    # -- interactions ------------------------------------------------------------------------

    def _offered(self, s: State, event: InteractionOffered, at: datetime, role: Role) -> State:
        if s.status not in self.rules.routable:
            raise Refused(f"{s.status!r} is not routable")
        if s.call is not None:
            raise Refused("no free slot")
        if event.channel not in self.rules.channels:
            raise Refused(f"unknown channel {event.channel!r}")
        if event.queue is not None and event.queue not in s.queues:
            raise Refused(f"not a member of {event.queue!r}")
        return State(s.agent, s.version + 1, s.status, s.reason, s.since, OFFERED, at,
                     event.interaction, False, s.queues, s.device, at, s.deadline, s.used)

    def _answered(self, s: State, event: InteractionAnswered, at: datetime, role: Role) -> State:
        if s.call != event.interaction or s.connected:
            raise Refused(f"{event.interaction!r} is not ringing")
        return State(s.agent, s.version + 1, s.status, s.reason, s.since, ON_INTERACTION, at,
                     s.call, True, s.queues, s.device, at, s.deadline, s.used)

    def _ended(self, s: State, event: InteractionEnded, at: datetime, role: Role) -> State:
        if s.call != event.interaction:
            raise Refused(f"{event.interaction!r} is not open")
        return State(s.agent, s.version + 1, s.status, s.reason, s.since, IDLE, at, None, False,
                     s.queues, s.device, at, s.deadline, s.used)

    def _missed(self, s: State, event: InteractionMissed, at: datetime, role: Role) -> State:
        if s.call != event.interaction or s.connected:
            raise Refused(f"{event.interaction!r} is not ringing")
        return State(s.agent, s.version + 1, s.status, s.reason, s.since, IDLE, at, None, False,
                     s.queues, s.device, at, s.deadline, s.used)


# -- measuring -----------------------------------------------------------------------------------

FLAVOURS: dict[str, type[MutableFloor] | type[ImmutableFloor]] = {
    "mutable": MutableFloor, "immutable": ImmutableFloor}


def summary(floor: MutableFloor | ImmutableFloor) -> dict[str, tuple[Any, ...]]:
    """Every agent's status, reason, version and occupation in ``floor`` (as the tracker's
    ``state(agent)`` has them: ``run.py`` checks they agree after the stream)."""
    found: Iterable[Record | State] = (floor.records.values() if isinstance(floor, MutableFloor)
                                       else floor.states.values())
    return {s.agent: (s.status, s.reason, s.version, s.occupation) for s in found}


def main() -> None:
    """Print both flavours' events/s (CPU time) over ``run.py``'s quick stream, 3 rounds."""
    import gc
    import json
    import time

    import run

    from agentstate.presets import basic

    policy = basic()
    agents, stamped, _bare, _triggers = run.make_stream(10_000, 100_000, unstamped=False)
    gc.collect()
    gc.freeze()
    out: dict[str, list[int]] = {}
    for _ in range(3):
        for name, flavour in FLAVOURS.items():
            floor = flavour(policy, agents, run.START)
            apply = floor.apply
            gc.collect()
            t0 = time.process_time()
            for event in stamped:
                apply(event)
            out.setdefault(name, []).append(round(len(stamped) / (time.process_time() - t0)))
    json.dump(out, __import__("sys").stdout)
    print()


if __name__ == "__main__":
    main()
