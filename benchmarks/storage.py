"""Storage benchmarks: the figures of issue 7, called by ``benchmarks/run.py``.

- :func:`events_per_s_sqlite`: the full :class:`agentstate.Tracker` over a :class:`SQLiteStore`
  on a file (WAL, ``synchronous=NORMAL``: every commit survives a crash of the process), one
  process, 1,000 agents, a valid stream of logins, offers, answers, ends, breaks, offline
  spells and logouts, one event per ``apply`` and one transaction per event. Target >= 5,000.
- :func:`sqlite_figures`: ``events_per_s_sqlite`` as above and ``events_per_s_sqlite_batch``:
  the same stream through ``Tracker.apply_many`` in batches of ``BATCH`` events (one
  transaction per batch, each event still accepted or refused on its own), target >= 25,000;
  each with its CPU-time variant (``..._cpu``: the process's CPU time, which leaves out the
  fsyncs and the time spent waiting for a core), and every run (``..._runs``).
  ``python benchmarks/storage.py --sqlite`` prints these alone (three runs each).
- :func:`synchronous_figures`: the same under each SQLite ``synchronous`` mode, median and
  range of three runs of 4,000 events (``python benchmarks/storage.py --synchronous``): the
  table in docs/storage.md.
- :func:`apply_us_by_age_sqlite`: the cost of one ``apply`` (with an ``event_id``, as a host
  sends them) over a SQLite file when each agent has a short history and when it has a long
  one: the two must be about equal (issue 19, point 11: a lookup that read the whole history
  made Friday's events twice as slow as Monday's).
- :func:`postgres_figures`: 4 processes, each with its own tracker and
  :class:`PostgresStore`, share 1,000 agents on one PostgreSQL server on loopback
  (``fsync=on``, ``synchronous_commit=on``: durable) and change their statuses at random.
  ``events_per_s_postgres`` is the successful calls of all processes over the wall time;
  ``lost_updates`` compares the successful calls with what the history recorded (it must be 0),
  and every agent's history is checked to be gapless. Target >= 2,000 events/s. On a shared
  machine the wall-clock figure follows the load; ``client_cpu_us_per_event`` (the 4
  processes' CPU time) and ``server_cpu_us_per_event`` (the throwaway server's processes, read
  from ``/proc``) are what one call (a read and an apply) costs, whatever the load.

- :func:`feed_figures`: the change feed's cost: events per second through a tracker with the
  feed on (it always is) over memory and SQLite, and how fast a reader pages through the feed
  (entries/s). On PostgreSQL the events/s above are with the feed on, and
  ``feed_wake_ms`` is the latency from a commit returning in one thread to a reader blocked in
  ``Tracker.wait_for_changes`` (another connection, woken by ``NOTIFY``) having the entry:
  median and p99 over 200 commits (50 when quick).

The PostgreSQL server is the one in ``$AGENTSTATE_BENCH_PG`` (a conninfo) if set, otherwise a
throwaway server started from the machine's binaries by ``tests/_pg.py``; without either, the
figures say why they are missing.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pendulum

from agentstate import (
    Event,
    InteractionAnswered,
    InteractionEnded,
    InteractionOffered,
    Login,
    Logout,
    ManualClock,
    SetStatus,
    Tracker,
)
from agentstate._sqlite import SQLiteStore
from agentstate.presets import basic

__all__ = ["apply_us_by_age_sqlite", "events_per_s_sqlite", "feed_figures", "postgres_figures",
           "sqlite_figures", "synchronous_figures"]

HERE = Path(__file__).resolve().parent
START = pendulum.datetime(2026, 1, 5, 8)
AGENTS = 1_000
WORKERS = 4
BATCH = 1_000


def stream(n_agents: int, n_events: int, seed: int = 7) -> tuple[list[str], list[Event]]:
    """A valid, interleaved stream of stamped events under the ``basic`` preset."""
    rng = random.Random(seed)
    agents = [f"agent-{i:04d}" for i in range(n_agents)]
    where = ["logged_out"] * n_agents  # logged_out, available, offered, connected, break, ...
    events: list[Event] = []
    micros = 0
    for n in range(n_events):
        i = rng.randrange(n_agents)
        agent = agents[i]
        micros += rng.randint(1, 2_000)
        at = START + timedelta(microseconds=micros)
        here = where[i]
        call = f"call-{i}-{n}"
        event: Event
        if here == "logged_out":
            event, where[i] = Login(agent=agent, at=at, queues=("sales",)), "available"
        elif here.startswith("offered:"):
            event = InteractionAnswered(agent=agent, at=at, interaction=here[8:])
            where[i] = "connected:" + here[8:]
        elif here.startswith("connected:"):
            event, where[i] = InteractionEnded(agent=agent, at=at, interaction=here[10:]), \
                "available"
        elif here == "available":
            roll = rng.randrange(100)
            if roll < 75:
                event = InteractionOffered(agent=agent, at=at, interaction=call, queue="sales")
                where[i] = "offered:" + call
            elif roll < 85:
                event, where[i] = SetStatus(agent=agent, at=at, status="break",
                                            reason="coffee"), "break"
            elif roll < 95:
                event, where[i] = SetStatus(agent=agent, at=at, status="offline"), "offline"
            else:
                event, where[i] = Logout(agent=agent, at=at), "logged_out"
        else:  # break or offline
            event, where[i] = SetStatus(agent=agent, at=at, status="available"), "available"
        events.append(event)
    return agents, events


def events_per_s_sqlite(quick: bool) -> float:
    """Events per second through a tracker over a durable SQLite file, one process.

    The best of several runs on fresh files (one when ``quick``), as ``timeit`` does: on a
    shared machine the best run is the one least disturbed by others.
    """
    n_events = 8_000 if quick else 30_000
    agents, events = stream(AGENTS, n_events)
    best = 0.0
    for _ in range(1 if quick else 3):
        with tempfile.TemporaryDirectory(prefix="agentstate-bench-") as folder, \
                SQLiteStore(Path(folder) / "bench.db") as store:
            clock = ManualClock(START)
            tracker = Tracker(basic(), store=store, clock=clock)
            tracker.register_many(agents)
            clock.set(events[-1].at or START)
            apply = tracker.apply
            t0 = time.perf_counter()
            for event in events:
                apply(event)
            best = max(best, n_events / (time.perf_counter() - t0))
    return round(best)


def sqlite_figures(quick: bool, *, synchronous: str = "NORMAL", n_events: int | None = None,
                   repeat: int | None = None) -> dict[str, Any]:
    """Events per second over a durable SQLite file, one event per transaction and in batches
    of ``BATCH`` through ``Tracker.apply_many``, wall-clock and CPU (best of the runs; every
    run in ``..._runs``)."""
    n_events = n_events or (8_000 if quick else 30_000)
    agents, events = stream(AGENTS, n_events)
    best: dict[str, float] = {}
    runs: dict[str, list[int]] = {}
    for _ in range(repeat or (1 if quick else 3)):
        for batched in (False, True):
            with tempfile.TemporaryDirectory(prefix="agentstate-bench-") as folder, \
                    SQLiteStore(Path(folder) / "bench.db", synchronous=synchronous) as store:
                clock = ManualClock(START)
                tracker = Tracker(basic(), store=store, clock=clock)
                tracker.register_many(agents)
                clock.set(events[-1].at or START)
                wall, cpu = time.perf_counter(), time.process_time()
                if batched:
                    refused = 0
                    for i in range(0, n_events, BATCH):
                        refused += sum(isinstance(r, Exception)
                                       for r in tracker.apply_many(events[i:i + BATCH]))
                    if refused:
                        raise RuntimeError(f"{refused} events of the stream were refused")
                else:
                    apply = tracker.apply
                    for event in events:
                        apply(event)
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                name = "events_per_s_sqlite" + ("_batch" if batched else "")
                best[name] = max(best.get(name, 0.0), n_events / wall)
                best[name + "_cpu"] = max(best.get(name + "_cpu", 0.0), n_events / cpu)
                runs.setdefault(name + "_runs", []).append(round(n_events / wall))
                runs.setdefault(name + "_cpu_runs", []).append(round(n_events / cpu))
    return {**{k: round(v) for k, v in best.items()}, **runs, "sqlite_batch_size": BATCH,
            "sqlite_events": n_events, "sqlite_synchronous": synchronous}


def synchronous_figures(n_events: int = 4_000, repeat: int = 3) -> dict[str, Any]:
    """:func:`sqlite_figures` under each ``synchronous`` mode (the table in docs/storage.md):
    the median of ``repeat`` runs and their range, wall-clock and CPU."""
    import statistics

    out: dict[str, Any] = {}
    for mode in ("OFF", "NORMAL", "FULL", "EXTRA"):
        figures = sqlite_figures(False, synchronous=mode, n_events=n_events, repeat=repeat)
        out[mode] = {name[:-len("_runs")]: {"median": round(statistics.median(values)),
                                            "range": [min(values), max(values)]}
                     for name, values in figures.items() if name.endswith("_runs")}
    return out


def feed_figures(quick: bool) -> dict[str, Any]:
    """Events/s with the feed on (memory, SQLite) and the feed's read rate in entries/s."""
    from agentstate import MemoryStore

    n_events = 8_000 if quick else 30_000
    agents, events = stream(AGENTS, n_events)
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="agentstate-bench-") as folder:
        for name, store in (("memory", MemoryStore()),
                            ("sqlite", SQLiteStore(Path(folder) / "feed.db"))):
            clock = ManualClock(START)
            tracker = Tracker(basic(), store=store, clock=clock)
            tracker.register_many(agents)
            clock.set(events[-1].at or START)
            t0 = time.perf_counter()
            for event in events:
                tracker.apply(event)
            out[f"events_per_s_{name}_with_feed"] = round(
                n_events / (time.perf_counter() - t0))
            t0 = time.perf_counter()
            after, read = 0, 0
            while entries := tracker.changes(after, 1000):
                after, read = entries[-1].sequence, read + len(entries)
            out[f"feed_read_entries_per_s_{name}"] = round(read / (time.perf_counter() - t0))
            if isinstance(store, SQLiteStore):
                store.close()
    return out


