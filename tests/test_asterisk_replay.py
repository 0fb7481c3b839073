"""Replaying the real PBXware capture reproduces the PBX's own figures within one second.

The capture (``../shared/data/pbxware-2018``, read-only, never copied into the project) is a real
production queue_log: 1,000 lines, six callback agents, Asterisk restarts in the middle of
sessions, an outbound call overlapping a queue call, and agents and calls still open when it
ends. ``expected_figures.DERIVED.json`` holds the figures the PBX itself wrote into the log.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pendulum
import pytest

from agentstate import Occupation
from agentstate._report import InteractionOutcome, Report, day_bounds, day_report, report
from agentstate.adapters import asterisk
from agentstate.adapters.asterisk import CallOutcome, NoteKind

SHARED = Path(os.environ.get("AGENTSTATE_SHARED_DATA",
                             Path(__file__).parents[2] / "shared" / "data"))
"""The shared real data: beside the checkout in CI, or where ``AGENTSTATE_SHARED_DATA`` says."""
DATA = SHARED / "pbxware-2018"
LOG = DATA / "queue_log.asterisk-format.DERIVED.txt"
EXPECTED = DATA / "expected_figures.DERIVED.json"
SITE = "America/New_York"
"""The capture's local time is UTC-5 in November and December."""
SECOND = timedelta(seconds=1)

pytestmark = pytest.mark.skipif(
    not (LOG.exists() and EXPECTED.exists()),
    reason=f"the real PBX capture is not available at {DATA} (shared data, not shipped)")


@pytest.fixture(scope="module")
def log() -> asterisk.QueueLog:
    with LOG.open() as lines:
        return asterisk.read(lines)


@pytest.fixture(scope="module")
def expected() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(EXPECTED.read_text())
    return data


@pytest.fixture(scope="module")
def replay(log: asterisk.QueueLog) -> asterisk.Replay:
    return asterisk.replay(log)


@pytest.fixture(scope="module")
def whole(replay: asterisk.Replay) -> Report:
    return replay.report()


def agent(member: str) -> str:
    return asterisk.member_agent(member)


def close(a: timedelta | None, b: timedelta) -> bool:
    return a is not None and abs(a - b) <= SECOND


def test_the_capture_replays_without_a_single_problem(log: asterisk.QueueLog,
                                                      replay: asterisk.Replay) -> None:
    """Every line parses and every event it maps to is accepted."""
    assert 1000 == len(log.records)
    assert () == log.notes
    assert () == replay.problems


def test_only_outbound_calls_and_ends_of_cut_calls_are_skipped(replay: asterisk.Replay) -> None:
    """PBXware's OUT* events are skipped (257 lines); so are the COMPLETE lines of the two
    calls the replay ended when their agent logged off during them."""
    skipped = Counter(n.event for n in replay.skipped)
    outbound = sum(n for event, n in skipped.items() if event and event.startswith("OUT"))
    assert 128 + 77 + 24 + 18 + 9 + 1 == outbound
    assert {"COMPLETECALLER": 1, "COMPLETEAGENT": 1} == {
        e: n for e, n in skipped.items() if e and not e.startswith("OUT")}


def test_a_strict_replay_of_the_capture_succeeds(log: asterisk.QueueLog) -> None:
    """Nothing in the capture is an error, so strict mode replays it whole."""
    result = asterisk.replay(log, strict=True)
    assert 6 == len(result.tracker.agents())


def test_every_login_session_lasts_what_the_pbx_logged(
        whole: Report, expected: dict[str, Any]) -> None:
    """Each of the 10 sessions ends at its AGENTCALLBACKLOGOFF and lasts its logintime, within
    1 s, including 1144's 21-hour session across two Asterisk restarts."""
    targets = expected["login_sessions_from_AGENTCALLBACKLOGIN_LOGOFF"]
    found = []
    for target in targets:
        end = pendulum.from_timestamp(target["logoff_t"])
        (session,) = [s for s in whole.sessions
                      if s.agent == agent(target["agent"]) and s.end == end]
        found.append(close(session.length, timedelta(seconds=target["logintime_field_s"])))
    assert [True] * 10 == found


def test_the_sessions_the_log_leaves_open_are_open_in_the_report(
        whole: Report, expected: dict[str, Any]) -> None:
    """The four agents still logged in when the extract ends have open sessions that began at
    their last login."""
    still = expected["agents_still_logged_in_at_end_of_extract"]
    open_sessions = {s.agent: s.start for s in whole.sessions if s.open}
    assert {agent(a): pendulum.from_timestamp(t) for a, t in still.items()} == open_sessions


