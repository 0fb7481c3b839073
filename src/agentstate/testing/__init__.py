"""agentstate.testing: helpers for the tests of hosts that embed agentstate.

Install with the ``testing`` extra (it brings hypothesis). Everything here is public and stable:

- :class:`~agentstate.ManualClock` and :class:`~agentstate.MemoryStore`, re-exported;
- hypothesis strategies: :func:`policies` (valid random policies), :func:`events_for` (events
  for a policy, valid or not), :func:`valid_sequences` (event sequences a policy accepts, in
  order), :func:`refused_events` (a valid sequence, then an event the policy refuses),
  :func:`actors`, :func:`instants`;
- :func:`policy_state_machine`: a hypothesis ``RuleBasedStateMachine`` that drives a tracker
  under your policy with random events, actors and clock jumps, and checks the invariants as it
  goes. Two lines in your test suite::

      from agentstate.testing import policy_state_machine
      TestMyPolicy = policy_state_machine(my_policy()).TestCase

- :func:`check_invariants` (and its parts :func:`check_policy`, :func:`check_eligibility`,
  :func:`check_reports`): the same invariants, for your own tests; :func:`stranding`: the
  shortest events that put an agent in a status;
- :class:`StoreConformance`: the test suite every :class:`~agentstate.Store` must pass, for
  your own store.

The invariants (each one in detail in :func:`check_invariants`):

1. no agent can be stranded: from every status there is a way back to a routable status and
   to logged out (static: :func:`agentstate.lint` finds no error; checked before the first
   step);
2. durations are never negative;
3. history intervals tile the timeline;
4. replaying history reproduces the state;
5. a refused event changes nothing;
6. allotment arithmetic: ``used + remaining == allotment`` while not overrun, nothing
   negative, paid plus unpaid is the total;
7. an agent that is not eligible is never offered queue work, and the eligibility index
   agrees with a scan of every agent;
8. a report over a range equals the sum of the reports of its days.

The state machine checks 1 before its first step, 2 to 6 after every step (5 around every
event), and 7 and 8 every few steps (they look at every agent, and at several days of
reports).
"""

from __future__ import annotations

from .._store import MemoryStore
from .._time import ManualClock
from ._conformance import StoreConformance
from ._invariants import (
    check_eligibility,
    check_invariants,
    check_policy,
    check_reports,
    stranding,
)
from ._stateful import policy_state_machine
from ._strategies import (
    SEQUENCE_START,
    actors,
    events_for,
    instants,
    policies,
    refused_events,
    valid_sequences,
)

__all__ = [
    "ManualClock",
    "MemoryStore",
    "SEQUENCE_START",
    "StoreConformance",
    "actors",
    "check_eligibility",
    "check_invariants",
    "check_policy",
    "check_reports",
    "events_for",
    "instants",
    "policies",
    "policy_state_machine",
    "refused_events",
    "stranding",
    "valid_sequences",
]
