"""Every event field is checked when the event is built, against its type and the input limits
(issue 19, points 5, 6 and 8): a wrong value raises a typed agentstate error naming the field,
and never reaches a store."""

from __future__ import annotations

import enum
import itertools
import math
import os
import typing
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import attrs
import pytest

from agentstate import (
    Actor,
    AgentStateError,
    ClockError,
    Configure,
    Event,
    EventIdReused,
    ForceLogout,
    ForceStatus,
    InteractionOffered,
    InteractionRejected,
    InvalidField,
    InvalidTime,
    JoinQueue,
    Login,
    Logout,
    ManualClock,
    MemoryStore,
    NotPermitted,
    Register,
    Role,
    SetChannel,
    SetStatus,
    SQLiteStore,
    TimerFired,
    Tracker,
)
from agentstate._codec import event_classes
from agentstate._limits import (
    MAX_INSTANT,
    MAX_NAME,
    MAX_QUEUES,
    MAX_SMALL,
    MAX_VERSION,
    MIN_SMALL,
)
from agentstate.presets import basic
from tests import _pg

PLUS_14 = timezone(timedelta(hours=14))
_SCHEMAS = itertools.count()


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
    """ForceStatus and ForceLogout have no default actor (least privilege, issue 14): built
    without one, they are refused with NotPermitted when applied, and nothing changes; an actor
    that is not an Actor is refused when built."""
    tracker = Tracker(basic(), clock=ManualClock())
    tracker.register("ana")
    tracker.apply(Login(agent="ana"))
    before = (tracker.state("ana"), tracker.history("ana"))
    for event in (ForceStatus(agent="ana", status="lunch"), ForceLogout(agent="ana")):
        with pytest.raises(NotPermitted, match="has no default actor"):
            tracker.apply(event)
    assert before == (tracker.state("ana"), tracker.history("ana"))
    assert "actor" == refused(lambda: ForceStatus(agent="ana", status="lunch",
                                                  actor="sam")).field  # type: ignore[arg-type]


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
        hints = typing.get_type_hints(cls)
        for field in attrs.fields(cls):
            if field.default is attrs.NOTHING and field.name not in base:
                kind = hints[field.name]
                enum_type = isinstance(kind, type) and issubclass(kind, enum.Enum)
                base[field.name] = next(iter(kind)) if enum_type else "x"
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


# -- clock edges (point 8) ----------------------------------------------------------------------


class NaiveClock:
    """A host clock that forgot the time zone."""

    def now(self) -> datetime:
        return datetime(2026, 1, 5, 9)


@pytest.mark.parametrize("ask", [
    lambda t: t.apply(SetStatus(agent="ana", status="lunch")),
    lambda t: t.apply(SetStatus(agent="ana", status="lunch",
                                at=datetime(2026, 1, 5, 8, tzinfo=timezone.utc))),
    lambda t: t.ledger("ana"),
    lambda t: t.counters("ana"),
    lambda t: t.state("ana"),
    lambda t: t.history("ana"),
    lambda t: t.eligible("sales"),
    lambda t: t.fire_due(),
])
def test_a_naive_clock_is_a_clock_error_from_every_call(ask: Any) -> None:
    """A host clock returning naive datetimes gives ClockError from apply() and every
    question alike (ledger() and counters() gave TypeError)."""
    store = MemoryStore()
    Tracker(basic(), store=store, clock=ManualClock()).register("ana")
    tracker = Tracker(basic(), store=store, clock=NaiveClock())  # type: ignore[arg-type]
    with pytest.raises(ClockError, match="has no time zone"):
        ask(tracker)


def test_the_tracker_still_shows_the_hosts_clock() -> None:
    """Tracker.clock is the clock the host gave, not the checking wrapper."""
    clock = NaiveClock()
    assert clock is Tracker(basic(), clock=clock).clock  # type: ignore[arg-type]


@pytest.mark.parametrize("amount", [math.nan, math.inf, -math.inf, 1e20, 10**400, "5", True])
def test_advancing_by_a_bad_amount_is_a_clock_error(amount: Any) -> None:
    """ManualClock.advance(nan), advance(1e20)... raise ClockError and the clock stays."""
    clock = ManualClock()
    before = clock.now()
    with pytest.raises(ClockError):
        clock.advance(amount)
    assert before == clock.now()


@pytest.mark.parametrize("instant", [
    datetime.min.replace(tzinfo=PLUS_14),
    datetime.max.replace(tzinfo=timezone.utc),
    datetime(1899, 1, 1, tzinfo=timezone.utc),
])
def test_a_manual_clock_refuses_instants_beyond_the_limits(instant: datetime) -> None:
    """Starting or setting a ManualClock beyond the supported instants is a ClockError."""
    with pytest.raises(ClockError):
        ManualClock(instant)
    with pytest.raises(ClockError):
        ManualClock(datetime(1950, 1, 1, tzinfo=timezone.utc)).set(instant)


