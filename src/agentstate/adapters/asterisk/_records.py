"""The queue_log as typed records: one frozen value per line, and the reading of a log."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from datetime import timedelta
from typing import Any

import attrs
import pendulum

from ._common import ZERO, Note, NoteKind, QueueLogError

__all__ = ["AddMember", "AgentLogin", "AgentLogoff", "CallerExit", "Complete", "ConfigReload",
           "Connect", "EnterQueue", "Other", "Pause", "QueueLog", "QueueStart", "Record",
           "RemoveMember", "RingCanceled", "RingNoAnswer", "Transfer", "Unpause", "parse_line",
           "read"]

# -- records -------------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Record:
    """One queue_log line. Subclasses add the event's own fields.

    Attributes:
        line: the line number, from 1.
        time: when Asterisk wrote it (UTC).
        callid: the caller channel's unique id, ``NONE``, or ``MANAGER`` for manager actions.
        queue: the queue's name, or ``NONE``.
        member: the agent or member interface, or ``NONE``.
        event: the EVENT field.
    """

    line: int
    time: pendulum.DateTime
    callid: str
    queue: str
    member: str
    event: str


@attrs.frozen(kw_only=True)
class AddMember(Record):
    """ADDMEMBER: a member joins a queue (``paused`` when added paused)."""

    paused: bool = False


@attrs.frozen(kw_only=True)
class RemoveMember(Record):
    """REMOVEMEMBER: a member leaves a queue."""


@attrs.frozen(kw_only=True)
class AgentLogin(Record):
    """AGENTLOGIN (``location`` = channel) or AGENTCALLBACKLOGIN (``location`` = exten@context)."""

    location: str = ""
    callback: bool = False


@attrs.frozen(kw_only=True)
class AgentLogoff(Record):
    """AGENTLOGOFF or AGENTCALLBACKLOGOFF, with the PBX's own session length ``login_time``."""

    location: str = ""
    login_time: timedelta | None = None
    reason: str = ""
    callback: bool = False


@attrs.frozen(kw_only=True)
class Pause(Record):
    """PAUSE (one queue) or PAUSEALL (``all_queues``), with the free-text ``reason``."""

    reason: str | None = None
    all_queues: bool = False


@attrs.frozen(kw_only=True)
class Unpause(Record):
    """UNPAUSE (one queue) or UNPAUSEALL (``all_queues``)."""

    reason: str | None = None
    all_queues: bool = False


@attrs.frozen(kw_only=True)
class RingNoAnswer(Record):
    """RINGNOANSWER: the member rang for ``ring_time`` and did not answer."""

    ring_time: timedelta = ZERO


@attrs.frozen(kw_only=True)
class RingCanceled(Record):
    """RINGCANCELED: the member rang for ``ring_time`` until the ringing was cancelled."""

    ring_time: timedelta = ZERO


@attrs.frozen(kw_only=True)
class Connect(Record):
    """CONNECT: the member answered after ``ring_time``; the caller waited ``hold_time``."""

    hold_time: timedelta = ZERO
    bridged: str = ""
    ring_time: timedelta = ZERO


@attrs.frozen(kw_only=True)
class Complete(Record):
    """COMPLETEAGENT or COMPLETECALLER (``by_caller``): who hung up, with the PBX's times."""

    by_caller: bool = False
    hold_time: timedelta = ZERO
    talk_time: timedelta = ZERO
    position: int | None = None


@attrs.frozen(kw_only=True)
class Transfer(Record):
    """TRANSFER, BLINDTRANSFER (``target`` = extension) or ATTENDEDTRANSFER (``target`` = method).
    """

    target: str = ""
    context: str = ""
    hold_time: timedelta = ZERO
    talk_time: timedelta = ZERO
    position: int | None = None


@attrs.frozen(kw_only=True)
class EnterQueue(Record):
    """ENTERQUEUE: a caller (``caller`` = caller id) joins the queue."""

    url: str = ""
    caller: str = ""
    position: int | None = None


@attrs.frozen(kw_only=True)
class CallerExit(Record):
    """ABANDON, EXITEMPTY, EXITWITHKEY or EXITWITHTIMEOUT: the caller left without an agent."""

    position: int | None = None
    original_position: int | None = None
    wait_time: timedelta = ZERO
    key: str | None = None


@attrs.frozen(kw_only=True)
class QueueStart(Record):
    """QUEUESTART: app_queue loaded, i.e. Asterisk (re)started."""


@attrs.frozen(kw_only=True)
class ConfigReload(Record):
    """CONFIGRELOAD: the queue configuration was reloaded."""


@attrs.frozen(kw_only=True)
class Other(Record):
    """A known event with nothing to replay (PBXware's OUTDIAL family, SYSCOMPAT, INFO, ...)."""

    data: tuple[str, ...] = ()


class _Malformed(Exception):
    pass


def _field(data: Sequence[str], index: int) -> str:
    return data[index].strip() if index < len(data) else ""


