"""PostgresStore: one database shared by several hosts (PBX or CRM nodes), with psycopg 3.

Install with the ``postgres`` extra (``pip install 'agentstate-engine[postgres]'``); psycopg is
imported when a store is created, so the rest of agentstate never needs it.

Layout (schema version 6), in a PostgreSQL schema of its own (``agentstate`` by default, so
the tables never collide with the host's own ``agents`` table):

- ``agents``: ``agent`` (primary key), ``version`` (the compare-and-set key), ``state`` (the
  :class:`AgentState` as ``json``, kept byte for byte as written) and the columns derived
  from it (``status``, ``occupation``, ``logged_in`` for hosts to read, not indexed since schema
  version 5; ``next_deadline``, indexed), an
  identity column giving the registration order, and ``claimed_until``: the lease a node takes
  on an agent whose timer is due (see :meth:`PostgresStore.next_due`);
- ``history``: primary key ``(agent, seq)``, ``at`` (``timestamptz``, microseconds), ``event_id``
  and ``entry`` (the :class:`Change` as ``json``); indexed on ``(agent, at)`` and
  ``(agent, event_id)``; and ``feed_seq``, the entry's place in the change feed (unique index,
  see below);
- ``queue_facts``: each agent's eligibility facts (:class:`~agentstate.EligibilityFact`), one
  row per queue it is a member of and channel, kept up to date by the statement that commits
  its state (which deletes and inserts only the rows that differ);
  a partial index ``(queue, channel, penalty, sort, agent) WHERE eligible`` answers "who may
  queue Q offer work on channel C, best first" for every node, reading only the rows it
  returns; ``(queue, last_offer_at)`` gives the round robin's last offer;
- ``facts_policy``: the key of the policy the facts were computed under (see
  :class:`~agentstate.EligibilityStore`);
- ``feed_listeners``: the sessions waiting in :meth:`PostgresStore.wait_for_feed` (backend
  ``pid`` and start), so that commits send the wake-up only while someone waits;
- ``schema_version``: one row per migration applied.

Concurrency: optimistic, on the version column. A commit is *one* SQL statement (so one
transaction): ``UPDATE agents ... WHERE agent = $1 AND version = $expected`` (or, for a new
agent, ``INSERT ... ON CONFLICT DO NOTHING``) chained with the history ``INSERT`` through a
data-modifying ``WITH``. If no row was updated or inserted, another writer got there first: the
store raises :class:`ConflictError` and nothing was written, and the tracker recomputes the
event on the fresh state. Under PostgreSQL's row locks two writers of one agent serialise, and
the second sees the first's version, so a lost update cannot happen.

The change feed with concurrent writers (the outbox problem): a sequence drawn from a counter
at commit time would let a reader see number 7 committed while number 6's transaction is still
running, move past 6, and never see it. So each entry is numbered by its transaction's id,
``(pg_current_xact_id() << 16) + its place in the commit``, written by the commit's statement,
and :meth:`PostgresStore.feed` returns only entries whose transaction id is below the oldest
transaction still running (``pg_snapshot_xmin(pg_current_snapshot())``, of the query's own
snapshot): every such transaction has ended, so no entry below the bound can appear later.
An agent's commits are serialised by compare-and-set, and a later commit starts after the
earlier one ended, so it has a greater transaction id: each agent's entries come in order. An
entry waits until every older transaction of the cluster has ended (a long transaction of
another application delays the feed, never loses an entry). After each commit the store sends
``NOTIFY`` on a channel named after the schema, in a transaction of its own (a notifying
transaction holds a database-wide lock until it ends, which would make every commit wait for
the one before it, disk flush included), which wakes :meth:`PostgresStore.wait_for_feed`
(it listens on a second connection and looks again every ``recheck`` seconds in case an entry
waited for an older transaction). The wake-up is sent only while ``feed_listeners`` lists a
waiting session (the commit's statement says so): with nobody waiting, a commit is one
statement and one transaction. Entries recorded before schema version 4 were numbered by
the migration, in the order of their times, below every later entry.

Due timers across nodes: :meth:`PostgresStore.next_due` *claims* the agent it returns, with
``SELECT ... FOR UPDATE SKIP LOCKED`` and a short lease (``claim_for``), so that nodes calling
:meth:`Tracker.fire_due` at the same time fire different agents' timers. The next commit of
the agent ends the lease. Should two nodes still fire one timer (a lease ran out), the second
commit fails compare-and-set: a timer is never recorded twice.

Migrations: :data:`MIGRATIONS` as for SQLite; they run under a transaction-scoped advisory lock,
so several nodes starting at once migrate exactly once. A database whose schema is newer than
this agentstate is refused with :class:`SchemaError` and left untouched. Migration 2 shows how
an indexed column is added: the column, its index, a backfill in SQL.

Its length has one reason to change: how agentstate keeps its data in PostgreSQL (schema,
migrations, statements and their plans, the feed's visibility horizon); what both SQL stores share
is in _rows and the encoding in _codec.
"""

from __future__ import annotations

import contextlib
import re
import select
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from ._codec import TextEncoder, encode_change, shown
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

if TYPE_CHECKING:
    import psycopg

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "PgMigration", "PostgresStore"]


PgMigration = Migration
"""One numbered schema change (:class:`agentstate._rows.Migration`): SQL statements, where
``{schema}`` stands for the store's quoted schema name, or functions of the connection (for
backfills that need Python, e.g. decoding each state)."""


