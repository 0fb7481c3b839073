"""The rules: how one event changes one agent. Everything that decides state lives here.

Theory of operation
-------------------
:func:`step` is a pure function ``(policy, state, event, at) -> (state', change)``. It reads
nothing but its arguments: no clock, no store. It either returns the agent's next state with the
history entry that records it, or raises a typed error and returns nothing, so a refused event
cannot change anything. The tracker does the I/O around it (clock, store, idempotency); replaying
an agent's history is folding :func:`step` over the recorded events.

Every event goes through the same checks, in this order:

1. **who**: the actor's role may perform this kind of event, and an agent acts only on itself;
2. **whether**: the event fits the agent's situation (logged in, the interaction exists, ...);
3. **where to**: for status changes, the policy's transition table allows ``actor.role`` to go
   from the current status to the new one, and the reason fits the new status.

The occupation is never set directly: it is derived from the open interactions.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from ._errors import (
    AgentExists,
    InvalidEvent,
    InvalidTransition,
    NotPermitted,
    UnknownReason,
    UnknownStatus,
)
from ._events import (
    SYSTEM,
    Actor,
    Event,
    ForceLogout,
    ForceStatus,
    InteractionAnswered,
    InteractionEnded,
    InteractionMissed,
    InteractionOffered,
    InteractionRejected,
    Login,
    Logout,
    Register,
    SetStatus,
)
from ._policy import BusyChange, Policy, Role
from ._state import (
    AgentState,
    Change,
    Interaction,
    InteractionState,
    Notice,
    NoticeKind,
    Occupation,
    Session,
)

__all__ = ["actor_of", "notices", "register", "step"]

_ANYONE = frozenset(Role)
_SYSTEM_ONLY = frozenset({Role.SYSTEM})
_SUPERVISOR_ONLY = frozenset({Role.SUPERVISOR})
_AGENT_OR_SYSTEM = frozenset({Role.AGENT, Role.SYSTEM})
_REGISTRARS = frozenset({Role.SYSTEM, Role.SUPERVISOR})

Handler = Callable[[Policy, AgentState, Any, datetime, Actor], tuple[AgentState, Change]]


def actor_of(event: Event) -> Actor:
    """The event's actor, or its default: the agent itself, the system or (missing) supervisor."""
    if event.actor is not None:
        return event.actor
    if event.default_role is Role.AGENT:
        return Actor(Role.AGENT, event.agent)
    return SYSTEM


def register(policy: Policy, existing: AgentState | None, event: Register, at: datetime
             ) -> tuple[AgentState, Change]:
    """A new agent, logged out, at version 1."""
    actor = actor_of(event)
    if existing is not None:
        raise AgentExists(event.agent)
    _check_actor(event, actor, _REGISTRARS, event.agent)
    state = AgentState(agent=event.agent, version=1, status=policy.logged_out, reason=None,
                       since=at, occupation=Occupation.IDLE, occupation_since=at, updated_at=at)
    change = Change(agent=event.agent, seq=1, at=at, actor=actor, event=event, from_status=None,
                    to_status=policy.logged_out, from_reason=None, to_reason=None,
                    from_occupation=None, to_occupation=Occupation.IDLE,
                    event_id=event.event_id)
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
    return handler(policy, state, event, at, actor)


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


def _find(state: AgentState, event: InteractionAnswered | InteractionEnded | InteractionMissed
          | InteractionRejected, *, ringing: bool | None) -> Interaction:
    """The open interaction the event names; ``ringing`` requires it offered (or connected)."""
    item = state.interaction(event.interaction)
    if item is None:
        raise InvalidEvent(agent=state.agent, event=event,
                           why=f"no open interaction {event.interaction!r}")
    if ringing is not None and (item.state is InteractionState.OFFERED) != ringing:
        raise InvalidEvent(agent=state.agent, event=event,
                           why=f"interaction {item.id!r} is {item.state.value}, not "
                               f"{'offered' if ringing else 'connected'}")
    return item


