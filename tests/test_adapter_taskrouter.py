"""The Twilio TaskRouter adapter and preset (issue #15 point 7)."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import pendulum
import pytest

from agentstate import (
    EndWrapUp,
    InteractionEnded,
    InteractionResumed,
    InteractionTransferred,
    Occupation,
    SetChannel,
    TransferKind,
)
from agentstate.adapters import Batch, Note, NoteKind, replay_source, replay_stream
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


def test_the_task_side_is_skipped_and_a_shared_channels_update_is_unsupported() -> None:
    """task.* is noted SKIPPED; an availability update of TaskRouter's chat channel, which
    shares agentstate's chat channel with sms, UNSUPPORTED."""
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


def test_a_callbacks_own_time_wins_over_start_for_the_untimed_ones_after_it() -> None:
    """``start`` is the host's guess for callbacks before any time: a later callback's own
    Timestamp, an hour before ``start``, is the time the untimed callbacks after it take
    (WK3 logs in then, not at ``start``), noted ADJUSTED."""
    def activity(worker: str, **fields: str) -> str:
        return urlencode({"EventType": "worker.activity.update", "WorkerSid": worker,
                          "WorkerActivityName": "Available", **fields}) + "\n"

    start = pendulum.from_timestamp(T)
    adapter = TaskRouterAdapter(start=start)
    batch = adapter.feed(activity("WK1") + activity("WK2", Timestamp=str(T - 3600))
                         + activity("WK3"))
    assert [("WK1", 0), ("WK2", -3600), ("WK3", -3600)] == [
        (e.agent, int(e.at.timestamp()) - T) for e in batch.events]
    assert [(2, NoteKind.ADJUSTED)] == [(n.line, n.kind) for n in batch.notes]
    first = ("the input's first clock reading, 2023-11-14T21:13:20+00:00, is 1:00:00 before "
             "start= (2023-11-14T22:13:20+00:00)")
    assert first == batch.notes[0].message[:len(first)]


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


# -- transfers (task.transfer-*) -----------------------------------------------------------------

ACCEPTED = "".join([
    callback("worker.activity.update", 0, WorkerActivityName="Available"),
    callback("reservation.created", 10, **TASK),
    callback("reservation.accepted", 15, **TASK),
])


def transfer(step: str, offset: int, mode: str, **fields: str) -> str:
    """A transfer callback as TaskRouter sends it: the task's fields, no WorkerSid."""
    body = {"EventType": f"task.transfer-{step}", "EventSid": f"EVt{step}{offset}",
            "ResourceType": "transfer", "TimestampMs": str((T + offset) * 1000),
            "TaskSid": "WT1", "TransferMode": mode, "TransferType": "WORKER",
            "TransferTo": "WK2", "TransferInitiatingReservationSid": "WR1", **fields}
    return urlencode(body) + "\n"


def kinds(text: str) -> list[str]:
    """The agentstate events a stream of callbacks gives, by kind."""
    return [type(e).__name__ for e in TaskRouterAdapter().feed(text).events]


def test_a_cold_transfer_is_a_blind_one_and_its_reservation_ends_the_wrap_up() -> None:
    """task.transfer-initiated COLD: the connected worker's task is transferred blind to
    TransferTo (its side ends, wrap-up begins); the reservation's wrapup changes nothing more
    and its completion ends the wrap-up."""
    text = ACCEPTED + "".join([
        transfer("initiated", 75, "COLD"),
        callback("reservation.wrapup", 76, **TASK),
        callback("reservation.completed", 95, **TASK),
        transfer("completed", 96, "COLD"),
    ])
    events = TaskRouterAdapter().feed(text).events
    moved = [e for e in events if isinstance(e, InteractionTransferred)]
    assert [("WK1", "WT1", TransferKind.BLIND, "WK2")] == [
        (e.agent, e.interaction, e.kind, e.target) for e in moved]
    assert ["EndWrapUp"] == [type(e).__name__ for e in events[events.index(moved[0]) + 1:]]
    result = replay_source("taskrouter", text)
    rep = result.report()
    assert (timedelta(seconds=60), TransferKind.BLIND, "WK2") == (
        rep.interactions[0].talk_time, rep.interactions[0].transfer,
        rep.interactions[0].transfer_target)
    assert (timedelta(seconds=20), 1) == (rep.by_occupation[Occupation.WRAP_UP],
                                          rep.counts.blind_transfers)
    assert () == result.problems
    check_invariants(result.tracker, "WK1")


