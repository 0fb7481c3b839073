"""The Asterisk Manager Interface adapter and its asyncio client (issue #15 point 4).

Real captures are read from ``../shared/data/ami`` (read-only, never copied into the project);
the small scenarios below are written for these tests.
"""

from __future__ import annotations

import asyncio
import json
import os
from datetime import datetime, timedelta
from pathlib import Path

import pendulum
import pytest

from agentstate import (
    ClockError,
    InteractionOffered,
    InteractionTransferred,
    Login,
    Logout,
    ManualClock,
    SetStatus,
    Tracker,
)
from agentstate.adapters import NoteKind, replay_source, replay_stream
from agentstate.adapters.asterisk import member_agent, policy
from agentstate.adapters.asterisk.ami import AmiAdapter, AmiClient, AmiError, AmiLoginError
from agentstate.testing import check_invariants

SHARED = Path(os.environ.get("AGENTSTATE_SHARED_DATA",
                             Path(__file__).parents[2] / "shared" / "data"))
"""The shared real data: beside the checkout in CI, or where ``AGENTSTATE_SHARED_DATA`` says."""
AMI = SHARED / "ami"
needs_ami = pytest.mark.skipif(not AMI.exists(), reason=f"the AMI captures are not at {AMI}")

T = 1_700_000_000
START = pendulum.from_timestamp(T)


def message(event: str, offset: float | None = None, **fields: object) -> str:
    """One AMI message, with a Timestamp ``offset`` seconds after T unless None."""
    lines = [f"Event: {event}"]
    if offset is not None:
        lines.append(f"Timestamp: {T + offset:.6f}")
    lines += [f"{key}: {value}" for key, value in fields.items()]
    return "\r\n".join(lines) + "\r\n\r\n"


MEMBER = {"Queue": "sales", "MemberName": "Agent/7", "Interface": "SIP/7"}
CALL = {**MEMBER, "Uniqueid": "1700000000.1", "Channel": "SIP/trunk-01"}
DAY = "".join([
    message("QueueMemberAdded", 0, **MEMBER, Paused=0, Status=1),
    message("QueueCallerJoin", 8, Queue="sales", Uniqueid="1700000000.1", Position=1, Count=1),
    message("AgentCalled", 10, **CALL),
    message("AgentConnect", 15, **CALL, HoldTime=7, RingTime=5),
    message("Hold", 60, Channel="SIP/7-01"),
    message("Unhold", 70, Channel="SIP/7-01"),
    message("AgentComplete", 315, **CALL, HoldTime=7, TalkTime=300, Reason="caller"),
    message("QueueMemberPause", 400, **MEMBER, Paused=1, PausedReason="Lunch"),
    message("QueueMemberPause", 2200, **MEMBER, Paused=0, PausedReason=""),
    message("AgentCalled", 3000, **{**CALL, "Uniqueid": "1700003000.2"}),
    message("AgentRingNoAnswer", 3015, **{**CALL, "Uniqueid": "1700003000.2"},
            RingTime=15000),
    message("DeviceStateChange", 3016, Device="SIP/7", State="INUSE"),
    message("QueueMemberRemoved", 3600, **MEMBER),
])
"""One agent's hour: a call answered after 5 s and talked 300 s, a 30-minute lunch, a missed
call rung 15 s, on hold for 10 s (found by the agent's device, SIP/7)."""


def replay(text: str, **kwargs: object) -> object:
    return replay_stream(AmiAdapter(), [text], policy=policy(reasons=["Lunch"]), **kwargs)


def test_an_agents_hour_is_replayed_from_ami_events() -> None:
    """Login, a call (offered, answered, ended), a pause with its reason, a miss, a logout."""
    result = replay_source("ami", DAY)
    rep = result.report()
    assert (timedelta(seconds=3600), 1, 1, 1) == (rep.logged_in, rep.counts.answered,
                                                  rep.counts.missed, rep.counts.completed)
    assert timedelta(seconds=1800) == rep.by_reason["Lunch"]
    assert () == result.problems
    (answered, missed) = rep.interactions
    assert (timedelta(seconds=5), timedelta(seconds=290), timedelta(seconds=10)) == (
        answered.ring_time, answered.talk_time, answered.hold_time)
    assert timedelta(seconds=15) == missed.ring_time
    check_invariants(result.tracker, "7")


