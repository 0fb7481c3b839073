"""Eligibility: which agents a queue may offer work to on a channel, best first.

The rule lives in one function, :func:`~agentstate._blocker.blocker` (in ``_blocker``, with the
:class:`~agentstate._blocker.Blocker` value it answers with; both importable from here): the
first reason an agent cannot be offered work from queue Q on channel C, or ``None`` when it
can. The same function refuses offers in the rules, explains refusals (:func:`describe`),
and is the brute-force oracle the tests compare the index and the stores' :func:`facts` with
(both read the rule through the index's split of its conditions, below). An agent is
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

Ordering (:mod:`agentstate._order`): lower penalty tiers first, then the queue's
:class:`~agentstate.Strategy`.

The :class:`Index` (:mod:`agentstate._index`) keeps the eligible agents per queue and per
channel, updated from every committed state by what the change touched only, with a lazily
cleaned heap per pair, so the best agent is found without looking at the others. A store that
answers eligibility itself (an :class:`~agentstate.EligibilityStore`: SQLite, PostgreSQL) keeps
instead each agent's :func:`facts` beside its state, written in the same transaction, and
orders them with an index on ``(queue, channel, penalty, sort, agent)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Protocol

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
from ._builders import slot_filler
from ._index import Index
from ._order import KEYED, QueuePlace, order, order_states, sort_value
from ._policy import Policy, Strategy
from ._state import AgentState, Occupation

__all__ = ["KEYED", "BlockKind", "Blocker", "Candidate", "ChannelLoad", "EligibilityFact",
           "Index", "PlacesStore", "QueuePlace", "TeamView", "blocker", "capacity", "describe",
           "facts", "from_places", "order", "order_states", "pool_capacity", "reference_facts",
           "slots", "team_view"]


@attrs.frozen(kw_only=True)
class Candidate:
    """An agent a queue may offer work to, with the version to offer it at (compare-and-set)."""

    agent: str
    version: int
    penalty: int


# -- the stores' answers ---------------------------------------------------------------------------


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
    """Every fact of ``state``: one per queue membership and channel of the policy.

    ``eligible`` is what :func:`blocker` answers, read through the index's split of its
    conditions (:meth:`Index._entry <agentstate._index.Index>`: the agent's open queues and
    open channels, derived once per state rather than once per pair); :func:`reference_facts`
    asks :func:`blocker` for every pair, and the tests hold the two equal after every event of
    random streams on every preset.
    """
    if not state.memberships:
        return ()
    split = _SPLITS.get(id(policy))
    if split is None or split[0] is not policy:
        if len(_SPLITS) >= 64:
            _SPLITS.clear()
        split = _SPLITS[id(policy)] = (policy, Index(policy),
                                       tuple(c.name for c in policy.channels))
    _, index, channels = split
    entry = index._entry(state)  # the index's split of the rule, by design (see above)
    queues, open_channels = entry if entry is not None else ((), ())
    out = []
    for member in state.memberships:
        sort = sort_value(policy, state, member)
        member_open = member.queue in queues
        for channel in channels:
            out.append(_fact(member.queue, channel, member_open and channel in open_channels,
                             member.penalty, sort, member.calls, member.calls_until,
                             member.last_offer_at))
    return tuple(out)


def reference_facts(policy: Policy, state: AgentState) -> tuple[EligibilityFact, ...]:
    """:func:`facts` asking :func:`blocker` for every queue and channel: the oracle."""
    return tuple(EligibilityFact(
        queue=member.queue, channel=channel.name,
        eligible=blocker(policy, state, member.queue, channel.name) is None,
        penalty=member.penalty, sort=sort_value(policy, state, member), calls=member.calls,
        calls_until=member.calls_until, last_offer_at=member.last_offer_at)
        for member in state.memberships for channel in policy.channels)


_SPLITS: dict[int, tuple[Policy, Index, tuple[str, ...]]] = {}
"""Per policy (by identity, kept alive with its entry): an index used only for its split of
the rule, and the policy's channel names."""

_fact = slot_filler(EligibilityFact, [f.name for f in attrs.fields(EligibilityFact)])
"""``EligibilityFact`` from its fields, positionally, without the keyword-only ``__init__``
(the values are the state's own, already checked)."""


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
