#!/usr/bin/env python3
"""agentstate benchmarks: prints one JSON object with the figures of issues 2 and 16.

Run from the repository root, with the package installed (``pip install -e .``)::

    .venv/bin/python benchmarks/run.py            # full run (a few minutes)
    .venv/bin/python benchmarks/run.py --quick    # well under 60 s

What is measured (see benchmarks/README.md for the meaning of every figure and the targets):

- ``events_per_s_memory``: the full :class:`agentstate.Tracker` over a :class:`MemoryStore`,
  10,000 agents, a pre-generated, realistic and valid stream of events (logins, breaks, lunches,
  offline, offers, answers, ends, misses, rejects, logouts, the odd supervisor action), each
  stamped with ``at`` and applied with ``tracker.apply``;
- ``transitions_baseline_events_per_s``: the same stream as trigger calls on one shared bare
  ``transitions.Machine`` (10,000 models added with ``add_model``, ``auto_transitions=False``),
  with the same statuses as states;
- ``register_100k_agents_s`` (``register_many``) and ``register_100k_agents_one_by_one_s``;
- ``bytes_per_agent``: traced memory per idle (registered, logged-out) agent over 100,000 agents;
- ``events_per_s_memory_indexed``: the tracker run again with its eligibility index built (as a
  host that asks ``eligible`` has it), and ``gc_share_of_memory_run``: the collections' own CPU
  time in the plain run, timed through ``gc.callbacks`` (``gc_share_on_off``, the difference to
  a run with the collector off, is a noisier cross-check); every tracker run starts warm;
- ``floor_mutable_events_per_s`` (CPU time): the same stream through ``benchmarks/floor.py``'s
  hand-written bookkeeping with per-agent records updated in place, the floor of any
  pure-Python engine with mutable state on this machine;
- ``floor_immutable_events_per_s`` (CPU time): the same with a new immutable (``NamedTuple``)
  state per event, the floor of a design with immutable states like the tracker's;
- ``ratio_floor_mutable_vs_transitions`` (CPU time): the mutable floor over bare transitions,
  the best ``ratio_memory_vs_transitions`` a design with mutable records could reach;
- ``ratio_floor_immutable_vs_transitions`` (CPU time): the immutable floor over bare
  transitions, the best ratio a design with a new immutable state per event could reach.

``benchmarks/storage.py`` (SQLite one by one and batched, PostgreSQL), ``benchmarks/days.py``
(day questions over 30 days of history) and ``benchmarks/eligibility.py`` add theirs; a module
missing or failing is reported in its fields, the others are still printed.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import os
import platform
import random
import subprocess
import sys
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import timedelta
from importlib import metadata
from pathlib import Path
from typing import Any, NamedTuple

import pendulum
from transitions import Machine

from agentstate import (
    Actor,
    Event,
    ForceLogout,
    ForceStatus,
    InteractionAnswered,
    InteractionEnded,
    InteractionMissed,
    InteractionOffered,
    InteractionRejected,
    Login,
    Logout,
    ManualClock,
    MemoryStore,
    Policy,
    SetStatus,
    Tracker,
)
from agentstate.presets import basic

HERE = Path(__file__).resolve().parent
START = pendulum.datetime(2026, 1, 5, 8)
SUPERVISOR = Actor.supervisor("sup-1")
PLATFORM = Actor.system("acd")
QUEUES = ("sales", "support")  # the stream's queues (every agent is in support)

# Issue 16's table (one entry per row), then issue 2's and issue 12's that it does not replace.
# The in-memory figures are judged on CPU time (a loaded machine does not move them much); the
# storage figures on wall-clock time (a durable commit waits for the disk).
TARGETS = {
    "ratio_memory_vs_transitions": ">= 1.5 (CPU time; no eligibility index)",
    "ratio_memory_indexed_vs_transitions": ">= 1.0 (CPU time; eligibility index built)",
    "events_per_s_memory_indexed": ">= transitions_baseline_events_per_s (CPU time)",
    "gc_share_of_memory_run": "<= 0.10 (default GC settings)",
    "register_100k_agents_s": "<= 0.5 (CPU time)",
    "bytes_per_agent": "<= 400",
    "events_per_s_sqlite": ">= 5000 (durable file, one transaction per event)",
    "events_per_s_sqlite_batch": ">= 25000 (Tracker.apply_many)",
    "events_per_s_postgres": ">= 2000, with lost_updates == 0",
    "day_question_growth_30d": "<= 1.5 for counters, ledger and day_report (CPU time)",
    "events_per_s_memory": ">= 100000 (CPU time)",
    "eligible_top1_us_100k": "<= 50 (eligible_scan_us_100k is the scan baseline)",
}


def _at_least(figure: object, target: float) -> bool:
    """Whether ``figure`` is a number >= ``target`` (a missing figure is a string saying why)."""
    return isinstance(figure, (int, float)) and figure >= target


# -- the event stream ----------------------------------------------------------------------------


def _pick(rng: random.Random, weights: Sequence[tuple[str, int]]) -> str:
    total = sum(w for _, w in weights)
    roll = rng.randrange(total)
    for name, weight in weights:
        if roll < weight:
            return name
        roll -= weight
    raise AssertionError("unreachable")


# What an agent in each situation does next, with weights (a busy contact centre: mostly work).
_IDLE_AVAILABLE = (("offer", 78), ("break", 8), ("lunch", 4), ("offline", 4), ("logout", 3),
                   ("direct", 3))
_RINGING = (("answer", 86), ("miss", 8), ("reject", 4), ("withdrawn", 2))
_BREAK = (("available", 88), ("lunch", 8), ("force_logout", 4))
_LUNCH = (("available", 94), ("force_offline", 6))
_OFFLINE = (("available", 70), ("break", 12), ("lunch", 6), ("logout", 12))


# Daily allotments of the ``basic`` preset's limited reasons, less a margin: the generator
# never starts a pause the policy would refuse (a pause may still overrun: its timer fires).
_ALLOTMENT_US = {"coffee": (20 * 60 - 60) * 1_000_000, "lunch": (30 * 60 - 60) * 1_000_000}


class _Sim:
    """The generator's own model of one agent: status, reason, open call, pause time used."""

    __slots__ = ("call", "queues", "reason", "since", "status", "used")

    def __init__(self, queues: tuple[str, ...]) -> None:
        self.status = "logged_out"
        self.reason: str | None = None
        self.since = 0
        self.call: tuple[str, str] | None = None  # (interaction id, "offered" | "connected")
        self.queues = queues
        self.used = {"coffee": 0, "lunch": 0}

    def move(self, status: str, reason: str | None, now: int) -> str:
        if self.reason in self.used:
            self.used[self.reason] += now - self.since
        self.status, self.reason, self.since = status, reason, now
        return "to_" + status

    def may(self, reason: str) -> bool:
        return self.used[reason] < _ALLOTMENT_US[reason]


