"""Reports from history: times per status, reason, bucket and occupation, counts, sessions,
interactions, day ranges in the site's time zone, sums, and export."""

from __future__ import annotations

import contextlib
import csv
import io
import json
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path

import attrs
import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from agentstate import (
    Actor,
    AgentStateError,
    BusyChange,
    Change,
    Direction,
    EndWrapUp,
    Event,
    ForceLogout,
    InteractionAnswered,
    InteractionEnded,
    InteractionHeld,
    InteractionMissed,
    InteractionOffered,
    InteractionRejected,
    InteractionResumed,
    InteractionStarted,
    InteractionTransferred,
    Login,
    Logout,
    ManualClock,
    Occupation,
    PauseReason,
    Policy,
    Role,
    SetStatus,
    Status,
    Tracker,
    TransferKind,
    Transition,
    WrapUp,
    WrapUpMode,
)
from agentstate._report import (
    Counts,
    InteractionOutcome,
    LoginSession,
    Report,
    ReportError,
    Totals,
    agent_reports,
    day_bounds,
    day_report,
    interactions_csv,
    report,
    sessions_csv,
    summary_csv,
)

UTC = pendulum.UTC
DAY = date(2026, 1, 5)
MIDNIGHT = pendulum.datetime(2026, 1, 5, tz=UTC)
NEXT_MIDNIGHT = pendulum.datetime(2026, 1, 6, tz=UTC)
SUPERVISOR = Actor.supervisor("sue")
ZERO = timedelta(0)


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


def site_policy(wrap_up: WrapUp | None = None) -> Policy:
    """Seed 000's reporting rule: Lunch keeps the session but is reported as logged out."""
    statuses = (
        Status(name="logged_out", label="Logged out", logged_in=False, direct_calls=False),
        Status(name="available", label="Available", routable=True),
        Status(name="break", label="Break", reasons=("coffee", "personal"),
               reason_required=True),
        Status(name="lunch", label="Lunch", reasons=("lunch",), logged_in=False),
        Status(name="offline", label="Offline", logged_in=False, report_as="Logged out"),
    )
    transitions = [Transition(source=a, dest=b) for a, b in [
        ("logged_out", "available"), ("logged_out", "offline"), ("available", "break"),
        ("available", "lunch"), ("available", "offline"), ("break", "available"),
        ("lunch", "available"), ("offline", "available"), ("available", "logged_out"),
        ("offline", "logged_out"), ("break", "logged_out"), ("lunch", "logged_out")]]
    reasons = (PauseReason(code="coffee", paid=True), PauseReason(code="personal"),
               PauseReason(code="lunch"))
    return Policy(name="site", statuses=statuses, transitions=transitions, reasons=reasons,
                  while_busy=BusyChange.IMMEDIATE, wrap_up=wrap_up or WrapUp())


POLICY = site_policy()


class Day:
    """One agent's scripted day: each step advances a manual clock, then applies an event."""

    def __init__(self, start: datetime | None = None, agent: str = "ana") -> None:
        self.clock = ManualClock(MIDNIGHT + hours(8) if start is None else start)
        self.tracker = Tracker(POLICY, clock=self.clock)
        self.agent = agent
        self.tracker.register(agent)

    def at(self, offset: timedelta, event: Callable[[str], Event]) -> Day:
        """Apply ``event`` ``offset`` after midnight of the test day."""
        self.clock.set(MIDNIGHT + offset)
        self.tracker.apply(event(self.agent))
        return self

    @property
    def history(self) -> Sequence[Change]:
        return self.tracker.history(self.agent)


def login(agent: str) -> Event:
    return Login(agent=agent, queues=("sales",))


def logout(agent: str) -> Event:
    return Logout(agent=agent)


def status(name: str, reason: str | None = None) -> Callable[[str], Event]:
    return lambda agent: SetStatus(agent=agent, status=name, reason=reason)


def offer(call: str) -> Callable[[str], Event]:
    return lambda agent: InteractionOffered(agent=agent, interaction=call, queue="sales")


def answer(call: str) -> Callable[[str], Event]:
    return lambda agent: InteractionAnswered(agent=agent, interaction=call)


def end(call: str) -> Callable[[str], Event]:
    return lambda agent: InteractionEnded(agent=agent, interaction=call)


def miss(call: str) -> Callable[[str], Event]:
    return lambda agent: InteractionMissed(agent=agent, interaction=call)


def reject(call: str) -> Callable[[str], Event]:
    return lambda agent: InteractionRejected(agent=agent, interaction=call)


