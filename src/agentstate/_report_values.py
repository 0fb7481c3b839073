"""Reports as values: the report of an agent or a team, its parts, and its CSV form.

What the numbers mean, and how they are computed from history, is in :mod:`agentstate._report`,
which computes them; this module holds the frozen values they land in (and how they add up and
export). Import them from :mod:`agentstate` or :mod:`agentstate._report`.

Its length has one reason to change: the shape of a report (its values and their JSON and CSV
forms); the arithmetic that fills them is in _report.
"""

from __future__ import annotations

import csv
import enum
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

import attrs

from ._errors import AgentStateError
from ._events import TransferKind
from ._policy import Direction
from ._state import Occupation

__all__ = [
    "Counts",
    "InteractionOutcome",
    "InteractionRecord",
    "LoginSession",
    "Report",
    "ReportError",
    "HANDLING",
    "Totals",
    "interaction_order",
    "interactions_csv",
    "session_order",
    "sessions_csv",
    "summary_csv",
]

ZERO = timedelta(0)

K = TypeVar("K")

HANDLING: frozenset[Occupation] = frozenset(
    o for o in Occupation if o.value in ("on_interaction", "wrap_up"))
"""Occupations that count as working on interactions (wrap-up too, once the enum has it)."""


class ReportError(AgentStateError, ValueError):
    """A report cannot be computed or combined as asked.

    Attributes:
        culprit: what is at fault (a status, a reason, a range).
    """

    def __init__(self, message: str, *, culprit: str) -> None:
        super().__init__(message)
        self.culprit = culprit


# -- values ------------------------------------------------------------------------------------


