"""Policy lint: what a valid policy may still get wrong.

Building a :class:`~agentstate.Policy` refuses what cannot work at all (:class:`PolicyError`):
unknown names, a status nobody can enter or leave, no way to log in or out, an automatic move
the system may not make. :func:`lint` finds what is legal but almost certainly wrong, and says
why, as :class:`Finding` values. ``agentstate check`` runs it; the testing kit's state machine
refuses a policy with an error finding before its first step.

Who moves agents
----------------
The transition table says which role may make each change. The *system* role is the host
itself (and agentstate's timers): it may make any change the table allows it, so a policy that
needs the host to rescue an agent is legal, but no person can do it. Lint therefore looks at the
changes **people** can make (agents and supervisors) and the **automatic moves** the policy
configures:

- to *enter* a status: every automatic move (after misses, after a reject, a single-call status,
  an overrun), since each may happen;
- to *leave* one: only the automatic move that time alone makes, the overrun of a pause in a
  status that takes a reason with a time limit (an agent may switch to that reason, within the
  status, and wait). The others wait for work to arrive. Where a supervisor may force an agent
  into the pause past a daily limit, that stay is looked at too: such a pause is never moved
  automatically, and that reason is used up for the day, so only another reason with a time
  limit gets the agent out by time.

A login gives no reason, so a login into a status that requires a choice among several reasons
is always refused: such logins are left out.

A path may pass through the logged-out status: logging out and in again is a way back to work.

Findings
--------
=========================  ========  ===================================================
code                       severity  what
=========================  ========  ===================================================
``dead-end``               error     from this status, people (and timers) cannot get an
                                     agent back to a routable status, or to logged out
``login-refused``          error     the login status requires a choice of reason: a
                                     login without a status is always refused
``impossible-allotment``   error     a daily allotment longer than a day: never used up
``impossible-allotment``   warning   ``max_length`` longer than the daily allotment: the
                                     allotment runs out first
``paid-without-allotment`` error     a paid reason with no daily allotment, when asked
                                     for (``require_allotment_for_paid=True``)
``no-routable-status``     warning   no status takes queue work
``supervisor-only``        warning   an agent in this status cannot get out by itself
``unreachable``            warning   no agent or supervisor can put an agent in this
                                     status (only the host can, or nobody)
``reason-unused``          warning   no status takes this reason
``timer-never-fires``      warning   a timer or automatic move the policy can never use
``auto-move-reason``       warning   an automatic move lands on a reason with a daily
                                     allotment (it spends the agent's allotment) or on
                                     a paid reason (it pays for the system's move)
=========================  ========  ===================================================

Findings come errors first, then by code and culprit.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import timedelta

import attrs

from ._engine import reachable
from ._policy import (
    BusyChange,
    MoveKind,
    PauseReason,
    Policy,
    Role,
    Status,
    WrapUpMode,
)
from ._policy import automatic_moves as all_automatic_moves

__all__ = ["Finding", "Severity", "lint"]

DAY = timedelta(hours=24)
_PEOPLE = frozenset({Role.AGENT, Role.SUPERVISOR})

Edges = dict[tuple[str, str], frozenset[Role]]


class Severity(enum.Enum):
    """How bad a finding is."""

    ERROR = "error"
    """Agents or accounting will go wrong: fix the policy."""
    WARNING = "warning"
    """Probably not what was meant: check it."""


@attrs.frozen(kw_only=True)
class Finding:
    """One thing lint found in a policy.

    Attributes:
        code: what kind of finding (``dead-end``, ``unreachable``, ...; see :func:`lint`).
        severity: an error or a warning.
        culprit: the status, reason, timer field or queue at fault.
        message: what is wrong and why, in a sentence.
    """

    code: str
    severity: Severity
    culprit: str
    message: str

    def __str__(self) -> str:
        return f"{self.severity.value} {self.code} {self.culprit!r}: {self.message}"


def lint(policy: Policy, *, require_allotment_for_paid: bool = False) -> tuple[Finding, ...]:
    """What ``policy`` allows but almost certainly should not.

    Args:
        policy: a valid policy.
        require_allotment_for_paid: every paid reason must have a daily allotment (a centre
            that pays for pauses usually limits them); a paid reason without one is an error.

    Returns:
        The findings, errors first, then by code and culprit; empty when all is well. See the
        module documentation for the codes and what each means.

    >>> from agentstate.presets import basic
    >>> lint(basic())
    ()
    """
    graph = _Graph(policy)
    found = [*graph.findings(), *_reasons(policy, require_allotment_for_paid),
             *_timers(policy), *_move_reasons(policy)]
    order = {Severity.ERROR: 0, Severity.WARNING: 1}
    return tuple(sorted(found, key=lambda f: (order[f.severity], f.code, f.culprit)))


def routable_statuses(policy: Policy) -> tuple[str, ...]:
    """The names of the statuses that take queue work."""
    return tuple(s.name for s in policy.statuses if s.routable)


def automatic_moves(policy: Policy) -> set[tuple[str, str]]:
    """Every automatic move that can happen, as ``(source, dest)``: the policy's own list
    (:func:`agentstate._policy.automatic_moves`), armed ones only, an overrun only from the
    statuses whose reasons time alone runs out."""
    moves: set[tuple[str, str]] = set()
    for move in all_automatic_moves(policy):
        if not move.armed:
            continue
        sources = move.sources
        if move.kind is MoveKind.OVERRUN:
            sources = tuple(s for s in sources if _time_limited(policy, policy.status(s)))
        moves.update((source, move.dest) for source in sources if source != move.dest)
    return moves


def _time_limited(policy: Policy, status: Status) -> list[PauseReason]:
    """The reasons of ``status`` whose limit time alone reaches: a maximum length, or a daily
    allotment of at most a day. An agent in the status may switch to one of them and wait."""
    found = []
    for code in status.reasons:
        reason = policy.reason(code)
        if reason.max_length is not None or (reason.daily_allotment is not None
                                             and reason.daily_allotment <= DAY):
            found.append(reason)
    return found


def _overridable(reason: PauseReason) -> bool:
    """Whether a supervisor can force a pause in ``reason`` past a limit (a daily one)."""
    return reason.daily_allotment is not None or reason.max_per_day is not None


def enterable_at_login(status: Status) -> bool:
    """Whether a login can land in ``status``: a login gives no reason, so the status must not
    require a choice among several."""
    return not (status.reason_required and len(status.reasons) > 1)


def usable_edges(policy: Policy) -> tuple[tuple[str, str, frozenset[Role]], ...]:
    """The transition table's edges, without the logins that are always refused."""
    return tuple((s, d, roles) for s, d, roles in policy.engine.edges
                 if s != policy.logged_out or enterable_at_login(policy.status(d)))