def test_the_caller_side_reproduces_the_pbxs_hold_and_talk_times() -> None:
    """QueueCallerJoin, AgentConnect and AgentComplete: the caller's hold time is AgentConnect's
    HoldTime and the talk time AgentComplete's TalkTime, within 1 s."""
    adapter = AmiAdapter()
    adapter.feed(DAY)
    (call,) = adapter.calls()
    assert (timedelta(seconds=7), timedelta(seconds=300), "7") == (call.hold_time,
                                                                  call.talk_time, call.agent)
    assert "completed_by_caller" == call.outcome.value


def test_device_state_becomes_device_changed() -> None:
    """Seed 003 takes queue calls only from a working device, and FreeSWITCH users see agents
    Available with an unregistered phone: DeviceStateChange of a member's interface is a
    DeviceChanged (UNAVAILABLE: unregistered, which blocks queue work; INUSE: registered
    again), QueueMemberStatus's Status 5 likewise; an unknown device is noted SKIPPED."""
    from agentstate import DeviceChanged

    text = "".join([message("QueueMemberAdded", 0, **MEMBER, Paused=0, Status=1),
                    message("DeviceStateChange", 5, Device="SIP/7", State="UNAVAILABLE"),
                    message("DeviceStateChange", 6, Device="SIP/7", State="UNAVAILABLE"),
                    message("DeviceStateChange", 7, Device="SIP/99", State="INUSE"),
                    message("DeviceStateChange", 9, Device="SIP/7", State="INUSE"),
                    message("QueueMemberStatus", 12, **MEMBER, Paused=0, Status=5)])
    result = replay_source("ami", text)
    changes = [c.event.registered for c in result.tracker.history("7")
               if isinstance(c.event, DeviceChanged)]
    assert [False, True, False] == changes
    assert "device not registered" == result.tracker.explain("7", "sales")
    skipped = [n.message for n in result.notes if n.kind is NoteKind.SKIPPED]
    assert ["DeviceStateChange of 'SIP/99': no member uses it"] == skipped
    assert [] == [n for n in result.notes if n.kind is NoteKind.UNSUPPORTED]


def _transfers(result: object) -> list[tuple[str, str | None]]:
    history = result.tracker.history("7")  # type: ignore[attr-defined]
    return [(c.event.kind.value, c.event.target) for c in history
            if isinstance(c.event, InteractionTransferred)]


def test_a_blind_transfer_ends_the_agents_side_at_once() -> None:
    """BlindTransfer (Result Success) is a blind InteractionTransferred to Extension@Context;
    the AgentComplete Reason transfer that follows changes nothing more."""
    text = "".join([message("AgentConnect", 0, **CALL, RingTime=2),
                    message("BlindTransfer", 5, Result="Success", Extension="102",
                            Context="default", TransfereeUniqueid="1700000000.1"),
                    message("AgentComplete", 6, **CALL, TalkTime=6, Reason="transfer")])
    result = replay_source("ami", text)
    rep = result.report()
    assert ([("blind", "102@default")], 1, timedelta(seconds=5), ()) == (
        _transfers(result), rep.counts.blind_transfers, rep.interactions[0].talk_time,
        result.problems)


def test_an_attended_transfer_holds_the_call_until_agent_complete() -> None:
    """AttendedTransfer is an attended InteractionTransferred; AgentComplete completes it."""
    text = "".join([message("AgentConnect", 0, **CALL, RingTime=2),
                    message("Hold", 3, Channel="SIP/7-01"),
                    message("AttendedTransfer", 20, Result="Success",
                            TransfereeUniqueid="1700000000.1",
                            TransferTargetChannel="SIP/8-02"),
                    message("AgentComplete", 21, **CALL, TalkTime=21, Reason="transfer")])
    result = replay_source("ami", text)
    rep = result.report()
    assert ([("attended", "SIP/8-02")], 1, timedelta(seconds=18), ()) == (
        _transfers(result), rep.counts.attended_transfers, rep.interactions[0].hold_time,
        result.problems)
    assert () == result.tracker.state("7").interactions


