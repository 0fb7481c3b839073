"""The tracker: the one entry point. Applies events, answers questions.

The tracker owns no rules (they are in :mod:`agentstate._rules`; which store query answers
which routing strategy is in :mod:`agentstate._eligibility`) and no data (that is the
store's). Per event it: reads the clock once, resolves the event's time, answers a repeated
``event_id`` with the original result (and refuses a different event under a used id),
loads the agent (or takes the state the store last saw of it, for a
:class:`~agentstate.RecentStates` store), checks the time is not stale, fires the agent's timers
that fell due up to the event's time (each at its own deadline), computes the next state with
the pure rules, and commits everything with compare-and-set, recomputing on a conflict up to
``retries`` times. An event without ``at`` is stamped by the clock again when
another writer recorded a later change since the clock was read (a lost race), so a retry is
never refused as stale.

Timers never need a thread: the host asks :meth:`Tracker.next_deadline` when to wake up and calls
:meth:`Tracker.fire_due`; and since every event and every question about an agent first fires
that agent's due timers, answers are exact even if the host never ticks.

Notices are never dropped: every committed change is in the store's change feed
(:meth:`Tracker.changes`), with its notices. The notices of an event, and of the timers it
fired first, are also in its :class:`Result`; those of timers fired by :meth:`Tracker.fire_due`
in its results; those of timers fired by a question (:meth:`Tracker.state`,
:meth:`Tracker.eligible`, a report...) and of other hosts' changes only in the feed.

Its length has one reason to change: the host's interface. Each method is a few lines that read the
clock and delegate to the rules, the store, the reports or eligibility (but :meth:`Tracker.apply`,
the hot path, which spells its steps out instead of calling one method each); the tracker owns
no rule and no data.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from functools import partial

import attrs
import pendulum
from pendulum import DateTime

from . import _eligibility, _ledger, _report, _rules
from ._eligibility import Candidate, TeamView
from ._errors import (
    AgentExists,
    AgentStateError,
    ConflictError,
    EventIdReused,
    FeedError,
    InvalidEvent,
    StaleEvent,
    StoreError,
    UnknownAgent,
)
from ._events import SYSTEM, Event, Register, TimerFired
from ._feed import FeedEntry, check_query
from ._ledger import Ledger
from ._limits import name_problem
from ._names import check_channel, check_queue
from ._policy import Policy
from ._state import AgentState, Change, Result, build_result
from ._store import (
    BatchStore,
    EligibilityStore,
    MemoryStore,
    RecentStates,
    RosterStore,
    Store,
)
from ._time import UTC, Clock, SystemClock, checked, elapsed, to_utc
from ._toml import dumps_policy

__all__ = ["Tracker", "replay"]


class Tracker:
    """Applies events to agents under one policy, over a store, with a clock.

    Args:
        policy: the rules.
        store: where agents and history live; default a new :class:`MemoryStore`.
        clock: where "now" comes from; default :class:`SystemClock`.
        retries: how many times an event is recomputed when another writer moved the agent.
    """

    __slots__ = ("_clock", "_facts_checked", "_facts_store", "_host_clock", "_index", "_policy",
                 "_recent", "_retries", "_store")

    def __init__(self, policy: Policy, *, store: Store | None = None,
                 clock: Clock | None = None, retries: int = 3) -> None:
        self._policy = policy
        self._store: Store = store if store is not None else MemoryStore()
        self._host_clock: Clock = clock if clock is not None else SystemClock()
        self._clock = checked(self._host_clock)  # a host's clock: every reading checked
        self._retries = retries
        self._index: _eligibility.Index | None = None  # built on the first eligibility question
        # a store that answers eligibility itself gets the facts with every commit instead
        self._facts_store = self._store if isinstance(self._store, EligibilityStore) else None
        self._facts_checked = False
        # a store that remembers what it last saw of each agent saves a read per event: the
        # event is computed on that state, and compare-and-set refuses it if it was stale
        self._recent = (self._store.recent if isinstance(self._store, RecentStates)
                        else None)

    @property
    def policy(self) -> Policy:
        return self._policy

    @property
    def store(self) -> Store:
        return self._store

    @property
    def clock(self) -> Clock:
        return self._host_clock

    # -- events ----------------------------------------------------------------------------------

    def register(self, agent: str, *, at: datetime | None = None,
                 event_id: str | None = None, exist_ok: bool = False) -> Result:
        """Add ``agent`` to the roster, logged out.

        Args:
            exist_ok: if the agent is already registered, leave it unchanged and return a
                result marked ``duplicate`` whose one change is the agent's latest history
                entry (so ``result.after`` is where the agent is now), without notices:
                nothing happened. A host calls it at every start without a guard.

        Raises:
            AgentExists: the agent is already registered (unless ``exist_ok``).
        """
        event = Register(agent=agent, at=at, event_id=event_id)
        if not exist_ok:
            return self.apply(event)
        try:
            return self.apply(event)
        except AgentExists:
            pass
        state = self._store.load(agent)
        latest = () if state is None else self._store.history(agent, start=state.updated_at)
        if not latest:  # unregistered since, or an entry stamped before updated_at: all of it
            latest = self._store.history(agent)
        # Result's fields, positionally (see _state.py); no policy: no notices.
        return build_result(agent, event, tuple(latest[-1:]), (), True, None)

    def register_many(self, agents: Iterable[str], *, at: datetime | None = None,
                      exist_ok: bool = False) -> int:
        """Register many agents at one instant (a roster import); returns how many were added.

        Args:
            exist_ok: leave agents already registered unchanged (not counted) instead of
                raising :class:`AgentExists`.
        """
        when = self._when(None if at is None else to_utc(at), self._clock.now(), None)
        store, policy = self._store, self._policy
        if isinstance(store, RosterStore) and self._facts_store is None:
            return self._register_all(store, agents, when, exist_ok)
        count = 0
        for agent in agents:
            event = Register(agent=agent, at=when)
            existing = store.load(agent)
            if existing is not None and exist_ok:
                continue
            state, change = _rules.register(policy, existing, event, when)
            try:
                self._commit(state, (change,), 0)
            except ConflictError:  # another host registered it since the load
                if not exist_ok:
                    raise AgentExists(agent) from None
                continue
            count += 1
        return count

    def _register_all(self, store: RosterStore, agents: Iterable[str], when: pendulum.DateTime,
                      exist_ok: bool) -> int:
        """:meth:`register_many` on a store that adds many agents at once: the same outcome
        as one registration each (the agents before a refused one are added, then it raises),
        with one registration computed for all of them."""
        fresh: list[str] = []
        seen: set[str] = set()
        refusal: Exception | None = None
        for agent in agents:
            if name_problem(agent) is not None:  # refused as Register refuses it
                try:
                    Register(agent=agent, at=when)
                except AgentStateError as error:
                    refusal = error
                    break
            if agent in seen or store.load(agent) is not None:
                if exist_ok:
                    continue
                refusal = AgentExists(agent)
                break
            seen.add(agent)
            fresh.append(agent)
        if fresh:
            state, change = _rules.register(self._policy, None,
                                            Register(agent=fresh[0], at=when), when)
            store.add_agents(fresh, state, change)
            if self._index is not None:
                for agent in fresh:
                    added = store.load(agent)
                    if added is not None:
                        self._index.update(added)
        if refusal is not None:
            raise refusal
        return len(fresh)

    def apply(self, event: Event) -> Result:
        """Apply ``event`` and return what changed.

        Raises:
            AgentStateError: the event is refused (see the subclasses); nothing changed.
        """
        # The hot path: every host event comes through here, so its steps are spelt out
        # inline rather than called: the time (as _when), the next state (the registration,
        # or the rules after the due timers) and the write (as _commit).
        now = self._clock.now()
        given = event.at
        stamped = given is not None  # else stamped by the clock, again on each retry
        if given is None:
            at = to_utc(now)
        else:
            at = given if type(given) is DateTime and given.tzinfo is UTC else to_utc(given)
            if at > now:
                raise StaleEvent(agent=event.agent, at=at, bound=now, event=event, future=True)
        agent = event.agent
        store = self._store
        policy = self._policy
        recent = self._recent  # tried first where the store offers it; verified as below
        attempt = 0
        while True:
            state = recent(agent) if recent is not None else None
            verified = state is None
            if verified:
                state = store.load(agent)
            if event.event_id is not None and state is not None:
                seen = store.changes_for_event(agent, event.event_id)
                if seen:
                    if not _same_event(event, seen[0].event):
                        raise EventIdReused(agent=agent, event_id=event.event_id,
                                            original=seen[0].event, event=event)
                    return build_result(agent, event, tuple(seen), (), True, policy)
            if not stamped and state is not None and at < state.updated_at:
                # another writer recorded a change after our clock read: read it again
                at = to_utc(self._clock.now())
            fired: tuple[Change, ...] = ()
            try:  # the next state
                if isinstance(event, Register):
                    new, change = _rules.register(policy, state, event, at)
                    expected = 0
                else:
                    if state is None:
                        raise UnknownAgent(agent, event=event)
                    if at < state.updated_at:
                        raise StaleEvent(agent=agent, at=at, bound=state.updated_at,
                                         event=event)
                    current = state
                    deadlines = state.deadlines
                    if deadlines and deadlines[0].at <= at:
                        current, fired = self._catch_up(state, at)
                    new, change = _rules.step(policy, current, event, at)
                    expected = state.version
            except AgentStateError as error:
                if not verified:  # refused on a state that may be stale: decide on the stored
                    recent = None
                    continue
                if (isinstance(error, ConflictError) and self._index is not None
                        and state is not None):  # the host's expected_version is newer
                    self._index.update(state)
                raise
            changes = (*fired, change) if fired else (change,)
            try:  # the write, as _commit does it
                if self._facts_store is not None:
                    self._facts_store.commit(new, changes, expected_version=expected,
                                             facts=_eligibility.facts(policy, new))
                else:
                    store.commit(new, changes, expected_version=expected)
            except ConflictError:  # another writer got there first (or our state was stale)
                recent = None
                attempt += 1
                if attempt > self._retries:
                    raise
                if not stamped:  # stamped again: the winner's change may be after our read
                    at = to_utc(self._clock.now())
                continue
            if self._index is not None:
                self._index.update(new)
            # Result's fields, positionally (see _state.py): agent, event, changes, fired,
            # duplicate, policy.
            return build_result(agent, event, changes if not fired else (change,), fired,
                                False, policy)

    def apply_many(self, events: Iterable[Event]) -> list[Result | AgentStateError]:
        """Apply ``events`` in order, each accepted or refused on its own; one result each.

        The list holds, in the order of ``events``, each event's :class:`Result`, or the
        :class:`AgentStateError` that refused it (a refused event changed nothing; the events
        after it are still applied). The outcome is the same as calling :meth:`apply` on each
        in turn, and every accepted event is in the history and the change feed.

        On a store that can batch (a :class:`~agentstate.BatchStore`:
        :class:`~agentstate.SQLiteStore`) all of it is written in **one** transaction, at the
        end: many times faster than one transaction per event, since a durable commit costs
        an fsync. The batch is all or nothing: if anything other than a refusal is raised
        midway (a :class:`~agentstate.StoreError`, a crash of the host's code, an
        interrupt), nothing of the batch is written and the exception propagates; if the
        process dies midway, nothing of it was written. Other writers wait while a batch runs,
        so keep batches to thousands of events. On other stores each event is committed on
        its own, as :meth:`apply` does: an exception midway leaves the events before it
        applied.
        """
        batch = self._store.batch() if isinstance(self._store, BatchStore) else None
        if batch is None:
            return self._apply_each(events)
        try:
            with batch:
                return self._apply_each(events)
        except BaseException:
            self._index = None  # it saw states the rollback undid: rebuilt when next asked
            raise

    def _apply_each(self, events: Iterable[Event]) -> list[Result | AgentStateError]:
        apply = self.apply
        results: list[Result | AgentStateError] = []
        for event in events:
            try:
                results.append(apply(event))
            except StoreError:
                raise
            except AgentStateError as error:
                results.append(error)
        return results

    def _commit(self, state: AgentState, changes: Sequence[Change], expected: int) -> None:
        """The one write: the store's compare-and-set (with the agent's eligibility facts if
        the store answers eligibility), then the eligibility index if built."""
        if self._facts_store is not None:
            self._facts_store.commit(state, changes, expected_version=expected,
                               facts=_eligibility.facts(self._policy, state))
        else:
            self._store.commit(state, changes, expected_version=expected)
        if self._index is not None:
            self._index.update(state)

    def _catch_up(self, state: AgentState, until: datetime
                  ) -> tuple[AgentState, tuple[Change, ...]]:
        """Fire the agent's deadlines up to ``until``, each at its own time, in order."""
        fired: list[Change] = []
        while state.deadlines and state.deadlines[0].at <= until:
            deadline = state.deadlines[0]
            event = TimerFired(agent=state.agent, at=deadline.at, actor=SYSTEM,
                               timer=deadline.timer.value, ref=deadline.ref)
            state, change = _rules.step(self._policy, state, event, deadline.at)
            fired.append(change)
        return state, tuple(fired)

    def _current(self, agent: str, now: pendulum.DateTime) -> AgentState:
        """The agent's state with every timer due by ``now`` fired and committed."""
        attempt = 0
        while True:
            state = self._store.load(agent)
            if state is None:
                raise UnknownAgent(agent)
            if state.next_deadline is None or state.next_deadline > now:
                return state
            new, fired = self._catch_up(state, now)
            try:
                self._commit(new, fired, state.version)
            except ConflictError:
                attempt += 1
                if attempt > self._retries:
                    raise
                continue
            return new

    # -- timers ----------------------------------------------------------------------------------

    def next_deadline(self, agent: str | None = None) -> datetime | None:
        """When the next timer falls due: the earliest of all agents, or of ``agent``."""
        if agent is None:
            return self._store.next_deadline()
        state = self._store.load(agent)
        if state is None:
            raise UnknownAgent(agent)
        return state.next_deadline

    def fire_due(self, until: datetime | None = None) -> list[Result]:
        """Fire every timer due up to ``until`` (default: now), earliest first.

        Each timer takes effect at its own deadline, however late the host calls this; the
        result lists one :class:`Result` per timer fired.
        """
        now = self._clock.now()
        limit = now if until is None else min(to_utc(until), now)
        results: list[Result] = []
        stale: tuple[datetime, str] | None = None
        while (item := self._store.next_due(limit)) is not None:
            at, agent = item
            state = self._store.load(agent)
            if state is None or not state.deadlines or state.deadlines[0].at != at:
                if item == stale:  # a store that keeps answering a moved deadline: stop
                    break
                stale = item
                continue
            deadline = state.deadlines[0]
            event = TimerFired(agent=agent, at=at, actor=SYSTEM, timer=deadline.timer.value,
                               ref=deadline.ref)
            new, change = _rules.step(self._policy, state, event, at)
            try:
                self._commit(new, (change,), state.version)
            except ConflictError:
                continue  # another writer moved the agent; its due timers are looked at again
            results.append(self._result(event, (change,)))
        return results

    def _when(self, at: pendulum.DateTime | None, now: pendulum.DateTime,
              event: Event | None) -> pendulum.DateTime:
        if at is None:
            return to_utc(now)
        if at > now:
            raise StaleEvent(agent=event.agent if event else "*", at=at, bound=now,
                             event=event, future=True)
        return at

    def _result(self, event: Event, changes: tuple[Change, ...], *,
                fired: tuple[Change, ...] = (), duplicate: bool = False) -> Result:
        # Result's fields, positionally (see _state.py): agent, event, changes, fired,
        # duplicate, policy.
        return build_result(event.agent, event, changes, fired, duplicate, self._policy)

    # -- the change feed -------------------------------------------------------------------------

    def changes(self, after: int = 0, limit: int = 1000) -> list[FeedEntry]:
        """The changes committed after feed sequence ``after``, oldest first, at most ``limit``.

        Every committed change of every agent is in the feed, whoever made it: events, timers
        fired by any call (questions such as :meth:`eligible` and :meth:`state` included),
        supervisors, other hosts sharing the store. Keep the last
        :attr:`~agentstate.FeedEntry.sequence` you handled and ask again after it: across
        crashes and restarts you see each change exactly once. Each entry carries its notices,
        derived under this tracker's policy.

        Raises:
            FeedError: ``after`` is negative or ``limit`` below 1.
        """
        check_query(after, limit)
        policy = self._policy
        return [FeedEntry(sequence=sequence, agent=change.agent, change=change,
                          notices=_rules.notices(policy, change))
                for sequence, change in self._store.feed(after=after, limit=limit)]

    def wait_for_changes(self, after: int = 0, timeout: float = 30.0, *,
                         limit: int = 1000) -> list[FeedEntry]:
        """:meth:`changes` as soon as there are some, waiting up to ``timeout`` seconds
        (an empty list if none came).

        On PostgreSQL the wait is woken by the commit (``LISTEN``/``NOTIFY``); SQLite and
        memory stores poll cheaply. The one call of the tracker that blocks: call it from a
        thread of its own, or follow the feed with :func:`agentstate.aio.follow`.

        Raises:
            FeedError: an argument is out of range.
        """
        if not isinstance(timeout, int | float) or not timeout >= 0:
            raise FeedError(argument="timeout", value=timeout, expected="seconds >= 0")
        entries = self.changes(after, limit)
        if entries or timeout == 0:
            return entries
        if self._store.wait_for_feed(after, float(timeout)):
            return self.changes(after, limit)
        return []

    # -- questions -------------------------------------------------------------------------------

    def state(self, agent: str) -> AgentState:
        """The agent's current state (due timers fired first). Raises :class:`UnknownAgent`."""
        return self._current(agent, self._clock.now())

    def time_in_status(self, agent: str) -> timedelta:
        """How long the agent has been in its current status and reason, by the clock."""
        now = self._clock.now()
        return max(elapsed(self._current(agent, now).since, now), timedelta(0))

    def time_in_occupation(self, agent: str) -> timedelta:
        """How long the agent has been in its current occupation, by the clock."""
        now = self._clock.now()
        return max(elapsed(self._current(agent, now).occupation_since, now), timedelta(0))

    def _day(self, agent: str, day: date | None) -> tuple[datetime, datetime, datetime]:
        """``(start, end, now)`` of ``day`` (default: today) for the agent, with timers fired."""
        now = self._clock.now()
        state = self._current(agent, now)
        if day is None:
            lo, hi = _ledger.day_window(self._policy.day, now, state.timezone)
        else:
            lo, hi = _ledger.date_window(self._policy.day, day, state.timezone)
        return lo, hi, now

    def counters(self, agent: str, day: date | None = None) -> _report.Counts:
        """Interactions offered, answered, completed, missed, rejected (and withdrawn, dropped)
        in a day (default: today), by the time of each event.

        ``day`` is a calendar date in the agent's (or the site's) time zone.
        """
        lo, hi, now = self._day(agent, day)
        return _report.report(self._entries(agent, lo, hi), self._policy, start=lo, end=hi,
                              until=min(hi, now)).counts

    def ledger(self, agent: str, day: date | None = None) -> Ledger:
        """The agent's pause time per reason for a day: used, remaining, count, overrun.

        Args:
            day: a calendar date in the agent's (or the site's) time zone; default: the day
                containing now (with a rolling day rule: the 24 hours up to now).
        """
        lo, hi, now = self._day(agent, day)
        spans = _ledger.spans_from_history(self._entries(agent, lo, hi), min(hi, now))
        return _ledger.ledger(self._policy, agent, spans, lo, hi)

    def report(self, *, start: datetime, end: datetime,
               agents: Iterable[str] | None = None) -> _report.Report:
        """The report of ``agents`` (default: every agent) over ``[start, end)``, counted up to
        ``min(now, end)``: what is still open counts until now, never into the future.

        Each agent's due timers are fired first. See :func:`agentstate.report`.

        Raises:
            UnknownAgent: an agent is not registered.
            ReportError: the range is empty or reversed.
        """
        now = self._clock.now()
        names = sorted(self._store.agents()) if agents is None else sorted(set(agents))
        for name in names:
            self._current(name, now)
        hi = to_utc(end)
        changes = [c for name in names for c in self._entries(name, start, hi)]
        return _report.report(changes, self._policy, start=start, end=end,
                              until=min(hi, now), agents=names)

    def day_report(self, day: date | None = None, *,
                   agents: Iterable[str] | None = None) -> _report.Report:
        """The report over one calendar day (default: today) of the policy's ``day.timezone``,
        counted up to ``min(now, end of the day)`` (see :meth:`report`)."""
        zone = self._policy.day.timezone
        if day is None:
            day = pendulum.instance(self._clock.now()).in_timezone(zone).date()
        start, end = _report.day_bounds(day, zone)
        return self.report(start=start, end=end, agents=agents)

    # -- eligibility -------------------------------------------------------------------------

    def eligible(self, queue: str, channel: str = "voice", *, limit: int | None = None,
                 seed: int | None = None) -> list[Candidate]:
        """The agents ``queue`` may offer ``channel`` work to now, best first.

        Lower penalty tiers come first, then the queue's strategy (longest idle unless the
        policy's :class:`~agentstate.Queue` says otherwise). Answered by the store with an
        indexed query where it can (an :class:`~agentstate.EligibilityStore`: SQLite,
        PostgreSQL, so every host sharing it sees every host's changes), else from an index
        in this process kept up to date on every change; due timers are fired first. Offer to
        a candidate with
        ``expected_version=candidate.version``: if another host got there first, the offer is
        refused with :class:`ConflictError` and you take the next candidate.

        Args:
            limit: at most this many (``1``: just the best).
            seed: the seed of the random strategy, for reproducible orders.

        Raises:
            UnknownQueue: the policy declares its queues and ``queue`` is not one of them.
            UnknownChannel: ``channel`` is not one of the policy's channels.
        """
        check_queue(self._policy, queue)
        check_channel(self._policy, channel)
        if self._facts_store is not None:
            return self._eligible_from_store(self._facts_store, queue, channel, limit, seed)
        index = self._eligibility_index()
        now = self._clock.now()
        self.fire_due()
        return [_eligibility.Candidate(agent=s.agent, version=s.version,
                                       penalty=_penalty(s, queue))
                for s in index.eligible(queue, channel, now, limit=limit, seed=seed)]

    def _eligible_from_store(self, store: EligibilityStore, queue: str, channel: str,
                             limit: int | None, seed: int | None) -> list[Candidate]:
        if not self._facts_checked:
            key = policy_key(self._policy)
            if store.facts_policy() != key:
                store.rebuild_facts(key, partial(_eligibility.facts, self._policy))
            self._facts_checked = True
        now = self._clock.now()
        self.fire_due()
        return _eligibility.from_places(self._policy, store, queue, channel, now, limit, seed)

    def explain(self, agent: str, queue: str, channel: str = "voice") -> str | None:
        """Why ``agent`` may not be offered ``queue`` work on ``channel`` now, or ``None``.

        For example "in post-processing until 09:14:30", "paused in queue sales",
        "chat slots 3/3", "logged out".

        Raises:
            UnknownQueue, UnknownChannel: as :meth:`eligible`.
        """
        check_queue(self._policy, queue, agent=agent)
        check_channel(self._policy, channel, agent=agent)
        state = self.state(agent)
        found = _eligibility.blocker(self._policy, state, queue, channel)
        return None if found is None else _eligibility.describe(self._policy, found)

    def team(self, agents: Iterable[str] | None = None, *, queue: str | None = None,
             waiting: Mapping[str, int] | None = None) -> TeamView:
        """A team at a glance: per channel slots total / in use / free and an overloaded flag,
        and the logged-in agents by occupation.

        Args:
            agents: the team; default: every agent (or the members of ``queue``).
            queue: restrict to the members of this queue.
            waiting: the host's count of work waiting per channel, shown with the load.

        Raises:
            UnknownQueue, UnknownChannel: ``queue``, or a channel (or channel group) in
                ``waiting``, is unknown (as :meth:`eligible`).
        """
        if queue is not None:
            check_queue(self._policy, queue)
        for channel in waiting or {}:
            check_channel(self._policy, channel, groups=True)
        names = list(self._store.agents()) if agents is None else list(agents)
        states = [self.state(name) for name in names]
        if queue is not None:
            states = [s for s in states if s.membership(queue) is not None]
        return _eligibility.team_view(self._policy, states, waiting or {})

    def _eligibility_index(self) -> _eligibility.Index:
        if self._index is None:
            index = _eligibility.Index(self._policy)
            for agent in self._store.agents():
                state = self._store.load(agent)
                if state is not None:
                    index.update(state)
            self._index = index
        return self._index

    def agents(self) -> list[str]:
        """Every registered agent."""
        return list(self._store.agents())

    def _entries(self, agent: str, start: datetime, end: datetime) -> list[Change]:
        """The agent's entries a question over ``[start, end)`` needs: those from the day the
        question needs to know (:func:`agentstate._report.reach`) to ``end``, and before them
        those from the last entry that left nothing open (:func:`agentstate._report.resume_at`:
        a session, an interaction or a pause running into the range is read whole), never the
        whole history."""
        since = _report.reach(self._policy, start)
        before = _entries_before(self._store, agent, since, self._policy.logged_out)
        return [*before, *self._store.history(agent, start=since, end=end)]

    def history(self, agent: str, *, start: datetime | None = None,
                end: datetime | None = None) -> Sequence[Change]:
        """The agent's recorded changes with ``start <= at < end``, oldest first."""
        self._current(agent, self._clock.now())
        return self._store.history(agent, start=None if start is None else to_utc(start),
                                   end=None if end is None else to_utc(end))

    def __repr__(self) -> str:
        return f"<Tracker policy={self._policy.name!r} store={self._store!r}>"


