"""What every adapter does: sans-I/O feeding, notes, a resumable position, implicit logins,
clamped times, deduplication, and the replay of what it emits through a tracker.

Theory of operation
-------------------
An adapter is fed bytes (``feed(chunk)``) as the host reads them: a file, a socket, a stream of
records. It splits them into lines, groups lines into the platform's records (a queue_log line,
an AMI message, a JSON event), and turns each record into agentstate events. It does no I/O and
reads no clock of its own. A record without a time takes, in this order: the host's clock
(``now=``, for a live stream); the latest time the input gave (a record's own time, or a clock
reading the platform sends beside its events, such as the reply to an AMI ``Ping``); the
instant the host says the input begins (``start=``, for a capture without times). With none of
them the record is noted MALFORMED, saying to pass ``start=`` (with ``strict=True``, the
adapter's error says so): a capture never replays on a clock the host did not choose.

A time taken from ``start=`` is the host's guess, not a reading: it never becomes "the latest
time the input gave", so the input's first clock reading wins over it, even one earlier than
``start=``. When records took ``start=`` before that first reading, the reading is noted
ADJUSTED, saying how far it is from ``start=``: the events already placed at ``start=`` stay
(an agent's history never goes back in time: its later events are clamped to them, noted).

Every record the adapter cannot use becomes a :class:`Note` (never silently dropped); with
``strict=True`` a problem note raises the adapter's own :class:`AdapterError` subclass instead.
Platform events agentstate has no faithful event for are noted ``UNSUPPORTED``, naming the
platform event and saying why: :data:`UNMODELLED` lists them for every adapter, in one place,
to wire when agentstate models them.

The adapter keeps what it needs to emit a consistent stream, per agent: whether it is logged
in, its queues, its open interactions (answered, on hold, in a transfer) and its last
time. From that it

- logs an agent in on first sight (a call or status for an agent never logged in), noted;
- joins it to a queue it is offered work from, noted;
- clamps an event stamped before the agent's last one to that time, noted;
- ends the open interactions before a logout, noted;
- applies a record with a key it has already seen (``_duplicate``) once, noted.

:attr:`Adapter.position` is where the next read should start (the byte offset just after the
last complete record, and the number of records read): store it, and pass it back to resume
following a growing file or a reconnected stream.

The values (:class:`Note`, :class:`Position`, :class:`Batch`, the errors) live in ``_values``;
:func:`apply` (in ``_apply``) applies a batch to a :class:`~agentstate.Tracker` whose clock is a
:class:`~agentstate.ManualClock` that follows the events; :func:`replay_stream` does it for a
whole stream and returns a :class:`StreamReplay` with the reports.

Its one reason to change is the per-agent view above: every helper reads and updates it, so
they stay in one module, whatever its length.
"""

from __future__ import annotations

import abc
import json
from collections import OrderedDict
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, ClassVar

import attrs

from .._errors import InvalidField
from .._events import (
    Actor,
    DeviceChanged,
    EndWrapUp,
    Event,
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
    SetStatus,
    TransferKind,
)
from .._policy import Direction
from .._time import elapsed, to_utc
from ._values import AdapterError, Batch, Note, NoteKind, Position

__all__ = ["Adapter"]


@attrs.define
class _Agent:
    last: datetime
    logged_in: bool = False
    queues: set[str] = attrs.Factory(set)
    open: dict[str, bool] = attrs.Factory(dict)
    """Open interactions: id -> answered."""
    held: set[str] = attrs.Factory(set)
    """Open interactions on hold."""
    transferring: set[str] = attrs.Factory(set)
    """Open interactions in an attended or live transfer (the agent still on them)."""

    def drop(self, interaction: str) -> None:
        self.open.pop(interaction, None)
        self.held.discard(interaction)
        self.transferring.discard(interaction)


_DEDUP_WINDOW = 10_000
_LARGEST_JSON = 1 << 20
"""A JSON record still unfinished after this many characters is malformed."""


