"""The asyncio helper sleeps until deadlines and fires them; tested with a fake clock."""

from __future__ import annotations

import asyncio

from agentstate import (
    InteractionAnswered,
    InteractionEnded,
    InteractionOffered,
    Login,
    ManualClock,
    Occupation,
    Result,
    Tracker,
)
from agentstate.aio import run_timers
from tests._policies import timed


def test_run_timers_fires_each_deadline_when_it_falls_due() -> None:
    """The loop sleeps exactly until the wrap-up deadline, fires it, and stops when told."""
    clock = ManualClock()
    tracker = Tracker(timed(), clock=clock)
    tracker.register("a1")
    tracker.apply(Login(agent="a1", queues=("sales",)))
    tracker.apply(InteractionOffered(agent="a1", interaction="c1", queue="sales"))
    tracker.apply(InteractionAnswered(agent="a1", interaction="c1"))
    tracker.apply(InteractionEnded(agent="a1", interaction="c1"))
    stop_at = clock.now().add(seconds=40)
    stop = asyncio.Event()
    seen: list[Result] = []
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)
        clock.advance(seconds)
        if clock.now() >= stop_at:
            stop.set()

    fired = asyncio.run(run_timers(tracker, stop=stop, on_fired=seen.append, max_sleep=60,
                                   sleep=fake_sleep))
    assert 1 == fired
    assert [30.0] == slept[:1]
    assert ["wrap_up"] == [r.event.timer for r in seen]  # type: ignore[attr-defined]
    assert Occupation.IDLE == tracker.state("a1").occupation
