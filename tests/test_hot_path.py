"""The hot path: the values the rules build quickly are the values their constructors build."""

from __future__ import annotations

import copy
import pickle
import weakref
from datetime import datetime
from typing import Any

import attrs
import pendulum
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentstate import (
    AgentStateError,
    ConflictError,
    Direction,
    Event,
    InvalidEvent,
    ManualClock,
    Policy,
    Role,
    Tracker,
    _rules,
)
from agentstate._builders import _layout, positional
from agentstate._draft import Draft, check_report
from agentstate._names import check_event
from agentstate._state import (
    AgentState,
    Change,
    Interaction,
    InteractionState,
    Membership,
    Occupation,
    Result,
    build_state,
)
from agentstate._time import to_utc
from agentstate.presets import PRESETS
from agentstate.testing import SEQUENCE_START, events_for, valid_sequences

AT = pendulum.datetime(2026, 1, 5, 9)


def test_the_hot_path_classes_are_built_through_their_layouts() -> None:
    """AgentState, Change, Result, Interaction and Membership each declare their slots in a
    plain layout base, so the rules fill them with plain stores."""
    for cls in (AgentState, Change, Result, Interaction, Membership):
        names = [f.name for f in attrs.fields(cls)]
        assert _layout(cls, names) is cls.__mro__[1]


def test_a_value_built_through_its_layout_is_the_constructors_value() -> None:
    """Same type, equal, same hash, same repr: nothing tells them apart."""
    built = build_state("ana", 1, "logged_out", None, AT, Occupation.IDLE, AT, AT)
    expected = AgentState(agent="ana", version=1, status="logged_out", reason=None, since=AT,
                          occupation=Occupation.IDLE, occupation_since=AT, updated_at=AT)
    assert (AgentState, expected, hash(expected), repr(expected)) == (
        type(built), built, hash(built), repr(built))


def test_a_value_built_through_its_layout_stays_frozen_and_ordinary() -> None:
    """It refuses assignment, and copies, pickles, evolves and weak-references as any other."""
    built = positional(Interaction)("c1", "voice", "sales", InteractionState.OFFERED, AT,
                                    Direction.QUEUE)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        built.channel = "chat"  # type: ignore[misc]
    assert built == copy.copy(built) == pickle.loads(pickle.dumps(built))
    assert "chat" == attrs.evolve(built, channel="chat").channel
    assert built is weakref.ref(built)()


def test_a_class_that_adds_slots_to_its_base_is_built_through_descriptors() -> None:
    """Without a plain base holding exactly its slots, a class takes the descriptor path."""

    class Base:
        __slots__ = ("n",)

    @attrs.frozen
    class Extra(Base):
        n: int
        m: int

    assert _layout(Extra, ["n", "m"]) is None
    assert Extra(n=1, m=2) == positional(Extra)(1, 2)


# -- step against the reference: the handler table read per kind, as it was before the table
#    of kinds (_KINDS) spelt out each kind's checks ---------------------------------------------


def _reference_step(policy: Policy, state: AgentState, event: Event, at: datetime
                    ) -> tuple[AgentState, Change]:
    """step as it reads without the table of kinds: every check run for every event."""
    try:
        handler, roles = _rules._HANDLERS[type(event)]
    except KeyError:
        raise InvalidEvent(agent=state.agent, event=event,
                           why=f"{type(event).__name__} is not an event agentstate applies "
                               "to a registered agent") from None
    actor = _rules._resolve(event, roles, state.agent)
    if type(event) in _rules._REPORTS and actor.role is not Role.SYSTEM:
        check_report(state, event, actor)
    if event.expected_version is not None and event.expected_version != state.version:
        raise ConflictError(agent=state.agent, expected=event.expected_version,
                            actual=state.version)
    check_event(policy, event)
    draft = Draft(state)
    handler(policy, state, draft, event, at, actor)
    return _rules._finish(policy, state, draft, event, at, actor)


def _outcome(step: Any, policy: Policy, state: AgentState, event: Event, at: datetime
             ) -> tuple[Any, ...]:
    try:
        return ("accepted", *step(policy, state, event, at))
    except AgentStateError as error:
        return ("refused", type(error), str(error))


@pytest.mark.parametrize("name", sorted(PRESETS))
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_step_decides_every_event_as_the_reference(name: str, data: st.DataObject) -> None:
    """On random valid streams of every preset, and one random event after each, step
    accepts what the reference accepts, with the same state and change, and refuses what it
    refuses, with the same error."""
    policy = PRESETS[name]()
    agents = ("a1", "a2")
    events = data.draw(valid_sequences(policy, agents, max_size=15))
    clock = ManualClock(SEQUENCE_START)
    tracker = Tracker(policy, clock=clock)
    tracker.register_many(agents)
    for event in events:
        assert event.at is not None
        clock.set(event.at)
        state = tracker.state(event.agent)
        expected = _outcome(_reference_step, policy, state, event, to_utc(event.at))
        assert expected == _outcome(_rules.step, policy, state, event, to_utc(event.at))
        other = attrs.evolve(data.draw(events_for(policy, agents)), agent=event.agent,
                             at=event.at)
        expected = _outcome(_reference_step, policy, state, other, to_utc(event.at))
        assert expected == _outcome(_rules.step, policy, state, other, to_utc(event.at))
        tracker.apply(event)
