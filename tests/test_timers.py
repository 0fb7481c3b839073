"""Timers are deadlines stored as data: they fire at their exact time, however the host ticks."""

from __future__ import annotations

import contextlib
from datetime import timedelta

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from agentstate import (
    Actor,
    AgentStateError,
    CancelPending,
    Configure,
    EndWrapUp,
    Event,
    InteractionAnswered,
    InteractionEnded,
    InteractionMissed,
    InteractionOffered,
    InteractionRejected,
    InvalidEvent,
    Login,
    Logout,
    ManualClock,
    MemoryStore,
    NoticeKind,
    Occupation,
    SetStatus,
    Timer,
    Tracker,
    WrapUp,
    WrapUpMode,
)
from tests._policies import timed

S = timedelta(seconds=1)


def _tracker(clock: ManualClock, store: MemoryStore | None = None, **overrides: object
             ) -> Tracker:
    tracker = Tracker(timed(**overrides), store=store if store is not None else MemoryStore(),
                      clock=clock)
    for agent in ("a1", "a2"):
        tracker.register(agent)
        tracker.apply(Login(agent=agent, queues=("sales", "vip")))
    return tracker


def _call(tracker: Tracker, clock: ManualClock, cid: str, *, queue: str = "sales",
          talk: int = 60, agent: str = "a1") -> None:
    tracker.apply(InteractionOffered(agent=agent, interaction=cid, queue=queue))
    clock.advance(2)
    tracker.apply(InteractionAnswered(agent=agent, interaction=cid))
    clock.advance(talk)
    tracker.apply(InteractionEnded(agent=agent, interaction=cid))


def _timeline(tracker: Tracker, agent: str = "a1") -> list[tuple[object, ...]]:
    return [(c.at, type(c.event).__name__, c.to_status, c.to_occupation.value)
            for c in tracker.history(agent)]


@pytest.mark.parametrize("tick", ["never", "late", "on time"])
def test_wrap_up_ends_at_its_exact_deadline(tick: str) -> None:
    """Post-processing ends exactly wrap-up seconds after the call, however the host ticks."""
    clock = ManualClock()
    tracker = _tracker(clock)
    _call(tracker, clock, "c1")
    ended = clock.now()
    assert Occupation.WRAP_UP == tracker.state("a1").occupation
    assert ended + 30 * S == tracker.next_deadline("a1") == tracker.next_deadline()
    if tick == "on time":
        clock.advance(30)
        [result] = tracker.fire_due()
        assert Timer.WRAP_UP.value == result.event.timer  # type: ignore[attr-defined]
    elif tick == "late":
        clock.advance(500)
        tracker.fire_due()
    else:
        clock.advance(500)
    last = tracker.history("a1")[-1]
    assert (ended + 30 * S, "idle") == (last.at, last.to_occupation.value)


def test_an_unanswered_offer_is_missed_at_the_ring_timeout_then_delayed() -> None:
    """No answer in 20 s: missed at +20 s, then no queue work for the 10 s no-answer delay."""
    clock = ManualClock()
    tracker = _tracker(clock)
    offered = clock.now()
    tracker.apply(InteractionOffered(agent="a1", interaction="c1", queue="sales"))
    clock.advance(25)
    state = tracker.state("a1")
    assert Occupation.MISSED == state.occupation
    assert offered + 20 * S == state.occupation_since
    with pytest.raises(InvalidEvent, match="missed-offer delay until"):
        tracker.apply(InteractionOffered(agent="a1", interaction="c2", queue="sales"))
    tracker.apply(InteractionOffered(agent="a1", interaction="d1"))  # direct calls still ring
    clock.advance(10)
    tracker.apply(InteractionEnded(agent="a1", interaction="d1", actor=Actor.system()))
    assert Occupation.IDLE == tracker.state("a1").occupation
    fired = [(c.at, c.event.timer) for c in tracker.history("a1")  # type: ignore[attr-defined]
             if type(c.event).__name__ == "TimerFired"]
    assert [(offered + 20 * S, "offer"), (offered + 30 * S, "delay")] == fired