def _wake_latency(conninfo: str, schema: str, quick: bool) -> dict[str, float]:
    """Milliseconds from a commit returning to a reader blocked in wait_for_changes having
    it: median and p99."""
    import statistics
    import threading

    from agentstate._postgres import PostgresStore

    n = 50 if quick else 200
    committed: dict[int, float] = {}
    woken: dict[int, float] = {}
    with PostgresStore(conninfo, schema=schema) as rstore, \
            PostgresStore(conninfo, schema=schema) as wstore:
        reader = Tracker(basic(), store=rstore)
        writer = Tracker(basic(), store=wstore)
        after = 0
        while entries := reader.changes(after, 1000):
            after = entries[-1].sequence

        def read() -> None:
            nonlocal after
            while len(woken) < n:
                for entry in reader.wait_for_changes(after, timeout=5):
                    woken[len(woken)] = time.perf_counter()
                    after = entry.sequence

        thread = threading.Thread(target=read)
        thread.start()
        for i in range(n):
            time.sleep(0.01)
            writer.register(f"wake-{i}")
            committed[i] = time.perf_counter()
        thread.join(timeout=30)
    delays = sorted(max(0.0, woken[i] - committed[i]) * 1000 for i in range(n) if i in woken)
    return {"median": round(statistics.median(delays), 3),
            "p99": round(delays[min(len(delays) - 1, int(len(delays) * 0.99))], 3),
            "commits": n}


