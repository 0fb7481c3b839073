"""A picture of agents' days: statuses and occupations as coloured bars, in plain SVG.

No drawing library: the SVG is written by hand, so the picture costs no dependency. A title
(agent or team, date, time zone), hour ticks in that zone, two rows per agent (status above,
occupation below), marks for what a supervisor looks for (a pause past its allotment, a
supervisor's override, a missed offer), a legend, and a small table of each agent's totals.

Every element a reader (or a test) looks for carries a class: ``status``, ``occupation``,
``mark overrun``, ``mark override``, ``mark missed``, ``totals``. Short intervals (a missed
offer, a wrap-up) are drawn at least :data:`MIN_WIDTH` pixels wide so that they show.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from html import escape

import pendulum

from ._policy import Policy
from ._report import report
from ._state import Change, Occupation
from ._time import elapsed, to_utc

__all__ = ["MIN_WIDTH", "timeline_svg"]

MIN_WIDTH = 3.0
"""The narrowest an occupation bar is drawn, in pixels, however short the interval."""

PALETTE = ["#4caf50", "#ff9800", "#9c27b0", "#2196f3", "#795548", "#e91e63", "#009688",
           "#607d8b", "#cddc39", "#3f51b5"]
OCCUPATION_COLOURS = {
    Occupation.IDLE: "#c8e6c9", Occupation.OFFERED: "#fdd835",
    Occupation.ON_INTERACTION: "#ef5350", Occupation.WRAP_UP: "#00acc1",
    Occupation.MISSED: "#37474f",
}
_WIDTH, _LEFT, _ROW, _GAP, _TOP = 960, 120, 22, 10, 56


def status_colours(policy: Policy) -> dict[str, str]:
    """A colour per status: the palette in policy order, logged out in light grey."""
    working = [s.name for s in policy.statuses if s.name != policy.logged_out]
    colours = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(working)}
    colours[policy.logged_out] = "#eeeeee"
    return colours


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


def _hms(span: timedelta) -> str:
    """A duration to the second, ``H:MM:SS`` (as ``agentstate report`` prints it)."""
    total = round(span.total_seconds())
    return f"{total // 3600}:{total // 60 % 60:02}:{total % 60:02}"


def timeline_svg(policy: Policy, histories: Sequence[Sequence[Change]], *, start: datetime,
                 end: datetime, timezone: str | None = None, title: str | None = None,
                 totals: bool = True) -> str:
    """An SVG timeline of each agent's history within ``[start, end)``.

    Args:
        policy: the policy (for status labels, which status means logged out, paid reasons).
        histories: one history per agent, as recorded.
        start: the left edge; end: the right edge.
        timezone: the zone of the title and hour ticks (default: the policy's day zone).
        title: the title; default: the agent (or the number of agents), the date and the zone.
        totals: add a table of each agent's totals (logged in, pause, calls, occupancy).
    """
    lo, hi = to_utc(start), to_utc(end)
    span = elapsed(lo, hi).total_seconds() or 1.0
    zone = timezone or policy.day.timezone
    colours = status_colours(policy)
    scale = (_WIDTH - _LEFT - 10) / span
    shown = [h for h in histories if h]
    local = pendulum.instance(lo).in_timezone(zone)
    if title is None:
        who = shown[0][0].agent if len(shown) == 1 else f"{len(shown)} agents"
        title = f"{who} · {local.format('ddd D MMM YYYY')} · {zone}"

    def x(at: datetime) -> float:
        clipped = min(max(to_utc(at), lo), hi)
        return _LEFT + elapsed(lo, clipped).total_seconds() * scale

    rows: list[str] = []
    top = _TOP
    for history in shown:
        rows.append(f'<text class="agent" x="4" y="{top + 15}" font-size="12">'
                    f'{escape(history[0].agent)}</text>')
        for status, reason, begin, finish in _runs(history, hi):
            if finish <= lo or begin >= hi or x(finish) - x(begin) <= 0:
                continue
            label = escape(policy.status(status).label + (f" ({reason})" if reason else ""))
            rows.append(f'<rect class="status" x="{x(begin):.1f}" y="{top}" '
                        f'width="{x(finish) - x(begin):.1f}" height="{_ROW}" '
                        f'fill="{colours[status]}"><title>{label}</title></rect>')
        for entry, following in itertools.zip_longest(history, history[1:]):
            begin, finish = entry.at, following.at if following is not None else hi
            if finish <= lo or begin >= hi or entry.to_status == policy.logged_out:
                continue
            width = max(x(finish) - x(begin), MIN_WIDTH)
            rows.append(f'<rect class="occupation" x="{x(begin):.1f}" y="{top + _ROW + 2}" '
                        f'width="{width:.1f}" height="{_ROW // 2}" '
                        f'fill="{OCCUPATION_COLOURS[entry.to_occupation]}">'
                        f'<title>{entry.to_occupation.value}</title></rect>')
        rows.extend(_marks(history, x, top, lo, hi))
        top += _ROW * 2 + _GAP
    ticks: list[str] = []
    hour = pendulum.instance(lo).in_timezone(zone).start_of("hour").add(hours=1)
    while hour < hi:
        px = x(hour)
        ticks.append(f'<line x1="{px:.1f}" y1="{_TOP - 8}" x2="{px:.1f}" y2="{top}" '
                     f'stroke="#bbb" stroke-width="0.5"/><text x="{px - 12:.1f}" '
                     f'y="{_TOP - 12}" font-size="10">{hour.format("HH:mm")}</text>')
        hour = hour.add(hours=1)
    legend, top = _legend(policy, colours, top)
    table, top = _totals(policy, shown, lo, hi, top) if totals else ([], top)
    height = top + 10
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{_WIDTH}" height="{height}" '
            f'font-family="sans-serif">'
            f'<rect width="100%" height="100%" fill="white"/>'
            f'<text class="title" x="4" y="20" font-size="15" font-weight="bold">'
            f'{escape(title)}</text>'
            + "".join(ticks) + "".join(rows) + "".join(legend) + "".join(table) + "</svg>\n")


def _marks(history: Sequence[Change], x: Callable[[datetime], float], top: int, lo: datetime,
           hi: datetime) -> list[str]:
    """Marks above the status row (overrun, override) and below the occupations (missed)."""
    out: list[str] = []
    for entry in history:
        if not lo <= to_utc(entry.at) < hi:
            continue
        px = x(entry.at)
        if "overrun" in entry.tags:
            out.append(f'<path class="mark overrun" d="M{px - 5:.1f},{top - 7} '
                       f'L{px + 5:.1f},{top - 7} L{px:.1f},{top + 1} Z" fill="#d50000">'
                       f'<title>pause overrun at {_clock(entry.at)}</title></path>')
        if "override" in entry.tags:
            out.append(f'<path class="mark override" d="M{px:.1f},{top - 9} '
                       f'L{px + 5:.1f},{top - 4} L{px:.1f},{top + 1} L{px - 5:.1f},{top - 4} Z" '
                       f'fill="#6a1b9a"><title>supervisor override by {escape(str(entry.actor))}'
                       f' at {_clock(entry.at)}</title></path>')
        if _missed(entry):
            y = top + _ROW * 2 - 6
            out.append(f'<path class="mark missed" d="M{px - 4:.1f},{y + 8} '
                       f'L{px + 4:.1f},{y + 8} L{px:.1f},{y + 1} Z" fill="#37474f">'
                       f'<title>missed offer at {_clock(entry.at)}</title></path>')
    return out


def _missed(entry: Change) -> bool:
    """Whether the change is an offer going unanswered (missed, or rung out by the timer)."""
    if entry.from_occupation is not Occupation.OFFERED:
        return False
    return entry.to_occupation is Occupation.MISSED or type(entry.event).__name__ in (
        "InteractionMissed", "TimerFired")


def _clock(at: datetime) -> str:
    return pendulum.instance(at).format("HH:mm:ss Z")


def _legend(policy: Policy, colours: dict[str, str], top: int) -> tuple[list[str], int]:
    items = [(s.label, colours[s.name], "rect") for s in policy.statuses]
    items += [(o.value.replace("_", " "), c, "rect") for o, c in OCCUPATION_COLOURS.items()]
    items += [("overrun", "#d50000", "down"), ("override", "#6a1b9a", "diamond"),
              ("missed offer", "#37474f", "up")]
    out: list[str] = []
    lx, ly = 4, top + 6
    for label, colour, shape in items:
        width = 14 + 6.5 * len(label) + 12
        if lx + width > _WIDTH:
            lx, ly = 4, ly + 16
        if shape == "rect":
            out.append(f'<rect x="{lx}" y="{ly}" width="10" height="10" fill="{colour}"/>')
        else:
            points = {"down": f"M{lx},{ly} L{lx + 10},{ly} L{lx + 5},{ly + 10} Z",
                      "up": f"M{lx},{ly + 10} L{lx + 10},{ly + 10} L{lx + 5},{ly} Z",
                      "diamond": f"M{lx + 5},{ly} L{lx + 10},{ly + 5} L{lx + 5},{ly + 10} "
                                 f"L{lx},{ly + 5} Z"}[shape]
            out.append(f'<path d="{points}" fill="{colour}"/>')
        out.append(f'<text class="legend" x="{lx + 14}" y="{ly + 9}" font-size="10">'
                   f'{escape(label)}</text>')
        lx += int(width)
    return out, ly + 20


_COLUMNS = ("agent", "logged in", "paused", "overrun", "offered", "answered", "missed",
            "on calls", "occupancy")


def _totals(policy: Policy, histories: Sequence[Sequence[Change]], lo: datetime,
            hi: datetime, top: int) -> tuple[list[str], int]:
    """A small table: one row per agent, the day's totals."""
    out = ['<g class="totals" font-size="11">']
    xs = [4 + 100 * i for i in range(len(_COLUMNS))]
    y = top + 12
    out.extend(f'<text x="{cx}" y="{y}" font-weight="bold">{name}</text>'
               for cx, name in zip(xs, _COLUMNS, strict=True))
    for history in histories:
        y += 15
        rep = report(history, policy, start=lo, end=hi, until=hi)  # as drawn: to the edge
        talk = rep.by_occupation.get(Occupation.ON_INTERACTION, timedelta())
        over = sum(rep.overrun.values(), timedelta())
        cells = (history[0].agent, _hms(rep.logged_in), _hms(rep.pause), _hms(over),
                 str(rep.counts.offered), str(rep.counts.answered), str(rep.counts.missed),
                 _hms(talk), "-" if rep.occupancy is None else f"{rep.occupancy:.0%}")
        out.extend(f'<text class="cell" x="{cx}" y="{y}">{escape(text)}</text>'
                   for cx, text in zip(xs, cells, strict=True))
    out.append("</g>")
    return out, y + 6
