"""Applying what an adapter emits to a tracker, and the replay of a whole stream."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta

import attrs
import pendulum

from .._errors import AgentStateError
from .._events import Event
from .._policy import Policy
from .._report import Report, agent_reports, report
from .._state import Change
from .._store import Store
from .._time import ManualClock, to_utc
from .._tracker import Tracker
from ._base import Adapter
from ._values import AdapterError, Batch, Note, NoteKind, Position

__all__ = ["StreamReplay", "apply", "replay_stream"]


def apply(batch: Batch, tracker: Tracker, *, strict: bool = False,
          error: type[AdapterError] = AdapterError) -> list[Note]:
    """Apply a batch's events to ``tracker`` in order; return the notes of refused events.

    Unknown agents are registered first. With a :class:`~agentstate.ManualClock`, the clock is
    moved to each event's time (never back).

    Raises:
        AdapterError: (``error``) with ``strict``, the first refused event.
    """
    notes: list[Note] = []
    clock = tracker.clock if isinstance(tracker.clock, ManualClock) else None
    lines = batch.lines or (0,) * len(batch.events)
    for event, line in zip(batch.events, lines, strict=True):
        at = event.at
        if clock is not None and at is not None and at > clock.now():
            clock.set(at)
        try:
            if tracker.store.load(event.agent) is None:
                tracker.register(event.agent, at=at)
            tracker.apply(event)
        except AgentStateError as refused:
            message = f"{type(event).__name__} of agent {event.agent!r} refused: {refused}"
            if strict:
                raise error(message, line=line, kind=NoteKind.REFUSED,
                            event=type(event).__name__) from refused
            notes.append(Note(line=line, kind=NoteKind.REFUSED, event=type(event).__name__,
                              message=message))
    return notes


@attrs.frozen(kw_only=True, eq=False)
class StreamReplay:
    """A whole stream replayed: the tracker it filled, the notes, and its time range.

    Attributes:
        tracker: the tracker holding every agent's state and history.
        notes: everything worth knowing about particular records, in order.
        start: the first event's time (``None`` if nothing was replayed).
        end: the last event's time.
        position: where the read stopped (to resume).
    """

    tracker: Tracker
    notes: tuple[Note, ...]
    start: pendulum.DateTime | None
    end: pendulum.DateTime | None
    position: Position = attrs.field(factory=Position)

    @property
    def problems(self) -> tuple[Note, ...]:
        """The notes that report errors."""
        return tuple(n for n in self.notes if n.kind.is_problem)

    def history(self) -> list[Change]:
        """Every agent's history, agent by agent."""
        return [c for agent in sorted(self.tracker.agents())
                for c in self.tracker.history(agent)]

    def _range(self) -> tuple[datetime, datetime, datetime]:
        first = self.start or self.tracker.clock.now()
        last = self.end or first
        return first, to_utc(last) + timedelta(seconds=1), last

    def report(self) -> Report:
        """The team report over the whole stream (to one second after its last event), with
        what is still open at the end running until the last event."""
        begin, finish, stop = self._range()
        return report(self.history(), self.tracker.policy, start=begin, end=finish, until=stop)

    def agent_reports(self) -> dict[str, Report]:
        """One report per agent, over the same range as :meth:`report`."""
        begin, finish, stop = self._range()
        return agent_reports(self.history(), self.tracker.policy, start=begin, end=finish,
                             until=stop)


def replay_stream(adapter: Adapter, chunks: Iterable[bytes | str], *,
                  policy: Policy | Callable[[Sequence[Event]], Policy],
                  store: Store | None = None, strict: bool = False) -> StreamReplay:
    """Feed every chunk to ``adapter`` and apply its events to a new tracker under ``policy``
    whose :class:`~agentstate.ManualClock` follows the events.

    ``policy`` may be a function of the events read (to take the pause reasons they use).

    Raises:
        AdapterError: (the adapter's subclass) with ``strict``, the first problem.
    """
    batches = [adapter.feed(chunk) for chunk in chunks]
    batches.append(adapter.close())
    times = [e.at for b in batches for e in b.events if e.at is not None]
    if not isinstance(policy, Policy):
        policy = policy([e for b in batches for e in b.events])
    tracker = Tracker(policy, store=store, clock=ManualClock(min(times) if times else None))
    notes: list[Note] = []
    for batch in batches:
        notes.extend(batch.notes)
        notes.extend(apply(batch, tracker, strict=strict, error=adapter.error))
    start = pendulum.instance(to_utc(min(times))) if times else None
    end = pendulum.instance(to_utc(max(times))) if times else None
    notes.sort(key=lambda note: note.line)
    return StreamReplay(tracker=tracker, notes=tuple(notes), start=start, end=end,
                        position=adapter.position)