def make_stream(n_agents: int, n_events: int, seed: int = 20260105, *, unstamped: bool = True
                ) -> tuple[list[str], list[Event], list[Event], list[str]]:
    """A valid, interleaved stream of ``n_events`` events over ``n_agents`` agents.

    Returns the agent ids, the events stamped with ``at``, the same events without ``at`` (for
    the clock-driven run, whose clock is set to each event's instant; empty unless
    ``unstamped``) and the trigger name each event maps to on the bare ``transitions`` machine.

    The generator keeps its own model of every agent (status, reason, open interaction, pause
    time used against the daily allotments, queues joined at login) under the ``basic`` preset,
    so every event is valid for its agent at that point.
    """
    rng = random.Random(seed)
    agents = [f"agent-{i:06d}" for i in range(n_agents)]
    sims = [_Sim(QUEUES if i % 3 else QUEUES[1:]) for i in range(n_agents)]
    stamped: list[Event] = []
    bare: list[Event] = []
    triggers: list[str] = []
    micros = 0
    calls = 0
    for _ in range(n_events):
        i = rng.randrange(n_agents)
        agent, sim = agents[i], sims[i]
        # 10k agents, one event every ~5 ms on average: each agent acts about every 50 s.
        micros += rng.randint(1, 10_000)
        kw: dict[str, Any] = {}
        here, open_call = sim.status, sim.call
        if here == "logged_out":
            cls = Login
            kw = {"queues": sim.queues, "device": f"ext-{1000 + i}"}
            if rng.randrange(20) == 0:
                kw["status"] = "offline"
                trigger = sim.move("offline", None, micros)
            else:
                trigger = sim.move("available", None, micros)
        elif open_call is not None and open_call[1] == "offered":
            what = _pick(rng, _RINGING)
            kw = {"interaction": open_call[0]}
            if what == "answer":
                cls, trigger = InteractionAnswered, "answer"
                sim.call = (open_call[0], "connected")
            else:
                cls, trigger = {"miss": (InteractionMissed, "miss"),
                                "reject": (InteractionRejected, "reject"),
                                "withdrawn": (InteractionEnded, "end")}[what]
                if what == "withdrawn":  # only the system withdraws an offer
                    kw["actor"] = PLATFORM
                sim.call = None
        elif open_call is not None:
            cls, kw, trigger = InteractionEnded, {"interaction": open_call[0]}, "end"
            sim.call = None
        elif here == "available":
            what = _pick(rng, _IDLE_AVAILABLE)
            if what == "lunch" and not sim.may("lunch"):
                what = "offline"
            if what in ("offer", "direct"):
                calls += 1
                cid = f"call-{calls}"
                kw = {"interaction": cid, "channel": "voice",
                      "queue": None if what == "direct" else rng.choice(sim.queues)}
                cls, trigger = InteractionOffered, "offer"
                sim.call = (cid, "offered")
            elif what == "logout":
                cls, trigger = Logout, sim.move("logged_out", None, micros)
            elif what == "break":
                reason = "coffee" if rng.randrange(3) and sim.may("coffee") else "personal"
                cls, kw = SetStatus, {"status": "break", "reason": reason}
                trigger = sim.move("break", reason, micros)
            elif what == "lunch":  # the reason is implied half of the time
                cls, kw = SetStatus, {"status": "lunch",
                                      "reason": "lunch" if rng.randrange(2) else None}
                trigger = sim.move("lunch", "lunch", micros)
            else:
                cls, kw = SetStatus, {"status": "offline"}
                trigger = sim.move("offline", None, micros)
        elif here == "break":
            what = _pick(rng, _BREAK)
            if what == "lunch" and not sim.may("lunch"):
                what = "available"
            if what == "force_logout":
                cls, kw = ForceLogout, {"actor": SUPERVISOR}
                trigger = sim.move("logged_out", None, micros)
            else:
                cls, kw = SetStatus, {"status": what}
                trigger = sim.move(what, "lunch" if what == "lunch" else None, micros)
        elif here == "lunch":
            what = _pick(rng, _LUNCH)
            if what == "force_offline":
                cls, kw = ForceStatus, {"status": "offline", "actor": SUPERVISOR}
                trigger = sim.move("offline", None, micros)
            else:
                cls, kw = SetStatus, {"status": what}
                trigger = sim.move(what, None, micros)
        else:  # offline
            what = _pick(rng, _OFFLINE)
            if what == "lunch" and not sim.may("lunch"):
                what = "available"
            if what == "logout":
                cls, trigger = Logout, sim.move("logged_out", None, micros)
            elif what == "break":
                reason = "coffee" if rng.randrange(2) and sim.may("coffee") else "personal"
                cls, kw = SetStatus, {"status": "break", "reason": reason}
                trigger = sim.move("break", reason, micros)
            else:
                cls, kw = SetStatus, {"status": what}
                trigger = sim.move(what, "lunch" if what == "lunch" else None, micros)
        at = START + timedelta(microseconds=micros)
        stamped.append(cls(agent=agent, at=at, **kw))
        if unstamped:
            bare.append(cls(agent=agent, **kw))
        triggers.append(trigger)
    return agents, stamped, bare, triggers


