"""SQLiteStore: crashes, restarts, several processes, migrations, and bad input.

The protocol itself (compare-and-set, atomicity, ranges, round trips) is checked by the
conformance suite in ``test_store_conformance.py``; here is what only a real file can show.
The codec's strictness is pinned here too, as SQLite stores its JSON.
"""

from __future__ import annotations

import json
import random
import re
import signal
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import pendulum
import pytest
from hypothesis import settings
from hypothesis.stateful import run_state_machine_as_test

from agentstate import (
    AgentState,
    ClockError,
    ConflictError,
    InteractionEnded,
    Login,
    Logout,
    ManualClock,
    SchemaError,
    SetStatus,
    StoreError,
    Strategy,
    Timer,
    Tracker,
    _codec,
    _eligibility,
    _rows,
    _sqlite,
)
from agentstate._sqlite import SQLiteStore
from agentstate.presets import basic
from agentstate.testing import policy_state_machine
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

# -- restart -----------------------------------------------------------------------------------


def test_a_new_tracker_over_the_file_resumes_every_agent(tmp_path: Path) -> None:
    """Reason, allotment ledger, pending change and pending deadline all survive a restart."""
    path = tmp_path / "cc.db"
    clock = ManualClock(START)
    with SQLiteStore(path) as store:
        tracker = Tracker(basic(), store=store, clock=clock)
        busy_day(tracker, clock)
        before = {agent: tracker.state(agent) for agent in tracker.agents()}
        due = tracker.next_deadline()
    a1, a2 = before["a1"], before["a2"]
    assert (a1.status, a1.reason) == ("break", "coffee")
    assert a1.pauses
    assert a1.deadlines
    assert a1.deadlines[0].timer is Timer.PAUSE_LIMIT
    assert a2.pending is not None
    assert a2.interactions
    assert due == a1.next_deadline

    with SQLiteStore(path) as store:
        again = Tracker(basic(), store=store, clock=clock)
        assert again.agents() == ["a1", "a2", "a3"]
        assert {agent: again.state(agent) for agent in again.agents()} == before
        assert again.next_deadline() == due
        assert due is not None
        clock.set(due + timedelta(minutes=1))
        fired = again.fire_due()  # the pause limit set before the restart fires after it
        assert [r.agent for r in fired] == ["a1"]
        assert fired[0].changes[0].at == due
        again.apply(InteractionEnded(agent="a2", interaction="c1"))
        assert again.state("a2").status == "lunch"  # the pending change applied
        for agent in again.agents():
            check_history(store, agent)


# -- crash -------------------------------------------------------------------------------------

_CHILD = r"""
import random, sys
import pendulum
from agentstate import (AgentStateError, InteractionAnswered, InteractionEnded,
                        InteractionMissed, InteractionOffered, Login, Logout, ManualClock,
                        SetStatus, Tracker)
from agentstate._sqlite import SQLiteStore
from agentstate.presets import basic

path, seed = sys.argv[1], int(sys.argv[2])
AGENTS = ["a1", "a2", "a3", "a4"]
store = SQLiteStore(path)
last = [s.updated_at for s in map(store.load, AGENTS) if s is not None]
clock = ManualClock(max(last) if last else pendulum.datetime(2026, 1, 5, 9))
tracker = Tracker(basic(), store=store, clock=clock)
rng = random.Random(seed)

def report(result):
    for change in (*result.fired, *result.changes):
        print(change.agent, change.seq, change.to_status, change.to_occupation.value,
              change.at.isoformat(), flush=True)

for agent in AGENTS:
    if store.load(agent) is None:
        report(tracker.register(agent))
n = 0
while True:
    n += 1
    clock.advance(rng.randint(1, 3_000_000) / 1_000_000)
    agent = rng.choice(AGENTS)
    state = tracker.state(agent)
    open_ = state.interactions[0] if state.interactions else None
    roll = rng.random()
    if state.session is None:
        event = Login(agent=agent, queues=("sales",))
    elif open_ is not None and open_.state.value == "offered":
        event = (InteractionAnswered if roll < 0.8 else InteractionMissed)(
            agent=agent, interaction=open_.id)
    elif open_ is not None:
        event = InteractionEnded(agent=agent, interaction=open_.id)
    elif state.status == "available":
        event = (InteractionOffered(agent=agent, interaction=f"c{seed}-{n}", queue="sales")
                 if roll < 0.6 else SetStatus(agent=agent, status="offline") if roll < 0.75
                 else SetStatus(agent=agent, status="break", reason="coffee") if roll < 0.9
                 else Logout(agent=agent))
    else:
        event = SetStatus(agent=agent, status="available")
    try:
        report(tracker.apply(event))
    except AgentStateError:
        pass
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals (SIGKILL)")
def test_a_writer_killed_at_random_moments_loses_nothing_committed(tmp_path: Path) -> None:
    """SIGKILL a writer again and again: every change it reported committed is there, each
    agent's history is gapless, and replaying it gives the stored state."""
    path = tmp_path / "crash.db"
    rng = random.Random(20260105)
    committed: dict[tuple[str, int], tuple[str, str, str]] = {}
    for round_ in range(10):
        child = subprocess.Popen([sys.executable, "-c", _CHILD, str(path), str(round_)],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 env=child_env())
        assert child.stdout is not None
        lines = []
        wanted = rng.randint(5, 150)
        while len(lines) < wanted:
            line = child.stdout.readline()
            if not line:
                break
            lines.append(line)
        child.send_signal(signal.SIGKILL)
        out, err = child.communicate(timeout=60)
        assert child.returncode == -signal.SIGKILL, err
        # a line the kill cut short (no newline yet) was never reported: it does not count
        for line in [*lines, *out.splitlines(keepends=True)]:
            if not line.endswith("\n"):
                continue
            agent, seq, status, occupation, at = line.split()
            committed[(agent, int(seq))] = (status, occupation, at)
    assert len(committed) > 100

    with SQLiteStore(path) as store:
        agents = sorted(store.agents())
        assert agents == ["a1", "a2", "a3", "a4"]
        recorded = {}
        for agent in agents:
            for change in check_history(store, agent):
                recorded[(agent, change.seq)] = (change.to_status, change.to_occupation.value,
                                                 change.at.isoformat())
        missing = {k: v for k, v in committed.items() if recorded.get(k) != v}
        assert not missing, f"committed changes lost or altered: {missing}"
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


