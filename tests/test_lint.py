"""Policy lint: what a valid policy allows but almost certainly should not."""

from __future__ import annotations

from collections import deque
from datetime import timedelta
from typing import Any
from unittest import mock

import attrs
import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agentstate import (
    Actor,
    AgentState,
    AgentStateError,
    BusyChange,
    Event,
    Finding,
    ForceLogout,
    ForceStatus,
    Login,
    Logout,
    PauseReason,
    Policy,
    Register,
    Role,
    SetStatus,
    Severity,
    Status,
    Timer,
    TimerFired,
    Timers,
    Transition,
    WrapUp,
    WrapUpMode,
    _rules,
    lint,
)
from agentstate.adapters import asterisk
from agentstate.presets import PRESETS, basic
from agentstate.testing import policies, stranding
from tests._policies import timed

ERROR, WARNING = Severity.ERROR, Severity.WARNING
AGENT, SUPERVISOR, SYSTEM = Role.AGENT, Role.SUPERVISOR, Role.SYSTEM


def codes(policy: Policy, **options: Any) -> list[tuple[str, Severity, str]]:
    return [(f.code, f.severity, f.culprit) for f in lint(policy, **options)]


def extend(policy: Policy, *, statuses: tuple[Status, ...] = (),
           transitions: tuple[Transition, ...] = (), reasons: tuple[PauseReason, ...] = (),
           **fields: Any) -> Policy:
    """``policy`` with more statuses, transitions and reasons, and other fields replaced."""
    return attrs.evolve(policy, statuses=(*policy.statuses, *statuses),
                        transitions=(*policy.transitions, *transitions),
                        reasons=(*policy.reasons, *reasons), **fields)


def change_status(policy: Policy, name: str, **changes: Any) -> Policy:
    return attrs.evolve(policy, statuses=tuple(
        attrs.evolve(s, **changes) if s.name == name else s for s in policy.statuses))


def change_reason(policy: Policy, code: str, **changes: Any) -> Policy:
    return attrs.evolve(policy, reasons=tuple(
        attrs.evolve(r, **changes) if r.code == code else r for r in policy.reasons))


def stuck() -> Policy:
    """basic() plus 'stuck': a supervisor may force an agent in; only the system gets it out."""
    return extend(basic(), name="stuck",
                  statuses=(Status(name="stuck", selectable_by={SUPERVISOR}),),
                  transitions=(Transition(source="available", dest="stuck", by={SUPERVISOR}),
                               Transition(source="stuck", dest="available", by={SYSTEM})))


# -- clean policies ----------------------------------------------------------------------------


SHARED = {**{name: factory() for name, factory in PRESETS.items()},
          "timed": timed(), "timed-immediate": timed(while_busy=BusyChange.IMMEDIATE),
          "asterisk-adapter": asterisk.policy(reasons=["lunch"])}


@pytest.mark.parametrize("name", sorted(SHARED))
def test_the_presets_and_shared_policies_are_clean(name: str) -> None:
    """Every preset, the tests' timed policy and the Asterisk adapter's policy: no finding."""
    assert () == lint(SHARED[name])


# -- the status graph --------------------------------------------------------------------------


def test_a_status_only_the_system_can_leave_is_a_dead_end() -> None:
    """A status a supervisor can force an agent into, with exits for the system only, strands
    the agent: an error that says where it is stuck and what its exits are."""
    expected = [Finding(
        code="dead-end", severity=ERROR, culprit="stuck",
        message="an agent in 'stuck' can never get back to a routable status nor to "
                "'logged_out': no agent, supervisor or timer can move it there (its exits: "
                "available (system))")]
    assert expected == list(lint(stuck()))


