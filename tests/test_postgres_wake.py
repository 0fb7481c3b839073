"""PostgresStore's wake-up of wait_for_feed: sent after a commit only while a reader waits.

Schema version 6 lists the connections waiting in ``wait_for_feed`` (``feed_listeners``); a
commit says whether the list is empty, and the store sends the wake-up (a transaction of its
own) only while it is not.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from agentstate import Login, ManualClock, SetStatus, Tracker
from agentstate._postgres import SCHEMA_VERSION, PostgresStore
from agentstate.presets import basic
from tests._stores import START


@pytest.fixture
def notices(conninfo: str, schema: str) -> Iterator[Any]:
    """A plain connection listening on the store's channel (not listed as a reader)."""
    import psycopg

    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'LISTEN "agentstate:{schema}"')
        yield conn


def _count(conn: Any) -> int:
    """How many notifications ``conn`` received by now."""
    return sum(1 for _ in conn.notifies(timeout=0.3))


def _woken_by_a_login(writer: Tracker, reader: PostgresStore, after: int) -> tuple[bool, bool]:
    """Whether ``reader``, waiting for the feed after ``after``, was woken by the writer's
    login of a1 0.3 s later, and well before its 20 s wait ran out."""
    timer = threading.Timer(0.3, writer.apply, (Login(agent="a1"),))
    timer.start()
    started = time.monotonic()
    woken = reader.wait_for_feed(after, 20)
    waited = time.monotonic() - started
    timer.join()
    return woken, waited < 5


def test_commits_send_the_wake_up_only_while_a_reader_waits(conninfo: str, schema: str,
                                                             notices: Any) -> None:
    """Nobody waiting for the feed, commits send no wake-up (after the first, which does not
    know yet); once a store waits in wait_for_feed, each commit sends one again; once it is
    closed, they stop after one more."""
    with PostgresStore(conninfo, schema=schema) as writer_store:
        writer = Tracker(basic(), store=writer_store, clock=ManualClock(START))
        writer.register("a1")
        writer.apply(Login(agent="a1"))
        _count(notices)
        writer.apply(SetStatus(agent="a1", status="break", reason="coffee"))
        writer.apply(SetStatus(agent="a1", status="available"))
        assert 0 == _count(notices)
        reader_store = PostgresStore(conninfo, schema=schema)
        assert reader_store.wait_for_feed(10**18, 0) is False  # now listening
        writer.apply(SetStatus(agent="a1", status="break", reason="coffee"))
        writer.apply(SetStatus(agent="a1", status="available"))
        assert 2 == _count(notices)
        reader_store.close()
        writer.apply(SetStatus(agent="a1", status="break", reason="coffee"))
        _count(notices)
        writer.apply(SetStatus(agent="a1", status="available"))
        assert 0 == _count(notices)


def test_a_reader_that_starts_waiting_is_woken_by_the_next_commit(conninfo: str,
                                                                  schema: str,
                                                                  monkeypatch: Any) -> None:
    """A writer that saw nobody waiting still wakes a reader that started waiting since:
    its commit finds the reader listed and sends the wake-up after it, long before the
    reader's recheck."""
    monkeypatch.setattr(PostgresStore, "recheck", 30.0)
    with PostgresStore(conninfo, schema=schema) as reader_store, \
            PostgresStore(conninfo, schema=schema) as writer_store:
        writer = Tracker(basic(), store=writer_store, clock=ManualClock(START))
        writer.register("a1")
        writer.register("a2")  # the writer knows now that nobody waits
        after = Tracker(basic(), store=reader_store).changes(0, 100)[-1].sequence
        assert (True, True) == _woken_by_a_login(writer, reader_store, after)


def test_a_reader_of_an_ended_session_is_forgotten_by_the_next_to_start(conninfo: str,
                                                                        schema: str) -> None:
    """A reader whose connection ended without unlisting itself (a killed process) stays
    listed until the next reader starts, which forgets it."""
    import psycopg

    with PostgresStore(conninfo, schema=schema) as store:
        quoted = f'"{schema}"'
        with psycopg.connect(conninfo, autocommit=True) as gone:
            gone.execute(f"INSERT INTO {quoted}.feed_listeners SELECT pid, backend_start "
                         "FROM pg_stat_activity WHERE pid = pg_backend_pid()")
        store.wait_for_feed(10**18, 0)
        with psycopg.connect(conninfo, autocommit=True) as conn:
            listed = conn.execute(f"SELECT pid FROM {quoted}.feed_listeners").fetchall()
        assert 1 == len(listed)
        store.close()
        with psycopg.connect(conninfo, autocommit=True) as conn:
            assert [] == conn.execute(f"SELECT pid FROM {quoted}.feed_listeners").fetchall()


def test_a_version_5_schema_is_migrated_and_its_readers_are_woken(conninfo: str, schema: str,
                                                                   monkeypatch: Any) -> None:
    """A schema of version 5 (no feed_listeners) gets the table when a store opens it, keeps
    its data, and a commit then wakes a waiting reader."""
    import psycopg

    monkeypatch.setattr(PostgresStore, "recheck", 30.0)
    quoted = f'"{schema}"'
    with PostgresStore(conninfo, schema=schema) as store:
        Tracker(basic(), store=store, clock=ManualClock(START)).register("a1")
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f"DROP TABLE {quoted}.feed_listeners")
        conn.execute(f"DELETE FROM {quoted}.schema_version WHERE version >= 6")
    with PostgresStore(conninfo, schema=schema) as reader_store, \
            PostgresStore(conninfo, schema=schema) as writer_store:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            versions = [row[0] for row in conn.execute(
                f"SELECT version FROM {quoted}.schema_version ORDER BY version")]
        assert list(range(1, SCHEMA_VERSION + 1)) == versions
        assert 6 == SCHEMA_VERSION
        writer = Tracker(basic(), store=writer_store, clock=ManualClock(START))
        assert ["a1"] == list(writer.agents())
        after = writer.changes(0, 100)[-1].sequence
        assert (True, True) == _woken_by_a_login(writer, reader_store, after)


def test_a_failed_wake_up_after_a_durable_commit_is_not_the_commit_s_failure(
        conninfo: str, schema: str, monkeypatch: Any) -> None:
    """When the wake-up sent on its own after a commit fails (the connection breaks), the
    commit, already durable, succeeds: the state is stored, the next commit runs on a new
    connection, and the reader finds the entry when it looks at the feed."""
    from agentstate import _postgres

    exchange = PostgresStore._exchange
    broken = []

    def breaking(store: PostgresStore, conn: Any, *statements: Any) -> Any:
        if [name for name, _values in statements] == [_postgres._WAKE]:
            broken.append(conn)
            conn.close()  # the wake-up is sent on a connection that just broke
        return exchange(store, conn, *statements)

    monkeypatch.setattr(PostgresStore, "_exchange", breaking)
    with PostgresStore(conninfo, schema=schema) as reader_store, \
            PostgresStore(conninfo, schema=schema) as writer_store:
        writer = Tracker(basic(), store=writer_store, clock=ManualClock(START))
        writer.register("a1")
        writer.register("a2")  # the writer knows now that nobody waits
        after = writer.changes(0, 100)[-1].sequence
        assert reader_store.wait_for_feed(10**18, 0) is False  # now listening
        writer.apply(Login(agent="a1"))
        assert 1 == len(broken)
        writer.apply(SetStatus(agent="a1", status="break", reason="coffee"))
        with PostgresStore(conninfo, schema=schema) as other:
            stored = other.load("a1")
        assert (writer.state("a1"), "break") == (stored, stored and stored.status)
        assert reader_store.wait_for_feed(after, 0) is True
