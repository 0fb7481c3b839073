"""Events: what the host tells the tracker happened. Frozen, keyword-only values.

Every event names its ``agent`` and may carry:

- ``at``: when it happened (aware datetime); default: the tracker's clock, read once.
- ``event_id``: an idempotency key, unique per agent. Applying an event whose id the agent has
  already seen returns the original result (marked ``duplicate``) and changes nothing.
- ``actor``: who did it. Default: the kind's ``default_role``, the least powerful role that can
  send it (docs/concepts.md "Actor defaults"): the agent itself for its own actions (status,
  login, logout, queues, stop-new, cancel, answer, end, reject), the system for what the PBX
  reports (offer, miss, a busy device, hold, resume, transfer, started). Supervisor-only kinds
  have none: :class:`ForceStatus` and :class:`ForceLogout` require one when built,
  :class:`SetChannel` and :class:`Configure` are refused (``NotPermitted``) without one.
- ``expected_version``: compare-and-set from the host's view: refused with
  :class:`ConflictError` unless the agent is still at that version (an offer to a candidate
  of :meth:`Tracker.eligible` carries the version it listed).

Every field is checked when the event is built, against its type and the input limits
(:mod:`agentstate._limits`): a wrong value raises :class:`InvalidField` (:class:`InvalidTime`
for ``at``) naming the field, what it takes and what it got, before any store sees it, so every
store sees the same values.

Its length has one reason to change: the event vocabulary. Every event kind, its fields and their
validation live together, so a reader finds what a host may send in one file.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime, timezone
from itertools import islice
from typing import Any, ClassVar

import attrs
import pendulum

from ._errors import InvalidField, InvalidTime
from ._limits import (
    MAX_INSTANT,
    MAX_NAME,
    MAX_QUEUES,
    MAX_SMALL,
    MAX_VERSION,
    MAX_YEAR,
    MIN_INSTANT,
    MIN_SMALL,
    MIN_YEAR,
    instant_problem,
    name_problem,
)
from ._policy import Direction, Role, WrapUp
from ._time import Timer

__all__ = [
    "Actor",
    "CancelPending",
    "Configure",
    "DeviceChanged",
    "EndWrapUp",
    "Event",
    "ForceLogout",
    "ForceStatus",
    "InteractionAnswered",
    "InteractionEnded",
    "InteractionHeld",
    "InteractionMissed",
    "InteractionOffered",
    "InteractionRejected",
    "InteractionResumed",
    "InteractionStarted",
    "InteractionTransferred",
    "JoinQueue",
    "LeaveQueue",
    "Login",
    "Logout",
    "PauseQueue",
    "Register",
    "ResumeNew",
    "ResumeQueue",
    "SetChannel",
    "SetStatus",
    "StopNew",
    "TimerFired",
    "TransferKind",
]


# -- field checks: plain type tests first (the hot path), the words only when refusing --------

_NAME = f"a name: a str of 1 to {MAX_NAME} characters, without U+0000 or lone surrogates"
_SMALL = f"an int from {MIN_SMALL:,} to {MAX_SMALL:,}"
_VERSION = f"an int from 0 to {MAX_VERSION:,}"
_UTC = pendulum.UTC
_INSTANT = f"an aware datetime from {MIN_INSTANT:%Y-%m-%d} to {MAX_INSTANT:%Y-%m-%d} UTC"


def _kind(value: object) -> str:
    return "it is out of range" if type(value) is int else f"it is of type {type(value).__name__}"


def _refuse(instance: object, attribute: attrs.Attribute[Any], expected: str, value: object,
            why: str) -> InvalidField:
    return InvalidField(owner=type(instance).__name__, field=attribute.name, expected=expected,
                        received=value, why=why)


def _str(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A name (see :mod:`agentstate._limits`)."""
    if type(value) is not str or not 0 < len(value) <= MAX_NAME or "\x00" in value or (
            not value.isascii() and name_problem(value) is not None):
        raise _refuse(instance, attribute, _NAME, value, name_problem(value) or "")