def morning() -> Day:
    """Registered 08:00; in 09:00; coffee 10:00-10:15; lunch 12:00-12:30; out 13:00."""
    return (Day()
            .at(hours(9), login)
            .at(hours(10), status("break", "coffee"))
            .at(hours(10.25), status("available"))
            .at(hours(12), status("lunch"))
            .at(hours(12.5), status("available"))
            .at(hours(13), logout))


def day(history: Sequence[Change], until: datetime | None = None) -> Report:
    """The report over the test day, 5 January 2026 in UTC."""
    return report(history, POLICY, start=MIDNIGHT, end=NEXT_MIDNIGHT, until=until)


# -- times ---------------------------------------------------------------------------------------


def test_time_per_status_counts_from_the_registration_to_the_last_recorded_change() -> None:
    """Every status of the policy is a key; time before the registration is not counted, nor
    time after the last recorded change (the 13:00 logout): without ``until`` a report never
    counts past what happened, so logged-out time is 08:00-09:00 only, 5 h tracked in all."""
    result = day(morning().history)
    expected = {"logged_out": hours(1), "available": hours(3.25),
                "break": minutes(15), "lunch": minutes(30), "offline": timedelta(0)}
    assert expected == dict(result.by_status)
    assert hours(5) == result.tracked


def test_logged_in_time_follows_the_policys_reporting_rule() -> None:
    """Lunch keeps the session but its status is reported as logged out: not logged-in time."""
    result = day(morning().history)
    assert hours(3.25) + minutes(15) == result.logged_in


def test_time_per_reporting_bucket_groups_statuses_by_report_as() -> None:
    """Offline is reported under "Logged out"; Lunch under its own bucket, "Lunch". Logged-out
    time is 08:00-09:00: nothing is counted past the last recorded change (13:00)."""
    result = day(morning().history)
    expected = {"Logged out": hours(1), "Available": hours(3.25), "Break": minutes(15),
                "Lunch": minutes(30)}
    assert expected == dict(result.by_bucket)


def test_time_per_reason_and_paid_and_unpaid_pause() -> None:
    """Coffee is paid, lunch unpaid; every reason of the policy is a key."""
    result = day(morning().history)
    assert {"coffee": minutes(15), "personal": timedelta(0), "lunch": minutes(30)} == dict(
        result.by_reason)
    assert minutes(15) == result.paid_pause
    assert minutes(30) == result.unpaid_pause
    assert minutes(45) == result.pause


def test_every_occupation_is_a_key_and_counts_only_in_a_session() -> None:
    """Occupation time is counted while logged in (4 h here), for every Occupation member."""
    result = day(morning().history)
    assert list(Occupation) == list(result.by_occupation)
    assert hours(4) == result.by_occupation[Occupation.IDLE]
    assert hours(4) == result.by_occupation.total()


def test_intervals_are_clipped_to_the_range() -> None:
    """A report from 10:10 to 12:10 sees 5 min of coffee, 1 h 45 available, 10 min of lunch."""
    result = report(morning().history, POLICY, start=MIDNIGHT + minutes(610),
                    end=MIDNIGHT + minutes(730))
    assert minutes(5) == result.by_status["break"]
    assert minutes(105) == result.by_status["available"]
    assert minutes(10) == result.by_status["lunch"]
    assert hours(2) == result.tracked


def test_an_interval_open_at_the_end_of_history_runs_until_the_given_instant() -> None:
    """Still available since 09:00: until 11:00 gives 2 h of it, even in a whole-day range."""
    history = Day().at(hours(9), login).history
    result = day(history, until=MIDNIGHT + hours(11))
    assert hours(2) == result.by_status["available"]
    assert hours(1) == result.by_status["logged_out"]


def test_until_defaults_to_the_last_recorded_change_capped_at_the_end_of_the_range() -> None:
    """Without ``until``, what is still open runs to the last recorded change, never past what
    happened (here the 09:00 login itself: no available time), and never past the range's end
    (a range ending at 10:00 of a history going on later)."""
    history = Day().at(hours(9), login).history
    assert timedelta(0) == day(history).by_status["available"]
    later = morning().history
    early = report(later, POLICY, start=MIDNIGHT, end=MIDNIGHT + hours(10))
    assert hours(1) == early.by_status["available"]
    assert hours(2) == early.tracked



def test_a_live_day_report_counts_up_to_now() -> None:
    """Issue 14: "`day_report()` asked at 10:00 after an 08:00 login reports 16:00 logged in".
    The tracker's day report counts what is still open up to now: 2:00 at 10:00."""
    clock = ManualClock(MIDNIGHT + hours(8))
    tracker = Tracker(POLICY, clock=clock)
    tracker.register("ana")
    tracker.apply(Login(agent="ana"))
    clock.advance(hours=2)
    assert hours(2) == tracker.day_report(DAY).logged_in
    assert hours(2) == tracker.day_report().logged_in
    assert hours(2) == tracker.report(start=MIDNIGHT, end=NEXT_MIDNIGHT,
                                      agents=["ana"]).by_status["available"]


