"""The FreeSWITCH mod_callcenter adapter (issue #15 point 5)."""

from __future__ import annotations

import json
import os
import re
from datetime import timedelta
from pathlib import Path

import pendulum
import pytest

from agentstate import Login, Occupation
from agentstate.adapters import NoteKind, replay_source
from agentstate.adapters.freeswitch import FreeSwitchAdapter, FreeSwitchError
from agentstate.testing import check_invariants

SHARED = Path(os.environ.get("AGENTSTATE_SHARED_DATA",
                             Path(__file__).parents[2] / "shared" / "data"))
"""The shared real data: beside the checkout in CI, or where ``AGENTSTATE_SHARED_DATA`` says."""
DOC = SHARED / "freeswitch-callcenter" / "mod_callcenter_doc_events.VERBATIM.txt"
needs_doc = pytest.mark.skipif(not DOC.exists(), reason=f"the vendor doc is not at {DOC}")

T = 1_700_000_000
AGENT = "1000@default"


def event(action: str, offset: float, **headers: object) -> str:
    """A plain ESL event (URL-encoded values), ``offset`` seconds after T."""
    fields = {"Event-Name": "CUSTOM", "Event-Subclass": "callcenter::info",
              "Event-Date-Timestamp": int((T + offset) * 1_000_000), "CC-Agent": AGENT,
              "CC-Action": action, **{k.replace("_", "-"): v for k, v in headers.items()}}
    return "".join(f"{k}: {str(v).replace(' ', '%20').replace(':', '%3A')}\n"
                   for k, v in fields.items()) + "\n"


CALL = {"CC_Queue": "support@default", "CC_Member_Session_UUID": "m1"}
DAY = "".join([
    event("agent-status-change", 0, CC_Agent_Status="Available"),
    event("agent-state-change", 0, CC_Agent_State="Waiting"),
    event("agent-offering", 10, **CALL),
    event("bridge-agent-start", 15, **CALL, CC_Agent_Called_Time=T + 10,
          CC_Agent_Answered_Time=T + 15),
    event("agent-state-change", 15, CC_Agent_State="In a queue call"),
    event("bridge-agent-end", 315, **CALL, CC_Agent_Called_Time=T + 10,
          CC_Agent_Answered_Time=T + 15, CC_Bridge_Terminated_Time=T + 315),
    event("agent-status-change", 400, CC_Agent_Status="On Break"),
    event("agent-status-change", 2200, CC_Agent_Status="Available"),
    event("agent-offering", 3000, **{**CALL, "CC_Member_Session_UUID": "m2"}),
    event("bridge-agent-fail", 3015, **{**CALL, "CC_Member_Session_UUID": "m2"},
          CC_Hangup_Cause="NO_ANSWER", CC_Agent_Called_Time=T + 3000,
          CC_Agent_Aborted_Time=T + 3015),
    event("agent-contact-change", 3100, CC_Agent_Contact="user/1001"),
    event("agent-status-change", 3600, CC_Agent_Status="Logged Out"),
])


def test_an_agents_hour_is_replayed_with_the_modules_wrap_up() -> None:
    """Status changes, an answered call with the preset's 10 s wrap-up derived from the bridge's
    end, a break, a failed bridge as a miss, a logout."""
    result = replay_source("freeswitch", DAY)
    rep = result.report()
    assert (timedelta(seconds=3600), 1, 1) == (rep.logged_in, rep.counts.answered,
                                               rep.counts.missed)
    assert timedelta(seconds=1800) == rep.by_status["on_break"]
    assert timedelta(seconds=10) == rep.by_occupation[Occupation.WRAP_UP]
    assert (timedelta(seconds=5), timedelta(seconds=300)) == (rep.interactions[0].ring_time,
                                                              rep.interactions[0].talk_time)
    assert () == result.problems
    check_invariants(result.tracker, AGENT)


def test_state_changes_are_skipped_and_a_logged_in_contact_change_is_unsupported() -> None:
    """The module's derived states are noted SKIPPED; a logged-in agent's contact change
    UNSUPPORTED."""
    notes = replay_source("freeswitch", DAY).notes
    assert 2 == sum(1 for n in notes if n.event == "agent-state-change"
                    and n.kind is NoteKind.SKIPPED)
    assert ["agent-contact-change"] == [n.event for n in notes
                                        if n.kind is NoteKind.UNSUPPORTED]


@pytest.mark.parametrize(("cause", "counter"), [("USER_BUSY", "busy"),
                                                ("CALL_REJECTED", "rejected"),
                                                ("ORIGINATOR_CANCEL", "withdrawn"),
                                                ("NO_ANSWER", "missed")])
