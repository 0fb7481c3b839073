"""The invariants every agent's state and history must satisfy, under any policy.

Each is an assertion a host can make in its own tests, and :func:`policy_state_machine` makes
them all while it drives a tracker with random events:

1. **No agent can be stranded.** From every status of the policy, people (agents and
   supervisors) and timers can get an agent back to a routable status and to logged out. A
   static property of the policy: :func:`check_policy` asserts that :func:`agentstate.lint`
   finds no error (a ``dead-end`` is one), and shows the shortest way an agent gets stranded.
2. **Durations are never negative.** Time never goes backwards in an agent's history; time in
   status and in occupation is never negative.
3. **Intervals tile the timeline.** Each history entry's ``from_*`` is the previous entry's
   ``to_*``, with consecutive ``seq``; the state is the last entry's ``to_*``.
4. **Replay reproduces state.** Folding the rules over the recorded events gives the state.
5. **Refused events change nothing** (checked by the state machine around every event).
6. **Allotment arithmetic.** For each reason, in the agent's ledger for today: used, overrun
   and count are never negative; overrun never exceeds used; for a reason with a daily
   allotment, ``used + remaining == allotment`` while not overrun, and the time within the
   allotment (``used - overrun``) never exceeds it; paid plus unpaid is the total.
7. **An agent that is not eligible is never offered queue work.** The state machine offers
   queue work to agents whatever their state: an offer is accepted exactly when
   :func:`agentstate._eligibility.blocker` finds nothing in the way, and refused with
   :class:`~agentstate.NotEligible` otherwise. ``tracker.eligible(queue, channel)`` (answered
   from the tracker's index) equals the brute-force scan over every agent, in order.
8. **Reports equal the sum of their days.** The team report over yesterday and today equals
   the sum (``+``) of the two day reports, and the report over the last three days equals the
   report over the first two plus today's.

Invariants 2, 3, 4 and 6 are checked per agent and cost little, so the state machine checks
them after every step; 7 and 8 look at every agent (and 8 at three days of reports), so it
checks them every few steps (``policy_state_machine(policy, every=...)``).

PYTEST_DONT_REWRITE: the messages are written for hosts; pytest must keep them as they are
(the pytest plugin's entry point would otherwise rewrite this module's assertions).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from datetime import timedelta

import attrs
import pendulum

from .._eligibility import blocker, scan
from .._errors import AgentStateError
from .._events import Actor, Event, ForceStatus, Login, SetStatus
from .._lint import Severity, lint, usable_edges
from .._policy import Policy, Role
from .._report import day_bounds, day_report, report
from .._time import ManualClock
from .._tracker import Tracker, replay

__all__ = ["check_eligibility", "check_invariants", "check_policy", "check_reports", "stranding"]

ZERO = timedelta(0)
QUEUES = ("sales", "support")
"""The queues the state machine's agents join, besides the policy's own."""


def check_policy(policy: Policy) -> None:
    """Assert that :func:`agentstate.lint` finds no error in ``policy`` (invariant 1).

    The message lists every error with a minimal example: for a status an agent can be
    stranded in, the shortest sequence of events that puts an agent there (see
    :func:`stranding`); for an allotment that can never be used up, the shortest way onto the
    reason and what a whole day on it leaves.

    Raises:
        AssertionError: lint found an error.
    """
    errors = [f for f in lint(policy) if f.severity is Severity.ERROR]
    if not errors:
        return
    lines = [f"policy {policy.name!r}: lint found {len(errors)} error(s):"]
    for finding in errors:
        lines.append(f"  {finding}")
        if finding.code == "dead-end":
            try:
                steps = stranding(policy, finding.culprit)
            except ValueError as error:
                lines.append(f"    {error}")
            else:
                lines.append("    an agent gets there with: "
                             + "; ".join(show(e) for e in steps))
        elif finding.code == "impossible-allotment":
            lines.append(f"    {_whole_day_on(policy, finding.culprit)}")
    raise AssertionError("\n".join(lines))


def _whole_day_on(policy: Policy, code: str, agent: str = "agent1") -> str:
    """The shortest way onto reason ``code``, run for a whole day: what is still left of it."""
    ways = []
    for candidate in policy.statuses:
        if code in candidate.reasons:
            try:
                ways.append((stranding(policy, candidate.name, agent), candidate.name))
            except ValueError:
                continue
    if not ways:
        return f"no sequence of events puts an agent on {code!r}"
    steps, status = min(ways, key=lambda way: len(way[0]))
    midnight = pendulum.datetime(2026, 1, 5, tz=policy.day.timezone)
    clock = ManualClock(midnight)
    tracker = Tracker(policy, clock=clock)
    tracker.register(agent)
    try:
        for event in steps:
            tracker.apply(event)
        if tracker.state(agent).reason != code:
            steps.append(SetStatus(agent=agent, status=status, reason=code))
            tracker.apply(steps[-1])
    except AgentStateError as error:
        return (f"an agent trying it with: {'; '.join(show(e) for e in steps)}; "
                f"is refused: {error}")
    clock.set(midnight.add(days=1).subtract(seconds=1))
    usage = tracker.ledger(agent).reason(code)
    return (f"an agent on it all day with: {'; '.join(show(e) for e in steps)}; "
            f"at 23:59:59 {_span(usage.remaining)} of it is still left")


def _span(span: timedelta | None) -> str:
    if span is None:
        return "all"
    minutes, seconds = divmod(int(span.total_seconds()), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m{seconds:02d}s"


def stranding(policy: Policy, status: str, agent: str = "agent1") -> list[Event]:
    """The shortest sequence of events that puts a registered ``agent`` in ``status``.

    People's moves come first (an agent's own, then a supervisor's), then the system's.
    Empty for the logged-out status.

    Raises:
        ValueError: no login leads to ``status`` (see :func:`agentstate.lint`).
    """
    logged_out = policy.logged_out
    prefer = (Role.AGENT, Role.SUPERVISOR, Role.SYSTEM)
    parents: dict[str, tuple[str, Role] | None] = {logged_out: None}
    edges = usable_edges(policy)
    todo = deque([logged_out])
    while todo:
        here = todo.popleft()
        for role in prefer:
            for source, dest, roles in edges:
                if (source == here and role in roles and dest not in parents
                        and dest != logged_out):
                    parents[dest] = (here, role)
                    todo.append(dest)
    if status not in parents:
        raise ValueError(f"no sequence of events puts an agent in {status!r} under policy "
                         f"{policy.name!r}")
    path: list[tuple[str, Role]] = []
    node = status
    while (step := parents[node]) is not None:
        path.append((node, step[1]))
        node = step[0]
    events: list[Event] = []
    for dest, role in reversed(path):
        actor = {Role.AGENT: None, Role.SUPERVISOR: Actor.supervisor("sup"),
                 Role.SYSTEM: Actor.system()}[role]
        if not events:
            events.append(Login(agent=agent, actor=actor,
                                status=None if dest == policy.login_status else dest))
            continue
        reasons = policy.status(dest).reasons
        reason = reasons[0] if reasons and policy.status(dest).reason_required else None
        if role is Role.SUPERVISOR:
            events.append(ForceStatus(agent=agent, status=dest, reason=reason,
                                      actor=Actor.supervisor("sup")))
        else:
            events.append(SetStatus(agent=agent, status=dest, reason=reason, actor=actor))
    return events


def show(event: Event) -> str:
    """An event as the code that makes it, with only the fields that differ from defaults."""
    parts = []
    for field in attrs.fields(type(event)):
        value = getattr(event, field.name)
        if field.default is not attrs.NOTHING and value == field.default:
            continue
        if isinstance(value, Actor):
            text = (f"Actor.{value.role.value}({value.id!r})" if value.id is not None
                    else f"Actor.{value.role.value}()")
        else:
            text = repr(value)
        parts.append(f"{field.name}={text}")
    return f"{type(event).__name__}({', '.join(parts)})"


def check_invariants(tracker: Tracker, agent: str | None = None) -> None:
    """Assert the invariants; raises ``AssertionError`` naming the one broken.

    With ``agent``, that agent's invariants (2, 3, 4 and 6 below); without, every agent's, then
    the policy's and the tracker-wide ones (1, 7 and 8):

    1. no agent can be stranded: lint finds no error in the policy (:func:`check_policy`);
    2. durations are never negative: time never goes backwards in the history, and time in
       status and in occupation is not negative;
    3. intervals tile the timeline: entry ``n`` has ``seq == n`` and its ``from_*`` equal the
       previous entry's ``to_*`` (no gap, no overlap); the occupation began no earlier than
       the status (a status change starts a new occupation interval); Stop New is on only
       with an interaction that allows it; the state is the last entry's ``to_*``
       at the last entry's version and time; an agent is logged in exactly when it is not in
       the policy's logged-out status;
    4. replaying the history from its first event reproduces the state exactly;
    5. a refused event changes nothing (needs the event: :func:`policy_state_machine` checks
       it around every one);
    6. allotment arithmetic, in today's ledger: for each reason ``used``, ``overrun`` and
       ``count`` are not negative and ``overrun <= used``; with a daily allotment,
       ``remaining == max(allotment - used, 0)`` (so ``used + remaining == allotment`` while
       ``used`` is within it) and ``used - overrun <= allotment``; ``paid + unpaid == total``;
    7. an agent that is not eligible is never offered queue work: ``tracker.eligible`` equals
       the scan of every agent with :func:`agentstate._eligibility.blocker`, in order (the
       offers themselves are checked by :func:`policy_state_machine`);
    8. reports equal the sum of their days (:func:`check_reports`).
    """
    if agent is not None:
        _check_agent(tracker, agent)
        _check_ledger(tracker, agent)
        return
    check_policy(tracker.policy)
    names = sorted(tracker.agents())
    for name in names:
        _check_agent(tracker, name)
        _check_ledger(tracker, name)
    check_eligibility(tracker, names)
    check_reports(tracker, names)


def _check_agent(tracker: Tracker, agent: str) -> None:
    policy = tracker.policy
    state = tracker.state(agent)
    history = list(tracker.history(agent))
    assert history, f"{agent}: no history"
    previous = None
    for number, entry in enumerate(history, start=1):
        assert entry.seq == number, f"{agent}: entry {number} has seq {entry.seq}"
        if previous is None:
            assert entry.from_status is None, f"{agent}: first entry is not the registration"
        else:
            assert entry.at >= previous.at, (
                f"{agent}: time went backwards at seq {entry.seq}: {previous.at} -> {entry.at}")
            here = (entry.from_status, entry.from_reason, entry.from_occupation)
            there = (previous.to_status, previous.to_reason, previous.to_occupation)
            assert here == there, f"{agent}: gap at seq {entry.seq}: {there} then {here}"
        previous = entry
    assert previous is not None
    assert (state.status, state.reason, state.occupation) == (
        previous.to_status, previous.to_reason, previous.to_occupation), (
        f"{agent}: state disagrees with its last history entry")
    assert state.version == previous.seq, f"{agent}: version {state.version} != {previous.seq}"
    assert state.updated_at == previous.at, f"{agent}: updated_at is not the last change's time"
    assert state.since <= state.updated_at, f"{agent}: status began after the last change"
    assert state.occupation_since <= state.updated_at, f"{agent}: occupation began late"
    assert state.occupation_since >= state.since, (  # a status change starts a new interval
        f"{agent}: occupation began {state.occupation_since}, before its status {state.since}")
    assert not state.stop_new or policy.stop_new_channels is None or any(
        i.channel in policy.stop_new_channels for i in state.interactions), (
        f"{agent}: stop new on without a {'/'.join(policy.stop_new_channels or ())} "
        "interaction")
    assert tracker.time_in_status(agent) >= ZERO
    assert tracker.time_in_occupation(agent) >= ZERO
    assert (state.session is None) == (state.status == policy.logged_out), (
        f"{agent}: logged in {state.session is not None} but status {state.status!r}")
    rebuilt = replay(policy, history)
    assert rebuilt == state, f"{agent}: replay gives {rebuilt}, state is {state}"


def _check_ledger(tracker: Tracker, agent: str) -> None:
    policy = tracker.policy
    ledger = tracker.ledger(agent)
    for usage in ledger.reasons:
        where = f"{agent}: reason {usage.reason!r} on {ledger.start.isoformat()}"
        assert usage.used >= ZERO, f"{where}: used {usage.used} is negative"
        assert usage.overrun >= ZERO, f"{where}: overrun {usage.overrun} is negative"
        assert usage.count >= 0, f"{where}: count {usage.count} is negative"
        assert usage.overrun <= usage.used, (
            f"{where}: overrun {usage.overrun} exceeds used {usage.used}")
        allotment = policy.reason(usage.reason).daily_allotment
        if allotment is None:
            assert usage.remaining is None, f"{where}: remaining without an allotment"
            continue
        assert usage.remaining is not None, f"{where}: no remaining for an allotment"
        assert usage.remaining >= ZERO, f"{where}: remaining {usage.remaining} is negative"
        if usage.used <= allotment:
            assert usage.used + usage.remaining == allotment, (
                f"{where}: used {usage.used} + remaining {usage.remaining} != allotment "
                f"{allotment}")
        else:
            assert usage.remaining == ZERO, f"{where}: used up, yet {usage.remaining} remains"
        assert usage.used - usage.overrun <= allotment, (
            f"{where}: {usage.used - usage.overrun} used within an allotment of {allotment} "
            f"(used {usage.used}, overrun {usage.overrun})")
    assert ledger.paid + ledger.unpaid == ledger.total, (
        f"{agent}: paid {ledger.paid} + unpaid {ledger.unpaid} != total {ledger.total}")


def queues_of(policy: Policy) -> tuple[str, ...]:
    """The queues worth asking about: the policy's own where it declares them (it takes no
    other), else the state machine's."""
    return tuple(q.name for q in policy.queues) or QUEUES


