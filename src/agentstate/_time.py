"""Time: the injected clock, and the few operations the engine does on instants.

The core never reads the wall clock itself: a :class:`Clock` is handed to the tracker, and one
event reads it once. Instants are ``pendulum.DateTime`` in UTC. Pendulum's own arithmetic returns
rich ``Interval`` objects and costs 10-20 us per operation, so the hot path uses the C
``datetime`` operators on the same objects (:func:`elapsed`, :func:`shift`), which cost well
under a microsecond and return plain ``timedelta`` values.
"""

from __future__ import annotations

import enum
import math
from datetime import datetime, timedelta, timezone
from typing import Protocol, TypeVar, runtime_checkable

import pendulum

from ._errors import ClockError
from ._limits import MAX_INSTANT, MIN_INSTANT, describe

__all__ = ["Clock", "ManualClock", "SystemClock", "Timer", "checked", "elapsed", "micros", "shift",
           "to_utc"]

T = TypeVar("T", bound=datetime)
UTC = pendulum.UTC
ZERO = timedelta(0)

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_EPOCH_DAY = _EPOCH.toordinal()
_ONE_US = timedelta(microseconds=1)

_sub = datetime.__sub__
_add = datetime.__add__


class Timer(str, enum.Enum):
    """The kinds of deadline agentstate keeps.

    A ``str`` enum, stored by value: ``Timer.OFFER == "offer"``.
    """

    OFFER = "offer"
    """Ring time: the offer ``ref`` is missed when it passes."""
    WRAP_UP = "wrap_up"
    """Post-processing ends."""
    DELAY = "delay"
    """A missed/rejected/busy delay ends."""
    PAUSE_LIMIT = "pause_limit"
    """The pause reaches its reason's allotment or maximum length."""


def elapsed(start: datetime, end: datetime) -> timedelta:
    """``end - start`` as a plain ``timedelta``, at C speed."""
    result: timedelta = _sub(end, start)
    return result


def shift(instant: T, by: timedelta) -> T:
    """``instant + by``, keeping the instant's type (pendulum's), at C speed."""
    result: T = _add(instant, by)
    return result


def micros(instant: datetime) -> int:
    """Microseconds since the Unix epoch of an aware ``instant`` (exact, for SQL columns).

    Raises:
        ClockError: ``instant`` is naive.
    """
    zone = instant.tzinfo
    if zone is UTC or zone is timezone.utc:  # the usual case, without calling utcoffset()
        days = instant.toordinal() - _EPOCH_DAY
        seconds = days * 86400 + instant.hour * 3600 + instant.minute * 60 + instant.second
        return seconds * 1_000_000 + instant.microsecond
    if zone is None or instant.utcoffset() is None:
        raise ClockError(f"time {instant.isoformat()} has no time zone; give an aware datetime")
    delta: timedelta = datetime.__sub__(instant, _EPOCH)
    return delta // _ONE_US


def to_utc(value: datetime) -> pendulum.DateTime:
    """Normalise an aware datetime to a pendulum ``DateTime`` in UTC.

    Raises:
        ClockError: ``value`` is naive (has no time zone): agentstate never guesses one; or is
            not a datetime; or cannot be expressed in UTC (``datetime.min`` at +14:00).
    """
    if type(value) is pendulum.DateTime and value.tzinfo is UTC:
        return value
    if not isinstance(value, datetime):
        raise ClockError(f"time {describe(value)} is not a datetime; give an aware datetime")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ClockError(f"time {value.isoformat()} has no time zone; give an aware datetime")
    try:
        return pendulum.instance(value).in_timezone(UTC)
    except (OverflowError, ValueError):
        raise ClockError(f"time {value.isoformat()} cannot be expressed in UTC (out of "
                         "datetime's range)") from None


def _in_range(instant: pendulum.DateTime, what: str) -> pendulum.DateTime:
    if not MIN_INSTANT <= instant <= MAX_INSTANT:
        raise ClockError(f"{what} {instant.isoformat()} is out of range: a clock shows instants "
                         f"from {MIN_INSTANT:%Y-%m-%d} to {MAX_INSTANT:%Y-%m-%d} UTC")
    return instant


@runtime_checkable
class Clock(Protocol):
    """Where the tracker gets "now". Implement ``now()`` to plug in the host's clock."""

    def now(self) -> pendulum.DateTime:
        """The current instant, timezone-aware."""
        ...


class SystemClock:
    """The real clock, in UTC."""

    def now(self) -> pendulum.DateTime:
        return pendulum.now(UTC)

    def __repr__(self) -> str:
        return "SystemClock()"


class ManualClock:
    """A clock that moves only when told to, and never backwards.

    Args:
        start: the initial instant (aware); default 2026-01-05 09:00 UTC, a Monday.
    """

    def __init__(self, start: datetime | None = None) -> None:
        self._now = (_in_range(to_utc(start), "ManualClock start") if start is not None
                     else pendulum.datetime(2026, 1, 5, 9))

    def now(self) -> pendulum.DateTime:
        return self._now

    def set(self, instant: datetime) -> pendulum.DateTime:
        """Move to ``instant``; raises :class:`ClockError` if that is before now (or out of
        range: see "Input limits" in the concepts)."""
        target = _in_range(to_utc(instant), "ManualClock.set to")
        if target < self._now:
            raise ClockError(
                f"ManualClock refuses to go backwards from {self._now.isoformat()} "
                f"to {target.isoformat()}"
            )
        self._now = target
        return target

    def advance(self, seconds: float = 0, *, minutes: float = 0, hours: float = 0
                ) -> pendulum.DateTime:
        """Move forward by a non-negative amount and return the new now.

        Raises:
            ClockError: an amount is not a finite number, is negative in total, or would
                move the clock past the latest supported instant; the clock does not move.
        """
        for amount in (seconds, minutes, hours):
            if type(amount) is not int and (type(amount) is not float
                                            or not math.isfinite(amount)):
                raise ClockError(f"ManualClock.advance takes finite numbers, got "
                                 f"{describe(amount)}")
        too_far = (f"ManualClock refuses to advance by {seconds}s {minutes}min {hours}h: "
                   "beyond the supported instants")
        try:
            step = timedelta(seconds=seconds, minutes=minutes, hours=hours)
        except OverflowError:
            raise ClockError(too_far) from None
        if step < ZERO:
            raise ClockError(f"ManualClock refuses to go backwards (advance by {step})")
        try:
            target = shift(self._now, step)
        except OverflowError:
            raise ClockError(too_far) from None
        self._now = _in_range(target, "ManualClock.advance to")
        return self._now

    def __repr__(self) -> str:
        return f"ManualClock({self._now.isoformat()})"


class _Checked:
    """A host's clock, its readings checked and normalised to UTC (:func:`checked`)."""

    __slots__ = ("clock",)

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def now(self) -> pendulum.DateTime:
        value = self.clock.now()
        try:
            return _in_range(to_utc(value), "the clock's now")
        except ClockError as error:
            raise ClockError(f"{self.clock!r}: {error}") from None

    def __repr__(self) -> str:
        return repr(self.clock)


def checked(clock: Clock) -> Clock:
    """``clock`` itself if it is agentstate's; else a clock whose readings are checked: a
    naive, non-datetime or out-of-range reading raises :class:`ClockError` wherever it is read
    (every question, not just :meth:`Tracker.apply`)."""
    if type(clock) in (SystemClock, ManualClock):
        return clock
    return _Checked(clock)
