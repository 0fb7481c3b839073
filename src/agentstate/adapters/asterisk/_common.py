"""What both halves of the adapter share: its constants, and the notes and errors of a read or
a replay."""

from __future__ import annotations

import enum
from datetime import timedelta

import attrs

from ..._errors import AgentStateError
from ..._events import Actor

__all__ = ["ASTERISK", "NONE", "NO_REASON", "Note", "NoteKind", "PAUSED", "QueueLogError", "ZERO"]

ZERO = timedelta(0)
NONE = "NONE"
"""What Asterisk writes in a field that does not apply."""

PAUSED = "paused"
"""The status the adapter's policy pauses agents into."""

NO_REASON = "(none)"
"""The pause reason of a PAUSE logged without one."""

ASTERISK = Actor.system("asterisk")
"""Who performs every replayed event: the PBX, as far as agentstate can tell."""


# -- notes and errors ----------------------------------------------------------------------------


class NoteKind(enum.Enum):
    """What a note says about a line."""

    MALFORMED = "malformed"
    """The line does not parse (too few fields, a number that is not one): skipped. An error."""
    UNKNOWN_EVENT = "unknown_event"
    """An event this adapter does not know: skipped. An error."""
    REFUSED = "refused"
    """agentstate refused the event the line maps to: skipped. An error."""
    SKIPPED = "skipped"
    """A line with nothing to replay (an outbound-call event; the end of a call the log never
    connected). Not an error."""
    ADJUSTED = "adjusted"
    """The replay inferred or moved something (a clamped time, an implicit login, a call cut by a
    restart). Not an error."""

    @property
    def is_problem(self) -> bool:
        """Whether the note reports an error (fatal with ``strict=True``)."""
        return self in _PROBLEMS


_PROBLEMS = frozenset({NoteKind.MALFORMED, NoteKind.UNKNOWN_EVENT, NoteKind.REFUSED})


@attrs.frozen(kw_only=True)
class Note:
    """Something about one line of the log.

    Attributes:
        line: the line number, from 1.
        kind: what kind of note.
        event: the line's EVENT field, if it was read.
        message: what happened, in words.
    """

    line: int
    kind: NoteKind
    event: str | None
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.kind.value}: {self.message}"


class QueueLogError(AgentStateError, ValueError):
    """A queue_log line cannot be read or replayed (raised by :func:`parse_line`, and by
    :func:`read` and :func:`replay` with ``strict=True``).

    Attributes:
        line: the line number.
        kind: what is wrong.
        event: the line's EVENT field, if it was read.
        reason: the message without its ``line N:`` prefix.
    """

    def __init__(self, message: str, *, line: int, kind: NoteKind, event: str | None = None
                 ) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.kind = kind
        self.event = event
        self.reason = message
