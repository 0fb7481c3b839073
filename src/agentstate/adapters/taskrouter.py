"""Twilio TaskRouter: workspace event callbacks into agentstate events.

:class:`TaskRouterAdapter` reads one callback a line: the form body Twilio POSTs
(``EventType=worker.activity.update&WorkerSid=WK...``) or the same fields as a JSON object. The
REST Event resource's shape (``event_type``, ``event_date``, ``event_data``) is read too. Use it
with the :func:`~agentstate.presets.taskrouter` preset built from the workspace's activities.

Mapping
-------
==================================  ==============================================================
EventType                           agentstate
==================================  ==============================================================
worker.activity.update              the offline activity: :class:`~agentstate.Logout`; another: a
                                    :class:`~agentstate.Login` into it or a
                                    :class:`~agentstate.SetStatus` (WorkerActivityName, slugged)
reservation.created                 :class:`~agentstate.InteractionOffered` (id: TaskSid; queue:
                                    TaskQueueName; channel: TaskChannelUniqueName)
reservation.accepted                :class:`~agentstate.InteractionAnswered`
reservation.rejected                :class:`~agentstate.InteractionRejected`
reservation.timeout                 :class:`~agentstate.InteractionMissed`
reservation.canceled, .rescinded    :class:`~agentstate.InteractionEnded` (withdrawn)
reservation.wrapup                  :class:`~agentstate.InteractionEnded`: wrap-up begins
reservation.completed               :class:`~agentstate.EndWrapUp` (ending the task first if no
                                    wrapup was seen)
task.transfer-initiated             :class:`~agentstate.InteractionTransferred` of the initiating
                                    worker's task (TransferInitiatingWorkerSid, else the one
                                    worker connected to TaskSid): TransferMode ``COLD``:
                                    ``blind`` (its side ends, wrap-up until its reservation
                                    completes); ``WARM``: ``attended`` (the customer held);
                                    target TransferTo
task.transfer-canceled, -failed     a warm transfer abandoned: :class:`~agentstate.
                                    InteractionResumed` (the worker has the customer back); a
                                    cold one: noted SKIPPED (its side already ended); an
                                    outcome's TransferMode is optional
task.transfer-completed,            noted SKIPPED: a warm transfer's worker leaves with its
-attempt-failed                     reservation's wrapup; an attempt failed, the transfer goes on
worker.channel.availability.update  :class:`~agentstate.SetChannel` ``enabled``
                                    (WorkerChannelAvailable) of the channel the TaskRouter
                                    channel maps to, when it alone maps to it (else noted
                                    UNSUPPORTED)
worker.capacity.update              :class:`~agentstate.SetChannel` ``capacity``: the configured
                                    capacity (WorkerChannelCapacity; or
                                    WorkerChannelAvailableCapacity while WorkerChannelTaskCount
                                    is 0, else noted UNSUPPORTED); capacity 0 switches it off
worker.attributes.update            noted UNSUPPORTED: TaskRouter derives queues and skills from
                                    the attributes through each TaskQueue's expression
task.*, task-queue.*, workflow.*    noted SKIPPED (the task side)
==================================  ==============================================================

Times: ``TimestampMs`` (ms), else ``Timestamp`` (epoch seconds or ISO-8601), else the host's
clock (``now=``), else the latest time of the callbacks before, else ``start=`` (the first
callback's time wins over it, noted when callbacks took ``start=`` before it). Callbacks are
deduplicated by ``EventSid`` (or ``Sid``): Twilio retries a callback that failed. A worker is
named by ``WorkerSid`` (``agent_id=`` to choose, e.g. ``WorkerName``; a transfer callback's
TransferInitiatingWorkerSid is the worker whose own callbacks had it). TaskRouter's channels are
mapped by ``channels=`` (default :data:`CHANNELS`; any other name is the ``task`` channel).

Its length has one reason to change: TaskRouter's event callbacks, their fields and what each
means for a worker, kept together so that a change in TaskRouter is made in one file.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

import pendulum

from .._errors import PolicyError
from .._events import SetChannel, TransferKind
from .._limits import MAX_SMALL
from .._presets_parts import slug
from ._base import Adapter
from ._values import AdapterError, NoteKind, Position

__all__ = ["CHANNELS", "TaskRouterAdapter", "TaskRouterError", "worker_sid"]

_LAST_EPOCH = 32_503_680_000.0
CHANNELS: Mapping[str, str] = {"voice": "voice", "chat": "chat", "sms": "chat"}
"""TaskChannelUniqueName -> the :func:`~agentstate.presets.taskrouter` preset's channel; any
other TaskRouter channel (``default``, ``email``, ...) is its ``task`` channel."""
_OTHER = "task"


class TaskRouterError(AdapterError):
    """A TaskRouter callback cannot be read or replayed (with ``strict=True``)."""


def worker_sid(fields: Mapping[str, str]) -> str:
    """The agent id of a callback: its WorkerSid."""
    return fields.get("WorkerSid", "").strip()


def _camel(key: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in key.split("_"))


class TaskRouterAdapter(Adapter):
    """Twilio TaskRouter event callbacks, sans-I/O.

    >>> adapter = TaskRouterAdapter()
    >>> batch = adapter.feed("EventType=worker.activity.update&WorkerSid=WK1"
    ...                      "&WorkerActivityName=Available&TimestampMs=1700000000000\\n")
    >>> [(type(e).__name__, e.agent, e.status) for e in batch.events]
    [('Login', 'WK1', 'available')]

    Args:
        offline: the activity that means logged out.
        agent_id: the agent id of a callback's fields (default :func:`worker_sid`).
        channels: TaskChannelUniqueName -> the policy's channel (default :data:`CHANNELS`); any
            other name is ``task``. A worker's channel settings are replayed only for a
            TaskRouter channel that alone maps to its channel.
        position, strict, now, start: see :class:`~agentstate.adapters.Adapter`.
    """

    name = "taskrouter"
    error = TaskRouterError

    def __init__(self, *, offline: str = "Offline",
                 agent_id: Callable[[Mapping[str, str]], str] = worker_sid,
                 channels: Mapping[str, str] = CHANNELS,
                 position: Position | None = None, strict: bool = False,
                 now: Callable[[], datetime] | None = None,
                 start: datetime | None = None) -> None:
        super().__init__(position=position, strict=strict, now=now, start=start)
        self._offline = offline
        self._agent_id = agent_id
        self._channels = dict(channels)
        self._wrapping: set[tuple[str, str]] = set()
        """(worker, task) in wrap-up: until its reservation completes."""
        self._worker_channels: dict[tuple[str, str], tuple[bool, int | None]] = {}
        """(worker, TaskRouter channel) -> (available, configured capacity) as last told."""
        self._initiators: dict[str, tuple[str, str]] = {}
        """Task -> the worker that initiated its transfer under way, and its TransferMode."""
        self._workers: dict[str, str] = {}
        """WorkerSid -> the agent id ``agent_id`` gave the worker's own callbacks (a transfer
        callback names its worker by WorkerSid only)."""
        self._set: dict[tuple[str, str], tuple[bool, int | None]] = {}
        """(worker, policy channel) -> (enabled, capacity) as last emitted."""

    def _line(self, text: str) -> None:
        if self._json_text or text.lstrip().startswith("{"):
            record = self._json(text)
            if record is not None:
                self._callback(_fields(record))
            return
        self._commit()
        if not text.strip():
            return
        try:
            pairs = parse_qsl(text.strip(), keep_blank_values=True, strict_parsing=True)
        except ValueError as error:
            self._note(NoteKind.MALFORMED, f"not a form-encoded callback: {error}")
            return
        self._callback(dict(pairs))

    def _end(self) -> None:
        self._json_end()

    # -- mapping -----------------------------------------------------------------------------

    def _time(self, fields: Mapping[str, str]) -> datetime | None:
        """The callback's own time (a clock reading: later callbacks without one take it),
        else :meth:`_clock`'s; ``None`` when there is none or it is not a time (noted)."""
        for key, scale in (("TimestampMs", 1000.0), ("Timestamp", 1.0)):
            text = fields.get(key, "").strip()
            if not text:
                continue
            try:
                value = float(text) / scale
            except ValueError:
                value = math.nan
            if math.isfinite(value) and 0 <= value < _LAST_EPOCH:
                return self._reading(pendulum.from_timestamp(value))
            if key == "Timestamp" and re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]\d\d:?\d\d)",
                                                   text):
                try:
                    parsed = pendulum.parse(text)
                except (ValueError, OverflowError):
                    parsed = None
                if isinstance(parsed, pendulum.DateTime) and 1970 <= parsed.year < 3000:
                    return self._reading(parsed.in_timezone("UTC"))
            self._note(NoteKind.MALFORMED, f"{key} is not a time: {text[:40]!r}")
            return None
        return self._clock()

    def _reading(self, at: datetime) -> datetime:
        """A callback's own time, observed as the input's clock (see ``Adapter._observe``)."""
        self._observe(at)
        return at

    def _callback(self, fields: Mapping[str, str]) -> None:
        kind = fields.get("EventType", "").strip()
        if kind.startswith("task.transfer."):  # also spelled with dots
            kind = "task.transfer-" + kind.removeprefix("task.transfer.")
            fields = {**fields, "EventType": kind}
        self._begin(kind or None)
        if not kind:
            self._note(NoteKind.MALFORMED, "a callback without EventType")
            return
        sid = fields.get("EventSid") or fields.get("Sid", "")
        if sid.startswith("EV") and self._duplicate(f"EventSid {sid}"):
            return
        handler = _HANDLERS.get(kind)
        if handler is None:
            if kind in _UNSUPPORTED:
                self._unsupported(kind, why=_UNSUPPORTED[kind])
            else:
                self._note(NoteKind.SKIPPED, f"{kind}: the task side, nothing for the worker")
            return
        agent = self._transferrer(fields) if kind in _TRANSFERS else self._worker(fields)
        if not agent:
            self._note(NoteKind.MALFORMED, f"{kind} names no worker")
            return
        at = self._time(fields)
        if at is None:
            if not self._notes or self._notes[-1].kind is not NoteKind.MALFORMED:
                self._untimed("Timestamp")
            return
        handler(self, agent, fields, at)

    def _task(self, fields: Mapping[str, str]) -> str | None:
        task = fields.get("TaskSid", "").strip()
        if not task:
            self._note(NoteKind.MALFORMED, "no TaskSid")
            return None
        return task

    def activity(self, agent: str, fields: Mapping[str, str], at: datetime) -> None:
        name = fields.get("WorkerActivityName", "").strip()
        view = self._agents.get(agent)
        if name == self._offline:
            if view is not None and view.logged_in:
                for task in [t for a, t in self._wrapping if a == agent]:
                    self._wrapping.discard((agent, task))
                    self._end_wrap_up(agent, at)
                self._logout(agent, at)
            else:
                self._note(NoteKind.SKIPPED, f"worker {agent!r} is already offline")
            return
        try:
            status = slug(name)
        except PolicyError:
            self._note(NoteKind.MALFORMED, f"WorkerActivityName {name[:40]!r} is not an activity")
            return
        if view is None or not view.logged_in:
            self._login(agent, at, status=status)
        else:
            self._status(agent, at, status)

    def created(self, agent: str, fields: Mapping[str, str], at: datetime) -> None:
        task = self._task(fields)
        if task is not None:
            channel = self._channel(fields.get("TaskChannelUniqueName", "").strip())
            queue = (fields.get("TaskQueueName") or fields.get("TaskQueueSid") or "").strip()
            self._offer(agent, task, at, queue=queue or None, channel=channel)

    def accepted(self, agent: str, fields: Mapping[str, str], at: datetime) -> None:
        task = self._task(fields)
        if task is not None:
            if self._is_open(agent, task) is None:
                self.created(agent, fields, at)
            self._answer(agent, task, at)

    def closed(self, agent: str, fields: Mapping[str, str], at: datetime) -> None:
        task = self._task(fields)
        if task is None:
            return
        how = {"reservation.rejected": "rejected",
               "reservation.timeout": "missed"}.get(fields.get("EventType", ""), "ended")
        self._close(agent, task, at, how=how)

    def wrapup(self, agent: str, fields: Mapping[str, str], at: datetime) -> None:
        task = self._task(fields)
        if task is None:
            return
        if self._is_open(agent, task):
            self._close(agent, task, at)
            self._wrapping.add((agent, task))
        elif (agent, task) in self._wrapping:
            self._note(NoteKind.SKIPPED, f"task {task!r} of worker {agent!r} is already in "
                                         "wrap-up (since its cold transfer)")
        else:
            self._note(NoteKind.SKIPPED, f"task {task!r} of worker {agent!r} was not accepted")

    def completed(self, agent: str, fields: Mapping[str, str], at: datetime) -> None:
        task = self._task(fields)
        if task is None:
            return
        if self._is_open(agent, task):
            self.wrapup(agent, fields, at)
        if (agent, task) in self._wrapping:
            self._wrapping.discard((agent, task))
            self._end_wrap_up(agent, at)
        else:
            self._note(NoteKind.SKIPPED, f"task {task!r} of worker {agent!r} was not accepted")

    # -- transfers -------------------------------------------------------------------------------

    def _worker(self, fields: Mapping[str, str]) -> str:
        """The agent id of a worker's own callback (remembered by its WorkerSid)."""
        agent = self._agent_id(fields)
        sid = fields.get("WorkerSid", "").strip()
        if agent and sid:
            self._workers[sid] = agent
        return agent

    def _transferrer(self, fields: Mapping[str, str]) -> str:
        """The worker a transfer callback is about: the initiating worker
        (TransferInitiatingWorkerSid: the agent id its own callbacks were given, else
        ``agent_id`` of the callback without its Worker fields), else the worker the callback
        names; failing those, for a transfer's outcome the worker that initiated it, else the
        one worker connected to the task; ``""`` when that is not one worker."""
        initiating = fields.get("TransferInitiatingWorkerSid", "").strip()
        if initiating:
            agent = self._workers.get(initiating) or self._agent_id(
                {**{k: v for k, v in fields.items() if not k.startswith("Worker")},
                 "WorkerSid": initiating})
        else:
            agent = self._agent_id(fields)
        if agent:
            return agent
        task = fields.get("TaskSid", "").strip()
        if fields.get("EventType") != "task.transfer-initiated" and task in self._initiators:
            return self._initiators[task][0]
        found = [agent for agent, view in self._agents.items() if view.open.get(task)
                 and task not in view.transferring]
        return found[0] if len(found) == 1 else ""

    def transfer(self, agent: str, fields: Mapping[str, str], at: datetime) -> None:
        task = self._task(fields)
        if task is None:
            return
        kind = fields.get("EventType", "")
        mode = fields.get("TransferMode", "").strip().upper()
        if mode not in _MODES and (mode or kind == "task.transfer-initiated"):
            self._note(NoteKind.MALFORMED, f"TransferMode must be COLD or WARM, got "
                                           f"{mode[:20]!r}")
            return
        view = self._agents.get(agent)
        transferring = view is not None and task in view.transferring
        if not mode and task in self._initiators:  # an outcome: the transfer as initiated
            mode = self._initiators[task][1]
        if kind == "task.transfer-initiated":
            self._initiators[task] = (agent, mode)
            connected = self._is_open(agent, task)
            self._transfer(agent, task, at, _MODES[mode],
                           fields.get("TransferTo", "").strip() or None)
            if connected and _MODES[mode] is TransferKind.BLIND:
                self._wrapping.add((agent, task))
        elif kind in ("task.transfer-canceled", "task.transfer-failed") and transferring:
            self._initiators.pop(task, None)
            self._resume(agent, task, at)
        elif kind in ("task.transfer-canceled", "task.transfer-failed"):
            self._initiators.pop(task, None)
            self._note(NoteKind.SKIPPED, f"no warm transfer of task {task!r} under way for "
                                         f"worker {agent!r}" + (" (its cold transfer already "
                                                                "ended its side)"
                                                                if mode == "COLD" else ""))
        elif kind == "task.transfer-completed":
            self._initiators.pop(task, None)
            self._note(NoteKind.SKIPPED, f"task {task!r} transferred: worker {agent!r}'s side "
                       + ("ended when the cold transfer began" if mode == "COLD" else
                          "ends with its reservation's wrapup"))
        else:
            self._note(NoteKind.SKIPPED, f"a transfer attempt of task {task!r} failed: the "
                                         "transfer goes on")

    # -- the worker's channels -------------------------------------------------------------------

    def _channel(self, name: str) -> str:
        return self._channels.get(name, _OTHER)

    def channel(self, agent: str, fields: Mapping[str, str], at: datetime) -> None:
        """A worker channel's availability or configured capacity: a SetChannel of the policy's
        channel, when that TaskRouter channel alone maps to it."""
        kind = fields.get("EventType", "")
        name = fields.get("TaskChannelUniqueName", "").strip()
        if not name:
            self._note(NoteKind.MALFORMED, f"{kind} names no TaskChannelUniqueName")
            return
        target = self._channel(name)
        shared = sorted(n for n, c in self._channels.items() if c == target and n != name)
        if target == _OTHER or shared:
            others = ", ".join(shared) if shared else "every channel not in channels="
            self._unsupported(f"{kind} of TaskRouter channel {name!r}", why=(
                f"its tasks count on agentstate's {target!r} channel together with those of "
                f"{others}, and agentstate keeps one setting per channel: {name!r} alone "
                "cannot be switched or resized (give it a channel of its own with channels=)"))
            return
        available, capacity = self._worker_channels.get((agent, name), (True, None))
        if kind == "worker.channel.availability.update":
            flag = _BOOLEANS.get(fields.get("WorkerChannelAvailable", "").strip().lower())
            if flag is None:
                self._note(NoteKind.MALFORMED, "WorkerChannelAvailable must be true or false, "
                           f"got {fields.get('WorkerChannelAvailable', '')[:20]!r}")
                return
            available = flag
        else:
            found = self._capacity(fields)
            if found is None:
                return
            capacity = found
        self._worker_channels[(agent, name)] = (available, capacity)
        enabled = available and capacity != 0
        was_enabled, was_capacity = self._set.get((agent, target), (True, None))
        size = capacity if capacity and capacity != was_capacity else None
        if enabled == was_enabled and size is None:
            self._note(NoteKind.SKIPPED, f"channel {target!r} of worker {agent!r} is already "
                                         f"{'on' if enabled else 'off'}"
                                         + (f" with capacity {capacity}" if capacity else ""))
            return
        self._set[(agent, target)] = (enabled, capacity or was_capacity)
        _, at = self._agent(agent, at)
        self._emit(SetChannel(agent=agent, at=at, actor=self._actor, channel=target,
                              enabled=None if enabled == was_enabled else enabled,
                              capacity=size))

    def _capacity(self, fields: Mapping[str, str]) -> int | None:
        """The configured capacity a worker.capacity.update gives (``None``: noted)."""
        text = fields.get("WorkerChannelCapacity", "").strip()
        if not text:
            free = fields.get("WorkerChannelAvailableCapacity", "").strip()
            if not free or fields.get("WorkerChannelTaskCount", "").strip() != "0":
                self._unsupported("worker.capacity.update", why=(
                    "it gives no configured capacity (WorkerChannelCapacity): Twilio's "
                    "reference calls WorkerChannelAvailableCapacity 'the available capacity of "
                    "the channel', which is the configured capacity for certain only while no "
                    "task is assigned (WorkerChannelTaskCount 0), and agentstate's capacity is "
                    "the configured one"))
                return None
            text = free
        if not text.isdigit() or int(text) > MAX_SMALL:
            self._note(NoteKind.MALFORMED, f"the channel capacity must be a whole number from 0 "
                                           f"to {MAX_SMALL:,}, got {text[:20]!r}")
            return None
        return int(text)