_DECIMAL = re.compile(r"-?[0-9]{1,12}(?:\.[0-9]{0,9})?", re.ASCII)
"""A number as Asterisk writes it: ASCII digits, at most 12 before the point (no ``nan``,
``inf``, exponents or other scripts' digits)."""

LARGEST = 10**10
"""The largest number of seconds (or milliseconds) a field may hold: about 317 years."""

LAST_EPOCH = 32_503_680_000
"""The first epoch second a line's time may not reach (the year 3000)."""


def _number(data: Sequence[str], index: int, name: str) -> float | None:
    text = _field(data, index)
    if not text:
        return None
    if _DECIMAL.fullmatch(text) is None or abs(float(text)) > LARGEST:
        raise _Malformed(f"{name} must be a decimal number of at most {LARGEST:,}, got "
                         f"{text[:40]!r}")
    return float(text)


def _seconds(data: Sequence[str], index: int, name: str, *, scale: float = 1.0,
             required: bool = True) -> timedelta:
    value = _number(data, index, name)
    if value is None:
        if required:
            raise _Malformed(f"{name} is missing")
        return ZERO
    return timedelta(seconds=value / scale)


def _optional_seconds(data: Sequence[str], index: int, name: str) -> timedelta | None:
    value = _number(data, index, name)
    return None if value is None else timedelta(seconds=value)


def _position(data: Sequence[str], index: int, name: str) -> int | None:
    value = _number(data, index, name)
    return None if value is None else int(value)


def _text(data: Sequence[str], index: int) -> str | None:
    return _field(data, index) or None


NUL = "\x00"

_Parser = Callable[[dict[str, Any], Sequence[str]], Record]


def _exit(b: dict[str, Any], d: Sequence[str]) -> Record:
    if b["event"] == "EXITWITHKEY":
        return CallerExit(**b, key=_text(d, 0), position=_position(d, 1, "position"),
                          original_position=_position(d, 2, "origposition"),
                          wait_time=_seconds(d, 3, "waittime"))
    return CallerExit(**b, position=_position(d, 0, "position"),
                      original_position=_position(d, 1, "origposition"),
                      wait_time=_seconds(d, 2, "waittime"))


def _transfer(b: dict[str, Any], d: Sequence[str]) -> Record:
    return Transfer(**b, target=_field(d, 0), context=_field(d, 1),
                    hold_time=_seconds(d, 2, "holdtime"), talk_time=_seconds(d, 3, "calltime"),
                    position=_position(d, 4, "origposition"))


def _complete(b: dict[str, Any], d: Sequence[str]) -> Record:
    return Complete(**b, by_caller=b["event"] == "COMPLETECALLER",
                    hold_time=_seconds(d, 0, "holdtime"), talk_time=_seconds(d, 1, "calltime"),
                    position=_position(d, 2, "origposition"))


_PARSERS: dict[str, _Parser] = {
    "ADDMEMBER": lambda b, d: AddMember(**b, paused=_field(d, 0).upper() == "PAUSED"),
    "REMOVEMEMBER": lambda b, d: RemoveMember(**b),
    "AGENTLOGIN": lambda b, d: AgentLogin(**b, location=_field(d, 0)),
    "AGENTCALLBACKLOGIN": lambda b, d: AgentLogin(**b, location=_field(d, 0), callback=True),
    "AGENTLOGOFF": lambda b, d: AgentLogoff(
        **b, location=_field(d, 0), login_time=_optional_seconds(d, 1, "logintime")),
    "AGENTCALLBACKLOGOFF": lambda b, d: AgentLogoff(
        **b, location=_field(d, 0), login_time=_optional_seconds(d, 1, "logintime"),
        reason=_field(d, 2), callback=True),
    "PAUSE": lambda b, d: Pause(**b, reason=_text(d, 0)),
    "PAUSEALL": lambda b, d: Pause(**b, reason=_text(d, 0), all_queues=True),
    "UNPAUSE": lambda b, d: Unpause(**b, reason=_text(d, 0)),
    "UNPAUSEALL": lambda b, d: Unpause(**b, reason=_text(d, 0), all_queues=True),
    "RINGNOANSWER": lambda b, d: RingNoAnswer(
        **b, ring_time=_seconds(d, 0, "ringtime (ms)", scale=1000)),
    "RINGCANCELED": lambda b, d: RingCanceled(
        **b, ring_time=_seconds(d, 0, "ringtime (ms)", scale=1000)),
    "CONNECT": lambda b, d: Connect(
        **b, hold_time=_seconds(d, 0, "holdtime"), bridged=_field(d, 1),
        ring_time=_seconds(d, 2, "ringtime", required=False)),
    "COMPLETEAGENT": _complete,
    "COMPLETECALLER": _complete,
    "TRANSFER": _transfer,
    "BLINDTRANSFER": _transfer,
    "ATTENDEDTRANSFER": _transfer,
    "ENTERQUEUE": lambda b, d: EnterQueue(**b, url=_field(d, 0), caller=_field(d, 1),
                                          position=_position(d, 2, "position")),
    "ABANDON": _exit,
    "EXITEMPTY": _exit,
    "EXITWITHKEY": _exit,
    "EXITWITHTIMEOUT": _exit,
    "QUEUESTART": lambda b, d: QueueStart(**b),
    "CONFIGRELOAD": lambda b, d: ConfigReload(**b),
}