def apply_us_by_age_sqlite(quick: bool) -> dict[str, float]:
    """Microseconds per ``apply`` of an event with an ``event_id`` over a SQLite file, for 20
    agents when each has 50 history entries and when each has 2,000 (500 when ``quick``):
    the mean of the next 20 events of each agent at that age."""
    agents = [f"agent-{i:02d}" for i in range(20)]
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="agentstate-bench-") as folder, \
            SQLiteStore(Path(folder) / "age.db") as store:
        clock = ManualClock(START)
        tracker = Tracker(basic(), store=store, clock=clock)
        tracker.register_many(agents)
        for agent in agents:
            tracker.apply(Login(agent=agent))
        n = 0

        def toggle_all(times: int) -> None:
            nonlocal n
            for _ in range(times):
                n += 1
                clock.advance(1)
                status = "offline" if n % 2 else "available"
                for agent in agents:
                    tracker.apply(SetStatus(agent=agent, status=status,
                                            event_id=f"{agent}-{n}"))

        for entries in (50, 500 if quick else 2_000):
            toggle_all(entries - n)
            t0 = time.perf_counter()
            toggle_all(20)
            figures[f"apply_us_at_{entries}_entries"] = round(
                (time.perf_counter() - t0) / (20 * len(agents)) * 1e6, 1)
    return figures


