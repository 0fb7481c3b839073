"""The rules for interaction and timer events: one handler per event kind.

Part of the rules (see :mod:`agentstate._rules` for the theory of operation and the table that
maps each event kind to its handler here). Offers, answers, ends, misses and rejects of
interactions; hold, resume and transfer; interactions started by the agent (outbound) or
reported connected (direct); the end of post-processing, and the timers falling due; with them
the automatic moves these make (after misses in a row, a reject, an overrun, a single-call
status).

Every interaction has a :class:`~agentstate.Direction` (queue, direct, outbound). Each occupies
the agent's slots while open, whatever its direction; when the agent's side ends (ended, or
transferred blind) post-processing follows if the policy's ``wrap_up_directions`` has its
direction (queue work only, by default).
"""

from __future__ import annotations

from datetime import datetime

from . import _ledger
from ._blocker import LOGGED_OUT, Blocker, BlockKind, blocker, describe, device_blocker, slots
from ._draft import Draft, check_logged_in, find_interaction
from ._errors import InvalidEvent, NotEligible
from ._events import (
    SYSTEM,
    Actor,
    EndWrapUp,
    InteractionAnswered,
    InteractionEnded,
    InteractionHeld,
    InteractionMissed,
    InteractionOffered,
    InteractionRejected,
    InteractionResumed,
    InteractionStarted,
    InteractionTransferred,
    TimerFired,
    TransferKind,
)
from ._policy import Direction, Policy, Role, WrapUpMode
from ._state import (
    AgentState,
    Deadline,
    Interaction,
    InteractionState,
    Membership,
    Pending,
    Tag,
    Timer,
    build_interaction,
    build_membership,
)
from ._time import shift

__all__ = [
    "answered",
    "end_wrap_up",
    "ended",
    "held",
    "missed",
    "offered",
    "rejected",
    "resumed",
    "started",
    "timer_fired",
    "transferred",
]


# -- interaction events --------------------------------------------------------------------------


def offered(policy: Policy, state: AgentState, draft: Draft, event: InteractionOffered,
            at: datetime, actor: Actor) -> None:
    if state.session is None:  # every refused offer is NotEligible (issue 13)
        raise NotEligible(agent=state.agent, why=describe(policy, LOGGED_OUT),
                          queue=event.queue, channel=event.channel, event=event,
                          blocker=LOGGED_OUT)
    if state.interaction(event.interaction) is not None:
        raise InvalidEvent(agent=state.agent, event=event,
                           why=f"interaction {event.interaction!r} is already open")
    if event.queue is not None:
        found = blocker(policy, state, event.queue, event.channel)
        if found is not None:
            raise NotEligible(agent=state.agent, why=describe(policy, found), queue=event.queue,
                              channel=event.channel, event=event, blocker=found)
        draft.memberships = tuple([  # the queue's membership with last_offer_at = at
            build_membership(m.queue, m.penalty, m.position, m.paused, at, m.calls,
                             m.calls_until, m.paused_by)
            if m.queue == event.queue else m for m in state.memberships])
    else:
        if not policy.status(state.status).direct_calls:
            raise NotEligible(agent=state.agent, queue=None, channel=event.channel, event=event,
                              why=f"status {state.status!r} takes no direct calls",
                              blocker=Blocker(kind=BlockKind.STATUS, name=state.status))
        found = device_blocker(state) or slots(policy, state, event.channel)
        if found is not None:
            raise NotEligible(agent=state.agent, queue=None, channel=event.channel, event=event,
                              why=describe(policy, found), blocker=found)
    direction = Direction.DIRECT if event.queue is None else Direction.QUEUE
    draft.interactions = (*state.interactions, build_interaction(
        event.interaction, event.channel, event.queue, InteractionState.OFFERED, at,
        direction))
    if policy.timers.offer_timeout is not None:
        draft.add_deadline(Deadline(at=shift(at, policy.timers.offer_timeout),
                                    timer=Timer.OFFER, ref=event.interaction))


def answered(policy: Policy, state: AgentState, draft: Draft, event: InteractionAnswered,
             at: datetime, actor: Actor) -> None:
    item = find_interaction(state, event, event.interaction, ringing=True)
    connected = build_interaction(item.id, item.channel, item.queue, InteractionState.CONNECTED,
                                  at, item.direction)
    draft.interactions = tuple([connected if i is item else i for i in state.interactions])
    draft.drop_deadlines(Timer.OFFER, item.id)
    draft.missed_in_a_row = 0
    if item.queue is None:
        return
    draft.memberships = tuple([_count_call(policy, state, m, at) if m.queue == item.queue
                               else m for m in state.memberships])
    draft.handled += 1
    status = policy.status(state.status)
    if (status.interaction_limit is not None and status.then is not None
            and draft.handled >= status.interaction_limit and draft.pending is None):
        draft.pending = Pending(status=status.then, reason=_implied(policy, status.then),
                                actor=SYSTEM, requested_at=at)
        draft.note(Tag.PENDING, f"{status.then!r} pending: {status.label} took "
                              f"{status.interaction_limit} interaction(s)")


