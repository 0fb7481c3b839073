"""The draft of an agent's next state, and the checks every handler shares.

Part of the rules (see :mod:`agentstate._rules` for the theory of operation): a handler reads
the current :class:`~agentstate.AgentState`, checks the event against it with the functions
here, and writes what changes into a :class:`Draft`, which :func:`agentstate._rules.step`
then settles into the next state. Nothing here reads a clock or a store.
"""

from __future__ import annotations

from datetime import datetime

from . import _ledger
from ._errors import (
    InvalidEvent,
    InvalidTransition,
    LimitReached,
    NotPermitted,
    UnknownReason,
    UnknownStatus,
)
from ._events import Actor, Event, ForceStatus, InteractionEnded, InteractionRejected
from ._policy import Policy, Role
from ._state import AgentState, Deadline, Interaction, InteractionState, PauseSpan, Tag, Timer

__all__ = [
    "RANK",
    "Draft",
    "check_actor",
    "check_pending",
    "check_report",
    "check_undo",
    "check_limits",
    "check_logged_in",
    "check_move",
    "check_status",
    "find_interaction",
    "pick_reason",
    "settle_stop_new",
    "stop_new_holds",
]


class Draft:
    """The next state while an event is being applied (mutable, private to one step)."""

    __slots__ = ("channels", "deadlines", "device", "handled", "interactions", "memberships",
                 "missed_in_a_row", "notes", "overrun_at", "pauses", "pending", "reason",
                 "session", "status", "stop_new", "stop_new_by", "tags", "timezone", "wrap_up",
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
        self.stop_new_by = state.stop_new_by
        self.device = state.device
        self.notes: list[str] | None = None
        self.tags: list[Tag] | None = None

    @property
    def busy(self) -> bool:
        return bool(self.interactions) or self.wrap_up_mode is not None

    def move(self, status: str, reason: str | None) -> None:
        self.status, self.reason = status, reason

    def note(self, tag: Tag | None, text: str) -> None:
        if tag is not None:
            if self.tags is None:
                self.tags = []
            self.tags.append(tag)
        if self.notes is None:
            self.notes = []
        self.notes.append(text)

    def tagged(self, tag: Tag) -> bool:
        return self.tags is not None and tag in self.tags

    def drop_deadlines(self, timer: Timer, ref: str | None = None) -> None:
        if self.deadlines:
            kept = [d for d in self.deadlines
                    if not (d.timer is timer and (ref is None or d.ref == ref))]
            if len(kept) != len(self.deadlines):  # else the same tuple: no new object to keep
                self.deadlines = tuple(kept)

    def add_deadline(self, deadline: Deadline) -> None:
        self.deadlines = tuple(sorted((*self.deadlines, deadline)))


def stop_new_holds(policy: Policy, interactions: tuple[Interaction, ...]) -> bool:
    """Whether Stop New may be on with these interactions: always, unless the policy names
    the channels it needs (``stop_new_channels``); then while one of them is answered
    (connected or on hold)."""
    channels = policy.stop_new_channels
    if channels is None:
        return True
    return any(item.channel in channels and item.state is not InteractionState.OFFERED
               for item in interactions)


def settle_stop_new(policy: Policy, draft: Draft) -> None:
    """Clear Stop New by itself once the last interaction that allowed it has ended."""
    if draft.stop_new and not stop_new_holds(policy, draft.interactions):
        draft.stop_new = False
        draft.note(None, "stop new cleared: no " + "/".join(policy.stop_new_channels or ())
                   + " interaction left")


# -- checks ------------------------------------------------------------------------------------

RANK: dict[Role, int] = {Role.AGENT: 0, Role.SUPERVISOR: 1, Role.SYSTEM: 1}
"""Who may undo what: what a role set (a pending status change, a queue pause, a stop-new) is
undone only by a role of the same rank or above. The supervisor and the system rank equally,
above the agent: a supervisor overrides the host's automation and the host acts for
supervisors, but neither ranks above the other."""


def check_actor(event: Event, actor: Actor, roles: frozenset[Role], agent: str) -> None:
    if actor.role not in roles:
        names = " or ".join(sorted(r.value for r in roles))
        raise NotPermitted(agent=agent, actor=actor, event=event,
                           why=f"{type(event).__name__} is for the {names} only")
    if actor.role is Role.AGENT and actor.id != agent:
        raise NotPermitted(agent=agent, actor=actor, event=event,
                           why="an agent acts only on itself")


def check_undo(state: AgentState, actor: Actor, event: Event, setter: Role | None, what: str
               ) -> None:
    """Refuse ``actor`` undoing ``what``, which ``setter`` set, when ``setter`` ranks higher."""
    if setter is not None and RANK[actor.role] < RANK[setter]:
        who = " or the ".join(r.value for r in Role if RANK[r] >= RANK[setter])
        raise NotPermitted(agent=state.agent, actor=actor, event=event,
                           why=f"{what} was set by the {setter.value}: only the {who} may "
                               "undo it")


def check_pending(state: AgentState, actor: Actor, event: Event) -> None:
    """Refuse replacing (or cancelling) a pending change that a higher role set."""
    if state.pending is not None:
        check_undo(state, actor, event, state.pending.actor.role,
                   f"the pending change to {state.pending.status!r}")


def check_report(state: AgentState, event: Event, actor: Actor) -> None:
    """Refuse an agent reporting what only the system may: a device busy, an offer withdrawn.

    An agent that declines an offer rejects it (``InteractionRejected()``), which the policy
    may penalise; "busy" and "withdrawn" are facts of the PBX, never the agent's to claim.
    """
    if actor.role is Role.SYSTEM:
        return
    if isinstance(event, InteractionRejected) and event.busy:
        raise NotPermitted(agent=state.agent, actor=actor, event=event,
                           why="only the system reports a device busy; an agent declines an "
                               "offer with InteractionRejected() (busy=False)")
    if isinstance(event, InteractionEnded):
        item = state.interaction(event.interaction)
        if item is not None and item.state is InteractionState.OFFERED:
            raise NotPermitted(agent=state.agent, actor=actor, event=event,
                               why=f"interaction {item.id!r} was never answered: only the "
                                   "system withdraws an offer; an agent declines it with "
                                   "InteractionRejected()")


def check_logged_in(state: AgentState, event: Event) -> None:
    if state.session is None:
        raise InvalidEvent(agent=state.agent, event=event,
                           why=f"{type(event).__name__} refused: the agent is not logged in")


def check_move(policy: Policy, state: AgentState, dest: str, actor: Actor, event: Event
               ) -> None:
    roles = policy.allowed(state.status, dest)
    if actor.role in roles:
        return
    if not roles:
        raise InvalidTransition(agent=state.agent, source=state.status, dest=dest, event=event)
    names = " or ".join(sorted(r.value for r in roles))
    raise NotPermitted(agent=state.agent, actor=actor, event=event,
                       why=f"{state.status!r} -> {dest!r} is for the {names} only")


def check_status(policy: Policy, state: AgentState, name: str, event: Event) -> None:
    if not policy.has_status(name):
        raise UnknownStatus(agent=state.agent, status=name, event=event)


def pick_reason(policy: Policy, state: AgentState, dest: str, reason: str | None,
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


def check_limits(policy: Policy, state: AgentState, draft: Draft, reason: str | None,
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
        draft.note(Tag.OVERRIDE, f"override of {reason} {limit.replace('_', ' ')} ({used})")
        return
    raise LimitReached(agent=state.agent, reason=reason, limit=limit, used=used, event=event)


def find_interaction(state: AgentState, event: Event, interaction: str, *, ringing: bool | None
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

