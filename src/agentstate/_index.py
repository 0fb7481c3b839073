"""The eligibility index: the eligible agents per (queue, channel), kept from every committed
state at a small, constant cost per change.

Theory of operation. :func:`~agentstate._blocker.blocker`'s conditions fall in three parts that
do not depend on each other: on the agent alone (logged in, routable status, device, stop new,
nothing pending, no post-processing nor delay), on the queue (a member, not paused in it) and
on the channel (not switched off, a free slot in it and in its group's pool, no work on a
channel that blocks it). So an agent is eligible for (Q, C) exactly when it passes the first
part, Q is one of its open queues and C one of its open channels. :meth:`Index.update` derives
that :data:`Entry` from the new state (the channel part is remembered per distinct combination
of the agent's channel settings and open interactions' channels), compares it with the entry of
the agent's previous state, and moves the agent in or out of the per-queue and per-channel sets
only where it differs (a call taken or ended moves it on one channel set; a change that leaves
the entry as it was touches no set). An agent is in the pair (Q, C) when it is in Q's set and
in C's. Round robin's "last offered" is followed only for the round-robin queues. Entries are
interned (one object per distinct entry) and keys are strings, so an update leaves no new object
behind for the garbage collector to count or follow.

The best agents of a :data:`~agentstate._order.KEYED` queue come from a heap per pair, built
when the pair is first asked with a ``limit``, then kept: the agent's key (``(penalty, sort,
agent)``, written as a string that sorts the same way) is pushed when it enters the pair or its
key may have changed (its memberships or its occupation's start did); an entry whose agent is
no longer in the pair, or no longer at that key, is dropped when met, and the heap is rebuilt
from the pair when it grows past four times the queue's eligible agents. The scan
(:func:`~agentstate._eligibility.scan`, ``blocker`` over every agent) is the oracle the tests
compare the index with, after every event.
"""

from __future__ import annotations

import heapq
from datetime import datetime
from typing import NamedTuple

from ._order import KEYED, order_states, sort_value
from ._policy import ChannelGroup, Policy, Strategy
from ._state import AgentState, Membership
from ._time import Timer, micros

__all__ = ["Entry", "Index"]

Key = str
"""An agent's ``(penalty, sort, agent)`` in a :data:`~agentstate._order.KEYED` queue, as
:func:`~agentstate._order.sort_value` orders, written as one string that sorts the same way
(:func:`_key_text`). A string is not a container: the garbage collector neither counts it
towards its next collection nor follows it, where a tuple kept in a heap was one more object
to collect for every push (and one it kept following, with an instant in it)."""
_PENALTY_OFFSET = 2**31  # events hold penalties to 32 bits (agentstate._limits.MIN_SMALL)
_SORT_OFFSET = 2**63  # sort values: microseconds of an instant, a position, or NEVER
_PENALTY_WIDTH = 8  # hexadecimal digits of an offset penalty in range
_SORT_WIDTH = 16  # and of an offset sort value
_AGENT_AT = _PENALTY_WIDTH + _SORT_WIDTH  # where the agent starts in a key of values in range
_WIDE = frozenset("g-/")  # what a field out of its range starts with (see _field_text)
_COMPLEMENT = str.maketrans("0123456789abcdef", "fedcba9876543210")
Pair = tuple[str, str]
Entry = tuple[tuple[str, ...], tuple[str, ...]]
"""What eligibility reads of an agent's state: its open queues and its open channels (both
non-empty; ``None`` stands for "eligible nowhere")."""
_NOWHERE: Entry = ((), ())
_CACHE_LIMIT = 4096


class _ChannelRule(NamedTuple):
    """A channel's part of the rule, read from the policy once."""

    name: str
    capacity: int
    group: ChannelGroup | None
    blocked_by: tuple[str, ...]


class _Target(NamedTuple):
    """A pair's heap, with what a push onto it needs."""

    queue: str
    channel: str
    heap: list[Key]
    strategy: Strategy
    in_queue: set[str]


