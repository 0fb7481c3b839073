"""Eligibility: which agents a queue may offer work to on a channel, best first.

The rule lives in one function, :func:`~agentstate._blocker.blocker` (in ``_blocker``, with the
:class:`~agentstate._blocker.Blocker` value it answers with; both importable from here): the
first reason an agent cannot be offered work from queue Q on channel C, or ``None`` when it
can. The same function refuses offers in the rules, explains refusals (:func:`describe`),
feeds the index, and is the brute-force oracle the tests compare the index with. An agent is
eligible when, in this order:

1. it is logged in, a member of Q, in a routable status, and not paused in Q;
2. C is a channel of the policy and not switched off for the agent, and its device is
   registered with do-not-disturb off (:class:`~agentstate.DeviceChanged`);
3. it has not stopped taking new work, and no status change is pending;
4. it is not in post-processing nor in a missed/rejected/busy delay;
5. it holds fewer interactions on C than its capacity, fewer on the channels of C's group (if
   C is in a :class:`~agentstate.ChannelGroup`) than the group's pooled slots, and no work on a
   channel that blocks C. Every open interaction counts: queue, direct and outbound, ringing,
   connected or on hold.

Ordering: lower penalty tiers first, then the queue's :class:`~agentstate.Strategy`.

The :class:`Index` keeps, per (queue, channel), the eligible agents and their sort keys, updated
from every committed state, with a lazily cleaned heap per pair, so the best agent is found
without looking at the others. A store that answers eligibility itself (an
:class:`~agentstate.EligibilityStore`: SQLite, PostgreSQL) keeps instead each agent's
:func:`facts` beside its state, written in the same transaction, and orders them with an index
on ``(queue, channel, penalty, sort, agent)``.
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import NamedTuple, Protocol, TypeVar

import attrs

from ._blocker import (
    Blocker,
    BlockKind,
    blocker,
    capacity,
    describe,
    held_on,
    pool_capacity,
    slots,
)
from ._policy import Policy, Strategy
from ._state import AgentState, Membership, Occupation
from ._time import micros

__all__ = ["KEYED", "BlockKind", "Blocker", "Candidate", "ChannelLoad", "EligibilityFact",
           "Index", "PlacesStore", "QueuePlace", "TeamView", "blocker", "capacity", "describe",
           "facts", "from_places", "order", "order_states", "pool_capacity", "slots",
           "team_view"]


NEVER = -(2**62)
"""The sort value of an agent a queue never offered work (least recent first)."""
_T = TypeVar("_T")


@attrs.frozen(kw_only=True)
class Candidate:
    """An agent a queue may offer work to, with the version to offer it at (compare-and-set)."""

    agent: str
    version: int
    penalty: int


# -- ordering -----------------------------------------------------------------------------------


KEYED = frozenset({Strategy.LONGEST_IDLE, Strategy.LEAST_RECENT, Strategy.LINEAR,
                   Strategy.RING_ALL})
"""The strategies whose order is ``(penalty, sort, agent)``: it does not depend on the time
asked, so an index (a heap, or a database's) gives the best agents without a sort."""


class QueuePlace(NamedTuple):
    """An agent's place in a queue's order: what every strategy sorts on."""

    agent: str
    penalty: int
    sort: int
    calls: int
    calls_until: datetime | None


def sort_value(policy: Policy, state: AgentState, member: Membership) -> int:
    """The queue strategy's key for the agent, where it does not depend on the time asked:
    since when it is idle (longest idle), its last offer (least recent), its position (linear),
    as microseconds or a number; 0 for the other strategies."""
    strategy = policy.strategy(member.queue)
    if strategy is Strategy.LONGEST_IDLE:
        return micros(state.occupation_since)
    if strategy is Strategy.LEAST_RECENT:
        return NEVER if member.last_offer_at is None else micros(member.last_offer_at)
    if strategy is Strategy.LINEAR:
        return member.position
    return 0


def place(policy: Policy, state: AgentState, member: Membership) -> QueuePlace:
    """The agent's place in ``member.queue``."""
    return QueuePlace(state.agent, member.penalty, sort_value(policy, state, member), member.calls,
                 member.calls_until)


class PlacesStore(Protocol):
    """What :func:`from_places` asks of a store (the part of
    :class:`~agentstate.EligibilityStore` that answers eligibility)."""

    def eligible_places(self, queue: str, channel: str, *, limit: int | None = None,
                        calls_at: datetime | None = None, after: str | None = None
                        ) -> list[tuple[QueuePlace, int]]: ...

    def last_offered(self, queue: str) -> str | None: ...


def from_places(policy: Policy, store: PlacesStore, queue: str, channel: str, now: datetime,
                limit: int | None, seed: int | None) -> list[Candidate]:
    """The candidates for the pair from a store's indexed places, best first: which query
    answers which strategy (the random draw is made here, from every eligible agent)."""
    strategy = policy.strategy(queue)
    if strategy is Strategy.RANDOM:
        rows = store.eligible_places(queue, channel)
        rows = order(policy, queue, [(row[0], row) for row in rows], now, seed, None)[:limit]
    elif strategy is Strategy.FEWEST_CALLS:
        rows = store.eligible_places(queue, channel, limit=limit, calls_at=now)
    elif strategy is Strategy.ROUND_ROBIN:
        rows = store.eligible_places(queue, channel, limit=limit,
                                     after=store.last_offered(queue))
    else:
        rows = store.eligible_places(queue, channel, limit=limit)
    return [Candidate(agent=found.agent, version=version, penalty=found.penalty)
            for found, version in rows]


def order(policy: Policy, queue: str, items: Iterable[tuple[QueuePlace, _T]], now: datetime,
          seed: int | None, last_offered: str | None) -> list[_T]:
    """The payloads of eligible ``items`` in the queue's order, best first.

    Every strategy, for the index, the scan and the stores that answer eligibility: lower
    penalties first, then longest idle, least recent, linear and ring all by ``(sort,
    agent)``; fewest calls today by the calls of a day not yet over at ``now``; round robin
    starting after ``last_offered``; random weighted by penalty, reproducible with ``seed``.
    """
    strategy = policy.strategy(queue)
    rows = list(items)
    if strategy is Strategy.FEWEST_CALLS:
        def calls(p: QueuePlace) -> int:
            return 0 if p.calls_until is None or p.calls_until <= now else p.calls
        rows.sort(key=lambda row: (row[0].penalty, calls(row[0]), row[0].agent))
    elif strategy is Strategy.ROUND_ROBIN:
        def turn(p: QueuePlace) -> tuple[int, bool, str]:
            after = last_offered is None or p.agent > last_offered
            return (p.penalty, not after, p.agent)
        rows.sort(key=lambda row: turn(row[0]))
    elif strategy is Strategy.RANDOM:
        rng = random.Random(seed)
        keyed = []
        for p, payload in sorted(rows, key=lambda row: row[0].agent):
            weight = 1.0 / (1 + p.penalty)
            keyed.append((-math.log(1.0 - rng.random()) / weight, p.agent, payload))
        keyed.sort(key=lambda k: (k[0], k[1]))
        return [payload for *_rest, payload in keyed]
    else:
        rows.sort(key=lambda row: (row[0].penalty, row[0].sort, row[0].agent))
    return [payload for _place, payload in rows]


def order_states(policy: Policy, queue: str, states: Iterable[AgentState], now: datetime,
                 seed: int | None, last_offered: str | None) -> list[AgentState]:
    """Eligible ``states`` (members of ``queue``) in the queue's order: :func:`order`."""
    items = []
    for state in states:
        member = state.membership(queue)
        assert member is not None
        items.append((place(policy, state, member), state))
    return order(policy, queue, items, now, seed, last_offered)


def sort_key(policy: Policy, state: AgentState, member: Membership
             ) -> tuple[int, int, str] | None:
    """The agent's ``(penalty, sort, agent)`` in ``member.queue`` if its strategy is
    :data:`KEYED`, else ``None``."""
    if policy.strategy(member.queue) not in KEYED:
        return None
    return (member.penalty, sort_value(policy, state, member), state.agent)


# -- facts: what a store keeps to answer eligibility itself ---------------------------------------


@attrs.frozen(kw_only=True)
class EligibilityFact:
    """One row of an agent's eligibility facts: one queue it is a member of, on one channel.

    A store that answers eligibility (:class:`~agentstate.EligibilityStore`) writes an agent's
    facts with its state, in the same transaction, and answers "who is eligible for queue Q on
    channel C, best first" with an indexed query on ``(queue, channel, eligible, penalty,
    sort, agent)``.

    Attributes:
        queue, channel: the pair.
        eligible: whether the queue may offer the agent work on the channel (:func:`blocker`
            found nothing in the way). Facts change only when the state does: timers are
            fired (and the state changed) before a store is asked.
        penalty: the agent's tier in the queue.
        sort: the queue strategy's key (:func:`sort_value`).
        calls, calls_until: interactions answered from the queue in the day ending
            ``calls_until`` (for fewest calls).
        last_offer_at: when the queue last offered the agent work (for round robin).
    """

    queue: str
    channel: str
    eligible: bool
    penalty: int
    sort: int
    calls: int
    calls_until: datetime | None
    last_offer_at: datetime | None


def facts(policy: Policy, state: AgentState) -> tuple[EligibilityFact, ...]:
    """Every fact of ``state``: one per queue membership and channel of the policy."""
    out = []
    for member in state.memberships:
        sort = sort_value(policy, state, member)
        for channel in policy.channels:
            out.append(EligibilityFact(
                queue=member.queue, channel=channel.name,
                eligible=blocker(policy, state, member.queue, channel.name) is None,
                penalty=member.penalty, sort=sort, calls=member.calls,
                calls_until=member.calls_until, last_offer_at=member.last_offer_at))
    return tuple(out)


# -- the index ----------------------------------------------------------------------------------


class Index:
    """The eligible agents per (queue, channel), kept up to date from every committed state."""

    __slots__ = ("_entries", "_heaps", "_offers", "_policy", "_states")

    def __init__(self, policy: Policy) -> None:
        self._policy = policy
        self._states: dict[tuple[str, str], dict[str, AgentState]] = {}
        self._entries: dict[str, dict[tuple[str, str], tuple[int, int, str] | None]] = {}
        self._heaps: dict[tuple[str, str], list[tuple[tuple[int, int, str], str]]] = {}
        self._offers: dict[str, dict[str, datetime]] = {}  # queue -> agent -> last offer

    def update(self, state: AgentState) -> None:
        """Take the agent's new state into account."""
        policy, agent = self._policy, state.agent
        for queue, offers in self._offers.items():
            member = state.membership(queue)
            if member is None or member.last_offer_at is None:
                offers.pop(agent, None)
        for member in state.memberships:
            if member.last_offer_at is not None:
                self._offers.setdefault(member.queue, {})[agent] = member.last_offer_at
        now: dict[tuple[str, str], tuple[int, int, str] | None] = {}
        if state.session is not None and policy.status(state.status).routable:
            for member in state.memberships:
                key = sort_key(policy, state, member)
                for channel in policy.channels:
                    if blocker(policy, state, member.queue, channel.name) is None:
                        now[(member.queue, channel.name)] = key
        before = self._entries.get(agent, {})
        for pair in before.keys() - now.keys():
            del self._states[pair][agent]
        for pair, key in now.items():
            self._states.setdefault(pair, {})[agent] = state
            if key is not None and before.get(pair) != key:
                heapq.heappush(self._heaps.setdefault(pair, []), (key, agent))
        if now:
            self._entries[agent] = now
        else:
            self._entries.pop(agent, None)

    def eligible(self, queue: str, channel: str, now: datetime, *, limit: int | None = None,
                 seed: int | None = None) -> list[AgentState]:
        """The eligible agents' states, best first (at most ``limit``)."""
        pair = (queue, channel)
        states = self._states.get(pair, {})
        if limit is not None and pair in self._heaps and self._policy.strategy(queue) in KEYED:
            return self._top(pair, states, limit)
        offers = self._offers.get(queue, {})
        last = max(((at, agent) for agent, at in offers.items()), default=None)
        ordered = order_states(self._policy, queue, states.values(), now, seed,
                               last[1] if last else None)
        return ordered if limit is None else ordered[:limit]

    def _top(self, pair: tuple[str, str], states: dict[str, AgentState], limit: int
             ) -> list[AgentState]:
        heap, entries = self._heaps[pair], self._entries
        found: list[tuple[tuple[int, int, str], str]] = []
        while heap and len(found) < limit:
            key, agent = heapq.heappop(heap)
            if entries.get(agent, {}).get(pair) == key and agent in states:
                found.append((key, agent))
        for item in found:
            heapq.heappush(heap, item)
        return [states[agent] for _key, agent in found]


def scan(policy: Policy, states: Iterable[AgentState], queue: str, channel: str,
         now: datetime, seed: int | None = None) -> list[AgentState]:
    """The same answer as the index, by evaluating the rule over every agent (the oracle)."""
    everyone = list(states)
    eligible = [s for s in everyone if blocker(policy, s, queue, channel) is None]
    last = max(((m.last_offer_at, s.agent) for s in everyone
                for m in s.memberships if m.queue == queue and m.last_offer_at is not None),
               default=None)
    return order_states(policy, queue, eligible, now, seed, last[1] if last else None)


# -- the team view --------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class ChannelLoad:
    """A team's slots on one channel, or in one channel group's pool (seed 004's Live, Offline
    and Email slots).

    Attributes:
        channel: the channel's name, or the group's.
        total: the slots of the logged-in agents in routable statuses.
        in_use: the interactions open on it (every direction, every agent logged in).
        waiting: what the host said is waiting for it.
        overloaded: every slot is in use (seed 004 shows the column red, with the waiting
            count beside it).
    """

    channel: str
    total: int
    in_use: int
    waiting: int
    overloaded: bool

    @property
    def free(self) -> int:
        return self.total - self.in_use


@attrs.frozen(kw_only=True)
class TeamView:
    """A team at a glance: slots per channel and per channel group, and agents by occupation
    (logged-in agents)."""

    agents: tuple[str, ...]
    logged_in: int
    channels: tuple[ChannelLoad, ...]
    by_occupation: Mapping[Occupation, int]
    groups: tuple[ChannelLoad, ...] = ()

    def channel(self, name: str) -> ChannelLoad:
        for load in self.channels:
            if load.channel == name:
                return load
        raise KeyError(name)

    def group(self, name: str) -> ChannelLoad:
        """The pool of the channel group ``name``; ``KeyError`` if there is none."""
        for load in self.groups:
            if load.channel == name:
                return load
        raise KeyError(name)


def team_view(policy: Policy, states: Iterable[AgentState], waiting: Mapping[str, int]
              ) -> TeamView:
    """Slots total/in use per channel and per channel group over the logged-in agents;
    overloaded when all are used. ``waiting`` is keyed by channel; a group's waiting count is
    its own key if given, else the sum of its channels'."""
    states = list(states)
    online = [s for s in states if s.session is not None]
    counts = dict.fromkeys(Occupation, 0)
    for state in online:
        counts[state.occupation] += 1
    loads = []
    for channel in policy.channels:
        total = sum(capacity(policy, s, channel.name) for s in online
                    if policy.status(s.status).routable)
        used = sum(held_on(s.interactions, channel.name) for s in online)
        wait = waiting.get(channel.name, 0)
        loads.append(ChannelLoad(channel=channel.name, total=total, in_use=used, waiting=wait,
                                 overloaded=used >= total and (total > 0 or wait > 0)))
    pools = []
    routable = [s for s in online if policy.status(s.status).routable]
    for group in policy.groups:
        total = sum(min(pool_capacity(policy, s, group),
                        sum(capacity(policy, s, name) for name in group.channels))
                    for s in routable)
        used = sum(held_on(s.interactions, name) for s in online for name in group.channels)
        wait = waiting.get(group.name, sum(waiting.get(name, 0) for name in group.channels))
        pools.append(ChannelLoad(channel=group.name, total=total, in_use=used, waiting=wait,
                                 overloaded=used >= total and (total > 0 or wait > 0)))
    return TeamView(agents=tuple(s.agent for s in states), logged_in=len(online),
                    channels=tuple(loads), by_occupation=counts, groups=tuple(pools))
