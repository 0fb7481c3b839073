"""The ``agentstate`` command line: simulate, report, replay, diagram, check.

Exit codes: 0 done; 1 the check found errors (or a simulation could not run); 2 bad input (a
missing file, bad TOML, an unknown preset, bad arguments). Errors are one line on stderr, never
a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TextIO

import pendulum

from ._errors import AgentStateError
from ._policy import Policy
from ._report import Report, agent_reports, day_bounds, summary_csv
from ._store import MemoryStore, Store
from ._time import ManualClock
from ._tracker import Tracker

__all__ = ["main"]

DEFAULT_DB = "agentstate.sqlite3"


class _Refused(Exception):
    """A clean failure: print the message and exit with the code."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.run(args)
    except _Refused as refused:
        print(f"agentstate {args.command}: {refused}", file=sys.stderr)
        return refused.code
    except AgentStateError as error:
        print(f"agentstate {args.command}: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. piped into head
        return 0
    return code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="agentstate",
        description="Call-centre agent status: simulate a floor, report from a store, replay "
                    "an Asterisk queue_log, draw or check a policy.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sim = commands.add_parser(
        "simulate", help="simulate a team's day on the embedded SQLite store",
        description="Simulate a floor of agents for a day under random call arrivals, routed "
                    "with the eligibility rules, and record everything in a store.")
    _policy_options(sim)
    sim.add_argument("--agents", type=int, default=50, help="how many agents (default 50)")
    sim.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    sim.add_argument("--day", type=date.fromisoformat, default=date(2026, 1, 5),
                     help="the simulated day, YYYY-MM-DD (default 2026-01-05)")
    sim.add_argument("--tz", default="Europe/Berlin", help="the site's time zone")
    _store_options(sim, fresh=True)
    sim.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                     help="show a progress bar (default: when stderr is a terminal)")
    sim.set_defaults(run=_simulate)

    rep = commands.add_parser(
        "report", help="report a day (or a range) from a store",
        description="Per-agent report from a store: logged-in time, pause, calls, talk, "
                    "occupancy.")
    _policy_options(rep)
    rep.add_argument("--db", default=DEFAULT_DB, help=f"the SQLite store (default {DEFAULT_DB})")
    rep.add_argument("--day", type=date.fromisoformat, help="YYYY-MM-DD in --tz")
    rep.add_argument("--from", dest="start", type=_instant, help="range start (ISO 8601)")
    rep.add_argument("--to", dest="end", type=_instant, help="range end (ISO 8601)")
    rep.add_argument("--tz", default="Europe/Berlin", help="the site's time zone for --day")
    rep.add_argument("--agent", action="append", help="only this agent (repeatable)")
    _format_option(rep)
    rep.set_defaults(run=_report)

    rpl = commands.add_parser(
        "replay", help="replay an Asterisk queue_log into a store and report it",
        description="Read an Asterisk queue_log (pipe format), replay it through a tracker, "
                    "and print a per-agent report. Problem lines are listed with numbers.")
    rpl.add_argument("queue_log", type=Path, help="the queue_log file")
    rpl.add_argument("--strict", action="store_true", help="stop at the first problem line")
    _store_options(rpl, fresh=True, memory_default=True)
    _format_option(rpl)
    rpl.set_defaults(run=_replay)

    dia = commands.add_parser(
        "diagram", help="print a policy or preset as a Mermaid state diagram",
        description="Print the statuses and allowed transitions of a preset or a policy TOML "
                    "file as a Mermaid diagram (GitHub and MkDocs render it).")
    dia.add_argument("policy", help="a preset name or a policy TOML file")
    dia.set_defaults(run=_diagram)

    chk = commands.add_parser(
        "check", help="validate a policy TOML file and lint it",
        description="Load a policy TOML file, and list what is wrong: errors that make it "
                    "invalid, and lint findings (unreachable statuses, dead ends, timers that "
                    "can never fire...). Exit 1 if any finding is an error.")
    chk.add_argument("policy", help="a policy TOML file (or a preset name)")
    chk.add_argument("--require-allotment-for-paid", action="store_true",
                     help="a paid reason without a daily allotment is an error")
    chk.set_defaults(run=_check)
    return parser


