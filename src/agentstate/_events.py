"""Events: what the host tells the tracker happened. Frozen, keyword-only values.

Every event names its ``agent`` and may carry:

- ``at``: when it happened (aware datetime); default: the tracker's clock, read once.
- ``event_id``: an idempotency key, unique per agent. Applying an event whose id the agent has
  already seen returns the original result (marked ``duplicate``) and changes nothing.
- ``actor``: who did it. Default: the agent itself for the agent's own actions (login, logout,
  set status, answer, end, reject), the system for what only the system sees (offer, miss).
  Supervisor actions (:class:`ForceStatus`, :class:`ForceLogout`) require one.
- ``expected_version``: compare-and-set from the host's view: refused with
  :class:`ConflictError` unless the agent is still at that version (an offer to a candidate
  of :meth:`Tracker.eligible` carries the version it listed).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

import attrs

from ._policy import Role, WrapUp
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
    "InteractionMissed",
    "InteractionOffered",
    "InteractionRejected",
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
]


@attrs.frozen
class Actor:
    """Who performs an event: a role and, for people, their id."""

    role: Role = attrs.field(converter=Role)
    id: str | None = None

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


def _tuple(value: Any) -> tuple[str, ...]:
    return tuple(value)


def _str(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not value:
        raise TypeError(f"{type(instance).__name__}.{attribute.name} must be a non-empty "
                        f"string, got {value!r}")


@attrs.frozen(kw_only=True)
class Event:
    """Base of all events. Not applied directly."""

    agent: str = attrs.field(validator=_str)
    at: datetime | None = None
    event_id: str | None = None
    actor: Actor | None = None
    expected_version: int | None = None

    default_role: ClassVar[Role] = Role.AGENT
    """Whose event it is when no ``actor`` is given."""


@attrs.frozen(kw_only=True)
class Register(Event):
    """Add an agent to the roster, logged out. Recorded as the agent's first history entry."""

    default_role: ClassVar[Role] = Role.SYSTEM


@attrs.frozen(kw_only=True)
class Login(Event):
    """The agent logs in, into ``status`` (default: the policy's ``login_status``).

    Attributes:
        queues: the queues the agent works this session.
        device: the device (extension, softphone) the agent works from.
        status: where to land instead of the policy's ``login_status``.
    """

    queues: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    device: str | None = None
    status: str | None = None


@attrs.frozen(kw_only=True)
class Logout(Event):
    """The agent logs out. Refused while it has open interactions."""


@attrs.frozen(kw_only=True)
class SetStatus(Event):
    """The agent (or the system) chooses a status, with a pause reason where it takes one."""

    status: str = attrs.field(validator=_str)
    reason: str | None = None


@attrs.frozen(kw_only=True)
class ForceStatus(Event):
    """A supervisor puts an agent into a status. Only supervisors may."""

    status: str = attrs.field(validator=_str)
    reason: str | None = None
    actor: Actor | None = attrs.field(validator=attrs.validators.instance_of(Actor))

    default_role: ClassVar[Role] = Role.SUPERVISOR


@attrs.frozen(kw_only=True)
class ForceLogout(Event):
    """A supervisor logs an agent out; open interactions are dropped from its state."""

    actor: Actor | None = attrs.field(validator=attrs.validators.instance_of(Actor))

    default_role: ClassVar[Role] = Role.SUPERVISOR


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

    channel: str = "voice"
    queue: str | None = None

    default_role: ClassVar[Role] = Role.SYSTEM


@attrs.frozen(kw_only=True)
class InteractionAnswered(_InteractionEvent):
    """The agent accepted an offered interaction."""


@attrs.frozen(kw_only=True)
class InteractionEnded(_InteractionEvent):
    """An interaction ended. Ending one still ringing means the offer was withdrawn."""


@attrs.frozen(kw_only=True)
class InteractionMissed(_InteractionEvent):
    """An offer was not answered in time."""

    default_role: ClassVar[Role] = Role.SYSTEM


@attrs.frozen(kw_only=True)
class InteractionRejected(_InteractionEvent):
    """The agent declined an offered interaction (or its device was ``busy``)."""

    busy: bool = False


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

    wrap_up: WrapUp | None = None
    timezone: str | None = None

    default_role: ClassVar[Role] = Role.SYSTEM


def _timer(value: object) -> Timer:
    try:
        return Timer(value)
    except ValueError:
        raise TypeError(f"TimerFired.timer must be a Timer or one of "
                        f"{', '.join(t.value for t in Timer)}, got {value!r}") from None


@attrs.frozen(kw_only=True)
class TimerFired(Event):
    """A deadline was reached. Recorded by agentstate itself; hosts never send it.

    Attributes:
        timer: which timer (a :class:`~agentstate.Timer`; its value is accepted too).
        ref: what it is about (the interaction id for an offer timeout), or ``None``.
    """

    timer: Timer = attrs.field(converter=_timer)
    ref: str | None = None

    default_role: ClassVar[Role] = Role.SYSTEM



@attrs.frozen(kw_only=True)
class JoinQueue(Event):
    """The agent joins ``queue`` (or changes its penalty and position there).

    Agents may do it themselves only where ``Policy.agents_manage_queues`` allows.
    """

    queue: str = attrs.field(validator=_str)
    penalty: int = 0
    position: int = 0


@attrs.frozen(kw_only=True)
class LeaveQueue(Event):
    """The agent leaves ``queue``."""

    queue: str = attrs.field(validator=_str)


@attrs.frozen(kw_only=True)
class PauseQueue(Event):
    """Pause the agent in one queue, or in all its queues (``queue=None``), status unchanged."""

    queue: str | None = None


@attrs.frozen(kw_only=True)
class ResumeQueue(Event):
    """Unpause the agent in one queue, or in all (``queue=None``)."""

    queue: str | None = None


@attrs.frozen(kw_only=True)
class SetChannel(Event):
    """A supervisor switches a channel on or off for the agent, or sets its capacity.

    ``None`` leaves that setting as it is; ``capacity=0`` is refused (switch it off instead).
    """

    channel: str = attrs.field(validator=_str)
    enabled: bool | None = None
    capacity: int | None = None

    default_role: ClassVar[Role] = Role.SUPERVISOR


@attrs.frozen(kw_only=True)
class StopNew(Event):
    """Keep current work, take no new queue work (seed 001's "Stop new")."""


@attrs.frozen(kw_only=True)
class ResumeNew(Event):
    """Take new queue work again after :class:`StopNew` (seed 001's "Resume")."""


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

    registered: bool | None = None
    dnd: bool | None = None

    default_role: ClassVar[Role] = Role.SYSTEM
