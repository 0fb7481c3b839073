"""The Twilio TaskRouter adapter and preset (issue #15 point 7)."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest

from agentstate import Occupation
from agentstate.adapters import NoteKind, replay_source
from agentstate.adapters.taskrouter import TaskRouterAdapter, TaskRouterError
from agentstate.presets import PRESETS, taskrouter
from agentstate.testing import check_invariants

SHARED = Path(os.environ.get("AGENTSTATE_SHARED_DATA",
                             Path(__file__).parents[2] / "shared" / "data"))
"""The shared real data: beside the checkout in CI, or where ``AGENTSTATE_SHARED_DATA`` says."""
FETCH = SHARED / "twilio-taskrouter" / "twilio-python_test_event_fetch.json"
needs_fetch = pytest.mark.skipif(not FETCH.exists(), reason=f"the fixture is not at {FETCH}")

T = 1_700_000_000


def callback(kind: str, offset: int, **fields: str) -> str:
    """A form-encoded EventCallback body, ``offset`` seconds after T."""
    body = {"EventType": kind, "EventSid": f"EV{kind}{offset}", "WorkerSid": "WK1",
            "WorkerName": "Alice", "TimestampMs": str((T + offset) * 1000), **fields}
    return urlencode(body) + "\n"


TASK = {"TaskSid": "WT1", "TaskQueueName": "Support", "TaskChannelUniqueName": "voice"}
DAY = "".join([
    callback("worker.activity.update", 0, WorkerActivityName="Available"),
    callback("reservation.created", 10, **TASK),
    callback("reservation.accepted", 15, **TASK),
    callback("reservation.wrapup", 315, **TASK),
    callback("reservation.completed", 345, **TASK),
    callback("task.completed", 345, TaskSid="WT1"),
    callback("worker.activity.update", 400, WorkerActivityName="Break"),
    callback("worker.activity.update", 2200, WorkerActivityName="Available"),
    callback("reservation.created", 3000, **{**TASK, "TaskSid": "WT2"}),
    callback("reservation.timeout", 3015, **{**TASK, "TaskSid": "WT2"}),
    callback("worker.channel.availability.update", 3100, TaskChannelUniqueName="chat"),
    callback("worker.activity.update", 3600, WorkerActivityName="Offline"),
])


def test_a_workers_hour_is_replayed_from_callbacks() -> None:
    """Activities, a reservation accepted then wrapped up and completed, a break, a timeout."""
    result = replay_source("taskrouter", DAY)
    rep = result.report()
    assert (timedelta(seconds=3600), 1, 1) == (rep.logged_in, rep.counts.answered,
                                               rep.counts.missed)
    assert timedelta(seconds=1800) == rep.by_status["break"]
    assert timedelta(seconds=30) == rep.by_occupation[Occupation.WRAP_UP]
    assert (timedelta(seconds=5), timedelta(seconds=300), "Support") == (
        rep.interactions[0].ring_time, rep.interactions[0].talk_time,
        rep.interactions[0].queue)
    assert () == result.problems
    check_invariants(result.tracker, "WK1")


def test_the_task_side_is_skipped_and_channel_updates_are_unsupported() -> None:
    """task.* is noted SKIPPED; worker.channel.* UNSUPPORTED."""
    notes = replay_source("taskrouter", DAY).notes
    assert ["task.completed"] == [n.event for n in notes if n.kind is NoteKind.SKIPPED]
    assert ["worker.channel.availability.update"] == [
        n.event for n in notes if n.kind is NoteKind.UNSUPPORTED]


@pytest.mark.parametrize(("kind", "counter"), [("reservation.rejected", "rejected"),
                                               ("reservation.timeout", "missed"),
                                               ("reservation.canceled", "withdrawn"),
                                               ("reservation.rescinded", "withdrawn")])
def test_a_reservation_not_accepted_closes_the_offer(kind: str, counter: str) -> None:
    """Rejected, timed out, canceled or rescinded: one counter each."""
    text = (callback("worker.activity.update", 0, WorkerActivityName="Available")
            + callback("reservation.created", 5, **TASK) + callback(kind, 9, **TASK))
    assert 1 == getattr(replay_source("taskrouter", text).report().counts, counter)


def test_json_callbacks_and_a_retried_one() -> None:
    """JSON bodies read like form ones; a retried EventSid is applied once."""
    line = json.dumps({"EventType": "worker.activity.update", "EventSid": "EV9",
                       "WorkerSid": "WK1", "WorkerActivityName": "Available",
                       "Timestamp": str(T)}) + "\n"
    batch = TaskRouterAdapter().feed(line + line)
    assert ["Login"] == [type(e).__name__ for e in batch.events]
    assert [NoteKind.DUPLICATE] == [n.kind for n in batch.notes]


def test_a_bad_callback_is_noted_and_strict_raises() -> None:
    """A line that is neither form nor JSON is MALFORMED; strict raises TaskRouterError."""
    with pytest.raises(TaskRouterError):
        TaskRouterAdapter(strict=True).feed("&&&\n")
    assert [NoteKind.MALFORMED] == [n.kind for n in TaskRouterAdapter().feed("&&&\n").notes]


@needs_fetch
def test_the_rest_event_fixture_reads_as_an_activity_update() -> None:
    """The REST Event resource (worker.activity, event_data) is an activity update: the worker
    goes Offline, of which the stream never saw the login (noted, not a problem)."""
    result = replay_source("taskrouter", FETCH.read_bytes())
    assert () == result.problems
    assert ["worker.activity.update"] == [n.event for n in result.notes]


def test_the_preset_carries_the_available_flag_and_is_registered() -> None:
    """Activities are statuses; only available ones are routable; offline is logged out."""
    policy = taskrouter(activities=[("Offline", False), ("Available", True),
                                    ("Break", False)])
    assert [("offline", False, False), ("available", True, True), ("break", False, True)] == [
        (s.name, s.routable, s.logged_in) for s in policy.statuses]
    assert PRESETS["taskrouter"] is taskrouter
    with pytest.raises(Exception, match="offline must be an activity"):
        taskrouter(offline="Lunch")
