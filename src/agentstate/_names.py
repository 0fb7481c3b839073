"""Strict names: the one check of queue and channel names against what a policy declares.

A policy always declares its channels (``voice`` by default), so an unknown channel is always
refused. It declares queues only if it wants to: a policy with no ``queues`` takes any queue
name; one with queues takes only those. Events (by their ``queue``, ``queues`` and ``channel``
fields) and questions (:meth:`~agentstate.Tracker.eligible`, :meth:`~agentstate.Tracker.explain`,
:meth:`~agentstate.Tracker.team`) go through these functions.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from ._errors import UnknownChannel, UnknownQueue
from ._events import Event, SetChannel
from ._policy import Policy

__all__ = ["check_channel", "check_event", "check_queue", "names_event"]


def check_queue(policy: Policy, name: str, *, agent: str | None = None,
                event: Event | None = None) -> None:
    """Refuse ``name`` if the policy declares its queues and not this one.

    Raises:
        UnknownQueue: with the declared queues.
    """
    if policy.queues and all(q.name != name for q in policy.queues):
        raise UnknownQueue(name=name, known=tuple(sorted(q.name for q in policy.queues)),
                           agent=agent, event=event)


def check_channel(policy: Policy, name: str, *, agent: str | None = None,
                  event: Event | None = None, groups: bool = False) -> None:
    """Refuse ``name`` unless it is one of the policy's channels (or, with ``groups``, one of
    its channel groups).

    Raises:
        UnknownChannel: with the names that are taken.
    """
    if policy.has_channel(name):
        return
    names = [c.name for c in policy.channels]
    if groups:
        names += [g.name for g in policy.groups]
        if name in names:
            return
    raise UnknownChannel(name=name, known=tuple(sorted(names)), agent=agent, event=event)


_NAMING: dict[type[Event], bool] = {}
"""Per event class, whether it names a queue or a channel (read once from its fields)."""


def names_event(kind: type[Event]) -> bool:
    """Whether events of ``kind`` name a queue or a channel (:func:`check_event` has work)."""
    found = _NAMING.get(kind)
    if found is None:
        found = _NAMING[kind] = any(f.name in ("queue", "queues", "channel")
                                    for f in attrs.fields(kind))
    return found


def check_event(policy: Policy, event: Event) -> None:
    """Check every queue and channel an event names (``SetChannel`` also takes a group).

    Raises:
        UnknownQueue, UnknownChannel: the agent's state is unchanged.
    """
    if not names_event(type(event)):
        return
    if policy.queues:  # else any queue name is taken
        queues: Iterable[str | None] = (*getattr(event, "queues", ()),
                                        getattr(event, "queue", None))
        for queue in queues:
            if queue is not None:
                check_queue(policy, queue, agent=event.agent, event=event)
    channel = getattr(event, "channel", None)
    if channel is not None:
        check_channel(policy, channel, agent=event.agent, event=event,
                      groups=isinstance(event, SetChannel))