class Totals(Mapping[K, timedelta], Generic[K]):
    """An immutable mapping of keys to durations, in a fixed key order. Adds with ``+``.

    Totals compare equal when they hold the same durations for the same keys.
    """

    __slots__ = ("_data",)

    def __init__(self, items: Iterable[tuple[K, timedelta]] = ()) -> None:
        data: dict[K, timedelta] = {}
        for key, value in items:
            data[key] = data.get(key, ZERO) + value
        self._data = data

    def __getitem__(self, key: K) -> timedelta:
        return self._data[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        return hash(frozenset(self._data.items()))

    def __add__(self, other: Totals[K]) -> Totals[K]:
        return Totals([*self._data.items(), *other._data.items()])

    def total(self) -> timedelta:
        """The sum of every duration."""
        return sum(self._data.values(), ZERO)

    def __repr__(self) -> str:
        inner = ", ".join(f"{k!r}: {v!r}" for k, v in self._data.items())
        return f"Totals({{{inner}}})"


@attrs.frozen(kw_only=True)
class Counts:
    """How many interactions were offered, answered and closed in each way, by event time.

    Attributes:
        offered: offers made.
        answered: offers accepted.
        completed: answered interactions that ended.
        missed: offers not answered in time.
        rejected: offers declined by the agent.
        busy: offers the system reported the agent's device busy for.
        withdrawn: offers that ended before being answered (the caller hung up, another agent
            took it).
        dropped: interactions left open by a forced logout.
        queue, direct, outbound: interactions connected (answered, or started) by direction.
        blind_transfers, attended_transfers, live_transfers: transfers completed, by kind.
    """

    offered: int = 0
    answered: int = 0
    completed: int = 0
    missed: int = 0
    rejected: int = 0
    withdrawn: int = 0
    dropped: int = 0
    busy: int = 0
    queue: int = 0
    direct: int = 0
    outbound: int = 0
    blind_transfers: int = 0
    attended_transfers: int = 0
    live_transfers: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(**{f.name: getattr(self, f.name) + getattr(other, f.name)
                         for f in attrs.fields(Counts)})


@attrs.frozen(kw_only=True)
class LoginSession:
    """One login session of one agent, whole (not clipped to the report's range).

    Attributes:
        agent: the agent's id.
        start: when the agent logged in.
        end: when it logged out, or ``None`` if it was still logged in at the end of history.
        length: ``end - start``; for a session still open, up to the report's ``until``.
    """

    agent: str
    start: datetime
    end: datetime | None
    length: timedelta

    @property
    def open(self) -> bool:
        """Whether the session was still open at the end of history."""
        return self.end is None


class InteractionOutcome(enum.Enum):
    """How an interaction ended (or that it had not)."""

    COMPLETED = "completed"
    """Answered, then ended."""
    MISSED = "missed"
    """Not answered in time."""
    REJECTED = "rejected"
    """Declined by the agent."""
    BUSY = "busy"
    """Refused by the agent's device as busy (reported by the system)."""
    WITHDRAWN = "withdrawn"
    """Ended before it was answered."""
    DROPPED = "dropped"
    """Left open by a forced logout."""
    OPEN = "open"
    """Still open at the end of history."""


@attrs.frozen(kw_only=True)
class InteractionRecord:
    """One interaction of one agent, from offer to end, whole (not clipped).

    Attributes:
        agent: the agent's id.
        interaction: the host's id for the call, chat or email.
        channel: its channel.
        queue: its queue, or ``None`` for a direct or outbound one.
        direction: queue, direct or outbound.
        offered_at: when it was offered (or started, for a started one).
        answered_at: when it was answered, or ``None``.
        ended_at: when it closed (ended, missed, rejected, dropped), or ``None`` if still open.
        outcome: how it ended.
        ring_time: from the offer to the answer (or the close, or ``until`` if still ringing).
        talk_time: from the answer to the end (or ``until``), less hold time; ``None`` if
            never answered.
        hold_time: time on hold.
        wrap_up_time: the post-processing that followed it.
        transfer: how it was transferred, if the agent's side ended in a transfer.
        transfer_target: the transfer's target, if the host named one.
    """

    agent: str
    interaction: str
    channel: str
    queue: str | None
    offered_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    outcome: InteractionOutcome
    ring_time: timedelta
    talk_time: timedelta | None
    direction: Direction = Direction.QUEUE
    hold_time: timedelta = ZERO
    wrap_up_time: timedelta = ZERO
    transfer: TransferKind | None = None
    transfer_target: str | None = None

    @property
    def handle_time(self) -> timedelta:
        """Talk + hold + wrap-up."""
        return (self.talk_time or ZERO) + self.hold_time + self.wrap_up_time


@attrs.frozen(kw_only=True)
class Report:
    """What one agent or a team did over ``[start, end)``. See the module for definitions.

    (The definitions are in :mod:`agentstate._report`, which computes reports.)

    Attributes:
        agents: the agents covered, sorted.
        start: the range's first instant (UTC).
        end: the instant just after the range (UTC).
        tracked: time covered by history in the range (the sum of ``by_status``).
        logged_in: time in statuses the policy reports as logged in.
        by_status: time per status name (every status of the policy).
        by_reason: time per pause reason code (every reason of the policy).
        by_bucket: time per reporting bucket, ``Status.report_as`` (every bucket).
        by_occupation: time per occupation while in a session (every ``Occupation``).
        paid_pause: time in paid pause reasons.
        unpaid_pause: time in unpaid pause reasons.
        overrun: time per pause reason past its daily allotment or its maximum length (every
            reason; days by the policy's time zone, calendar days even with a rolling rule).
        handling: time on interactions (handling occupations), in any status.
        ready: time in routable statuses while not handling.
        counts: interactions offered, answered, ..., by the time of the event.
        talk_time, hold_time, wrap_up_time: the sums over the interactions whose agent's side
            ended in the range.
        sessions: the login sessions overlapping the range, oldest first.
        interactions: the interactions overlapping the range, oldest first.
    """

    agents: tuple[str, ...]
    start: datetime
    end: datetime
    tracked: timedelta
    logged_in: timedelta
    by_status: Totals[str]
    by_reason: Totals[str]
    by_bucket: Totals[str]
    by_occupation: Totals[Occupation]
    paid_pause: timedelta
    unpaid_pause: timedelta
    overrun: Totals[str]
    handling: timedelta
    ready: timedelta
    counts: Counts
    sessions: tuple[LoginSession, ...]
    interactions: tuple[InteractionRecord, ...]
    talk_time: timedelta = ZERO
    hold_time: timedelta = ZERO
    wrap_up_time: timedelta = ZERO

    @property
    def handle_time(self) -> timedelta:
        """Talk + hold + wrap-up of the interactions whose agent's side ended in the range."""
        return self.talk_time + self.hold_time + self.wrap_up_time

    @property
    def occupancy(self) -> float | None:
        """``handling / (handling + ready)``, or ``None`` when the agents were neither."""
        base = self.handling + self.ready
        if base <= ZERO:
            return None
        return self.handling / base

    @property
    def pause(self) -> timedelta:
        """All time with a pause reason, paid or not."""
        return self.paid_pause + self.unpaid_pause

    def __add__(self, other: Report) -> Report:
        """The report of both: the same agents over adjacent ranges, or other agents over the
        same range. Times and counts add; sessions and interactions merge.

        Raises:
            ReportError: neither case holds (the sum would count time twice or claim a range
                it does not cover).
        """
        if not isinstance(other, Report):
            return NotImplemented
        first, second = (self, other) if self.start <= other.start else (other, self)
        team = (first.start == second.start and first.end == second.end
                and not set(first.agents) & set(second.agents))
        days = first.end == second.start and first.agents == second.agents
        if not (team or days):
            raise ReportError(
                "reports add up only for the same agents over adjacent ranges, or for "
                f"different agents over the same range; got {first.agents} over "
                f"[{first.start.isoformat()}, {first.end.isoformat()}) and {second.agents} "
                f"over [{second.start.isoformat()}, {second.end.isoformat()})",
                culprit="range")
        return Report(
            agents=tuple(sorted({*first.agents, *second.agents})),
            start=first.start, end=second.end,
            tracked=first.tracked + second.tracked,
            logged_in=first.logged_in + second.logged_in,
            by_status=first.by_status + second.by_status,
            by_reason=first.by_reason + second.by_reason,
            by_bucket=first.by_bucket + second.by_bucket,
            by_occupation=first.by_occupation + second.by_occupation,
            paid_pause=first.paid_pause + second.paid_pause,
            unpaid_pause=first.unpaid_pause + second.unpaid_pause,
            overrun=first.overrun + second.overrun,
            handling=first.handling + second.handling,
            ready=first.ready + second.ready,
            counts=first.counts + second.counts,
            sessions=_merge(first.sessions, second.sessions, _session_key, session_order),
            interactions=_merge(first.interactions, second.interactions, _interaction_key,
                                interaction_order),
            talk_time=first.talk_time + second.talk_time,
            hold_time=first.hold_time + second.hold_time,
            wrap_up_time=first.wrap_up_time + second.wrap_up_time,
        )

    # -- export ----------------------------------------------------------------------------------

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data: instants in ISO 8601, durations in seconds."""
        return {
            "agents": list(self.agents),
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            **_summary(self),
            "by_status": _seconds_map(self.by_status),
            "by_reason": _seconds_map(self.by_reason),
            "by_bucket": _seconds_map(self.by_bucket),
            "overrun": _seconds_map(self.overrun),
            "by_occupation": {o.value: _s(t) for o, t in self.by_occupation.items()},
            "counts": attrs.asdict(self.counts),
            "sessions": [_session_row(s) for s in self.sessions],
            "interactions": [_interaction_row(i) for i in self.interactions],
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        """The report as a JSON document (see :meth:`as_dict`)."""
        return json.dumps(self.as_dict(), indent=indent)


def _merge(first: tuple[Any, ...], second: tuple[Any, ...], key: Any, order: Any
           ) -> tuple[Any, ...]:
    """``first`` and ``second``, an item found in both (by ``key``) kept once, from ``second``."""
    later = {key(item) for item in second}
    kept = [item for item in first if key(item) not in later]
    return tuple(sorted([*kept, *second], key=order))


def _session_key(item: LoginSession) -> tuple[Any, ...]:
    return (item.agent, item.start, item.end)


def session_order(item: LoginSession) -> tuple[Any, ...]:
    return (item.start, item.agent)


def _interaction_key(item: InteractionRecord) -> tuple[Any, ...]:
    return (item.agent, item.interaction, item.offered_at, item.ended_at)


def interaction_order(item: InteractionRecord) -> tuple[Any, ...]:
    return (item.offered_at, item.agent, item.interaction)


# -- export ------------------------------------------------------------------------------------


def _s(value: timedelta | None) -> float | None:
    return None if value is None else value.total_seconds()


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _seconds_map(totals: Totals[str]) -> dict[str, float | None]:
    return {key: _s(value) for key, value in totals.items()}


def _summary(rep: Report) -> dict[str, Any]:
    return {
        "tracked_s": _s(rep.tracked), "logged_in_s": _s(rep.logged_in),
        "paid_pause_s": _s(rep.paid_pause), "unpaid_pause_s": _s(rep.unpaid_pause),
        "handling_s": _s(rep.handling), "ready_s": _s(rep.ready), "occupancy": rep.occupancy,
        "talk_s": _s(rep.talk_time), "hold_s": _s(rep.hold_time),
        "wrap_up_s": _s(rep.wrap_up_time), "handle_s": _s(rep.handle_time),
    }


def _session_row(session: LoginSession) -> dict[str, Any]:
    return {"agent": session.agent, "start": _iso(session.start), "end": _iso(session.end),
            "length_s": _s(session.length)}


def _interaction_row(item: InteractionRecord) -> dict[str, Any]:
    return {"agent": item.agent, "interaction": item.interaction, "channel": item.channel,
            "queue": item.queue, "offered_at": _iso(item.offered_at),
            "answered_at": _iso(item.answered_at), "ended_at": _iso(item.ended_at),
            "outcome": item.outcome.value, "ring_time_s": _s(item.ring_time),
            "talk_time_s": _s(item.talk_time), "direction": item.direction.value,
            "hold_time_s": _s(item.hold_time), "wrap_up_time_s": _s(item.wrap_up_time),
            "handle_time_s": _s(item.handle_time),
            "transfer": None if item.transfer is None else item.transfer.value,
            "transfer_target": item.transfer_target}


def _csv(rows: Iterable[dict[str, Any]]) -> str:
    rows = list(rows)
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return out.getvalue()


def summary_csv(reports: Iterable[Report]) -> str:
    """One CSV row per report: range, times in seconds, occupancy, counts, and a column per
    status (``status:NAME``), reason (``reason:CODE``), bucket and occupation."""
    def row(rep: Report) -> dict[str, Any]:
        data: dict[str, Any] = {"agents": " ".join(rep.agents), "start": rep.start.isoformat(),
                                "end": rep.end.isoformat(), **_summary(rep),
                                **attrs.asdict(rep.counts)}
        data.update((f"status:{k}", _s(v)) for k, v in rep.by_status.items())
        data.update((f"reason:{k}", _s(v)) for k, v in rep.by_reason.items())
        data.update((f"bucket:{k}", _s(v)) for k, v in rep.by_bucket.items())
        data.update((f"occupation:{k.value}", _s(v)) for k, v in rep.by_occupation.items())
        return data
    return _csv(row(rep) for rep in reports)


def sessions_csv(reports: Iterable[Report]) -> str:
    """The login sessions of the reports as CSV: agent, start, end, length_s."""
    return _csv(_session_row(s) for rep in reports for s in rep.sessions)


def interactions_csv(reports: Iterable[Report]) -> str:
    """The interactions of the reports as CSV, one row each (times in seconds)."""
    return _csv(_interaction_row(i) for rep in reports for i in rep.interactions)
