"""Asterisk Manager Interface (AMI): a sans-I/O adapter and an asyncio client.

:class:`AmiAdapter` reads AMI's ``Key: Value`` messages (ended by an empty line) and turns the
queue and agent events into agentstate events; :class:`AmiClient` logs in to a manager over TCP,
feeds the adapter and applies its batches to a :class:`~agentstate.Tracker`.

Mapping
-------
==================================  ==============================================================
AMI event                           agentstate
==================================  ==============================================================
QueueMemberAdded                    :class:`~agentstate.Login` (first queue) or
                                    :class:`~agentstate.JoinQueue`; ``Paused: 1`` pauses
QueueMemberRemoved                  :class:`~agentstate.LeaveQueue`; :class:`~agentstate.Logout`
                                    when in no queue any more
QueueMemberPause (11: ...Paused)    :class:`~agentstate.SetStatus` ``paused`` (PausedReason, or
                                    ``(none)``) or back to ``available``
QueueMemberStatus                   the pause, if it differs from what is known; the device
                                    state (Status 4 invalid or 5 unavailable: unregistered,
                                    1-3 and 6-8: registered) as :class:`~agentstate.DeviceChanged`
AgentCalled                         :class:`~agentstate.InteractionOffered` (id: the caller's
                                    Uniqueid; queue)
AgentConnect                        :class:`~agentstate.InteractionAnswered` (offered RingTime s
                                    before when no AgentCalled was seen)
AgentComplete                       :class:`~agentstate.InteractionEnded` (answered TalkTime
                                    before when no AgentConnect was seen); ``Reason: transfer``
                                    without a transfer event seen: a ``blind``
                                    :class:`~agentstate.InteractionTransferred`
AgentRingNoAnswer                   :class:`~agentstate.InteractionMissed` (RingTime in ms)
AgentDump                           :class:`~agentstate.InteractionRejected` (the member hung
                                    up during the announcement)
AgentLogin / AgentLogoff            :class:`~agentstate.Login` / :class:`~agentstate.Logout`
Hold / Unhold (Asterisk 11: Hold     :class:`~agentstate.InteractionHeld` /
with Status On / Off)               :class:`~agentstate.InteractionResumed` of the queue call
                                    one of its channels belongs to (else the member's only
                                    connected call; else noted SKIPPED)
BlindTransfer (Result Success)      :class:`~agentstate.InteractionTransferred` ``blind``,
                                    target ``Extension@Context``: the agent's side ends
AttendedTransfer (Result Success)   :class:`~agentstate.InteractionTransferred` ``attended``
                                    (target TransferTargetChannel); the AgentComplete that
                                    follows completes it
DeviceStateChange                   :class:`~agentstate.DeviceChanged` of every member whose
                                    interface is the Device (State UNAVAILABLE or INVALID:
                                    unregistered; UNKNOWN: no change; others: registered)
QueueCallerJoin, ...Abandon         the caller side (:meth:`AmiAdapter.calls`): hold and talk
                                    times as the PBX's HoldTime and TalkTime
QueueCallerLeave, other events      noted SKIPPED
Response (to an action), banner     noted SKIPPED
==================================  ==============================================================

Keys are case-insensitive (lower-case JSON keys from ``ast_json`` work too). A message's time is
its ``Timestamp`` field (``timestampevents = yes`` in manager.conf); without one, the host's
clock (``now=``, a live stream); in a capture without it, the latest clock reading among the
messages before it and itself (any ``Timestamp``, such as a reply to ``Ping``; the creation time
a ``Uniqueid`` carries, ``1409169987.2``: epoch seconds, which the manager's clock had passed
when it sent the message), else ``start=`` (the instant the capture begins); without any, noted
MALFORMED. ``start=`` is never taken for a reading: the first reading wins over it (noted when
messages took ``start=`` before it; an agent's events never go back in time). A message whose
``SequenceNumber`` was already applied (two manager sessions) is applied once. Agents are named
by ``MemberName`` (else the interface) through ``agent_id``, like the queue_log adapter; an
interface is remembered with its member name from QueueMemberAdded.
Garbage, a truncated message (a line without ``:``, or ``Event:`` in the middle of a line) and a
second ``Event:`` key without an empty line between them resynchronise: the broken part is noted
MALFORMED and reading goes on with the next message.

Its length has one reason to change: the Asterisk Manager Interface, its framing, its events'
meaning and its login exchange, kept together so that a change in AMI is made in one file.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import re
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

import attrs
import pendulum

from ..._errors import AgentStateError
from ..._events import TransferKind
from ..._tracker import Tracker
from .._apply import apply
from .._base import Adapter
from .._values import AdapterError, Batch, Note, NoteKind, Position
from ._common import NO_REASON, PAUSED
from ._replay import CallOutcome, QueueCall, member_agent

__all__ = ["AmiAdapter", "AmiClient", "AmiError", "AmiLoginError", "Message"]


class AmiError(AdapterError):
    """An AMI message cannot be read or replayed (with ``strict=True``)."""


class AmiLoginError(AgentStateError, ConnectionError):
    """The manager refused the client's login.

    Attributes:
        message: what the manager answered.
    """

    def __init__(self, message: str) -> None:
        super().__init__(f"the AMI login was refused: {message!r}; expected Response: Success "
                         "(check the username, secret and permit in manager.conf)")
        self.message = message


@attrs.frozen(kw_only=True)
class Message:
    """One AMI message: its number in the stream and its fields (keys lower-cased; the first
    of a repeated key)."""

    number: int
    fields: Mapping[str, str]

    @property
    def event(self) -> str | None:
        """The ``Event`` field, if any."""
        return self.fields.get("event")

    def get(self, key: str, default: str = "") -> str:
        """A field's value, stripped (``default`` if absent)."""
        return self.fields.get(key.lower(), default).strip()