MIGRATIONS: tuple[Migration, ...] = (
    Migration(version=1, summary="agents, history", steps=(
        """CREATE TABLE {schema}.agents (
            id bigint GENERATED ALWAYS AS IDENTITY,
            agent text NOT NULL PRIMARY KEY,
            version bigint NOT NULL,
            status text NOT NULL,
            occupation text NOT NULL,
            logged_in boolean NOT NULL,
            state json NOT NULL
        )""",
        "CREATE INDEX agents_status ON {schema}.agents (status, occupation)",
        "CREATE INDEX agents_logged_in ON {schema}.agents (logged_in)",
        """CREATE TABLE {schema}.history (
            agent text NOT NULL,
            seq bigint NOT NULL,
            at timestamptz NOT NULL,
            event_id text,
            entry json NOT NULL,
            PRIMARY KEY (agent, seq)
        )""",
        "CREATE INDEX history_at ON {schema}.history (agent, at)",
        "CREATE INDEX history_event ON {schema}.history (agent, event_id) "
        "WHERE event_id IS NOT NULL",
    )),
    Migration(version=2, summary="agents.next_deadline and claims, for due timers", steps=(
        "ALTER TABLE {schema}.agents ADD COLUMN next_deadline timestamptz, "
        "ADD COLUMN claimed_until timestamptz",
        "CREATE INDEX agents_next_deadline ON {schema}.agents (next_deadline) "
        "WHERE next_deadline IS NOT NULL",
        "UPDATE {schema}.agents SET next_deadline = (state->'deadlines'->0->>'at')::timestamptz",
    )),
    Migration(version=3, summary="queue_facts and facts_policy, for eligibility", steps=(
        """CREATE TABLE {schema}.queue_facts (
            agent text NOT NULL,
            queue text NOT NULL,
            channel text NOT NULL,
            eligible boolean NOT NULL,
            penalty integer NOT NULL,
            sort bigint NOT NULL,
            calls integer NOT NULL,
            calls_until timestamptz,
            last_offer_at timestamptz
        )""",
        "CREATE INDEX queue_facts_agent ON {schema}.queue_facts (agent)",
        'CREATE INDEX queue_facts_eligible ON {schema}.queue_facts '
        '(queue, channel, penalty, sort, agent COLLATE "C") WHERE eligible',
        'CREATE INDEX queue_facts_offers ON {schema}.queue_facts '
        '(queue, last_offer_at, agent COLLATE "C") WHERE last_offer_at IS NOT NULL',
        "CREATE TABLE {schema}.facts_policy (key text NOT NULL)",
    )),
    Migration(version=4, summary="history.feed_seq, the change feed", steps=(
        "ALTER TABLE {schema}.history ADD COLUMN feed_seq bigint",
        # numbered 1, 2, ... by time: below any later (transaction id << 16) number, since
        # every commit took a transaction id and wrote a few entries
        """UPDATE {schema}.history AS h SET feed_seq = r.n
           FROM (SELECT agent, seq, row_number() OVER (ORDER BY at, agent COLLATE "C", seq)
                 AS n FROM {schema}.history) AS r
           WHERE h.agent = r.agent AND h.seq = r.seq""",
        "CREATE UNIQUE INDEX history_feed ON {schema}.history (feed_seq)",
    )),
    # No query of agentstate read them; without them an update that changes a status but not
    # the next deadline can be a HOT update. The columns stay, for hosts to read.
    Migration(version=5, summary="drop the status and logged-in indexes (unused)", steps=(
        "DROP INDEX IF EXISTS {schema}.agents_status",
        "DROP INDEX IF EXISTS {schema}.agents_logged_in",
    )),
    # wait_for_feed's connections say they listen: a commit sends the wake-up (a transaction
    # of its own, a second statement) only while one does
    Migration(version=6, summary="feed_listeners: who waits for the feed", steps=(
        """CREATE TABLE IF NOT EXISTS {schema}.feed_listeners (
            pid integer NOT NULL,
            started timestamptz NOT NULL,
            PRIMARY KEY (pid, started)
        )""",
    )),
)
"""Every schema change, oldest first; a migration's ``version`` is its position plus one."""

SCHEMA_VERSION = MIGRATIONS[-1].version
"""The newest schema this agentstate reads and writes."""

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_CACHED = 4096  # decoded states kept, keyed by their exact JSON text
_PER_COMMIT = 1 << 16  # entries one commit may write: the low bits of a feed sequence
_CHANGE_TEXT = TextEncoder(Change)  # an entry's JSON text, as dumps(encode_change(...)) has it