Node = tuple[str, bool]
"""A status, and whether the agent is there past a daily limit a supervisor forced."""


class _Graph:
    """The policy's status graph as people and timers see it.

    For leaving a status, a node is a status and whether the agent is there past a daily limit
    a supervisor forced (then the overrun never moves it, and it cannot switch back to that
    reason today): people's moves lead to the plain node, a supervisor's also to the forced
    one where the status takes a reason a supervisor can force past.
    """

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.names = [s.name for s in policy.statuses]
        self.routable = routable_statuses(policy)
        edges = usable_edges(policy)
        self.everyone: Edges = {(s, d): r for s, d, r in edges}
        auto = frozenset({Role.SYSTEM})
        self.entries: Edges = {**{(s, d): r for s, d, r in edges if r & _PEOPLE},
                               **dict.fromkeys(automatic_moves(policy), auto)}
        logged_out = policy.logged_out
        self.forceable = {d for s, d, roles in edges
                          if Role.SUPERVISOR in roles and s != logged_out
                          and any(_overridable(policy.reason(c))
                                  for c in policy.status(d).reasons)}
        people: set[tuple[Node, Node]] = set()
        agent: set[tuple[Node, Node]] = set()
        for source, dest, roles in edges:
            for forced in (False, True) if source in self.forceable else (False,):
                if roles & _PEOPLE:
                    people.add(((source, forced), (dest, False)))
                if Role.AGENT in roles:
                    agent.add(((source, forced), (dest, False)))
                if Role.SUPERVISOR in roles and dest in self.forceable:
                    people.add(((source, forced), (dest, True)))
        timed: set[tuple[Node, Node]] = set()
        overrun = policy.overrun_status
        for status in policy.statuses:
            limited = _time_limited(policy, status)
            if overrun is None or status.name == overrun or not limited:
                continue
            timed.add(((status.name, False), (overrun, False)))
            if status.name in self.forceable and all(
                    [r for r in limited if r.code != code]
                    for code in status.reasons if _overridable(policy.reason(code))):
                timed.add(((status.name, True), (overrun, False)))
        self.exits = people | timed
        self.agent_exits = agent | timed

    def nodes(self, name: str) -> list[Node]:
        """The ways to be in ``name``: plain, and forced past a limit where that can be."""
        return [(name, False), (name, True)] if name in self.forceable else [(name, False)]

    def back_to(self, edges: set[tuple[Node, Node]]) -> tuple[set[Node], set[Node]]:
        """The nodes from which ``edges`` lead to logged out, and to a routable status."""
        out = reachable([(self.policy.logged_out, False)], edges, reverse=True)
        work = reachable([n for name in self.routable for n in self.nodes(name)], edges,
                         reverse=True)
        return out, work

    def findings(self) -> Iterable[Finding]:
        policy, logged_out = self.policy, self.policy.logged_out
        login = policy.status(policy.login_status)
        if not enterable_at_login(login):
            yield Finding(
                code="login-refused", severity=Severity.ERROR, culprit=login.name,
                message=f"a login without a status is always refused: it lands in "
                        f"{login.name!r}, which requires one of {', '.join(login.reasons)}, "
                        "and a login gives no reason")
        entered = reachable([logged_out], self.entries)
        anyone = reachable([logged_out], self.everyone)
        for name in self.names:
            if name not in anyone:
                yield Finding(
                    code="unreachable", severity=Severity.WARNING, culprit=name,
                    message=f"no agent can ever be put in {name!r}: the only way in is a "
                            "login, and a login cannot give the reason it requires")
            elif name not in entered:
                yield Finding(
                    code="unreachable", severity=Severity.WARNING, culprit=name,
                    message=f"only the host, acting as the system, can put an agent in "
                            f"{name!r}: no agent or supervisor may move one there from "
                            f"{logged_out!r}, and no automatic move goes there")
        if not self.routable:
            yield Finding(code="no-routable-status", severity=Severity.WARNING,
                          culprit="statuses",
                          message="no status is routable: queues can never offer work")
        out, work = self.back_to(self.exits)
        stuck = set(self.names) - anyone
        for name in self.names:
            if name in stuck:
                continue
            for node in self.nodes(name):
                missing = []
                if node not in work and self.routable:
                    missing.append("a routable status")
                if node not in out:
                    missing.append(repr(logged_out))
                if missing:
                    stuck.add(name)
                    yield Finding(
                        code="dead-end", severity=Severity.ERROR, culprit=name,
                        message=f"{_who(node)} can never get back to "
                                f"{' nor to '.join(missing)}: no agent, supervisor or timer "
                                f"can move it there ({_exits(policy, name)})")
                    break
        out, work = self.back_to(self.agent_exits)
        for name in self.names:
            if name == logged_out or name in stuck:
                continue
            for node in self.nodes(name):
                if node not in out and node not in work:
                    yield Finding(
                        code="supervisor-only", severity=Severity.WARNING, culprit=name,
                        message=f"{_who(node)} cannot get out by itself: only a supervisor "
                                f"can move it back to work or log it out "
                                f"({_exits(policy, name)})")
                    break