def _opt_name(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        _str(instance, attribute, value)


def _role(value: object) -> Role:
    if type(value) is Role:
        return value
    try:
        return Role(value)
    except Exception:  # Role() of an unhashable or unknown value
        raise InvalidField(owner="Actor", field="role",
                           expected="a Role (" + ", ".join(r.value for r in Role) + ")",
                           received=value, why="it is not a role") from None


def _at(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and not (isinstance(value, datetime) and (
            value.tzinfo is _UTC or value.tzinfo is timezone.utc)
            and MIN_YEAR <= value.year <= MAX_YEAR):  # the usual case, without comparisons
        problem = instant_problem(value)
        if problem is not None:
            raise InvalidTime(owner=type(instance).__name__, field=attribute.name,
                              expected=_INSTANT, received=value, why=problem)


def _actor(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and type(value) is not Actor:
        raise _refuse(instance, attribute, "an Actor or None", value,
                      f"it is of type {type(value).__name__}")


def _version(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and (type(value) is not int or not 0 <= value <= MAX_VERSION):
        raise _refuse(instance, attribute, f"{_VERSION} or None", value,
                      _kind(value))


def _small(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if type(value) is not int or not MIN_SMALL <= value <= MAX_SMALL:
        raise _refuse(instance, attribute, _SMALL, value,
                      _kind(value))


def _opt_small(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        _small(instance, attribute, value)


def _bool(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if type(value) is not bool:
        raise _refuse(instance, attribute, "True or False", value,
                      f"it is of type {type(value).__name__}")


def _opt_bool(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        _bool(instance, attribute, value)


def _wrap_up(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and type(value) is not WrapUp:
        raise _refuse(instance, attribute, "a WrapUp or None", value,
                      f"it is of type {type(value).__name__}")


def _queues(value: object) -> tuple[str, ...]:
    """``Login.queues``: any iterable of names but a string (``"sales"`` is not 5 queues)."""
    expected = f"an iterable of at most {MAX_QUEUES:,} queue names (not a str)"
    if isinstance(value, tuple) and len(value) <= MAX_QUEUES:
        found: tuple[Any, ...] = value
    elif isinstance(value, (str, bytes, bytearray, Mapping)):
        raise InvalidField(owner="Login", field="queues", expected=expected, received=value,
                           why=f"it is of type {type(value).__name__}")
    else:
        try:
            found = tuple(islice(value, MAX_QUEUES + 1))  # type: ignore[call-overload]
        except TypeError:
            raise InvalidField(owner="Login", field="queues", expected=expected,
                               received=value, why=_kind(value)) from None
        if len(found) > MAX_QUEUES:
            raise InvalidField(owner="Login", field="queues", expected=expected,
                               received=value, why=f"it has more than {MAX_QUEUES:,}")
    for index, item in enumerate(found):
        problem = name_problem(item)
        if problem is not None:
            raise InvalidField(owner="Login", field="queues", expected=expected,
                               received=value, why=f"item {index}: {problem}")
    return found


@attrs.frozen
class Actor:
    """Who performs an event: a role and, for people, their id."""

    role: Role = attrs.field(converter=_role)
    id: str | None = attrs.field(default=None, validator=_opt_name)

    @classmethod
    def agent(cls, agent_id: str) -> Actor:
        """The agent ``agent_id`` acting on itself."""
        return cls(Role.AGENT, agent_id)

    @classmethod
    def supervisor(cls, supervisor_id: str) -> Actor:
        """A supervisor, identified for the history."""
        return cls(Role.SUPERVISOR, supervisor_id)

    @classmethod
    def system(cls, name: str | None = None) -> Actor:
        """The host system or agentstate's own timers."""
        return cls(Role.SYSTEM, name)

    def __str__(self) -> str:
        if self.id is None:
            return f"the {self.role.value}"
        return f"{self.role.value} {self.id!r}"


SYSTEM = Actor(Role.SYSTEM)


@attrs.frozen(kw_only=True)
class Event:
    """Base of all events. Not applied directly."""

    agent: str
    at: datetime | None = None
    event_id: str | None = None
    actor: Actor | None = None
    expected_version: int | None = None

    default_role: ClassVar[Role | None] = Role.AGENT
    """Whose event it is when no ``actor`` is given; ``None``: an actor is required."""

    def __attrs_post_init__(self) -> None:
        # The fields every event has, checked in one call rather than one validator each
        # (they are mostly None: this keeps building an event cheap).
        fields = _FIELDS
        _str(self, fields.agent, self.agent)
        if self.at is not None:
            _at(self, fields.at, self.at)
        if self.event_id is not None:
            _str(self, fields.event_id, self.event_id)
        if self.actor is not None and type(self.actor) is not Actor:
            _actor(self, fields.actor, self.actor)
        if self.expected_version is not None:
            _version(self, fields.expected_version, self.expected_version)


_FIELDS = attrs.fields(Event)


@attrs.frozen(kw_only=True)
class Register(Event):
    """Add an agent to the roster, logged out. Recorded as the agent's first history entry."""

    default_role: ClassVar[Role | None] = Role.SYSTEM


@attrs.frozen(kw_only=True)
class Login(Event):
    """The agent logs in, into ``status`` (default: the policy's ``login_status``).

    Attributes:
        queues: the queues the agent works this session.
        device: the device (extension, softphone) the agent works from.
        status: where to land instead of the policy's ``login_status``.
    """

    queues: tuple[str, ...] = attrs.field(default=(), converter=_queues)
    device: str | None = attrs.field(default=None, validator=_opt_name)
    status: str | None = attrs.field(default=None, validator=_opt_name)


@attrs.frozen(kw_only=True)
class Logout(Event):
    """The agent logs out. Refused while it has open interactions."""


@attrs.frozen(kw_only=True)
class SetStatus(Event):
    """The agent (or the system) chooses a status, with a pause reason where it takes one."""

    status: str = attrs.field(validator=_str)
    reason: str | None = attrs.field(default=None, validator=_opt_name)


@attrs.frozen(kw_only=True)
class ForceStatus(Event):
    """A supervisor puts an agent into a status. Only supervisors may."""

    status: str = attrs.field(validator=_str)
    reason: str | None = attrs.field(default=None, validator=_opt_name)

    default_role: ClassVar[Role | None] = None


@attrs.frozen(kw_only=True)
class ForceLogout(Event):
    """A supervisor logs an agent out; open interactions are dropped from its state."""

    default_role: ClassVar[Role | None] = None


@attrs.frozen(kw_only=True)
class _InteractionEvent(Event):
    interaction: str = attrs.field(validator=_str)


@attrs.frozen(kw_only=True)
class InteractionOffered(_InteractionEvent):
    """Work is offered (rings) to the agent.

    Attributes:
        interaction: the host's id for the call, chat or email.
        channel: one of the policy's channels.
        queue: the queue it comes from, or ``None`` for a direct call to the agent.
    """

    channel: str = attrs.field(default="voice", validator=_str)
    queue: str | None = attrs.field(default=None, validator=_opt_name)

    default_role: ClassVar[Role | None] = Role.SYSTEM


@attrs.frozen(kw_only=True)
class InteractionAnswered(_InteractionEvent):
    """The agent accepted an offered interaction."""


@attrs.frozen(kw_only=True)
class InteractionEnded(_InteractionEvent):
    """An interaction ended. Ending one still ringing means the offer was withdrawn."""


@attrs.frozen(kw_only=True)
class InteractionMissed(_InteractionEvent):
    """An offer was not answered in time."""

    default_role: ClassVar[Role | None] = Role.SYSTEM


@attrs.frozen(kw_only=True)
class InteractionRejected(_InteractionEvent):
    """The agent declined an offered interaction (or its device was ``busy``)."""

    busy: bool = attrs.field(default=False, validator=_bool)


@attrs.frozen(kw_only=True)
class EndWrapUp(Event):
    """The agent ends its post-processing, where the wrap-up mode allows it."""


@attrs.frozen(kw_only=True)
class CancelPending(Event):
    """Withdraw the pending (deferred) status change."""


@attrs.frozen(kw_only=True)
class Configure(Event):
    """Per-agent settings, set by a supervisor or the system.

    Attributes:
        wrap_up: the agent's own post-processing, overriding queue and policy; ``None`` clears.
        timezone: the agent's own IANA time zone for its days; ``None``: the site's.
    """

    wrap_up: WrapUp | None = attrs.field(default=None, validator=_wrap_up)
    timezone: str | None = attrs.field(default=None, validator=_opt_name)

    default_role: ClassVar[Role | None] = None


def _timer(value: object) -> Timer:
    try:
        return Timer(value)
    except ValueError:
        raise InvalidField(owner="TimerFired", field="timer",
                           expected=f"a Timer or one of {', '.join(t.value for t in Timer)}",
                           received=value, why="not a timer") from None


@attrs.frozen(kw_only=True)
class TimerFired(Event):
    """A deadline was reached. Recorded by agentstate itself; hosts never send it.

    Attributes:
        timer: which timer (a :class:`~agentstate.Timer`; its value is accepted too).
        ref: what it is about (the interaction id for an offer timeout), or ``None``.
    """

    timer: Timer = attrs.field(converter=_timer)
    ref: str | None = attrs.field(default=None, validator=_opt_name)

    default_role: ClassVar[Role | None] = Role.SYSTEM


@attrs.frozen(kw_only=True)
class JoinQueue(Event):
    """The agent joins ``queue`` (or changes its penalty and position there).

    Agents may do it themselves only where ``Policy.agents_manage_queues`` allows.
    """

    queue: str = attrs.field(validator=_str)
    penalty: int = attrs.field(default=0, validator=_small)
    position: int = attrs.field(default=0, validator=_small)


@attrs.frozen(kw_only=True)
class LeaveQueue(Event):
    """The agent leaves ``queue``."""

    queue: str = attrs.field(validator=_str)


@attrs.frozen(kw_only=True)
class PauseQueue(Event):
    """Pause the agent in one queue, or in all its queues (``queue=None``), status unchanged."""

    queue: str | None = attrs.field(default=None, validator=_opt_name)


@attrs.frozen(kw_only=True)
class ResumeQueue(Event):
    """Unpause the agent in one queue, or in all (``queue=None``)."""

    queue: str | None = attrs.field(default=None, validator=_opt_name)


@attrs.frozen(kw_only=True)
class SetChannel(Event):
    """A supervisor switches a channel on or off for the agent, or sets its capacity.

    ``None`` leaves that setting as it is; ``capacity=0`` is refused (switch it off instead).
    """

    channel: str = attrs.field(validator=_str)
    enabled: bool | None = attrs.field(default=None, validator=_opt_bool)
    capacity: int | None = attrs.field(default=None, validator=_opt_small)

    default_role: ClassVar[Role | None] = None


@attrs.frozen(kw_only=True)
class StopNew(Event):
    """Keep current work, take no new queue work (seed 001's "Stop new")."""


@attrs.frozen(kw_only=True)
class ResumeNew(Event):
    """Take new queue work again after :class:`StopNew` (seed 001's "Resume")."""


# -- hold, transfer, agent-started work (issue 13) ------------------------------------------------


@attrs.frozen(kw_only=True)
class InteractionHeld(_InteractionEvent):
    """The agent put a connected interaction on hold. Hold time accrues until it is resumed
    (or ends); the agent stays occupied meanwhile."""

    default_role: ClassVar[Role | None] = Role.SYSTEM


@attrs.frozen(kw_only=True)
class InteractionResumed(_InteractionEvent):
    """The agent took a held interaction back. Resuming during an attended transfer's
    consultation takes the customer back: the transfer is abandoned."""

    default_role: ClassVar[Role | None] = Role.SYSTEM


class TransferKind(enum.Enum):
    """How an agent hands an interaction on (seed 002's three transfer buttons)."""

    BLIND = "blind"
    """"Transfer your customer to your transfer target and you drop from the call": the
    agent's side ends at once."""
    ATTENDED = "attended"
    """"placing the customer on hold while you call your transfer target": the interaction is
    held through the consultation; the agent's side ends on completion
    (:class:`InteractionEnded`)."""
    LIVE = "live"
    """Three-way: customer, target and agent all connected; the agent's side ends when it
    drops (:class:`InteractionEnded`)."""


def _transfer_kind(value: object) -> TransferKind:
    try:
        return TransferKind(value)
    except ValueError:
        raise InvalidField(owner="InteractionTransferred", field="kind",
                           expected="a TransferKind or one of "
                                    f"{', '.join(k.value for k in TransferKind)}",
                           received=value, why="not a transfer kind") from None


@attrs.frozen(kw_only=True)
class InteractionTransferred(_InteractionEvent):
    """The agent transfers a connected (or held) interaction.

    Attributes:
        kind: a :class:`TransferKind` (its value is accepted too).
        target: where to (an extension, a queue, an agent), for the record; optional.
    """

    kind: TransferKind = attrs.field(converter=_transfer_kind)
    target: str | None = attrs.field(default=None, validator=_opt_name)

    default_role: ClassVar[Role | None] = Role.SYSTEM


def _direction(value: object) -> Direction:
    try:
        return Direction(value)
    except ValueError:
        raise InvalidField(owner="InteractionStarted", field="direction",
                           expected="a Direction or one of "
                                    f"{', '.join(d.value for d in Direction)}",
                           received=value, why="not a direction") from None


@attrs.frozen(kw_only=True)
class InteractionStarted(_InteractionEvent):
    """An interaction begins already connected, without an offer: an outbound call the agent
    placed, or a direct one the host reports only once connected.

    Attributes:
        channel: one of the policy's channels.
        direction: ``Direction.OUTBOUND`` (default) or ``Direction.DIRECT``; queue work is
            offered (:class:`InteractionOffered`), never started.
    """

    channel: str = attrs.field(default="voice", validator=_str)
    direction: Direction = attrs.field(default=Direction.OUTBOUND, converter=_direction)

    default_role: ClassVar[Role | None] = Role.SYSTEM

@attrs.frozen(kw_only=True)
class DeviceChanged(Event):
    """The agent's device (phone, softphone) registered or unregistered, or its do-not-disturb
    mode was switched (Webitel: queue calls only "with DnD disabled").

    Device state is an input beside the status: it never changes the status the agent chose,
    but an unregistered device or do-not-disturb on blocks queue eligibility. Recorded in the
    history; it is accepted whether or not the agent is logged in.

    Attributes:
        registered: whether the device is registered; ``None`` leaves it as it is.
        dnd: whether do-not-disturb is on; ``None`` leaves it as it is.
    """

    registered: bool | None = attrs.field(default=None, validator=_opt_bool)
    dnd: bool | None = attrs.field(default=None, validator=_opt_bool)

    default_role: ClassVar[Role | None] = Role.SYSTEM