# -- several processes on one file -------------------------------------------------------------

_WRITER = r"""
import sys
import pendulum
from agentstate import AgentStateError, ManualClock, SetStatus, Tracker
from agentstate._sqlite import SQLiteStore
from agentstate.presets import basic

path, me, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
store = SQLiteStore(path)
clock = ManualClock(pendulum.datetime(2026, 1, 5, 9))
tracker = Tracker(basic(), store=store, clock=clock, retries=50)
ok = 0
for n in range(rounds):
    for agent in ("a1", "a2"):
        # one clock for all writers: the wall clock, read through a ManualClock
        now = pendulum.now("UTC")
        if now > clock.now():
            clock.set(now)
        status = tracker.state(agent).status
        try:
            tracker.apply(SetStatus(agent=agent,
                                    status="offline" if status == "available" else "available"))
            ok += 1
        except AgentStateError:
            pass
print(ok)
"""


def test_several_processes_share_one_file_without_losing_an_update(tmp_path: Path) -> None:
    """Three processes toggle the same two agents; every successful call is in the history."""
    path = tmp_path / "shared.db"
    with SQLiteStore(path) as store:
        tracker = Tracker(basic(), store=store, clock=ManualClock(START))
        for agent in ("a1", "a2"):
            tracker.register(agent)
            tracker.apply(Login(agent=agent))
    writers = [subprocess.Popen([sys.executable, "-c", _WRITER, str(path), str(n), "60"],
                                stdout=subprocess.PIPE, text=True, env=child_env())
               for n in range(3)]
    successes = 0
    for writer in writers:
        out, _ = writer.communicate(timeout=120)
        assert writer.returncode == 0
        successes += int(out.strip())
    with SQLiteStore(path) as store:
        applied = sum(len(check_history(store, agent)) - 2 for agent in ("a1", "a2"))
    assert applied == successes
    assert successes > 0


# -- migrations and schema versions ------------------------------------------------------------


def _version_1(path: Path) -> None:
    """A database as schema version 1 left it (before the ``next_deadline`` column)."""
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL PRIMARY KEY, "
                     "summary TEXT NOT NULL, applied_at TEXT NOT NULL)")
        for step in _sqlite.MIGRATIONS[0].steps:
            assert isinstance(step, str)
            conn.execute(step)
        conn.execute("INSERT INTO schema_version VALUES (1, 'agents, history', 'then')")


def test_a_version_1_database_is_migrated_and_backfilled(tmp_path: Path) -> None:
    clock = ManualClock(START)
    source = Tracker(basic(), clock=clock)
    busy_day(source, clock)
    path = tmp_path / "old.db"
    _version_1(path)
    with sqlite3.connect(path) as conn:
        for agent in source.agents():
            state = source.state(agent)
            conn.execute("INSERT INTO agents (agent, version, status, occupation, logged_in, "
                         "state) VALUES (?, ?, ?, ?, ?, ?)",
                         (agent, state.version, state.status, state.occupation.value,
                          state.logged_in, _rows.dumps(_codec.encode_state(state),
                                                        agent=agent)))
            for change in source.history(agent):
                conn.execute("INSERT INTO history VALUES (?, ?, ?, ?, ?)",
                             (agent, change.seq, _codec.micros(change.at), change.event_id,
                              _rows.dumps(_codec.encode_change(change), agent=agent)))
    with SQLiteStore(path) as store:
        assert store.next_deadline() == source.next_deadline()
        assert store.next_deadline() is not None
        for agent in source.agents():
            assert store.load(agent) == source.state(agent)
        migrated = Tracker(basic(), store=store, clock=clock)
        assert source.eligible("sales") == migrated.eligible("sales")  # facts rebuilt
    with sqlite3.connect(path) as conn:
        versions = [row[0] for row in conn.execute("SELECT version FROM schema_version")]
    assert versions == [1, *range(2, _sqlite.SCHEMA_VERSION + 1)]