def test_every_hold_time_is_the_time_since_enterqueue(log: asterisk.QueueLog,
                                                      replay: asterisk.Replay) -> None:
    """For each of the 93 CONNECTs, the replayed caller's hold time is the PBX's holdtime."""
    calls = {(c.callid, c.connected_at): c for c in replay.calls}
    connects = [r for r in log.records if isinstance(r, asterisk.Connect)]
    assert 93 == len(connects)
    assert [True] * 93 == [close(calls[(r.callid, r.time)].hold_time, r.hold_time)
                           for r in connects]


def test_every_talk_time_is_the_pbxs_calltime(log: asterisk.QueueLog,
                                              replay: asterisk.Replay) -> None:
    """For each of the 91 calls that ended (COMPLETE* or a transfer), the replayed talk time
    is the PBX's calltime within 1 s."""
    calls = {(c.callid, c.ended_at): c for c in replay.calls}
    ends = [r for r in log.records if isinstance(r, asterisk.Complete | asterisk.Transfer)]
    assert 91 == len(ends)
    assert [True] * 91 == [close(calls[(r.callid, r.time)].talk_time, r.talk_time)
                           for r in ends]


def test_agent_reports_show_the_same_talk_times_except_after_a_logoff(
        log: asterisk.QueueLog, replay: asterisk.Replay, whole: Report) -> None:
    """The agents' own interactions carry the PBX's calltime too, except for the two calls
    whose agent logged off while talking: agentstate ends an agent's calls when it logs out,
    so those end at the logoff (the caller side above keeps the whole call)."""
    answered = {(i.agent, i.interaction): i for i in whole.interactions if i.answered_at}
    cut = {n.line for n in replay.notes if n.kind is NoteKind.ADJUSTED
           and "logged off" in n.message}
    mismatched = []
    for record in log.records:
        if isinstance(record, asterisk.Complete | asterisk.Transfer):
            item = answered[(agent(record.member), record.callid)]
            if not close(item.talk_time, record.talk_time):
                mismatched.append((item.agent, item.interaction))
    assert [("1141", "1543856502.2350"), ("1144", "1543936185.1258")] == mismatched
    assert {405, 892} == cut


def test_the_calls_connected_at_the_end_are_open(whole: Report, replay: asterisk.Replay,
                                                 expected: dict[str, Any]) -> None:
    """Two calls are still connected when the extract ends: open, in both views."""
    ids = set(expected["queue_calls_connected_but_not_completed_in_extract"])
    assert ids == {i.interaction for i in whole.interactions
                   if i.outcome is InteractionOutcome.OPEN and i.answered_at}
    assert ids == {c.callid for c in replay.calls
                   if c.outcome is CallOutcome.OPEN and c.connected_at}


def test_per_agent_counts_and_sums_match_the_pbx(replay: asterisk.Replay,
                                                 expected: dict[str, Any]) -> None:
    """Per agent: calls connected, rings not answered and their total ring time, hold and talk
    time sums (±1 s per call), and how the calls ended."""
    reports = replay.agent_reports()
    ended = {"COMPLETEAGENT": CallOutcome.COMPLETED_BY_AGENT,
             "COMPLETECALLER": CallOutcome.COMPLETED_BY_CALLER}
    for member, figures in expected["per_agent"].items():
        mine = reports[agent(member)]
        calls = [c for c in replay.calls if c.agent == agent(member) and c.connected_at]
        assert figures["queue_calls_connected"] == mine.counts.answered == len(calls)
        assert figures["ringnoanswer_count"] == mine.counts.missed
        rings = sum((i.ring_time for i in mine.interactions
                     if i.outcome is InteractionOutcome.MISSED), timedelta(0))
        assert timedelta(milliseconds=figures["ringnoanswer_ms_sum"]) == rings
        holds = sum((c.hold_time or timedelta(0) for c in calls), timedelta(0))
        assert timedelta(seconds=figures["holdtime_s_sum"]) == holds
        talks = sum((c.talk_time or timedelta(0) for c in calls), timedelta(0))
        assert abs(talks - timedelta(seconds=figures["queue_talktime_s_sum"])) <= len(
            calls) * SECOND
        for event, outcome in ended.items():
            key = f"queue_calls_ended_{event}"
            assert figures.get(key, 0) == sum(1 for c in calls if c.outcome is outcome)