def test_agent_complete_reason_transfer_alone_is_a_blind_transfer() -> None:
    """Without a transfer event (filtered, or an older Asterisk), AgentComplete Reason transfer
    is taken as a blind InteractionTransferred, noted."""
    text = "".join([message("AgentConnect", 0, **CALL, RingTime=2),
                    message("AgentComplete", 6, **CALL, TalkTime=6, Reason="transfer")])
    result = replay_source("ami", text)
    assert [("blind", None)] == _transfers(result)
    assert any("taken as blind" in n.message for n in result.notes)


def test_asterisk_11_hold_status_off_resumes() -> None:
    """Asterisk 11 sends one Hold event with Status On / Off: Off resumes."""
    text = "".join([message("AgentConnect", 0, **CALL, RingTime=2),
                    message("Hold", 10, Status="On", Uniqueid="1700000000.1"),
                    message("Hold", 25, Status="Off", Uniqueid="1700000000.1"),
                    message("AgentComplete", 40, **CALL, TalkTime=40, Reason="agent")])
    rep = replay_source("ami", text).report()
    assert (timedelta(seconds=15), timedelta(seconds=25)) == (rep.interactions[0].hold_time,
                                                              rep.interactions[0].talk_time)


def test_a_hold_on_no_queue_call_is_skipped() -> None:
    """A Hold on a channel that belongs to no connected queue call is noted SKIPPED."""
    result = replay_source("ami", message("Hold", 0, Channel="SIP/99-01"))
    assert [NoteKind.SKIPPED] == [n.kind for n in result.notes]


@needs_ami
@pytest.mark.parametrize(("name", "kind"), [("blind", "BlindTransfer"),
                                            ("attended", "AttendedTransfer")])
def test_the_testsuite_transfer_order_gives_one_transfer(name: str, kind: str) -> None:
    """The Asterisk testsuite's order (AgentConnect, the caller's {kind}, AgentComplete Reason
    transfer) ends bob's queue call once, as a {name} transfer."""
    spec = (AMI / "asterisk-testsuite" / f"transfer_caller_{name}.test-config.yaml").read_text()
    assert (True, True) == (f"Event: '{kind}'" in spec, "Reason: 'transfer'" in spec)
    call = {"Queue": "101", "MemberName": "PJSIP/bob", "Interface": "PJSIP/bob",
            "Channel": "PJSIP/alice-00000001", "Uniqueid": "1700000000.1",
            "DestChannel": "PJSIP/bob-00000002", "DestUniqueid": "1700000000.2"}
    text = "".join([message("AgentConnect", 0, **call, RingTime=1),
                    message(kind, 9, Result="Success", Extension="102",
                            TransfererChannel="PJSIP/alice-00000001",
                            TransfereeChannel="PJSIP/bob-00000002",
                            TransfereeUniqueid="1700000000.2"),
                    message("AgentComplete", 10, **call, TalkTime=10, Reason="transfer")])
    result = replay_source("ami", text)
    rep = result.report()
    assert ((), 1, ()) == (result.problems, getattr(rep.counts, f"{name}_transfers"),
                           result.tracker.state(member_agent("PJSIP/bob")).interactions)


def test_a_duplicated_sequence_number_is_applied_once() -> None:
    """Two manager sessions deliver the same event: the second copy is noted, not applied."""
    added = message("QueueMemberAdded", 0, **MEMBER, SequenceNumber=41)
    batch = AmiAdapter().feed(added + added)
    assert [Login] == [type(e) for e in batch.events]
    assert [NoteKind.DUPLICATE] == [n.kind for n in batch.notes]


def test_an_event_without_timestamp_takes_the_host_clock() -> None:
    """No Timestamp field: the host's clock gives the time."""
    clock = ManualClock(START.add(seconds=42))
    (event,) = AmiAdapter(now=clock.now).feed(message("QueueMemberAdded", None,
                                                      **MEMBER)).events
    assert START.add(seconds=42) == event.at


def test_an_event_stamped_before_the_agents_last_is_clamped() -> None:
    """Out-of-order times are moved to the agent's last time, noted."""
    batch = AmiAdapter().feed(message("QueueMemberAdded", 10, **MEMBER)
                              + message("AgentCalled", 5, **CALL))
    offered = batch.events[-1]
    assert isinstance(offered, InteractionOffered)
    assert START.add(seconds=10) == offered.at
    assert NoteKind.ADJUSTED in [n.kind for n in batch.notes]


