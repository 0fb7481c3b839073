"""The policy: one call centre's rules, as a frozen and validated value.

A policy names the statuses an agent can be in, which changes between them are allowed and by
whom, the pause reasons each status takes, and the channels agents work on. Building one checks
it whole and raises :class:`PolicyError` naming the culprit; a policy that exists is valid.

The allowed transitions are stated once, here, and every check of a policy is made here.
:mod:`agentstate._engine` compiles the checked status names and roles into a ``transitions``
machine (one per policy) and reads its lookup table back from that machine. The values a policy
is made of (:class:`Status`, :class:`Role`, :class:`Timers`, ...) are defined in
:mod:`agentstate._policy_parts`, below both, and importable from here.

Its length has one reason to change: what makes a policy valid. Every validation lives here, in one
place (issue 18), with the policy's own look-ups.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

import attrs

from ._engine import Engine, reachable
from ._errors import PolicyError
from ._policy_parts import (
    ANY,
    Blocking,
    BusyChange,
    Channel,
    ChannelGroup,
    DayRule,
    Direction,
    PauseReason,
    Queue,
    Role,
    Status,
    Strategy,
    Timers,
    Transition,
    WrapUp,
    WrapUpMode,
    selectable,
    to_directions,
    to_tuple,
)

__all__ = [
    "ANY",
    "AutoMove",
    "Blocking",
    "BusyChange",
    "Channel",
    "ChannelGroup",
    "DayRule",
    "Direction",
    "MoveKind",
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
    "automatic_moves",
]

class MoveKind(enum.Enum):
    """Why the system moves an agent by itself."""

    NO_ANSWER = "no_answer"
    """``timers.max_no_answer`` queue offers missed in a row (to ``timers.no_answer_status``)."""
    REJECT = "reject"
    """A queue offer rejected (to ``timers.reject_status``)."""
    OVERRUN = "overrun"
    """A pause outran its reason's limit (to ``overrun_status``)."""
    INTERACTION_LIMIT = "interaction_limit"
    """A status's ``interaction_limit`` reached (to its ``then``), e.g. single call."""


@attrs.frozen(kw_only=True)
class AutoMove:
    """A move the system makes by itself, as a policy configures it.

    Attributes:
        kind: why it happens.
        setting: the policy field that names the destination, for messages.
        dest: where it moves the agent.
        reason: the reason it gives (``None``: the destination's only reason, if it has one).
        sources: the statuses it may move an agent from: routable ones for misses and rejects,
            those taking a limited reason for an overrun, the status itself for its ``then``.
        armed: whether the policy lets it happen at all (a ``no_answer_status`` without a
            ``max_no_answer`` never moves anyone).
    """

    kind: MoveKind
    setting: str
    dest: str
    reason: str | None
    sources: tuple[str, ...]
    armed: bool = True


def automatic_moves(policy: Policy) -> tuple[AutoMove, ...]:
    """Every move the system may make by itself under ``policy``: the one list that policy
    validation, the engine's check and :func:`agentstate.lint` all read.

    It reads the policy's own fields only, so it works while the policy is being checked.
    """
    timers = policy.timers
    routable = tuple(s.name for s in policy.statuses if s.routable)
    limited = {r.code for r in policy.reasons if _has_limit(r)}
    moves: list[AutoMove] = []
    if timers.no_answer_status is not None:
        moves.append(AutoMove(kind=MoveKind.NO_ANSWER, setting="timers.no_answer_status",
                              dest=timers.no_answer_status, reason=timers.no_answer_reason,
                              sources=routable, armed=timers.max_no_answer is not None))
    if timers.reject_status is not None:
        moves.append(AutoMove(kind=MoveKind.REJECT, setting="timers.reject_status",
                              dest=timers.reject_status, reason=timers.reject_reason,
                              sources=routable))
    if policy.overrun_status is not None:
        paused = tuple(s.name for s in policy.statuses if any(r in limited for r in s.reasons))
        moves.append(AutoMove(kind=MoveKind.OVERRUN, setting="overrun_status",
                              dest=policy.overrun_status, reason=None, sources=paused))
    moves.extend(AutoMove(kind=MoveKind.INTERACTION_LIMIT, setting=f"status {s.name!r} then",
                          dest=s.then, reason=None, sources=(s.name,))
                 for s in policy.statuses if s.then is not None)
    return tuple(moves)


def _has_limit(reason: PauseReason) -> bool:
    return (reason.daily_allotment is not None or reason.max_per_day is not None
            or reason.max_length is not None)