def _policy_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--policy", default="basic",
                        help="a preset name or a policy TOML file (default: basic)")


def _store_options(parser: argparse.ArgumentParser, *, fresh: bool,
                   memory_default: bool = False) -> None:
    parser.add_argument("--db", default=None if memory_default else DEFAULT_DB,
                        help="the SQLite store" + ("" if memory_default
                                                   else f" (default {DEFAULT_DB})"))
    if not memory_default:
        parser.add_argument("--memory", action="store_true",
                            help="keep everything in memory instead (nothing written)")
    if fresh:
        parser.add_argument("--fresh", action="store_true",
                            help="delete the store first if it exists")


def _format_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("table", "csv", "json"), default="table",
                        help="output format (default: table)")


def _instant(text: str) -> pendulum.DateTime:
    try:
        parsed = pendulum.parse(text)
    except Exception as error:  # pendulum raises several kinds
        raise argparse.ArgumentTypeError(f"not an ISO 8601 instant: {text!r}") from error
    if not isinstance(parsed, pendulum.DateTime):
        raise argparse.ArgumentTypeError(f"not an instant: {text!r}")
    return parsed


# -- policies and stores ---------------------------------------------------------------------------


def _load_policy(spec: str) -> Policy:
    from . import presets
    from ._toml import load_policy

    if spec in presets.PRESETS:
        return presets.preset(spec)
    path = Path(spec)
    if path.suffix == ".toml" or path.exists():
        if not path.exists():
            raise _Refused(f"no such file: {path}")
        return load_policy(path)
    known = ", ".join(sorted(presets.PRESETS))
    raise _Refused(f"{spec!r} is neither a preset ({known}) nor a TOML file")


def _open_store(args: argparse.Namespace, *, must_exist: bool = False) -> Store:
    if getattr(args, "memory", False) or args.db is None:
        return MemoryStore()
    from ._sqlite import SQLiteStore

    path = Path(args.db)
    if getattr(args, "fresh", False):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    if must_exist and not path.exists():
        raise _Refused(f"no such store: {path}")
    return SQLiteStore(path)


def _histories(store: Store, agents: Sequence[str] | None) -> list[object]:
    names = list(agents) if agents else sorted(store.agents())
    missing = [n for n in names if store.load(n) is None]
    if missing:
        raise _Refused(f"unknown agent(s) in the store: {', '.join(missing)}")
    return [change for name in names for change in store.history(name)]


# -- commands ------------------------------------------------------------------------------


def _simulate(args: argparse.Namespace) -> int:
    from .simulation import simulate_floor

    policy = _load_policy(args.policy)
    store = _open_store(args)
    if next(iter(store.agents()), None) is not None:
        raise _Refused(f"the store {args.db} already holds agents: use --fresh or another --db")
    start = pendulum.datetime(args.day.year, args.day.month, args.day.day, 8, tz=args.tz)
    tracker = Tracker(policy, store=store, clock=ManualClock(start))
    show = sys.stderr.isatty() if args.progress is None else args.progress
    progress = _Progress(sys.stderr) if show else None
    try:
        result = simulate_floor(tracker, agents=args.agents, seed=args.seed,
                                progress=progress)
    except AgentStateError as error:
        raise _Refused(f"the policy cannot run this simulation: {error}", code=1) from error
    finally:
        if progress is not None:
            progress.done()
    where = "memory" if args.memory else args.db
    print(f"simulated {args.agents} agents on {args.day} ({args.tz}) into {where}")
    print(f"calls answered {result.answered}, abandoned {result.abandoned}; service level "
          f"{result.service_level():.1%} within 20 s; average wait "
          f"{result.average_wait.total_seconds():.1f} s")
    if not args.memory:
        print(f"next: agentstate report --db {args.db} --day {args.day} --tz {args.tz}")
    _close(store)
    return 0


