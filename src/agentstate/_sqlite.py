"""SQLiteStore: the embedded default store, one file, standard library only.

Layout (schema version 5):

- ``agents``: one row per agent: ``agent`` (primary key), ``version`` (the compare-and-set
  key), ``state`` (the :class:`AgentState` as JSON, see :mod:`agentstate._codec`) and columns
  derived from it for hosts to read: ``status``, ``occupation``, ``logged_in`` (not indexed
  since schema version 5: no query of agentstate reads them, and an index costs a page write
  on most commits), and ``next_deadline`` (microseconds since the Unix epoch, indexed, for
  :meth:`SQLiteStore.next_due`);
- ``history``: one row per :class:`Change`: primary key ``(agent, seq)``, ``at`` (microseconds
  since the Unix epoch, UTC), ``event_id``, and ``entry`` (the change as JSON); indexed on
  ``(agent, at)`` for time ranges and ``(agent, event_id)`` for idempotency; and ``feed_seq``,
  the entry's place in the store-wide change feed (unique index), given under the write lock
  as one more than the greatest so far: commit order is feed order, so a reader never skips an
  entry. Entries recorded before schema version 4 were numbered by the migration, in the order
  of their times;
- ``queue_facts``: each agent's eligibility facts (:class:`~agentstate.EligibilityFact`), one
  row per queue it is a member of and channel, replaced in the commit that writes its state:
  primary key ``(agent, queue, channel)``; a partial index ``(queue, channel, penalty, sort,
  agent) WHERE eligible = 1`` answers "who may queue Q offer work on channel C, best first" by
  reading only the rows it returns, and ``(queue, last_offer_at)`` the round robin's last offer;
- ``facts_policy``: the key of the policy the facts were computed under (see
  :class:`~agentstate.EligibilityStore`);
- ``schema_version``: one row per migration applied.

Durability: the database runs in WAL mode with ``synchronous=NORMAL``: a commit that returned
survives the process being killed at any moment (the test suite kills writers with SIGKILL);
after a power cut the last commits before it may be lost, never half-written. Pass
``synchronous="FULL"`` to also keep those, at the cost of one fsync per commit.

Several processes may share one file: a writer takes SQLite's write lock for the duration of
one commit (``BEGIN IMMEDIATE``) and waits up to ``timeout`` seconds for it.

Batches: inside :meth:`SQLiteStore.batch` the commits share one transaction (one
``BEGIN IMMEDIATE`` ... ``COMMIT``, so one fsync for all of them). Each commit is checked when
it is made, as the database would check it (the version, a recorded ``seq``, a value SQLite
cannot store), and kept in memory (:meth:`SQLiteStore._buffer`): a refused commit raises there
and leaves nothing behind, and loads see the buffered states. The batch's end writes them all
with a few ``executemany`` calls (:meth:`SQLiteStore._flush`): every history row (numbered in
the feed when buffered, in commit order; written agent by agent), each agent's last state once
with its indexed columns (derived then: they cannot be refused once its JSON text passed), the
fact rows that changed; the event-id lookup reads the buffered entries too, and a read that
needs them in the database (history, feed, eligibility) has them written first, in the same
transaction. A batch looks up an agent's greatest ``seq`` once, unless this store wrote the
agent's first row (then it knows it).
The write lock is held, and other threads of the process wait, until the batch ends.

JSON text: states and changes are written by :class:`~agentstate._codec.TextEncoder` (the same
text as the codec's JSON, without building the dicts); a state's fields that hold the same
objects as the last state written for the agent reuse their text
(:class:`~agentstate._rows.StateTexts`).

What a store remembers: the state, indexed columns and fact rows it last read or wrote per
agent, trusted only while ``PRAGMA data_version`` (which moves when another connection commits)
stays where it was when they were remembered. ``load`` then answers without a ``SELECT``, and a
commit (which checks it again inside its write transaction) sets only the indexed columns and
writes only the fact rows that change. Everything is forgotten when it moves. :meth:`recent`
gives the tracker the remembered state without the pragma (the commit's check and
compare-and-set catch a stale one): one pragma per event, not two.

Migrations: :data:`MIGRATIONS` is the numbered list of schema changes, applied in order, each in
its own transaction, when a store opens a database at an older version. A database at a newer
version is refused with :class:`SchemaError` and left untouched. Adding an indexed column is
one migration: migration 2 is the example (``ALTER TABLE agents ADD COLUMN next_deadline``, its
index, and a backfill, which may be a Python function of the connection), plus the column in
:data:`agentstate._rows.INDEXED`. A field added to :class:`AgentState` needs a migration that
writes its value into every stored state, e.g. ``UPDATE agents SET state = json_set(state,
'$.memberships', json('[]'))``: the codec never fills in a missing key by itself.

Its length has one reason to change: how agentstate keeps its data in SQLite (schema, migrations,
statements and their plans); what both SQL stores share is in _rows and the encoding in _codec.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from itertools import pairwise
from typing import Any

import pendulum

from ._codec import TextEncoder, encode_change, from_micros, read_instant, shown
from ._eligibility import EligibilityFact, QueuePlace
from ._errors import ConflictError, SchemaError, StoreError
from ._rows import (
    INDEXED,
    UNSTORABLE,
    DecodedStates,
    Migration,
    StateTexts,
    clip,
    dumps,
    migrate,
    row_change,
    stored_version,
    unstorable,
)
from ._state import AgentState, Change
from ._time import micros, to_utc

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "Migration", "SQLiteStore"]

_Facts = dict[tuple[str, str], tuple[Any, ...]]
_Known = tuple[AgentState, tuple[Any, ...], _Facts | None, int | None]
_CHANGE_TEXT = TextEncoder(Change)


def _backfill_next_deadline(conn: sqlite3.Connection) -> None:
    """Migration 2: every agent's ``next_deadline`` from its stored deadlines (earliest first).

    Reads the JSON directly rather than decoding whole states, so that it does not depend on
    the fields :class:`AgentState` has today.
    """
    rows = conn.execute("SELECT agent, state FROM agents").fetchall()
    for agent, text in rows:
        try:
            deadlines = json.loads(text).get("deadlines") or []
            first = deadlines[0]["at"] if deadlines else None
        except (ValueError, AttributeError, LookupError, TypeError):
            raise StoreError(f"agent {shown(agent)}: stored state is malformed: cannot read its "
                             "deadlines", agent=agent) from None
        value = None if first is None else micros(read_instant(first, agent=agent))
        conn.execute("UPDATE agents SET next_deadline = ? WHERE agent = ?", (value, agent))


def _number_feed(conn: sqlite3.Connection) -> None:
    """Migration 4: number the entries recorded so far in the feed, by time (then agent and
    seq: an agent's entries keep their order)."""
    rows = conn.execute("SELECT agent, seq FROM history ORDER BY at, agent, seq").fetchall()
    conn.executemany("UPDATE history SET feed_seq = ? WHERE agent = ? AND seq = ?",
                     [(n, agent, seq) for n, (agent, seq) in enumerate(rows, 1)])


MIGRATIONS: tuple[Migration, ...] = (
    Migration(version=1, summary="agents, history", steps=(
        """CREATE TABLE agents (
            agent TEXT NOT NULL PRIMARY KEY,
            version INTEGER NOT NULL,
            status TEXT NOT NULL,
            occupation TEXT NOT NULL,
            logged_in INTEGER NOT NULL,
            state TEXT NOT NULL
        )""",
        "CREATE INDEX agents_status ON agents (status, occupation)",
        "CREATE INDEX agents_logged_in ON agents (logged_in)",
        """CREATE TABLE history (
            agent TEXT NOT NULL,
            seq INTEGER NOT NULL,
            at INTEGER NOT NULL,
            event_id TEXT,
            entry TEXT NOT NULL,
            PRIMARY KEY (agent, seq)
        ) WITHOUT ROWID""",
        "CREATE INDEX history_at ON history (agent, at)",
        "CREATE INDEX history_event ON history (agent, event_id) WHERE event_id IS NOT NULL",
    )),
    Migration(version=2, summary="agents.next_deadline, for due timers", steps=(
        "ALTER TABLE agents ADD COLUMN next_deadline INTEGER",
        "CREATE INDEX agents_next_deadline ON agents (next_deadline) "
        "WHERE next_deadline IS NOT NULL",
        _backfill_next_deadline,
    )),
    Migration(version=3, summary="queue_facts and facts_policy, for eligibility", steps=(
        """CREATE TABLE queue_facts (
            agent TEXT NOT NULL,
            queue TEXT NOT NULL,
            channel TEXT NOT NULL,
            eligible INTEGER NOT NULL,
            penalty INTEGER NOT NULL,
            sort INTEGER NOT NULL,
            calls INTEGER NOT NULL,
            calls_until INTEGER,
            last_offer_at INTEGER,
            PRIMARY KEY (agent, queue, channel)
        ) WITHOUT ROWID""",
        "CREATE INDEX queue_facts_eligible ON queue_facts (queue, channel, penalty, sort, agent) "
        "WHERE eligible = 1",
        "CREATE INDEX queue_facts_offers ON queue_facts (queue, last_offer_at) "
        "WHERE last_offer_at IS NOT NULL",
        "CREATE TABLE facts_policy (key TEXT NOT NULL)",
    )),
    Migration(version=4, summary="history.feed_seq, the change feed", steps=(
        "ALTER TABLE history ADD COLUMN feed_seq INTEGER",
        _number_feed,
        "CREATE UNIQUE INDEX history_feed ON history (feed_seq)",
    )),
    # No query of agentstate read them, and each cost an index write on most commits (~9% of
    # a single-event commit on the storage benchmark). The columns stay, for hosts to read.
    Migration(version=5, summary="drop the status and logged-in indexes (unused)", steps=(
        "DROP INDEX IF EXISTS agents_status",
        "DROP INDEX IF EXISTS agents_logged_in",
    )),
)
"""Every schema change, oldest first; a migration's ``version`` is its position plus one."""

SCHEMA_VERSION = MIGRATIONS[-1].version
"""The newest schema this agentstate reads and writes."""

_COLUMNS = ", ".join(name for name, _ in INDEXED)
_MARKS = ", ".join("?" for _ in INDEXED)
_INSERT_AGENT = (f"INSERT INTO agents (agent, version, {_COLUMNS}, state) "
                 f"VALUES (?, ?, {_MARKS}, ?) ON CONFLICT (agent) DO NOTHING")
_ALL_INDEXED = tuple(range(len(INDEXED)))
_LOAD = f"SELECT version, {_COLUMNS}, state FROM agents WHERE agent = ?"
_NEXT_DUE = ("SELECT next_deadline, agent FROM agents WHERE next_deadline <= ? "
             "ORDER BY next_deadline, agent LIMIT 1")
_HISTORY = "SELECT seq, at, event_id, entry FROM history WHERE agent = ?"
# Named, not left to the planner: without statistics (no ANALYZE) SQLite prefers walking the
# agent's whole history in primary-key order (ORDER BY seq) to this index, which holds seq
# after event_id and so also returns the rows in order: one lookup, however long the history.
_EVENT = ("SELECT seq, at, event_id, entry FROM history INDEXED BY history_event "
          "WHERE agent = ? AND event_id = ? ORDER BY seq")
_FACT_COLUMNS = ("eligible", "penalty", "sort", "calls", "calls_until", "last_offer_at")
_FACTS = f"SELECT queue, channel, {', '.join(_FACT_COLUMNS)} FROM queue_facts WHERE agent = ?"
_DELETE_FACT = "DELETE FROM queue_facts WHERE agent = ? AND queue = ? AND channel = ?"
_INSERT_FACT = ("INSERT INTO queue_facts (agent, queue, channel, eligible, penalty, sort, calls, "
                "calls_until, last_offer_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
_DATA_VERSION = "PRAGMA data_version"
_ELIGIBLE_BY = ("SELECT f.agent, f.penalty, f.sort, f.calls, f.calls_until, a.version "
                "FROM queue_facts AS f JOIN agents AS a ON a.agent = f.agent "
                "WHERE f.queue = ? AND f.channel = ? AND f.eligible = 1 "
                "ORDER BY f.penalty, {}, f.agent LIMIT ?")
_ELIGIBLE = _ELIGIBLE_BY.format("f.sort")
_ELIGIBLE_BY_CALLS = _ELIGIBLE_BY.format(
    "CASE WHEN f.calls_until > ? THEN f.calls ELSE 0 END")  # a day's calls, until it ends
_ELIGIBLE_AFTER = _ELIGIBLE_BY.format("f.agent <= ?")  # round robin: after the last first
_LAST_OFFERED = ("SELECT agent FROM queue_facts WHERE queue = ? AND last_offer_at IS NOT NULL "
                 "ORDER BY last_offer_at DESC, agent DESC LIMIT 1")
_SYNCHRONOUS = ("OFF", "NORMAL", "FULL", "EXTRA")
_CACHED = 4096  # decoded states kept, keyed by their exact JSON text
# WAL pages (16 MiB) after which a commit copies the WAL back into the file. SQLite's default,
# 1,000, checkpoints every ~90 events (a commit writes ~12 pages): each checkpoint costs two
# fsyncs, and pages changed by several commits are copied once per checkpoint. 4,000 measured
# ~20% more events per second on the benchmark (benchmarks/storage.py).
_AUTOCHECKPOINT = 4000
_INSERT_CHANGE = ("INSERT INTO history (agent, seq, at, event_id, entry, feed_seq) "
                  "VALUES (?, ?, ?, ?, ?, ?)")
_LAST_FEED = "SELECT max(feed_seq) FROM history"
_MAX_SEQ = "SELECT max(seq) FROM history WHERE agent = ?"
_INT64 = 1 << 63
_FEED = ("SELECT agent, seq, at, event_id, entry, feed_seq FROM history INDEXED BY history_feed "
         "WHERE feed_seq > ? ORDER BY feed_seq LIMIT ?")


class SQLiteStore:
    """A :class:`~agentstate.Store` in one SQLite file: durable, embedded, multi-process.

    Args:
        path: the database file (created if missing), or ``":memory:"`` for a throwaway one.
        timeout: how long, in seconds, to wait for another process's write lock.
        synchronous: SQLite's ``synchronous`` setting: ``"NORMAL"`` (default: survives a
            process crash) or ``"FULL"`` (also survives a power cut, slower).

    Raises:
        SchemaError: the database was written by a newer agentstate, or is not agentstate's.
        StoreError: the file cannot be opened or is not an SQLite database.

    A store object may be shared by the threads of one process (calls are serialised); after a
    ``fork``, open a new one in the child. Close it with :meth:`close` or a ``with`` block.
    """

    __slots__ = ("_batch", "_cache", "_conn", "_events", "_known", "_last_feed", "_lock",
                 "_numbered", "_path", "_pending", "_pid", "_rows", "_seen", "_sql", "_texts")

    poll_interval = 0.05
    """Seconds between two looks at the feed in :meth:`wait_for_feed`."""

    def __init__(self, path: str | os.PathLike[str], *, timeout: float = 30.0,
                 synchronous: str = "NORMAL") -> None:
        if synchronous.upper() not in _SYNCHRONOUS:
            raise ValueError(f"synchronous must be one of {', '.join(_SYNCHRONOUS)}, "
                             f"got {synchronous!r}")
        self._path = os.fspath(path)
        self._lock = threading.RLock()
        self._pid = os.getpid()
        self._cache = DecodedStates(_CACHED)
        # What this connection knows is stored, valid while ``PRAGMA data_version`` stays at
        # ``_seen`` (no other connection committed): agent -> (state, its indexed columns as
        # stored, its facts by (queue, channel) or None when not read, its greatest recorded
        # seq or None when not known). See :meth:`_check`.
        self._known: dict[str, _Known] = {}
        # Inside a batch, the commits not written yet (see :meth:`_buffer`): agent -> (its
        # last state, its JSON text, facts, what _known said at its first commit of the batch
        # (None: a new agent), its greatest seq), its history rows in commit order, each
        # numbered in the feed when buffered, and how many rows are buffered in all.
        self._pending: dict[str, tuple[AgentState, str, _Facts, _Known | None, int]] = {}
        self._rows: dict[str, list[tuple[Any, ...]]] = {}
        self._numbered = 0
        self._events: dict[tuple[str, str], list[Change]] = {}  # the buffered, by event id
        self._texts = StateTexts(_CACHED)
        self._seen: int | None = None
        self._last_feed: int | None = None  # the greatest feed_seq, while _seen holds
        self._sql: dict[tuple[str, tuple[int, ...]], str] = {}
        self._batch = 0  # how deep in batch() blocks: > 0, commits are savepoints of its one
        try:
            conn = sqlite3.connect(self._path, timeout=timeout, isolation_level=None,
                                   check_same_thread=False, cached_statements=256)
        except sqlite3.Error as error:
            raise StoreError(f"cannot open SQLite database {self._path!r}: {error}") from None
        try:
            _prepare(conn, self._path, synchronous.upper())
            _migrate(conn, self._path)
        except BaseException:
            conn.close()
            raise
        self._conn: sqlite3.Connection | None = conn

    # -- the Store protocol ----------------------------------------------------------------------

    def load(self, agent: str) -> AgentState | None:
        """The agent's current state, or ``None``. Raises :class:`StoreError` on a bad row."""
        with self._lock:
            return self._run(agent, lambda c: self._load(c, agent))  # type: ignore[no-any-return]

    def commit(self, state: AgentState, changes: Sequence[Change], *,
               expected_version: int, facts: Sequence[EligibilityFact] | None = None) -> None:
        """Save ``state``, append ``changes`` and replace the agent's eligibility ``facts``
        (``None``: remove them) in one transaction, if the version matches.

        Raises:
            ConflictError: the stored version is not ``expected_version``; nothing written.
            StoreError: the database failed, or a change is for another agent or repeats a
                recorded ``seq``; nothing written.
        """
        agent = state.agent
        rows = []
        for change in changes:
            if change.agent != agent:
                raise StoreError(f"agent {shown(agent)}: cannot commit a change of agent "
                                 f"{shown(change.agent)} with it", agent=agent)
            at = _micros(change.at)
            written = _CHANGE_TEXT.text(change)
            rows.append((agent, change.seq, at, change.event_id,
                         dumps(encode_change(change), agent=agent) if written is None
                         else written[0]))
        new_facts = _facts(agent, facts or ())
        with self._lock:
            text = self._texts.text(state)
            if self._batch:  # columns and the decoded-state cache: at the batch's end
                self._run(agent, lambda c: self._buffer(c, state, text, rows, new_facts,
                                                        expected_version, changes))
            else:
                columns = _columns(state)
                self._run(agent, lambda c: self._write(c, state, columns, text, rows,
                                                       new_facts, expected_version))
                self._cache.remember(agent, text, state)

    def recent(self, agent: str) -> AgentState | None:
        """The state this store last read or wrote of ``agent`` (the
        :class:`~agentstate.RecentStates` protocol), without asking the database whether
        another connection has written since: the tracker computes an event on it and the
        commit's compare-and-set catches a stale one. ``None`` if it has none."""
        with self._lock:
            pending = self._pending.get(agent)
            if pending is not None:
                return pending[0]
            known = self._known.get(agent)
            return None if known is None else known[0]

    def history(self, agent: str, *, start: datetime | None = None,
                end: datetime | None = None) -> Sequence[Change]:
        """The agent's entries with ``start <= at < end``, oldest first."""
        ranged = start is not None or end is not None  # along history_at: only the range
        sql = _HISTORY_RANGE if ranged else _HISTORY
        args: list[Any] = [agent]
        if start is not None:
            sql += " AND at >= ?"
            args.append(micros(to_utc(start)))
        if end is not None:
            sql += " AND at < ?"
            args.append(micros(to_utc(end)))
        sql += " ORDER BY at, seq" if ranged else " ORDER BY seq"
        with self._lock:
            self._settle(agent)
            rows = self._run(agent, lambda c: c.execute(sql, args).fetchall())
        return [_change(agent, row) for row in rows]

    def changes_for_event(self, agent: str, event_id: str) -> Sequence[Change]:
        """The entries recorded for ``event_id`` on this agent, oldest first (or none)."""
        with self._lock:  # a batch's buffered entries are the newest: not written for this
            rows = self._run(agent, lambda c: c.execute(_EVENT, (agent, event_id)).fetchall())
            buffered = self._events.get((agent, event_id), ())
        return [*[_change(agent, row) for row in rows], *buffered]

    def agents(self) -> Iterator[str]:
        """Every registered agent's id, in registration order."""
        with self._lock:
            self._settle(None)
            rows = self._run(None, lambda c: c.execute(
                "SELECT agent FROM agents ORDER BY rowid").fetchall())
        return iter([row[0] for row in rows])

    def next_deadline(self) -> datetime | None:
        """The earliest deadline of any agent, or ``None`` (an indexed query)."""
        with self._lock:
            self._settle(None)
            row = self._run(None, lambda c: c.execute(
                "SELECT min(next_deadline) FROM agents").fetchone())
        return None if row[0] is None else from_micros(row[0])

    def next_due(self, until: datetime) -> tuple[datetime, str] | None:
        """The earliest ``(deadline, agent)`` with deadline ``<= until``, or ``None``.

        Several processes on one file may get the same agent; compare-and-set lets one of them
        fire its timer and the others' commits fail harmlessly.
        """
        limit = micros(to_utc(until))
        with self._lock:
            self._settle(None)
            row = self._run(None, lambda c: c.execute(_NEXT_DUE, (limit,)).fetchone())
        return None if row is None else (from_micros(row[0]), row[1])

    # -- eligibility (the EligibilityStore protocol) -----------------------------------------

    def eligible_places(self, queue: str, channel: str, *, limit: int | None = None,
                        calls_at: datetime | None = None, after: str | None = None
                        ) -> list[tuple[QueuePlace, int]]:
        """The eligible agents' places and versions, best first: an indexed query.

        By ``(penalty, sort, agent)``, reading only the rows it returns; with ``calls_at``, by
        the calls of a day not over at ``calls_at`` instead of ``sort`` (fewest calls); with
        ``after``, agents after ``after`` first (round robin).
        """
        lo: tuple[Any, ...] = (queue, channel)
        hi = (-1 if limit is None else limit,)
        if calls_at is not None:
            sql, args = _ELIGIBLE_BY_CALLS, (*lo, micros(to_utc(calls_at)), *hi)
        elif after is not None:
            sql, args = _ELIGIBLE_AFTER, (*lo, after, *hi)
        else:
            sql, args = _ELIGIBLE, (*lo, *hi)
        with self._lock:
            self._settle(None)
            rows = self._run(None, lambda c: c.execute(sql, args).fetchall())
        return [(QueuePlace(agent, penalty, sort, calls,
                       None if until is None else from_micros(until)), version)
                for agent, penalty, sort, calls, until, version in rows]

    def last_offered(self, queue: str) -> str | None:
        """The agent ``queue`` offered work to last, or ``None``."""
        with self._lock:
            self._settle(None)
            row = self._run(None, lambda c: c.execute(_LAST_OFFERED, (queue,)).fetchone())
        return None if row is None else str(row[0])

    def facts_policy(self) -> str | None:
        """The key of the policy the stored facts were computed under, or ``None``."""
        with self._lock:
            row = self._run(None, lambda c: c.execute(
                "SELECT key FROM facts_policy").fetchone())
        return None if row is None else str(row[0])

    def rebuild_facts(self, policy_key: str,
                      compute: Callable[[AgentState], Sequence[EligibilityFact]]) -> None:
        """Recompute every agent's facts in one transaction (other writers wait)."""
        def rebuild(conn: sqlite3.Connection) -> None:
            self._begin(conn)
            try:
                conn.execute("DELETE FROM queue_facts")
                for row in conn.execute(f"SELECT agent, version, {_COLUMNS}, state "
                                        "FROM agents").fetchall():
                    state = self._cache.from_row(row[0], row[1:], _column)
                    facts = _facts(state.agent, compute(state))
                    conn.executemany(_INSERT_FACT, [(state.agent, *key, *values)
                                                    for key, values in facts.items()])
                conn.execute("DELETE FROM facts_policy")
                conn.execute("INSERT INTO facts_policy (key) VALUES (?)", (policy_key,))
                self._end(conn)
            except BaseException:
                self._undo(conn)
                raise

        with self._lock:
            self._settle(None)
            try:
                self._run(None, rebuild)
            finally:
                self._known.clear()  # every agent's facts were rewritten

    def feed(self, *, after: int = 0, limit: int = 1000) -> Sequence[tuple[int, Change]]:
        """The entries with a feed sequence above ``after``, lowest first, at most ``limit``."""
        with self._lock:
            self._settle(None)
            rows = self._run(None, lambda c: c.execute(_FEED, (after, limit)).fetchall())
        return [(row[-1], _change(row[0], row[1:-1])) for row in rows]

    def wait_for_feed(self, after: int, timeout: float) -> bool:
        """Poll (every :attr:`poll_interval` seconds, one indexed ``max``) until the feed has
        an entry after ``after`` (``True``) or ``timeout`` seconds passed (``False``)."""
        end = time.monotonic() + timeout
        while True:
            with self._lock:
                self._settle(None)
                last = self._run(None, lambda c: c.execute(_LAST_FEED).fetchone()[0]) or 0
            if last > after:
                return True
            left = end - time.monotonic()
            if left <= 0:
                return False
            time.sleep(min(left, self.poll_interval))

    # -- batches (the BatchStore protocol) -----------------------------------------------------

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Make every commit inside the block part of one transaction, committed at its end.

        Each :meth:`commit` inside still succeeds or fails on its own (it runs in a
        ``SAVEPOINT``: a refused commit writes nothing and the batch goes on), and reads
        inside see the batch's own commits. If the block raises, the whole batch is rolled
        back: nothing of it is written, and the exception propagates. A batch inside a batch
        joins it. The store's lock (and SQLite's write lock) is held until the block ends:
        other threads and processes wait for it, so keep batches short (thousands of events,
        not millions).

        Raises:
            StoreError: the database failed to begin or commit the batch (nothing written).
        """
        with self._lock:
            if self._batch:
                self._batch += 1
                try:
                    yield
                finally:
                    self._batch -= 1
                return
            self._run(None, lambda c: c.execute("BEGIN IMMEDIATE"))
            try:
                self._run(None, self._check)  # what another connection committed before
            except BaseException:
                self._abort()
                raise
            self._batch = 1
            try:
                yield
            except BaseException:
                self._batch = 0
                self._abort()
                raise
            try:
                self._run(None, self._flush)
                self._batch = 0
                self._run(None, lambda c: c.execute("COMMIT"))
            except BaseException:
                self._batch = 0
                self._abort()
                raise

    def _abort(self) -> None:
        """Roll the open batch back and forget what this store thought was stored."""
        self._known.clear()
        self._pending.clear()
        self._rows.clear()
        self._numbered = 0
        self._events.clear()
        self._last_feed = None
        conn = self._conn
        if conn is not None and conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")

    def _settle(self, agent: str | None) -> None:
        """Write the batch's buffered commits before a read that must see them in the database
        (any read when ``agent`` is ``None``; else only if that agent has buffered commits)."""
        if self._pending and (agent is None or agent in self._pending):
            self._run(agent, self._flush)

    def _buffer(self, conn: sqlite3.Connection, state: AgentState, text: str,
                rows: list[tuple[Any, ...]], facts: _Facts, expected: int,
                changes: Sequence[Change]) -> None:
        """A commit inside a batch: checked now as the database would check it (version,
        existing agent, recorded seqs, values it cannot store), kept in memory, written by
        :meth:`_flush`. A refused commit leaves the buffer as it was. Only the agent's last
        state is written: its indexed columns are derived then (they cannot be refused:
        the status is in the checked JSON text, the others are flags and times)."""
        agent = state.agent
        pending = self._pending.get(agent)
        base: _Known | None
        actual: int | None
        if pending is not None:
            _, _, _, base, top = pending
            actual = pending[0].version
        else:
            base = self._known.get(agent)
            if base is None:
                self._load(conn, agent)
                base = self._known.get(agent)
            actual = None if base is None else base[0].version
            known_top = None if base is None else base[3]
            top = (conn.execute(_MAX_SEQ, (agent,)).fetchone()[0] or 0 if known_top is None
                   else known_top)
        if (actual or 0) != expected:
            raise ConflictError(agent=agent, expected=expected, actual=actual)
        seqs = [row[1] for row in rows]
        if seqs and (seqs[0] <= top or any(a >= b for a, b in pairwise(seqs))):
            self._check_seqs(conn, agent, seqs)
        _storable(text, state.version, rows, facts)
        if base is not None and base[2] is None:  # its fact rows were not read yet
            base = (base[0], base[1], self._stored_facts(conn, agent), base[3])
        if rows:  # numbered in the feed in commit order (the write lock is held)
            last = self._last_feed
            if last is None:
                last = self._last_feed = conn.execute(_LAST_FEED).fetchone()[0] or 0
            first = last + self._numbered
            self._rows.setdefault(agent, []).extend(
                [(*row, first + i) for i, row in enumerate(rows, 1)])
            self._numbered += len(rows)
        self._pending[agent] = (state, text, facts, base, max(top, *seqs) if seqs else top)
        for change in changes:
            if change.event_id is not None:
                self._events.setdefault((agent, change.event_id), []).append(change)

    def _check_seqs(self, conn: sqlite3.Connection, agent: str, seqs: list[int]) -> None:
        """Refuse ``seqs`` if one repeats another or a recorded (or buffered) seq."""
        buffered = {row[1] for row in self._rows.get(agent, ())}
        seen: set[int] = set()
        for seq in seqs:
            if seq in seen or seq in buffered or conn.execute(
                    "SELECT 1 FROM history WHERE agent = ? AND seq = ?",
                    (agent, seq)).fetchone() is not None:
                raise StoreError(f"agent {shown(agent)}: cannot append history: seq {seq!r} "
                                 "is already recorded (a change repeats a recorded seq)",
                                 agent=agent)
            seen.add(seq)

    def _stored_facts(self, conn: sqlite3.Connection, agent: str) -> _Facts:
        return {(q, c): tuple(values) for q, c, *values in
                conn.execute(_FACTS, (agent,)).fetchall()}

    def _flush(self, conn: sqlite3.Connection) -> None:
        """Write the buffered commits of the batch, a few ``executemany`` calls: the history
        rows in commit order (so in feed order), each agent's last state, and its fact rows
        that differ from those stored when the batch first touched it."""
        pending, rows = self._pending, self._rows
        if not pending:
            return
        history: list[tuple[Any, ...]] = []
        inserts: list[tuple[Any, ...]] = []
        updates: dict[str, list[tuple[Any, ...]]] = {}
        fact_inserts: list[tuple[Any, ...]] = []
        fact_deletes: list[tuple[Any, ...]] = []
        fact_updates: dict[str, list[tuple[Any, ...]]] = {}
        written_columns: dict[str, tuple[Any, ...]] = {}
        for agent in sorted(pending):  # in key order (each B-tree is walked once)
            state, text, facts, base, _ = pending[agent]
            history += rows.get(agent, ())
            columns = written_columns[agent] = _columns(state)
            if base is None:
                inserts.append((agent, state.version, *columns, text))
                stored: _Facts = {}
            else:
                old = base[1]
                changed = tuple([i for i, (a, b) in enumerate(zip(old, columns, strict=True))
                                 if a != b])
                updates.setdefault(self._statement("agent", changed), []).append(
                    (state.version, text, *[columns[i] for i in changed], agent,
                     base[0].version))
                stored = base[2] or {}  # read when buffered
            for key in stored.keys() - facts.keys():
                fact_deletes.append((agent, *key))
            for key, values in facts.items():
                was = stored.get(key)
                if was is None:
                    fact_inserts.append((agent, *key, *values))
                elif was != values:
                    changed = tuple([i for i, (a, b) in enumerate(zip(was, values, strict=True))
                                     if a != b])
                    fact_updates.setdefault(self._statement("fact", changed), []).append(
                        (*[values[i] for i in changed], agent, *key))
        conn.executemany(_INSERT_CHANGE, history)
        written = conn.executemany(_INSERT_AGENT, inserts).rowcount if inserts else 0
        for sql, args in updates.items():
            written += conn.executemany(sql, args).rowcount
        if written != len(pending):  # checked when buffered: the write lock was held since
            raise StoreError(f"SQLite database {self._path!r} changed under the batch's write "
                             "lock: an agent row was not where the batch found it")
        if fact_deletes:
            conn.executemany(_DELETE_FACT, fact_deletes)
        if fact_inserts:
            conn.executemany(_INSERT_FACT, fact_inserts)
        for sql, args in fact_updates.items():
            conn.executemany(sql, args)
        if self._numbered:
            self._last_feed = (self._last_feed or 0) + self._numbered
        remember = self._cache.remember
        for agent, (state, text, facts, _, top) in pending.items():
            self._know(agent, state, written_columns[agent], facts, top)
            remember(agent, text, state)
        pending.clear()
        rows.clear()
        self._numbered = 0
        self._events.clear()

    def _begin(self, conn: sqlite3.Connection) -> None:
        """Start one unit of work: a transaction, or a savepoint inside a batch."""
        conn.execute("SAVEPOINT unit" if self._batch else "BEGIN IMMEDIATE")

    def _end(self, conn: sqlite3.Connection) -> None:
        conn.execute("RELEASE unit" if self._batch else "COMMIT")

    def _undo(self, conn: sqlite3.Connection) -> None:
        """Undo the unit of work that failed (only it, inside a batch)."""
        if self._batch:
            if conn.in_transaction:
                conn.execute("ROLLBACK TO unit")
                conn.execute("RELEASE unit")
        elif conn.in_transaction:
            conn.execute("ROLLBACK")

    # -- the rest --------------------------------------------------------------------------------

    @property
    def path(self) -> str:
        """The database file."""
        return self._path

    def close(self) -> None:
        """Close the database. Idempotent; the store cannot be used afterwards."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __len__(self) -> int:
        with self._lock:
            self._settle(None)
            row = self._run(None, lambda c: c.execute("SELECT count(*) FROM agents").fetchone())
        return int(row[0])

    def __repr__(self) -> str:
        closed = " closed" if self._conn is None else ""
        return f"<SQLiteStore {self._path!r}{closed}>"

    def _run(self, agent: str | None, work: Callable[[sqlite3.Connection], Any]) -> Any:
        """Run ``work`` on the connection, turning SQLite's errors into :class:`StoreError`."""
        conn = self._conn
        if conn is None:
            raise StoreError(f"SQLiteStore {self._path!r} is closed", agent=agent)
        if os.getpid() != self._pid:
            raise StoreError(f"SQLiteStore {self._path!r} was opened in another process "
                             "(before a fork); open a new store in this one", agent=agent)
        try:
            return work(conn)
        except sqlite3.Error as error:
            who = f"agent {shown(agent)}: " if agent is not None else ""
            raise StoreError(f"{who}SQLite database {self._path!r} failed: {clip(str(error))}",
                             agent=agent) from None
        except UNSTORABLE as error:  # raised while binding: nothing was written
            who = f"agent {shown(agent)}: " if agent is not None else ""
            raise StoreError(f"{who}SQLite database {self._path!r} refused a value: "
                             f"{unstorable(error)}", agent=agent) from None

    def _check(self, conn: sqlite3.Connection) -> None:
        """Forget what this store knows is stored if another connection has committed since
        it last looked.

        ``PRAGMA data_version`` changes when, and only when, another connection commits to
        the file (this connection's own commits leave it alone). While it stays at the value
        seen when :attr:`_known` was filled, every row this store last read or wrote is still
        what the file holds. Inside a write transaction (``BEGIN IMMEDIATE``) nobody else can
        commit, so the answer holds until ``COMMIT``.
        """
        if self._batch:  # the batch holds the write lock: nobody else can have committed
            return
        seen = conn.execute(_DATA_VERSION).fetchone()[0]
        if seen != self._seen:
            self._known.clear()
            self._last_feed = None
            self._seen = seen

    def _know(self, agent: str, state: AgentState, columns: tuple[Any, ...],
              facts: _Facts | None, top: int | None = None) -> None:
        known = self._known
        if len(known) >= _CACHED and agent not in known:
            known.clear()
        known[agent] = (state, columns, facts, top)

    def _load(self, conn: sqlite3.Connection, agent: str) -> AgentState | None:
        if self._pending:
            pending = self._pending.get(agent)
            if pending is not None:
                return pending[0]
        self._check(conn)
        known = self._known.get(agent)
        if known is not None:  # nobody else has written since this store read or wrote it
            return known[0]
        row = conn.execute(_LOAD, (agent,)).fetchone()
        if row is None:
            return None
        state = self._cache.from_row(agent, row, _column)
        self._know(agent, state, tuple(row[1:-1]), None)
        return state

    def _statement(self, kind: str, changed: tuple[int, ...]) -> str:
        """The UPDATE of the agents row or of one fact row that sets only ``changed``
        columns (an index whose columns are not set is not touched, so its pages are not
        rewritten)."""
        key = (kind, changed)
        sql = self._sql.get(key)
        if sql is None:
            if kind == "agent":
                sets = "".join(f", {INDEXED[i][0]} = ?" for i in changed)
                sql = (f"UPDATE agents SET version = ?, state = ?{sets} "
                       "WHERE agent = ? AND version = ?")
            else:
                sets = ", ".join(f"{_FACT_COLUMNS[i]} = ?" for i in changed)
                sql = f"UPDATE queue_facts SET {sets} WHERE agent = ? AND queue = ? AND channel = ?"
            self._sql[key] = sql
        return sql

    def _write(self, conn: sqlite3.Connection, state: AgentState, columns: tuple[Any, ...],
               text: str, rows: list[tuple[Any, ...]], facts: _Facts, expected: int) -> None:
        """One transaction: the agents row (compare-and-set), the history rows, and the
        fact rows that differ from the stored ones."""
        agent = state.agent
        self._begin(conn)
        try:
            self._check(conn)
            known = self._known.pop(agent, None)
            if known is not None and known[0].version != expected:
                known = None
            if expected == 0:
                cursor = conn.execute(_INSERT_AGENT, (agent, state.version, *columns, text))
            elif known is None:
                cursor = conn.execute(self._statement("agent", _ALL_INDEXED),
                                      (state.version, text, *columns, agent, expected))
            else:  # the row holds known[1]: set only the indexed columns that change
                changed = tuple([i for i, (a, b) in enumerate(zip(known[1], columns, strict=True))
                                 if a != b])
                cursor = conn.execute(self._statement("agent", changed),
                                      (state.version, text, *[columns[i] for i in changed],
                                       agent, expected))
            if cursor.rowcount != 1:
                row = conn.execute("SELECT version FROM agents WHERE agent = ?",
                                   (agent,)).fetchone()
                raise ConflictError(agent=agent, expected=expected,
                                    actual=None if row is None else row[0])
            last = self._last_feed
            if last is None:
                last = conn.execute(_LAST_FEED).fetchone()[0] or 0
            try:
                if len(rows) == 1:
                    conn.execute(_INSERT_CHANGE, (*rows[0], last + 1))
                else:
                    conn.executemany(_INSERT_CHANGE, [(*row, last + i)
                                                      for i, row in enumerate(rows, 1)])
            except sqlite3.IntegrityError as error:
                raise StoreError(f"agent {shown(agent)}: cannot append history: {error} (a change "
                                 "repeats a recorded seq)", agent=agent) from None
            top: int | None = None
            if expected == 0:  # a new agent: its greatest seq (the rows just written are in
                # the cache), so that its first commit in a batch need not look it up
                top = conn.execute(_MAX_SEQ, (agent,)).fetchone()[0]
                stored: _Facts = {}
            elif known is not None and known[2] is not None:
                stored = known[2]
            else:
                stored = {(q, c): tuple(values) for q, c, *values in
                          conn.execute(_FACTS, (agent,)).fetchall()}
            self._write_facts(conn, agent, stored, facts)
            self._end(conn)
        except BaseException:
            self._last_feed = None
            self._undo(conn)
            raise
        self._last_feed = last + len(rows)
        if known is not None and known[3] is not None:
            top = max([known[3], *[r[1] for r in rows]])
        self._know(agent, state, columns, facts, top)

    def _write_facts(self, conn: sqlite3.Connection, agent: str, stored: _Facts,
                     facts: _Facts) -> None:
        """Make the agent's fact rows ``facts``, given that they are ``stored``: rows that do
        not change are not written, and a changed row sets only its changed columns."""
        for key in stored.keys() - facts.keys():
            conn.execute(_DELETE_FACT, (agent, *key))
        for key, values in facts.items():
            old = stored.get(key)
            if old is None:
                conn.execute(_INSERT_FACT, (agent, *key, *values))
            elif old != values:
                changed = tuple([i for i, (a, b) in enumerate(zip(old, values, strict=True))
                                 if a != b])
                conn.execute(self._statement("fact", changed),
                             (*[values[i] for i in changed], agent, *key))


    # -- day questions: where the day's state begins ---------------------------------------------

    def history_before(self, agent: str, end: datetime, *, limit: int) -> Sequence[Change]:
        """The agent's last ``limit`` entries with ``at < end``, oldest first (one walk back
        along the ``history_at`` index, which holds ``seq`` after ``at``)."""
        args = (agent, micros(to_utc(end)), limit)
        with self._lock:
            self._settle(agent)  # a batch's buffered entries first, as history() does
            rows = self._run(agent, lambda c: c.execute(_HISTORY_BEFORE, args).fetchall())
        return [_change(agent, row) for row in reversed(rows)]


# Named, as _EVENT: without statistics SQLite walks the agent's whole history by primary key.
# An agent's entries never go back in time, so (at, seq) is the order of seq.
_HISTORY_RANGE = ("SELECT seq, at, event_id, entry FROM history INDEXED BY history_at "
                  "WHERE agent = ?")
_HISTORY_BEFORE = ("SELECT seq, at, event_id, entry FROM history INDEXED BY history_at "
                   "WHERE agent = ? AND at < ? ORDER BY at DESC, seq DESC LIMIT ?")

def _columns(state: AgentState) -> tuple[Any, ...]:
    """The state's indexed columns (:data:`~agentstate._rows.INDEXED`) as stored."""
    return tuple([_column(derive(state)) for _, derive in INDEXED])


def _column(value: str | bool | datetime | None) -> str | int | None:
    """An indexed value as stored: times as microseconds since the epoch, booleans as 0/1."""
    if isinstance(value, datetime):
        return _micros(value)
    if isinstance(value, bool):
        return int(value)
    return value


def _facts(agent: str, facts: Sequence[EligibilityFact]) -> _Facts:
    """``facts`` as stored: by ``(queue, channel)``, the other columns in order."""
    out: _Facts = {}
    for f in facts:
        key = (f.queue, f.channel)
        if key in out:
            raise StoreError(f"agent {shown(agent)}: two eligibility facts for queue "
                             f"{shown(f.queue)} and channel {shown(f.channel)}", agent=agent)
        out[key] = (int(f.eligible), f.penalty, f.sort, f.calls,
                    None if f.calls_until is None else _micros(f.calls_until),
                    None if f.last_offer_at is None else _micros(f.last_offer_at))
    return out


_MICROS: dict[int, tuple[datetime, int]] = {}


def _micros(instant: datetime) -> int:
    """:func:`~agentstate._time.micros`, remembered for the times converted last (by
    identity, each kept alive with its value): an agent's states, changes and facts share
    most of their times."""
    cached = _MICROS.get(id(instant))
    if cached is not None and cached[0] is instant:
        return cached[1]
    value = micros(instant)
    if len(_MICROS) >= 4096:
        _MICROS.clear()
    _MICROS[id(instant)] = (instant, value)
    return value


def _bindable(values: list[Any]) -> None:
    """Raise what SQLite's driver would raise binding ``values`` (see
    :data:`~agentstate._rows.UNSTORABLE`): a buffered commit must be refused when it is made,
    not when the batch is written."""
    for value in values:
        if type(value) is str:
            if not value.isascii():
                value.encode()
        elif type(value) is int and not -_INT64 <= value < _INT64:
            raise OverflowError("Python int too large to convert to SQLite INTEGER")


def _storable(text: str, version: int, rows: list[tuple[Any, ...]], facts: _Facts) -> None:
    """:func:`_bindable` for a buffered commit's values, leaving out those that cannot fail
    when these pass: the agent's id and status are in the state's JSON ``text``, each change's
    agent and event id in its entry (written verbatim: the JSON is not ASCII-escaped), and
    times (microseconds of a ``datetime``) and the other columns fit in 64 bits."""
    if not text.isascii():
        text.encode()
    values: list[Any] = [version]
    for row in rows:
        values += (row[1], row[4])  # seq, entry
    for key, fact in facts.items():
        values += key
        values += fact
    _bindable(values)


def _change(agent: str, row: tuple[Any, ...]) -> Change:
    return row_change(agent, row, micros)


# -- opening and migrating -------------------------------------------------------------------


def _prepare(conn: sqlite3.Connection, path: str, synchronous: str) -> None:
    try:
        mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        conn.execute(f"PRAGMA synchronous={synchronous}")
        conn.execute(f"PRAGMA wal_autocheckpoint={_AUTOCHECKPOINT}")
    except sqlite3.DatabaseError as error:
        raise StoreError(f"cannot open SQLite database {path!r}: {error}") from None
    if str(mode).lower() not in ("wal", "memory"):
        raise StoreError(f"SQLite database {path!r} cannot use WAL journaling (got {mode!r}); "
                         "put it on a local file system")


class _Schema:
    """The database as :func:`agentstate._rows.migrate` sees it."""

    def __init__(self, conn: sqlite3.Connection, path: str) -> None:
        self.conn = conn
        self.where = f"SQLite database {path!r}"

    def version(self) -> int | None:
        """The schema version: ``None`` if the database has no tables at all."""
        names = {row[0] for row in self.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")}
        if "schema_version" not in names:
            if names:
                raise SchemaError(
                    f"{self.where} has tables ({', '.join(sorted(names))}) but no "
                    "schema_version: it is not an agentstate database; refusing to touch it",
                    found=None, supported=SCHEMA_VERSION)
            return None
        latest = self.conn.execute("SELECT max(version) FROM schema_version").fetchone()[0]
        return stored_version(latest, where=self.where, supported=SCHEMA_VERSION)

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")  # another process may be migrating: it waits
        try:
            yield
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def create_version_table(self) -> None:
        self.conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL PRIMARY KEY,"
                          " summary TEXT NOT NULL, applied_at TEXT NOT NULL)")

    def run(self, step: str | Callable[[Any], None]) -> None:
        if isinstance(step, str):
            self.conn.execute(step)
        else:
            step(self.conn)

    def record(self, migration: Migration) -> None:
        self.conn.execute("INSERT INTO schema_version VALUES (?, ?, ?)",
                          (migration.version, migration.summary,
                           pendulum.now(pendulum.UTC).isoformat()))


def _migrate(conn: sqlite3.Connection, path: str) -> None:
    """Bring the database to :data:`SCHEMA_VERSION`, or refuse a newer one."""
    try:
        migrate(_Schema(conn, path), MIGRATIONS)
    except sqlite3.Error as error:
        raise StoreError(f"cannot open SQLite database {path!r}: {error}") from None
