"""The rules for status, queue, channel and stop-new events: one handler per event kind.

Part of the rules (see :mod:`agentstate._rules` for the theory of operation and the table that
maps each event kind to its handler here). A handler checks the event against the agent's
current state and writes what changes into the :class:`~agentstate._draft.Draft`; it raises a
typed error, and changes nothing, when the event is refused.
"""

from __future__ import annotations

import functools
from datetime import datetime

import attrs
import pendulum

from ._draft import (
    RANK,
    Draft,
    check_limits,
    check_logged_in,
    check_move,
    check_pending,
    check_status,
    check_undo,
    pick_reason,
    stop_new_holds,
)
from ._errors import InvalidEvent, NotPermitted
from ._events import (
    Actor,
    CancelPending,
    Configure,
    DeviceChanged,
    Event,
    ForceLogout,
    ForceStatus,
    JoinQueue,
    LeaveQueue,
    Login,
    Logout,
    PauseQueue,
    ResumeNew,
    ResumeQueue,
    SetChannel,
    SetStatus,
    StopNew,
)
from ._policy import BusyChange, Policy, Role
from ._state import (
    AgentState,
    ChannelSetting,
    Device,
    Membership,
    Pending,
    Session,
    Tag,
    build_membership,
)

__all__ = [
    "cancel_pending",
    "configure",
    "device_changed",
    "force_logout",
    "join_queue",
    "leave_queue",
    "login",
    "logout",
    "pause_queue",
    "set_channel",
    "set_status",
    "stop_new",
]


# -- status events -------------------------------------------------------------------------------


def login(policy: Policy, state: AgentState, draft: Draft, event: Login, at: datetime,
          actor: Actor) -> None:
    if state.session is not None:
        raise InvalidEvent(agent=state.agent, event=event,
                           why=f"already logged in (status {state.status!r})")
    dest = event.status if event.status is not None else policy.login_status
    check_status(policy, state, dest, event)
    check_move(policy, state, dest, actor, event)
    reason = pick_reason(policy, state, dest, None, event)
    check_limits(policy, state, draft, reason, event, at)
    draft.move(dest, reason)
    draft.session = Session(login_at=at, device=event.device, queues=event.queues)
    draft.missed_in_a_row = 0
    if not state.memberships:
        draft.memberships = _fresh_memberships(event.queues)
    elif event.queues:
        joined = {m.queue for m in state.memberships}
        new = [_fresh_membership(q) for q in dict.fromkeys(event.queues) if q not in joined]
        if new:
            draft.memberships = (*state.memberships, *new)


# Memberships made at login hold nothing of the agent's own (every field at its default), so
# agents share them: one value per queue, one tuple per set of queues. Values are frozen, so
# sharing is invisible but to ``is``; it keeps the logins of many agents from growing as many
# objects for the garbage collector to walk (and the memory they take).


@functools.lru_cache(maxsize=1024)
def _fresh_memberships(queues: tuple[str, ...]) -> tuple[Membership, ...]:
    """The memberships of an agent joining ``queues`` at its first login (each queue once, in
    the order given), shared by the agents that join the same."""
    return tuple([_fresh_membership(queue) for queue in dict.fromkeys(queues)])


@functools.lru_cache(maxsize=4096)
def _fresh_membership(queue: str) -> Membership:
    """A new membership of ``queue`` (every field but the queue at its default), shared."""
    return build_membership(queue)


def logout(policy: Policy, state: AgentState, draft: Draft, event: Logout, at: datetime,
           actor: Actor) -> None:
    check_logged_in(state, event)
    check_move(policy, state, policy.logged_out, actor, event)
    check_pending(state, actor, event)
    if draft.busy:
        _defer(policy, state, draft, event, at, actor, policy.logged_out, None)
        return
    draft.move(policy.logged_out, None)
    draft.session = None


