"""The pictures, checked structurally: the elements, labels and widths a reader relies on."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

import attrs
import pendulum
import pytest

from agentstate import (
    Actor,
    DayRule,
    ForceStatus,
    InteractionMissed,
    InteractionOffered,
    LimitReached,
    Login,
    ManualClock,
    SetStatus,
    Tracker,
    timeline_svg,
)
from agentstate._charts import allotment_svg, interval_svg, intervals
from agentstate._svg import MIN_WIDTH
from agentstate.presets import basic

SVG = "{http://www.w3.org/2000/svg}"
ZONE = "Europe/Berlin"


def _by_class(root: ET.Element, name: str) -> list[ET.Element]:
    return [e for e in root.iter() if name in (e.get("class") or "").split()]


@pytest.fixture
def day() -> Tracker:
    """Ana's morning: a missed offer, lunch past its allotment, a refused second lunch that a
    supervisor overrides."""
    clock = ManualClock(pendulum.datetime(2026, 1, 5, 8, tz=ZONE))
    tracker = Tracker(attrs.evolve(basic(), day=DayRule(timezone=ZONE)), clock=clock)
    tracker.register("ana")
    tracker.apply(Login(agent="ana", queues=("sales",)))
    clock.advance(600)
    tracker.apply(InteractionOffered(agent="ana", interaction="c1", queue="sales"))
    clock.advance(1)
    tracker.apply(InteractionMissed(agent="ana", interaction="c1"))
    clock.advance(1800)
    tracker.apply(SetStatus(agent="ana", status="lunch"))
    clock.advance(2400)  # 40 minutes: 10 past the 30-minute allotment
    tracker.apply(SetStatus(agent="ana", status="available"))
    clock.advance(600)
    with pytest.raises(LimitReached):
        tracker.apply(SetStatus(agent="ana", status="lunch"))
    tracker.apply(ForceStatus(agent="ana", status="lunch", actor=Actor.supervisor("sue")))
    clock.advance(600)
    tracker.apply(SetStatus(agent="ana", status="available"))
    clock.advance(600)
    return tracker


def test_shift_picture_has_a_title_totals_and_marks(day: Tracker) -> None:
    """The shift picture names the agent, the date and the zone, tabulates the totals, and
    marks the overrun, the override and the missed offer."""
    start = pendulum.datetime(2026, 1, 5, 8, tz=ZONE)
    root = ET.fromstring(timeline_svg(day.policy, [day.history("ana")], start=start,
                                      end=start.add(hours=3)))
    assert "ana · Mon 5 Jan 2026 · Europe/Berlin" == _by_class(root, "title")[0].text
    assert 1 == len(_by_class(root, "overrun"))
    assert 1 == len(_by_class(root, "override"))
    assert 1 == len(_by_class(root, "missed"))
    cells = [e.text for e in _by_class(root, "cell")]
    assert ["ana", "2:10:00", "0:50:00", "0:20:00", "1", "0", "1"] == cells[:7]


def test_short_intervals_are_drawn_at_least_min_width(day: Tracker) -> None:
    """A one-second missed offer still shows: occupation bars are at least MIN_WIDTH wide."""
    start = pendulum.datetime(2026, 1, 5, 8, tz=ZONE)
    root = ET.fromstring(timeline_svg(day.policy, [day.history("ana")], start=start,
                                      end=start.add(hours=3)))
    widths = [float(e.get("width", "0")) for e in _by_class(root, "occupation")]
    offered = [e for e in _by_class(root, "occupation")
               if e.find(f"{SVG}title") is not None
               and e.find(f"{SVG}title").text == "offered"]  # type: ignore[union-attr]
    assert MIN_WIDTH <= min(widths)
    assert 1 == len(offered)


def test_team_timeline_has_one_row_per_agent(day: Tracker) -> None:
    """Several histories give one labelled row each, and the title counts the agents."""
    day.register("bob")
    day.apply(Login(agent="bob", queues=("sales",)))
    start = pendulum.datetime(2026, 1, 5, 8, tz=ZONE)
    root = ET.fromstring(timeline_svg(day.policy, [day.history("ana"), day.history("bob")],
                                      start=start, end=start.add(hours=3)))
    assert ["ana", "bob"] == [e.text for e in _by_class(root, "agent")]
    assert _by_class(root, "title")[0].text.startswith("2 agents · ")  # type: ignore[union-attr]


def test_interval_chart_buckets_and_counts(day: Tracker) -> None:
    """The interval chart has one group per bucket; counts and agents add up."""
    start = pendulum.datetime(2026, 1, 5, 8, tz=ZONE)
    buckets = intervals(day.policy, [day.history("ana")], start=start,
                        end=start.add(hours=2), minutes=30)
    assert 4 == len(buckets)
    assert (1, 0) == (buckets[0].offered, buckets[0].answered)
    assert 1.0 == pytest.approx(buckets[0].available + buckets[0].on_work + buckets[0].paused)
    assert 1201 / 1800 == pytest.approx(buckets[2].paused)  # lunch until 09:20:01
    root = ET.fromstring(interval_svg(buckets, timezone=ZONE, title="t"))
    assert 4 == len(_by_class(root, "bucket"))
    assert 4 == len(_by_class(root, "offered"))


def test_allotment_bars_show_use_and_overrun(day: Tracker) -> None:
    """The allotment bar of lunch is full, with a red overrun beyond it."""
    ledger = day.ledger("ana", date(2026, 1, 5))
    root = ET.fromstring(allotment_svg(day.policy, [ledger], title="t"))
    allotments = {float(e.get("width", "0")) for e in _by_class(root, "allotment")}
    lunch = [e.text or "" for e in _by_class(root, "figure") if "of 30m" in (e.text or "")]
    assert ["50m of 30m, 20m over"] == lunch
    assert 1 == len(_by_class(root, "overrun"))
    assert 2 == len(allotments)  # coffee (20 min) and lunch (30 min)


def _half_lunch() -> Tracker:
    """Ana's lunch of 14 minutes 30 seconds, and a coffee of 20 minutes 5 seconds."""
    clock = ManualClock(pendulum.datetime(2026, 1, 5, 8, tz=ZONE))
    tracker = Tracker(attrs.evolve(basic(), day=DayRule(timezone=ZONE)), clock=clock)
    tracker.register("ana")
    tracker.apply(Login(agent="ana", queues=("sales",)))
    clock.advance(600)
    tracker.apply(SetStatus(agent="ana", status="lunch"))
    clock.advance(14 * 60 + 30)
    tracker.apply(SetStatus(agent="ana", status="available"))
    clock.advance(600)
    tracker.apply(SetStatus(agent="ana", status="break", reason="coffee"))
    clock.advance(20 * 60 + 5)
    tracker.apply(SetStatus(agent="ana", status="available"))
    return tracker


