"""Storage: the protocol a host implements, and the in-memory store.

A store keeps each agent's current :class:`AgentState` and its history. The one write is
:meth:`Store.commit`: save the new state *and* append its history entries as one unit of work,
only if the stored version is still the one the change was computed from (compare-and-set).
That single rule is what makes several hosts sharing one database safe without locks: the loser
of a race gets :class:`ConflictError`, and the tracker recomputes the event on the fresh state.

The same commit numbers each history entry in the store-wide change feed (:meth:`Store.feed`,
see :mod:`agentstate._feed`), so a host can follow every change, whoever made it.
"""

from __future__ import annotations

import heapq
import struct
import time
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

import attrs

from ._compact import Record, agent_free, decode_change, encode_change, encoders, record_at
from ._eligibility import EligibilityFact, QueuePlace
from ._errors import ConflictError
from ._state import AgentState, Change, build_state

__all__ = ["BatchStore", "EligibilityStore", "MemoryStore", "RecentStates", "RosterStore",
           "Store"]


@runtime_checkable
class Store(Protocol):
    """What the tracker needs from persistence."""

    def load(self, agent: str) -> AgentState | None:
        """The agent's current state, or ``None`` if it is not registered."""
        ...

    def commit(self, state: AgentState, changes: Sequence[Change], *,
               expected_version: int) -> None:
        """Save ``state`` and append ``changes``, atomically.

        Only if the stored version is ``expected_version`` (0: the agent must not exist yet);
        otherwise raise :class:`ConflictError` and write nothing.
        """
        ...

    def history(self, agent: str, *, start: datetime | None = None,
                end: datetime | None = None) -> Sequence[Change]:
        """The agent's entries with ``start <= at < end``, in order."""
        ...

    def changes_for_event(self, agent: str, event_id: str) -> Sequence[Change]:
        """The entries recorded for ``event_id`` on this agent (empty if never seen)."""
        ...

    def agents(self) -> Iterator[str]:
        """Every registered agent's id."""
        ...

    def next_deadline(self) -> datetime | None:
        """The earliest deadline of any agent (``AgentState.next_deadline``), or ``None``."""
        ...

    def next_due(self, until: datetime) -> tuple[datetime, str] | None:
        """The earliest ``(deadline, agent)`` with deadline ``<= until``, or ``None``.

        Stores shared by several hosts may hand each agent to one caller at a time (e.g.
        PostgreSQL's ``FOR UPDATE SKIP LOCKED``); compare-and-set keeps double firing harmless.
        """
        ...

    def feed(self, *, after: int = 0, limit: int = 1000) -> Sequence[tuple[int, Change]]:
        """The change feed: ``(sequence, change)`` of the entries committed with a sequence
        above ``after``, lowest first, at most ``limit``.

        :meth:`commit` gives each entry its sequence in the same unit of work: store-wide,
        strictly increasing, never reused. An entry returned later never has a lower sequence
        than one returned before (a store whose writers commit concurrently returns an entry
        only once no entry with a lower sequence can still appear), so a reader that resumes
        after the last sequence it handled sees every entry exactly once.
        """
        ...

    def wait_for_feed(self, after: int, timeout: float) -> bool:
        """Block until :meth:`feed` has an entry after ``after`` (``True``) or ``timeout``
        seconds passed (``False``): woken by the database where it can push (PostgreSQL's
        ``LISTEN``), polling cheaply otherwise."""
        ...


