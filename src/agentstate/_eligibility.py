"""Eligibility: which agents a queue may offer work to on a channel, best first.

The rule lives in one function, :func:`blocker`: the first reason an agent cannot be offered work
from queue Q on channel C, or ``None`` when it can. The same function refuses offers in the
rules, explains refusals (:func:`describe`), feeds the index, and is the brute-force oracle the
tests compare the index with. An agent is eligible when, in this order:

1. it is logged in, a member of Q, in a routable status, and not paused in Q;
2. C is a channel of the policy and not switched off for the agent;
3. it has not stopped taking new work, and no status change is pending;
4. it is not in post-processing nor in a missed/rejected/busy delay;
5. it holds fewer interactions on C than its capacity, and no work on a channel that blocks C.

Ordering: lower penalty tiers first, then the queue's :class:`~agentstate.Strategy`.

The :class:`Index` keeps, per (queue, channel), the eligible agents and their sort keys, updated
from every committed state, with a lazily cleaned heap per pair, so the best agent is found
without looking at the others.
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import attrs

from ._policy import Policy, Strategy
from ._state import AgentState, Interaction, Occupation, Timer
from ._time import UTC

__all__ = ["Candidate", "ChannelLoad", "Index", "TeamView", "blocker", "describe", "order",
           "team_view"]

Blocker = tuple[Any, ...]
_NEVER = datetime.min.replace(tzinfo=UTC)


@attrs.frozen(kw_only=True)
class Candidate:
    """An agent a queue may offer work to, with the version to offer it at (compare-and-set)."""

    agent: str
    version: int
    penalty: int


def capacity(policy: Policy, state: AgentState, channel: str) -> int:
    """The agent's capacity on ``channel`` (0 when switched off)."""
    setting = state.channel_setting(channel)
    if setting is not None:
        if not setting.enabled:
            return 0
        if setting.capacity is not None:
            return setting.capacity
    return policy.channel(channel).capacity


def _held(interactions: tuple[Interaction, ...], channel: str) -> int:
    return sum(1 for item in interactions if item.channel == channel)


def blocker(policy: Policy, state: AgentState, queue: str, channel: str) -> Blocker | None:
    """The first reason ``state`` may not be offered ``queue`` work on ``channel``, or None."""
    if state.session is None:
        return ("logged_out",)
    member = state.membership(queue)
    if member is None:
        return ("not_member", queue)
    if not policy.status(state.status).routable:
        return ("status", state.status)
    if member.paused:
        return ("paused_in_queue", queue)
    if not policy.has_channel(channel):
        return ("unknown_channel", channel)
    setting = state.channel_setting(channel)
    if setting is not None and not setting.enabled:
        return ("channel_off", channel)
    if state.stop_new:
        return ("stop_new",)
    if state.pending is not None:
        return ("pending", state.pending.status)
    if state.wrap_up_mode is not None:
        return ("wrap_up", next((d.at for d in state.deadlines if d.timer is Timer.WRAP_UP),
                                None))
    for deadline in state.deadlines:
        if deadline.timer is Timer.DELAY:
            return ("delay", deadline.at)
    if state.interactions:
        held = _held(state.interactions, channel)
        limit = capacity(policy, state, channel)
        if held >= limit:
            return ("full", channel, held, limit)
        for other in policy.blocked_by(channel):
            if _held(state.interactions, other):
                return ("blocked", other, channel)
    return None


def describe(policy: Policy, found: Blocker) -> str:
    """``found`` in words, times in the site's zone: "in post-processing until 09:14:30"."""
    kind = found[0]
    if kind in ("wrap_up", "delay"):
        what = "in post-processing" if kind == "wrap_up" else "in a missed-offer delay"
        if found[1] is None:
            return f"{what} until the agent ends it"
        local = found[1].in_timezone(policy.day.timezone)
        return f"{what} until {local.format('HH:mm:ss')}"
    words: dict[str, str] = {
        "logged_out": "logged out",
        "not_member": "not a member of queue {1}",
        "status": "status {1!r} takes no queue work",
        "paused_in_queue": "paused in queue {1}",
        "unknown_channel": "unknown channel {1!r}",
        "channel_off": "{1} switched off for this agent",
        "stop_new": "stopped taking new work",
        "pending": "a change to {1!r} is pending",
        "full": "{1} slots {2}/{3}",
        "blocked": "busy on {1}: no new {2} meanwhile",
    }
    return words[kind].format(*found)


# -- ordering -----------------------------------------------------------------------------------


def sort_key(policy: Policy, state: AgentState, queue: str) -> tuple[Any, ...] | None:
    """The agent's key for the queue's strategy where it does not depend on the time asked
    (longest idle, least recent, linear, ring all), else ``None``."""
    member = state.membership(queue)
    assert member is not None
    strategy = policy.strategy(queue)
    if strategy is Strategy.LONGEST_IDLE:
        return (member.penalty, state.occupation_since, state.agent)
    if strategy is Strategy.LEAST_RECENT:
        return (member.penalty, member.last_offer_at or _NEVER, state.agent)
    if strategy is Strategy.LINEAR:
        return (member.penalty, member.position, state.agent)
    if strategy is Strategy.RING_ALL:
        return (member.penalty, state.agent)
    return None


