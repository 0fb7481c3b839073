"""Reports: what an agent or a team did over a day or any range, computed from history.

Theory of operation
-------------------
An agent's history is a sequence of :class:`~agentstate.Change` entries. Each entry starts an
interval of the agent's timeline: from its ``at`` until the next entry's ``at`` the agent was in
its ``to_status``/``to_reason``/``to_occupation``. The last interval is still open: it runs until
the ``until`` instant the caller gives (by default the end of the range asked for). A report
clips every interval to the range ``[start, end)`` and adds the pieces up, so:

- **times** (per status, reason, reporting bucket, occupation; logged-in, paid and unpaid pause,
  handling and ready time) are sums of clipped intervals;
- **counts** (offered, answered, ...) count the history entries whose ``at`` is in the range;
- **lists** (login sessions, interactions) hold each item that overlaps the range, whole and
  unclipped, so that the same session seen from two adjacent days is the same value.

Hence the property the tests pin: the report over a range equals the sum (:meth:`Report.__add__`)
of the reports over its days. Times and counts add; lists merge, an item seen in both reports
kept once (from the later one, which knows at least as much about an item still open).

Definitions
-----------
- **logged-in time**: time in a status whose ``Status.logged_in`` is true. This is the policy's
  reporting rule, not the login session: a policy may report Lunch as "logged out under Lunch"
  (``logged_in=False, report_as="Lunch"``) while the agent keeps its session.
- **bucket**: ``Status.report_as``; time per bucket is how the site's own reports group statuses.
- **pause time**: time with a pause reason; **paid** when ``PauseReason.paid``, else unpaid.
- **occupation time**: time per :class:`~agentstate.Occupation`, counted only while the agent
  has a login session (status other than the policy's logged-out one). Every member of the enum
  is a key, including those added in later versions.
- **handling time**: occupation time in a *handling* occupation: on an interaction (and, when
  the enum has it, wrap-up), whatever the status.
- **ready time**: time in a routable status while not handling (idle, offered, ...).
- **occupancy** = handling / (handling + ready): the share of the time an agent was working or
  ready to work that it spent working, the usual call-centre definition. ``None`` when both are
  zero. It is a ratio, so it is not added: sums recompute it from the summed times.
"""

from __future__ import annotations

import csv
import enum
import io
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any, Generic, TypeVar

import attrs
import pendulum

from ._errors import AgentStateError
from ._events import (
    InteractionAnswered,
    InteractionEnded,
    InteractionMissed,
    InteractionOffered,
    InteractionRejected,
    TimerFired,
)
from ._ledger import calendar_date, calendar_day, overrun, spans_from_history
from ._policy import Policy
from ._state import Change, Occupation
from ._time import Timer, elapsed, to_utc

__all__ = [
    "Counts",
    "InteractionOutcome",
    "InteractionRecord",
    "LoginSession",
    "Report",
    "ReportError",
    "Totals",
    "agent_reports",
    "day_bounds",
    "day_report",
    "interactions_csv",
    "report",
    "sessions_csv",
    "summary_csv",
]

ZERO = timedelta(0)

K = TypeVar("K")

