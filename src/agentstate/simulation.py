"""Simulations of a floor of agents, driving a tracker the way a host would.

Used by ``agentstate simulate`` and ``examples/floor.py``; also a worked example of routing
with :meth:`Tracker.eligible` and compare-and-set offers, and of letting the tracker's own
deadlines drive time.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections import deque
from collections.abc import Callable
from datetime import timedelta

import attrs
import pendulum

from ._errors import AgentStateError, ClockError, ConflictError
from ._events import (
    CancelPending,
    EndWrapUp,
    InteractionAnswered,
    InteractionEnded,
    InteractionOffered,
    Login,
    Logout,
    SetStatus,
)
from ._policy import Policy, Role, WrapUpMode
from ._time import ManualClock
from ._tracker import Tracker

__all__ = ["FloorPlan", "FloorResult", "floor_plan", "simulate_floor"]

TARGET = timedelta(seconds=20)


@attrs.frozen(kw_only=True)
class FloorResult:
    """What a simulated day gave: each answered call's wait, calls abandoned, the agents."""

    waits: tuple[timedelta, ...]
    abandoned: int
    agents: tuple[str, ...]

    @property
    def answered(self) -> int:
        return len(self.waits)

    def service_level(self, target: timedelta = TARGET) -> float:
        """The share of answered calls that waited at most ``target``."""
        return sum(1 for w in self.waits if w <= target) / max(len(self.waits), 1)

    @property
    def average_wait(self) -> timedelta:
        return sum(self.waits, timedelta()) / max(len(self.waits), 1)


@attrs.frozen(kw_only=True)
class FloorPlan:
    """What a simulation does under a policy, derived from the policy itself.

    Attributes:
        ready: the routable status agents work in.
        pauses: up to two ``(status, reason)`` pauses each agent takes (a short one, then a
            long one); empty when the policy has no pause an agent may choose.
        channel: the channel calls arrive on (``voice`` if the policy has it).
    """

    ready: str
    pauses: tuple[tuple[str, str | None], ...]
    channel: str
    leave_from: str
    """A status an agent may log out from (agents not in it go there first)."""
    exits: frozenset[tuple[str, str]]
    """The agent's own ``(status, logged-out status)`` transitions."""


_PAUSE_WORDS = ("break", "coffee", "lunch", "pause", "paused", "away", "on_break")


def floor_plan(policy: Policy) -> FloorPlan:
    """The :class:`FloorPlan` for ``policy``: its working status, its pauses, its channel.

    >>> from agentstate.presets import preset
    >>> plan = floor_plan(preset("callharbor"))
    >>> plan.ready, plan.pauses, plan.channel
    ('online', (('break', None), ('lunch', None)), 'voice')
    """
    by_agent = {(a, b) for a, b, roles in policy.engine.edges if Role.AGENT in roles}
    ready = policy.login_status
    if not policy.status(ready).routable:
        routable = [s.name for s in policy.statuses if s.routable]
        ready = next((s for s in routable if (policy.login_status, s) in by_agent),
                     routable[0] if routable else ready)
    candidates = [s for s in policy.statuses
                  if not s.routable and s.name not in (policy.logged_out, ready)
                  and (ready, s.name) in by_agent and (s.name, ready) in by_agent]
    liked = [s for s in candidates
             if s.reasons or any(w in s.name for w in _PAUSE_WORDS)] or candidates[:1]
    choices = [(s.name, s.reasons[0] if s.reasons else None) for s in liked]
    choices += [(s.name, r) for s in liked for r in s.reasons[1:]]
    pauses = choices[:2]
    pauses.sort(key=lambda p: "lunch" in f"{p[0]} {p[1]}")  # the short pause first
    leaving = [a for a, b in by_agent if b == policy.logged_out]
    names = [c.name for c in policy.channels]
    channel = "voice" if "voice" in names or not names else names[0]
    return FloorPlan(ready=ready, pauses=tuple(pauses), channel=channel,
                     leave_from=policy.login_status if policy.login_status in leaving
                     else (leaving[0] if leaving else ready),
                     exits=frozenset((a, policy.logged_out) for a in leaving))


