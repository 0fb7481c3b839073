"""The rules: how one event changes one agent. Everything that decides state lives here.

Theory of operation
-------------------
:func:`step` is a pure function ``(policy, state, event, at) -> (state', change)``. It reads
nothing but its arguments: no clock, no store. It either returns the agent's next state with the
history entry that records it, or raises a typed error and returns nothing, so a refused event
cannot change anything. The tracker does the I/O around it (clock, store, idempotency, firing
due timers); replaying an agent's history is folding :func:`step` over the recorded events.

Every event goes through the same checks, in this order:

1. **who**: the actor's role may perform this kind of event, and an agent acts only on itself;
2. **whether**: the event fits the agent's situation (logged in, the interaction exists, ...);
3. **where to**: for status changes, the policy's transition table allows ``actor.role`` to go
   from the current status to the new one, the reason fits the new status, and the reason's
   daily limits are not used up (a supervisor may override them).

Then :func:`_finish` settles the draft the same way for every event:

- a **pending** status change (asked for while busy, or set by a single-call status) is applied
  as soon as the agent is free: no open interaction and no post-processing;
- leaving a pause in a limited reason records the pause span (for allotments); entering one sets
  the **pause-limit deadline** (a pause a supervisor forced past its limit is overrun from its
  start and never moved automatically);
- the **occupation** is derived, never set: on interaction, offered, wrap-up, missed (a delay),
  or idle, in that order of precedence.

Timers are deadlines in the state. When one falls due the tracker applies a
:class:`~agentstate.TimerFired` event at the deadline's own time, through this same function.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import Any

import attrs
import pendulum

from . import _ledger
from ._eligibility import blocker, capacity, describe
from ._errors import (
    AgentExists,
    ConflictError,
    InvalidEvent,
    InvalidTransition,
    LimitReached,
    NotEligible,
    NotPermitted,
    UnknownReason,
    UnknownStatus,
)
from ._events import (
    SYSTEM,
    Actor,
    CancelPending,
    Configure,
    EndWrapUp,
    Event,
    ForceLogout,
    ForceStatus,
    InteractionAnswered,
    InteractionEnded,
    InteractionMissed,
    InteractionOffered,
    InteractionRejected,
    JoinQueue,
    LeaveQueue,
    Login,
    Logout,
    PauseQueue,
    Register,
    ResumeNew,
    ResumeQueue,
    SetChannel,
    SetStatus,
    StopNew,
    TimerFired,
)
from ._policy import BusyChange, DayRule, Policy, Role, WrapUpMode
from ._state import (
    AgentState,
    Change,
    ChannelSetting,
    Deadline,
    Interaction,
    InteractionState,
    Membership,
    Notice,
    NoticeKind,
    Occupation,
    PauseSpan,
    Pending,
    Session,
    Timer,
    build_change,
    build_interaction,
    build_membership,
    build_state,
)
from ._time import shift

__all__ = ["actor_of", "notices", "register", "step"]

_ANYONE = frozenset(Role)
_SYSTEM_ONLY = frozenset({Role.SYSTEM})
_SUPERVISOR_ONLY = frozenset({Role.SUPERVISOR})
_AGENT_OR_SYSTEM = frozenset({Role.AGENT, Role.SYSTEM})
_MANAGERS = frozenset({Role.SYSTEM, Role.SUPERVISOR})

Handler = Callable[[Policy, AgentState, "_Draft", Any, datetime, Actor], None]


def actor_of(event: Event) -> Actor:
    """The event's actor, or its default: the agent itself, the system or (missing) supervisor."""
    if event.actor is not None:
        return event.actor
    if event.default_role is Role.AGENT:
        return _agent_actor(event.agent)
    return SYSTEM


@functools.lru_cache(maxsize=1 << 16)
def _agent_actor(agent: str) -> Actor:
    """The agent as its own actor (values are equal either way; caching saves the build)."""
    return Actor(Role.AGENT, agent)


def register(policy: Policy, existing: AgentState | None, event: Register, at: datetime
             ) -> tuple[AgentState, Change]:
    """A new agent, logged out, at version 1."""
    actor = actor_of(event)
    if existing is not None:
        raise AgentExists(event.agent)
    _check_actor(event, actor, _MANAGERS, event.agent)
    # Positional, in declaration order (see _state.py): the fields after updated_at default.
    state = build_state(event.agent, 1, policy.logged_out, None,
                        at, Occupation.IDLE, at, at)
    change = build_change(event.agent, 1, at, actor, event,
                          None, policy.logged_out,      # from_status, to_status
                          None, None,                   # from_reason, to_reason
                          None, Occupation.IDLE,        # from_occupation, to_occupation
                          event.event_id)               # note and tags default
    return state, change


