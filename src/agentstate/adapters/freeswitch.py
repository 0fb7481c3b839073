"""FreeSWITCH mod_callcenter: ``CUSTOM callcenter::info`` events into agentstate events.

:class:`FreeSwitchAdapter` reads events as ESL delivers them: plain (``Key: Value`` headers, an
empty line after each event, values URL-encoded) or JSON (one object a line). Use it with the
:func:`~agentstate.presets.freeswitch_callcenter` preset, whose wrap-up time and delays are the
module's own: mod_callcenter writes no wrap-up event, and agentstate derives wrap-up from the
end of the bridge and the configured time, as the module does.

Mapping
-------
=====================================  ===========================================================
CC-Action                              agentstate
=====================================  ===========================================================
agent-status-change                    ``Logged Out``: :class:`~agentstate.Logout`; ``Available``,
                                       ``Available (On Demand)``, ``On Break``: a
                                       :class:`~agentstate.Login` into it, or a
                                       :class:`~agentstate.SetStatus`
agent-offering                         :class:`~agentstate.InteractionOffered` (id: the member's
                                       session UUID; queue: CC-Queue)
bridge-agent-start                     :class:`~agentstate.InteractionAnswered` at
                                       CC-Agent-Answered-Time (offered at CC-Agent-Called-Time
                                       when no agent-offering was seen)
bridge-agent-end                       :class:`~agentstate.InteractionEnded` at
                                       CC-Bridge-Terminated-Time
bridge-agent-fail                      CC-Hangup-Cause ``USER_BUSY``: busy (system);
                                       ``CALL_REJECTED``: rejected; ``ORIGINATOR_CANCEL``: ended
                                       (withdrawn); otherwise missed; at CC-Agent-Aborted-Time
agent-state-change                     noted SKIPPED: Waiting, Receiving, In a queue call, Idle
                                       are derived by agentstate from the calls
agent-contact-change                   the agent's device (CC-Agent-Contact) for its next
                                       :class:`~agentstate.Login` (``device``); while logged in,
                                       noted UNSUPPORTED (no event changes a session's device)
member-queue-*, members-count,         noted SKIPPED (caller side; the policy's own timers)
agent-max-no-answer, agent-add
=====================================  ===========================================================

Every ``CC-*-Time`` header is epoch seconds; an event's own time is ``Event-Date-Timestamp``
(microseconds); without it (the vendor's example events), the host's clock (``now=``), else the
latest clock reading among the events before it and itself (their ``CC-*-Time`` headers, such as
bridge-agent-end's CC-Bridge-Terminated-Time, and Event-Date-Timestamp), else ``start=`` (the
instant the capture begins); without any, noted MALFORMED (but an agent-contact-change, which
emits no event, needs no time). Events are deduplicated by ``Core-UUID`` and ``Event-Sequence``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from urllib.parse import unquote

import pendulum

from .._errors import PolicyError
from .._limits import name_problem
from .._presets_parts import slug
from ._base import Adapter
from ._values import AdapterError, NoteKind, Position

__all__ = ["FreeSwitchAdapter", "FreeSwitchError", "STATUSES"]

STATUSES: Mapping[str, str | None] = {
    "Logged Out": None, "Available": "available",
    "Available (On Demand)": "available_on_demand", "On Break": "on_break"}
"""mod_callcenter's agent statuses and the preset's status names (``None``: logged out)."""

_LAST_EPOCH = 32_503_680_000.0
_KEY = re.compile(r"[A-Za-z0-9_-]+")


class FreeSwitchError(AdapterError):
    """A mod_callcenter event cannot be read or replayed (with ``strict=True``)."""


class FreeSwitchAdapter(Adapter):
    """FreeSWITCH mod_callcenter events (plain or JSON ESL), sans-I/O.

    >>> adapter = FreeSwitchAdapter()
    >>> batch = adapter.feed("Event-Name: CUSTOM\\nEvent-Subclass: callcenter%3A%3Ainfo\\n"
    ...                      "Event-Date-Timestamp: 1700000000000000\\nCC-Agent: 1000@default\\n"
    ...                      "CC-Action: agent-status-change\\nCC-Agent-Status: Available\\n\\n")
    >>> [(type(e).__name__, e.agent, e.status) for e in batch.events]
    [('Login', '1000@default', 'available')]

    Args:
        statuses: mod_callcenter status -> status name (``None``: logged out); default
            :data:`STATUSES`, other names slugged.
        agent_id: maps CC-Agent to an agent id (default: as is).
        position, strict, now, start: see :class:`~agentstate.adapters.Adapter`.
    """

    name = "freeswitch"
    error = FreeSwitchError

    def __init__(self, *, statuses: Mapping[str, str | None] = STATUSES,
                 agent_id: Callable[[str], str] = str, position: Position | None = None,
                 strict: bool = False, now: Callable[[], datetime] | None = None,
                 start: datetime | None = None) -> None:
        super().__init__(position=position, strict=strict, now=now, start=start)
        self._statuses = dict(statuses)
        self._agent_id = agent_id
        self._contacts: dict[str, str] = {}
        """Per agent, the last CC-Agent-Contact: the device of its next Login."""
        self._headers: dict[str, str] = {}
        self._broken = False

    # -- framing -----------------------------------------------------------------------------

    def _line(self, text: str) -> None:
        if not self._headers and not self._broken and text.lstrip().startswith("{"):
            self._commit()
            try:
                data = json.loads(text)
            except (json.JSONDecodeError, RecursionError) as error:
                self._note(NoteKind.MALFORMED, f"not a JSON event: {error}")
                return
            if not isinstance(data, dict):
                self._note(NoteKind.MALFORMED, "a JSON event must be an object")
                return
            self._event({str(k).lower(): str(v) for k, v in data.items()})
            return
        if not text.strip():
            self._finish()
            return
        key, sep, value = text.partition(":")
        if not sep or _KEY.fullmatch(key.strip()) is None:
            self._broken = True
            return
        self._headers.setdefault(key.strip().lower(), unquote(value.strip()))

    def _end(self) -> None:
        self._finish()

    def _finish(self) -> None:
        headers, broken = self._headers, self._broken
        self._headers, self._broken = {}, False
        if not headers and not broken:
            if self._pending:
                self._commit()
            return
        self._commit()
        if broken:
            self._note(NoteKind.MALFORMED, "a block with lines that are not 'Header: value': "
                                           "skipped")
            return
        self._event(headers)

    # -- mapping -----------------------------------------------------------------------------

    def _epoch(self, headers: Mapping[str, str], key: str, scale: float = 1.0, *,
               quiet: bool = False) -> datetime | None:
        text = headers.get(key, "").strip()
        if not text:
            return None
        try:
            value = float(text) / scale
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or not 0 <= value < _LAST_EPOCH:
            if not quiet:
                self._note(NoteKind.MALFORMED, f"{key} must be epoch seconds, got "
                                               f"{text[:40]!r}")
            return None
        return pendulum.from_timestamp(value)

    def _event(self, headers: dict[str, str]) -> None:
        action = headers.get("cc-action")
        self._begin(action or headers.get("event-name"))
        for key in headers:  # its clock readings: later events without a time take them
            if (key.startswith("cc-") and key.endswith("-time")) or key == "event-date-timestamp":
                clock = self._epoch(headers, key, 1_000_000.0 if key[0] == "e" else 1.0,
                                    quiet=True)
                if clock is not None:
                    self._observe(clock)
        if headers.get("event-subclass", "").strip() != "callcenter::info" or not action:
            what = headers.get("event-name") or headers.get("content-type") or "a block"
            self._note(NoteKind.SKIPPED, f"{what}: not a callcenter::info event")
            return
        sequence = headers.get("event-sequence")
        if sequence and self._duplicate(f"{headers.get('core-uuid', '')} {sequence}"):
            return
        handler = _HANDLERS.get(action)
        timeless = _TIMELESS.get(action)
        if handler is None and timeless is None:
            if action in _UNSUPPORTED:
                self._unsupported(action, why=_UNSUPPORTED[action])
            else:
                self._note(NoteKind.SKIPPED, f"{action}: {_SKIPPED.get(action, 'unknown')}")
            return
        agent = self._agent_id(headers.get("cc-agent", "").strip())
        if not agent:
            self._note(NoteKind.MALFORMED, f"{action} names no CC-Agent")
            return
        if timeless is not None:  # needs no time: never noted for the lack of one
            timeless(self, agent, headers)
            return
        at = self._epoch(headers, "event-date-timestamp", 1_000_000.0) or self._clock()
        if at is None:
            self._untimed("Event-Date-Timestamp")
            return
        if handler is not None:
            handler(self, agent, headers, at)

    def _call(self, headers: Mapping[str, str]) -> str | None:
        call = (headers.get("cc-member-session-uuid") or headers.get("cc-member-uuid")
                or "").strip()
        if not call:
            self._note(NoteKind.MALFORMED, "no CC-Member-Session-UUID")
            return None
        return call

    def status_change(self, agent: str, headers: Mapping[str, str], at: datetime) -> None:
        text = headers.get("cc-agent-status", "").strip()
        if text in self._statuses:
            status = self._statuses[text]
        else:
            try:
                status = slug(text)
            except PolicyError:
                self._note(NoteKind.MALFORMED, f"CC-Agent-Status {text[:40]!r} is not a status")
                return
        view = self._agents.get(agent)
        if status is None:
            if view is not None and view.logged_in:
                self._logout(agent, at)
            else:
                self._note(NoteKind.SKIPPED, f"agent {agent!r} is already logged out")
        elif view is None or not view.logged_in:
            self._login(agent, at, status=status, device=self._contacts.get(agent))
        else:
            self._status(agent, at, status)

    def contact_change(self, agent: str, headers: Mapping[str, str]) -> None:
        """The agent's contact (the dial string mod_callcenter calls it on) is its device:
        kept for its next Login. A logged-in agent's session keeps the device it logged in
        with: agentstate records the device with the Login only. No event is emitted, so the
        change needs no time (an event without one is read all the same)."""
        contact = headers.get("cc-agent-contact", "").strip()
        problem = name_problem(contact) if contact else "it is empty"
        if problem is not None:
            self._note(NoteKind.MALFORMED, f"CC-Agent-Contact {contact[:40]!r} is not a device "
                                           f"name: {problem}")
            return
        self._contacts[agent] = contact
        view = self._agents.get(agent)
        if view is not None and view.logged_in:
            self._unsupported(
                f"agent-contact-change of logged-in agent {agent!r} to {contact[:60]!r} (kept "
                "for its next Login)", why="agentstate records an agent's device only with its "
                "Login (Login.device): no event changes the device of a session under way")

    def offering(self, agent: str, headers: Mapping[str, str], at: datetime) -> None:
        call = self._call(headers)
        if call is not None:
            self._offer(agent, call, at, queue=headers.get("cc-queue") or None)

    def bridge_start(self, agent: str, headers: Mapping[str, str], at: datetime) -> None:
        call = self._call(headers)
        if call is None:
            return
        queue = headers.get("cc-queue") or None
        if self._is_open(agent, call) is None:
            self._offer(agent, call, self._epoch(headers, "cc-agent-called-time") or at,
                        queue=queue)
        self._answer(agent, call, self._epoch(headers, "cc-agent-answered-time") or at,
                     queue=queue)

    def bridge_end(self, agent: str, headers: Mapping[str, str], at: datetime) -> None:
        call = self._call(headers)
        if call is None:
            return
        if not self._is_open(agent, call):  # the bridge was answered, seen or not
            self.bridge_start(agent, headers, at)
        self._close(agent, call, self._epoch(headers, "cc-bridge-terminated-time") or at)

    def bridge_fail(self, agent: str, headers: Mapping[str, str], at: datetime) -> None:
        call = self._call(headers)
        if call is None:
            return
        queue = headers.get("cc-queue") or None
        if self._is_open(agent, call) is None:
            self._offer(agent, call, self._epoch(headers, "cc-agent-called-time") or at,
                        queue=queue)
        when = self._epoch(headers, "cc-agent-aborted-time") or at
        cause = headers.get("cc-hangup-cause", "").strip().upper()
        if cause == "USER_BUSY":
            self._close(agent, call, when, how="rejected", busy=True)
        elif cause == "CALL_REJECTED":
            self._close(agent, call, when, how="rejected")
        elif cause == "ORIGINATOR_CANCEL":
            self._close(agent, call, when)
        else:
            self._close(agent, call, when, how="missed")


_Handler = Callable[[FreeSwitchAdapter, str, Mapping[str, str], datetime], None]

_HANDLERS: dict[str, _Handler] = {
    "agent-status-change": FreeSwitchAdapter.status_change,
    "agent-offering": FreeSwitchAdapter.offering,
    "bridge-agent-start": FreeSwitchAdapter.bridge_start,
    "bridge-agent-end": FreeSwitchAdapter.bridge_end,
    "bridge-agent-fail": FreeSwitchAdapter.bridge_fail,
}
"""Each mapped CC-Action and its handler."""

_TIMELESS: dict[str, Callable[[FreeSwitchAdapter, str, Mapping[str, str]], None]] = {
    "agent-contact-change": FreeSwitchAdapter.contact_change,
}
"""The CC-Actions that emit no event, so need no time: read before the event's time is
looked for (an event without one is never noted for the lack of it)."""

_UNSUPPORTED: dict[str, str] = {}
"""The CC-Actions agentstate does not model, and why: noted UNSUPPORTED. None today (a contact
change of a logged-in agent is noted by its handler)."""

_SKIPPED: dict[str, str] = {
    "agent-state-change": "the agent's state is derived by agentstate from the calls",
    "member-queue-start": "caller side", "member-queue-end": "caller side",
    "member-queue-resume": "caller side", "members-count": "caller side",
    "agent-max-no-answer": "the policy's own no-answer rule",
    "agent-add": "an agent created (it logs in with its first status)",
}