def test_a_call_for_an_agent_never_seen_logs_it_in_implicitly() -> None:
    """First sight of an agent on a call: a login, noted."""
    batch = AmiAdapter().feed(message("AgentCalled", 0, **CALL))
    assert ["Login", "JoinQueue", "InteractionOffered"] == [
        type(e).__name__ for e in batch.events]
    assert 2 == sum(1 for n in batch.notes if n.kind is NoteKind.ADJUSTED)


def test_keys_are_case_insensitive_and_responses_are_skipped() -> None:
    """Lower-case keys read the same; a Response to an action is noted and skipped."""
    text = ("Response: Success\r\nActionID: 1\r\nMessage: Authentication accepted\r\n\r\n"
            f"event: QueueMemberPause\r\ntimestamp: {T}\r\nqueue: q\r\nmembername: Agent/7\r\n"
            "paused: 1\r\npausedreason: Break\r\n\r\n")
    batch = AmiAdapter().feed(text)
    assert [("Login", None), ("SetStatus", "Break")] == [
        (type(e).__name__, getattr(e, "reason", None)) for e in batch.events]
    assert NoteKind.SKIPPED == batch.notes[0].kind


def test_garbage_and_a_truncated_message_resynchronise() -> None:
    """A truncated block is noted MALFORMED; the next message is read."""
    text = ("Event: Newexten\r\nChannel: SIP/1\r\nthis is not a field\r\n\r\n"
            "[218 bytes missing in capture file]"
            + message("QueueMemberAdded", 0, **MEMBER))
    batch = AmiAdapter().feed(text)
    assert [Login] == [type(e) for e in batch.events]
    assert [NoteKind.MALFORMED, NoteKind.MALFORMED] == [n.kind for n in batch.notes]
    with pytest.raises(AmiError) as caught:
        AmiAdapter(strict=True).feed(text)
    assert NoteKind.MALFORMED == caught.value.kind


def test_a_message_fed_in_pieces_waits_for_its_end_and_the_position_resumes() -> None:
    """Chunks split anywhere give the same events; the position is after the last message."""
    whole = AmiAdapter().feed(DAY)
    pieces = AmiAdapter()
    events = []
    data = DAY.encode()
    for i in range(0, len(data), 7):
        events.extend(pieces.feed(data[i:i + 7]).events)
    assert list(whole.events) == events
    half = data.index(b"Event: QueueMemberPause")
    first = AmiAdapter()
    first.feed(data[:half + 10])
    resumed = AmiAdapter(position=first.position)
    assert half == first.position.offset
    rest = list(resumed.feed(data[first.position.offset:]).events)
    assert [e for e in whole.events if isinstance(e, SetStatus)] == [
        e for e in rest if isinstance(e, SetStatus)]


# -- real captures -------------------------------------------------------------------------------


@needs_ami
def test_the_xivo_login_capture_logs_agent_402_in_and_notes_the_two_truncations() -> None:
    """QueueMemberAdded (Agent/402) logs it in to its queue; the capture's two lost-byte spots
    are the only problems."""
    data = (AMI / "panoramisk-xivo-2014" / "agent_loggued_in.ami.txt").read_bytes()
    result = replay_source("ami", data)
    assert 2 == len(result.problems)
    assert all(n.kind is NoteKind.MALFORMED for n in result.problems)
    state = result.tracker.state("402")
    assert ("available", True) == (state.status, state.session is not None)
    check_invariants(result.tracker, "402")


@needs_ami
def test_the_xivo_unpause_capture_pauses_then_unpauses_agent_999() -> None:
    """QueueMemberStatus Paused 1, then QueueMemberPaused Paused 0 (Asterisk 11 names)."""
    data = (AMI / "panoramisk-xivo-2014" / "agent_not_in_pause.scrubbed.ami.txt").read_bytes()
    result = replay_source("ami", data)
    statuses = [(c.to_status, c.to_reason) for c in result.tracker.history("999")]
    assert [("logged_out", None), ("available", None), ("paused", "(none)"),
            ("available", None)] == statuses
    assert () == result.problems