def test_a_warm_transfer_holds_the_customer_until_the_worker_leaves() -> None:
    """task.transfer-initiated WARM: an attended transfer (the customer held while the worker
    talks to the target); transfer-completed changes nothing; the worker's reservation wrapup
    ends its side."""
    text = ACCEPTED + "".join([
        transfer("initiated", 75, "WARM"),
        transfer("completed", 105, "WARM"),
        callback("reservation.wrapup", 115, **TASK),
        callback("reservation.completed", 125, **TASK),
    ])
    assert ["Login", "JoinQueue", "InteractionOffered", "InteractionAnswered",
            "InteractionTransferred", "InteractionEnded", "EndWrapUp"] == kinds(text)
    result = replay_source("taskrouter", text)
    call = result.report().interactions[0]
    assert (TransferKind.ATTENDED, timedelta(seconds=40)) == (call.transfer, call.hold_time)
    assert () == result.problems


@pytest.mark.parametrize("step", ["canceled", "failed"])
def test_a_warm_transfer_canceled_or_failed_gives_the_worker_its_customer_back(
        step: str) -> None:
    """task.transfer-canceled or -failed after a warm transfer began: the worker takes the
    customer back (InteractionResumed abandons the attended transfer)."""
    text = ACCEPTED + transfer("initiated", 75, "WARM") + transfer(step, 90, "WARM")
    events = TaskRouterAdapter().feed(text).events
    assert [("WK1", "WT1")] == [(e.agent, e.interaction) for e in events
                                if isinstance(e, InteractionResumed)]
    result = replay_source("taskrouter", text)
    state = result.tracker.state("WK1")
    assert [("WT1", None)] == [(i.id, i.transfer) for i in state.interactions]
    assert () == result.problems


def test_the_initiating_worker_sid_names_the_worker_and_dots_are_read_as_hyphens() -> None:
    """TransferInitiatingWorkerSid names the transferring worker when the callback carries it;
    ``task.transfer.initiated`` reads as ``task.transfer-initiated``."""
    text = ACCEPTED + transfer("initiated", 75, "COLD",
                               TransferInitiatingWorkerSid="WK1").replace(
        "task.transfer-initiated", "task.transfer.initiated")
    assert ["Login", "JoinQueue", "InteractionOffered", "InteractionAnswered",
            "InteractionTransferred"] == kinds(text)


def transfer_notes(batch: Batch) -> list[Note]:
    """The notes of a batch's transfer callbacks."""
    return [n for n in batch.notes if n.event and n.event.startswith("task.transfer")]


def by_name(fields: Mapping[str, str]) -> str:
    """An ``agent_id`` naming workers by WorkerName (which transfer callbacks lack)."""
    return fields.get("WorkerName", "").strip()


def test_the_initiating_worker_sid_finds_the_worker_named_by_another_agent_id() -> None:
    """With ``agent_id`` reading WorkerName, TransferInitiatingWorkerSid WK1 is the worker
    whose own callbacks were named Alice: her task is transferred, nothing is noted, and
    ``strict`` does not raise."""
    text = ACCEPTED + transfer("initiated", 75, "COLD", TransferInitiatingWorkerSid="WK1")
    batch = TaskRouterAdapter(agent_id=by_name, strict=True).feed(text)
    assert ([("Alice", "WT1", TransferKind.BLIND)], []) == (
        [(e.agent, e.interaction, e.kind) for e in batch.events
         if isinstance(e, InteractionTransferred)], transfer_notes(batch))


def test_the_initiating_worker_sid_comes_before_the_worker_fields_of_a_transfer() -> None:
    """A transfer callback that also carries another worker's fields (the target's WorkerSid)
    is about TransferInitiatingWorkerSid's worker: WK1's task is transferred."""
    text = ACCEPTED + transfer("initiated", 75, "COLD", TransferInitiatingWorkerSid="WK1",
                               WorkerSid="WK2", WorkerName="Bob")
    for adapter in (TaskRouterAdapter(), TaskRouterAdapter(agent_id=by_name)):
        batch = adapter.feed(text)
        assert ([("WT1", TransferKind.BLIND)], []) == (
            [(e.interaction, e.kind) for e in batch.events
             if isinstance(e, InteractionTransferred)], transfer_notes(batch))