class Adapter(abc.ABC):
    """The shared base of the adapters: a sans-I/O reader of one platform's records.

    Subclasses implement :meth:`_line` (a line of input; call :meth:`_commit` at the end of each
    record) and use the helpers (:meth:`_login`, :meth:`_offer`, ...) to emit events.

    Args:
        position: where to resume (see :attr:`position`).
        strict: raise on the first problem instead of noting it.
        now: the host's clock, for records without a time (a live stream).
        start: the instant the input begins, for records without a time before the input gives
            one (a capture without times); ignored when ``now`` is given.
        actor: who performs the events (default the system named after the platform).

    Raises:
        ClockError: ``start`` is not an aware datetime.
    """

    name: ClassVar[str] = "adapter"
    error: ClassVar[type[AdapterError]] = AdapterError

    def __init__(self, *, position: Position | None = None, strict: bool = False,
                 now: Callable[[], datetime] | None = None, start: datetime | None = None,
                 actor: Actor | None = None) -> None:
        resume = position or Position()
        self._buffer = b""
        self._pending: list[int] = []
        """The sizes of the complete lines read since the last complete record."""
        self._offset = resume.offset
        self._record = resume.record
        self._strict = strict
        self._now = now
        self._actor = actor or Actor.system(self.name)
        self._registered: dict[str, bool] = {}
        self._agents: dict[str, _Agent] = {}
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._events: list[Event] = []
        self._lines: list[int] = []
        self._where = resume.record
        """The number of the record being read (notes and events are attributed to it)."""
        self._notes: list[Note] = []
        self._event_name: str | None = None
        self._begins = None if start is None else to_utc(start)
        self._latest: datetime | None = None
        """The latest clock reading the input gave (never a time taken from ``start``)."""
        self._guessed = False
        """Whether a record took its time from ``start`` (before any reading)."""
        self._json_text: list[str] = []
        self._json_size = 0

    # -- the host's side ---------------------------------------------------------------------

    @property
    def position(self) -> Position:
        """Where the next read should start: just after the last complete record."""
        return Position(offset=self._offset, record=self._record)

    def feed(self, chunk: bytes | str) -> Batch:
        """Read ``chunk`` (bytes, or text taken as UTF-8); return the events and notes of the
        records it completes. A partial line or record waits for the next chunk.

        Raises:
            AdapterError: (the adapter's subclass) with ``strict``, the first problem.
        """
        self._buffer += chunk.encode("utf-8", "surrogatepass") if isinstance(chunk, str) \
            else bytes(chunk)
        while True:
            end = self._buffer.find(b"\n")
            if end < 0:
                break
            raw, self._buffer = self._buffer[:end + 1], self._buffer[end + 1:]
            self._pending.append(len(raw))
            self._read(raw)
        return self._flush()

    def close(self) -> Batch:
        """The end of the input: read what is left (a last line without its newline, a last
        record without its terminator)."""
        if self._buffer:
            raw, self._buffer = self._buffer, b""
            self._pending.append(len(raw))
            self._read(raw)
        try:
            self._end()
        except InvalidField as error:
            self._note(NoteKind.MALFORMED, f"cannot be replayed: {error}")
        return self._flush()

    def _read(self, raw: bytes) -> None:
        """One raw line to :meth:`_line`; a record whose values an event refuses when built (a
        name beyond the input limits) is noted MALFORMED, never raised."""
        try:
            self._line(raw.decode("utf-8", "replace").rstrip("\r\n"))
        except InvalidField as error:
            self._note(NoteKind.MALFORMED, f"cannot be replayed: {error}")

    # -- what subclasses implement -------------------------------------------------------------

    @abc.abstractmethod
    def _line(self, text: str) -> None:
        """One line of input, without its line ending."""

    def _end(self) -> None:  # noqa: B027 - optional hook
        """The input ended: finish a record still open."""

    # -- helpers for subclasses ----------------------------------------------------------------

    def _commit(self, lines: int | None = None, records: int = 1) -> int:
        """``records`` records are complete, made of the oldest ``lines`` pending lines (all by
        default): count them, and move the position past them. Returns the last one's number,
        which notes and events are attributed to from now on."""
        count = len(self._pending) if lines is None else lines
        self._offset += sum(self._pending[:count])
        del self._pending[:count]
        self._record += records
        self._where = self._record
        self._event_name = None
        return self._record

    def _json(self, text: str) -> dict[str, Any] | None:
        """A line of JSON records (one a line, or one over several lines): the record when
        this line completes it (committed), else ``None`` (waiting for more, or noted
        MALFORMED)."""
        if not self._json_text and not text.strip():
            self._commit()
            return None
        if not self._json_text and not text.lstrip().startswith("{"):
            self._commit()
            self._note(NoteKind.MALFORMED, f"expected a JSON object, got {text[:60]!r}")
            return None
        self._json_text.append(text)
        self._json_size += len(text)
        whole = "\n".join(self._json_text)
        try:
            record = json.loads(whole)
        except (json.JSONDecodeError, RecursionError) as error:
            pos = getattr(error, "pos", 0)
            if pos >= len(whole.rstrip()) and self._json_size < _LARGEST_JSON:
                return None  # unfinished: wait for more lines
            self._json_text, self._json_size = [], 0
            self._commit()
            self._note(NoteKind.MALFORMED, f"not a JSON record: {error}")
            return None
        self._json_text, self._json_size = [], 0
        self._commit()
        if not isinstance(record, dict):
            self._note(NoteKind.MALFORMED, f"expected a JSON object, got {type(record).__name__}")
            return None
        return record

    def _json_end(self) -> None:
        """The input ended: a JSON record still open is truncated (noted)."""
        if self._json_text:
            self._json_text, self._json_size = [], 0
            self._commit()
            self._note(NoteKind.MALFORMED, "a truncated JSON record at the end of the input")

    def _begin(self, event: str | None) -> None:
        """The record being read names this platform event (used in notes)."""
        self._event_name = event

    def _note(self, kind: NoteKind, message: str, *, line: int | None = None) -> None:
        number = self._where if line is None else line
        if self._strict and kind.is_problem:
            raise self.error(message, line=number, kind=kind, event=self._event_name)
        self._notes.append(Note(line=number, kind=kind, event=self._event_name,
                                message=message))

    def _unsupported(self, what: str, *, why: str) -> None:
        """Note a platform event agentstate has no faithful event for, saying ``why``."""
        self._note(NoteKind.UNSUPPORTED, f"{what}: not replayed: {why}")

    def _duplicate(self, key: str) -> bool:
        """Whether a record with this key was already applied (noted); remembers the key."""
        if key in self._seen:
            self._note(NoteKind.DUPLICATE, f"{key} already applied")
            return True
        self._seen[key] = None
        if len(self._seen) > _DEDUP_WINDOW:
            self._seen.popitem(last=False)
        return False

    def _clock(self) -> datetime | None:
        """The time of a record without one: ``now()``, else the latest time the input gave,
        else ``start``; ``None`` when there is none (see :meth:`_untimed`)."""
        if self._now is not None:
            return to_utc(self._now())
        if self._latest is None and self._begins is not None:
            self._guessed = True
            return self._begins
        return self._latest

    def _observe(self, at: datetime) -> None:
        """The input says it is ``at`` now (a record's own time, or a clock reading beside its
        events): later records without a time of their own take it. The first reading wins
        over ``start`` (noted when records took ``start`` before it)."""
        if self._latest is None and self._guessed:
            self._first_reading(at)
        if self._latest is None or at > self._latest:
            self._latest = at

    def _first_reading(self, at: datetime) -> None:
        """Note the input's first clock reading when it is not ``start``, which records before
        it took: the events placed at ``start`` stay where they are."""
        begins = self._begins
        if begins is None or at == begins:
            return
        reading = f"the input's first clock reading, {at.isoformat()}, is"
        if at > begins:
            self._note(NoteKind.ADJUSTED, f"{reading} {elapsed(begins, at)} after start= "
                                          f"({begins.isoformat()}): the records before it took "
                                          "start=, not the input's clock")
            return
        self._note(NoteKind.ADJUSTED, f"{reading} {elapsed(at, begins)} before start= "
                                      f"({begins.isoformat()}), which the records before it "
                                      "took: the records after it take the input's clock, but "
                                      "an agent's history never goes back in time: the events "
                                      "placed at start= stay, and an agent's later events are "
                                      "moved up to them (noted)")

    def _untimed(self, what: str) -> None:
        """Note a record that has no time of its own (``what`` names the missing field) while
        there is no clock to take one from."""
        self._note(NoteKind.MALFORMED, f"no {what}, and no earlier time in the input: pass "
                                       "start= (the instant the input begins) or now= (the "
                                       "host's clock)")

    def _agent(self, agent: str, at: datetime) -> tuple[_Agent, datetime]:
        """The agent's view, and ``at`` clamped to its last time (noted)."""
        view = self._agents.get(agent)
        if view is None:
            view = self._agents[agent] = _Agent(last=at)
        if at < view.last:
            message = (f"{self._event_name or 'event'} for agent {agent!r} stamped "
                       f"{elapsed(at, view.last)} before its last one: moved to it")
            last = self._notes[-1] if self._notes else None
            if last is None or (last.line, last.message) != (self._where, message):
                self._note(NoteKind.ADJUSTED, message)  # once for the record's events
            at = view.last
        view.last = at
        return view, at

    def _emit(self, event: Event) -> None:
        self._events.append(event)
        self._lines.append(self._where)

    def _session(self, agent: str, at: datetime) -> tuple[_Agent, datetime]:
        view, at = self._agent(agent, at)
        if not view.logged_in:
            self._note(NoteKind.ADJUSTED, f"agent {agent!r} logged in implicitly (first seen "
                                          "logged in)")
            self._emit(Login(agent=agent, at=at, actor=self._actor))
            view.logged_in = True
        return view, at

    def _login(self, agent: str, at: datetime, *, queues: Iterable[str] = (),
               status: str | None = None, device: str | None = None) -> None:
        view, at = self._agent(agent, at)
        joined = tuple(queues)
        if view.logged_in:
            for queue in joined:
                self._join(agent, queue, at)
            if status is not None:
                self._status(agent, at, status)
            return
        view.logged_in = True
        view.queues = set(joined)
        self._emit(Login(agent=agent, at=at, actor=self._actor, queues=joined, status=status,
                         device=device))

    def _logout(self, agent: str, at: datetime) -> None:
        view, at = self._agent(agent, at)
        if not view.logged_in:
            self._note(NoteKind.SKIPPED, f"agent {agent!r} is not logged in")
            return
        for item in list(view.open):
            self._note(NoteKind.ADJUSTED, f"interaction {item!r} of agent {agent!r} ended: the "
                                          "agent logged out")
            self._emit(InteractionEnded(agent=agent, at=at, actor=self._actor,
                                        interaction=item))
        view.open.clear()
        view.held.clear()
        view.transferring.clear()
        view.logged_in = False
        view.queues.clear()
        self._emit(Logout(agent=agent, at=at, actor=self._actor))

    def _join(self, agent: str, queue: str, at: datetime) -> None:
        view, at = self._session(agent, at)
        if queue not in view.queues:
            view.queues.add(queue)
            self._emit(JoinQueue(agent=agent, at=at, actor=self._actor, queue=queue))

    def _leave(self, agent: str, queue: str, at: datetime) -> None:
        view, at = self._agent(agent, at)
        if queue in view.queues:
            view.queues.discard(queue)
            self._emit(LeaveQueue(agent=agent, at=at, actor=self._actor, queue=queue))

    def _status(self, agent: str, at: datetime, status: str, reason: str | None = None
                ) -> None:
        _, at = self._session(agent, at)
        self._emit(SetStatus(agent=agent, at=at, actor=self._actor, status=status,
                             reason=reason))

    def _offer(self, agent: str, interaction: str, at: datetime, *, queue: str | None = None,
               channel: str = "voice") -> None:
        view, at = self._session(agent, at)
        if interaction in view.open:
            return
        if queue is not None and queue not in view.queues:
            self._note(NoteKind.ADJUSTED, f"agent {agent!r} joined queue {queue!r} implicitly "
                                          "(offered work from it)")
            self._join(agent, queue, at)
        view.open[interaction] = False
        self._emit(InteractionOffered(agent=agent, at=at, actor=self._actor,
                                      interaction=interaction, queue=queue, channel=channel))

    def _answer(self, agent: str, interaction: str, at: datetime, *, queue: str | None = None,
                channel: str = "voice") -> None:
        view, at = self._session(agent, at)
        if interaction not in view.open:
            self._offer(agent, interaction, at, queue=queue, channel=channel)
        if view.open.get(interaction):
            return
        view.open[interaction] = True
        self._emit(InteractionAnswered(agent=agent, at=at, actor=self._actor,
                                       interaction=interaction))

    def _close(self, agent: str, interaction: str, at: datetime, *, how: str = "ended",
               busy: bool = False) -> None:
        """End an open interaction: ``ended`` (after an answer, or withdrawn before one),
        ``missed`` or ``rejected`` (while ringing)."""
        view, at = self._agent(agent, at)
        answered = view.open.get(interaction)
        if answered is None:
            self._note(NoteKind.SKIPPED, f"no open interaction {interaction!r} for agent "
                                         f"{agent!r} (opened before the input begins?)")
            return
        if answered and how != "ended":
            self._note(NoteKind.SKIPPED, f"interaction {interaction!r} of agent {agent!r} was "
                                         f"already answered: not {how}")
            return
        view.drop(interaction)
        event: Event
        if how == "missed":
            event = InteractionMissed(agent=agent, at=at, actor=self._actor,
                                      interaction=interaction)
        elif how == "rejected":
            event = InteractionRejected(agent=agent, at=at, actor=self._actor,
                                        interaction=interaction, busy=busy)
        else:
            event = InteractionEnded(agent=agent, at=at, actor=self._actor,
                                     interaction=interaction)
        self._emit(event)

    def _connected(self, view: _Agent, agent: str, interaction: str, what: str) -> bool:
        """Whether the interaction is open and answered (else noted SKIPPED)."""
        if not view.open.get(interaction):
            self._note(NoteKind.SKIPPED, f"{what}: no connected interaction {interaction!r} "
                                         f"for agent {agent!r}")
            return False
        return True

    def _hold(self, agent: str, interaction: str, at: datetime) -> None:
        """Put a connected interaction on hold (a second hold is noted SKIPPED)."""
        view, at = self._agent(agent, at)
        if not self._connected(view, agent, interaction, "hold"):
            return
        if interaction in view.held:
            self._note(NoteKind.SKIPPED, f"interaction {interaction!r} of agent {agent!r} is "
                                         "already on hold")
            return
        view.held.add(interaction)
        self._emit(InteractionHeld(agent=agent, at=at, actor=self._actor,
                                   interaction=interaction))

    def _resume(self, agent: str, interaction: str, at: datetime) -> None:
        """Take a held interaction back (one not on hold is noted SKIPPED); this abandons an
        attended transfer."""
        view, at = self._agent(agent, at)
        if not self._connected(view, agent, interaction, "resume"):
            return
        if interaction not in view.held:
            self._note(NoteKind.SKIPPED, f"interaction {interaction!r} of agent {agent!r} is "
                                         "not on hold")
            return
        view.held.discard(interaction)
        view.transferring.discard(interaction)
        self._emit(InteractionResumed(agent=agent, at=at, actor=self._actor,
                                      interaction=interaction))

    def _transfer(self, agent: str, interaction: str, at: datetime, kind: TransferKind,
                  target: str | None = None) -> None:
        """Transfer a connected (or held) interaction: blind ends the agent's side at once;
        attended holds it until it ends; live keeps it until it ends."""
        view, at = self._agent(agent, at)
        if not self._connected(view, agent, interaction, f"{kind.value} transfer"):
            return
        if interaction in view.transferring:
            self._note(NoteKind.SKIPPED, f"interaction {interaction!r} of agent {agent!r} is "
                                         "already being transferred")
            return
        if kind is TransferKind.BLIND:
            view.drop(interaction)
        else:
            view.transferring.add(interaction)
            if kind is TransferKind.ATTENDED:
                view.held.add(interaction)
        self._emit(InteractionTransferred(agent=agent, at=at, actor=self._actor,
                                          interaction=interaction, kind=kind,
                                          target=target or None))

    def _start(self, agent: str, interaction: str, at: datetime, *, channel: str = "voice",
               direction: Direction = Direction.OUTBOUND) -> None:
        """Work the agent started (outbound) or took directly, already connected."""
        view, at = self._session(agent, at)
        if interaction in view.open:
            return
        view.open[interaction] = True
        self._emit(InteractionStarted(agent=agent, at=at, actor=self._actor,
                                      interaction=interaction, channel=channel,
                                      direction=direction))

    def _device(self, agent: str, at: datetime, *, registered: bool) -> None:
        """The agent's device registered or not: a DeviceChanged when it changes (the first
        report of an agent's device is applied only when it says unregistered, the default
        being registered)."""
        if self._registered.get(agent, True) is registered:
            return
        self._registered[agent] = registered
        _, at = self._agent(agent, at)
        self._emit(DeviceChanged(agent=agent, at=at, actor=self._actor, registered=registered))

    def _end_wrap_up(self, agent: str, at: datetime) -> None:
        _, at = self._agent(agent, at)
        self._emit(EndWrapUp(agent=agent, at=at, actor=self._actor))

    def _is_open(self, agent: str, interaction: str) -> bool | None:
        """``None`` if not open, else whether it was answered."""
        view = self._agents.get(agent)
        return None if view is None else view.open.get(interaction)

    def _flush(self) -> Batch:
        batch = Batch(events=tuple(self._events), notes=tuple(self._notes),
                      lines=tuple(self._lines))
        self._events.clear()
        self._lines.clear()
        self._notes.clear()
        return batch