def step(policy: Policy, state: AgentState, event: Event, at: datetime
         ) -> tuple[AgentState, Change]:
    """Apply ``event`` to ``state`` at ``at``: the next state and its history entry.

    Raises:
        AgentStateError: the event is refused; nothing is returned, nothing changed.
    """
    try:
        handler, roles = _HANDLERS[type(event)]
    except KeyError:
        raise InvalidEvent(agent=state.agent, event=event,
                           why=f"{type(event).__name__} is not an event agentstate applies "
                               "to a registered agent") from None
    actor = actor_of(event)
    _check_actor(event, actor, roles, state.agent)
    if event.expected_version is not None and event.expected_version != state.version:
        raise ConflictError(agent=state.agent, expected=event.expected_version,
                            actual=state.version)
    draft = _Draft(state)
    handler(policy, state, draft, event, at, actor)
    return _finish(policy, state, draft, event, at, actor)


class _Draft:
    """The next state while an event is being applied (mutable, private to one step)."""

    __slots__ = ("channels", "deadlines", "handled", "interactions", "memberships",
                 "missed_in_a_row", "notes", "overrun_at", "pauses", "pending", "reason",
                 "session", "status", "stop_new", "tags", "timezone", "wrap_up",
                 "wrap_up_mode")

    def __init__(self, state: AgentState) -> None:
        self.status = state.status
        self.reason = state.reason
        self.session = state.session
        self.interactions = state.interactions
        self.deadlines = state.deadlines
        self.wrap_up_mode = state.wrap_up_mode
        self.pending = state.pending
        self.missed_in_a_row = state.missed_in_a_row
        self.handled = state.handled
        self.pauses = state.pauses
        self.overrun_at = state.overrun_at
        self.wrap_up = state.wrap_up
        self.timezone = state.timezone
        self.memberships = state.memberships
        self.channels = state.channels
        self.stop_new = state.stop_new
        self.notes: list[str] | None = None
        self.tags: list[str] | None = None

    @property
    def busy(self) -> bool:
        return bool(self.interactions) or self.wrap_up_mode is not None

    def move(self, status: str, reason: str | None) -> None:
        self.status, self.reason = status, reason

    def note(self, tag: str | None, text: str) -> None:
        if tag is not None:
            if self.tags is None:
                self.tags = []
            self.tags.append(tag)
        if self.notes is None:
            self.notes = []
        self.notes.append(text)

    def tagged(self, tag: str) -> bool:
        return self.tags is not None and tag in self.tags

    def drop_deadlines(self, timer: Timer, ref: str | None = None) -> None:
        if self.deadlines:
            self.deadlines = tuple(d for d in self.deadlines
                                   if not (d.timer is timer and (ref is None or d.ref == ref)))

    def add_deadline(self, deadline: Deadline) -> None:
        self.deadlines = tuple(sorted((*self.deadlines, deadline)))


# -- checks ------------------------------------------------------------------------------------


def _check_actor(event: Event, actor: Actor, roles: frozenset[Role], agent: str) -> None:
    if actor.role not in roles:
        names = " or ".join(sorted(r.value for r in roles))
        raise NotPermitted(agent=agent, actor=actor, event=event,
                           why=f"{type(event).__name__} is for the {names} only")
    if actor.role is Role.AGENT and actor.id != agent:
        raise NotPermitted(agent=agent, actor=actor, event=event,
                           why="an agent acts only on itself")


def _check_logged_in(state: AgentState, event: Event) -> None:
    if state.session is None:
        raise InvalidEvent(agent=state.agent, event=event,
                           why=f"{type(event).__name__} refused: the agent is not logged in")


def _check_move(policy: Policy, state: AgentState, dest: str, actor: Actor, event: Event
                ) -> None:
    roles = policy.allowed(state.status, dest)
    if actor.role in roles:
        return
    if not roles:
        raise InvalidTransition(agent=state.agent, source=state.status, dest=dest, event=event)
    names = " or ".join(sorted(r.value for r in roles))
    raise NotPermitted(agent=state.agent, actor=actor, event=event,
                       why=f"{state.status!r} -> {dest!r} is for the {names} only")


def _check_status(policy: Policy, state: AgentState, name: str, event: Event) -> None:
    if not policy.has_status(name):
        raise UnknownStatus(agent=state.agent, status=name, event=event)


