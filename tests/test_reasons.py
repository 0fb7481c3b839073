"""Pause reasons: paid or not, daily allotments and counts, overrun, supervisor override."""

from __future__ import annotations

from datetime import date, timedelta

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from agentstate import (
    Actor,
    DayRule,
    ForceStatus,
    LimitReached,
    Login,
    ManualClock,
    NoticeKind,
    SetStatus,
    Tracker,
)
from agentstate._ledger import day_window, used
from agentstate._state import PauseSpan
from tests._policies import timed

M = timedelta(minutes=1)
SUP = Actor.supervisor("sue")


def _tracker(start: pendulum.DateTime, **overrides: object) -> tuple[Tracker, ManualClock]:
    clock = ManualClock(start)
    tracker = Tracker(timed(**overrides), clock=clock)
    tracker.register("a1")
    tracker.apply(Login(agent="a1", queues=("sales",)))
    return tracker, clock


def _pause(tracker: Tracker, clock: ManualClock, minutes: float, status: str = "lunch",
           reason: str | None = None) -> None:
    tracker.apply(SetStatus(agent="a1", status=status, reason=reason))
    clock.advance(minutes=minutes)
    if tracker.state("a1").status != "available":
        tracker.apply(SetStatus(agent="a1", status="available"))


@pytest.mark.parametrize(("zone", "day", "hours"), [
    ("Europe/Berlin", date(2026, 3, 29), 23), ("Europe/Berlin", date(2026, 10, 25), 25),
    ("America/New_York", date(2026, 3, 8), 23), ("America/New_York", date(2026, 11, 1), 25),
    ("Asia/Kolkata", date(2026, 3, 29), 24),
])
def test_a_day_is_midnight_to_midnight_in_the_site_zone(zone: str, day: date, hours: int
                                                         ) -> None:
    """DST change days are 23 or 25 hours long; Kolkata's midnight is 18:30 UTC."""
    noon = pendulum.datetime(day.year, day.month, day.day, 12, tz=zone)
    lo, hi = day_window(DayRule(timezone=zone), noon)
    assert timedelta(hours=hours) == hi - lo
    assert pendulum.datetime(day.year, day.month, day.day, tz=zone) == lo
    if zone == "Asia/Kolkata":
        assert (18, 30) == (lo.in_timezone("UTC").hour, lo.in_timezone("UTC").minute)


@pytest.mark.parametrize("zone", ["Europe/Berlin", "America/New_York", "Asia/Kolkata"])
def test_a_pause_across_midnight_is_charged_to_both_days(zone: str) -> None:
    """Lunch from 23:50 to 00:20 local: 10 minutes on the first day, 20 on the second."""
    start = pendulum.datetime(2026, 3, 28, 23, 50, tz=zone)
    tracker, clock = _tracker(start, day=DayRule(timezone=zone))
    _pause(tracker, clock, 30)
    first = tracker.ledger("a1", date(2026, 3, 28)).reason("lunch")
    second = tracker.ledger("a1", date(2026, 3, 29)).reason("lunch")
    assert (10 * M, 20 * M, 20 * M, 10 * M) == (first.used, first.remaining, second.used,
                                                second.remaining)
    assert (1, 0) == (first.count, second.count)


def test_the_dst_night_is_charged_in_real_time_not_wall_time() -> None:
    """Berlin, 2026-03-29: a pause from 01:50 to 03:10 wall time lasts 20 real minutes."""
    start = pendulum.datetime(2026, 3, 29, 1, 50, tz="Europe/Berlin")
    tracker, clock = _tracker(start)
    _pause(tracker, clock, 20)
    assert "03:10" == clock.now().in_timezone("Europe/Berlin").format("HH:mm")
    assert 20 * M == tracker.ledger("a1", date(2026, 3, 29)).reason("lunch").used


