"""The error tree.

Every error agentstate raises derives from :class:`AgentStateError`. Each subclass carries the
data that explains it (agent, status, event, actor) as attributes, and its message says what was
refused and why. An error raised while applying an event never changes anything: the agent's
state, history and ledger are exactly as they were before the call.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ._limits import describe

__all__ = [
    "AgentExists",
    "AgentStateError",
    "ClockError",
    "ConflictError",
    "EventIdReused",
    "FeedError",
    "InvalidEvent",
    "InvalidField",
    "InvalidTime",
    "InvalidTransition",
    "LimitReached",
    "NotEligible",
    "NotPermitted",
    "PolicyError",
    "SchemaError",
    "StaleEvent",
    "StoreError",
    "UnknownAgent",
    "UnknownChannel",
    "UnknownQueue",
    "UnknownReason",
    "UnknownStatus",
]


class AgentStateError(Exception):
    """Base class of every error agentstate raises."""


class PolicyError(AgentStateError, ValueError):
    """A policy is invalid. Raised while building it, never later.

    Attributes:
        culprit: the name of the status, transition, reason or field at fault.
    """

    def __init__(self, message: str, *, culprit: str) -> None:
        super().__init__(message)
        self.culprit = culprit


class ClockError(AgentStateError, ValueError):
    """A clock was asked to go backwards, or a time was given without a time zone."""


class InvalidField(AgentStateError, TypeError, ValueError):
    """A value was refused when an event (or an :class:`~agentstate.Actor`) was built: wrong
    type, or beyond the input limits (see "Input limits" in the concepts). Nothing was applied.

    A ``TypeError`` and a ``ValueError``, as attrs' own validators raise.

    Attributes:
        owner: the class being built (``"SetStatus"``).
        field: the field at fault (``"status"``).
        expected: what the field takes, in words.
        received: the value given.
        why: what is wrong with it, in words.
    """

    def __init__(self, *, owner: str, field: str, expected: str, received: Any,
                 why: str) -> None:
        super().__init__(f"{owner}.{field} refused: expected {expected}; received "
                         f"{describe(received)}: {why}")
        self.owner = owner
        self.field = field
        self.expected = expected
        self.received = received
        self.why = why


class InvalidTime(InvalidField, ClockError):
    """An event's ``at`` is not an aware datetime within the limits: also a
    :class:`ClockError`, the error a naive ``at`` always gave."""


class _AgentError(AgentStateError):
    """An error about one agent; the agent's state is unchanged."""

    def __init__(self, message: str, *, agent: str, event: Any = None) -> None:
        super().__init__(message)
        self.agent = agent
        self.event = event


class UnknownAgent(_AgentError, LookupError):
    """The agent is not registered with the tracker."""

    def __init__(self, agent: str, *, event: Any = None) -> None:
        super().__init__(f"unknown agent {agent!r}: register it first", agent=agent, event=event)

    def __str__(self) -> str:  # LookupError would quote the message like a key
        return str(self.args[0])


class AgentExists(_AgentError):
    """The agent is already registered."""

    def __init__(self, agent: str) -> None:
        super().__init__(f"agent {agent!r} is already registered", agent=agent)


class UnknownStatus(_AgentError, ValueError):
    """The event names a status the policy does not define."""

    def __init__(self, *, agent: str, status: str, event: Any = None) -> None:
        super().__init__(
            f"agent {agent!r}: unknown status {status!r} (not in the policy)",
            agent=agent,
            event=event,
        )
        self.status = status


class UnknownReason(_AgentError, ValueError):
    """The reason is unknown, not taken by the status, or missing where one is required."""

    def __init__(self, message: str, *, agent: str, status: str, reason: str | None,
                 event: Any = None) -> None:
        super().__init__(message, agent=agent, event=event)
        self.status = status
        self.reason = reason


class InvalidTransition(_AgentError):
    """The policy allows no transition from the agent's status to the one asked for."""

    def __init__(self, *, agent: str, source: str, dest: str, event: Any = None,
                 why: str = "the policy has no such transition") -> None:
        super().__init__(
            f"agent {agent!r}: cannot go from {source!r} to {dest!r}: {why}",
            agent=agent,
            event=event,
        )
        self.source = source
        self.dest = dest


class NotPermitted(_AgentError, PermissionError):
    """The actor may not perform this event on this agent."""

    def __init__(self, *, agent: str, actor: Any, why: str, event: Any = None) -> None:
        who = "an event without an actor" if actor is None else actor
        super().__init__(f"not permitted for {who} on agent {agent!r}: {why}", agent=agent,
                         event=event)
        self.actor = actor

    def __str__(self) -> str:  # PermissionError would format errno-style
        return str(self.args[0])


class InvalidEvent(_AgentError, ValueError):
    """The event does not fit the agent's current situation (e.g. an unknown interaction)."""

    def __init__(self, *, agent: str, why: str, event: Any = None) -> None:
        super().__init__(f"agent {agent!r}: {why}", agent=agent, event=event)
        self.why = why


def _unknown(kind: str, name: str, known: tuple[str, ...], agent: str | None) -> str:
    listed = ", ".join(repr(k) for k in known)
    who = "" if agent is None else f"agent {agent!r}: "
    return (f"{who}unknown {kind} {name!r} refused: the policy declares its {kind}s and this is "
            f"not one; expected one of {listed}")


