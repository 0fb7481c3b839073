"""The replay: the adapter's policy, the caller side of queue calls, and records turned into
events applied to a tracker.

Its length has one reason to change: the meaning of Asterisk's queue_log records.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

import attrs
import pendulum

from ..._errors import AgentStateError, InvalidField
from ..._events import (
    Event,
    InteractionAnswered,
    InteractionEnded,
    InteractionMissed,
    InteractionOffered,
    InteractionTransferred,
    JoinQueue,
    LeaveQueue,
    Login,
    Logout,
    SetStatus,
    TransferKind,
)
from ..._policy import PauseReason, Policy
from ..._report import Report, agent_reports, report
from ..._state import AgentState, Change, InteractionState
from ..._store import Store
from ..._time import ManualClock, elapsed, to_utc
from ..._tracker import Tracker
from ._common import ASTERISK, NO_REASON, NONE, PAUSED, Note, NoteKind, QueueLogError
from ._identity import Pairing, resolve
from ._records import (
    AddMember,
    AgentLogin,
    AgentLogoff,
    CallerExit,
    Complete,
    Connect,
    EnterQueue,
    Other,
    Pause,
    QueueLog,
    QueueStart,
    Record,
    RemoveMember,
    RingCanceled,
    RingNoAnswer,
    Transfer,
    Unpause,
    read,
    transfer_of,
)

__all__ = ["CallOutcome", "QueueCall", "Replay", "Restart", "member_agent", "policy", "replay"]

# -- the policy ----------------------------------------------------------------------------------


def policy(*, reasons: Iterable[str | PauseReason] = (), capacity: int = 2,
           name: str = "asterisk") -> Policy:
    """An Asterisk-style policy: ``logged_out``, ``available`` (routable) and ``paused``.

    This is :func:`agentstate.presets.asterisk_queue` with its defaults, so replays and live
    tracking agree. ``paused`` takes the given reasons and :data:`NO_REASON`. Asterisk's pause
    reasons are free text: pass those of a log (:attr:`QueueLog.pause_reasons`), or
    :class:`~agentstate.PauseReason` values to say which are paid. A status change during a
    call applies at once, as in Asterisk.

    An agent holds two voice calls by default: Asterisk rings a member that is already on a call
    (``ringinuse=yes``, or a Local-channel or callback member whose device state the queue cannot
    see) and may ring it for two waiting calls at once, as the PBXware capture shows.

    >>> p = policy(reasons=["Lunch", PauseReason(code="Tea Break", paid=True)])
    >>> p.status("paused").reasons
    ('Lunch', 'Tea Break', '(none)')

    Args:
        reasons: pause reasons, as codes or :class:`~agentstate.PauseReason` values.
        capacity: how many voice calls an agent holds (rings or talks) at once.
        name: the policy's name.
    """
    from ...presets import asterisk_queue

    return asterisk_queue(reasons=reasons, capacity=capacity, name=name)


_default_policy = policy


def member_agent(member: str) -> str:
    """The agent id of a queue_log member: the interface's resource, without its context.

    >>> member_agent("Local/1127@callback-agent"), member_agent("Agent/1127")
    ('1127', '1127')
    >>> member_agent("PJSIP/alice"), member_agent("Alice Smith")
    ('alice', 'Alice Smith')
    """
    resource = member.split("/", 1)[1] if "/" in member else member
    return resource.split("@", 1)[0].split("/", 1)[0] or member


# -- the caller side -----------------------------------------------------------------------------


class CallOutcome(enum.Enum):
    """How a queue call ended, seen from the caller."""

    COMPLETED_BY_AGENT = "completed_by_agent"
    COMPLETED_BY_CALLER = "completed_by_caller"
    TRANSFERRED = "transferred"
    ABANDONED = "abandoned"
    """The caller hung up while waiting."""
    TIMEOUT = "timeout"
    """The queue's maximum wait was reached (EXITWITHTIMEOUT)."""
    EMPTY = "empty"
    """The queue had no members (EXITEMPTY)."""
    KEY = "key"
    """The caller pressed a key to leave (EXITWITHKEY)."""
    RESTART = "restart"
    """Asterisk restarted during the call."""
    OPEN = "open"
    """Still waiting or talking when the log ends (or superseded by a new ENTERQUEUE)."""