def check_eligibility(tracker: Tracker, agents: Sequence[str] | None = None) -> None:
    """Assert that eligibility as the tracker answers it agrees with a scan of every agent
    (invariant 7): from its index, or from the store's indexed query for an
    :class:`~agentstate.EligibilityStore`.

    For every queue and channel, ``tracker.eligible`` lists exactly the agents
    :func:`agentstate._eligibility.scan` finds over every agent's state, in the same order and
    at the same versions, and its best candidate (``limit=1``) is the scan's first.
    """
    policy = tracker.policy
    names = sorted(tracker.agents()) if agents is None else list(agents)
    states = [tracker.state(name) for name in names]
    now = tracker.clock.now()
    for queue in queues_of(policy):
        for channel in (c.name for c in policy.channels):
            expected = [(s.agent, s.version) for s in
                        scan(policy, states, queue, channel, now, seed=0)]
            actual = [(c.agent, c.version) for c in tracker.eligible(queue, channel, seed=0)]
            assert expected == actual, (
                f"eligible({queue!r}, {channel!r}) is {actual}, the scan says {expected}")
            best = [(c.agent, c.version) for c in
                    tracker.eligible(queue, channel, limit=1, seed=0)]
            assert expected[:1] == best, (
                f"eligible({queue!r}, {channel!r}, limit=1) is {best}, the scan says "
                f"{expected[:1]}")
            for state in states:
                listed = state.agent in {agent for agent, _version in expected}
                assert listed == (blocker(policy, state, queue, channel) is None)


