"""Clocks: the manual clock never goes backwards; times always carry a zone."""

from __future__ import annotations

from datetime import datetime, timezone

import pendulum
import pytest

from agentstate import Clock, ClockError, ManualClock, SystemClock


def test_manual_clock_moves_only_forward() -> None:
    """advance and set move the clock; going back raises ClockError and changes nothing."""
    clock = ManualClock(pendulum.datetime(2026, 3, 1, 8))
    assert pendulum.datetime(2026, 3, 1, 8, 0, 30) == clock.advance(30)
    with pytest.raises(ClockError):
        clock.set(pendulum.datetime(2026, 3, 1, 7))
    with pytest.raises(ClockError):
        clock.advance(-1)
    assert pendulum.datetime(2026, 3, 1, 8, 0, 30) == clock.now()


def test_times_in_other_zones_are_normalised_to_utc() -> None:
    """An aware time in any zone is accepted and kept in UTC."""
    clock = ManualClock(pendulum.datetime(2026, 3, 1, 9, tz="Europe/Berlin"))
    assert pendulum.datetime(2026, 3, 1, 8) == clock.now()
    assert "UTC" == clock.now().timezone_name


def test_naive_times_are_refused() -> None:
    """A datetime without a time zone is refused: agentstate never guesses one."""
    with pytest.raises(ClockError):
        ManualClock(datetime(2026, 3, 1, 8))


def test_system_clock_is_utc_and_a_clock() -> None:
    """SystemClock reads the real time, in UTC, and satisfies the Clock protocol."""
    now = SystemClock().now()
    assert timezone.utc.utcoffset(None) == now.utcoffset()
    assert isinstance(SystemClock(), Clock)
    assert isinstance(ManualClock(), Clock)