def test_a_failed_bridge_closes_the_offer_by_its_hangup_cause(cause: str, counter: str) -> None:
    """bridge-agent-fail: a busy device counts as busy, a rejection as rejected, a caller's
    cancel as a withdrawal."""
    text = (event("agent-status-change", 0, CC_Agent_Status="Available")
            + event("bridge-agent-fail", 9, **CALL, CC_Hangup_Cause=cause,
                    CC_Agent_Called_Time=T + 2, CC_Agent_Aborted_Time=T + 9))
    counts = replay_source("freeswitch", text).report().counts
    assert 1 == getattr(counts, counter)


def test_json_events_read_like_plain_ones() -> None:
    """ESL's JSON format (one object a line, values not encoded) gives the same events."""
    plain = FreeSwitchAdapter().feed(DAY).events
    blocks = [b for b in DAY.split("\n\n") if b.strip()]
    lines = [json.dumps({k: v.replace("%20", " ").replace("%3A", ":") for k, v in
                         (line.split(": ", 1) for line in block.splitlines())})
             for block in blocks]
    assert plain == FreeSwitchAdapter().feed("\n".join(lines) + "\n").events


def test_a_repeated_event_sequence_is_applied_once() -> None:
    """The same Core-UUID and Event-Sequence twice: applied once, noted."""
    one = event("agent-status-change", 0, CC_Agent_Status="Available", Core_UUID="c",
                Event_Sequence=7)
    batch = FreeSwitchAdapter().feed(one + one)
    assert 1 == len(batch.events)
    assert [NoteKind.DUPLICATE] == [n.kind for n in batch.notes]


def test_garbage_is_noted_and_strict_raises_the_adapters_error() -> None:
    """A block that is not headers is MALFORMED; with strict it raises FreeSwitchError."""
    with pytest.raises(FreeSwitchError):
        FreeSwitchAdapter(strict=True).feed("this is no event\n\n")
    batch = FreeSwitchAdapter().feed("this is no event\n\n" + DAY)
    assert NoteKind.MALFORMED == batch.notes[0].kind


@needs_doc
def test_the_vendors_bridge_example_gives_its_ring_and_talk_times() -> None:
    """The doc's bridge-agent-start and -end: ring 9 s (10009 - 10000), talk 491 s
    (10500 - 10009), all times epoch seconds."""
    text = DOC.read_text()
    blocks = re.findall(r"(Event-Subclass: callcenter::info\n(?:.+\n)+)", text)
    chosen = [b for b in blocks if "CC-Action: bridge-agent-start" in b
              or "CC-Action: bridge-agent-end" in b]
    result = replay_source("freeswitch", "\n".join(chosen) + "\n")
    (call,) = result.report().interactions
    assert (timedelta(seconds=9), timedelta(seconds=491)) == (call.ring_time, call.talk_time)


@needs_doc
def test_the_whole_vendor_page_is_read_with_notes_and_no_exception() -> None:
    """The doc's ten examples among its prose: every block is read or noted. They carry no
    Event-Date-Timestamp and the first ones no time at all; their CC-*-Time headers are small
    epoch numbers from 9000, so the capture is replayed from that ``start``."""
    result = replay_source("freeswitch", DOC.read_bytes(), start=pendulum.from_timestamp(9000))
    assert 10 <= sum(1 for n in result.notes if n.kind is not NoteKind.MALFORMED)
    for agent in result.tracker.agents():
        check_invariants(result.tracker, agent)


# -- agent-contact-change: the agent's device ----------------------------------------------------


def test_a_contact_set_before_login_is_the_device_of_the_login() -> None:
    """agent-contact-change while logged out: CC-Agent-Contact is the device of the agent's next
    Login (the session's device), noted nowhere."""
    text = (event("agent-contact-change", 0, CC_Agent_Contact="user/1000@default")
            + event("agent-status-change", 5, CC_Agent_Status="Available"))
    result = replay_source("freeswitch", text)
    assert "user/1000@default" == result.tracker.state(AGENT).session.device
    assert () == result.notes


