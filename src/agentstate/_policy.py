"""The policy: one call centre's rules, as a frozen and validated value.

A policy names the statuses an agent can be in, which changes between them are allowed and by
whom, the pause reasons each status takes, and the channels agents work on. Building one checks
it whole and raises :class:`PolicyError` naming the culprit; a policy that exists is valid.

The allowed transitions are stated once, here. :mod:`agentstate._engine` turns them into a
``transitions`` machine (one per policy) and reads its lookup table back from that machine.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import attrs

from ._errors import PolicyError

if TYPE_CHECKING:
    from ._engine import Engine

__all__ = [
    "ANY",
    "Blocking",
    "BusyChange",
    "Channel",
    "DayRule",
    "PauseReason",
    "Policy",
    "Queue",
    "Role",
    "Status",
    "Strategy",
    "Timers",
    "Transition",
    "WrapUp",
    "WrapUpMode",
]

ANY = "*"
"""A transition source meaning "from every other status"."""


class Role(enum.Enum):
    """Who performs an event."""

    AGENT = "agent"
    """The agent itself, acting on its own status."""
    SUPERVISOR = "supervisor"
    """A supervisor acting on any agent."""
    SYSTEM = "system"
    """The host (PBX, CRM) or agentstate's own timers: drives occupations."""


class BusyChange(enum.Enum):
    """What a status change (or logout) asked for while the agent is busy does.

    Busy means: an interaction is open, or the agent is in post-processing (wrap-up).
    """

    DEFER = "defer"
    """Accepted as the agent's *pending* status, applied when the interactions and the wrap-up
    end (Amazon Connect's and Kazoo's "next status"); no new queue work meanwhile."""
    IMMEDIATE = "immediate"
    """The status changes at once; open interactions carry on. Logout stays refused."""
    REFUSE = "refuse"
    """Refused until the agent is free (seed 001: "no other status is available")."""


class WrapUpMode(enum.Enum):
    """How post-processing (wrap-up) after a queue interaction ends."""

    NONE = "none"
    """No post-processing: the agent is idle as soon as the interaction ends."""
    TIMED = "timed"
    """Lasts exactly ``length``; the agent cannot end it early (time-boxed)."""
    OPTIONAL = "optional"
    """Lasts ``length`` at most; the agent may end it early (:class:`EndWrapUp`)."""
    MANDATORY = "mandatory"
    """Lasts until the agent ends it (:class:`EndWrapUp`); ``length`` is ignored."""


def _roles(value: Iterable[Role | str]) -> frozenset[Role]:
    return frozenset(Role(v) for v in value)


