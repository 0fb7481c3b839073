"""SQLiteStore's write path: the JSON text written field by field, and batches kept in memory
and written at their end (each commit still checked when it is made).

What every batching store must do is in the conformance suite; here is what only SQLite's way
of doing it can get wrong.
"""

from __future__ import annotations

import collections
import contextlib
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agentstate import (
    AgentState,
    ConflictError,
    Event,
    Login,
    ManualClock,
    MemoryStore,
    SetStatus,
    StoreError,
    Tracker,
)
from agentstate._codec import encode_change, encode_state
from agentstate._eligibility import EligibilityFact
from agentstate._rows import StateTexts, dumps
from agentstate._sqlite import _CHANGE_TEXT, SQLiteStore
from agentstate.presets import basic, omnichannel
from agentstate.testing import SEQUENCE_START, valid_sequences
from tests._stores import START, check_history, child_env

AGENTS = ("a1", "a2")


@settings(max_examples=30, deadline=None)
@given(data=st.data(), name=st.sampled_from(["basic", "omnichannel"]))
def test_the_text_written_field_by_field_is_the_codecs_json(data: st.DataObject,
                                                            name: str) -> None:
    """Every state (written after the agent's previous one, reusing the text of the fields it
    shares) and every change is written as exactly the JSON the codec gives."""
    policy = basic() if name == "basic" else omnichannel()
    events: list[Event] = data.draw(valid_sequences(policy, AGENTS, max_size=25))
    store = MemoryStore()
    clock = ManualClock(SEQUENCE_START)
    tracker = Tracker(policy, store=store, clock=clock)
    tracker.register_many(AGENTS)
    texts = StateTexts()
    for event in events:
        clock.set(max(clock.now(), event.at or clock.now()))
        tracker.apply(event)
        state = store.load(event.agent)
        assert state is not None
        assert dumps(encode_state(state), agent=state.agent) == texts.text(state)
    for agent in AGENTS:
        for change in store.history(agent):
            written = _CHANGE_TEXT.text(change)
            assert written is not None
            assert dumps(encode_change(change), agent=agent) == written[0]


def _store(tmp_path: Path) -> tuple[SQLiteStore, Tracker, ManualClock]:
    store = SQLiteStore(tmp_path / "batch.db")
    clock = ManualClock(START)
    tracker = Tracker(basic(), store=store, clock=clock)
    tracker.register_many(AGENTS)
    return store, tracker, clock


def _state(store: SQLiteStore, agent: str) -> AgentState:
    state = store.load(agent)
    assert state is not None
    return state


def test_commits_in_a_batch_are_written_together_at_its_end(tmp_path: Path) -> None:
    """Inside a batch a commit writes nothing (it may read what it must check); the batch's
    end writes them (a history row for each change) and commits once."""
    store, tracker, clock = _store(tmp_path)
    with store:
        seen: list[str] = []
        store._run(None, lambda c: c.set_trace_callback(seen.append))
        clock.advance(1)
        with store.batch():
            tracker.apply(Login(agent="a1", queues=("sales",)))
            tracker.apply(Login(agent="a2", queues=("sales",)))
            tracker.apply(SetStatus(agent="a1", status="break", reason="coffee"))
            during = list(seen)
        assert [] == [s for s in during if s.startswith(("INSERT", "UPDATE", "DELETE",
                                                         "SAVEPOINT", "COMMIT"))]
        assert 3 == sum(s.startswith("INSERT INTO history") for s in seen[len(during):])
        assert 1 == sum(s == "COMMIT" for s in seen)
        assert "COMMIT" == seen[-1]
        assert ["logged_out", "available", "break"] == [
            c.to_status for c in tracker.history("a1")]
        assert [2, 2, 3] == [e.change.seq for e in tracker.changes()[2:]]


