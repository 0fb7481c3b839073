"""Every event field is checked when the event is built, against its type and the input limits
(issue 19, points 5, 6 and 8): a wrong value raises a typed agentstate error naming the field,
and never reaches a store."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import attrs
import pytest

from agentstate import (
    Actor,
    AgentStateError,
    ClockError,
    Configure,
    Event,
    ForceStatus,
    InteractionOffered,
    InteractionRejected,
    InvalidField,
    InvalidTime,
    JoinQueue,
    Login,
    Register,
    Role,
    SetChannel,
    SetStatus,
    TimerFired,
)
from agentstate._codec import event_classes
from agentstate._limits import MAX_NAME, MAX_QUEUES, MAX_SMALL, MAX_VERSION, MIN_SMALL

PLUS_14 = timezone(timedelta(hours=14))


def refused(build: Any) -> InvalidField:
    with pytest.raises(InvalidField) as caught:
        build()
    return caught.value


# -- the reproductions of point 5 ---------------------------------------------------------------


def test_a_string_is_not_a_list_of_queues() -> None:
    """Login(queues="sales") is refused, not read as the queues s, a, l, e."""
    error = refused(lambda: Login(agent="ana", queues="sales"))
    assert ("Login", "queues", "sales") == (error.owner, error.field, error.received)


def test_queues_may_be_any_iterable_of_names() -> None:
    """A list, a tuple or a generator of queue names is kept as a tuple."""
    expected = ("sales", "support")
    assert expected == Login(agent="ana", queues=["sales", "support"]).queues
    assert expected == Login(agent="ana", queues=(q for q in expected)).queues


@pytest.mark.parametrize("field", ["at", "actor"])
def test_a_string_time_or_actor_is_refused_when_built(field: str) -> None:
    """A str `at` or `actor` is refused when the event is built, not inside apply()."""
    error = refused(lambda: SetStatus(agent="ana", status="lunch", **{field: "2026-01-05"}))
    assert (field, "2026-01-05") == (error.field, error.received)


@pytest.mark.parametrize(("build", "field"), [
    (lambda: JoinQueue(agent="ana", queue="sales", penalty="high"), "penalty"),
    (lambda: JoinQueue(agent="ana", queue="sales", position=1.5), "position"),
    (lambda: SetChannel(agent="ana", channel="chat", enabled=0), "enabled"),
    (lambda: SetChannel(agent="ana", channel="chat", capacity=True), "capacity"),
    (lambda: Login(agent="ana", device=5), "device"),
    (lambda: InteractionRejected(agent="ana", interaction="c1", busy="yes"), "busy"),
    (lambda: Configure(agent="ana", wrap_up="timed"), "wrap_up"),
    (lambda: SetStatus(agent="ana", status="lunch", reason=3), "reason"),
    (lambda: InteractionOffered(agent="ana", interaction="c1", channel=None), "channel"),
    (lambda: Register(agent="ana", expected_version="1"), "expected_version"),
    (lambda: Register(agent="ana", expected_version=-1), "expected_version"),
    (lambda: TimerFired(agent="ana", timer="offer", ref=7), "ref"),
])
def test_what_memory_store_used_to_keep_is_refused_by_every_store(build: Any, field: str
                                                                   ) -> None:
    """Values the SQL stores refused and MemoryStore kept are refused when built."""
    assert field == refused(build).field


def test_the_error_says_what_was_expected_and_received() -> None:
    """The message names the class and field, what it takes and what it got."""
    error = refused(lambda: JoinQueue(agent="ana", queue="sales", penalty="high"))
    expected = (f"JoinQueue.penalty refused: expected an int from {MIN_SMALL:,} to "
                f"{MAX_SMALL:,}; received 'high': it is of type str")
    assert expected == str(error)


def test_invalid_field_is_a_type_error_and_a_value_error() -> None:
    """InvalidField subclasses what attrs' validators raised, so old handlers still catch it."""
    assert issubclass(InvalidField, TypeError)
    assert issubclass(InvalidField, ValueError)
    assert issubclass(InvalidField, AgentStateError)


def test_actor_checks_its_role_and_id() -> None:
    """An unknown role or a non-name id is refused with InvalidField, not a raw ValueError."""
    assert "role" == refused(lambda: Actor(role="boss")).field
    assert "id" == refused(lambda: Actor(Role.SUPERVISOR, 5)).field  # type: ignore[arg-type]
    assert Actor(Role.SUPERVISOR, "sam") == Actor("supervisor", "sam")


def test_supervisor_events_still_require_an_actor() -> None:
    """ForceStatus without an actor is refused, naming the field."""
    error = refused(lambda: ForceStatus(agent="ana", status="lunch"))
    assert ("actor", "it is missing") == (error.field, error.why)


