"""Eligibility at scale: the best agent for a queue among 100,000, from the index and by a scan.

``eligible_top1_us_100k``: ``Tracker.eligible("sales", limit=1)`` with the index built (the
tracker keeps it on every change). ``eligible_scan_us_100k``: the same answer by evaluating the
rule over every agent (``agentstate._eligibility.scan``), the baseline measured in the same run.
``eligible_top1_us_sqlite``: the same question answered by a :class:`SQLiteStore` holding
``eligible_sqlite_agents`` agents (10,000; 2,000 with ``--quick``, filling the file takes a
while): its indexed query on ``queue_facts`` plus the tracker's due-timer check; and whether
its answer agrees with the scan.
"""

from __future__ import annotations

import random
import tempfile
import time
from pathlib import Path
from typing import Any

from agentstate import (
    Candidate,
    InteractionOffered,
    Login,
    ManualClock,
    SetStatus,
    SQLiteStore,
    Tracker,
)
from agentstate._eligibility import scan
from agentstate.presets import basic


def _floor(tracker: Tracker, clock: ManualClock, agents: int) -> list[str]:
    """``agents`` logged in to sales: 30% at lunch, 30% offered a call, 40% eligible."""
    rng = random.Random(5)
    names = [f"a{n:06d}" for n in range(agents)]
    tracker.register_many(names)
    tracker.eligible("sales", limit=1)  # build the index now; every change below updates it
    for name in names:
        clock.advance(0.001)
        tracker.apply(Login(agent=name, queues=("sales",)))
        roll = rng.random()
        if roll < 0.3:
            tracker.apply(SetStatus(agent=name, status="lunch"))
        elif roll < 0.6:
            tracker.apply(InteractionOffered(agent=name, interaction="c", queue="sales"))
    return names


def _best(tracker: Tracker, quick: bool) -> tuple[list[Candidate], float]:
    """The best agent for sales, and how long asking takes, in microseconds (mean of rounds)."""
    rounds = 200 if quick else 2000
    start = time.perf_counter()
    for _ in range(rounds):
        best = tracker.eligible("sales", limit=1)
    return best, (time.perf_counter() - start) / rounds * 1e6


def sqlite_figures(quick: bool) -> dict[str, Any]:
    """The best agent answered by SQLite, in microseconds."""
    agents = 2_000 if quick else 10_000
    with tempfile.TemporaryDirectory(prefix="agentstate-bench-") as folder, \
            SQLiteStore(Path(folder) / "eligibility.db") as store:
        clock = ManualClock()
        tracker = Tracker(basic(), store=store, clock=clock)
        names = _floor(tracker, clock, agents)
        best, top1 = _best(tracker, quick)
        states = [store.load(name) for name in names]
        found = scan(tracker.policy, states, "sales", "voice", clock.now())  # type: ignore[arg-type]
    return {"eligible_top1_us_sqlite": round(top1, 2), "eligible_sqlite_agents": agents,
            "eligible_sqlite_agrees": [c.agent for c in best] == [s.agent for s in found[:1]]}


def figures(quick: bool, agents: int = 100_000) -> dict[str, Any]:
    """Both timings, in microseconds, and whether the two answers agree."""
    clock = ManualClock()
    tracker = Tracker(basic(), clock=clock)
    names = _floor(tracker, clock, agents)
    best, top1 = _best(tracker, quick)
    states = [tracker.store.load(name) for name in names]
    scans = 3 if quick else 10
    start = time.perf_counter()
    for _ in range(scans):
        found = scan(tracker.policy, states, "sales", "voice", clock.now())  # type: ignore[arg-type]
    scanned = (time.perf_counter() - start) / scans * 1e6
    return {"eligible_top1_us_100k": round(top1, 2), "eligible_scan_us_100k": round(scanned),
            "eligible_agree": [c.agent for c in best] == [s.agent for s in found[:1]],
            "eligible_agents": agents, **sqlite_figures(quick)}


if __name__ == "__main__":
    import json

    print(json.dumps(figures(quick=True), indent=2))