def test_schema_5_drops_the_unused_agent_indexes_and_keeps_their_columns(tmp_path: Path
                                                                          ) -> None:
    """A version-4 database opens at version 5 without the status and logged-in indexes; the
    columns are still written for hosts to read."""
    path = tmp_path / "v4.db"
    SQLiteStore(path).close()
    with sqlite3.connect(path) as conn:  # back to schema version 4, indexes and all
        conn.execute("CREATE INDEX agents_status ON agents (status, occupation)")
        conn.execute("CREATE INDEX agents_logged_in ON agents (logged_in)")
        conn.execute("DELETE FROM schema_version WHERE version = 5")
    with SQLiteStore(path) as store:
        tracker = Tracker(basic(), store=store, clock=ManualClock(START))
        tracker.register("ana")
        tracker.apply(Login(agent="ana"))
    with sqlite3.connect(path) as conn:
        indexes = {row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'agents'")}
        row = conn.execute("SELECT status, logged_in FROM agents").fetchone()
        versions = [v for (v,) in conn.execute("SELECT version FROM schema_version")]
    assert set() == indexes & {"agents_status", "agents_logged_in"}
    assert ("available", 1) == row
    assert [1, 2, 3, 4, 5] == versions


def test_a_database_from_a_newer_agentstate_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    SQLiteStore(path).close()
    newer = _sqlite.SCHEMA_VERSION + 1
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO schema_version VALUES (?, 'from the future', 'later')",
                     (newer,))
    before = path.read_bytes()
    with pytest.raises(SchemaError, match=f"schema version {newer}, newer than") as caught:
        SQLiteStore(path)
    assert (caught.value.found, caught.value.supported) == (newer, _sqlite.SCHEMA_VERSION)
    assert path.read_bytes() == before


def test_a_foreign_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "foreign.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE agents (name TEXT)")
    with pytest.raises(SchemaError, match="not an agentstate database") as caught:
        SQLiteStore(path)
    assert caught.value.found is None


def test_a_file_that_is_not_a_database_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"this is not an SQLite database, only some notes " * 100)
    with pytest.raises(StoreError, match="cannot open SQLite database"):
        SQLiteStore(path)


# -- malformed rows ----------------------------------------------------------------------------


@pytest.fixture
def filled(tmp_path: Path) -> Path:
    path = tmp_path / "cc.db"
    clock = ManualClock(START)
    with SQLiteStore(path) as store:
        busy_day(Tracker(basic(), store=store, clock=clock), clock)
    return path


def _tamper(path: Path, sql: str, *args: object) -> None:
    with sqlite3.connect(path) as conn:
        assert conn.execute(sql, args).rowcount >= 1


def _state_json(path: Path, agent: str) -> dict[str, Any]:
    with sqlite3.connect(path) as conn:
        text = conn.execute("SELECT state FROM agents WHERE agent = ?", (agent,)).fetchone()[0]
    data: dict[str, Any] = json.loads(text)
    return data


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: "{not json", "not valid JSON"),
    (lambda d: {k: v for k, v in d.items() if k != "reason"}, "missing reason"),
    (lambda d: {**d, "colour": "blue"}, "unexpected 'colour'"),
    (lambda d: {**d, "version": "4"}, "state.version: expected int"),
    (lambda d: {**d, "occupation": "dancing"}, "state.occupation: expected a Occupation"),
    (lambda d: {**d, "since": "yesterday"}, "state.since: expected a UTC time"),
    (lambda d: {**d, "session": {**d["session"], "queues": [7]}}, r"state.session.queues\[0\]"),
    (lambda d: {**d, "deadlines": [{"at": d["since"], "timer": "alarm", "ref": None}]},
     r"state.deadlines\[0\].timer"),
    (lambda d: [1, 2], "expected a AgentState object"),
])
def test_a_malformed_state_is_a_store_error_naming_the_agent(
        filled: Path, change: Any, message: str) -> None:
    data = change(_state_json(filled, "a1"))
    _tamper(filled, "UPDATE agents SET state = ? WHERE agent = 'a1'",
            data if isinstance(data, str) else json.dumps(data))
    with SQLiteStore(filled) as store:
        with pytest.raises(StoreError, match=message) as caught:
            store.load("a1")
        assert caught.value.agent == "a1"
        assert "agent 'a1'" in str(caught.value)
        assert store.load("a2") is not None  # the other rows are still readable


def test_a_state_of_another_agent_or_version_is_refused(filled: Path) -> None:
    other = json.dumps(_state_json(filled, "a2"))
    _tamper(filled, "UPDATE agents SET state = ? WHERE agent = 'a3'", other)
    _tamper(filled, "UPDATE agents SET version = version + 1 WHERE agent = 'a1'")
    _tamper(filled, "UPDATE agents SET status = 'offline' WHERE agent = 'a2'")
    with SQLiteStore(filled) as store:
        with pytest.raises(StoreError, match="it is the state of agent 'a2'"):
            store.load("a3")
        with pytest.raises(StoreError, match="version column"):
            store.load("a1")
        with pytest.raises(StoreError, match="status column 'offline' but state says"):
            store.load("a2")


