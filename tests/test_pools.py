"""Shared slot pools per group of channels (issue 13.5), from seed 004: "The total number of
slots available for live channels" (chat and telephone together)."""

from __future__ import annotations

import pendulum
import pytest

from agentstate import (
    Actor,
    Channel,
    ChannelGroup,
    InteractionAnswered,
    InteractionOffered,
    InvalidEvent,
    Login,
    ManualClock,
    NotEligible,
    Policy,
    PolicyError,
    SetChannel,
    Status,
    Tracker,
    Transition,
)
from agentstate.presets import omnichannel

START = pendulum.datetime(2026, 1, 5, 9)
SUP = Actor.supervisor("sue")


def online(*agents: str) -> Tracker:
    """Seed 004's preset (a 3-slot live pool: voice 1, chat 3), ``agents`` online in ``web``."""
    tracker = Tracker(omnichannel(), clock=ManualClock(START))
    for agent in agents:
        tracker.register(agent)
        tracker.apply(Login(agent=agent, queues=("web",)))
    return tracker


def take(tracker: Tracker, agent: str, interaction: str, channel: str) -> None:
    tracker.apply(InteractionOffered(agent=agent, interaction=interaction, channel=channel,
                                     queue="web"))
    tracker.apply(InteractionAnswered(agent=agent, interaction=interaction))


def test_two_chats_and_a_call_fill_the_live_pool() -> None:
    """"The total number of slots available for live channels": two chats and one call fill
    a 3-slot live pool, so no further chat (though chat alone allows 3) nor call."""
    tracker = online("ana")
    take(tracker, "ana", "ch1", "chat")
    take(tracker, "ana", "ch2", "chat")
    take(tracker, "ana", "v1", "voice")
    assert "live slots 3/3" == tracker.explain("ana", "web", "chat")
    for channel in ("chat", "voice"):
        with pytest.raises(NotEligible):
            tracker.apply(InteractionOffered(agent="ana", interaction="x", channel=channel,
                                             queue="web"))
    assert [] == tracker.eligible("web", "chat")
    assert ["ana"] == [c.agent for c in tracker.eligible("web", "email")]


def test_a_supervisor_overrides_the_pool_per_agent() -> None:
    """The pool's capacity is per agent overridable: ``SetChannel`` naming the group."""
    tracker = online("ana")
    tracker.apply(SetChannel(agent="ana", channel="live", capacity=2, actor=SUP))
    take(tracker, "ana", "ch1", "chat")
    take(tracker, "ana", "v1", "voice")
    assert "live slots 2/2" == tracker.explain("ana", "web", "chat")
    with pytest.raises(InvalidEvent):  # a pool has no on/off switch: its channels do
        tracker.apply(SetChannel(agent="ana", channel="live", enabled=False, actor=SUP))


def test_the_team_view_counts_the_pool() -> None:
    """Seed 004: "If a group is overloaded (its operators have all available slots
    occupied), the value in the columns (Live Slots, ...) is displayed in red and the number
    of sessions ... waiting in the queue is also displayed next to it.\""""
    tracker = online("ana", "bob")
    for agent in ("ana", "bob"):
        take(tracker, agent, f"{agent}-1", "chat")
        take(tracker, agent, f"{agent}-2", "chat")
        take(tracker, agent, f"{agent}-3", "voice")
    view = tracker.team(waiting={"chat": 2, "voice": 1})
    live = view.group("live")
    assert (6, 6, 3, True) == (live.total, live.in_use, live.waiting, live.overloaded)
    assert False is view.channel("chat").overloaded  # 4 of 6 chat slots: the pool is full


def test_groups_are_checked_when_the_policy_is_built() -> None:
    """A group naming an unknown channel, or a channel in two groups, is a PolicyError."""
    statuses = (Status(name="logged_out", logged_in=False), Status(name="available",
                                                                    routable=True))
    transitions = (Transition(source="logged_out", dest="available"),
                   Transition(source="available", dest="logged_out"))
    channels = (Channel(name="voice"), Channel(name="chat", capacity=3))
    bad = [(ChannelGroup(name="live", channels=("voice", "fax")),),
           (ChannelGroup(name="live", channels=("voice", "chat")),
            ChannelGroup(name="text", channels=("chat",))),
           (ChannelGroup(name="chat", channels=("chat",)),)]
    for groups in bad:
        with pytest.raises(PolicyError):
            Policy(statuses=statuses, transitions=transitions, logged_out="logged_out",
                   login_status="available", channels=channels, groups=groups)
