"""The rules: how one event changes one agent. Everything that decides state lives here.

"Here" is this module and the three beside it, split along the rules' own sections:

- ``_rules`` (this module): :func:`step` with its handler table, and :func:`_finish`, which
  settles every event the same way;
- ``_draft``: the draft of the next state and the checks the handlers share;
- ``_rules_status``: status, queue, channel, stop-new and device events;
- ``_rules_work``: interaction and timer events, and the automatic moves they make.

Theory of operation
-------------------
:func:`step` is a pure function ``(policy, state, event, at) -> (state', change)``. It reads
nothing but its arguments: no clock, no store. It either returns the agent's next state with the
history entry that records it, or raises a typed error and returns nothing, so a refused event
cannot change anything. The tracker does the I/O around it (clock, store, idempotency, firing
due timers); replaying an agent's history is folding :func:`step` over the recorded events.

Every event goes through the same checks, in this order:

1. **who**: the actor's role may perform this kind of event, and an agent acts only on itself;
   only the system reports a device busy or an offer withdrawn; and what a higher role set (a
   pending change, a queue pause, a stop-new) is undone only by that rank or above
   (:data:`agentstate._draft.RANK`: the agent below the supervisor and the system, which rank
   equally);
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
- Stop New clears by itself once no interaction the policy ties it to is left;
- the **occupation** is derived, never set: on interaction, offered, wrap-up, missed (a delay),
  or idle, in that order of precedence; a new occupation or a status change starts a new
  occupation interval.

Timers are deadlines in the state. When one falls due the tracker applies a
:class:`~agentstate.TimerFired` event at the deadline's own time, through this same function.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import Any, NamedTuple

from . import _ledger
from ._draft import Draft, check_actor, check_report, settle_stop_new
from ._errors import AgentExists, ConflictError, InvalidEvent, NotPermitted
from ._events import (
    SYSTEM,
    Actor,
    CancelPending,
    Configure,
    DeviceChanged,
    EndWrapUp,
    Event,
    ForceLogout,
    ForceStatus,
    InteractionAnswered,
    InteractionEnded,
    InteractionHeld,
    InteractionMissed,
    InteractionOffered,
    InteractionRejected,
    InteractionResumed,
    InteractionStarted,
    InteractionTransferred,
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
from ._names import check_event, names_event
from ._policy import Policy, Role
from ._rules_status import (
    cancel_pending,
    configure,
    device_changed,
    force_logout,
    join_queue,
    leave_queue,
    login,
    logout,
    pause_queue,
    set_channel,
    set_status,
    stop_new,
)
from ._rules_work import (
    answered,
    end_wrap_up,
    ended,
    held,
    missed,
    offered,
    rejected,
    resumed,
    started,
    timer_fired,
    transferred,
)
from ._state import (
    AgentState,
    Change,
    Deadline,
    InteractionState,
    Occupation,
    PauseSpan,
    Tag,
    Timer,
    build_change,
    build_state,
    notices,
)

__all__ = ["actor_of", "default_role", "notices", "register", "step"]

_ANYONE = frozenset(Role)
_SYSTEM_ONLY = frozenset({Role.SYSTEM})
_SUPERVISOR_ONLY = frozenset({Role.SUPERVISOR})
_AGENT_OR_SYSTEM = frozenset({Role.AGENT, Role.SYSTEM})
_MANAGERS = frozenset({Role.SYSTEM, Role.SUPERVISOR})

Handler = Callable[[Policy, AgentState, "Draft", Any, datetime, Actor], None]


def default_role(event: Event) -> Role | None:
    """Who sends ``event`` when it names no actor: the least powerful role that can.

    The kind's ``default_role`` (docs/concepts.md "Actor defaults"), but for a busy device
    (``InteractionRejected(busy=True)``), which only the PBX reports: the system. ``None``: the
    kind is a supervisor's and has no default.
    """
    if type(event) is InteractionRejected and event.busy:
        return Role.SYSTEM
    return event.default_role


def actor_of(event: Event) -> Actor | None:
    """The event's actor, or its default (:func:`default_role`); ``None`` when it has none."""
    if event.actor is not None:
        return event.actor
    role = default_role(event)
    if role is Role.AGENT:
        return _agent_actor(event.agent)
    if role is Role.SYSTEM:
        return SYSTEM
    return None