def check_reports(tracker: Tracker, agents: Sequence[str] | None = None) -> None:
    """Assert that reports add up over days (invariant 8).

    Days are calendar days in the policy's time zone (``Policy.day.timezone``); every report
    runs ``until`` now and covers every agent. Two checks, on the last three days (a report
    costs a walk over history per day it covers, and a state machine that keeps checking sees
    every day become one of the last three):

    - the report over yesterday and today equals yesterday's day report plus today's;
    - the report over the three days to today equals the report over the two days before
      today plus today's day report.
    """
    policy = tracker.policy
    names = sorted(tracker.agents()) if agents is None else list(agents)
    changes = [c for name in names for c in tracker.history(name)]
    if not changes:
        return
    zone = policy.day.timezone
    now = tracker.clock.now()
    last = pendulum.instance(now).in_timezone(zone).date()
    first, yesterday_date = last - timedelta(days=2), last - timedelta(days=1)
    today = day_report(changes, policy, last, until=now, agents=names)
    yesterday = day_report(changes, policy, yesterday_date, until=now, agents=names)
    both = report(changes, policy, start=day_bounds(yesterday_date, zone)[0],
                  end=day_bounds(last, zone)[1], until=now, agents=names)
    assert both == yesterday + today, (
        f"the report over {yesterday_date} and {last} differs from the sum of their day "
        f"reports:\n  both: {both}\n  sum:  {yesterday + today}")
    start = day_bounds(first, zone)[0]
    three = report(changes, policy, start=start, end=day_bounds(last, zone)[1], until=now,
                   agents=names)
    before = report(changes, policy, start=start, end=day_bounds(last, zone)[0], until=now,
                    agents=names)
    assert three == before + today, (
        f"the report over {first}..{last} differs from the report over {first} and "
        f"{yesterday_date} plus the day report of {last}:\n  three: {three}\n"
        f"  sum:   {before + today}")