class PostgresStore:
    """A :class:`~agentstate.Store` in PostgreSQL, for several hosts sharing one database.

    Args:
        conninfo: a libpq connection string or URL (``"host=db dbname=cc user=agentstate"``).
        schema: the PostgreSQL schema holding agentstate's tables; created if missing.
        connect_timeout: seconds to wait for the server when (re)connecting.
        claim_for: seconds an agent returned by :meth:`next_due` stays claimed by this store
            (unless it commits the agent first); other nodes skip it meanwhile.

    Raises:
        SchemaError: the schema was written by a newer agentstate, or is not agentstate's.
        StoreError: psycopg is missing, or the server cannot be reached.

    One store holds one connection, reconnecting after the server went away. Reads that fail on
    a broken connection are retried once on a new one; a commit is not (it may have been
    applied): it raises :class:`StoreError`, and the host may re-apply the event, which its
    ``event_id`` makes safe. Calls from several threads are serialised.
    """

    __slots__ = ("_cache", "_channel", "_claim_for", "_conn", "_conninfo", "_listen_lock",
                 "_listener", "_listeners", "_lock", "_pipelined", "_pipelined_sql", "_pipelines",
                 "_psycopg", "_raw", "_schema", "_sql", "_texts", "_timeout", "_wake")

    recheck = 1.0
    """Seconds :meth:`wait_for_feed` waits for a notification before looking at the feed
    again anyway."""

    def __init__(self, conninfo: str, *, schema: str = "agentstate",
                 connect_timeout: float = 10.0, claim_for: float = 30.0) -> None:
        try:
            import psycopg
            import psycopg.adapt
            from psycopg import sql
        except ImportError:
            raise StoreError("PostgresStore needs psycopg 3: pip install "
                             "'agentstate-engine[postgres]'") from None
        if not schema:
            raise StoreError(f"PostgresStore schema must be a non-empty name, got {schema!r}")
        self._psycopg = psycopg
        self._conninfo = conninfo
        self._schema = schema
        self._timeout = connect_timeout
        self._claim_for = float(claim_for)
        self._lock = threading.RLock()
        self._cache = DecodedStates(_CACHED)
        self._texts = StateTexts(_CACHED)  # states' JSON text, field by field
        self._conn: psycopg.Connection[Any] | None = None
        self._listen_lock = threading.Lock()
        self._listener: psycopg.Connection[Any] | None = None
        # NOTIFY's channel: one per schema (PostgreSQL keeps 63 bytes of a name)
        self._channel = f"agentstate:{schema}".encode()[:63].decode(errors="ignore")
        self._wake = [self._channel.encode()]
        # the commits and the wake-up as libpq runs them (see _commit_and_wake), and the
        # connection they are prepared on, with its dumper of parameters
        self._raw: tuple[psycopg.Connection[Any], Any, set[bytes]] | None = None
        quoted = sql.Identifier(schema).as_string(None)
        self._sql = _statements(quoted)
        self._pipelined, self._pipelined_sql = _pipelined(self._sql)
        self._pipelines = psycopg.Pipeline.is_supported()
        # whether the last commit saw a connection waiting in wait_for_feed (at first: yes)
        self._listeners = True
        with self._lock:
            conn = self._connect()
            try:
                _migrate(conn, quoted, schema)
            except BaseException:
                self.close()
                raise

    # -- the Store protocol ----------------------------------------------------------------------

    def load(self, agent: str) -> AgentState | None:
        """The agent's current state, or ``None``. Raises :class:`StoreError` on a bad row."""
        with self._lock:
            row = self._read(agent, lambda c: self._fetch_one(c, _LOAD, [agent]))
            if row is None:
                return None
            return self._cache.from_row(agent, row, _column)

    def commit(self, state: AgentState, changes: Sequence[Change], *,
               expected_version: int, facts: Sequence[EligibilityFact] | None = None) -> None:
        """Save ``state``, append ``changes`` and replace the agent's eligibility ``facts``
        (``None``: remove them) in one statement, if the version matches.

        Raises:
            ConflictError: the stored version is not ``expected_version``; nothing written.
            StoreError: the database failed (if the connection broke, the outcome is unknown:
                reload), or a change is for another agent or repeats a recorded ``seq``.
        """
        agent = state.agent
        seqs, ats, ids, entries = [], [], [], []
        if len(changes) >= _PER_COMMIT:
            raise StoreError(f"agent {shown(agent)}: cannot commit {len(changes):,} changes at "
                             f"once (at most {_PER_COMMIT - 1:,})", agent=agent)
        for change in changes:
            if change.agent != agent:
                raise StoreError(f"agent {shown(agent)}: cannot commit a change of agent "
                                 f"{shown(change.agent)} with it", agent=agent)
            seqs.append(change.seq)
            ats.append(_plain(change.at))
            ids.append(change.event_id)
            written = _CHANGE_TEXT.text(change)
            entries.append(dumps(encode_change(change), agent=agent) if written is None
                           else written[0])
        with self._lock:
            text = self._texts.text(state)
        params: dict[str, Any] = {"agent": agent, "version": state.version, "state": text,
                                  "expected": expected_version}
        params.update((name, _column(derive(state))) for name, derive in INDEXED)
        if facts:
            params.update(_fact_arrays(facts))
        if len(changes) == 1:  # the usual case: plain parameters are much cheaper than arrays
            params.update(seq=seqs[0], at=ats[0], event_id=ids[0], entry=entries[0])
            how = "one"
        else:
            params.update(seqs=seqs, ats=ats, ids=ids, entries=entries)
            how = "many"
        key = (("insert_" if expected_version == 0 else "update_") + how
               + ("_facts" if facts else ""))
        psycopg = self._psycopg
        with self._lock:
            conn = self._connect()
            try:
                moved = self._commit_and_wake(conn, key, params)
            except psycopg.errors.UniqueViolation as error:
                raise StoreError(f"agent {shown(agent)}: cannot append history: a change repeats a "
                                 f"recorded seq ({error.diag.message_detail})",
                                 agent=agent) from None
            except psycopg.Error as error:
                if conn.broken or conn.closed:
                    raise self._failed(agent, error, "commit (the connection broke: the "
                                       "outcome is unknown; reload the agent)") from None
                # The server answered: it refused the statement, which wrote nothing.
                raise self._refused(agent, error, "commit") from None
            except UNSTORABLE as error:  # raised while sending: nothing was written
                raise self._refused(agent, error, "commit") from None
            if moved != 1:
                found = self._read(agent, lambda c: c.execute(self._sql["version"],
                                                              (agent,)).fetchone())
                raise ConflictError(agent=agent, expected=expected_version,
                                    actual=None if found is None else found[0])
            self._cache.remember(agent, text, state)

    def history(self, agent: str, *, start: datetime | None = None,
                end: datetime | None = None) -> Sequence[Change]:
        """The agent's entries with ``start <= at < end``, oldest first."""
        key = "history" + ("_from" if start is not None else "") + ("_to" if end is not None
                                                                     else "")
        params = {"agent": agent, "start": None if start is None else _plain(start),
                  "end": None if end is None else _plain(end)}
        with self._lock:
            rows = self._read(agent, lambda c: c.execute(self._sql[key], params).fetchall())
        return [_change(agent, row) for row in rows]

    def changes_for_event(self, agent: str, event_id: str) -> Sequence[Change]:
        """The entries recorded for ``event_id`` on this agent, oldest first (or none)."""
        with self._lock:
            rows = self._read(agent, lambda c: c.execute(self._sql["event"],
                                                         (agent, event_id)).fetchall())
        return [_change(agent, row) for row in rows]

    def agents(self) -> Iterator[str]:
        """Every registered agent's id, in registration order."""
        with self._lock:
            rows = self._read(None, lambda c: c.execute(self._sql["agents"]).fetchall())
        return iter([row[0] for row in rows])

    def next_deadline(self) -> datetime | None:
        """The earliest deadline of any agent, or ``None`` (an indexed query)."""
        with self._lock:
            row = self._read(None, lambda c: c.execute(self._sql["next_deadline"]).fetchone())
        return None if row is None or row[0] is None else to_utc(row[0])

    def next_due(self, until: datetime) -> tuple[datetime, str] | None:
        """Claim the agent with the earliest deadline ``<= until`` that no node has claimed.

        Returns ``(deadline, agent)``, or ``None``. The claim lasts ``claim_for`` seconds or
        until the agent's next commit, whichever comes first; meanwhile :meth:`next_due` of
        every store (this one included) skips the agent.
        """
        params = {"until": _plain(until), "lease": self._claim_for}
        with self._lock:
            conn = self._connect()
            try:
                row = conn.execute(self._sql["next_due"], params).fetchone()
            except (self._psycopg.Error, *UNSTORABLE) as error:
                raise self._failed(None, error, "claim of a due timer") from None
        return None if row is None else (to_utc(row[0]), row[1])

    def feed(self, *, after: int = 0, limit: int = 1000) -> Sequence[tuple[int, Change]]:
        """The entries with a feed sequence above ``after``, lowest first, at most ``limit``,
        of transactions older than every one still running (see the module's docs)."""
        params = {"after": after, "limit": limit}
        with self._lock:
            rows = self._read(None, lambda c: c.execute(self._sql["feed"], params).fetchall())
        return [(row[-1], _change(row[0], row[1:-1])) for row in rows]

    def wait_for_feed(self, after: int, timeout: float) -> bool:
        """Wait until :meth:`feed` has an entry after ``after`` (``True``) or ``timeout``
        seconds passed (``False``): woken by the ``NOTIFY`` of every commit, on a connection
        of its own (so other threads keep using the store meanwhile)."""
        psycopg = self._psycopg
        end = time.monotonic() + timeout
        with self._listen_lock:
            for attempt in (1, 2):
                conn = self._listening()
                try:
                    while True:
                        row = conn.execute(self._sql["feed_after"], (after,)).fetchone()
                        if row is not None and row[0]:
                            return True
                        left = end - time.monotonic()
                        if left <= 0:
                            return False
                        for _ in conn.notifies(timeout=min(left, self.recheck), stop_after=1):
                            pass
                except psycopg.OperationalError as error:
                    if attempt == 2 or not conn.broken:
                        raise self._failed(None, error, "wait for the feed") from None
                except psycopg.Error as error:
                    raise self._failed(None, error, "wait for the feed") from None
        raise AssertionError("unreachable")

    def _listening(self) -> psycopg.Connection[Any]:
        """The connection listening on the feed's channel (opened on first use)."""
        conn = self._listener
        if conn is not None and not conn.closed and not conn.broken:
            return conn
        self._listener = None
        psycopg = self._psycopg
        from psycopg import sql

        try:
            conn = psycopg.connect(self._conninfo, autocommit=True,
                                   connect_timeout=max(1, round(self._timeout)))
            with conn.transaction():  # listening from the commit on, and listed as listening
                conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self._channel)))
                conn.execute(self._sql["listen"])
        except psycopg.Error as error:
            raise StoreError(f"cannot listen to PostgreSQL: {error}") from None
        self._listener = conn
        return conn  # type: ignore[no-any-return]

    def recent(self, agent: str) -> AgentState | None:
        """The state this store last read or wrote of ``agent``, without a query (maybe stale:
        see :class:`~agentstate.RecentStates`), or ``None``."""
        with self._lock:
            return self._cache.last(agent)

    # -- eligibility (the EligibilityStore protocol) -----------------------------------------

    def eligible_places(self, queue: str, channel: str, *, limit: int | None = None,
                        calls_at: datetime | None = None, after: str | None = None
                        ) -> list[tuple[QueuePlace, int]]:
        """The eligible agents' places and versions, best first, with every node's changes:
        an indexed query.

        By ``(penalty, sort, agent)``, reading only the rows it returns; with ``calls_at``, by
        the calls of a day not over at ``calls_at`` instead of ``sort`` (fewest calls); with
        ``after``, agents after ``after`` first (round robin).
        """
        params: dict[str, Any] = {"queue": queue, "channel": channel, "limit": limit,
                                  "calls_at": None, "after": after}
        key = "eligible"
        if calls_at is not None:
            key, params["calls_at"] = "eligible_by_calls", _plain(calls_at)
        elif after is not None:
            key = "eligible_after"
        with self._lock:
            rows = self._read(None, lambda c: c.execute(self._sql[key], params).fetchall())
        return [(QueuePlace(agent, penalty, sort, calls, None if until is None else to_utc(until)),
                 version) for agent, penalty, sort, calls, until, version in rows]

    def last_offered(self, queue: str) -> str | None:
        """The agent ``queue`` offered work to last, or ``None``."""
        with self._lock:
            row = self._read(None, lambda c: c.execute(self._sql["last_offered"],
                                                       (queue,)).fetchone())
        return None if row is None else str(row[0])

    def facts_policy(self) -> str | None:
        """The key of the policy the stored facts were computed under, or ``None``."""
        with self._lock:
            row = self._read(None, lambda c: c.execute(self._sql["facts_policy"]).fetchone())
        return None if row is None else str(row[0])

    def rebuild_facts(self, policy_key: str,
                      compute: Callable[[AgentState], Sequence[EligibilityFact]]) -> None:
        """Recompute every agent's facts in one transaction; commits wait for it (it holds
        the facts table in ``EXCLUSIVE`` mode), so none is lost or left stale."""
        sql = self._sql
        with self._lock:
            conn = self._connect()
            try:
                with conn.transaction():
                    conn.execute(sql["lock_facts"])
                    conn.execute(sql["clear_facts"])
                    for row in conn.execute(sql["all_states"]).fetchall():
                        state = self._cache.from_row(row[0], row[1:], _column)
                        arrays = _fact_arrays(compute(state))
                        if arrays["f_queue"]:
                            conn.execute(sql["put_facts"], {"agent": state.agent, **arrays})
                    conn.execute(sql["set_facts_policy"], (policy_key,))
            except (self._psycopg.Error, *UNSTORABLE) as error:
                raise self._failed(None, error, "rebuild of the eligibility facts") from None

    # -- the rest --------------------------------------------------------------------------------

    @property
    def schema(self) -> str:
        """The PostgreSQL schema holding the tables."""
        return self._schema

    def close(self) -> None:
        """Close the connection. Idempotent; a later call reconnects."""
        with self._lock:
            conn, self._conn, self._raw = self._conn, None, None
            if conn is not None:
                conn.close()
        with self._listen_lock:
            listener, self._listener = self._listener, None
            if listener is not None:
                with contextlib.suppress(self._psycopg.Error):  # else forgotten by the next
                    listener.execute(self._sql["unlisten"])     # listener to start
                listener.close()

    def __enter__(self) -> PostgresStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __len__(self) -> int:
        with self._lock:
            row = self._read(None, lambda c: c.execute(self._sql["count"]).fetchone())
        return int(row[0])

    def __repr__(self) -> str:
        return f"<PostgresStore schema={self._schema!r}>"

    def _commit_and_wake(self, conn: psycopg.Connection[Any], key: str,
                         params: dict[str, Any]) -> int:
        """Run the commit statement ``key`` and, in a transaction of its own, the wake-up of
        :meth:`wait_for_feed` if a connection waits there. Returns how many agent rows the
        commit moved (0: the compare-and-set failed); raises psycopg's error if the server
        refused the commit.

        Connections waiting in :meth:`wait_for_feed` are listed in ``feed_listeners``, and the
        commit statement says whether the list is empty. While the last commit saw a listener,
        the wake-up goes with the commit (libpq's pipeline mode, where the libpq has it): one
        round trip and one wake of the server process. While it saw none, the commit goes
        alone, and if it then finds a listener the wake-up follows it. Nobody waiting, a commit
        is one statement; a listener that starts while a commit is under way finds the entry
        by its own look at the feed, or at its next ``recheck``. A wake-up sent on its own is
        best effort: the commit is durable by then, so its failure is not the commit's (the
        connection is dropped, and the reader finds the entry at its next ``recheck``).

        A ``NOTIFY`` in the commit itself would serialise every commit of the database, disk
        flush included: PostgreSQL holds a database-wide lock from a notifying transaction's
        commit to its end. The wake-up carries no data, so its transaction does not wait for
        the disk (``synchronous_commit`` off for it alone); it runs after the commit ended, so
        a woken reader finds the entry.
        """
        psycopg = self._psycopg
        name, names = self._pipelined[key]
        dump = self._prepared(conn, name, _WAKE)
        values = dump.dump_sequence([params[n] for n in names],
                                    [psycopg.adapt.PyFormat.TEXT] * len(names))
        woken = self._listeners and self._pipelines
        if woken:
            result = self._exchange(conn, (name, values), (_WAKE, self._wake))[0]
        else:
            result = self._exchange(conn, (name, values))[0]
        _checked(psycopg, conn, result)
        moved = int(result.get_value(0, 0) or b"0")
        self._listeners = result.get_value(0, 1) == b"t"
        if self._listeners and moved and not woken:
            # The commit is durable: its wake-up is best effort. If it fails, _exchange has
            # closed the connection (the next call opens another), and a reader not woken
            # finds the entry at its next look at the feed (``recheck``).
            with contextlib.suppress(Exception):
                self._exchange(conn, (_WAKE, self._wake))
        return moved

    def _fetch_one(self, conn: psycopg.Connection[Any], name: bytes,
                   params: list[Any]) -> tuple[Any, ...] | None:
        """The first row of the prepared statement ``name`` (see :func:`_pipelined`), or
        ``None``: what ``conn.execute(...).fetchone()`` gives, without psycopg's cursor."""
        psycopg = self._psycopg
        load = self._prepared(conn, name)
        values = load.dump_sequence(params, [psycopg.adapt.PyFormat.TEXT] * len(params))
        result = _checked(psycopg, conn, self._exchange(conn, (name, values))[0])
        if result.ntuples == 0:
            return None
        load.set_pgresult(result)
        row: tuple[Any, ...] = load.load_row(0, tuple)
        load.set_pgresult(None)
        return row

    def _exchange(self, conn: psycopg.Connection[Any],
                  *statements: tuple[bytes, Sequence[Any]]) -> list[Any]:
        """Run prepared ``statements`` (name, dumped parameters), each in its own transaction,
        and return each one's last result: one statement plainly, several in one pipeline.

        Waits for the server without holding the GIL (other threads run meanwhile). If
        anything goes wrong on the way, the connection is closed (its state is unknown) and
        the error raised; the server's refusal of a statement is its result, not an error.
        """
        pgconn = conn.pgconn
        pq = self._psycopg.pq
        piped = len(statements) > 1
        results: list[Any] = []
        try:
            if piped:
                pgconn.enter_pipeline_mode()
            for name, values in statements:
                pgconn.send_query_prepared(name, values)
                if piped:
                    pgconn.pipeline_sync()
            while pgconn.flush():  # rarely: more than the socket's buffer
                _wait(pgconn.socket, write=True)
            last = None
            ended = 0  # statements whose results are all in
            _wait(pgconn.socket, write=False)  # nothing can have come yet: no read to try
            while ended < len(statements):
                pgconn.consume_input()
                if pgconn.is_busy():
                    _wait(pgconn.socket, write=False)
                    continue
                result = pgconn.get_result()
                if result is None:  # the end of one statement's results
                    if not piped:
                        results.append(last)
                        ended += 1
                elif result.status == pq.ExecStatus.PIPELINE_SYNC:
                    results.append(last)
                    ended += 1
                else:
                    last = result
            if piped:
                pgconn.exit_pipeline_mode()
        except BaseException:  # the connection is in an unknown state: never used again
            self._conn = self._raw = None
            conn.close()
            raise
        return results

    def _prepared(self, conn: psycopg.Connection[Any], *names: bytes) -> Any:
        """The connection's psycopg ``Transformer`` (it dumps parameters and loads rows), once
        the statements ``names`` are prepared on it (once per connection; raises the
        server's refusal)."""
        raw = self._raw
        if raw is None or raw[0] is not conn:  # a new connection: nothing prepared on it yet
            raw = self._raw = (conn, self._psycopg.adapt.Transformer.from_context(conn), set())
        _, transformer, prepared = raw
        for name in names:
            if name not in prepared:
                _checked(self._psycopg, conn,
                         conn.pgconn.prepare(name, self._pipelined_sql[name]))
                prepared.add(name)
        return transformer

    def _connect(self) -> psycopg.Connection[Any]:
        conn = self._conn
        if conn is not None and not conn.closed and not conn.broken:
            return conn
        self._conn = None
        try:
            conn = self._psycopg.connect(self._conninfo, autocommit=True,
                                         connect_timeout=max(1, round(self._timeout)))
        except self._psycopg.Error as error:
            raise StoreError(f"cannot connect to PostgreSQL: {error}") from None
        self._conn = conn
        return conn

    def _read(self, agent: str | None, work: Callable[[psycopg.Connection[Any]], Any]) -> Any:
        """Run a read, once more on a fresh connection if the first one was broken."""
        for attempt in (1, 2):
            conn = self._connect()
            try:
                return work(conn)
            except self._psycopg.OperationalError as error:
                if attempt == 2 or not conn.broken:
                    raise self._failed(agent, error, "read") from None
            except (self._psycopg.Error, *UNSTORABLE) as error:
                raise self._failed(agent, error, "read") from None
        raise AssertionError("unreachable")

    def _failed(self, agent: str | None, error: Exception, what: str) -> StoreError:
        who = f"agent {shown(agent)}: " if agent is not None else ""
        why = unstorable(error) if isinstance(error, UNSTORABLE) else clip(str(error))
        return StoreError(f"{who}PostgreSQL {what} failed: {why}", agent=agent)

    def _refused(self, agent: str, error: Exception, what: str) -> StoreError:
        why = unstorable(error) if isinstance(error, UNSTORABLE) else clip(str(error))
        return StoreError(f"agent {shown(agent)}: PostgreSQL refused the {what}, which wrote "
                          f"nothing: {why}", agent=agent)


    # -- day questions: where the day's state begins ---------------------------------------------

    def history_before(self, agent: str, end: datetime, *, limit: int) -> Sequence[Change]:
        """The agent's last ``limit`` entries with ``at < end``, oldest first (one walk back
        along the ``history_at`` index)."""
        schema = self._psycopg.sql.Identifier(self._schema).as_string(None)
        sql = (f"SELECT seq, at, event_id, entry::text FROM {schema}.history "
               "WHERE agent = %s AND at < %s ORDER BY at DESC, seq DESC LIMIT %s")
        args = (agent, _plain(end), limit)
        with self._lock:
            rows = self._read(agent, lambda c: c.execute(sql, args).fetchall())
        return [_change(agent, row) for row in reversed(rows)]

