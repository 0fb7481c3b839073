"""asyncio glue: the one place in agentstate where waiting happens.

The core never sleeps. A host running asyncio can hand its tracker to :func:`run_timers`, which
sleeps until the next deadline, fires what is due, and repeats until stopped::

    stop = asyncio.Event()
    task = asyncio.create_task(run_timers(tracker, stop=stop))
    ...
    stop.set(); await task

Timers set by events applied meanwhile are picked up: after each wake-up (at the latest every
``max_sleep`` seconds) the next deadline is asked again.

A tracker's store calls block (SQLite, PostgreSQL). :class:`AsyncTracker` runs them on one
worker thread of its own, in the order they were asked, so the event loop (an AMI or ESL
client) never waits on the database; :func:`follow` follows the change feed::

    async with AsyncTracker(tracker) as atracker:
        await atracker.apply(Login(agent="a1"))
        async for entry in follow(atracker, after=last_handled):
            ...
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any, TypeVar

from ._eligibility import Candidate
from ._events import Event
from ._feed import FeedEntry, check_query
from ._state import AgentState, Change, Result
from ._time import elapsed
from ._tracker import Tracker

__all__ = ["AsyncTracker", "follow", "run_timers"]

T = TypeVar("T")


class AsyncTracker:
    """A :class:`~agentstate.Tracker` for asyncio: each call runs on the tracker's own worker
    thread, one at a time, in the order the calls were made.

    One worker per tracker keeps the tracker single-threaded (as it expects) and keeps order:
    an event applied before another is committed before it. Close it with :meth:`aclose` or
    ``async with``; calls made after that raise ``RuntimeError``.
    """

    __slots__ = ("_tracker", "_worker")

    def __init__(self, tracker: Tracker) -> None:
        self._tracker = tracker
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="agentstate")

    @property
    def tracker(self) -> Tracker:
        """The tracker the calls run on (use it only through this object meanwhile)."""
        return self._tracker

    async def run(self, call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``call(*args, **kwargs)`` on the worker, after every call asked before it."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._worker, partial(call, *args, **kwargs))

    async def register(self, agent: str, *, at: datetime | None = None,
                       event_id: str | None = None, exist_ok: bool = False) -> Result:
        """:meth:`Tracker.register <agentstate.Tracker.register>` on the worker."""
        return await self.run(self._tracker.register, agent, at=at, event_id=event_id,
                              exist_ok=exist_ok)

    async def register_many(self, agents: Iterable[str], *, at: datetime | None = None,
                            exist_ok: bool = False) -> int:
        """:meth:`Tracker.register_many <agentstate.Tracker.register_many>` on the worker."""
        return await self.run(self._tracker.register_many, list(agents), at=at,
                              exist_ok=exist_ok)

    async def apply(self, event: Event) -> Result:
        """:meth:`Tracker.apply <agentstate.Tracker.apply>` on the worker."""
        return await self.run(self._tracker.apply, event)

    async def fire_due(self, until: datetime | None = None) -> list[Result]:
        """:meth:`Tracker.fire_due <agentstate.Tracker.fire_due>` on the worker."""
        return await self.run(self._tracker.fire_due, until)

    async def next_deadline(self, agent: str | None = None) -> datetime | None:
        """:meth:`Tracker.next_deadline <agentstate.Tracker.next_deadline>` on the worker."""
        return await self.run(self._tracker.next_deadline, agent)

    async def state(self, agent: str) -> AgentState:
        """:meth:`Tracker.state <agentstate.Tracker.state>` on the worker."""
        return await self.run(self._tracker.state, agent)

    async def time_in_status(self, agent: str) -> timedelta:
        """:meth:`Tracker.time_in_status <agentstate.Tracker.time_in_status>` on the worker."""
        return await self.run(self._tracker.time_in_status, agent)

    async def eligible(self, queue: str, channel: str = "voice", *, limit: int | None = None,
                       seed: int | None = None) -> list[Candidate]:
        """:meth:`Tracker.eligible <agentstate.Tracker.eligible>` on the worker."""
        return await self.run(self._tracker.eligible, queue, channel, limit=limit, seed=seed)

    async def explain(self, agent: str, queue: str, channel: str = "voice") -> str | None:
        """:meth:`Tracker.explain <agentstate.Tracker.explain>` on the worker."""
        return await self.run(self._tracker.explain, agent, queue, channel)

    async def agents(self) -> list[str]:
        """:meth:`Tracker.agents <agentstate.Tracker.agents>` on the worker."""
        return await self.run(self._tracker.agents)

    async def history(self, agent: str, *, start: datetime | None = None,
                      end: datetime | None = None) -> Sequence[Change]:
        """:meth:`Tracker.history <agentstate.Tracker.history>` on the worker."""
        return await self.run(self._tracker.history, agent, start=start, end=end)

    async def counters(self, agent: str, day: date | None = None) -> Any:
        """:meth:`Tracker.counters <agentstate.Tracker.counters>` on the worker."""
        return await self.run(self._tracker.counters, agent, day)

    async def changes(self, after: int = 0, limit: int = 1000) -> list[FeedEntry]:
        """:meth:`Tracker.changes <agentstate.Tracker.changes>` on the worker."""
        return await self.run(self._tracker.changes, after, limit)

    def follow(self, after: int = 0, *, limit: int = 1000, wait: float = 1.0
               ) -> AsyncIterator[FeedEntry]:
        """:func:`follow` this tracker's feed."""
        return follow(self, after, limit=limit, wait=wait)

    async def aclose(self) -> None:
        """Finish the calls asked so far, then stop the worker."""
        await asyncio.get_running_loop().run_in_executor(None, self._worker.shutdown)

    async def __aenter__(self) -> AsyncTracker:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return f"<AsyncTracker {self._tracker!r}>"