def _pick_reason(policy: Policy, state: AgentState, dest: str, reason: str | None,
                 event: Event) -> str | None:
    """The reason the agent will have in ``dest``: checked, or implied when there is one."""
    status = policy.status(dest)
    if reason is None:
        if len(status.reasons) == 1:
            return status.reasons[0]
        if status.reason_required:
            raise UnknownReason(
                f"agent {state.agent!r}: status {dest!r} needs a reason, one of "
                f"{', '.join(status.reasons)}", agent=state.agent, status=dest, reason=None,
                event=event)
        return None
    if reason not in status.reasons:
        takes = ", ".join(status.reasons) if status.reasons else "none"
        raise UnknownReason(
            f"agent {state.agent!r}: status {dest!r} does not take reason {reason!r} "
            f"(it takes: {takes})", agent=state.agent, status=dest, reason=reason, event=event)
    return reason


def _check_limits(policy: Policy, state: AgentState, draft: _Draft, reason: str | None,
                  event: Event, at: datetime) -> None:
    """Refuse a pause whose reason's daily limit is used up, unless a supervisor forces it."""
    if reason is None or not policy.limited(reason):
        return
    spans = state.pauses
    if state.reason is not None:
        spans = (*spans, PauseSpan(reason=state.reason, start=state.since, end=at))
    refused = _ledger.refusal(policy, reason, spans, at, state.timezone)
    if refused is None:
        return
    limit, used = refused
    if isinstance(event, ForceStatus):
        draft.note("override", f"override of {reason} {limit.replace('_', ' ')} ({used})")
        return
    raise LimitReached(agent=state.agent, reason=reason, limit=limit, used=used, event=event)


def _find(state: AgentState, event: Event, interaction: str, *, ringing: bool | None
          ) -> Interaction:
    """The open interaction; ``ringing`` requires it offered (True) or connected (False)."""
    item = state.interaction(interaction)
    if item is None:
        raise InvalidEvent(agent=state.agent, event=event,
                           why=f"no open interaction {interaction!r}")
    if ringing is not None and (item.state is InteractionState.OFFERED) != ringing:
        raise InvalidEvent(agent=state.agent, event=event,
                           why=f"interaction {item.id!r} is {item.state.value}, not "
                               f"{'offered' if ringing else 'connected'}")
    return item


# -- settling: the one way to build the next state ---------------------------------------------


def _occupation(draft: _Draft) -> Occupation:
    if draft.interactions:
        for item in draft.interactions:
            if item.state is InteractionState.CONNECTED:
                return Occupation.ON_INTERACTION
        return Occupation.OFFERED
    if draft.wrap_up_mode is not None:
        return Occupation.WRAP_UP
    for deadline in draft.deadlines:
        if deadline.timer is Timer.DELAY:
            return Occupation.MISSED
    return Occupation.IDLE


def _apply_pending(policy: Policy, draft: _Draft) -> None:
    pending = draft.pending
    if pending is None or draft.busy:
        return
    draft.pending = None
    if pending.actor.role not in policy.allowed(draft.status, pending.status):
        draft.note("pending_dropped", f"pending {pending.status!r} dropped: no longer allowed "
                                      f"from {draft.status!r}")
        return
    draft.move(pending.status, pending.reason)
    if pending.status == policy.logged_out:
        draft.session = None
    draft.note("pending_applied", f"pending {pending.status!r} applied, asked by "
                                  f"{pending.actor} at {pending.requested_at.isoformat()}")


