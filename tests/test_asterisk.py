"""The Asterisk queue_log adapter: parsing lines into records, and mapping records to events."""

from __future__ import annotations

from datetime import timedelta

import pendulum
import pytest

from agentstate import (
    AgentStateError,
    InteractionAnswered,
    InteractionMissed,
    InteractionOffered,
    ManualClock,
    Occupation,
    PauseReason,
    SystemClock,
    Tracker,
)
from agentstate._report import InteractionOutcome
from agentstate.adapters import asterisk
from agentstate.adapters.asterisk import (
    NO_REASON,
    CallOutcome,
    NoteKind,
    QueueLogError,
    Restart,
)

T = 1_700_000_000
"""The logs below start here (2023-11-14 22:13:20 UTC)."""


def at(seconds: float) -> pendulum.DateTime:
    return pendulum.from_timestamp(T).add(microseconds=int(seconds * 1_000_000))


def lines(*rows: str) -> list[str]:
    """Log lines from rows written with offsets: ``"+10|c1|q|Agent/7|CONNECT|..."``."""
    out = []
    for row in rows:
        offset, rest = row.split("|", 1)
        out.append(f"{T + int(offset)}|{rest}\n")
    return out


def seconds(n: float) -> timedelta:
    return timedelta(seconds=n)


LOGIN = ("0|c0|sales|Local/7@agents|ADDMEMBER|", "0|c0|NONE|Agent/7|AGENTCALLBACKLOGIN|7@default")
LOGOFF = ("+3600|c9|sales|Local/7@agents|REMOVEMEMBER|",
          "+3600|c9|NONE|Agent/7|AGENTCALLBACKLOGOFF|7@default|3600|")


def statuses(replay: asterisk.Replay, agent: str = "7") -> list[tuple[str, str | None]]:
    """The agent's status timeline: each change of status or reason, in order."""
    timeline: list[tuple[str, str | None]] = []
    for change in replay.tracker.history(agent):
        if not timeline or timeline[-1] != (change.to_status, change.to_reason):
            timeline.append((change.to_status, change.to_reason))
    return timeline


# -- parsing -------------------------------------------------------------------------------------


def test_connect_is_read_with_hold_bridged_and_ring_times() -> None:
    """CONNECT's data is holdtime|bridged uniqueid|ringtime, in seconds."""
    record = asterisk.parse_line(f"{T}|c1|sales|Agent/7|CONNECT|12|b1|4", line=3)
    assert asterisk.Connect(line=3, time=at(0), callid="c1", queue="sales", member="Agent/7",
                            event="CONNECT", hold_time=seconds(12), bridged="b1",
                            ring_time=seconds(4)) == record


def test_ring_no_answer_is_read_in_milliseconds() -> None:
    """RINGNOANSWER's ring time is in milliseconds."""
    record = asterisk.parse_line(f"{T}|c1|sales|Agent/7|RINGNOANSWER|9500")
    assert isinstance(record, asterisk.RingNoAnswer)
    assert seconds(9.5) == record.ring_time


@pytest.mark.parametrize(("event", "by_caller"), [("COMPLETEAGENT", False),
                                                  ("COMPLETECALLER", True)])
def test_complete_says_who_hung_up_with_hold_and_talk_times(event: str, by_caller: bool
                                                            ) -> None:
    """COMPLETE* data is holdtime|calltime|origposition."""
    record = asterisk.parse_line(f"{T}|c1|sales|Agent/7|{event}|12|300|2")
    assert isinstance(record, asterisk.Complete)
    assert (by_caller, seconds(12), seconds(300), 2) == (
        record.by_caller, record.hold_time, record.talk_time, record.position)


@pytest.mark.parametrize(("data", "target"), [
    ("BLINDTRANSFER|1142|transfer|6|38|1", "1142"),
    ("ATTENDEDTRANSFER|BRIDGE|b9|6|38|1", "BRIDGE"),
    ("ATTENDEDTRANSFER|||6|38|1", ""),
    ("TRANSFER|1142|default|6|38|1", "1142"),
])
def test_transfers_are_read_with_their_hold_and_talk_times(data: str, target: str) -> None:
    """Every transfer kind has two leading fields, then holdtime|calltime|origposition."""
    record = asterisk.parse_line(f"{T}|c1|sales|Agent/7|{data}")
    assert isinstance(record, asterisk.Transfer)
    assert (target, seconds(6), seconds(38), 1) == (record.target, record.hold_time,
                                                    record.talk_time, record.position)