@pytest.mark.parametrize("step", ["canceled", "failed"])
def test_a_transfer_outcome_without_transfer_mode_takes_the_mode_it_began_with(
        step: str) -> None:
    """TransferMode is needed only to begin a transfer: a cancel or failure without it still
    gives the worker its customer back after a warm transfer (the adapter knows the kind it
    began), with nothing noted."""
    outcome = transfer(step, 90, "WARM").replace("&TransferMode=WARM", "")
    text = ACCEPTED + transfer("initiated", 75, "WARM") + outcome
    batch = TaskRouterAdapter(strict=True).feed(text)
    assert ([("WK1", "WT1")], []) == (
        [(e.agent, e.interaction) for e in batch.events if isinstance(e, InteractionResumed)],
        transfer_notes(batch))


@pytest.mark.parametrize(("text", "kind", "words"), [
    (transfer("initiated", 75, "COLD"), NoteKind.MALFORMED, "names no worker"),
    (ACCEPTED + transfer("initiated", 75, "LUKEWARM"), NoteKind.MALFORMED, "COLD or WARM"),
    (ACCEPTED + transfer("attempt-failed", 80, "WARM"), NoteKind.SKIPPED, "goes on"),
    (ACCEPTED + transfer("canceled", 80, "WARM"), NoteKind.SKIPPED, "no warm transfer"),
])
def test_a_transfer_callback_with_nothing_to_replay_is_noted(text: str, kind: NoteKind,
                                                             words: str) -> None:
    """A transfer of a task no worker holds, an unknown TransferMode, a failed attempt (the
    transfer goes on) and a cancel with no warm transfer under way: noted, no event."""
    batch = TaskRouterAdapter().feed(text)
    assert [kind] == [n.kind for n in batch.notes if n.event and "transfer" in n.event]
    assert words in batch.notes[-1].message
    assert "InteractionTransferred" not in [type(e).__name__ for e in batch.events]


# -- the worker's channels (worker.channel.availability.update, worker.capacity.update) ----------


def channel(kind: str, offset: int, name: str, **fields: str) -> str:
    """A worker channel callback, ``offset`` seconds after T."""
    return callback(kind, offset, TaskChannelUniqueName=name, TaskChannelSid="TC1", **fields)


AVAILABILITY = "worker.channel.availability.update"
CAPACITY = "worker.capacity.update"


def test_a_voice_channel_switched_off_and_on_is_set_by_the_system() -> None:
    """WorkerChannelAvailable false then true: SetChannel(enabled=False), then True, by the
    system; a repeat of the same availability is noted SKIPPED."""
    text = ACCEPTED.split("\n", 1)[0] + "\n" + "".join([
        channel(AVAILABILITY, 5, "voice", WorkerChannelAvailable="false"),
        channel(AVAILABILITY, 6, "voice", WorkerChannelAvailable="false"),
        channel(AVAILABILITY, 9, "voice", WorkerChannelAvailable="true"),
    ])
    batch = TaskRouterAdapter().feed(text)
    assert [("voice", False, None), ("voice", True, None)] == [
        (e.channel, e.enabled, e.capacity) for e in batch.events if isinstance(e, SetChannel)]
    assert [NoteKind.SKIPPED] == [n.kind for n in batch.notes]
    result = replay_source("taskrouter", text)
    assert [("voice", True)] == [(c.channel, c.enabled)
                                 for c in result.tracker.state("WK1").channels]
    assert () == result.problems


def test_a_configured_capacity_is_set_and_capacity_zero_switches_the_channel_off() -> None:
    """The REST Event resource's worker_channel_capacity 2 sets the channel's capacity; 0 (no
    new reservations) switches it off, and 3 switches it back on at that capacity."""
    def event(offset: int, capacity: int) -> str:
        return json.dumps({"event_type": CAPACITY, "sid": f"EV{offset}",
                           "event_date": f"2023-11-14T22:13:{20 + offset:02d}Z",
                           "event_data": {"worker_sid": "WK1",
                                          "task_channel_unique_name": "voice",
                                          "worker_channel_capacity": capacity}}) + "\n"

    text = (callback("worker.activity.update", -100, WorkerActivityName="Available")
            + event(0, 2) + event(1, 0) + event(2, 3))
    batch = TaskRouterAdapter().feed(text)
    assert [(None, 2), (False, None), (True, 3)] == [
        (e.enabled, e.capacity) for e in batch.events if isinstance(e, SetChannel)]
    result = replay_source("taskrouter", text)
    assert [("voice", True, 3)] == [(c.channel, c.enabled, c.capacity)
                                    for c in result.tracker.state("WK1").channels]
    assert () == result.problems


