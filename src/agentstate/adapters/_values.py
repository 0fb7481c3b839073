"""The values every adapter shares: notes and their kinds, the adapters' error, the platform
events noted unsupported, a read's position, and a batch of events."""

from __future__ import annotations

import enum
from collections.abc import Mapping

import attrs

from .._errors import AgentStateError
from .._events import Event

__all__ = ["UNMODELLED", "AdapterError", "Batch", "Note", "NoteKind", "Position"]


class NoteKind(enum.Enum):
    """What a note says about a record."""

    MALFORMED = "malformed"
    """The record does not parse (too few fields, a number that is not one): skipped. An error."""
    UNKNOWN_EVENT = "unknown_event"
    """An event this adapter does not know: skipped. An error."""
    REFUSED = "refused"
    """agentstate refused the event the record maps to: skipped. An error."""
    SKIPPED = "skipped"
    """A record with nothing to replay (a response to an action, an event of no agent status
    meaning, the end of a call never connected). Not an error."""
    ADJUSTED = "adjusted"
    """Something was inferred or moved (a clamped time, an implicit login, NUL bytes dropped).
    Not an error."""
    UNSUPPORTED = "unsupported"
    """A platform event agentstate has no faithful event for (see :data:`UNMODELLED`); the note
    says why. Not an error."""
    DUPLICATE = "duplicate"
    """A record already applied (the same sequence number or event id): applied once. Not an
    error."""

    @property
    def is_problem(self) -> bool:
        """Whether the note reports an error (fatal with ``strict=True``)."""
        return self in _PROBLEMS


_PROBLEMS = frozenset({NoteKind.MALFORMED, NoteKind.UNKNOWN_EVENT, NoteKind.REFUSED})


@attrs.frozen(kw_only=True)
class Note:
    """Something about one record of the input.

    Attributes:
        line: the record's number, from 1 (a line of a queue_log, a message of an AMI stream, a
            JSON event of a stream).
        kind: what kind of note.
        event: the record's event name, if it was read.
        message: what happened, in words.
    """

    line: int
    kind: NoteKind
    event: str | None
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.kind.value}: {self.message}"


class AdapterError(AgentStateError, ValueError):
    """A record cannot be read or replayed (with ``strict=True``). Each adapter raises its own
    subclass.

    Attributes:
        line: the record's number.
        kind: what is wrong.
        event: the record's event name, if it was read.
        reason: the message without its ``line N:`` prefix.
    """

    def __init__(self, message: str, *, line: int, kind: NoteKind, event: str | None = None
                 ) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.kind = kind
        self.event = event
        self.reason = message


UNMODELLED: Mapping[str, tuple[str, ...]] = {
    "ami": (),
    "freeswitch": ("agent-contact-change",),
    "taskrouter": ("worker.attributes.update", "worker.capacity.update",
                   "worker.channel.availability.update"),
}
"""Per adapter, the platform events noted ``UNSUPPORTED`` (always or in some cases), each note
naming the event and saying why: FreeSWITCH's contact change of a logged-in agent (agentstate
records the device with the Login only); TaskRouter's worker attributes (no event for them),
and its channel settings for a TaskRouter channel that shares its policy channel with others,
or a capacity update that gives no configured capacity."""


@attrs.frozen(kw_only=True)
class Position:
    """Where a read stands: resume by feeding the input from ``offset`` with this position.

    Attributes:
        offset: bytes consumed, up to the end of the last complete record.
        record: records read so far (the next record's number is ``record + 1``).
    """

    offset: int = 0
    record: int = 0


@attrs.frozen(kw_only=True)
class Batch:
    """What one ``feed`` produced: agentstate events, in order, and notes.

    Attributes:
        events: the events, in the order to apply them.
        notes: the notes about the records read.
        lines: for each event, the number of the record it comes from.
    """

    events: tuple[Event, ...] = ()
    notes: tuple[Note, ...] = ()
    lines: tuple[int, ...] = ()