def test_caller_side_events_are_read() -> None:
    """ENTERQUEUE gives the caller id; ABANDON and EXITWITHKEY the wait time."""
    enter = asterisk.parse_line(f"{T}|c1|sales|NONE|ENTERQUEUE||5551234|1")
    abandon = asterisk.parse_line(f"{T}|c1|sales|NONE|ABANDON|1|2|45")
    key = asterisk.parse_line(f"{T}|c1|sales|NONE|EXITWITHKEY|5|1|1|30")
    assert isinstance(enter, asterisk.EnterQueue)
    assert ("5551234", 1) == (enter.caller, enter.position)
    assert isinstance(abandon, asterisk.CallerExit)
    assert (1, 2, seconds(45)) == (abandon.position, abandon.original_position,
                                   abandon.wait_time)
    assert isinstance(key, asterisk.CallerExit)
    assert ("5", seconds(30)) == (key.key, key.wait_time)


def test_member_events_are_read() -> None:
    """ADDMEMBER may be PAUSED; a callback logoff carries the PBX's session length."""
    paused = asterisk.parse_line(f"{T}|MANAGER|sales|SIP/7|ADDMEMBER|PAUSED")
    logoff = asterisk.parse_line(
        f"{T}|c1|NONE|Agent/7|AGENTCALLBACKLOGOFF|hint:7@default|25195|Autologoff")
    pause = asterisk.parse_line(f"{T}|NONE|NONE|SIP/7|PAUSEALL|Lunch")
    assert isinstance(paused, asterisk.AddMember)
    assert paused.paused
    assert isinstance(logoff, asterisk.AgentLogoff)
    assert (seconds(25195), "Autologoff", True) == (logoff.login_time, logoff.reason,
                                                    logoff.callback)
    assert isinstance(pause, asterisk.Pause)
    assert ("Lunch", True) == (pause.reason, pause.all_queues)


def test_fractional_epoch_times_are_read_to_the_microsecond() -> None:
    """Some builds log ``time`` with a fraction."""
    record = asterisk.parse_line(f"{T}.25|NONE|NONE|NONE|QUEUESTART|")
    assert isinstance(record, asterisk.QueueStart)
    assert at(0.25) == record.time


def test_pbxware_outbound_events_are_records_with_nothing_to_replay() -> None:
    """OUTDIAL and the rest of PBXware's OUT* family parse as ``Other``."""
    record = asterisk.parse_line(f"{T}|c1|NONE|Agent/7|OUTDIAL|5551234||0|0")
    assert asterisk.Other(line=1, time=at(0), callid="c1", queue="NONE", member="Agent/7",
                          event="OUTDIAL", data=("5551234", "", "0", "0")) == record


@pytest.mark.parametrize(("text", "kind", "words"), [
    ("1700000000|c1|sales", NoteKind.MALFORMED, "expected time|callid"),
    ("yesterday|c1|sales|Agent/7|CONNECT|1|b|1", NoteKind.MALFORMED, "epoch seconds"),
    ("1700000000|c1|sales|Agent/7|CONNECT|soon|b|1", NoteKind.MALFORMED, "holdtime"),
    ("1700000000|c1|sales|Agent/7|RINGNOANSWER|", NoteKind.MALFORMED, "ringtime"),
    ("1700000000|c1|sales|Agent/7||", NoteKind.MALFORMED, "EVENT field is empty"),
    ("1700000000|c1|sales|Agent/7|TELEPORT|1", NoteKind.UNKNOWN_EVENT, "TELEPORT"),
])
def test_a_bad_line_raises_a_typed_error_naming_the_line(text: str, kind: NoteKind,
                                                         words: str) -> None:
    """parse_line raises QueueLogError (an AgentStateError and ValueError) with the line."""
    with pytest.raises(QueueLogError) as caught:
        asterisk.parse_line(text, line=42)
    assert (42, kind) == (caught.value.line, caught.value.kind)
    assert words in str(caught.value)
    assert str(caught.value).startswith("line 42: ")
    assert isinstance(caught.value, AgentStateError)
    assert isinstance(caught.value, ValueError)


BAD_LOG = ["garbage\n", "\n", f"{T}|NONE|NONE|NONE|QUEUESTART|\n",
           f"{T}|c1|sales|Agent/7|TELEPORT|1\n"]