def simulate_floor(tracker: Tracker, *, agents: int = 50, seed: int = 1,
                   mean_arrival: float | None = None, mean_talk: float = 240.0,
                   hours: float = 9,
                   progress: Callable[[float], None] | None = None) -> FloorResult:
    """Simulate a team's day on ``tracker``, whose clock must be a :class:`ManualClock` set
    to the start of the day; returns the calls' waits and how many were abandoned.

    Agents ``agent01``... log in over the first 15 minutes on queue ``sales``, take a short
    pause and a long one (the policy's own pauses: see :func:`floor_plan`), and log out after
    eight hours. Calls arrive at random (exponential gaps
    of ``mean_arrival`` s), wait in one queue, and are offered to the best eligible agent with
    compare-and-set; a call waiting more than 5 minutes is abandoned. The default arrival rate
    (``600 / agents`` s between calls) keeps a team about half occupied. The tracker's deadlines
    (wrap-up ends) drive the clock: nothing sleeps. ``progress`` is called with the fraction
    of the day done.
    """
    rng = random.Random(seed)
    if mean_arrival is None:
        mean_arrival = 600 / max(agents, 1)
    clock = tracker.clock
    if not isinstance(clock, ManualClock):
        raise ClockError("simulate_floor drives the tracker's clock: it needs a ManualClock, "
                         f"got {type(clock).__name__}")
    plan = floor_plan(tracker.policy)
    start = clock.now()
    end = start.add(seconds=round(hours * 3600))
    names = [f"agent{n:02d}" for n in range(1, agents + 1)]
    tracker.register_many(names)
    sequence = itertools.count()
    todo: list[tuple[pendulum.DateTime, int, str, str]] = []  # (at, n, what, who)

    def later(at: pendulum.DateTime, what: str, who: str) -> None:
        heapq.heappush(todo, (at, next(sequence), what, who))

    for name in names:
        login = start.add(seconds=rng.randint(0, 900))
        later(login, "login", name)
        for n, _pause in enumerate(plan.pauses):
            later(login.add(hours=2 + 2 * n, minutes=rng.randint(0, 60)), f"pause{n}", name)
        later(login.add(hours=8, minutes=rng.randint(0, 30)), "logout", name)
    at = start.add(seconds=rng.expovariate(1 / mean_arrival))
    while at < end:
        later(at, "call", "")
        at = at.add(seconds=rng.expovariate(1 / mean_arrival))

    waiting: deque[tuple[str, pendulum.DateTime]] = deque()
    waits: list[timedelta] = []
    abandoned = 0
    calls = itertools.count(1)
    while todo or waiting:
        deadline = tracker.next_deadline()
        next_at = todo[0][0] if todo else end.add(hours=1)
        if deadline is not None and deadline < next_at:
            clock.set(max(deadline, clock.now()))
            tracker.fire_due()
        elif todo:
            at, _n, what, who = heapq.heappop(todo)
            clock.set(max(at, clock.now()))
            abandoned += _handle(tracker, plan, rng, what, who, waiting, later, calls,
                                 mean_talk)
            if progress is not None:
                progress(min(1.0, (clock.now() - start).total_seconds() / (hours * 3600)))
        else:
            abandoned += len(waiting)
            break
        while waiting:
            if clock.now() - waiting[0][1] > timedelta(minutes=5):
                waiting.popleft()
                abandoned += 1
                continue
            best = tracker.eligible("sales", plan.channel, limit=1)
            if not best:
                break
            call, arrived = waiting.popleft()
            try:
                tracker.apply(InteractionOffered(agent=best[0].agent, interaction=call,
                                                 queue="sales", channel=plan.channel,
                                                 expected_version=best[0].version))
            except ConflictError:
                waiting.appendleft((call, arrived))
                continue
            ring = rng.randint(2, 8)
            later(clock.now().add(seconds=ring), "answer", f"{best[0].agent}|{call}")
            waits.append(clock.now().add(seconds=ring) - arrived)
    if progress is not None:
        progress(1.0)
    return FloorResult(waits=tuple(waits), abandoned=abandoned, agents=tuple(names))


Schedule = Callable[[pendulum.DateTime, str, str], None]


def _handle(tracker: Tracker, plan: FloorPlan, rng: random.Random, what: str, who: str,
            waiting: deque[tuple[str, pendulum.DateTime]], schedule: Schedule,
            calls: itertools.count[int], mean_talk: float) -> int:
    clock = tracker.clock
    if what == "call":
        waiting.append((f"call-{next(calls)}", clock.now()))
    elif what == "login":
        tracker.apply(Login(agent=who, queues=("sales",)))
        if tracker.state(who).status != plan.ready:
            tracker.apply(SetStatus(agent=who, status=plan.ready))
    elif what == "answer":
        agent, call = who.split("|")
        tracker.apply(InteractionAnswered(agent=agent, interaction=call))
        talk = max(30.0, rng.expovariate(1 / mean_talk))
        schedule(clock.now().add(seconds=talk), "end", who)
    elif what == "end":
        agent, call = who.split("|")
        tracker.apply(InteractionEnded(agent=agent, interaction=call))
        if tracker.state(agent).wrap_up_mode is WrapUpMode.MANDATORY:  # the agent ends it
            schedule(clock.now().add(seconds=rng.randint(15, 90)), "wrapped", agent)
    elif what == "wrapped":
        if tracker.state(who).wrap_up_mode is not None:
            tracker.apply(EndWrapUp(agent=who))
    elif what.startswith("pause"):
        n = int(what[5:])
        status, reason = plan.pauses[n]
        try:
            tracker.apply(SetStatus(agent=who, status=status, reason=reason))
        except AgentStateError:  # over the allotment, or not allowed now: skip the pause
            return 0
        minutes = rng.randint(25, 40) if n else rng.randint(10, 16)
        schedule(clock.now().add(minutes=minutes), "back", who)
    elif what == "back":
        state = tracker.state(who)
        if state.pending is not None and state.pending.status != tracker.policy.logged_out:
            tracker.apply(CancelPending(agent=who))  # still on a call: skip the pause
        elif state.status in {status for status, _ in plan.pauses}:
            tracker.apply(SetStatus(agent=who, status=plan.ready))
    elif what.startswith("logout"):
        state = tracker.state(who)
        if state.status == tracker.policy.logged_out:
            return 0
        try:
            if state.status != plan.leave_from and (
                    state.status, tracker.policy.logged_out) not in plan.exits:
                tracker.apply(SetStatus(agent=who, status=plan.leave_from))
            tracker.apply(Logout(agent=who))
        except AgentStateError:  # busy (a call, wrap-up): try again a bit later, for an hour
            tries = int(what[6:] or 0) + 1
            if tries < 30:
                schedule(clock.now().add(minutes=2), f"logout{tries}", who)
    return 0
