"""Replay an Asterisk queue_log and print a report per agent.

    python examples/replay_asterisk.py [QUEUE_LOG] [--tz ZONE] [--restart keep|logout] [--json]

Without QUEUE_LOG it replays the real PBXware capture of ``../shared/data`` when it is there
(a test fixture of this repository, not shipped with agentstate).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

from agentstate.adapters import asterisk

CAPTURE = (Path(__file__).resolve().parents[2] / "shared" / "data" / "pbxware-2018"
           / "queue_log.asterisk-format.DERIVED.txt")


def hms(value: timedelta | None) -> str:
    """A duration as H:MM:SS."""
    if value is None:
        return "-"
    total = round(value.total_seconds())
    return f"{total // 3600}:{total // 60 % 60:02}:{total % 60:02}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("queue_log", nargs="?", type=Path, default=None,
                        help="an Asterisk queue_log (default: the PBXware capture, if present)")
    parser.add_argument("--tz", default="America/New_York",
                        help="the site's IANA time zone, for printed times")
    parser.add_argument("--restart", choices=[r.value for r in asterisk.Restart],
                        default="keep", help="what an Asterisk restart does to sessions")
    parser.add_argument("--json", action="store_true", help="print the team report as JSON")
    args = parser.parse_args(argv)
    path: Path | None = args.queue_log
    if path is None:
        if not CAPTURE.exists():
            parser.error(f"give a queue_log: the default capture {CAPTURE} is not here")
        path = CAPTURE
    if not path.exists():
        parser.error(f"no such file: {path}")

    with path.open(encoding="utf-8", errors="replace") as lines:
        result = asterisk.replay(lines, restart=asterisk.Restart(args.restart))
    if args.json:
        print(result.report().to_json())
        return 0

    kinds = Counter(note.kind.value for note in result.notes)
    print(f"{path.name}: {result.start and result.start.in_timezone(args.tz)} to "
          f"{result.end and result.end.in_timezone(args.tz)} ({args.tz})")
    print("notes: " + (", ".join(f"{n} {k}" for k, n in sorted(kinds.items())) or "none"))
    for note in result.problems[:10]:
        print(f"  {note}")

    header = ("agent", "sessions", "logged in", "paused", "offered", "answered", "missed",
              "talk", "occupancy")
    print()
    print("{:<10}{:>9}{:>11}{:>9}{:>9}{:>9}{:>8}{:>10}{:>11}".format(*header))
    for agent, report in result.agent_reports().items():
        talk = sum((i.talk_time or timedelta(0) for i in report.interactions), timedelta(0))
        occupancy = "-" if report.occupancy is None else f"{report.occupancy:.1%}"
        print(f"{agent:<10}{len(report.sessions):>9}{hms(report.logged_in):>11}"
              f"{hms(report.pause):>9}{report.counts.offered:>9}{report.counts.answered:>9}"
              f"{report.counts.missed:>8}{hms(talk):>10}{occupancy:>11}")

    calls = result.calls
    outcomes = Counter(call.outcome.value for call in calls)
    holds = [call.hold_time for call in calls if call.hold_time is not None]
    average = sum(holds, timedelta(0)) / len(holds) if holds else None
    print()
    print(f"queue calls: {len(calls)} ("
          + ", ".join(f"{n} {k}" for k, n in sorted(outcomes.items()))
          + f"); average hold {hms(average)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
