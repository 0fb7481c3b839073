"""Whether a queue may offer an agent work on a channel: the rule, as one function.

:func:`blocker` answers with the first reason an agent cannot be offered work from a queue on a
channel (a frozen :class:`Blocker`), or ``None`` when it can; :func:`describe` puts it in words.
:mod:`agentstate._eligibility` orders the eligible agents and keeps the index; the rules refuse
offers with this same function.
"""

from __future__ import annotations

import enum
from datetime import datetime

import attrs
import pendulum

from ._policy import ChannelGroup, Policy
from ._state import AgentState, Interaction, Timer

__all__ = ["LOGGED_OUT", "BlockKind", "Blocker", "blocker", "capacity", "describe",
           "device_blocker", "held_on", "pool_capacity", "slots"]


class BlockKind(enum.Enum):
    """Why an agent may not be offered queue work, in the order :func:`blocker` asks."""

    LOGGED_OUT = "logged_out"
    NOT_MEMBER = "not_member"
    STATUS = "status"
    PAUSED_IN_QUEUE = "paused_in_queue"
    UNKNOWN_CHANNEL = "unknown_channel"
    CHANNEL_OFF = "channel_off"
    UNREGISTERED = "unregistered"
    DND = "dnd"
    STOP_NEW = "stop_new"
    PENDING = "pending"
    WRAP_UP = "wrap_up"
    DELAY = "delay"
    FULL = "full"
    POOL_FULL = "pool_full"
    BLOCKED = "blocked"


@attrs.frozen(kw_only=True)
class Blocker:
    """The first reason an agent may not be offered queue work (see :func:`blocker`).

    Attributes:
        kind: which reason.
        name: what it names: the queue (not a member, paused in it), the status (takes no
            queue work), the channel (unknown, switched off, full), the channel group (pool
            full), the pending status, or the channel whose open work blocks new work
            (blocked).
        until: when post-processing or a delay ends (``None``: when the agent ends it).
        held: interactions held on the channel (full), or on the group's channels (pool full).
        limit: the agent's capacity on the channel (full), or its slots in the group's pool
            (pool full).
        blocks: the channel whose new work is blocked (blocked).
    """

    kind: BlockKind
    name: str | None = None
    until: datetime | None = None
    held: int = 0
    limit: int = 0
    blocks: str | None = None


LOGGED_OUT = Blocker(kind=BlockKind.LOGGED_OUT)
"""The blocker of a logged-out agent (the same value every time)."""
_STOP_NEW = Blocker(kind=BlockKind.STOP_NEW)
_UNREGISTERED = Blocker(kind=BlockKind.UNREGISTERED)
_DND = Blocker(kind=BlockKind.DND)


def device_blocker(state: AgentState) -> Blocker | None:
    """Why the agent's device takes no work (unregistered, do-not-disturb on), or ``None``."""
    if not state.device.registered:
        return _UNREGISTERED
    if state.device.dnd:
        return _DND
    return None


def capacity(policy: Policy, state: AgentState, channel: str) -> int:
    """The agent's capacity on ``channel`` (0 when switched off)."""
    setting = state.channel_setting(channel)
    if setting is not None:
        if not setting.enabled:
            return 0
        if setting.capacity is not None:
            return setting.capacity
    return policy.channel(channel).capacity


def pool_capacity(policy: Policy, state: AgentState, group: ChannelGroup) -> int:
    """The agent's slots in ``group``'s pool: its own override (``SetChannel`` naming the
    group), or the group's."""
    setting = state.channel_setting(group.name)
    if setting is not None and setting.capacity is not None:
        return setting.capacity
    return group.capacity


def held_on(interactions: tuple[Interaction, ...], channel: str) -> int:
    """How many of ``interactions`` are on ``channel``."""
    return sum(1 for item in interactions if item.channel == channel)