class UnknownQueue(InvalidEvent):
    """A queue the policy does not declare, where the policy declares its queues (a policy that
    declares none takes any queue). Raised by events (the agent's state unchanged) and by
    questions (``agent`` is ``"*"`` there).

    Attributes:
        name: the queue asked for; ``known``: the queues the policy declares, sorted.
    """

    def __init__(self, *, name: str, known: tuple[str, ...], agent: str | None = None,
                 event: Any = None) -> None:
        _AgentError.__init__(self, _unknown("queue", name, known, agent),
                             agent="*" if agent is None else agent, event=event)
        self.why = f"unknown queue {name!r}"
        self.name = name
        self.known = known


class UnknownChannel(InvalidEvent):
    """A channel the policy does not declare (see :class:`UnknownQueue`).

    Attributes:
        name: the channel asked for; ``known``: the names it takes, sorted.
    """

    def __init__(self, *, name: str, known: tuple[str, ...], agent: str | None = None,
                 event: Any = None) -> None:
        _AgentError.__init__(self, _unknown("channel", name, known, agent),
                             agent="*" if agent is None else agent, event=event)
        self.why = f"unknown channel {name!r}"
        self.name = name
        self.known = known


class LimitReached(_AgentError):
    """The pause reason's daily limit is used up; a supervisor may override it.

    Attributes:
        reason: the reason's code.
        limit: which limit (``"daily_allotment"`` or ``"max_per_day"``).
        used: how much of it is used, in words.
    """

    def __init__(self, *, agent: str, reason: str, limit: str, used: str,
                 event: Any = None) -> None:
        words = {"daily_allotment": "daily allotment", "max_per_day": "pauses per day"}[limit]
        super().__init__(
            f"agent {agent!r}: pause {reason!r} refused: its {words} is used up ({used}); "
            "a supervisor may override", agent=agent, event=event)
        self.reason = reason
        self.limit = limit
        self.used = used


class NotEligible(InvalidEvent):
    """The agent may not be offered this work now; ``why`` says why ("chat slots 3/3").

    Every refused offer raises it (a logged-out agent included), so a host's try-the-next-agent
    loop catches one type. For queue work ``why`` is what :meth:`Tracker.explain` says.

    Attributes:
        queue: the queue the work came from, or ``None`` for a direct call.
        channel: the channel.
        blocker: what is in the way: the eligibility rule's frozen ``Blocker`` value (the one
            ``explain()`` puts in words), or ``None`` where none applies.
        kind: the blocker's kind as a word: ``logged_out``, ``status``, ``dnd``,
            ``unregistered``, ``full``, ``pool_full``, ... (``None`` without a blocker).
    """

    def __init__(self, *, agent: str, why: str, queue: str | None, channel: str,
                 event: Any = None, blocker: Any = None) -> None:
        super().__init__(agent=agent, why=why, event=event)
        self.queue = queue
        self.channel = channel
        self.blocker = blocker

    @property
    def kind(self) -> str | None:
        """The blocker's kind as a word (``"dnd"``), or ``None`` without a blocker."""
        if self.blocker is None:
            return None
        word: str = self.blocker.kind.value
        return word


class EventIdReused(InvalidEvent):
    """The agent already recorded a *different* event under this ``event_id``.

    The same event delivered again is answered as a duplicate; another event under a used id
    is refused, since answering it with the first one's result would silently lose it.

    Attributes:
        event_id: the idempotency key.
        original: the event recorded under it.
    """

    def __init__(self, *, agent: str, event_id: str, original: Any, event: Any = None) -> None:
        super().__init__(agent=agent, event=event,
                         why=f"event id {event_id!r} was already used for a different event "
                             f"({type(original).__name__}); give each event its own id")
        self.event_id = event_id
        self.original = original


class StaleEvent(_AgentError, ValueError):
    """The event is stamped before the agent's last recorded change, or after the clock's now."""

    def __init__(self, *, agent: str, at: datetime, bound: datetime, event: Any = None,
                 future: bool = False) -> None:
        if future:
            why = f"it is stamped {at.isoformat()}, after the clock's now {bound.isoformat()}"
        else:
            why = (f"it is stamped {at.isoformat()}, before the agent's last recorded change "
                   f"at {bound.isoformat()}")
        super().__init__(f"agent {agent!r}: event refused: {why}", agent=agent, event=event)
        self.at = at
        self.bound = bound


class ConflictError(_AgentError):
    """The agent's stored version moved under the writer (compare-and-set failed)."""

    def __init__(self, *, agent: str, expected: int, actual: int | None) -> None:
        super().__init__(
            f"agent {agent!r}: version conflict: expected stored version {expected}, "
            f"found {actual}; reload and try again",
            agent=agent,
        )
        self.expected = expected
        self.actual = actual


class StoreError(AgentStateError):
    """A store cannot do what was asked: a malformed row, a broken connection, a bad file.

    Attributes:
        agent: the agent concerned, if any.
    """

    def __init__(self, message: str, *, agent: str | None = None) -> None:
        super().__init__(message)
        self.agent = agent


class SchemaError(StoreError):
    """The database was written by a newer (or unknown) schema version: never reset silently.

    Attributes:
        found: the schema version in the database.
        supported: the newest version this agentstate knows.
    """

    def __init__(self, message: str, *, found: int | None, supported: int) -> None:
        super().__init__(message)
        self.found = found
        self.supported = supported


class FeedError(AgentStateError, ValueError):
    """A question to the change feed is malformed (a negative sequence, a limit below 1).

    Attributes:
        argument: the argument's name (``"after"``, ``"limit"``, ``"timeout"``).
        value: what was given.
    """

    def __init__(self, *, argument: str, value: object, expected: str) -> None:
        super().__init__(f"cannot read the change feed: {argument} must be {expected}, "
                         f"got {value!r}")
        self.argument = argument
        self.value = value