def test_a_repeated_event_in_a_batch_is_found_without_writing_the_batch(tmp_path: Path
                                                                       ) -> None:
    """An event sent twice inside a batch (same event id) is recognised from the batch's
    buffered commits, without writing them first; it is recorded once."""
    store, tracker, clock = _store(tmp_path)
    with store:
        seen: list[str] = []
        store._run(None, lambda c: c.set_trace_callback(seen.append))
        clock.advance(1)
        login = Login(agent="a1", queues=("sales",), event_id="e1")
        with store.batch():
            first = tracker.apply(login)
            again = tracker.apply(login)
            during = list(seen)
        assert [] == [s for s in during if s.startswith(("INSERT", "UPDATE", "DELETE"))]
        assert (False, True) == (first.duplicate, again.duplicate)
        assert first.changes == again.changes
        assert 1 == len(store.changes_for_event("a1", "e1"))


def test_reads_inside_a_batch_see_its_commits(tmp_path: Path) -> None:
    """History, the event-id lookup, the feed and eligibility asked inside a batch answer
    with the batch's own commits."""
    store, tracker, clock = _store(tmp_path)
    with store:
        clock.advance(1)
        with store.batch():
            tracker.apply(Login(agent="a1", queues=("sales",), event_id="e1"))
            assert ["logged_out", "available"] == [c.to_status for c in store.history("a1")]
            assert 1 == len(store.changes_for_event("a1", "e1"))
            tracker.apply(Login(agent="a2", queues=("sales",)))
            assert 4 == len(store.feed())
            assert ["a1", "a2"] == [p.agent for p, _ in store.eligible_places("sales", "voice")]
            tracker.apply(SetStatus(agent="a2", status="offline"))
            assert "offline" == _state(store, "a2").status
        assert ["a1"] == [p.agent for p, _ in store.eligible_places("sales", "voice")]
        assert 5 == len(store.feed())


def test_a_refused_commit_in_a_batch_changes_nothing_and_the_batch_goes_on(
        tmp_path: Path) -> None:
    """A commit repeating a recorded seq, one with a value SQLite cannot store, and a stale
    one are refused when made, with the error a commit outside a batch gives; the commits
    around them are written."""
    store, tracker, clock = _store(tmp_path)
    with store:
        clock.advance(1)
        first = tracker.history("a1")[0]
        with store.batch():
            tracker.apply(Login(agent="a1", queues=("sales",)))
            state = _state(store, "a1")
            moved = attrs.evolve(state, version=state.version + 1, status="offline")
            with pytest.raises(StoreError, match="repeats a recorded seq"):
                store.commit(moved, (first,), expected_version=state.version)
            with pytest.raises(StoreError, match="a number is out of range"):
                store.commit(attrs.evolve(state, version=2**63), (),
                             expected_version=state.version)
            with pytest.raises(StoreError, match="not valid Unicode"):
                store.commit(attrs.evolve(moved, reason="a\udc80"), (),
                             expected_version=state.version)
            with pytest.raises(ConflictError):
                store.commit(moved, (), expected_version=state.version - 1)
            assert state is store.load("a1")
            tracker.apply(SetStatus(agent="a1", status="break", reason="coffee"))
        assert ["logged_out", "available", "break"] == [
            c.to_status for c in tracker.history("a1")]
        assert "break" == _state(store, "a1").status


def test_a_batch_of_many_agents_equals_the_same_events_one_by_one(tmp_path: Path) -> None:
    """States, histories, feed and eligibility facts after apply_many equal those after
    applying each event in its own transaction, for agents touched many times in a batch."""
    agents = [f"a{i}" for i in range(8)]
    events: list[Event] = []
    for round_ in range(6):
        for agent in agents:
            if round_ == 0:
                events.append(Login(agent=agent, queues=("sales",)))
            elif round_ % 2:
                events.append(SetStatus(agent=agent, status="break", reason="coffee"))
            else:
                events.append(SetStatus(agent=agent, status="available"))
    stored = []
    for many in (False, True):
        clock = ManualClock(START)
        with SQLiteStore(tmp_path / f"{many}.db") as store:
            tracker = Tracker(basic(), store=store, clock=clock)
            tracker.register_many(agents)
            clock.advance(60)
            if many:
                tracker.apply_many(events[:20])
                tracker.apply_many(events[20:])
            else:
                for event in events:
                    tracker.apply(event)
            facts = store._run(None, lambda c: c.execute(
                "SELECT * FROM queue_facts ORDER BY agent, queue, channel").fetchall())
            stored.append(([store.load(a) for a in agents],
                           [list(store.history(a)) for a in agents],
                           [(n, c) for n, c in store.feed(limit=10_000)], facts))
    assert stored[0] == stored[1]