def _tuple(value: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(value)


def _name(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise PolicyError(f"{attribute.name} must be a non-empty string, got {value!r}",
                          culprit=repr(value))


_EVERYONE = frozenset({Role.AGENT, Role.SUPERVISOR})


@attrs.frozen(kw_only=True)
class Status:
    """A status an agent or supervisor chooses (the first of the two layers).

    Attributes:
        name: unique key, used in events and storage.
        label: what people see; defaults to ``name``.
        routable: queues may offer work to an agent in this status.
        logged_in: reported as logged in (seed 000 reports Lunch as logged out).
        report_as: the reporting bucket ("logged out under Lunch"); defaults to ``label``.
        direct_calls: calls to the agent's own extension still ring.
        selectable_by: who may choose it. Empty means only the system (``Role.SYSTEM``).
        custom: a site-defined status (seed 000: custom statuses count as offline).
        reasons: codes of the pause reasons this status takes.
        reason_required: entering the status needs one of ``reasons``.
        interaction_limit: after this many queue interactions answered in the status, the
            agent moves to ``then`` (seed 000's Single Call: 1, then offline), once the
            interaction and its wrap-up are over; no more queue work is offered meanwhile.
        then: the status entered when ``interaction_limit`` is reached.
    """

    name: str = attrs.field(validator=_name)
    label: str = attrs.field(default=attrs.Factory(lambda self: self.name, takes_self=True))
    routable: bool = False
    logged_in: bool = True
    report_as: str = attrs.field(
        default=attrs.Factory(lambda self: self.label, takes_self=True))
    direct_calls: bool = True
    selectable_by: frozenset[Role] = attrs.field(default=_EVERYONE, converter=_roles)
    custom: bool = False
    reasons: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    reason_required: bool = False
    interaction_limit: int | None = None
    then: str | None = None


@attrs.frozen(kw_only=True)
class Transition:
    """An allowed change of status.

    Attributes:
        source: the status left, or :data:`ANY` for every other status.
        dest: the status entered.
        by: who may perform it; ``None`` means whoever may select ``dest`` (and the system).
    """

    source: str = attrs.field(validator=_name)
    dest: str = attrs.field(validator=_name)
    by: frozenset[Role] | None = attrs.field(
        default=None, converter=attrs.converters.optional(_roles))


@attrs.frozen(kw_only=True)
class PauseReason:
    """Why an agent is paused; taken by the statuses that list its code.

    Attributes:
        code: unique key.
        label: what people see.
        paid: time in this reason is paid working time.
        daily_allotment: total time allowed per day, or ``None`` for no limit.
        max_per_day: how many pauses a day, or ``None``.
        max_length: the longest one pause may last, or ``None``.
    """

    code: str = attrs.field(validator=_name)
    label: str = attrs.field(default=attrs.Factory(lambda self: self.code, takes_self=True))
    paid: bool = False
    daily_allotment: timedelta | None = None
    max_per_day: int | None = None
    max_length: timedelta | None = None


def _duration(value: float | timedelta | None) -> timedelta | None:
    if value is None or isinstance(value, timedelta):
        return value
    return timedelta(seconds=value)


def _required_duration(value: float | timedelta) -> timedelta:
    return value if isinstance(value, timedelta) else timedelta(seconds=value)


@attrs.frozen(kw_only=True)
class WrapUp:
    """Post-processing after a queue interaction: a mode and a length (seconds or timedelta)."""

    mode: WrapUpMode = WrapUpMode.NONE
    length: timedelta = attrs.field(default=timedelta(0), converter=_required_duration)


class Strategy(enum.Enum):
    """How a queue orders the agents it may offer work to. Lower penalty tiers always come
    first; within a tier:"""

    LONGEST_IDLE = "longest_idle"
    """Longest in the current occupation first (FreeSWITCH longest-idle-agent)."""
    LEAST_RECENT = "least_recent"
    """Least recently offered work by this queue first (Asterisk leastrecent)."""
    FEWEST_CALLS = "fewest_calls"
    """Fewest interactions answered from this queue today first (Asterisk fewestcalls)."""
    ROUND_ROBIN = "round_robin"
    """By agent id, starting after the agent this queue offered work to last (rrmemory)."""
    RANDOM = "random"
    """Weighted random, reproducible with a seed; weight 1 / (1 + penalty) (wrandom)."""
    RING_ALL = "ring_all"
    """Everyone eligible at once, by agent id."""
    LINEAR = "linear"
    """By the member's position, then id (Asterisk linear, FreeSWITCH top-down)."""


@attrs.frozen(kw_only=True)
class Queue:
    """A queue's own settings, where they differ from the policy's.

    Attributes:
        name: the queue's name as the host uses it.
        wrap_up: post-processing after this queue's interactions (overrides the policy's).
        strategy: how eligible agents are ordered.
    """

    name: str = attrs.field(validator=_name)
    wrap_up: WrapUp | None = None
    strategy: Strategy = Strategy.LONGEST_IDLE


@attrs.frozen(kw_only=True)
class Blocking:
    """A cross-channel rule: while an agent holds work on ``when``, no new ``blocks`` work.

    ``Blocking(when="voice", blocks=("chat", "email"))``: on a call, no new chats or emails.
    """

    when: str = attrs.field(validator=_name)
    blocks: tuple[str, ...] = attrs.field(converter=_tuple)


@attrs.frozen(kw_only=True)
class Timers:
    """Timers as data: every one is a deadline stored with the agent, fired by the host.

    Durations are seconds or ``timedelta``; ``None`` switches a timer off.

    Attributes:
        offer_timeout: ring time: an offer not answered by then is missed.
        no_answer_delay: after a missed offer, no queue work for this long (Webitel "Missed").
        reject_delay: after a rejected offer, no queue work for this long.
        busy_delay: after an offer rejected because the device was busy.
        max_no_answer: after this many misses in a row, move the agent to
            ``no_answer_status`` (FreeSWITCH max_no_answer; Asterisk autopause: 1).
        no_answer_status: where ``max_no_answer`` moves the agent.
        no_answer_reason: the system reason given for that move.
        reject_status: where rejecting a queue offer moves the agent (seed 001: On Break).
        reject_reason: the system reason given for that move.
    """

    offer_timeout: timedelta | None = attrs.field(default=None, converter=_duration)
    no_answer_delay: timedelta | None = attrs.field(default=None, converter=_duration)
    reject_delay: timedelta | None = attrs.field(default=None, converter=_duration)
    busy_delay: timedelta | None = attrs.field(default=None, converter=_duration)
    max_no_answer: int | None = None
    no_answer_status: str | None = None
    no_answer_reason: str | None = None
    reject_status: str | None = None
    reject_reason: str | None = None


@attrs.frozen(kw_only=True)
class DayRule:
    """What "a day" means for daily allotments and counters.

    Attributes:
        timezone: the site's IANA time zone; days run midnight to midnight there (so a DST
            change day is 23 or 25 hours long).
        rolling: count the last 24 hours instead of the calendar day.
    """

    timezone: str = "UTC"
    rolling: bool = False


@attrs.frozen(kw_only=True)
class Channel:
    """A kind of work (voice, chat, email) and how many an agent holds at once by default."""

    name: str = attrs.field(validator=_name)
    capacity: int = 1


@attrs.frozen(kw_only=True)
class Policy:
    """One call centre's rules. Validated when built; immutable after.

    Attributes:
        name: a label for the policy.
        statuses: every status, including the logged-out one.
        transitions: the allowed changes and who may make them.
        logged_out: the status of an agent that is not logged in.
        login_status: where a login lands unless it names another status.
        reasons: the pause reasons.
        channels: the channels and their default per-agent capacity.
        while_busy: what a status change asked for while busy does (default: defer it).
        wrap_up: post-processing after queue interactions (queues and agents may override).
        queues: queues with settings of their own.
        timers: ring time, delays, automatic moves after misses and rejects.
        day: what a day is, for allotments and counters.
        overrun_status: where an agent is moved when a pause outruns its reason's allotment or
            maximum length; ``None`` records and notifies only.
        blocking: cross-channel rules.
        agents_manage_queues: agents may join and leave queues themselves (seed 002: an
            option, disabled by default).

    Raises:
        PolicyError: the policy is inconsistent; ``culprit`` names what is at fault.
    """

    name: str = "policy"
    statuses: tuple[Status, ...] = attrs.field(converter=_tuple)
    transitions: tuple[Transition, ...] = attrs.field(converter=_tuple)
    logged_out: str = "logged_out"
    login_status: str = "available"
    reasons: tuple[PauseReason, ...] = attrs.field(default=(), converter=_tuple)
    channels: tuple[Channel, ...] = attrs.field(
        default=(Channel(name="voice"),), converter=_tuple)
    while_busy: BusyChange = BusyChange.DEFER
    wrap_up: WrapUp = WrapUp()
    queues: tuple[Queue, ...] = attrs.field(default=(), converter=_tuple)
    timers: Timers = Timers()
    day: DayRule = DayRule()
    overrun_status: str | None = None
    blocking: tuple[Blocking, ...] = attrs.field(default=(), converter=_tuple)
    agents_manage_queues: bool = False
    _engine: Engine = attrs.field(init=False, repr=False, eq=False, hash=False)
    _by_name: dict[str, Status] = attrs.field(init=False, repr=False, eq=False, hash=False)
    _reason_by_code: dict[str, PauseReason] = attrs.field(
        init=False, repr=False, eq=False, hash=False)
    _channel_by_name: dict[str, Channel] = attrs.field(
        init=False, repr=False, eq=False, hash=False)
    _queue_by_name: dict[str, Queue] = attrs.field(init=False, repr=False, eq=False, hash=False)
    _routable: frozenset[str] = attrs.field(init=False, repr=False, eq=False, hash=False)
    _limited: frozenset[str] = attrs.field(init=False, repr=False, eq=False, hash=False)
    _blocked_by: dict[str, tuple[str, ...]] = attrs.field(
        init=False, repr=False, eq=False, hash=False)

    def __attrs_post_init__(self) -> None:
        from ._engine import Engine

        by_name = _unique("status", (s.name for s in self.statuses), self.statuses)
        reasons = _unique("reason", (r.code for r in self.reasons), self.reasons)
        channels = _unique("channel", (c.name for c in self.channels), self.channels)
        queues = _unique("queue", (q.name for q in self.queues), self.queues)
        _check_statuses(self, by_name, reasons, channels)
        _check_timers(self, by_name)
        object.__setattr__(self, "_queue_by_name", queues)
        object.__setattr__(self, "_routable",
                           frozenset(s.name for s in self.statuses if s.routable))
        object.__setattr__(self, "_limited", frozenset(
            r.code for r in self.reasons if r.daily_allotment is not None
            or r.max_per_day is not None or r.max_length is not None))
        blocked: dict[str, list[str]] = {}
        for rule in self.blocking:
            for name in (rule.when, *rule.blocks):
                if name not in channels:
                    raise PolicyError(f"blocking rule names unknown channel {name!r}",
                                      culprit=name)
            for target in rule.blocks:
                blocked.setdefault(target, []).append(rule.when)
        object.__setattr__(self, "_blocked_by", {k: tuple(v) for k, v in blocked.items()})
        object.__setattr__(self, "_by_name", by_name)
        object.__setattr__(self, "_reason_by_code", reasons)
        object.__setattr__(self, "_channel_by_name", channels)
        object.__setattr__(self, "_engine", Engine(self))

    # -- look-ups ------------------------------------------------------------------------------

    def status(self, name: str) -> Status:
        """The status called ``name``; ``KeyError`` if there is none."""
        return self._by_name[name]

    def has_status(self, name: str) -> bool:
        return name in self._by_name

    def is_routable(self, name: str) -> bool:
        """Whether the status ``name`` takes queue work."""
        return name in self._routable

    def reason(self, code: str) -> PauseReason:
        """The pause reason with ``code``; ``KeyError`` if there is none."""
        return self._reason_by_code[code]

    def channel(self, name: str) -> Channel:
        """The channel called ``name``; ``KeyError`` if there is none."""
        return self._channel_by_name[name]

    def has_channel(self, name: str) -> bool:
        return name in self._channel_by_name

    def strategy(self, queue: str) -> Strategy:
        """The ordering strategy of ``queue`` (longest idle unless the queue says otherwise)."""
        found = self._queue_by_name.get(queue)
        return found.strategy if found is not None else Strategy.LONGEST_IDLE

    def blocked_by(self, channel: str) -> tuple[str, ...]:
        """The channels whose open work blocks new work on ``channel``."""
        return self._blocked_by.get(channel, ())

    def queue_wrap_up(self, queue: str | None) -> WrapUp:
        """The wrap-up for ``queue``'s interactions: its own, or the policy's."""
        found = self._queue_by_name.get(queue) if queue is not None else None
        if found is not None and found.wrap_up is not None:
            return found.wrap_up
        return self.wrap_up

    def limited(self, reason: str | None) -> bool:
        """Whether ``reason`` has any daily or per-pause limit."""
        return reason in self._limited

    def allowed(self, source: str, dest: str) -> frozenset[Role]:
        """Who may change an agent from ``source`` to ``dest`` (empty: nobody)."""
        return self._engine.allowed(source, dest)

    def destinations(self, source: str, role: Role) -> frozenset[str]:
        """The statuses ``role`` may move an agent to from ``source``."""
        return self._engine.destinations(source, role)

    @property
    def engine(self) -> Engine:
        """The compiled transition table (read from the policy's ``transitions`` machine)."""
        return self._engine


def _unique(kind: str, names: Iterable[str], items: tuple[Any, ...]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for name, item in zip(names, items, strict=True):
        if name in seen:
            raise PolicyError(f"duplicate {kind} {name!r}", culprit=name)
        seen[name] = item
    return seen


_RESERVED = frozenset({"*", "="})
"""Names the transitions engine reads as markers (every state, the same state)."""


def _check_statuses(policy: Policy, by_name: dict[str, Status], reasons: dict[str, PauseReason],
                    channels: dict[str, Channel]) -> None:
    for name in by_name:
        if name in _RESERVED:
            raise PolicyError(f"{name!r} cannot name a status: it is reserved for transition "
                              "sources ('*' means every status)", culprit=name)
    if not by_name:
        raise PolicyError("a policy needs at least one status besides logged out",
                          culprit="statuses")
    for field in ("logged_out", "login_status"):
        name = getattr(policy, field)
        if name not in by_name:
            raise PolicyError(f"{field} names unknown status {name!r}", culprit=name)
    if by_name[policy.logged_out].routable:
        raise PolicyError(f"the logged-out status {policy.logged_out!r} cannot be routable",
                          culprit=policy.logged_out)
    if policy.login_status == policy.logged_out:
        raise PolicyError("login_status cannot be the logged-out status",
                          culprit=policy.login_status)
    for status in by_name.values():
        for code in status.reasons:
            if code not in reasons:
                raise PolicyError(f"status {status.name!r} takes unknown reason {code!r}",
                                  culprit=code)
        if status.reason_required and not status.reasons:
            raise PolicyError(f"status {status.name!r} requires a reason but takes none",
                              culprit=status.name)
    for channel in channels.values():
        if channel.capacity < 1:
            raise PolicyError(
                f"channel {channel.name!r} capacity must be at least 1, got {channel.capacity}",
                culprit=channel.name)
    for reason in reasons.values():
        for field in ("daily_allotment", "max_length"):
            limit = getattr(reason, field)
            if limit is not None and limit <= timedelta(0):
                raise PolicyError(f"reason {reason.code!r}: {field} must be positive, "
                                  f"got {limit}", culprit=reason.code)
        if reason.max_per_day is not None and reason.max_per_day < 1:
            raise PolicyError(f"reason {reason.code!r}: max_per_day must be at least 1, "
                              f"got {reason.max_per_day}", culprit=reason.code)
    for transition in policy.transitions:
        for end in (transition.source, transition.dest):
            if end != ANY and end not in by_name:
                raise PolicyError(
                    f"transition {transition.source!r} -> {transition.dest!r} names unknown "
                    f"status {end!r}", culprit=end)
        if transition.dest == ANY:
            raise PolicyError("a transition's dest cannot be '*'", culprit=transition.dest)
        if transition.by is not None:
            extra = transition.by - _selectable(by_name[transition.dest])
            if extra:
                names = ", ".join(sorted(r.value for r in extra))
                raise PolicyError(
                    f"transition {transition.source!r} -> {transition.dest!r} lets {names} "
                    f"perform it, but {transition.dest!r} is not selectable by {names}",
                    culprit=f"{transition.source}->{transition.dest}")


def _check_timers(policy: Policy, by_name: dict[str, Status]) -> None:
    timers = policy.timers
    for field in ("offer_timeout", "no_answer_delay", "reject_delay", "busy_delay"):
        value = getattr(timers, field)
        if value is not None and value <= timedelta(0):
            raise PolicyError(f"timers.{field} must be positive, got {value}", culprit=field)
    if timers.max_no_answer is not None:
        if timers.max_no_answer < 1:
            raise PolicyError(f"timers.max_no_answer must be at least 1, got "
                              f"{timers.max_no_answer}", culprit="max_no_answer")
        if timers.no_answer_status is None:
            raise PolicyError("timers.max_no_answer needs a no_answer_status to move to",
                              culprit="no_answer_status")
    moves = [("timers.no_answer_status", timers.no_answer_status, timers.no_answer_reason),
             ("timers.reject_status", timers.reject_status, timers.reject_reason),
             ("overrun_status", policy.overrun_status, None)]
    moves.extend((f"status {s.name!r} then", s.then, None) for s in by_name.values())
    for label, dest, reason in moves:
        if dest is None:
            continue
        if dest not in by_name:
            raise PolicyError(f"{label} names unknown status {dest!r}", culprit=dest)
        if dest == policy.logged_out:
            raise PolicyError(f"{label} cannot be the logged-out status", culprit=dest)
        if reason is not None and reason not in by_name[dest].reasons:
            raise PolicyError(f"{label} gives reason {reason!r}, which {dest!r} does not take",
                              culprit=reason)
    for status in by_name.values():
        if (status.interaction_limit is None) != (status.then is None):
            raise PolicyError(f"status {status.name!r}: interaction_limit and then go together",
                              culprit=status.name)
        if status.interaction_limit is not None and status.interaction_limit < 1:
            raise PolicyError(f"status {status.name!r}: interaction_limit must be at least 1",
                              culprit=status.name)
    for wrap in [policy.wrap_up, *(q.wrap_up for q in policy.queues if q.wrap_up)]:
        timed = wrap.mode in (WrapUpMode.TIMED, WrapUpMode.OPTIONAL)
        if timed and wrap.length <= timedelta(0):
            raise PolicyError(f"wrap-up mode {wrap.mode.value} needs a positive length",
                              culprit="wrap_up")


def _selectable(status: Status) -> frozenset[Role]:
    """Who may select ``status``: the system may always move agents."""
    return status.selectable_by | {Role.SYSTEM}
