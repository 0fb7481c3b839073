"""Every adapter notes a record whose names are beyond agentstate's input limits (a U+0000, a
lone surrogate, 300 characters); it never raises (found by the queue_log fuzz test)."""

from __future__ import annotations

import pytest

from agentstate.adapters import NoteKind, replay_source

BAD = "sa\x00les"

RECORDS = {
    "queue_log": f"1700000000|NONE|{BAD}|SIP/1|ADDMEMBER|\n",
    "ami": (f"Event: QueueMemberAdded\r\nTimestamp: 1700000000\r\nQueue: {BAD}\r\n"
            "MemberName: Bob\r\n"
            "Interface: SIP/1\r\n\r\n"),
    "freeswitch": ("Event-Name: CUSTOM\nEvent-Subclass: callcenter::info\n"
                   "Event-Date-Timestamp: 1700000000000000\n"
                   f"CC-Action: agent-status-change\nCC-Agent: {BAD}\n"
                   "CC-Agent-Status: Available\n\n"),
    "connect": ('{"EventType":"LOGIN","AgentARN":"arn:x/agent/a\\u0000b",'
                '"EventTimestamp":"2024-01-01T00:00:00Z"}\n'),
    "taskrouter": ('{"EventType":"worker.activity.update","WorkerSid":"W\\u0000",'
                   '"WorkerActivityName":"Available","Timestamp":"1700000000"}\n'),
}


@pytest.mark.parametrize("source", sorted(RECORDS))
def test_a_name_beyond_the_limits_is_noted_not_raised(source: str) -> None:
    """A record naming an agent or queue with U+0000 is noted as a malformed problem saying
    why; nothing raises."""
    result = replay_source(source, RECORDS[source])
    refused = [n for n in result.problems if "U+0000" in n.message]
    assert [NoteKind.MALFORMED] == [n.kind for n in refused]