def _defer(policy: Policy, state: AgentState, draft: Draft, event: Event, at: datetime,
           actor: Actor, dest: str, reason: str | None) -> None:
    """Ask for ``dest`` while busy: pending, refused or (not for logout) at once, by policy."""
    if policy.while_busy is BusyChange.DEFER:
        if draft.pending is not None:
            draft.note(None, f"replaces pending {draft.pending.status!r}")
        draft.pending = Pending(status=dest, reason=reason, actor=actor, requested_at=at)
        draft.note(Tag.PENDING, f"{dest!r} pending until the agent is free")
        return
    if policy.while_busy is BusyChange.IMMEDIATE and dest != policy.logged_out:
        draft.move(dest, reason)
        return
    what = "log out" if dest == policy.logged_out else f"change to {dest!r}"
    raise InvalidEvent(agent=state.agent, event=event,
                       why=f"cannot {what} while handling an interaction or in "
                           "post-processing (the policy refuses it until the agent is free)")


def set_status(policy: Policy, state: AgentState, draft: Draft,
               event: SetStatus | ForceStatus, at: datetime, actor: Actor) -> None:
    check_logged_in(state, event)
    dest = event.status
    check_status(policy, state, dest, event)
    if dest == policy.logged_out:
        raise InvalidEvent(agent=state.agent, event=event,
                           why=f"{dest!r} is entered by logging out, not by a status change")
    check_pending(state, actor, event)
    reason = pick_reason(policy, state, dest, event.reason, event)
    if dest == state.status:
        if reason == state.reason:
            raise InvalidEvent(agent=state.agent, event=event,
                               why=f"already in {dest!r}" + (f" ({reason})" if reason else ""))
    else:
        check_move(policy, state, dest, actor, event)
    check_limits(policy, state, draft, reason, event, at)
    if draft.busy:
        _defer(policy, state, draft, event, at, actor, dest, reason)
        return
    draft.move(dest, reason)


def cancel_pending(policy: Policy, state: AgentState, draft: Draft, event: CancelPending,
                   at: datetime, actor: Actor) -> None:
    pending = state.pending
    if pending is None:
        raise InvalidEvent(agent=state.agent, event=event, why="no status change is pending")
    check_pending(state, actor, event)
    status = policy.status(state.status)
    if (pending.actor.role is Role.SYSTEM and status.interaction_limit is not None
            and pending.status == status.then and state.handled >= status.interaction_limit):
        raise InvalidEvent(agent=state.agent, event=event,
                           why=f"{status.label} took {status.interaction_limit} "
                               f"interaction(s): its move to {pending.status!r} cannot be "
                               "cancelled (it would stay offered work); ask for another "
                               "status instead")
    draft.pending = None
    draft.note(Tag.PENDING_DROPPED, f"pending {pending.status!r} cancelled")


def force_logout(policy: Policy, state: AgentState, draft: Draft, event: ForceLogout,
                 at: datetime, actor: Actor) -> None:
    check_logged_in(state, event)
    check_move(policy, state, policy.logged_out, actor, event)
    if state.interactions:
        dropped = ", ".join(item.id for item in state.interactions)
        draft.note(Tag.DROPPED, f"interactions dropped: {dropped}")
    draft.move(policy.logged_out, None)
    draft.session = None


def configure(policy: Policy, state: AgentState, draft: Draft, event: Configure,
              at: datetime, actor: Actor) -> None:
    if event.timezone is not None:
        try:
            pendulum.timezone(event.timezone)
        except Exception:
            raise InvalidEvent(agent=state.agent, event=event,
                               why=f"unknown time zone {event.timezone!r}") from None
    draft.wrap_up, draft.timezone = event.wrap_up, event.timezone


# -- queues, channels, stop-new -------------------------------------------------------------------