def _plain(instant: datetime) -> datetime:
    """``instant`` as a stdlib UTC datetime: psycopg adapts it without pendulum's arithmetic."""
    return _EPOCH + timedelta(microseconds=micros(to_utc(instant)))


def _column(value: str | bool | datetime | None) -> str | bool | datetime | None:
    """An indexed value as psycopg should send it."""
    return _plain(value) if isinstance(value, datetime) else value


def _fact_arrays(facts: Sequence[EligibilityFact]) -> dict[str, list[Any]]:
    """``facts`` as one array per column, for ``unnest``."""
    return {
        "f_queue": [f.queue for f in facts],
        "f_channel": [f.channel for f in facts],
        "f_eligible": [f.eligible for f in facts],
        "f_penalty": [f.penalty for f in facts],
        "f_sort": [f.sort for f in facts],
        "f_calls": [f.calls for f in facts],
        "f_calls_until": [None if f.calls_until is None else _plain(f.calls_until)
                          for f in facts],
        "f_last_offer_at": [None if f.last_offer_at is None else _plain(f.last_offer_at)
                            for f in facts],
    }


_WAKE = b"agentstate_wake"
_LOAD = b"agentstate_load"
_PLACEHOLDER = re.compile(r"%\((\w+)\)s|%s")


def _pipelined(statements: dict[str, Any]) -> tuple[dict[str, tuple[bytes, list[str]]],
                                                     dict[bytes, bytes]]:
    """The commit statements and the wake-up with libpq's ``$n`` placeholders: for each
    statement key, its prepared name and the parameters' names in order; for each name, its
    SQL."""
    keys = {key: f"agentstate_{key}".encode() for key in statements
            if key.startswith(("insert_", "update_"))}
    by_key: dict[str, tuple[bytes, list[str]]] = {}
    sql: dict[bytes, bytes] = {}
    for key, name in keys.items():
        names: list[str] = []

        def number(match: re.Match[str], names: list[str] = names) -> str:
            if match.group(1) not in names:
                names.append(match.group(1))
            return f"${names.index(match.group(1)) + 1}"

        sql[name] = _PLACEHOLDER.sub(number, statements[key]).encode()
        by_key[key] = (name, names)
    sql[_WAKE] = statements["notify"].replace("%s", "$1").encode()
    sql[_LOAD] = statements["load"].replace("%s", "$1").encode()
    return by_key, sql