def test_an_exhausted_allotment_refuses_the_agent_and_changes_nothing() -> None:
    """A used-up lunch is refused with the limit and the use in words; nothing changes."""
    tracker, clock = _tracker(pendulum.datetime(2026, 1, 5, 11, tz="Europe/Berlin"))
    _pause(tracker, clock, 30)
    clock.advance(minutes=60)
    before = (tracker.state("a1"), tuple(tracker.history("a1")), tracker.ledger("a1"))
    with pytest.raises(LimitReached) as caught:
        tracker.apply(SetStatus(agent="a1", status="lunch"))
    assert ("lunch", "daily_allotment") == (caught.value.reason, caught.value.limit)
    assert "daily allotment is used up (30m of 30m used today)" in str(caught.value)
    assert before == (tracker.state("a1"), tuple(tracker.history("a1")), tracker.ledger("a1"))


def test_a_supervisor_may_override_an_exhausted_allotment_and_it_is_recorded() -> None:
    """Seed 004: a supervisor may switch an operator into a pause whose allocation is used up."""
    tracker, clock = _tracker(pendulum.datetime(2026, 1, 5, 11, tz="Europe/Berlin"))
    _pause(tracker, clock, 30)
    result = tracker.apply(ForceStatus(agent="a1", status="lunch", actor=SUP))
    entry = tracker.history("a1")[-1]
    assert ("lunch", SUP, ("override",)) == (entry.to_status, entry.actor, entry.tags)
    assert NoticeKind.OVERRIDE in {n.kind for n in result.notices}
    clock.advance(minutes=10)
    assert ("lunch", 10 * M) == (tracker.state("a1").status,
                                 tracker.ledger("a1").reason("lunch").overrun)


def test_max_pauses_per_day() -> None:
    """The personal reason allows three pauses a day; the fourth is refused."""
    tracker, clock = _tracker(pendulum.datetime(2026, 1, 5, 9, tz="Europe/Berlin"))
    for _ in range(3):
        _pause(tracker, clock, 1, status="break", reason="personal")
    with pytest.raises(LimitReached, match="pauses per day is used up"):
        tracker.apply(SetStatus(agent="a1", status="break", reason="personal"))


def test_an_overrun_moves_the_agent_at_the_exact_end_of_the_allotment() -> None:
    """Lunch has 30 min; at 30 min the system moves the agent back (overrun_status)."""
    tracker, clock = _tracker(pendulum.datetime(2026, 1, 5, 11, tz="Europe/Berlin"))
    tracker.apply(SetStatus(agent="a1", status="lunch"))
    start = clock.now()
    clock.advance(minutes=45)
    state = tracker.state("a1")
    assert ("available", start + 30 * M) == (state.status, state.since)
    assert "overrun" in tracker.history("a1")[-1].tags


def test_overrun_without_a_move_is_recorded_and_accounted_separately() -> None:
    """With no overrun status, the pause goes on; the time past the allotment is overrun."""
    tracker, clock = _tracker(pendulum.datetime(2026, 1, 5, 11, tz="Europe/Berlin"),
                              overrun_status=None)
    tracker.apply(SetStatus(agent="a1", status="lunch"))
    clock.advance(minutes=42)
    usage = tracker.ledger("a1").reason("lunch")
    assert (42 * M, timedelta(0), 12 * M) == (usage.used, usage.remaining, usage.overrun)
    assert "lunch" == tracker.state("a1").status
    assert tracker.state("a1").overrun_at == clock.now() - 12 * M


def test_one_pause_longer_than_its_maximum_length_overruns() -> None:
    """Coffee allows 15 min per pause (20 a day): a 17-minute coffee has 2 min overrun."""
    tracker, clock = _tracker(pendulum.datetime(2026, 1, 5, 9, tz="Europe/Berlin"),
                              overrun_status=None)
    _pause(tracker, clock, 17, status="break", reason="coffee")
    usage = tracker.ledger("a1").reason("coffee")
    assert (17 * M, 3 * M, 2 * M) == (usage.used, usage.remaining, usage.overrun)