def _who(node: Node) -> str:
    name, forced = node
    if forced:
        return (f"an agent a supervisor forces into {name!r} past a daily limit (a pause the "
                "overrun never ends)")
    return f"an agent in {name!r}"


def _exits(policy: Policy, name: str) -> str:
    """The ways out of ``name`` in words: "exits: lunch -> available (system)"."""
    ways = [f"{d} ({', '.join(sorted(r.value for r in roles))})"
            for s, d, roles in policy.engine.edges if s == name]
    return f"its exits: {', '.join(ways)}" if ways else "it has no exits"


def _reasons(policy: Policy, require_allotment_for_paid: bool) -> Iterable[Finding]:
    taken = {code for status in policy.statuses for code in status.reasons}
    for reason in policy.reasons:
        code = reason.code
        if code not in taken:
            yield Finding(code="reason-unused", severity=Severity.WARNING, culprit=code,
                          message=f"no status takes reason {code!r}: no agent can ever "
                                  "pause with it")
        allotment = reason.daily_allotment
        if allotment is not None and allotment > DAY:
            yield Finding(
                code="impossible-allotment", severity=Severity.ERROR, culprit=code,
                message=f"reason {code!r} has a daily allotment of {_hours(allotment)}, longer "
                        f"than a day (24h): it can never be used up, so it limits nothing")
        if (allotment is not None and reason.max_length is not None
                and reason.max_length > allotment):
            yield Finding(
                code="impossible-allotment", severity=Severity.WARNING, culprit=code,
                message=f"reason {code!r}: max_length {_hours(reason.max_length)} is longer "
                        f"than its daily allotment {_hours(allotment)}, which runs out first "
                        "(the maximum length only matters for a pause across midnight)")
        if require_allotment_for_paid and reason.paid and allotment is None:
            yield Finding(code="paid-without-allotment", severity=Severity.ERROR, culprit=code,
                          message=f"reason {code!r} is paid but has no daily allotment")


