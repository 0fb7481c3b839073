"""Writers racing on shared agents: how many unstamped events end in ``StaleEvent``?

Issue 19, point 4: ``apply()`` read the clock once before its retry loop, so after losing
compare-and-set to a writer whose clock read was a little later, the retry refused the event as
stale (7-12% of events with 2-6 writers). An event without ``at`` is now stamped again when
that happens, and the count of ``StaleEvent`` is 0.

Each writer is a process with its own :class:`~agentstate.Tracker` over the shared database and
the real clock (:class:`~agentstate.SystemClock`); it applies ``SetStatus`` events without
``at`` to a few shared agents (from the status it reads, to the next one), as fast as it can,
and counts the outcomes. The script prints one
JSON object per store::

    .venv/bin/python benchmarks/concurrency.py                 # 4 SQLite, 6 PostgreSQL writers
    .venv/bin/python benchmarks/concurrency.py --events 2000 --agents 2

``stale`` is the figure of the issue (target 0); ``conflict`` counts events that lost every
retry (``ConflictError``); ``refused`` the other refusals (a status move the policy does not
allow from where another writer left the agent), which are expected. PostgreSQL runs only where
``tests/_pg.py`` can start a throwaway server.

:func:`run` is what ``tests/test_concurrency.py`` calls, with small counts.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"

_WORKER = r"""
import json, random, sys
from agentstate import (AgentStateError, ConflictError, SetStatus, StaleEvent, SystemClock,
                        Tracker)
from agentstate.presets import basic

kind, where = sys.argv[1], sys.argv[2]
me, events, agents = (int(arg) for arg in sys.argv[3:6])
if kind == "sqlite":
    from agentstate import SQLiteStore
    store = SQLiteStore(where)
else:
    from agentstate._postgres import PostgresStore
    conninfo, schema = where.split("|")
    store = PostgresStore(conninfo, schema=schema)
tracker = Tracker(basic(), store=store, clock=SystemClock(), retries=50)
rng = random.Random(me)
counts = {"ok": 0, "stale": 0, "conflict": 0, "refused": 0}
print("ready", flush=True)
sys.stdin.readline()
NEXT = {"available": "offline", "offline": "available", "logged_out": "available"}
for n in range(events):
    agent = f"a{rng.randrange(agents)}"
    try:
        event = SetStatus(agent=agent, status=NEXT.get(tracker.state(agent).status, "available"))
        tracker.apply(event)
        counts["ok"] += 1
    except StaleEvent:
        counts["stale"] += 1
    except ConflictError:
        counts["conflict"] += 1
    except AgentStateError:
        counts["refused"] += 1
print(json.dumps(counts), flush=True)
"""


def run(kind: str, where: str, *, writers: int, events: int, agents: int,
        src: Path = SRC) -> dict[str, Any]:
    """Set up ``agents`` logged-in agents, race ``writers`` processes of ``events`` each on
    them, and return the summed counts. ``where``: the SQLite file, or ``conninfo|schema``."""
    from agentstate import Login, SystemClock, Tracker
    from agentstate.presets import basic

    store: Any
    if kind == "sqlite":
        from agentstate import SQLiteStore
        store = SQLiteStore(where)
    else:
        from agentstate._postgres import PostgresStore
        conninfo, schema = where.split("|")
        store = PostgresStore(conninfo, schema=schema)
    with store:
        tracker = Tracker(basic(), store=store, clock=SystemClock())
        for n in range(agents):
            tracker.register(f"a{n}")
            tracker.apply(Login(agent=f"a{n}"))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(src), *filter(None, [os.environ.get("PYTHONPATH")])])}
    procs = [subprocess.Popen([sys.executable, "-c", _WORKER, kind, where, str(n), str(events),
                               str(agents)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True, env=env) for n in range(writers)]
    for proc in procs:  # every writer imported and connected: start them together
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    total: Counter[str] = Counter()
    for proc in procs:
        out, _ = proc.communicate(timeout=300)
        if proc.returncode != 0:
            raise RuntimeError(f"a {kind} writer failed (exit {proc.returncode})")
        total.update(json.loads(out.strip().splitlines()[-1]))
    return {"store": kind, "writers": writers, "events": writers * events, "agents": agents,
            **{key: total[key] for key in ("ok", "stale", "conflict", "refused")}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=500, help="events per writer")
    parser.add_argument("--agents", type=int, default=3, help="shared agents")
    parser.add_argument("--sqlite-writers", type=int, default=4)
    parser.add_argument("--postgres-writers", type=int, default=6)
    parser.add_argument("--src", type=Path, default=SRC,
                        help="the agentstate sources the writers import (to compare versions)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        print(json.dumps(run("sqlite", str(Path(tmp) / "race.db"), writers=args.sqlite_writers,
                             events=args.events, agents=args.agents, src=args.src)), flush=True)
    sys.path.insert(0, str(ROOT))
    from tests import _pg

    try:
        server = _pg.server()
    except _pg.Unavailable as error:
        print(json.dumps({"store": "postgres", "skipped": str(error)}))
        return
    print(json.dumps(run("postgres", f"{server.conninfo}|race_{os.getpid()}",
                         writers=args.postgres_writers, events=args.events,
                         agents=args.agents, src=args.src)), flush=True)


if __name__ == "__main__":
    main()
