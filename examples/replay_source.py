"""Replay a file (or stdin) of any supported source and print one report per agent.

    python examples/replay_source.py SOURCE [FILE|-]

SOURCE is one of ``agentstate.adapters.SOURCES``: queue_log, ami, connect, freeswitch,
taskrouter. This is what ``agentstate replay --source`` does; every source prints the same
report. Problems (malformed records, refused events) are listed with their record numbers;
events agentstate does not model yet are counted as unsupported.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from datetime import timedelta

from agentstate.adapters import SOURCES, NoteKind, replay_source


def hms(value: timedelta | None) -> str:
    """A duration as H:MM:SS."""
    if value is None:
        return "-"
    total = round(value.total_seconds())
    return f"{total // 3600}:{total // 60 % 60:02}:{total % 60:02}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", choices=sorted(SOURCES))
    parser.add_argument("file", nargs="?", default="-", help="the input, or - for stdin")
    args = parser.parse_args(argv)
    if args.file == "-":
        data = sys.stdin.buffer.read()
    else:
        with open(args.file, "rb") as handle:
            data = handle.read()
    result = replay_source(args.source, data)
    print(f"{'agent':<24} {'logged in':>10} {'paused':>9} {'talk':>9} {'wrap-up':>9} "
          f"{'answered':>8} {'missed':>6}")
    for agent, rep in sorted(result.agent_reports().items()):
        talk = sum((i.talk_time or timedelta(0) for i in rep.interactions), timedelta(0))
        wrap = sum((v for k, v in rep.by_occupation.items() if k.value == "wrap_up"),
                   timedelta(0))
        print(f"{agent:<24} {hms(rep.logged_in):>10} {hms(rep.pause):>9} {hms(talk):>9} "
              f"{hms(wrap):>9} {rep.counts.answered:>8} {rep.counts.missed:>6}")
    kinds = Counter(note.kind for note in result.notes)
    print("notes: " + (", ".join(f"{kind.value} {count}" for kind, count in
                                 sorted(kinds.items(), key=lambda kv: kv[0].value)) or "none"))
    for note in result.problems[:20]:
        print(f"  {note}")
    return 1 if kinds[NoteKind.MALFORMED] or kinds[NoteKind.REFUSED] else 0


if __name__ == "__main__":
    sys.exit(main())