def _finish(policy: Policy, state: AgentState, draft: _Draft, event: Event, at: datetime,
            actor: Actor) -> tuple[AgentState, Change]:
    _apply_pending(policy, draft)
    if draft.session is None:
        draft.interactions, draft.deadlines, draft.wrap_up_mode = (), (), None
        draft.pending = None
    moved = draft.status != state.status or draft.reason != state.reason
    if moved:
        draft.handled = 0
        draft.overrun_at = None
        draft.drop_deadlines(Timer.PAUSE_LIMIT)
        if state.reason is not None and policy.limited(state.reason):
            span = PauseSpan(reason=state.reason, start=state.since, end=at)
            draft.pauses = _ledger.keep_recent((*draft.pauses, span), at)
        if draft.reason is not None and draft.session is not None and policy.limited(
                draft.reason):
            if draft.tagged("override"):
                draft.overrun_at = at  # forced past its limit: overrun from the start, kept
            else:
                due = _ledger.limit_deadline(policy, draft.reason, draft.pauses, at, at,
                                             draft.timezone)
                if due is not None:
                    draft.add_deadline(Deadline(at=due, timer=Timer.PAUSE_LIMIT))
    occupation = _occupation(draft)
    version = state.version + 1
    # Positional, in declaration order (see _state.py): attrs' keyword __init__ costs twice
    # as much, and this is every event's price.
    new = build_state(
        state.agent, version, draft.status, draft.reason,
        at if moved else state.since,                                          # since
        occupation,
        at if occupation is not state.occupation else state.occupation_since,  # ..._since
        at,                                                                    # updated_at
        draft.session, draft.interactions, draft.deadlines, draft.wrap_up_mode, draft.pending,
        draft.missed_in_a_row, draft.handled, draft.pauses, draft.overrun_at, draft.wrap_up,
        draft.timezone, draft.memberships, draft.channels, draft.stop_new)
    change = build_change(
        state.agent, version, at, actor, event,
        state.status, draft.status,                        # from_status, to_status
        state.reason, draft.reason,                        # from_reason, to_reason
        state.occupation, occupation,                      # from_occupation, to_occupation
        event.event_id,
        "; ".join(draft.notes) if draft.notes else None,   # note
        tuple(draft.tags) if draft.tags else ())           # tags
    return new, change


# -- status events -------------------------------------------------------------------------------


def _login(policy: Policy, state: AgentState, draft: _Draft, event: Login, at: datetime,
           actor: Actor) -> None:
    if state.session is not None:
        raise InvalidEvent(agent=state.agent, event=event,
                           why=f"already logged in (status {state.status!r})")
    dest = event.status if event.status is not None else policy.login_status
    _check_status(policy, state, dest, event)
    _check_move(policy, state, dest, actor, event)
    reason = _pick_reason(policy, state, dest, None, event)
    _check_limits(policy, state, draft, reason, event, at)
    draft.move(dest, reason)
    draft.session = Session(login_at=at, device=event.device, queues=event.queues)
    draft.missed_in_a_row = 0
    joined = {m.queue for m in state.memberships}
    draft.memberships = (*state.memberships,
                         *(Membership(queue=q) for q in dict.fromkeys(event.queues)
                           if q not in joined))


def _logout(policy: Policy, state: AgentState, draft: _Draft, event: Logout, at: datetime,
            actor: Actor) -> None:
    _check_logged_in(state, event)
    _check_move(policy, state, policy.logged_out, actor, event)
    if draft.busy:
        _defer(policy, state, draft, event, at, actor, policy.logged_out, None)
        return
    draft.move(policy.logged_out, None)
    draft.session = None


def _defer(policy: Policy, state: AgentState, draft: _Draft, event: Event, at: datetime,
           actor: Actor, dest: str, reason: str | None) -> None:
    """Ask for ``dest`` while busy: pending, refused or (not for logout) at once, by policy."""
    if policy.while_busy is BusyChange.DEFER:
        if draft.pending is not None:
            draft.note(None, f"replaces pending {draft.pending.status!r}")
        draft.pending = Pending(status=dest, reason=reason, actor=actor, requested_at=at)
        draft.note("pending", f"{dest!r} pending until the agent is free")
        return
    if policy.while_busy is BusyChange.IMMEDIATE and dest != policy.logged_out:
        draft.move(dest, reason)
        return
    what = "log out" if dest == policy.logged_out else f"change to {dest!r}"
    raise InvalidEvent(agent=state.agent, event=event,
                       why=f"cannot {what} while handling an interaction or in "
                           "post-processing (the policy refuses it until the agent is free)")


def _set_status(policy: Policy, state: AgentState, draft: _Draft,
                event: SetStatus | ForceStatus, at: datetime, actor: Actor) -> None:
    _check_logged_in(state, event)
    dest = event.status
    _check_status(policy, state, dest, event)
    if dest == policy.logged_out:
        raise InvalidEvent(agent=state.agent, event=event,
                           why=f"{dest!r} is entered by logging out, not by a status change")
    reason = _pick_reason(policy, state, dest, event.reason, event)
    if dest == state.status:
        if reason == state.reason:
            raise InvalidEvent(agent=state.agent, event=event,
                               why=f"already in {dest!r}" + (f" ({reason})" if reason else ""))
    else:
        _check_move(policy, state, dest, actor, event)
    _check_limits(policy, state, draft, reason, event, at)
    if draft.busy:
        _defer(policy, state, draft, event, at, actor, dest, reason)
        return
    draft.move(dest, reason)