@attrs.frozen(kw_only=True)
class QueueCall:
    """One caller's stay in a queue, rebuilt from the log's timestamps.

    Attributes:
        callid: the caller channel's unique id.
        queue: the queue.
        caller: the caller id, if ENTERQUEUE gave one.
        entered_at: when the caller entered the queue (``None`` if before the log).
        agent: the agent it was connected to, if any.
        connected_at: when an agent answered.
        ended_at: when the call left the queue or ended (``None`` if still open).
        outcome: how it ended.
    """

    callid: str
    queue: str
    caller: str | None
    entered_at: datetime | None
    agent: str | None
    connected_at: datetime | None
    ended_at: datetime | None
    outcome: CallOutcome

    @property
    def hold_time(self) -> timedelta | None:
        """How long the caller waited before an agent answered (Asterisk's holdtime)."""
        if self.entered_at is None or self.connected_at is None:
            return None
        return elapsed(self.entered_at, self.connected_at)

    @property
    def wait_time(self) -> timedelta | None:
        """How long the caller was in the queue before it answered or left."""
        left = self.connected_at if self.connected_at is not None else self.ended_at
        if self.entered_at is None or left is None:
            return None
        return elapsed(self.entered_at, left)

    @property
    def talk_time(self) -> timedelta | None:
        """How long the caller talked with the agent (Asterisk's calltime)."""
        if self.connected_at is None or self.ended_at is None:
            return None
        return elapsed(self.connected_at, self.ended_at)


# -- the replay ----------------------------------------------------------------------------------


class Restart(enum.Enum):
    """What an Asterisk restart (QUEUESTART) does to the agents' sessions."""

    KEEP = "keep"
    """Sessions carry on (the PBX restores members); open calls end at the restart."""
    LOGOUT = "logout"
    """Every agent is logged out at the restart; open calls end there too."""


@attrs.frozen(kw_only=True, eq=False)
class Replay:
    """The result of :func:`replay`: the tracker it filled, the caller side, and the notes.

    Attributes:
        tracker: the tracker holding every agent's state and history.
        calls: the queue calls, caller side, in order of entry.
        notes: everything worth knowing about particular lines, in line order.
        start: the earliest instant replayed: the first line's time, or a ring time before it
            (``None`` for an empty log).
        end: the last line's time.
        pairings: the interfaces found to mean member names (see *Agents* in the module), in
            log order.
    """

    tracker: Tracker
    calls: tuple[QueueCall, ...]
    notes: tuple[Note, ...]
    start: pendulum.DateTime | None
    end: pendulum.DateTime | None
    pairings: tuple[Pairing, ...] = ()

    @property
    def problems(self) -> tuple[Note, ...]:
        """The notes that report errors: malformed lines, unknown events, refused events."""
        return tuple(n for n in self.notes if n.kind.is_problem)

    @property
    def skipped(self) -> tuple[Note, ...]:
        """The lines with nothing to replay."""
        return tuple(n for n in self.notes if n.kind is NoteKind.SKIPPED)

    def history(self) -> list[Change]:
        """Every agent's history, agent by agent."""
        return [c for agent in sorted(self.tracker.agents())
                for c in self.tracker.history(agent)]

    def _range(self, start: datetime | None, end: datetime | None, until: datetime | None
               ) -> tuple[datetime, datetime, datetime]:
        first = self.start or self.tracker.clock.now()
        last = self.end or first
        begin = first if start is None else start
        finish = to_utc(last) + timedelta(seconds=1) if end is None else end
        return begin, finish, last if until is None else until

    def report(self, *, start: datetime | None = None, end: datetime | None = None,
               until: datetime | None = None) -> Report:
        """The team report. By default over the whole log: from its first line to one second
        after its last, with what is still open at the end running until the last line."""
        begin, finish, stop = self._range(start, end, until)
        return report(self.history(), self.tracker.policy, start=begin, end=finish, until=stop)

    def agent_reports(self, *, start: datetime | None = None, end: datetime | None = None,
                      until: datetime | None = None) -> dict[str, Report]:
        """One report per agent, over the same default range as :meth:`report`."""
        begin, finish, stop = self._range(start, end, until)
        return agent_reports(self.history(), self.tracker.policy, start=begin, end=finish,
                             until=stop)