def test_three_misses_in_a_row_pause_the_agent_with_the_system_reason() -> None:
    """After max_no_answer misses the agent is moved to the pause status by the system."""
    clock = ManualClock()
    tracker = _tracker(clock)
    for n in range(3):
        tracker.apply(InteractionOffered(agent="a1", interaction=f"c{n}", queue="sales"))
        clock.advance(2)
        result = tracker.apply(InteractionMissed(agent="a1", interaction=f"c{n}"))
        clock.advance(10)
    state = tracker.state("a1")
    assert ("break", "personal") == (state.status, state.reason)
    assert NoticeKind.AUTO_MOVED in {n.kind for n in result.notices}
    assert Actor.system() == tracker.history("a1")[-1].actor or "auto_moved" in [
        t for c in tracker.history("a1") for t in c.tags]


def test_an_answer_resets_the_misses_in_a_row() -> None:
    """Misses only count in a row: an answered call starts the count again."""
    clock = ManualClock()
    tracker = _tracker(clock)
    for n in range(2):
        tracker.apply(InteractionOffered(agent="a1", interaction=f"m{n}", queue="sales"))
        tracker.apply(InteractionMissed(agent="a1", interaction=f"m{n}"))
        clock.advance(10)
    _call(tracker, clock, "ok")
    clock.advance(30)
    tracker.apply(InteractionOffered(agent="a1", interaction="m9", queue="sales"))
    tracker.apply(InteractionMissed(agent="a1", interaction="m9"))
    assert "available" == tracker.state("a1").status


def test_rejecting_a_queue_offer_puts_the_agent_on_break_where_the_policy_says() -> None:
    """Seed 001: "You are automatically placed on break when you reject a queued interaction"."""
    clock = ManualClock()
    base = timed()
    tracker = _tracker(clock, timers=attrs.evolve(base.timers, reject_status="break",
                                                  reject_reason="personal"))
    tracker.apply(InteractionOffered(agent="a1", interaction="c1", queue="sales"))
    tracker.apply(InteractionRejected(agent="a1", interaction="c1"))
    assert ("break", "personal") == (tracker.state("a1").status, tracker.state("a1").reason)


@pytest.mark.parametrize(("busy", "delay"), [(False, 5), (True, 3)])
def test_reject_and_busy_delays(busy: bool, delay: int) -> None:
    """A rejected offer blocks queue work for the reject delay; a busy device for the busy one."""
    clock = ManualClock()
    tracker = _tracker(clock)
    tracker.apply(InteractionOffered(agent="a1", interaction="c1", queue="sales"))
    start = clock.now()
    tracker.apply(InteractionRejected(agent="a1", interaction="c1", busy=busy,
                                      actor=Actor.system() if busy else None))
    assert start + delay * S == tracker.next_deadline("a1")
    clock.advance(delay)
    assert Occupation.IDLE == tracker.state("a1").occupation


def test_single_call_goes_offline_after_exactly_one_call_and_its_wrap_up() -> None:
    """Seed 000: Single Call takes one queue call, then the agent is offline automatically."""
    clock = ManualClock()
    tracker = _tracker(clock)
    tracker.apply(SetStatus(agent="a1", status="single"))
    _call(tracker, clock, "c1")
    with pytest.raises(InvalidEvent, match="a change to 'offline' is pending"):
        tracker.apply(InteractionOffered(agent="a1", interaction="c2", queue="sales"))
    clock.advance(30)
    assert "offline" == tracker.state("a1").status
    assert clock.now() == tracker.state("a1").since


