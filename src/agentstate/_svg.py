"""A picture of an agent's day: statuses and occupations as coloured bars, in plain SVG.

No drawing library: the SVG is written by hand, so the picture costs no dependency. Two rows per
agent (status above, occupation below), hour ticks in the site's time zone, and a legend.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import datetime
from html import escape

import pendulum

from ._policy import Policy
from ._state import Change, Occupation
from ._time import elapsed, to_utc

__all__ = ["timeline_svg"]

_PALETTE = ["#4caf50", "#ff9800", "#9c27b0", "#2196f3", "#795548", "#e91e63", "#009688",
            "#607d8b", "#cddc39", "#3f51b5"]
_OCCUPATION_COLOURS = {
    Occupation.IDLE: "#c8e6c9", Occupation.OFFERED: "#fff59d",
    Occupation.ON_INTERACTION: "#ef5350", Occupation.WRAP_UP: "#ffb74d",
    Occupation.MISSED: "#90a4ae",
}
_WIDTH, _LEFT, _ROW, _GAP = 960, 120, 22, 8


def _runs(history: Sequence[Change], end: datetime
          ) -> list[tuple[str, str | None, datetime, datetime]]:
    """The history's maximal runs of one status and reason: (status, reason, begin, finish)."""
    runs: list[tuple[str, str | None, datetime, datetime]] = []
    for entry, following in itertools.zip_longest(history, history[1:]):
        finish = following.at if following is not None else end
        if runs and runs[-1][:2] == (entry.to_status, entry.to_reason):
            runs[-1] = (*runs[-1][:3], finish)
        else:
            runs.append((entry.to_status, entry.to_reason, entry.at, finish))
    return runs


def timeline_svg(policy: Policy, histories: Sequence[Sequence[Change]], *, start: datetime,
                 end: datetime, timezone: str | None = None) -> str:
    """An SVG timeline of each agent's history within ``[start, end)``.

    Args:
        policy: the policy (for status labels and which status means logged out).
        histories: one history per agent, as recorded.
        start: the left edge; end: the right edge.
        timezone: the zone of the hour ticks (default: the policy's day zone).
    """
    lo, hi = to_utc(start), to_utc(end)
    span = elapsed(lo, hi).total_seconds() or 1.0
    zone = timezone or policy.day.timezone
    working = [s.name for s in policy.statuses if s.name != policy.logged_out]
    colours = {name: _PALETTE[i % len(_PALETTE)] for i, name in enumerate(working)}
    colours[policy.logged_out] = "#eeeeee"
    scale = (_WIDTH - _LEFT - 10) / span

    def x(at: datetime) -> float:
        clipped = min(max(to_utc(at), lo), hi)
        return _LEFT + elapsed(lo, clipped).total_seconds() * scale

    rows: list[str] = []
    top = 30
    for history in histories:
        if not history:
            continue
        rows.append(f'<text x="4" y="{top + 15}" font-size="12">'
                    f'{escape(history[0].agent)}</text>')
        for status, reason, begin, finish in _runs(history, hi):
            if finish <= lo or begin >= hi or x(finish) - x(begin) <= 0:
                continue
            label = escape(policy.status(status).label + (f" ({reason})" if reason else ""))
            rows.append(f'<rect x="{x(begin):.1f}" y="{top}" '
                        f'width="{x(finish) - x(begin):.1f}" height="{_ROW}" '
                        f'fill="{colours[status]}"><title>{label}</title></rect>')
        for entry, following in itertools.zip_longest(history, history[1:]):
            begin, finish = entry.at, following.at if following is not None else hi
            if finish <= lo or begin >= hi or x(finish) - x(begin) <= 0:
                continue
            width = x(finish) - x(begin)
            if entry.to_status != policy.logged_out:
                rows.append(f'<rect x="{x(begin):.1f}" y="{top + _ROW + 2}" '
                            f'width="{width:.1f}" height="{_ROW // 2}" '
                            f'fill="{_OCCUPATION_COLOURS[entry.to_occupation]}">'
                            f'<title>{entry.to_occupation.value}</title></rect>')
        top += _ROW * 2 + _GAP
    ticks: list[str] = []
    hour = pendulum.instance(lo).in_timezone(zone).start_of("hour").add(hours=1)
    while hour < hi:
        px = x(hour)
        ticks.append(f'<line x1="{px:.1f}" y1="22" x2="{px:.1f}" y2="{top}" stroke="#bbb" '
                     f'stroke-width="0.5"/><text x="{px - 12:.1f}" y="16" font-size="10">'
                     f'{hour.format("HH:mm")}</text>')
        hour = hour.add(hours=1)
    legend: list[str] = []
    lx = _LEFT
    items = [(s.label, colours[s.name]) for s in policy.statuses]
    items += [(o.value.replace("_", " "), c) for o, c in _OCCUPATION_COLOURS.items()]
    for label, colour in items:
        legend.append(f'<rect x="{lx}" y="{top + 6}" width="10" height="10" fill="{colour}"/>'
                      f'<text x="{lx + 14}" y="{top + 15}" font-size="10">{escape(label)}</text>')
        lx += 14 + 7 * len(label) + 12
    height = top + 30
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{max(_WIDTH, lx)}" '
            f'height="{height}" font-family="sans-serif">'
            f'<rect width="100%" height="100%" fill="white"/>'
            + "".join(ticks) + "".join(rows) + "".join(legend) + "</svg>\n")
