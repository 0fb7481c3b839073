"""The eligibility index follows every change: after each event of a valid stream, on every
preset, it answers as the rule evaluated over every agent (``blocker`` and the full scan)."""

from __future__ import annotations

import gc
from collections.abc import Callable
from datetime import timedelta

import attrs
import pendulum
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentstate import (
    Actor,
    InteractionAnswered,
    InteractionEnded,
    InteractionOffered,
    InteractionRejected,
    JoinQueue,
    Login,
    ManualClock,
    PauseQueue,
    Policy,
    Queue,
    ResumeQueue,
    SetStatus,
    Strategy,
    Tracker,
    WrapUp,
    WrapUpMode,
)
from agentstate._eligibility import Index, blocker, describe, scan
from agentstate._index import _AGENT_AT, _agent_of, _key_text
from agentstate._limits import MAX_INSTANT, MAX_SMALL, MIN_INSTANT, MIN_SMALL
from agentstate._order import NEVER
from agentstate._time import micros
from agentstate.presets import PRESETS, basic
from agentstate.testing import SEQUENCE_START, valid_sequences
from agentstate.testing._invariants import queues_of

AGENTS = ("a1", "a2", "a3")
_SUP = Actor.supervisor("sue")


def every_strategy() -> Policy:
    """The basic preset with one declared queue per strategy, post-processing, and delays
    after a missed or rejected offer."""
    queues = tuple(Queue(name=s.value, strategy=s) for s in Strategy)
    policy = basic()
    timers = attrs.evolve(policy.timers, no_answer_delay=timedelta(seconds=20),
                          reject_delay=timedelta(seconds=40))
    return attrs.evolve(policy, queues=queues, timers=timers,
                        wrap_up=WrapUp(mode=WrapUpMode.OPTIONAL, length=30))


POLICIES: dict[str, Callable[[], Policy]] = {**PRESETS, "every_strategy": every_strategy}


def check_against_scan(tracker: Tracker, clock: ManualClock, *, limits: bool) -> None:
    """The tracker's index answers ``eligible`` (every queue and channel, in order, at the
    committed versions; also the best one and two when ``limits``) and ``explain`` exactly as
    the scan and ``blocker`` do; and so does an index built afresh from the states."""
    policy = tracker.policy
    now = clock.now()
    answers = {}
    for queue in queues_of(policy):
        for channel in (c.name for c in policy.channels):
            answers[queue, channel] = (
                [(c.agent, c.version) for c in tracker.eligible(queue, channel, seed=0)],
                [[(c.agent, c.version) for c in tracker.eligible(queue, channel, limit=k,
                                                                 seed=0)]
                 for k in ((1, 2) if limits else ())])
    states = [tracker.state(agent) for agent in AGENTS]
    fresh = Index(policy)
    for state in states:
        fresh.update(state)
    for (queue, channel), (everyone, best) in answers.items():
        expected = [(s.agent, s.version) for s in scan(policy, states, queue, channel, now,
                                                        seed=0)]
        assert expected == everyone, (queue, channel)
        assert [expected[:k] for k in ((1, 2) if limits else ())] == best, (queue, channel)
        rebuilt = [(s.agent, s.version) for s in fresh.eligible(queue, channel, now, limit=2,
                                                                seed=0)]
        assert expected[:2] == rebuilt, (queue, channel)
        for state in states:
            found = blocker(policy, state, queue, channel)
            expected_why = None if found is None else describe(policy, found)
            assert expected_why == tracker.explain(state.agent, queue, channel)
            assert (found is None) == (state.agent in {a for a, _v in expected})