def test_a_live_report_of_a_past_range_counts_to_its_end() -> None:
    """At 14:00 the next day: the day that is over counts to its end, even with no change
    since (16:00), and today to now (14:00): min(now, end)."""
    clock = ManualClock(MIDNIGHT + hours(8))
    tracker = Tracker(POLICY, clock=clock)
    tracker.register("ana")
    tracker.apply(Login(agent="ana"))
    clock.advance(hours=30)
    assert hours(16) == tracker.day_report(DAY).logged_in
    assert hours(14) == tracker.day_report(DAY + timedelta(days=1)).logged_in


def test_the_same_history_read_after_the_fact_stops_at_its_last_change() -> None:
    """Read after the fact (no clock), the 10:00 break is the last thing known: an open state
    counts to the last recorded change, so nothing after it is invented."""
    clock = ManualClock(MIDNIGHT + hours(8))
    tracker = Tracker(POLICY, clock=clock)
    tracker.register("ana")
    tracker.apply(Login(agent="ana"))
    clock.advance(hours=2)
    tracker.apply(SetStatus(agent="ana", status="break", reason="coffee"))
    assert hours(2) == day_report(tracker.history("ana"), POLICY, DAY).logged_in


# -- calls ---------------------------------------------------------------------------------------


def calls() -> Day:
    """c1 rings 30 s, talks 10 min; c2 is missed after 20 s; c3 is rejected; c4 is open."""
    return (Day()
            .at(hours(9), login)
            .at(hours(9) + timedelta(seconds=0), offer("c1"))
            .at(hours(9) + timedelta(seconds=30), answer("c1"))
            .at(hours(9) + minutes(10.5), end("c1"))
            .at(hours(10), offer("c2"))
            .at(hours(10) + timedelta(seconds=20), miss("c2"))
            .at(hours(11), offer("c3"))
            .at(hours(11) + timedelta(seconds=5), reject("c3"))
            .at(hours(12), offer("c4"))
            .at(hours(12) + minutes(1), answer("c4")))


def test_counts_come_from_the_events_in_the_range() -> None:
    """Four offers, two answered (both queue work), one completed, one missed, one rejected."""
    result = day(calls().history)
    assert Counts(offered=4, answered=2, completed=1, missed=1, rejected=1,
                  queue=2) == result.counts


def test_interactions_carry_ring_and_talk_times() -> None:
    """Each interaction: when offered, answered and ended, how it ended, ring and talk time."""
    result = day(calls().history, until=MIDNIGHT + hours(12) + minutes(5))
    c1, c2, c3, c4 = result.interactions
    assert (timedelta(seconds=30), minutes(10)) == (c1.ring_time, c1.talk_time)
    assert InteractionOutcome.COMPLETED == c1.outcome
    assert MIDNIGHT + hours(9) + minutes(10.5) == c1.ended_at
    assert (timedelta(seconds=20), None, InteractionOutcome.MISSED) == (
        c2.ring_time, c2.talk_time, c2.outcome)
    assert InteractionOutcome.REJECTED == c3.outcome
    assert (None, InteractionOutcome.OPEN, minutes(4)) == (c4.ended_at, c4.outcome,
                                                           c4.talk_time)


def test_occupancy_is_handling_over_handling_plus_ready_time() -> None:
    """Handling: 10 min (c1) + 4 min (c4 until 12:05); ready: the rest of available time."""
    result = day(calls().history, until=MIDNIGHT + hours(12) + minutes(5))
    assert minutes(14) == result.handling
    assert hours(3) + minutes(5) - minutes(14) == result.ready
    assert result.occupancy == pytest.approx(14 / 185)


def test_occupancy_is_none_without_ready_or_handling_time() -> None:
    """An agent never logged in has no occupancy, not zero."""
    result = day(Day().history)
    assert result.occupancy is None


def test_handling_counts_calls_taken_in_a_status_that_is_not_routable() -> None:
    """A call answered just before a break carries on in the break: handling, not ready."""
    history = (Day().at(hours(9), login).at(hours(9), offer("c1"))
               .at(hours(9), answer("c1")).at(hours(9) + minutes(1), status("break", "coffee"))
               .at(hours(9) + minutes(5), end("c1")).history)
    result = day(history, until=MIDNIGHT + hours(10))
    assert minutes(5) == result.handling
    assert minutes(4) == result.by_occupation[Occupation.ON_INTERACTION] - minutes(1)