# -- the limits of point 6 ----------------------------------------------------------------------


@pytest.mark.parametrize(("name", "why"), [
    ("", "it is empty"),
    ("a" * (MAX_NAME + 1), f"it has {MAX_NAME + 1:,} characters"),
    ("ana\x00", "it contains U+0000"),
    ("ana\ud800", "it contains a lone surrogate (not encodable as UTF-8)"),
])
def test_names_beyond_the_limits_are_refused(name: str, why: str) -> None:
    """Empty, too long, U+0000 and lone surrogates are refused in every name field."""
    assert why == refused(lambda: Register(agent=name)).why
    assert why == refused(lambda: Register(agent="ana", event_id=name)).why
    assert why == refused(lambda: Login(agent="ana", queues=["sales", name])).why.split(": ")[-1]


def test_names_at_the_limit_are_accepted() -> None:
    """A name of MAX_NAME characters, in any script, emoji and controls included, is fine."""
    name = "é" * (MAX_NAME - 3) + "\U0001f600\t\u200d"
    assert name == Register(agent=name).agent


def test_a_str_subclass_is_refused_as_the_sql_stores_did() -> None:
    """A str subclass (a StrEnum) is refused: every store keeps exactly a str."""
    class Name(str):
        pass

    assert "it is of type Name, a subclass of str (convert it with str())" == refused(
        lambda: Register(agent=Name("ana"))).why


@pytest.mark.parametrize(("field", "low", "high"), [
    ("penalty", MIN_SMALL, MAX_SMALL),
    ("position", MIN_SMALL, MAX_SMALL),
])
def test_small_integers_are_32_bit(field: str, low: int, high: int) -> None:
    """Penalty and position take 32-bit signed integers, and no more."""
    for value in (low, high):
        assert value == getattr(JoinQueue(agent="a", queue="q", **{field: value}), field)
    for value in (low - 1, high + 1, 2**63):
        with pytest.raises(InvalidField, match="it is out of range"):
            JoinQueue(agent="a", queue="q", **{field: value})


def test_expected_version_is_64_bit_and_not_negative() -> None:
    """expected_version takes 0 to 2**63 - 1."""
    assert MAX_VERSION == Register(agent="a", expected_version=MAX_VERSION).expected_version
    assert "it is out of range" == refused(
        lambda: Register(agent="a", expected_version=2**63)).why


def test_too_many_queues_are_refused_without_reading_them_all() -> None:
    """A login names at most MAX_QUEUES queues; an endless iterable is refused, not read."""
    def endless() -> Any:
        while True:
            yield "sales"

    assert f"it has more than {MAX_QUEUES:,}" == refused(
        lambda: Login(agent="ana", queues=endless())).why


def test_long_values_are_cut_in_messages() -> None:
    """A 300k-character name gives a short message."""
    error = refused(lambda: Register(agent="x" * 300_000))
    assert len(str(error)) < 300


# -- instants (point 8) -------------------------------------------------------------------------


@pytest.mark.parametrize("at", [
    datetime.min.replace(tzinfo=PLUS_14),
    datetime.max.replace(tzinfo=timezone(timedelta(hours=-14))),
    datetime(1899, 12, 31, 23, tzinfo=timezone.utc),
    datetime(2026, 1, 5, 9),
])
def test_an_instant_out_of_range_or_naive_is_one_clock_error(at: datetime) -> None:
    """An `at` that is naive or out of range raises InvalidTime, which is a ClockError."""
    with pytest.raises(InvalidTime) as caught:
        SetStatus(agent="ana", status="lunch", at=at)
    assert isinstance(caught.value, ClockError)
    assert "at" == caught.value.field


# -- the whole class: every field of every event kind -------------------------------------------


def test_every_field_of_every_event_is_checked() -> None:
    """For every event class and every field, an object() is refused with InvalidField
    naming that field (so a field added later cannot skip its check)."""
    unchecked = []
    for cls in sorted(event_classes().values(), key=lambda c: c.__name__):
        base: dict[str, Any] = {"agent": "ana", "actor": Actor.supervisor("sam")}
        for field in attrs.fields(cls):
            if field.default is attrs.NOTHING and field.name not in base:
                base[field.name] = "x"
        cls(**base)  # the base is valid
        for field in attrs.fields(cls):
            try:
                cls(**{**base, field.name: object()})
            except InvalidField as error:
                found = (error.owner, error.field)
            else:
                found = None
            if found != (cls.__name__, field.name):
                unchecked.append(f"{cls.__name__}.{field.name}")
    assert [] == unchecked
    assert issubclass(Login, Event)
