"""Input limits: what an event field may hold, the same for every store.

Every value an event carries must be storable by every store, unchanged: a store must never be
the first to find out that a value is too long, too large or not encodable. So the limits are
those of the strictest store (PostgreSQL), checked when the event is built, before any I/O:

- a **name** (agent, event id, status, reason, queue, channel, interaction, device, actor id,
  time zone...) is a ``str`` (exactly, not a subclass) of 1 to :data:`MAX_NAME` characters,
  without U+0000 (PostgreSQL text cannot hold it) and without lone surrogates U+D800-U+DFFF
  (they cannot be encoded as UTF-8). :data:`MAX_NAME` keeps the widest index entry of the SQL
  stores (agent, queue and channel names together) under PostgreSQL's 2,704 bytes even in
  4-byte characters;
- a login names at most :data:`MAX_QUEUES` queues;
- a **small integer** (queue penalty and position, channel capacity) is an ``int`` (not a
  ``bool``) from :data:`MIN_SMALL` to :data:`MAX_SMALL` (32-bit signed: PostgreSQL's
  ``integer``); a **version** is an ``int`` from 0 to :data:`MAX_VERSION` (64-bit signed);
- an **instant** is an aware ``datetime`` from :data:`MIN_INSTANT` to :data:`MAX_INSTANT`, so
  that it converts to UTC and deadlines computed from it stay representable (an instant in
  UTC is checked by its year alone: comparing datetimes costs microseconds).

The checks are plain ``type``/``len`` tests, cheap enough for every event.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Final

__all__ = [
    "MAX_INSTANT",
    "MAX_NAME",
    "MAX_QUEUES",
    "MAX_SMALL",
    "MAX_VERSION",
    "MAX_YEAR",
    "MIN_INSTANT",
    "MIN_SMALL",
    "MIN_YEAR",
    "describe",
    "instant_problem",
    "name_problem",
]

MAX_NAME: Final = 200
"""The longest name, in characters (code points)."""

MAX_QUEUES: Final = 1000
"""The most queues one :class:`~agentstate.Login` may name."""

MIN_SMALL: Final = -(2**31)
"""The smallest penalty, position or capacity."""

MAX_SMALL: Final = 2**31 - 1
"""The largest penalty, position or capacity."""

MAX_VERSION: Final = 2**63 - 1
"""The largest ``expected_version``."""

MIN_INSTANT: Final = datetime(1900, 1, 1, tzinfo=timezone.utc)
"""The earliest instant an event may carry or a clock may show."""

MAX_INSTANT: Final = datetime(8999, 12, 31, 23, 59, 59, 999999, tzinfo=timezone.utc)
"""The latest instant an event may carry or a clock may show (the last of the year 8999)."""

MIN_YEAR: Final = MIN_INSTANT.year
MAX_YEAR: Final = MAX_INSTANT.year

_SURROGATE = re.compile("[\ud800-\udfff]").search
_REPR = 80


def name_problem(value: object) -> str | None:
    """Why ``value`` is not a valid name, or ``None`` if it is one."""
    if type(value) is str:
        if 0 < len(value) <= MAX_NAME and "\x00" not in value and (
                value.isascii() or _SURROGATE(value) is None):
            return None
        if not value:
            return "it is empty"
        if len(value) > MAX_NAME:
            return f"it has {len(value):,} characters"
        if "\x00" in value:
            return "it contains U+0000"
        return "it contains a lone surrogate (not encodable as UTF-8)"
    if isinstance(value, str):
        return f"it is of type {type(value).__name__}, a subclass of str (convert it with str())"
    return f"it is of type {type(value).__name__}"


def instant_problem(value: object) -> str | None:
    """Why ``value`` is not a valid instant, or ``None`` if it is one."""
    if not isinstance(value, datetime):
        return f"it is of type {type(value).__name__}"
    if value.tzinfo is None or value.utcoffset() is None:
        return "it has no time zone"
    if not MIN_INSTANT <= value <= MAX_INSTANT:
        return "it is out of range"
    return None


def describe(value: object) -> str:
    """``repr(value)`` cut to a readable length, for error messages."""
    try:
        text = repr(value)
    except Exception:  # a host object whose repr fails must not hide the real error
        text = f"<{type(value).__name__}>"
    if len(text) > _REPR:
        text = f"{text[:_REPR - 15]}...{text[-8:]} ({len(text):,} chars)"
    return text
