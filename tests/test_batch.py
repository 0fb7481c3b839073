"""Tracker.apply_many: many events, each accepted or refused on its own; one transaction on
SQLite, all or nothing if the host's code fails midway."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentstate import (
    AgentStateError,
    Event,
    Login,
    ManualClock,
    MemoryStore,
    Result,
    SetStatus,
    SQLiteStore,
    Store,
    Tracker,
    UnknownStatus,
)
from agentstate.presets import basic
from agentstate.testing import SEQUENCE_START, refused_events, valid_sequences

AGENTS = ("a1", "a2")


def _memory(_: Path) -> Store:
    return MemoryStore()


def _sqlite(folder: Path) -> Store:
    return SQLiteStore(folder / "batch.db")


STORES: dict[str, Callable[[Path], Store]] = {"memory": _memory, "sqlite": _sqlite}


def _tracker(store: Store, events: Sequence[Event]) -> Tracker:
    """A tracker over ``store`` with the agents registered, its clock at the last event."""
    clock = ManualClock(SEQUENCE_START)
    tracker = Tracker(basic(), store=store, clock=clock)
    tracker.register_many(AGENTS)
    clock.set(max([SEQUENCE_START, *[e.at for e in events if e.at is not None]]))
    return tracker


def _one_by_one(tracker: Tracker, events: Sequence[Event]) -> list[Result | AgentStateError]:
    results: list[Result | AgentStateError] = []
    for event in events:
        try:
            results.append(tracker.apply(event))
        except AgentStateError as error:
            results.append(error)
    return results


def _outcome(results: Sequence[Result | AgentStateError]) -> list[object]:
    """Results as comparable values: a Result as is, a refusal as its type and message."""
    return [(type(r), str(r)) if isinstance(r, AgentStateError) else r for r in results]


def _recorded(tracker: Tracker) -> tuple[object, ...]:
    """Everything the tracker's store holds: states, histories and the change feed."""
    return (tuple(tracker.store.load(a) for a in AGENTS),
            tuple(tuple(tracker.history(a)) for a in AGENTS),
            tuple(e.change for e in tracker.changes(0, 10_000)))


def _close(*stores: Store) -> None:
    for store in stores:
        if isinstance(store, SQLiteStore):
            store.close()


@pytest.mark.parametrize("kind", sorted(STORES))
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(drawn=refused_events(basic(), AGENTS, max_size=15), data=st.data())
def test_apply_many_equals_applying_one_by_one(
        kind: str, tmp_path_factory: pytest.TempPathFactory, drawn: tuple[list[Event], Event],
        data: st.DataObject) -> None:
    """A valid sequence with a refused event placed anywhere in it gives, through apply_many,
    the same results in order, states, histories and feed as applying each event in turn."""
    accepted, refused = drawn
    where = data.draw(st.integers(0, len(accepted)))
    events = [*accepted[:where], refused, *accepted[where:]]
    folder = tmp_path_factory.mktemp("batch")
    (folder / "one").mkdir()
    (folder / "many").mkdir()
    one = _tracker(STORES[kind](folder / "one"), events)
    many = _tracker(STORES[kind](folder / "many"), events)
    try:
        expected = _one_by_one(one, events)
        actual = many.apply_many(events)
        assert _outcome(expected) == _outcome(actual)
        assert _recorded(one) == _recorded(many)
    finally:
        _close(one.store, many.store)


@pytest.mark.parametrize("kind", sorted(STORES))
@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=valid_sequences(basic(), AGENTS, max_size=20))
def test_every_event_of_a_valid_sequence_is_accepted(
        kind: str, tmp_path_factory: pytest.TempPathFactory, events: list[Event]) -> None:
    """apply_many of a valid sequence returns a Result for every event, in order."""
    tracker = _tracker(STORES[kind](tmp_path_factory.mktemp("valid")), events)
    try:
        results = tracker.apply_many(events)
        assert events == [r.event for r in results if isinstance(r, Result)]
    finally:
        _close(tracker.store)


@pytest.mark.parametrize("kind", sorted(STORES))
def test_a_refused_event_in_the_middle_changes_nothing(kind: str, tmp_path: Path) -> None:
    """The refused event's place holds its error; the events around it are recorded."""
    events = [Login(agent="a1"), SetStatus(agent="a1", status="nap"),
              SetStatus(agent="a1", status="break", reason="coffee")]
    tracker = _tracker(STORES[kind](tmp_path), [])
    try:
        results = tracker.apply_many(events)
        assert [Result, UnknownStatus, Result] == [type(r) for r in results]
        assert ["logged_out", "available", "break"] == [
            c.to_status for c in tracker.history("a1")]
        assert 4 == len(tracker.changes())  # two registrations, two accepted events
    finally:
        _close(tracker.store)


class _HostCrash(Exception):
    """The host's code failing while the batch runs."""


def _crashing(events: Sequence[Event], after: int) -> Iterator[Event]:
    yield from events[:after]
    raise _HostCrash


def test_a_crash_midway_rolls_the_whole_batch_back_on_sqlite(tmp_path: Path) -> None:
    """On SQLite the batch is one transaction: an exception midway leaves nothing of it, and
    the store and tracker go on working."""
    with SQLiteStore(tmp_path / "crash.db") as store:
        tracker = _tracker(store, [])
        before = _recorded(tracker)
        events = [Login(agent="a1"), Login(agent="a2"),
                  SetStatus(agent="a1", status="break", reason="coffee")]
        with pytest.raises(_HostCrash):
            tracker.apply_many(_crashing(events, 2))
        assert before == _recorded(tracker)
        with SQLiteStore(tmp_path / "crash.db") as other:  # another host sees nothing either
            assert [1, 1] == [other.load(a).version for a in AGENTS]  # type: ignore[union-attr]
        assert all(isinstance(r, Result) for r in tracker.apply_many(events))
        assert ["break", "available"] == [tracker.state(a).status for a in AGENTS]


def test_a_crash_midway_keeps_the_events_before_it_on_a_memory_store() -> None:
    """A store that cannot batch commits each event on its own: an exception midway leaves
    the events before it applied."""
    tracker = _tracker(MemoryStore(), [])
    with pytest.raises(_HostCrash):
        tracker.apply_many(_crashing([Login(agent="a1"), Login(agent="a2")], 1))
    assert ["available", "logged_out"] == [tracker.state(a).status for a in AGENTS]


def test_the_eligibility_index_forgets_a_rolled_back_batch(tmp_path: Path) -> None:
    """After a rolled-back batch the tracker's answers reflect the store, not the undone
    changes."""
    with SQLiteStore(tmp_path / "index.db") as store:
        tracker = _tracker(store, [])
        assert [] == tracker.eligible("sales")
        with pytest.raises(_HostCrash):
            tracker.apply_many(_crashing([Login(agent="a1", queues=("sales",))], 1))
        assert [] == tracker.eligible("sales")