def test_a_status_only_the_host_can_enter_is_unreachable() -> None:
    """A status only the system may select, and no automatic move goes to, is a warning:
    nobody but the host can ever put an agent there."""
    policy = extend(basic(), statuses=(Status(name="campaign", selectable_by=()),),
                    transitions=(Transition(source="available", dest="campaign"),
                                 Transition(source="campaign", dest="available")))
    assert [("unreachable", WARNING, "campaign")] == codes(policy)


def test_an_automatic_move_makes_a_status_reachable() -> None:
    """The same status is fine when a timer moves agents there (here: after a reject)."""
    policy = extend(basic(), statuses=(Status(name="campaign", selectable_by=()),),
                    transitions=(Transition(source="available", dest="campaign"),
                                 Transition(source="campaign", dest="available")),
                    timers=Timers(reject_status="campaign"))
    assert [] == codes(policy)


def test_a_status_an_agent_cannot_leave_by_itself_is_supervisor_only() -> None:
    """Coaching, entered and left by a supervisor only, is a warning: the agent waits."""
    policy = extend(basic(), statuses=(Status(name="coaching", selectable_by={SUPERVISOR}),),
                    transitions=(Transition(source="available", dest="coaching"),
                                 Transition(source="coaching", dest="available",
                                            by={SUPERVISOR})))
    assert [("supervisor-only", WARNING, "coaching")] == codes(policy)


def test_when_only_the_system_logs_agents_in_nobody_gets_back_to_work() -> None:
    """With logins for the system only, an agent logged out can never work again, and no
    person can put an agent in any status."""
    base = basic()
    policy = attrs.evolve(base, transitions=tuple(
        attrs.evolve(t, by={SYSTEM}) if t.source == "logged_out" else t
        for t in base.transitions))
    assert [("dead-end", ERROR, "logged_out"),
            ("unreachable", WARNING, "available"), ("unreachable", WARNING, "break"),
            ("unreachable", WARNING, "lunch"), ("unreachable", WARNING, "offline")
            ] == codes(policy)


def test_a_login_status_that_requires_a_choice_of_reason_refuses_every_login() -> None:
    """A login gives no reason, so landing in a status that needs one of several is refused."""
    policy = extend(basic(), login_status="break",
                    transitions=(Transition(source="logged_out", dest="break"),))
    assert [("login-refused", ERROR, "break")] == codes(policy)


def nap(*, by_supervisor: bool, **limits: Any) -> Policy:
    """basic() plus 'nap': left only by the overrun back to available."""
    who = {AGENT, SUPERVISOR} if by_supervisor else {AGENT}
    return extend(basic(), overrun_status="available",
                  statuses=(Status(name="nap", selectable_by=who, reasons=("nap",)),),
                  reasons=(PauseReason(code="nap", **limits),),
                  transitions=(Transition(source="available", dest="nap"),
                               Transition(source="nap", dest="available", by={SYSTEM})))


@pytest.mark.parametrize(("policy", "expected"), [
    (nap(by_supervisor=False, daily_allotment=timedelta(minutes=20)), []),
    (nap(by_supervisor=True, max_length=timedelta(minutes=20)), []),
    (nap(by_supervisor=True, daily_allotment=timedelta(minutes=20)),
     [("dead-end", ERROR, "nap")]),
    (nap(by_supervisor=False), [("dead-end", ERROR, "nap")]),
], ids=["allotment", "max-length-forced", "allotment-forced", "no-limit"])
def test_an_overrun_is_a_way_out_unless_a_supervisor_can_force_the_pause_past_it(
        policy: Policy, expected: list[tuple[str, Severity, str]]) -> None:
    """A pause left only by its overrun is fine, unless a supervisor may force an agent into
    it past a daily limit (a forced pause is never moved) or it has no limit at all."""
    assert expected == codes(policy)


# -- reasons -----------------------------------------------------------------------------------


def test_a_reason_no_status_takes_is_a_warning() -> None:
    """A reason no status lists can never be used."""
    policy = extend(basic(), reasons=(PauseReason(code="ghost"),))
    assert [("reason-unused", WARNING, "ghost")] == codes(policy)


