"""Twilio TaskRouter: workspace event callbacks into agentstate events.

:class:`TaskRouterAdapter` reads one callback a line: the form body Twilio POSTs
(``EventType=worker.activity.update&WorkerSid=WK...``) or the same fields as a JSON object. The
REST Event resource's shape (``event_type``, ``event_date``, ``event_data``) is read too. Use it
with the :func:`~agentstate.presets.taskrouter` preset built from the workspace's activities.

Mapping
-------
================================  ================================================================
EventType                         agentstate
================================  ================================================================
worker.activity.update            the offline activity: :class:`~agentstate.Logout`; another: a
                                  :class:`~agentstate.Login` into it or a
                                  :class:`~agentstate.SetStatus` (WorkerActivityName, slugged)
reservation.created               :class:`~agentstate.InteractionOffered` (id: TaskSid; queue:
                                  TaskQueueName; channel: TaskChannelUniqueName)
reservation.accepted              :class:`~agentstate.InteractionAnswered`
reservation.rejected              :class:`~agentstate.InteractionRejected`
reservation.timeout               :class:`~agentstate.InteractionMissed`
reservation.canceled, .rescinded  :class:`~agentstate.InteractionEnded` (withdrawn)
reservation.wrapup                :class:`~agentstate.InteractionEnded`: wrap-up begins
reservation.completed             :class:`~agentstate.EndWrapUp` (ending the task first if no
                                  wrapup was seen)
task.transfer.*, worker.channel.  noted UNSUPPORTED (not modelled yet)
*, worker.attributes.update
task.*, task-queue.*, workflow.*  noted SKIPPED (the task side)
================================  ================================================================

Times: ``TimestampMs`` (ms), else ``Timestamp`` (epoch seconds or ISO-8601), else the host's
clock. Callbacks are deduplicated by ``EventSid`` (or ``Sid``): Twilio retries a callback that
failed. A worker is named by ``WorkerSid`` (``agent_id=`` to choose, e.g. ``WorkerName``).
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
from .._presets_parts import slug
from ._base import Adapter
from ._values import AdapterError, NoteKind, Position

__all__ = ["TaskRouterAdapter", "TaskRouterError", "worker_sid"]

_LAST_EPOCH = 32_503_680_000.0
_CHANNELS = {"voice": "voice", "chat": "chat", "sms": "chat"}


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
        position, strict, now: see :class:`~agentstate.adapters.Adapter`.
    """

    name = "taskrouter"
    error = TaskRouterError

    def __init__(self, *, offline: str = "Offline",
                 agent_id: Callable[[Mapping[str, str]], str] = worker_sid,
                 position: Position | None = None, strict: bool = False,
                 now: Callable[[], datetime] | None = None) -> None:
        super().__init__(position=position, strict=strict, now=now)
        self._offline = offline
        self._agent_id = agent_id
        self._wrapping: set[tuple[str, str]] = set()

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
        for key, scale in (("TimestampMs", 1000.0), ("Timestamp", 1.0)):
            text = fields.get(key, "").strip()
            if not text:
                continue
            try:
                value = float(text) / scale
            except ValueError:
                value = math.nan
            if math.isfinite(value) and 0 <= value < _LAST_EPOCH:
                return pendulum.from_timestamp(value)
            if key == "Timestamp" and re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]\d\d:?\d\d)",
                                                   text):
                try:
                    parsed = pendulum.parse(text)
                except (ValueError, OverflowError):
                    parsed = None
                if isinstance(parsed, pendulum.DateTime) and 1970 <= parsed.year < 3000:
                    return parsed.in_timezone("UTC")
            self._note(NoteKind.MALFORMED, f"{key} is not a time: {text[:40]!r}")
            return None
        return self._clock()

    def _callback(self, fields: Mapping[str, str]) -> None:
        kind = fields.get("EventType", "").strip()
        self._begin(kind or None)
        if not kind:
            self._note(NoteKind.MALFORMED, "a callback without EventType")
            return
        sid = fields.get("EventSid") or fields.get("Sid", "")
        if sid.startswith("EV") and self._duplicate(f"EventSid {sid}"):
            return
        handler = _HANDLERS.get(kind)
        if handler is None:
            if kind.startswith(_UNSUPPORTED):
                self._unsupported(kind)
            else:
                self._note(NoteKind.SKIPPED, f"{kind}: the task side, nothing for the worker")
            return
        agent = self._agent_id(fields)
        if not agent:
            self._note(NoteKind.MALFORMED, f"{kind} names no worker")
            return
        at = self._time(fields)
        if at is None:
            if not self._notes or self._notes[-1].kind is not NoteKind.MALFORMED:
                self._note(NoteKind.MALFORMED, "no Timestamp, and no host clock nor earlier "
                                               "time to take")
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
            channel = _CHANNELS.get(fields.get("TaskChannelUniqueName", "").strip(), "task")
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
}
"""Each mapped EventType and its handler."""

_UNSUPPORTED = ("task.transfer", "worker.channel.", "worker.attributes.update")
"""The EventTypes (prefixes) agentstate does not model yet: noted UNSUPPORTED."""