def test_a_status_asked_during_a_call_applies_after_call_and_wrap_up() -> None:
    """Lunch asked mid-call is pending; it applies when the call and its wrap-up are over."""
    clock = ManualClock()
    tracker = _tracker(clock)
    tracker.apply(InteractionOffered(agent="a1", interaction="c1", queue="sales"))
    tracker.apply(InteractionAnswered(agent="a1", interaction="c1"))
    result = tracker.apply(SetStatus(agent="a1", status="lunch"))
    assert [NoticeKind.PENDING] == [n.kind for n in result.notices]
    assert "available" == tracker.state("a1").status
    clock.advance(100)
    tracker.apply(InteractionEnded(agent="a1", interaction="c1"))
    assert "available" == tracker.state("a1").status
    clock.advance(31)
    state = tracker.state("a1")
    assert ("lunch", clock.now() - S) == (state.status, state.since)
    assert "pending_applied" in tracker.history("a1")[-1].tags


def test_a_pending_logout_can_be_cancelled() -> None:
    """A logout asked mid-call can be withdrawn before it applies."""
    clock = ManualClock()
    tracker = _tracker(clock)
    tracker.apply(InteractionOffered(agent="a1", interaction="c1", queue="sales"))
    tracker.apply(InteractionAnswered(agent="a1", interaction="c1"))
    tracker.apply(Logout(agent="a1"))
    assert "logged_out" == tracker.state("a1").pending.status  # type: ignore[union-attr]
    tracker.apply(CancelPending(agent="a1"))
    tracker.apply(InteractionEnded(agent="a1", interaction="c1"))
    clock.advance(60)
    assert "available" == tracker.state("a1").status
    with pytest.raises(InvalidEvent, match="no status change is pending"):
        tracker.apply(CancelPending(agent="a1"))


@pytest.mark.parametrize(("mode", "early_end_ok"), [
    (WrapUpMode.OPTIONAL, True), (WrapUpMode.TIMED, False), (WrapUpMode.MANDATORY, True)])
def test_wrap_up_modes(mode: WrapUpMode, early_end_ok: bool) -> None:
    """Optional and mandatory wrap-up may be ended by the agent; time-boxed may not."""
    clock = ManualClock()
    tracker = _tracker(clock, wrap_up=WrapUp(mode=mode, length=30))
    _call(tracker, clock, "c1")
    if early_end_ok:
        tracker.apply(EndWrapUp(agent="a1"))
        assert Occupation.IDLE == tracker.state("a1").occupation
    else:
        with pytest.raises(InvalidEvent, match="time-boxed"):
            tracker.apply(EndWrapUp(agent="a1"))
    if mode is WrapUpMode.MANDATORY:
        _call(tracker, clock, "c2")
        clock.advance(3600)
        assert Occupation.WRAP_UP == tracker.state("a1").occupation
        assert tracker.next_deadline("a1") is None


def test_wrap_up_is_overridden_per_queue_and_per_agent() -> None:
    """Agent setting beats queue setting beats policy: 10 s (agent), 60 s (vip), 30 s."""
    clock = ManualClock()
    tracker = _tracker(clock)
    _call(tracker, clock, "c1", queue="vip")
    assert clock.now() + 60 * S == tracker.next_deadline("a1")
    clock.advance(60)
    tracker.apply(Configure(agent="a1", wrap_up=WrapUp(mode=WrapUpMode.TIMED, length=10),
                            actor=Actor.supervisor("s1")))
    _call(tracker, clock, "c2", queue="vip")
    assert clock.now() + 10 * S == tracker.next_deadline("a1")
    _call(tracker, clock, "c3", agent="a2")
    assert clock.now() + 30 * S == tracker.next_deadline("a2")


def test_fire_due_fires_across_agents_in_deadline_order_at_their_own_times() -> None:
    """A host that ticks late gets every timer, earliest first, each stamped at its deadline."""
    clock = ManualClock()
    tracker = _tracker(clock)
    _call(tracker, clock, "c1", agent="a2")
    clock.advance(7)
    _call(tracker, clock, "c2", agent="a1")
    clock.advance(3600)
    results = tracker.fire_due()
    stamps = [r.changes[0].at for r in results]
    assert stamps == sorted(stamps)
    assert ["a2", "a1"] == [r.agent for r in results]
    assert tracker.next_deadline() is None