def test_a_rolling_window_counts_the_last_24_hours() -> None:
    """With a rolling day, lunch taken 23 h ago still counts; 25 h ago it does not."""
    tracker, clock = _tracker(pendulum.datetime(2026, 1, 5, 12), day=DayRule(rolling=True))
    _pause(tracker, clock, 30)
    clock.advance(hours=23)
    with pytest.raises(LimitReached, match="used in the last 24 hours"):
        tracker.apply(SetStatus(agent="a1", status="lunch"))
    clock.advance(hours=2)
    tracker.apply(SetStatus(agent="a1", status="lunch"))
    assert "lunch" == tracker.state("a1").status


def test_changing_reason_mid_pause_closes_one_interval_and_opens_another() -> None:
    """Coffee then personal, within Break: two intervals, each charged to its own reason."""
    tracker, clock = _tracker(pendulum.datetime(2026, 1, 5, 9, tz="Europe/Berlin"))
    tracker.apply(SetStatus(agent="a1", status="break", reason="coffee"))
    clock.advance(minutes=5)
    tracker.apply(SetStatus(agent="a1", status="break", reason="personal"))
    clock.advance(minutes=7)
    ledger = tracker.ledger("a1")
    assert (5 * M, 7 * M) == (ledger.reason("coffee").used, ledger.reason("personal").used)
    assert (5 * M, 7 * M) == (ledger.paid, ledger.unpaid)


# -- properties ------------------------------------------------------------------------------------

PAUSES = st.lists(st.tuples(st.sampled_from(["lunch", "coffee", "personal"]),
                            st.integers(0, 50 * 60), st.integers(0, 6 * 3600)), max_size=8)


@given(PAUSES, st.sampled_from(["Europe/Berlin", "America/New_York", "Asia/Kolkata"]),
       st.integers(0, 365))
def test_ledger_arithmetic(pauses: list[tuple[str, int, int]], zone: str, offset: int) -> None:
    """used >= 0; used + remaining == allotment unless overrun; paid + unpaid == total."""
    start = pendulum.datetime(2026, 1, 1, 6, tz=zone).add(days=offset)
    tracker, clock = _tracker(start, day=DayRule(timezone=zone), overrun_status=None)
    for reason, seconds, gap in pauses:
        status = "lunch" if reason == "lunch" else "break"
        try:
            tracker.apply(SetStatus(agent="a1", status=status, reason=reason))
        except LimitReached:
            tracker.apply(ForceStatus(agent="a1", status=status, reason=reason, actor=SUP))
        clock.advance(seconds)
        tracker.apply(SetStatus(agent="a1", status="available"))
        clock.advance(gap)
    for day in {start.date(), clock.now().in_timezone(zone).date()}:
        ledger = tracker.ledger("a1", day)
        assert ledger.paid + ledger.unpaid == ledger.total
        for usage in ledger.reasons:
            assert usage.used >= timedelta(0)
            assert usage.overrun <= usage.used
            allotment = tracker.policy.reason(usage.reason).daily_allotment
            if allotment is not None and usage.overrun == timedelta(0):
                assert allotment == usage.used + usage.remaining  # type: ignore[operator]


@given(st.integers(0, 3 * 86400), st.integers(1, 3 * 86400),
       st.sampled_from(["Europe/Berlin", "America/New_York", "Asia/Kolkata"]))
def test_the_days_parts_of_a_pause_add_up_to_its_length(offset: int, length: int, zone: str
                                                        ) -> None:
    """However a pause falls across days (DST included), its per-day parts sum to its length."""
    start = pendulum.datetime(2026, 3, 27, tz=zone).add(seconds=offset).in_timezone("UTC")
    span = PauseSpan(reason="lunch", start=start, end=start + timedelta(seconds=length))
    rule = DayRule(timezone=zone)
    total, day_start = timedelta(0), day_window(rule, start)[0]
    while day_start < span.end:
        lo, hi = day_window(rule, day_start)
        total += used([span], "lunch", lo, hi)
        day_start = hi
    assert timedelta(seconds=length) == total