def _checked(psycopg: Any, conn: psycopg.Connection[Any], result: Any) -> Any:
    """``result``, or the error it reports raised as psycopg's exception."""
    if result.status == psycopg.pq.ExecStatus.FATAL_ERROR:
        raise psycopg.errors.error_from_result(result, encoding=conn.info.encoding)
    return result


def _wait(socket: int, *, write: bool) -> None:
    """Wait until the connection's socket can be read (or written)."""
    if hasattr(select, "poll"):
        poll = select.poll()
        poll.register(socket, select.POLLOUT if write else select.POLLIN)
        poll.poll()
    else:  # pragma: no cover (Windows)
        select.select([] if write else [socket], [socket] if write else [], [])


def _statements(schema: str) -> dict[str, Any]:
    """The store's SQL, for the schema named ``schema`` (already quoted)."""
    names = [name for name, _ in INDEXED]
    columns = ", ".join(names)
    values = ", ".join(f"%({name})s" for name in names)
    sets = ", ".join(f"{name} = %({name})s" for name in names)
    unnest_facts = """unnest(%(f_queue)s::text[], %(f_channel)s::text[],
                   %(f_eligible)s::boolean[], %(f_penalty)s::integer[], %(f_sort)s::bigint[],
                   %(f_calls)s::integer[], %(f_calls_until)s::timestamptz[],
                   %(f_last_offer_at)s::timestamptz[])"""
    # an agent's facts rows change only where they differ: rows not among the new facts go,
    # new facts not among the rows come (both read the rows as they were before the statement)
    same = """n.queue = q.queue AND n.channel = q.channel AND n.eligible = q.eligible
                  AND n.penalty = q.penalty AND n.sort = q.sort AND n.calls = q.calls
                  AND n.calls_until IS NOT DISTINCT FROM q.calls_until
                  AND n.last_offer_at IS NOT DISTINCT FROM q.last_offer_at"""
    facts = f"""
        new AS (SELECT * FROM {unnest_facts}
                AS n(queue, channel, eligible, penalty, sort, calls, calls_until,
                     last_offer_at)),
        gone AS (
            DELETE FROM {schema}.queue_facts AS q
            WHERE q.agent = %(agent)s AND EXISTS (SELECT 1 FROM moved)
              AND NOT EXISTS (SELECT 1 FROM new AS n WHERE {same})
        ),
        put AS (
            INSERT INTO {schema}.queue_facts
            SELECT moved.agent, n.* FROM moved, new AS n
            WHERE NOT EXISTS (SELECT 1 FROM {schema}.queue_facts AS q
                              WHERE q.agent = %(agent)s AND {same})
        ),"""
    no_facts = f"""
        gone AS (
            DELETE FROM {schema}.queue_facts
            WHERE agent = %(agent)s AND EXISTS (SELECT 1 FROM moved)
        ),"""
    # the feed's number: this transaction's id in the high bits, the entry's place in the low
    xact = f"(pg_current_xact_id()::text::bigint << {_PER_COMMIT.bit_length() - 1})"
    # how many agent rows moved, and whether anyone waits for the feed (see _commit_and_wake)
    done = f"""
        SELECT count(*), EXISTS (SELECT 1 FROM {schema}.feed_listeners) FROM moved"""
    append_many = f"""
        added AS (
            INSERT INTO {schema}.history (agent, seq, at, event_id, entry, feed_seq)
            SELECT moved.agent, c.seq, c.at, c.event_id, c.entry::json, {xact} + c.n
            FROM moved, unnest(%(seqs)s::bigint[], %(ats)s::timestamptz[], %(ids)s::text[],
                               %(entries)s::text[]) WITH ORDINALITY
                        AS c(seq, at, event_id, entry, n)
        )""" + done
    append_one = f"""
        added AS (
            INSERT INTO {schema}.history (agent, seq, at, event_id, entry, feed_seq)
            SELECT moved.agent, %(seq)s::bigint, %(at)s::timestamptz, %(event_id)s::text,
                   %(entry)s::json, {xact} + 1
            FROM moved
        )""" + done
    # entries of transactions older than every one still running (of this query's snapshot)
    horizon = (f"(pg_snapshot_xmin(pg_current_snapshot())::text::bigint "
               f"<< {_PER_COMMIT.bit_length() - 1})")
    insert = f"""
            WITH moved AS (
                INSERT INTO {schema}.agents (agent, version, {columns}, state)
                VALUES (%(agent)s, %(version)s, {values}, %(state)s::json)
                ON CONFLICT (agent) DO NOTHING
                RETURNING agent
            ),"""
    update = f"""
            WITH moved AS (
                UPDATE {schema}.agents
                SET version = %(version)s, {sets}, state = %(state)s::json, claimed_until = NULL
                WHERE agent = %(agent)s AND version = %(expected)s
                RETURNING agent
            ),"""
    history = f"SELECT seq, at, event_id, entry::text FROM {schema}.history WHERE agent = %(agent)s"
    eligible = f"""
            SELECT f.agent, f.penalty, f.sort, f.calls, f.calls_until, a.version
            FROM {schema}.queue_facts AS f JOIN {schema}.agents AS a ON a.agent = f.agent
            WHERE f.queue = %(queue)s AND f.channel = %(channel)s AND f.eligible
            ORDER BY f.penalty, {{}}, f.agent COLLATE "C"
            LIMIT %(limit)s"""
    return {
        "load": f"SELECT version, {columns}, state::text FROM {schema}.agents WHERE agent = %s",
        "version": f"SELECT version FROM {schema}.agents WHERE agent = %s",
        **{f"{how}_{count}{suffix}": start + with_facts + append
           for how, start in (("insert", insert), ("update", update))
           for count, append in (("one", append_one), ("many", append_many))
           for suffix, with_facts in (("_facts", facts), ("", no_facts))},
        # the wake-up of wait_for_feed, in a transaction of its own after the commit: a NOTIFY
        # in the commit would serialise every commit of the database, disk flush included
        # (PostgreSQL holds a database-wide lock from a notifying commit's start to its end).
        # It carries no data, so its own commit need not wait for the disk.
        "notify": "SELECT set_config('synchronous_commit', 'off', true), pg_notify(%s, '')",
        # wait_for_feed's connection lists itself, forgetting the sessions that ended (by
        # pid: another role's backend_start is hidden; a reused pid only costs wake-ups)
        "listen": f"""
            WITH ended AS (
                DELETE FROM {schema}.feed_listeners AS l
                WHERE NOT EXISTS (SELECT 1 FROM pg_stat_activity AS a WHERE a.pid = l.pid)
            )
            INSERT INTO {schema}.feed_listeners (pid, started)
            SELECT pid, backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()
            ON CONFLICT DO NOTHING""",
        "unlisten": f"DELETE FROM {schema}.feed_listeners WHERE pid = pg_backend_pid()",
        "history": history + " ORDER BY seq",
        "history_from": history + " AND at >= %(start)s ORDER BY seq",
        "history_to": history + " AND at < %(end)s ORDER BY seq",
        "history_from_to": history + " AND at >= %(start)s AND at < %(end)s ORDER BY seq",
        "event": (f"SELECT seq, at, event_id, entry::text FROM {schema}.history "
                  "WHERE agent = %s AND event_id = %s ORDER BY seq"),
        "agents": f"SELECT agent FROM {schema}.agents ORDER BY id",
        "feed": f"""
            SELECT agent, seq, at, event_id, entry::text, feed_seq FROM {schema}.history
            WHERE feed_seq > %(after)s AND feed_seq < {horizon}
            ORDER BY feed_seq LIMIT %(limit)s""",
        "feed_after": f"""
            SELECT EXISTS (SELECT 1 FROM {schema}.history
                           WHERE feed_seq > %s AND feed_seq < {horizon})""",
        "next_deadline": f"SELECT min(next_deadline) FROM {schema}.agents",
        "next_due": f"""
            UPDATE {schema}.agents
            SET claimed_until = clock_timestamp() + make_interval(secs => %(lease)s)
            WHERE agent = (
                SELECT agent FROM {schema}.agents
                WHERE next_deadline <= %(until)s
                  AND (claimed_until IS NULL OR claimed_until < clock_timestamp())
                ORDER BY next_deadline, agent
                LIMIT 1
                FOR UPDATE SKIP LOCKED)
            RETURNING next_deadline, agent""",
        "count": f"SELECT count(*) FROM {schema}.agents",
        "eligible": eligible.format("f.sort"),
        "eligible_by_calls": eligible.format(  # a day's calls, until the day ends
            "CASE WHEN f.calls_until > %(calls_at)s THEN f.calls ELSE 0 END"),
        "eligible_after": eligible.format(  # round robin: agents after the last one first
            'f.agent COLLATE "C" <= %(after)s'),
        "last_offered": f"""
            SELECT agent FROM {schema}.queue_facts
            WHERE queue = %s AND last_offer_at IS NOT NULL
            ORDER BY last_offer_at DESC, agent COLLATE "C" DESC LIMIT 1""",
        "facts_policy": f"SELECT key FROM {schema}.facts_policy",
        "lock_facts": f"LOCK TABLE {schema}.queue_facts IN EXCLUSIVE MODE",
        "clear_facts": f"DELETE FROM {schema}.queue_facts",
        "all_states": f"SELECT agent, version, {columns}, state::text FROM {schema}.agents",
        "put_facts": f"INSERT INTO {schema}.queue_facts SELECT %(agent)s, f.* "
                     f"FROM {unnest_facts} AS f",
        "set_facts_policy": f"""
            WITH cleared AS (DELETE FROM {schema}.facts_policy)
            INSERT INTO {schema}.facts_policy (key) VALUES (%s)""",
    }


