"""The change feed: every committed change once, in order, across restarts, on every store."""

from __future__ import annotations

import contextlib
import itertools
import os
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentstate import (
    AgentStateError,
    FeedEntry,
    FeedError,
    InteractionAnswered,
    InteractionEnded,
    InteractionOffered,
    Login,
    ManualClock,
    MemoryStore,
    NoticeKind,
    PostgresStore,
    SetStatus,
    SQLiteStore,
    Store,
    Tracker,
    wire,
)
from tests import _pg
from tests._policies import timed
from tests._stores import START, child_env

_names = itertools.count()
AGENTS = ("a1", "a2", "a3")


# -- the stores, opened and reopened as a host restarts ----------------------------------------


class Memory:
    """A memory store survives a "restart" of the tracker (the store is the host's)."""

    def __init__(self, _tmp: Path) -> None:
        self.store = MemoryStore()

    def open(self) -> Store:
        return self.store

    def close(self, store: Store) -> None:
        pass


class SQLite:
    def __init__(self, tmp: Path) -> None:
        self.path = tmp / f"feed-{next(_names)}.db"

    def open(self) -> Store:
        return SQLiteStore(self.path)

    def close(self, store: Store) -> None:
        assert isinstance(store, SQLiteStore)
        store.close()


class Postgres:
    def __init__(self, _tmp: Path) -> None:
        self.conninfo = _pg.require().conninfo
        self.schema = f"feed_{os.getpid()}_{next(_names)}"

    def open(self) -> Store:
        return PostgresStore(self.conninfo, schema=self.schema)

    def close(self, store: Store) -> None:
        assert isinstance(store, PostgresStore)
        store.close()


KINDS: dict[str, Callable[[Path], Any]] = {"memory": Memory, "sqlite": SQLite,
                                           "postgres": Postgres}
EXAMPLES = {"memory": 60, "sqlite": 25, "postgres": 10}


# -- exactly once, whatever happens: a property test --------------------------------------------

steps = st.lists(st.one_of(
    st.tuples(st.just("event"), st.sampled_from(AGENTS),
              st.sampled_from(["login", "lunch", "available", "offer", "answer", "end",
                               "break"])),
    st.tuples(st.just("advance"), st.integers(1, 90)),
    st.tuples(st.just("fire"), st.none()),
    st.tuples(st.just("ask"), st.sampled_from(AGENTS)),
    st.tuples(st.just("read"), st.integers(1, 5)),
    st.tuples(st.just("restart"), st.none()),
), max_size=40)


def _event(agent: str, what: str, n: int) -> Any:
    call = f"{agent}-c{n // 3}"
    return {
        "login": Login(agent=agent, queues=("sales",)),
        "lunch": SetStatus(agent=agent, status="lunch"),
        "available": SetStatus(agent=agent, status="available"),
        "break": SetStatus(agent=agent, status="break", reason="coffee"),
        "offer": InteractionOffered(agent=agent, interaction=call, queue="sales"),
        "answer": InteractionAnswered(agent=agent, interaction=call),
        "end": InteractionEnded(agent=agent, interaction=call),
    }[what]


def _exactly_once(kind: str, tmp: Path, script: list[tuple[Any, ...]]) -> None:
    """Random events, timers, questions and host restarts; a reader that handles entries a
    few at a time and keeps the last sequence it handled (as a host would, durably) handles
    every committed change exactly once, each agent's in its order."""
    where = KINDS[kind](tmp)
    clock = ManualClock(START)
    store = where.open()
    tracker = Tracker(timed(), store=store, clock=clock)
    for agent in AGENTS:
        tracker.register(agent, exist_ok=True)
    handled: list[FeedEntry] = []
    kept = 0  # the reader's stored sequence: survives restarts

    def read(limit: int) -> None:
        nonlocal kept
        for entry in tracker.changes(after=kept, limit=limit):
            handled.append(entry)
            kept = entry.sequence

    try:
        for n, (what, *args) in enumerate(script):
            if what == "event":
                with contextlib.suppress(AgentStateError):
                    tracker.apply(_event(args[0], args[1], n))
            elif what == "advance":
                clock.advance(args[0])
            elif what == "fire":
                tracker.fire_due()
            elif what == "ask":
                tracker.state(args[0])
            elif what == "read":
                read(args[0])
            else:  # a restart: a new store object and tracker over the same data
                where.close(store)
                store = where.open()
                tracker = Tracker(timed(), store=store, clock=clock)
                for agent in AGENTS:
                    tracker.register(agent, exist_ok=True)
        while tracker.changes(after=kept, limit=1):
            read(7)
        committed = {(agent, c.seq) for agent in AGENTS for c in store.history(agent)}
        seen = [(e.agent, e.change.seq) for e in handled]
        assert len(seen) == len(set(seen)), "an entry was handled twice"
        assert committed == set(seen)
        for agent in AGENTS:
            mine = [seq for who, seq in seen if who == agent]
            assert list(range(1, len(mine) + 1)) == mine
        sequences = [e.sequence for e in handled]
        assert sorted(set(sequences)) == sequences
    finally:
        where.close(store)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_change_is_handled_exactly_once_across_restarts(kind: str,
                                                              tmp_path: Path) -> None:
    """Random events, timers fired by ticks and by questions, random host restarts, and a
    reader resuming from its stored sequence: every committed change is handled once, each
    agent's in order, with strictly increasing sequences (hypothesis, on every store)."""
    if kind == "postgres":
        _pg.require()

    @settings(max_examples=EXAMPLES[kind], deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture,
                                     HealthCheck.too_slow])
    @given(script=steps)
    def check(script: list[tuple[Any, ...]]) -> None:
        _exactly_once(kind, tmp_path, script)

    check()