# -- timing --------------------------------------------------------------------------------------


class Timing(NamedTuple):
    """Elapsed wall-clock and process CPU seconds of one measurement.

    Wall-clock is the figure; CPU time is reported beside it because on a shared machine it
    hides the time the process waited for a core (not the cache it lost to the neighbours).
    """

    wall: float
    cpu: float


def _start() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _since(start: tuple[float, float]) -> Timing:
    return Timing(time.perf_counter() - start[0], time.process_time() - start[1])


# -- agentstate ----------------------------------------------------------------------------------


def fresh_tracker(policy: Policy, agents: Sequence[str]) -> tuple[Tracker, ManualClock]:
    clock = ManualClock(START)
    tracker = Tracker(policy, store=MemoryStore(), clock=clock)
    tracker.register_many(agents)
    return tracker, clock


def run_tracker_stamped(policy: Policy, agents: Sequence[str], events: Sequence[Event],
                        end: pendulum.DateTime, *, collect: bool = True, indexed: bool = False
                        ) -> tuple[Timing, Tracker]:
    """Apply the stamped stream; the clock stands at the stream's end (no event is "future").

    With ``collect=False`` the cyclic garbage collector is off during the loop: the difference
    to the normal run is what the collector costs (it walks the growing history). With
    ``indexed=True`` every queue is asked ``eligible`` once before the loop: the tracker builds
    its eligibility index then and keeps it up to date on every change, as in a host that
    routes work.
    """
    tracker, clock = fresh_tracker(policy, agents)
    clock.set(end)
    if indexed:
        for queue in QUEUES:
            tracker.eligible(queue, limit=1)
    apply = tracker.apply
    gc.collect()
    if not collect:
        gc.disable()
    collections = _Collections()
    gc.callbacks.append(collections)
    try:
        t0 = _start()
        for event in events:
            apply(event)
        timing = _since(t0)
        COLLECTOR_CPU.append(collections.cpu)
        return timing, tracker
    finally:
        gc.callbacks.remove(collections)
        gc.enable()