@attrs.define
class _Member:
    """What the log says of one agent: the queues it is in, and whether it has an agent login."""

    queues: set[str] = attrs.Factory(set)
    agent_login: bool = False


@attrs.define
class _Call:
    callid: str
    queue: str
    caller: str | None = None
    entered_at: datetime | None = None
    agent: str | None = None
    connected_at: datetime | None = None

    def done(self, at: datetime | None, outcome: CallOutcome) -> QueueCall:
        return QueueCall(callid=self.callid, queue=self.queue, caller=self.caller,
                         entered_at=self.entered_at, agent=self.agent,
                         connected_at=self.connected_at, ended_at=at, outcome=outcome)


def replay(source: Iterable[str] | QueueLog, *, policy: Policy | None = None,
           store: Store | None = None, tracker: Tracker | None = None,
           agent_id: Callable[[str], str] = member_agent, restart: Restart = Restart.KEEP,
           members: Mapping[str, str] | None = None, strict: bool = False) -> Replay:
    """Replay a queue_log through a tracker: agents' statuses and calls, and the caller side.

    Args:
        source: the log's lines, or a :class:`QueueLog` already read.
        policy: the policy to replay under; default :func:`policy` with the log's pause reasons.
            A policy of your own needs the statuses of :func:`policy` (``paused`` taking the
            log's reasons and :data:`NO_REASON`). Unused with ``tracker``, which has its own.
        store: where the new tracker keeps agents and history (default in memory).
        tracker: a tracker to replay into instead (its clock must be a ``ManualClock``).
        agent_id: maps a member name (or an interface never paired with one) to an agent id.
        members: the host's pairings, member interface to member name (``{"SIP/1001":
            "Sathish"}``); they win over the pairings learned from the log.
        restart: what QUEUESTART does to sessions (see the module's *Restarts*).
        strict: raise on the first problem instead of noting it and carrying on.

    Raises:
        QueueLogError: with ``strict``, the first malformed line, unknown event or refused one.
        TypeError: ``tracker``'s clock is not a :class:`~agentstate.ManualClock`.
    """
    log = source if isinstance(source, QueueLog) else read(source, strict=strict)
    steps = sorted(step for record in log.records for step in _plan(record))
    if tracker is None:
        chosen = policy if policy is not None else _default_policy(reasons=log.pause_reasons)
        tracker = Tracker(chosen, store=store,
                          clock=ManualClock(steps[0].at if steps else None))
    if not isinstance(tracker.clock, ManualClock):
        raise TypeError(f"replay needs a tracker with a ManualClock, got {tracker.clock!r}")
    agents, pairings = resolve(log.records, agent_id, members)
    engine = _Replayer(tracker, tracker.clock, agents=agents, restart=restart, strict=strict)
    for step in steps:
        engine.run(step)
    calls = engine.finish()
    notes = sorted((*log.notes, *engine.notes), key=lambda n: n.line)
    times = [r.time for r in log.records]
    return Replay(tracker=tracker, calls=calls, notes=tuple(notes),
                  start=to_utc(steps[0].at) if steps else None, end=max(times, default=None),
                  pairings=pairings)


