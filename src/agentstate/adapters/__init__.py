"""Adapters: read what a PBX or contact-centre platform logged or streams, and turn it into
agentstate events.

- :mod:`agentstate.adapters.asterisk`: the Asterisk ``queue_log`` (whole-log replay, or
  :class:`~agentstate.adapters.asterisk.QueueLogAdapter` following a growing file) and the
  Asterisk Manager Interface (:mod:`agentstate.adapters.asterisk.ami`, with an asyncio client).
- :mod:`agentstate.adapters.connect`: the Amazon Connect agent event stream.
- :mod:`agentstate.adapters.freeswitch`: FreeSWITCH mod_callcenter events.
- :mod:`agentstate.adapters.taskrouter`: Twilio TaskRouter event callbacks.

Every adapter shares one shape (:class:`Adapter`): sans-I/O ``feed(chunk)`` returning a
:class:`Batch` of events and notes, a resumable :class:`Position`, implicit logins, clamped
times and deduplication. :data:`SOURCES` names them, and :func:`replay_source` reads a whole
file or stream of one into a replay with the same reports for every source::

    replay_source(source: str, data: bytes | str | Iterable[bytes | str], *,
                  policy: Policy | None = None, store: Store | None = None,
                  strict: bool = False, start: datetime | None = None) -> Replayed

>>> result = replay_source("queue_log", b"1700000000|c0|sales|SIP/7|ADDMEMBER|\\n"
...                                     b"1700003600|c9|sales|SIP/7|REMOVEMEMBER|\\n")
>>> result.report().logged_in
datetime.timedelta(seconds=3600)

A capture whose records carry no time of their own (AMI without ``timestampevents``) replays on
the clock readings it does carry, else from ``start``, the instant the host says it begins;
without either, such records are noted MALFORMED, saying so (never placed at the Unix epoch):

>>> from datetime import datetime, timezone
>>> capture = ("Event: QueueMemberAdded\\r\\nQueue: sales\\r\\nMemberName: Agent/7\\r\\n\\r\\n"
...            "Event: QueueMemberRemoved\\r\\nQueue: sales\\r\\nMemberName: Agent/7\\r\\n\\r\\n")
>>> replay_source("ami", capture).problems[0].message[:50]
'no Timestamp, and no earlier time in the input: pa'
>>> replayed = replay_source("ami", capture, start=datetime(2026, 1, 5, 9, tzinfo=timezone.utc))
>>> replayed.start.isoformat(), [c.to_status for c in replayed.tracker.history("7")]
('2026-01-05T09:00:00+00:00', ['logged_out', 'available', 'available', 'logged_out'])

Adapters do no I/O of their own (the AMI client aside): they take the bytes the host has read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from types import MappingProxyType
from typing import Protocol

import attrs

from .._events import Event, Login, SetStatus
from .._policy import Direction, Policy
from .._report import Report
from .._store import Store
from .._tracker import Tracker
from ._apply import StreamReplay, apply, replay_stream
from ._base import Adapter
from ._values import UNMODELLED, AdapterError, Batch, Note, NoteKind, Position

__all__ = ["Adapter", "AdapterError", "Batch", "Note", "NoteKind", "Position", "Replayed",
           "SOURCES", "Source", "StreamReplay", "UNMODELLED", "UnknownSource", "apply",
           "replay_source", "replay_stream"]


class Replayed(Protocol):
    """What :func:`replay_source` returns, whatever the source."""

    @property
    def tracker(self) -> Tracker:
        """The tracker holding the replayed agents."""

    @property
    def notes(self) -> tuple[Note, ...]:
        """Everything worth knowing about particular records."""

    @property
    def problems(self) -> tuple[Note, ...]:
        """The notes that report errors."""

    @property
    def start(self) -> datetime | None:
        """The first instant replayed."""

    @property
    def end(self) -> datetime | None:
        """The last instant replayed."""

    def report(self) -> Report:
        """The team report over the whole input."""

    def agent_reports(self) -> dict[str, Report]:
        """One report per agent over the whole input."""


class _AdapterFactory(Protocol):
    """Makes a new adapter: ``start`` is the instant an input without times begins; ``strict``
    raises on the first problem."""

    def __call__(self, start: datetime | None = None, strict: bool = False) -> Adapter:
        """A new adapter."""


@attrs.frozen(kw_only=True)
class Source:
    """One kind of input agentstate can replay.

    Attributes:
        name: its name in :data:`SOURCES` (and on the command line).
        description: what it reads, in words.
        adapter: a new adapter for it, given the instant an input without times begins
            (``None`` for the queue_log, replayed whole).
        policy: the default policy, given the events read (for the pause reasons they use).
    """

    name: str
    description: str
    adapter: _AdapterFactory | None
    policy: Callable[[Sequence[Event]], Policy]


class UnknownSource(AdapterError):
    """:func:`replay_source` was asked for a source :data:`SOURCES` does not have."""

    def __init__(self, name: str) -> None:
        super().__init__(f"unknown source {name!r}; the sources are: {', '.join(SOURCES)}",
                         line=0, kind=NoteKind.UNKNOWN_EVENT)
        self.name = name


def _asterisk_policy(events: Sequence[Event]) -> Policy:
    from .asterisk import policy

    reasons = dict.fromkeys(e.reason for e in events
                            if isinstance(e, SetStatus) and e.reason is not None)
    return policy(reasons=[r for r in reasons if r is not None])


def _ami(start: datetime | None = None, strict: bool = False) -> Adapter:
    from .asterisk.ami import AmiAdapter

    return AmiAdapter(start=start, strict=strict)


def _connect(start: datetime | None = None, strict: bool = False) -> Adapter:
    from .connect import ConnectAdapter

    return ConnectAdapter(strict=strict)  # its records carry their time: no start


def _connect_policy(events: Sequence[Event]) -> Policy:
    from ..presets import amazon_connect

    names = dict.fromkeys(e.status for e in events if isinstance(e, SetStatus | Login)
                          and e.status is not None)
    preset = amazon_connect(statuses=[n for n in names if n is not None])
    # Connect gives after-contact work after outbound contacts too
    return attrs.evolve(preset, wrap_up_directions=preset.wrap_up_directions
                        | {Direction.OUTBOUND})


def _freeswitch(start: datetime | None = None, strict: bool = False) -> Adapter:
    from .freeswitch import FreeSwitchAdapter

    return FreeSwitchAdapter(start=start, strict=strict)


def _freeswitch_policy(events: Sequence[Event]) -> Policy:
    from ..presets import freeswitch_callcenter

    return freeswitch_callcenter()


def _taskrouter(start: datetime | None = None, strict: bool = False) -> Adapter:
    from .taskrouter import TaskRouterAdapter

    return TaskRouterAdapter(start=start, strict=strict)


def _taskrouter_policy(events: Sequence[Event]) -> Policy:
    from ..presets import taskrouter

    names = dict.fromkeys(e.status for e in events if isinstance(e, SetStatus | Login)
                          and e.status is not None)
    extra = [(name, False) for name in names
             if name is not None and name not in ("offline", "available")]
    return taskrouter(activities=[("Offline", False), ("Available", True), *extra])


SOURCES: Mapping[str, Source] = MappingProxyType({
    "queue_log": Source(name="queue_log", description="Asterisk queue_log (pipe format)",
                        adapter=None, policy=_asterisk_policy),
    "ami": Source(name="ami", description="Asterisk Manager Interface events (Key: Value "
                  "messages; without Timestamp fields, the manager's Ping replies and "
                  "Uniqueids, else start=, give the times)",
                  adapter=_ami, policy=_asterisk_policy),
    "connect": Source(name="connect", description="Amazon Connect agent event stream (JSON "
                      "records)", adapter=_connect, policy=_connect_policy),
    "freeswitch": Source(name="freeswitch", description="FreeSWITCH mod_callcenter events "
                         "(plain or JSON ESL)", adapter=_freeswitch, policy=_freeswitch_policy),
    "taskrouter": Source(name="taskrouter", description="Twilio TaskRouter event callbacks "
                         "(form-encoded or JSON, one a line)", adapter=_taskrouter,
                         policy=_taskrouter_policy),
})
"""Every replayable source by name (read-only)."""


def _chunks(data: bytes | str | Iterable[bytes | str]) -> Iterable[bytes | str]:
    if isinstance(data, bytes | str):
        return [data]
    return data


def replay_source(source: str, data: bytes | str | Iterable[bytes | str], *,
                  policy: Policy | None = None, store: Store | None = None,
                  strict: bool = False, start: datetime | None = None) -> Replayed:
    """Replay a whole file or stream of ``source`` through a new tracker.

    Args:
        source: a name in :data:`SOURCES` (``queue_log``, ``ami``, ...).
        data: the input: bytes, text, or an iterable of chunks or lines (an open file, binary
            or text).
        policy: the policy to replay under (default the source's, with the pause reasons read).
        store: where the tracker keeps agents and history (default in memory).
        strict: raise on the first problem instead of noting it.
        start: the instant the input begins, for records without a time of their own before
            the input gives one (an AMI capture without ``timestampevents``); the queue_log and
            Connect records always carry theirs.

    Raises:
        UnknownSource: ``source`` is not in :data:`SOURCES`.
        AdapterError: (the source's subclass) with ``strict``, the first problem (a record
            without a time, and no ``start``, among them).
        ClockError: ``start`` is not an aware datetime.
    """
    chosen = SOURCES.get(source)
    if chosen is None:
        raise UnknownSource(source)
    if chosen.adapter is None:
        from .asterisk import replay

        text = "".join(c.decode("utf-8", "replace") if isinstance(c, bytes) else c
                       for c in _chunks(data))
        return replay(text.splitlines(keepends=True), policy=policy, store=store,
                      strict=strict)
    return replay_stream(chosen.adapter(start, strict), _chunks(data),
                         policy=policy or chosen.policy, store=store, strict=strict)
