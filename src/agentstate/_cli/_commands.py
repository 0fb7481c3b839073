"""The commands that work on policies and stores: simulate, report, replay, diagram, check,
export."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pendulum

from .._errors import AgentStateError
from .._report import Report, agent_reports, day_bounds, summary_csv
from .._store import Store
from .._time import ManualClock
from .._tracker import Tracker
from ._common import (
    Progress,
    Refused,
    close,
    histories,
    hms,
    instant,
    load_policy,
    open_store,
    print_json,
    read_text,
    write_text,
)

__all__ = ["check", "diagram", "export", "replay", "report", "simulate"]


def simulate(args: argparse.Namespace) -> int:
    from ..simulation import simulate_floor

    policy = load_policy(args.policy)
    store = open_store(args)
    if next(iter(store.agents()), None) is not None:
        raise Refused(f"the store {args.db} already holds agents: use --fresh or another --db")
    start = pendulum.datetime(args.day.year, args.day.month, args.day.day, 8, tz=args.tz)
    tracker = Tracker(policy, store=store, clock=ManualClock(start))
    show = sys.stderr.isatty() if args.progress is None else args.progress
    progress = Progress(sys.stderr) if show else None
    try:
        result = simulate_floor(tracker, agents=args.agents, seed=args.seed,
                                progress=progress)
    except AgentStateError as error:
        raise Refused(f"the policy cannot run this simulation: {error}", code=1) from error
    finally:
        if progress is not None:
            progress.done()
    where = "memory" if args.memory else args.db
    if args.json:
        print_json({"policy": policy.name, "agents": args.agents, "day": str(args.day),
                    "tz": args.tz, "store": where, "answered": result.answered,
                    "abandoned": result.abandoned,
                    "service_level": round(result.service_level(), 4),
                    "average_wait_seconds": round(result.average_wait.total_seconds(), 3)})
    else:
        print(f"simulated {args.agents} agents under {policy.name!r} on {args.day} "
              f"({args.tz}) into {where}")
        print(f"calls answered {result.answered}, abandoned {result.abandoned}; service level "
              f"{result.service_level():.1%} within 20 s; average wait "
              f"{result.average_wait.total_seconds():.1f} s")
        if not args.memory:
            print(f"next: agentstate report --db {args.db} --policy {args.policy} "
                  f"--day {args.day} --tz {args.tz}")
    close(store)
    return 0


def _range(args: argparse.Namespace, store: Store) -> tuple[pendulum.DateTime,
                                                             pendulum.DateTime]:
    if args.day is not None and (args.start or args.end):
        raise Refused("give --day or --from/--to, not both")
    if (args.start is None) != (args.end is None):
        raise Refused("--from and --to go together")
    if args.day is not None:
        return day_bounds(args.day, args.tz)
    if args.start is not None:
        start, end = instant(args.start, args.tz), instant(args.end, args.tz)
        if end <= start:
            raise Refused(f"--to ({args.end}) must be after --from ({args.start})")
        return start, end
    latest = _last_change(store)
    if latest is None:
        raise Refused(f"the store {args.db} holds no agents")
    return day_bounds(pendulum.instance(latest).in_timezone(args.tz).date(), args.tz)


def _last_change(store: Store) -> datetime | None:
    """When the store's last change was recorded, over every agent."""
    return max((s.updated_at for n in store.agents() if (s := store.load(n))), default=None)


def report(args: argparse.Namespace) -> int:
    policy = load_policy(args.policy)
    store = open_store(args, must_exist=True)
    start, end = _range(args, store)
    changes = histories(store, args.agent)
    # A store is read after the fact: count what is still open up to the store's last recorded
    # change (of any agent), never past the range's end.
    latest = _last_change(store)
    until = end if latest is None else min(end, pendulum.instance(latest))
    reports = agent_reports(changes, policy, start=start, end=end, until=until)
    _print_reports(reports, "json" if args.json else args.format, start, end, args.tz)
    close(store)
    return 0


# -- replay: every source goes through agentstate.adapters.replay_source ---------------------


def _source_names() -> tuple[str, ...]:
    from ..adapters import SOURCES

    return tuple(sorted(SOURCES))