def test_a_forced_logout_drops_open_interactions() -> None:
    """The dropped call is counted and ends at the forced logout."""
    history = (Day().at(hours(9), login).at(hours(9), offer("c1")).at(hours(9), answer("c1"))
               .at(hours(9.5), lambda a: ForceLogout(agent=a, actor=SUPERVISOR)).history)
    result = day(history)
    assert 1 == result.counts.dropped
    (item,) = result.interactions
    assert (InteractionOutcome.DROPPED, minutes(30)) == (item.outcome, item.talk_time)


# -- sessions ------------------------------------------------------------------------------------


def test_login_sessions_have_a_start_an_end_and_a_length() -> None:
    """One session from 09:00 to 13:00, lunch included (the session is not the reporting rule).
    """
    result = day(morning().history)
    start = MIDNIGHT + hours(9)
    assert (LoginSession(agent="ana", start=start, end=start + hours(4), length=hours(4)),
            ) == result.sessions


def test_an_open_session_has_no_end_and_lasts_until_the_given_instant() -> None:
    """Still logged in: ``end`` is None and the length runs until ``until``."""
    history = Day().at(hours(9), login).history
    (session,) = day(history, until=MIDNIGHT + hours(17)).sessions
    assert (None, hours(8), True) == (session.end, session.length, session.open)


def test_a_session_across_midnight_is_listed_whole_in_both_days() -> None:
    """Lists are not clipped: the night shift appears, whole, in both days' reports."""
    history = (Day(MIDNIGHT + hours(20)).at(hours(22), login).at(hours(26), logout).history)
    first = report(history, POLICY, start=MIDNIGHT, end=NEXT_MIDNIGHT)
    second = report(history, POLICY, start=NEXT_MIDNIGHT, end=NEXT_MIDNIGHT + hours(24))
    assert first.sessions == second.sessions
    assert hours(4) == first.sessions[0].length
    assert (hours(2), hours(2)) == (first.by_status["available"],
                                    second.by_status["available"])


# -- teams, days and sums ------------------------------------------------------------------------


def team() -> list[Change]:
    ana = morning().history
    bob = Day(agent="bob").at(hours(9), login).at(hours(17), logout).history
    return [*ana, *bob]


def test_a_team_report_adds_up_its_agents() -> None:
    """The team's times are its agents' times added; the per-agent reports are by id."""
    changes = team()
    whole = report(changes, POLICY, start=MIDNIGHT, end=NEXT_MIDNIGHT)
    each = agent_reports(changes, POLICY, start=MIDNIGHT, end=NEXT_MIDNIGHT)
    assert ("ana", "bob") == whole.agents
    assert ["ana", "bob"] == list(each)
    assert whole == each["ana"] + each["bob"]
    assert hours(3.5) + hours(8) == whole.logged_in


def test_a_team_report_covers_agents_without_history() -> None:
    """An agent named but without history counts zero."""
    result = report(morning().history, POLICY, start=MIDNIGHT, end=NEXT_MIDNIGHT,
                    agents=["ana", "zoe"])
    assert ("ana", "zoe") == result.agents
    assert day(morning().history).tracked == result.tracked


def test_days_follow_the_site_time_zone_across_daylight_saving() -> None:
    """In Paris, 29 March 2026 has 23 hours and 25 October 2026 has 25."""
    spring = day_bounds(date(2026, 3, 29), "Europe/Paris")
    autumn = day_bounds(date(2026, 10, 25), "Europe/Paris")
    assert hours(23) == spring[1] - spring[0]
    assert hours(25) == autumn[1] - autumn[0]
    assert pendulum.datetime(2026, 3, 28, 23, tz=UTC) == spring[0]


def test_a_day_report_covers_the_local_day() -> None:
    """Logged in all along, an agent is available 23 hours on Paris's spring-forward day (known
    to be so until its end: ``until`` given, since by default a report stops at the last
    recorded change, here the login on 1 March)."""
    march = pendulum.datetime(2026, 3, 1, tz=UTC)
    history = Day(march).at(march - MIDNIGHT, login).history
    _, end = day_bounds(date(2026, 3, 29), "Europe/Paris")
    result = day_report(history, POLICY, date(2026, 3, 29), tz="Europe/Paris", until=end)
    assert hours(23) == result.by_status["available"]


def test_a_day_report_uses_the_policys_time_zone_by_default() -> None:
    """Without ``tz``, days are the policy's ``day.timezone`` days (UTC here)."""
    result = day_report(morning().history, POLICY, DAY)
    assert day(morning().history) == result