def test_read_notes_bad_lines_with_their_numbers_and_skips_them() -> None:
    """Bad lines are noted (line number, kind) and skipped; blank lines are ignored."""
    log = asterisk.read(BAD_LOG)
    assert [3] == [r.line for r in log.records]
    assert [(1, NoteKind.MALFORMED), (4, NoteKind.UNKNOWN_EVENT)] == [
        (n.line, n.kind) for n in log.notes]


def test_read_strict_raises_on_the_first_bad_line() -> None:
    """With strict=True the first bad line is fatal."""
    with pytest.raises(QueueLogError) as caught:
        asterisk.read(BAD_LOG, strict=True)
    assert 1 == caught.value.line


def test_the_pause_reasons_of_a_log_are_collected_in_order() -> None:
    """Asterisk's reasons are free text: the log says which there are."""
    log = asterisk.read(lines("0|NONE|sales|SIP/7|PAUSE|Lunch",
                              "+1|NONE|sales|SIP/8|PAUSE|",
                              "+2|NONE|NONE|SIP/8|PAUSEALL|Tea Break",
                              "+3|NONE|sales|SIP/7|UNPAUSE|Lunch"))
    assert ("Lunch", "Tea Break") == log.pause_reasons


# -- the policy and agent ids ---------------------------------------------------------------------


def test_the_asterisk_policy_has_three_statuses_and_takes_the_given_reasons() -> None:
    """logged_out, available (routable) and paused (the reasons plus NO_REASON)."""
    policy = asterisk.policy(reasons=["Lunch", PauseReason(code="Tea Break", paid=True)])
    assert ["logged_out", "available", "paused"] == [s.name for s in policy.statuses]
    assert [False, True, False] == [s.routable for s in policy.statuses]
    assert ("Lunch", "Tea Break", NO_REASON) == policy.status("paused").reasons
    assert policy.reason("Tea Break").paid
    assert 2 == policy.channel("voice").capacity


@pytest.mark.parametrize(("member", "agent"), [
    ("Agent/1127", "1127"), ("Local/1127@callback-agent", "1127"),
    ("Local/1127@from-queue/n", "1127"), ("SIP/1127", "1127"), ("Alice", "Alice")])
def test_members_map_to_agent_ids(member: str, agent: str) -> None:
    """Interfaces and agent channels of the same extension are the same agent."""
    assert agent == asterisk.member_agent(member)


# -- sessions ------------------------------------------------------------------------------------


def test_a_callback_login_and_logoff_make_one_session() -> None:
    """ADDMEMBER and AGENTCALLBACKLOGIN log in once; REMOVEMEMBER then the logoff log out."""
    result = asterisk.replay(lines(*LOGIN, *LOGOFF))
    (session,) = result.report().sessions
    assert ("7", at(0), at(3600), seconds(3600)) == (session.agent, session.start,
                                                      session.end, session.length)
    assert [("logged_out", None), ("available", None), ("logged_out", None)] == statuses(
        result)
    assert () == result.notes


def test_a_dynamic_member_stays_logged_in_until_it_leaves_its_last_queue() -> None:
    """Without agent logins, the session runs from the first ADDMEMBER to the last REMOVE."""
    result = asterisk.replay(lines("0|MANAGER|sales|SIP/7|ADDMEMBER|",
                                   "+5|MANAGER|support|SIP/7|ADDMEMBER|",
                                   "+60|MANAGER|sales|SIP/7|REMOVEMEMBER|",
                                   "+90|MANAGER|support|SIP/7|REMOVEMEMBER|"))
    (session,) = result.report().sessions
    assert (at(0), at(90)) == (session.start, session.end)


def test_a_member_added_paused_logs_in_paused() -> None:
    """ADDMEMBER ... PAUSED lands in ``paused`` with NO_REASON."""
    result = asterisk.replay(lines("0|MANAGER|sales|SIP/7|ADDMEMBER|PAUSED"))
    assert ("paused", NO_REASON) == statuses(result)[-1]


# -- pauses --------------------------------------------------------------------------------------


PAUSE_ALL = (*LOGIN,
             "+100|NONE|NONE|Agent/7|PAUSEALL|Lunch",
             "+100|NONE|sales|Agent/7|PAUSE|Lunch",
             "+100|NONE|support|Agent/7|PAUSE|Lunch",
             "+1900|NONE|NONE|Agent/7|UNPAUSEALL|",
             "+1900|NONE|sales|Agent/7|UNPAUSE|",
             "+1900|NONE|support|Agent/7|UNPAUSE|",
             *LOGOFF)