def replay(args: argparse.Namespace) -> int:
    from ..adapters import SOURCES, AdapterError, replay_source

    if args.source not in SOURCES:
        raise Refused(f"unknown --source {args.source!r} (expected one of "
                      f"{', '.join(_source_names())})")
    begins = None if args.start is None else instant(args.start, args.tz)
    text = read_text(args.log)
    store = open_store(args)
    name = "<stdin>" if args.log == "-" else args.log
    try:
        result = replay_source(args.source, text, store=store, strict=args.strict,
                               start=begins)
    except AdapterError as error:
        raise Refused(f"{name}: {error}", code=1) from None
    for note in result.problems:
        print(f"{name}: {note}", file=sys.stderr)
    if result.start is None or result.end is None:
        hint = "" if begins is not None else " (a capture without times of its own needs --start)"
        raise Refused(f"{name} has no events to replay{hint}", code=1)
    tracker = result.tracker
    changes = [c for agent in sorted(tracker.agents()) for c in tracker.history(agent)]
    start = pendulum.instance(result.start)
    end = pendulum.instance(result.end).add(seconds=1)
    reports = agent_reports(changes, tracker.policy, start=start, end=end, until=end)
    _print_reports(reports, "json" if args.json else args.format, start, end, args.tz)
    close(store)
    return 0


# -- policies ------------------------------------------------------------------------------


def diagram(args: argparse.Namespace) -> int:
    from .. import _diagram

    policy = load_policy(args.policy)
    fmt = "json" if args.json else args.format
    if fmt == "json":
        print_json(_diagram.to_data(policy))
        return 0
    writers: dict[str, Callable[[Any], str]] = {
        "mermaid": _diagram.to_mermaid, "dot": _diagram.to_dot, "table": _diagram.to_table}
    write_text(args.output, writers[fmt](policy))
    return 0


def check(args: argparse.Namespace) -> int:
    from .._lint import Severity, lint

    policy = load_policy(args.policy)
    findings = lint(policy, require_allotment_for_paid=args.require_allotment_for_paid)
    errors = sum(1 for f in findings if f.severity is Severity.ERROR)
    if args.json:
        print_json({"policy": policy.name, "valid": not errors,
                    "findings": [{"code": f.code, "severity": f.severity.value,
                                  "culprit": f.culprit, "message": f.message}
                                 for f in findings]})
        return 1 if errors else 0
    for finding in findings:
        print(f"{args.policy}: {finding.severity.value}: {finding.code}: {finding.message}")
    if not findings:
        print(f"{args.policy}: policy {policy.name!r} is valid; no findings")
    return 1 if errors else 0


def export(args: argparse.Namespace) -> int:
    from .._toml import dumps_policy, policy_data

    policy = load_policy(args.policy)
    if args.json:
        write_text(args.output, json.dumps(policy_data(policy), indent=2,
                                           ensure_ascii=False) + "\n")
        return 0
    write_text(args.output, dumps_policy(policy))
    return 0


# -- output --------------------------------------------------------------------------------


def _print_reports(reports: dict[str, Report], fmt: str, start: datetime, end: datetime,
                   tz: str) -> None:
    if fmt == "csv":
        print(summary_csv(reports.values()), end="")
        return
    if fmt == "json":
        print_json({name: rep.as_dict() for name, rep in reports.items()})
        return
    lo = pendulum.instance(start).in_timezone(tz)
    hi = pendulum.instance(end).in_timezone(tz)
    print(f"from {lo.format('YYYY-MM-DD HH:mm:ss')} to {hi.format('YYYY-MM-DD HH:mm:ss')} "
          f"({tz})")
    print(f"{'agent':<12} {'logged in':>10} {'paused':>9} {'offered':>8} {'answered':>9} "
          f"{'missed':>7} {'on calls':>9} {'occupancy':>10}")
    for name, rep in sorted(reports.items()):
        occupancy = f"{rep.occupancy:.1%}" if rep.occupancy is not None else "-"
        talk = sum((v for k, v in rep.by_occupation.items() if k.value == "on_interaction"),
                   timedelta())
        print(f"{name:<12} {hms(rep.logged_in):>10} {hms(rep.pause):>9} "
              f"{rep.counts.offered:>8} {rep.counts.answered:>9} {rep.counts.missed:>7} "
              f"{hms(talk):>9} {occupancy:>10}")
