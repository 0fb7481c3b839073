"""One agent's shift, simulated on a manual clock: calls, a break, lunch, end of shift.

Run it with ``python examples/shift.py``. It prints the agent's timeline (every recorded change)
and the time spent in each status and occupation.
"""

from __future__ import annotations

import itertools
import random
from collections import defaultdict
from datetime import timedelta

import pendulum

from agentstate import (
    Actor,
    InteractionAnswered,
    InteractionEnded,
    InteractionMissed,
    InteractionOffered,
    Login,
    Logout,
    ManualClock,
    SetStatus,
    Tracker,
)
from agentstate.presets import basic


def simulate(seed: int = 7) -> Tracker:
    """Simulate one agent's 8-hour shift and return the tracker holding its history."""
    rng = random.Random(seed)
    clock = ManualClock(pendulum.datetime(2026, 1, 5, 8, 0, tz="Europe/Berlin"))
    tracker = Tracker(basic(), clock=clock)
    tracker.register("ana")
    tracker.apply(Login(agent="ana", queues=("sales", "support"), device="1001"))
    end = clock.now() + timedelta(hours=8)
    call, had_break, had_lunch = 0, False, False
    while clock.now() < end:
        clock.advance(rng.randint(30, 600))  # waiting for the next call
        hour = (clock.now() - end).total_seconds() / 3600 + 8
        if not had_break and hour > 2:
            tracker.apply(SetStatus(agent="ana", status="break", reason="coffee"))
            clock.advance(rng.randint(8, 14) * 60)
            tracker.apply(SetStatus(agent="ana", status="available"))
            had_break = True
            continue
        if not had_lunch and hour > 4:
            tracker.apply(SetStatus(agent="ana", status="lunch"))
            clock.advance(rng.randint(28, 40) * 60)
            tracker.apply(SetStatus(agent="ana", status="available"))
            had_lunch = True
            continue
        call += 1
        cid = f"call-{call}"
        tracker.apply(InteractionOffered(agent="ana", interaction=cid, queue="sales"))
        clock.advance(rng.randint(2, 20))
        if rng.random() < 0.1:
            tracker.apply(InteractionMissed(agent="ana", interaction=cid))
            continue
        tracker.apply(InteractionAnswered(agent="ana", interaction=cid))
        clock.advance(rng.randint(60, 480))
        tracker.apply(InteractionEnded(agent="ana", interaction=cid))
    tracker.apply(Logout(agent="ana", actor=Actor.agent("ana")))
    return tracker


def main() -> None:
    tracker = simulate()
    history = list(tracker.history("ana"))
    by_status: dict[str, timedelta] = defaultdict(timedelta)
    by_occupation: dict[str, timedelta] = defaultdict(timedelta)
    for entry, following in itertools.pairwise(history):
        span = following.at - entry.at
        if not span:
            continue
        by_status[entry.to_status] += span
        by_occupation[entry.to_occupation.value] += span
    print(f"{'time (UTC)':<10} {'event':<20} {'status':<11} {'reason':<8} occupation")
    for entry in history:
        print(f"{entry.at.format('HH:mm:ss'):<10} {type(entry.event).__name__:<20} "
              f"{entry.to_status:<11} {entry.to_reason or '':<8} {entry.to_occupation.value}")
    print("\ntime per status:")
    for name, span in sorted(by_status.items()):
        print(f"  {name:<12} {span}")
    print("time per occupation:")
    for name, span in sorted(by_occupation.items()):
        print(f"  {name:<15} {span}")


if __name__ == "__main__":
    main()