def test_a_tracker_over_a_stale_remembered_state_decides_on_the_stored_one(
        tmp_path: Path) -> None:
    """The tracker computes on the state the store remembers (no pragma); when another store
    committed since, the commit is a conflict and the event is decided again on the stored
    state, so nothing is lost and a refused event is refused for the right reason."""
    clock = ManualClock(START)
    path = tmp_path / "shared.db"
    with SQLiteStore(path) as one, SQLiteStore(path) as two:
        first = Tracker(basic(), store=one, clock=clock)
        second = Tracker(basic(), store=two, clock=clock)
        first.register("a1")
        clock.advance(1)
        first.apply(Login(agent="a1", queues=("sales",)))
        assert "available" == _state(one, "a1").status  # one remembers version 2
        clock.advance(1)
        second.apply(SetStatus(agent="a1", status="break", reason="coffee"))
        clock.advance(1)
        first.apply(SetStatus(agent="a1", status="available"))  # stale in one: not refused
        assert ["logged_out", "available", "break", "available"] == [
            c.to_status for c in first.history("a1")]
        assert _state(two, "a1") == _state(one, "a1")


_BATCHER = r"""
import sys
import pendulum
from agentstate import (InteractionAnswered, InteractionEnded, InteractionOffered, Login,
                        ManualClock, Result, SetStatus, Tracker)
from agentstate._sqlite import SQLiteStore
from agentstate.presets import basic

path, seed = sys.argv[1], int(sys.argv[2])
AGENTS = [f"a{i:02d}" for i in range(16)]
store = SQLiteStore(path)
last = [s.updated_at for s in map(store.load, AGENTS) if s is not None]
clock = ManualClock(max(last) if last else pendulum.datetime(2026, 1, 5, 9))
tracker = Tracker(basic(), store=store, clock=clock)
tracker.register_many([a for a in AGENTS if store.load(a) is None])
n = 0
while True:
    n += 1
    clock.advance(1)
    events = []
    for agent in AGENTS:  # one event per agent, valid in the state the batch starts from
        state, tag = tracker.state(agent), f"b{seed}-{n}-{agent}"
        call = state.interactions[0] if state.interactions else None
        if state.session is None:
            events.append(Login(agent=agent, queues=("sales",), event_id=tag))
        elif call is not None and call.state.value == "offered":
            events.append(InteractionAnswered(agent=agent, interaction=call.id, event_id=tag))
        elif call is not None:
            events.append(InteractionEnded(agent=agent, interaction=call.id, event_id=tag))
        elif state.status == "available":
            events.append(InteractionOffered(agent=agent, interaction=tag, queue="sales",
                                             event_id=tag))
        else:
            events.append(SetStatus(agent=agent, status="available", event_id=tag))
    results = tracker.apply_many(events)
    assert all(isinstance(r, Result) for r in results), results
    print(f"b{seed}-{n}", flush=True)
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals (SIGKILL)")
def test_a_batch_writer_killed_at_random_moments_leaves_whole_batches(tmp_path: Path) -> None:
    """SIGKILL a process applying batches again and again: every batch it reported is
    there, no batch is there in part, each agent's history is gapless and replays to the
    stored state, and the file is intact."""
    path = tmp_path / "crash.db"
    rng = random.Random(20260106)
    reported: set[str] = set()
    for round_ in range(12):
        child = subprocess.Popen([sys.executable, "-c", _BATCHER, str(path), str(round_)],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 env=child_env())
        assert child.stdout is not None
        wanted, lines = rng.randint(3, 60), []
        while len(lines) < wanted:
            line = child.stdout.readline()
            if not line:
                break
            lines.append(line)
        time.sleep(rng.uniform(0, 0.02))  # not just after a print: anywhere in a batch
        child.send_signal(signal.SIGKILL)
        out, err = child.communicate(timeout=60)
        assert child.returncode == -signal.SIGKILL, err
        # a line the kill cut short (no newline yet) was never reported: it does not count
        reported.update(line.strip() for line in [*lines, *out.splitlines(keepends=True)]
                        if line.endswith("\n"))
    assert len(reported) > 20
    with SQLiteStore(path) as store:
        batches: collections.Counter[str] = collections.Counter()
        for agent in sorted(store.agents()):
            for change in check_history(store, agent):
                if change.event_id is not None:
                    batches[change.event_id.rsplit("-", 1)[0]] += 1
    assert {16} == set(batches.values())
    assert reported <= batches.keys()
    with sqlite3.connect(path) as conn:
        assert ("ok",) == conn.execute("PRAGMA integrity_check").fetchone()


def test_history_before_inside_a_batch_sees_the_buffered_commits() -> None:
    """A day question asked inside a batch counts the batch's own events (found in review:
    history_before read only what was written)."""
    import pendulum

    def personal_used(batched: bool) -> object:
        clock = ManualClock(pendulum.datetime(2026, 1, 5, 8))
        with SQLiteStore(":memory:") as store:
            tracker = Tracker(basic(), clock=clock, store=store)
            tracker.register("a1")
            with store.batch() if batched else contextlib.nullcontext():
                clock.set(pendulum.datetime(2026, 1, 5, 23, 50))
                tracker.apply(Login(agent="a1"))
                tracker.apply(SetStatus(agent="a1", status="break", reason="personal"))
                clock.set(pendulum.datetime(2026, 1, 6, 0, 10))
                return next(r.used for r in tracker.ledger("a1").reasons
                            if r.reason == "personal")

    assert personal_used(batched=False) == personal_used(batched=True)



def test_a_commit_without_changes_after_registration_is_written(tmp_path: Path) -> None:
    """A commit that records no change (a state rewritten as is, with a new version) is
    written after a registration, outside and inside a batch (the greatest seq the store
    learnt when it wrote the agent stays as it was)."""
    store, _tracker, _clock = _store(tmp_path)
    with store:
        state = _state(store, "a1")
        store.commit(attrs.evolve(state, version=state.version + 1), (),
                     expected_version=state.version)
        with store.batch():
            store.commit(attrs.evolve(state, version=state.version + 2), (),
                         expected_version=state.version + 1)
        assert state.version + 2 == _state(store, "a1").version
        assert [1] == [c.seq for c in store.history("a1")]


def test_a_fact_sqlite_cannot_store_refuses_its_commit_in_a_batch(tmp_path: Path) -> None:
    """Eligibility facts with a number beyond 64 bits or a text that is not valid Unicode are
    refused when the commit is made inside a batch, and nothing of that commit is written;
    the batch's other commits are."""
    store, tracker, clock = _store(tmp_path)
    with store:
        clock.advance(1)
        with store.batch():
            tracker.apply(Login(agent="a1", queues=("sales",)))
            state = _state(store, "a1")
            moved = attrs.evolve(state, version=state.version + 1, status="offline")
            good = EligibilityFact(queue="sales", channel="voice", eligible=False, penalty=0,
                                   sort=0, calls=0, calls_until=None, last_offer_at=None)
            with pytest.raises(StoreError, match="a number is out of range"):
                store.commit(moved, (), expected_version=state.version,
                             facts=[attrs.evolve(good, penalty=2**63)])
            with pytest.raises(StoreError, match="not valid Unicode"):
                store.commit(moved, (), expected_version=state.version,
                             facts=[attrs.evolve(good, queue="s\udc80")])
            assert state is store.load("a1")
            tracker.apply(SetStatus(agent="a1", status="break", reason="coffee"))
        assert ["logged_out", "available", "break"] == [
            c.to_status for c in tracker.history("a1")]
        assert "break" == _state(store, "a1").status