def test_an_allotment_longer_than_a_day_is_impossible() -> None:
    """A daily allotment of 25 h is never used up: an error that names the reason."""
    policy = change_reason(basic(), "coffee", daily_allotment=timedelta(hours=25))
    expected = [Finding(
        code="impossible-allotment", severity=ERROR, culprit="coffee",
        message="reason 'coffee' has a daily allotment of 25h, longer than a day (24h): it "
                "can never be used up, so it limits nothing")]
    assert expected == list(lint(policy))


def test_a_maximum_length_longer_than_the_allotment_is_a_warning() -> None:
    """Lunch of 30 min a day, at most 45 min a time: the 45 min never matters."""
    policy = change_reason(basic(), "lunch", max_length=timedelta(minutes=45))
    assert [("impossible-allotment", WARNING, "lunch")] == codes(policy)


def test_a_paid_reason_without_an_allotment_is_an_error_only_when_asked_for() -> None:
    """``require_allotment_for_paid=True`` makes every paid reason need a daily allotment."""
    policy = change_reason(basic(), "personal", paid=True)
    assert [] == codes(policy)
    assert [("paid-without-allotment", ERROR, "personal")] == codes(
        policy, require_allotment_for_paid=True)
    assert [] == codes(basic(), require_allotment_for_paid=True)


# -- timers ------------------------------------------------------------------------------------


def _unroutable() -> Policy:
    return change_status(basic(), "available", routable=False)


def _no_limits() -> Policy:
    return attrs.evolve(basic(), reasons=tuple(
        PauseReason(code=r.code, paid=r.paid) for r in basic().reasons))


@pytest.mark.parametrize(("policy", "expected"), [
    (attrs.evolve(_unroutable(), wrap_up=WrapUp(mode=WrapUpMode.TIMED, length=30)),
     [("no-routable-status", WARNING, "statuses"), ("timer-never-fires", WARNING, "wrap_up")]),
    (attrs.evolve(change_status(_unroutable(), "available", direct_calls=False),
                  statuses=tuple(attrs.evolve(s, direct_calls=False)
                                 for s in _unroutable().statuses),
                  timers=Timers(offer_timeout=20, busy_delay=3)),
     [("no-routable-status", WARNING, "statuses"),
      ("timer-never-fires", WARNING, "busy_delay"),
      ("timer-never-fires", WARNING, "offer_timeout")]),
    (attrs.evolve(basic(), timers=Timers(no_answer_status="break", no_answer_reason="personal")),
     [("timer-never-fires", WARNING, "no_answer_reason"),
      ("timer-never-fires", WARNING, "no_answer_status")]),
    (attrs.evolve(basic(), timers=Timers(reject_reason="personal")),
     [("timer-never-fires", WARNING, "reject_reason")]),
    (change_status(basic(), "offline", interaction_limit=1, then="break"),
     [("timer-never-fires", WARNING, "offline")]),
    (attrs.evolve(_no_limits(), overrun_status="available"),
     [("timer-never-fires", WARNING, "overrun_status")]),
    (attrs.evolve(basic(), timers=Timers(max_no_answer=1, no_answer_status="break",
                                         no_answer_reason="personal", no_answer_delay=10)),
     [("timer-never-fires", WARNING, "no_answer_delay")]),
    (attrs.evolve(basic(), timers=Timers(reject_status="offline", reject_delay=5)),
     [("timer-never-fires", WARNING, "reject_delay")]),
    (attrs.evolve(basic(), timers=Timers(reject_status="offline", reject_delay=5),
                  while_busy=BusyChange.IMMEDIATE), []),
], ids=["wrap-up", "offer-timeout", "no-answer-status", "reject-reason", "interaction-limit",
        "overrun-status", "no-answer-delay", "reject-delay", "reject-delay-immediate"])
