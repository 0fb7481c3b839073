"""Days and pause allotments: the arithmetic, as pure functions over pause spans.

A *day* is the calendar day in the site's (or the agent's) IANA time zone, found with pendulum so
that a DST change day is 23 or 25 hours long, or, with ``DayRule.rolling``, the 24 hours up to
an instant. A pause is a span of time in one reason; the part of it inside a day is charged to
that day, so a pause across midnight is split between the two days.

Which day for which purpose (every other module asks here, never decides for itself):

- **daily limits** (allotments, pauses per day; :func:`day_window`): the policy's
  :class:`DayRule`, rolling or calendar, in the agent's own time zone if it has one, else the
  site's;
- **a day named by its date** (``Tracker.ledger(day=...)``, ``Tracker.counters``;
  :func:`date_window`): that calendar day, in the agent's zone or the site's;
- **calls answered today** (the fewest-calls strategy; :func:`calendar_day`): the calendar day
  in the agent's zone or the site's, even with a rolling rule (a counter needs a day to reset);
- **reports** over many agents (:func:`calendar_day`, :func:`calendar_date`): calendar days in
  the site's (or the report's) zone; a report does not follow each agent's zone.

Both sides of the library use these same functions: the rules enforce allotments from the recent
spans an agent's state keeps, and the ledger queries compute any day from the history. So the
numbers cannot disagree.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta

import attrs
import pendulum

from ._policy import DayRule, PauseReason, Policy
from ._state import Change, PauseSpan
from ._time import UTC, ZERO, elapsed, shift, to_utc

__all__ = ["Ledger", "ReasonUsage", "calendar_date", "calendar_day", "date_window", "day_window",
           "ledger", "spans_from_history"]

DAY = timedelta(hours=24)
KEEP = timedelta(hours=50)
"""How long finished pauses stay in an agent's state: longer than any day can reach back."""


def day_window(rule: DayRule, at: datetime, timezone: str | None = None
               ) -> tuple[pendulum.DateTime, pendulum.DateTime]:
    """The day of daily limits that contains ``at``, as ``[start, end)`` in UTC: the 24 hours up
    to ``at`` with a rolling rule, else the calendar day in ``timezone`` (the agent's) or the
    rule's zone."""
    if rule.rolling:
        end = to_utc(at)
        return shift(end, -DAY), end
    return calendar_day(timezone or rule.timezone, at)


def calendar_day(zone: str, at: datetime) -> tuple[pendulum.DateTime, pendulum.DateTime]:
    """The calendar day in the IANA ``zone`` that contains ``at``, as ``[start, end)`` in UTC
    (23 or 25 hours across a daylight-saving change)."""
    known = _LAST_DAY.get(zone)
    if known is not None and known[0] <= at < known[1]:
        return known
    local = pendulum.instance(at).in_timezone(zone)
    start = local.start_of("day")
    window = start.in_timezone(UTC), start.add(days=1).in_timezone(UTC)
    _LAST_DAY[zone] = window
    return window


_LAST_DAY: dict[str, tuple[pendulum.DateTime, pendulum.DateTime]] = {}
"""The last day window found per zone: most questions fall in the same day, and finding a day
with pendulum costs some 20 us. Immutable values, so sharing them is safe."""


def date_window(rule: DayRule, day: date, timezone: str | None = None
                ) -> tuple[pendulum.DateTime, pendulum.DateTime]:
    """The calendar day ``day`` in ``timezone`` (the agent's) or the rule's zone, as
    ``[start, end)`` (a date names a calendar day even with a rolling rule)."""
    return calendar_date(timezone or rule.timezone, day)


def calendar_date(zone: str, day: date) -> tuple[pendulum.DateTime, pendulum.DateTime]:
    """The calendar day ``day`` in the IANA ``zone``, as ``[start, end)`` in UTC."""
    start = pendulum.datetime(day.year, day.month, day.day, tz=zone)
    return start.in_timezone(UTC), start.add(days=1).in_timezone(UTC)