def test_a_manual_clock_stops_at_the_last_instant() -> None:
    """Advancing past the latest supported instant is refused."""
    clock = ManualClock(MAX_INSTANT - timedelta(seconds=1))
    assert MAX_INSTANT == clock.advance(1)
    with pytest.raises(ClockError):
        clock.advance(1)


# -- the same event id with another payload (point 10) ------------------------------------------


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    if request.param == "memory":
        yield MemoryStore()
    elif request.param == "sqlite":
        with SQLiteStore(tmp_path / "agents.db") as sqlite:
            yield sqlite
    else:
        from agentstate import PostgresStore

        with PostgresStore(_pg.require().conninfo,
                           schema=f"v_{os.getpid()}_{next(_SCHEMAS)}") as postgres:
            yield postgres


def test_the_same_event_again_is_a_duplicate(store: Any) -> None:
    """The same event under its id, delivered again (with the default actor spelled out, or
    stamped by the host this time), is answered as a duplicate."""
    clock = ManualClock()
    tracker = Tracker(basic(), store=store, clock=clock)
    tracker.register("ana")
    tracker.apply(Login(agent="ana", queues=["sales"]))
    first = tracker.apply(SetStatus(agent="ana", status="lunch", event_id="e1"))
    clock.advance(5)
    for again in (SetStatus(agent="ana", status="lunch", event_id="e1"),
                  SetStatus(agent="ana", status="lunch", event_id="e1",
                            actor=Actor.agent("ana")),
                  SetStatus(agent="ana", status="lunch", event_id="e1", at=clock.now())):
        result = tracker.apply(again)
        assert (True, first.changes) == (result.duplicate, tuple(result.changes))


@pytest.mark.parametrize("other", [
    SetStatus(agent="ana", status="offline", event_id="e1"),
    SetStatus(agent="ana", status="lunch", reason="lunch", event_id="e1"),
    SetStatus(agent="ana", status="lunch", event_id="e1", actor=Actor.supervisor("sam")),
    Logout(agent="ana", event_id="e1"),
    SetStatus(agent="ana", status="lunch", event_id="e1",
              at=datetime(2026, 1, 5, 8, 59, tzinfo=timezone.utc)),
], ids=["status", "reason", "actor", "kind", "at"])
def test_another_event_under_a_used_id_is_refused(store: Any, other: Event) -> None:
    """A different event under a used id raises EventIdReused, and nothing changes."""
    clock = ManualClock()
    tracker = Tracker(basic(), store=store, clock=clock)
    tracker.register("ana", at=datetime(2026, 1, 5, 8, 58, tzinfo=timezone.utc))
    tracker.apply(Login(agent="ana", at=datetime(2026, 1, 5, 8, 58, tzinfo=timezone.utc)))
    tracker.apply(SetStatus(agent="ana", status="lunch", event_id="e1",
                            at=datetime(2026, 1, 5, 9, tzinfo=timezone.utc)))
    before = (tracker.state("ana"), list(tracker.history("ana")))
    with pytest.raises(EventIdReused) as caught:
        tracker.apply(other)
    assert ("e1", "lunch") == (caught.value.event_id, caught.value.original.status)
    assert before == (tracker.state("ana"), list(tracker.history("ana")))


# -- public helpers refuse bad input with agentstate's errors -----------------------------------


def test_replay_refuses_a_history_without_its_registration() -> None:
    """agentstate.replay of no change, or of a history cut after the registration, is an
    InvalidEvent (still a ValueError), never a bare ValueError."""
    from agentstate import InvalidEvent, replay

    tracker = Tracker(basic(), clock=ManualClock())
    tracker.register("ana")
    tracker.apply(Login(agent="ana"))
    with pytest.raises(InvalidEvent, match="at least one change"):
        replay(basic(), [])
    with pytest.raises(InvalidEvent, match="from the agent's registration"):
        replay(basic(), tracker.history("ana")[1:])
    assert tracker.state("ana") == replay(basic(), tracker.history("ana"))


def test_simulate_floor_needs_a_manual_clock() -> None:
    """simulate_floor drives the clock itself: another clock is a ClockError."""
    from agentstate import SystemClock
    from agentstate.simulation import simulate_floor

    with pytest.raises(ClockError, match="needs a ManualClock, got SystemClock"):
        simulate_floor(Tracker(basic(), clock=SystemClock()), agents=1)


def test_a_postgres_store_needs_a_schema_name() -> None:
    """PostgresStore(schema="") is a StoreError before any connection."""
    pytest.importorskip("psycopg")
    from agentstate import PostgresStore, StoreError

    with pytest.raises(StoreError, match="schema must be a non-empty name"):
        PostgresStore("host=127.0.0.1", schema="")