def _cancel_pending(policy: Policy, state: AgentState, draft: _Draft, event: CancelPending,
                    at: datetime, actor: Actor) -> None:
    if state.pending is None:
        raise InvalidEvent(agent=state.agent, event=event, why="no status change is pending")
    draft.pending = None
    draft.note("pending_dropped", f"pending {state.pending.status!r} cancelled")


def _force_logout(policy: Policy, state: AgentState, draft: _Draft, event: ForceLogout,
                  at: datetime, actor: Actor) -> None:
    _check_logged_in(state, event)
    _check_move(policy, state, policy.logged_out, actor, event)
    if state.interactions:
        dropped = ", ".join(item.id for item in state.interactions)
        draft.note("dropped", f"interactions dropped: {dropped}")
    draft.move(policy.logged_out, None)
    draft.session = None


def _configure(policy: Policy, state: AgentState, draft: _Draft, event: Configure,
               at: datetime, actor: Actor) -> None:
    if event.timezone is not None:
        try:
            pendulum.timezone(event.timezone)
        except Exception:
            raise InvalidEvent(agent=state.agent, event=event,
                               why=f"unknown time zone {event.timezone!r}") from None
    draft.wrap_up, draft.timezone = event.wrap_up, event.timezone


# -- interaction events --------------------------------------------------------------------------


def _offered(policy: Policy, state: AgentState, draft: _Draft, event: InteractionOffered,
             at: datetime, actor: Actor) -> None:
    _check_logged_in(state, event)
    if state.interaction(event.interaction) is not None:
        raise InvalidEvent(agent=state.agent, event=event,
                           why=f"interaction {event.interaction!r} is already open")
    if not policy.has_channel(event.channel):
        raise InvalidEvent(agent=state.agent, event=event,
                           why=f"unknown channel {event.channel!r}")
    if event.queue is not None:
        found = blocker(policy, state, event.queue, event.channel)
        if found is not None:
            raise NotEligible(agent=state.agent, why=describe(policy, found), queue=event.queue,
                              channel=event.channel, event=event)
        draft.memberships = tuple(  # the queue's membership with last_offer_at = at
            build_membership(m.queue, m.penalty, m.position, m.paused, at, m.calls,
                             m.calls_until)
            if m.queue == event.queue else m for m in state.memberships)
    else:
        if not policy.status(state.status).direct_calls:
            raise NotEligible(agent=state.agent, queue=None, channel=event.channel, event=event,
                              why=f"status {state.status!r} takes no direct calls")
        held = sum(1 for item in state.interactions if item.channel == event.channel)
        limit = capacity(policy, state, event.channel)
        if held >= limit:
            raise NotEligible(agent=state.agent, queue=None, channel=event.channel, event=event,
                              why=f"{event.channel} slots {held}/{limit}")
    draft.interactions = (*state.interactions, build_interaction(
        event.interaction, event.channel, event.queue, InteractionState.OFFERED, at))
    if policy.timers.offer_timeout is not None:
        draft.add_deadline(Deadline(at=shift(at, policy.timers.offer_timeout),
                                    timer=Timer.OFFER, ref=event.interaction))


def _answered(policy: Policy, state: AgentState, draft: _Draft, event: InteractionAnswered,
              at: datetime, actor: Actor) -> None:
    item = _find(state, event, event.interaction, ringing=True)
    connected = build_interaction(item.id, item.channel, item.queue, InteractionState.CONNECTED,
                                  at)
    draft.interactions = tuple(connected if i is item else i for i in state.interactions)
    draft.drop_deadlines(Timer.OFFER, item.id)
    draft.missed_in_a_row = 0
    if item.queue is None:
        return
    draft.memberships = tuple(_count_call(policy, state, m, at) if m.queue == item.queue else m
                              for m in state.memberships)
    draft.handled += 1
    status = policy.status(state.status)
    if (status.interaction_limit is not None and status.then is not None
            and draft.handled >= status.interaction_limit and draft.pending is None):
        draft.pending = Pending(status=status.then, reason=_implied(policy, status.then),
                                actor=SYSTEM, requested_at=at)
        draft.note("pending", f"{status.then!r} pending: {status.label} took "
                              f"{status.interaction_limit} interaction(s)")


def _count_call(policy: Policy, state: AgentState, member: Membership, at: datetime
                ) -> Membership:
    """One more call answered from the member's queue today (for the fewest-calls strategy)."""
    if member.calls_until is not None and at < member.calls_until:
        calls, until = member.calls + 1, member.calls_until
    else:
        day = DayRule(timezone=policy.day.timezone)
        calls, until = 1, _ledger.day_window(day, at, state.timezone)[1]
    return build_membership(member.queue, member.penalty, member.position, member.paused,
                            member.last_offer_at, calls, until)


