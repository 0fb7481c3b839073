"""Events built from arbitrary values, applied to every store (issue 19, acceptance).

For every field of every event kind, hypothesis draws either a plausible value (a known agent,
status, queue...) or an arbitrary one (any type, empty, too long, U+0000, lone surrogates, huge
integers, naive or out-of-range times). Then:

- building the event raises nothing but agentstate's errors;
- applying it to a :class:`MemoryStore`, a :class:`SQLiteStore` on a temporary file and a
  :class:`PostgresStore` (``tests/_pg.py``) raises nothing but agentstate's errors, and gives the
  same outcome on every store (the same changes, or the same error);
- an event refused leaves every agent's state and history exactly as they were.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import event as label
from hypothesis import given, settings
from hypothesis import strategies as st

from agentstate import (
    Actor,
    AgentStateError,
    Event,
    Login,
    ManualClock,
    MemoryStore,
    Role,
    SQLiteStore,
    Tracker,
    WrapUp,
    WrapUpMode,
)
from agentstate._codec import event_classes
from agentstate._limits import MAX_NAME, MAX_SMALL, MAX_VERSION, MIN_SMALL
from agentstate.presets import basic
from tests import _pg

AGENTS = ("ana", "bob")
START = datetime(2026, 1, 5, 9, tzinfo=timezone.utc)
POLICY = basic()

# -- values ---------------------------------------------------------------------------------------

BAD_NAMES = st.sampled_from(["", "a" * (MAX_NAME + 1), "ana\x00", "ana\ud800", "\udfff",
                             "x" * 10_000])
ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=8)
ANY_INT = st.one_of(st.integers(), st.sampled_from([MIN_SMALL - 1, MAX_SMALL + 1, 2**63,
                                                    -(2**63) - 1, MAX_VERSION, -1, 0]))
ZONES = [None, timezone.utc, timezone(timedelta(hours=14)), timezone(timedelta(hours=-14)),
         timezone(timedelta(hours=5, minutes=30))]
ANY_TIME = st.one_of(
    st.datetimes(timezones=st.sampled_from(ZONES)),
    st.sampled_from([datetime.min.replace(tzinfo=ZONES[2]),
                     datetime.max.replace(tzinfo=ZONES[3])]),
    st.integers(-3600, 3600).map(lambda s: START + timedelta(seconds=s)),
)
ANYTHING = st.one_of(
    st.none(), st.booleans(), ANY_INT, st.floats(), ANY_TEXT, BAD_NAMES, ANY_TIME,
    st.binary(max_size=4), st.lists(st.sampled_from(["sales", "support"]), max_size=2),
    st.just(object()), st.just(Role.AGENT), st.just(WrapUp()),
)
"""A value of any kind, for any field."""


def _actor(role: Any, id: Any) -> Any:
    """An Actor from arbitrary values, or the agentstate error building it (then itself an
    arbitrary value for the event's ``actor``)."""
    try:
        return Actor(role, id)
    except AgentStateError as error:
        return error


NAMES = st.sampled_from([*AGENTS, "available", "break", "lunch", "offline", "logged_out",
                         "coffee", "personal", "voice", "chat", "sales", "support", "c1", "c2",
                         "offer", "wrap_up", "Europe/Berlin", "Mars/Olympus", "e1", "e2"])
PLAUSIBLE: dict[str, st.SearchStrategy[Any]] = {
    "agent": st.sampled_from(AGENTS),
    "at": st.one_of(st.none(), st.integers(-60, 600).map(
        lambda s: START + timedelta(seconds=s))),
    "event_id": st.one_of(st.none(), st.sampled_from(["e1", "e2"])),
    "actor": st.one_of(st.none(), st.sampled_from([
        Actor.agent("ana"), Actor.agent("bob"), Actor.supervisor("sam"), Actor.system()]),
        st.builds(_actor, role=st.one_of(st.sampled_from(Role), ANYTHING),
                  id=st.one_of(st.none(), NAMES, ANYTHING))),
    "expected_version": st.one_of(st.none(), st.integers(0, 6)),
    "queues": st.one_of(st.lists(st.sampled_from(["sales", "support"]), max_size=2),
                        st.lists(st.one_of(NAMES, ANYTHING), max_size=2)),
    "status": st.sampled_from(["available", "break", "lunch", "offline", "logged_out"]),
    "reason": st.one_of(st.none(), st.sampled_from(["coffee", "personal", "lunch"])),
    "channel": st.sampled_from(["voice", "chat"]),
    "queue": st.one_of(st.none(), st.sampled_from(["sales", "support"])),
    "interaction": st.sampled_from(["c1", "c2"]),
    "penalty": st.integers(-2, 2),
    "position": st.integers(-2, 2),
    "capacity": st.one_of(st.none(), st.integers(-1, 4)),
    "enabled": st.one_of(st.none(), st.booleans()),
    "busy": st.booleans(),
    "wrap_up": st.one_of(st.none(), st.builds(WrapUp, mode=st.sampled_from(WrapUpMode),
                                              length=st.integers(0, 120))),
    "timezone": st.one_of(st.none(), st.sampled_from(["Europe/Berlin", "Mars/Olympus"])),
    "timer": st.sampled_from(["wrap_up", "delay", "offer", "pause_limit"]),
    "ref": st.one_of(st.none(), st.sampled_from(["c1", "c2"])),
}
"""A value that may well be accepted, per field name."""

CLASSES = sorted(event_classes().values(), key=lambda cls: cls.__name__)


@st.composite
def events(draw: st.DrawFn) -> Event | AgentStateError:
    """An event of any kind from plausible or arbitrary values, or the error building it."""
    cls = draw(st.sampled_from(CLASSES))
    values: dict[str, Any] = {}
    for field in attrs.fields(cls):
        plausible = PLAUSIBLE.get(field.name, NAMES)
        if draw(st.integers(0, 19)) == 0:
            values[field.name] = draw(ANYTHING)
        elif field.default is attrs.NOTHING or draw(st.booleans()):
            values[field.name] = draw(plausible)
    try:
        return cls(**values)
    except AgentStateError as error:  # anything else fails the test
        return error


# -- stores ---------------------------------------------------------------------------------------


def _snapshot(tracker: Tracker) -> list[Any]:
    found = []
    for agent in AGENTS:
        store = tracker.store
        found.append((store.load(agent), list(store.history(agent))))
    return found


def _outcome(tracker: Tracker, event: Event) -> Any:
    try:
        result = tracker.apply(event)
    except AgentStateError as error:
        return type(error).__name__, str(error)
    return "applied", result.duplicate, list(result.changes)


@pytest.fixture(scope="module")
def conninfo() -> str:
    return _pg.require().conninfo


def _trackers(stack: ExitStack, conninfo: str, tmp: str) -> Iterator[Tracker]:
    stores = [MemoryStore(),
              stack.enter_context(SQLiteStore(Path(tmp) / "fuzz.db")),
              stack.enter_context(_pg_store(conninfo))]
    for store in stores:
        tracker = Tracker(POLICY, store=store, clock=ManualClock(START - timedelta(minutes=1)))
        for agent in AGENTS:
            tracker.register(agent)
        tracker.apply(Login(agent="ana", queues=["sales"]))
        yield tracker


_SCHEMA = f"fuzz_{os.getpid()}"


def _pg_store(conninfo: str) -> Any:
    """A new PostgresStore (nothing remembered) on one schema, emptied: a fresh schema per
    example would cost its migrations every time."""
    import psycopg

    from agentstate import PostgresStore

    store = PostgresStore(conninfo, schema=_SCHEMA)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f"TRUNCATE {_SCHEMA}.agents, {_SCHEMA}.history, {_SCHEMA}.queue_facts")
    return store


@settings(max_examples=min(settings().max_examples, 100))  # three stores per example
@given(steps=st.lists(st.tuples(st.integers(0, 600), events()), min_size=1, max_size=6))
def test_arbitrary_events_give_one_outcome_on_every_store(
        conninfo: str, steps: list[tuple[int, Event | AgentStateError]]) -> None:
    """Only agentstate errors, the same outcome on every store, refusals change nothing."""
    with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        trackers = list(_trackers(stack, conninfo, tmp))
        for seconds, event in steps:
            for tracker in trackers:
                tracker.clock.advance(seconds)  # type: ignore[attr-defined]
            if isinstance(event, AgentStateError):
                label(f"not built: {type(event).__name__} {getattr(event, 'field', '')}")
                continue
            before = [_snapshot(tracker) for tracker in trackers]
            outcomes = [_outcome(tracker, event) for tracker in trackers]
            label(f"{type(event).__name__}: {outcomes[0][0]}")
            assert [outcomes[0]] * len(trackers) == outcomes
            after = [_snapshot(tracker) for tracker in trackers]
            if outcomes[0][0] != "applied":
                assert before == after
            assert [after[0]] * len(trackers) == after