# -- notices are never dropped ------------------------------------------------------------------


def test_a_timer_fired_by_eligible_is_in_the_feed_with_its_notice() -> None:
    """A wrap-up ended by an eligibility question (not by a tick) commits the pending break:
    fire_due() then has nothing to report, and the feed has the change with its notices."""
    clock = ManualClock(START)
    tracker = Tracker(timed(), clock=clock)
    tracker.register("a1")
    tracker.apply(Login(agent="a1", queues=("sales",)))
    tracker.apply(InteractionOffered(agent="a1", interaction="c1", queue="sales"))
    tracker.apply(InteractionAnswered(agent="a1", interaction="c1"))
    tracker.apply(SetStatus(agent="a1", status="break", reason="coffee"))
    tracker.apply(InteractionEnded(agent="a1", interaction="c1"))
    seen = tracker.changes()[-1].sequence
    clock.advance(60)  # wrap-up (30 s) is over
    assert [] == tracker.eligible("sales")
    assert [] == tracker.fire_due()
    (entry,) = tracker.changes(after=seen)
    assert ("break", "coffee") == (entry.change.to_status, entry.change.to_reason)
    kinds = [notice.kind for notice in entry.notices]
    assert NoticeKind.NOT_ROUTABLE in kinds
    assert NoticeKind.PENDING_APPLIED in kinds


def test_a_feed_entry_goes_over_the_wire_and_back() -> None:
    """A feed entry is a top-level value of the wire format: to_dict, JSON, from_dict."""
    clock = ManualClock(START)
    tracker = Tracker(timed(), clock=clock)
    tracker.register("a1")
    tracker.apply(Login(agent="a1", queues=("sales",)))
    entry = tracker.changes()[-1]
    data = wire.to_dict(entry)
    assert "FeedEntry" == data["type"]
    assert entry == wire.from_dict(data)
    assert entry == wire.from_dict(data, FeedEntry)


@pytest.mark.parametrize(("after", "limit", "argument"), [(-1, 10, "after"), (0, 0, "limit"),
                                                           ("5", 10, "after"),
                                                           (0, 2.5, "limit")])
def test_a_malformed_feed_question_is_refused(after: Any, limit: Any, argument: str) -> None:
    """A negative or non-integer ``after``, or a ``limit`` below 1, raises FeedError naming
    the argument."""
    tracker = Tracker(timed())
    with pytest.raises(FeedError) as caught:
        tracker.changes(after, limit)
    assert argument == caught.value.argument
    with pytest.raises(FeedError):
        tracker.wait_for_changes(0, timeout=-1)


def test_wait_for_changes_returns_what_is_there_or_nothing_after_the_timeout() -> None:
    """With entries after ``after`` it answers at once; with none, an empty list after the
    timeout (a memory store polls)."""
    tracker = Tracker(timed(), clock=ManualClock(START))
    tracker.register("a1")
    assert [1] == [e.sequence for e in tracker.wait_for_changes(0, timeout=10)]
    started = time.monotonic()
    assert [] == tracker.wait_for_changes(1, timeout=0.1)
    assert 0.1 <= time.monotonic() - started < 5


# -- existing databases ---------------------------------------------------------------------------


def test_a_version_3_sqlite_database_opens_with_its_history_in_the_feed(tmp_path: Path) -> None:
    """A database written before the feed existed is migrated: its entries are numbered by
    time (each agent's in order), and new commits follow them."""
    path = tmp_path / "old.db"
    clock = ManualClock(START)
    with SQLiteStore(path) as store:
        tracker = Tracker(timed(), store=store, clock=clock)
        for agent in ("b", "a"):
            tracker.register(agent)
            clock.advance(1)
        tracker.apply(Login(agent="b"))
    with sqlite3.connect(path) as conn:  # back to schema version 3
        conn.execute("DROP INDEX history_feed")
        conn.execute("ALTER TABLE history DROP COLUMN feed_seq")
        conn.execute("DELETE FROM schema_version WHERE version >= 4")
    with SQLiteStore(path) as store:
        tracker = Tracker(timed(), store=store, clock=clock)
        assert [(1, "b", 1), (2, "a", 1), (3, "b", 2)] == [
            (e.sequence, e.agent, e.change.seq) for e in tracker.changes()]
        tracker.apply(Login(agent="a"))
        assert [(4, "a", 2)] == [(e.sequence, e.agent, e.change.seq)
                                 for e in tracker.changes(after=3)]


