"""Positional builders: the same instances as the constructors, and never a skipped check."""

from __future__ import annotations

from typing import Any

import attrs
import pendulum
import pytest

from agentstate import Actor, Direction, Login, Role
from agentstate._builders import positional
from agentstate._state import (
    AgentState,
    Change,
    Interaction,
    InteractionState,
    Membership,
    Occupation,
    build_change,
    build_state,
)

AT = pendulum.datetime(2026, 1, 5, 9)


def test_builds_what_the_constructor_builds() -> None:
    """Every field given positionally gives an equal instance of the same type and hash."""
    values = {"id": "c1", "channel": "voice", "queue": "sales",
              "state": InteractionState.OFFERED, "since": AT, "direction": Direction.QUEUE}
    built = positional(Interaction)(*values.values())
    assert Interaction(**values) == built
    assert Interaction is type(built)
    assert hash(Interaction(**values)) == hash(built)


def test_trailing_defaults_may_be_left_out() -> None:
    """Fields with defaults after the last required one take their defaults."""
    assert Membership(queue="sales") == positional(Membership)("sales")
    expected = AgentState(agent="ana", version=1, status="logged_out", reason=None, since=AT,
                          occupation=Occupation.IDLE, occupation_since=AT, updated_at=AT)
    assert expected == build_state("ana", 1, "logged_out", None, AT, Occupation.IDLE, AT, AT)


def test_the_hot_path_builders_follow_the_declared_fields() -> None:
    """The state's and change's builders take exactly their classes' fields, in order."""
    names = [f.name for f in attrs.fields(Change)]
    values: list[Any] = ["ana", 2, AT, Actor(Role.AGENT, "ana"), Login(agent="ana"), "logged_out",
              "available", None, None, Occupation.IDLE, Occupation.IDLE, "e1", "why", ("x",)]
    assert Change(**dict(zip(names, values, strict=True))) == build_change(*values)
    with pytest.raises(TypeError):
        build_change(*values, "one too many")


def test_built_instances_stay_frozen() -> None:
    """Building positionally does not make the instance mutable."""
    member = positional(Membership)("sales")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        member.penalty = 3  # type: ignore[misc]


def test_refuses_classes_with_validators_or_converters() -> None:
    """A class whose constructor checks or converts a value is refused: nothing is skipped."""

    @attrs.frozen
    class Checked:
        n: int = attrs.field(validator=attrs.validators.instance_of(int))

    @attrs.frozen
    class Converted:
        n: int = attrs.field(converter=int)

    for cls in (Checked, Converted, Login, Actor):
        with pytest.raises(TypeError, match="validator or converter"):
            positional(cls)


def test_refuses_hooks_factories_and_classes_without_exact_slots() -> None:
    """on_setattr and post-init hooks, default factories, dict classes: all refused."""

    @attrs.define
    class Hooked:
        n: int = attrs.field(on_setattr=attrs.setters.frozen)

    @attrs.frozen
    class PostInit:
        n: int

        def __attrs_post_init__(self) -> None:
            pass

    @attrs.frozen(slots=False)
    class NoSlots:
        n: int

    @attrs.frozen(cache_hash=True)
    class CachedHash:
        n: int

    @attrs.frozen
    class Factory:
        items: list[int] = attrs.field(factory=list)

    expected = {Hooked: "on_setattr", PostInit: "__attrs_post_init__", NoSlots: "slots",
                CachedHash: "slots", Factory: "factory", int: "not an attrs class"}
    for cls, why in expected.items():
        with pytest.raises(TypeError, match=why):
            positional(cls)