@needs_ami
def test_the_goami2_capture_pauses_with_its_reason() -> None:
    """QueuePause Paused 0 (reason ``<nil>`` echoed), then Paused 1 PausedReason Break. The
    capture carries no time at all (no Timestamp, no Ping, no epoch Uniqueid): it replays from
    the ``start`` the host passes."""
    data = (AMI / "goami2-2020" / "queue_members.DERIVED.ami.txt").read_bytes()
    result = replay_source("ami", data, start=START)
    assert ("paused", "Break") == (result.tracker.state("9921").status,
                                   result.tracker.state("9921").reason)
    assert () == result.problems


@needs_ami
def test_the_lab_events_reproduce_ring_and_talk_times() -> None:
    """asterisk-outbound's AgentConnect (RingTime 5) and AgentComplete (TalkTime 13), without
    Timestamps: the offer is placed RingTime before the answer and the answer TalkTime before
    the end, so the replay's ring and talk times are the PBX's, within 1 s. (The capture's
    AgentCalled, received at the same host time as AgentConnect, is left out: with it the
    host clock, not the PBX, would say when the ringing began.)"""
    path = AMI / "asterisk-outbound-2015" / "ami_handler_comment_events.DERIVED.jsonl"
    events = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    text = "".join("".join(f"{k}: {v}\r\n" for k, v in event.items()) + "\r\n"
                   for event in events if event["event"] != "AgentCalled")
    clock = ManualClock(START)
    adapter = AmiAdapter(now=clock.now)
    result = replay_stream(adapter, [text], policy=policy())
    by_agent = result.agent_reports()
    (connected,) = by_agent["test 04"].interactions
    (completed,) = by_agent["test 03"].interactions
    assert abs(connected.ring_time - timedelta(seconds=5)) <= timedelta(seconds=1)
    assert completed.talk_time is not None
    assert abs(completed.talk_time - timedelta(seconds=13)) <= timedelta(seconds=1)


# -- the client, over a real TCP socket on 127.0.0.1 ---------------------------------------------