def _overlap(start: datetime, end: datetime, lo: datetime, hi: datetime) -> timedelta:
    a = start if start > lo else lo
    b = end if end < hi else hi
    return elapsed(a, b) if b > a else ZERO


def used(spans: Iterable[PauseSpan], reason: str, lo: datetime, hi: datetime) -> timedelta:
    """Time spent in ``reason`` within ``[lo, hi)``."""
    total = ZERO
    for span in spans:
        if span.reason == reason:
            total += _overlap(span.start, span.end, lo, hi)
    return total


def started(spans: Iterable[PauseSpan], reason: str, lo: datetime, hi: datetime) -> int:
    """How many pauses in ``reason`` began within ``[lo, hi)`` (a pause counts on its first day)."""
    return sum(1 for s in spans if s.reason == reason and lo <= s.start < hi)


def overrun(spans: Sequence[PauseSpan], reason: PauseReason, lo: datetime, hi: datetime
            ) -> timedelta:
    """Time in ``reason`` within ``[lo, hi)`` past its daily allotment or its maximum length.

    Spans must be in time order. Within one pause, both limits are crossed at one instant and
    stay crossed, so the overrun of a pause is the part of it after the earlier crossing.
    """
    total, cumulative = ZERO, ZERO
    for span in spans:
        if span.reason != reason.code:
            continue
        a = span.start if span.start > lo else lo
        b = span.end if span.end < hi else hi
        if b <= a:
            continue
        crossing = b
        if reason.daily_allotment is not None:
            left = reason.daily_allotment - cumulative
            crossing = min(crossing, shift(a, left) if left > ZERO else a)
        if reason.max_length is not None:
            crossing = min(crossing, max(a, shift(span.start, reason.max_length)))
        total += elapsed(crossing, b) if b > crossing else ZERO
        cumulative += elapsed(a, b)
    return total


def limit_deadline(policy: Policy, reason: str, spans: Sequence[PauseSpan], start: datetime,
                   now: datetime, timezone: str | None) -> datetime | None:
    """When the pause in ``reason`` that began at ``start`` reaches a limit, seen at ``now``.

    The daily allotment's deadline assumes the day does not change before it; when it does, the
    timer finds no overrun when it fires and is set again from there, so it is exact in the end.
    """
    limits = policy.reason(reason)
    candidates: list[datetime] = []
    if limits.max_length is not None:
        candidates.append(shift(start, limits.max_length))
    if limits.daily_allotment is not None:
        lo, hi = day_window(policy.day, now, timezone)
        spent = used((*spans, PauseSpan(reason=reason, start=start, end=now)), reason, lo, hi)
        candidates.append(shift(now, max(limits.daily_allotment - spent, ZERO)))
    return min(candidates) if candidates else None


def is_overrun(policy: Policy, reason: str, spans: Sequence[PauseSpan], start: datetime,
               now: datetime, timezone: str | None) -> bool:
    """Whether the pause in ``reason`` that began at ``start`` is past a limit at ``now``."""
    limits = policy.reason(reason)
    if limits.max_length is not None and elapsed(start, now) >= limits.max_length:
        return True
    if limits.daily_allotment is not None:
        lo, hi = day_window(policy.day, now, timezone)
        spent = used((*spans, PauseSpan(reason=reason, start=start, end=now)), reason, lo, hi)
        return spent >= limits.daily_allotment
    return False


def refusal(policy: Policy, reason: str, spans: Sequence[PauseSpan], now: datetime,
            timezone: str | None) -> tuple[str, str] | None:
    """Why a new pause in ``reason`` at ``now`` is over a limit: ``(limit, how much)``, or None."""
    limits = policy.reason(reason)
    lo, hi = day_window(policy.day, now, timezone)
    when = "in the last 24 hours" if policy.day.rolling else "today"
    if limits.max_per_day is not None:
        count = started(spans, reason, lo, hi)
        if count >= limits.max_per_day:
            return "max_per_day", f"{count} of {limits.max_per_day} pauses used {when}"
    if limits.daily_allotment is not None:
        spent = used(spans, reason, lo, hi)
        if spent >= limits.daily_allotment:
            return "daily_allotment", (f"{_fmt(spent)} of {_fmt(limits.daily_allotment)} "
                                       f"used {when}")
    return None


