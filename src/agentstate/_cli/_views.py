"""The supervisor's views: a wallboard (``status``) and pictures of a day (``timeline``,
``chart``, ``allotments``)."""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pendulum

from .. import _ledger
from .._blocker import capacity, pool_capacity
from .._errors import AgentStateError
from .._ledger import Ledger
from .._policy import Policy
from .._state import AgentState
from .._store import Store
from .._time import ManualClock, to_utc
from .._tracker import Tracker, replay
from ._common import (
    Refused,
    add_json,
    close,
    day,
    hms,
    instant,
    load_policy,
    open_store,
    positive,
    print_json,
    write_text,
)

__all__ = ["add_commands"]


def add_commands(commands: Any, command: Callable[..., argparse.ArgumentParser],
                 policy_option: Callable[[argparse.ArgumentParser], None],
                 db_option: Callable[[argparse.ArgumentParser], None],
                 tz_option: Callable[[argparse.ArgumentParser], None]) -> None:
    """Add status, timeline, chart and allotments to the command line."""
    sta = command(
        commands, "status", "a wallboard: one row per agent, now",
        "One row per agent: status, reason, occupation, time in it, slots in use per "
        "channel and per channel group's pool, pause allotment remaining today."
        " --watch refreshes it.",
        "agentstate status --db floor.sqlite3\n"
        "agentstate status --db floor.sqlite3 --watch 5\n"
        "agentstate status --db floor.sqlite3 --at 2026-01-05T12:00 --json")
    policy_option(sta)
    db_option(sta)
    tz_option(sta)
    sta.add_argument("--at", help="the instant to show (ISO 8601; naive: in --tz); default: "
                                  "now, or the store's latest change if that is later")
    sta.add_argument("--watch", type=positive, metavar="SECONDS",
                     help="refresh every SECONDS until interrupted")
    add_json(sta)
    sta.set_defaults(run=status)

    for name, summary, what, run in (
            ("timeline", "a team's day as an SVG timeline, one row per agent",
             "Statuses and occupations as coloured bars, one row per agent, with marks for "
             "pause overruns, supervisor overrides and missed offers, and each agent's totals.",
             timeline),
            ("chart", "an interval chart (SVG): agents and calls per 15 or 30 minutes",
             "Per bucket: agents available, on work and paused (averages), and offers made "
             "and answered.", chart),
            ("allotments", "pause allotment bars per agent (SVG)",
             "Each agent's pause time per reason against its daily allotment, overrun in red.",
             allotments)):
        sub = command(commands, name, summary, what,
                      f"agentstate {name} --db floor.sqlite3 --day 2026-01-05 -o {name}.svg\n"
                      f"agentstate {name} --db floor.sqlite3 --agent agent01 > {name}.svg")
        policy_option(sub)
        db_option(sub)
        tz_option(sub)
        sub.add_argument("--day", type=day, help="YYYY-MM-DD in --tz (default: the latest day)")
        sub.add_argument("--agent", action="append", help="only this agent (repeatable)")
        sub.add_argument("-o", "--output", help="the SVG file (default: standard output)")
        if name == "chart":
            sub.add_argument("--minutes", type=int, choices=(15, 30), default=30,
                             help="bucket length (default 30)")
        add_json(sub)
        sub.set_defaults(run=run)


def _latest(store: Store) -> datetime | None:
    return max((s.updated_at for n in store.agents() if (s := store.load(n))), default=None)


def _agents(store: Store, wanted: list[str] | None) -> list[str]:
    names = list(wanted) if wanted else sorted(store.agents())
    missing = [n for n in names if store.load(n) is None]
    if missing:
        raise Refused(f"unknown agent(s) in the store: {', '.join(missing)}")
    if not names:
        raise Refused("the store holds no agents")
    return names


# -- status ---------------------------------------------------------------------------------


