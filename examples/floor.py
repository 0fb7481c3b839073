"""A team of agents under random call arrivals for one day, routed with the eligibility rules.

Run it with ``python examples/floor.py [--agents 50] [--seed 1]``. Calls arrive at random, wait
in one queue, and are offered to the best eligible agent (longest idle first); agents take a
coffee break and lunch. It prints the service level (answered within 20 s), average wait,
occupancy and each agent's paid and unpaid pause. The simulation itself is
:func:`agentstate.simulation.simulate_floor`: read it to see a host driving a tracker.
"""

from __future__ import annotations

import argparse
import time
from datetime import date, timedelta

import attrs
import pendulum

from agentstate import DayRule, ManualClock, Policy, Tracker, WrapUp, WrapUpMode, agent_reports
from agentstate.presets import basic
from agentstate.simulation import TARGET, simulate_floor

ZONE = "Europe/Berlin"
DAY = date(2026, 1, 5)


def policy() -> Policy:
    """The basic preset in Berlin with 30 s of time-boxed wrap-up."""
    return attrs.evolve(basic(), day=DayRule(timezone=ZONE),
                        wrap_up=WrapUp(mode=WrapUpMode.TIMED, length=30))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    start = pendulum.datetime(2026, 1, 5, 8, tz=ZONE)
    tracker = Tracker(policy(), clock=ManualClock(start))
    began = time.perf_counter()
    result = simulate_floor(tracker, agents=args.agents, seed=args.seed)
    took = time.perf_counter() - began
    histories = [change for name in tracker.agents() for change in tracker.history(name)]
    midnight = start.start_of("day")
    reports = agent_reports(histories, tracker.policy, start=midnight, end=midnight.add(days=1))
    print(f"{args.agents} agents, one day simulated in {took:.1f} s")
    print(f"calls answered {result.answered}, abandoned {result.abandoned} (waited over 5 "
          f"minutes, or after closing); service level {result.service_level():.1%} answered "
          f"within {TARGET.seconds} s; average wait {result.average_wait.total_seconds():.1f} s")
    busy = [r.occupancy for r in reports.values() if r.occupancy is not None]
    print(f"average occupancy {sum(busy) / max(len(busy), 1):.1%}\n")
    print(f"{'agent':<9} {'calls':>5} {'occupancy':>9} {'paid pause':>11} {'unpaid pause':>13}")
    for name in sorted(reports):
        ledger = tracker.ledger(name, DAY)
        rep = reports[name]
        occupancy = f"{rep.occupancy:.1%}" if rep.occupancy is not None else "-"
        print(f"{name:<9} {rep.counts.completed:>5} {occupancy:>9} {_hms(ledger.paid):>11} "
              f"{_hms(ledger.unpaid):>13}")


def _hms(span: timedelta) -> str:
    return str(timedelta(seconds=round(span.total_seconds())))


if __name__ == "__main__":
    main()