class Index:
    """The eligible agents per (queue, channel), kept up to date from every committed state
    (see the module's theory of operation)."""

    __slots__ = ("_all", "_channels", "_entries", "_heaps", "_interned", "_offers", "_on",
                 "_open", "_policy", "_queues", "_round_robin", "_routable", "_states",
                 "_strategies", "_targets")

    def __init__(self, policy: Policy) -> None:
        self._policy = policy
        self._routable = frozenset(s.name for s in policy.statuses if s.routable)
        self._channels = tuple(
            _ChannelRule(c.name, c.capacity, policy.group_of(c.name), policy.blocked_by(c.name))
            for c in policy.channels)
        self._all = tuple(c.name for c in policy.channels)
        self._open: dict[tuple[object, ...], tuple[str, ...]] = {}
        self._strategies: dict[str, Strategy] = {}
        self._round_robin = frozenset(q.name for q in policy.queues
                                      if q.strategy is Strategy.ROUND_ROBIN)
        self._states: dict[str, AgentState] = {}  # every agent's latest state
        self._entries: dict[str, Entry | None] = {}  # and what the index derived from it
        self._interned: dict[Entry, Entry] = {}  # one object per distinct entry
        self._queues: dict[str, set[str]] = {}  # queue -> agents it may offer work (a channel)
        self._on: dict[str, set[str]] = {}  # channel -> agents it may offer work (a queue)
        self._heaps: dict[Pair, list[Key]] = {}
        self._targets: dict[Entry, tuple[_Target, ...]] = {}  # the heaps of an entry's pairs
        self._offers: dict[str, dict[str, datetime]] = {}  # round robin: agent -> last offer

    # -- following the states ------------------------------------------------------------------

    def update(self, state: AgentState) -> None:
        """Take the agent's new state into account."""
        # Every committed state comes through here: the pushes are spelt out inline, and what
        # needs no work returns early.
        agent = state.agent
        states = self._states
        before = states.get(agent)
        states[agent] = state
        entry = self._entry(state)
        entries = self._entries
        old = entries.get(agent)
        if self._round_robin and (before is None or before.memberships is not state.memberships):
            self._offer_times(() if before is None else before.memberships, state.memberships,
                              agent)
        if old is entry:  # interned: the same queues and channels as before
            if entry is None or not self._heaps:
                return
            moved = False
        elif old is not None and entry is not None and old == entry:  # the interned copy went
            entries[agent] = entry
            moved = False
        else:
            entries[agent] = entry
            moved = True
            was_queues, was_channels = old or _NOWHERE
            queues, channels = entry or _NOWHERE
            if was_queues != queues:
                _move(self._queues, agent, was_queues, queues)
            if was_channels != channels:
                _move(self._on, agent, was_channels, channels)
            if entry is None or not self._heaps:
                return
        heaps = self._targets.get(entry)
        if heaps is None:
            if len(self._targets) >= _CACHE_LIMIT:
                self._targets.clear()
            heaps = self._targets[entry] = self._heaps_of(entry)
        if not heaps:
            return
        # The agent's key in a pair may have changed if its memberships or its occupation's
        # start did: then every pair gets its key; else only the pairs it entered.
        rekey = (before is None or before.occupation_since != state.occupation_since
                 or (before.memberships is not state.memberships
                     and before.memberships != state.memberships))
        if not (moved or rekey):  # in the same pairs, at the same keys
            return
        was_queues, was_channels = old or _NOWHERE
        idle: Key | None = None  # a longest-idle key (the pairs at one penalty share it)
        penalty = 0
        for queue, channel, heap, strategy, in_queue in heaps:
            if rekey or queue not in was_queues or channel not in was_channels:
                for member in state.memberships:
                    if member.queue == queue:
                        break
                else:  # pragma: no cover - an entry's queues are the agent's memberships
                    raise AssertionError(f"{agent!r} is not a member of {queue!r}")
                if strategy is Strategy.LONGEST_IDLE:  # the most common: no call
                    if idle is None or penalty != member.penalty:
                        penalty = member.penalty
                        idle = _key_text(penalty, micros(state.occupation_since), agent)
                    heapq.heappush(heap, idle)
                else:
                    heapq.heappush(heap, _key_text(member.penalty,
                                                   sort_value(self._policy, state, member),
                                                   agent))
                if len(heap) > 4 * len(in_queue) + 64:  # mostly stale: start afresh
                    heap[:] = self._heap(queue, channel)

    def _entry(self, state: AgentState) -> Entry | None:
        """The agent's open queues and channels, or ``None`` when it is eligible nowhere."""
        if (state.session is None or state.status not in self._routable or state.stop_new
                or state.pending is not None or state.wrap_up_mode is not None):
            return None
        device = state.device
        if not device.registered or device.dnd:
            return None
        for deadline in state.deadlines:
            if deadline.timer is Timer.DELAY:
                return None
        # One or two queues and one interaction are the common cases, spelt out: a
        # comprehension builds and calls a function (Python < 3.12), twice their cost.
        memberships = state.memberships
        queues: tuple[str, ...]
        if len(memberships) == 1:
            first = memberships[0]
            queues = () if first.paused else (first.queue,)
        elif len(memberships) == 2:
            first, second = memberships
            queues = (tuple([m.queue for m in memberships if not m.paused])
                      if first.paused or second.paused else (first.queue, second.queue))
        else:
            queues = tuple([m.queue for m in memberships if not m.paused])
        if not queues:
            return None
        interactions = state.interactions
        if not state.channels and not interactions:
            channels = self._all
        else:
            held = ((state.channels, interactions[0].channel) if len(interactions) == 1
                    else (state.channels, *[item.channel for item in interactions]))
            found = self._open.get(held)
            if found is None:
                if len(self._open) >= _CACHE_LIMIT:
                    self._open.clear()
                found = self._open[held] = self._open_channels(state)
            if not found:
                return None
            channels = found
        entry = (queues, channels)
        interned = self._interned.get(entry)  # the index keeps one object per distinct entry:
        if interned is None:  # none is left for the garbage collector to follow
            if len(self._interned) >= _CACHE_LIMIT:
                self._interned.clear()
            interned = self._interned[entry] = entry
        return interned

    def _open_channels(self, state: AgentState) -> tuple[str, ...]:
        """The channels not switched off for the agent, with a free slot (its own and its
        group's pool) and no work open on a channel that blocks them."""
        held: dict[str, int] = {}
        for item in state.interactions:
            held[item.channel] = held.get(item.channel, 0) + 1
        setting = state.channel_setting
        out = []
        for name, default, group, blocked_by in self._channels:
            own = setting(name)
            if own is not None and not own.enabled:
                continue
            if held:
                limit = default if own is None or own.capacity is None else own.capacity
                if held.get(name, 0) >= limit:
                    continue
                if group is not None:
                    pool = setting(group.name)
                    slots = (group.capacity if pool is None or pool.capacity is None
                             else pool.capacity)
                    if sum(held.get(other, 0) for other in group.channels) >= slots:
                        continue
                if any(other in held for other in blocked_by):
                    continue
            out.append(name)
        return tuple(out)

    def _heaps_of(self, entry: Entry) -> tuple[_Target, ...]:
        """The heaps of the pairs of ``entry`` that have one."""
        queues, channels = entry
        return tuple(_Target(queue, channel, heap, self._strategy(queue),
                             self._queues[queue])
                     for queue in queues for channel in channels
                     if (heap := self._heaps.get((queue, channel))) is not None)

    def _offer_times(self, before: tuple[Membership, ...], after: tuple[Membership, ...],
                     agent: str) -> None:
        """Follow the agent's last offer per round-robin queue (the next offer goes to the
        agent after the last one offered)."""
        round_robin = self._round_robin
        for member in before:
            if member.last_offer_at is not None and member.queue in round_robin:
                self._offers[member.queue].pop(agent, None)
        for member in after:
            if member.last_offer_at is not None and member.queue in round_robin:
                self._offers.setdefault(member.queue, {})[agent] = member.last_offer_at

    # -- keys and heaps ----------------------------------------------------------------------

    def _strategy(self, queue: str) -> Strategy:
        strategy = self._strategies.get(queue)
        if strategy is None:
            strategy = self._strategies[queue] = self._policy.strategy(queue)
        return strategy

    def _key(self, state: AgentState, member: Membership, strategy: Strategy) -> Key:
        """The agent's key in ``member.queue``, whose strategy (a keyed one) is given."""
        if strategy is Strategy.LONGEST_IDLE:  # the most common: no call
            return _key_text(member.penalty, micros(state.occupation_since), state.agent)
        return _key_text(member.penalty, sort_value(self._policy, state, member), state.agent)

    def _current_key(self, agent: str, queue: str) -> Key | None:
        """The agent's key in ``queue`` in its latest state (``None``: not a member)."""
        state = self._states[agent]
        member = state.membership(queue)
        return None if member is None else self._key(state, member, self._strategy(queue))

    def _members(self, queue: str, channel: str) -> set[str]:
        """The agents eligible for the pair."""
        return self._queues.get(queue, set()) & self._on.get(channel, set())

    def _heap(self, queue: str, channel: str) -> list[Key]:
        """A fresh heap of the pair's agents, at their current keys."""
        heap = []
        for agent in self._members(queue, channel):
            key = self._current_key(agent, queue)
            assert key is not None
            heap.append(key)
        heapq.heapify(heap)
        return heap

    # -- answers ---------------------------------------------------------------------------

    def eligible(self, queue: str, channel: str, now: datetime, *, limit: int | None = None,
                 seed: int | None = None) -> list[AgentState]:
        """The eligible agents' states, best first (at most ``limit``)."""
        if limit is not None and self._strategy(queue) in KEYED:
            return self._top(queue, channel, limit)
        states = self._states
        offers = self._offers.get(queue, {})
        last = max(((at, agent) for agent, at in offers.items()), default=None)
        ordered = order_states(self._policy, queue,
                               [states[agent] for agent in self._members(queue, channel)],
                               now, seed, last[1] if last else None)
        return ordered if limit is None else ordered[:limit]

    def _top(self, queue: str, channel: str, limit: int) -> list[AgentState]:
        """The best ``limit`` agents of a keyed queue, from the pair's heap: an entry counts
        if its agent is in the pair at that key now, once."""
        heap = self._heaps.get((queue, channel))
        in_queue = self._queues.setdefault(queue, set())
        on_channel = self._on.setdefault(channel, set())
        if heap is None:
            heap = self._heaps[queue, channel] = self._heap(queue, channel)
            self._targets.clear()
        found: list[Key] = []
        taken: set[str] = set()
        while heap and len(found) < limit:
            key = heapq.heappop(heap)
            agent = _agent_of(key)
            if (agent in in_queue and agent in on_channel and agent not in taken
                    and self._current_key(agent, queue) == key):
                found.append(key)
                taken.add(agent)
        for key in found:
            heapq.heappush(heap, key)
        states = self._states
        return [states[_agent_of(key)] for key in found]