def _fields(record: Mapping[str, Any]) -> dict[str, str]:
    """The callback fields of a JSON record; the REST Event resource's shape is renamed."""
    if "event_type" not in record:
        return {str(k): "" if v is None else str(v) for k, v in record.items()}
    fields = {"EventType": str(record.get("event_type") or ""),
              "Timestamp": str(record.get("event_date") or ""),
              "EventSid": str(record.get("sid") or "")}
    data = record.get("event_data")
    if isinstance(data, dict):
        fields.update({_camel(str(k)): "" if v is None else str(v) for k, v in data.items()})
    if fields["EventType"] == "worker.activity":
        fields["EventType"] = "worker.activity.update"
    return fields


_Handler = Callable[[TaskRouterAdapter, str, Mapping[str, str], datetime], None]

_HANDLERS: dict[str, _Handler] = {
    "worker.activity.update": TaskRouterAdapter.activity,
    "reservation.created": TaskRouterAdapter.created,
    "reservation.accepted": TaskRouterAdapter.accepted,
    "reservation.rejected": TaskRouterAdapter.closed,
    "reservation.timeout": TaskRouterAdapter.closed,
    "reservation.canceled": TaskRouterAdapter.closed,
    "reservation.rescinded": TaskRouterAdapter.closed,
    "reservation.wrapup": TaskRouterAdapter.wrapup,
    "reservation.completed": TaskRouterAdapter.completed,
    "task.transfer-initiated": TaskRouterAdapter.transfer,
    "task.transfer-attempt-failed": TaskRouterAdapter.transfer,
    "task.transfer-failed": TaskRouterAdapter.transfer,
    "task.transfer-canceled": TaskRouterAdapter.transfer,
    "task.transfer-completed": TaskRouterAdapter.transfer,
    "worker.channel.availability.update": TaskRouterAdapter.channel,
    "worker.capacity.update": TaskRouterAdapter.channel,
}
"""Each mapped EventType and its handler."""

_TRANSFERS = frozenset(k for k in _HANDLERS if k.startswith("task.transfer-"))
_MODES = {"COLD": TransferKind.BLIND, "WARM": TransferKind.ATTENDED}
"""TransferMode: a cold transfer drops the worker at once; a warm one holds the customer while
the worker talks to the target."""
_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}

_UNSUPPORTED: Mapping[str, str] = {
    "worker.attributes.update": (
        "agentstate has no event for a worker's attributes; the queues they put the worker in "
        "(JoinQueue, LeaveQueue) follow from each TaskQueue's TargetWorkers expression, which "
        "the callback does not carry"),
}
"""The EventTypes agentstate has no faithful event for, and why: noted UNSUPPORTED."""