_BEGIN = ("event:", "response:")
_KEY = re.compile(r"[A-Za-z0-9_-]+")
"""What a key looks like: a line whose part before ``:`` is not one is garbage."""
_LARGEST_EPOCH = 32_503_680_000.0
_UNIQUEID = re.compile(r"[0-9]{9,11}\.[0-9]{1,9}", re.ASCII)
"""A Uniqueid of the usual ``epoch.sequence`` form (epoch seconds of the channel's creation)."""
_LARGEST_SPAN = 10.0**10

_Handler = Callable[["AmiAdapter", Message, datetime], None]


class AmiAdapter(Adapter):
    """An AMI event stream, sans-I/O.

    >>> adapter = AmiAdapter()
    >>> batch = adapter.feed(
    ...     "Event: QueueMemberAdded\\r\\nTimestamp: 1700000000.5\\r\\nQueue: sales\\r\\n"
    ...     "MemberName: Alice\\r\\nInterface: SIP/7\\r\\nPaused: 0\\r\\n\\r\\n")
    >>> [(type(e).__name__, e.agent, e.queues) for e in batch.events]
    [('Login', 'Alice', ('sales',))]

    Args:
        agent_id: maps a member name (or interface) to an agent id (default
            :func:`~agentstate.adapters.asterisk.member_agent`).
        login_status: the status an unpause returns to.
        position, strict, now, start: see :class:`~agentstate.adapters.Adapter`.
    """

    name = "ami"
    error = AmiError

    def __init__(self, *, agent_id: Callable[[str], str] = member_agent,
                 login_status: str = "available", position: Position | None = None,
                 strict: bool = False, now: Callable[[], datetime] | None = None,
                 start: datetime | None = None) -> None:
        super().__init__(position=position, strict=strict, now=now, start=start)
        self._agent_id = agent_id
        self._login_status = login_status
        self._fields: dict[str, str] = {}
        self._broken = False
        self._names: dict[str, str] = {}
        self._paused: dict[str, str | None] = {}
        self._open_calls: dict[str, dict[str, object]] = {}
        self._calls: list[QueueCall] = []
        self._legs: dict[str, tuple[str, str]] = {}
        """A channel's name or id (either leg of a queue call) -> (agent, call)."""
        self._transferred: set[tuple[str, str]] = set()
        """(agent, call) transferred by a BlindTransfer or AttendedTransfer event."""

    def calls(self) -> tuple[QueueCall, ...]:
        """The caller side of the queue calls read so far (those still open last): when each
        caller joined, was connected and left, so hold and talk times can be checked against
        the PBX's HoldTime and TalkTime."""
        still = tuple(_queue_call(call, None, CallOutcome.OPEN)
                      for call in self._open_calls.values())
        return (*self._calls, *still)

    # -- framing ---------------------------------------------------------------------------

    def _line(self, text: str) -> None:
        if not text.strip():
            self._finish()
            return
        key, sep, value = text.partition(":")
        begins = key.strip().lower() + ":" in _BEGIN
        if not sep or _KEY.fullmatch(key) is None:
            for marker in ("Event:", "Response:"):
                at = text.find(marker)
                if at > 0:  # a truncated capture: garbage, then a new message mid-line
                    self._broken = True
                    self._finish()
                    self._line(text[at:])
                    return
        if not sep or _KEY.fullmatch(key) is None:
            self._broken = True
            return
        if begins and self._fields:
            self._finish()  # two messages without an empty line between them
        self._fields.setdefault(key.strip().lower(), value.strip())

    def _end(self) -> None:
        self._finish()

    def _finish(self) -> None:
        fields, broken = self._fields, self._broken
        self._fields, self._broken = {}, False
        if not fields and not broken and not self._pending:
            return
        number = self._commit()
        if broken:
            self._begin(fields.get("event"))
            self._note(NoteKind.MALFORMED, "a truncated or garbled message (a line without "
                                           "'Key: Value'): skipped")
            return
        if fields:
            self._message(Message(number=number, fields=fields))

    # -- mapping -----------------------------------------------------------------------------

    def _message(self, message: Message) -> None:
        event = message.event
        self._begin(event or message.get("response") or None)
        for clock in (self._epoch(message.get("timestamp")), self._created(message)):
            if clock is not None:  # the manager's clock (a Ping's reply), a channel's birth
                self._observe(clock)
        if event is None:
            what = "a response to an action" if "response" in message.fields else \
                "a message without Event"
            self._note(NoteKind.SKIPPED, f"{what}: nothing to replay")
            return
        sequence = message.get("sequencenumber")
        if sequence and self._duplicate(f"SequenceNumber {sequence}"):
            return
        handler = _HANDLERS.get(event.lower())
        if handler is None:
            unsupported = _UNSUPPORTED.get(event.lower())
            if unsupported is not None:
                self._unsupported(event, why=unsupported)
            else:
                self._note(NoteKind.SKIPPED, f"{event}: no agent status meaning")
            return
        at = self._time(message)
        if at is not None:
            handler(self, message, at)

    def _time(self, message: Message) -> datetime | None:
        text = message.get("timestamp")
        if text:
            at = self._epoch(text)
            if at is None:
                self._note(NoteKind.MALFORMED, f"Timestamp must be epoch seconds, got "
                                               f"{text[:40]!r}")
            return at
        at = self._clock()
        if at is None:
            self._untimed("Timestamp")
        return at

    @staticmethod
    def _epoch(text: str) -> datetime | None:
        """Epoch seconds (``1409169929.412068``), or ``None``."""
        if not text:
            return None
        try:
            value = float(text)
        except ValueError:
            return None
        if not math.isfinite(value) or not 0 <= value < _LARGEST_EPOCH:
            return None
        return pendulum.from_timestamp(value)

    def _created(self, message: Message) -> datetime | None:
        """When the message's channel was created, from its ``Uniqueid`` (``epoch.sequence``;
        a UUID set by Originate says nothing): the message cannot be earlier."""
        text = message.get("uniqueid")
        if _UNIQUEID.fullmatch(text) is None:
            return None
        return self._epoch(text.partition(".")[0])

    def _span(self, message: Message, key: str, scale: float = 1.0) -> timedelta:
        text = message.get(key)
        try:
            value = float(text) / scale if text else 0.0
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or not 0 <= value <= _LARGEST_SPAN:
            self._note(NoteKind.ADJUSTED, f"{key} {text[:40]!r} is not a duration: taken as 0")
            return timedelta(0)
        return timedelta(seconds=value)

    def _who(self, message: Message) -> str | None:
        interface = message.get("interface") or message.get("location")
        name = message.get("membername") or self._names.get(interface) or interface \
            or message.get("agent")
        if not name:
            self._note(NoteKind.MALFORMED, f"{message.event} names no member")
            return None
        agent = self._agent_id(name)
        return agent or None

    def _queue(self, message: Message) -> str | None:
        return message.get("queue") or None

    def _call(self, message: Message) -> str | None:
        call = message.get("uniqueid") or message.get("linkedid")
        if not call:
            self._note(NoteKind.MALFORMED, f"{message.event} has no Uniqueid")
            return None
        return call

    def _set_pause(self, agent: str, at: datetime, paused: bool, reason: str | None) -> None:
        known = self._paused.get(agent, "")
        wanted = (reason or NO_REASON) if paused else None
        if known == wanted:
            return
        self._paused[agent] = wanted
        if wanted is None:
            self._status(agent, at, self._login_status)
        else:
            self._status(agent, at, PAUSED, wanted)

    def member_added(self, message: Message, at: datetime) -> None:
        agent = self._who(message)
        if agent is None:
            return
        interface = message.get("interface") or message.get("location")
        if interface and message.get("membername"):
            self._names[interface] = message.get("membername")
        queue = self._queue(message)
        view = self._agents.get(agent)
        if view is None or not view.logged_in:
            self._paused.pop(agent, None)
            self._login(agent, at, queues=(queue,) if queue else ())
            self._paused[agent] = None
        elif queue is not None:
            self._join(agent, queue, at)
        if message.get("paused") == "1":
            self._set_pause(agent, at, True, message.get("pausedreason") or None)

    def member_removed(self, message: Message, at: datetime) -> None:
        agent = self._who(message)
        if agent is None:
            return
        queue = self._queue(message)
        if queue is not None:
            self._leave(agent, queue, at)
        view = self._agents.get(agent)
        if view is not None and view.logged_in and not view.queues:
            self._logout(agent, at)
            self._paused.pop(agent, None)

    def member_pause(self, message: Message, at: datetime) -> None:
        agent = self._who(message)
        if agent is None:
            return
        self._session(agent, at)
        self._paused.setdefault(agent, None)
        reason = message.get("pausedreason") or message.get("reason") or None
        self._set_pause(agent, at, message.get("paused") == "1", reason)

    def member_status(self, message: Message, at: datetime) -> None:
        agent = self._who(message)
        if agent is None:
            return
        registered = _MEMBER_STATUS.get(message.get("status") or "")
        if registered is not None:
            self._device(agent, at, registered=registered)
        paused = message.get("paused")
        if paused in ("0", "1"):
            self._session(agent, at)
            self._paused.setdefault(agent, None)
            self._set_pause(agent, at, paused == "1", message.get("pausedreason") or None)

    def device_state(self, message: Message, at: datetime) -> None:
        device = message.get("device") or ""
        registered = _DEVICE_STATE.get((message.get("state") or "").upper())
        members = sorted({name for interface, name in self._names.items()
                          if interface.casefold() == device.casefold()})
        if registered is None or not members:
            self._note(NoteKind.SKIPPED, f"DeviceStateChange of {device[:40]!r}: "
                       + ("no member uses it" if registered is not None else "state unknown"))
            return
        for name in members:
            agent = self._agent_id(name)
            if agent:
                self._device(agent, at, registered=registered)

    def caller_join(self, message: Message, at: datetime) -> None:
        call = self._call(message)
        if call is not None:
            self._open_calls[call] = {"callid": call, "queue": message.get("queue"),
                                      "caller": message.get("calleridnum") or None,
                                      "entered_at": at}

    def caller_abandon(self, message: Message, at: datetime) -> None:
        call = self._call(message)
        if call is not None:
            found = self._open_calls.pop(call, {"callid": call, "queue": message.get("queue")})
            self._calls.append(_queue_call(found, at, CallOutcome.ABANDONED))

    def _caller_connected(self, message: Message, call: str, agent: str, at: datetime
                          ) -> None:
        found = self._open_calls.setdefault(call, {"callid": call,
                                                   "queue": message.get("queue")})
        found["agent"], found["connected_at"] = agent, at

    def _caller_done(self, message: Message, call: str, at: datetime) -> None:
        found = self._open_calls.pop(call, None)
        if found is None:
            return
        reason = message.get("reason").lower()
        outcome = {"caller": CallOutcome.COMPLETED_BY_CALLER,
                   "transfer": CallOutcome.TRANSFERRED}.get(reason,
                                                            CallOutcome.COMPLETED_BY_AGENT)
        self._calls.append(_queue_call(found, at, outcome))

    def agent_called(self, message: Message, at: datetime) -> None:
        agent, call = self._who(message), self._call(message)
        if agent is not None and call is not None:
            self._remember_legs(message, agent, call)
            self._offer(agent, call, at, queue=self._queue(message))

    def agent_connect(self, message: Message, at: datetime) -> None:
        agent, call = self._who(message), self._call(message)
        if agent is None or call is None:
            return
        self._remember_legs(message, agent, call)
        if self._is_open(agent, call) is None:
            self._offer(agent, call, at - self._span(message, "ringtime"),
                        queue=self._queue(message))
        self._answer(agent, call, at, queue=self._queue(message))
        self._caller_connected(message, call, agent, at)

    def agent_complete(self, message: Message, at: datetime) -> None:
        agent, call = self._who(message), self._call(message)
        if agent is None or call is None:
            return
        transfer = message.get("reason").lower() == "transfer"
        if transfer and (agent, call) in self._transferred:
            self._transferred.discard((agent, call))
            if self._is_open(agent, call) is None:  # blind: the agent's side already ended
                self._note(NoteKind.SKIPPED, f"call {call!r} of agent {agent!r} already "
                                             "ended by its blind transfer")
                self._caller_done(message, call, at)
                return
        elif self._is_open(agent, call) is None:
            talk = self._span(message, "talktime")
            self._note(NoteKind.ADJUSTED, f"call {call!r} of agent {agent!r} answered "
                                          f"TalkTime ({talk}) before its AgentComplete")
            self._answer(agent, call, at - talk, queue=self._queue(message))
        elif transfer:
            self._note(NoteKind.ADJUSTED, f"call {call!r} of agent {agent!r} transferred "
                                          "without a BlindTransfer or AttendedTransfer event: "
                                          "taken as blind")
            self._transfer(agent, call, at, TransferKind.BLIND)
        if self._is_open(agent, call) is not None:
            self._close(agent, call, at)
        self._caller_done(message, call, at)

    def _remember_legs(self, message: Message, agent: str, call: str) -> None:
        for key in ("uniqueid", "linkedid", "destuniqueid", "destlinkedid", "channel",
                    "destchannel"):
            value = message.get(key)
            if value:
                self._legs[value] = (agent, call)

    def _held_call(self, message: Message) -> tuple[str, str] | None:
        """The open queue call a Hold, Unhold or transfer event is about: one of its channels
        (name or id) is a leg of the call, else its member's device carries the agent's only
        connected call; ``None`` (noted SKIPPED) when it is about no queue call."""
        found: list[tuple[str, str]] = []
        devices: list[str] = []
        for key, value in message.fields.items():
            if not value or not key.endswith(("uniqueid", "linkedid", "channel")):
                continue
            leg = self._legs.get(value)
            if leg is not None and self._is_open(*leg):
                found.append(leg)
            if key.endswith("channel"):
                devices.append(value.rsplit("-", 1)[0])
        if found:
            return found[0]
        for name in (message.get("membername"), message.get("interface"), *devices):
            if not name:
                continue
            agent = self._agent_id(self._names.get(name) or name)
            view = self._agents.get(agent)
            connected = [c for c, answered in view.open.items() if answered] if view else []
            if len(connected) == 1:
                return agent, connected[0]
        self._note(NoteKind.SKIPPED, f"{message.event}: about no connected queue call")
        return None

    def hold(self, message: Message, at: datetime) -> None:
        if message.get("status").lower() == "off":  # Asterisk 11: Hold with Status: Off
            self.unhold(message, at)
            return
        found = self._held_call(message)
        if found is not None:
            self._hold(found[0], found[1], at)

    def unhold(self, message: Message, at: datetime) -> None:
        found = self._held_call(message)
        if found is not None:
            self._resume(found[0], found[1], at)

    def blind_transfer(self, message: Message, at: datetime) -> None:
        self._transferred_by(message, at, TransferKind.BLIND)

    def attended_transfer(self, message: Message, at: datetime) -> None:
        self._transferred_by(message, at, TransferKind.ATTENDED)

    def _transferred_by(self, message: Message, at: datetime, kind: TransferKind) -> None:
        result = message.get("result")
        if result and result.lower() != "success":
            self._note(NoteKind.SKIPPED, f"{message.event} Result {result!r}: no transfer")
            return
        found = self._held_call(message)
        if found is None:
            return
        if kind is TransferKind.BLIND:
            exten, context = message.get("extension"), message.get("context")
            target = f"{exten}@{context}" if exten and context else exten
        else:
            target = message.get("transfertargetchannel") or message.get("destapp")
        self._transferred.add(found)
        self._transfer(found[0], found[1], at, kind, target or None)

    def agent_ring_no_answer(self, message: Message, at: datetime) -> None:
        agent, call = self._who(message), self._call(message)
        if agent is None or call is None:
            return
        if self._is_open(agent, call) is None:
            self._offer(agent, call, at - self._span(message, "ringtime", 1000.0),
                        queue=self._queue(message))
        self._close(agent, call, at, how="missed")

    def agent_dump(self, message: Message, at: datetime) -> None:
        agent, call = self._who(message), self._call(message)
        if agent is not None and call is not None:
            if self._is_open(agent, call) is None:
                self._offer(agent, call, at, queue=self._queue(message))
            self._close(agent, call, at, how="rejected")

    def agent_login(self, message: Message, at: datetime) -> None:
        agent = self._who(message)
        if agent is not None:
            self._login(agent, at)
            self._paused.setdefault(agent, None)

    def agent_logoff(self, message: Message, at: datetime) -> None:
        agent = self._who(message)
        if agent is not None:
            self._logout(agent, at)
            self._paused.pop(agent, None)