def _move(sets: dict[str, set[str]], agent: str, was: tuple[str, ...], now: tuple[str, ...]
          ) -> None:
    """Move ``agent`` out of the sets of the names in ``was`` only, into those in ``now`` only."""
    for name in was:
        if name not in now:
            sets[name].discard(agent)
    for name in now:
        if name not in was:
            found = sets.get(name)
            if found is None:
                sets[name] = {agent}
            else:
                found.add(agent)


def _key_text(penalty: int, sort: int, agent: str) -> Key:
    """``(penalty, sort, agent)`` as a string in the same order: the penalty and the sort
    value, offset and side by side in one 96-bit number, as 24 lower-case hexadecimal digits
    (they sort as their values), then the agent (its characters compare as in the tuple, what
    comes before being of equal length in every key).

    Events hold a penalty and a position to 32 bits, but a state from a host's own store may
    hold any integer: a value out of its range is written by :func:`_field_text` instead, which
    sorts it before or after every value in range and gives the agent's start back
    (:func:`_agent_of`)."""
    if -2**31 <= penalty < 2**31 and -2**63 <= sort < 2**63:
        return f"{(penalty + _PENALTY_OFFSET) << 64 | (sort + _SORT_OFFSET):024x}{agent}"
    return (f"{_field_text(penalty + _PENALTY_OFFSET, _PENALTY_WIDTH)}"
            f"{_field_text(sort + _SORT_OFFSET, _SORT_WIDTH)}{agent}")