def _implied(policy: Policy, status: str) -> str | None:
    reasons = policy.status(status).reasons
    return reasons[0] if len(reasons) == 1 else None


def _ended(policy: Policy, state: AgentState, draft: _Draft, event: InteractionEnded,
           at: datetime, actor: Actor) -> None:
    item = _find(state, event, event.interaction, ringing=None)
    draft.interactions = tuple(i for i in state.interactions if i is not item)
    draft.drop_deadlines(Timer.OFFER, item.id)
    if item.state is InteractionState.OFFERED:
        draft.note("withdrawn", "offer withdrawn")
        return
    if item.queue is None:
        return
    wrap = state.wrap_up or policy.queue_wrap_up(item.queue)
    if wrap.mode is WrapUpMode.NONE:
        return
    draft.wrap_up_mode = wrap.mode
    if wrap.mode is WrapUpMode.MANDATORY:
        draft.drop_deadlines(Timer.WRAP_UP)
        return
    ends = shift(at, wrap.length)
    current = next((d for d in draft.deadlines if d.timer is Timer.WRAP_UP), None)
    if current is None or current.at < ends:
        draft.drop_deadlines(Timer.WRAP_UP)
        draft.add_deadline(Deadline(at=ends, timer=Timer.WRAP_UP))


def _missed(policy: Policy, state: AgentState, draft: _Draft, event: InteractionMissed,
            at: datetime, actor: Actor) -> None:
    item = _find(state, event, event.interaction, ringing=True)
    _miss(policy, state, draft, item, at)


def _miss(policy: Policy, state: AgentState, draft: _Draft, item: Interaction, at: datetime
          ) -> None:
    draft.interactions = tuple(i for i in draft.interactions if i.id != item.id)
    draft.drop_deadlines(Timer.OFFER, item.id)
    if item.queue is None:
        return
    timers = policy.timers
    draft.missed_in_a_row += 1
    if (timers.max_no_answer is not None and timers.no_answer_status is not None
            and draft.missed_in_a_row >= timers.max_no_answer):
        draft.missed_in_a_row = 0
        reason = timers.no_answer_reason or _implied(policy, timers.no_answer_status)
        if _system_move(policy, draft, timers.no_answer_status, reason,
                        f"{timers.max_no_answer} missed in a row"):
            return
    if timers.no_answer_delay is not None:
        _delay(draft, shift(at, timers.no_answer_delay))


def _system_move(policy: Policy, draft: _Draft, dest: str, reason: str | None, why: str
                 ) -> bool:
    if dest == draft.status and reason == draft.reason:
        return False
    if Role.SYSTEM not in policy.allowed(draft.status, dest) and dest != draft.status:
        draft.note(None, f"{why}: the policy does not let the system move "
                         f"{draft.status!r} -> {dest!r}")
        return False
    draft.move(dest, reason)
    draft.note("auto_moved", f"moved to {dest!r}: {why}")
    return True


def _delay(draft: _Draft, until: datetime) -> None:
    current = next((d for d in draft.deadlines if d.timer is Timer.DELAY), None)
    if current is None or current.at < until:
        draft.drop_deadlines(Timer.DELAY)
        draft.add_deadline(Deadline(at=until, timer=Timer.DELAY))


def _rejected(policy: Policy, state: AgentState, draft: _Draft, event: InteractionRejected,
              at: datetime, actor: Actor) -> None:
    item = _find(state, event, event.interaction, ringing=True)
    draft.interactions = tuple(i for i in state.interactions if i is not item)
    draft.drop_deadlines(Timer.OFFER, item.id)
    if item.queue is None:
        return
    timers = policy.timers
    if event.busy:
        if timers.busy_delay is not None:
            _delay(draft, shift(at, timers.busy_delay))
        return
    if timers.reject_status is not None:
        reason = timers.reject_reason or _implied(policy, timers.reject_status)
        if _system_move(policy, draft, timers.reject_status, reason, "a queue offer rejected"):
            return
    if timers.reject_delay is not None:
        _delay(draft, shift(at, timers.reject_delay))


def _end_wrap_up(policy: Policy, state: AgentState, draft: _Draft, event: EndWrapUp,
                 at: datetime, actor: Actor) -> None:
    if state.wrap_up_mode is None:
        raise InvalidEvent(agent=state.agent, event=event, why="not in post-processing")
    if state.wrap_up_mode is WrapUpMode.TIMED:
        raise InvalidEvent(agent=state.agent, event=event,
                           why="post-processing is time-boxed and cannot be ended early")
    draft.wrap_up_mode = None
    draft.drop_deadlines(Timer.WRAP_UP)