def test_a_malformed_history_entry_is_a_store_error(filled: Path) -> None:
    with sqlite3.connect(filled) as conn:
        entry = json.loads(conn.execute(
            "SELECT entry FROM history WHERE agent = 'a1' AND seq = 2").fetchone()[0])
    entry["event"]["$type"] = "Teleport"
    _tamper(filled, "UPDATE history SET entry = ? WHERE agent = 'a1' AND seq = 2",
            json.dumps(entry))
    _tamper(filled, "UPDATE history SET seq = 99 WHERE agent = 'a2' AND seq = 3")
    with SQLiteStore(filled) as store:
        with pytest.raises(StoreError, match=r"change.event.\$type: unknown class 'Teleport'"):
            store.history("a1")
        with pytest.raises(StoreError, match="history entry 99 is malformed"):
            store.history("a2")
        assert len(store.history("a3")) == 2


# -- writes that must not happen ----------------------------------------------------------------


def test_bad_commits_write_nothing(filled: Path) -> None:
    with SQLiteStore(filled) as store:
        state = store.load("a3")
        assert state is not None
        history = list(store.history("a3"))
        clock = ManualClock(state.updated_at)
        clock.advance(1)
        scratch = Tracker(basic(), clock=clock)
        scratch.register("a3")  # a change of version 1: its seq is already recorded
        repeated = scratch.history("a3")[0]
        moved = attrs.evolve(state, version=state.version + 1, status="offline")
        with pytest.raises(StoreError, match="repeats a recorded seq"):
            store.commit(moved, (repeated,), expected_version=state.version)
        foreign = attrs.evolve(repeated, agent="a2", seq=state.version + 1)
        with pytest.raises(StoreError, match="a change of agent 'a2'"):
            store.commit(moved, (foreign,), expected_version=state.version)
        naive = attrs.evolve(repeated, seq=state.version + 1, at=datetime(2026, 1, 5, 10))
        with pytest.raises(ClockError, match="no time zone"):
            store.commit(moved, (naive,), expected_version=state.version)
        with pytest.raises(ConflictError):
            store.commit(moved, (), expected_version=state.version + 5)
        assert store.load("a3") == state
        assert list(store.history("a3")) == history


def test_a_closed_store_says_so(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "x.db")
    store.close()
    store.close()
    with pytest.raises(StoreError, match="is closed"):
        store.load("a1")
    assert "closed" in repr(store)


def test_len_and_repr(filled: Path) -> None:
    with SQLiteStore(filled) as store:
        assert len(store) == 3
        assert str(filled) in repr(store)


# -- the codec's strictness ----------------------------------------------------------------------


def _some_state() -> AgentState:
    clock = ManualClock(START)
    tracker = Tracker(basic(), clock=clock)
    busy_day(tracker, clock)
    return tracker.state("a2")


def test_the_codec_round_trips_to_the_microsecond_in_utc() -> None:
    state = _some_state()
    data = _codec.encode_state(state)
    assert data["since"].endswith("+00:00")
    back = _codec.decode_state(json.loads(_rows.dumps(data, agent="a2")), agent="a2")
    assert back == state
    assert type(back.since) is pendulum.DateTime
    assert back.since.tzinfo is pendulum.UTC


def test_the_codec_stores_other_time_zones_as_the_same_instant() -> None:
    paris = pendulum.datetime(2026, 1, 5, 10, 0, 0, 123456, tz="Europe/Paris")
    state = attrs.evolve(_some_state(), since=paris)
    back = _codec.decode_state(_codec.encode_state(state), agent="a2")
    assert back.since == paris
    assert back.since.isoformat() == "2026-01-05T09:00:00.123456+00:00"


def test_the_codec_refuses_what_it_cannot_store() -> None:
    naive = attrs.evolve(_some_state(), since=datetime(2026, 1, 5, 9))
    with pytest.raises(StoreError, match=r"state\.since: time .* has no time zone"):
        _codec.encode_state(naive)
    wrong = attrs.evolve(_some_state(), version="7")
    with pytest.raises(StoreError, match=r"state\.version: expected int"):
        _codec.encode_state(wrong)


def test_the_codec_knows_every_public_event_class() -> None:
    import agentstate

    known = _codec.event_classes()
    public = {name for name in agentstate.__all__
              if isinstance(getattr(agentstate, name), type)
              and issubclass(getattr(agentstate, name), agentstate.Event)
              and name != "Event"}
    assert public <= set(known)


@attrs.frozen(kw_only=True)
class _Pair:
    a: int
    b: str


@attrs.frozen(kw_only=True)
class _Other:
    c: float


@attrs.frozen(kw_only=True)
class _Everything:
    """Every kind of field the codec promises to store, beyond those AgentState uses today."""

    pair: tuple[int, str]
    tags: frozenset[str]
    totals: dict[str, timedelta]
    either: _Pair | _Other
    maybe: _Pair | None
    ratio: float


@attrs.frozen
class _Untyped:
    value: Any


@attrs.frozen
class _Bytes:
    value: bytes


@attrs.frozen
class _Mixed:
    value: str | int