def _resolve(event: Event, roles: frozenset[Role], agent: str) -> Actor:
    """The event's actor, checked against ``roles``: refused when it has none."""
    actor = actor_of(event)
    if actor is None:
        names = " or ".join(sorted(r.value for r in roles))
        raise NotPermitted(agent=agent, actor=None, event=event,
                           why=f"{type(event).__name__} has no default actor: it is for the "
                               f"{names} only, named in its actor "
                               "(e.g. actor=Actor.supervisor(...))")
    check_actor(event, actor, roles, agent)
    return actor


_REPORTS = frozenset({InteractionRejected, InteractionEnded})
"""The kinds that may report what only the system knows (busy, withdrawn): see check_report."""


@functools.lru_cache(maxsize=1 << 16)
def _agent_actor(agent: str) -> Actor:
    """The agent as its own actor (values are equal either way; caching saves the build)."""
    return Actor(Role.AGENT, agent)


def register(policy: Policy, existing: AgentState | None, event: Register, at: datetime
             ) -> tuple[AgentState, Change]:
    """A new agent, logged out, at version 1."""
    if existing is not None:
        raise AgentExists(event.agent)
    actor = _resolve(event, _MANAGERS, event.agent)
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
    kind = _KINDS.get(type(event))
    if kind is None:
        raise InvalidEvent(agent=state.agent, event=event,
                           why=f"{type(event).__name__} is not an event agentstate applies "
                               "to a registered agent")
    actor = event.actor
    if actor is None and kind.implied is not None and event.agent == state.agent:
        # the kind's default actor, which its roles admit: nothing to check
        actor = SYSTEM if kind.implied is Role.SYSTEM else _agent_actor(state.agent)
    else:
        actor = _resolve(event, kind.roles, state.agent)
    if kind.reports and actor.role is not Role.SYSTEM:
        check_report(state, event, actor)
    if event.expected_version is not None and event.expected_version != state.version:
        raise ConflictError(agent=state.agent, expected=event.expected_version,
                            actual=state.version)
    if kind.names:
        check_event(policy, event)  # strict names: queues and channels the policy declares
    draft = Draft(state)
    kind.handler(policy, state, draft, event, at, actor)
    return _finish(policy, state, draft, event, at, actor)


# -- settling: the one way to build the next state ---------------------------------------------


def _occupation(draft: Draft) -> Occupation:
    if draft.interactions:
        for item in draft.interactions:
            if item.state is not InteractionState.OFFERED:  # connected or held
                return Occupation.ON_INTERACTION
        return Occupation.OFFERED
    if draft.wrap_up_mode is not None:
        return Occupation.WRAP_UP
    for deadline in draft.deadlines:
        if deadline.timer is Timer.DELAY:
            return Occupation.MISSED
    return Occupation.IDLE


def _apply_pending(policy: Policy, draft: Draft) -> None:
    pending = draft.pending
    if pending is None or draft.busy:
        return
    draft.pending = None
    if pending.actor.role not in policy.allowed(draft.status, pending.status):
        draft.note(Tag.PENDING_DROPPED, f"pending {pending.status!r} dropped: no longer "
                                        f"allowed from {draft.status!r}")
        return
    draft.move(pending.status, pending.reason)
    if pending.status == policy.logged_out:
        draft.session = None
    draft.note(Tag.PENDING_APPLIED, f"pending {pending.status!r} applied, asked by "
                                    f"{pending.actor} at {pending.requested_at.isoformat()}")


