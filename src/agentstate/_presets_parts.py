"""The helpers every preset builds with: names from labels, reasons, delays, queues."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import timedelta

from ._errors import PolicyError
from ._policy import (
    PauseReason,
    Queue,
    Role,
    Strategy,
    WrapUp,
    WrapUpMode,
)

__all__ = ["AGENT", "SUPERVISOR", "delay_of", "make_queues", "pause_reasons", "slug",
           "timed_wrap_up"]

AGENT, SUPERVISOR = Role.AGENT, Role.SUPERVISOR


def slug(label: str) -> str:
    """A status name or reason code made from what people see: "End Shift" -> "end_shift"."""
    name = re.sub(r"\W+", "_", label.casefold()).strip("_")
    if not name:
        raise PolicyError(f"cannot make a name from {label!r}: it has no letters or digits",
                          culprit=label)
    return name


def pause_reasons(items: Iterable[str | PauseReason], *, keep_codes: bool = False
             ) -> tuple[PauseReason, ...]:
    """Pause reasons from labels or :class:`PauseReason` values (first of a code wins).

    A label becomes an unpaid reason without limits, coded by :func:`slug` (or kept as the code
    with ``keep_codes``, for systems whose reasons are free text, like Asterisk's).
    """
    found: dict[str, PauseReason] = {}
    for item in items:
        if isinstance(item, PauseReason):
            reason = item
        elif keep_codes:
            reason = PauseReason(code=item)
        else:
            reason = PauseReason(code=slug(item), label=item)
        found.setdefault(reason.code, reason)
    return tuple(found.values())


def delay_of(value: float | timedelta | None) -> timedelta | None:
    """A delay setting: seconds or a timedelta; ``None`` or zero means "off"."""
    if value is None:
        return None
    delay = value if isinstance(value, timedelta) else timedelta(seconds=value)
    if delay < timedelta(0):
        raise PolicyError(f"a delay cannot be negative, got {value!r}", culprit=repr(value))
    return delay or None


def timed_wrap_up(value: float | timedelta) -> WrapUp:
    """Time-boxed post-processing of ``value`` seconds, or none for zero."""
    length = delay_of(value)
    return WrapUp() if length is None else WrapUp(mode=WrapUpMode.TIMED, length=length)


def make_queues(items: Iterable[str | Queue], strategy: Strategy) -> tuple[Queue, ...]:
    return tuple(item if isinstance(item, Queue) else Queue(name=item, strategy=strategy)
                 for item in items)
