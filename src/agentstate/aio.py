"""asyncio glue: the one place in agentstate where waiting happens.

The core never sleeps. A host running asyncio can hand its tracker to :func:`run_timers`, which
sleeps until the next deadline, fires what is due, and repeats until stopped::

    stop = asyncio.Event()
    task = asyncio.create_task(run_timers(tracker, stop=stop))
    ...
    stop.set(); await task

Timers set by events applied meanwhile are picked up: after each wake-up (at the latest every
``max_sleep`` seconds) the next deadline is asked again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from ._state import Result
from ._time import elapsed
from ._tracker import Tracker

__all__ = ["run_timers"]


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