@attrs.frozen(order=True)
class _Step:
    """One thing to do at one instant. Steps run in time order, then log order."""

    at: datetime
    line: int
    order: int
    action: _Action = attrs.field(order=False)
    record: Record = attrs.field(order=False)


def _plan(record: Record) -> list[_Step]:
    """The steps of one record: a ring is offered ``ring_time`` before its line's time."""
    if isinstance(record, RingNoAnswer | RingCanceled | Connect):
        second = _TWO_STEPS[type(record)]
        return [_Step(record.time - record.ring_time, record.line, 0, _Replayer.offer, record),
                _Step(record.time, record.line, 1, second, record)]
    first = _ONE_STEP.get(type(record))
    return [] if first is None else [_Step(record.time, record.line, 0, first, record)]


class _Replayer:
    """Applies the steps of a log to a tracker, in time order."""

    def __init__(self, tracker: Tracker, clock: ManualClock, *, agents: Mapping[int, str],
                 restart: Restart, strict: bool) -> None:
        self.tracker, self.clock, self.agents = tracker, clock, agents
        self.restart, self.strict = restart, strict
        self.policy = tracker.policy
        self.members: dict[str, _Member] = {}
        self.open_calls: dict[str, _Call] = {}
        self.calls: list[QueueCall] = []
        self.offered: set[tuple[str, str, int]] = set()
        self.cut: set[tuple[str, str]] = set()
        self.notes: list[Note] = []
        self.record: Record | None = None

    # -- plumbing ------------------------------------------------------------------------------

    def run(self, step: _Step) -> None:
        self.record = step.record
        at: datetime = step.at
        now = self.clock.now()
        if at < now:  # only with a tracker that already holds later history
            self.note(NoteKind.ADJUSTED, f"stamped {elapsed(at, now)} before the clock; "
                                         f"replayed at {now.isoformat()}")
            at = now
        else:
            self.clock.set(at)
        try:
            step.action(self, step.record, at)
        except InvalidField as error:  # a name beyond the input limits (U+0000, too long)
            self.note(NoteKind.MALFORMED, f"cannot be replayed: {error}")

    def finish(self) -> tuple[QueueCall, ...]:
        for call in self.open_calls.values():
            self.calls.append(call.done(None, CallOutcome.OPEN))
        self.open_calls.clear()
        return tuple(sorted(self.calls, key=_call_order))

    def note(self, kind: NoteKind, message: str) -> None:
        record = self.record
        assert record is not None
        if self.strict and kind.is_problem:
            raise QueueLogError(message, line=record.line, kind=kind, event=record.event)
        self.notes.append(Note(line=record.line, kind=kind, event=record.event,
                               message=message))

    def state(self, agent: str) -> AgentState | None:
        return self.tracker.store.load(agent)

    def apply(self, event: Event) -> bool:
        try:
            self.tracker.apply(event)
        except AgentStateError as error:
            self.note(NoteKind.REFUSED, str(error))
            return False
        return True

    def clamp(self, agent: str, wanted: datetime, what: str) -> datetime:
        """``wanted``, or the agent's last change if that is later (noted)."""
        state = self.state(agent)
        if state is None or wanted >= state.updated_at:
            return wanted
        self.note(NoteKind.ADJUSTED, f"{what} of agent {agent!r} moved "
                                     f"{elapsed(wanted, state.updated_at)} later, to its last "
                                     "recorded change")
        return state.updated_at

    def agent(self) -> str | None:
        record = self.record
        assert record is not None
        if record.member in ("", NONE):
            self.note(NoteKind.MALFORMED, f"{record.event} names no agent")
            return None
        return self.agents[record.line]

    def queue(self) -> str | None:
        record = self.record
        assert record is not None
        return None if record.queue in ("", NONE) else record.queue

    def membership(self, agent: str) -> _Member:
        return self.members.setdefault(agent, _Member())

    def register(self, agent: str, at: datetime) -> AgentState:
        state = self.state(agent)
        if state is None:
            self.tracker.register(agent, at=at)
            state = self.state(agent)
            assert state is not None
        return state

    def login(self, agent: str, at: datetime, *, paused: bool = False, device: str | None = None
              ) -> bool:
        queue = self.queue()
        ok = self.apply(Login(agent=agent, at=at, actor=ASTERISK, device=device or None,
                              queues=(queue,) if queue else (),
                              status=PAUSED if paused else None))
        state = self.state(agent)
        if ok and paused and state is not None and state.reason is None:
            ok = self.apply(SetStatus(agent=agent, at=at, actor=ASTERISK, status=PAUSED,
                                      reason=NO_REASON))
        return ok

    def session(self, agent: str, at: datetime) -> bool:
        """Make sure the agent is logged in at ``at`` (an implicit login, noted)."""
        state = self.register(agent, at)
        if state.session is not None:
            return True
        self.note(NoteKind.ADJUSTED, f"agent {agent!r} logged in implicitly (a static member, "
                                     "or the log starts in its session)")
        return self.login(agent, self.clamp(agent, at, "login"))

    def join(self, agent: str, queue: str, at: datetime, *, why: str | None = None) -> bool:
        """Make the agent a member of ``queue`` (noted with ``why`` when implicit)."""
        state = self.state(agent)
        if state is None or state.membership(queue) is not None:
            return True
        if why is not None:
            self.note(NoteKind.ADJUSTED, f"agent {agent!r} joined queue {queue!r} implicitly "
                                         f"({why})")
        return self.apply(JoinQueue(agent=agent, at=self.clamp(agent, at, "join"),
                                    actor=ASTERISK, queue=queue))

    def end_calls(self, agent: str, at: datetime, why: str) -> None:
        state = self.state(agent)
        if state is None:
            return
        for item in state.interactions:
            self.note(NoteKind.ADJUSTED, f"call {item.id!r} of agent {agent!r} ended: {why}")
            self.cut.add((agent, item.id))
            self.apply(InteractionEnded(agent=agent, at=max(at, state.updated_at),
                                        actor=ASTERISK, interaction=item.id))

    def logout_if_gone(self, agent: str, at: datetime) -> None:
        member = self.membership(agent)
        state = self.state(agent)
        if member.queues or member.agent_login or state is None or state.session is None:
            return
        when = self.clamp(agent, at, "logoff")
        self.end_calls(agent, when, "the agent logged off during it")
        self.apply(Logout(agent=agent, at=when, actor=ASTERISK))

    # -- agent side ------------------------------------------------------------------------------

    def add_member(self, record: AddMember, at: datetime) -> None:
        agent = self.agent()
        if agent is None:
            return
        queue = self.queue()
        if queue is not None:
            self.membership(agent).queues.add(queue)
        if self.register(agent, at).session is None:
            self.login(agent, self.clamp(agent, at, "login"), paused=record.paused)
        elif queue is not None:
            self.join(agent, queue, at)

    def remove_member(self, record: RemoveMember, at: datetime) -> None:
        agent = self.agent()
        if agent is None:
            return
        queue = self.queue()
        if queue is not None:
            self.membership(agent).queues.discard(queue)
            state = self.state(agent)
            if state is not None and state.membership(queue) is not None:
                self.apply(LeaveQueue(agent=agent, at=self.clamp(agent, at, "leave"),
                                      actor=ASTERISK, queue=queue))
        self.logout_if_gone(agent, at)

    def agent_login(self, record: AgentLogin, at: datetime) -> None:
        agent = self.agent()
        if agent is None:
            return
        self.membership(agent).agent_login = True
        if self.register(agent, at).session is None:
            self.login(agent, self.clamp(agent, at, "login"), device=record.location)

    def agent_logoff(self, record: AgentLogoff, at: datetime) -> None:
        agent = self.agent()
        if agent is None:
            return
        self.membership(agent).agent_login = False
        self.logout_if_gone(agent, at)

    def pause(self, record: Pause, at: datetime) -> None:
        agent = self.agent()
        if agent is None:
            return
        when = self.clamp(agent, at, "pause")
        if not self.session(agent, when):
            return
        reason = record.reason or NO_REASON
        state = self.state(agent)
        assert state is not None
        if state.status == PAUSED and state.reason == reason:
            return  # PAUSEALL, then the same pause per queue: counted once
        self.apply(SetStatus(agent=agent, at=when, actor=ASTERISK, status=PAUSED,
                             reason=reason))

    def unpause(self, record: Unpause, at: datetime) -> None:
        agent = self.agent()
        if agent is None:
            return
        state = self.state(agent)
        if state is None or state.session is None or state.status != PAUSED:
            return
        self.apply(SetStatus(agent=agent, at=self.clamp(agent, at, "unpause"), actor=ASTERISK,
                             status=self.policy.login_status))

    # -- calls -----------------------------------------------------------------------------------

    def offer(self, record: Record, at: datetime) -> None:
        """The first step of a ring: the record's call offered to the agent at ``at``."""
        agent = self.agent()
        if agent is None:
            return
        when = self.clamp(agent, at, "offer")
        queue = self.queue()
        if not self.session(agent, when) or (queue is not None and not self.join(
                agent, queue, when, why="a static member, or joined before the log begins")):
            return
        state = self.state(agent)
        assert state is not None
        if state.interaction(record.callid) is None and not self.apply(InteractionOffered(
                agent=agent, at=when, actor=ASTERISK, interaction=record.callid, queue=queue)):
            return
        self.offered.add((agent, record.callid, record.line))

    def ringing(self, record: Record) -> str | None:
        """The agent whose offer of this record's call is still ringing, if any."""
        if record.member in ("", NONE):
            return None
        agent = self.agents[record.line]
        if (agent, record.callid, record.line) not in self.offered:
            return None  # the offer was refused (noted) or never made
        state = self.state(agent)
        item = None if state is None else state.interaction(record.callid)
        if item is None or item.state is not InteractionState.OFFERED:
            self.note(NoteKind.SKIPPED, f"{record.event}: the offer of {record.callid!r} to "
                                        f"agent {agent!r} was already closed")
            return None
        return agent

    def missed(self, record: RingNoAnswer, at: datetime) -> None:
        agent = self.ringing(record)
        if agent is not None:
            self.apply(InteractionMissed(agent=agent, at=at, actor=ASTERISK,
                                         interaction=record.callid))

    def withdrawn(self, record: RingCanceled, at: datetime) -> None:
        agent = self.ringing(record)
        if agent is not None:
            self.apply(InteractionEnded(agent=agent, at=at, actor=ASTERISK,
                                        interaction=record.callid))

    def answered(self, record: Connect, at: datetime) -> None:
        call = self.open_calls.get(record.callid)
        if call is None:
            call = self.open_calls[record.callid] = _Call(callid=record.callid,
                                                          queue=record.queue)
        call.connected_at = at
        if record.member not in ("", NONE):
            call.agent = self.agents[record.line]
        agent = self.ringing(record)
        if agent is not None:
            self.apply(InteractionAnswered(agent=agent, at=at, actor=ASTERISK,
                                           interaction=record.callid))

    def hang_up(self, record: Complete | Transfer, at: datetime) -> None:
        if isinstance(record, Transfer):
            outcome = CallOutcome.TRANSFERRED
        else:
            outcome = (CallOutcome.COMPLETED_BY_CALLER if record.by_caller
                       else CallOutcome.COMPLETED_BY_AGENT)
        call = self.open_calls.pop(record.callid, None)
        if call is not None:
            self.calls.append(call.done(at, outcome))
        agent = self.agent()
        if agent is None:
            return
        state = self.state(agent)
        item = None if state is None else state.interaction(record.callid)
        if item is None or item.state is InteractionState.OFFERED:
            why = ("the replay had already ended it" if (agent, record.callid) in self.cut
                   else "no connected call (connected before the log begins?)")
            self.note(NoteKind.SKIPPED, f"{record.event} of {record.callid!r} for agent "
                                        f"{agent!r}: {why}")
            return
        at = self.clamp(agent, at, "hang-up")
        if isinstance(record, Transfer):
            kind, target = transfer_of(record)
            self.apply(InteractionTransferred(agent=agent, at=at, actor=ASTERISK,
                                              interaction=record.callid, kind=kind,
                                              target=target))
            if kind is TransferKind.BLIND:  # the agent's side ends at once
                return
        self.apply(InteractionEnded(agent=agent, at=at, actor=ASTERISK,
                                    interaction=record.callid))

    # -- caller side and the system --------------------------------------------------------------

    def enter_queue(self, record: EnterQueue, at: datetime) -> None:
        old = self.open_calls.pop(record.callid, None)
        if old is not None:
            self.calls.append(old.done(None, CallOutcome.OPEN))
        self.open_calls[record.callid] = _Call(callid=record.callid, queue=record.queue,
                                               caller=record.caller or None, entered_at=at)

    def caller_exit(self, record: CallerExit, at: datetime) -> None:
        outcome = {"ABANDON": CallOutcome.ABANDONED, "EXITEMPTY": CallOutcome.EMPTY,
                   "EXITWITHKEY": CallOutcome.KEY}.get(record.event, CallOutcome.TIMEOUT)
        call = self.open_calls.pop(record.callid, None)
        if call is None:
            call = _Call(callid=record.callid, queue=record.queue)
        self.calls.append(call.done(at, outcome))

    def queue_start(self, record: QueueStart, at: datetime) -> None:
        for call in self.open_calls.values():
            self.calls.append(call.done(at, CallOutcome.RESTART))
        self.open_calls.clear()
        for agent in sorted(self.tracker.agents()):
            self.end_calls(agent, at, "Asterisk restarted")
            if self.restart is Restart.LOGOUT:
                self.members[agent] = _Member()
                state = self.state(agent)
                if state is not None and state.session is not None:
                    self.note(NoteKind.ADJUSTED,
                              f"agent {agent!r} logged out: Asterisk restarted")
                    self.apply(Logout(agent=agent, at=max(at, state.updated_at),
                                      actor=ASTERISK))

    def other(self, record: Other, at: datetime) -> None:
        family = ("a PBXware outbound-call event" if record.event.startswith("OUT")
                  else "no agent status meaning")
        self.note(NoteKind.SKIPPED, f"{record.event}: {family}")