@attrs.frozen
class _IntKeys:
    value: dict[int, str]


@attrs.frozen
class _Unresolved:
    value: NotImported  # type: ignore[name-defined]  # noqa: F821


@attrs.frozen
class _Tree:
    children: tuple[_Tree, ...]


@attrs.frozen
class _NoneField:
    value: None


def _encode(value: Any) -> Any:
    return _codec._top(type(value), value, "value", "a1", encode=True)


def _decode(cls: type[Any], data: Any) -> Any:
    return _codec._top(cls, data, "value", "a1", encode=False)


def test_the_codec_stores_every_kind_of_field_it_promises() -> None:
    """Fixed tuples, frozensets, str-keyed mappings, unions of attrs classes (tagged with the
    class name) and optional values round-trip; an int is read as a float where a float is
    declared."""
    value = _Everything(pair=(1, "x"), tags=frozenset({"b", "a"}),
                        totals={"talk": timedelta(seconds=1, microseconds=5)},
                        either=_Other(c=2.5), maybe=None, ratio=1.0)
    data = _encode(value)
    assert {"pair": [1, "x"], "tags": ["a", "b"], "totals": {"talk": 1_000_005},
            "either": {"$type": "_Other", "c": 2.5}, "maybe": None, "ratio": 1.0} == data
    assert value == _decode(_Everything, json.loads(json.dumps(data)))
    assert 2.0 == _decode(_Everything, {**data, "ratio": 2}).ratio
    other = attrs.evolve(value, either=_Pair(a=1, b="y"), maybe=_Pair(a=2, b="z"))
    assert other == _decode(_Everything, _encode(other))


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: {**d, "pair": [1]}, r"value.pair: expected a list of 2, got \[1\]"),
    (lambda d: {**d, "pair": [1, 2]}, r"value.pair\[1\]: expected str, got 2"),
    (lambda d: {**d, "tags": "ab"}, "value.tags: expected a list, got 'ab'"),
    (lambda d: {**d, "totals": []}, r"value.totals: expected an object, got \[\]"),
    (lambda d: {**d, "totals": {"talk": 1.5}}, r"value.totals\['talk'\]: expected a duration"),
    (lambda d: {**d, "totals": {"talk": 10**20}}, "duration out of range"),
    (lambda d: {**d, "either": {"c": 1.0}}, r"value.either: missing '\$type'"),
    (lambda d: {**d, "either": {"$type": "_Nope"}}, r"either.\$type: unknown class '_Nope'"),
    (lambda d: {**d, "either": []}, r"value.either: expected an object"),
    (lambda d: {**d, "maybe": 3}, "value.maybe: expected a _Pair object, got 3"),
])
def test_the_codec_refuses_malformed_values_of_every_kind(change: Any, message: str) -> None:
    """Each kind of field refuses malformed data, naming the path of the bad value."""
    data = _encode(_Everything(pair=(1, "x"), tags=frozenset(), totals={},
                               either=_Other(c=1.0), maybe=None, ratio=1.0))
    with pytest.raises(StoreError, match=message):
        _decode(_Everything, change(data))


def test_the_codec_refuses_to_encode_values_of_the_wrong_kind() -> None:
    """Encoding checks types as strictly as decoding: a list for a tuple, a list for a
    frozenset, a non-str key, a class outside a union, an int for a timedelta."""
    good = _Everything(pair=(1, "x"), tags=frozenset(), totals={}, either=_Other(c=1.0),
                       maybe=None, ratio=1.0)
    for bad, message in [(attrs.evolve(good, pair=[1, "x"]), "value.pair: expected a tuple"),
                         (attrs.evolve(good, tags=["a"]), "value.tags: expected a frozenset"),
                         (attrs.evolve(good, totals={1: timedelta()}), "expected str keys"),
                         (attrs.evolve(good, totals=[]), "value.totals: expected a mapping"),
                         (attrs.evolve(good, totals={"t": 5}), r"\['t'\]: expected a timedelta"),
                         (attrs.evolve(good, either=good), "unknown class '_Everything'")]:
        with pytest.raises(StoreError, match=message):
            _encode(bad)


@pytest.mark.parametrize(("cls", "message"), [
    (_Untyped, "a field typed Any cannot be stored"),
    (_Bytes, "cannot store values of type bytes"),
    (_Mixed, r"cannot store the union str \| int"),
    (_IntKeys, "only mappings with str keys"),
    (_Unresolved, "cannot resolve the field types of _Unresolved"),
    (_NoneField, "cannot store values of type NoneType"),
])
def test_the_codec_refuses_field_types_it_cannot_store(cls: type[Any], message: str) -> None:
    """A class with a field type the codec cannot store is refused when first used, naming
    the field and the type."""
    with pytest.raises(StoreError, match=message):
        _decode(cls, {"value": None})


def test_the_codec_stores_a_recursive_type() -> None:
    """A class whose field holds values of the class itself is stored to any depth."""
    tree = _Tree(children=(_Tree(children=()), _Tree(children=(_Tree(children=()),))))
    assert {"children": [{"children": []}, {"children": [{"children": []}]}]} == _encode(tree)
    assert tree == _decode(_Tree, _encode(tree))


