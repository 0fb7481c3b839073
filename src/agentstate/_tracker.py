"""The tracker: the one entry point. Applies events, answers questions.

The tracker owns no rules (they are in :mod:`agentstate._rules`) and no data (that is the
store's). Per event it: reads the clock once, resolves the event's time, answers a repeated
``event_id`` with the original result, loads the agent, checks the time is not stale, computes
the next state with the pure rules, and commits it with compare-and-set, recomputing on a
conflict up to ``retries`` times.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

import pendulum

from . import _rules
from ._errors import ConflictError, StaleEvent, UnknownAgent
from ._events import Event, Register
from ._policy import Policy
from ._state import AgentState, Change, Notice, Result
from ._store import MemoryStore, Store
from ._time import Clock, SystemClock, elapsed, to_utc

__all__ = ["Tracker", "replay"]


class Tracker:
    """Applies events to agents under one policy, over a store, with a clock.

    Args:
        policy: the rules.
        store: where agents and history live; default a new :class:`MemoryStore`.
        clock: where "now" comes from; default :class:`SystemClock`.
        retries: how many times an event is recomputed when another writer moved the agent.
    """

    __slots__ = ("_clock", "_policy", "_retries", "_store")

    def __init__(self, policy: Policy, *, store: Store | None = None,
                 clock: Clock | None = None, retries: int = 3) -> None:
        self._policy = policy
        self._store: Store = store if store is not None else MemoryStore()
        self._clock: Clock = clock if clock is not None else SystemClock()
        self._retries = retries

    @property
    def policy(self) -> Policy:
        return self._policy

    @property
    def store(self) -> Store:
        return self._store

    @property
    def clock(self) -> Clock:
        return self._clock

    # -- events ----------------------------------------------------------------------------------

    def register(self, agent: str, *, at: datetime | None = None,
                 event_id: str | None = None) -> Result:
        """Add ``agent`` to the roster, logged out. Raises :class:`AgentExists` if known."""
        return self.apply(Register(agent=agent, at=at, event_id=event_id))

    def register_many(self, agents: Iterable[str], *, at: datetime | None = None) -> int:
        """Register many agents at one instant (a roster import); returns how many."""
        when = self._when(None if at is None else to_utc(at), self._clock.now(), None)
        store, policy, count = self._store, self._policy, 0
        for agent in agents:
            event = Register(agent=agent, at=when)
            state, change = _rules.register(policy, store.load(agent), event, when)
            store.commit(state, (change,), expected_version=0)
            count += 1
        return count

    def apply(self, event: Event) -> Result:
        """Apply ``event`` and return what changed.

        Raises:
            AgentStateError: the event is refused (see the subclasses); nothing changed.
        """
        now = self._clock.now()
        at = self._when(None if event.at is None else to_utc(event.at), now, event)
        agent = event.agent
        store = self._store
        attempt = 0
        while True:
            state = store.load(agent)
            if event.event_id is not None and state is not None:
                seen = store.changes_for_event(agent, event.event_id)
                if seen:
                    return self._result(event, tuple(seen), duplicate=True)
            if isinstance(event, Register):
                new, change = _rules.register(self._policy, state, event, at)
                expected = 0
            else:
                if state is None:
                    raise UnknownAgent(agent, event=event)
                if at < state.updated_at:
                    raise StaleEvent(agent=agent, at=at, bound=state.updated_at, event=event)
                new, change = _rules.step(self._policy, state, event, at)
                expected = state.version
            try:
                store.commit(new, (change,), expected_version=expected)
            except ConflictError:
                attempt += 1
                if attempt > self._retries:
                    raise
                continue
            return self._result(event, (change,))

    def _when(self, at: pendulum.DateTime | None, now: pendulum.DateTime,
              event: Event | None) -> pendulum.DateTime:
        if at is None:
            return to_utc(now)
        if at > now:
            raise StaleEvent(agent=event.agent if event else "*", at=at, bound=now,
                             event=event, future=True)
        return at

    def _result(self, event: Event, changes: tuple[Change, ...], *, duplicate: bool = False
                ) -> Result:
        found: list[Notice] = []
        for change in changes:
            found.extend(_rules.notices(self._policy, change))
        return Result(agent=event.agent, event=event, changes=changes, notices=tuple(found),
                      duplicate=duplicate)

    # -- questions -------------------------------------------------------------------------------

    def state(self, agent: str) -> AgentState:
        """The agent's current state. Raises :class:`UnknownAgent`."""
        state = self._store.load(agent)
        if state is None:
            raise UnknownAgent(agent)
        return state

    def time_in_status(self, agent: str) -> timedelta:
        """How long the agent has been in its current status and reason, by the clock."""
        state = self.state(agent)
        return max(elapsed(state.since, self._clock.now()), timedelta(0))

    def time_in_occupation(self, agent: str) -> timedelta:
        """How long the agent has been in its current occupation, by the clock."""
        state = self.state(agent)
        return max(elapsed(state.occupation_since, self._clock.now()), timedelta(0))

    def agents(self) -> list[str]:
        """Every registered agent."""
        return list(self._store.agents())

    def history(self, agent: str, *, start: datetime | None = None,
                end: datetime | None = None) -> Sequence[Change]:
        """The agent's recorded changes with ``start <= at < end``, oldest first."""
        if self._store.load(agent) is None:
            raise UnknownAgent(agent)
        return self._store.history(agent, start=None if start is None else to_utc(start),
                                   end=None if end is None else to_utc(end))

    def __repr__(self) -> str:
        return f"<Tracker policy={self._policy.name!r} store={self._store!r}>"


def replay(policy: Policy, changes: Iterable[Change]) -> AgentState:
    """Rebuild an agent's state by re-applying its recorded events from the first.

    Raises:
        ValueError: ``changes`` is empty or does not start with the registration.
        AgentStateError: an event no longer applies (e.g. under a different policy).
    """
    state: AgentState | None = None
    for change in changes:
        if state is None:
            if not isinstance(change.event, Register):
                raise ValueError("replay needs the history from the agent's registration")
            state, _ = _rules.register(policy, None, change.event, change.at)
        else:
            state, _ = _rules.step(policy, state, change.event, change.at)
    if state is None:
        raise ValueError("replay needs at least one change")
    return state
