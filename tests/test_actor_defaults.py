"""Least privilege by default: the documented actor defaults (docs/concepts.md, "Actor
defaults") are each kind's ``default_role``, and over every preset an event without an actor
is decided exactly as the same event sent by its default actor; kinds with no default are
refused without one."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import attrs
import pytest

import agentstate
from agentstate import (
    Actor,
    AgentState,
    AgentStateError,
    Configure,
    Event,
    ForceLogout,
    ForceStatus,
    InteractionRejected,
    JoinQueue,
    LeaveQueue,
    NotPermitted,
    Role,
    SetChannel,
)
from agentstate.presets import PRESETS

from .test_permissions import KIND_ROLES, _build, _situations, events, policy_of

DOC = Path(__file__).resolve().parents[1] / "docs" / "concepts.md"
ROLES = {"agent": Role.AGENT, "system": Role.SYSTEM, "none": None}


def documented() -> dict[str, Role | None]:
    """The "Actor defaults" table: each event (or ``Kind(field=value)``) and its default."""
    text = DOC.read_text(encoding="utf-8").split("### Actor defaults", 1)[1].split("\n## ", 1)[0]
    table: dict[str, Role | None] = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 2 and cells[1] in ROLES:
            for name in re.findall(r"`([^`]+)`", cells[0]):
                table[name] = ROLES[cells[1]]
    return table


def event_classes() -> dict[str, type[Event]]:
    return {name: obj for name in agentstate.__all__
            if inspect.isclass(obj := getattr(agentstate, name)) and issubclass(obj, Event)
            and obj is not Event}


def test_the_documented_defaults_are_the_kinds_own() -> None:
    """Every event kind has one row, and the row is the kind's ``default_role``."""
    table = documented()
    kinds = event_classes()
    assert set(kinds) == {name for name in table if "(" not in name}
    assert {name: kind.default_role for name, kind in kinds.items()} == {
        name: role for name, role in table.items() if "(" not in name}
    assert Role.SYSTEM == table["InteractionRejected(busy=True)"]


def test_no_default_can_do_more_than_the_kind_needs() -> None:
    """A default is a role the kind is for (queue membership: the agent's where the policy
    lets agents manage their queues); the agent wherever the kind is the agent's own (login,
    status, queues, stop-new, cancel); no kind defaults to the supervisor."""
    for name, kind in event_classes().items():
        role = kind.default_role
        roles = KIND_ROLES.get(kind, frozenset(Role))
        if kind in (JoinQueue, LeaveQueue):
            roles |= {Role.AGENT}
        assert role is None or role in roles, name
        assert role is not Role.SUPERVISOR, name
    for name in ("Login", "Logout", "SetStatus", "CancelPending", "JoinQueue", "LeaveQueue",
                 "PauseQueue", "ResumeQueue", "StopNew", "ResumeNew"):
        assert Role.AGENT == event_classes()[name].default_role, name


def _default_actor(event: Event) -> Actor | None:
    role = documented()[f"{type(event).__name__}(busy=True)"] if (
        isinstance(event, InteractionRejected) and event.busy) else documented()[
        type(event).__name__]
    return {Role.AGENT: Actor.agent(event.agent), Role.SYSTEM: Actor.system(),
            None: None}[role]


def _outcome(policy: agentstate.Policy, route: tuple[Event, ...], event: Event
             ) -> type[AgentStateError] | AgentState:
    tracker = _build(policy, route)
    try:
        tracker.apply(event)
    except AgentStateError as error:
        return type(error)
    return tracker.state("a1")


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_an_event_without_an_actor_is_its_default_actors(preset: str) -> None:
    """In every situation of the preset's login status (idle, ringing, on call, wrap-up,
    pending changes, paused queues), every kind sent without an actor ends exactly as when
    sent by its documented default actor; kinds without a default are refused."""
    policy = policy_of(preset)
    checked = 0
    for situation in _situations(preset, policy.login_status):
        for label, sent in events(policy, Actor.system("pbx")):
            if isinstance(sent, (ForceStatus, ForceLogout)):
                continue  # no default: refused when built (below)
            bare = attrs.evolve(sent, actor=None)
            actor = _default_actor(bare)
            if actor is None:
                assert NotPermitted == _outcome(policy, situation.route, bare), label
            else:
                named = attrs.evolve(sent, actor=actor)
                assert _outcome(policy, situation.route, named) == _outcome(
                    policy, situation.route, bare), f"{situation.name}: {label}"
            checked += 1
    assert checked > 0


def test_supervisor_kinds_without_an_actor_are_refused() -> None:
    """The four supervisor kinds (ForceStatus, ForceLogout, SetChannel, Configure) have no
    default actor: without one they are NotPermitted, and nothing changes."""
    policy = PRESETS["basic"]()
    tracker = _build(policy, ())
    before = tuple(tracker.history("a1"))
    for event in (ForceStatus(agent="a1", status="available"), ForceLogout(agent="a1"),
                  SetChannel(agent="a1", channel=policy.channels[0].name, enabled=False),
                  Configure(agent="a1", timezone="UTC")):
        with pytest.raises(NotPermitted, match="has no default actor"):
            tracker.apply(event)
    assert before == tuple(tracker.history("a1"))