def test_pauseall_and_its_per_queue_pauses_count_the_time_once() -> None:
    """PAUSEALL is followed by one PAUSE per queue: 30 minutes of Lunch, counted once."""
    result = asterisk.replay(lines(*PAUSE_ALL))
    report = result.report()
    assert seconds(1800) == report.by_reason["Lunch"]
    assert seconds(1800) == report.by_status["paused"]
    assert seconds(1800) == report.unpaid_pause
    assert [("logged_out", None), ("available", None), ("paused", "Lunch"),
            ("available", None), ("logged_out", None)] == statuses(result)


def test_paid_pause_reasons_come_from_the_policy_given() -> None:
    """With a policy saying Lunch is paid, the pause is paid time."""
    policy = asterisk.policy(reasons=[PauseReason(code="Lunch", paid=True)])
    report = asterisk.replay(lines(*PAUSE_ALL), policy=policy).report()
    assert (seconds(1800), timedelta(0)) == (report.paid_pause, report.unpaid_pause)


def test_a_pause_without_reason_gets_no_reason() -> None:
    """PAUSE with an empty reason is a pause in NO_REASON: still in the pause totals."""
    result = asterisk.replay(lines(*LOGIN, "+10|NONE|sales|Agent/7|PAUSE|",
                                   "+70|NONE|sales|Agent/7|UNPAUSE|"))
    assert seconds(60) == result.report().by_reason[NO_REASON]


def test_a_pause_with_a_new_reason_changes_the_reason() -> None:
    """Paused for Lunch, then for Training: two pause intervals."""
    result = asterisk.replay(lines(*LOGIN, "+10|NONE|sales|Agent/7|PAUSE|Lunch",
                                   "+70|NONE|sales|Agent/7|PAUSE|Training"))
    assert [("paused", "Lunch"), ("paused", "Training")] == statuses(result)[-2:]


def test_a_reason_the_given_policy_lacks_is_refused_and_noted() -> None:
    """A pause reason not in the policy: agentstate refuses the event; the replay goes on."""
    result = asterisk.replay(lines(*LOGIN, "+10|NONE|sales|Agent/7|PAUSE|Nap"),
                             policy=asterisk.policy(reasons=["Lunch"]))
    (note,) = result.problems
    assert (3, NoteKind.REFUSED, "PAUSE") == (note.line, note.kind, note.event)
    assert "Nap" in note.message


# -- calls ---------------------------------------------------------------------------------------


ANSWERED = (*LOGIN,
            "+100|c1|sales|NONE|ENTERQUEUE||5551234|1",
            "+110|c1|sales|Agent/7|RINGNOANSWER|4000",
            "+120|c1|sales|Agent/7|CONNECT|20|b1|3",
            "+420|c1|sales|Agent/7|COMPLETECALLER|20|300|1")


def test_connect_is_an_offer_ring_time_before_and_an_answer() -> None:
    """CONNECT at t with ring r: offered at t - r, answered at t; COMPLETE ends it."""
    result = asterisk.replay(lines(*ANSWERED))
    events = [(type(c.event).__name__, c.at) for c in result.tracker.history("7")][4:]
    assert [("InteractionOffered", at(117)), ("InteractionAnswered", at(120)),
            ("InteractionEnded", at(420))] == events


def test_ring_no_answer_is_an_offer_missed_after_its_ring_time() -> None:
    """RINGNOANSWER at t with 4000 ms: offered at t - 4 s, missed at t."""
    result = asterisk.replay(lines(*ANSWERED))
    offered, missed = result.tracker.history("7")[2:4]
    assert isinstance(offered.event, InteractionOffered)
    assert isinstance(missed.event, InteractionMissed)
    assert (at(106), at(110)) == (offered.at, missed.at)
    assert (Occupation.OFFERED, Occupation.IDLE) == (offered.to_occupation,
                                                    missed.to_occupation)