def policy_key(policy: Policy) -> str:
    """A key that changes when anything in ``policy`` does: the SHA-256 of its TOML form."""
    return hashlib.sha256(dumps_policy(policy).encode()).hexdigest()


def _same_event(event: Event, original: Event) -> bool:
    """Whether ``event`` is ``original`` delivered again, for idempotency: the same class and
    fields, the actor as resolved (``None`` is the event's default actor), and ``at`` compared
    only when both give one (an event stamped by the clock matches any time)."""
    if event == original:
        return True
    if type(event) is not type(original):
        return False
    for field in attrs.fields(type(event)):
        mine, theirs = getattr(event, field.name), getattr(original, field.name)
        if field.name == "at" and (mine is None or theirs is None):
            continue
        if field.name == "actor":
            mine, theirs = _rules.actor_of(event), _rules.actor_of(original)
        if mine != theirs:
            return False
    return True


def _penalty(state: AgentState, queue: str) -> int:
    member = state.membership(queue)
    return member.penalty if member is not None else 0


def replay(policy: Policy, changes: Iterable[Change]) -> AgentState:
    """Rebuild an agent's state by re-applying its recorded events from the first.

    Raises:
        InvalidEvent: ``changes`` is empty or does not start with the registration (also a
            ``ValueError``, as before).
        AgentStateError: an event no longer applies (e.g. under a different policy).
    """
    state: AgentState | None = None
    for change in changes:
        if state is None:
            if not isinstance(change.event, Register):
                raise InvalidEvent(agent=change.agent, event=change.event,
                                  why="replay needs the history from the agent's "
                                      "registration")
            state, _ = _rules.register(policy, None, change.event, change.at)
        else:
            state, _ = _rules.step(policy, state, change.event, change.at)
    if state is None:
        raise InvalidEvent(agent="*", why="replay needs at least one change")
    return state