# -- the one way to build the next state ---------------------------------------------------------


def _occupation(interactions: tuple[Interaction, ...]) -> Occupation:
    if not interactions:
        return Occupation.IDLE
    for item in interactions:
        if item.state is InteractionState.CONNECTED:
            return Occupation.ON_INTERACTION
    return Occupation.OFFERED


def _advance(state: AgentState, event: Event, actor: Actor, at: datetime, *, status: str,
             reason: str | None, session: Session | None,
             interactions: tuple[Interaction, ...], note: str | None = None
             ) -> tuple[AgentState, Change]:
    occupation = _occupation(interactions)
    moved = status != state.status or reason != state.reason
    version = state.version + 1
    new = AgentState(
        agent=state.agent, version=version, status=status, reason=reason,
        since=at if moved else state.since, occupation=occupation,
        occupation_since=at if occupation is not state.occupation else state.occupation_since,
        updated_at=at, session=session, interactions=interactions)
    change = Change(agent=state.agent, seq=version, at=at, actor=actor, event=event,
                    from_status=state.status, to_status=status, from_reason=state.reason,
                    to_reason=reason, from_occupation=state.occupation,
                    to_occupation=occupation, event_id=event.event_id, note=note)
    return new, change


# -- status events -------------------------------------------------------------------------------


def _login(policy: Policy, state: AgentState, event: Login, at: datetime, actor: Actor
           ) -> tuple[AgentState, Change]:
    if state.session is not None:
        raise InvalidEvent(agent=state.agent, event=event,
                           why=f"already logged in (status {state.status!r})")
    dest = event.status if event.status is not None else policy.login_status
    _check_status(policy, state, dest, event)
    _check_move(policy, state, dest, actor, event)
    reason = _pick_reason(policy, state, dest, None, event)
    session = Session(login_at=at, device=event.device, queues=event.queues)
    return _advance(state, event, actor, at, status=dest, reason=reason, session=session,
                    interactions=())


def _logout(policy: Policy, state: AgentState, event: Logout, at: datetime, actor: Actor
            ) -> tuple[AgentState, Change]:
    _check_logged_in(state, event)
    if state.interactions:
        raise InvalidEvent(agent=state.agent, event=event,
                           why=f"cannot log out with {len(state.interactions)} open "
                               "interaction(s); end them first, or a supervisor forces it")
    _check_move(policy, state, policy.logged_out, actor, event)
    return _advance(state, event, actor, at, status=policy.logged_out, reason=None,
                    session=None, interactions=())


def _set_status(policy: Policy, state: AgentState, event: SetStatus | ForceStatus,
                at: datetime, actor: Actor) -> tuple[AgentState, Change]:
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
    if state.interactions and policy.while_busy is BusyChange.REFUSE:
        raise InvalidEvent(agent=state.agent, event=event,
                           why="no status change while handling an interaction "
                               "(the policy refuses them until it ends)")
    return _advance(state, event, actor, at, status=dest, reason=reason,
                    session=state.session, interactions=state.interactions)


def _force_logout(policy: Policy, state: AgentState, event: ForceLogout, at: datetime,
                  actor: Actor) -> tuple[AgentState, Change]:
    _check_logged_in(state, event)
    _check_move(policy, state, policy.logged_out, actor, event)
    dropped = ", ".join(item.id for item in state.interactions)
    return _advance(state, event, actor, at, status=policy.logged_out, reason=None,
                    session=None, interactions=(),
                    note=f"interactions dropped: {dropped}" if dropped else None)


# -- interaction events --------------------------------------------------------------------------


