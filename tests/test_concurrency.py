"""Writers racing on one agent (issue 19, point 4): an event without ``at`` that loses a race is
stamped again by the clock, never refused as stale; an event with an explicit ``at`` keeps it."""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from agentstate import (
    AgentState,
    Change,
    ConflictError,
    Login,
    ManualClock,
    MemoryStore,
    SetStatus,
    StaleEvent,
    Tracker,
)
from agentstate.presets import basic
from tests import _pg

ROOT = Path(__file__).resolve().parent.parent


class RacingStore(MemoryStore):
    """A MemoryStore that runs ``race`` once, just before the next load or commit: another
    writer acting between this writer's clock read and its write."""

    def __init__(self) -> None:
        super().__init__()
        self.race: dict[str, Callable[[], object]] = {}

    def _run(self, when: str) -> None:
        race = self.race.pop(when, None)
        if race is not None:
            race()

    def load(self, agent: str) -> AgentState | None:
        self._run("load")
        return super().load(agent)

    def commit(self, state: AgentState, changes: Sequence[Change], *,
               expected_version: int) -> None:
        self._run("commit")
        super().commit(state, changes, expected_version=expected_version)


def two_writers() -> tuple[RacingStore, ManualClock, Tracker, Tracker]:
    store, clock = RacingStore(), ManualClock()
    one = Tracker(basic(), store=store, clock=clock)
    two = Tracker(basic(), store=store, clock=clock)
    one.register("ana")
    one.apply(Login(agent="ana"))
    return store, clock, one, two


def later_write(clock: ManualClock, tracker: Tracker) -> Callable[[], object]:
    """The other writer: reads the clock a millisecond later and records a change."""
    return lambda: (clock.advance(0.001), tracker.apply(SetStatus(agent="ana", status="offline")))


@pytest.mark.parametrize("when", ["load", "commit"])
def test_an_unstamped_event_that_lost_a_race_is_stamped_again(when: str) -> None:
    """Another writer records a change after our clock read (before our load, or before our
    commit, which then conflicts): the event is stamped with a new clock read and applied."""
    store, clock, one, two = two_writers()
    store.race[when] = later_write(clock, two)
    result = one.apply(SetStatus(agent="ana", status="lunch"))
    assert (clock.now(), "offline", "lunch") == (result.changes[0].at,
                                                 result.changes[0].from_status,
                                                 result.changes[0].to_status)
    assert ["logged_out", "available", "offline", "lunch"] == [
        c.to_status for c in one.history("ana")]


def test_an_event_with_its_own_time_keeps_it_and_is_refused_as_stale() -> None:
    """An explicit ``at`` is the host's: after a lost race it is not replaced, so an event
    older than the winner's change is refused as stale, and nothing is recorded."""
    store, clock, one, two = two_writers()
    at = clock.now()
    store.race["commit"] = later_write(clock, two)
    with pytest.raises(StaleEvent):
        one.apply(SetStatus(agent="ana", status="lunch", at=at))
    assert ["logged_out", "available", "offline"] == [c.to_status for c in one.history("ana")]


def test_retries_still_end_in_a_conflict_when_every_race_is_lost() -> None:
    """With ``retries=0`` a lost race is a ConflictError, not a StaleEvent."""
    store, clock = RacingStore(), ManualClock()
    one = Tracker(basic(), store=store, clock=clock, retries=0)
    two = Tracker(basic(), store=store, clock=clock)
    one.register("ana")
    one.apply(Login(agent="ana"))
    store.race["commit"] = later_write(clock, two)
    with pytest.raises(ConflictError):
        one.apply(SetStatus(agent="ana", status="lunch"))
    assert clock.now() - timedelta(milliseconds=1) == one.history("ana")[1].at


# -- processes on real databases, with the real clock ----------------------------------------


def _benchmark() -> Any:
    spec = importlib.util.spec_from_file_location("concurrency_benchmark",
                                                  ROOT / "benchmarks" / "concurrency.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_four_sqlite_writers_get_no_stale_event(tmp_path: Path) -> None:
    """4 processes toggle 2 shared agents on SQLite with the real clock, unstamped: 0
    StaleEvent (the figure is printed; `benchmarks/concurrency.py` runs it larger)."""
    counts = _benchmark().run("sqlite", str(tmp_path / "race.db"), writers=4, events=40,
                              agents=2)
    print(counts)
    assert (0, 160) == (counts["stale"], counts["ok"] + counts["refused"] + counts["conflict"])


def test_six_postgres_writers_get_no_stale_event() -> None:
    """6 processes toggle 2 shared agents on PostgreSQL with the real clock, unstamped: 0
    StaleEvent."""
    conninfo = _pg.require().conninfo
    counts = _benchmark().run("postgres", f"{conninfo}|race_{os.getpid()}", writers=6, events=30,
                              agents=2)
    print(counts)
    assert (0, 180) == (counts["stale"], counts["ok"] + counts["refused"] + counts["conflict"])