def test_reports_add_up_only_when_the_sum_means_something() -> None:
    """Overlapping ranges of the same agent would count time twice: refused."""
    history = morning().history
    first = report(history, POLICY, start=MIDNIGHT, end=MIDNIGHT + hours(12))
    overlapping = report(history, POLICY, start=MIDNIGHT + hours(6), end=NEXT_MIDNIGHT)
    with pytest.raises(ReportError) as caught:
        first + overlapping
    assert "range" == caught.value.culprit
    assert isinstance(caught.value, AgentStateError)
    assert isinstance(caught.value, ValueError)


def test_an_empty_range_is_refused() -> None:
    """A report's end must come after its start."""
    with pytest.raises(ReportError):
        report([], POLICY, start=MIDNIGHT, end=MIDNIGHT)


def test_a_status_unknown_to_the_policy_is_refused() -> None:
    """History recorded under another policy cannot be classified: the status is named (the
    state known until midnight, so that the unknown status has time to count)."""
    other = Policy(statuses=(Status(name="logged_out", logged_in=False),
                             Status(name="ready", routable=True)),
                   transitions=(Transition(source="logged_out", dest="ready"),
                                Transition(source="ready", dest="logged_out")),
                   login_status="ready")
    tracker = Tracker(other, clock=ManualClock(MIDNIGHT))
    tracker.register("ana")
    tracker.apply(Login(agent="ana"))
    with pytest.raises(ReportError) as caught:
        day(tracker.history("ana"), until=NEXT_MIDNIGHT)
    assert "ready" == caught.value.culprit


def test_totals_add_key_by_key() -> None:
    """Totals are immutable mappings that add key by key."""
    a = Totals([("x", minutes(1)), ("y", minutes(2))])
    b = Totals([("y", minutes(3)), ("z", minutes(4))])
    assert {"x": minutes(1), "y": minutes(5), "z": minutes(4)} == dict(a + b)
    assert minutes(3) == a.total()
    assert hash(a) == hash(Totals([("x", minutes(1)), ("y", minutes(2))]))


# -- the property: a range is the sum of its days ------------------------------------------------

