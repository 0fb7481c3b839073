"""Building a policy validates it whole: every defect raises PolicyError naming the culprit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from agentstate import (
    ANY,
    Blocking,
    Channel,
    PauseReason,
    Policy,
    PolicyError,
    Queue,
    Role,
    Status,
    Timers,
    Transition,
    WrapUp,
    WrapUpMode,
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


def _with_single_call(**status_fields: object) -> list[Status]:
    """The statuses of :func:`_policy`, the routable one with ``status_fields``."""
    return [Status(name="logged_out", logged_in=False),
            Status(name="available", routable=True, **status_fields),  # type: ignore[arg-type]
            Status(name="pause", reasons=("lunch",))]


def _case(overrides: dict[str, object], culprit: str, words: str, doc: str) -> object:
    return pytest.param(overrides, culprit, words, id=doc)


# One row per validation branch: the policy fields that reach it, the culprit, and words of
# the message. The id names the branch.
BRANCHES = [
    _case({"statuses": [], "transitions": [], "reasons": []}, "statuses",
          "at least one status", "a policy with no status at all"),
    _case({"blocking": [Blocking(when="voice", blocks=("fax",))]}, "fax",
          "blocking rule names unknown channel",
          "a blocking rule naming an unknown channel"),
    _case({"login_status": "logged_out"}, "logged_out",
          "login_status cannot be the logged-out status",
          "logging in into the logged-out status"),
    _case({"logged_out": "nowhere"}, "nowhere", "logged_out names unknown status",
          "a logged-out status the policy does not have"),
    _case({"statuses": [Status(name="logged_out"), Status(name="available", routable=True),
                        Status(name="pause", reasons=("lunch",)),
                        Status(name="meeting", reason_required=True)],
           "transitions": [Transition(source="logged_out", dest="available"),
                           Transition(source="available", dest="pause"),
                           Transition(source="available", dest="meeting"),
                           Transition(source="meeting", dest="available"),
                           Transition(source="pause", dest="available"),
                           Transition(source="available", dest="logged_out")]},
          "meeting", "requires a reason but takes none",
          "a status requiring a reason that takes none"),
    _case({"reasons": [PauseReason(code="lunch", max_per_day=0)]}, "lunch",
          "max_per_day must be at least 1", "a reason allowed zero pauses a day"),
    _case({"reasons": [PauseReason(code="lunch", max_length=timedelta(seconds=-1))]},
          "lunch", "max_length must be positive", "a reason with a negative maximum length"),
    _case({"transitions": [Transition(source="logged_out", dest="available"),
                           Transition(source="available", dest=ANY)]},
          ANY, "dest cannot be '*'", "a transition into every status"),
    _case({"timers": Timers(reject_delay=0)}, "reject_delay", "must be positive",
          "a delay of zero seconds, given as a number"),
    _case({"timers": Timers(max_no_answer=0, no_answer_status="pause")}, "max_no_answer",
          "max_no_answer must be at least 1", "an automatic pause after zero misses"),
    _case({"timers": Timers(max_no_answer=2)}, "no_answer_status",
          "needs a no_answer_status", "an automatic pause after misses with nowhere to go"),
    _case({"timers": Timers(reject_status="nap")}, "nap",
          "timers.reject_status names unknown status", "a reject move to an unknown status"),
    _case({"timers": Timers(max_no_answer=1, no_answer_status="logged_out")}, "logged_out",
          "timers.no_answer_status cannot be the logged-out status",
          "a no-answer move that logs the agent out"),
    _case({"overrun_status": "logged_out"}, "logged_out",
          "overrun_status cannot be the logged-out status", "an overrun that logs out"),
    _case({"timers": Timers(reject_status="pause", reject_reason="coffee")}, "coffee",
          "which 'pause' does not take", "a reject move with a reason its status lacks"),
    _case({"statuses": _with_single_call(interaction_limit=1)}, "available",
          "interaction_limit and then go together", "an interaction limit without then"),
    _case({"statuses": _with_single_call(then="pause")}, "available",
          "interaction_limit and then go together", "then without an interaction limit"),
    _case({"statuses": _with_single_call(interaction_limit=0, then="pause")}, "available",
          "interaction_limit must be at least 1", "an interaction limit of zero"),
    _case({"statuses": _with_single_call(interaction_limit=1, then="nap")}, "nap",
          "status 'available' then names unknown status", "then naming an unknown status"),
    _case({"wrap_up": WrapUp(mode=WrapUpMode.TIMED)}, "wrap_up",
          "wrap-up mode timed needs a positive length", "a timed wrap-up of no length"),
    _case({"queues": [Queue(name="vip", wrap_up=WrapUp(mode=WrapUpMode.OPTIONAL))]},
          "wrap_up", "wrap-up mode optional needs a positive length",
          "a queue's optional wrap-up of no length"),
    _case({"timers": Timers(reject_status="pause"),
           "transitions": [Transition(source="logged_out", dest="available"),
                           Transition(source="available", dest="pause", by={Role.AGENT}),
                           Transition(source="pause", dest="available"),
                           Transition(source="available", dest="logged_out")]},
          "available->pause", "the system must be allowed 'available' -> 'pause'",
          "an automatic move the transitions do not let the system take"),
    _case({"statuses": _with_single_call(interaction_limit=1, then="pause"),
           "transitions": [Transition(source="logged_out", dest="available"),
                           Transition(source="available", dest="pause", by={Role.AGENT}),
                           Transition(source="pause", dest="available"),
                           Transition(source="available", dest="logged_out")]},
          "available->pause", "status 'available' then: the system must be allowed",
          "a single-call move the transitions do not let the system take"),
]


@pytest.mark.parametrize(("overrides", "culprit", "words"), BRANCHES)
def test_each_validation_branch_refuses_with_its_message(
        overrides: dict[str, object], culprit: str, words: str) -> None:
    """Each validation branch (named by the case id) refuses the policy with a PolicyError
    whose culprit and message say what is at fault."""
    with pytest.raises(PolicyError) as caught:
        _policy(**overrides)
    assert culprit == caught.value.culprit
    assert words in str(caught.value)


@pytest.mark.parametrize("build", [
    lambda: Status(name=""),
    lambda: Status(name="   "),
    lambda: Channel(name=""),
    lambda: PauseReason(code=""),
    lambda: Transition(source="", dest="available"),
    lambda: Queue(name=" "),
    lambda: Blocking(when="", blocks=()),
], ids=["status", "blank status", "channel", "reason", "transition source", "queue",
        "blocking"])
def test_a_blank_name_is_refused_where_it_is_written(build: Callable[[], object]) -> None:
    """The name check: a blank or empty name in any policy value raises PolicyError naming the
    field, before any policy is built."""
    with pytest.raises(PolicyError) as caught:
        build()
    assert "must be a non-empty string" in str(caught.value)


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
