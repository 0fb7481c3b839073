"""PostgresStore: several processes on shared agents, restarts, claims, migrations, bad input.

Every test here runs against a throwaway server started from the machine's PostgreSQL binaries
(``tests/_pg.py``); without them the tests are skipped and the skip says why.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import threading
import time
from datetime import timedelta
from typing import Any

import attrs
import pendulum
import pytest
from hypothesis import settings
from hypothesis.stateful import run_state_machine_as_test

from agentstate import (
    AgentState,
    AgentStateError,
    ConflictError,
    InteractionEnded,
    Login,
    Logout,
    ManualClock,
    SchemaError,
    SetStatus,
    StoreError,
    Strategy,
    Tracker,
    _codec,
    _eligibility,
    _postgres,
    _rows,
)
from agentstate._postgres import PostgresStore
from agentstate.presets import basic
from agentstate.testing import policy_state_machine
from tests import _pg
from tests._policies import timed
from tests._stores import (
    START,
    STRATEGY_IDS,
    STRATEGY_PAIRS,
    busy_day,
    check_history,
    child_env,
    with_strategies,
)

_schemas = itertools.count()


def _sql(conninfo: str, query: str, *args: object) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(conninfo, autocommit=True) as conn:
        cursor = conn.execute(query, args or None)  # type: ignore[arg-type]
        return cursor.fetchall() if cursor.description else []


# -- several processes -------------------------------------------------------------------------

_WORKER = r"""
import json, random, sys
import pendulum
from agentstate import (AgentStateError, ConflictError, InteractionAnswered, InteractionEnded,
                        InteractionOffered, ManualClock, SetStatus, Tracker)
from agentstate._postgres import PostgresStore
from agentstate.presets import basic

conninfo, schema, me, steps = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
AGENTS = [f"a{i}" for i in range(8)]
store = PostgresStore(conninfo, schema=schema)
clock = ManualClock(pendulum.now("UTC"))
tracker = Tracker(basic(), store=store, clock=clock, retries=20)
rng = random.Random(me)
ok = {agent: 0 for agent in AGENTS}
refused = 0
print("ready", flush=True)
sys.stdin.readline()
for n in range(steps):
    # every process reads one clock, the wall clock, through its ManualClock
    now = pendulum.now("UTC")
    if now > clock.now():
        clock.set(now)
    agent = rng.choice(AGENTS)
    state = tracker.state(agent)
    open_ = state.interactions[0] if state.interactions else None
    roll = rng.random()
    if open_ is not None and open_.state.value == "offered":
        event = InteractionAnswered(agent=agent, interaction=open_.id)
    elif open_ is not None:
        event = InteractionEnded(agent=agent, interaction=open_.id)
    elif state.status == "available" and roll < 0.4:
        # route as a node would: the best candidate by the database, at its version
        best = tracker.eligible("sales", limit=1)
        if not best:
            continue
        agent = best[0].agent
        event = InteractionOffered(agent=agent, interaction=f"c{me}-{n}", queue="sales",
                                   expected_version=best[0].version)
    else:
        dest = {"available": "offline", "offline": "available", "break": "available",
                "lunch": "available"}[state.status]
        event = SetStatus(agent=agent, status=dest)
    try:
        tracker.apply(event)
        ok[agent] += 1
    except AgentStateError:
        refused += 1