def status(args: argparse.Namespace) -> int:
    policy = load_policy(args.policy)
    store = open_store(args, must_exist=True)
    try:
        while True:
            rows = _wallboard(policy, store, args)
            if args.json:
                print_json(rows)
            else:
                if args.watch:
                    sys.stdout.write("\x1b[H\x1b[2J")
                _print_wallboard(rows)
            if not args.watch:
                return 0
            sys.stdout.flush()
            time.sleep(args.watch)
    finally:
        close(store)


def _wallboard(policy: Policy, store: Store, args: argparse.Namespace
               ) -> list[dict[str, Any]]:
    latest = _latest(store)
    now = pendulum.now("UTC")
    if args.at is not None:
        now = instant(args.at, args.tz)
    elif latest is not None and to_utc(latest) > now:
        now = pendulum.instance(latest)
    tracker = Tracker(policy, store=store, clock=ManualClock(now))
    today = now.in_timezone(args.tz).date()
    rows = []
    for name in sorted(store.agents()):
        state = store.load(name)
        if state is None:
            continue
        if to_utc(state.updated_at) > to_utc(now):  # --at before the agent's last change
            rows.extend(_row_then(policy, store, name, now))
        else:
            rows.append(_row(policy, state, _ledger_now(tracker, name, today), now))
    return rows


def _ledger_now(tracker: Tracker, agent: str, today: date) -> Ledger | None:
    try:
        return tracker.ledger(agent, today)
    except AgentStateError:  # the ledger needs the day's history; a wallboard shows what it can
        return None


def _row_then(policy: Policy, store: Store, agent: str, at: datetime
              ) -> list[dict[str, Any]]:
    """The agent's row as it was at ``at``: its history up to ``at`` replayed (no row if it
    was not registered yet)."""
    changes = list(store.history(agent, end=to_utc(at) + timedelta(microseconds=1)))
    if not changes:
        return []
    try:
        state = replay(policy, changes)
    except AgentStateError as error:  # e.g. recorded under another policy
        raise Refused(f"--at an instant before {agent}'s last change replays its history, "
                      f"which the policy {policy.name!r} refuses: {error}") from None
    lo, hi = _ledger.day_window(policy.day, at, state.timezone)
    spans = _ledger.spans_from_history(changes, min(to_utc(hi), to_utc(at)))
    return [_row(policy, state, _ledger.ledger(policy, agent, spans, lo, hi), at)]


def _row(policy: Policy, state: AgentState, ledger: Ledger | None, now: datetime
         ) -> dict[str, Any]:
    held = Counter(item.channel for item in state.interactions)
    slots = {channel.name: f"{held[channel.name]}/{capacity(policy, state, channel.name)}"
             for channel in policy.channels}
    slots.update((f"{group.name} pool",
                  f"{sum(held[c] for c in group.channels)}/{pool_capacity(policy, state, group)}")
                 for group in policy.groups)
    remaining = {}
    if ledger is not None:
        remaining = {u.reason: u.remaining.total_seconds() for u in ledger.reasons
                     if u.remaining is not None}
    since = max(to_utc(now) - to_utc(state.since), timedelta())
    return {"agent": state.agent, "status": state.status, "reason": state.reason,
            "occupation": state.occupation.value, "in_status_s": since.total_seconds(),
            "slots": slots, "allotment_remaining_s": remaining}


def _print_wallboard(rows: list[dict[str, Any]]) -> None:
    print(f"{'agent':<12} {'status':<16} {'reason':<10} {'occupation':<15} {'for':>8}  "
          f"{'slots':<20} allotment left")
    for row in rows:
        slots = " ".join(f"{k}:{v}" for k, v in row["slots"].items())
        left = " ".join(f"{k}:{_hms(v)}" for k, v in row["allotment_remaining_s"].items()) or "-"
        print(f"{row['agent']:<12} {row['status']:<16} {row['reason'] or '-':<10} "
              f"{row['occupation']:<15} {_hms(row['in_status_s']):>8}  {slots:<20} {left}")


