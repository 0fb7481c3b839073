"""The asyncio helper sleeps until deadlines and fires them; tested with a fake clock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import TypeVar

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

T = TypeVar("T")


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


def test_an_async_tracker_applies_calls_in_the_order_they_were_made() -> None:
    """Calls started together run one at a time on the tracker's worker, in order: the
    agent's history lists the statuses in the order they were asked."""
    from agentstate import SetStatus
    from agentstate.aio import AsyncTracker

    statuses = ["lunch", "available", "offline", "available"] * 5

    async def main() -> list[str]:
        async with AsyncTracker(Tracker(timed(), clock=ManualClock())) as atracker:
            await atracker.register("a1")
            await atracker.apply(Login(agent="a1"))
            await asyncio.gather(*(atracker.apply(SetStatus(agent="a1", status=s))
                                   for s in statuses))
            return [c.to_status for c in await atracker.history("a1")][2:]

    assert statuses == asyncio.run(main())


def test_follow_yields_each_change_as_it_is_committed() -> None:
    """The async iterator yields the changes already committed, then each new one as another
    task commits it, with increasing sequences; it resumes after a given sequence."""
    from agentstate import FeedEntry
    from agentstate.aio import AsyncTracker, follow

    async def main() -> tuple[list[FeedEntry], list[FeedEntry]]:
        async with AsyncTracker(Tracker(timed(), clock=ManualClock())) as atracker:
            await atracker.register("a1")
            seen: list[FeedEntry] = []

            async def produce() -> None:
                for agent in ("a2", "a3"):
                    await asyncio.sleep(0.05)
                    await atracker.register(agent)

            producer = asyncio.create_task(produce())
            async for entry in follow(atracker, wait=0.02):
                seen.append(entry)
                if len(seen) == 3:
                    break
            await producer
            resumed = [e async for e in _take(atracker.follow(after=1), 2)]
            return seen, resumed

    seen, resumed = asyncio.run(main())
    assert ["a1", "a2", "a3"] == [e.agent for e in seen]
    assert [1, 2, 3] == [e.sequence for e in seen]
    assert seen[1:] == resumed


async def _take(items: AsyncIterator[T], count: int) -> AsyncIterator[T]:
    async for item in items:
        yield item
        count -= 1
        if count == 0:
            return