@runtime_checkable
class EligibilityStore(Store, Protocol):
    """A store that answers eligibility itself, with indexed queries (SQLite, PostgreSQL).

    Beside each agent's state it keeps the agent's facts (one
    :class:`~agentstate.EligibilityFact` per queue membership and channel), which the tracker
    computes from the state under its policy and passes to :meth:`commit`: the store writes
    them in the same transaction, so they are never out of step with the state, whichever host
    wrote it, and every host sees every host's changes. The tracker asks :meth:`eligible_places`
    instead of keeping an index in memory.

    Every host sharing the store must run the same policy. The store remembers the key of the
    policy that computed its facts (:meth:`facts_policy`); a tracker compares it with its own
    at its first eligibility question and recomputes every agent's facts
    (:meth:`rebuild_facts`) if they differ, e.g. after the policy changed. A store that is not
    an ``EligibilityStore`` (:class:`MemoryStore`, or your own) works as well: the tracker then
    answers eligibility from an index in its own memory.
    """

    def commit(self, state: AgentState, changes: Sequence[Change], *,
               expected_version: int, facts: Sequence[EligibilityFact] | None = None) -> None:
        """As :meth:`Store.commit`, also replacing the agent's facts with ``facts``.

        ``None`` (a commit by code that does not compute facts) removes the agent's facts: the
        agent is not offered work until a tracker commits it again or rebuilds the facts.
        """
        ...

    def eligible_places(self, queue: str, channel: str, *, limit: int | None = None,
                        calls_at: datetime | None = None, after: str | None = None
                        ) -> list[tuple[QueuePlace, int]]:
        """The eligible agents' places and versions for the pair, best first, at most
        ``limit``: ordered by ``(penalty, sort, agent)``; with ``calls_at`` (fewest calls), by
        ``(penalty, calls, agent)`` where calls count only while ``calls_until > calls_at``;
        with ``after`` (round robin), by ``(penalty, agent <= after, agent)``: the agents after
        the last one offered work first, then from the start."""
        ...

    def last_offered(self, queue: str) -> str | None:
        """The agent ``queue`` offered work to last (the latest ``last_offer_at``; of equal
        instants the greatest agent id), or ``None``."""
        ...

    def facts_policy(self) -> str | None:
        """The key of the policy the stored facts were computed under (``None``: no facts)."""
        ...

    def rebuild_facts(self, policy_key: str,
                      compute: Callable[[AgentState], Sequence[EligibilityFact]]) -> None:
        """Replace every agent's facts with ``compute(state)`` and remember ``policy_key``, as
        one unit of work that no commit interleaves with."""
        ...


@runtime_checkable
class RecentStates(Protocol):
    """A store that remembers the state it last read or wrote of each agent (PostgreSQL,
    SQLite).

    The tracker computes an event on that state instead of reading the agent again: one round
    trip to the database per event instead of two. The state may be stale (another host may
    have committed since); that is safe, because the commit's compare-and-set then fails and the
    tracker reads the agent and computes again, and an event refused on a remembered state is
    decided again on the stored one. SQLite offers it too: it saves the ``PRAGMA
    data_version`` a load asks to learn whether another connection wrote.
    """

    def recent(self, agent: str) -> AgentState | None:
        """The state this store last read or wrote of ``agent`` (maybe stale), or ``None``."""
        ...


@runtime_checkable
class BatchStore(Protocol):
    """A store that can group many commits into one transaction (SQLite).

    :meth:`~agentstate.Tracker.apply_many` applies its events inside :meth:`batch`: one
    transaction (one durable write) for all of them instead of one each. A store without it
    works as well: ``apply_many`` then commits each event on its own.
    """

    def batch(self) -> AbstractContextManager[None]:
        """A block whose commits are written as one transaction when it ends.

        Each :meth:`Store.commit` inside still succeeds or fails on its own (a refused
        commit writes nothing, the others stay), and reads inside see the block's commits.
        If the block raises, none of its commits is written. A batch inside a batch joins it.
        """
        ...


@runtime_checkable
class RosterStore(Store, Protocol):
    """A store that adds many new agents in one call (:class:`MemoryStore`).

    :meth:`~agentstate.Tracker.register_many` hands it a roster import at once instead of one
    commit per agent. A store without it works as well: each agent is then committed on its
    own.
    """

    def add_agents(self, agents: Sequence[str], state: AgentState, change: Change) -> None:
        """Add every agent of ``agents`` (new, distinct) as ``commit(state_a, (change_a,),
        expected_version=0)`` would, as one unit of work.

        ``state`` and ``change`` are the registration of ``agents[0]``; every other agent's is
        the same but for its own id (in the state, the change and the change's event).

        Raises:
            ConflictError: an agent is registered already; nothing was added.
        """
        ...


def _registration(change: Change, agent: str) -> Change:
    """``change``, the registration of one agent, as that of ``agent``."""
    if change.agent == agent and change.event.agent == agent:
        return change
    return attrs.evolve(change, agent=agent, event=attrs.evolve(change.event, agent=agent))


_PRUNE_AT = 64
"""Stale entries a :class:`MemoryStore`'s deadline heap may hold beyond twice its live ones."""

_PLACE = struct.Struct("q").pack
"""A place in the feed as the bytes of one item of an ``array("q")``."""


