"""Simulations of a floor of agents, driving a tracker the way a host would.

Used by ``agentstate simulate`` and ``examples/floor.py``; also a worked example of routing
with :meth:`Tracker.eligible` and compare-and-set offers, and of letting the tracker's own
deadlines drive time.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections import deque
from collections.abc import Callable
from datetime import timedelta

import attrs
import pendulum

from ._errors import ConflictError, LimitReached
from ._events import (
    CancelPending,
    InteractionAnswered,
    InteractionEnded,
    InteractionOffered,
    Login,
    Logout,
    SetStatus,
)
from ._time import ManualClock
from ._tracker import Tracker

__all__ = ["FloorResult", "simulate_floor"]

TARGET = timedelta(seconds=20)


@attrs.frozen(kw_only=True)
class FloorResult:
    """What a simulated day gave: each answered call's wait, calls abandoned, the agents."""

    waits: tuple[timedelta, ...]
    abandoned: int
    agents: tuple[str, ...]

    @property
    def answered(self) -> int:
        return len(self.waits)

    def service_level(self, target: timedelta = TARGET) -> float:
        """The share of answered calls that waited at most ``target``."""
        return sum(1 for w in self.waits if w <= target) / max(len(self.waits), 1)

    @property
    def average_wait(self) -> timedelta:
        return sum(self.waits, timedelta()) / max(len(self.waits), 1)


def simulate_floor(tracker: Tracker, *, agents: int = 50, seed: int = 1,
                   mean_arrival: float | None = None, mean_talk: float = 240.0,
                   hours: float = 9,
                   progress: Callable[[float], None] | None = None) -> FloorResult:
    """Simulate a team's day on ``tracker``, whose clock must be a :class:`ManualClock` set
    to the start of the day; returns the calls' waits and how many were abandoned.

    Agents ``agent01``... log in over the first 15 minutes on queue ``sales``, take a coffee
    break and lunch, and log out after eight hours. Calls arrive at random (exponential gaps
    of ``mean_arrival`` s), wait in one queue, and are offered to the best eligible agent with
    compare-and-set; a call waiting more than 5 minutes is abandoned. The default arrival rate
    (``600 / agents`` s between calls) keeps a team about half occupied. The tracker's deadlines
    (wrap-up ends) drive the clock: nothing sleeps. ``progress`` is called with the fraction
    of the day done.
    """
    rng = random.Random(seed)
    if mean_arrival is None:
        mean_arrival = 600 / max(agents, 1)
    clock = tracker.clock
    if not isinstance(clock, ManualClock):
        raise TypeError("simulate_floor needs a tracker with a ManualClock")
    start = clock.now()
    end = start.add(seconds=round(hours * 3600))
    names = [f"agent{n:02d}" for n in range(1, agents + 1)]
    tracker.register_many(names)
    sequence = itertools.count()
    todo: list[tuple[pendulum.DateTime, int, str, str]] = []  # (at, n, what, who)

    def later(at: pendulum.DateTime, what: str, who: str) -> None:
        heapq.heappush(todo, (at, next(sequence), what, who))

    for name in names:
        login = start.add(seconds=rng.randint(0, 900))
        later(login, "login", name)
        later(login.add(hours=2, minutes=rng.randint(0, 60)), "coffee", name)
        later(login.add(hours=4, minutes=rng.randint(0, 60)), "lunch", name)
        later(login.add(hours=8, minutes=rng.randint(0, 30)), "logout", name)
    at = start.add(seconds=rng.expovariate(1 / mean_arrival))
    while at < end:
        later(at, "call", "")
        at = at.add(seconds=rng.expovariate(1 / mean_arrival))

    waiting: deque[tuple[str, pendulum.DateTime]] = deque()
    waits: list[timedelta] = []
    abandoned = 0
    calls = itertools.count(1)
    while todo or waiting:
        deadline = tracker.next_deadline()
        next_at = todo[0][0] if todo else end.add(hours=1)
        if deadline is not None and deadline < next_at:
            clock.set(max(deadline, clock.now()))
            tracker.fire_due()
        elif todo:
            at, _n, what, who = heapq.heappop(todo)
            clock.set(max(at, clock.now()))
            abandoned += _handle(tracker, rng, what, who, waiting, later, calls, mean_talk)
            if progress is not None:
                progress(min(1.0, (clock.now() - start).total_seconds() / (hours * 3600)))
        else:
            abandoned += len(waiting)
            break
        while waiting:
            if clock.now() - waiting[0][1] > timedelta(minutes=5):
                waiting.popleft()
                abandoned += 1
                continue
            best = tracker.eligible("sales", limit=1)
            if not best:
                break
            call, arrived = waiting.popleft()
            try:
                tracker.apply(InteractionOffered(agent=best[0].agent, interaction=call,
                                                 queue="sales",
                                                 expected_version=best[0].version))
            except ConflictError:
                waiting.appendleft((call, arrived))
                continue
            ring = rng.randint(2, 8)
            later(clock.now().add(seconds=ring), "answer", f"{best[0].agent}|{call}")
            waits.append(clock.now().add(seconds=ring) - arrived)
    return FloorResult(waits=tuple(waits), abandoned=abandoned, agents=tuple(names))


Schedule = Callable[[pendulum.DateTime, str, str], None]


def _handle(tracker: Tracker, rng: random.Random, what: str, who: str,
            waiting: deque[tuple[str, pendulum.DateTime]], schedule: Schedule,
            calls: itertools.count[int], mean_talk: float) -> int:
    clock = tracker.clock
    if what == "call":
        waiting.append((f"call-{next(calls)}", clock.now()))
    elif what == "login":
        tracker.apply(Login(agent=who, queues=("sales",)))
    elif what == "answer":
        agent, call = who.split("|")
        tracker.apply(InteractionAnswered(agent=agent, interaction=call))
        talk = max(30.0, rng.expovariate(1 / mean_talk))
        schedule(clock.now().add(seconds=talk), "end", who)
    elif what == "end":
        agent, call = who.split("|")
        tracker.apply(InteractionEnded(agent=agent, interaction=call))
    elif what in ("coffee", "lunch"):
        status, reason = ("break", "coffee") if what == "coffee" else ("lunch", None)
        try:
            tracker.apply(SetStatus(agent=who, status=status, reason=reason))
        except LimitReached:
            return 0
        minutes = rng.randint(10, 16) if what == "coffee" else rng.randint(25, 40)
        schedule(clock.now().add(minutes=minutes), "back", who)
    elif what == "back":
        state = tracker.state(who)
        if state.pending is not None and state.pending.status != tracker.policy.logged_out:
            tracker.apply(CancelPending(agent=who))  # still on a call: skip the pause
        elif state.status in ("break", "lunch"):
            tracker.apply(SetStatus(agent=who, status="available"))
    elif what == "logout":
        tracker.apply(Logout(agent=who))
    return 0
