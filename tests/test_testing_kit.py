"""agentstate.testing: the kit a host runs on its own policy, and what it finds."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from datetime import timedelta

import attrs
import pendulum
import pytest
from hypothesis import HealthCheck, Phase, assume, find, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import run_state_machine_as_test

import agentstate.testing
from agentstate import (
    Actor,
    AgentState,
    AgentStateError,
    BusyChange,
    CancelPending,
    Change,
    Configure,
    EndWrapUp,
    Event,
    ForceLogout,
    ForceStatus,
    InteractionAnswered,
    InteractionEnded,
    InteractionMissed,
    InteractionOffered,
    InteractionRejected,
    JoinQueue,
    LeaveQueue,
    Login,
    Logout,
    ManualClock,
    MemoryStore,
    PauseQueue,
    Policy,
    Register,
    ResumeNew,
    ResumeQueue,
    SetChannel,
    SetStatus,
    Severity,
    StopNew,
    TimerFired,
    Timers,
    Tracker,
    lint,
)
from agentstate.presets import PRESETS, basic
from agentstate.testing import (
    SEQUENCE_START,
    check_eligibility,
    check_invariants,
    check_policy,
    check_reports,
    events_for,
    policies,
    policy_state_machine,
    refused_events,
    stranding,
    valid_sequences,
)
from tests._policies import timed
from tests.test_lint import change_reason, stuck

SMALL = settings(max_examples=12, stateful_step_count=25, deadline=None, database=None,
                 suppress_health_check=[HealthCheck.too_slow])

POLICIES: dict[str, Callable[[], Policy]] = {
    **PRESETS,
    "timed": timed,
    "timed-refusing": lambda: timed(while_busy=BusyChange.REFUSE),
    "timed-immediate": lambda: timed(while_busy=BusyChange.IMMEDIATE),
}


def impossible() -> Policy:
    """basic() whose paid coffee break has a daily allotment of 25 h."""
    return change_reason(basic(), "coffee", daily_allotment=timedelta(hours=25))


# -- the kit runs green on every preset ----------------------------------------------------------


@pytest.mark.parametrize("name", sorted(POLICIES))
def test_the_state_machine_runs_green_on_every_preset(name: str) -> None:
    """Every preset (and the tests' timed policy under each busy rule) keeps every invariant
    under random event sequences."""
    run_state_machine_as_test(policy_state_machine(POLICIES[name](), every=2), settings=SMALL)


def test_a_host_needs_two_lines() -> None:
    """``policy_state_machine(policy).TestCase`` is a unittest TestCase a runner collects."""
    test_case = policy_state_machine(basic()).TestCase
    test_case.settings = SMALL
    test_case("runTest").runTest()


# -- planted defects -----------------------------------------------------------------------------


def test_a_status_with_no_way_out_fails_the_machine_with_the_events_that_strand_an_agent(
        ) -> None:
    """A status only the system can leave: the machine fails before its first step, naming the
    status and the two events that put an agent there for good."""
    with pytest.raises(AssertionError) as caught:
        run_state_machine_as_test(policy_state_machine(stuck()), settings=SMALL)
    expected = (
        "policy 'stuck': lint found 1 error(s):\n"
        "  error dead-end 'stuck': an agent in 'stuck' can never get back to a routable status "
        "nor to 'logged_out': no agent, supervisor or timer can move it there (its exits: "
        "available (system))\n"
        "    an agent gets there with: Login(agent='agent1'); "
        "ForceStatus(agent='agent1', actor=Actor.supervisor('sup'), status='stuck')")
    assert expected == str(caught.value)


def _stranded(policy: Policy, status: str) -> Callable[[Sequence[Event]], bool]:
    def check(events: Sequence[Event]) -> bool:
        tracker = Tracker(policy, clock=ManualClock())
        tracker.register("agent1")
        for event in events:
            with contextlib.suppress(AgentStateError):
                tracker.apply(event)
        return tracker.state("agent1").status == status
    return check


def _status_events(policy: Policy, agent: str) -> list[Event]:
    """Every status event for ``agent``, by the agent, a supervisor and the system."""
    sup, system = Actor.supervisor("sup"), Actor.system()
    names = [s.name for s in policy.statuses if s.name != policy.logged_out]
    out: list[Event] = [Login(agent=agent)]
    out.extend(Login(agent=agent, status=name, actor=actor)
               for actor in (None, sup, system) for name in names)
    out.extend(Logout(agent=agent, actor=actor) for actor in (None, system))
    out.append(ForceLogout(agent=agent, actor=sup))
    for name in names:
        for reason in (None, *policy.status(name).reasons):
            out.append(SetStatus(agent=agent, status=name, reason=reason))
            out.append(ForceStatus(agent=agent, status=name, reason=reason, actor=sup))
            out.append(SetStatus(agent=agent, status=name, reason=reason, actor=system))
    return out


def test_hypothesis_shrinks_random_status_events_to_the_same_two_steps() -> None:
    """Searching random status events for an agent stuck in the dead end, hypothesis' minimal
    example is exactly the kit's: log in, then a supervisor forces 'stuck'."""
    policy = stuck()
    found = find(st.lists(st.sampled_from(_status_events(policy, "agent1")), max_size=6),
                 _stranded(policy, "stuck"),
                 settings=settings(max_examples=2000, database=None, deadline=None))
    assert stranding(policy, "stuck") == found


def test_a_paid_reason_with_an_impossible_allotment_fails_the_machine() -> None:
    """A paid reason whose daily allotment is longer than a day: the machine fails before its
    first step, naming the reason and its allotment, with the two events that put an agent on
    it and what a whole day on it leaves."""
    with pytest.raises(AssertionError) as caught:
        run_state_machine_as_test(policy_state_machine(impossible()), settings=SMALL)
    expected = (
        "policy 'basic': lint found 1 error(s):\n"
        "  error impossible-allotment 'coffee': reason 'coffee' has a daily allotment of 25h, "
        "longer than a day (24h): it can never be used up, so it limits nothing\n"
        "    an agent on it all day with: Login(agent='agent1'); "
        "SetStatus(agent='agent1', status='break', reason='coffee'); "
        "at 23:59:59 1h00m01s of it is still left")
    assert expected == str(caught.value)


def test_an_impossible_allotment_really_never_runs_out() -> None:
    """The defect is real: a whole day on a coffee break of 25 h a day is never overrun, and
    the ledger still shows an hour left."""
    policy = attrs.evolve(impossible(), overrun_status="available")
    clock = ManualClock(pendulum.datetime(2026, 1, 5, 0, 0))
    tracker = Tracker(policy, clock=clock)
    tracker.register("ana")
    tracker.apply(Login(agent="ana"))
    tracker.apply(SetStatus(agent="ana", status="break", reason="coffee"))
    clock.advance(hours=23, minutes=59)
    usage = tracker.ledger("ana").reason("coffee")
    assert ("break", timedelta(hours=23, minutes=59), timedelta(hours=1, minutes=1),
            timedelta(0)) == (tracker.state("ana").status, usage.used, usage.remaining,
                              usage.overrun)
    assert [] == [c.tags for c in tracker.history("ana") if c.tags]


class LossyStore(MemoryStore):
    """A store that keeps only the last change of a commit: a unit of work half written."""

    def commit(self, state: AgentState, changes: Sequence[Change], *,
               expected_version: int) -> None:
        super().commit(state, list(changes)[-1:], expected_version=expected_version)


def test_the_machine_finds_a_store_that_loses_part_of_a_commit_with_a_minimal_example(
        ) -> None:
    """Run over a defective store, the machine fails and hypothesis shrinks the run to a few
    steps: log in, an offer, and a clock jump after which the offer timeout and the no-answer
    delay fire together (one commit of two changes, one of them lost). Which login step the
    shrinker keeps may vary with the strategies' draws, so the steps are checked by kind."""
    policy = attrs.evolve(basic(), timers=Timers(offer_timeout=20, no_answer_delay=10))
    with pytest.raises(AssertionError) as caught:
        run_state_machine_as_test(
            policy_state_machine(policy, store=LossyStore, agents=1, every=50),
            settings=settings(max_examples=300, stateful_step_count=12, deadline=None,
                              database=None, derandomize=True, report_multiple_bugs=False))
    steps = [line for line in caught.value.__notes__ if line.startswith("state.")
             and not line.startswith("state.invariants_hold")]
    assert "agent1: entry 4 has seq 5" == str(caught.value)
    assert "state.begin(start=None)" == steps[0]
    assert "state.teardown()" == steps[-1]
    assert "state.offer_queue_work(agent='agent1', channel='voice', queue='sales')" in steps
    assert any(step.startswith("state.tick(") for step in steps)
    assert len(steps) <= 6, steps


# -- the invariants, one by one ------------------------------------------------------------------


def _workday(policy: Policy) -> tuple[Tracker, ManualClock]:
    """Two agents over two days: logins, a call with wrap-up, pauses, a miss, a logout."""
    clock = ManualClock(pendulum.datetime(2026, 3, 28, 20, 0, tz="Europe/Berlin"))
    tracker = Tracker(policy, clock=clock)
    for name in ("ana", "ben"):
        tracker.register(name)
        tracker.apply(Login(agent=name, queues=("sales",)))
    clock.advance(60)
    tracker.apply(InteractionOffered(agent="ana", interaction="c1", queue="sales"))
    tracker.apply(InteractionAnswered(agent="ana", interaction="c1"))
    tracker.apply(SetStatus(agent="ben", status="lunch"))
    clock.advance(hours=5)
    tracker.apply(InteractionEnded(agent="ana", interaction="c1"))
    tracker.apply(SetStatus(agent="ana", status="break", reason="coffee"))
    clock.advance(hours=20)
    if tracker.state("ben").status != "available":  # no overrun status to move ben back
        tracker.apply(SetStatus(agent="ben", status="available"))
    tracker.apply(InteractionOffered(agent="ben", interaction="c2", queue="sales"))
    clock.advance(30)
    if tracker.state("ana").status != "available":
        tracker.apply(SetStatus(agent="ana", status="available"))
    tracker.apply(Logout(agent="ana"))
    return tracker, clock


@pytest.mark.parametrize("policy", [basic(), timed()], ids=["basic", "timed"])
def test_check_invariants_passes_on_a_workday_across_midnight_and_a_dst_change(
        policy: Policy) -> None:
    """Per agent and tracker-wide, every invariant holds over two days (one of them 23 h)."""
    tracker, _clock = _workday(policy)
    check_invariants(tracker, "ana")
    check_invariants(tracker)


class GappyStore(MemoryStore):
    """A store whose history loses every agent's second entry."""

    def history(self, agent: str, **bounds: object) -> Sequence[Change]:
        entries = list(super().history(agent, **bounds))  # type: ignore[arg-type]
        return [entry for entry in entries if entry.seq != 2]


def test_check_invariants_finds_a_gap_in_history() -> None:
    """A history that lost an entry no longer tiles the timeline."""
    tracker = Tracker(basic(), store=GappyStore(), clock=ManualClock())
    tracker.register("ana")
    tracker.apply(Login(agent="ana"))
    tracker.apply(SetStatus(agent="ana", status="lunch"))
    with pytest.raises(AssertionError) as caught:
        check_invariants(tracker, "ana")
    assert "ana: entry 2 has seq 3" == str(caught.value)


def test_check_eligibility_finds_an_index_that_missed_a_change() -> None:
    """A second writer moved Ana to lunch behind this tracker's index: the index still lists
    her, the scan does not."""
    store, clock = MemoryStore(), ManualClock()
    tracker = Tracker(basic(), store=store, clock=clock)
    tracker.register("ana")
    tracker.apply(Login(agent="ana", queues=("sales",)))
    check_eligibility(tracker)
    Tracker(basic(), store=store, clock=clock).apply(SetStatus(agent="ana", status="lunch"))
    with pytest.raises(AssertionError) as caught:
        check_eligibility(tracker)
    assert ("eligible('sales', 'voice') is [('ana', 2)], the scan says []"
            == str(caught.value))


def test_check_reports_sums_the_days_of_history() -> None:
    """The report over both days of the workday equals the sum of the two day reports."""
    tracker, _clock = _workday(timed())
    check_reports(tracker)


def test_check_policy_lists_every_error() -> None:
    """Each lint error is listed, dead ends with the events that strand an agent, impossible
    allotments with a whole day on the reason."""
    policy = change_reason(stuck(), "lunch", daily_allotment=timedelta(hours=30))
    with pytest.raises(AssertionError) as caught:
        check_policy(policy)
    assert ["policy 'stuck': lint found 2 error(s):",
            "  error dead-end 'stuck': an agent in 'stuck' can never get back to a routable "
            "status nor to 'logged_out': no agent, supervisor or timer can move it there (its "
            "exits: available (system))",
            "    an agent gets there with: Login(agent='agent1'); ForceStatus(agent='agent1', "
            "actor=Actor.supervisor('sup'), status='stuck')",
            "  error impossible-allotment 'lunch': reason 'lunch' has a daily allotment of 30h, "
            "longer than a day (24h): it can never be used up, so it limits nothing",
            "    an agent on it all day with: Login(agent='agent1'); "
            "SetStatus(agent='agent1', status='lunch'); at 23:59:59 6h00m01s of it is still left",
            ] == str(caught.value).splitlines()
    check_policy(basic())


@pytest.mark.parametrize(("status", "expected"), [
    ("logged_out", []),
    ("lunch", [Login(agent="agent1"), SetStatus(agent="agent1", status="lunch")]),
    ("break", [Login(agent="agent1"),
               SetStatus(agent="agent1", status="break", reason="coffee")]),
    ("offline", [Login(agent="agent1", status="offline")]),
])
def test_stranding_is_the_shortest_way_into_a_status(status: str, expected: list[Event]
                                                      ) -> None:
    """The fewest events from registration, the agent's own moves first."""
    assert expected == stranding(basic(), status)


# -- strategies ----------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(policy=policies(max_statuses=4))
def test_policies_are_valid_and_within_bounds(policy: Policy) -> None:
    """Every policy drawn was built (so it is valid), logs in to a routable 'available', and
    has at most the statuses asked for."""
    assert (True, "available") == (policy.status(policy.login_status).routable,
                                   policy.login_status)
    assert len(policy.statuses) <= 5


FEATURES: dict[str, Callable[[Policy], bool]] = {
    "automatic moves after misses": lambda p: p.timers.max_no_answer is not None,
    "an overrun status": lambda p: p.overrun_status is not None,
    "queues of their own": lambda p: bool(p.queues),
    "three channels and a blocking rule": lambda p: len(p.channels) == 3 and bool(p.blocking),
    "a single-call status": lambda p: any(s.interaction_limit for s in p.statuses),
    "a rolling day": lambda p: p.day.rolling,
    "a reason with every limit": lambda p: any(
        r.daily_allotment and r.max_per_day and r.max_length for r in p.reasons),
    "a status only the system selects": lambda p: any(
        not s.selectable_by for s in p.statuses),
    "a transition from every status": lambda p: any(t.source == "*" for t in p.transitions),
}


@pytest.mark.parametrize("feature", sorted(FEATURES))
def test_policies_reach_every_feature(feature: str) -> None:
    """Among the policies drawn are some with each feature of a policy."""
    found = find(policies(), FEATURES[feature], settings=settings(
        max_examples=2000, database=None, phases=[Phase.generate]))
    assert FEATURES[feature](found)


@pytest.mark.parametrize("kind", [
    Login, Logout, SetStatus, ForceStatus, ForceLogout, InteractionOffered, InteractionAnswered,
    InteractionEnded, InteractionMissed, InteractionRejected, EndWrapUp, CancelPending,
    JoinQueue, LeaveQueue, PauseQueue, ResumeQueue, SetChannel, StopNew, ResumeNew, Configure,
], ids=lambda kind: kind.__name__)
def test_events_for_draws_every_kind_of_event_a_host_sends(kind: type[Event]) -> None:
    """The event strategy reaches every kind of event a host sends."""
    found = find(events_for(timed(), ["a1", "a2"]), lambda e: type(e) is kind,
                 settings=settings(max_examples=2000, database=None))
    assert kind is type(found)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(policy=policies(max_statuses=5), data=st.data())
def test_any_events_under_any_lint_clean_policy_keep_every_invariant(
        policy: Policy, data: st.DataObject) -> None:
    """For any random policy lint finds no error in, and any events (valid or not) at any
    pace, check_invariants holds for the tracker as a whole."""
    assume(not [f for f in lint(policy) if f.severity is Severity.ERROR])
    clock = ManualClock()
    tracker = Tracker(policy, clock=clock)
    names = ["a1", "a2"]
    for name in names:
        tracker.register(name)
    steps = data.draw(st.lists(st.tuples(st.integers(0, 4 * 3600), events_for(policy, names)),
                               max_size=25))
    for gap, event in steps:
        clock.advance(gap)
        with contextlib.suppress(AgentStateError):
            tracker.apply(event)
    check_invariants(tracker)


@pytest.mark.parametrize("name", ["basic", "timed", "omnichannel"])
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_valid_sequences_are_accepted_in_order(name: str, data: st.DataObject) -> None:
    """Every event of a drawn valid sequence is accepted by a fresh tracker, in order: each
    agent's history holds its events in that order, besides registration and timers."""
    policy = POLICIES[name]()
    events = data.draw(valid_sequences(policy, ("a1", "a2"), max_size=15))
    clock = ManualClock(SEQUENCE_START)
    tracker = Tracker(policy, clock=clock)
    tracker.register_many(["a1", "a2"])
    for event in events:
        assert event.at is not None
        clock.set(event.at)
        tracker.apply(event)
    for agent in ("a1", "a2"):
        recorded = [c.event for c in tracker.history(agent)
                    if not isinstance(c.event, (Register, TimerFired))]
        assert [e for e in events if e.agent == agent] == recorded


@settings(max_examples=25, deadline=None)
@given(drawn=refused_events(timed()))
def test_refused_events_are_refused_after_their_valid_sequence(
        drawn: tuple[list[Event], Event]) -> None:
    """The last event of a drawn pair is refused with an AgentStateError once its sequence
    was applied, and leaves state and history as they were."""
    events, refused = drawn
    clock = ManualClock(SEQUENCE_START)
    tracker = Tracker(timed(), clock=clock)
    tracker.register_many(["a1", "a2"])
    for event in events:
        assert event.at is not None
        clock.set(event.at)
        tracker.apply(event)
    before = [(tracker.state(a), list(tracker.history(a))) for a in ("a1", "a2")]
    with pytest.raises(AgentStateError):
        tracker.apply(refused)
    assert before == [(tracker.state(a), list(tracker.history(a))) for a in ("a1", "a2")]


def test_the_kit_exports() -> None:
    """agentstate.testing exports the clock, the store, the strategies, the checks, the state
    machine and the store conformance suite."""
    assert ["ManualClock", "MemoryStore", "SEQUENCE_START", "StoreConformance", "actors",
            "check_eligibility", "check_invariants", "check_policy", "check_reports",
            "events_for", "instants", "policies", "policy_state_machine", "refused_events",
            "stranding", "valid_sequences"] == agentstate.testing.__all__


@pytest.mark.parametrize("build", [
    lambda: policy_state_machine(basic(), agents=0),
    lambda: policy_state_machine(basic(), every=0),
    lambda: policies(max_statuses=0),
    lambda: policies(max_statuses=9),
], ids=["no-agents", "every-0", "no-statuses", "too-many-statuses"])
def test_the_kit_refuses_settings_that_cannot_work(build: Callable[[], object]) -> None:
    """No agents, checks every zero steps, or a status count outside 1 to 8: ValueError."""
    with pytest.raises(ValueError):  # noqa: PT011 - the message is the parameter's own
        build()
