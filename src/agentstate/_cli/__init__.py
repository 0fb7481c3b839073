"""The ``agentstate`` command line.

Commands: simulate, report, replay, status, timeline, chart, allotments, diagram, check,
export.

Exit codes: 0 done; 1 the check found errors (or a simulation could not run, or a replay found
nothing to replay); 2 bad input (a missing file, bad TOML or JSON, an unknown preset, a bad
argument). Errors are one line on stderr, never a traceback. ``-`` means standard input where
a file is read, standard output where one is written.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import date

from .._errors import AgentStateError
from . import _commands, _views
from ._common import (
    DEFAULT_DB,
    DISTRIBUTION,
    Parser,
    Refused,
    add_json,
    day,
    positive,
    timezone,
)

__all__ = ["main"]

_ZONE = "Europe/Berlin"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as done:  # --help, --version, or a bad argument (already printed)
        return done.code if isinstance(done.code, int) else 2
    try:
        code: int = args.run(args)
    except Refused as refused:
        print(f"agentstate {args.command}: {refused}", file=sys.stderr)
        return refused.code
    except AgentStateError as error:
        message = " ".join(str(error).split())
        print(f"agentstate {args.command}: {message}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. piped into head
        return 0
    except KeyboardInterrupt:
        print(f"agentstate {args.command}: interrupted", file=sys.stderr)
        return 130
    return code


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"agentstate {version(DISTRIBUTION)} ({DISTRIBUTION})"
    except PackageNotFoundError:  # pragma: no cover - run from a source tree
        return "agentstate (not installed)"


def _command(commands: argparse._SubParsersAction[Parser], name: str, summary: str,
             description: str, examples: str) -> Parser:
    sub: Parser = commands.add_parser(
        name, help=summary, description=description,
        epilog="examples:\n" + "\n".join(f"  {line}" for line in examples.splitlines()),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    return sub


def _parser() -> Parser:
    parser = Parser(
        prog="agentstate",
        description="Call-centre agent status: simulate a floor, report from a store, replay "
                    "a PBX log, watch a wallboard, draw pictures, draw or check a policy.",
        epilog="examples:\n"
               "  agentstate simulate --policy callharbor --db floor.sqlite3 --fresh\n"
               "  agentstate report --db floor.sqlite3 --day 2026-01-05 --tz Europe/Berlin\n"
               "  agentstate status --db floor.sqlite3\n"
               "  agentstate export basic > mine.toml && agentstate check mine.toml\n"
               "run 'agentstate COMMAND --help' for each command's options",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=_version())
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                     parser_class=Parser)

    sim = _command(
        commands, "simulate", "simulate a team's day into a store",
        "Simulate a floor of agents for a day under random call arrivals, routed with the "
        "eligibility rules, under any preset or policy file (the agents' working status, "
        "pauses and channel come from the policy), and record everything in a store.",
        "agentstate simulate --agents 20 --db floor.sqlite3 --fresh\n"
        "agentstate simulate --policy omnichannel --memory --json")
    _policy_option(sim)
    sim.add_argument("--agents", type=positive, default=50, help="how many agents (default 50)")
    sim.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    sim.add_argument("--day", type=day, default=date(2026, 1, 5),
                     help="the simulated day, YYYY-MM-DD (default 2026-01-05)")
    _tz_option(sim)
    _store_options(sim, fresh=True)
    sim.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                     help="show a progress bar on stderr (default: when it is a terminal)")
    add_json(sim)
    sim.set_defaults(run=_commands.simulate)

    rep = _command(
        commands, "report", "report a day (or a range) from a store",
        "Per-agent report from a store: logged-in time, pause, calls, talk, occupancy. "
        "Times are shown in --tz; --from/--to without an offset are read in --tz.",
        "agentstate report --db floor.sqlite3 --day 2026-01-05\n"
        "agentstate report --db floor.sqlite3 --from 2026-01-05T08:00 --to 2026-01-05T12:00\n"
        "agentstate report --db floor.sqlite3 --agent agent01 --json")
    _policy_option(rep)
    _db_option(rep)
    _range_options(rep)
    rep.add_argument("--agent", action="append", help="only this agent (repeatable)")
    _format_option(rep)
    rep.set_defaults(run=_commands.report)

    rpl = _command(
        commands, "replay", "replay a PBX log into a store and report it",
        "Read a PBX log, replay it through a tracker, and print a per-agent report. Problem "
        "lines are listed on stderr with their numbers.",
        "agentstate replay /var/log/asterisk/queue_log\n"
        "zcat queue_log.gz | agentstate replay - --json")
    rpl.add_argument("log", help="the log file, or - for standard input")
    rpl.add_argument("--source", default="queue_log",
                     help="what the log is: queue_log (Asterisk; default), ami, freeswitch, "
                          "connect, taskrouter")
    rpl.add_argument("--strict", action="store_true", help="stop at the first problem line")
    rpl.add_argument("--start", help="when a capture without times of its own begins (ISO "
                                     "8601; naive: in --tz), e.g. AMI without timestampevents")
    _tz_option(rpl)
    _store_options(rpl, fresh=True, memory_default=True)
    _format_option(rpl)
    rpl.set_defaults(run=_commands.replay)

    _views.add_commands(commands, _command, _policy_option, _db_option, _tz_option)

    dia = _command(
        commands, "diagram", "draw a policy: Mermaid, Graphviz dot, or a permission table",
        "Print the statuses and allowed transitions of a preset or a policy TOML file: a "
        "Mermaid state diagram (GitHub and MkDocs render it), Graphviz dot, or a Markdown "
        "table of who may change what.",
        "agentstate diagram basic\n"
        "agentstate diagram callharbor --format table\n"
        "agentstate diagram mine.toml --format dot -o mine.dot")
    dia.add_argument("policy", help="a preset name, a policy file (TOML or .json), or - for "
                                    "stdin")
    dia.add_argument("--format", choices=("mermaid", "dot", "table"), default="mermaid",
                     help="output format (default: mermaid)")
    dia.add_argument("-o", "--output", help="write to this file (default: standard output)")
    add_json(dia)
    dia.set_defaults(run=_commands.diagram)

    chk = _command(
        commands, "check", "validate a policy TOML file and lint it",
        "Load a policy TOML file and list what is wrong: errors that make it invalid, and "
        "lint findings (unreachable statuses, dead ends, timers that can never fire...). "
        "Exit 1 if any finding is an error.",
        "agentstate check mine.toml\nagentstate export basic | agentstate check - --json")
    chk.add_argument("policy", help="a policy file (TOML or .json), a preset name, or - for "
                                    "stdin")
    chk.add_argument("--require-allotment-for-paid", action="store_true",
                     help="a paid reason without a daily allotment is an error")
    add_json(chk)
    chk.set_defaults(run=_commands.check)

    exp = _command(
        commands, "export", "write a preset (or a policy file) as TOML or JSON",
        "Write a preset as a policy TOML file to edit. A smaller file may instead say "
        "extends = \"PRESET\" and list only what it changes. --json writes the same "
        "document as JSON (statuses, transitions, reasons, timers... as objects; durations "
        "in seconds), which every command reads back as a .json policy file.",
        "agentstate export callharbor > callharbor.toml\nagentstate export basic -o basic.toml\n"
        "agentstate export basic --json -o basic.json && agentstate check basic.json")
    exp.add_argument("policy", help="a preset name (or a policy TOML or JSON file)")
    exp.add_argument("-o", "--output", help="write to this file (default: standard output)")
    exp.add_argument("--json", action="store_true",
                     help="write the policy as JSON instead of TOML")
    exp.set_defaults(run=_commands.export)
    return parser


def _policy_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--policy", default="basic",
                        help="a preset name or a policy file, TOML or .json (default: basic)")


def _tz_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tz", type=timezone, default=_ZONE,
                        help=f"the site's IANA time zone (default {_ZONE})")


def _db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", default=DEFAULT_DB,
                        help=f"the SQLite store (default {DEFAULT_DB})")


def _range_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--day", type=day, help="YYYY-MM-DD in --tz (default: the latest day)")
    parser.add_argument("--from", dest="start", help="range start (ISO 8601; naive: in --tz)")
    parser.add_argument("--to", dest="end", help="range end (ISO 8601; naive: in --tz)")
    _tz_option(parser)


def _store_options(parser: argparse.ArgumentParser, *, fresh: bool,
                   memory_default: bool = False) -> None:
    parser.add_argument("--db", default=None if memory_default else DEFAULT_DB,
                        help="the SQLite store" + (" (default: in memory)" if memory_default
                                                   else f" (default {DEFAULT_DB})"))
    if not memory_default:
        parser.add_argument("--memory", action="store_true",
                            help="keep everything in memory instead (nothing written)")
    if fresh:
        parser.add_argument("--fresh", action="store_true",
                            help="replace the store if it exists (only an agentstate "
                                 "database; anything else is refused and left intact)")


def _format_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("table", "csv", "json"), default="table",
                        help="output format (default: table)")
    add_json(parser)
