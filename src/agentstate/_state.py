"""What the tracker knows about an agent, and what it records: frozen values.

An agent has two layers of state, as every serious contact-centre system separates them:

- its **status**, which the agent or a supervisor chose (Available, Lunch, Offline, a custom
  status), with an optional pause **reason**; and
- its **occupation**, which the system derives from the agent's interactions (and, with timers,
  from post-processing and delays): idle, offered, on an interaction, ...

:class:`AgentState` holds both; :class:`Change` is one entry of the agent's history.

Its length has one reason to change: the shape of an agent's state and of its history entries (with
the notices derived from them), which every store encodes and every rule builds.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

import attrs

from ._builders import positional
from ._events import Actor, Event, TransferKind
from ._policy import Direction, Policy, Role, WrapUp, WrapUpMode
from ._time import Timer, elapsed

__all__ = [
    "AgentState",
    "Change",
    "ChannelSetting",
    "Deadline",
    "Device",
    "Interaction",
    "InteractionState",
    "Membership",
    "Notice",
    "NoticeKind",
    "Occupation",
    "PauseSpan",
    "Pending",
    "Result",
    "Session",
    "Snapshot",
    "TAG_NOTICES",
    "Tag",
    "Timer",
    "notices",
]


class Occupation(enum.Enum):
    """What the agent is doing, as derived by the system."""

    IDLE = "idle"
    """Waiting for work (FreeSWITCH "Waiting", Webitel "Waiting", seed 002 "Idle")."""
    OFFERED = "offered"
    """Work is ringing or offered and not yet accepted."""
    ON_INTERACTION = "on_interaction"
    """Handling at least one accepted interaction (seed 001 "Busy", seed 002 "Connected")."""
    WRAP_UP = "wrap_up"
    """Post-processing after a queue interaction (seed 001 "Post Processing", Webitel
    "Post-processing", FreeSWITCH wrap_up_time)."""
    MISSED = "missed"
    """A delay after a missed, rejected or busy offer (Webitel "Missed"; FreeSWITCH
    no_answer_delay_time, reject_delay_time, busy_delay_time)."""


@attrs.frozen(kw_only=True, order=True)
class Deadline:
    """A timer as data: what happens to the agent at ``at`` unless something comes first."""

    at: datetime
    timer: Timer = attrs.field(order=lambda t: t.value)
    ref: str | None = attrs.field(default=None, order=lambda r: r or "")


@attrs.frozen(kw_only=True)
class Pending:
    """A status change asked for while busy, applied when the agent is free.

    Attributes:
        status: the status to enter (the logged-out status for a deferred logout).
        reason: its reason.
        actor: who asked (the transition is checked again for this actor when applied).
        requested_at: when it was asked.
    """

    status: str
    reason: str | None
    actor: Actor
    requested_at: datetime


@attrs.frozen(kw_only=True)
class PauseSpan:
    """A finished pause in a reason with limits, kept while it counts towards an allotment."""

    reason: str
    start: datetime
    end: datetime


class InteractionState(enum.Enum):
    """Where one interaction stands."""

    OFFERED = "offered"
    """Ringing: offered, not yet answered."""
    CONNECTED = "connected"
    """Answered (or started) and live."""
    HELD = "held"
    """On hold (the agent is still occupied; hold time accrues)."""


class _InteractionSlots:
    """The slots of :class:`Interaction` (a layout: see :mod:`agentstate._builders`)."""

    __slots__ = (
        "__weakref__",
        "channel",
        "direction",
        "hold",
        "id",
        "queue",
        "since",
        "state",
        "transfer",
    )


@attrs.frozen(kw_only=True)
class Interaction(_InteractionSlots):
    """An open interaction (call, chat, email) of an agent.

    Attributes:
        id: the host's id.
        channel: its channel.
        queue: the queue it came from, or ``None`` (direct or outbound).
        state: offered, connected or held.
        since: when it entered its current ``state``.
        direction: queue, direct or outbound (a state stored before directions existed
            reads as queue; the rules take such an interaction without a queue as direct).
        hold: hold time accrued in finished holds (the running one counts from ``since``).
        transfer: the transfer under way (attended: consulting; live: three-way), or ``None``.
    """

    id: str
    channel: str
    queue: str | None
    state: InteractionState
    since: datetime
    direction: Direction = Direction.QUEUE
    hold: timedelta = timedelta(0)
    transfer: TransferKind | None = None

    def hold_at(self, at: datetime) -> timedelta:
        """Hold time up to ``at``, the running hold included."""
        if self.state is InteractionState.HELD:
            return self.hold + elapsed(self.since, at)
        return self.hold


class _MembershipSlots:
    """The slots of :class:`Membership` (a layout: see :mod:`agentstate._builders`)."""

    __slots__ = (
        "__weakref__",
        "calls",
        "calls_until",
        "last_offer_at",
        "paused",
        "paused_by",
        "penalty",
        "position",
        "queue",
    )


@attrs.frozen(kw_only=True)
class Membership(_MembershipSlots):
    """An agent's place in a queue.

    Attributes:
        queue: the queue's name.
        penalty: the tier: lower penalties are offered work first (Asterisk penalty,
            FreeSWITCH tier level).
        position: the order within a tier for the linear strategy.
        paused: paused in this queue only (Asterisk's per-queue pause).
        last_offer_at: when this queue last offered the agent work.
        calls: interactions answered from this queue in the day ending ``calls_until``.
        calls_until: the end of the day ``calls`` counts.
        paused_by: the role that paused it (``None`` when not paused): only that role or a
            higher one may resume it (see docs/concepts.md, "Who may undo what").
    """

    queue: str
    penalty: int = 0
    position: int = 0
    paused: bool = False
    last_offer_at: datetime | None = None
    calls: int = 0
    calls_until: datetime | None = None
    paused_by: Role | None = None


@attrs.frozen(kw_only=True)
class ChannelSetting:
    """An agent's own setting for a channel: a supervisor's switch and capacity override."""

    channel: str
    enabled: bool = True
    capacity: int | None = None


@attrs.frozen(kw_only=True)
class Device:
    """What the host last reported about the agent's device (:class:`DeviceChanged`).

    Attributes:
        registered: the device is registered (reachable); an unregistered one takes no work.
        dnd: do-not-disturb is on: no queue work, whatever the status.
    """

    registered: bool = True
    dnd: bool = False


_DEVICE = Device()


@attrs.frozen(kw_only=True)
class Session:
    """A login session: when it began, from which device, on which queues."""

    login_at: datetime
    device: str | None = None
    queues: tuple[str, ...] = ()


class _AgentStateSlots:
    """The slots of :class:`AgentState` (a layout: see :mod:`agentstate._builders`)."""

    __slots__ = (
        "__weakref__",
        "agent",
        "channels",
        "deadlines",
        "device",
        "handled",
        "interactions",
        "memberships",
        "missed_in_a_row",
        "occupation",
        "occupation_since",
        "overrun_at",
        "pauses",
        "pending",
        "reason",
        "session",
        "since",
        "status",
        "stop_new",
        "stop_new_by",
        "timezone",
        "updated_at",
        "version",
        "wrap_up",
        "wrap_up_mode",
    )


@attrs.frozen(kw_only=True)
class AgentState(_AgentStateSlots):
    """Everything the tracker keeps about one agent. Replaced, never mutated.

    Attributes:
        agent: the agent's id.
        version: how many changes have been recorded; the store's compare-and-set key.
        status: the chosen status's name.
        reason: the pause reason's code, if any.
        since: when the current status and reason began.
        occupation: what the agent is doing.
        occupation_since: when the current occupation began.
        updated_at: when the last change was recorded; older events are stale.
        session: the login session, or ``None`` when logged out.
        interactions: the open interactions, oldest first.
        deadlines: the agent's timers, earliest first.
        wrap_up_mode: the running post-processing's mode, or ``None`` when not wrapping up.
        pending: a status change waiting for the agent to be free.
        missed_in_a_row: queue offers missed since the last one answered.
        handled: queue interactions answered since entering the current status.
        pauses: recent finished pauses in limited reasons (for daily allotments).
        overrun_at: when the current pause outran its limit, if it has.
        wrap_up: the agent's own post-processing setting (overrides queue and policy).
        timezone: the agent's own time zone for its days (overrides the policy's).
        memberships: the queues the agent belongs to.
        channels: the agent's own channel settings (switches, capacities).
        stop_new: keep current work, take no new queue work (seed 001's Busy (Stop New)).
        stop_new_by: the role that stopped new work (``None`` when taking new work): only that
            role or a higher one may resume it.
        device: the device's registration and do-not-disturb mode, as last reported.
    """

    agent: str
    version: int
    status: str
    reason: str | None
    since: datetime
    occupation: Occupation
    occupation_since: datetime
    updated_at: datetime
    session: Session | None = None
    interactions: tuple[Interaction, ...] = ()
    deadlines: tuple[Deadline, ...] = ()
    wrap_up_mode: WrapUpMode | None = None
    pending: Pending | None = None
    missed_in_a_row: int = 0
    handled: int = 0
    pauses: tuple[PauseSpan, ...] = ()
    overrun_at: datetime | None = None
    wrap_up: WrapUp | None = None
    timezone: str | None = None
    memberships: tuple[Membership, ...] = ()
    channels: tuple[ChannelSetting, ...] = ()
    stop_new: bool = False
    stop_new_by: Role | None = None
    device: Device = _DEVICE

    def membership(self, queue: str) -> Membership | None:
        """The agent's membership of ``queue``, or ``None``."""
        for item in self.memberships:
            if item.queue == queue:
                return item
        return None

    def channel_setting(self, channel: str) -> ChannelSetting | None:
        """The agent's own setting for ``channel``, or ``None``."""
        for item in self.channels:
            if item.channel == channel:
                return item
        return None

    @property
    def next_deadline(self) -> datetime | None:
        """The earliest deadline, or ``None``."""
        return self.deadlines[0].at if self.deadlines else None

    @property
    def logged_in(self) -> bool:
        """Whether the agent has a login session."""
        return self.session is not None

    def interaction(self, interaction_id: str) -> Interaction | None:
        """The open interaction with this id, or ``None``."""
        for item in self.interactions:
            if item.id == interaction_id:
                return item
        return None


class Tag(str, enum.Enum):
    """A machine-readable mark on a history entry: what happened besides the move itself.

    A ``str`` enum, stored by value (``Tag.PENDING == "pending"``): a tag the rules do not know
    cannot be written, so none is lost on the way to a notice.
    """

    PENDING = "pending"
    """A status change was deferred until the agent is free."""
    PENDING_APPLIED = "pending_applied"
    """A deferred status change took effect."""
    PENDING_DROPPED = "pending_dropped"
    """A deferred status change was dropped (cancelled, or no longer allowed)."""
    AUTO_MOVED = "auto_moved"
    """The system moved the agent by itself."""
    OVERRUN = "overrun"
    """A pause outran its reason's limit."""
    OVERRIDE = "override"
    """A supervisor forced a pause whose limit was used up."""
    DROPPED = "dropped"
    """A forced logout dropped the agent's open interactions."""
    WITHDRAWN = "withdrawn"
    """An offer was withdrawn before it was answered."""


@attrs.frozen
class Snapshot:
    """The two layers at one instant: status, reason, occupation."""

    status: str
    reason: str | None
    occupation: Occupation


class _ChangeSlots:
    """The slots of :class:`Change` (a layout: see :mod:`agentstate._builders`)."""

    __slots__ = (
        "__weakref__",
        "actor",
        "agent",
        "at",
        "event",
        "event_id",
        "from_occupation",
        "from_reason",
        "from_status",
        "note",
        "seq",
        "tags",
        "to_occupation",
        "to_reason",
        "to_status",
    )


@attrs.frozen(kw_only=True)
class Change(_ChangeSlots):
    """One entry of an agent's history: an accepted event and what it changed.

    The entry starts a new interval of the agent's timeline: from ``at`` until the next entry's
    ``at`` the agent was in ``to_status``/``to_reason``/``to_occupation``. Every entry's
    ``from_*`` equals the previous entry's ``to_*``, so the intervals tile the timeline.

    Attributes:
        agent: the agent's id.
        seq: the agent's version after this change (1 for the registration).
        at: when it happened.
        actor: who did it.
        event: the event applied (replaying these reproduces the agent's state).
        event_id: the idempotency key, if the event had one.
        note: why, where more needs saying (e.g. "interactions dropped: c1").
        tags: machine-readable marks of what happened besides the move itself (:class:`Tag`:
            ``pending``, ``pending_applied``, ``pending_dropped``, ``auto_moved``, ``overrun``,
            ``override``, ``dropped``, ``withdrawn``).
    """

    agent: str
    seq: int
    at: datetime
    actor: Actor
    event: Event
    from_status: str | None
    to_status: str
    from_reason: str | None
    to_reason: str | None
    from_occupation: Occupation | None
    to_occupation: Occupation
    event_id: str | None = None
    note: str | None = None
    tags: tuple[Tag, ...] = ()

    @property
    def before(self) -> Snapshot | None:
        """Status, reason and occupation before the change (``None`` at registration)."""
        if self.from_status is None or self.from_occupation is None:
            return None
        return Snapshot(self.from_status, self.from_reason, self.from_occupation)

    @property
    def after(self) -> Snapshot:
        """Status, reason and occupation after the change."""
        return Snapshot(self.to_status, self.to_reason, self.to_occupation)


class NoticeKind(enum.Enum):
    """What the host may need to act on."""

    ROUTABLE = "routable"
    """The agent may now be offered queue work (e.g. unpause it in the PBX's queues)."""
    NOT_ROUTABLE = "not_routable"
    """The agent may no longer be offered queue work (e.g. pause it in the PBX's queues)."""
    INTERACTIONS_DROPPED = "interactions_dropped"
    """A forced logout left interactions open in the host; they are no longer the agent's."""
    PENDING = "pending"
    """A status change was deferred until the agent is free."""
    PENDING_APPLIED = "pending_applied"
    """A deferred status change took effect."""
    PENDING_DROPPED = "pending_dropped"
    """A deferred status change was dropped (cancelled, or no longer allowed)."""
    AUTO_MOVED = "auto_moved"
    """The system moved the agent (misses in a row, a reject, single call, an overrun)."""
    OVERRUN = "overrun"
    """A pause outran its reason's allotment or maximum length."""
    OVERRIDE = "override"
    """A supervisor put the agent into a pause whose limit was used up."""


@attrs.frozen(kw_only=True)
class Notice:
    """Something the host may need to act on, derived from a change."""

    kind: NoticeKind
    agent: str
    at: datetime
    detail: str = ""


TAG_NOTICES: dict[Tag, NoticeKind | None] = {
    Tag.PENDING: NoticeKind.PENDING,
    Tag.PENDING_APPLIED: NoticeKind.PENDING_APPLIED,
    Tag.PENDING_DROPPED: NoticeKind.PENDING_DROPPED,
    Tag.AUTO_MOVED: NoticeKind.AUTO_MOVED,
    Tag.OVERRUN: NoticeKind.OVERRUN,
    Tag.OVERRIDE: NoticeKind.OVERRIDE,
    Tag.DROPPED: NoticeKind.INTERACTIONS_DROPPED,
    Tag.WITHDRAWN: None,
}
"""The notice each tag raises (``None``: none); every :class:`Tag` has its row."""


def notices(policy: Policy, change: Change) -> tuple[Notice, ...]:
    """What the host may need to act on after ``change`` (a pure function of it)."""
    found: list[Notice] = []
    was = change.from_status is not None and policy.is_routable(change.from_status)
    now = policy.is_routable(change.to_status)
    if was != now:
        kind = NoticeKind.ROUTABLE if now else NoticeKind.NOT_ROUTABLE
        found.append(Notice(kind=kind, agent=change.agent, at=change.at,
                            detail=f"{change.from_status} -> {change.to_status}"))
    for tag in change.tags:
        raised = TAG_NOTICES[tag]
        if raised is not None:
            found.append(Notice(kind=raised, agent=change.agent, at=change.at,
                                detail=change.note or ""))
    return tuple(found)


class _ResultSlots:
    """The slots of :class:`Result` (a layout: see :mod:`agentstate._builders`)."""

    __slots__ = ("__weakref__", "agent", "changes", "duplicate", "event", "fired", "policy")


@attrs.frozen(kw_only=True)
class Result(_ResultSlots):
    """What applying one event did.

    Attributes:
        agent: the agent's id.
        event: the event as given.
        changes: the history entries the event recorded (at least one).
        fired: entries recorded by timers that fell due before the event (fired first).
        duplicate: the event's id had been seen: nothing changed, ``changes`` are the original.
        policy: the policy the changes were made under (to derive :attr:`notices`).
    """

    agent: str
    event: Event
    changes: tuple[Change, ...]
    fired: tuple[Change, ...] = ()
    duplicate: bool = False
    policy: Policy | None = attrs.field(default=None, eq=False, repr=False)

    @property
    def notices(self) -> tuple[Notice, ...]:
        """What the host may need to act on, from ``fired`` and ``changes`` (derived on demand:
        most hosts never look, and the hot path does not pay for it)."""
        if self.policy is None:
            return ()
        found: list[Notice] = []
        for change in (*self.fired, *self.changes):
            found.extend(notices(self.policy, change))
        return tuple(found)

    @property
    def before(self) -> Snapshot | None:
        """The agent's status, reason and occupation before the event."""
        return self.changes[0].before

    @property
    def after(self) -> Snapshot:
        """The agent's status, reason and occupation after the event."""
        return self.changes[-1].after

    @property
    def at(self) -> datetime:
        """When the event took effect."""
        return self.changes[-1].at


# -- positional builders: the rules' hot path (see agentstate._builders) -------------------------

build_state = positional(AgentState)
"""An :class:`AgentState` from all its fields, positionally, in declaration order."""
build_change = positional(Change)
"""A :class:`Change` from all its fields, positionally, in declaration order."""
build_result = positional(Result)
"""A :class:`Result` from all its fields, positionally, in declaration order."""
build_interaction = positional(Interaction)
"""An :class:`Interaction` from all its fields, positionally: id, channel, queue, state, since,
direction, hold, transfer."""
build_membership = positional(Membership)
"""A :class:`Membership` from all its fields, positionally: queue, penalty, position, paused,
last_offer_at, calls, calls_until, paused_by."""