def test_the_codec_refuses_an_invalid_time_and_a_long_value_is_cut() -> None:
    """A stored time that matches the format but is not a date is refused; a long bad value
    is quoted by its start and length."""
    data = _codec.encode_state(_some_state())
    with pytest.raises(StoreError, match=r"state.since: invalid time '2026-02-30"):
        _codec.decode_state({**data, "since": "2026-02-30T09:00:00.000000+00:00"}, agent="a2")
    with pytest.raises(StoreError, match=r"state.status: expected str, got \[0, 0, 0") as caught:
        _codec.decode_state({**data, "status": [0] * 100_000}, agent="a2")
    assert len(str(caught.value)) < 300
    assert "'xxxxx'... (1,000 characters)" == _codec.shown("x" * 1_000, 5)


# -- eligibility answered by the database ---------------------------------------------------------


def test_eligibility_is_an_indexed_query_that_reads_only_the_rows_it_returns() -> None:
    """SQLite answers "who may sales offer voice work, best first" from the partial index on
    (queue, channel, penalty, sort, agent): no scan of the table, no sort step."""
    with SQLiteStore(":memory:") as store:
        plan = " / ".join(row[-1] for row in store._run(None, lambda c: c.execute(
            "EXPLAIN QUERY PLAN " + _sqlite._ELIGIBLE, ("sales", "voice", 1)).fetchall()))
    assert "USING INDEX queue_facts_eligible" in plan or "USING COVERING INDEX " \
        "queue_facts_eligible" in plan, plan
    assert "TEMP B-TREE" not in plan, plan


_LITERAL = re.compile(r"'(?:[^']|'')*'|(?<![\w.])-?\d+(?:\.\d+)?(?![\w.])|(?<=[(,=] )NULL\b")


def _per_event_statements(path: Path) -> list[str]:
    """Every statement a store runs to apply events (with event ids, to agents it knows and
    to agents another store moved), to fire a timer and to lose a race, with its values
    replaced by parameters."""
    clock = ManualClock(START)
    with SQLiteStore(path) as one, SQLiteStore(path) as two:
        seen = _traced(one)
        tracker = Tracker(basic(), store=one, clock=clock)
        other = Tracker(basic(), store=two, clock=clock)
        tracker.register("a1")
        for n, event in enumerate([
                Login(agent="a1", queues=("sales",), event_id="e1"),
                Login(agent="a1", queues=("sales",), event_id="e1"),  # a duplicate
                SetStatus(agent="a1", status="break", reason="coffee", event_id="e2"),
                SetStatus(agent="a1", status="available", event_id="e3")]):
            clock.advance(1)
            (other if n == 3 else tracker).apply(event)  # the last one by another store
        for event in [SetStatus(agent="a1", status="offline"), Logout(agent="a1"),
                      Login(agent="a1", queues=("sales",))]:
            clock.advance(1)
            tracker.apply(event)
        tracker.apply(SetStatus(agent="a1", status="break", reason="coffee"))
        clock.advance(3600)
        assert tracker.fire_due()
        state = one.load("a1")
        assert state is not None
        with pytest.raises(ConflictError):
            one.commit(attrs.evolve(state, version=state.version + 1), (),
                       expected_version=state.version - 1)
        one.commit(attrs.evolve(state, version=state.version + 1), (),
                   expected_version=state.version)  # without facts: they are deleted
    statements = []
    for sql in seen:
        if not sql.startswith(("PRAGMA", "BEGIN", "COMMIT", "ROLLBACK")):
            statements.append(_LITERAL.sub("?", sql))
    return list(dict.fromkeys(statements))


def test_every_per_event_query_is_an_indexed_lookup(tmp_path: Path) -> None:
    """Every statement applying an event runs (reads, writes, the idempotency lookup, the
    conflict check, a due timer) finds its rows through an index: no scan of a table, no
    sort of its rows, so an event costs the same on the first day and after a year of history. The
    lookup by event id uses the history_event index, not the agent's whole history."""
    statements = _per_event_statements(tmp_path / "plans.db")
    with SQLiteStore(":memory:") as store:
        plans = {sql: [row[-1] for row in store._run(None, lambda c, sql=sql: c.execute(
            "EXPLAIN QUERY PLAN " + sql, (None,) * sql.count("?")).fetchall())]
            for sql in statements}
    # Due timers are read in deadline order from their index; only agents due at the very
    # same microsecond are sorted by id ("RIGHT PART OF ORDER BY").
    bad = {sql: plan for sql, plan in plans.items()
           if any(step.startswith("SCAN") or "TEMP B-TREE FOR ORDER BY" in step
                  for step in plan)}
    assert {} == bad
    assert ["SEARCH history USING INDEX history_event (agent=? AND event_id=?)"] == \
        plans[_sqlite._EVENT]
    assert any(sql.startswith("UPDATE queue_facts") for sql in plans), plans
    assert any(sql.startswith("DELETE FROM queue_facts") for sql in plans), plans
    assert {_LITERAL.sub("?", sql) for sql in (_sqlite._LOAD, _sqlite._FACTS,
                                               _sqlite._NEXT_DUE)} <= plans.keys()