def test_the_whole_capture_is_the_sum_of_its_days(replay: asterisk.Replay) -> None:
    """The report over the capture's local days equals the sum of its day reports."""
    assert replay.start is not None
    assert replay.end is not None
    first = pendulum.instance(replay.start).in_timezone(SITE).date()
    last = pendulum.instance(replay.end).in_timezone(SITE).date()
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    history, policy = replay.history(), replay.tracker.policy
    start, end = day_bounds(days[0], SITE)[0], day_bounds(days[-1], SITE)[1]
    whole = report(history, policy, start=start, end=end, until=replay.end)
    total = day_report(history, policy, days[0], tz=SITE, until=replay.end)
    for day in days[1:]:
        total = total + day_report(history, policy, day, tz=SITE, until=replay.end)
    assert date(2018, 11, 29) == first
    assert whole == total
    assert 93 == whole.counts.answered


def test_queue_log_transfers_are_interaction_transferred() -> None:
    """Issue 13: "The Asterisk queue_log adapter maps TRANSFER / BLINDTRANSFER /
    ATTENDEDTRANSFER to it": BLINDTRANSFER is blind to exten@context, ATTENDEDTRANSFER
    attended and completed at once."""
    from agentstate import InteractionTransferred
    from agentstate.adapters import replay_source

    log = ("1700000000|c0|sales|SIP/7|ADDMEMBER|\n"
           "1700000010|c1|sales|SIP/7|CONNECT|3|c1a|2\n"
           "1700000070|c1|sales|SIP/7|BLINDTRANSFER|102|default|3|60|1\n"
           "1700000100|c2|sales|SIP/7|CONNECT|1|c2a|2\n"
           "1700000200|c2|sales|SIP/7|ATTENDEDTRANSFER|BRIDGE|b1|1|100|1\n"
           "1700003600|c9|sales|SIP/7|REMOVEMEMBER|\n")
    result = replay_source("queue_log", log)
    transfers = [(c.event.kind.value, c.event.target) for c in result.tracker.history("7")
                 if isinstance(c.event, InteractionTransferred)]
    counts = result.report().counts
    assert ([("blind", "102@default"), ("attended", None)], 1, 1, ()) == (
        transfers, counts.blind_transfers, counts.attended_transfers, result.problems)


def test_the_cli_report_of_the_replayed_store_stops_at_its_last_change(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], replay: asterisk.Replay) -> None:
    """Issue 14: "`agentstate report` over a replayed store counts open states to the end of
    the range (8:38:54 on calls where the PBX's own figure is 1:39:46)". Read after the fact,
    the store knows nothing past its last recorded change, so the two calls still connected when
    the extract ends count up to it: agent 1109's on-call time is the replay's own 1:39:46
    (±1 s, whole seconds) but for the 11 s between the last change (12:00:40) and the last
    line (an ENTERQUEUE, 12:00:51), not 13:38:54 to the end of the day; every agent's figures
    equal the replay's report read up to that last change."""
    from agentstate._cli import main

    db = str(tmp_path / "replayed.sqlite3")
    assert 0 == main(["replay", str(LOG), "--db", db, "--tz", SITE, "--json"])
    capsys.readouterr()
    assert 0 == main(["report", "--db", db, "--tz", SITE, "--from", "2018-11-29T16:34:49",
                      "--to", "2018-12-05T00:00", "--json"])
    printed = json.loads(capsys.readouterr().out)
    on_calls = {name: timedelta(seconds=rep["by_occupation"]["on_interaction"])
                for name, rep in printed.items()}
    history = replay.history()
    last = max(c.at for c in history)
    assert replay.end is not None
    assert timedelta(seconds=11) == replay.end - last
    start, end = day_bounds(date(2018, 11, 29), SITE)[0], day_bounds(date(2018, 12, 4), SITE)[1]
    read_back = report(history, replay.tracker.policy, start=start, end=end)
    live = replay.agent_reports()
    assert close(live["1109"].by_occupation[Occupation.ON_INTERACTION],
                 timedelta(hours=1, minutes=39, seconds=46))
    assert close(on_calls["1109"], timedelta(hours=1, minutes=39, seconds=35))
    for name, mine in on_calls.items():
        open_calls = sum(1 for i in live[name].interactions
                         if i.outcome is InteractionOutcome.OPEN and i.answered_at)
        gap = live[name].by_occupation[Occupation.ON_INTERACTION] - mine
        assert timedelta(seconds=11) * open_calls == gap
    assert sum(on_calls.values(), timedelta(0)) == read_back.by_occupation[
        Occupation.ON_INTERACTION]