def slots(policy: Policy, state: AgentState, channel: str) -> Blocker | None:
    """Why the agent has no free slot for one more ``channel`` interaction (its channel's
    capacity, or its group's pool), or ``None`` when it has one."""
    held = held_on(state.interactions, channel)
    limit = capacity(policy, state, channel)
    if held >= limit:
        return Blocker(kind=BlockKind.FULL, name=channel, held=held, limit=limit)
    group = policy.group_of(channel)
    if group is not None:
        used = sum(held_on(state.interactions, name) for name in group.channels)
        pool = pool_capacity(policy, state, group)
        if used >= pool:
            return Blocker(kind=BlockKind.POOL_FULL, name=group.name, held=used, limit=pool)
    return None


def blocker(policy: Policy, state: AgentState, queue: str, channel: str) -> Blocker | None:
    """The first reason ``state`` may not be offered ``queue`` work on ``channel``, or None."""
    if state.session is None:
        return LOGGED_OUT
    member = state.membership(queue)
    if member is None:
        return Blocker(kind=BlockKind.NOT_MEMBER, name=queue)
    if not policy.status(state.status).routable:
        return Blocker(kind=BlockKind.STATUS, name=state.status)
    if member.paused:
        return Blocker(kind=BlockKind.PAUSED_IN_QUEUE, name=queue)
    if not policy.has_channel(channel):
        return Blocker(kind=BlockKind.UNKNOWN_CHANNEL, name=channel)
    setting = state.channel_setting(channel)
    if setting is not None and not setting.enabled:
        return Blocker(kind=BlockKind.CHANNEL_OFF, name=channel)
    device = device_blocker(state)
    if device is not None:
        return device
    if state.stop_new:
        return _STOP_NEW
    if state.pending is not None:
        return Blocker(kind=BlockKind.PENDING, name=state.pending.status)
    if state.wrap_up_mode is not None:
        return Blocker(kind=BlockKind.WRAP_UP, until=next(
            (d.at for d in state.deadlines if d.timer is Timer.WRAP_UP), None))
    for deadline in state.deadlines:
        if deadline.timer is Timer.DELAY:
            return Blocker(kind=BlockKind.DELAY, until=deadline.at)
    if state.interactions:
        full = slots(policy, state, channel)
        if full is not None:
            return full
        for other in policy.blocked_by(channel):
            if held_on(state.interactions, other):
                return Blocker(kind=BlockKind.BLOCKED, name=other, blocks=channel)
    return None


def describe(policy: Policy, found: Blocker) -> str:
    """``found`` in words, times in the site's zone: "in post-processing until 09:14:30"."""
    kind = found.kind
    if kind is BlockKind.WRAP_UP or kind is BlockKind.DELAY:
        what = "in post-processing" if kind is BlockKind.WRAP_UP else "in a missed-offer delay"
        if found.until is None:
            return f"{what} until the agent ends it"
        local = pendulum.instance(found.until).in_timezone(policy.day.timezone)
        return f"{what} until {local.format('HH:mm:ss')}"
    return _WORDS[kind].format(found)


_WORDS: dict[BlockKind, str] = {
    BlockKind.LOGGED_OUT: "logged out",
    BlockKind.NOT_MEMBER: "not a member of queue {0.name}",
    BlockKind.STATUS: "status {0.name!r} takes no queue work",
    BlockKind.PAUSED_IN_QUEUE: "paused in queue {0.name}",
    BlockKind.UNKNOWN_CHANNEL: "unknown channel {0.name!r}",
    BlockKind.CHANNEL_OFF: "{0.name} switched off for this agent",
    BlockKind.UNREGISTERED: "device not registered",
    BlockKind.DND: "do-not-disturb on",
    BlockKind.STOP_NEW: "stopped taking new work",
    BlockKind.PENDING: "a change to {0.name!r} is pending",
    BlockKind.FULL: "{0.name} slots {0.held}/{0.limit}",
    BlockKind.POOL_FULL: "{0.name} slots {0.held}/{0.limit}",
    BlockKind.BLOCKED: "busy on {0.name}: no new {0.blocks} meanwhile",
}
"""The other blockers in words (``{0}`` is the :class:`Blocker`)."""
