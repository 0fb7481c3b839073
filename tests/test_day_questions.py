"""Day questions read only the day: ``Tracker.counters``, ``ledger``, ``report`` and
``day_report`` read the entries of the range asked about, and before it only those from the
last entry that left nothing open (the evening's logout; a night shift's login; the start of a
pause running into the day), on every store. Their answers are the whole history's, for every
day, across midnight, time zones and daylight-saving changes.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agentstate import (
    AgentStateError,
    Change,
    Configure,
    DayRule,
    InteractionAnswered,
    InteractionEnded,
    InteractionOffered,
    Login,
    Logout,
    ManualClock,
    MemoryStore,
    Policy,
    SetStatus,
    Store,
    Tracker,
    _sqlite,
)
from agentstate._events import SYSTEM
from agentstate._ledger import date_window, day_window, ledger, spans_from_history
from agentstate._report import day_bounds, report, resume_at
from agentstate._sqlite import SQLiteStore
from agentstate.testing import valid_sequences
from agentstate.testing._strategies import SEQUENCE_START
from tests import _pg
from tests._policies import timed

ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"]
STARTS = [date(2026, 1, 5), date(2026, 3, 28), date(2026, 3, 7), date(2026, 10, 24),
          date(2026, 10, 31)]
"""Mondays and the weekends of daylight-saving changes (Europe and the US, both ways)."""
AGENTS = ("a1", "a2")
_names = itertools.count()


def _store(kind: str, folder: Path) -> Store:
    if kind == "memory":
        return MemoryStore()
    if kind == "sqlite":
        return SQLiteStore(folder / f"days-{next(_names)}.db")
    from agentstate._postgres import PostgresStore
    return PostgresStore(_pg.require().conninfo, schema=f"days_{next(_names)}")


STORES = ["memory", "sqlite", "postgres"]


# -- the whole history's answers (what the questions computed before) ---------------------------


def _whole_counters(tracker: Tracker, agent: str, day: date | None) -> Any:
    lo, hi, now = _window(tracker, agent, day)
    history = tracker.store.history(agent, end=hi)
    return report(history, tracker.policy, start=lo, end=hi, until=min(hi, now)).counts


def _whole_ledger(tracker: Tracker, agent: str, day: date | None) -> Any:
    lo, hi, now = _window(tracker, agent, day)
    spans = spans_from_history(tracker.store.history(agent, end=hi), min(hi, now))
    return ledger(tracker.policy, agent, spans, lo, hi)


def _whole_report(tracker: Tracker, start: datetime, end: datetime) -> Any:
    now = tracker.clock.now()
    names = sorted(tracker.agents())
    changes = [c for name in names for c in tracker.store.history(name, end=end)]
    return report(changes, tracker.policy, start=start, end=end, until=min(end, now),
                  agents=names)


def _window(tracker: Tracker, agent: str, day: date | None
            ) -> tuple[datetime, datetime, datetime]:
    now = tracker.clock.now()
    zone = tracker.state(agent).timezone
    if day is None:
        lo, hi = day_window(tracker.policy.day, now, zone)
    else:
        lo, hi = date_window(tracker.policy.day, day, zone)
    return lo, hi, now


# -- the property ---------------------------------------------------------------------------------


@st.composite
def floors(draw: st.DrawFn) -> tuple[Policy, list[Any], datetime, timedelta]:
    """A policy with limited pauses counted in some zone's days (rolling or not), a valid
    stream of events over several days moved to a start near a daylight-saving change, and
    how long after its last event the questions are asked."""
    zone = draw(st.sampled_from(ZONES))
    policy = timed(day=DayRule(timezone=zone, rolling=draw(st.booleans())))
    events = draw(valid_sequences(timed(), AGENTS, max_size=40, max_gap=5 * 3600))
    first = draw(st.sampled_from(STARTS))
    start = pendulum.datetime(first.year, first.month, first.day, 20, tz=zone)
    shift = start - SEQUENCE_START
    registered = SEQUENCE_START + shift
    own = draw(st.sampled_from([None, *ZONES]))  # a2's own zone, for its days
    moved = [Configure(agent="a2", at=registered, actor=SYSTEM, timezone=own),
             *(attrs.evolve(event, at=event.at + shift) for event in events)]
    later = timedelta(seconds=draw(st.integers(0, 2 * 86_400)))
    return policy, moved, registered, later


def _replay(store: Store, policy: Policy, events: Sequence[Any], registered: datetime,
            later: timedelta) -> Tracker:
    clock = ManualClock(registered)
    tracker = Tracker(policy, store=store, clock=clock)
    tracker.register_many(AGENTS)
    for event in events:
        clock.set(event.at)
        with contextlib.suppress(AgentStateError):  # a limit counted in another zone's days
            tracker.apply(event)
    clock.set(clock.now() + later)
    for agent in AGENTS:
        tracker.state(agent)  # due timers fired: the questions below change nothing
    return tracker


def _days(tracker: Tracker, registered: datetime) -> Iterator[date]:
    zones = {tracker.policy.day.timezone, *(tracker.state(a).timezone or "UTC" for a in AGENTS)}
    first = min(pendulum.instance(registered).in_timezone(z).date() for z in zones)
    last = max(pendulum.instance(tracker.clock.now()).in_timezone(z).date() for z in zones)
    day = first - timedelta(days=1)
    while day <= last + timedelta(days=1):
        yield day
        day += timedelta(days=1)


def _check(tracker: Tracker, registered: datetime, ranges: Sequence[tuple[int, int]]) -> None:
    for day in [None, *_days(tracker, registered)]:
        for agent in AGENTS:
            assert _whole_counters(tracker, agent, day) == tracker.counters(agent, day)
            assert _whole_ledger(tracker, agent, day) == tracker.ledger(agent, day)
        if day is not None:
            start, end = day_bounds(day, tracker.policy.day.timezone)
            assert _whole_report(tracker, start, end) == tracker.day_report(day)
    for offset, length in ranges:
        start = pendulum.instance(registered) + timedelta(minutes=offset)
        end = start + timedelta(minutes=length)
        assert _whole_report(tracker, start, end) == tracker.report(start=start, end=end)


ranges = st.lists(st.tuples(st.integers(-600, 6 * 1440), st.integers(1, 3 * 1440)),
                  max_size=3)


@given(floor=floors(), ranges=ranges)
def test_a_day_question_answers_as_the_whole_history_on_a_memory_store(
        floor: tuple[Policy, list[Any], datetime, timedelta],
        ranges: list[tuple[int, int]]) -> None:
    """For any valid stream over several days (sessions, pauses and calls across midnight,
    limited pauses, an agent in its own zone, daylight-saving changes, calendar or rolling
    days), every day's counters, ledger and day report, and reports over any range, equal
    those computed from the whole history."""
    policy, events, registered, later = floor
    tracker = _replay(MemoryStore(), policy, events, registered, later)
    _check(tracker, registered, ranges)


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
@settings(max_examples=15, deadline=None)
@given(floor=floors(), ranges=ranges)
def test_a_day_question_answers_as_the_whole_history_on_a_sql_store(
        tmp_path_factory: pytest.TempPathFactory, kind: str,
        floor: tuple[Policy, list[Any], datetime, timedelta],
        ranges: list[tuple[int, int]]) -> None:
    """The same on SQLite and PostgreSQL, which find the range and the entries before it with
    their own queries."""
    policy, events, registered, later = floor
    store = _store(kind, tmp_path_factory.mktemp("days"))
    try:
        tracker = _replay(store, policy, events, registered, later)
        _check(tracker, registered, ranges)
    finally:
        store.close()  # type: ignore[attr-defined]


# -- what is read ---------------------------------------------------------------------------------


class _Counting:
    """A store that counts the history entries it hands out (and has no ``history_before``,
    as a host's own store may not)."""

    def __init__(self, inner: MemoryStore) -> None:
        self.inner, self.read = inner, 0

    def history(self, agent: str, *, start: datetime | None = None,
                end: datetime | None = None) -> Sequence[Change]:
        found = self.inner.history(agent, start=start, end=end)
        self.read += len(found)
        return found

    def __getattr__(self, name: str) -> Any:
        if name == "history_before" and type(self) is _Counting:
            raise AttributeError(name)
        return getattr(self.inner, name)


class _CountingTail(_Counting):
    """:class:`_Counting` with ``history_before``, as agentstate's stores have."""

    def history_before(self, agent: str, end: datetime, *, limit: int) -> Sequence[Change]:
        found = self.inner.history_before(agent, end, limit=limit)
        self.read += len(found)
        return found


def _workday(tracker: Tracker, clock: ManualClock, agent: str, begin: datetime,
             calls: int) -> None:
    clock.set(begin)
    tracker.apply(Login(agent=agent, queues=("sales",)))
    for n in range(calls):
        call = f"{begin:%m%d%H}-{n}"
        clock.advance(60)
        tracker.apply(InteractionOffered(agent=agent, interaction=call, queue="sales"))
        clock.advance(5)
        tracker.apply(InteractionAnswered(agent=agent, interaction=call))
        clock.advance(240)
        tracker.apply(InteractionEnded(agent=agent, interaction=call))
        clock.advance(30)
    tracker.apply(SetStatus(agent=agent, status="break", reason="coffee"))
    clock.advance(600)
    tracker.apply(SetStatus(agent=agent, status="available"))
    tracker.apply(Logout(agent=agent))


@pytest.mark.parametrize(("hour", "runs_in", "read"), [((9, 0), 1, 1), ((23, 45), 12, 1 + 16)],
                         ids=["day shift", "night shift"])
def test_a_question_about_one_day_reads_that_day_and_what_runs_into_it(
        hour: tuple[int, int], runs_in: int, read: int) -> None:
    """After 20 working days, a question about day 20 reads day 20's entries and, before its
    midnight, back to the last entry that left nothing open: the evening's logout for a day
    shift (the last entry); for a night shift the logout before it, the login, two calls with
    their wrap-ups and a third call still open at midnight (12 entries, found among the last
    16 after the last one)."""
    store = _CountingTail(MemoryStore())
    tracker, day = _twenty_days(store, hour)
    lo, hi = day_bounds(day, "UTC")
    inside = len(store.inner.history("ana", start=lo, end=hi))
    before = store.inner.history("ana", end=lo)
    assert runs_in == len(before) - (resume_at(before, "logged_out", complete=True) or 0)
    for ask in (lambda: tracker.counters("ana", day), lambda: tracker.ledger("ana", day),
                lambda: tracker.day_report(day)):
        store.read = 0
        ask()
        assert inside + read == store.read


@pytest.mark.parametrize("hour", [(9, 0), (23, 45)], ids=["day shift", "night shift"])
def test_a_store_without_history_before_is_read_back_by_days(hour: tuple[int, int]) -> None:
    """A host's store without ``history_before`` is read back a day at a time from the day's
    midnight until an entry that left nothing open: here the day before and the day itself,
    whatever the length of the history; the answers are the same."""
    store = _Counting(MemoryStore())
    tracker, day = _twenty_days(store, hour)
    lo, hi = day_bounds(day, "UTC")
    two_days = len(store.inner.history("ana", start=lo - timedelta(days=1), end=hi))
    for ask, whole in ((lambda: tracker.counters("ana", day), _whole_counters),
                       (lambda: tracker.ledger("ana", day), _whole_ledger)):
        store.read = 0
        answer = ask()
        assert two_days == store.read
        assert whole(tracker, "ana", day) == answer


def _twenty_days(store: _Counting, hour: tuple[int, int]) -> tuple[Tracker, date]:
    clock = ManualClock(pendulum.datetime(2026, 1, 5))
    tracker = Tracker(timed(day=DayRule(timezone="UTC")), store=store,  # type: ignore[arg-type]
                      clock=clock)
    tracker.register("ana")
    for n in range(20):
        _workday(tracker, clock, "ana", pendulum.datetime(2026, 1, 5, *hour).add(days=n), 4)
    clock.set(pendulum.datetime(2026, 1, 26))
    tracker.state("ana")
    return tracker, date(2026, 1, 24)


# -- the stores: the last entries before an instant, and a range, by index ---------------------


@pytest.mark.parametrize("kind", STORES)
def test_history_before_is_the_last_entries_before_an_instant_oldest_first(
        kind: str, tmp_path: Path) -> None:
    """``history_before(agent, end, limit=n)``: the agent's last ``n`` entries with
    ``at < end``, oldest first, in ``seq`` order among entries at the same instant."""
    store = _store(kind, tmp_path)
    try:
        clock = ManualClock(pendulum.datetime(2026, 1, 5, 9))
        tracker = Tracker(timed(), store=store, clock=clock)
        tracker.register("ana")
        tracker.register("bob")
        tracker.apply(Login(agent="ana", queues=("sales",)))
        tracker.apply(SetStatus(agent="ana", status="offline"))  # the same instant
        clock.advance(60)
        tracker.apply(SetStatus(agent="ana", status="available"))
        whole = list(store.history("ana"))
        end = clock.now()
        assert [c.seq for c in whole] == [1, 2, 3, 4]
        before = store.history_before  # type: ignore[attr-defined]
        assert whole[2:3] == list(before("ana", end, limit=1))
        assert whole[1:3] == list(before("ana", end, limit=2))
        assert whole[:3] == list(before("ana", end, limit=10))
        assert whole == list(before("ana", end + timedelta(seconds=1), limit=10))
        assert [] == list(before("ana", whole[0].at, limit=10))
        assert [] == list(before("nobody", end, limit=10))
    finally:
        if kind != "memory":
            store.close()  # type: ignore[attr-defined]


def test_sqlite_reads_a_range_and_the_entries_before_it_along_an_index() -> None:
    """SQLite finds an agent's entries in a range, and its last entries before an instant,
    along the (agent, at) index, in order: no walk over the agent's whole history, no sort."""
    with SQLiteStore(":memory:") as store:
        statements = [_sqlite._HISTORY_RANGE + " AND at >= ? AND at < ? ORDER BY at, seq",
                      _sqlite._HISTORY_RANGE + " AND at >= ? ORDER BY at, seq",
                      _sqlite._HISTORY_RANGE + " AND at < ? ORDER BY at, seq",
                      _sqlite._HISTORY_BEFORE]
        plans = [[row[-1] for row in store._run(None, lambda c, sql=sql: c.execute(
            "EXPLAIN QUERY PLAN " + sql, (None,) * sql.count("?")).fetchall())]
            for sql in statements]
    assert [["SEARCH history USING INDEX history_at (agent=? AND at>? AND at<?)"],
            ["SEARCH history USING INDEX history_at (agent=? AND at>?)"],
            ["SEARCH history USING INDEX history_at (agent=? AND at<?)"],
            ["SEARCH history USING INDEX history_at (agent=? AND at<?)"]] == plans


def test_postgres_reads_a_range_and_the_entries_before_it_along_an_index() -> None:
    """PostgreSQL, with the statistics of an agent with 30 days of history, finds the entries
    of a day and the last entries before an instant with the (agent, at) index, walking it
    backwards for the latter; no sequential scan."""
    import psycopg

    from agentstate._postgres import PostgresStore

    conninfo = _pg.require().conninfo
    schema = f"days_plan_{next(_names)}"
    with PostgresStore(conninfo, schema=schema) as store:
        statements = store._sql
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'INSERT INTO "{schema}".history (agent, seq, at, event_id, entry) '
                     "SELECT 'a' || (n % 10), n, timestamp '2026-01-05' + n * interval '90 s', "
                     "NULL, '{}' FROM generate_series(1, 20000) AS n")
        conn.execute(f'ANALYZE "{schema}".history')
        conn.execute("SET enable_seqscan = off")
        day = {"agent": "a1", "start": datetime(2026, 1, 20), "end": datetime(2026, 1, 21)}
        plans = {key: "\n".join(row[0] for row in conn.execute("EXPLAIN " + statements[key],
                                                                day))
                 for key in ("history_from_to", "history_from")}
        before = (f'SELECT seq, at, event_id, entry::text FROM "{schema}".history '
                  "WHERE agent = %s AND at < %s ORDER BY at DESC, seq DESC LIMIT %s")
        plans["before"] = "\n".join(row[0] for row in conn.execute(
            "EXPLAIN " + before, ("a1", datetime(2026, 1, 20), 16)))
    assert {} == {key: plan for key, plan in plans.items()
                  if "history_at" not in plan or "Seq Scan" in plan}
    assert "Index Scan Backward using history_at" in plans["before"], plans["before"]
