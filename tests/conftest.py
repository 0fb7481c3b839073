"""Shared fixtures: a manual clock, the basic policy, a tracker with registered agents."""

from __future__ import annotations

import itertools
import os

import pytest
from hypothesis import HealthCheck, settings

from agentstate import ManualClock, MemoryStore, Policy, Tracker
from agentstate.presets import basic

settings.register_profile("ci", max_examples=200, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=50, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def policy() -> Policy:
    return basic()


@pytest.fixture
def tracker(policy: Policy, clock: ManualClock) -> Tracker:
    tracker = Tracker(policy, store=MemoryStore(), clock=clock)
    tracker.register("a1")
    tracker.register("a2")
    return tracker


_SCHEMAS = itertools.count()


@pytest.fixture
def conninfo() -> str:
    """The throwaway PostgreSQL server's connection string (``tests/_pg.py``; the test is
    skipped, saying why, where PostgreSQL cannot run)."""
    from tests import _pg

    return _pg.require().conninfo


@pytest.fixture
def schema() -> str:
    """A PostgreSQL schema name no other test of this run uses."""
    return f"t_{os.getpid()}_{next(_SCHEMAS)}"
