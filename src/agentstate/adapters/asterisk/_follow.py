"""The queue_log read incrementally: follow a growing file from a stored position.

:class:`QueueLogAdapter` is the queue_log on the shared adapter base: feed it what was appended
to the file, apply the batch to a tracker, store :attr:`~QueueLogAdapter.position`, and resume
from it later. Lines are held until a line of a later second arrives (or :meth:`close`), so
that an interface's ADDMEMBER and the member name logged beside it are paired as in
:func:`~agentstate.adapters.asterisk.replay`.

It applies lines in log order, where :func:`~agentstate.adapters.asterisk.replay` sorts the steps
of a whole log by time: a ring's offer (``ring`` seconds before its line) that would fall before
the agent's last event is moved to it (noted). Replay a finished log with ``replay`` for exact
ring times and the caller side of the calls.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from .._base import Adapter
from .._values import NoteKind, Position
from ._common import NO_REASON, PAUSED, QueueLogError
from ._identity import Pairing, Resolver
from ._records import (
    AddMember,
    AgentLogin,
    AgentLogoff,
    CallerExit,
    Complete,
    ConfigReload,
    Connect,
    EnterQueue,
    Other,
    Pause,
    QueueStart,
    Record,
    RemoveMember,
    RingCanceled,
    RingNoAnswer,
    Transfer,
    Unpause,
    parse_line,
)

__all__ = ["QueueLogAdapter"]


class QueueLogAdapter(Adapter):
    """An Asterisk queue_log, fed as it grows (sans-I/O).

    >>> adapter = QueueLogAdapter()
    >>> batch = adapter.feed("1700000000|c0|sales|SIP/7|ADDMEMBER|\\n"
    ...                      "1700000005|c1|sales|SIP/7|CONNECT|3|b1|2\\n")
    >>> [type(e).__name__ for e in batch.events]   # the second's lines wait for a later one
    ['Login']
    >>> [type(e).__name__ for e in adapter.close().events]
    ['InteractionOffered', 'InteractionAnswered']
    >>> adapter.position
    Position(offset=78, record=2)

    Args:
        agent_id: maps a member name to an agent id (see ``replay``).
        members: the host's pairings, interface to member name.
        login_status: the status an unpause returns to (the policy's login status).
        position, strict, now: see :class:`~agentstate.adapters.Adapter`.
    """

    name = "queue_log"
    error = QueueLogError

    def __init__(self, *, agent_id: Callable[[str], str] | None = None,
                 members: Mapping[str, str] | None = None, login_status: str = "available",
                 position: Position | None = None, strict: bool = False,
                 now: Callable[[], datetime] | None = None) -> None:
        from ._replay import member_agent

        super().__init__(position=position, strict=strict, now=now)
        self._resolver = Resolver(agent_id or member_agent, members)
        self._login_status = login_status
        self._group: list[Record] = []
        self._line_no = self.position.record
        self._logins: set[str] = set()

    @property
    def pairings(self) -> tuple[Pairing, ...]:
        """The interfaces paired with member names so far."""
        return tuple(self._resolver.pairings)

    def _line(self, text: str) -> None:
        self._line_no += 1
        number = self._line_no
        self._where = number
        if text.startswith("\x00"):
            dropped = len(text) - len(text.lstrip("\x00"))
            self._note(NoteKind.ADJUSTED, f"{dropped} NUL bytes dropped before the line (an "
                                          "unclean shutdown)")
        if not text.strip("\x00 \t"):
            self._done_unless_grouping()
            return
        try:
            record = parse_line(text, line=number)
        except QueueLogError as error:
            self._event_name = error.event
            self._note(error.kind, error.reason)
            self._done_unless_grouping()
            return
        if self._group and int(record.time.timestamp()) != int(
                self._group[0].time.timestamp()):
            self._run_group(keep=1)
        self._group.append(record)

    def _done_unless_grouping(self) -> None:
        if not self._group:
            self._commit(records=len(self._pending))

    def _end(self) -> None:
        if self._group:
            self._run_group(keep=0)
        if self._pending:
            self._commit(records=len(self._pending))

    def _run_group(self, *, keep: int) -> None:
        """Apply the lines of one second, and commit every pending line but the last ``keep``
        (the line of a later second that closed the group)."""
        group, self._group = self._group, []
        agents = self._resolver.resolve(group)
        for record in group:
            self._where = record.line
            self._event_name = record.event
            self._record_(record, agents.get(record.line))
        done = len(self._pending) - keep
        self._commit(lines=done, records=done)

    def _record_(self, record: Record, agent: str | None) -> None:
        at = record.time
        if agent is None:
            if isinstance(record, QueueStart):
                self._restart(at)
            elif isinstance(record, EnterQueue | CallerExit | ConfigReload | Other):
                self._note(NoteKind.SKIPPED, f"{record.event}: caller side or system event")
            else:
                self._note(NoteKind.MALFORMED, f"{record.event} names no agent")
            return
        queue = None if record.queue in ("", "NONE") else record.queue
        if isinstance(record, AddMember):
            self._login(agent, at, queues=(queue,) if queue else (),
                        status=PAUSED if record.paused else None)
            if record.paused:
                self._status(agent, at, PAUSED, NO_REASON)
        elif isinstance(record, AgentLogin):
            self._logins.add(agent)
            self._login(agent, at, device=record.location or None)
        elif isinstance(record, RemoveMember | AgentLogoff):
            if isinstance(record, AgentLogoff):
                self._logins.discard(agent)
            elif queue is not None:
                self._leave(agent, queue, at)
            view = self._agents.get(agent)
            if view is not None and view.logged_in and not view.queues \
                    and agent not in self._logins:
                self._logout(agent, at)
        elif isinstance(record, Pause):
            self._status(agent, at, PAUSED, record.reason or NO_REASON)
        elif isinstance(record, Unpause):
            self._status(agent, at, self._login_status)
        elif isinstance(record, RingNoAnswer | RingCanceled | Connect):
            self._offer(agent, record.callid, at - record.ring_time, queue=queue)
            if isinstance(record, Connect):
                self._answer(agent, record.callid, at, queue=queue)
            else:
                how = "missed" if isinstance(record, RingNoAnswer) else "ended"
                self._close(agent, record.callid, at, how=how)
        elif isinstance(record, Complete | Transfer):
            self._close(agent, record.callid, at)
        else:
            self._note(NoteKind.SKIPPED, f"{record.event}: no agent status meaning")

    def _restart(self, at: datetime) -> None:
        for agent, view in self._agents.items():
            for item in list(view.open):
                self._note(NoteKind.ADJUSTED, f"call {item!r} of agent {agent!r} ended: "
                                              "Asterisk restarted")
                self._close(agent, item, max(at, view.last))