_HANDLERS: dict[str, _Handler] = {
    "queuememberadded": AmiAdapter.member_added,
    "queuememberremoved": AmiAdapter.member_removed,
    "queuememberpause": AmiAdapter.member_pause,
    "queuememberpaused": AmiAdapter.member_pause,
    "queuememberstatus": AmiAdapter.member_status,
    "agentcalled": AmiAdapter.agent_called,
    "agentconnect": AmiAdapter.agent_connect,
    "agentcomplete": AmiAdapter.agent_complete,
    "agentringnoanswer": AmiAdapter.agent_ring_no_answer,
    "agentdump": AmiAdapter.agent_dump,
    "agentlogin": AmiAdapter.agent_login,
    "agentlogoff": AmiAdapter.agent_logoff,
    "queuecallerjoin": AmiAdapter.caller_join,
    "join": AmiAdapter.caller_join,
    "queuecallerabandon": AmiAdapter.caller_abandon,
    "hold": AmiAdapter.hold,
    "unhold": AmiAdapter.unhold,
    "blindtransfer": AmiAdapter.blind_transfer,
    "attendedtransfer": AmiAdapter.attended_transfer,
    "devicestatechange": AmiAdapter.device_state,
}
"""Each mapped AMI event (lower-cased) and its handler."""

