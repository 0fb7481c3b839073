"""Values the tracker shares or keeps out of the garbage collector's sight: equal values, the
same states and history as before, fewer objects for the collector to walk."""

from __future__ import annotations

import gc

import attrs
import pendulum

from agentstate import (
    EndWrapUp,
    InteractionAnswered,
    InteractionEnded,
    InteractionOffered,
    JoinQueue,
    Login,
    Logout,
    ManualClock,
    Membership,
    MemoryStore,
    Tracker,
)
from agentstate._draft import Draft
from agentstate._events import Actor
from agentstate._state import Deadline, Timer
from agentstate.presets import basic

from ._policies import timed

SUPERVISOR = Actor.supervisor("sam")

START = pendulum.datetime(2026, 1, 5, 9)


def _tracker(*agents: str) -> Tracker:
    tracker = Tracker(basic(), store=MemoryStore(), clock=ManualClock(START))
    tracker.register_many(agents)
    return tracker


def test_a_first_login_joins_the_queues_as_new_memberships() -> None:
    """The memberships a login makes equal new ones, each queue once, in the order given."""
    tracker = _tracker("ana")
    tracker.apply(Login(agent="ana", queues=("sales", "support", "sales")))
    expected = (Membership(queue="sales"), Membership(queue="support"))
    assert expected == tracker.state("ana").memberships


def test_agents_joining_the_same_queues_at_login_share_the_values() -> None:
    """Two agents logging in on the same queues hold one shared tuple of equal memberships."""
    tracker = _tracker("ana", "bob")
    tracker.apply(Login(agent="ana", queues=("sales", "support")))
    tracker.apply(Login(agent="bob", queues=("sales", "support")))
    ana, bob = tracker.state("ana").memberships, tracker.state("bob").memberships
    assert ana == bob
    assert ana is bob


def test_a_shared_membership_changes_for_its_agent_only() -> None:
    """An offer records its time in the offered agent's membership, not in the other's."""
    tracker = _tracker("ana", "bob")
    tracker.apply(Login(agent="ana", queues=("sales",)))
    tracker.apply(Login(agent="bob", queues=("sales",)))
    tracker.apply(InteractionOffered(agent="ana", interaction="c1", channel="voice",
                                     queue="sales"))
    assert (START, None) == (tracker.state("ana").memberships[0].last_offer_at,
                             tracker.state("bob").memberships[0].last_offer_at)


def test_a_login_on_queues_already_joined_keeps_the_memberships() -> None:
    """Logging in again on the same queues keeps the memberships as they were (calls, last
    offer), and a new queue is added after them."""
    tracker = _tracker("ana")
    tracker.apply(Login(agent="ana", queues=("sales",)))
    tracker.apply(JoinQueue(agent="ana", queue="support", penalty=2, actor=SUPERVISOR))
    tracker.apply(Logout(agent="ana"))
    kept = tracker.state("ana").memberships
    tracker.apply(Login(agent="ana", queues=("support", "sales")))
    assert kept == tracker.state("ana").memberships
    tracker.apply(Logout(agent="ana"))
    tracker.apply(Login(agent="ana", queues=("sales", "vip")))
    expected = (*kept, Membership(queue="vip"))
    assert expected == tracker.state("ana").memberships


def test_a_memory_stores_per_agent_history_is_not_tracked() -> None:
    """An agent's places in the feed are kept where the collector does not look, and read
    back in order."""
    tracker = _tracker("ana")
    for _ in range(3):
        tracker.apply(Login(agent="ana"))
        tracker.apply(Logout(agent="ana"))
    store = tracker.store
    assert isinstance(store, MemoryStore)
    assert [1, 2, 3, 4, 5, 6, 7] == [change.seq for change in store.history("ana")]
    assert not gc.is_tracked(store._history["ana"])


def test_a_memory_stores_deadline_heap_keeps_only_what_is_live() -> None:
    """A host that never asks for the next deadline does not make the store keep every
    deadline the agents ever had; the next deadline is still the earliest live one."""
    agents = [f"a{i}" for i in range(10)]
    clock = ManualClock(START)
    store = MemoryStore()
    tracker = Tracker(timed(), store=store, clock=clock)
    tracker.register_many(agents)
    for agent in agents:
        tracker.apply(Login(agent=agent, queues=("sales",)))
    for n in range(300):  # each offer sets the agent's first deadline, each end drops it
        agent = agents[n % 10]
        clock.advance(seconds=1)
        tracker.apply(InteractionOffered(agent=agent, interaction=f"c{n}", channel="voice",
                                         queue="sales"))
        if n < 290:  # the last offers stay open, with their deadlines
            tracker.apply(InteractionAnswered(agent=agent, interaction=f"c{n}"))
            tracker.apply(InteractionEnded(agent=agent, interaction=f"c{n}"))
            if tracker.state(agent).wrap_up_mode is not None:
                tracker.apply(EndWrapUp(agent=agent))
    live = [d for d in (tracker.state(agent).next_deadline for agent in agents) if d]
    assert 10 == len(live)
    assert len(store._deadlines) <= 2 * 10 + 64
    assert min(live) == store.next_deadline()


def test_dropping_deadlines_that_are_not_there_keeps_the_deadlines() -> None:
    """A draft keeps its deadlines (the same tuple) when none of them is dropped, and drops
    only the timer named, for the reference named."""
    offer = Deadline(at=START.add(seconds=20), timer=Timer.OFFER, ref="c1")
    other = Deadline(at=START.add(seconds=30), timer=Timer.OFFER, ref="c2")
    state = attrs.evolve(_tracker("ana").state("ana"), deadlines=(offer, other))
    draft = Draft(state)
    draft.drop_deadlines(Timer.PAUSE_LIMIT)
    draft.drop_deadlines(Timer.OFFER, "c3")
    assert draft.deadlines is state.deadlines
    draft.drop_deadlines(Timer.OFFER, "c1")
    assert (other,) == draft.deadlines
