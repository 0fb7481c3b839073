"""What both halves of the adapter share: its constants, and the notes and errors of a read or
a replay."""

from __future__ import annotations

from datetime import timedelta

from ..._events import Actor
from .._values import AdapterError, Note, NoteKind

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


class QueueLogError(AdapterError):
    """A queue_log line cannot be read or replayed (raised by :func:`parse_line`, and by
    :func:`read` and :func:`replay` with ``strict=True``).

    Attributes:
        line: the line number.
        kind: what is wrong.
        event: the line's EVENT field, if it was read.
        reason: the message without its ``line N:`` prefix.
    """
