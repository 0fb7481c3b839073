"""Day questions over a growing history: does a one-day question cost one day?

``day_question_growth_30d``: for each of ``Tracker.counters``, ``Tracker.ledger`` and
``Tracker.day_report`` (one agent's, the calls a live host makes and docs/concepts.md shows),
the cost of asking about one day when the agents have 30 days of history, divided by the cost
of asking about the first day when they have one. A question that reads only its day (and what
it needs to know the state at the day's start) stays near 1; one that reads everything since
registration grows with the history. Target <= 1.5.

(``day_report(tracker.history(agent), ...)``, the function over a history already read, is
for data read after the fact: it is given the whole history, so it is not measured here.)

``day_question_growth_30d_sqlite_cpu``: the same on a ``SQLiteStore`` (``SQLITE_AGENTS``
agents), whose questions read a range and the entries before it through the (agent, at) index.

The floor: ``AGENTS`` agents on a ``MemoryStore`` under the ``basic`` preset; each works a day
of ``CALLS`` calls (offered, answered, ended), a coffee break, a lunch and a logout. The
questions are asked with the clock at the evening of the day asked about; each figure is the
best of several rounds (microseconds per question, wall-clock and process CPU time).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pendulum

from agentstate import (
    Event,
    InteractionAnswered,
    InteractionEnded,
    InteractionOffered,
    Login,
    Logout,
    ManualClock,
    MemoryStore,
    SetStatus,
    SQLiteStore,
    Store,
    Tracker,
)
from agentstate.presets import basic

__all__ = ["figures"]

FIRST = pendulum.datetime(2026, 1, 5)
AGENTS = 10
CALLS = 60
DAYS = 30
SQLITE_AGENTS = 2


def _day(agent: str, day: int) -> list[Event]:
    """One agent's working day ``day`` (0-based): 08:00 to about 16:00, all valid events."""
    t = FIRST.add(days=day, hours=8)
    events: list[Event] = [Login(agent=agent, at=t, queues=("sales",))]
    for n in range(CALLS):
        call = f"{agent}-{day}-{n}"
        events += [InteractionOffered(agent=agent, at=t.add(seconds=10), interaction=call,
                                      queue="sales"),
                   InteractionAnswered(agent=agent, at=t.add(seconds=15), interaction=call),
                   InteractionEnded(agent=agent, at=t.add(seconds=300), interaction=call)]
        t = t.add(seconds=400)
        if n == CALLS // 3:
            events += [SetStatus(agent=agent, at=t, status="break", reason="coffee"),
                       SetStatus(agent=agent, at=t.add(minutes=10), status="available")]
            t = t.add(minutes=11)
        elif n == CALLS // 2:
            events += [SetStatus(agent=agent, at=t, status="lunch", reason="lunch"),
                       SetStatus(agent=agent, at=t.add(minutes=25), status="available")]
            t = t.add(minutes=26)
    events.append(Logout(agent=agent, at=t))
    return events


def _cost(ask: Callable[[], Any], rounds: int) -> tuple[float, float]:
    """Best microseconds per call over ``rounds`` rounds: (wall-clock, CPU)."""
    best_wall = best_cpu = float("inf")
    for _ in range(rounds):
        w, c = time.perf_counter(), time.process_time()
        ask()
        best_wall = min(best_wall, time.perf_counter() - w)
        best_cpu = min(best_cpu, time.process_time() - c)
    return best_wall * 1e6, best_cpu * 1e6


def _questions(tracker: Tracker, agents: list[str], day: date, rounds: int
               ) -> dict[str, tuple[float, float]]:
    asks: dict[str, Callable[[str], Any]] = {
        "counters": lambda agent: tracker.counters(agent, day),
        "ledger": lambda agent: tracker.ledger(agent, day),
        "day_report": lambda agent: tracker.day_report(day, agents=[agent]),
    }
    out = {}
    for name, ask in asks.items():
        wall, cpu = _cost(lambda ask=ask: [ask(a) for a in agents], rounds)
        out[name] = (wall / len(agents), cpu / len(agents))
    return out


def _growth(store: Store, agents: list[str], rounds: int
            ) -> tuple[dict[str, tuple[float, float]], dict[str, tuple[float, float]], int]:
    """The cost of each question about day 1 with one day of history and about day 30 with
    30 days, and the entries per agent."""
    clock = ManualClock(FIRST)
    tracker = Tracker(basic(), store=store, clock=clock)
    tracker.register_many(agents)
    at: dict[int, dict[str, tuple[float, float]]] = {}
    for day in range(DAYS):
        for agent in agents:
            events = _day(agent, day)
            clock.set(events[-1].at or FIRST)
            for event in events:
                tracker.apply(event)
        if day in (0, DAYS - 1):
            clock.set(FIRST.add(days=day, hours=20))
            at[day] = _questions(tracker, agents, (FIRST + timedelta(days=day)).date(), rounds)
    return at[0], at[DAYS - 1], len(tracker.history(agents[0]))


def figures(quick: bool) -> dict[str, Any]:
    """``day_question_growth_30d`` (and its CPU variant) and the microseconds behind it, on a
    ``MemoryStore``; the CPU variant on SQLite too (fewer agents: building 30 days there is
    the slow part)."""
    rounds = 5 if quick else 15
    agents = [f"agent-{i:02d}" for i in range(AGENTS)]
    first, last, entries = _growth(MemoryStore(), agents, rounds)
    with SQLiteStore(":memory:") as sqlite:
        sql_first, sql_last, _ = _growth(sqlite, agents[:SQLITE_AGENTS], rounds)
    return {
        "day_question_growth_30d": {k: round(last[k][0] / first[k][0], 2) for k in first},
        "day_question_growth_30d_cpu": {k: round(last[k][1] / first[k][1], 2) for k in first},
        "day_question_growth_30d_sqlite_cpu": {k: round(sql_last[k][1] / sql_first[k][1], 2)
                                               for k in sql_first},
        "day_question_us": {k: {"day_1": round(first[k][0]), f"day_{DAYS}": round(last[k][0])}
                            for k in first},
        "day_question_us_sqlite_cpu": {k: {"day_1": round(sql_first[k][1]),
                                           f"day_{DAYS}": round(sql_last[k][1])}
                                       for k in sql_first},
        "day_question_setup": {"agents": AGENTS, "days": DAYS, "calls_per_day": CALLS,
                               "entries_per_agent": entries,
                               "store": "MemoryStore; SQLiteStore(':memory:') with "
                                        f"{SQLITE_AGENTS} agents"},
    }


if __name__ == "__main__":
    import json

    print(json.dumps(figures(quick=True), indent=2))