def test_timers_that_can_never_fire_are_warnings(
        policy: Policy, expected: list[tuple[str, Severity, str]]) -> None:
    """Wrap-up and queue timers without a routable status, a ring time nobody can be offered
    work under, settings whose trigger is missing, an interaction limit on a status that takes
    no queue work, an overrun status no time limit leads to, and delays that an automatic move
    always pre-empts."""
    assert expected == codes(policy)


# -- the findings ------------------------------------------------------------------------------


def test_findings_come_errors_first_then_by_code_and_culprit() -> None:
    """Errors before warnings; within each, by code, then culprit."""
    policy = change_reason(extend(stuck(), reasons=(PauseReason(code="ghost"),)), "lunch",
                           daily_allotment=timedelta(hours=30))
    assert [("dead-end", ERROR, "stuck"), ("impossible-allotment", ERROR, "lunch"),
            ("reason-unused", WARNING, "ghost")] == codes(policy)


def test_a_finding_reads_as_one_line() -> None:
    """``str(finding)`` is severity, code, culprit and message."""
    finding = Finding(code="reason-unused", severity=WARNING, culprit="ghost",
                      message="no status takes reason 'ghost'")
    assert "warning reason-unused 'ghost': no status takes reason 'ghost'" == str(finding)


def test_findings_are_frozen_values() -> None:
    """A finding cannot be changed, and equal findings are equal."""
    finding = lint(stuck())[0]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        finding.code = "other"  # type: ignore[misc]
    assert lint(stuck()) == lint(stuck())


# -- lint agrees with the rules ----------------------------------------------------------------

T0 = pendulum.datetime(2026, 1, 5, 9)


def _enter(policy: Policy, status: str) -> list[tuple[AgentState, str | None]]:
    """A fresh agent in ``status``, in every way it can be there: with each reason it takes,
    and, where a supervisor may force it there, forced past a daily limit (then that reason
    is used up: the second of the pair)."""
    state, _ = _rules.register(policy, None, Register(agent="a"), T0)
    events = stranding(policy, status, agent="a")
    if not events:
        return [(state, None)]
    for event in events:
        state, _ = _rules.step(policy, state, event, T0)
    found: list[tuple[AgentState, str | None]] = [(state, None)]
    for reason in policy.status(status).reasons:
        for event in (SetStatus(agent="a", status=status, reason=reason),
                      ForceStatus(agent="a", status=status, reason=reason,
                                  actor=Actor.supervisor("s"))):
            try:
                found.append((_rules.step(policy, state, event, T0)[0], None))
                break
            except AgentStateError:
                continue
    forced = any(SUPERVISOR in roles and d == status and s != policy.logged_out
                 for s, d, roles in policy.engine.edges)
    for entered, _ in list(found):
        limits = None if entered.reason is None else policy.reason(entered.reason)
        if forced and limits is not None and (limits.daily_allotment or limits.max_per_day):
            found.append((_forced(entered, T0), entered.reason))
    return found


def _forced(state: AgentState, at: Any) -> AgentState:
    """``state`` as a supervisor's override leaves it: overrun from the start, never moved."""
    return attrs.evolve(state, overrun_at=at, deadlines=tuple(
        d for d in state.deadlines if d.timer is not Timer.PAUSE_LIMIT))


def _moves(policy: Policy, state: AgentState, roles: frozenset[Role]) -> list[Event]:
    """Every status event ``roles`` could send, and the pause-limit timer if one is set."""
    out: list[Event] = []
    for role in roles:
        actor = Actor.supervisor("s") if role is SUPERVISOR else Actor.agent("a")
        for status in policy.statuses:
            if status.name == policy.logged_out:
                out.append(ForceLogout(agent="a", actor=actor) if role is SUPERVISOR
                           else Logout(agent="a", actor=actor))
                continue
            out.append(Login(agent="a", status=status.name, actor=actor))
            kind = ForceStatus if role is SUPERVISOR else SetStatus
            out.extend(kind(agent="a", status=status.name, reason=reason, actor=actor)
                       for reason in (None, *status.reasons))
    out.extend(TimerFired(agent="a", timer=d.timer.value, at=d.at) for d in state.deadlines
               if d.timer is Timer.PAUSE_LIMIT)
    return out