_UNSUPPORTED: dict[str, str] = {}
"""The AMI events agentstate has no faithful event for, and why: noted UNSUPPORTED (the one
place to wire them). None today."""

_DEVICE_STATE: dict[str, bool] = {
    "NOT_INUSE": True, "INUSE": True, "BUSY": True, "RINGING": True, "RINGINUSE": True,
    "ONHOLD": True, "UNAVAILABLE": False, "INVALID": False}
"""DeviceStateChange's State: whether the device is registered (UNKNOWN says nothing)."""

_MEMBER_STATUS: dict[str, bool] = {
    "1": True, "2": True, "3": True, "6": True, "7": True, "8": True, "4": False, "5": False}
"""QueueMemberStatus's Status (Asterisk's AST_DEVICE_* numbers): whether registered."""


def _queue_call(found: Mapping[str, object], at: datetime | None, outcome: CallOutcome
                ) -> QueueCall:
    def when(key: str) -> datetime | None:
        value = found.get(key)
        return value if isinstance(value, datetime) else None

    def text(key: str) -> str | None:
        value = found.get(key)
        return value if isinstance(value, str) and value else None

    return QueueCall(callid=text("callid") or "", queue=text("queue") or "",
                     caller=text("caller"), entered_at=when("entered_at"), agent=text("agent"),
                     connected_at=when("connected_at"), ended_at=at, outcome=outcome)