_HANDLING: frozenset[Occupation] = frozenset(
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
    """

    offered: int = 0
    answered: int = 0
    completed: int = 0
    missed: int = 0
    rejected: int = 0
    withdrawn: int = 0
    dropped: int = 0
    busy: int = 0

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
        queue: its queue, or ``None`` for a direct one.
        offered_at: when it was offered.
        answered_at: when it was answered, or ``None``.
        ended_at: when it closed (ended, missed, rejected, dropped), or ``None`` if still open.
        outcome: how it ended.
        ring_time: from the offer to the answer (or the close, or ``until`` if still ringing).
        talk_time: from the answer to the end (or ``until``); ``None`` if never answered.
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


@attrs.frozen(kw_only=True)
class Report:
    """What one agent or a team did over ``[start, end)``. See the module for definitions.

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
            sessions=_merge(first.sessions, second.sessions, _session_key, _session_order),
            interactions=_merge(first.interactions, second.interactions, _interaction_key,
                                _interaction_order),
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


def _session_order(item: LoginSession) -> tuple[Any, ...]:
    return (item.start, item.agent)


def _interaction_key(item: InteractionRecord) -> tuple[Any, ...]:
    return (item.agent, item.interaction, item.offered_at, item.ended_at)


def _interaction_order(item: InteractionRecord) -> tuple[Any, ...]:
    return (item.offered_at, item.agent, item.interaction)


# -- computing ---------------------------------------------------------------------------------


def report(changes: Iterable[Change], policy: Policy, *, start: datetime, end: datetime,
           until: datetime | None = None, agents: Iterable[str] | None = None) -> Report:
    """The report of every agent in ``changes`` (or of ``agents``) over ``[start, end)``.

    Args:
        changes: history entries of one or more agents, each agent's from its registration
            (time before an agent's first entry is not counted). Any order.
        policy: the policy the history was recorded under; it says which statuses count as
            logged in, which reasons are paid, which statuses are routable.
        start: the range's first instant (aware).
        end: the instant just after the range (aware).
        until: where an agent's last interval ends (its state is known until then); default
            ``end``. Give the same ``until`` to reports you mean to add up.
        agents: the agents to cover (those without history count zero); default: all in
            ``changes``.

    Raises:
        ReportError: the range is empty or reversed, or the history names a status or reason
            the policy does not have.
    """
    by_agent = _by_agent(changes)
    names = sorted(by_agent) if agents is None else sorted(set(agents))
    begin, finish = to_utc(start), to_utc(end)
    if finish <= begin:
        raise ReportError(f"a report's end must be after its start, got "
                          f"[{begin.isoformat()}, {finish.isoformat()})", culprit="range")
    stop = finish if until is None else to_utc(until)
    builder = _Builder(policy, begin, finish, stop)
    for name in names:
        builder.add(by_agent.get(name, []))
    return builder.build(tuple(names))


def agent_reports(changes: Iterable[Change], policy: Policy, *, start: datetime, end: datetime,
                  until: datetime | None = None) -> dict[str, Report]:
    """One report per agent in ``changes``, by agent id (see :func:`report`)."""
    by_agent = _by_agent(changes)
    return {name: report(by_agent[name], policy, start=start, end=end, until=until)
            for name in sorted(by_agent)}


def day_bounds(day: date, tz: str) -> tuple[pendulum.DateTime, pendulum.DateTime]:
    """The UTC instants of ``day``'s local midnight and the next one, in the IANA zone ``tz``.

    A day is 24 hours except across a daylight-saving change (23 or 25).

    >>> from datetime import date
    >>> start, end = day_bounds(date(2026, 3, 29), "Europe/Paris")
    >>> start.isoformat(), (end - start).in_hours()
    ('2026-03-28T23:00:00+00:00', 23)
    """
    return calendar_date(tz, day)


def day_report(changes: Iterable[Change], policy: Policy, day: date, *, tz: str | None = None,
               until: datetime | None = None, agents: Iterable[str] | None = None) -> Report:
    """The report over one local day of the IANA time zone ``tz`` (default: the policy's
    ``day.timezone``). See :func:`report` for the other arguments."""
    start, end = day_bounds(day, policy.day.timezone if tz is None else tz)
    return report(changes, policy, start=start, end=end, until=until, agents=agents)


def _by_agent(changes: Iterable[Change]) -> dict[str, list[Change]]:
    grouped: dict[str, list[Change]] = {}
    for change in changes:
        grouped.setdefault(change.agent, []).append(change)
    for entries in grouped.values():
        entries.sort(key=lambda c: c.seq)
    return grouped


def _closes(event: object) -> tuple[str, InteractionOutcome] | None:
    """The interaction an event closes and how (an ended one: completed, unless unanswered)."""
    if isinstance(event, InteractionEnded):
        return event.interaction, InteractionOutcome.COMPLETED
    if isinstance(event, InteractionMissed):
        return event.interaction, InteractionOutcome.MISSED
    if isinstance(event, InteractionRejected):
        return event.interaction, (InteractionOutcome.BUSY if event.busy
                                   else InteractionOutcome.REJECTED)
    if isinstance(event, TimerFired) and event.timer is Timer.OFFER and event.ref is not None:
        return event.ref, InteractionOutcome.MISSED
    return None


class _Builder:
    """Accumulates one report's figures, agent by agent."""

    def __init__(self, policy: Policy, start: datetime, end: datetime, until: datetime
                 ) -> None:
        self.policy, self.start, self.end, self.until = policy, start, end, until
        self.by_status = dict.fromkeys((s.name for s in policy.statuses), ZERO)
        self.by_reason = dict.fromkeys((r.code for r in policy.reasons), ZERO)
        self.by_bucket = dict.fromkeys((s.report_as for s in policy.statuses), ZERO)
        self.by_occupation = dict.fromkeys(Occupation, ZERO)
        self.overrun = dict.fromkeys((r.code for r in policy.reasons), ZERO)
        self.logged_in = self.paid = self.unpaid = self.handling = self.ready = ZERO
        self.counts: dict[str, int] = {f.name: 0 for f in attrs.fields(Counts)}
        self.sessions: list[LoginSession] = []
        self.interactions: list[InteractionRecord] = []

    def add(self, history: Sequence[Change]) -> None:
        for index, change in enumerate(history):
            nxt = history[index + 1].at if index + 1 < len(history) else max(self.until,
                                                                               change.at)
            self._interval(change, change.at, nxt)
        self._events(history)
        self._overrun(history)

    def _overrun(self, history: Sequence[Change]) -> None:
        """Overrun per limited reason, day by day (each day's allotment counts from its
        midnight), clipped to the range."""
        limited = [r for r in self.policy.reasons if self.policy.limited(r.code)]
        if not limited or not history:
            return
        spans = spans_from_history(history, max(self.until, history[-1].at))
        zone = self.policy.day.timezone
        lo, hi = calendar_day(zone, self.start)
        while lo < self.end:
            a, b = max(lo, self.start), min(hi, self.end)
            for reason in limited:
                self.overrun[reason.code] += (overrun(spans, reason, lo, b)
                                              - overrun(spans, reason, lo, a))
            lo, hi = calendar_day(zone, hi)

    def _interval(self, change: Change, begin: datetime, finish: datetime) -> None:
        length = elapsed(max(begin, self.start), min(finish, self.end))
        if length <= ZERO:
            return
        policy = self.policy
        try:
            status = policy.status(change.to_status)
        except KeyError:
            raise ReportError(f"agent {change.agent!r}: history names status "
                              f"{change.to_status!r}, which the policy does not have",
                              culprit=change.to_status) from None
        self.by_status[status.name] += length
        self.by_bucket[status.report_as] += length
        if status.logged_in:
            self.logged_in += length
        if change.to_reason is not None:
            try:
                reason = policy.reason(change.to_reason)
            except KeyError:
                raise ReportError(f"agent {change.agent!r}: history names pause reason "
                                  f"{change.to_reason!r}, which the policy does not have",
                                  culprit=change.to_reason) from None
            self.by_reason[reason.code] += length
            if reason.paid:
                self.paid += length
            else:
                self.unpaid += length
        if status.name != policy.logged_out:
            self.by_occupation[change.to_occupation] += length
            if change.to_occupation in _HANDLING:
                self.handling += length
            elif status.routable:
                self.ready += length

    def _in_range(self, at: datetime) -> bool:
        return self.start <= at < self.end

    def _overlaps(self, begin: datetime, finish: datetime | None) -> bool:
        last = max(begin, self.until if finish is None else finish)
        return begin < self.end and (last > self.start or begin >= self.start)

    def _count(self, name: str, at: datetime) -> None:
        if self._in_range(at):
            self.counts[name] += 1

    def _events(self, history: Sequence[Change]) -> None:
        logged_out = self.policy.logged_out
        login: datetime | None = None
        open_items: dict[str, dict[str, Any]] = {}
        for change in history:
            event, at = change.event, change.at
            if change.from_status == logged_out and change.to_status != logged_out:
                login = at
            elif (change.to_status == logged_out and change.from_status is not None
                  and change.from_status != logged_out and login is not None):
                self._session(change.agent, login, at)
                login = None
            if isinstance(event, InteractionOffered):
                open_items[event.interaction] = {
                    "interaction": event.interaction, "channel": event.channel,
                    "queue": event.queue, "offered_at": at, "answered_at": None}
                self._count("offered", at)
            elif isinstance(event, InteractionAnswered) and event.interaction in open_items:
                open_items[event.interaction]["answered_at"] = at
                self._count("answered", at)
            else:
                closed = _closes(event)
                item = None if closed is None else open_items.pop(closed[0], None)
                if closed is not None and item is not None:
                    outcome = closed[1]
                    if outcome is InteractionOutcome.COMPLETED and item["answered_at"] is None:
                        outcome = InteractionOutcome.WITHDRAWN
                    self._count(outcome.value, at)
                    self._interaction(change.agent, item, at, outcome)
            if change.to_status == logged_out and open_items:  # a forced logout drops them
                for item in open_items.values():
                    self._count(InteractionOutcome.DROPPED.value, at)
                    self._interaction(change.agent, item, at, InteractionOutcome.DROPPED)
                open_items.clear()
        if history:
            agent = history[0].agent
            if login is not None:
                self._session(agent, login, None)
            for item in open_items.values():
                self._interaction(agent, item, None, InteractionOutcome.OPEN)

    def _session(self, agent: str, start: datetime, end: datetime | None) -> None:
        if self._overlaps(start, end):
            last = max(start, self.until) if end is None else end
            self.sessions.append(LoginSession(agent=agent, start=start, end=end,
                                              length=elapsed(start, last)))

    def _interaction(self, agent: str, item: dict[str, Any], ended: datetime | None,
                     outcome: InteractionOutcome) -> None:
        offered: datetime = item["offered_at"]
        if not self._overlaps(offered, ended):
            return
        answered: datetime | None = item["answered_at"]
        last = max(offered, self.until) if ended is None else ended
        ring = elapsed(offered, answered if answered is not None else last)
        talk = None if answered is None else max(elapsed(answered, last), ZERO)
        self.interactions.append(InteractionRecord(
            agent=agent, interaction=item["interaction"], channel=item["channel"],
            queue=item["queue"], offered_at=offered, answered_at=answered, ended_at=ended,
            outcome=outcome, ring_time=max(ring, ZERO), talk_time=talk))

    def build(self, agents: tuple[str, ...]) -> Report:
        return Report(
            agents=agents, start=self.start, end=self.end,
            tracked=sum(self.by_status.values(), ZERO), logged_in=self.logged_in,
            by_status=Totals(self.by_status.items()),
            by_reason=Totals(self.by_reason.items()),
            by_bucket=Totals(self.by_bucket.items()),
            by_occupation=Totals(self.by_occupation.items()),
            paid_pause=self.paid, unpaid_pause=self.unpaid,
            overrun=Totals(self.overrun.items()),
            handling=self.handling, ready=self.ready, counts=Counts(**self.counts),
            sessions=tuple(sorted(self.sessions, key=_session_order)),
            interactions=tuple(sorted(self.interactions, key=_interaction_order)),
        )


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
    }


def _session_row(session: LoginSession) -> dict[str, Any]:
    return {"agent": session.agent, "start": _iso(session.start), "end": _iso(session.end),
            "length_s": _s(session.length)}


def _interaction_row(item: InteractionRecord) -> dict[str, Any]:
    return {"agent": item.agent, "interaction": item.interaction, "channel": item.channel,
            "queue": item.queue, "offered_at": _iso(item.offered_at),
            "answered_at": _iso(item.answered_at), "ended_at": _iso(item.ended_at),
            "outcome": item.outcome.value, "ring_time_s": _s(item.ring_time),
            "talk_time_s": _s(item.talk_time)}


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