def _change(agent: str, row: tuple[Any, ...]) -> Change:
    return row_change(agent, row, _same)


def _same(value: Any) -> Any:
    return value


# -- migrating -------------------------------------------------------------------------------


class _Schema:
    """The schema as :func:`agentstate._rows.migrate` sees it."""

    def __init__(self, conn: psycopg.Connection[Any], schema: str, name: str) -> None:
        self.conn = conn
        self.schema = schema
        self.name = name
        self.where = f"PostgreSQL schema {name!r}"

    def version(self) -> int | None:
        """The schema's version: ``None`` if agentstate's tables are not there at all."""
        tables = {row[0] for row in self.conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
            (self.name,))}
        if "schema_version" not in tables:
            ours = sorted(tables & {"agents", "history"})
            if ours:
                raise SchemaError(
                    f"{self.where} has tables {', '.join(ours)} but no schema_version: they "
                    "are not agentstate's; refusing to touch them (choose another schema)",
                    found=None, supported=SCHEMA_VERSION)
            return None
        row = self.conn.execute(
            f"SELECT max(version) FROM {self.schema}.schema_version").fetchone()
        return stored_version(None if row is None else row[0], where=self.where,
                              supported=SCHEMA_VERSION)

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        with self.conn.transaction():  # nodes starting at once: one migrates, the others wait
            self.conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))",
                              (f"agentstate:{self.name}",))
            self.conn.execute(f"CREATE SCHEMA IF NOT EXISTS {self.schema}")
            yield

    def create_version_table(self) -> None:
        self.conn.execute(f"""CREATE TABLE {self.schema}.schema_version (
            version integer NOT NULL PRIMARY KEY,
            summary text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now())""")

    def run(self, step: str | Callable[[Any], None]) -> None:
        if isinstance(step, str):
            self.conn.execute(step.replace("{schema}", self.schema))
        else:
            step(self.conn)

    def record(self, migration: Migration) -> None:
        self.conn.execute(f"INSERT INTO {self.schema}.schema_version (version, summary) "
                          "VALUES (%s, %s)", (migration.version, migration.summary))


def _migrate(conn: psycopg.Connection[Any], schema: str, name: str) -> None:
    """Bring the schema to :data:`SCHEMA_VERSION`, or refuse a newer one."""
    import psycopg

    try:
        migrate(_Schema(conn, schema, name), MIGRATIONS)
    except psycopg.Error as error:
        raise StoreError(f"cannot prepare PostgreSQL schema {name!r}: {error}") from None
