"""Team pictures in plain SVG: an interval chart and pause allotment bars.

- :func:`intervals` counts, per 15- or 30-minute bucket, the agents available, on work and
  paused (time-weighted averages) and the offers made and answered; :func:`interval_svg`
  draws them as stacked bars above paired bars.
- :func:`allotment_svg` draws each agent's pause time per reason against its daily allotment,
  with the overrun in red past the allotment's end, labelled to the second (:func:`span_text`:
  ``"21m 14s of 30m, 8m 46s left"``).

Elements carry classes for readers and tests: ``bucket``, ``available``, ``on-work``,
``paused``, ``offered``, ``answered``, ``allotment``, ``used``, ``overrun``.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import datetime, timedelta
from html import escape

import attrs
import pendulum

from ._ledger import Ledger
from ._policy import Policy
from ._state import Change, Occupation
from ._time import to_utc

__all__ = ["Interval", "allotment_svg", "interval_svg", "intervals", "span_text"]

_WORK = {Occupation.OFFERED, Occupation.ON_INTERACTION, Occupation.WRAP_UP}


@attrs.frozen(kw_only=True)
class Interval:
    """One bucket of the interval chart.

    Attributes:
        start: the bucket's first instant; end: the instant after it.
        available: agents in a routable status and idle, on average over the bucket.
        on_work: agents offered, on an interaction or wrapping up, on average.
        paused: agents logged in (not logged out) in a status that takes no work, not busy.
        offered: offers made in the bucket; answered: offers answered.
    """

    start: datetime
    end: datetime
    available: float
    on_work: float
    paused: float
    offered: int
    answered: int

    def as_dict(self) -> dict[str, object]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(),
                "available": round(self.available, 3), "on_work": round(self.on_work, 3),
                "paused": round(self.paused, 3), "offered": self.offered,
                "answered": self.answered}


def intervals(policy: Policy, histories: Sequence[Sequence[Change]], *, start: datetime,
              end: datetime, minutes: int = 30) -> list[Interval]:
    """The buckets of ``minutes`` from ``start`` to ``end`` (see :class:`Interval`)."""
    lo, hi = to_utc(start), to_utc(end)
    step = timedelta(minutes=minutes)
    edges = []
    at = lo
    while at < hi:
        edges.append((at, min(at + step, hi)))
        at += step
    sums = [[0.0, 0.0, 0.0] for _ in edges]
    offered = [0] * len(edges)
    answered = [0] * len(edges)
    routable = {s.name for s in policy.statuses if s.routable}
    for history in histories:
        for entry, following in itertools.zip_longest(history, history[1:]):
            begin = to_utc(entry.at)
            finish = to_utc(following.at) if following is not None else hi
            kind = type(entry.event).__name__
            for n, (b_lo, b_hi) in enumerate(edges):
                if b_lo <= begin < b_hi and entry.from_occupation is not entry.to_occupation:
                    if kind == "InteractionOffered":
                        offered[n] += 1
                    elif kind == "InteractionAnswered":
                        answered[n] += 1
                overlap = (min(finish, b_hi) - max(begin, b_lo)).total_seconds()
                if overlap <= 0 or entry.to_status == policy.logged_out:
                    continue
                share = overlap / (b_hi - b_lo).total_seconds()
                if entry.to_occupation in _WORK:
                    sums[n][1] += share
                elif entry.to_status in routable:
                    sums[n][0] += share
                else:
                    sums[n][2] += share
    return [Interval(start=b_lo, end=b_hi, available=s[0], on_work=s[1], paused=s[2],
                     offered=o, answered=a)
            for (b_lo, b_hi), s, o, a in zip(edges, sums, offered, answered, strict=True)]


_W, _LEFT, _H = 960, 50, 180
_COLOURS = {"available": "#4caf50", "on-work": "#ef5350", "paused": "#ff9800",
            "offered": "#90caf9", "answered": "#1565c0"}


def interval_svg(buckets: Sequence[Interval], *, timezone: str, title: str) -> str:
    """The interval chart: agents per state (stacked) above offers and answers (paired)."""
    if not buckets:
        raise ValueError("no buckets to draw")
    width = (_W - _LEFT - 10) / len(buckets)
    top_agents = max(max(b.available + b.on_work + b.paused for b in buckets), 1.0)
    top_calls = max(max(b.offered for b in buckets), 1)
    out: list[str] = []
    base1, base2 = 56 + _H, 56 + _H + 40 + _H
    for n, bucket in enumerate(buckets):
        x = _LEFT + n * width
        y = float(base1)
        out.append(f'<g class="bucket"><title>{_local(bucket.start, timezone)}: available '
                   f'{bucket.available:.1f}, on work {bucket.on_work:.1f}, paused '
                   f'{bucket.paused:.1f}; offered {bucket.offered}, answered '
                   f'{bucket.answered}</title>')
        for name, value in (("available", bucket.available), ("on-work", bucket.on_work),
                            ("paused", bucket.paused)):
            h = value / top_agents * _H
            y -= h
            out.append(f'<rect class="{name}" x="{x + 1:.1f}" y="{y:.1f}" '
                       f'width="{width - 2:.1f}" height="{h:.1f}" fill="{_COLOURS[name]}"/>')
        half = (width - 2) / 2
        for k, (name, count) in enumerate((("offered", bucket.offered),
                                           ("answered", bucket.answered))):
            h = count / top_calls * _H
            out.append(f'<rect class="{name}" x="{x + 1 + k * half:.1f}" y="{base2 - h:.1f}" '
                       f'width="{half:.1f}" height="{h:.1f}" fill="{_COLOURS[name]}"/>')
        out.append("</g>")
        every = max(1, round(len(buckets) / 12))
        if n % every == 0:
            out.append(f'<text x="{x:.1f}" y="{base2 + 14}" font-size="10">'
                       f'{_local(bucket.start, timezone)}</text>')
    axes = [f'<text x="4" y="{base1 - _H + 10}" font-size="10">{top_agents:.0f}</text>',
            f'<text x="4" y="{base1}" font-size="10">0</text>',
            f'<text x="{_LEFT}" y="{base1 - _H - 6}" font-size="11">agents (average)</text>',
            f'<text x="4" y="{base2 - _H + 10}" font-size="10">{top_calls}</text>',
            f'<text x="4" y="{base2}" font-size="10">0</text>',
            f'<text x="{_LEFT}" y="{base2 - _H - 6}" font-size="11">calls</text>',
            f'<line x1="{_LEFT}" y1="{base1}" x2="{_W - 10}" y2="{base1}" stroke="#444"/>',
            f'<line x1="{_LEFT}" y1="{base2}" x2="{_W - 10}" y2="{base2}" stroke="#444"/>']
    legend: list[str] = []
    lx = _LEFT
    for name, colour in _COLOURS.items():
        legend.append(f'<rect x="{lx}" y="{base2 + 24}" width="10" height="10" '
                      f'fill="{colour}"/><text class="legend" x="{lx + 14}" y="{base2 + 33}" '
                      f'font-size="10">{name.replace("-", " ")}</text>')
        lx += 100
    return _svg(_W, base2 + 44, title, axes + out + legend)


def allotment_svg(policy: Policy, ledgers: Sequence[Ledger], *, title: str) -> str:
    """Each agent's pause time per limited reason against its daily allotment."""
    allotted = {r.code: r.daily_allotment for r in policy.reasons if r.daily_allotment}
    rows = [(ledger.agent, usage, allotted[usage.reason]) for ledger in ledgers
            for usage in ledger.reasons if usage.reason in allotted]
    longest = max([a + u.overrun for _, u, a in rows] + list(allotted.values())
                  + [timedelta(minutes=1)])
    scale = (_W - 160 - 230) / longest.total_seconds()
    out: list[str] = []
    y = 40
    for agent, usage, allotment in rows:
        full = allotment.total_seconds() * scale
        used = min(usage.used, allotment).total_seconds() * scale
        over = usage.overrun.total_seconds() * scale
        out.append(f'<text x="4" y="{y + 12}" font-size="11">{escape(agent)} · '
                   f'{escape(usage.reason)}</text>'
                   f'<rect class="allotment" x="160" y="{y}" width="{full:.1f}" height="14" '
                   f'fill="#e0e0e0" stroke="#9e9e9e"/>'
                   f'<rect class="used" x="160" y="{y}" width="{used:.1f}" height="14" '
                   f'fill="#42a5f5"/>')
        if over > 0:
            out.append(f'<rect class="overrun" x="{160 + full:.1f}" y="{y}" '
                       f'width="{max(over, 2):.1f}" height="14" fill="#d50000"/>')
        left = allotment - min(usage.used, allotment)
        text = (f"{span_text(usage.used)} of {span_text(allotment)}, "
                + (f"{span_text(usage.overrun)} over" if usage.overrun
                   else f"{span_text(left)} left"))
        out.append(f'<text class="figure" x="{168 + full + over:.1f}" y="{y + 12}" '
                   f'font-size="10">{text}</text>')
        y += 20
    if not rows:
        out.append('<text x="4" y="52" font-size="12">no pause reason with a daily '
                   'allotment</text>')
        y += 20
    return _svg(_W, y + 10, title, out)


def span_text(span: timedelta) -> str:
    """A duration to the second, as people read it: ``"14m 30s"``, ``"30m"``, ``"1h 5m 2s"``,
    ``"0s"`` (rounded to the nearest second; the parts that are zero left out)."""
    total = round(span.total_seconds())
    sign, total = ("-" if total < 0 else ""), abs(total)
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [f"{value}{unit}" for value, unit in ((hours, "h"), (minutes, "m"), (seconds, "s"))
             if value]
    return sign + (" ".join(parts) or "0s")


def _local(at: datetime, zone: str) -> str:
    return pendulum.instance(at).in_timezone(zone).format("HH:mm")


def _svg(width: int, height: int, title: str, parts: Sequence[str]) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'font-family="sans-serif"><rect width="100%" height="100%" fill="white"/>'
            f'<text class="title" x="4" y="20" font-size="15" font-weight="bold">'
            f'{escape(title)}</text>' + "".join(parts) + "</svg>\n")
