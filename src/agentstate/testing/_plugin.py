"""agentstate's pytest plugin: fixtures for hosts' own test suites.

Installed with the ``testing`` extra (``pip install 'agentstate-engine[testing]'``), pytest
loads it by itself (entry point ``pytest11``). Fixtures, all prefixed ``agentstate_`` so that
they never shadow a host's own:

- ``agentstate_clock``: a :class:`~agentstate.ManualClock` at 2026-01-05 08:00 UTC;
- ``agentstate_tracker``: a factory, ``agentstate_tracker(policy=None, store=None, clock=None)``
  giving a :class:`~agentstate.Tracker` (default: the basic preset, a new
  :class:`~agentstate.MemoryStore`, ``agentstate_clock``);
- ``agentstate_check_policy``: ``agentstate_check_policy(policy)`` runs the policy kit on a
  host's policy in one line: :func:`~agentstate.lint` must find no error, then the stateful
  test of the invariants (:func:`~agentstate.testing.policy_state_machine`) runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pendulum
import pytest

from .._policy import Policy
from .._store import Store
from .._time import ManualClock
from .._tracker import Tracker

__all__ = ["agentstate_check_policy", "agentstate_clock", "agentstate_tracker"]

START = pendulum.datetime(2026, 1, 5, 8)


@pytest.fixture
def agentstate_clock() -> ManualClock:
    """A manual clock at 2026-01-05 08:00 UTC; move it with ``advance`` or ``set``."""
    return ManualClock(START)


@pytest.fixture
def agentstate_tracker(agentstate_clock: ManualClock) -> Callable[..., Tracker]:
    """A factory of trackers: ``agentstate_tracker(policy=None, store=None, clock=None)``."""

    def make(policy: Policy | None = None, store: Store | None = None,
             clock: ManualClock | None = None) -> Tracker:
        from ..presets import basic

        return Tracker(policy if policy is not None else basic(), store=store,
                       clock=clock if clock is not None else agentstate_clock)

    return make


@pytest.fixture
def agentstate_check_policy() -> Callable[..., None]:
    """Run the policy kit on a policy: ``agentstate_check_policy(my_policy())``.

    Keyword arguments (``agents``, ``every``, ``store``) go to
    :func:`~agentstate.testing.policy_state_machine`; ``max_examples`` (default 25) and
    ``steps`` (default 30) bound the hypothesis run.
    """

    def check(policy: Policy, *, max_examples: int = 25, steps: int = 30,
              **options: Any) -> None:
        from hypothesis import HealthCheck, settings
        from hypothesis.stateful import run_state_machine_as_test

        from ._invariants import check_policy
        from ._stateful import policy_state_machine

        check_policy(policy)
        machine = policy_state_machine(policy, **options)
        run_state_machine_as_test(machine, settings=settings(
            max_examples=max_examples, stateful_step_count=steps, deadline=None,
            suppress_health_check=list(HealthCheck)))

    return check