async def follow(tracker: AsyncTracker | Tracker, after: int = 0, *, limit: int = 1000,
                 wait: float = 1.0) -> AsyncIterator[FeedEntry]:
    """Every change committed after feed sequence ``after``, as it is committed, forever.

    Reads a batch of at most ``limit`` entries at a time (on the tracker's worker for an
    :class:`AsyncTracker`); when there is none, waits for the store on another thread, at most
    ``wait`` seconds at a time (woken at once by a PostgreSQL commit; SQLite and memory stores
    poll). Keep the last :attr:`~agentstate.FeedEntry.sequence` handled to resume after a
    restart; stop by breaking out of the loop or cancelling the task.

    Raises:
        FeedError: ``after`` or ``limit`` is out of range.
    """
    check_query(after, limit)
    atracker = tracker if isinstance(tracker, AsyncTracker) else None
    plain = tracker.tracker if isinstance(tracker, AsyncTracker) else tracker
    store = plain.store
    while True:
        if atracker is not None:
            entries = await atracker.changes(after, limit)
        else:
            entries = plain.changes(after, limit)
        for entry in entries:
            yield entry
            after = entry.sequence
        if not entries:
            await asyncio.to_thread(store.wait_for_feed, after, wait)


async def run_timers(tracker: Tracker, *, stop: asyncio.Event,
                     on_fired: Callable[[Result], None] | None = None,
                     max_sleep: float = 1.0,
                     sleep: Callable[[float], Awaitable[object]] = asyncio.sleep) -> int:
    """Fire the tracker's timers as they fall due until ``stop`` is set; returns how many fired.

    Args:
        tracker: the tracker whose timers to drive.
        stop: set it to end the loop.
        on_fired: called with each :class:`Result` (e.g. to tell the PBX an agent is free).
        max_sleep: the longest sleep, in seconds, so new deadlines are noticed in time.
        sleep: the sleep function (tests pass one that advances a ManualClock).
    """
    fired = 0
    while not stop.is_set():
        for result in tracker.fire_due():
            fired += 1
            if on_fired is not None:
                on_fired(result)
        due = tracker.next_deadline()
        wait = max_sleep
        if due is not None:
            wait = min(max_sleep, max(elapsed(tracker.clock.now(), due).total_seconds(), 0.0))
        await sleep(wait)
    return fired