def test_an_event_costs_the_same_however_long_the_history(tmp_path: Path) -> None:
    """The work SQLite does to apply an event with an event id (counted in virtual machine
    steps, which do not depend on the machine's speed) is the same after 2,000 history entries
    as after 20: the idempotency lookup does not read the agent's history."""
    steps = 0

    def count() -> int:
        nonlocal steps
        steps += 1
        return 0

    clock = ManualClock(START)
    costs = []
    with SQLiteStore(tmp_path / "aged.db") as store:
        tracker = Tracker(basic(), store=store, clock=clock)
        tracker.register("a1")
        tracker.apply(Login(agent="a1"))
        for n in range(2_000):
            clock.advance(1)
            tracker.apply(SetStatus(agent="a1", status="available" if n % 2 else "offline",
                                    event_id=f"e{n}"))
            if n in (19, 1_999):
                store._run(None, lambda c: c.set_progress_handler(count, 1))
                steps = 0
                clock.advance(1)
                tracker.apply(SetStatus(agent="a1", status="lunch", event_id=f"lunch{n}"))
                costs.append(steps)
                store._run(None, lambda c: c.set_progress_handler(None, 1))
                clock.advance(1)
                tracker.apply(SetStatus(agent="a1", status="available"))
    assert costs[0] == costs[1], costs


@pytest.mark.parametrize(("sales", "support"), STRATEGY_PAIRS, ids=STRATEGY_IDS)
def test_the_state_machine_over_sqlite_keeps_every_invariant(sales: Strategy,
                                                             support: Strategy) -> None:
    """The testing kit's state machine over SQLite, under every queue strategy: at every step
    the store's answer to eligibility equals the scan of every agent, in order, and every
    other invariant holds."""
    machine = policy_state_machine(with_strategies(timed(), sales, support), every=1,
                                   store=lambda: SQLiteStore(":memory:"))
    run_state_machine_as_test(machine, settings=settings(
        max_examples=10, stateful_step_count=30, deadline=None, database=None))


# -- what a store knows is stored (PRAGMA data_version) -------------------------------------------


def _fact(queue: str, channel: str, *, eligible: bool = True, sort: int = 0,
          calls: int = 0) -> _eligibility.EligibilityFact:
    return _eligibility.EligibilityFact(queue=queue, channel=channel, eligible=eligible,
                                        penalty=0, sort=sort, calls=calls, calls_until=None,
                                        last_offer_at=None)


def _facts_in(path: Path, agent: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT queue, channel, eligible, sort, calls FROM queue_facts "
                            "WHERE agent = ? ORDER BY queue, channel", (agent,)).fetchall()


def _registered(store: SQLiteStore, clock: ManualClock) -> AgentState:
    tracker = Tracker(basic(), store=store, clock=clock)
    tracker.register("a1")
    state = store.load("a1")
    assert state is not None
    return state


def _traced(store: SQLiteStore) -> list[str]:
    """The statements the store runs from now on, as SQLite traces them."""
    seen: list[str] = []
    store._run(None, lambda c: c.set_trace_callback(seen.append))
    return seen


def test_a_store_sees_what_another_store_on_the_file_committed(tmp_path: Path) -> None:
    """A store that has read an agent reads it again, not from memory, once another
    connection to the file has committed a change to it."""
    clock = ManualClock(START)
    path = tmp_path / "shared.db"
    with SQLiteStore(path) as one, SQLiteStore(path) as two:
        _registered(one, clock)
        assert two.load("a1") is not None  # two now knows version 1
        clock.advance(1)
        Tracker(basic(), store=one, clock=clock).apply(Login(agent="a1"))
        seen = two.load("a1")
        assert seen is not None
        assert (2, "available") == (seen.version, seen.status)
        assert one.load("a1") == seen


def test_a_load_with_no_commit_elsewhere_runs_no_select(tmp_path: Path) -> None:
    """While no other connection has committed (PRAGMA data_version unchanged), loading an
    agent this store last read or wrote costs the pragma, not a SELECT and a comparison."""
    with SQLiteStore(tmp_path / "one.db") as store:
        state = _registered(store, ManualClock(START))
        seen = _traced(store)
        assert state is store.load("a1")
        assert ["PRAGMA data_version"] == seen


def test_a_commit_after_another_stores_commit_is_a_conflict(tmp_path: Path) -> None:
    """A store whose knowledge of an agent went stale (another store committed) still gets
    ConflictError for a commit computed from the old version, and writes nothing."""
    clock = ManualClock(START)
    path = tmp_path / "shared.db"
    with SQLiteStore(path) as one, SQLiteStore(path) as two:
        state = _registered(one, clock)
        assert two.load("a1") == state
        one.commit(attrs.evolve(state, version=2, status="offline"), (), expected_version=1,
                   facts=[_fact("sales", "voice")])
        with pytest.raises(ConflictError) as caught:
            two.commit(attrs.evolve(state, version=2, status="lunch"), (), expected_version=1,
                       facts=[_fact("sales", "chat")])
        assert (1, 2) == (caught.value.expected, caught.value.actual)
        assert [("sales", "voice", 1, 0, 0)] == _facts_in(path, "a1")
        assert "offline" == two.load("a1").status  # type: ignore[union-attr]


