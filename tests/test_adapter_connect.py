"""The Amazon Connect agent event stream adapter and preset (issue #15 point 6)."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from agentstate import Occupation
from agentstate.adapters import NoteKind, replay_source, replay_stream
from agentstate.adapters.connect import ConnectAdapter, ConnectError
from agentstate.presets import PRESETS, amazon_connect
from agentstate.testing import check_invariants

SHARED = Path(os.environ.get("AGENTSTATE_SHARED_DATA",
                             Path(__file__).parents[2] / "shared" / "data"))
"""The shared real data: beside the checkout in CI, or where ``AGENTSTATE_SHARED_DATA`` says."""
ACW = SHARED / "amazon-connect-acw"
STREAM = SHARED / "amazon-connect-stream" / "awsdocs-admin-guide"
needs_acw = pytest.mark.skipif(not ACW.exists(), reason=f"the vendor example is not at {ACW}")
needs_stream = pytest.mark.skipif(not STREAM.exists(), reason=f"the sample is not at {STREAM}")

ARN = "arn:aws:connect:us-east-1:1:instance/i/agent/alice"


def stamp(second: float) -> str:
    """An ISO-8601 UTC time ``second`` seconds after 2023-11-14T22:13:20Z."""
    whole, frac = divmod(second, 1)
    minute, sec = divmod(int(whole) + 20, 60)
    hour, minute = divmod(minute + 13, 60)
    return f"2023-11-14T{22 + hour:02d}:{minute:02d}:{sec:02d}.{int(frac * 1000):03d}Z"


def contact(cid: str, state: str, since: float, connected: float | None = None,
            queue: str = "sales", channel: str = "VOICE") -> dict[str, Any]:
    return {"ContactId": cid, "Channel": channel, "InitiationMethod": "INBOUND",
            "Queue": {"ARN": "q", "Name": queue}, "State": state,
            "StateStartTimestamp": stamp(since),
            "ConnectedToAgentTimestamp": None if connected is None else stamp(connected)}


def record(kind: str, at: float, status: str = "Available", since: float = 0,
           contacts: list[dict[str, Any]] | None = None, event_id: str | None = None) -> str:
    snapshot = {"AgentStatus": {"Name": status, "StartTimestamp": stamp(since)},
                "Contacts": contacts or []}
    return json.dumps({"AgentARN": ARN, "EventId": event_id or f"e{at}", "EventType": kind,
                       "EventTimestamp": stamp(at), "CurrentAgentSnapshot": snapshot}) + "\n"


DAY = "".join([
    record("LOGIN", 0, "Available", 0),
    record("STATE_CHANGE", 10, contacts=[contact("c1", "CONNECTING", 10)]),
    record("STATE_CHANGE", 15, contacts=[contact("c1", "CONNECTED", 15, 15)]),
    record("STATE_CHANGE", 60, contacts=[contact("c1", "CONNECTED_ONHOLD", 60, 15)]),
    record("STATE_CHANGE", 70, contacts=[contact("c1", "CONNECTED", 70, 15)]),
    record("STATE_CHANGE", 315, contacts=[contact("c1", "ENDED", 315, 15)]),
    record("STATE_CHANGE", 345),
    record("STATE_CHANGE", 400, "Lunch", 400),
    record("HEART_BEAT", 520, "Lunch", 400),
    record("STATE_CHANGE", 2200, "Available", 2200),
    record("STATE_CHANGE", 3000, contacts=[contact("c2", "CONNECTING", 3000)]),
    record("STATE_CHANGE", 3015, contacts=[contact("c2", "MISSED", 3015)]),
    record("STATE_CHANGE", 3016),
    record("LOGOUT", 3600, "Offline", 3600),
])
"""An hour: a call rung 5 s, talked 300 s (10 s on hold), 30 s after-contact work, lunch for
30 minutes, a missed call, a logout."""


def test_an_agents_hour_is_diffed_from_snapshots() -> None:
    """Statuses with their names, the contact's states, after-contact work, a miss, a logout."""
    result = replay_source("connect", DAY)
    rep = result.report()
    assert (timedelta(seconds=3600), 1, 1, 1) == (rep.logged_in, rep.counts.answered,
                                                  rep.counts.missed, rep.counts.completed)
    assert timedelta(seconds=1800) == rep.by_status["lunch"]
    assert timedelta(seconds=30) == rep.by_occupation[Occupation.WRAP_UP]
    answered = rep.interactions[0]
    assert (timedelta(seconds=5), timedelta(seconds=300)) == (answered.ring_time,
                                                              answered.talk_time)
    assert () == result.problems
    check_invariants(result.tracker, "alice")


def test_hold_and_resume_are_noted_unsupported() -> None:
    """CONNECTED_ONHOLD and the return to CONNECTED are noted, never dropped."""
    result = replay_source("connect", DAY)
    assert ["contact CONNECTED_ONHOLD (on hold): agentstate does not model this yet",
            "contact resumed from hold: agentstate does not model this yet"] == [
        n.message for n in result.notes if n.kind is NoteKind.UNSUPPORTED]