def test_the_report_has_the_calls_ring_and_talk_times() -> None:
    """The agent report shows the missed ring and the call: 3 s ring, 300 s talk."""
    report = asterisk.replay(lines(*ANSWERED)).report()
    missed, call = report.interactions
    assert (InteractionOutcome.MISSED, seconds(4)) == (missed.outcome, missed.ring_time)
    assert (InteractionOutcome.COMPLETED, seconds(3), seconds(300)) == (
        call.outcome, call.ring_time, call.talk_time)
    assert (1, 1, 1) == (report.counts.missed, report.counts.answered, report.counts.completed)


def test_the_caller_side_has_hold_and_talk_times() -> None:
    """ENTERQUEUE -> CONNECT is the hold time; CONNECT -> COMPLETE the talk time."""
    (call,) = asterisk.replay(lines(*ANSWERED)).calls
    assert asterisk.QueueCall(callid="c1", queue="sales", caller="5551234",
                              entered_at=at(100), agent="7", connected_at=at(120),
                              ended_at=at(420), outcome=CallOutcome.COMPLETED_BY_CALLER) == call
    assert (seconds(20), seconds(20), seconds(300)) == (call.hold_time, call.wait_time,
                                                        call.talk_time)


@pytest.mark.parametrize("line", ["+420|c1|sales|Agent/7|BLINDTRANSFER|200|default|20|300|1",
                                  "+420|c1|sales|Agent/7|ATTENDEDTRANSFER|||20|300|1"])
def test_a_transfer_ends_the_agents_call(line: str) -> None:
    """A blind or attended transfer ends the agent's part of the call."""
    result = asterisk.replay(lines(*ANSWERED[:-1], line))
    assert CallOutcome.TRANSFERRED == result.calls[0].outcome
    assert seconds(300) == result.report().interactions[-1].talk_time


def test_a_cancelled_ring_is_an_offer_withdrawn() -> None:
    """RINGCANCELED (another member answered, or the caller hung up): offered, then withdrawn."""
    report = asterisk.replay(lines(*LOGIN, "+20|c1|sales|Agent/7|RINGCANCELED|2500")).report()
    (item,) = report.interactions
    assert (InteractionOutcome.WITHDRAWN, seconds(2.5), at(17.5)) == (
        item.outcome, item.ring_time, item.offered_at)
    assert 1 == report.counts.withdrawn


def test_a_pause_for_an_agent_never_logged_in_logs_it_in_first() -> None:
    """A static member pausing: logged in implicitly (noted), then paused."""
    result = asterisk.replay(lines("+10|NONE|sales|SIP/7|PAUSE|Lunch"))
    assert [("logged_out", None), ("available", None), ("paused", "Lunch")] == statuses(result)
    assert [NoteKind.ADJUSTED] == [n.kind for n in result.notes]


def test_callers_who_leave_without_an_agent_have_a_wait_time() -> None:
    """ABANDON, EXITWITHTIMEOUT, EXITEMPTY and EXITWITHKEY end the caller's wait."""
    result = asterisk.replay(lines("0|c1|sales|NONE|ENTERQUEUE||555|1",
                                   "+45|c1|sales|NONE|ABANDON|1|1|45",
                                   "+50|c2|sales|NONE|ENTERQUEUE||556|1",
                                   "+350|c2|sales|NONE|EXITWITHTIMEOUT|1|1|300",
                                   "+400|c3|sales|NONE|ENTERQUEUE||557|1",
                                   "+401|c3|sales|NONE|EXITEMPTY|1|1|1",
                                   "+500|c4|sales|NONE|ENTERQUEUE||558|1",
                                   "+520|c4|sales|NONE|EXITWITHKEY|0|1|1|20"))
    assert [(CallOutcome.ABANDONED, seconds(45)), (CallOutcome.TIMEOUT, seconds(300)),
            (CallOutcome.EMPTY, seconds(1)), (CallOutcome.KEY, seconds(20))] == [
        (c.outcome, c.wait_time) for c in result.calls]
    assert [None, None, None, None] == [c.hold_time for c in result.calls]


def test_overlapping_rings_are_replayed_in_time_order() -> None:
    """Rung for c1 from +6 to +16 and for c2 from +7 to +17 (logged at +16 and +17): both
    offers come before either miss, so no time is moved and nothing is refused."""
    result = asterisk.replay(lines(*LOGIN, "+16|c1|sales|Agent/7|RINGNOANSWER|10000",
                                   "+17|c2|sales|Agent/7|RINGNOANSWER|10000"))
    events = [(type(c.event).__name__, c.at) for c in result.tracker.history("7")][2:]
    assert [("InteractionOffered", at(6)), ("InteractionOffered", at(7)),
            ("InteractionMissed", at(16)), ("InteractionMissed", at(17))] == events
    assert () == result.notes


