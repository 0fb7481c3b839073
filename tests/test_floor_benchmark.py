"""The hand-written floor of ``benchmarks/floor.py`` does the tracker's bookkeeping for the
benchmark stream: after the same stream, both flavours hold every agent at the tracker's status,
reason, version and occupation, and refuse what the tracker refuses for the same reason."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

from agentstate import (
    Actor,
    AgentStateError,
    ForceLogout,
    InteractionAnswered,
    Login,
    SetStatus,
)
from agentstate.presets import basic

ROOT = Path(__file__).resolve().parent.parent


def _module(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(f"{name}_benchmark",
                                                  ROOT / "benchmarks" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("flavour", ["mutable", "immutable"])
def test_the_floor_ends_the_stream_where_the_tracker_does(flavour: str) -> None:
    """Every agent's status, reason, version and occupation agree after 3,000 events over 40
    agents, and each agent has one history entry per change."""
    run, floor = _module("run"), _module("floor")
    policy = basic()
    agents, stamped, _bare, _triggers = run.make_stream(40, 3000, unstamped=False)
    tracker = run.run_tracker_stamped(policy, agents, stamped, stamped[-1].at)[1]
    engine = floor.FLAVOURS[flavour](policy, agents, run.START)
    for event in stamped:
        engine.apply(event)
    expected = {a: (s.status, s.reason, s.version, s.occupation.value)
                for a in agents if (s := tracker.state(a))}
    assert expected == floor.summary(engine)
    history = (engine.history if flavour == "immutable"
               else {a: r.history for a, r in engine.records.items()})
    assert {a: len(tracker.history(a)) for a in agents} == {a: len(h) for a, h in history.items()}


@pytest.mark.parametrize("flavour", ["mutable", "immutable"])
def test_the_floor_refuses_what_the_tracker_refuses(flavour: str) -> None:
    """A move the policy has no edge for, an answer to no call, a reason the status does not
    take and a supervisor's move by the agent are refused, and the agent's version stays."""
    run, floor = _module("run"), _module("floor")
    engine = floor.FLAVOURS[flavour](basic(), ["a1"], run.START)
    tracker = run.fresh_tracker(basic(), ["a1"])[0]
    at = run.START
    for event in (Login(agent="a1", at=at),
                  SetStatus(agent="a1", status="break", reason="coffee", at=at)):
        engine.apply(event)
        tracker.apply(event)
    for event in (SetStatus(agent="a1", status="offline", at=at),
                  InteractionAnswered(agent="a1", interaction="c1", at=at),
                  SetStatus(agent="a1", status="lunch", reason="coffee", at=at),
                  ForceLogout(agent="a1", actor=Actor.agent("a1"), at=at)):
        with pytest.raises(floor.Refused):
            engine.apply(event)
        with pytest.raises(AgentStateError):
            tracker.apply(event)
    assert ("break", "coffee", 3, "idle") == floor.summary(engine)["a1"]
    assert 3 == tracker.state("a1").version