# -- the client ----------------------------------------------------------------------------------


class AmiClient:
    """Logs in to an Asterisk manager over TCP and applies its events to a tracker.

    Args:
        tracker: where the events go. Events without a Timestamp take its clock.
        host, port: the manager's address (``manager.conf``: 5038 by default).
        username, secret: the manager user.
        adapter: the adapter to feed (default a new :class:`AmiAdapter` on the tracker's clock,
            with the tracker's login status).
        strict: raise on the first problem instead of noting it.
    """

    def __init__(self, tracker: Tracker, *, username: str, secret: str,
                 host: str = "127.0.0.1", port: int = 5038, adapter: AmiAdapter | None = None,
                 strict: bool = False) -> None:
        self.tracker = tracker
        self.host, self.port = host, port
        self.username, self.secret = username, secret
        self.adapter = adapter or AmiAdapter(now=tracker.clock.now, strict=strict,
                                             login_status=tracker.policy.login_status)
        self.strict = strict
        self.notes: list[Note] = []
        """Every note of the session so far."""

    async def run(self, *, on_batch: Callable[[Batch], None] | None = None) -> list[Note]:
        """Connect, log in, and apply events until the manager closes the connection.

        Returns:
            the notes of the session.

        Raises:
            AmiLoginError: the manager refused the login.
            OSError: the connection failed.
        """
        reader, writer = await asyncio.open_connection(self.host, self.port)
        try:
            await reader.readline()  # the banner: "Asterisk Call Manager/x.y"
            writer.write(_action("Login", Username=self.username, Secret=self.secret,
                                 Events="on"))
            await writer.drain()
            answer = await reader.readuntil(b"\r\n\r\n")
            fields = dict(line.partition(":")[::2] for line in
                          answer.decode("utf-8", "replace").splitlines() if ":" in line)
            status = {k.strip().lower(): v.strip() for k, v in fields.items()}
            if status.get("response", "").lower() != "success":
                raise AmiLoginError(status.get("message", answer.decode("utf-8", "replace")))
            while chunk := await reader.read(65536):
                self._apply(self.adapter.feed(chunk), on_batch)
            self._apply(self.adapter.close(), on_batch)
        finally:
            writer.close()
            with contextlib.suppress(OSError):  # the peer may have reset the connection
                await writer.wait_closed()
        return self.notes

    def _apply(self, batch: Batch, on_batch: Callable[[Batch], None] | None) -> None:
        self.notes.extend(batch.notes)
        self.notes.extend(apply(batch, self.tracker, strict=self.strict, error=AmiError))
        if on_batch is not None:
            on_batch(batch)


def _action(name: str, **fields: str) -> bytes:
    lines = [f"Action: {name}", *(f"{k}: {v}" for k, v in fields.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()