class MemoryStore:
    """A :class:`Store` in process memory: fast, for tests, simulations and single hosts.

    Not durable. Safe for one thread; hosts sharing it across threads get compare-and-set
    semantics only under the GIL's per-call atomicity, which this class does not promise.

    The history costs the cyclic garbage collector nothing: each entry is kept as the plain
    values of its record (:mod:`agentstate._compact`), appended to one flat list, and an
    agent's entries as the bytes of an array of their places in the feed (a ``bytearray``);
    neither allocates an object the collector tracks. Entries are built again as
    :class:`Change` values when read. Agents registered together share the record of their
    registration.
    """

    __slots__ = ("_deadlines", "_event_ids", "_history", "_prune_at", "_slots", "_starts",
                 "_states")

    poll_interval = 0.05
    """Seconds between two looks at the feed in :meth:`wait_for_feed` (another thread
    commits)."""

    def __init__(self) -> None:
        self._states: dict[str, AgentState] = {}
        self._event_ids: dict[tuple[str, str], tuple[int, int]] = {}
        self._deadlines: list[tuple[datetime, str]] = []  # a heap; stale entries skipped
        self._prune_at = _PRUNE_AT  # the heap's size at which its stale entries are dropped
        # The feed: entry n (sequence n + 1) is self._slots[start:end], where start is
        # self._starts[n] and end the next entry's start: the slots of the change's record
        # (its agent first), or the agent and one object (a record shared by agents
        # registered together, or a change kept as it is).
        self._slots: list[Any] = []
        self._starts = array("q")
        # per agent, the places of its entries in the feed: one int, then the bytes of an
        # array("q") in a bytearray, which (unlike an array) the collector does not track
        self._history: dict[str, int | bytearray] = {}

    def load(self, agent: str) -> AgentState | None:
        return self._states.get(agent)

    def commit(self, state: AgentState, changes: Sequence[Change], *,
               expected_version: int) -> None:
        agent = state.agent
        current = self._states.get(agent)
        actual = 0 if current is None else current.version
        if actual != expected_version:
            raise ConflictError(agent=agent, expected=expected_version,
                                actual=None if current is None else actual)
        # encoded before anything changes: an entry that cannot be encoded is kept whole,
        # and nothing raised here may leave the store half-written
        if len(changes) == 1:  # most commits: one change, without a list and a loop
            change = changes[0]
            record = encoders.get(type(change.event), encode_change)(change)
            self._states[agent] = state
            if state.deadlines:
                self._push(state, current)
            self._append(agent, change, record)
            return
        records = [encoders.get(type(change.event), encode_change)(change)
                   for change in changes]
        self._states[agent] = state
        if state.deadlines:
            self._push(state, current)
        for change, record in zip(changes, records, strict=True):
            self._append(agent, change, record)

    def _push(self, state: AgentState, current: AgentState | None) -> None:
        """Put the agent's first deadline on the heap, if it is new."""
        due = state.deadlines[0].at
        if current is None or not current.deadlines or current.deadlines[0].at != due:
            heapq.heappush(self._deadlines, (due, state.agent))
            if len(self._deadlines) > self._prune_at:
                self._prune()

    def _append(self, agent: str, change: Change, record: Record | Change) -> None:
        """Add ``change`` (as ``record``) to the feed and to the agent's entries: its data, then
        its start, then the agent's place, so that a reader in another thread
        (``wait_for_feed`` beside a writer) never finds a place before its data."""
        slots, starts, history = self._slots, self._starts, self._history
        start, place = len(slots), len(starts)
        slots += record if type(record) is tuple else (agent, record)  # agent first
        starts.append(start)
        places = history.get(agent)
        if places is None:
            history[agent] = place
        elif type(places) is int:
            history[agent] = bytearray(_PLACE(places) + _PLACE(place))
        else:
            places += _PLACE(place)  # type: ignore[operator]
        if change.event_id is not None:
            key = (agent, change.event_id)
            first = self._event_ids.get(key, (change.seq, change.seq))[0]
            self._event_ids[key] = (first, change.seq)

    def add_agents(self, agents: Sequence[str], state: AgentState, change: Change) -> None:
        states = self._states
        taken = next((agent for agent in agents if agent in states), None)
        if taken is not None:
            raise ConflictError(agent=taken, expected=0, actual=states[taken].version)
        if not agents:
            return
        rest = attrs.astuple(state, recurse=False)[1:]  # every field but the agent
        records = [encode_change(_registration(change, agent)) for agent in agents[:2]]
        shared = len(records) == 2 and agent_free(*records)
        history, slots, starts = self._history, self._slots, self._starts
        place = len(starts)
        for i, agent in enumerate(agents):  # data, start, place, state: as _append
            start = len(slots)
            slots.append(agent)
            slots.append(records[0] if shared or i == 0
                         else encode_change(_registration(change, agent)))
            starts.append(start)
            history[agent] = place + i
            states[agent] = state if i == 0 else build_state(agent, *rest)
        if state.next_deadline is not None:
            for agent in agents:
                heapq.heappush(self._deadlines, (state.next_deadline, agent))
            if len(self._deadlines) > self._prune_at:
                self._prune()

    def _prune(self) -> None:
        """Drop the heap's stale entries (deadlines that moved since), so that a host that
        never asks for the next deadline does not keep every deadline it ever had: in time
        amortised over the entries pushed, since the heap may grow to twice what is left."""
        states = self._states
        seen: set[str] = set()
        kept = []
        for entry in self._deadlines:
            at, agent = entry
            if agent not in seen and states[agent].next_deadline == at:
                seen.add(agent)
                kept.append(entry)
        heapq.heapify(kept)
        self._deadlines = kept
        self._prune_at = 2 * len(kept) + _PRUNE_AT

    def _entry(self, place: int) -> tuple[str, Any]:
        """The agent and the record of the feed's entry at ``place`` (the record's slots, or
        the object kept)."""
        starts = self._starts
        start = starts[place]
        end = starts[place + 1] if place + 1 < len(starts) else len(self._slots)
        if end - start == 2:
            return self._slots[start], self._slots[start + 1]
        return self._slots[start], self._slots[start:end]

    def _places(self, agent: str) -> Sequence[int]:
        places = self._history.get(agent)
        if places is None:
            return ()
        if isinstance(places, int):
            return (places,)
        return array("q", places)  # a copy: the bytearray may grow while it is read

    def _at(self, place: int) -> datetime:
        return record_at(self._entry(place)[1])

    def history(self, agent: str, *, start: datetime | None = None,
                end: datetime | None = None) -> Sequence[Change]:
        places = self._places(agent)
        lo = 0 if start is None else bisect_left(places, start, key=self._at)
        hi = len(places) if end is None else bisect_left(places, end, key=self._at)
        return self._changes(agent, places[lo:hi])

    def _changes(self, agent: str, places: Sequence[int]) -> list[Change]:
        """The entries of ``agent`` at ``places`` in the feed, built again from their records."""
        slots, starts = self._slots, self._starts
        last = len(starts) - 1
        found = []
        for place in places:
            first = starts[place]
            stop = starts[place + 1] if place < last else len(slots)
            found.append(decode_change(
                agent, slots[first + 1] if stop - first == 2 else slots[first:stop]))
        return found

    def changes_for_event(self, agent: str, event_id: str) -> Sequence[Change]:
        span = self._event_ids.get((agent, event_id))
        if span is None:
            return ()
        return self._changes(agent, self._places(agent)[span[0] - 1:span[1]])

    def agents(self) -> Iterator[str]:
        return iter(self._states)

    def next_deadline(self) -> datetime | None:
        heap = self._deadlines
        while heap:
            at, agent = heap[0]
            if self._states[agent].next_deadline == at:
                return at
            heapq.heappop(heap)  # the agent's deadline moved since: forget this entry
        return None

    def next_due(self, until: datetime) -> tuple[datetime, str] | None:
        at = self.next_deadline()
        if at is None or at > until:
            return None
        return at, self._deadlines[0][1]

    def feed(self, *, after: int = 0, limit: int = 1000) -> Sequence[tuple[int, Change]]:
        entry = self._entry
        return [(place + 1, decode_change(*entry(place)))
                for place in range(after, min(after + limit, len(self._starts)))]

    def wait_for_feed(self, after: int, timeout: float) -> bool:
        end = time.monotonic() + timeout
        while len(self._starts) <= after:
            left = end - time.monotonic()
            if left <= 0:
                return False
            time.sleep(min(left, self.poll_interval))
        return True

    def __len__(self) -> int:
        return len(self._states)

    def __repr__(self) -> str:
        return f"<MemoryStore agents={len(self._states)}>"

    # -- day questions: where the day's state begins ---------------------------------------------

    def history_before(self, agent: str, end: datetime, *, limit: int) -> Sequence[Change]:
        """The agent's last ``limit`` entries with ``at < end``, oldest first."""
        places = self._places(agent)
        hi = bisect_left(places, end, key=self._at)
        return self._changes(agent, places[max(hi - limit, 0):hi])