_NO_WRAP_UP = WrapUp()
_NO_TIMERS = Timers()
_CALENDAR_DAY_UTC = DayRule()


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
        groups: channels sharing one pool of slots per agent (seed 004's live, offline and
            email slots), besides each channel's own capacity.
        wrap_up_directions: which interactions are followed by post-processing: queue work
            only by default; add ``Direction.DIRECT`` and ``Direction.OUTBOUND`` for after-call
            work after direct and outbound interactions too.
        stop_new_channels: the channels whose interactions allow Stop New (seed 001: "only
            visible when the agent is handling a chat interaction"): :class:`StopNew` is
            refused unless the agent has one of them connected, and Stop New clears by itself
            when the last one ends. ``None``: Stop New is available at any time.

    Raises:
        PolicyError: the policy is inconsistent; ``culprit`` names what is at fault.
    """

    name: str = "policy"
    statuses: tuple[Status, ...] = attrs.field(converter=to_tuple)
    transitions: tuple[Transition, ...] = attrs.field(converter=to_tuple)
    logged_out: str = "logged_out"
    login_status: str = "available"
    reasons: tuple[PauseReason, ...] = attrs.field(default=(), converter=to_tuple)
    channels: tuple[Channel, ...] = attrs.field(
        default=(Channel(name="voice"),), converter=to_tuple)
    while_busy: BusyChange = BusyChange.DEFER
    wrap_up: WrapUp = _NO_WRAP_UP
    queues: tuple[Queue, ...] = attrs.field(default=(), converter=to_tuple)
    timers: Timers = _NO_TIMERS
    day: DayRule = _CALENDAR_DAY_UTC
    overrun_status: str | None = None
    blocking: tuple[Blocking, ...] = attrs.field(default=(), converter=to_tuple)
    agents_manage_queues: bool = False
    groups: tuple[ChannelGroup, ...] = attrs.field(default=(), converter=to_tuple)
    wrap_up_directions: frozenset[Direction] = attrs.field(
        default=frozenset({Direction.QUEUE}), converter=to_directions)
    stop_new_channels: tuple[str, ...] | None = attrs.field(
        default=None, converter=attrs.converters.optional(to_tuple))
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
    _group_of: dict[str, ChannelGroup] = attrs.field(
        init=False, repr=False, eq=False, hash=False)

    def __attrs_post_init__(self) -> None:
        by_name = _unique("status", (s.name for s in self.statuses), self.statuses)
        reasons = _unique("reason", (r.code for r in self.reasons), self.reasons)
        channels = _unique("channel", (c.name for c in self.channels), self.channels)
        queues = _unique("queue", (q.name for q in self.queues), self.queues)
        _check_statuses(self, by_name, reasons, channels)
        _check_timers(self, by_name)
        object.__setattr__(self, "_queue_by_name", queues)
        object.__setattr__(self, "_routable",
                           frozenset(s.name for s in self.statuses if s.routable))
        object.__setattr__(self, "_limited",
                           frozenset(r.code for r in self.reasons if _has_limit(r)))
        blocked: dict[str, list[str]] = {}
        for rule in self.blocking:
            for name in (rule.when, *rule.blocks):
                if name not in channels:
                    raise PolicyError(f"blocking rule names unknown channel {name!r}",
                                      culprit=name)
            for target in rule.blocks:
                blocked.setdefault(target, []).append(rule.when)
        if self.stop_new_channels is not None:
            if not self.stop_new_channels:
                raise PolicyError("stop_new_channels names no channel (None: Stop New at any "
                                  "time)", culprit="stop_new_channels")
            for name in self.stop_new_channels:
                if name not in channels:
                    raise PolicyError(f"stop_new_channels names unknown channel {name!r}",
                                      culprit=name)
        object.__setattr__(self, "_blocked_by", {k: tuple(v) for k, v in blocked.items()})
        object.__setattr__(self, "_group_of", _check_groups(self.groups, channels))
        object.__setattr__(self, "_by_name", by_name)
        object.__setattr__(self, "_reason_by_code", reasons)
        object.__setattr__(self, "_channel_by_name", channels)
        names = [s.name for s in self.statuses]
        engine = Engine(names, _expand(self, names, by_name), initial=self.logged_out)
        _check_graph(self, names, engine)
        _check_system_moves(self, engine)
        object.__setattr__(self, "_engine", engine)

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

    def group_of(self, channel: str) -> ChannelGroup | None:
        """The group whose pool of slots ``channel`` draws on, or ``None``."""
        return self._group_of.get(channel)

    def group(self, name: str) -> ChannelGroup:
        """The channel group called ``name``; ``KeyError`` if there is none."""
        for group in self.groups:
            if group.name == name:
                return group
        raise KeyError(name)

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


def _check_groups(groups: tuple[ChannelGroup, ...], channels: dict[str, Channel]
                  ) -> dict[str, ChannelGroup]:
    """Each channel in at most one group; group names distinct from channels' and each other's."""
    _unique("channel group", (g.name for g in groups), groups)
    found: dict[str, ChannelGroup] = {}
    for group in groups:
        if group.name in channels:
            raise PolicyError(f"channel group {group.name!r} has the name of a channel; "
                              "expected a name of its own", culprit=group.name)
        if group.capacity < 1:
            raise PolicyError(f"channel group {group.name!r} capacity must be at least 1, got "
                              f"{group.capacity}", culprit=group.name)
        if not group.channels:
            raise PolicyError(f"channel group {group.name!r} has no channels; expected at "
                              "least one", culprit=group.name)
        for name in group.channels:
            if name not in channels:
                raise PolicyError(f"channel group {group.name!r} names unknown channel "
                                  f"{name!r}", culprit=group.name)
            if name in found:
                raise PolicyError(f"channel {name!r} is in groups {found[name].name!r} and "
                                  f"{group.name!r}; expected one group at most",
                                  culprit=group.name)
            found[name] = group
    return found


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
            extra = transition.by - selectable(by_name[transition.dest])
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
    for move in automatic_moves(policy):
        label, dest, reason = move.setting, move.dest, move.reason
        if dest not in by_name:
            raise PolicyError(f"{label} names unknown status {dest!r}", culprit=dest)
        if dest == policy.logged_out:
            raise PolicyError(f"{label} cannot be the logged-out status", culprit=dest)
        if reason is not None and reason not in by_name[dest].reasons:
            raise PolicyError(f"{label} gives reason {reason!r}, which {dest!r} does not take",
                              culprit=reason)
        if (move.kind is MoveKind.NO_ANSWER and reason is None and by_name[dest].reasons
                and move.armed):
            raise PolicyError(
                f"{label} {dest!r} takes reasons ({', '.join(by_name[dest].reasons)}): a "
                "missed-call auto-pause must say why, set timers.no_answer_reason",
                culprit="no_answer_reason")
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


def _expand(policy: Policy, names: list[str], by_name: dict[str, Status]
            ) -> list[tuple[str, str, frozenset[Role]]]:
    """The transitions as ``(source, dest, roles)``: ``*`` spelt out, default roles filled in.

    Raises:
        PolicyError: the same change is declared twice (``*`` may overlap a named source).
    """
    edges: list[tuple[str, str, frozenset[Role]]] = []
    seen: set[tuple[str, str]] = set()
    for t in policy.transitions:
        roles = t.by if t.by is not None else selectable(by_name[t.dest])
        sources = [n for n in names if n != t.dest] if t.source == ANY else [t.source]
        for source in sources:
            if t.source != ANY and (source, t.dest) in seen:
                raise PolicyError(f"duplicate transition {source!r} -> {t.dest!r}",
                                  culprit=f"{source}->{t.dest}")
            seen.add((source, t.dest))
            edges.append((source, t.dest, roles))
    return edges


def _check_graph(policy: Policy, names: list[str], engine: Engine) -> None:
    if not engine.allowed(policy.logged_out, policy.login_status):
        raise PolicyError(
            f"no way to log in: no transition {policy.logged_out!r} -> "
            f"{policy.login_status!r}", culprit=policy.login_status)
    pairs = [(source, dest) for source, dest, _ in engine.edges]
    forward = reachable([policy.logged_out], pairs)
    for name in names:
        if name not in forward:
            raise PolicyError(f"status {name!r} is unreachable from {policy.logged_out!r}",
                              culprit=name)
    back = reachable([policy.logged_out], pairs, reverse=True)
    for name in names:
        if name not in back:
            raise PolicyError(f"no way to log out from status {name!r}: no path to "
                              f"{policy.logged_out!r}", culprit=name)


def _check_system_moves(policy: Policy, engine: Engine) -> None:
    """Every automatic move the policy configures must be a transition the system may take."""
    for move in automatic_moves(policy):
        for source in move.sources:
            if source != move.dest and Role.SYSTEM not in engine.allowed(source, move.dest):
                raise PolicyError(
                    f"{move.setting}: the system must be allowed {source!r} -> {move.dest!r}; "
                    "add that transition", culprit=f"{source}->{move.dest}")