COLLECTOR_CPU: list[float] = []
"""The collector's CPU seconds in each run of :func:`run_tracker_stamped`, in order."""


class _Collections:
    """A ``gc.callbacks`` entry that adds up the process CPU time spent in collections."""

    def __init__(self) -> None:
        self.cpu = 0.0
        self._began = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._began = time.process_time()
        else:
            self.cpu += time.process_time() - self._began


def warm_up(policy: Policy, agents: Sequence[str], events: Sequence[Event],
            end: pendulum.DateTime) -> None:
    """Apply the stream's first fifth once, untimed, on a tracker thrown away: the timed runs
    all start warm (the process-wide caches every host fills in its first minutes, such as
    the agents' actor values), so the first contender is not the only cold one."""
    run_tracker_stamped(policy, agents, events[:len(events) // 5], end)
    COLLECTOR_CPU.clear()


def run_tracker_clocked(policy: Policy, agents: Sequence[str], events: Sequence[Event],
                        instants: Sequence[pendulum.DateTime]) -> Timing:
    """Apply the un-stamped stream, setting the ManualClock to each event's instant first."""
    tracker, clock = fresh_tracker(policy, agents)
    apply, set_clock = tracker.apply, clock.set
    gc.collect()
    t0 = _start()
    for event, instant in zip(events, instants, strict=True):
        set_clock(instant)
        apply(event)
    return _since(t0)


# -- bare transitions ----------------------------------------------------------------------------


class _Model:
    """One agent as a bare ``transitions`` model (the machine binds its triggers onto it)."""

    def __init__(self, agent: str) -> None:
        self.agent = agent


def transitions_machine(policy: Policy) -> tuple[Machine, list[dict[str, Any]]]:
    """One shared machine over the policy's statuses.

    Status changes are triggers ``to_<dest>`` on the policy's edges; interaction events
    (``offer``, ``answer``, ``end``, ``miss``, ``reject``) are internal transitions on every
    logged-in status (they do not change the status; bare transitions has no occupation layer).
    """
    names = [s.name for s in policy.statuses]
    specs: list[dict[str, Any]] = [
        {"trigger": "to_" + dest, "source": source, "dest": dest}
        for source, dest, _roles in policy.engine.edges
    ]
    logged_in = [n for n in names if n != policy.logged_out]
    specs.extend({"trigger": t, "source": logged_in, "dest": None}
                 for t in ("offer", "answer", "end", "miss", "reject"))
    machine = Machine(model=None, states=names, transitions=specs, initial=policy.logged_out,
                      auto_transitions=False, send_event=False)
    return machine, specs


def run_transitions(policy: Policy, agents: Sequence[str], events: Sequence[Event],
                    triggers: Sequence[str]) -> tuple[Timing, float, dict[str, _Model]]:
    machine, _ = transitions_machine(policy)
    models = {agent: _Model(agent) for agent in agents}
    t0 = time.perf_counter()
    machine.add_model(list(models.values()))
    add_s = time.perf_counter() - t0
    # The mapping event -> bound trigger is done before timing, like the tracker's event objects.
    calls: list[Callable[[], bool]] = [
        getattr(models[e.agent], t) for e, t in zip(events, triggers, strict=True)]
    gc.collect()
    t0 = _start()
    for call in calls:
        call()
    return _since(t0), add_s, models


# -- the hand-written floor (benchmarks/floor.py) ------------------------------------------------


def _load_floor() -> Any:
    """``benchmarks/floor.py``, loaded from beside this file (whatever the working directory)."""
    spec = importlib.util.spec_from_file_location("agentstate_benchmarks_floor",
                                                  HERE / "floor.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_floor(floor: Any, flavour: str, policy: Policy, agents: Sequence[str],
              events: Sequence[Event]) -> tuple[Timing, dict[str, tuple[Any, ...]]]:
    """Apply the stamped stream through one flavour of the floor; every agent's final status,
    reason, version and occupation."""
    engine = floor.FLAVOURS[flavour](policy, agents, START)
    apply = engine.apply
    gc.collect()
    t0 = _start()
    for event in events:
        apply(event)
    timing = _since(t0)
    return timing, floor.summary(engine)


# -- registration and memory ---------------------------------------------------------------------


def time_register(policy: Policy, agents: Sequence[str], *, one_by_one: bool) -> Timing:
    clock = ManualClock(START)
    tracker = Tracker(policy, store=MemoryStore(), clock=clock)
    gc.collect()
    t0 = _start()
    if one_by_one:
        register = tracker.register
        for agent in agents:
            register(agent)
    else:
        tracker.register_many(agents)
    elapsed = _since(t0)
    assert len(tracker.agents()) == len(agents)
    return elapsed


def measure_bytes_per_agent(policy: Policy, agents: Sequence[str], *, breakdown: bool = True
                            ) -> dict[str, Any]:
    """Traced memory of 100k idle agents: state, its history entry, the store's bookkeeping.

    The agent id strings are made before tracing starts (they are the host's); the tracker, the
    store, the states, the history lists and entries and the Register events are counted.
    """
    clock = ManualClock(START)
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    tracker = Tracker(policy, store=MemoryStore(), clock=clock)
    tracker.register_many(agents)
    gc.collect()
    used = tracemalloc.get_traced_memory()[0] - base
    top: dict[str, Any] | str = "skipped with --quick"
    if breakdown:  # grouping the ~500,000 traced blocks takes a few seconds
        top = {f"{Path(s.traceback[0].filename).name}:{s.traceback[0].lineno}":
               round(s.size / len(agents), 1)
               for s in tracemalloc.take_snapshot().statistics("lineno")[:6]}
    tracemalloc.stop()
    assert len(tracker.agents()) == len(agents)
    return {"bytes_per_agent": round(used / len(agents), 1),
            "bytes_per_agent_top_allocations": top}


def measure_bytes_per_history_entry(policy: Policy, agents: Sequence[str],
                                    events: Sequence[Event], end: pendulum.DateTime) -> float:
    """Traced memory the store keeps per applied event (state churn freed, history kept)."""
    tracker, clock = fresh_tracker(policy, agents)
    clock.set(end)
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    for event in events:
        tracker.apply(event)
    gc.collect()
    used = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    return round(used / len(events), 1)


# -- storage (another module, optional) ----------------------------------------------------------


def storage_figures(quick: bool) -> dict[str, Any]:
    path = HERE / "storage.py"
    if not path.exists():
        return {"sqlite": "not available", "postgres": "not available"}
    out: dict[str, Any] = {}
    try:
        spec = importlib.util.spec_from_file_location("agentstate_benchmarks_storage", path)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    except Exception as exc:
        return {"sqlite": f"error: {exc!r}", "postgres": f"error: {exc!r}"}
    for key, name in (("sqlite", "sqlite_figures"), ("postgres", "postgres_figures")):
        func = getattr(module, name, None)
        if func is None:
            out[key] = "not available"
            continue
        try:
            out[key] = func(quick)
        except Exception as exc:
            out[key] = f"error: {exc!r}"
    return out


# -- main ----------------------------------------------------------------------------------------


def _commit() -> str:
    """The repository's commit (``+dirty`` with local changes), or "unknown"."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE, text=True,
                              capture_output=True, check=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "src"], cwd=HERE.parent,
                               text=True, capture_output=True, check=True,
                               timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "unknown"


def _loadavg() -> float | None:
    """The 1-minute load average: other work on the machine skews every figure."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def module_figures(name: str, quick: bool) -> dict[str, Any]:
    """The figures of ``benchmarks/<name>.py`` (its ``figures(quick)``): eligibility (index vs
    scan, 100k agents), days (day questions over 30 days of history).

    Like the storage figures, a missing module or a failure is reported, not raised: the other
    figures are still printed.
    """
    path = HERE / f"{name}.py"
    if not path.exists():
        return {name: "not available"}
    try:
        spec = importlib.util.spec_from_file_location(f"agentstate_benchmarks_{name}", path)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        result: dict[str, Any] = module.figures(quick)
    except Exception as exc:
        return {name: f"error: {exc!r}"}
    return result


def _met(figure: object, test: Callable[[float], bool]) -> bool:
    return isinstance(figure, (int, float)) and not isinstance(figure, bool) and test(figure)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="a short run, well under 60 s")
    parser.add_argument("--agents", type=int, default=10_000, help="agents in the event stream")
    parser.add_argument("--events", type=int, default=None,
                        help="events in the stream (default 1,000,000; --quick 100,000)")
    parser.add_argument("--repeat", type=int, default=None,
                        help="timed repetitions, best kept (default 3; --quick 1)")
    parser.add_argument("--skip-storage", action="store_true",
                        help="do not run benchmarks/storage.py even if present")
    args = parser.parse_args(argv)
    quick: bool = args.quick
    n_events = args.events or (100_000 if quick else 1_000_000)
    repeat = args.repeat or (1 if quick else 3)
    started = time.perf_counter()
    phases: dict[str, float] = {}
    mark = started

    def phase(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        phases[name] = round(now - mark, 1)
        mark = now

    policy = basic()
    agents, stamped, bare, triggers = make_stream(args.agents, n_events, unstamped=not quick)
    instants = [pendulum.instance(e.at) for e in stamped if e.at is not None]
    end = instants[-1]
    # The pre-generated stream is the harness's, not the library's: move it out of the garbage
    # collector's sight so that full collections during the timed loops do not traverse it.
    # Everything the contenders allocate (states, history, transitions' event data) stays
    # collectable, as in a real host.
    gc.collect()
    gc.freeze()
    phase("generate_stream")
    load_before = _loadavg()
    memory_t: list[Timing] = []
    clocked_t: list[Timing] = []
    no_gc_t: list[Timing] = []
    indexed_t: list[Timing] = []
    bare_t: list[Timing] = []
    floor = _load_floor()
    floor_t: dict[str, list[Timing]] = {"mutable": [], "immutable": []}
    add_model_s = 0.0
    agree = floor_agree = True
    warm_up(policy, agents, stamped, end)
    collector_cpu: list[float] = []  # the collector's share of each plain run, measured inside
    for _ in range(repeat):  # the contenders interleaved: any drift of the machine hits both
        timing, tracker = run_tracker_stamped(policy, agents, stamped, end)
        memory_t.append(timing)
        collector_cpu.append(COLLECTOR_CPU[-1] / timing.cpu)
        timing, add_model_s, models = run_transitions(policy, agents, stamped, triggers)
        bare_t.append(timing)
        agree = agree and all(tracker.state(a).status == models[a].state for a in agents)
        expected = {a: (s.status, s.reason, s.version, s.occupation.value)
                    for a in agents if (s := tracker.state(a))}
        del tracker, models
        for flavour, timings in floor_t.items():  # the tracker's states freed, as below
            timing, finals = run_floor(floor, flavour, policy, agents, stamped)
            timings.append(timing)
            floor_agree = floor_agree and finals == expected
            del finals
        indexed_t.append(run_tracker_stamped(policy, agents, stamped, end, indexed=True)[0])
        no_gc_t.append(run_tracker_stamped(policy, agents, stamped, end, collect=False)[0])
        if not quick:  # secondary figures: --quick leaves them out to stay short
            clocked_t.append(run_tracker_clocked(policy, agents, bare, instants))

    phase("events")

    def best(timings: list[Timing], cpu: bool = False) -> float:
        return min(t.cpu if cpu else t.wall for t in timings)

    memory_eps = n_events / best(memory_t)
    bare_eps = n_events / best(bare_t)

    ids_100k = [f"agent-{i:06d}" for i in range(100_000)]
    reg_repeat = 1 if quick else 3
    register_many_t = [time_register(policy, ids_100k, one_by_one=False)
                       for _ in range(reg_repeat)]
    register_one_t = [time_register(policy, ids_100k, one_by_one=True)
                      for _ in range(reg_repeat)]
    register_many_s = best(register_many_t)
    phase("register")
    memory = measure_bytes_per_agent(policy, ids_100k, breakdown=not quick)
    per_entry: float | str = "skipped with --quick"
    if not quick:
        per_entry = measure_bytes_per_history_entry(policy, agents, stamped[:200_000], end)
    load_after = _loadavg()
    phase("memory")

    storage = {"sqlite": "skipped", "postgres": "skipped"} if args.skip_storage \
        else storage_figures(quick)
    phase("storage")
    eligibility = module_figures("eligibility", quick)
    phase("eligibility")
    days = module_figures("days", quick)
    phase("days")

    mix = Counter(type(e).__name__ for e in stamped)
    cpu_memory_eps = n_events / best(memory_t, cpu=True)
    cpu_bare_eps = n_events / best(bare_t, cpu=True)
    indexed_eps = n_events / best(indexed_t)
    cpu_indexed_eps = n_events / best(indexed_t, cpu=True)
    gc_share = round(min(collector_cpu), 3)  # the collections' own CPU time, timed inside
    gc_on_off = round(1 - best(no_gc_t, cpu=True) / best(memory_t, cpu=True), 3)
    floor_mutable_eps = n_events / best(floor_t["mutable"], cpu=True)
    floor_immutable_eps = n_events / best(floor_t["immutable"], cpu=True)
    cpu_register_s = best(register_many_t, cpu=True)
    sqlite = storage.get("sqlite")
    sqlite_fig = sqlite if isinstance(sqlite, dict) else {}
    pg = storage.get("postgres")
    pg_fig = pg if isinstance(pg, dict) else {}
    growth = days.get("day_question_growth_30d_cpu")
    result: dict[str, Any] = {
        "events_per_s_memory": round(memory_eps),
        "transitions_baseline_events_per_s": round(bare_eps),
        "ratio_memory_vs_transitions": round(memory_eps / bare_eps, 3),
        "events_per_s_memory_indexed": round(indexed_eps),
        "ratio_memory_indexed_vs_transitions": round(indexed_eps / bare_eps, 3),
        "floor_mutable_events_per_s": round(floor_mutable_eps),
        "floor_immutable_events_per_s": round(floor_immutable_eps),
        "ratio_floor_mutable_vs_transitions": round(floor_mutable_eps / cpu_bare_eps, 3),
        "ratio_floor_immutable_vs_transitions": round(floor_immutable_eps / cpu_bare_eps, 3),
        "floor_statuses_agree": floor_agree,
        "register_100k_agents_s": round(register_many_s, 3),
        "register_100k_agents_one_by_one_s": round(best(register_one_t), 3),
        **memory,
        "bytes_per_history_entry": per_entry,
        "us_per_event_memory": round(1e6 * best(memory_t) / n_events, 3),
        "us_per_event_transitions": round(1e6 * best(bare_t) / n_events, 3),
        "events_per_s_memory_clock_driven": (round(n_events / best(clocked_t)) if clocked_t
                                             else "skipped with --quick"),
        "events_per_s_memory_gc_off": round(n_events / best(no_gc_t)),
        "gc_share_of_memory_run": gc_share,
        "gc_share_on_off": gc_on_off,
        "events_per_s_memory_runs": [round(n_events / t.wall) for t in memory_t],
        "transitions_baseline_runs": [round(n_events / t.wall) for t in bare_t],
        "transitions_add_model_s": round(add_model_s, 3),
        "final_statuses_agree": agree,
        "cpu_time_figures": {
            "events_per_s_memory": round(cpu_memory_eps),
            "transitions_baseline_events_per_s": round(cpu_bare_eps),
            "ratio_memory_vs_transitions": round(cpu_memory_eps / cpu_bare_eps, 3),
            "events_per_s_memory_indexed": round(cpu_indexed_eps),
            "ratio_memory_indexed_vs_transitions": round(cpu_indexed_eps / cpu_bare_eps, 3),
            "events_per_s_memory_gc_off": round(n_events / best(no_gc_t, cpu=True)),
            "register_100k_agents_s": round(cpu_register_s, 3),
            "events_per_s_sqlite": sqlite_fig.get("events_per_s_sqlite_cpu"),
            "events_per_s_sqlite_batch": sqlite_fig.get("events_per_s_sqlite_batch_cpu"),
            "day_question_growth_30d": growth,
        },
        "events_per_s_sqlite": sqlite_fig.get("events_per_s_sqlite", sqlite),
        "events_per_s_sqlite_batch": sqlite_fig.get("events_per_s_sqlite_batch", sqlite),
        "sqlite": sqlite,
        "events_per_s_postgres": (storage["postgres"].get("events_per_s_postgres")
                                  if isinstance(storage.get("postgres"), dict)
                                  else storage.get("postgres")),
        "postgres": storage.get("postgres"),
        **eligibility,
        **days,
        "targets": TARGETS,
        "targets_met": {
            "ratio_memory_vs_transitions": cpu_memory_eps / cpu_bare_eps >= 1.5,
            "ratio_memory_indexed_vs_transitions": cpu_indexed_eps / cpu_bare_eps >= 1.0,
            "events_per_s_memory_indexed": cpu_indexed_eps >= cpu_bare_eps,
            "gc_share_of_memory_run": gc_share <= 0.10,
            "register_100k_agents_s": cpu_register_s <= 0.5,
            "bytes_per_agent": memory["bytes_per_agent"] <= 400,
            "events_per_s_sqlite": _at_least(sqlite_fig.get("events_per_s_sqlite"), 5000),
            "events_per_s_sqlite_batch": _at_least(sqlite_fig.get("events_per_s_sqlite_batch"),
                                                   25_000),
            "events_per_s_postgres": (_at_least(pg_fig.get("events_per_s_postgres"), 2000)
                                      and pg_fig.get("lost_updates") == 0),
            "day_question_growth_30d": (isinstance(growth, dict) and bool(growth)
                                        and all(_met(v, lambda g: g <= 1.5)
                                                for v in growth.values())),
            "events_per_s_memory": cpu_memory_eps >= 100_000,
            "eligible_top1_us_100k": _met(eligibility.get("eligible_top1_us_100k"),
                                          lambda us: us <= 50),
        },
        "setup": {
            "quick": quick,
            "agents": args.agents,
            "events": n_events,
            "repeat": repeat,
            "best_of": "min time over repeats",
            "event_mix": dict(mix.most_common()),
            "stream_span_s": round((end - START).total_seconds(), 1),
            "policy": policy.name,
        },
        "versions": {
            "python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "transitions": _version("transitions"),
            "agentstate": _version("agentstate"),
            "agentstate_commit": _commit(),
            "attrs": _version("attrs"),
            "pendulum": _version("pendulum"),
        },
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(),
                    "loadavg_1min_before_after": [load_before, load_after]},
        "wall_s": round(time.perf_counter() - started, 1),
        "phases_s": phases,
    }
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
