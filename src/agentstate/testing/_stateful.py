"""A hypothesis state machine that checks a policy's invariants under random event sequences."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

import attrs
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from .._errors import AgentStateError, StaleEvent
from .._events import (
    Event,
    InteractionAnswered,
    InteractionEnded,
    InteractionMissed,
    InteractionRejected,
    Logout,
)
from .._policy import Policy
from .._store import MemoryStore
from .._time import ManualClock
from .._tracker import Tracker
from ._invariants import check_invariants
from ._strategies import events_for, likely_valid_events

__all__ = ["policy_state_machine"]

_PROGRESS = (InteractionAnswered, InteractionEnded, InteractionMissed, InteractionRejected)


def policy_state_machine(policy: Policy, *, agents: int = 3) -> type[RuleBasedStateMachine]:
    """A ``RuleBasedStateMachine`` driving a tracker under ``policy``.

    It registers ``agents`` agents, then applies random valid and invalid events with random
    actors, jumps the clock, repeats event ids and sends stale events, and after every step
    checks :func:`~agentstate.testing.check_invariants` for every agent. Every refused event
    must leave state and history exactly as they were. Use it in a test module as::

        TestMyPolicy = policy_state_machine(my_policy()).TestCase
    """
    names = [f"agent{n}" for n in range(1, agents + 1)]

    class PolicyMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.clock = ManualClock()
            self.tracker = Tracker(policy, store=MemoryStore(), clock=self.clock)
            for name in names:
                self.tracker.register(name)
            self.counter = itertools.count()
            self.applied: list[Event] = []

        def _snapshot(self) -> Any:
            return {a: (self.tracker.state(a), tuple(self.tracker.history(a))) for a in names}

        def _apply(self, event: Event) -> None:
            before = self._snapshot()
            try:
                result = self.tracker.apply(event)
            except AgentStateError:
                assert self._snapshot() == before, f"refused {event!r} changed something"
                return
            assert not result.duplicate
            assert result.changes, "an accepted event recorded nothing"
            if event.event_id is not None:
                self.applied.append(event)

        @rule(seconds=st.one_of(st.integers(0, 5), st.integers(0, 90), st.integers(0, 36 * 3600)))
        def tick(self, seconds: int) -> None:
            self.clock.advance(seconds)

        @rule()
        def host_ticks(self) -> None:
            before = {a: self.tracker.state(a) for a in names}
            for result in self.tracker.fire_due():
                assert result.changes[0].at <= self.clock.now()
            assert before == {a: self.tracker.state(a) for a in names}, (
                "fire_due changed what queries had already brought up to date")

        @rule(data=st.data(), agent=st.sampled_from(names), keyed=st.booleans())
        def likely_valid(self, data: st.DataObject, agent: str, keyed: bool) -> None:
            state = self.tracker.state(agent)
            options = likely_valid_events(policy, state,
                                          fresh_interaction=f"c{next(self.counter)}")
            if not options:
                return
            event = data.draw(st.sampled_from(options))
            if keyed:
                event = _with(event, event_id=f"e{next(self.counter)}")
            self._apply(event)

        @rule(data=st.data(), agent=st.sampled_from(names))
        def progress_interaction(self, data: st.DataObject, agent: str) -> None:
            state = self.tracker.state(agent)
            options = [e for e in likely_valid_events(policy, state, fresh_interaction="-")
                       if isinstance(e, _PROGRESS)]
            if options:
                self._apply(data.draw(st.sampled_from(options)))

        @rule(event=events_for(policy, names))
        def anything(self, event: Event) -> None:
            self._apply(event)

        @precondition(lambda self: bool(self.applied))
        @rule(data=st.data())
        def repeat_event_id(self, data: st.DataObject) -> None:
            event = data.draw(st.sampled_from(self.applied))
            before = self._snapshot()
            result = self.tracker.apply(event)
            assert result.duplicate
            assert [c.event_id for c in result.changes] == [event.event_id] * len(
                result.changes)
            assert self._snapshot() == before

        @rule(agent=st.sampled_from(names), back=st.integers(1, 3600))
        def stale(self, agent: str, back: int) -> None:
            state = self.tracker.state(agent)
            at = state.updated_at - timedelta(seconds=back)
            before = self._snapshot()
            try:
                self.tracker.apply(Logout(agent=agent, at=at))
            except StaleEvent:
                pass
            else:  # pragma: no cover - the invariant below reports it
                raise AssertionError("a stale event was accepted")
            assert self._snapshot() == before

        @invariant()
        def invariants_hold(self) -> None:
            for name in names:
                check_invariants(self.tracker, name)

    PolicyMachine.__name__ = f"PolicyMachine[{policy.name}]"
    return PolicyMachine


def _with(event: Event, **changes: Any) -> Event:
    return attrs.evolve(event, **changes)
