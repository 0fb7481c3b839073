"""A team of agents under random call arrivals for one day, routed with the eligibility rules.

Run it with ``python examples/floor.py [--agents 50] [--seed 1]``. Calls arrive at random, wait
in one queue, and are offered to the best eligible agent (longest idle first); agents take a
coffee break and lunch. It prints the service level (answered within 20 s), average wait,
occupancy and each agent's paid and unpaid pause. The tracker's own deadlines (wrap-up ends)
drive the simulation clock: nothing sleeps.
"""

from __future__ import annotations

import argparse
import heapq
import itertools
import random
import time
from collections import deque
from collections.abc import Callable
from datetime import date, timedelta

import attrs
import pendulum

from agentstate import (
    CancelPending,
    ConflictError,
    DayRule,
    InteractionAnswered,
    InteractionEnded,
    InteractionOffered,
    LimitReached,
    Login,
    Logout,
    ManualClock,
    Policy,
    SetStatus,
    Tracker,
    WrapUp,
    WrapUpMode,
    agent_reports,
)
from agentstate.presets import basic

ZONE = "Europe/Berlin"
DAY = date(2026, 1, 5)
TARGET = timedelta(seconds=20)


def policy() -> Policy:
    """The basic preset in Berlin with 30 s of time-boxed wrap-up."""
    return attrs.evolve(basic(), day=DayRule(timezone=ZONE),
                        wrap_up=WrapUp(mode=WrapUpMode.TIMED, length=30))


def simulate(agents: int, seed: int) -> tuple[Tracker, list[timedelta], int]:
    """Run the day; returns the tracker, each answered call's wait, and calls abandoned."""
    rng = random.Random(seed)
    start = pendulum.datetime(2026, 1, 5, 8, tz=ZONE)
    end = start.add(hours=9)
    clock = ManualClock(start)
    tracker = Tracker(policy(), clock=clock)
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
    at = start.add(seconds=rng.expovariate(1 / 12))
    while at < end:
        later(at, "call", "")
        at = at.add(seconds=rng.expovariate(1 / 12))

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
            abandoned += _handle(tracker, rng, what, who, waiting, later, calls)
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
    return tracker, waits, abandoned


Schedule = Callable[[pendulum.DateTime, str, str], None]


def _handle(tracker: Tracker, rng: random.Random, what: str, who: str,
            waiting: deque[tuple[str, pendulum.DateTime]], schedule: Schedule,
            calls: itertools.count[int]) -> int:
    clock = tracker.clock
    if what == "call":
        waiting.append((f"call-{next(calls)}", clock.now()))
    elif what == "login":
        tracker.apply(Login(agent=who, queues=("sales",)))
    elif what == "answer":
        agent, call = who.split("|")
        tracker.apply(InteractionAnswered(agent=agent, interaction=call))
        talk = max(30.0, rng.expovariate(1 / 240))
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    began = time.perf_counter()
    tracker, waits, abandoned = simulate(args.agents, args.seed)
    took = time.perf_counter() - began
    histories = [change for name in tracker.agents() for change in tracker.history(name)]
    start = pendulum.datetime(2026, 1, 5, tz=ZONE)
    reports = agent_reports(histories, tracker.policy, start=start, end=start.add(days=1))
    answered = len(waits)
    within = sum(1 for wait in waits if wait <= TARGET)
    print(f"{args.agents} agents, one day simulated in {took:.1f} s")
    average = sum(waits, timedelta()).total_seconds() / max(answered, 1)
    print(f"calls answered {answered}, abandoned {abandoned} (waited over 5 minutes, or "
          f"after closing); service level {within / max(answered, 1):.1%} answered within "
          f"{TARGET.seconds} s; average wait {average:.1f} s")
    busy = [r.occupancy for r in reports.values() if r.occupancy is not None]
    print(f"average occupancy {sum(busy) / max(len(busy), 1):.1%}\n")
    print(f"{'agent':<9} {'calls':>5} {'occupancy':>9} {'paid pause':>11} {'unpaid pause':>13}")
    for name in sorted(reports):
        ledger = tracker.ledger(name, DAY)
        rep = reports[name]
        occupancy = f"{rep.occupancy:.1%}" if rep.occupancy is not None else "-"
        print(f"{name:<9} {rep.counts.completed:>5} {occupancy:>9} {_hms(ledger.paid):>11} "
              f"{_hms(ledger.unpaid):>13}")


def _hms(span: timedelta) -> str:
    return str(timedelta(seconds=round(span.total_seconds())))


if __name__ == "__main__":
    main()
