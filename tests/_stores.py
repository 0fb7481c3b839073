"""What the SQL store tests share: a busy day to store, the history checks, child processes'
environment, and the queue strategies the state machine runs under."""

from __future__ import annotations

import itertools
import os
from pathlib import Path
from typing import Any

import attrs
import pendulum

from agentstate import (
    Change,
    InteractionAnswered,
    InteractionOffered,
    Login,
    ManualClock,
    Policy,
    Queue,
    SetStatus,
    Strategy,
    Tracker,
    replay,
)
from agentstate.presets import basic

__all__ = ["SRC", "START", "STRATEGY_IDS", "STRATEGY_PAIRS", "busy_day", "check_history",
           "child_env", "with_strategies"]

SRC = Path(__file__).resolve().parent.parent / "src"
START = pendulum.datetime(2026, 1, 5, 9)


def child_env() -> dict[str, str]:
    """The environment of a child Python process that imports this checkout's agentstate."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(SRC), *filter(None, [os.environ.get("PYTHONPATH")])])}


def check_history(store: Any, agent: str) -> list[Change]:
    """The agent's history is gapless and its replay is the stored state; returns it."""
    state = store.load(agent)
    history = list(store.history(agent))
    assert state is not None
    assert [c.seq for c in history] == list(range(1, len(history) + 1)), agent
    assert history[0].from_status is None
    for before, after in itertools.pairwise(history):
        assert (after.from_status, after.from_reason, after.from_occupation) == (
            before.to_status, before.to_reason, before.to_occupation), (agent, after.seq)
        assert after.at >= before.at
    assert state.version == len(history)
    assert replay(basic(), history) == state
    return history


def busy_day(tracker: Tracker, clock: ManualClock) -> None:
    """Agents left in every interesting situation: on a coffee break after an earlier one
    (reason, allotment ledger, pause-limit deadline), on a call with a break pending, idle."""
    for agent in ("a1", "a2", "a3"):
        tracker.register(agent)
        clock.advance(1)
        tracker.apply(Login(agent=agent, queues=("sales",), device=f"ext-{agent}"))
    clock.advance(60)
    tracker.apply(SetStatus(agent="a1", status="break", reason="coffee"))
    clock.advance(300)
    tracker.apply(SetStatus(agent="a1", status="available"))
    clock.advance(60)
    tracker.apply(SetStatus(agent="a1", status="break", reason="coffee"))
    tracker.apply(InteractionOffered(agent="a2", interaction="c1", queue="sales"))
    clock.advance(2)
    tracker.apply(InteractionAnswered(agent="a2", interaction="c1"))
    clock.advance(5)
    tracker.apply(SetStatus(agent="a2", status="lunch"))
    clock.advance(5)


def with_strategies(policy: Policy, sales: Strategy, support: Strategy) -> Policy:
    """``policy`` whose queues sales and support order agents by these strategies."""
    return attrs.evolve(policy, queues=(Queue(name="sales", strategy=sales),
                                        Queue(name="support", strategy=support)))


STRATEGY_PAIRS = [(Strategy.LONGEST_IDLE, Strategy.LEAST_RECENT),
                  (Strategy.FEWEST_CALLS, Strategy.ROUND_ROBIN),
                  (Strategy.RANDOM, Strategy.LINEAR), (Strategy.RING_ALL, Strategy.ROUND_ROBIN)]
"""Every queue strategy, two per policy (the state machine's queues are sales and support)."""

STRATEGY_IDS = [f"{a.value}-{b.value}" for a, b in STRATEGY_PAIRS]
"""Test ids of :data:`STRATEGY_PAIRS`."""
