"""agentstate.testing: helpers for the tests of hosts that embed agentstate.

Install with the ``testing`` extra (it brings hypothesis). Everything here is public and stable:

- :class:`~agentstate.ManualClock` and :class:`~agentstate.MemoryStore`, re-exported;
- hypothesis strategies: :func:`events_for` (events for a policy, valid or not);
- :class:`StoreConformance`: the conformance suite every store passes, for your own store;
- :func:`policy_state_machine`: a hypothesis ``RuleBasedStateMachine`` that drives a tracker
  under your policy with random events, actors and clock jumps, and checks the invariants after
  every step. Two lines in your test suite::

      from agentstate.testing import policy_state_machine
      TestMyPolicy = policy_state_machine(my_policy()).TestCase
"""

from __future__ import annotations

from .._store import MemoryStore
from .._time import ManualClock
from ._conformance import StoreConformance
from ._invariants import check_invariants
from ._stateful import policy_state_machine
from ._strategies import actors, events_for, instants

__all__ = [
    "ManualClock",
    "MemoryStore",
    "StoreConformance",
    "actors",
    "check_invariants",
    "events_for",
    "instants",
    "policy_state_machine",
]