def _report(args: argparse.Namespace) -> int:
    policy = _load_policy(args.policy)
    if args.day is not None and (args.start or args.end):
        raise _Refused("give --day or --from/--to, not both")
    if (args.start is None) != (args.end is None):
        raise _Refused("--from and --to go together")
    store = _open_store(args, must_exist=True)
    if args.day is not None:
        start, end = day_bounds(args.day, args.tz)
    elif args.start is not None:
        start, end = args.start, args.end
    else:
        latest = max((s.updated_at for n in store.agents() if (s := store.load(n))),
                     default=None)
        if latest is None:
            raise _Refused(f"the store {args.db} holds no agents")
        start, end = day_bounds(pendulum.instance(latest).in_timezone(args.tz).date(), args.tz)
    changes = _histories(store, args.agent)
    reports = agent_reports(changes, policy, start=start, end=end)  # type: ignore[arg-type]
    _print_reports(reports, args.format, start, end)
    _close(store)
    return 0


def _replay(args: argparse.Namespace) -> int:
    from .adapters import asterisk

    if not args.queue_log.exists():
        raise _Refused(f"no such file: {args.queue_log}")
    store = _open_store(args)
    with args.queue_log.open(encoding="utf-8", errors="replace") as lines:
        result = asterisk.replay(lines, store=store, strict=args.strict)
    for note in result.problems:
        print(f"{args.queue_log}: {note}", file=sys.stderr)
    if result.start is None or result.end is None:
        raise _Refused(f"{args.queue_log} has no events to replay", code=1)
    tracker = result.tracker
    changes = [c for name in sorted(tracker.agents()) for c in tracker.history(name)]
    end = result.end.add(seconds=1)
    reports = agent_reports(changes, tracker.policy, start=result.start, end=end, until=end)
    _print_reports(reports, args.format, result.start, end)
    _close(store)
    return 0


def _diagram(args: argparse.Namespace) -> int:
    from ._diagram import to_mermaid

    print(to_mermaid(_load_policy(args.policy)), end="")
    return 0


def _check(args: argparse.Namespace) -> int:
    from ._lint import Severity, lint

    policy = _load_policy(args.policy)
    findings = lint(policy, require_allotment_for_paid=args.require_allotment_for_paid)
    for finding in findings:
        print(f"{args.policy}: {finding.severity.value}: {finding.code}: {finding.message}")
    errors = sum(1 for f in findings if f.severity is Severity.ERROR)
    if not findings:
        print(f"{args.policy}: policy {policy.name!r} is valid; no findings")
    return 1 if errors else 0


# -- output --------------------------------------------------------------------------------


def _print_reports(reports: dict[str, Report], fmt: str, start: datetime, end: datetime
                   ) -> None:
    if fmt == "csv":
        print(summary_csv(reports.values()), end="")
        return
    if fmt == "json":
        import json

        print(json.dumps({name: rep.as_dict() for name, rep in reports.items()}, indent=2))
        return
    print(f"from {start} to {end}")
    print(f"{'agent':<12} {'logged in':>10} {'paused':>9} {'offered':>8} {'answered':>9} "
          f"{'missed':>7} {'on calls':>9} {'occupancy':>10}")
    for name, rep in sorted(reports.items()):
        occupancy = f"{rep.occupancy:.1%}" if rep.occupancy is not None else "-"
        talk = sum((v for k, v in rep.by_occupation.items() if k.value == "on_interaction"),
                   timedelta())
        print(f"{name:<12} {_hms(rep.logged_in):>10} {_hms(rep.pause):>9} "
              f"{rep.counts.offered:>8} {rep.counts.answered:>9} {rep.counts.missed:>7} "
              f"{_hms(talk):>9} {occupancy:>10}")


def _hms(span: timedelta) -> str:
    total = round(span.total_seconds())
    return f"{total // 3600}:{total // 60 % 60:02}:{total % 60:02}"


def _close(store: Store) -> None:
    close = getattr(store, "close", None)
    if close is not None:
        close()


class _Progress:
    """A one-line progress bar on a terminal."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._shown = -1

    def __call__(self, fraction: float) -> None:
        percent = int(fraction * 100)
        if percent != self._shown:
            self._shown = percent
            filled = percent // 4
            self._out.write(f"\r[{'#' * filled}{'.' * (25 - filled)}] {percent:3d}%")
            self._out.flush()

    def done(self) -> None:
        self._out.write("\n")
        self._out.flush()
