"""The hot path: the values the rules build quickly are the values their constructors build."""

from __future__ import annotations

import copy
import pickle
import weakref

import attrs
import pendulum
import pytest

from agentstate import Direction
from agentstate._builders import _layout, positional
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