def test_an_available_capacity_is_the_configured_one_only_with_no_task_assigned() -> None:
    """WorkerChannelAvailableCapacity 4 with WorkerChannelTaskCount 0 sets capacity 4; with a
    task assigned it may be the capacity still free: noted UNSUPPORTED, saying so."""
    text = (callback("worker.activity.update", 0, WorkerActivityName="Available")
            + channel(CAPACITY, 5, "voice", WorkerChannelAvailableCapacity="4",
                      WorkerChannelTaskCount="0", WorkerChannelPreviousCapacity="1")
            + channel(CAPACITY, 9, "voice", WorkerChannelAvailableCapacity="1",
                      WorkerChannelTaskCount="2", WorkerChannelPreviousCapacity="4"))
    batch = TaskRouterAdapter().feed(text)
    assert [4] == [e.capacity for e in batch.events if isinstance(e, SetChannel)]
    (note,) = batch.notes
    assert (NoteKind.UNSUPPORTED, CAPACITY) == (note.kind, note.event)
    assert "configured capacity" in note.message


@pytest.mark.parametrize("name", ["chat", "sms", "default"])
def test_a_channel_sharing_its_policy_channel_is_noted_with_the_reason(name: str) -> None:
    """chat and sms both count on agentstate's chat channel, every other TaskRouter channel on
    task: one of them alone cannot be switched, noted UNSUPPORTED naming why."""
    text = channel(AVAILABILITY, 0, name, WorkerChannelAvailable="false")
    batch = TaskRouterAdapter().feed(text)
    assert ((), [NoteKind.UNSUPPORTED]) == (batch.events, [n.kind for n in batch.notes])
    assert "one setting per channel" in batch.notes[0].message


def test_a_channel_of_its_own_by_the_channels_mapping_is_set() -> None:
    """With ``channels={"voice": "voice", "chat": "chat"}`` (sms then counts on task), chat is
    TaskRouter's chat alone: its availability is set."""
    adapter = TaskRouterAdapter(channels={"voice": "voice", "chat": "chat"})
    batch = adapter.feed(channel(AVAILABILITY, 0, "chat", WorkerChannelAvailable="false"))
    assert [("chat", False)] == [(e.channel, e.enabled) for e in batch.events
                                 if isinstance(e, SetChannel)]


# -- what is noted changes nothing ----------------------------------------------------------------


def test_worker_attributes_are_unsupported_saying_why() -> None:
    """worker.attributes.update: agentstate has no event for attributes, and the queues they
    imply come from TaskQueue expressions the callback does not carry."""
    batch = TaskRouterAdapter().feed(callback("worker.attributes.update", 0,
                                              WorkerAttributes='{"skills": ["es"]}'))
    (note,) = batch.notes
    assert ((), NoteKind.UNSUPPORTED) == (batch.events, note.kind)
    assert "TargetWorkers" in note.message


NOTED = [
    callback("worker.attributes.update", 50, WorkerAttributes='{"skills": ["es"]}'),
    channel(AVAILABILITY, 50, "sms", WorkerChannelAvailable="false"),
    channel(CAPACITY, 50, "voice", WorkerChannelAvailableCapacity="1",
            WorkerChannelTaskCount="1"),
    channel(AVAILABILITY, 50, "voice", WorkerChannelAvailable="maybe"),
    transfer("attempt-failed", 50, "WARM"),
    transfer("completed", 50, "WARM"),
    transfer("initiated", 50, "LUKEWARM"),
]


@pytest.mark.parametrize("line", NOTED)
def test_an_unmapped_or_refused_callback_changes_nothing(line: str) -> None:
    """A callback noted UNSUPPORTED, SKIPPED or MALFORMED in the middle of a call leaves every
    history as it is without it."""
    rest = "".join([callback("reservation.wrapup", 60, **TASK),
                    callback("reservation.completed", 70, **TASK)])
    policy = taskrouter()
    plain = replay_stream(TaskRouterAdapter(), [ACCEPTED + rest], policy=policy)
    noted = replay_stream(TaskRouterAdapter(), [ACCEPTED + line + rest], policy=policy)
    assert plain.history() == noted.history()
    assert 1 == len(noted.notes) - len(plain.notes)


