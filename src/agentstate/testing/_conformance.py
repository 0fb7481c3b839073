"""The store conformance suite: what every :class:`~agentstate.Store` must do, as tests.

agentstate runs it on :class:`~agentstate.MemoryStore`, :class:`~agentstate.SQLiteStore` and
:class:`~agentstate.PostgresStore`; a host writing its own store runs it too. Subclass
:class:`StoreConformance` in a pytest module, name the subclass ``Test...``, and say how to make
an empty store (and, for a durable store, how to open a second store object over the same
data)::

    from agentstate.testing import StoreConformance

    class TestMyStore(StoreConformance):
        def make_store(self):
            return MyStore(...)          # empty, every time

        def reopen_store(self, store):
            return MyStore(...)          # a new object over the same data as ``store``

The suite needs pytest only as its runner (tests are plain methods; a store that cannot be
reopened makes the restart test skip, through ``unittest.SkipTest``). Stores with a ``close()``
method are closed after each test.

What it checks:

- compare-and-set: a commit succeeds only at the expected version (0: the agent must not exist),
  and a refused commit raises :class:`~agentstate.ConflictError` naming the agent, the expected
  and the actual version;
- atomicity: a refused commit writes nothing, neither state nor history;
- round trip: states with sessions, queues, interactions on several channels, reasons, notes,
  event ids, supervisor actors and microsecond times come back equal, and so does every history
  entry;
- history: oldest first, per agent, ``start`` inclusive and ``end`` exclusive; several changes
  in one commit; :meth:`~agentstate.Store.changes_for_event`; :meth:`~agentstate.Store.agents`;
  ``history_before`` (the last entries before an instant), for a store that offers it;
- a :class:`~agentstate.Tracker` over the store works, including its idempotency by event id;
- restart: a new store object over the same data sees every agent, state and entry;
- the change feed: every committed entry once, in commit order, with strictly increasing
  sequences, read whole or page by page from any sequence, across a restart; a refused commit
  adds nothing; :meth:`~agentstate.Store.wait_for_feed` answers at once when there is an entry
  and times out when there is none; a timer fired by a question is in the feed with its
  notices;
- values it cannot keep (text that is not valid Unicode, numbers beyond 64 bits, an agent id
  of 300,000 characters): kept and read back equal, or refused with an
  :class:`~agentstate.AgentStateError` of a short message, writing nothing;
- for a store that answers eligibility itself (:class:`~agentstate.EligibilityStore`; other
  stores skip these): facts committed with each state answer eligibility best first with
  current versions, a commit without facts removes them, a refused commit writes none, a
  tracker under another policy rebuilds them, and the round robin's last offer.

Limits: it checks one process and one thread; how a store behaves under concurrent writers is
the store's own business to test (agentstate tests its SQL stores with several processes).

PYTEST_DONT_REWRITE: the messages are written for hosts; pytest must keep them as they are
(the pytest plugin's entry point would otherwise rewrite this module's assertions).

Its length has one reason to change: the Store protocol. Each test pins one promise of it, so a
store (or a new protocol method) is checked in one place.
"""

from __future__ import annotations

import unittest
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import attrs
import pendulum

from .._eligibility import EligibilityFact
from .._errors import AgentStateError, ConflictError
from .._events import (
    Actor,
    Event,
    ForceLogout,
    ForceStatus,
    InteractionAnswered,
    InteractionEnded,
    InteractionOffered,
    Login,
    Logout,
    SetStatus,
)
from .._feed import FeedEntry
from .._policy import Policy, Timers, WrapUp, WrapUpMode
from .._state import AgentState, Change, NoticeKind
from .._store import BatchStore, EligibilityStore, MemoryStore, Store
from .._time import ManualClock
from .._tracker import Tracker
from ..presets import basic

__all__ = ["StoreConformance"]

_START = pendulum.datetime(2026, 1, 5, 9)
_SUPERVISOR = Actor.supervisor("sup-1")
_ONE_US = timedelta(microseconds=1)


def conformance_policy() -> Policy:
    """The ``basic`` preset with wrap-up and ring-time timers, so that states carry deadlines."""
    return attrs.evolve(basic(), name="conformance",
                        wrap_up=WrapUp(mode=WrapUpMode.OPTIONAL, length=30),
                        timers=Timers(offer_timeout=20, no_answer_delay=10))


@attrs.frozen(kw_only=True)
class Commit:
    """One call of :meth:`Store.commit` as a tracker made it."""

    state: AgentState
    changes: tuple[Change, ...]
    expected: int


