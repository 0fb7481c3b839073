"""Strict names (issue 14, point 6): where a policy declares its queues or channels, an unknown
one in an event or a question is refused with a typed error listing the known names."""

from __future__ import annotations

import attrs
import pytest

from agentstate import (
    Actor,
    Event,
    InteractionOffered,
    InvalidEvent,
    JoinQueue,
    Login,
    ManualClock,
    PauseQueue,
    Queue,
    SetChannel,
    Tracker,
    UnknownChannel,
    UnknownQueue,
)
from agentstate.presets import basic, omnichannel

SUP = Actor.supervisor("sue")


def _tracker(**policy: object) -> Tracker:
    """Ana, logged in to sales, under basic() with ``policy``'s overrides."""
    tracker = Tracker(attrs.evolve(basic(), **policy), clock=ManualClock())
    tracker.register("ana")
    tracker.apply(Login(agent="ana", queues=("sales",)))
    return tracker


DECLARED = {"queues": (Queue(name="sales"), Queue(name="support"))}


@pytest.mark.parametrize("event", [
    Login(agent="ana", queues=("sales", "salse")),
    JoinQueue(agent="ana", queue="salse", actor=SUP),
    PauseQueue(agent="ana", queue="salse"),
    InteractionOffered(agent="ana", interaction="c1", queue="salse"),
], ids=lambda e: type(e).__name__)
def test_an_event_naming_an_undeclared_queue_is_refused_and_changes_nothing(
        event: Event) -> None:
    """The error names the queue and lists the declared ones; state and history unchanged."""
    tracker = _tracker(**DECLARED)
    before = (tracker.state("ana"), list(tracker.history("ana")))
    with pytest.raises(UnknownQueue) as caught:
        tracker.apply(event)
    assert ("salse", ("sales", "support")) == (caught.value.name, caught.value.known)
    assert "ana" == caught.value.agent
    assert ("agent 'ana': unknown queue 'salse' refused: the policy declares its queues and "
            "this is not one; expected one of 'sales', 'support'") == str(caught.value)
    assert before == (tracker.state("ana"), list(tracker.history("ana")))


def test_a_policy_that_declares_no_queues_takes_any_queue() -> None:
    """basic() declares no queues: any queue name goes, in events and questions."""
    tracker = _tracker()
    tracker.apply(JoinQueue(agent="ana", queue="anything", actor=SUP))
    assert ["ana"] == [c.agent for c in tracker.eligible("anything")]


@pytest.mark.parametrize("event", [
    InteractionOffered(agent="ana", interaction="c1", channel="fax"),
    SetChannel(agent="ana", channel="fax", enabled=False, actor=SUP),
], ids=lambda e: type(e).__name__)
def test_an_event_naming_an_unknown_channel_is_refused_with_the_known_ones(
        event: Event) -> None:
    """Channels are always declared (basic(): voice and chat). The error is still an
    ``InvalidEvent``, as unknown channels were before; nothing changes."""
    tracker = _tracker()
    before = (tracker.state("ana"), list(tracker.history("ana")))
    with pytest.raises(UnknownChannel) as caught:
        tracker.apply(event)
    assert isinstance(caught.value, InvalidEvent)
    assert ("fax", ("chat", "voice")) == (caught.value.name, caught.value.known)
    assert before == (tracker.state("ana"), list(tracker.history("ana")))


def test_set_channel_also_takes_a_channel_group() -> None:
    """A channel group's name is known to ``SetChannel`` (a pool's capacity) and listed."""
    tracker = Tracker(omnichannel(), clock=ManualClock())
    tracker.register("ana")
    tracker.apply(SetChannel(agent="ana", channel="live", capacity=2, actor=SUP))
    with pytest.raises(UnknownChannel) as caught:
        tracker.apply(SetChannel(agent="ana", channel="lve", capacity=2, actor=SUP))
    assert "live" in caught.value.known


def test_questions_refuse_unknown_queues_and_channels() -> None:
    """eligible(), explain() and the team view refuse an unknown queue or channel instead of
    answering an empty list; a question names no agent ("*"), explain() its agent."""
    tracker = _tracker(**DECLARED)
    with pytest.raises(UnknownQueue) as caught:
        tracker.eligible("salse")
    assert ("*", ("sales", "support")) == (caught.value.agent, caught.value.known)
    assert str(caught.value).startswith("unknown queue 'salse' refused")
    with pytest.raises(UnknownChannel):
        tracker.eligible("sales", "fax")
    with pytest.raises(UnknownQueue) as explained:
        tracker.explain("ana", "salse")
    assert "ana" == explained.value.agent
    with pytest.raises(UnknownChannel):
        tracker.explain("ana", "sales", "fax")
    with pytest.raises(UnknownQueue):
        tracker.team(queue="salse")
    with pytest.raises(UnknownChannel):
        tracker.team(waiting={"fax": 2})
    assert ["ana"] == [c.agent for c in tracker.eligible("sales")]