@pytest.mark.parametrize("name", sorted(POLICIES))
@settings(max_examples=30, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_index_answers_as_the_scan_after_every_event(name: str,
                                                         data: st.DataObject) -> None:
    """After each event of a valid stream the index lists, for every queue and channel, the
    agents the scan finds, in its order and at their versions, and ``explain`` says what
    ``blocker`` says, whether the best agents were asked for all along or only now."""
    policy = POLICIES[name]()
    events = data.draw(valid_sequences(policy, AGENTS, max_size=25, max_gap=60))
    limits_from = data.draw(st.integers(0, len(events)))
    clock = ManualClock(SEQUENCE_START)
    tracker = Tracker(policy, clock=clock)
    tracker.register_many(AGENTS)
    check_against_scan(tracker, clock, limits=False)
    for n, event in enumerate(events):
        assert event.at is not None
        clock.set(event.at)
        tracker.apply(event)
        check_against_scan(tracker, clock, limits=n >= limits_from)


def test_an_agent_back_with_the_same_key_is_listed_once() -> None:
    """An agent who leaves the pair and comes back with the same sort key (linear: its
    position) is one candidate, not two."""
    policy = every_strategy()
    clock = ManualClock(SEQUENCE_START)
    tracker = Tracker(policy, clock=clock)
    tracker.register_many(["a1", "a2"])
    for agent in ("a1", "a2"):
        tracker.apply(Login(agent=agent, queues=("linear",)))
    assert ["a1", "a2"] == [c.agent for c in tracker.eligible("linear", limit=2)]
    tracker.apply(SetStatus(agent="a1", status="break", reason="coffee"))
    tracker.apply(SetStatus(agent="a1", status="available"))
    assert ["a1", "a2"] == [c.agent for c in tracker.eligible("linear", limit=3)]


def test_the_heap_of_a_pair_stays_small_under_churn() -> None:
    """Agents going in and out of a pair many times leave the pair's heap at most about
    four times as long as the queue has eligible agents (stale entries are dropped)."""
    policy = every_strategy()
    clock = ManualClock(SEQUENCE_START)
    tracker = Tracker(policy, clock=clock)
    agents = [f"a{n}" for n in range(10)]
    tracker.register_many(agents)
    for agent in agents:
        tracker.apply(Login(agent=agent, queues=("longest_idle",)))
    tracker.eligible("longest_idle", limit=1)
    for n in range(300):
        agent = agents[n % 10]
        clock.advance(1)
        tracker.apply(SetStatus(agent=agent, status="break", reason="coffee"))
        tracker.apply(SetStatus(agent=agent, status="available"))
    heap = tracker._eligibility_index()._heaps["longest_idle", "voice"]
    assert len(heap) <= 4 * 10 + 64
    assert agents == [c.agent for c in tracker.eligible("longest_idle", limit=10)]
    assert agents == [c.agent for c in tracker.eligible("longest_idle")]


def test_joining_a_queue_makes_an_idle_agent_eligible_at_once() -> None:
    """A supervisor adds an idle agent to a queue: the next question lists it."""
    policy = every_strategy()
    clock = ManualClock(SEQUENCE_START)
    tracker = Tracker(policy, clock=clock)
    tracker.register_many(["a1"])
    tracker.apply(Login(agent="a1", queues=("linear",)))
    assert [] == [c.agent for c in tracker.eligible("round_robin", limit=1)]
    tracker.apply(JoinQueue(agent="a1", queue="round_robin", actor=_SUP))
    assert ["a1"] == [c.agent for c in tracker.eligible("round_robin", limit=1)]



def test_the_keys_an_index_keeps_are_not_followed_by_the_collector() -> None:
    """The best-agent heaps hold plain values only: after a collection the garbage collector
    no longer tracks any of their keys (a key holding a pendulum ``DateTime`` would stay
    tracked and be walked by every later collection)."""
    policy = every_strategy()
    clock = ManualClock(SEQUENCE_START)
    tracker = Tracker(policy, clock=clock)
    agents = [f"a{n}" for n in range(20)]
    tracker.register_many(agents)
    for agent in agents:
        tracker.apply(Login(agent=agent, queues=("longest_idle", "linear", "least_recent")))
    for queue in ("longest_idle", "linear", "least_recent"):
        tracker.eligible(queue, limit=1)
    for n, agent in enumerate(agents):
        clock.advance(1)
        tracker.apply(InteractionOffered(agent=agent, interaction=f"c{n}", queue="linear"))
        tracker.apply(InteractionAnswered(agent=agent, interaction=f"c{n}"))
        tracker.apply(InteractionEnded(agent=agent, interaction=f"c{n}"))
    gc.collect()
    heaps = tracker._eligibility_index()._heaps
    assert dict.fromkeys(heaps, 0) == {pair: sum(gc.is_tracked(key) for key in heap)
                                       for pair, heap in heaps.items()}
    assert all(heaps.values())


def test_instants_in_another_zone_order_as_the_scan_does() -> None:
    """States whose instants are not in UTC (as a host's own store may give them back) are
    ordered by the instant they stand for, as the scan orders them."""
    policy = every_strategy()
    clock = ManualClock(SEQUENCE_START)
    tracker = Tracker(policy, clock=clock)
    agents = ["a1", "a2", "a3"]
    tracker.register_many(agents)
    for agent in agents:
        clock.advance(60)
        tracker.apply(Login(agent=agent, queues=("longest_idle",)))
    zones = ("Pacific/Kiritimati", "America/Los_Angeles", "UTC")
    states = []
    for state, zone in zip((tracker.state(a) for a in agents), zones, strict=True):
        since = pendulum.instance(state.occupation_since).in_timezone(zone)
        states.append(attrs.evolve(state, occupation_since=since))
    index = Index(policy)
    for state in reversed(states):
        index.update(state)
    now = clock.now()
    expected = [s.agent for s in scan(policy, states, "longest_idle", "voice", now, seed=0)]
    assert ["a1", "a2", "a3"] == expected
    assert expected == [s.agent for s in index.eligible("longest_idle", "voice", now)]
    assert expected[:2] == [s.agent for s in index.eligible("longest_idle", "voice", now,
                                                            limit=2)]


@pytest.mark.parametrize("queues", [("sales",), ("sales", "support"),
                                    ("sales", "support", "vip")])
def test_one_two_and_three_queues_paused_or_not_answer_as_the_scan(
        queues: tuple[str, ...]) -> None:
    """An agent in one, two or three queues, with one of them paused and resumed, and one or
    two chats open, is listed where the scan lists it after every step."""
    policy = attrs.evolve(basic(), queues=tuple(Queue(name=q) for q in ("sales", "support",
                                                                        "vip")))
    clock = ManualClock(SEQUENCE_START)
    tracker = Tracker(policy, clock=clock)
    tracker.register_many(AGENTS)
    check_against_scan(tracker, clock, limits=True)
    steps = [Login(agent="a1", queues=queues), Login(agent="a2", queues=("sales",)),
             PauseQueue(agent="a1", queue=queues[-1]),
             InteractionOffered(agent="a1", interaction="chat-1", channel="chat", queue=None),
             InteractionOffered(agent="a1", interaction="chat-2", channel="chat", queue=None),
             ResumeQueue(agent="a1", queue=queues[-1]),
             InteractionAnswered(agent="a1", interaction="chat-1"),
             InteractionEnded(agent="a1", interaction="chat-1"),
             InteractionRejected(agent="a1", interaction="chat-2"),
             InteractionOffered(agent="a1", interaction="call-1", queue=queues[0]),
             InteractionAnswered(agent="a1", interaction="call-1"),
             InteractionEnded(agent="a1", interaction="call-1"),
             PauseQueue(agent="a1", queue=queues[0])]
    for event in steps:
        clock.advance(1)
        tracker.apply(event)
        check_against_scan(tracker, clock, limits=True)


_PENALTIES = st.integers(MIN_SMALL, MAX_SMALL)
_SORTS = st.one_of(st.just(NEVER), st.integers(micros(MIN_INSTANT), micros(MAX_INSTANT)),
                   st.integers(MIN_SMALL, MAX_SMALL))


@settings(max_examples=300, deadline=None, database=None)
@given(a=st.tuples(_PENALTIES, _SORTS, st.text()), b=st.tuples(_PENALTIES, _SORTS, st.text()))
def test_a_heap_key_sorts_and_compares_as_its_tuple(a: tuple[int, int, str],
                                                    b: tuple[int, int, str]) -> None:
    """``(penalty, sort, agent)`` written as a key string orders two agents as the tuples
    do, is equal only for equal tuples, and gives the agent back."""
    key_a, key_b = _key_text(*a), _key_text(*b)
    assert (a < b, a == b) == (key_a < key_b, key_a == key_b)
    assert a[2] == key_a[_AGENT_AT:]


_EDGES = st.sampled_from([2**31 - 1, 2**31, -(2**31), -(2**31) - 1, 2**63 - 1, 2**63,
                          -(2**63), -(2**63) - 1, 2**100, -(2**100), 16**40, -(16**40)])
_ANY = st.one_of(st.integers(), _EDGES, _PENALTIES)


@settings(max_examples=500, deadline=None, database=None)
@given(a=st.tuples(_ANY, _ANY, st.text()), b=st.tuples(_ANY, _ANY, st.text()))
def test_a_heap_key_of_any_integers_sorts_as_its_tuple(a: tuple[int, int, str],
                                                       b: tuple[int, int, str]) -> None:
    """A penalty or sort value outside 32 or 64 bits (a host's store may hand back any
    integer) still gives a key that orders two agents as the tuples do, is equal only for
    equal tuples, and gives the agent back."""
    key_a, key_b = _key_text(*a), _key_text(*b)
    assert (a < b, a == b) == (key_a < key_b, key_a == key_b)
    assert a[2] == _agent_of(key_a)


@pytest.mark.parametrize(("queue", "a2", "a3"), [
    ("longest_idle", {"penalty": 2**31}, {}),
    ("longest_idle", {"penalty": 2**100}, {"penalty": 2**31 - 1}),
    ("longest_idle", {"penalty": -(2**31) - 1}, {"penalty": -(2**31) - 2}),
    ("linear", {"position": 2**65}, {"penalty": 1}),
    ("linear", {"position": -(2**63) - 1}, {"position": -(2**70)}),
    ("linear", {"penalty": -(2**70)}, {"penalty": -(2**31)}),
])
def test_a_state_with_a_value_out_of_range_is_listed_as_the_scan_lists_it(
        queue: str, a2: dict[str, int], a3: dict[str, int]) -> None:
    """Agents whose states (from a host's own store) hold a penalty or position that no
    event would accept are still eligible where the scan finds them, in the scan's order."""
    policy = every_strategy()
    clock = ManualClock(SEQUENCE_START)
    tracker = Tracker(policy, clock=clock)
    tracker.register_many(AGENTS)
    for agent in AGENTS:
        clock.advance(1)
        tracker.apply(Login(agent=agent, queues=(queue,)))
    states = []
    for agent, changes in zip(AGENTS, ({}, a2, a3), strict=True):
        state = tracker.state(agent)
        member = attrs.evolve(state.memberships[0], **changes)
        states.append(attrs.evolve(state, memberships=(member,)))
    now = clock.now()
    index = Index(policy)
    index.eligible(queue, "voice", now, limit=1)  # the pair's heap, then the updates
    for state in states:
        index.update(state)
    expected = [s.agent for s in scan(policy, states, queue, "voice", now, seed=0)]
    assert 3 == len(expected)
    assert expected == [s.agent for s in index.eligible(queue, "voice", now, limit=3)]
    fresh = Index(policy)
    for state in states:
        fresh.update(state)
    assert expected == [s.agent for s in fresh.eligible(queue, "voice", now, limit=3)]