ZONES = ["UTC", "Europe/Paris", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"]
STARTS = [date(2026, 3, 7), date(2026, 3, 28), date(2026, 4, 4), date(2026, 10, 24),
          date(2026, 11, 1)]


def _event(kind: str, agent: str, call: str) -> Event:
    if kind == "login":
        return Login(agent=agent, queues=("sales",))
    if kind == "logout":
        return Logout(agent=agent)
    if kind == "force_logout":
        return ForceLogout(agent=agent, actor=SUPERVISOR)
    if kind in ("available", "lunch", "offline"):
        return SetStatus(agent=agent, status=kind)
    if kind in ("coffee", "personal"):
        return SetStatus(agent=agent, status="break", reason=kind)
    builders: dict[str, Callable[..., Event]] = {
        "offer": lambda **kw: InteractionOffered(queue="sales", **kw),
        "answer": InteractionAnswered, "end": InteractionEnded, "miss": InteractionMissed,
        "reject": InteractionRejected}
    return builders[kind](agent=agent, interaction=call)


steps = st.lists(st.tuples(
    st.integers(0, 9 * 3600),
    st.sampled_from(["ana", "bob"]),
    st.sampled_from(["login", "logout", "force_logout", "available", "lunch", "offline",
                     "coffee", "personal", "offer", "answer", "end", "miss", "reject"]),
    st.sampled_from(["c1", "c2"]),
), max_size=60)


@given(steps=steps, zone=st.sampled_from(ZONES), first=st.sampled_from(STARTS),
       until_after=st.one_of(st.none(), st.integers(0, 3 * 86400)))
def test_a_report_over_a_range_equals_the_sum_of_its_days(
        steps: list[tuple[int, str, str, str]], zone: str, first: date,
        until_after: int | None) -> None:
    """For any history, time zone (DST days included) and ``until``, the report over whole
    days equals the sum of the day reports: every time, count, session and interaction."""
    start, _ = day_bounds(first, zone)
    clock = ManualClock(start + hours(3))
    tracker = Tracker(POLICY, clock=clock)
    tracker.register("ana")
    tracker.register("bob")
    for gap, agent, kind, call in steps:
        clock.advance(gap)
        with contextlib.suppress(AgentStateError):
            tracker.apply(_event(kind, agent, call))
    changes = [c for agent in ("ana", "bob") for c in tracker.history(agent)]
    last = date.fromisoformat(clock.now().in_timezone(zone).to_date_string())
    days = [first + timedelta(days=n) for n in range((last - first).days + 2)]
    until = None if until_after is None else clock.now() + timedelta(seconds=until_after)
    if until is None:
        until = day_bounds(days[-1], zone)[1]
    whole = report(changes, POLICY, start=start, end=day_bounds(days[-1], zone)[1],
                   until=until)
    parts = [day_report(changes, POLICY, d, tz=zone, until=until) for d in days]
    total = parts[0]
    for part in parts[1:]:
        total = total + part
    assert whole == total


@given(steps=steps, zone=st.sampled_from(ZONES), first=st.sampled_from(STARTS))
def test_times_add_up_over_days_even_with_the_default_until(
        steps: list[tuple[int, str, str, str]], zone: str, first: date) -> None:
    """With each report's own default ``until`` (its end), the times and counts still add up."""
    start, _ = day_bounds(first, zone)
    clock = ManualClock(start + hours(3))
    tracker = Tracker(POLICY, clock=clock)
    tracker.register("ana")
    for gap, _agent, kind, call in steps:
        clock.advance(gap)
        with contextlib.suppress(AgentStateError):
            tracker.apply(_event(kind, "ana", call))
    changes = tracker.history("ana")
    last = date.fromisoformat(clock.now().in_timezone(zone).to_date_string())
    days = [first + timedelta(days=n) for n in range((last - first).days + 2)]
    whole = report(changes, POLICY, start=start, end=day_bounds(days[-1], zone)[1])
    total = day_report(changes, POLICY, days[0], tz=zone)
    for d in days[1:]:
        total = total + day_report(changes, POLICY, d, tz=zone)
    assert whole == total


# -- export --------------------------------------------------------------------------------------


def test_json_export_holds_the_whole_report_in_seconds_and_iso_instants() -> None:
    """The JSON document is the report's ``as_dict``: seconds for durations, ISO instants."""
    result = day(calls().history, until=MIDNIGHT + hours(12) + minutes(5))
    data = json.loads(result.to_json())
    assert data == result.as_dict()
    assert MIDNIGHT.isoformat() == data["start"]
    assert 600.0 == data["interactions"][0]["talk_time_s"]
    assert "completed" == data["interactions"][0]["outcome"]
    assert 4 == data["counts"]["offered"]
    assert set(data["by_occupation"]) == {o.value for o in Occupation}


def test_summary_csv_has_a_row_per_report_and_a_column_per_status() -> None:
    """One row per agent report, with a column for every status, reason, bucket, occupation."""
    each = agent_reports(team(), POLICY, start=MIDNIGHT, end=NEXT_MIDNIGHT)
    rows = list(csv.DictReader(io.StringIO(summary_csv(each.values()))))
    assert ["ana", "bob"] == [row["agents"] for row in rows]
    assert "900.0" == rows[0]["status:break"]
    assert "1800.0" == rows[0]["bucket:Lunch"]
    assert "0.0" == rows[1]["reason:coffee"]
    assert "occupation:on_interaction" in rows[0]


def test_sessions_and_interactions_export_as_csv() -> None:
    """Sessions and interactions export one row each; an open end is an empty cell."""
    result = day(calls().history, until=MIDNIGHT + hours(12) + minutes(5))
    sessions = list(csv.DictReader(io.StringIO(sessions_csv([result]))))
    interactions = list(csv.DictReader(io.StringIO(interactions_csv([result]))))
    assert [("ana", "")] == [(row["agent"], row["end"]) for row in sessions]
    assert ["c1", "c2", "c3", "c4"] == [row["interaction"] for row in interactions]
    assert "" == interactions[3]["ended_at"]


def test_reports_are_frozen_values() -> None:
    """A report cannot be changed after it is computed; equal reports are equal and hash."""
    result = day(morning().history)
    with pytest.raises(AttributeError):
        result.logged_in = timedelta(0)  # type: ignore[misc]
    assert result == day(morning().history)
    assert hash(result) == hash(day(morning().history))


def test_the_role_of_the_actor_does_not_change_the_figures() -> None:
    """Reports read what happened, not who did it: a supervisor's lunch counts as lunch (the
    state known until midnight: ``until`` given)."""
    history = (Day().at(hours(9), login)
               .at(hours(10), lambda a: SetStatus(agent=a, status="lunch",
                                                  actor=Actor(Role.SYSTEM)))
               .history)
    assert hours(14) == day(history, until=NEXT_MIDNIGHT).by_status["lunch"]


# -- a vendor's worked example -------------------------------------------------------------------

ACW = Path(__file__).parents[2] / "shared" / "data" / "amazon-connect-acw"


def instant(text: str) -> datetime:
    """An Amazon Connect timestamp (ISO 8601, ``Z`` for UTC)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.mark.skipif(not (ACW / "acw_example_events.jsonl").exists(),
                    reason=f"the Amazon Connect example is not available at {ACW}")
def test_after_contact_work_time_is_the_wrap_up_occupation_time() -> None:
    """Amazon Connect's documented example: the contact is connected at 18:55:21.011, ENDED at
    18:55:27.017, and after-contact work lasts until the snapshot without contacts at
    18:55:32.022: the report has 6.006 s on the interaction and 5.005 s of wrap-up."""
    first, second = (json.loads(line) for line in
                     (ACW / "acw_example_events.jsonl").read_text().splitlines() if line.strip())
    expected = json.loads((ACW / "expected.json").read_text())["expected"]["ContactId-1"]
    (contact,) = first["CurrentAgentSnapshot"]["Contacts"]
    status_since = instant(first["CurrentAgentSnapshot"]["AgentStatus"]["StartTimestamp"])
    connected = instant(contact["ConnectedToAgentTimestamp"])
    ended = instant(contact["StateStartTimestamp"])
    free = instant(second["EventTimestamp"])
    assert [] == second["CurrentAgentSnapshot"]["Contacts"]

    policy = site_policy(WrapUp(mode=WrapUpMode.MANDATORY))
    clock = ManualClock(status_since)
    tracker = Tracker(policy, clock=clock)
    tracker.register("agent")
    tracker.apply(Login(agent="agent", queues=(contact["Queue"]["Name"],)))
    clock.set(connected)
    call = contact["ContactId"]
    tracker.apply(InteractionOffered(agent="agent", interaction=call,
                                     queue=contact["Queue"]["Name"]))
    tracker.apply(InteractionAnswered(agent="agent", interaction=call))
    clock.set(ended)
    tracker.apply(InteractionEnded(agent="agent", interaction=call))
    clock.set(free)
    tracker.apply(EndWrapUp(agent="agent"))

    result = report(tracker.history("agent"), policy, start=status_since, end=free)
    assert timedelta(seconds=expected["acw_seconds"]) == result.by_occupation[Occupation.WRAP_UP]
    assert timedelta(seconds=6.006) == result.by_occupation[Occupation.ON_INTERACTION]
    assert result.by_occupation[Occupation.WRAP_UP] + timedelta(seconds=6.006) == result.handling


def test_overrun_per_reason_is_reported_day_by_day() -> None:
    """Lunch (30 min a day) taken for 45 min on two days: 15 min overrun each day, and the
    two-day report's overrun is the sum of its days'."""
    import attrs as _attrs
    import pendulum as _pendulum

    from agentstate import DayRule, Login, ManualClock, SetStatus, Tracker, day_report
    from agentstate import report as _report
    from agentstate.presets import basic as _basic

    policy = _attrs.evolve(_basic(), day=DayRule(timezone="Europe/Berlin"))
    clock = ManualClock(_pendulum.datetime(2026, 1, 5, 12, tz="Europe/Berlin"))
    tracker = Tracker(policy, clock=clock)
    tracker.register("a1")
    tracker.apply(Login(agent="a1"))
    for _day in range(2):
        tracker.apply(SetStatus(agent="a1", status="lunch"))
        clock.advance(minutes=45)
        tracker.apply(SetStatus(agent="a1", status="available"))
        clock.advance(hours=23, minutes=15)
    history = list(tracker.history("a1"))
    first = day_report(history, policy, _pendulum.date(2026, 1, 5), until=clock.now())
    second = day_report(history, policy, _pendulum.date(2026, 1, 6), until=clock.now())
    both = _report(history, policy, start=first.start, end=second.end, until=clock.now())
    assert timedelta(minutes=15) == first.overrun["lunch"] == second.overrun["lunch"]
    assert timedelta(minutes=30) == both.overrun["lunch"]
    assert 900.0 == first.as_dict()["overrun"]["lunch"]


# -- hold, transfer, direction: handle time (issue 13.6, 13.7) -------------------------------------


def handled_day() -> Tracker:
    """One agent's day with 30 s of timed wrap-up after queue and outbound work: a queue call
    with a hold, an outbound call, a queue call transferred attended, one transferred blind,
    and a direct call (no wrap-up)."""
    policy = attrs.evolve(site_policy(WrapUp(mode=WrapUpMode.TIMED, length=30)),
                          wrap_up_directions={Direction.QUEUE, Direction.OUTBOUND})
    clock = ManualClock(MIDNIGHT + hours(8))
    tracker = Tracker(policy, clock=clock)
    tracker.register("ana")
    script: list[tuple[timedelta, Event]] = [
        (hours(9), Login(agent="ana", queues=("sales",))),
        (hours(9), InteractionOffered(agent="ana", interaction="c1", queue="sales")),
        (hours(9) + minutes(0.5), InteractionAnswered(agent="ana", interaction="c1")),
        (hours(9) + minutes(2.5), InteractionHeld(agent="ana", interaction="c1")),
        (hours(9) + minutes(3.5), InteractionResumed(agent="ana", interaction="c1")),
        (hours(9) + minutes(6.5), InteractionEnded(agent="ana", interaction="c1")),
        (hours(10), InteractionStarted(agent="ana", interaction="o1")),
        (hours(10) + minutes(4), InteractionEnded(agent="ana", interaction="o1")),
        (hours(11), InteractionOffered(agent="ana", interaction="c2", queue="sales")),
        (hours(11) + minutes(0.25), InteractionAnswered(agent="ana", interaction="c2")),
        (hours(11) + minutes(3), InteractionTransferred(agent="ana", interaction="c2",
                                                        kind="attended", target="200")),
        (hours(11) + minutes(4), InteractionEnded(agent="ana", interaction="c2")),
        (hours(12), InteractionOffered(agent="ana", interaction="c3", queue="sales")),
        (hours(12) + minutes(0.5), InteractionAnswered(agent="ana", interaction="c3")),
        (hours(12) + minutes(1), InteractionTransferred(agent="ana", interaction="c3",
                                                        kind=TransferKind.BLIND)),
        (hours(13), InteractionOffered(agent="ana", interaction="d1")),
        (hours(13) + minutes(0.5), InteractionAnswered(agent="ana", interaction="d1")),
        (hours(13) + minutes(2.5), InteractionEnded(agent="ana", interaction="d1")),
        (hours(17), Logout(agent="ana")),
    ]
    for offset, event in script:
        clock.set(MIDNIGHT + offset)
        tracker.apply(event)
    return tracker


def test_handle_time_is_talk_hold_and_wrap_up_and_the_day_adds_them_up() -> None:
    """Handle time = talk + hold + wrap-up for every interaction of the day, and the day
    report's totals are the sums over its interactions (seed 002: attended transfer "places
    the customer on hold")."""
    tracker = handled_day()
    rep = day_report(tracker.history("ana"), tracker.policy, DAY)
    seconds = {r.interaction: (r.talk_time.total_seconds() if r.talk_time else None,
                               r.hold_time.total_seconds(), r.wrap_up_time.total_seconds(),
                               r.direction.value, r.transfer and r.transfer.value)
               for r in rep.interactions}
    assert {"c1": (300.0, 60.0, 30.0, "queue", None),
            "o1": (240.0, 0.0, 30.0, "outbound", None),
            "c2": (165.0, 60.0, 30.0, "queue", "attended"),
            "c3": (30.0, 0.0, 30.0, "queue", "blind"),
            "d1": (120.0, 0.0, 0.0, "direct", None)} == seconds
    for record in rep.interactions:
        assert record.handle_time == (record.talk_time or ZERO) + record.hold_time \
            + record.wrap_up_time
    assert (sum((r.talk_time or ZERO for r in rep.interactions), ZERO),
            sum((r.hold_time for r in rep.interactions), ZERO),
            sum((r.wrap_up_time for r in rep.interactions), ZERO),
            sum((r.handle_time for r in rep.interactions), ZERO)) == (
        rep.talk_time, rep.hold_time, rep.wrap_up_time, rep.handle_time)
    assert rep.by_occupation[Occupation.WRAP_UP] == rep.wrap_up_time


def test_counts_by_direction_and_transfers_by_kind() -> None:
    """Inbound queue, direct and outbound interactions count apart; transfers by kind."""
    tracker = handled_day()
    counts = day_report(tracker.history("ana"), tracker.policy, DAY).counts
    assert (3, 1, 1, 1, 1, 0) == (counts.queue, counts.direct, counts.outbound,
                                  counts.blind_transfers, counts.attended_transfers,
                                  counts.live_transfers)


def test_handle_time_per_agent_adds_up_over_days() -> None:
    """Per agent and per day: the report over two days is the sum of the days' reports."""
    tracker = handled_day()
    history = tracker.history("ana")
    until = NEXT_MIDNIGHT + hours(24)
    both = report(history, tracker.policy, start=MIDNIGHT, end=until, until=until)
    days = (day_report(history, tracker.policy, DAY, until=until)
            + day_report(history, tracker.policy, date(2026, 1, 6), until=until))
    assert (both.handle_time, both.counts) == (days.handle_time, days.counts)
    assert both.handle_time == agent_reports(history, tracker.policy, start=MIDNIGHT,
                                             end=until, until=until)["ana"].handle_time
