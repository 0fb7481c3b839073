"""Direct and outbound work (issue 13.7): interactions the agent starts or takes on its own
extension occupy its slots, show in its occupation, and get post-processing where the policy
says so."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import attrs
import pendulum
import pytest

from agentstate import (
    Direction,
    InteractionAnswered,
    InteractionEnded,
    InteractionOffered,
    InteractionStarted,
    InvalidEvent,
    Login,
    ManualClock,
    NotEligible,
    Occupation,
    Policy,
    SetStatus,
    StoreError,
    Tracker,
    WrapUp,
    WrapUpMode,
    _codec,
    _rows,
    replay,
)
from agentstate._rules import step
from agentstate.presets import basic

START = pendulum.datetime(2026, 1, 5, 9)


def tracker_for(policy: Policy) -> Tracker:
    tracker = Tracker(policy, clock=ManualClock(START))
    tracker.register("ana")
    tracker.apply(Login(agent="ana", queues=("sales",)))
    return tracker


def with_wrap_up(*directions: Direction) -> Policy:
    """basic(), with 30 s of timed wrap-up after the interactions of ``directions``."""
    return attrs.evolve(basic(), wrap_up=WrapUp(mode=WrapUpMode.TIMED, length=30),
                        wrap_up_directions=frozenset(directions))


def test_an_outbound_call_occupies_the_agent() -> None:
    """An agent-initiated outbound call is connected at once, shows as on an interaction, and
    takes the voice slot: no queue call is offered meanwhile."""
    tracker = tracker_for(basic())
    tracker.apply(InteractionStarted(agent="ana", interaction="o1", channel="voice"))
    state = tracker.state("ana")
    item = state.interaction("o1")
    assert item is not None
    assert (Occupation.ON_INTERACTION, Direction.OUTBOUND) == (state.occupation, item.direction)
    with pytest.raises(NotEligible, match="voice slots 1/1"):
        tracker.apply(InteractionOffered(agent="ana", interaction="q1", queue="sales"))


def test_direct_calls_ring_in_a_non_queue_status() -> None:
    """Seed 000: "Not available for calls from call queues. Will still receive calls directly
    to your extension." The direct call rings and then occupies the agent on Break."""
    tracker = tracker_for(basic())
    tracker.apply(SetStatus(agent="ana", status="break", reason="coffee"))
    tracker.apply(InteractionOffered(agent="ana", interaction="d1"))
    item = tracker.state("ana").interaction("d1")
    assert item is not None
    assert (Occupation.OFFERED, Direction.DIRECT) == (tracker.state("ana").occupation,
                                                       item.direction)


def test_wrap_up_follows_only_the_directions_the_policy_names() -> None:
    """After-call work after outbound calls (asked for by Amazon Connect users) is a policy
    setting: by default only queue work gets wrap-up; naming outbound adds it there."""
    for directions, expected in [((Direction.QUEUE,), Occupation.IDLE),
                                 ((Direction.QUEUE, Direction.OUTBOUND), Occupation.WRAP_UP)]:
        tracker = tracker_for(with_wrap_up(*directions))
        tracker.apply(InteractionStarted(agent="ana", interaction="o1"))
        tracker.apply(InteractionEnded(agent="ana", interaction="o1"))
        assert expected == tracker.state("ana").occupation


def test_direct_work_gets_wrap_up_when_named() -> None:
    """With ``Direction.DIRECT`` in ``wrap_up_directions`` a direct call is followed by
    post-processing; a direct interaction may also be reported already connected."""
    tracker = tracker_for(with_wrap_up(Direction.DIRECT))
    tracker.apply(InteractionStarted(agent="ana", interaction="d1", direction="direct"))
    tracker.apply(InteractionEnded(agent="ana", interaction="d1"))
    assert Occupation.WRAP_UP == tracker.state("ana").occupation


def test_queue_work_is_offered_not_started() -> None:
    """``InteractionStarted`` with direction queue is refused (queue work rings first), as is
    starting an interaction logged out or on an unknown channel; nothing changes."""
    tracker = tracker_for(basic())
    before = tracker.state("ana")
    for event in (InteractionStarted(agent="ana", interaction="x", direction=Direction.QUEUE),
                  InteractionStarted(agent="ana", interaction="x", channel="fax")):
        with pytest.raises(InvalidEvent):
            tracker.apply(event)
    assert before == tracker.state("ana")


def test_replay_reproduces_started_work() -> None:
    """Folding the rules over the history gives the same state, direction included."""
    tracker = tracker_for(with_wrap_up(Direction.OUTBOUND))
    tracker.apply(InteractionStarted(agent="ana", interaction="o1", channel="chat"))
    tracker.apply(InteractionStarted(agent="ana", interaction="o2"))
    tracker.apply(InteractionEnded(agent="ana", interaction="o2"))
    assert tracker.state("ana") == replay(tracker.policy, tracker.history("ana"))


def _before_directions(data: Any) -> Any:
    """An encoded state as stored before issue 13: interactions without direction, hold and
    transfer."""
    drop = {"direction", "hold", "transfer"}
    return {**data, "interactions": [{k: v for k, v in item.items() if k not in drop}
                                     for item in data["interactions"]]}


def test_a_state_stored_before_directions_still_loads() -> None:
    """A state row written before interactions had a direction, a hold time and a transfer
    decodes with their defaults; a direct call in it (no queue) still gets no queue wrap-up."""
    tracker = tracker_for(attrs.evolve(basic(), wrap_up=WrapUp(mode=WrapUpMode.TIMED,
                                                                length=30)))
    tracker.apply(InteractionOffered(agent="ana", interaction="d1"))
    tracker.apply(InteractionAnswered(agent="ana", interaction="d1"))
    state = tracker.state("ana")
    old = json.loads(_rows.dumps(_before_directions(_codec.encode_state(state)), agent="ana"))
    assert "direction" not in old["interactions"][0]
    back = _codec.decode_state(old, agent="ana")
    item = back.interaction("d1")
    assert item is not None
    assert (Direction.QUEUE, timedelta(0), None) == (item.direction, item.hold, item.transfer)
    after, _ = step(tracker.policy, back, InteractionEnded(agent="ana", interaction="d1"),
                    START.add(minutes=1))
    assert None is after.wrap_up_mode


def test_a_stored_state_missing_a_field_without_default_is_refused() -> None:
    """Only fields with a default may be missing: a row without an interaction's channel is
    malformed."""
    tracker = tracker_for(basic())
    tracker.apply(InteractionStarted(agent="ana", interaction="o1"))
    data = _codec.encode_state(tracker.state("ana"))
    del data["interactions"][0]["channel"]
    with pytest.raises(StoreError, match="missing channel"):
        _codec.decode_state(data, agent="ana")
