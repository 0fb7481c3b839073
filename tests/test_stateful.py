"""The stateful property test: random event sequences never break an invariant."""

from __future__ import annotations

from hypothesis import settings

from agentstate import BusyChange
from agentstate.presets import basic
from agentstate.testing import policy_state_machine

TestBasicPolicy = policy_state_machine(basic()).TestCase
TestBasicPolicy.settings = settings(TestBasicPolicy.settings, stateful_step_count=40)

_refusing = basic()
import attrs  # noqa: E402

TestRefusingPolicy = policy_state_machine(
    attrs.evolve(_refusing, while_busy=BusyChange.REFUSE, name="refusing")).TestCase

from tests._policies import timed  # noqa: E402

TestTimedPolicy = policy_state_machine(timed()).TestCase
TestTimedPolicy.settings = settings(TestTimedPolicy.settings, stateful_step_count=60)