def test_an_offer_the_policy_cannot_hold_is_refused_and_noted() -> None:
    """With one voice slot, the second overlapping ring is refused: noted, not fatal."""
    policy = asterisk.policy(capacity=1)
    result = asterisk.replay(lines(*LOGIN, "+16|c1|sales|Agent/7|RINGNOANSWER|10000",
                                   "+17|c2|sales|Agent/7|RINGNOANSWER|10000"), policy=policy)
    (note,) = result.problems
    assert (4, NoteKind.REFUSED) == (note.line, note.kind)
    assert "voice slots 1/1" in note.message
    assert 1 == result.report().counts.missed


def test_strict_makes_a_refused_event_fatal() -> None:
    """With strict=True, the refusal raises QueueLogError naming the line."""
    with pytest.raises(QueueLogError) as caught:
        asterisk.replay(lines(*LOGIN, "+16|c1|sales|Agent/7|RINGNOANSWER|10000",
                              "+17|c2|sales|Agent/7|RINGNOANSWER|10000"),
                        policy=asterisk.policy(capacity=1), strict=True)
    assert (4, NoteKind.REFUSED) == (caught.value.line, caught.value.kind)


def test_a_call_for_an_agent_never_logged_in_logs_it_in_implicitly() -> None:
    """A static member has no login line: its first call logs it in, noted."""
    result = asterisk.replay(lines("+10|c1|sales|SIP/7|CONNECT|2|b1|5",
                                   "+70|c1|sales|SIP/7|COMPLETEAGENT|2|60|1"))
    (note,) = result.notes
    assert (1, NoteKind.ADJUSTED) == (note.line, note.kind)
    assert "implicitly" in note.message
    assert at(5) == result.report().sessions[0].start


def test_an_end_without_a_connect_is_skipped() -> None:
    """A COMPLETE for a call connected before the log began has nothing to end."""
    result = asterisk.replay(lines(*LOGIN, "+70|c1|sales|Agent/7|COMPLETEAGENT|2|60|1"))
    (note,) = result.notes
    assert (3, NoteKind.SKIPPED) == (note.line, note.kind)
    assert () == result.problems


def test_a_logoff_during_a_call_ends_the_agents_part_of_it() -> None:
    """agentstate logs out only agents without calls: the call ends at the logoff (noted),
    the later COMPLETE is skipped, and the caller side keeps the whole call."""
    result = asterisk.replay(lines(*LOGIN, "+100|c1|sales|Agent/7|CONNECT|2|b1|5",
                                   "+200|c9|sales|Local/7@agents|REMOVEMEMBER|",
                                   "+200|c9|NONE|Agent/7|AGENTCALLBACKLOGOFF|7@default|200|",
                                   "+400|c1|sales|Agent/7|COMPLETECALLER|2|300|1"))
    assert [(5, NoteKind.ADJUSTED), (6, NoteKind.SKIPPED)] == [(n.line, n.kind)
                                                              for n in result.notes]
    report = result.report()
    assert seconds(200) == report.sessions[0].length
    assert seconds(100) == report.interactions[0].talk_time
    assert seconds(300) == result.calls[0].talk_time


def test_an_outbound_call_is_skipped_and_leaves_the_queue_call_alone() -> None:
    """PBXware's OUTDIAL/OUTANSWER during a queue call are skipped, not problems."""
    result = asterisk.replay(lines(*ANSWERED[:-1],
                                   "+200|o1|NONE|Agent/7|OUTDIAL|5550000||0|0",
                                   "+210|o1|NONE|Agent/7|OUTANSWER|5550000|COMPLETEAGENT|2|8",
                                   ANSWERED[-1]))
    assert [(6, NoteKind.SKIPPED), (7, NoteKind.SKIPPED)] == [(n.line, n.kind)
                                                              for n in result.notes]
    assert () == result.problems
    assert seconds(300) == result.report().interactions[-1].talk_time


def test_unknown_and_malformed_lines_are_noted_and_the_replay_goes_on() -> None:
    """Bad lines are problems with their line numbers; the rest is replayed."""
    result = asterisk.replay([*lines(*LOGIN), "nonsense\n",
                              f"{T + 5}|c1|sales|Agent/7|TELEPORT|1\n", *lines(*LOGOFF)])
    assert [(3, NoteKind.MALFORMED), (4, NoteKind.UNKNOWN_EVENT)] == [
        (n.line, n.kind) for n in result.problems]
    assert 1 == len(result.report().sessions)