_Action = Callable[[_Replayer, Any, datetime], None]
"""A step's handler: the replayer, the step's record (of the type the table pairs it with), and
the instant."""

_TWO_STEPS: dict[type[Record], _Action] = {
    RingNoAnswer: _Replayer.missed, RingCanceled: _Replayer.withdrawn,
    Connect: _Replayer.answered}
"""The second step of a ring, after the offer: missed, withdrawn or answered."""

_ONE_STEP: dict[type[Record], _Action] = {
    AddMember: _Replayer.add_member, RemoveMember: _Replayer.remove_member,
    AgentLogin: _Replayer.agent_login, AgentLogoff: _Replayer.agent_logoff,
    Pause: _Replayer.pause, Unpause: _Replayer.unpause, Complete: _Replayer.hang_up,
    Transfer: _Replayer.hang_up, EnterQueue: _Replayer.enter_queue,
    CallerExit: _Replayer.caller_exit, QueueStart: _Replayer.queue_start, Other: _Replayer.other}
"""The one step of every other record type (CONFIGRELOAD has none)."""


def _call_order(call: QueueCall) -> tuple[datetime, str]:
    first = call.entered_at or call.connected_at or call.ended_at
    return (first or datetime.min.replace(tzinfo=pendulum.UTC), call.callid)