_BACK = timedelta(days=1)
"""The first step back, by days, over a store without ``history_before``."""
_FAR_BACK = timedelta(days=64)
"""Past this, a store without ``history_before`` is read from the first entry."""


def _entries_before(store: Store, agent: str, end: datetime, logged_out: str
                    ) -> Sequence[Change]:
    """The agent's entries before ``end`` from the last one that left nothing open (see
    :func:`agentstate._report.resume_at`): usually the evening's logout, or the night's login.

    Read back from ``end``: the last entry, then the last 16, 256, ... (each one indexed
    query); over a store without ``history_before``, a day, then 2, 4, ... days at a time."""
    # history_before(agent, end, *, limit): the last ``limit`` entries with at < end, oldest
    # first, in one indexed query (every store of agentstate's; optional for a host's own)
    before = getattr(store, "history_before", None)  # not isinstance: a Protocol costs 18 us
    if before is not None:
        limit = 1
        while True:
            tail: Sequence[Change] = before(agent, end, limit=limit)
            index = _report.resume_at(tail, logged_out, complete=len(tail) < limit)
            if index is not None:
                return tail[index:]
            limit *= 16
    found: list[Change] = []
    step, hi = _BACK, end
    while step <= _FAR_BACK:
        found = [*store.history(agent, start=hi - step, end=hi), *found]
        index = _report.resume_at(found, logged_out, complete=False)
        if index is not None:
            return found[index:]
        hi, step = hi - step, step * 2
    whole = store.history(agent, end=end)
    return whole[_report.resume_at(whole, logged_out, complete=True) or 0:]