print(json.dumps({"ok": ok, "refused": refused}), flush=True)
"""


def test_processes_sharing_agents_lose_no_update(conninfo: str, schema: str) -> None:
    """4 processes apply interleaved events to 8 shared agents, routing offers by the
    database's eligibility: every agent's history is a valid sequence, the applied events are
    exactly the successful calls, and every agent's stored eligibility facts are those of its
    final state."""
    agents = [f"a{i}" for i in range(8)]
    with PostgresStore(conninfo, schema=schema) as store:
        tracker = Tracker(basic(), store=store,
                          clock=ManualClock(pendulum.now("UTC").subtract(minutes=1)))
        for agent in agents:
            tracker.register(agent)
            tracker.apply(Login(agent=agent, queues=("sales",)))
    workers = [subprocess.Popen([sys.executable, "-c", _WORKER, conninfo, schema, str(n), "150"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=child_env())
               for n in range(4)]
    for worker in workers:  # start together, for as much contention as possible
        assert worker.stdout is not None
        assert worker.stdout.readline().strip() == "ready"
    for worker in workers:
        assert worker.stdin is not None
        worker.stdin.write("go\n")
        worker.stdin.flush()
    ok = dict.fromkeys(agents, 0)
    for worker in workers:
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
        for agent, count in json.loads(out.strip().splitlines()[-1])["ok"].items():
            ok[agent] += count
    with PostgresStore(conninfo, schema=schema) as store:
        for agent in agents:
            history = check_history(store, agent)
            assert len(history) - 2 == ok[agent], agent  # minus registration and login
            expected = sorted(_eligibility.facts(basic(), store.load(agent)),  # type: ignore[arg-type]
                              key=lambda f: (f.queue, f.channel))
            assert expected == _stored_facts(conninfo, schema, agent)
    assert sum(ok.values()) > 300


def _stored_facts(conninfo: str, schema: str, agent: str) -> list[_eligibility.EligibilityFact]:
    rows = _sql(conninfo, f'SELECT queue, channel, eligible, penalty, sort, calls, calls_until, '
                          f'last_offer_at FROM "{schema}".queue_facts WHERE agent = %s '
                          'ORDER BY queue, channel', agent)
    return [_eligibility.EligibilityFact(
        queue=q, channel=c, eligible=e, penalty=p, sort=s, calls=n,
        calls_until=None if u is None else pendulum.instance(u, tz="UTC"),
        last_offer_at=None if o is None else pendulum.instance(o, tz="UTC"))
        for q, c, e, p, s, n, u, o in rows]


def test_the_loser_of_a_race_gets_a_conflict_and_writes_nothing(conninfo: str,
                                                                schema: str) -> None:
    clock = ManualClock(START)
    with PostgresStore(conninfo, schema=schema) as one, \
            PostgresStore(conninfo, schema=schema) as two:
        tracker = Tracker(basic(), store=one, clock=clock)
        tracker.register("a1")
        clock.advance(1)
        tracker.apply(Login(agent="a1"))
        seen_by_two = two.load("a1")
        assert seen_by_two is not None
        clock.advance(1)
        tracker.apply(SetStatus(agent="a1", status="offline"))
        stale = attrs.evolve(seen_by_two, version=3, status="lunch")
        with pytest.raises(ConflictError) as caught:
            two.commit(stale, (), expected_version=2)
        assert (caught.value.expected, caught.value.actual) == (2, 3)
        assert two.load("a1") == one.load("a1")
        assert len(two.history("a1")) == 3


# -- restart -----------------------------------------------------------------------------------


def test_a_new_tracker_over_the_database_resumes_every_agent(conninfo: str,
                                                              schema: str) -> None:
    clock = ManualClock(START)
    with PostgresStore(conninfo, schema=schema) as store:
        tracker = Tracker(basic(), store=store, clock=clock)
        busy_day(tracker, clock)
        before = {agent: tracker.state(agent) for agent in tracker.agents()}
        due = tracker.next_deadline()
    assert due is not None
    with PostgresStore(conninfo, schema=schema) as store:
        again = Tracker(basic(), store=store, clock=clock)
        assert {agent: again.state(agent) for agent in again.agents()} == before
        assert again.next_deadline() == due
        clock.set(due + timedelta(minutes=1))
        assert [r.agent for r in again.fire_due()] == ["a1"]
        again.apply(InteractionEnded(agent="a2", interaction="c1"))
        assert again.state("a2").status == "lunch"
        for agent in again.agents():
            check_history(store, agent)


# -- due timers across nodes -------------------------------------------------------------------


def test_next_due_claims_an_agent_until_it_commits(conninfo: str, schema: str) -> None:
    clock = ManualClock(START)
    with PostgresStore(conninfo, schema=schema) as one, \
            PostgresStore(conninfo, schema=schema) as two:
        tracker = Tracker(basic(), store=one, clock=clock)
        for agent in ("a1", "a2"):
            tracker.register(agent)
            tracker.apply(Login(agent=agent))
            tracker.apply(SetStatus(agent=agent, status="break", reason="coffee"))
            clock.advance(1)
        later = clock.now() + timedelta(hours=1)
        first = one.next_due(later)
        assert first is not None
        assert first[1] == "a1"
        second = two.next_due(later)  # a1 is claimed by the first node: the next one
        assert second is not None
        assert second[1] == "a2"
        assert one.next_due(later) is None  # both are claimed now
        assert one.next_deadline() == first[0]  # claims do not hide deadlines
        clock.set(later)
        # the claims are this test's, not a tracker's: nothing is free to fire ...
        assert Tracker(basic(), store=one, clock=clock).fire_due() == []
        # ... until a commit of the agent ends its claim
        tracker.apply(SetStatus(agent="a1", status="available"))
        assert one.next_due(later) is None  # a1's deadline went with its break; a2 is claimed
        assert two.next_deadline() == second[0]


def test_an_expired_claim_frees_the_agent(conninfo: str, schema: str) -> None:
    clock = ManualClock(START)
    with PostgresStore(conninfo, schema=schema, claim_for=0) as one, \
            PostgresStore(conninfo, schema=schema) as two:
        tracker = Tracker(basic(), store=one, clock=clock)
        tracker.register("a1")
        tracker.apply(Login(agent="a1"))
        tracker.apply(SetStatus(agent="a1", status="break", reason="coffee"))
        later = clock.now() + timedelta(hours=1)
        assert one.next_due(later) is not None
        assert two.next_due(later) is not None  # the first claim lasted no time
        clock.set(later)
        fired = Tracker(basic(), store=one, clock=clock).fire_due()
        assert fired == []  # two's claim (30 s) holds


def test_two_nodes_firing_at_once_fire_each_timer_once(conninfo: str, schema: str) -> None:
    """Two nodes call ``fire_due`` at the same moment: they share the work, and every timer is
    recorded once."""
    from concurrent.futures import ThreadPoolExecutor

    clock = ManualClock(START)
    agents = [f"a{n}" for n in range(12)]
    with PostgresStore(conninfo, schema=schema) as one, \
            PostgresStore(conninfo, schema=schema) as two:
        tracker = Tracker(basic(), store=one, clock=clock)
        for agent in agents:
            tracker.register(agent)
            tracker.apply(Login(agent=agent))
            tracker.apply(SetStatus(agent=agent, status="break", reason="coffee"))
        clock.advance(3600)
        nodes = [Tracker(basic(), store=store, clock=clock) for store in (one, two)]
        with ThreadPoolExecutor(2) as pool:
            fired = list(pool.map(lambda node: [r.agent for r in node.fire_due()], nodes))
        assert not set(fired[0]) & set(fired[1])
        assert sorted(fired[0] + fired[1]) == sorted(agents)
        timers = [c.agent for agent in agents for c in one.history(agent)
                  if type(c.event).__name__ == "TimerFired"]
        assert sorted(timers) == sorted(agents)


# -- migrations and schema versions ------------------------------------------------------------


def test_a_version_1_schema_is_migrated_and_backfilled(conninfo: str, schema: str) -> None:
    clock = ManualClock(START)
    source = Tracker(basic(), clock=clock)
    busy_day(source, clock)
    quoted = f'"{schema}"'
    _sql(conninfo, f"CREATE SCHEMA {quoted}")
    _sql(conninfo, f"CREATE TABLE {quoted}.schema_version (version integer PRIMARY KEY, "
                   "summary text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())")
    for step in _postgres.MIGRATIONS[0].steps:
        assert isinstance(step, str)
        _sql(conninfo, step.replace("{schema}", quoted))
    _sql(conninfo, f"INSERT INTO {quoted}.schema_version (version, summary) VALUES (1, 'v1')")
    for agent in source.agents():
        state = source.state(agent)
        _sql(conninfo, f"INSERT INTO {quoted}.agents (agent, version, status, occupation, "
                       "logged_in, state) VALUES (%s, %s, %s, %s, %s, %s)",
             agent, state.version, state.status, state.occupation.value, state.logged_in,
             _rows.dumps(_codec.encode_state(state), agent=agent))
    with PostgresStore(conninfo, schema=schema) as store:
        assert store.next_deadline() == source.next_deadline()
        assert store.next_deadline() is not None
        for agent in source.agents():
            assert store.load(agent) == source.state(agent)
        migrated = Tracker(basic(), store=store, clock=clock)
        assert source.eligible("sales") == migrated.eligible("sales")  # facts rebuilt
    versions = [row[0] for row in _sql(conninfo, f"SELECT version FROM {quoted}.schema_version "
                                                 "ORDER BY version")]
    assert versions == [1, *range(2, _postgres.SCHEMA_VERSION + 1)]


def test_a_schema_from_a_newer_agentstate_is_refused(conninfo: str, schema: str) -> None:
    PostgresStore(conninfo, schema=schema).close()
    newer = _postgres.SCHEMA_VERSION + 1
    _sql(conninfo, f'INSERT INTO "{schema}".schema_version (version, summary) '
                   "VALUES (%s, 'future')", newer)
    with pytest.raises(SchemaError, match=f"schema version {newer}, newer than") as caught:
        PostgresStore(conninfo, schema=schema)
    assert (caught.value.found, caught.value.supported) == (newer, _postgres.SCHEMA_VERSION)


def test_foreign_tables_are_refused(conninfo: str, schema: str) -> None:
    _sql(conninfo, f'CREATE SCHEMA "{schema}"')
    _sql(conninfo, f'CREATE TABLE "{schema}".agents (name text)')
    with pytest.raises(SchemaError, match="not agentstate's"):
        PostgresStore(conninfo, schema=schema)


def test_several_nodes_starting_at_once_migrate_once(conninfo: str, schema: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(4) as pool:
        stores = list(pool.map(lambda _: PostgresStore(conninfo, schema=schema), range(4)))
    for store in stores:
        store.close()
    rows = _sql(conninfo, f'SELECT version FROM "{schema}".schema_version ORDER BY version')
    assert [row[0] for row in rows] == [m.version for m in _postgres.MIGRATIONS]


# -- bad rows, broken connections, missing psycopg ----------------------------------------------


def test_malformed_rows_are_store_errors_naming_the_agent(conninfo: str, schema: str) -> None:
    clock = ManualClock(START)
    with PostgresStore(conninfo, schema=schema) as store:
        busy_day(Tracker(basic(), store=store, clock=clock), clock)
    quoted = f'"{schema}"'
    _sql(conninfo, f"UPDATE {quoted}.agents SET state = '{{\"agent\": \"a1\"}}' "
                   "WHERE agent = 'a1'")
    _sql(conninfo, f"UPDATE {quoted}.agents SET occupation = 'dancing' WHERE agent = 'a2'")
    _sql(conninfo, f"UPDATE {quoted}.history SET entry = '[]' WHERE agent = 'a3' AND seq = 2")
    with PostgresStore(conninfo, schema=schema) as store:
        with pytest.raises(StoreError, match=r"agent 'a1': .*missing") as caught:
            store.load("a1")
        assert caught.value.agent == "a1"
        with pytest.raises(StoreError, match="occupation column 'dancing'"):
            store.load("a2")
        with pytest.raises(StoreError, match=r"agent 'a3': .*change: expected a Change object"):
            store.history("a3")
        assert store.load("a3") is not None


def _drop_connections(conninfo: str) -> None:
    _sql(conninfo, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                   "WHERE pid <> pg_backend_pid() AND datname = current_database() "
                   "AND backend_type = 'client backend'")


def test_a_dropped_connection_is_reopened(conninfo: str, schema: str) -> None:
    """Reads retry once on a new connection; a commit is never retried blindly (it may have
    been applied) but says so, and the next call reconnects."""
    clock = ManualClock(START)
    with PostgresStore(conninfo, schema=schema) as store:
        tracker = Tracker(basic(), store=store, clock=clock)
        tracker.register("a1")
        _drop_connections(conninfo)
        state = store.load("a1")
        assert state is not None
        scratch = Tracker(basic(), clock=clock)
        scratch.register("a1")
        clock.advance(1)
        login = scratch.apply(Login(agent="a1"))
        _drop_connections(conninfo)
        with pytest.raises(StoreError, match="outcome is unknown"):
            store.commit(scratch.state("a1"), login.changes, expected_version=1)
        store.commit(scratch.state("a1"), login.changes, expected_version=1)
        assert tracker.state("a1").status == "available"


def test_a_value_the_server_refuses_is_reported_as_refused(conninfo: str,
                                                          schema: str) -> None:
    """A commit the server refuses (a version beyond 64 bits) is a StoreError saying it was
    refused and wrote nothing, not that its outcome is unknown; the connection stays usable."""
    with PostgresStore(conninfo, schema=schema) as store:
        tracker = Tracker(basic(), store=store, clock=ManualClock(START))
        tracker.register("a1")
        state = store.load("a1")
        assert state is not None
        with pytest.raises(StoreError, match="PostgreSQL refused the commit, which wrote "
                                             'nothing: value "9223372036854775808" is out of '
                                             "range for type bigint") as caught:
            store.commit(attrs.evolve(state, version=2**63), (), expected_version=1)
        assert "outcome is unknown" not in str(caught.value)
        assert state == store.load("a1")


def test_messages_quote_a_long_agent_id_by_its_start_and_length(conninfo: str,
                                                                schema: str) -> None:
    """An agent id of 300,000 characters (too long for PostgreSQL's index) is refused with a
    message quoting its first 40 characters and its length, not the whole id; text that is not
    valid Unicode is refused before it reaches the server."""
    long_id = "x" * 300_000  # beyond the input limits: built past the events' validation
    with PostgresStore(conninfo, schema=schema) as store:
        scratch = Tracker(basic(), clock=ManualClock(START))
        scratch.register("x")
        state = attrs.evolve(scratch.state("x"), agent=long_id)
        history = [attrs.evolve(c, agent=long_id) for c in scratch.history("x")]
        with pytest.raises(StoreError) as caught:
            store.commit(state, history, expected_version=0)
        message = str(caught.value)
        assert f"agent {'x' * 40!r}... (300,000 characters): PostgreSQL refused the commit" \
            in message
        assert len(message) < 1_000, len(message)
        assert caught.value.agent == long_id
        with pytest.raises(StoreError, match="read failed: a text value is not valid Unicode"):
            store.load("a\udc80")
        assert [] == list(store.agents())


def test_without_psycopg_the_error_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)
    with pytest.raises(StoreError, match=r"agentstate-engine\[postgres\]"):
        PostgresStore("host=127.0.0.1")


def test_an_unreachable_server_is_a_store_error() -> None:
    pytest.importorskip("psycopg")
    with pytest.raises(StoreError, match="cannot connect to PostgreSQL"):
        PostgresStore("host=127.0.0.1 port=1 connect_timeout=2 user=nobody")


def test_without_server_binaries_these_tests_skip_and_say_why(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The helper's refusal is what the skipped tests show: never a silent pass."""
    pytest.importorskip("psycopg")
    monkeypatch.setattr(_pg.shutil, "which", lambda name: None)
    monkeypatch.setattr(_pg.glob, "glob", lambda pattern: [])
    with pytest.raises(_pg.Unavailable, match="install the 'postgresql' package"):
        _pg.PgServer()


# -- eligibility answered by the database ---------------------------------------------------------


def test_eligibility_is_an_indexed_query(conninfo: str, schema: str) -> None:
    """PostgreSQL answers "who may sales offer voice work, best first" with an index scan of
    the partial index on (queue, channel, penalty, sort, agent), already in order (no sort
    step). The planner is told to avoid sequential scans, as on a table of realistic size."""
    import psycopg

    with PostgresStore(conninfo, schema=schema) as store:
        statement = store._sql["eligible"]
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("SET enable_seqscan = off")
        plan = "\n".join(row[0] for row in conn.execute(
            "EXPLAIN " + statement, {"queue": "sales", "channel": "voice", "limit": 1}))
    assert "queue_facts_eligible" in plan, plan
    assert "Sort" not in plan, plan


_PER_EVENT = {"load", "version", "event", "insert_one", "insert_many", "update_one",
              "update_many", "insert_one_facts", "insert_many_facts", "update_one_facts",
              "update_many_facts", "notify", "next_due"}
"""The statements a store runs to apply an event, lose a race or claim a due timer."""
_OTHERS = {"history", "history_from", "history_to", "history_from_to", "agents",
           "next_deadline", "count", "eligible", "eligible_by_calls", "eligible_after",
           "last_offered", "facts_policy", "lock_facts", "clear_facts", "all_states",
           "put_facts", "set_facts_policy", "feed", "feed_after", "listen", "unlisten"}


def test_every_per_event_query_is_an_indexed_lookup(conninfo: str, schema: str) -> None:
    """Every statement applying an event runs (the read, the idempotency lookup, the
    compare-and-set write with its history and facts, the conflict check, the claim of a due
    timer) finds its rows through an index, over an agent with 5,000 history entries and the
    planner's statistics: the lookup by event id uses the history_event index, not the agent's
    history. Sequential scans are disabled, as for a table of realistic size; every statement
    of the store is either checked here or named as not run per event."""
    import psycopg

    with PostgresStore(conninfo, schema=schema) as store:
        statements = store._sql
    assert set(statements) == _PER_EVENT | _OTHERS
    quoted = f'"{schema}"'
    _sql(conninfo, f"INSERT INTO {quoted}.history (agent, seq, at, event_id, entry) "
                   "SELECT 'a1', n, now(), 'e' || n, '{}' FROM generate_series(1, 5000) AS n")
    _sql(conninfo, f"ANALYZE {quoted}.history")
    empty: list[Any] = []
    arrays = dict.fromkeys(("f_queue", "f_channel", "f_eligible", "f_penalty", "f_sort",
                            "f_calls", "f_calls_until", "f_last_offer_at", "seqs", "ats", "ids",
                            "entries"), empty)
    write = {"agent": "a1", "version": 2, "state": "{}", "expected": 1, "status": "available",
             "channel": "agentstate:feed",
             "occupation": "idle", "logged_in": True, "next_deadline": None, "seq": 2,
             "at": START, "event_id": "e9", "entry": "{}", **arrays}
    args: dict[str, Any] = {"load": ("a1",), "version": ("a1",), "event": ("a1", "e7"),
                            "next_due": {"until": START, "lease": 30.0},
                            "notify": ("agentstate:feed",)}
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("SET enable_seqscan = off")
        plans = {key: "\n".join(row[0] for row in conn.execute(
            "EXPLAIN " + statements[key], args.get(key, write))) for key in sorted(_PER_EVENT)}
    assert {} == {key: plan for key, plan in plans.items() if "Seq Scan" in plan}
    assert "Index Scan using history_event" in plans["event"], plans["event"]
    for key in ("update_one", "update_many", "update_one_facts", "update_many_facts"):
        assert "Index Scan using agents_pkey" in plans[key], plans[key]
        assert "queue_facts_agent" in plans[key], plans[key]


@pytest.mark.parametrize(("sales", "support"), STRATEGY_PAIRS, ids=STRATEGY_IDS)
def test_the_state_machine_over_postgres_keeps_every_invariant(
        conninfo: str, sales: Strategy, support: Strategy) -> None:
    """The testing kit's state machine over PostgreSQL, under every queue strategy: at every
    step the database's answer to eligibility equals the scan of every agent, in order, and
    every other invariant holds."""
    def fresh() -> PostgresStore:  # every example starts from an empty schema of its own
        return PostgresStore(conninfo, schema=f"sm_{os.getpid()}_{next(_schemas)}")

    machine = policy_state_machine(with_strategies(timed(), sales, support), every=1,
                                   store=fresh)
    run_state_machine_as_test(machine, settings=settings(
        max_examples=5, stateful_step_count=25, deadline=None, database=None))


# -- one read per event: the state the store last saw (RecentStates) ------------------------------


def test_an_event_on_an_agent_this_store_last_wrote_needs_no_read(conninfo: str,
                                                                 schema: str) -> None:
    """The tracker computes the event on the state the store remembers and lets the commit's
    compare-and-set check it: no read of the agent before the write."""
    clock = ManualClock(START)
    with CountingStore(conninfo, schema=schema) as store:
        tracker = Tracker(basic(), store=store, clock=clock)
        tracker.register("ana")
        clock.advance(1)
        tracker.apply(Login(agent="ana"))
        store.loads.clear()
        clock.advance(1)
        tracker.apply(SetStatus(agent="ana", status="lunch"))
        assert [] == store.loads
        assert "lunch" == tracker.state("ana").status


class CountingStore(PostgresStore):
    """A PostgresStore that lists the agents it loads."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.loads: list[str] = []

    def load(self, agent: str) -> AgentState | None:
        self.loads.append(agent)
        return super().load(agent)


@pytest.mark.parametrize(("moved_to", "asked", "expected"), [
    ("logged_out", "break", "refused"),   # valid on the stale state, not on the stored one
    ("available", "lunch", "lunch"),      # refused on the stale state, valid on the stored one
], ids=["stale-would-accept", "stale-would-refuse"])
def test_an_event_on_a_stale_remembered_state_is_decided_on_the_stored_one(
        conninfo: str, schema: str, moved_to: str, asked: str, expected: str) -> None:
    """Another node moved the agent after this store last saw it: the event is decided on the
    stored state, never on the remembered one."""
    clock = ManualClock(START)
    with PostgresStore(conninfo, schema=schema) as one_store, \
            PostgresStore(conninfo, schema=schema) as two_store:
        one = Tracker(basic(), store=one_store, clock=clock)
        two = Tracker(basic(), store=two_store, clock=clock)
        one.register("ana")
        if moved_to == "logged_out":
            clock.advance(1)
            one.apply(Login(agent="ana"))  # one remembers ana available
            clock.advance(1)
            two.apply(Logout(agent="ana"))
        else:
            clock.advance(1)  # one remembers ana logged out
            two.apply(Login(agent="ana"))
        clock.advance(1)
        try:
            one.apply(SetStatus(agent="ana", status=asked))
            outcome = one.state("ana").status
        except AgentStateError:
            outcome = "refused"
        assert expected == outcome
        assert one.state("ana") == two.state("ana")


def test_a_commit_rewrites_only_the_facts_rows_that_changed(conninfo: str, schema: str) -> None:
    """An agent's fact rows that a commit leaves equal stay where they are (no new row version,
    no index entries); a changed one is replaced, a dropped one goes, and an empty list
    removes them all."""
    clock = ManualClock(START)
    with PostgresStore(conninfo, schema=schema) as store:
        tracker = Tracker(basic(), store=store, clock=clock)
        tracker.register("ana")
        tracker.apply(Login(agent="ana", queues=("sales", "support")))
        state = store.load("ana")
        assert state is not None
        facts = sorted(_eligibility.facts(basic(), state), key=lambda f: (f.queue, f.channel))
        assert len(facts) == 4

        def where() -> dict[tuple[str, str], str]:
            return {(q, c): ctid for ctid, q, c in _sql(
                conninfo, f'SELECT ctid::text, queue, channel FROM "{schema}".queue_facts '
                          "WHERE agent = %s", "ana")}

        before = where()
        changed = [*facts[:2], attrs.evolve(facts[2], eligible=not facts[2].eligible)]
        store.commit(attrs.evolve(state, version=state.version + 1), (),
                     expected_version=state.version, facts=changed)
        after = where()
        assert changed == _stored_facts(conninfo, schema, "ana")
        kept = [(f.queue, f.channel) for f in facts[:2]]
        assert {key: before[key] for key in kept} == {key: after[key] for key in kept}
        assert before[facts[2].queue, facts[2].channel] != after[facts[2].queue,
                                                                 facts[2].channel]
        store.commit(attrs.evolve(state, version=state.version + 2), (),
                     expected_version=state.version + 1, facts=[])
        assert [] == _stored_facts(conninfo, schema, "ana")


@pytest.mark.parametrize("pipelines", [True, False], ids=["pipeline", "no-pipeline"])
def test_a_commit_wakes_a_waiting_reader_with_or_without_libpq_pipelines(
        conninfo: str, schema: str, pipelines: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """The wake-up sent after a commit (with it in one pipeline, or after it where the libpq
    has no pipeline mode) wakes a reader long before its recheck; a stale commit is still a
    conflict that wrote nothing."""
    import psycopg

    monkeypatch.setattr(psycopg.Pipeline, "is_supported", classmethod(lambda cls: pipelines))
    monkeypatch.setattr(PostgresStore, "recheck", 30.0)
    with PostgresStore(conninfo, schema=schema) as reader_store, \
            PostgresStore(conninfo, schema=schema) as writer_store:
        writer = Tracker(basic(), store=writer_store, clock=ManualClock(START))
        writer.register("a1")
        after = Tracker(basic(), store=reader_store).changes(0, 100)[-1].sequence
        timer = threading.Timer(0.3, writer.apply, (Login(agent="a1"),))
        timer.start()
        started = time.monotonic()
        woken = reader_store.wait_for_feed(after, 20)
        waited = time.monotonic() - started
        timer.join()
        assert (True, True) == (woken, waited < 5)
        state = writer_store.load("a1")
        assert state is not None
        with pytest.raises(ConflictError):
            writer_store.commit(attrs.evolve(state, version=9), (), expected_version=7)
        assert state == reader_store.load("a1")