def keep_recent(spans: Sequence[PauseSpan], now: datetime) -> tuple[PauseSpan, ...]:
    """The spans that can still count towards a day containing ``now``."""
    horizon = shift(to_utc(now), -KEEP)
    return tuple(s for s in spans if s.end > horizon)


def _fmt(span: timedelta) -> str:
    seconds = int(span.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours}h" if hours else "", f"{minutes}m" if minutes else "",
             f"{secs}s" if secs or not (hours or minutes) else ""]
    return "".join(parts)


# -- the ledger, from history ---------------------------------------------------------------------


def spans_from_history(changes: Iterable[Change], until: datetime) -> list[PauseSpan]:
    """Every pause (time with a reason) in ``changes``; one still open runs to ``until``."""
    spans: list[PauseSpan] = []
    current: tuple[str, str, datetime] | None = None  # status, reason, since
    for change in changes:
        if current is not None and (change.to_status, change.to_reason) != current[:2]:
            spans.append(PauseSpan(reason=current[1], start=current[2], end=change.at))
            current = None
        if current is None and change.to_reason is not None:
            current = (change.to_status, change.to_reason, change.at)
    if current is not None and until > current[2]:
        spans.append(PauseSpan(reason=current[1], start=current[2], end=until))
    return spans


@attrs.frozen(kw_only=True)
class ReasonUsage:
    """One reason's use within a day.

    Attributes:
        reason: the reason's code.
        paid: whether its time is paid.
        used: time spent in it.
        remaining: what is left of the daily allotment (``None``: no allotment).
        count: pauses begun in the day.
        overrun: time past the allotment or the maximum length of one pause.
    """

    reason: str
    paid: bool
    used: timedelta
    remaining: timedelta | None
    count: int
    overrun: timedelta


@attrs.frozen(kw_only=True)
class Ledger:
    """An agent's pause time within ``[start, end)``, per reason, paid and unpaid."""

    agent: str
    start: datetime
    end: datetime
    reasons: tuple[ReasonUsage, ...]

    @property
    def paid(self) -> timedelta:
        """Paid pause time."""
        return sum((r.used for r in self.reasons if r.paid), ZERO)

    @property
    def unpaid(self) -> timedelta:
        """Unpaid pause time."""
        return sum((r.used for r in self.reasons if not r.paid), ZERO)

    @property
    def total(self) -> timedelta:
        """All pause time."""
        return sum((r.used for r in self.reasons), ZERO)

    def reason(self, code: str) -> ReasonUsage:
        """The usage of the reason ``code``; ``KeyError`` if the policy has no such reason."""
        for usage in self.reasons:
            if usage.reason == code:
                return usage
        raise KeyError(code)


def ledger(policy: Policy, agent: str, spans: Sequence[PauseSpan], lo: datetime,
           hi: datetime) -> Ledger:
    """Each of the policy's reasons' use within ``[lo, hi)``, from ``spans`` in time order."""
    usages = []
    for reason in policy.reasons:
        spent = used(spans, reason.code, lo, hi)
        remaining = (None if reason.daily_allotment is None
                     else max(reason.daily_allotment - spent, ZERO))
        usages.append(ReasonUsage(reason=reason.code, paid=reason.paid, used=spent,
                                  remaining=remaining, count=started(spans, reason.code, lo, hi),
                                  overrun=overrun(spans, reason, lo, hi)))
    return Ledger(agent=agent, start=lo, end=hi, reasons=tuple(usages))
