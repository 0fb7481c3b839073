"""Policy lint: what is legal but wrong is found, and the shipped presets are clean."""

from __future__ import annotations

import attrs
import pytest

from agentstate import PauseReason, lint
from agentstate.presets import PRESETS, basic


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_lints_clean(name: str) -> None:
    """No preset has an error-level lint finding."""
    assert [] == [f for f in lint(PRESETS[name]()) if f.severity.value == "error"]


def test_a_paid_reason_without_an_allotment_is_found_where_the_policy_asks() -> None:
    """With require_allotment_for_paid, a paid reason with no daily allotment is reported."""
    base = basic()
    policy = attrs.evolve(base, reasons=(*base.reasons,
                                         PauseReason(code="training", paid=True)),
                          statuses=tuple(
                              attrs.evolve(s, reasons=(*s.reasons, "training"))
                              if s.name == "break" else s for s in base.statuses))
    assert [] == [f for f in lint(policy) if f.culprit == "training"]
    found = [f for f in lint(policy, require_allotment_for_paid=True) if f.culprit == "training"]
    assert 1 == len(found)


def test_a_reason_no_status_takes_is_found() -> None:
    """A reason that no status takes can never be used: lint says so."""
    base = basic()
    policy = attrs.evolve(base, reasons=(*base.reasons, PauseReason(code="orphan")))
    assert ["orphan"] == [f.culprit for f in lint(policy) if f.culprit == "orphan"]

