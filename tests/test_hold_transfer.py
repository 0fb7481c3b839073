"""Hold and transfer (issue 13.6), from seed 002's Agent Portal: hold time accrues per
interaction; blind, attended and live transfers end the agent's side each in its own way."""

from __future__ import annotations

from datetime import timedelta

import attrs
import pendulum
import pytest

from agentstate import (
    Actor,
    InteractionAnswered,
    InteractionEnded,
    InteractionHeld,
    InteractionOffered,
    InteractionResumed,
    InteractionState,
    InteractionTransferred,
    InvalidEvent,
    Login,
    ManualClock,
    NotEligible,
    NotPermitted,
    Occupation,
    Tracker,
    TransferKind,
    WrapUp,
    WrapUpMode,
    replay,
)
from agentstate.presets import pbx_agent_portal

START = pendulum.datetime(2026, 1, 5, 9)


def portal(wrap_up: float = 0) -> tuple[Tracker, ManualClock]:
    """Seed 002's preset, agent ``ana`` logged in to queue ``sales`` and on call ``c1``."""
    policy = pbx_agent_portal()
    if wrap_up:
        policy = attrs.evolve(policy, wrap_up=WrapUp(mode=WrapUpMode.TIMED, length=wrap_up))
    clock = ManualClock(START)
    tracker = Tracker(policy, clock=clock)
    tracker.register("ana")
    tracker.apply(Login(agent="ana", queues=("sales",)))
    tracker.apply(InteractionOffered(agent="ana", interaction="c1", queue="sales"))
    clock.advance(5)
    tracker.apply(InteractionAnswered(agent="ana", interaction="c1"))
    return tracker, clock


def test_hold_time_accrues_per_interaction() -> None:
    """"You also have the option of placing the customer on a temporary hold": two holds of
    20 s and 40 s leave 60 s of hold time on the interaction, and the agent stays on it."""
    tracker, clock = portal()
    for seconds in (20, 40):
        clock.advance(10)
        tracker.apply(InteractionHeld(agent="ana", interaction="c1"))
        assert Occupation.ON_INTERACTION == tracker.state("ana").occupation
        clock.advance(seconds)
        tracker.apply(InteractionResumed(agent="ana", interaction="c1"))
    item = tracker.state("ana").interaction("c1")
    assert item is not None
    assert (InteractionState.CONNECTED, timedelta(seconds=60)) == (item.state, item.hold)


def test_a_held_interaction_keeps_its_slot() -> None:
    """A customer on hold still occupies the agent: no queue offer meanwhile."""
    tracker, _clock = portal()
    tracker.apply(InteractionHeld(agent="ana", interaction="c1"))
    with pytest.raises(NotEligible):
        tracker.apply(InteractionOffered(agent="ana", interaction="c2", queue="sales"))


def test_holding_twice_or_resuming_a_live_call_is_refused() -> None:
    """Hold needs a connected interaction not on hold; resume needs one on hold; a supervisor
    does neither."""
    tracker, _clock = portal()
    with pytest.raises(InvalidEvent):
        tracker.apply(InteractionResumed(agent="ana", interaction="c1"))
    tracker.apply(InteractionHeld(agent="ana", interaction="c1"))
    with pytest.raises(InvalidEvent):
        tracker.apply(InteractionHeld(agent="ana", interaction="c1"))
    with pytest.raises(NotPermitted):
        tracker.apply(InteractionResumed(agent="ana", interaction="c1",
                                         actor=Actor.supervisor("sue")))


def test_blind_transfer_drops_the_agent_at_once() -> None:
    """"Transfer your customer to your transfer target and you drop from the call": the
    interaction is gone and post-processing follows, as after an ended call."""
    tracker, _clock = portal(wrap_up=30)
    tracker.apply(InteractionTransferred(agent="ana", interaction="c1", kind="blind",
                                         target="200"))
    state = tracker.state("ana")
    assert ((), Occupation.WRAP_UP) == (state.interactions, state.occupation)


