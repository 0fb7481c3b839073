"""Reports: what an agent or a team did over a day or any range, computed from history.

Theory of operation
-------------------
An agent's history is a sequence of :class:`~agentstate.Change` entries. Each entry starts an
interval of the agent's timeline: from its ``at`` until the next entry's ``at`` the agent was in
its ``to_status``/``to_reason``/``to_occupation``. The last interval is still open: it runs until
the ``until`` instant the caller gives. A question never counts past what happened: by default
``until`` is the last recorded change among the changes given, capped at the range's end (the
rule for a history read after the fact, such as a replayed capture: nothing is known after its
last change); a live tracker's :meth:`~agentstate.Tracker.report` and
:meth:`~agentstate.Tracker.day_report` give ``min(now, end)``. A report clips every interval to
the range ``[start, end)`` and adds the pieces up, so:

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
- **talk, hold, wrap-up and handle time** of an interaction: talk is connected time not on hold
  (from the answer, or the start of an outbound one, to the end of the agent's side: ended, or
  transferred blind); hold is time on hold (an attended transfer holds the customer through
  the consultation); wrap-up is the post-processing that followed it (until the agent is free
  again, or the next interaction's end takes the post-processing over); **handle time** = talk
  + hold + wrap-up. A report's totals of these are the sums over the interactions whose
  agent's side ended in its range (by event time, like counts), so they add up over days too.
- **direction**: queue (offered by a queue), direct (offered or started without a queue) and
  outbound (started by the agent); counts count the interactions connected in each.
- **transfers** by kind (blind, attended, live): counted when the agent's side of a transferred
  interaction ends (a blind transfer at once; attended and live on completion). An attended
  transfer abandoned (the customer taken back) is no transfer.
- **occupancy** = handling / (handling + ready): the share of the time an agent was working or
  ready to work that it spent working, the usual call-centre definition. ``None`` when both are
  zero. It is a ratio, so it is not added: sums recompute it from the summed times.

What a question needs to read
-----------------------------
A report from ``start`` needs the entries from ``start`` (or from its day's midnight, for the
overrun of limited pauses: :func:`reach`) and, before them, those from the last entry that left
nothing open (:func:`resume_at`): the last logout, or the registration. From there the
computation finds every figure in the range exactly as from the registration, so a live
tracker's day questions read the day, not the agent's whole history.

Its length has one reason to change: the definitions above (what each figure counts, and so
what it needs to read); the values they land in are in _report_values.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import attrs
import pendulum

from ._events import (
    InteractionAnswered,
    InteractionEnded,
    InteractionHeld,
    InteractionMissed,
    InteractionOffered,
    InteractionRejected,
    InteractionResumed,
    InteractionStarted,
    InteractionTransferred,
    TimerFired,
    TransferKind,
)
from ._ledger import calendar_date, calendar_day, overrun, spans_from_history
from ._policy import Direction, Policy
from ._report_values import (
    HANDLING,
    Counts,
    InteractionOutcome,
    InteractionRecord,
    LoginSession,
    Report,
    ReportError,
    Totals,
    interaction_order,
    interactions_csv,
    session_order,
    sessions_csv,
    summary_csv,
)
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
    "reach",
    "report",
    "resume_at",
    "sessions_csv",
    "summary_csv",
]

ZERO = timedelta(0)
_FREE = frozenset({Occupation.IDLE, Occupation.MISSED})
"""Occupations that end the running post-processing's attribution to an interaction."""


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
        until: where an agent's last interval ends (its state is known until then); default:
            the last change's ``at`` in ``changes`` (over all agents), capped at ``end``, so
            that nothing past what was recorded is counted. Live data: give ``min(now, end)``
            (:meth:`~agentstate.Tracker.report` does). Reports you mean to add up must stop at
            the same instant: the default does, over the same changes.
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
    stop = _last_known(by_agent, finish) if until is None else to_utc(until)
    builder = _Builder(policy, begin, finish, stop)
    for name in names:
        builder.add(by_agent.get(name, []))
    return builder.build(tuple(names))


def agent_reports(changes: Iterable[Change], policy: Policy, *, start: datetime, end: datetime,
                  until: datetime | None = None) -> dict[str, Report]:
    """One report per agent in ``changes``, by agent id (see :func:`report`; by default every
    report stops at the last change of all the agents, capped at ``end``)."""
    by_agent = _by_agent(changes)
    stop = _last_known(by_agent, to_utc(end)) if until is None else until
    return {name: report(by_agent[name], policy, start=start, end=end, until=stop)
            for name in sorted(by_agent)}


def _last_known(by_agent: dict[str, list[Change]], end: datetime) -> datetime:
    """The default ``until``: the last recorded change, capped at ``end`` (``end`` when
    nothing is recorded, where it changes nothing)."""
    last = max((entries[-1].at for entries in by_agent.values() if entries), default=None)
    return end if last is None else min(to_utc(last), end)


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


def reach(policy: Policy, start: datetime) -> datetime:
    """The earliest instant whose state a report from ``start`` needs: ``start``, or the
    midnight before it in the policy's zone when a reason has limits (a day's overrun counts
    from its midnight)."""
    begin = to_utc(start)
    if any(policy.limited(r.code) for r in policy.reasons):
        return min(begin, calendar_day(policy.day.timezone, begin)[0])
    return begin


