"""One agent's day, simulated: calls, a coffee break, lunch past its allotment, a refused second
lunch that a supervisor overrides, end of shift.

Run it with ``python examples/shift.py``. Everything is recorded in the embedded SQLite store
(``out/shift.sqlite3``, made fresh each run; ``--memory`` keeps it in memory). It prints what
happened, the day's report and the pause ledger, and writes a timeline picture
(``out/shift.svg``: statuses and occupations as coloured bars).
"""

from __future__ import annotations

import argparse
import random
from datetime import date, datetime
from pathlib import Path

import attrs
import pendulum

from agentstate import (
    Actor,
    DayRule,
    ForceStatus,
    InteractionAnswered,
    InteractionEnded,
    InteractionMissed,
    InteractionOffered,
    LimitReached,
    Login,
    Logout,
    ManualClock,
    MemoryStore,
    NotEligible,
    Policy,
    Result,
    SetStatus,
    SQLiteStore,
    Store,
    Timers,
    Tracker,
    WrapUp,
    WrapUpMode,
    day_report,
    timeline_svg,
)
from agentstate.presets import basic

ZONE = "Europe/Berlin"
DAY = date(2026, 1, 5)


def policy() -> Policy:
    """The basic preset in Berlin, with 20 s optional wrap-up and a 15 s ring time."""
    return attrs.evolve(basic(), day=DayRule(timezone=ZONE),
                        wrap_up=WrapUp(mode=WrapUpMode.OPTIONAL, length=20),
                        timers=Timers(offer_timeout=15, no_answer_delay=5))


def _say(clock: ManualClock, text: str, at: datetime | None = None) -> None:
    when = pendulum.instance(at or clock.now()).in_timezone(ZONE)
    print(f"{when.format('HH:mm:ss')}  {text}")


def _notices(clock: ManualClock, result: Result) -> None:
    for notice in result.notices:
        if notice.kind.value in ("overrun", "override", "pending", "pending_applied"):
            _say(clock, f"  notice: {notice.kind.value}: {notice.detail}", notice.at)


def simulate(tracker: Tracker, clock: ManualClock, seed: int = 7) -> None:
    """Ana's shift, 08:00 to 16:30 Berlin time."""
    rng = random.Random(seed)
    tracker.register("ana")
    tracker.apply(Login(agent="ana", queues=("sales",), device="1001"))
    _say(clock, "ana logs in")
    plan = {pendulum.datetime(2026, 1, 5, 10, 0, tz=ZONE): ("break", "coffee", 12),
            pendulum.datetime(2026, 1, 5, 12, 0, tz=ZONE): ("lunch", None, 45),
            pendulum.datetime(2026, 1, 5, 14, 0, tz=ZONE): ("lunch", None, 10)}
    end = pendulum.datetime(2026, 1, 5, 16, 30, tz=ZONE)
    call = 0
    while clock.now() < end:
        clock.advance(rng.randint(20, 420))
        due = [at for at in plan if at <= clock.now()]
        if due:
            status, reason, minutes = plan.pop(due[0])
            _pause(tracker, clock, status, reason, minutes)
            continue
        call += 1
        cid = f"call-{call}"
        try:
            tracker.apply(InteractionOffered(agent="ana", interaction=cid, queue="sales"))
        except NotEligible as refused:
            _say(clock, f"  no offer: {refused.why}")
            continue
        clock.advance(rng.randint(2, 18))
        if tracker.state("ana").interaction(cid) is None:  # rang out: missed by the timer
            _say(clock, f"  {cid} rang out")
            continue
        if rng.random() < 0.1:
            tracker.apply(InteractionMissed(agent="ana", interaction=cid))
            continue
        tracker.apply(InteractionAnswered(agent="ana", interaction=cid))
        clock.advance(rng.randint(60, 540))
        tracker.apply(InteractionEnded(agent="ana", interaction=cid))
    _notices(clock, tracker.apply(Logout(agent="ana")))
    clock.advance(60)
    _say(clock, f"end of shift: {tracker.state('ana').status}")


def _pause(tracker: Tracker, clock: ManualClock, status: str, reason: str | None,
           minutes: int) -> None:
    try:
        result = tracker.apply(SetStatus(agent="ana", status=status, reason=reason))
        _say(clock, f"ana takes {status} ({minutes} min)")
    except LimitReached as refused:
        _say(clock, f"refused: {refused}")
        result = tracker.apply(ForceStatus(agent="ana", status=status, reason=reason,
                                           actor=Actor.supervisor("sue")))
        _say(clock, f"supervisor sue overrides: ana takes {status} ({minutes} min)")
    _notices(clock, result)
    clock.advance(minutes=minutes)
    _notices(clock, tracker.apply(SetStatus(agent="ana", status="available")))
    _say(clock, "ana is back")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--svg", type=Path, default=Path("out/shift.svg"),
                        help="where to write the timeline picture (default: out/shift.svg)")
    parser.add_argument("--db", type=Path, default=Path("out/shift.sqlite3"),
                        help="the SQLite store, made fresh (default: out/shift.sqlite3)")
    parser.add_argument("--memory", action="store_true", help="keep the store in memory")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    store: Store = MemoryStore()
    if not args.memory:
        args.db.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{args.db}{suffix}").unlink(missing_ok=True)
        store = SQLiteStore(args.db)
    clock = ManualClock(pendulum.datetime(2026, 1, 5, 8, 0, tz=ZONE))
    tracker = Tracker(policy(), store=store, clock=clock)
    simulate(tracker, clock, args.seed)

    history = list(tracker.history("ana"))
    rep = day_report(history, tracker.policy, DAY, tz=ZONE)
    print("\nthe day's report (Europe/Berlin):")
    print(f"  logged in            {rep.logged_in}")
    for occupation, spent in rep.by_occupation.items():
        print(f"  {occupation.value:<20} {spent}")
    print(f"  occupancy            {rep.occupancy:.1%}" if rep.occupancy is not None else "")
    counts = rep.counts
    print(f"  calls                offered {counts.offered}, answered {counts.answered}, "
          f"completed {counts.completed}, missed {counts.missed}")
    ledger = tracker.ledger("ana", DAY)
    print("pause ledger:")
    for usage in ledger.reasons:
        if usage.used or usage.count:
            print(f"  {usage.reason:<10} used {usage.used}, remaining {usage.remaining}, "
                  f"overrun {usage.overrun}, {'paid' if usage.paid else 'unpaid'}")
    print(f"  paid {ledger.paid}, unpaid {ledger.unpaid}")

    args.svg.parent.mkdir(parents=True, exist_ok=True)
    start = pendulum.datetime(2026, 1, 5, 7, 45, tz=ZONE)
    args.svg.write_text(timeline_svg(tracker.policy, [history], start=start,
                                     end=start.add(hours=9)))
    print(f"timeline written to {args.svg}")
    if not args.memory:
        print(f"history stored in {args.db} ({len(history)} changes)")


if __name__ == "__main__":
    main()