def _timer_fired(policy: Policy, state: AgentState, draft: _Draft, event: TimerFired,
                 at: datetime, actor: Actor) -> None:
    deadline = next((d for d in state.deadlines
                     if d.timer.value == event.timer and d.ref == event.ref), None)
    if deadline is None or deadline.at > at:
        raise InvalidEvent(agent=state.agent, event=event,
                           why=f"no {event.timer} timer due at {at.isoformat()}")
    draft.deadlines = tuple(d for d in state.deadlines if d is not deadline)
    if deadline.timer is Timer.OFFER:
        item = _find(state, event, deadline.ref or "", ringing=True)
        draft.note(None, f"no answer to {item.id!r} within the offer timeout")
        _miss(policy, state, draft, item, at)
    elif deadline.timer is Timer.WRAP_UP:
        draft.wrap_up_mode = None
    elif deadline.timer is Timer.PAUSE_LIMIT and state.reason is not None:
        _pause_limit(policy, state, draft, state.reason, at)


def _pause_limit(policy: Policy, state: AgentState, draft: _Draft, reason: str,
                 at: datetime) -> None:
    if not _ledger.is_overrun(policy, reason, state.pauses, state.since, at, state.timezone):
        due = _ledger.limit_deadline(policy, reason, state.pauses, state.since, at,
                                     state.timezone)
        if due is not None:
            draft.add_deadline(Deadline(at=due, timer=Timer.PAUSE_LIMIT))
        draft.note(None, f"{reason} limit moved: a new day began")
        return
    draft.overrun_at = at
    draft.note("overrun", f"{reason} overran its limit")
    if policy.overrun_status is not None:
        _system_move(policy, draft, policy.overrun_status,
                     _implied(policy, policy.overrun_status), f"{reason} overran its limit")


# -- queues, channels, stop-new -------------------------------------------------------------------


def _join_queue(policy: Policy, state: AgentState, draft: _Draft, event: JoinQueue,
                at: datetime, actor: Actor) -> None:
    _check_queue_manager(policy, state, event, actor)
    member = state.membership(event.queue)
    if member is not None and (member.penalty, member.position) == (event.penalty,
                                                                    event.position):
        raise InvalidEvent(agent=state.agent, event=event,
                           why=f"already in queue {event.queue} at penalty {event.penalty}")
    if member is None:
        draft.memberships = (*state.memberships, Membership(
            queue=event.queue, penalty=event.penalty, position=event.position))
    else:
        draft.memberships = tuple(
            attrs.evolve(m, penalty=event.penalty, position=event.position)
            if m is member else m for m in state.memberships)
    draft.note(None, f"queue {event.queue}: penalty {event.penalty}, position {event.position}")


def _leave_queue(policy: Policy, state: AgentState, draft: _Draft, event: LeaveQueue,
                 at: datetime, actor: Actor) -> None:
    _check_queue_manager(policy, state, event, actor)
    if state.membership(event.queue) is None:
        raise InvalidEvent(agent=state.agent, event=event,
                           why=f"not a member of queue {event.queue}")
    draft.memberships = tuple(m for m in state.memberships if m.queue != event.queue)
    draft.note(None, f"left queue {event.queue}")


def _check_queue_manager(policy: Policy, state: AgentState, event: Event, actor: Actor) -> None:
    if actor.role is Role.AGENT and not policy.agents_manage_queues:
        raise NotPermitted(agent=state.agent, actor=actor, event=event,
                           why="agents may not join or leave queues under this policy")


def _pause_queue(policy: Policy, state: AgentState, draft: _Draft,
                 event: PauseQueue | ResumeQueue, at: datetime, actor: Actor) -> None:
    paused = isinstance(event, PauseQueue)
    if event.queue is not None and state.membership(event.queue) is None:
        raise InvalidEvent(agent=state.agent, event=event,
                           why=f"not a member of queue {event.queue}")
    targets = [m for m in state.memberships
               if (event.queue is None or m.queue == event.queue) and m.paused != paused]
    if not targets:
        where = f"queue {event.queue}" if event.queue else "any queue"
        raise InvalidEvent(agent=state.agent, event=event,
                           why=f"already {'paused' if paused else 'unpaused'} in {where}")
    draft.memberships = tuple(attrs.evolve(m, paused=paused) if m in targets else m
                              for m in state.memberships)
    names = ", ".join(m.queue for m in targets)
    draft.note(None, f"{'paused' if paused else 'unpaused'} in {names}")