def resume_at(entries: Sequence[Change], logged_out: str, *, complete: bool) -> int | None:
    """Where a computation over an agent's history can begin, among ``entries`` (its entries
    before some instant, oldest first), and find every figure after that instant as the whole
    history would.

    That is the last entry that leaves nothing open: the registration, or an entry into the
    logged-out status that ends any session and interaction and either has no pause reason or
    begins the reason's pause (so the pause's start is known). ``0`` if there is none and
    ``entries`` go back to the first entry (``complete``); ``None`` if there is none and
    older entries may hold one.
    """
    for index in range(len(entries) - 1, -1, -1):
        change = entries[index]
        if change.from_status is None:  # the registration: nothing before it
            return index
        if change.to_status != logged_out:
            continue
        if change.to_reason is None:
            return index
        if index > 0:
            previous = entries[index - 1]
            if (previous.to_status, previous.to_reason) != (change.to_status, change.to_reason):
                return index
    return 0 if complete else None


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
    if isinstance(event, InteractionTransferred) and event.kind is TransferKind.BLIND:
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
        self.talk = self.hold = self.wrap = ZERO

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
            if change.to_occupation in HANDLING:
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
        done: list[tuple[dict[str, Any], datetime | None, InteractionOutcome]] = []
        owner: dict[str, Any] | None = None  # whose post-processing is running
        for index, change in enumerate(history):
            event, at = change.event, change.at
            if change.from_status == logged_out and change.to_status != logged_out:
                login = at
            elif (change.to_status == logged_out and change.from_status is not None
                  and change.from_status != logged_out and login is not None):
                self._session(change.agent, login, at)
                login = None
            if isinstance(event, InteractionOffered | InteractionStarted):
                started = isinstance(event, InteractionStarted)
                direction = (event.direction if isinstance(event, InteractionStarted)
                             else Direction.DIRECT if event.queue is None else Direction.QUEUE)
                open_items[event.interaction] = {
                    "interaction": event.interaction, "channel": event.channel,
                    "queue": None if started else getattr(event, "queue", None),
                    "offered_at": at, "answered_at": at if started else None,
                    "direction": direction, "hold": ZERO, "held_since": None,
                    "transfer": None, "target": None, "wrap": ZERO}
                if started:
                    self._count(direction.value, at)
                else:
                    self._count("offered", at)
            elif isinstance(event, InteractionAnswered) and event.interaction in open_items:
                item = open_items[event.interaction]
                item["answered_at"] = at
                self._count("answered", at)
                self._count(item["direction"].value, at)
            elif isinstance(event, InteractionHeld) and event.interaction in open_items:
                open_items[event.interaction]["held_since"] = at
            elif isinstance(event, InteractionResumed) and event.interaction in open_items:
                item = open_items[event.interaction]
                _unhold(item, at)
                if item["transfer"] is TransferKind.ATTENDED:  # abandoned: customer taken back
                    item["transfer"] = item["target"] = None
            elif (isinstance(event, InteractionTransferred) and event.kind is not TransferKind.BLIND
                  and event.interaction in open_items):
                item = open_items[event.interaction]
                item["transfer"], item["target"] = event.kind, event.target
                if event.kind is TransferKind.ATTENDED and item["held_since"] is None:
                    item["held_since"] = at
            else:
                closed = _closes(event)
                gone = None if closed is None else open_items.pop(closed[0], None)
                if closed is not None and gone is not None:
                    outcome = closed[1]
                    if outcome is InteractionOutcome.COMPLETED and gone["answered_at"] is None:
                        outcome = InteractionOutcome.WITHDRAWN
                    if isinstance(event, InteractionTransferred):
                        gone["transfer"], gone["target"] = event.kind, event.target
                    _unhold(gone, at)
                    self._count(outcome.value, at)
                    if outcome is InteractionOutcome.COMPLETED:
                        owner = gone
                        if gone["transfer"] is not None:
                            self._count(f"{gone['transfer'].value}_transfers", at)
                    done.append((gone, at, outcome))
            if change.to_status == logged_out and open_items:  # a forced logout drops them
                for item in open_items.values():
                    _unhold(item, at)
                    self._count(InteractionOutcome.DROPPED.value, at)
                    done.append((item, at, InteractionOutcome.DROPPED))
                open_items.clear()
            if change.to_occupation is Occupation.WRAP_UP and owner is not None:
                nxt = (history[index + 1].at if index + 1 < len(history)
                       else max(self.until, at))
                owner["wrap"] += max(elapsed(at, nxt), ZERO)
            elif change.to_occupation in _FREE or change.to_status == logged_out:
                owner = None  # free again: the post-processing is over
        if history:
            agent = history[0].agent
            if login is not None:
                self._session(agent, login, None)
            for item in open_items.values():
                _unhold(item, max(self.until, item["offered_at"]))
                done.append((item, None, InteractionOutcome.OPEN))
            for item, ended, outcome in done:
                self._interaction(agent, item, ended, outcome)

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
        hold: timedelta = item["hold"]
        talk = None if answered is None else max(elapsed(answered, last) - hold, ZERO)
        record = InteractionRecord(
            agent=agent, interaction=item["interaction"], channel=item["channel"],
            queue=item["queue"], offered_at=offered, answered_at=answered, ended_at=ended,
            outcome=outcome, ring_time=max(ring, ZERO), talk_time=talk,
            direction=item["direction"], hold_time=hold, wrap_up_time=item["wrap"],
            transfer=item["transfer"], transfer_target=item["target"])
        self.interactions.append(record)
        if ended is not None and self._in_range(ended):
            self.talk += record.talk_time or ZERO
            self.hold += record.hold_time
            self.wrap += record.wrap_up_time

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
            sessions=tuple(sorted(self.sessions, key=session_order)),
            interactions=tuple(sorted(self.interactions, key=interaction_order)),
            talk_time=self.talk, hold_time=self.hold, wrap_up_time=self.wrap,
        )


def _unhold(item: dict[str, Any], at: datetime) -> None:
    """End ``item``'s running hold at ``at``, if any, adding it to its hold time."""
    since: datetime | None = item["held_since"]
    if since is not None:
        item["hold"] += max(elapsed(since, at), ZERO)
        item["held_since"] = None
