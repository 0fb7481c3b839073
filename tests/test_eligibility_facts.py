"""An agent's eligibility facts (what SQLite and PostgreSQL keep beside its state) say what
``blocker`` says: ``facts`` reads the index's split of the rule, ``reference_facts`` asks
``blocker`` for every queue and channel, and the two agree after every event of valid streams
on every preset."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentstate import AgentState, ChannelSetting, Login, ManualClock, Tracker
from agentstate._eligibility import EligibilityFact, facts, reference_facts
from agentstate.presets import basic
from agentstate.testing import SEQUENCE_START, valid_sequences

from .test_eligibility_index import AGENTS, POLICIES


@pytest.mark.parametrize("name", sorted(POLICIES))
@settings(max_examples=30, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_facts_say_what_blocker_says_after_every_event(name: str, data: st.DataObject) -> None:
    """After each event of a valid stream, every agent's facts equal the reference facts
    computed with ``blocker`` for every queue and channel."""
    policy = POLICIES[name]()
    events = data.draw(valid_sequences(policy, AGENTS, max_size=25, max_gap=60))
    clock = ManualClock(SEQUENCE_START)
    tracker = Tracker(policy, clock=clock)
    tracker.register_many(AGENTS)
    for event in events:
        assert event.at is not None
        clock.set(event.at)
        tracker.apply(event)
        for agent in AGENTS:
            state = tracker.state(agent)
            assert reference_facts(policy, state) == facts(policy, state)


def test_facts_are_eligibility_facts_built_as_the_constructor_builds_them() -> None:
    """The facts are ``EligibilityFact`` values, equal (and hashing equal) to those the
    keyword constructor builds, one per membership and channel, in that order."""
    policy = basic()
    clock = ManualClock(SEQUENCE_START)
    tracker = Tracker(policy, clock=clock)
    tracker.register("a1")
    tracker.apply(Login(agent="a1", queues=("sales", "support")))
    state = tracker.state("a1")
    found = facts(policy, state)
    expected = reference_facts(policy, state)
    assert [type(f) for f in expected] == [type(f) for f in found]
    assert [hash(f) for f in expected] == [hash(f) for f in found]
    assert [(m.queue, c.name) for m in state.memberships for c in policy.channels] == [
        (f.queue, f.channel) for f in found]
    assert all(isinstance(f, EligibilityFact) for f in found)
    assert [attrs.asdict(f) for f in expected] == [attrs.asdict(f) for f in found]


def test_a_channel_switched_off_is_not_eligible_in_the_facts() -> None:
    """A channel the agent switched off reads ineligible, the others eligible, as ``blocker``
    says."""
    policy = basic()
    state = attrs.evolve(_logged_in(),
                         channels=(ChannelSetting(channel=policy.channels[0].name,
                                                  enabled=False),))
    assert reference_facts(policy, state) == facts(policy, state)
    assert [False, True] == [f.eligible for f in facts(policy, state)]


def _logged_in() -> AgentState:
    """An agent logged in to queue sales under the basic preset."""
    clock = ManualClock(SEQUENCE_START)
    tracker = Tracker(basic(), clock=clock)
    tracker.register("a1")
    tracker.apply(Login(agent="a1", queues=("sales",)))
    return tracker.state("a1")