def test_an_agent_event_without_an_agent_is_malformed() -> None:
    """CONNECT needs an agent; NONE there is a problem."""
    result = asterisk.replay(lines("+10|c1|sales|NONE|CONNECT|2|b1|5"))
    assert [(1, NoteKind.MALFORMED)] == [(n.line, n.kind) for n in result.problems]


# -- restarts ------------------------------------------------------------------------------------


RESTART = (*LOGIN,
           "+100|c1|sales|NONE|ENTERQUEUE||5551234|1",
           "+105|c1|sales|Agent/7|CONNECT|5|b1|2",
           "+500|NONE|NONE|NONE|QUEUESTART|",
           "+501|MANAGER|sales|Local/7@agents|ADDMEMBER|",
           *LOGOFF)


def test_a_restart_keeps_sessions_and_ends_open_calls() -> None:
    """By default QUEUESTART ends calls (noted) and the session runs on: the re-adding
    ADDMEMBER changes nothing, and the PBX's 3600 s session is reproduced."""
    result = asterisk.replay(lines(*RESTART))
    report = result.report()
    (session,) = report.sessions
    assert seconds(3600) == session.length
    assert seconds(395) == report.interactions[0].talk_time
    assert CallOutcome.RESTART == result.calls[0].outcome
    assert [(5, NoteKind.ADJUSTED)] == [(n.line, n.kind) for n in result.notes]
    assert () == result.problems


def test_a_restart_can_log_everyone_out_instead() -> None:
    """With Restart.LOGOUT, the restart ends the session; MANAGER's ADDMEMBER starts another."""
    result = asterisk.replay(lines(*RESTART), restart=Restart.LOGOUT)
    first, second = result.report().sessions
    assert (at(0), at(500)) == (first.start, first.end)
    assert (at(501), at(3600)) == (second.start, second.end)
    assert () == result.problems


def test_a_configuration_reload_changes_nothing() -> None:
    """CONFIGRELOAD keeps members and calls."""
    result = asterisk.replay(lines(*ANSWERED[:-1], "+200|NONE|NONE|NONE|CONFIGRELOAD|",
                                   ANSWERED[-1]))
    assert () == result.notes
    assert seconds(300) == result.report().interactions[-1].talk_time


# -- the clock and the tracker -------------------------------------------------------------------


def test_the_tracker_clock_follows_the_log() -> None:
    """The replay's ManualClock ends at the last step's time."""
    result = asterisk.replay(lines(*ANSWERED))
    assert isinstance(result.tracker.clock, ManualClock)
    assert at(420) == result.tracker.clock.now()
    assert (at(0), at(420)) == (result.start, result.end)


def test_lines_out_of_time_order_are_replayed_in_time_order() -> None:
    """A line stamped before the one above it is applied at its own time."""
    result = asterisk.replay(lines(*LOGIN, "+30|NONE|sales|Agent/7|PAUSE|Lunch",
                                   "+20|NONE|sales|Agent/7|UNPAUSE|"))
    assert [("paused", "Lunch")] == statuses(result)[-1:]
    assert at(30) == result.tracker.history("7")[-1].at


def test_replaying_into_a_tracker_needs_a_manual_clock() -> None:
    """The clock must move with the log."""
    tracker = Tracker(asterisk.policy(), clock=SystemClock())
    with pytest.raises(TypeError):
        asterisk.replay(lines(*LOGIN), tracker=tracker)


def test_replaying_into_a_given_tracker_appends_to_it() -> None:
    """A tracker with a ManualClock receives the agents and history."""
    tracker = Tracker(asterisk.policy(), clock=ManualClock(at(0)))
    result = asterisk.replay(lines(*ANSWERED), tracker=tracker)
    assert result.tracker is tracker
    assert ["7"] == tracker.agents()
    assert isinstance(tracker.history("7")[5].event, InteractionAnswered)


def test_the_default_report_covers_the_log_and_ends_open_intervals_at_its_last_line() -> None:
    """A session still open at the end runs until the last line."""
    (session,) = asterisk.replay(lines(*ANSWERED)).report().sessions
    assert (None, seconds(420)) == (session.end, session.length)