def test_a_record_delivered_twice_is_applied_once() -> None:
    """Kinesis delivers at least once: the same EventId is noted DUPLICATE."""
    line = record("STATE_CHANGE", 10, contacts=[contact("c1", "CONNECTING", 10)], event_id="x")
    batch = ConnectAdapter().feed(line + line)
    assert 1 == sum(1 for e in batch.events if type(e).__name__ == "InteractionOffered")
    assert NoteKind.DUPLICATE in [n.kind for n in batch.notes]


def test_a_rejected_chat_is_a_rejection() -> None:
    """REJECTED (chat and tasks) is an InteractionRejected on its channel."""
    text = (record("LOGIN", 0) + record("STATE_CHANGE", 5, contacts=[
        contact("k1", "CONNECTING", 5, channel="CHAT")]) + record("STATE_CHANGE", 9, contacts=[
            contact("k1", "REJECTED", 9, channel="CHAT")]))
    rep = replay_source("connect", text).report()
    assert (1, "chat") == (rep.counts.rejected, rep.interactions[0].channel)


def test_a_logout_during_a_contact_ends_it_first() -> None:
    """LOGOUT with a contact still open: the contact is ended, then the agent logged out."""
    text = (record("LOGIN", 0) + record("STATE_CHANGE", 5, contacts=[
        contact("c1", "CONNECTED", 5, 5)]) + record("LOGOUT", 50, "Offline", 50))
    result = replay_source("connect", text)
    assert () == result.problems
    assert result.tracker.state("alice").session is None


def test_a_pretty_printed_record_is_read_and_a_broken_one_noted() -> None:
    """A record over several lines is read whole; a broken one is MALFORMED, strict raises."""
    pretty = json.dumps(json.loads(record("LOGIN", 0)), indent=2) + "\n"
    batch = ConnectAdapter().feed(pretty + "{ not json\n" + record("LOGOUT", 9, "Offline"))
    assert ["Login", "Logout"] == [type(e).__name__ for e in batch.events]
    assert [NoteKind.MALFORMED] == [n.kind for n in batch.notes]
    with pytest.raises(ConnectError):
        ConnectAdapter(strict=True).feed("[1, 2]\n")


@needs_acw
def test_the_vendors_after_contact_work_example_is_5_005_seconds() -> None:
    """The two STATE_CHANGE events of the vendor's example: ACW from ENDED's start to the
    snapshot without contacts is 5.005 s (and talk 6.006 s)."""
    expected = json.loads((ACW / "expected.json").read_text())["expected"]["ContactId-1"]
    result = replay_source("connect", (ACW / "acw_example_events.jsonl").read_bytes())
    rep = result.report()
    assert timedelta(seconds=expected["acw_seconds"]) == rep.by_occupation[Occupation.WRAP_UP]
    assert timedelta(seconds=6.006) == rep.interactions[0].talk_time
    assert () == result.problems


@needs_stream
def test_the_vendors_heart_beat_sample_logs_the_agent_in_available() -> None:
    """The HEART_BEAT sample (pretty-printed): the agent is Available; NextAgentStatus noted."""
    data = (STREAM / "sample-agent-event-stream.heart_beat.DERIVED.json").read_bytes()
    result = replay_source("connect", data)
    assert "available" == result.tracker.state("agent-ARN").status
    assert NoteKind.SKIPPED in [n.kind for n in result.notes]
    assert () == result.problems


@needs_stream
def test_the_vendors_sample_as_printed_is_noted_malformed_not_raised() -> None:
    """The doc's code block is not valid JSON: noted, with no exception."""
    data = (STREAM / "sample-agent-event-stream.codeblock.VERBATIM.txt").read_bytes()
    result = replay_source("connect", data)
    assert result.problems


def test_the_preset_has_connects_statuses_and_is_registered() -> None:
    """Offline (logged out), Available (routable), custom ones; mandatory after-contact work."""
    policy = amazon_connect(statuses=["Lunch", "Training"])
    assert [("offline", False), ("available", True), ("lunch", False),
            ("training", False)] == [(s.name, s.routable) for s in policy.statuses]
    assert PRESETS["amazon_connect"] is amazon_connect
    assert ("voice", "chat", "task") == tuple(c.name for c in policy.channels)


def test_statuses_can_map_to_another_policy() -> None:
    """``statuses=`` maps Connect names to a policy's status and reason."""
    from agentstate.adapters.asterisk import policy

    adapter = ConnectAdapter(statuses={"Lunch": ("paused", "Lunch")}, after_contact_work=False)
    result = replay_stream(adapter, [DAY], policy=policy(reasons=["Lunch"]))
    assert timedelta(seconds=1800) == result.report().by_reason["Lunch"]
    assert () == result.problems