def _escapes(policy: Policy, start: tuple[AgentState, str | None], roles: frozenset[Role]
             ) -> tuple[bool, bool]:
    """Whether events by ``roles`` (and timers) take an agent from ``start`` to logged out,
    and to a routable status: a search over the rules themselves, with daily limits unused,
    except that of a pause forced past it: while the agent stays in that status, switching back
    to that reason is refused, and a supervisor's force is an overrun from the start again."""
    out = work = False
    seen: set[Any] = set()
    todo = deque([start])
    while todo:
        state, used_up = todo.popleft()
        key = (state.status, state.reason, state.session is None, state.overrun_at is None,
               used_up,
               tuple((d.timer, (d.at - state.since).total_seconds()) for d in state.deadlines))
        if key in seen:
            continue
        seen.add(key)
        out = out or state.session is None
        work = work or (state.session is not None and policy.status(state.status).routable)
        for event in _moves(policy, state, roles):
            at = event.at or state.updated_at
            try:
                new, _ = _rules.step(policy, state, event, at)
            except AgentStateError:
                continue
            if new.status != state.status:
                todo.append((new, None))
                continue
            if used_up is not None and new.reason == used_up != state.reason:
                if not isinstance(event, ForceStatus):
                    continue
                new = _forced(new, at)
            todo.append((new, used_up))
    return out, work


@settings(max_examples=60, deadline=None)
@given(policy=policies(max_statuses=5, max_reasons=3))
def test_dead_ends_and_supervisor_only_statuses_agree_with_the_rules(policy: Policy) -> None:
    """For any valid policy, lint calls a status a dead end exactly when a search over the
    rules (agents' and supervisors' events, and timers; daily limits not used up) cannot take
    an agent, however it got there, from it to logged out and to a routable status; and
    supervisor-only exactly when the agent's own events cannot take it to either."""
    findings = lint(policy)
    dead = {f.culprit for f in findings if f.code == "dead-end"}
    alone = {f.culprit for f in findings if f.code == "supervisor-only"}
    routable = any(s.routable for s in policy.statuses)
    people = frozenset({AGENT, SUPERVISOR})
    expected_dead, expected_alone = set(), set()
    with mock.patch("agentstate._ledger.refusal", return_value=None):  # limits unused
        for status in policy.statuses:
            try:
                starts = _enter(policy, status.name)
            except ValueError:
                continue  # only an always-refused login leads there
            ways = [_escapes(policy, start, people) for start in starts]
            if not all(out and (work or not routable) for out, work in ways):
                expected_dead.add(status.name)
                continue
            ways = [_escapes(policy, start, frozenset({AGENT})) for start in starts]
            if status.name != policy.logged_out and any(
                    not out and not work for out, work in ways):
                expected_alone.add(status.name)
    assert (expected_dead, expected_alone) == (dead, alone)


@given(st.data())
@settings(max_examples=20, deadline=None)
def test_lint_never_fails_on_a_valid_policy(data: st.DataObject) -> None:
    """Any policy Policy accepts can be linted; findings name things the policy has."""
    policy = data.draw(policies())
    names = {s.name for s in policy.statuses} | {r.code for r in policy.reasons} | {
        "statuses", "wrap_up", "offer_timeout", "no_answer_delay", "reject_delay",
        "busy_delay", "max_no_answer", "reject_status", "no_answer_status",
        "no_answer_reason", "reject_reason", "overrun_status"} | {
        f"queue {q.name}" for q in policy.queues}
    for finding in lint(policy):
        assert finding.culprit in names