def test_a_version_3_postgres_schema_opens_with_its_history_in_the_feed() -> None:
    """As for SQLite: the migration numbers the recorded entries by time, below every entry
    committed afterwards."""
    import psycopg

    conninfo = _pg.require().conninfo
    schema = f"feed_old_{os.getpid()}"
    clock = ManualClock(START)
    with PostgresStore(conninfo, schema=schema) as store:
        tracker = Tracker(timed(), store=store, clock=clock)
        for agent in ("b", "a"):
            tracker.register(agent)
            clock.advance(1)
        tracker.apply(Login(agent="b"))
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f"ALTER TABLE {schema}.history DROP COLUMN feed_seq")
        conn.execute(f"DELETE FROM {schema}.schema_version WHERE version >= 4")
    with PostgresStore(conninfo, schema=schema) as store:
        tracker = Tracker(timed(), store=store, clock=clock)
        assert [(1, "b", 1), (2, "a", 1), (3, "b", 2)] == [
            (e.sequence, e.agent, e.change.seq) for e in tracker.changes()]
        tracker.apply(Login(agent="a"))
        (entry,) = tracker.changes(after=3)
        assert ("a", 2) == (entry.agent, entry.change.seq)
        assert entry.sequence > 3


# -- PostgreSQL: concurrent writers, one reader ----------------------------------------------------

_WRITER = textwrap.dedent("""
    import sys, time
    from agentstate import AgentStateError, Login, PostgresStore, SetStatus, Tracker
    from agentstate.presets import basic

    conninfo, schema, me, seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    store = PostgresStore(conninfo, schema=schema)
    tracker = Tracker(basic(), store=store, retries=20)
    agents = [f"{me}-own", "shared-1", "shared-2"]
    for agent in agents:
        tracker.register(agent, exist_ok=True)
        try:
            tracker.apply(Login(agent=agent))
        except AgentStateError:
            pass
    end = time.monotonic() + seconds
    n = 0
    while time.monotonic() < end:
        n += 1
        agent = agents[n % 3]
        try:
            tracker.apply(SetStatus(agent=agent, status="lunch" if n % 2 else "available"))
        except AgentStateError:
            pass
    store.close()
""")


def test_four_postgres_writers_and_a_reader_see_every_change_once(tmp_path: Path) -> None:
    """Four writer processes commit concurrently (to their own agents and to two shared
    ones, so that they also race); a reader following the feed meanwhile with
    wait_for_changes sees every committed change exactly once, each agent's in order."""
    conninfo = _pg.require().conninfo
    schema = f"feed_race_{os.getpid()}"
    store = PostgresStore(conninfo, schema=schema)
    tracker = Tracker(timed(), store=store)
    script = tmp_path / "writer.py"
    script.write_text(_WRITER)
    writers = [subprocess.Popen([sys.executable, str(script), conninfo, schema, f"w{i}", "2.5"],
                                env=child_env()) for i in range(4)]
    handled: list[FeedEntry] = []
    after = 0
    try:
        while any(w.poll() is None for w in writers):
            for entry in tracker.wait_for_changes(after, timeout=0.2, limit=50):
                handled.append(entry)
                after = entry.sequence
        assert [0, 0, 0, 0] == [w.wait() for w in writers]
        while entries := tracker.changes(after):
            handled.extend(entries)
            after = entries[-1].sequence
        committed = {(agent, c.seq) for agent in tracker.agents()
                     for c in store.history(agent)}
        seen = [(e.agent, e.change.seq) for e in handled]
        assert len(committed) > 100, "the writers should have committed a lot"
        assert len(seen) == len(set(seen)), "an entry was seen twice"
        assert committed == set(seen)
        for agent in tracker.agents():
            mine = [seq for who, seq in seen if who == agent]
            assert list(range(1, len(mine) + 1)) == mine, agent
        sequences = [e.sequence for e in handled]
        assert sorted(set(sequences)) == sequences
    finally:
        for w in writers:
            if w.poll() is None:
                w.kill()
        store.close()


def test_a_postgres_commit_wakes_a_waiting_reader_at_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """wait_for_changes on PostgreSQL is woken by the commit's NOTIFY, long before its
    recheck interval."""
    import threading

    conninfo = _pg.require().conninfo
    schema = f"feed_wake_{os.getpid()}"
    monkeypatch.setattr(PostgresStore, "recheck", 30.0)
    with PostgresStore(conninfo, schema=schema) as reader_store, \
            PostgresStore(conninfo, schema=schema) as writer_store:
        reader = Tracker(timed(), store=reader_store)
        writer = Tracker(timed(), store=writer_store)
        timer = threading.Timer(0.3, writer.register, ("a1",))
        timer.start()
        started = time.monotonic()
        entries = reader.wait_for_changes(0, timeout=20)
        waited = time.monotonic() - started
        timer.join()
    assert ["a1"] == [e.agent for e in entries]
    assert waited < 5