def _hours(span: timedelta) -> str:
    minutes = int(span.total_seconds()) // 60
    hours, rest = divmod(minutes, 60)
    return f"{hours}h{rest:02d}m" if rest else f"{hours}h"


def _timers(policy: Policy) -> Iterable[Finding]:
    timers = policy.timers
    routable = routable_statuses(policy)

    def never(culprit: str, why: str) -> Finding:
        return Finding(code="timer-never-fires", severity=Severity.WARNING, culprit=culprit,
                       message=why)

    if not routable:
        wraps = [("wrap_up", policy.wrap_up)]
        wraps.extend((f"queue {q.name}", q.wrap_up) for q in policy.queues if q.wrap_up)
        for culprit, wrap in wraps:
            if wrap.mode is not WrapUpMode.NONE:
                yield never(culprit, f"{culprit}: wrap-up follows queue interactions, and no "
                                     "status is routable")
        for field in ("no_answer_delay", "reject_delay", "busy_delay", "max_no_answer",
                      "reject_status"):
            if getattr(timers, field) is not None:
                yield never(field, f"timers.{field} applies to queue offers only, and no "
                                   "status is routable")
    offered = [s.name for s in policy.statuses
               if s.name != policy.logged_out and (s.routable or s.direct_calls)]
    if timers.offer_timeout is not None and not offered:
        yield never("offer_timeout", "timers.offer_timeout: no status may be offered work "
                                     "(none is routable or takes direct calls)")
    if timers.max_no_answer is None:
        for field in ("no_answer_status", "no_answer_reason"):
            if getattr(timers, field) is not None:
                yield never(field, f"timers.{field} is never used: max_no_answer is not set")
    if timers.reject_status is None and timers.reject_reason is not None:
        yield never("reject_reason", "timers.reject_reason is never used: reject_status is "
                                     "not set")
    moved_by = policy.while_busy is not BusyChange.IMMEDIATE
    if (moved_by and timers.max_no_answer == 1 and timers.no_answer_delay is not None
            and timers.no_answer_status is not None
            and not policy.status(timers.no_answer_status).routable):
        yield never("no_answer_delay",
                    f"timers.no_answer_delay never applies: with max_no_answer=1 every missed "
                    f"queue offer moves the agent to {timers.no_answer_status!r} instead")
    if (moved_by and timers.reject_status is not None and timers.reject_delay is not None
            and not policy.status(timers.reject_status).routable):
        yield never("reject_delay",
                    f"timers.reject_delay never applies: every rejected queue offer moves the "
                    f"agent to {timers.reject_status!r} instead")
    for status in policy.statuses:
        if status.interaction_limit is not None and not status.routable:
            yield never(status.name,
                        f"status {status.name!r}: interaction_limit counts queue interactions, "
                        "and queues offer no work in a status that is not routable")
    if policy.overrun_status is not None and not _overrun_possible(policy):
        yield never("overrun_status",
                    "overrun_status is never used: no status takes a reason with a daily "
                    "allotment (of at most a day) or a maximum length")


def _move_reasons(policy: Policy) -> Iterable[Finding]:
    """An automatic move should land on a reason that says why and costs nothing: one with a
    daily allotment spends the agent's allotment silently, a paid one pays for the move."""
    for move in all_automatic_moves(policy):
        if not move.armed:
            continue
        reasons = policy.status(move.dest).reasons
        code = move.reason if move.reason is not None else (
            reasons[0] if len(reasons) == 1 else None)
        if code is None:
            continue
        reason = policy.reason(code)
        costs = [what for what, yes in (("has a daily allotment",
                                          reason.daily_allotment is not None),
                                         ("is paid", reason.paid)) if yes]
        if costs:
            yield Finding(
                code="auto-move-reason", severity=Severity.WARNING, culprit=code,
                message=f"{move.setting} moves agents by itself to {move.dest!r} with reason "
                        f"{code!r}, which {' and '.join(costs)}: give the automatic move a "
                        "reason of its own")


def _overrun_possible(policy: Policy) -> bool:
    return any(_time_limited(policy, status) for status in policy.statuses)