class _Recorder:
    """A :class:`MemoryStore` that remembers every commit, to replay them into a store."""

    def __init__(self) -> None:
        self.inner = MemoryStore()
        self.commits: list[Commit] = []

    def load(self, agent: str) -> AgentState | None:
        return self.inner.load(agent)

    def commit(self, state: AgentState, changes: Sequence[Change], *,
               expected_version: int) -> None:
        self.inner.commit(state, changes, expected_version=expected_version)
        self.commits.append(Commit(state=state, changes=tuple(changes),
                                   expected=expected_version))

    def history(self, agent: str, *, start: datetime | None = None,
                end: datetime | None = None) -> Sequence[Change]:
        return self.inner.history(agent, start=start, end=end)

    def changes_for_event(self, agent: str, event_id: str) -> Sequence[Change]:
        return self.inner.changes_for_event(agent, event_id)

    def agents(self) -> Iterator[str]:
        return self.inner.agents()

    def next_deadline(self) -> datetime | None:
        return self.inner.next_deadline()

    def next_due(self, until: datetime) -> tuple[datetime, str] | None:
        return self.inner.next_due(until)

    def feed(self, *, after: int = 0, limit: int = 1000) -> Sequence[tuple[int, Change]]:
        return self.inner.feed(after=after, limit=limit)

    def wait_for_feed(self, after: int, timeout: float) -> bool:
        return self.inner.wait_for_feed(after, timeout)


_FIRE = "fire"  # the host calls tracker.fire_due()
_PARIS = "paris"  # stamp the event with "now", in Paris time


def _script(agent: str) -> list[tuple[Any, ...]]:
    """A working day of one agent: (seconds since the previous step, what happens[, how])."""
    call, chat = f"{agent}-call", f"{agent}-chat"
    return [
        (1.000001, Login(agent=agent, queues=("sales", "support"), device="ext-1001",
                         event_id=f"{agent}-login")),
        (2.5, InteractionOffered(agent=agent, interaction=f"{call}-1", queue="sales")),
        (3.25, InteractionAnswered(agent=agent, interaction=f"{call}-1",
                                   event_id=f"{agent}-answer")),
        (0.000007, InteractionOffered(agent=agent, interaction=f"{chat}-1", channel="chat")),
        (4, InteractionAnswered(agent=agent, interaction=f"{chat}-1")),
        # asked while busy: deferred (a pending change) under the default policy
        (1, SetStatus(agent=agent, status="break", reason="coffee")),
        (60, InteractionEnded(agent=agent, interaction=f"{call}-1")),
        (1, InteractionEnded(agent=agent, interaction=f"{chat}-1")),
        (31, _FIRE),  # wrap-up ends; the pending break begins
        (300, SetStatus(agent=agent, status="available", event_id=f"{agent}-back")),
        (1, InteractionOffered(agent=agent, interaction=f"{call}-2", queue="support")),
        (25, _FIRE),  # not answered in time: missed, then a no-answer delay
        (11, _FIRE),
        (1.5, SetStatus(agent=agent, status="offline")),
        (2, ForceStatus(agent=agent, status="lunch", actor=_SUPERVISOR)),
        (600, SetStatus(agent=agent, status="available")),
        (1, InteractionOffered(agent=agent, interaction=f"{call}-3", queue="support")),
        (2, InteractionEnded(agent=agent, interaction=f"{call}-3"), _PARIS),
        (3, InteractionOffered(agent=agent, interaction=f"{call}-4", queue="sales")),
        (1, ForceLogout(agent=agent, actor=_SUPERVISOR)),
        (10, Login(agent=agent, status="offline")),
        (2, InteractionOffered(agent=agent, interaction=f"{call}-5")),
        (3, InteractionAnswered(agent=agent, interaction=f"{call}-5")),
        (5, InteractionEnded(agent=agent, interaction=f"{call}-5")),
        (1, SetStatus(agent=agent, status="available")),
        (2, InteractionOffered(agent=agent, interaction=f"{call}-6", queue="sales")),
    ]


def recorded_commits(agents: Sequence[str] = ("a1", "a2")) -> list[Commit]:
    """The commits a tracker makes for a busy day of ``agents`` under
    :func:`conformance_policy`, ending with timers still pending.

    The agents' steps are interleaved; an event the rules refuse (as the rules may evolve) is
    skipped, so the result is always a valid sequence of commits to replay into a store.
    """
    recorder = _Recorder()
    clock = ManualClock(_START)
    tracker = Tracker(conformance_policy(), store=recorder, clock=clock)
    for agent in agents:
        tracker.register(agent)
    scripts = [_script(agent) for agent in agents]
    for step in range(max(len(s) for s in scripts)):
        for script in scripts:
            if step >= len(script):
                continue
            wait, what, *how = script[step]
            now = clock.advance(wait)
            if what == _FIRE:
                tracker.fire_due()
                continue
            assert isinstance(what, Event)
            if how == [_PARIS]:
                what = attrs.evolve(what, at=now.in_timezone("Europe/Paris"))
            try:
                tracker.apply(what)
            except AgentStateError:
                continue
    return recorder.commits


class _Crash(Exception):
    """The host's code failing inside a batch."""


def _expect_conflict(attempt: Any, *, agent: str, expected: int, actual: int | None) -> None:
    """``attempt()`` must raise :class:`ConflictError` with these attributes."""
    try:
        attempt()
    except ConflictError as error:
        found = (error.agent, error.expected, error.actual)
        if found != (agent, expected, actual):
            raise AssertionError(f"ConflictError carries {found}, expected "
                                 f"{(agent, expected, actual)}") from error
    else:
        raise AssertionError(f"a commit of {agent!r} at expected version {expected} was "
                             f"accepted where the stored version is {actual}")