def test_attended_transfer_holds_the_customer_until_completion() -> None:
    """"When Attended Transferring, you will be placing the customer on hold while you call
    your transfer target. When done with the transfer, click Complete and your customer will
    now be transferred to your transfer target and you will drop from the call.\""""
    tracker, clock = portal(wrap_up=30)
    tracker.apply(InteractionTransferred(agent="ana", interaction="c1",
                                         kind=TransferKind.ATTENDED, target="200"))
    item = tracker.state("ana").interaction("c1")
    assert item is not None
    assert (InteractionState.HELD, TransferKind.ATTENDED) == (item.state, item.transfer)
    assert Occupation.ON_INTERACTION == tracker.state("ana").occupation
    clock.advance(45)
    tracker.apply(InteractionEnded(agent="ana", interaction="c1"))  # Complete
    assert Occupation.WRAP_UP == tracker.state("ana").occupation


def test_taking_the_customer_back_abandons_an_attended_transfer() -> None:
    """Resuming the held customer during the consultation cancels the transfer: the agent is
    back on the call, free to transfer again."""
    tracker, _clock = portal()
    tracker.apply(InteractionTransferred(agent="ana", interaction="c1", kind="attended"))
    tracker.apply(InteractionResumed(agent="ana", interaction="c1"))
    item = tracker.state("ana").interaction("c1")
    assert item is not None
    assert (InteractionState.CONNECTED, None) == (item.state, item.transfer)
    tracker.apply(InteractionTransferred(agent="ana", interaction="c1", kind="blind"))
    assert () == tracker.state("ana").interactions


def test_live_transfer_keeps_the_agent_until_it_drops() -> None:
    """"When Live Transferring, you will be initiating a transfer that connects the customer,
    the transfer target, and yourself to the call ... click Complete to drop yourself from the
    call\": the agent stays connected until it ends its side."""
    tracker, _clock = portal()
    tracker.apply(InteractionTransferred(agent="ana", interaction="c1", kind="live"))
    item = tracker.state("ana").interaction("c1")
    assert item is not None
    assert (InteractionState.CONNECTED, TransferKind.LIVE) == (item.state, item.transfer)
    with pytest.raises(InvalidEvent):  # one transfer at a time
        tracker.apply(InteractionTransferred(agent="ana", interaction="c1", kind="blind"))
    tracker.apply(InteractionEnded(agent="ana", interaction="c1"))
    assert Occupation.IDLE == tracker.state("ana").occupation


def test_a_ringing_offer_cannot_be_held_or_transferred() -> None:
    """Hold and transfer are for answered interactions; a refused one changes nothing."""
    tracker, _clock = portal()
    tracker.apply(InteractionEnded(agent="ana", interaction="c1"))
    tracker.apply(InteractionOffered(agent="ana", interaction="d1"))
    before = (tracker.state("ana"), tuple(tracker.history("ana")))
    for event in (InteractionHeld(agent="ana", interaction="d1"),
                  InteractionTransferred(agent="ana", interaction="d1", kind="blind")):
        with pytest.raises(InvalidEvent):
            tracker.apply(event)
    assert before == (tracker.state("ana"), tuple(tracker.history("ana")))


def test_an_unknown_transfer_kind_is_a_type_error() -> None:
    """The kind is a closed set: a typo fails when the event is built."""
    with pytest.raises(TypeError, match="blind, attended, live"):
        InteractionTransferred(agent="ana", interaction="c1", kind="warm")  # type: ignore[arg-type]


def test_replay_reproduces_hold_and_transfer() -> None:
    """Folding the rules over the history gives the same state, hold time and transfer."""
    tracker, clock = portal(wrap_up=30)
    tracker.apply(InteractionHeld(agent="ana", interaction="c1"))
    clock.advance(12)
    tracker.apply(InteractionTransferred(agent="ana", interaction="c1", kind="attended"))
    clock.advance(7)
    assert tracker.state("ana") == replay(tracker.policy, tracker.history("ana"))
