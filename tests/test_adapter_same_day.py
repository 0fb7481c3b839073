"""One agent day written in three platforms' forms gives one report (issue #15 acceptance).

Agent 7 logs in to ``sales``; call c1 rings 5 s and is talked 300 s; lunch for 30 minutes;
call c2 rings 15 s unanswered; logout after an hour. The fixtures below are written for this
test from that one scenario.
"""

from __future__ import annotations

import json
from typing import Any

import pendulum

from agentstate.adapters import replay_source, replay_stream
from agentstate.adapters.asterisk import policy
from agentstate.adapters.connect import ConnectAdapter

T = 1_700_000_000

QUEUE_LOG = "".join(f"{T + offset}|{rest}\n" for offset, rest in [
    (0, "c0|sales|SIP/7|ADDMEMBER|"),
    (15, "c1|sales|Agent/7|CONNECT|5|b1|5"),
    (315, "c1|sales|Agent/7|COMPLETEAGENT|5|300|1"),
    (400, "NONE|sales|Agent/7|PAUSE|Lunch"),
    (2200, "NONE|sales|Agent/7|UNPAUSE|"),
    (3015, "c2|sales|Agent/7|RINGNOANSWER|15000"),
    (3600, "c9|sales|SIP/7|REMOVEMEMBER|"),
])


def ami(event: str, offset: int, **fields: object) -> str:
    head = {"Event": event, "Timestamp": f"{T + offset}.000000", "Queue": "sales",
            "MemberName": "Agent/7", "Interface": "SIP/7"}
    return "".join(f"{k}: {v}\r\n" for k, v in {**head, **fields}.items()) + "\r\n"


AMI = "".join([
    ami("QueueMemberAdded", 0, Paused=0),
    ami("AgentCalled", 10, Uniqueid="c1"),
    ami("AgentConnect", 15, Uniqueid="c1", HoldTime=5, RingTime=5),
    ami("AgentComplete", 315, Uniqueid="c1", HoldTime=5, TalkTime=300, Reason="agent"),
    ami("QueueMemberPause", 400, Paused=1, PausedReason="Lunch"),
    ami("QueueMemberPause", 2200, Paused=0),
    ami("AgentCalled", 3000, Uniqueid="c2"),
    ami("AgentRingNoAnswer", 3015, Uniqueid="c2", RingTime=15000),
    ami("QueueMemberRemoved", 3600),
])


def iso(offset: int) -> str:
    return pendulum.from_timestamp(T + offset).format("YYYY-MM-DDTHH:mm:ss.SSS") + "Z"


def connect(kind: str, offset: int, status: str = "Available", since: int = 0,
            contacts: tuple[tuple[str, str, int, int | None], ...] = ()) -> str:
    items: list[dict[str, Any]] = [
        {"ContactId": cid, "Channel": "VOICE", "State": state, "Queue": {"Name": "sales"},
         "StateStartTimestamp": iso(start),
         "ConnectedToAgentTimestamp": None if answered is None else iso(answered)}
        for cid, state, start, answered in contacts]
    return json.dumps({
        "AgentARN": "arn:aws:connect:eu-west-1:1:instance/i/agent/7", "EventType": kind,
        "EventId": f"{kind}-{offset}", "EventTimestamp": iso(offset),
        "CurrentAgentSnapshot": {"AgentStatus": {"Name": status,
                                                 "StartTimestamp": iso(since)},
                                 "Contacts": items}}) + "\n"


CONNECT = "".join([
    connect("LOGIN", 0),
    connect("STATE_CHANGE", 10, contacts=(("c1", "CONNECTING", 10, None),)),
    connect("STATE_CHANGE", 15, contacts=(("c1", "CONNECTED", 15, 15),)),
    connect("STATE_CHANGE", 315, contacts=(("c1", "ENDED", 315, 15),)),
    connect("STATE_CHANGE", 315),
    connect("STATE_CHANGE", 400, "Lunch", 400),
    connect("STATE_CHANGE", 2200, "Available", 2200),
    connect("STATE_CHANGE", 3000, contacts=(("c2", "CONNECTING", 3000, None),)),
    connect("STATE_CHANGE", 3015, contacts=(("c2", "MISSED", 3015, None),)),
    connect("LOGOUT", 3600, "Offline", 3600),
])


def test_queue_log_ami_and_connect_forms_of_one_day_give_identical_reports() -> None:
    """The same day read from a queue_log, an AMI stream and a Connect stream: one report."""
    from_queue_log = replay_source("queue_log", QUEUE_LOG)
    from_ami = replay_source("ami", AMI)
    adapter = ConnectAdapter(statuses={"Lunch": ("paused", "Lunch")}, after_contact_work=False,
                             agent_id=lambda r: str(r["AgentARN"]).rsplit("/", 1)[-1])
    from_connect = replay_stream(adapter, [CONNECT], policy=policy(reasons=["Lunch"]))
    expected = from_queue_log.report()
    assert expected == from_ami.report()
    assert expected == from_connect.report()
    assert ((), (), ()) == (from_queue_log.problems, from_ami.problems, from_connect.problems)
    assert 2 == expected.counts.offered