def order(policy: Policy, queue: str, states: Iterable[AgentState], now: datetime,
          seed: int | None, last_offered: str | None) -> list[AgentState]:
    """Eligible ``states`` in the queue's order (every strategy; used by both index and scan)."""
    strategy = policy.strategy(queue)
    items = list(states)
    member = {s.agent: s.membership(queue) for s in items}

    def penalty(state: AgentState) -> int:
        found = member[state.agent]
        return found.penalty if found is not None else 0

    if strategy is Strategy.FEWEST_CALLS:
        def calls(state: AgentState) -> int:
            found = member[state.agent]
            if found is None or found.calls_until is None or found.calls_until <= now:
                return 0
            return found.calls
        return sorted(items, key=lambda s: (penalty(s), calls(s), s.agent))
    if strategy is Strategy.ROUND_ROBIN:
        def turn(state: AgentState) -> tuple[int, bool, str]:
            after = last_offered is None or state.agent > last_offered
            return (penalty(state), not after, state.agent)
        return sorted(items, key=turn)
    if strategy is Strategy.RANDOM:
        rng = random.Random(seed)
        keyed = []
        for state in sorted(items, key=lambda s: s.agent):
            weight = 1.0 / (1 + penalty(state))
            keyed.append((-math.log(1.0 - rng.random()) / weight, state.agent, state))
        return [state for *_rest, state in sorted(keyed, key=lambda k: (k[0], k[1]))]
    keys = {s.agent: sort_key(policy, s, queue) for s in items}
    return sorted(items, key=lambda s: keys[s.agent])  # type: ignore[arg-type, return-value]


# -- the index ----------------------------------------------------------------------------------


class Index:
    """The eligible agents per (queue, channel), kept up to date from every committed state."""

    __slots__ = ("_entries", "_heaps", "_offers", "_policy", "_states")

    def __init__(self, policy: Policy) -> None:
        self._policy = policy
        self._states: dict[tuple[str, str], dict[str, AgentState]] = {}
        self._entries: dict[str, dict[tuple[str, str], tuple[Any, ...] | None]] = {}
        self._heaps: dict[tuple[str, str], list[tuple[tuple[Any, ...], str]]] = {}
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
        now: dict[tuple[str, str], tuple[Any, ...] | None] = {}
        if state.session is not None and policy.status(state.status).routable:
            for member in state.memberships:
                for channel in policy.channels:
                    if blocker(policy, state, member.queue, channel.name) is None:
                        now[(member.queue, channel.name)] = sort_key(policy, state,
                                                                     member.queue)
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
        if limit is not None and pair in self._heaps and self._policy.strategy(queue) in _KEYED:
            return self._top(pair, states, limit)
        offers = self._offers.get(queue, {})
        last = max(((at, agent) for agent, at in offers.items()), default=None)
        ordered = order(self._policy, queue, states.values(), now, seed,
                        last[1] if last else None)
        return ordered if limit is None else ordered[:limit]

    def _top(self, pair: tuple[str, str], states: dict[str, AgentState], limit: int
             ) -> list[AgentState]:
        heap, entries = self._heaps[pair], self._entries
        found: list[tuple[tuple[Any, ...], str]] = []
        while heap and len(found) < limit:
            key, agent = heapq.heappop(heap)
            if entries.get(agent, {}).get(pair) == key and agent in states:
                found.append((key, agent))
        for item in found:
            heapq.heappush(heap, item)
        return [states[agent] for _key, agent in found]


_KEYED = frozenset({Strategy.LONGEST_IDLE, Strategy.LEAST_RECENT, Strategy.LINEAR,
                    Strategy.RING_ALL})


def scan(policy: Policy, states: Iterable[AgentState], queue: str, channel: str,
         now: datetime, seed: int | None = None) -> list[AgentState]:
    """The same answer as the index, by evaluating the rule over every agent (the oracle)."""
    everyone = list(states)
    eligible = [s for s in everyone if blocker(policy, s, queue, channel) is None]
    last = max(((m.last_offer_at, s.agent) for s in everyone
                for m in s.memberships if m.queue == queue and m.last_offer_at is not None),
               default=None)
    return order(policy, queue, eligible, now, seed, last[1] if last else None)


# -- the team view --------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class ChannelLoad:
    """A team's slots on one channel (seed 004's Live/Offline/Email slots)."""

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
    """A team at a glance: slots per channel, and agents by occupation (logged-in agents)."""

    agents: tuple[str, ...]
    logged_in: int
    channels: tuple[ChannelLoad, ...]
    by_occupation: Mapping[Occupation, int]

    def channel(self, name: str) -> ChannelLoad:
        for load in self.channels:
            if load.channel == name:
                return load
        raise KeyError(name)


def team_view(policy: Policy, states: Iterable[AgentState], waiting: Mapping[str, int]
              ) -> TeamView:
    """Slots total/in use per channel over the logged-in agents; overloaded when all are used."""
    states = list(states)
    online = [s for s in states if s.session is not None]
    counts = dict.fromkeys(Occupation, 0)
    for state in online:
        counts[state.occupation] += 1
    loads = []
    for channel in policy.channels:
        total = sum(capacity(policy, s, channel.name) for s in online
                    if policy.status(s.status).routable)
        used = sum(_held(s.interactions, channel.name) for s in online)
        wait = waiting.get(channel.name, 0)
        loads.append(ChannelLoad(channel=channel.name, total=total, in_use=used, waiting=wait,
                                 overloaded=used >= total and (total > 0 or wait > 0)))
    return TeamView(agents=tuple(s.agent for s in states), logged_in=len(online),
                    channels=tuple(loads), by_occupation=counts)