_CALLS = (RingNoAnswer, RingCanceled, Connect, Complete, Transfer)
"""The records about one call, which need its id."""

_NOTHING_TO_REPLAY = frozenset({"SYSCOMPAT", "INFO", "DID", "AGENTDUMP", "PENALTY",
                                "SHARED_LASTCALL", "MIXMONITOR", "RECORDING"})
"""Known events without an agent status meaning (besides PBXware's ``OUT*`` family)."""


_EPOCH = re.compile(r"([0-9]{1,11})(?:\.([0-9]{1,9}))?", re.ASCII)


def _instant(text: str) -> pendulum.DateTime:
    match = _EPOCH.fullmatch(text.strip())
    if match is None or int(match[1]) >= LAST_EPOCH:
        raise _Malformed(f"time must be epoch seconds before the year 3000, got {text[:40]!r}")
    whole, fraction = match[1], match[2] or ""
    micro = int((fraction + "000000")[:6]) if fraction else 0
    return pendulum.from_timestamp(int(whole)).add(microseconds=micro)


def parse_line(text: str, *, line: int = 1) -> Record:
    """Parse one queue_log line into its :class:`Record`.

    >>> record = parse_line("1543602753|1543602660.197|IT|Agent/1127|CONNECT|76|1543602746.232|6")
    >>> type(record).__name__, record.hold_time.seconds, record.ring_time.seconds
    ('Connect', 76, 6)

    NUL bytes before the line (left by a crash before a restart) are dropped.

    Raises:
        QueueLogError: the line is malformed (``kind`` MALFORMED) or its event is unknown
            (UNKNOWN_EVENT).
    """
    fields = text.rstrip("\r\n").lstrip(NUL).split("|")
    if len(fields) < 5:
        raise QueueLogError(f"expected time|callid|queue|agent|EVENT|data..., got {text!r}",
                            line=line, kind=NoteKind.MALFORMED)
    event = fields[4].strip()
    try:
        if not event:
            raise _Malformed("the EVENT field is empty")
        base: dict[str, Any] = {
            "line": line, "time": _instant(fields[0]), "callid": fields[1].strip(),
            "queue": fields[2].strip(), "member": fields[3].strip(), "event": event}
        parser = _PARSERS.get(event)
        if parser is not None:
            record = parser(base, fields[5:])
            if not record.callid and isinstance(record, _CALLS):
                raise _Malformed("the callid field is empty")
            return record
    except (_Malformed, ValueError, OverflowError) as error:  # the last two: a safety net
        raise QueueLogError(f"{event or 'line'}: {error}", line=line, kind=NoteKind.MALFORMED,
                            event=event or None) from None
    if event.startswith("OUT") or event in _NOTHING_TO_REPLAY:
        return Other(**base, data=tuple(fields[5:]))
    raise QueueLogError(f"unknown event {event!r}", line=line, kind=NoteKind.UNKNOWN_EVENT,
                        event=event)


@attrs.frozen(kw_only=True)
class QueueLog:
    """A read queue_log: the records, and the notes about lines that were skipped.

    Attributes:
        records: the parsed lines, in log order.
        notes: the lines that could not be read (MALFORMED, UNKNOWN_EVENT).
    """

    records: tuple[Record, ...]
    notes: tuple[Note, ...] = ()

    @property
    def pause_reasons(self) -> tuple[str, ...]:
        """The pause reasons the log uses, in order of first use (Asterisk's are free text)."""
        seen: dict[str, None] = {}
        for record in self.records:
            if isinstance(record, Pause | Unpause) and record.reason:
                seen[record.reason] = None
        return tuple(seen)


def read(lines: Iterable[str], *, strict: bool = False) -> QueueLog:
    """Parse queue_log lines. Blank lines are ignored; bad ones are noted and skipped.

    A line that starts with NUL bytes (an unclean shutdown) is read without them, noted
    (``ADJUSTED``).

    Args:
        lines: the log's lines (an open file will do).
        strict: raise on the first bad line instead of noting it.

    Raises:
        QueueLogError: with ``strict``, the first malformed line or unknown event.
    """
    records: list[Record] = []
    notes: list[Note] = []
    for number, text in enumerate(lines, start=1):
        if text.startswith(NUL):
            dropped = len(text) - len(text.lstrip(NUL))
            notes.append(Note(line=number, kind=NoteKind.ADJUSTED, event=None,
                              message=f"{dropped} NUL bytes dropped before the line (an "
                                      "unclean shutdown)"))
        if not text.strip(NUL + " \t\r\n"):
            continue
        try:
            records.append(parse_line(text, line=number))
        except QueueLogError as error:
            if strict:
                raise
            notes.append(Note(line=number, kind=error.kind, event=error.event,
                              message=error.reason))
    return QueueLog(records=tuple(records), notes=tuple(notes))
