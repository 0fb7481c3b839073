"""The small values a policy is made of: roles, statuses, transitions, reasons, timers, ...

Each is a frozen, keyword-only value that checks its own fields. They sit below both
:mod:`agentstate._policy` (which puts them together into a :class:`~agentstate.Policy` and
checks the whole) and :mod:`agentstate._engine` (which compiles status names and roles into a
transition table), so neither of those needs the other's internals. Import them from
:mod:`agentstate` or :mod:`agentstate._policy`; this module is where they are defined.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

import attrs

from ._errors import PolicyError

__all__ = [
    "ANY",
    "Blocking",
    "BusyChange",
    "Channel",
    "ChannelGroup",
    "DayRule",
    "Direction",
    "PauseReason",
    "Queue",
    "Role",
    "Status",
    "Strategy",
    "Timers",
    "Transition",
    "WrapUp",
    "WrapUpMode",
    "selectable",
    "to_directions",
    "to_tuple",
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


class Direction(enum.Enum):
    """Where an interaction comes from: the three kinds reports count apart."""

    QUEUE = "queue"
    """Inbound queue work, offered by a queue (:class:`~agentstate.InteractionOffered` with a
    ``queue``)."""
    DIRECT = "direct"
    """Inbound to the agent's own extension or address, not through a queue (seed 000: "Will
    still receive calls directly to your extension")."""
    OUTBOUND = "outbound"
    """Started by the agent (:class:`~agentstate.InteractionStarted`)."""


def to_directions(value: Iterable[Direction | str]) -> frozenset[Direction]:
    return frozenset(Direction(v) for v in value)


def _roles(value: Iterable[Role | str]) -> frozenset[Role]:
    return frozenset(Role(v) for v in value)


def to_tuple(value: Iterable[Any]) -> tuple[Any, ...]:
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
    reasons: tuple[str, ...] = attrs.field(default=(), converter=to_tuple)
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
    blocks: tuple[str, ...] = attrs.field(converter=to_tuple)


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




def selectable(status: Status) -> frozenset[Role]:
    """Who may select ``status``: the system may always move agents."""
    return status.selectable_by | {Role.SYSTEM}


@attrs.frozen(kw_only=True)
class ChannelGroup:
    """Channels that share one pool of slots per agent (seed 004: "the total number of slots
    available for live channels").

    ``ChannelGroup(name="live", channels=("voice", "chat"), capacity=3)``: two chats and one call
    fill the pool, so no further chat nor call, whatever each channel's own capacity says. A
    channel belongs to at most one group; its own capacity still applies inside the pool. A
    supervisor overrides the pool per agent with ``SetChannel(channel="live", capacity=...)``.

    Attributes:
        name: the pool's name (not a channel's name), as explanations and the team view show it.
        channels: the channels drawing on the pool.
        capacity: the slots an agent has in the pool by default.
    """

    name: str = attrs.field(validator=_name)
    channels: tuple[str, ...] = attrs.field(converter=to_tuple)
    capacity: int = 1
