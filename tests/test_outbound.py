"""Direct and outbound work (issue 13.7): interactions the agent starts or takes on its own
extension occupy its slots, show in its occupation, and get post-processing where the policy
says so."""

from __future__ import annotations

import attrs
import pendulum
import pytest

from agentstate import (
    Direction,
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
    Tracker,
    WrapUp,
    WrapUpMode,
    replay,
)
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
