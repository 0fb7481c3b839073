"""A hypothesis state machine that checks a policy's invariants under random event sequences.

PYTEST_DONT_REWRITE: the messages are written for hosts; pytest must keep them as they are
(the pytest plugin's entry point would otherwise rewrite this module's assertions).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import attrs
import pendulum
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from .._eligibility import blocker, describe
from .._errors import AgentStateError, InvalidEvent, NotEligible, StaleEvent
from .._events import (
    Event,
    InteractionAnswered,
    InteractionEnded,
    InteractionMissed,
    InteractionOffered,
    InteractionRejected,
    Logout,
)
from .._policy import Policy
from .._store import MemoryStore, Store
from .._time import ManualClock
from .._tracker import Tracker
from ._invariants import (
    _check_agent,
    _check_ledger,
    check_eligibility,
    check_policy,
    check_reports,
    queues_of,
    show,
)
from ._strategies import events_for, likely_valid_events

__all__ = ["policy_state_machine"]

_PROGRESS = (InteractionAnswered, InteractionEnded, InteractionMissed, InteractionRejected)
_STARTS = (
    None,                                   # stay on Monday 5 January 2026, 09:00 UTC
    pendulum.datetime(2026, 3, 7, 22, 0),   # the eve of the US DST change
    pendulum.datetime(2026, 3, 28, 20, 0),  # the eve of the EU DST change
    pendulum.datetime(2026, 4, 4, 12, 0),   # Lord Howe's half-hour DST change
    pendulum.datetime(2026, 10, 24, 20, 0),  # the eve of the EU change back
)
"""Where a run may begin: days and changes of daylight-saving time are where time bugs hide."""


def policy_state_machine(policy: Policy, *, agents: int = 3, every: int = 5,
                         store: Callable[[], Store] = MemoryStore
                         ) -> type[RuleBasedStateMachine]:
    """A ``RuleBasedStateMachine`` driving a tracker under ``policy``.

    Use it in a test module as::

        TestMyPolicy = policy_state_machine(my_policy()).TestCase

    Before the first step it asserts the policy cannot strand an agent: :func:`check_policy`,
    that is, :func:`agentstate.lint` finds no error; the failure lists the errors and, for a
    status an agent can be stranded in, the shortest sequence of events that puts one there.

    Then it registers ``agents`` agents, may jump to the eve of a daylight-saving change, and
    applies random valid and invalid events of every kind with random actors, jumps the clock
    (seconds to a day and a half), lets the host fire due timers, repeats event ids, sends
    stale events, and offers queue work to agents whatever their state. It checks, as
    described in :mod:`agentstate.testing`:

    - around every event: a refused event changes nothing, state or history; an accepted one
      records something; a repeated event id is acknowledged as a duplicate and changes
      nothing; a stale event is refused;
    - around every queue offer: it is accepted exactly when the agent is eligible, and refused
      with :class:`~agentstate.NotEligible` otherwise (a logged-out agent included), carrying
      the blocker ``explain()`` puts in words;
    - after every step, for every agent: :func:`check_invariants` (history tiles the timeline,
      no negative duration, replay reproduces state, allotment arithmetic);
    - every ``every`` steps (they look at every agent, and at reports): the eligibility index
      equals the scan (:func:`check_eligibility`), and reports add up over days
      (:func:`check_reports`).

    The machine's settings are hypothesis' (``TestMyPolicy.settings = settings(...)`` to
    change them). Limits: one tracker in one thread; the queues are the policy's own plus
    ``sales`` and ``support``; agents' own settings (:class:`~agentstate.Configure`) are drawn
    from a few wrap-ups and time zones.

    Args:
        policy: the policy under test.
        agents: how many agents to register.
        every: the costlier checks run every this many steps (1: after every step).
        store: makes the empty store each run's tracker works over (default
            :class:`MemoryStore`): run the invariants over your own store.

    Raises:
        ValueError: ``agents`` or ``every`` is less than 1.
    """
    if agents < 1 or every < 1:
        raise ValueError(f"agents and every must be at least 1, got agents={agents}, "
                         f"every={every}")
    names = [f"agent{n}" for n in range(1, agents + 1)]
    queues = list(queues_of(policy))
    channels = [c.name for c in policy.channels]
    try:
        check_policy(policy)
        refused: str | None = None
    except AssertionError as error:
        refused = str(error)

    class PolicyMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            if refused is not None:
                raise AssertionError(refused)
            self.clock = ManualClock()
            self.tracker = Tracker(policy, store=store(), clock=self.clock)
            for name in names:
                self.tracker.register(name)
            self.counter = itertools.count()
            self.applied: list[Event] = []
            self.steps = 0

        @initialize(start=st.sampled_from(_STARTS))
        def begin(self, start: pendulum.DateTime | None) -> None:
            if start is not None:
                self.clock.set(start)

        def _snapshot(self) -> Any:
            return {a: (self.tracker.state(a), tuple(self.tracker.history(a))) for a in names}

        def _apply(self, event: Event) -> None:
            before = self._snapshot()
            try:
                result = self.tracker.apply(event)
            except AgentStateError:
                assert self._snapshot() == before, f"refused {show(event)} changed something"
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

        @rule(agent=st.sampled_from(names), queue=st.sampled_from(queues),
              channel=st.sampled_from(channels))
        def offer_queue_work(self, agent: str, queue: str, channel: str) -> None:
            state = self.tracker.state(agent)
            found = blocker(policy, state, queue, channel)
            event = InteractionOffered(agent=agent, interaction=f"q{next(self.counter)}",
                                       channel=channel, queue=queue)
            before = self._snapshot()
            refusal: AgentStateError | None = None
            try:
                self.tracker.apply(event)
            except (NotEligible, InvalidEvent) as error:
                refusal = error
            if refusal is None:
                assert found is None, (
                    f"{show(event)} accepted, yet {agent} is not eligible: "
                    f"{describe(policy, found)}")
                return
            assert found is not None, f"{show(event)} refused, yet eligible: {refusal}"
            assert type(refusal) is NotEligible, (  # every refused queue offer, one type
                f"{show(event)} refused with {type(refusal).__name__}, not NotEligible: "
                f"{refusal}")
            assert (refusal.why, refusal.blocker) == (describe(policy, found), found), (
                f"{show(event)} refused for {refusal.why!r}, but explain() says "
                f"{describe(policy, found)!r}")
            assert self._snapshot() == before, f"refused {show(event)} changed something"

        @precondition(lambda self: bool(self.applied))
        @rule(data=st.data())
        def repeat_event_id(self, data: st.DataObject) -> None:
            event = data.draw(st.sampled_from(self.applied))
            before = self._snapshot()
            try:
                result = self.tracker.apply(event)
            except AgentStateError as error:
                raise AssertionError(f"repeating {show(event)} was refused ({error}), not "
                                     "acknowledged as a duplicate") from error
            assert result.duplicate, f"repeating {show(event)} was applied again"
            assert [c.event_id for c in result.changes] == [event.event_id] * len(
                result.changes)
            assert self._snapshot() == before, f"repeating {show(event)} changed something"

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
                _check_agent(self.tracker, name)
                _check_ledger(self.tracker, name)
            self.steps += 1
            if self.steps % every == 0:
                check_eligibility(self.tracker, names)
                check_reports(self.tracker, names)

    PolicyMachine.__name__ = f"PolicyMachine[{policy.name}]"
    PolicyMachine.__qualname__ = PolicyMachine.__name__
    return PolicyMachine


def _with(event: Event, **changes: Any) -> Event:
    return attrs.evolve(event, **changes)