def test_a_restarted_tracker_carries_on_every_pending_deadline() -> None:
    """A new tracker over the same store fires the deadlines the old one left."""
    clock = ManualClock()
    store = MemoryStore()
    tracker = _tracker(clock, store)
    _call(tracker, clock, "c1")
    due = tracker.next_deadline("a1")
    del tracker
    clock.advance(45)
    again = Tracker(timed(), store=store, clock=clock)
    assert due == again.next_deadline()
    again.fire_due()
    assert (due, Occupation.IDLE) == (again.history("a1")[-1].at,
                                      again.state("a1").occupation)


# -- the property: ticking does not change history ------------------------------------------------

STEP = st.one_of(
    st.tuples(st.just("offer"), st.integers(0, 3)),
    st.tuples(st.just("answer"), st.integers(0, 3)),
    st.tuples(st.just("end"), st.integers(0, 3)),
    st.tuples(st.just("reject"), st.integers(0, 3)),
    st.tuples(st.just("lunch"), st.integers(0, 3)),
    st.tuples(st.just("available"), st.integers(0, 3)),
    st.tuples(st.just("end_wrap_up"), st.integers(0, 3)),
)


def _event(kind: str, n: int) -> Event:
    cid = f"c{n}"
    return {
        "offer": lambda: InteractionOffered(agent="a1", interaction=cid, queue="sales"),
        "answer": lambda: InteractionAnswered(agent="a1", interaction=cid),
        "end": lambda: InteractionEnded(agent="a1", interaction=cid),
        "reject": lambda: InteractionRejected(agent="a1", interaction=cid),
        "lunch": lambda: SetStatus(agent="a1", status="lunch"),
        "available": lambda: SetStatus(agent="a1", status="available"),
        "end_wrap_up": lambda: EndWrapUp(agent="a1"),
    }[kind]()


def _run(script: list[tuple[tuple[str, int], int]], tick: str) -> list[tuple[object, ...]]:
    clock = ManualClock()
    tracker = _tracker(clock)
    for number, ((kind, n), wait) in enumerate(script):
        for _ in range(wait):
            clock.advance(1)
            if tick == "every second":
                tracker.fire_due()
        if tick == "rarely" and number % 4 == 0:
            tracker.fire_due()
        with contextlib.suppress(AgentStateError):  # refusals are the same in every run
            tracker.apply(_event(kind, n))
    clock.advance(3600)
    tracker.fire_due() if tick != "never" else None
    return _timeline(tracker)


@given(st.lists(st.tuples(STEP, st.integers(0, 40)), max_size=25))
def test_history_is_the_same_whether_the_host_ticks_every_second_rarely_or_never(
        script: list[tuple[tuple[str, int], int]]) -> None:
    """Random events at random times: the recorded history does not depend on ticking."""
    never = _run(script, "never")
    assert never == _run(script, "rarely")
    assert never == _run(script, "every second")


def test_counters_per_agent_and_day() -> None:
    """Seed 002's counts: offered, answered, completed, missed (timeouts too) and rejected."""
    clock = ManualClock()
    tracker = _tracker(clock)
    _call(tracker, clock, "c1")
    clock.advance(30)
    tracker.apply(InteractionOffered(agent="a1", interaction="c2", queue="sales"))
    clock.advance(25)  # rings out: missed by the offer timeout
    clock.advance(10)
    tracker.apply(InteractionOffered(agent="a1", interaction="c3", queue="sales"))
    tracker.apply(InteractionRejected(agent="a1", interaction="c3"))
    clock.advance(5)
    tracker.apply(InteractionOffered(agent="a1", interaction="c4", queue="sales"))
    tracker.apply(InteractionEnded(agent="a1", interaction="c4",  # withdrawn while ringing
                                   actor=Actor.system()))
    counters = tracker.counters("a1")
    assert (4, 1, 1, 1, 1) == (counters.offered, counters.answered, counters.completed,
                               counters.missed, counters.rejected)
    assert 0 == tracker.counters("a1", clock.now().date().add(days=1)).offered