def test_a_redundant_channel_event_is_never_sent_to_be_refused() -> None:
    """The adapter keeps each worker's channel settings: a channel already on (the default) or
    already off is not set again, so nothing it emits is refused."""
    text = ACCEPTED + "".join(channel(AVAILABILITY, 20 + i, "voice",
                                      WorkerChannelAvailable=flag)
                              for i, flag in enumerate(["true", "false", "false", "true"]))
    result = replay_source("taskrouter", text)
    assert () == result.problems
    assert [False, True] == [c.event.enabled for c in result.tracker.history("WK1")
                                   if isinstance(c.event, SetChannel)]
    assert not [e for e in TaskRouterAdapter().feed(text).events
                if isinstance(e, EndWrapUp | InteractionEnded)]


# -- the worker SDK's test fixture (websocket payloads, renamed to callback fields) --------------

MOCK = SHARED / "twilio-taskrouter" / "twilio-taskrouter-js_test-mock-events.DERIVED.json"
needs_mock = pytest.mark.skipif(not MOCK.exists(), reason=f"the fixture is not at {MOCK}")


def as_callback(kind: str, payload: dict[str, object], **fields: object) -> str:
    """A payload of the SDK's fixture as the callback of ``kind``: snake_case to the callback's
    field names, ``date_updated`` (epoch seconds) as its Timestamp."""
    body = {"EventType": kind, "Timestamp": payload["date_updated"],
            **{k: payload[v] for k, v in fields.items()}}
    return urlencode(body) + "\n"


@needs_mock
def test_the_sdk_fixtures_warm_transfer_holds_and_its_cancel_resumes() -> None:
    """transferInitiated (WARM, to queue WQxxx, by WKxxx) then transferCanceled of the task the
    worker holds: an attended transfer to WQxxx, then the customer taken back."""
    tasks = json.loads(MOCK.read_text())["task"]
    names = {"TaskSid": "task_sid", "TransferMode": "transfer_mode",
             "TransferTo": "transfer_to", "TransferInitiatingWorkerSid": "initiating_worker_sid"}
    begun, canceled = tasks["transferInitiated"], tasks["transferCanceled"]
    start = int(str(begun["date_created"])) - 60
    held = "".join(urlencode({"EventType": kind, "WorkerSid": "WKxxx", "TaskSid": "WTxxx",
                              "Timestamp": start + offset}) + "\n"
                   for kind, offset in (("reservation.created", 0),
                                        ("reservation.accepted", 5)))
    text = (held + as_callback("task.transfer-initiated", begun, **names)
            + as_callback("task.transfer-canceled", canceled, **names))
    events = TaskRouterAdapter().feed(text).events
    assert [("InteractionTransferred", "WQxxx"), ("InteractionResumed", None)] == [
        (type(e).__name__, getattr(e, "target", None)) for e in events[-2:]]
    assert TransferKind.ATTENDED == events[-2].kind


@needs_mock
def test_the_sdk_fixtures_default_channel_is_shared_unless_mapped_alone() -> None:
    """capacityUpdated (configured 5) and availabilityUpdated (available 0) of the ``default``
    channel: UNSUPPORTED by default (it counts on task with every unmapped channel); mapped to
    chat alone, capacity 5 then switched off."""
    channels = json.loads(MOCK.read_text())["channel"]
    names = {"WorkerSid": "worker_sid", "TaskChannelUniqueName": "task_channel_unique_name",
             "WorkerChannelCapacity": "configured_capacity",
             "WorkerChannelAvailable": "available"}
    text = (as_callback(CAPACITY, channels["capacityUpdated"], **names)
            + as_callback(AVAILABILITY, channels["availabilityUpdated"], **names))
    shared = TaskRouterAdapter().feed(text)
    assert ((), [NoteKind.UNSUPPORTED] * 2) == (shared.events, [n.kind for n in shared.notes])
    alone = TaskRouterAdapter(channels={"voice": "voice", "default": "chat"}).feed(text)
    assert [("chat", None, 5), ("chat", False, None)] == [
        (e.channel, e.enabled, e.capacity) for e in alone.events]