def _count_call(policy: Policy, state: AgentState, member: Membership, at: datetime
                ) -> Membership:
    """One more call answered from the member's queue today (for the fewest-calls strategy)."""
    if member.calls_until is not None and at < member.calls_until:
        calls, until = member.calls + 1, member.calls_until
    else:
        calls, until = 1, _ledger.calendar_day(state.timezone or policy.day.timezone, at)[1]
    return build_membership(member.queue, member.penalty, member.position, member.paused,
                            member.last_offer_at, calls, until, member.paused_by)


def _implied(policy: Policy, status: str) -> str | None:
    reasons = policy.status(status).reasons
    return reasons[0] if len(reasons) == 1 else None


def ended(policy: Policy, state: AgentState, draft: Draft, event: InteractionEnded,
          at: datetime, actor: Actor) -> None:
    item = find_interaction(state, event, event.interaction, ringing=None)
    draft.interactions = tuple([i for i in state.interactions if i is not item])
    draft.drop_deadlines(Timer.OFFER, item.id)
    if item.state is InteractionState.OFFERED:
        draft.note(Tag.WITHDRAWN, "offer withdrawn")
        return
    _wrap_up(policy, state, draft, item, at)


def _wrap_up(policy: Policy, state: AgentState, draft: Draft, item: Interaction, at: datetime
             ) -> None:
    """Post-processing after the agent's side of ``item`` ended, if its direction gets it."""
    direction = item.direction
    if item.queue is None and direction is Direction.QUEUE:  # stored before directions existed
        direction = Direction.DIRECT
    if direction not in policy.wrap_up_directions:
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


def _replace(state: AgentState, draft: Draft, item: Interaction, new: Interaction) -> None:
    draft.interactions = tuple([new if i is item else i for i in state.interactions])


def held(policy: Policy, state: AgentState, draft: Draft, event: InteractionHeld,
         at: datetime, actor: Actor) -> None:
    item = find_interaction(state, event, event.interaction, ringing=False)
    if item.state is InteractionState.HELD:
        raise InvalidEvent(agent=state.agent, event=event,
                           why=f"interaction {item.id!r} is already on hold")
    _replace(state, draft, item, build_interaction(
        item.id, item.channel, item.queue, InteractionState.HELD, at, item.direction,
        item.hold, item.transfer))


def resumed(policy: Policy, state: AgentState, draft: Draft, event: InteractionResumed,
            at: datetime, actor: Actor) -> None:
    item = find_interaction(state, event, event.interaction, ringing=False)
    if item.state is not InteractionState.HELD:
        raise InvalidEvent(agent=state.agent, event=event,
                           why=f"interaction {item.id!r} is not on hold")
    transfer = item.transfer
    if transfer is TransferKind.ATTENDED:
        transfer = None
        draft.note(None, f"attended transfer of {item.id!r} abandoned: customer taken back")
    _replace(state, draft, item, build_interaction(
        item.id, item.channel, item.queue, InteractionState.CONNECTED, at, item.direction,
        item.hold_at(at), transfer))


def transferred(policy: Policy, state: AgentState, draft: Draft, event: InteractionTransferred,
                at: datetime, actor: Actor) -> None:
    item = find_interaction(state, event, event.interaction, ringing=False)
    if item.transfer is not None:
        raise InvalidEvent(agent=state.agent, event=event,
                           why=f"interaction {item.id!r} is already in a {item.transfer.value} "
                               "transfer; end it (complete) or resume it (take it back) first")
    target = "" if event.target is None else f" to {event.target}"
    draft.note(None, f"{event.kind.value} transfer of {item.id!r}{target}")
    if event.kind is TransferKind.BLIND:  # the agent drops at once
        draft.interactions = tuple([i for i in state.interactions if i is not item])
        _wrap_up(policy, state, draft, item, at)
        return
    if event.kind is TransferKind.ATTENDED and item.state is not InteractionState.HELD:
        new = build_interaction(item.id, item.channel, item.queue, InteractionState.HELD, at,
                                item.direction, item.hold, event.kind)
    else:  # live (three-way), or attended with the customer already on hold
        new = build_interaction(item.id, item.channel, item.queue, item.state, item.since,
                                item.direction, item.hold, event.kind)
    _replace(state, draft, item, new)


