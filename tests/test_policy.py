"""Building a policy validates it whole: every defect raises PolicyError naming the culprit."""

from __future__ import annotations

from datetime import timedelta

import pytest

from agentstate import (
    ANY,
    Channel,
    PauseReason,
    Policy,
    PolicyError,
    Role,
    Status,
    Transition,
    to_mermaid,
)
from agentstate.presets import basic


def _policy(**overrides: object) -> Policy:
    fields: dict[str, object] = {
        "statuses": [Status(name="logged_out", logged_in=False),
                     Status(name="available", routable=True),
                     Status(name="pause", reasons=("lunch",))],
        "transitions": [Transition(source="logged_out", dest="available"),
                        Transition(source="available", dest="pause"),
                        Transition(source="pause", dest="available"),
                        Transition(source="available", dest="logged_out")],
        "reasons": [PauseReason(code="lunch")],
    }
    fields.update(overrides)
    return Policy(**fields)  # type: ignore[arg-type]


def test_a_valid_policy_builds() -> None:
    """A consistent policy builds, and its statuses can be looked up by name."""
    policy = _policy()
    assert "pause" == policy.status("pause").name
    assert frozenset({Role.AGENT, Role.SUPERVISOR, Role.SYSTEM}) == policy.allowed(
        "available", "pause")


@pytest.mark.parametrize(("overrides", "culprit", "words"), [
    ({"statuses": [Status(name="logged_out"), Status(name="available", routable=True),
                   Status(name="available")]}, "available", "duplicate status"),
    ({"transitions": [Transition(source="logged_out", dest="available"),
                      Transition(source="available", dest="nowhere")]},
     "nowhere", "unknown status"),
    ({"transitions": [Transition(source="logged_out", dest="available"),
                      Transition(source="available", dest="logged_out")]},
     "pause", "unreachable"),
    ({"transitions": [Transition(source="logged_out", dest="available"),
                      Transition(source="available", dest="pause"),
                      Transition(source="pause", dest="available")]},
     "available", "no way to log out"),
    ({"transitions": [Transition(source="available", dest="pause"),
                      Transition(source="pause", dest="available"),
                      Transition(source="available", dest="logged_out")]},
     "available", "no way to log in"),
    ({"reasons": []}, "lunch", "unknown reason"),
    ({"reasons": [PauseReason(code="lunch"), PauseReason(code="lunch")]}, "lunch",
     "duplicate reason"),
    ({"reasons": [PauseReason(code="lunch", daily_allotment=timedelta(0))]}, "lunch",
     "must be positive"),
    ({"channels": [Channel(name="voice", capacity=0)]}, "voice", "capacity"),
    ({"statuses": [Status(name="logged_out"), Status(name="available", routable=True),
                   Status(name="pause", reasons=("lunch",)), Status(name="=")]}, "=",
     "reserved"),
    ({"login_status": "nap"}, "nap", "unknown status"),
    ({"statuses": [Status(name="logged_out", routable=True),
                   Status(name="available", routable=True),
                   Status(name="pause", reasons=("lunch",))]}, "logged_out", "routable"),
    ({"statuses": [Status(name="logged_out"), Status(name="available", routable=True),
                   Status(name="pause", reasons=("lunch",), selectable_by=())],
      "transitions": [Transition(source="logged_out", dest="available"),
                      Transition(source="available", dest="pause", by={Role.AGENT}),
                      Transition(source="pause", dest="available"),
                      Transition(source="available", dest="logged_out")]},
     "available->pause", "not selectable"),
    ({"transitions": [Transition(source="logged_out", dest="available"),
                      Transition(source="available", dest="pause"),
                      Transition(source="available", dest="pause"),
                      Transition(source="pause", dest="available"),
                      Transition(source="available", dest="logged_out")]},
     "available->pause", "duplicate transition"),
])
def test_an_invalid_policy_names_the_culprit(overrides: dict[str, object], culprit: str,
                                             words: str) -> None:
    """Each defect is refused at build time with a PolicyError that names what is at fault."""
    with pytest.raises(PolicyError) as caught:
        _policy(**overrides)
    assert culprit == caught.value.culprit
    assert words in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_a_wildcard_source_means_every_other_status() -> None:
    """Transition(source='*') lets the status be entered from every other status."""
    policy = _policy(transitions=[
        Transition(source="logged_out", dest="available"),
        Transition(source="available", dest="pause"),
        Transition(source="pause", dest="available"),
        Transition(source=ANY, dest="logged_out", by={Role.SUPERVISOR}),
    ])
    assert frozenset({Role.SUPERVISOR}) == policy.allowed("pause", "logged_out")
    assert frozenset() == policy.allowed("logged_out", "logged_out")


def test_policies_are_values() -> None:
    """Two policies built from the same data are equal, and a policy is immutable."""
    assert basic() == basic()
    with pytest.raises(AttributeError):
        basic().name = "x"  # type: ignore[misc]


def test_the_engine_table_is_read_from_the_transitions_machine() -> None:
    """The lookup table holds exactly the machine's transitions; no model is ever added."""
    policy = basic()
    machine = policy.engine.machine
    from_machine = {(source, t.dest, trigger)
                    for trigger, event in machine.events.items()
                    for source, ts in event.transitions.items() for t in ts}
    from_table = {(s, d, role.value) for s, d, roles in policy.engine.edges for role in roles}
    assert from_machine == from_table
    assert [] == machine.models
    assert set(machine.events) <= {r.value for r in Role}


def test_the_diagram_is_generated_from_the_policy() -> None:
    """The Mermaid diagram draws every allowed transition, labelled by role; edges into one
    status from every other (logged-in) status collapse into one from "any status"."""
    from agentstate._diagram import edges

    policy = basic()
    text = to_mermaid(policy)
    assert text.startswith("stateDiagram-v2")
    drawn = [line for line in text.splitlines() if "-->" in line and "[*]" not in line]
    assert len(edges(policy)) == len(drawn)
    names = {s.name for s in policy.statuses}
    logged_in = names - {policy.logged_out}
    expanded = {(a, b, r) for s, b, r in edges(policy)
                for a in ({"__any__": names, "__any_logged_in__": logged_in}.get(s, {s}) - {b})}
    assert set(policy.engine.edges) == expanded
    assert "    s_lunch --> s_logged_out: supervisor" in text.splitlines()