def _seconds(span: timedelta | None) -> float | None:
    return None if span is None else span.total_seconds()


def _hms(seconds: float) -> str:
    return hms(timedelta(seconds=seconds))


# -- pictures -------------------------------------------------------------------------------


def _day_of(args: argparse.Namespace, store: Store) -> tuple[date, datetime, datetime]:
    from .._report import day_bounds

    the_day = args.day
    if the_day is None:
        latest = _latest(store)
        if latest is None:
            raise Refused(f"the store {args.db} holds no agents")
        the_day = pendulum.instance(latest).in_timezone(args.tz).date()
    start, end = day_bounds(the_day, args.tz)
    return the_day, start, end


def _setup(args: argparse.Namespace) -> tuple[Policy, Store, list[str], date, datetime,
                                              datetime]:
    policy = load_policy(args.policy)
    store = open_store(args, must_exist=True)
    names = _agents(store, args.agent)
    the_day, start, end = _day_of(args, store)
    return policy, store, names, the_day, start, end


def _working_hours(histories: list[list[Any]], start: datetime, end: datetime, zone: str
                   ) -> tuple[datetime, datetime]:
    """The day's edges narrowed to the hours with changes, a little margin either side."""
    stamps = [to_utc(c.at) for h in histories for c in h if start <= c.at < end]
    if not stamps:
        return start, end
    lo = pendulum.instance(min(stamps)).in_timezone(zone).start_of("hour")
    hi = pendulum.instance(max(stamps)).in_timezone(zone).start_of("hour").add(hours=1)
    return max(lo, pendulum.instance(start)), min(hi, pendulum.instance(end))


def timeline(args: argparse.Namespace) -> int:
    from .._svg import timeline_svg

    policy, store, names, the_day, start, end = _setup(args)
    histories = [list(store.history(n)) for n in names]
    lo, hi = _working_hours(histories, start, end, args.tz)
    if args.json:
        print_json({"day": str(the_day), "tz": args.tz, "agents": names,
                    "start": lo.isoformat(), "end": hi.isoformat()})
    else:
        write_text(args.output, timeline_svg(policy, histories, start=lo, end=hi,
                                             timezone=args.tz))
    close(store)
    return 0


def chart(args: argparse.Namespace) -> int:
    from .._charts import interval_svg, intervals

    policy, store, names, the_day, start, end = _setup(args)
    histories = [list(store.history(n)) for n in names]
    lo, hi = _working_hours(histories, start, end, args.tz)
    buckets = intervals(policy, histories, start=lo, end=hi, minutes=args.minutes)
    if args.json:
        print_json([b.as_dict() for b in buckets])
    else:
        title = (f"{len(names)} agents · {the_day} · {args.tz} · {args.minutes}-minute "
                 "intervals")
        write_text(args.output, interval_svg(buckets, timezone=args.tz, title=title))
    close(store)
    return 0


def allotments(args: argparse.Namespace) -> int:
    from .._charts import allotment_svg

    policy, store, names, the_day, _start, end = _setup(args)
    tracker = Tracker(policy, store=store, clock=ManualClock(max(
        pendulum.instance(end), pendulum.instance(_latest(store) or end))))
    ledgers = [tracker.ledger(n, the_day) for n in names]
    allotted = {r.code: r.daily_allotment for r in policy.reasons}
    if args.json:
        print_json([{"agent": lg.agent, "reasons": [
            {"reason": u.reason, "paid": u.paid, "used_s": u.used.total_seconds(),
             "allotment_s": _seconds(allotted.get(u.reason)),
             "remaining_s": _seconds(u.remaining), "count": u.count,
             "overrun_s": u.overrun.total_seconds()} for u in lg.reasons]}
            for lg in ledgers])
    else:
        write_text(args.output, allotment_svg(
            policy, ledgers, title=f"pause allotments · {the_day} · {args.tz}"))
    close(store)
    return 0