class StoreConformance:
    """The conformance tests. Subclass it as ``Test<YourStore>`` and define :meth:`make_store`.

    Every test starts from an empty store of its own.
    """

    def make_store(self) -> Store:
        """An empty store. Override it."""
        raise NotImplementedError("define make_store() to return an empty store")

    def reopen_store(self, store: Store) -> Store:
        """A new store object over the same data as ``store``, as after a restart.

        Override it for a durable store; by default the restart test is skipped.
        """
        raise unittest.SkipTest(f"{type(store).__name__} is not reopened: define "
                                "reopen_store() to run the restart test")

    # -- plumbing ----------------------------------------------------------------------------

    def _new(self) -> Store:
        store = self.make_store()
        self.__dict__.setdefault("_conformance_stores", []).append(store)
        return store

    def _reopen(self, store: Store) -> Store:
        again = self.reopen_store(store)
        self.__dict__.setdefault("_conformance_stores", []).append(again)
        return again

    def teardown_method(self, method: Any = None) -> None:
        """Close the stores the test made (those with a ``close()`` method)."""
        for store in reversed(self.__dict__.pop("_conformance_stores", [])):
            close = getattr(store, "close", None)
            if callable(close):
                close()

    @staticmethod
    def _fill(store: Store, commits: Sequence[Commit]) -> None:
        for commit in commits:
            store.commit(commit.state, commit.changes, expected_version=commit.expected)

    @staticmethod
    def _finals(commits: Sequence[Commit]) -> dict[str, AgentState]:
        return {c.state.agent: c.state for c in commits}

    @staticmethod
    def _entries(commits: Sequence[Commit], agent: str) -> list[Change]:
        return [change for c in commits if c.state.agent == agent for change in c.changes]

    # -- an empty store ------------------------------------------------------------------------

    def test_an_unknown_agent_is_absent(self) -> None:
        store = self._new()
        assert store.load("nobody") is None
        assert list(store.history("nobody")) == []
        assert list(store.changes_for_event("nobody", "e1")) == []
        assert list(store.agents()) == []
        assert store.next_deadline() is None
        assert store.next_due(_START + timedelta(days=365)) is None

    # -- compare-and-set and atomicity --------------------------------------------------------

    def test_register_then_load(self) -> None:
        store = self._new()
        first = recorded_commits(["a1"])[0]
        assert first.expected == 0
        store.commit(first.state, first.changes, expected_version=0)
        assert store.load("a1") == first.state
        assert list(store.history("a1")) == list(first.changes)
        assert list(store.agents()) == ["a1"]

    def test_every_state_reads_back_as_committed(self) -> None:
        store = self._new()
        for commit in recorded_commits(["a1"]):
            store.commit(commit.state, commit.changes, expected_version=commit.expected)
            assert store.load("a1") == commit.state

    def test_a_new_agent_needs_expected_version_0(self) -> None:
        store = self._new()
        first = recorded_commits(["a1"])[0]
        _expect_conflict(lambda: store.commit(first.state, first.changes, expected_version=1),
                         agent="a1", expected=1, actual=None)
        assert store.load("a1") is None
        assert list(store.history("a1")) == []
        assert list(store.agents()) == []

    def test_registering_twice_is_a_conflict_that_writes_nothing(self) -> None:
        store = self._new()
        first = recorded_commits(["a1"])[0]
        store.commit(first.state, first.changes, expected_version=0)
        again = attrs.evolve(first.state, status="impostor")
        _expect_conflict(lambda: store.commit(again, first.changes, expected_version=0),
                         agent="a1", expected=0, actual=first.state.version)
        assert store.load("a1") == first.state
        assert list(store.history("a1")) == list(first.changes)
        assert list(store.agents()) == ["a1"]

    def test_a_stale_version_is_a_conflict_that_writes_nothing(self) -> None:
        store = self._new()
        commits = recorded_commits(["a1"])
        self._fill(store, commits[:3])
        winner = commits[3]
        store.commit(winner.state, winner.changes, expected_version=winner.expected)
        # a second writer computed its change from the same version
        loser_state = attrs.evolve(winner.state, reason="loser")
        loser_changes = tuple(attrs.evolve(c, note="loser") for c in winner.changes)
        _expect_conflict(
            lambda: store.commit(loser_state, loser_changes, expected_version=winner.expected),
            agent="a1", expected=winner.expected, actual=winner.state.version)
        assert store.load("a1") == winner.state
        assert list(store.history("a1")) == self._entries(commits[:4], "a1")
        for change in loser_changes:
            if change.event_id is not None:
                assert list(store.changes_for_event("a1", change.event_id)) == \
                    [c for c in winner.changes if c.event_id == change.event_id]

    def test_a_version_never_stored_is_a_conflict(self) -> None:
        store = self._new()
        commits = recorded_commits(["a1"])
        self._fill(store, commits[:2])
        ahead = commits[3]
        _expect_conflict(
            lambda: store.commit(ahead.state, ahead.changes, expected_version=ahead.expected),
            agent="a1", expected=ahead.expected, actual=commits[1].state.version)
        assert store.load("a1") == commits[1].state
        assert list(store.history("a1")) == self._entries(commits[:2], "a1")

    def test_several_changes_in_one_commit(self) -> None:
        store = self._new()
        commits = recorded_commits(["a1"])
        self._fill(store, commits[:2])
        batch = commits[2:5]
        store.commit(batch[-1].state, tuple(c for b in batch for c in b.changes),
                     expected_version=batch[0].expected)
        assert store.load("a1") == batch[-1].state
        assert list(store.history("a1")) == self._entries(commits[:5], "a1")

    # -- round trips and history --------------------------------------------------------------

    def test_states_and_history_round_trip(self) -> None:
        store = self._new()
        commits = recorded_commits(["a1", "a2"])
        self._fill(store, commits)
        for agent, state in self._finals(commits).items():
            assert store.load(agent) == state
            assert list(store.history(agent)) == self._entries(commits, agent)

    def test_values_of_every_kind_survive(self) -> None:
        store = self._new()
        commits = recorded_commits(["a1"])
        seen = dict.fromkeys(("session queues", "several interactions", "reason", "deadlines",
                              "pending change", "pause ledger", "microseconds", "note",
                              "supervisor", "timer fired", "event id"), False)
        for commit in commits:
            store.commit(commit.state, commit.changes, expected_version=commit.expected)
            state = store.load("a1")
            assert state == commit.state
            assert state is not None
            seen["session queues"] |= state.session is not None and bool(state.session.queues)
            seen["several interactions"] |= len(state.interactions) > 1
            seen["reason"] |= state.reason is not None
            seen["deadlines"] |= bool(state.deadlines)
            seen["pending change"] |= state.pending is not None
            seen["pause ledger"] |= bool(state.pauses)
            seen["microseconds"] |= state.updated_at.microsecond != 0
        for entry in store.history("a1"):
            seen["note"] |= entry.note is not None
            seen["supervisor"] |= entry.actor == _SUPERVISOR
            seen["timer fired"] |= type(entry.event).__name__ == "TimerFired"
            seen["event id"] |= entry.event_id is not None
        missing = sorted(k for k, v in seen.items() if not v)
        assert not missing, f"the scenario did not exercise: {', '.join(missing)}"

    def test_history_is_oldest_first_and_per_agent(self) -> None:
        store = self._new()
        commits = recorded_commits(["a1", "a2"])
        self._fill(store, commits)
        for agent in ("a1", "a2"):
            entries = list(store.history(agent))
            assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
            assert all(e.agent == agent for e in entries)

    def test_history_range_is_start_inclusive_end_exclusive(self) -> None:
        store = self._new()
        commits = recorded_commits(["a1"])
        self._fill(store, commits)
        entries = list(store.history("a1"))
        assert len(entries) > 8
        assert len({e.at for e in entries}) == len(entries), "the scenario's times are distinct"
        start, end = entries[2].at, entries[5].at
        assert list(store.history("a1", start=start, end=end)) == entries[2:5]
        assert list(store.history("a1", start=start)) == entries[2:]
        assert list(store.history("a1", end=end)) == entries[:5]
        assert list(store.history("a1", start=start, end=start)) == []
        assert list(store.history("a1", start=start + _ONE_US, end=end + _ONE_US)) == \
            entries[3:6]
        assert list(store.history("a1", start=entries[-1].at + _ONE_US)) == []
        assert list(store.history("a1", end=entries[0].at)) == []
        paris = pendulum.timezone("Europe/Paris")
        assert list(store.history("a1", start=paris.convert(start), end=paris.convert(end))) \
            == entries[2:5]

    def test_history_before_gives_the_last_entries_before_an_instant(self) -> None:
        """``history_before(agent, end, limit=n)``, where the store offers it (day questions
        read back from a day's start through it), is the last ``n`` entries with ``at < end``,
        oldest first, per agent."""
        store = self._new()
        before = getattr(store, "history_before", None)
        if before is None:
            raise unittest.SkipTest(f"{type(store).__name__} has no history_before: day "
                                    "questions read it back a day at a time")
        self._fill(store, recorded_commits(["a1", "a2"]))
        entries = list(store.history("a1"))
        assert len(entries) > 8
        end = entries[6].at
        assert list(before("a1", end, limit=3)) == entries[3:6]
        assert list(before("a1", end, limit=1)) == entries[5:6]
        assert list(before("a1", end, limit=100)) == entries[:6]
        assert list(before("a1", end + _ONE_US, limit=2)) == entries[5:7]
        assert list(before("a1", entries[0].at, limit=5)) == []
        assert list(before("a1", entries[-1].at + _ONE_US, limit=2)) == entries[-2:]
        paris = pendulum.timezone("Europe/Paris")
        assert list(before("a1", paris.convert(end), limit=3)) == entries[3:6]
        assert all(e.agent == "a2" for e in before("a2", end, limit=100))
        assert list(before("nobody", end, limit=5)) == []

    def test_changes_for_event(self) -> None:
        store = self._new()
        commits = recorded_commits(["a1", "a2"])
        self._fill(store, commits)
        for agent in ("a1", "a2"):
            by_id = [e for e in store.history(agent) if e.event_id is not None]
            assert by_id, "the scenario has events with ids"
            for entry in by_id:
                assert entry.event_id is not None
                assert list(store.changes_for_event(agent, entry.event_id)) == [entry]
            assert list(store.changes_for_event(agent, "never-seen")) == []
        assert list(store.changes_for_event("a2", "a1-login")) == []  # ids are per agent

    def test_agents_lists_each_registered_agent_once(self) -> None:
        store = self._new()
        self._fill(store, recorded_commits(["a1", "a2", "a3"]))
        assert sorted(store.agents()) == ["a1", "a2", "a3"]

    # -- deadlines -----------------------------------------------------------------------------

    def test_next_deadline_follows_every_commit(self) -> None:
        store = self._new()
        states: dict[str, AgentState] = {}
        seen = 0
        for commit in recorded_commits(["a1", "a2"]):
            store.commit(commit.state, commit.changes, expected_version=commit.expected)
            states[commit.state.agent] = commit.state
            due = [s.next_deadline for s in states.values() if s.next_deadline is not None]
            earliest = min(due) if due else None
            assert store.next_deadline() == earliest
            if earliest is not None:
                seen += 1
                assert store.next_due(earliest - _ONE_US) is None
        assert seen, "the scenario has pending deadlines"

    def test_next_due_gives_the_earliest_deadline(self) -> None:
        store = self._new()
        commits = recorded_commits(["a1", "a2"])
        self._fill(store, commits)
        finals = self._finals(commits)
        due = sorted((s.next_deadline, s.agent) for s in finals.values()
                     if s.next_deadline is not None)
        assert due, "the scenario ends with pending deadlines"
        earliest = due[0][0]
        assert store.next_due(earliest - _ONE_US) is None
        found = store.next_due(earliest + timedelta(days=1))
        assert found is not None
        assert found[0] == earliest
        assert found in due

    def test_a_tracker_fires_every_due_timer_through_the_store(self) -> None:
        store = self._new()
        commits = recorded_commits(["a1", "a2"])
        self._fill(store, commits)
        last = max(c.state.updated_at for c in commits)
        clock = ManualClock(last + timedelta(hours=1))
        tracker = Tracker(conformance_policy(), store=store, clock=clock)
        fired = tracker.fire_due()
        assert fired, "the scenario ends with pending deadlines"
        for agent in ("a1", "a2"):
            state = tracker.state(agent)
            assert state.next_deadline is None or state.next_deadline > clock.now()
        after = store.next_deadline()
        assert after is None or after > clock.now()

    # -- with a tracker ------------------------------------------------------------------------

    def test_a_tracker_over_the_store(self) -> None:
        store = self._new()
        clock = ManualClock(_START)
        tracker = Tracker(conformance_policy(), store=store, clock=clock)
        tracker.register("a1")
        clock.advance(1)
        first = tracker.apply(Login(agent="a1", event_id="e1"))
        clock.advance(1)
        again = tracker.apply(Login(agent="a1", event_id="e1"))
        assert again.duplicate
        assert again.changes == first.changes
        assert tracker.state("a1").status == "available"
        assert len(tracker.history("a1")) == 2

    def test_a_second_tracker_sees_the_first_ones_writes(self) -> None:
        store = self._new()
        clock = ManualClock(_START)
        one = Tracker(conformance_policy(), store=store, clock=clock)
        two = Tracker(conformance_policy(), store=store, clock=clock)
        one.register("a1")
        clock.advance(1)
        one.apply(Login(agent="a1"))
        clock.advance(1)
        two.apply(SetStatus(agent="a1", status="offline"))
        assert one.state("a1") == two.state("a1")
        assert one.state("a1").status == "offline"

    # -- the change feed -----------------------------------------------------------------------

    @staticmethod
    def _feed(store: Store, after: int = 0, page: int = 1000) -> list[tuple[int, Change]]:
        """The whole feed after ``after``, read ``page`` entries at a time."""
        out: list[tuple[int, Change]] = []
        while True:
            batch = list(store.feed(after=after, limit=page))
            if len(batch) > page:
                raise AssertionError(f"feed(limit={page}) returned {len(batch)} entries")
            if not batch:
                return out
            out.extend(batch)
            after = batch[-1][0]

    def test_the_feed_holds_every_committed_entry_once_in_commit_order(self) -> None:
        store = self._new()
        assert list(store.feed()) == []
        commits = recorded_commits(["a1", "a2"])
        self._fill(store, commits)
        feed = self._feed(store)
        sequences = [sequence for sequence, _ in feed]
        assert all(type(s) is int and s > 0 for s in sequences), sequences[:5]
        assert sequences == sorted(set(sequences)), "sequences must strictly increase"
        assert [change for _, change in feed] == [c for commit in commits
                                                  for c in commit.changes]

    def test_the_feed_resumes_after_any_sequence_page_by_page(self) -> None:
        store = self._new()
        self._fill(store, recorded_commits(["a1", "a2"]))
        whole = self._feed(store)
        assert self._feed(store, page=3) == whole
        assert self._feed(store, page=1) == whole
        for i in (0, 1, len(whole) // 2, len(whole) - 1):
            assert self._feed(store, after=whole[i][0]) == whole[i + 1:]
        assert self._feed(store, after=whole[-1][0]) == []

    def test_a_refused_commit_adds_nothing_to_the_feed(self) -> None:
        store = self._new()
        commits = recorded_commits(["a1"])
        self._fill(store, commits[:3])
        before = self._feed(store)
        stale = commits[3]
        _expect_conflict(lambda: store.commit(stale.state, stale.changes,
                                              expected_version=stale.expected + 5),
                         agent="a1", expected=stale.expected + 5, actual=stale.expected)
        assert self._feed(store) == before

    def test_the_feed_carries_on_after_a_restart(self) -> None:
        store = self._new()
        commits = recorded_commits(["a1", "a2"])
        half = len(commits) // 2
        self._fill(store, commits[:half])
        before = self._feed(store)
        again = self._reopen(store)
        assert self._feed(again) == before
        self._fill(again, commits[half:])
        after = self._feed(again, after=before[-1][0])
        assert [c for _, c in after] == [c for commit in commits[half:] for c in commit.changes]
        assert after[0][0] > before[-1][0]

    def test_wait_for_feed_answers_at_once_or_times_out(self) -> None:
        store = self._new()
        assert store.wait_for_feed(0, 0.05) is False
        first = recorded_commits(["a1"])[0]
        store.commit(first.state, first.changes, expected_version=0)
        (sequence, _), = store.feed()
        assert store.wait_for_feed(0, 5.0) is True
        assert store.wait_for_feed(sequence, 0.05) is False

    def test_a_timer_fired_by_a_question_is_in_the_feed_with_its_notices(self) -> None:
        store = self._new()
        clock = ManualClock(_START)
        tracker = Tracker(conformance_policy(), store=store, clock=clock)
        tracker.register("a1")
        tracker.apply(Login(agent="a1", queues=("sales",)))
        tracker.apply(InteractionOffered(agent="a1", interaction="c1", queue="sales"))
        tracker.apply(InteractionAnswered(agent="a1", interaction="c1"))
        tracker.apply(SetStatus(agent="a1", status="break", reason="coffee"))  # deferred
        tracker.apply(InteractionEnded(agent="a1", interaction="c1"))  # wrap-up, 30 s
        seen = tracker.changes()[-1].sequence
        clock.advance(31)
        tracker.eligible("sales")  # the question fires the wrap-up's end
        assert tracker.fire_due() == []
        fired = tracker.changes(after=seen)
        assert [e.change.to_status for e in fired] == ["break"]
        assert isinstance(fired[0], FeedEntry)
        kinds = {notice.kind for notice in fired[0].notices}
        assert {NoticeKind.PENDING_APPLIED, NoticeKind.NOT_ROUTABLE} <= kinds, kinds

    # -- batches, for stores that group commits (BatchStore) -------------------------------------

    def _batching(self) -> tuple[Store, BatchStore]:
        """A store that batches commits (twice: as a store and as a batcher); skips for
        other stores."""
        store = self._new()
        if not isinstance(store, BatchStore):
            raise unittest.SkipTest(f"{type(store).__name__} is not a BatchStore: "
                                    "Tracker.apply_many commits each event on its own")
        return store, store

    def test_a_batch_writes_its_commits_and_reads_see_them_inside(self) -> None:
        """Commits inside a batch are read back inside it, and are stored, in the feed in
        commit order, once it ends."""
        store, batching = self._batching()
        commits = recorded_commits(["a1", "a2"])
        with batching.batch():
            self._fill(store, commits)
            assert store.load("a1") == self._finals(commits)["a1"]
        plain = self._new()
        self._fill(plain, commits)
        for agent in ("a1", "a2"):
            assert store.load(agent) == plain.load(agent)
            assert list(store.history(agent)) == list(plain.history(agent))
        assert [c for _, c in self._feed(store)] == [c for _, c in self._feed(plain)]

    def test_a_refused_commit_in_a_batch_writes_nothing_and_the_batch_goes_on(self) -> None:
        """A conflict inside a batch is refused alone: the commits before and after it are
        stored, the refused one is not."""
        store, batching = self._batching()
        commits = recorded_commits(["a1"])
        stale = commits[3]
        with batching.batch():
            self._fill(store, commits[:3])
            _expect_conflict(lambda: store.commit(
                stale.state, stale.changes, expected_version=stale.expected + 5),
                agent="a1", expected=stale.expected + 5, actual=stale.expected)
            self._fill(store, commits[3:])
        assert store.load("a1") == commits[-1].state
        assert list(store.history("a1")) == self._entries(commits, "a1")
        assert len(self._feed(store)) == len(self._entries(commits, "a1"))

    def test_a_batch_that_raises_writes_nothing(self) -> None:
        """An exception inside a batch undoes every commit of the batch; the commits before
        it stay, and the store goes on working."""
        store, batching = self._batching()
        commits = recorded_commits(["a1", "a2"])
        half = len(commits) // 2
        self._fill(store, commits[:half])
        before = self._feed(store)
        try:
            with batching.batch():
                self._fill(store, commits[half:])
                raise _Crash
        except _Crash:
            pass
        assert self._feed(store) == before
        assert list(store.history("a1")) == self._entries(commits[:half], "a1")
        self._fill(store, commits[half:])
        assert [c for _, c in self._feed(store)] == [
            ch for c in commits for ch in c.changes]

    # -- eligibility, for stores that answer it (EligibilityStore) -------------------------------

    def _indexed(self) -> tuple[EligibilityStore, Tracker, ManualClock]:
        """A store that answers eligibility, with a tracker over it; skips for other stores."""
        store = self._new()
        if not isinstance(store, EligibilityStore):
            raise unittest.SkipTest(f"{type(store).__name__} is not an EligibilityStore: the "
                                    "tracker answers eligibility from its own index")
        clock = ManualClock(_START)
        return store, Tracker(conformance_policy(), store=store, clock=clock), clock

    @staticmethod
    def _floor(tracker: Tracker, clock: ManualClock) -> None:
        """a3 idle since 09:00:01, a1 since 09:00:02; a2 offered a call; a4 in support only."""
        for agent, queue in (("a3", "sales"), ("a1", "sales"), ("a2", "sales"),
                             ("a4", "support")):
            clock.advance(1)
            tracker.register(agent)
            tracker.apply(Login(agent=agent, queues=(queue,)))
        clock.advance(1)
        tracker.apply(InteractionOffered(agent="a2", interaction="c1", queue="sales"))

    def test_eligibility_is_answered_by_the_store_best_first(self) -> None:
        """Facts written with each commit answer "who may sales offer voice work", longest
        idle first, with each agent's current version; ``limit`` keeps the best."""
        store, tracker, clock = self._indexed()
        self._floor(tracker, clock)
        expected = [("a3", tracker.state("a3").version), ("a1", tracker.state("a1").version)]
        assert expected == [(c.agent, c.version) for c in tracker.eligible("sales", "voice")]
        assert expected[:1] == [(p.agent, v) for p, v in
                                store.eligible_places("sales", "voice", limit=1)]
        assert store.eligible_places("sales", "fax") == []

    def test_a_commit_without_facts_removes_the_agents_facts(self) -> None:
        """Code that commits without computing facts takes the agent out of eligibility, never
        leaving facts that no longer match its state."""
        store, tracker, clock = self._indexed()
        self._floor(tracker, clock)
        tracker.eligible("sales")
        state = tracker.state("a3")
        store.commit(attrs.evolve(state, version=state.version + 1), (),
                     expected_version=state.version)
        assert [p.agent for p, _ in store.eligible_places("sales", "voice")] == ["a1"]

    def test_a_refused_commit_writes_no_facts(self) -> None:
        """A commit that loses compare-and-set leaves the agent's facts as they were."""
        store, tracker, clock = self._indexed()
        self._floor(tracker, clock)
        before = store.eligible_places("sales", "voice")
        state = tracker.state("a3")
        _expect_conflict(lambda: store.commit(attrs.evolve(state, version=state.version + 1),
                                              (), expected_version=state.version - 1,
                                              facts=()),
                         agent="a3", expected=state.version - 1, actual=state.version)
        assert before == store.eligible_places("sales", "voice")

    def test_rebuilt_facts_follow_the_new_policy(self) -> None:
        """A tracker whose policy differs from the one the facts were computed under rebuilds
        every agent's facts before answering: here 'available' no longer takes queue work."""
        store, tracker, clock = self._indexed()
        self._floor(tracker, clock)
        assert [c.agent for c in tracker.eligible("sales")] == ["a3", "a1"]
        old = conformance_policy()
        closed = attrs.evolve(old, name="closed", statuses=tuple(
            attrs.evolve(s, routable=False) for s in old.statuses))
        assert Tracker(closed, store=store, clock=clock).eligible("sales") == []
        again = Tracker(old, store=store, clock=clock)
        assert [c.agent for c in again.eligible("sales")] == ["a3", "a1"]

    def test_every_store_over_the_data_answers_with_every_hosts_changes(self) -> None:
        """Eligibility comes from the data, not from a tracker's memory: a login written
        through one store object is offered through another (a second host, after a
        restart), and once the second offered the agent work, neither lists it."""
        store, first, clock = self._indexed()
        second = Tracker(conformance_policy(), store=self._reopen(store), clock=clock)
        assert second.eligible("sales") == []
        first.register("ana")
        clock.advance(1)
        first.apply(Login(agent="ana", queues=("sales",)))
        [best] = second.eligible("sales", limit=1)
        assert ("ana", first.state("ana").version) == (best.agent, best.version)
        clock.advance(1)
        second.apply(InteractionOffered(agent="ana", interaction="c1", queue="sales",
                                        expected_version=best.version))
        assert (first.eligible("sales"), second.eligible("sales")) == ([], [])

    def test_last_offered_is_the_latest_offer_of_the_queue(self) -> None:
        """The round robin's starting point: the agent the queue offered work to last."""
        store, tracker, clock = self._indexed()
        assert store.last_offered("sales") is None
        self._floor(tracker, clock)
        clock.advance(1)
        tracker.apply(InteractionOffered(agent="a3", interaction="c2", queue="sales"))
        assert store.last_offered("sales") == "a3"
        assert store.last_offered("support") is None

    # -- values a store may not be able to keep ------------------------------------------------

    def _kept_or_refused(self, store: Store, attempt: Any, *, agent: str,
                         kept: AgentState | None = None) -> str:
        """``attempt()`` either succeeds (then ``agent`` reads back as ``kept``, if given) or
        raises an :class:`~agentstate.AgentStateError` with a short message, having written
        nothing; returns ``"kept"`` or ``"refused"``."""
        agents = sorted(store.agents())
        before = {a: (store.load(a), list(store.history(a))) for a in agents}
        message = None
        try:
            attempt()
        except AgentStateError as error:
            message = str(error)
        if message is None:
            if kept is not None:
                assert store.load(agent) == kept
            return "kept"
        assert len(message) <= 1_000, f"a message of {len(message):,} characters"
        assert sorted(store.agents()) == agents
        assert before == {a: (store.load(a), list(store.history(a))) for a in agents}
        return "refused"

    def test_a_value_it_cannot_keep_is_refused_with_an_agentstate_error(self) -> None:
        """Text that is not valid Unicode (a lone surrogate), a number beyond 64 bits, an
        agent id of 300,000 characters: the store keeps each (and reads it back equal) or
        refuses it with an agentstate error whose message quotes at most a short part of it,
        and writes nothing. Reads by such an agent id find nothing or are refused the same
        way; no other exception ever escapes."""
        store = self._new()
        commits = recorded_commits(["a1"])
        self._fill(store, commits[:2])
        first, second = commits[:2]
        for agent in ("a\udc80", "x" * 300_000):
            for read in (partial(store.load, agent), partial(store.history, agent),
                         partial(store.changes_for_event, agent, "e1")):
                self._kept_or_refused(store, read, agent="a1")
            state = attrs.evolve(first.state, agent=agent)
            changes = tuple(attrs.evolve(c, agent=agent) for c in first.changes)
            self._kept_or_refused(store, partial(store.commit, state, changes,
                                                 expected_version=0), agent=agent, kept=state)
        self._kept_or_refused(store, partial(store.changes_for_event, "a1", "e\udc80"),
                              agent="a1")
        version = attrs.evolve(second.state, version=2**63)
        self._kept_or_refused(store, partial(store.commit, version, second.changes,
                                             expected_version=second.expected),
                              agent="a1", kept=version)

    def test_a_fact_it_cannot_keep_is_refused_with_an_agentstate_error(self) -> None:
        """A store answering eligibility keeps or refuses a fact with a penalty beyond 64 bits
        or a queue name that is not valid Unicode, as any other value."""
        store, tracker, clock = self._indexed()
        self._floor(tracker, clock)
        state = tracker.state("a3")
        for fact in (EligibilityFact(queue="sales", channel="voice", eligible=True,
                                     penalty=2**63, sort=0, calls=0, calls_until=None,
                                     last_offer_at=None),
                     EligibilityFact(queue="s\udc80", channel="voice", eligible=True,
                                     penalty=0, sort=0, calls=0, calls_until=None,
                                     last_offer_at=None)):
            stored = store.load("a3")
            assert stored is not None
            newer = attrs.evolve(state, version=stored.version + 1)
            self._kept_or_refused(store, partial(store.commit, newer, (),
                                                 expected_version=stored.version,
                                                 facts=(fact,)), agent="a3", kept=newer)

    # -- restart -------------------------------------------------------------------------------

    def test_a_new_store_over_the_same_data_sees_everything(self) -> None:
        store = self._new()
        commits = recorded_commits(["a1", "a2"])
        self._fill(store, commits)
        deadline = store.next_deadline()
        again = self._reopen(store)
        assert sorted(again.agents()) == ["a1", "a2"]
        assert again.next_deadline() == deadline
        for agent, state in self._finals(commits).items():
            assert again.load(agent) == state
            assert list(again.history(agent)) == self._entries(commits, agent)
            login = [e for e in self._entries(commits, agent) if e.event_id == f"{agent}-login"]
            assert list(again.changes_for_event(agent, f"{agent}-login")) == login
        # and a tracker over it carries on where the first one stopped
        last = self._finals(commits)["a1"]
        clock = ManualClock(last.updated_at + timedelta(hours=1))
        tracker = Tracker(conformance_policy(), store=again, clock=clock)
        tracker.fire_due()
        tracker.apply(Logout(agent="a1"))
        assert tracker.state("a1").status == "logged_out"
        assert tracker.state("a1").version > last.version

    def test_two_stores_over_the_same_data_never_answer_from_a_stale_memory(self) -> None:
        """Two store objects open at once over the same data (two hosts): each load answers
        the other's latest commit, however recently the loading store read or wrote the
        agent itself, and a commit computed from a stale load is a conflict."""
        one = self._new()
        commits = recorded_commits(["a1"])
        self._fill(one, commits)
        two = self._reopen(one)
        state = self._finals(commits)["a1"]
        assert (one.load("a1"), two.load("a1")) == (state, state)
        for writer, reader, version in ((one, two, state.version + 1),
                                        (two, one, state.version + 2)):
            newer = attrs.evolve(state, version=version, reason=f"v{version}")
            writer.commit(newer, (), expected_version=version - 1)
            assert (newer, newer) == (reader.load("a1"), writer.load("a1"))
            stale = attrs.evolve(state, version=version)
            _expect_conflict(partial(reader.commit, stale, (), expected_version=version - 1),
                             agent="a1", expected=version - 1, actual=version)
            state = newer