def _finish(policy: Policy, state: AgentState, draft: Draft, event: Event, at: datetime,
            actor: Actor) -> tuple[AgentState, Change]:
    if draft.pending is not None:
        _apply_pending(policy, draft)
    if draft.session is None:
        draft.interactions, draft.deadlines, draft.wrap_up_mode = (), (), None
        draft.pending = None
    if draft.stop_new:
        settle_stop_new(policy, draft)
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
            if draft.tagged(Tag.OVERRIDE):
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
        # a status change starts a new occupation interval too (seed 003: Callcenter starts
        # the Waiting timer), so time_in_occupation and the history's intervals agree
        at if moved or occupation is not state.occupation else state.occupation_since,
        at,                                                                    # updated_at
        draft.session, draft.interactions, draft.deadlines, draft.wrap_up_mode, draft.pending,
        draft.missed_in_a_row, draft.handled, draft.pauses, draft.overrun_at, draft.wrap_up,
        draft.timezone, draft.memberships, draft.channels, draft.stop_new,
        draft.stop_new_by, draft.device)
    change = build_change(
        state.agent, version, at, actor, event,
        state.status, draft.status,                        # from_status, to_status
        state.reason, draft.reason,                        # from_reason, to_reason
        state.occupation, occupation,                      # from_occupation, to_occupation
        event.event_id,
        "; ".join(draft.notes) if draft.notes else None,   # note
        tuple(draft.tags) if draft.tags else ())           # tags
    return new, change



_HANDLERS: dict[type[Event], tuple[Handler, frozenset[Role]]] = {
    Login: (login, _ANYONE),
    Logout: (logout, _ANYONE),
    SetStatus: (set_status, _ANYONE),
    ForceStatus: (set_status, _SUPERVISOR_ONLY),
    ForceLogout: (force_logout, _SUPERVISOR_ONLY),
    CancelPending: (cancel_pending, _ANYONE),
    Configure: (configure, _MANAGERS),
    InteractionOffered: (offered, _SYSTEM_ONLY),
    InteractionAnswered: (answered, _AGENT_OR_SYSTEM),
    InteractionEnded: (ended, _AGENT_OR_SYSTEM),
    InteractionMissed: (missed, _SYSTEM_ONLY),
    InteractionRejected: (rejected, _AGENT_OR_SYSTEM),
    EndWrapUp: (end_wrap_up, _AGENT_OR_SYSTEM),
    TimerFired: (timer_fired, _SYSTEM_ONLY),
    JoinQueue: (join_queue, _ANYONE),
    LeaveQueue: (leave_queue, _ANYONE),
    PauseQueue: (pause_queue, _ANYONE),
    ResumeQueue: (pause_queue, _ANYONE),
    SetChannel: (set_channel, _MANAGERS),
    StopNew: (stop_new, _ANYONE),
    ResumeNew: (stop_new, _ANYONE),
    InteractionHeld: (held, _AGENT_OR_SYSTEM),
    InteractionResumed: (resumed, _AGENT_OR_SYSTEM),
    InteractionTransferred: (transferred, _AGENT_OR_SYSTEM),
    InteractionStarted: (started, _AGENT_OR_SYSTEM),
    DeviceChanged: (device_changed, _MANAGERS),
}


class _Kind(NamedTuple):
    """How :func:`step` takes one event kind, read once from :data:`_HANDLERS`."""

    handler: Handler
    roles: frozenset[Role]
    implied: Role | None
    """The kind's default role when its roles admit it (then an event of it without an actor
    needs no check), else ``None``; never for a kind whose default depends on its fields."""
    reports: bool
    """The kind may report what only the system knows (see check_report)."""
    names: bool
    """The kind names a queue or a channel (see check_event)."""


def _kind(kind: type[Event], handler: Handler, roles: frozenset[Role]) -> _Kind:
    default = kind.default_role
    implied = default if default in roles and kind is not InteractionRejected else None
    return _Kind(handler, roles, implied, kind in _REPORTS, names_event(kind))


_KINDS: dict[type[Event], _Kind] = {
    kind: _kind(kind, handler, roles) for kind, (handler, roles) in _HANDLERS.items()}
