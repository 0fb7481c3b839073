"""Amazon Connect agent event stream (Kinesis): agent snapshots diffed into agentstate events.

Each record of the stream (one JSON object; one a line, or pretty-printed over several) carries
the agent's whole ``CurrentAgentSnapshot`` (and the previous one). There is no per-transition
event type: :class:`ConnectAdapter` compares the current snapshot with what it knows of the agent
and emits what changed.

Mapping
-------
=========================================  ========================================================
Connect                                    agentstate
=========================================  ========================================================
EventType LOGIN                            :class:`~agentstate.Login`
EventType LOGOUT, AgentStatus ``Offline``  :class:`~agentstate.Logout` (open contacts ended first)
AgentStatus Name changes                   :class:`~agentstate.SetStatus` at its StartTimestamp
                                           (``statuses=`` maps names; default the preset's names)
contact INCOMING / PENDING / CONNECTING    :class:`~agentstate.InteractionOffered` (queue, channel)
contact CONNECTED                          :class:`~agentstate.InteractionAnswered` at
                                           ConnectedToAgentTimestamp
contact CONNECTED_ONHOLD                   :class:`~agentstate.InteractionHeld` at its
                                           StateStartTimestamp (answered first if need be)
contact CONNECTED again after ONHOLD       :class:`~agentstate.InteractionResumed`
contact MISSED, ERROR                      :class:`~agentstate.InteractionMissed`
contact REJECTED                           :class:`~agentstate.InteractionRejected`
contact ENDED                              :class:`~agentstate.InteractionEnded` at its
                                           StateStartTimestamp: after-contact work begins
contact gone from the snapshot             after-contact work over: :class:`~agentstate.EndWrapUp`
                                           at the EventTimestamp (an open contact is ended)
HEART_BEAT                                 the snapshot is reconciled like a STATE_CHANGE
NextAgentStatus                            noted SKIPPED: the change shows when AgentStatus changes
InitiationMethod OUTBOUND                  :class:`~agentstate.InteractionStarted` (outbound) at
                                           first sight (CONNECTING: its StateStartTimestamp),
                                           never offered; after-contact work as for any contact
                                           (the policy's ``wrap_up_directions`` must include
                                           ``Direction.OUTBOUND``, as the ``connect`` source's
                                           does)
=========================================  ========================================================

Records are deduplicated by ``EventId`` (Kinesis delivers at least once). An agent is named by
the last part of its ``AgentARN`` (``agent_id=`` to choose otherwise).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import pendulum

from .._errors import PolicyError
from .._presets_parts import slug
from ._base import Adapter
from ._values import AdapterError, NoteKind, Position

__all__ = ["ConnectAdapter", "ConnectError", "arn_agent"]

class ConnectError(AdapterError):
    """A Connect record cannot be read or replayed (with ``strict=True``)."""


def arn_agent(record: Mapping[str, Any]) -> str:
    """The agent id of a record: the last part of its AgentARN.

    >>> arn_agent({"AgentARN": "arn:aws:connect:us-east-1:1:instance/i/agent/agent-ARN"})
    'agent-ARN'
    """
    arn = record.get("AgentARN")
    return arn.rsplit("/", 1)[-1] if isinstance(arn, str) else ""


_OFFERED = {"INCOMING", "PENDING", "CONNECTING"}
_ANSWERED = {"CONNECTED", "CONNECTED_ONHOLD"}


class ConnectAdapter(Adapter):
    """An Amazon Connect agent event stream, sans-I/O.

    Args:
        statuses: Connect status name -> (agentstate status, reason); names not in it become
            the status named by the preset's rule ("Available" -> ``available``, "Lunch" ->
            ``lunch``).
        offline: the status names that mean logged out.
        agent_id: the agent id of a record (default :func:`arn_agent`).
        after_contact_work: an ENDED contact starts after-contact work, ended
            (:class:`~agentstate.EndWrapUp`) when it leaves the snapshot; ``False`` for a policy
            without wrap-up.
        position, strict, now: see :class:`~agentstate.adapters.Adapter`.
    """

    name = "connect"
    error = ConnectError

    def __init__(self, *, statuses: Mapping[str, tuple[str, str | None]] | None = None,
                 offline: frozenset[str] = frozenset({"Offline"}),
                 agent_id: Callable[[Mapping[str, Any]], str] = arn_agent,
                 after_contact_work: bool = True,
                 position: Position | None = None, strict: bool = False,
                 now: Callable[[], datetime] | None = None) -> None:
        super().__init__(position=position, strict=strict, now=now)
        self._statuses = dict(statuses or {})
        self._offline = offline
        self._agent_id = agent_id
        self._acw = after_contact_work
        self._status_of: dict[str, tuple[str, str | None]] = {}
        self._after_work: dict[str, set[str]] = {}
        self._held: set[tuple[str, str]] = set()

    # -- framing -----------------------------------------------------------------------------

    def _line(self, text: str) -> None:
        record = self._json(text)
        if record is not None:
            self._snapshot(record)

    def _end(self) -> None:
        self._json_end()

    # -- mapping -----------------------------------------------------------------------------

    def _time(self, value: object, what: str) -> datetime | None:
        if not isinstance(value, str) or not value:
            return None
        try:
            parsed = pendulum.parse(value)
        except (ValueError, OverflowError, TypeError):
            parsed = None
        if not isinstance(parsed, pendulum.DateTime) or parsed.tzinfo is None or \
                not 1970 <= parsed.year < 3000:
            self._note(NoteKind.MALFORMED, f"{what} must be an ISO-8601 UTC time, got "
                                           f"{value[:40]!r}")
            return None
        return parsed.in_timezone("UTC")

    def _snapshot(self, record: dict[str, Any]) -> None:
        kind = record.get("EventType")
        self._begin(kind if isinstance(kind, str) else None)
        event_id = record.get("EventId")
        if isinstance(event_id, str) and event_id and self._duplicate(f"EventId {event_id}"):
            return
        agent = self._agent_id(record)
        at = self._time(record.get("EventTimestamp"), "EventTimestamp")
        if not agent or at is None:
            self._note(NoteKind.MALFORMED, "the record has no AgentARN or EventTimestamp")
            return
        if kind not in ("LOGIN", "LOGOUT", "STATE_CHANGE", "HEART_BEAT"):
            self._note(NoteKind.UNKNOWN_EVENT, f"unknown EventType {kind!r}")
            return
        current = record.get("CurrentAgentSnapshot")
        if kind == "LOGOUT" or not isinstance(current, dict):
            if kind != "LOGOUT":
                self._note(NoteKind.MALFORMED, "no CurrentAgentSnapshot")
                if kind == "LOGIN":
                    self._login(agent, at)
                return
            self._sign_off(agent, at)
            return
        if isinstance(current.get("NextAgentStatus"), dict):
            self._note(NoteKind.SKIPPED, "NextAgentStatus: the change applies when AgentStatus "
                                         "changes")
        status = current.get("AgentStatus")
        name = status.get("Name") if isinstance(status, dict) else None
        if not isinstance(name, str) or not name:
            self._note(NoteKind.MALFORMED, "the snapshot has no AgentStatus Name")
            return
        since = self._time(status.get("StartTimestamp"), "StartTimestamp") or at  # type: ignore[union-attr]
        if name in self._offline:
            self._sign_off(agent, at)
            return
        self._set_status(agent, name, min(since, at), login=kind == "LOGIN")
        contacts = current.get("Contacts")
        self._contacts(agent, contacts if isinstance(contacts, list) else [], at)

    def _sign_off(self, agent: str, at: datetime) -> None:
        view = self._agents.get(agent)
        after_work = self._after_work.pop(agent, set())
        self._status_of.pop(agent, None)
        if view is None or not view.logged_in:
            return
        answered = [item for item, was in view.open.items() if was]
        for item in list(view.open):
            self._note(NoteKind.ADJUSTED, f"contact {item!r} of agent {agent!r} ended: the "
                                          "agent logged out")
            self._close(agent, item, at)
        if self._acw and (after_work or answered):
            self._end_wrap_up(agent, at)
        self._logout(agent, at)

    def _set_status(self, agent: str, name: str, since: datetime, *, login: bool = False
                    ) -> None:
        mapped = self._statuses.get(name)
        if mapped is None:
            try:
                mapped = (slug(name), None)
            except PolicyError:
                self._note(NoteKind.MALFORMED, f"status name {name[:40]!r} has no letters")
                return
        view = self._agents.get(agent)
        if view is None or not view.logged_in:
            if not login:
                self._note(NoteKind.ADJUSTED, f"agent {agent!r} logged in implicitly (first "
                                              f"seen in {name!r})")
            self._login(agent, since, status=mapped[0])
            if mapped[1] is not None:
                self._status(agent, since, mapped[0], mapped[1])
            self._status_of[agent] = mapped
            return
        if self._status_of.get(agent) != mapped:
            self._status_of[agent] = mapped
            self._status(agent, since, mapped[0], mapped[1])

    def _contacts(self, agent: str, contacts: list[Any], at: datetime) -> None:
        seen: set[str] = set()
        ordered = []
        for contact in contacts:
            if not isinstance(contact, dict) or not isinstance(contact.get("ContactId"), str) \
                    or not contact["ContactId"]:
                self._note(NoteKind.MALFORMED, "a contact without ContactId")
                continue
            when = self._time(contact.get("StateStartTimestamp"), "StateStartTimestamp") or at
            ordered.append((when, contact))
        ordered.sort(key=lambda item: item[0])
        after_work = self._after_work.setdefault(agent, set())
        for when, contact in ordered:
            contact_id: str = contact["ContactId"]
            seen.add(contact_id)
            self._contact(agent, contact_id, contact, when, after_work)
        for contact_id in sorted(after_work - seen):
            after_work.discard(contact_id)
            if not after_work:
                self._end_wrap_up(agent, at)
        view = self._agents.get(agent)
        for contact_id in sorted(set(view.open) - seen if view else ()):
            self._note(NoteKind.ADJUSTED, f"contact {contact_id!r} left the snapshot while "
                                          "open: ended")
            self._close(agent, contact_id, at)

    def _contact(self, agent: str, contact_id: str, contact: dict[str, Any], when: datetime,
                 after_work: set[str]) -> None:
        state = contact.get("State")
        queue_info = contact.get("Queue")
        queue = queue_info.get("Name") if isinstance(queue_info, dict) else None
        queue = queue if isinstance(queue, str) and queue else None
        raw_channel = contact.get("Channel")
        channel = raw_channel.lower() if isinstance(raw_channel, str) and raw_channel else "voice"
        opened = self._is_open(agent, contact_id)
        if contact_id in after_work:
            return
        connected = self._time(contact.get("ConnectedToAgentTimestamp"),
                               "ConnectedToAgentTimestamp")
        outbound = contact.get("InitiationMethod") == "OUTBOUND"
        if outbound and opened is None and state in _OFFERED | _ANSWERED | {"ENDED"}:
            # the agent placed it: connected from the start, no offer
            self._start(agent, contact_id, when if state in _OFFERED else connected or when,
                        channel=channel)
            opened = True
        if state in _OFFERED:
            if not outbound:
                self._offer(agent, contact_id, when, queue=queue, channel=channel)
        elif state in _ANSWERED:
            self._answer(agent, contact_id, connected or when, queue=queue, channel=channel)
            if state == "CONNECTED_ONHOLD" and (agent, contact_id) not in self._held:
                self._held.add((agent, contact_id))
                self._hold(agent, contact_id, when)
            elif state == "CONNECTED" and (agent, contact_id) in self._held:
                self._held.discard((agent, contact_id))
                self._resume(agent, contact_id, when)
        elif state in ("MISSED", "ERROR", "REJECTED"):
            if opened is None:
                self._offer(agent, contact_id, when, queue=queue, channel=channel)
            self._close(agent, contact_id, when,
                        how="rejected" if state == "REJECTED" else "missed")
        elif state == "ENDED":
            if opened is None and connected is not None:
                self._answer(agent, contact_id, connected, queue=queue, channel=channel)
            elif opened is None:
                self._offer(agent, contact_id, when, queue=queue, channel=channel)
            answered = self._is_open(agent, contact_id)
            self._close(agent, contact_id, when)
            self._held.discard((agent, contact_id))
            if answered and (queue is not None or outbound) and self._acw:
                after_work.add(contact_id)
        else:
            self._note(NoteKind.UNKNOWN_EVENT, f"contact state {state!r} unknown")