def started(policy: Policy, state: AgentState, draft: Draft, event: InteractionStarted,
            at: datetime, actor: Actor) -> None:
    check_logged_in(state, event)
    if state.interaction(event.interaction) is not None:
        raise InvalidEvent(agent=state.agent, event=event,
                           why=f"interaction {event.interaction!r} is already open")
    if event.direction is Direction.QUEUE:
        raise InvalidEvent(agent=state.agent, event=event,
                           why="queue work is offered (InteractionOffered), not started; "
                               "expected direction outbound or direct")
    draft.interactions = (*state.interactions, build_interaction(
        event.interaction, event.channel, None, InteractionState.CONNECTED, at,
        event.direction))


def missed(policy: Policy, state: AgentState, draft: Draft, event: InteractionMissed,
           at: datetime, actor: Actor) -> None:
    item = find_interaction(state, event, event.interaction, ringing=True)
    _miss(policy, state, draft, item, at)


def _miss(policy: Policy, state: AgentState, draft: Draft, item: Interaction, at: datetime
          ) -> None:
    draft.interactions = tuple([i for i in draft.interactions if i.id != item.id])
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


def _system_move(policy: Policy, draft: Draft, dest: str, reason: str | None, why: str
                 ) -> bool:
    if dest == draft.status and reason == draft.reason:
        return False
    if Role.SYSTEM not in policy.allowed(draft.status, dest) and dest != draft.status:
        draft.note(None, f"{why}: the policy does not let the system move "
                         f"{draft.status!r} -> {dest!r}")
        return False
    draft.move(dest, reason)
    draft.note(Tag.AUTO_MOVED, f"moved to {dest!r}: {why}")
    return True


def _delay(draft: Draft, until: datetime) -> None:
    current = next((d for d in draft.deadlines if d.timer is Timer.DELAY), None)
    if current is None or current.at < until:
        draft.drop_deadlines(Timer.DELAY)
        draft.add_deadline(Deadline(at=until, timer=Timer.DELAY))


def rejected(policy: Policy, state: AgentState, draft: Draft, event: InteractionRejected,
             at: datetime, actor: Actor) -> None:
    item = find_interaction(state, event, event.interaction, ringing=True)
    draft.interactions = tuple([i for i in state.interactions if i is not item])
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


def end_wrap_up(policy: Policy, state: AgentState, draft: Draft, event: EndWrapUp,
                at: datetime, actor: Actor) -> None:
    if state.wrap_up_mode is None:
        raise InvalidEvent(agent=state.agent, event=event, why="not in post-processing")
    if state.wrap_up_mode is WrapUpMode.TIMED:
        raise InvalidEvent(agent=state.agent, event=event,
                           why="post-processing is time-boxed and cannot be ended early")
    draft.wrap_up_mode = None
    draft.drop_deadlines(Timer.WRAP_UP)


def timer_fired(policy: Policy, state: AgentState, draft: Draft, event: TimerFired,
                at: datetime, actor: Actor) -> None:
    deadline = next((d for d in state.deadlines
                     if d.timer is event.timer and d.ref == event.ref), None)
    if deadline is None or deadline.at > at:
        raise InvalidEvent(agent=state.agent, event=event,
                           why=f"no {event.timer.value} timer due at {at.isoformat()}")
    draft.deadlines = tuple([d for d in state.deadlines if d is not deadline])
    if deadline.timer is Timer.OFFER:
        item = find_interaction(state, event, deadline.ref or "", ringing=True)
        draft.note(None, f"no answer to {item.id!r} within the offer timeout")
        _miss(policy, state, draft, item, at)
    elif deadline.timer is Timer.WRAP_UP:
        draft.wrap_up_mode = None
    elif deadline.timer is Timer.PAUSE_LIMIT and state.reason is not None:
        _pause_limit(policy, state, draft, state.reason, at)


def _pause_limit(policy: Policy, state: AgentState, draft: Draft, reason: str,
                 at: datetime) -> None:
    if not _ledger.is_overrun(policy, reason, state.pauses, state.since, at, state.timezone):
        due = _ledger.limit_deadline(policy, reason, state.pauses, state.since, at,
                                     state.timezone)
        if due is not None:
            draft.add_deadline(Deadline(at=due, timer=Timer.PAUSE_LIMIT))
        draft.note(None, f"{reason} limit moved: a new day began")
        return
    draft.overrun_at = at
    draft.note(Tag.OVERRUN, f"{reason} overran its limit")
    if policy.overrun_status is not None:
        _system_move(policy, draft, policy.overrun_status,
                     _implied(policy, policy.overrun_status), f"{reason} overran its limit")