def _field_text(value: int, width: int) -> str:
    """Any integer as a string that sorts as the integers do and says where it ends:
    ``width`` hexadecimal digits from 0 to ``16**width - 1``; above, one ``g`` per digit past
    ``width``, then its digits (after every value in range, longer after shorter); below 0,
    one ``-`` per digit past ``width``, a ``/``, then the digits of ``-value - 1``
    complemented (before every value in range, longer before shorter)."""
    if value >= 0:
        digits = f"{value:0{width}x}"
        return "g" * (len(digits) - width) + digits
    digits = f"{-value - 1:0{width}x}"
    return "-" * (len(digits) - width) + "/" + digits.translate(_COMPLEMENT)


def _field_end(key: Key, at: int, width: int) -> int:
    """Where the field written by :func:`_field_text` from ``key[at]`` on ends."""
    start = at
    mark = key[at]
    if mark == "g" or mark == "-":
        while key[at] == mark:
            at += 1
    extra = at - start
    if mark == "-" or mark == "/":
        at += 1
    return at + extra + width


def _agent_of(key: Key) -> str:
    """The agent of a key written by :func:`_key_text`."""
    if key[0] in _WIDE or key[_PENALTY_WIDTH] in _WIDE:
        return key[_field_end(key, _field_end(key, 0, _PENALTY_WIDTH), _SORT_WIDTH):]
    return key[_AGENT_AT:]