def test_a_logged_in_agents_contact_change_is_kept_for_the_next_login_and_noted() -> None:
    """While logged in the session keeps its device (agentstate records it with the Login
    only): noted UNSUPPORTED saying so; the next Login takes the new contact."""
    text = "".join([
        event("agent-contact-change", 0, CC_Agent_Contact="user/1000@default"),
        event("agent-status-change", 5, CC_Agent_Status="Available"),
        event("agent-contact-change", 10, CC_Agent_Contact="user/2000@default"),
        event("agent-status-change", 20, CC_Agent_Status="Logged Out"),
        event("agent-status-change", 30, CC_Agent_Status="Available"),
    ])
    result = replay_source("freeswitch", text)
    (note,) = result.notes
    assert (NoteKind.UNSUPPORTED, "agent-contact-change") == (note.kind, note.event)
    assert "Login.device" in note.message
    assert ["user/1000@default", "user/2000@default"] == [
        c.event.device for c in result.tracker.history(AGENT) if isinstance(c.event, Login)]


@pytest.mark.parametrize("contact", ["", "x" * 300])
def test_a_contact_that_is_no_device_name_is_malformed_and_changes_nothing(
        contact: str) -> None:
    """An empty contact, or one beyond the name limits: MALFORMED; the Login has no device."""
    text = (event("agent-contact-change", 0, CC_Agent_Contact=contact)
            + event("agent-status-change", 5, CC_Agent_Status="Available"))
    result = replay_source("freeswitch", text)
    assert [NoteKind.MALFORMED] == [n.kind for n in result.problems]
    assert result.tracker.state(AGENT).session.device is None


def test_a_noted_contact_change_changes_nothing() -> None:
    """The day with and without its (logged-in, unsupported) contact change: the same
    history."""
    without = DAY.replace(event("agent-contact-change", 3100, CC_Agent_Contact="user/1001"), "")
    assert replay_source("freeswitch", DAY).history() == (
        replay_source("freeswitch", without).history())


# -- events without Event-Date-Timestamp ----------------------------------------------------------


def untimed(action: str, **headers: object) -> str:
    """A plain ESL event without Event-Date-Timestamp (as the vendor's examples are)."""
    return event(action, 0, **headers).replace(
        f"Event-Date-Timestamp: {T * 1_000_000}\n", "")


def test_an_untimed_event_takes_the_latest_time_the_capture_gave() -> None:
    """An event without Event-Date-Timestamp takes the latest of the times before it and its
    own CC-*-Time headers: the offer the status change's time, the bridge-agent-end (which
    proves the answer, at CC-Agent-Answered-Time, though no bridge-agent-start was seen) its
    CC-Bridge-Terminated-Time, and the break after it that time too."""
    text = "".join([
        event("agent-status-change", 0, CC_Agent_Status="Available"),
        untimed("agent-offering", **CALL),
        untimed("bridge-agent-end", **CALL, CC_Agent_Called_Time=T + 2,
                CC_Agent_Answered_Time=T + 6, CC_Bridge_Terminated_Time=T + 66),
        untimed("agent-status-change", CC_Agent_Status="On Break"),
    ])
    result = replay_source("freeswitch", text)
    assert [0, 0, 0, 6, 66, 66] == [int(c.at.timestamp()) - T
                                    for c in result.tracker.history(AGENT)[1:]]
    assert () == result.problems


def test_an_untimed_contact_change_needs_no_time_and_gives_the_next_login_its_device() -> None:
    """agent-contact-change emits no event, so it needs no time: one without
    Event-Date-Timestamp, with no time before it and no ``start``, is read all the same (not
    noted MALFORMED, not raised with ``strict``) and the next Login takes its contact."""
    text = (untimed("agent-contact-change", CC_Agent_Contact="user/1000@default")
            + event("agent-status-change", 5, CC_Agent_Status="Available"))
    result = replay_source("freeswitch", text, strict=True)
    assert ((), "user/1000@default") == (result.notes,
                                         result.tracker.state(AGENT).session.device)


def test_a_capture_without_any_time_is_refused_unless_the_host_gives_its_start() -> None:
    """No time in the capture at all: each event is noted MALFORMED saying to pass start=,
    strict raises FreeSwitchError saying so, and nothing is replayed (never at the epoch);
    with ``start`` it replays from there."""
    text = (untimed("agent-status-change", CC_Agent_Status="Available")
            + untimed("agent-status-change", CC_Agent_Status="Logged Out"))
    result = replay_source("freeswitch", text)
    assert ([NoteKind.MALFORMED] * 2, [], None) == (
        [n.kind for n in result.problems], result.tracker.agents(), result.start)
    assert "pass start=" in result.problems[0].message
    with pytest.raises(FreeSwitchError, match="pass start="):
        replay_source("freeswitch", text, strict=True)
    start = pendulum.datetime(2026, 1, 5, 9)
    replayed = replay_source("freeswitch", text, start=start)
    assert (start, start) == (replayed.start, replayed.end)