# -- PostgreSQL: 4 processes sharing 1,000 agents ----------------------------------------------

_WORKER = r"""
import json, random, sys, time
import pendulum
from agentstate import AgentStateError, ConflictError, ManualClock, SetStatus, Tracker
from agentstate._postgres import PostgresStore
from agentstate.presets import basic

conninfo, schema, n_events, seed, n_agents = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:6])
NEXT = {"available": ("break", "lunch", "offline"), "break": ("available", "lunch"),
        "lunch": ("available",), "offline": ("available", "break", "lunch")}
store = PostgresStore(conninfo, schema=schema)
clock = ManualClock(pendulum.now("UTC"))
tracker = Tracker(basic(), store=store, clock=clock, retries=10)
rng = random.Random(seed)
agents = [f"agent-{i:04d}" for i in range(n_agents)]
print("ready", flush=True)
sys.stdin.readline()
ok = failed = conflicts = 0
t0, cpu = time.time(), time.process_time()
for _ in range(n_events):
    agent = rng.choice(agents)
    # the host knows its agents' statuses (it shows them): a read, then a valid change
    dest = rng.choice(NEXT[tracker.state(agent).status])
    now = pendulum.now("UTC")  # the clock follows the wall clock, shared by all processes
    if now > clock.now():
        clock.set(now)
    try:
        tracker.apply(SetStatus(agent=agent, status=dest,
                                reason="coffee" if dest == "break" else None))
    except AgentStateError as error:
        failed += 1  # another process changed the agent between the read and the write
        conflicts += isinstance(error, ConflictError)
    else:
        ok += 1
print(json.dumps({"ok": ok, "failed": failed, "conflicts": conflicts, "start": t0,
                  "end": time.time(), "cpu": time.process_time() - cpu}), flush=True)
store.close()
"""


def _pg_helper() -> Any:
    path = HERE.parent / "tests" / "_pg.py"
    spec = importlib.util.spec_from_file_location("agentstate_tests_pg", path)
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def postgres_figures(quick: bool) -> dict[str, Any]:
    """``events_per_s_postgres``, ``lost_updates`` and the details, or why they are missing."""
    server = None
    conninfo = os.environ.get("AGENTSTATE_BENCH_PG")
    if not conninfo:
        try:
            helper = _pg_helper()
            server = helper.PgServer(durable=True)
        except Exception as error:
            return {"events_per_s_postgres": None, "lost_updates": None,
                    "skipped": f"no PostgreSQL server: {error}"}
        conninfo = server.conninfo
    try:
        return _run_postgres(conninfo, quick, server)
    finally:
        if server is not None:
            server.stop()