def join_queue(policy: Policy, state: AgentState, draft: Draft, event: JoinQueue,
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


def leave_queue(policy: Policy, state: AgentState, draft: Draft, event: LeaveQueue,
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


def _rank(role: Role | None) -> int:
    """The rank of whoever set a hold (a hold stored without its setter counts as the
    agent's)."""
    return RANK[role if role is not None else Role.AGENT]


def pause_queue(policy: Policy, state: AgentState, draft: Draft,
                event: PauseQueue | ResumeQueue, at: datetime, actor: Actor) -> None:
    """Pause or resume: a pause records who set it; a higher role's pause of a queue already
    paused takes it over, and only that rank or above resumes it."""
    paused = isinstance(event, PauseQueue)
    if event.queue is not None and state.membership(event.queue) is None:
        raise InvalidEvent(agent=state.agent, event=event,
                           why=f"not a member of queue {event.queue}")
    chosen = [m for m in state.memberships if event.queue is None or m.queue == event.queue]
    if paused:
        targets = [m for m in chosen
                   if not m.paused or _rank(m.paused_by) < RANK[actor.role]]
    else:
        targets = [m for m in chosen if m.paused]
        for member in targets:
            check_undo(state, actor, event, member.paused_by,
                       f"the pause in queue {member.queue}")
    if not targets:
        where = f"queue {event.queue}" if event.queue else "any queue"
        raise InvalidEvent(agent=state.agent, event=event,
                           why=f"already {'paused' if paused else 'unpaused'} in {where}")
    by = actor.role if paused else None
    draft.memberships = tuple(attrs.evolve(m, paused=paused, paused_by=by) if m in targets
                              else m for m in state.memberships)
    names = ", ".join(m.queue for m in targets)
    draft.note(None, f"{'paused' if paused else 'unpaused'} in {names}")


def set_channel(policy: Policy, state: AgentState, draft: Draft, event: SetChannel,
                at: datetime, actor: Actor) -> None:
    group = any(g.name == event.channel for g in policy.groups)  # a pool's slots (issue 13)
    if group and event.enabled is not None:
        raise InvalidEvent(agent=state.agent, event=event,
                           why=f"{event.channel} is a channel group: it takes a capacity; "
                               "switch its channels on or off instead")
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


def stop_new(policy: Policy, state: AgentState, draft: Draft, event: StopNew | ResumeNew,
             at: datetime, actor: Actor) -> None:
    """Stop or resume new work: as a queue pause, a stop-new records who set it; a higher
    role's stop takes over a lower one's, and only that rank or above resumes it."""
    stop = isinstance(event, StopNew)
    if state.stop_new == stop and not (stop and _rank(state.stop_new_by) < RANK[actor.role]):
        raise InvalidEvent(agent=state.agent, event=event,
                           why="already " + ("stopped taking new work" if stop
                                             else "taking new work"))
    if stop and not stop_new_holds(policy, state.interactions):
        names = " or ".join(policy.stop_new_channels or ())
        raise InvalidEvent(agent=state.agent, event=event,
                           why=f"Stop New is available only while handling a {names} "
                               "interaction, and the agent handles none")
    if not stop:
        check_undo(state, actor, event, state.stop_new_by, "the stop of new work")
    draft.stop_new = stop
    draft.stop_new_by = actor.role if stop else None


# -- the device ----------------------------------------------------------------------------------


def device_changed(policy: Policy, state: AgentState, draft: Draft, event: DeviceChanged,
                   at: datetime, actor: Actor) -> None:
    """Record the device's registration and do-not-disturb mode; the status stays as chosen."""
    current = state.device
    device = Device(registered=current.registered if event.registered is None
                    else event.registered,
                    dnd=current.dnd if event.dnd is None else event.dnd)
    if device == current:
        raise InvalidEvent(agent=state.agent, event=event,
                           why="the device is already "
                               f"{'registered' if device.registered else 'unregistered'} with "
                               f"do-not-disturb {'on' if device.dnd else 'off'}")
    draft.device = device
    draft.note(None, f"device {'registered' if device.registered else 'unregistered'}, "
                     f"do-not-disturb {'on' if device.dnd else 'off'}")