def test_allotment_figures_are_to_the_second() -> None:
    """An allotment bar's figure says the time used, the allotment and what is left (or
    over) to the second, not rounded to whole minutes."""
    tracker = _half_lunch()
    ledger = tracker.ledger("ana", date(2026, 1, 5))
    root = ET.fromstring(allotment_svg(tracker.policy, [ledger], title="t"))
    figures = [e.text for e in _by_class(root, "figure")]
    assert ["20m 5s of 20m, 5s over", "14m 30s of 30m, 15m 30s left"] == figures


def test_shift_totals_are_to_the_second() -> None:
    """The shift picture's totals are H:MM:SS, as `agentstate report` prints them: a pause
    of 34 minutes 35 seconds is 0:34:35, not 0:34 or 0:35."""
    tracker = _half_lunch()
    start = pendulum.datetime(2026, 1, 5, 8, tz=ZONE)
    root = ET.fromstring(timeline_svg(tracker.policy, [tracker.history("ana")], start=start,
                                      end=start.add(hours=1)))
    cells = [e.text for e in _by_class(root, "cell")]
    assert ["ana", "0:25:25", "0:34:35", "0:00:05"] == cells[:4]


@pytest.mark.parametrize(("seconds", "expected"), [
    (0, "0s"), (5, "5s"), (60, "1m"), (870, "14m 30s"), (1800, "30m"), (3605, "1h 5s"),
    (5430.4, "1h 30m 30s"), (-90, "-1m 30s")])
def test_span_text(seconds: float, expected: str) -> None:
    """span_text writes a duration to the nearest second, leaving out the parts that are
    zero."""
    from datetime import timedelta

    from agentstate._charts import span_text

    assert expected == span_text(timedelta(seconds=seconds))