def _server_cpu(server: Any) -> float | None:
    """Seconds of CPU the throwaway server has used so far (its postmaster, its live
    processes and every ended one, which the postmaster reaped), or ``None`` if unknown."""
    try:
        postmaster = int((server.data / "postmaster.pid").read_text().split()[0])
        tick = os.sysconf("SC_CLK_TCK")
        total = 0
        for pid in (postmaster, *_children(postmaster)):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            # utime, stime (and for the postmaster cutime, cstime: its reaped children)
            total += sum(map(int, fields[11:15] if pid == postmaster else fields[11:13]))
        return total / tick
    except (OSError, ValueError, IndexError):
        return None


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _run_postgres(conninfo: str, quick: bool, server: Any = None) -> dict[str, Any]:
    from agentstate._postgres import PostgresStore

    schema = f"bench_{os.getpid()}_{int(time.time())}"
    per_worker = 1_500 if quick else 6_000
    agents = [f"agent-{i:04d}" for i in range(AGENTS)]
    with PostgresStore(conninfo, schema=schema) as store:
        clock = ManualClock(pendulum.now("UTC").subtract(minutes=1))
        tracker = Tracker(basic(), store=store, clock=clock)
        tracker.register_many(agents)
        for agent in agents:
            tracker.apply(Login(agent=agent))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(HERE.parent / "src"), *filter(None, [os.environ.get("PYTHONPATH")])])}
    workers = [subprocess.Popen(
        [sys.executable, "-c", _WORKER, conninfo, schema, str(per_worker), str(seed),
         str(AGENTS)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
        for seed in range(WORKERS)]
    results = []
    try:
        for worker in workers:
            assert worker.stdout is not None
            if worker.stdout.readline().strip() != "ready":
                raise RuntimeError("a benchmark worker failed to start")
        server_cpu = None if server is None else _server_cpu(server)
        for worker in workers:
            assert worker.stdin is not None
            worker.stdin.write("go\n")
            worker.stdin.flush()
        for worker in workers:
            out, _ = worker.communicate(timeout=600)
            if worker.returncode != 0:
                raise RuntimeError(f"a benchmark worker failed ({worker.returncode})")
            results.append(json.loads(out.strip().splitlines()[-1]))
        if server_cpu is not None:
            time.sleep(0.3)  # the backends exit after their clients: let the postmaster reap
            used = _server_cpu(server)
            server_cpu = None if used is None else used - server_cpu
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    ok = sum(r["ok"] for r in results)
    wall = max(r["end"] for r in results) - min(r["start"] for r in results)
    with PostgresStore(conninfo, schema=schema) as store:
        applied = 0
        broken = 0
        for agent in agents:
            history = store.history(agent)
            applied += len(history) - 2  # minus the registration and the login
            state = store.load(agent)
            gapless = all(
                (a.seq + 1, a.to_status, a.to_reason, a.to_occupation)
                == (b.seq, b.from_status, b.from_reason, b.from_occupation)
                for a, b in itertools.pairwise(history))
            if not gapless or state is None or state.version != len(history):
                broken += 1
    calls = ok + sum(r["failed"] for r in results)
    return {
        "events_per_s_postgres": round(ok / wall),
        # CPU per call (a read of the agent's status and an apply), of the 4 clients together
        # and of the server (None: not our server, or /proc unreadable)
        "client_cpu_us_per_event": round(sum(r["cpu"] for r in results) / calls * 1e6, 1),
        "server_cpu_us_per_event": (None if server_cpu is None
                                    else round(server_cpu / calls * 1e6, 1)),
        "feed_on": True,
        "feed_wake_ms": _wake_latency(conninfo, schema, quick),
        "lost_updates": ok - applied,
        "processes": WORKERS,
        "agents": AGENTS,
        "successful_calls": ok,
        "refused_calls": sum(r["failed"] for r in results),
        "conflicts_after_retries": sum(r["conflicts"] for r in results),
        "applied_in_history": applied,
        "agents_with_invalid_history": broken,
        "wall_s": round(wall, 2),
    }


if __name__ == "__main__":
    quick = "--quick" in sys.argv
    if "--synchronous" in sys.argv:  # the table of docs/storage.md (a few minutes: FULL fsyncs)
        print(json.dumps(synchronous_figures(), indent=2))
        sys.exit()
    if "--sqlite" in sys.argv:  # SQLite's two figures alone, three runs each
        print(json.dumps(sqlite_figures(quick, repeat=3), indent=2))
        sys.exit()
    print(json.dumps({"sqlite": sqlite_figures(quick),
                      "sqlite_by_age": apply_us_by_age_sqlite(quick),
                      "feed": feed_figures(quick),
                      "postgres": postgres_figures(quick)}, indent=2))
