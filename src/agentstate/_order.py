"""The order in which a queue offers work to its eligible agents, for every strategy.

Lower penalty tiers first, then the queue's :class:`~agentstate.Strategy`. The strategies of
:data:`KEYED` order by ``(penalty, sort, agent)`` (:func:`sort_value`), which an index keeps
without sorting; the others are sorted when asked. :mod:`agentstate._eligibility` (the scan, the
stores' answers) and :mod:`agentstate._index` order with these same functions.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple, TypeVar

from ._policy import Policy, Strategy
from ._state import AgentState, Membership
from ._time import micros

__all__ = ["KEYED", "NEVER", "QueuePlace", "order", "order_states", "place", "sort_value"]


NEVER = -(2**62)
"""The sort value of an agent a queue never offered work (least recent first)."""
_T = TypeVar("_T")


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