def test_unchanged_fact_rows_are_not_rewritten(tmp_path: Path) -> None:
    """A commit rewrites only the fact rows that change, and in a changed row only the
    changed columns; removed facts are deleted and the stored rows are exactly the facts."""
    path = tmp_path / "one.db"
    with SQLiteStore(path) as store:
        state = _registered(store, ManualClock(START))
        facts = [_fact("sales", "voice"), _fact("sales", "chat")]
        store.commit(attrs.evolve(state, version=2), (), expected_version=1, facts=facts)
        seen = _traced(store)
        store.commit(attrs.evolve(state, version=3), (), expected_version=2,
                     facts=[_fact("sales", "voice", calls=1), _fact("sales", "chat"),
                            _fact("support", "voice")])
        writes = [s.split(" WHERE")[0] for s in seen if "queue_facts" in s]
        assert ["UPDATE queue_facts SET calls = 1", "INSERT INTO queue_facts (agent, queue, "
                "channel, eligible, penalty, sort, calls, calls_until, last_offer_at) VALUES "
                "('a1', 'support', 'voice', 1, 0, 0, 0, NULL, NULL)"] == writes
        assert [("sales", "chat", 1, 0, 0), ("sales", "voice", 1, 0, 1),
                ("support", "voice", 1, 0, 0)] == _facts_in(path, "a1")
        store.commit(attrs.evolve(state, version=4), (), expected_version=3, facts=None)
        assert [] == _facts_in(path, "a1")


def test_an_update_sets_only_the_indexed_columns_that_change(tmp_path: Path) -> None:
    """The agents row's UPDATE sets the version, the state and only the indexed columns
    whose values change, so indexes on the others are not rewritten."""
    with SQLiteStore(tmp_path / "one.db") as store:
        state = _registered(store, ManualClock(START))
        seen = _traced(store)
        store.commit(attrs.evolve(state, version=2, status="offline"), (), expected_version=1)
        updates = [s for s in seen if s.startswith("UPDATE agents")]
        assert 1 == len(updates)
        assert "', status = 'offline' WHERE agent = 'a1' AND version = 1" == \
            updates[0][updates[0].rindex("}'") + 1:]
        assert "offline" == store.load("a1").status  # type: ignore[union-attr]


def test_facts_rebuilt_by_another_store_are_rewritten_by_the_next_commit(tmp_path: Path
                                                                         ) -> None:
    """Rebuilding facts does not change any version, so a store that knew an agent's facts
    must not trust that knowledge after another store (or itself) rebuilt them: its next
    commit writes its facts in full."""
    path = tmp_path / "shared.db"
    for rebuilder in ("other", "self"):
        path.unlink(missing_ok=True)
        with SQLiteStore(path) as one, SQLiteStore(path) as two:
            state = _registered(one, ManualClock(START))
            mine = [_fact("sales", "voice")]
            one.commit(attrs.evolve(state, version=2), (), expected_version=1, facts=mine)
            (two if rebuilder == "other" else one).rebuild_facts(
                "k", lambda s: [_fact("sales", "chat", eligible=False)])
            assert [("sales", "chat", 0, 0, 0)] == _facts_in(path, "a1")
            one.commit(attrs.evolve(state, version=3), (), expected_version=2, facts=mine)
            assert [("sales", "voice", 1, 0, 0)] == _facts_in(path, "a1"), rebuilder


def test_two_facts_for_one_queue_and_channel_are_refused(tmp_path: Path) -> None:
    """Facts repeating a (queue, channel) pair are a StoreError, and nothing is written."""
    with SQLiteStore(tmp_path / "one.db") as store:
        state = _registered(store, ManualClock(START))
        with pytest.raises(StoreError, match="two eligibility facts for queue 'sales'"):
            store.commit(attrs.evolve(state, version=2), (), expected_version=1,
                         facts=[_fact("sales", "voice"), _fact("sales", "voice")])
        assert 1 == store.load("a1").version  # type: ignore[union-attr]


def test_values_sqlite_cannot_store_are_store_errors(tmp_path: Path) -> None:
    """Text that is not valid UTF-8 (a lone surrogate) and an integer beyond 64 bits are
    refused with a StoreError saying which, never a raw UnicodeEncodeError or OverflowError,
    and nothing is written."""
    with SQLiteStore(tmp_path / "one.db") as store:
        state = _registered(store, ManualClock(START))
        with pytest.raises(StoreError, match=r"refused a value: a text value is not valid "
                                             r"Unicode \(surrogates not allowed: '\\udc80' at "
                                             "position 1\\)"):
            store.load("a\udc80")
        with pytest.raises(StoreError, match="not valid Unicode"):
            store.changes_for_event("a1", "e\udc80")
        with pytest.raises(StoreError, match="a number is out of range"):
            store.commit(attrs.evolve(state, version=2**63), (), expected_version=1)
        assert state == store.load("a1")
        assert 1 == len(store.history("a1"))