def _set_channel(policy: Policy, state: AgentState, draft: _Draft, event: SetChannel,
                 at: datetime, actor: Actor) -> None:
    if not policy.has_channel(event.channel):
        raise InvalidEvent(agent=state.agent, event=event,
                           why=f"unknown channel {event.channel!r}")
    if event.capacity is not None and event.capacity < 1:
        raise InvalidEvent(agent=state.agent, event=event,
                           why=f"capacity must be at least 1, got {event.capacity} "
                               "(switch the channel off instead)")
    current = state.channel_setting(event.channel) or ChannelSetting(channel=event.channel)
    setting = ChannelSetting(
        channel=event.channel,
        enabled=current.enabled if event.enabled is None else event.enabled,
        capacity=current.capacity if event.capacity is None else event.capacity)
    if setting == current and state.channel_setting(event.channel) is not None:
        raise InvalidEvent(agent=state.agent, event=event,
                           why=f"{event.channel} is already set that way")
    draft.channels = (*(c for c in state.channels if c.channel != event.channel), setting)
    draft.note(None, f"{event.channel}: {'on' if setting.enabled else 'off'}"
                     + (f", capacity {setting.capacity}" if setting.capacity else ""))


def _stop_new(policy: Policy, state: AgentState, draft: _Draft, event: StopNew | ResumeNew,
              at: datetime, actor: Actor) -> None:
    stop = isinstance(event, StopNew)
    if state.stop_new == stop:
        raise InvalidEvent(agent=state.agent, event=event,
                           why="already " + ("stopped taking new work" if stop
                                             else "taking new work"))
    draft.stop_new = stop


_HANDLERS: dict[type[Event], tuple[Handler, frozenset[Role]]] = {
    Login: (_login, _ANYONE),
    Logout: (_logout, _ANYONE),
    SetStatus: (_set_status, _ANYONE),
    ForceStatus: (_set_status, _SUPERVISOR_ONLY),
    ForceLogout: (_force_logout, _SUPERVISOR_ONLY),
    CancelPending: (_cancel_pending, _ANYONE),
    Configure: (_configure, _MANAGERS),
    InteractionOffered: (_offered, _SYSTEM_ONLY),
    InteractionAnswered: (_answered, _AGENT_OR_SYSTEM),
    InteractionEnded: (_ended, _AGENT_OR_SYSTEM),
    InteractionMissed: (_missed, _SYSTEM_ONLY),
    InteractionRejected: (_rejected, _AGENT_OR_SYSTEM),
    EndWrapUp: (_end_wrap_up, _AGENT_OR_SYSTEM),
    TimerFired: (_timer_fired, _SYSTEM_ONLY),
    JoinQueue: (_join_queue, _ANYONE),
    LeaveQueue: (_leave_queue, _ANYONE),
    PauseQueue: (_pause_queue, _ANYONE),
    ResumeQueue: (_pause_queue, _ANYONE),
    SetChannel: (_set_channel, _MANAGERS),
    StopNew: (_stop_new, _ANYONE),
    ResumeNew: (_stop_new, _ANYONE),
}

_TAG_NOTICES = {
    "pending": NoticeKind.PENDING,
    "pending_applied": NoticeKind.PENDING_APPLIED,
    "pending_dropped": NoticeKind.PENDING_DROPPED,
    "auto_moved": NoticeKind.AUTO_MOVED,
    "overrun": NoticeKind.OVERRUN,
    "override": NoticeKind.OVERRIDE,
    "dropped": NoticeKind.INTERACTIONS_DROPPED,
}


def notices(policy: Policy, change: Change) -> tuple[Notice, ...]:
    """What the host may need to act on after ``change`` (a pure function of it)."""
    found: list[Notice] = []
    was = change.from_status is not None and policy.is_routable(change.from_status)
    now = policy.is_routable(change.to_status)
    if was != now:
        kind = NoticeKind.ROUTABLE if now else NoticeKind.NOT_ROUTABLE
        found.append(Notice(kind=kind, agent=change.agent, at=change.at,
                            detail=f"{change.from_status} -> {change.to_status}"))
    found.extend(Notice(kind=_TAG_NOTICES[tag], agent=change.agent, at=change.at,
                        detail=change.note or "") for tag in change.tags if tag in _TAG_NOTICES)
    return tuple(found)