async def _serve(capture: bytes, *, accept: bool = True) -> tuple[asyncio.Server, int, list[bytes]]:
    """A tiny AMI server: banner, a Login action answered, then the capture, then close."""
    actions: list[bytes] = []

    async def session(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"Asterisk Call Manager/5.0.1\r\n")
        await writer.drain()
        actions.append(await reader.readuntil(b"\r\n\r\n"))
        if not accept:
            writer.write(b"Response: Error\r\nMessage: Authentication failed\r\n\r\n")
        else:
            writer.write(b"Response: Success\r\nMessage: Authentication accepted\r\n\r\n")
            for i in range(0, len(capture), 500):
                writer.write(capture[i:i + 500])
                await writer.drain()
        writer.close()

    server = await asyncio.start_server(session, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return server, port, actions


def test_the_client_logs_in_over_tcp_and_applies_a_played_back_capture() -> None:
    """End to end: the client logs in to a server on 127.0.0.1 and tracks the agent's hour."""

    async def scenario() -> tuple[Tracker, list[bytes]]:
        server, port, actions = await _serve(DAY.encode())
        tracker = Tracker(policy(reasons=["Lunch"]), clock=ManualClock(START))
        async with server:
            await AmiClient(tracker, host="127.0.0.1", port=port, username="agentstate",
                            secret="s3cret").run()
        return tracker, actions

    tracker, actions = asyncio.run(scenario())
    assert actions[0].startswith(b"Action: Login\r\nUsername: agentstate\r\nSecret: s3cret")
    expected = replay_source("ami", DAY).tracker.history("7")
    assert expected == tracker.history("7")
    assert tracker.state("7").session is None
    check_invariants(tracker, "7")


def test_the_client_raises_a_typed_error_when_the_login_is_refused() -> None:
    """Response: Error to the Login action is AmiLoginError, with the manager's message."""

    async def scenario() -> None:
        server, port, _ = await _serve(b"", accept=False)
        tracker = Tracker(policy(), clock=ManualClock(START))
        async with server:
            await AmiClient(tracker, host="127.0.0.1", port=port, username="u",
                            secret="wrong").run()

    with pytest.raises(AmiLoginError) as caught:
        asyncio.run(scenario())
    assert "Authentication failed" == caught.value.message


# -- captures without Timestamp fields -------------------------------------------------------


def untimed(text: str) -> str:
    """A capture with its Timestamp fields removed."""
    return "".join(line for line in text.splitlines(keepends=True)
                   if not line.startswith("Timestamp:"))


def test_a_capture_without_any_time_is_noted_and_strict_says_to_pass_start() -> None:
    """No Timestamp, Ping reply nor epoch Uniqueid: each mapped message is noted MALFORMED
    saying to pass start=, nothing is replayed (never at the Unix epoch), and strict raises
    AmiError saying the same."""
    text = untimed(message("QueueMemberAdded", 0, **MEMBER)
                   + message("QueueMemberRemoved", 0, **MEMBER))
    result = replay_source("ami", text)
    assert ([NoteKind.MALFORMED] * 2, [], None) == (
        [n.kind for n in result.problems], result.tracker.agents(), result.start)
    assert "pass start= (the instant the input begins)" in result.problems[0].message
    with pytest.raises(AmiError, match="pass start="):
        replay_source("ami", text, strict=True)


def test_a_capture_without_any_time_replays_from_the_start_the_host_passes() -> None:
    """With ``start`` every untimed message takes it: a deterministic clock the host set (the
    capture says nothing of how long anything lasted)."""
    text = untimed(message("QueueMemberAdded", None, **MEMBER)
                   + message("QueueMemberPause", None, **MEMBER, Paused=1, PausedReason="Lunch")
                   + message("QueueMemberRemoved", None, **MEMBER))
    result = replay_source("ami", text, start=START)
    assert (START, START, ()) == (result.start, result.end, result.problems)
    assert [START] * 5 == [c.at for c in result.tracker.history("7")]


def test_a_ping_reply_gives_the_time_of_the_messages_after_it() -> None:
    """The reply to a Ping carries the manager's clock (Timestamp): the untimed messages after
    it take the latest such reading, and a later one moves them on."""
    def ping(offset: int) -> str:
        return f"Response: Success\r\nPing: Pong\r\nTimestamp: {T + offset}.250000\r\n\r\n"

    text = (ping(0) + untimed(message("QueueMemberAdded", None, **MEMBER)) + ping(30)
            + untimed(message("QueueMemberRemoved", None, **MEMBER)))
    result = replay_source("ami", text)
    assert [0.25, 30.25] == [c.at.timestamp() - T for c in result.tracker.history("7")
                             if isinstance(c.event, Login | Logout)]


def ping(offset: int) -> str:
    """The manager's reply to a Ping: its clock, ``offset`` seconds after T."""
    return f"Response: Success\r\nPing: Pong\r\nTimestamp: {T + offset}.000000\r\n\r\n"


AGENT_8 = {**MEMBER, "MemberName": "Agent/8", "Interface": "SIP/8"}


def test_a_ping_reply_earlier_than_start_wins_over_it_and_is_noted() -> None:
    """``start`` is the host's guess, the Ping replies are the manager's clock: after the first
    reply (a day before ``start``) the untimed messages take the replies, so agent 8, first
    seen after it, is logged in the hour between the two replies. Agent 7, placed at
    ``start`` before it, never goes back in time: its later events are clamped to ``start``
    (noted), and the reply is noted ADJUSTED saying how far before ``start`` it is."""
    text = (untimed(message("QueueMemberAdded", None, **MEMBER)) + ping(-86400)
            + untimed(message("QueueMemberAdded", None, **AGENT_8)
                      + message("QueueMemberPause", None, **MEMBER, Paused=1))
            + ping(-82800) + untimed(message("QueueMemberRemoved", None, **AGENT_8)))
    result = replay_source("ami", text, start=START)
    assert [-86400, -86400, -82800, -82800] == [
        int(c.at.timestamp()) - T for c in result.tracker.history("8")]
    assert timedelta(hours=1) == result.agent_reports()["8"].logged_in
    assert {START} == {c.at for c in result.tracker.history("7")}
    adjusted = [(n.line, n.message) for n in result.notes if n.kind is NoteKind.ADJUSTED]
    assert [2, 4] == [line for line, _ in adjusted]
    first = ("the input's first clock reading, 2023-11-13T22:13:20+00:00, is 1 day, 0:00:00 "
             "before start= (2023-11-14T22:13:20+00:00)")
    assert first == adjusted[0][1][:len(first)]
    assert ("QueueMemberPause for agent '7' stamped 1 day, 0:00:00 before its last one: moved to "
            "it") == adjusted[1][1]


def test_a_ping_reply_later_than_start_is_noted_with_how_far_after_it_is() -> None:
    """The records before the first Ping reply took ``start``: a reply 20 h after it says the
    capture's clock was 20 h on, so it is noted ADJUSTED (the agent's logged-in time counts
    20 h the capture does not show); the messages after the reply take it."""
    text = (untimed(message("QueueMemberAdded", None, **MEMBER)) + ping(72000)
            + untimed(message("QueueMemberRemoved", None, **MEMBER)))
    result = replay_source("ami", text, start=START)
    assert [(2, "the input's first clock reading, 2023-11-15T18:13:20+00:00, is 20:00:00 "
                "after start= (2023-11-14T22:13:20+00:00): the records before it took "
                "start=, not the input's clock")] == [
        (n.line, n.message) for n in result.notes if n.kind is NoteKind.ADJUSTED]
    assert [0, 0, 72000, 72000] == [int(c.at.timestamp()) - T
                                    for c in result.tracker.history("7")]


def test_an_epoch_uniqueid_is_a_clock_reading_and_a_uuid_is_not() -> None:
    """A Uniqueid ``1700000100.7`` says the manager's clock had reached that second: the
    message and the untimed ones after it take it; Originate's UUID Uniqueids say nothing."""
    called = untimed(message("AgentCalled", None, **{**CALL, "Uniqueid": "1700000100.7"}))
    removed = untimed(message("QueueMemberRemoved", None, **MEMBER))
    events = AmiAdapter().feed(called + removed).events
    assert ["Login", "JoinQueue", "InteractionOffered", "LeaveQueue", "InteractionEnded",
            "Logout"] == [type(e).__name__ for e in events]
    assert {T + 100} == {int(e.at.timestamp()) for e in events}
    uuid = untimed(message("AgentCalled", None, **{**CALL, "Uniqueid": "4aef9f0a-61e1"}))
    assert [NoteKind.MALFORMED] == [n.kind for n in AmiAdapter().feed(uuid).notes]


@needs_ami
def test_the_xivo_login_capture_takes_its_times_from_the_ping_replies() -> None:
    """The capture has no Timestamp on its events, but the client pinged every 10 s: agent 402
    logs in at the last Ping reply before its QueueMemberAdded (1409169989.456835)."""
    data = (AMI / "panoramisk-xivo-2014" / "agent_loggued_in.ami.txt").read_bytes()
    history = replay_source("ami", data).tracker.history("402")
    assert pendulum.from_timestamp(1409169989.456835) == history[-1].at


@needs_ami
def test_the_xivo_unpause_capture_takes_its_time_from_the_calls_uniqueid() -> None:
    """No Timestamp and no Ping: the agent's call, Uniqueid 1413823936.3729, says the
    manager's clock had reached 2014-10-20 16:52:16 UTC; every change is placed there."""
    data = (AMI / "panoramisk-xivo-2014" / "agent_not_in_pause.scrubbed.ami.txt").read_bytes()
    history = replay_source("ami", data).tracker.history("999")
    assert {pendulum.from_timestamp(1413823936)} == {c.at for c in history}


@needs_ami
def test_the_lab_events_without_any_time_replay_from_start() -> None:
    """asterisk-outbound's events carry no Timestamp and UUID Uniqueids: without ``start``
    they are noted, with it they replay from it (the answer placed TalkTime 13 s before)."""
    path = AMI / "asterisk-outbound-2015" / "ami_handler_comment_events.DERIVED.jsonl"
    events = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    text = "".join("".join(f"{k}: {v}\r\n" for k, v in event.items()) + "\r\n"
                   for event in events)
    noted = replay_source("ami", text).problems
    assert {"pass start="} == {"pass start=" for n in noted if "pass start=" in n.message}
    assert len(noted) == sum(1 for n in noted if "pass start=" in n.message)
    result = replay_source("ami", text, start=START)
    assert ((), START - timedelta(seconds=13), START) == (result.problems, result.start,
                                                          result.end)
    assert {"test 03", "test 04"} == set(result.agent_reports())


def test_a_start_without_a_time_zone_is_refused() -> None:
    """``start`` must be aware: a naive one raises ClockError when the adapter is built."""
    with pytest.raises(ClockError):
        AmiAdapter(start=datetime(2026, 1, 5, 9))
