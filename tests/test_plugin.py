"""The pytest plugin, as a host's test suite sees it (pytest loads it from the entry point)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from agentstate import Login, ManualClock, MemoryStore, Tracker
from agentstate.presets import preset


def test_the_plugin_is_registered(pytestconfig: pytest.Config) -> None:
    """The installed distribution registers the plugin under the name agentstate."""
    assert pytestconfig.pluginmanager.has_plugin("agentstate")


def test_clock_and_tracker_factory(agentstate_clock: ManualClock,
                                   agentstate_tracker: Callable[..., Tracker]) -> None:
    """The tracker factory uses the shared manual clock and the basic preset by default."""
    tracker = agentstate_tracker()
    tracker.register("ana")
    agentstate_clock.advance(60)
    tracker.apply(Login(agent="ana"))
    assert ("basic", 60.0) == (tracker.policy.name,
                               tracker.history("ana")[-1].at.timestamp()
                               - tracker.history("ana")[0].at.timestamp())


def test_tracker_factory_takes_a_policy_and_a_store(
        agentstate_tracker: Callable[..., Tracker]) -> None:
    """A policy and a store of the host's choice go through."""
    store = MemoryStore()
    tracker = agentstate_tracker(preset("webitel"), store=store)
    tracker.register("bo")
    assert ["bo"] == list(store.agents())


def test_check_policy_in_one_line(agentstate_check_policy: Callable[..., None]) -> None:
    """The policy kit runs on a host's policy in one call."""
    agentstate_check_policy(preset("pbx_agent_portal"), max_examples=3, steps=10)


def test_check_policy_fails_on_a_stranding_policy(
        agentstate_check_policy: Callable[..., None]) -> None:
    """A policy that strands agents fails the kit with lint's errors."""
    import attrs

    from agentstate import Role, Status, Transition

    base = preset("basic")
    trap = attrs.evolve(
        base, statuses=(*base.statuses, Status(name="coaching", selectable_by={Role.SUPERVISOR})),
        transitions=(*base.transitions,
                     Transition(source="available", dest="coaching", by={Role.SUPERVISOR}),
                     Transition(source="coaching", dest="available", by={Role.SYSTEM}),
                     Transition(source="coaching", dest="logged_out", by={Role.SYSTEM})))
    with pytest.raises(AssertionError, match="coaching"):
        agentstate_check_policy(trap, max_examples=1, steps=5)