def _offered(policy: Policy, state: AgentState, event: InteractionOffered, at: datetime,
             actor: Actor) -> tuple[AgentState, Change]:
    _check_logged_in(state, event)
    if state.interaction(event.interaction) is not None:
        raise InvalidEvent(agent=state.agent, event=event,
                           why=f"interaction {event.interaction!r} is already open")
    if not policy.has_channel(event.channel):
        raise InvalidEvent(agent=state.agent, event=event,
                           why=f"unknown channel {event.channel!r}")
    status = policy.status(state.status)
    if event.queue is not None and not status.routable:
        raise InvalidEvent(agent=state.agent, event=event,
                           why=f"status {state.status!r} takes no queue work")
    if event.queue is None and not status.direct_calls:
        raise InvalidEvent(agent=state.agent, event=event,
                           why=f"status {state.status!r} takes no direct calls")
    capacity = policy.channel(event.channel).capacity
    held = sum(1 for item in state.interactions if item.channel == event.channel)
    if held >= capacity:
        raise InvalidEvent(agent=state.agent, event=event,
                           why=f"{event.channel} slots full ({held}/{capacity})")
    item = Interaction(id=event.interaction, channel=event.channel, queue=event.queue,
                       state=InteractionState.OFFERED, since=at)
    return _advance(state, event, actor, at, status=state.status, reason=state.reason,
                    session=state.session, interactions=(*state.interactions, item))


def _answered(policy: Policy, state: AgentState, event: InteractionAnswered, at: datetime,
              actor: Actor) -> tuple[AgentState, Change]:
    item = _find(state, event, ringing=True)
    connected = Interaction(id=item.id, channel=item.channel, queue=item.queue,
                            state=InteractionState.CONNECTED, since=at)
    interactions = tuple(connected if i is item else i for i in state.interactions)
    return _advance(state, event, actor, at, status=state.status, reason=state.reason,
                    session=state.session, interactions=interactions)


def _closed(policy: Policy, state: AgentState, event: InteractionEnded | InteractionMissed
            | InteractionRejected, at: datetime, actor: Actor) -> tuple[AgentState, Change]:
    ringing = None if isinstance(event, InteractionEnded) else True
    item = _find(state, event, ringing=ringing)
    note = ("offer withdrawn" if isinstance(event, InteractionEnded)
            and item.state is InteractionState.OFFERED else None)
    interactions = tuple(i for i in state.interactions if i is not item)
    return _advance(state, event, actor, at, status=state.status, reason=state.reason,
                    session=state.session, interactions=interactions, note=note)


_HANDLERS: dict[type[Event], tuple[Handler, frozenset[Role]]] = {
    Login: (_login, _ANYONE),
    Logout: (_logout, _ANYONE),
    SetStatus: (_set_status, _ANYONE),
    ForceStatus: (_set_status, _SUPERVISOR_ONLY),
    ForceLogout: (_force_logout, _SUPERVISOR_ONLY),
    InteractionOffered: (_offered, _SYSTEM_ONLY),
    InteractionAnswered: (_answered, _AGENT_OR_SYSTEM),
    InteractionEnded: (_closed, _AGENT_OR_SYSTEM),
    InteractionMissed: (_closed, _SYSTEM_ONLY),
    InteractionRejected: (_closed, _AGENT_OR_SYSTEM),
}


def notices(policy: Policy, change: Change) -> tuple[Notice, ...]:
    """What the host may need to act on after ``change`` (a pure function of it)."""
    found: list[Notice] = []
    was = change.from_status is not None and policy.status(change.from_status).routable
    now = policy.status(change.to_status).routable
    if was != now:
        kind = NoticeKind.ROUTABLE if now else NoticeKind.NOT_ROUTABLE
        found.append(Notice(kind=kind, agent=change.agent, at=change.at,
                            detail=f"{change.from_status} -> {change.to_status}"))
    if isinstance(change.event, ForceLogout) and change.note:
        found.append(Notice(kind=NoticeKind.INTERACTIONS_DROPPED, agent=change.agent,
                            at=change.at, detail=change.note))
    return tuple(found)
