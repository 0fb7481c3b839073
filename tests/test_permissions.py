"""Who may do what, generated from the documented permission table, over every preset.

The table (docs/concepts.md "Permissions" and "Statuses and transitions", and the events'
docstrings), written out below as an oracle that never asks the rules:

- an **agent** acts only on itself; another agent's event is ``NotPermitted``;
- each event kind is for some roles (:data:`KIND_ROLES`): supervisor-only ``ForceStatus`` and
  ``ForceLogout``; system-only offers, misses and timers; agents answer, end and reject their
  own interactions; ``Configure``, ``SetChannel`` and queue membership are for supervisors and
  the system (agents join and leave queues only where ``Policy.agents_manage_queues``);
- a status change from ``source`` to ``dest`` is for the roles of the policy's transition: its
  ``by``, or else whoever may select ``dest`` (``Status.selectable_by``) and the system;
  ``source="*"`` is every other status;
- and, from issue 19, who may undo what (docs/concepts.md "Who may undo what"): a pending
  status change set by a higher role is replaced or cancelled only by that role's rank or
  above (#19.1); only the system reports an offer "busy" or "withdrawn" (#19.2); a queue pause
  or a stop-new set by a higher role is undone only by that rank or above (#19.3). The
  supervisor and the system rank equally, above the agent. Each of these refusals is
  ``NotPermitted``.

Each preset is put in every status, idle and busy (ringing, on an interaction, in wrap-up
where the preset has one, with a pending change set by each role, with a queue paused and new
work stopped by each role), and every actor sends every kind of event (status events towards
every status). A case the table forbids must be refused (``NotPermitted`` when the kind is not
the actor's) and change nothing; a case it allows must not be refused as ``NotPermitted``, and
when accepted, every status move it records is one the table gives to a role responsible for it.

The issue-19 cases are also listed one by one in :func:`test_issue_19_case`, each a line of
the specification (they were strict xfails until the rules were fixed).
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from functools import cache

import attrs
import pytest

from agentstate import (
    ANY,
    Actor,
    AgentState,
    AgentStateError,
    CancelPending,
    Configure,
    EndWrapUp,
    Event,
    ForceLogout,
    ForceStatus,
    InteractionAnswered,
    InteractionEnded,
    InteractionMissed,
    InteractionOffered,
    InteractionRejected,
    JoinQueue,
    LeaveQueue,
    Login,
    Logout,
    ManualClock,
    NotPermitted,
    PauseQueue,
    Policy,
    Register,
    ResumeNew,
    ResumeQueue,
    Role,
    SetChannel,
    SetStatus,
    StopNew,
    TimerFired,
    Tracker,
)
from agentstate.presets import PRESETS
from agentstate.testing import stranding

AGENT, SUPERVISOR, SYSTEM = Role.AGENT, Role.SUPERVISOR, Role.SYSTEM
ANYONE = frozenset(Role)
MANAGERS = frozenset({SUPERVISOR, SYSTEM})

KIND_ROLES: dict[type[Event], frozenset[Role]] = {
    Register: MANAGERS,
    Login: ANYONE,
    Logout: ANYONE,
    SetStatus: ANYONE,
    ForceStatus: frozenset({SUPERVISOR}),
    ForceLogout: frozenset({SUPERVISOR}),
    CancelPending: ANYONE,
    Configure: MANAGERS,
    InteractionOffered: frozenset({SYSTEM}),
    InteractionAnswered: frozenset({AGENT, SYSTEM}),
    InteractionEnded: frozenset({AGENT, SYSTEM}),
    InteractionMissed: frozenset({SYSTEM}),
    InteractionRejected: frozenset({AGENT, SYSTEM}),
    EndWrapUp: frozenset({AGENT, SYSTEM}),
    TimerFired: frozenset({SYSTEM}),
    JoinQueue: MANAGERS,
    LeaveQueue: MANAGERS,
    PauseQueue: ANYONE,
    ResumeQueue: ANYONE,
    SetChannel: MANAGERS,
    StopNew: ANYONE,
    ResumeNew: ANYONE,
}
"""The event kinds and the roles they are for (queue membership: agents too where the policy
lets agents manage their queues)."""

ACTORS = {
    "self": Actor.agent("a1"),
    "another agent": Actor.agent("a2"),
    "supervisor": Actor.supervisor("s1"),
    "system": Actor.system("pbx"),
}
BY_ROLE = {AGENT: ACTORS["self"], SUPERVISOR: ACTORS["supervisor"], SYSTEM: ACTORS["system"]}
QUEUE = "q1"


class Verdict(enum.Enum):
    NOT_PERMITTED = "must be refused as NotPermitted"
    REFUSED = "must be refused"
    ALLOWED = "must not be refused as NotPermitted"


def outranks(higher: Role, lower: Role) -> bool:
    """Whether ``higher`` ranks above ``lower`` for undoing: the supervisor and the system
    rank equally, above the agent."""
    return lower is AGENT and higher is not AGENT


@cache
def transition_table(policy: Policy) -> dict[tuple[str, str], frozenset[Role]]:
    """Who may move an agent from each status to each other, read from the policy's
    transitions by the documented rule (not from the compiled engine)."""
    names = [s.name for s in policy.statuses]
    table: dict[tuple[str, str], frozenset[Role]] = {}
    for t in policy.transitions:
        dest = policy.status(t.dest)
        roles = frozenset(t.by) if t.by is not None else dest.selectable_by | {SYSTEM}
        for source in ([n for n in names if n != t.dest] if t.source == ANY else [t.source]):
            table[(source, t.dest)] = table.get((source, t.dest), frozenset()) | roles
    return table


def may_move(policy: Policy, source: str, dest: str, role: Role) -> bool:
    return role in transition_table(policy).get((source, dest), frozenset())


@cache
def policy_of(preset: str) -> Policy:
    """The preset's policy, built once (policies are immutable values)."""
    return PRESETS[preset]()


# -- situations -----------------------------------------------------------------------------------


@attrs.frozen
class Situation:
    """An agent state reached by ``route``; who paused its queue and stopped new work."""

    preset: str
    name: str
    route: tuple[Event, ...]
    state: AgentState
    queue_paused_by: Role | None = None
    stopped_by: Role | None = None


def _build(policy: Policy, route: tuple[Event, ...]) -> Tracker:
    clock = ManualClock()
    tracker = Tracker(policy, clock=clock)
    tracker.register_many(["a1", "a2"])
    for event in route:
        clock.advance(1)
        tracker.apply(event)
    return tracker


def _try(policy: Policy, route: tuple[Event, ...]) -> AgentState | None:
    try:
        return _build(policy, route).state("a1")
    except AgentStateError:
        return None


def _offers(policy: Policy) -> list[InteractionOffered]:
    channel = policy.channels[0].name
    return [InteractionOffered(agent="a1", interaction="c1", queue=QUEUE, channel=channel),
            InteractionOffered(agent="a1", interaction="c1", channel=channel)]


def _move(policy: Policy, source: str, dest: str, role: Role) -> Event | None:
    """An event by ``role`` that asks to move the agent from ``source`` to ``dest``."""
    if not may_move(policy, source, dest, role):
        return None
    actor = BY_ROLE[role]
    if dest == policy.logged_out:
        return (ForceLogout(agent="a1", actor=actor) if role is SUPERVISOR
                else Logout(agent="a1", actor=actor))
    reasons = policy.status(dest).reasons
    kind = ForceStatus if role is SUPERVISOR else SetStatus
    return kind(agent="a1", status=dest, reason=reasons[0] if reasons else None, actor=actor)


def _busy_route(policy: Policy, status: str) -> tuple[Event, ...] | None:
    """A route to ``status`` with a ringing offer c1: offered there, or (where a change while
    busy takes effect at once) offered in the login status and moved while it rings."""
    idle = (JoinQueue(agent="a1", queue=QUEUE, actor=ACTORS["system"]),
            *stranding(policy, status, "a1"))
    for offer in _offers(policy):
        if _try(policy, (*idle, offer)) is not None:
            return (*idle, offer)
    start = (JoinQueue(agent="a1", queue=QUEUE, actor=ACTORS["system"]),
             *stranding(policy, policy.login_status, "a1"))
    for offer in _offers(policy):
        route = (*start, offer, *stranding(policy, status, "a1")[1:])
        state = _try(policy, route)
        if state is not None and state.status == status and state.interactions:
            return route
    return None


def situations(preset: str, status: str) -> list[Situation]:
    """Every situation of an agent in ``status`` under ``preset`` that can be reached."""
    policy = policy_of(preset)
    found: list[Situation] = []

    def add(name: str, route: tuple[Event, ...], **meta: Role) -> None:
        state = _try(policy, route)
        if state is not None and state.status == status:
            found.append(Situation(preset, name, route, state, **meta))

    idle = (JoinQueue(agent="a1", queue=QUEUE, actor=ACTORS["system"]),
            *stranding(policy, status, "a1"))
    add("idle", idle)
    if status != policy.logged_out:
        for role in (AGENT, SUPERVISOR, SYSTEM):
            actor = BY_ROLE[role]
            add(f"q1 paused by the {role.value}",
                (*idle, PauseQueue(agent="a1", queue=QUEUE, actor=actor)),
                queue_paused_by=role)
            add(f"new work stopped by the {role.value}",
                (*idle, StopNew(agent="a1", actor=actor)), stopped_by=role)
    ringing = _busy_route(policy, status)
    if ringing is None:
        return found
    add("ringing", ringing)
    on_call = (*ringing, InteractionAnswered(agent="a1", interaction="c1"))
    add("on call", on_call)
    ended = (*on_call, InteractionEnded(agent="a1", interaction="c1", actor=ACTORS["system"]))
    state = _try(policy, ended)
    if state is not None and state.wrap_up_mode is not None:
        add("wrap-up", ended)
    for role in (AGENT, SUPERVISOR, SYSTEM):
        for dest in [s.name for s in policy.statuses if s.name != status]:
            event = _move(policy, status, dest, role)
            if event is None:
                continue
            state = _try(policy, (*on_call, event))
            if state is not None and state.pending is not None and state.pending.actor.role is role:
                add(f"on call, {dest} pending by the {role.value}", (*on_call, event))
                break
    return found


# -- the events -----------------------------------------------------------------------------------


def events(policy: Policy, actor: Actor) -> Iterator[tuple[str, Event]]:
    """Every kind of event from ``actor`` to a1; status events towards every status."""
    names = [s.name for s in policy.statuses]
    yield "Register", Register(agent="a1", actor=actor)
    yield "Login", Login(agent="a1", actor=actor, queues=(QUEUE,))
    for dest in names:
        reasons = policy.status(dest).reasons
        reason = reasons[0] if reasons else None
        if dest != policy.logged_out:
            yield f"Login({dest})", Login(agent="a1", actor=actor, status=dest)
        yield f"SetStatus({dest})", SetStatus(agent="a1", actor=actor, status=dest,
                                              reason=reason)
        yield f"ForceStatus({dest})", ForceStatus(agent="a1", actor=actor, status=dest,
                                                  reason=reason)
    yield "Logout", Logout(agent="a1", actor=actor)
    yield "ForceLogout", ForceLogout(agent="a1", actor=actor)
    yield "CancelPending", CancelPending(agent="a1", actor=actor)
    yield "Configure", Configure(agent="a1", actor=actor, timezone="UTC")
    yield "SetChannel", SetChannel(agent="a1", actor=actor, channel=policy.channels[0].name,
                                   enabled=False)
    yield "JoinQueue", JoinQueue(agent="a1", actor=actor, queue="q2")
    yield "LeaveQueue", LeaveQueue(agent="a1", actor=actor, queue=QUEUE)
    yield "PauseQueue", PauseQueue(agent="a1", actor=actor, queue=QUEUE)
    yield "ResumeQueue", ResumeQueue(agent="a1", actor=actor, queue=QUEUE)
    yield "StopNew", StopNew(agent="a1", actor=actor)
    yield "ResumeNew", ResumeNew(agent="a1", actor=actor)
    for offer in _offers(policy):
        kind = "queue" if offer.queue else "direct"
        yield f"Offered({kind})", attrs.evolve(offer, interaction="c2", actor=actor)
    yield "Answered", InteractionAnswered(agent="a1", actor=actor, interaction="c1")
    yield "Ended", InteractionEnded(agent="a1", actor=actor, interaction="c1")
    yield "Missed", InteractionMissed(agent="a1", actor=actor, interaction="c1")
    yield "Rejected", InteractionRejected(agent="a1", actor=actor, interaction="c1")
    yield "Rejected(busy)", InteractionRejected(agent="a1", actor=actor, interaction="c1",
                                                busy=True)
    yield "EndWrapUp", EndWrapUp(agent="a1", actor=actor)
    yield "TimerFired", TimerFired(agent="a1", actor=actor, timer="offer", ref="c1")


# -- the oracle -----------------------------------------------------------------------------------


def _undo(setter: Role | None, role: Role, issue: str) -> tuple[Verdict, str | None] | None:
    """The verdict on undoing what ``setter`` set, or ``None`` where nothing forbids it."""
    if setter is None or not outranks(setter, role):
        return None
    return Verdict.NOT_PERMITTED, issue


def verdict(policy: Policy, situation: Situation, actor: Actor, event: Event
            ) -> tuple[Verdict, str | None]:
    """What the table says of ``event`` from ``actor`` in ``situation``, and the issue-19
    point that governs it (if any)."""
    state, role = situation.state, actor.role
    if isinstance(event, Register):
        return Verdict.REFUSED, None  # the agent is registered already
    if role is AGENT and actor.id != state.agent:
        return Verdict.NOT_PERMITTED, None
    roles = KIND_ROLES[type(event)]
    if isinstance(event, (JoinQueue, LeaveQueue)) and policy.agents_manage_queues:
        roles = ANYONE
    if role not in roles:
        return Verdict.NOT_PERMITTED, None
    item = state.interaction("c1")
    ringing = item is not None and item.state.value == "offered"
    if role is AGENT and ((ringing and isinstance(event, InteractionEnded)) or (
            isinstance(event, InteractionRejected) and event.busy)):
        return Verdict.NOT_PERMITTED, "#19.2"  # only the system reports busy or withdrawn
    if isinstance(event, ResumeQueue):
        return _undo(situation.queue_paused_by, role, "#19.3") or (Verdict.ALLOWED, None)
    if isinstance(event, ResumeNew):
        return _undo(situation.stopped_by, role, "#19.3") or (Verdict.ALLOWED, None)
    if isinstance(event, CancelPending):
        setter = state.pending.actor.role if state.pending is not None else None
        return _undo(setter, role, "#19.1") or (Verdict.ALLOWED, None)
    if isinstance(event, (Login, Logout, SetStatus, ForceStatus, ForceLogout)):
        return _status_verdict(policy, state, role, event)
    return Verdict.ALLOWED, None


def _status_verdict(policy: Policy, state: AgentState, role: Role, event: Event
                    ) -> tuple[Verdict, str | None]:
    logged_in = state.session is not None
    if isinstance(event, Login):
        if logged_in:
            return Verdict.REFUSED, None
        dest = event.status or policy.login_status
    elif not logged_in:
        return Verdict.REFUSED, None
    elif isinstance(event, (Logout, ForceLogout)):
        dest = policy.logged_out
    else:
        dest = event.status  # type: ignore[attr-defined]
        if dest == policy.logged_out:
            return Verdict.REFUSED, None  # logged out is entered by logging out
    if dest != state.status and not may_move(policy, state.status, dest, role):
        return Verdict.REFUSED, None
    if state.pending is not None and not isinstance(event, ForceLogout):
        found = _undo(state.pending.actor.role, role, "#19.1")
        if found is not None:
            return found  # it would replace a pending change set by a higher role
    return Verdict.ALLOWED, None


# -- the cases ------------------------------------------------------------------------------------

GRID = [(preset, status.name) for preset, factory in sorted(PRESETS.items())
        for status in factory().statuses]


@cache
def _situations(preset: str, status: str) -> tuple[Situation, ...]:
    return tuple(situations(preset, status))


def _tags(change: object) -> set[str]:
    return {getattr(tag, "value", tag) for tag in change.tags}  # type: ignore[attr-defined]


def check(policy: Policy, tracker: Tracker, situation: Situation, actor: Actor, label: str,
          event: Event) -> tuple[str | None, bool]:
    """Apply one case: the violation of the table found (or ``None``), and whether the event
    was accepted (so the tracker must be built again)."""
    expected, _ = verdict(policy, situation, actor, event)
    before = tracker.state("a1")
    history = len(tracker.history("a1"))
    where = f"{situation.preset}: {situation.name} in {before.status}: {label} by {actor}"
    try:
        result = tracker.apply(event)
    except AgentStateError as error:
        if (before, history) != (tracker.state("a1"), len(tracker.history("a1"))):
            return f"{where}: refused ({error!r}) but changed the agent", False
        if expected is Verdict.NOT_PERMITTED and not isinstance(error, NotPermitted):
            return f"{where}: {expected.value}, got {type(error).__name__}", False
        if expected is Verdict.ALLOWED and isinstance(error, NotPermitted):
            return f"{where}: {expected.value}, got {error}", False
        return None, False
    if expected in (Verdict.NOT_PERMITTED, Verdict.REFUSED):
        return f"{where}: {expected.value}, but it was accepted", True
    pending_role = before.pending.actor.role if before.pending is not None else None
    for change in result.changes:
        if change.from_status is None or change.from_status == change.to_status:
            continue
        responsible = {actor.role, pending_role} if "pending_applied" in _tags(change) else {
            actor.role}
        if "auto_moved" in _tags(change):
            responsible.add(SYSTEM)
        roles = transition_table(policy).get((change.from_status, change.to_status),
                                             frozenset())
        if not roles & responsible:
            return (f"{where}: moved {change.from_status} -> {change.to_status}, which is for "
                    f"{sorted(r.value for r in roles)} only"), True
    after = result.after
    state = tracker.state("a1")
    if (state.pending is not None and state.pending != before.pending
            and state.pending.status != after.status  # a reason change is not a move
            and not may_move(policy, after.status, state.pending.status,
                             state.pending.actor.role)):
        return f"{where}: set pending {state.pending.status}, not the actor's to set", True
    return None, True


def _violations(preset: str, status: str) -> tuple[list[str], int]:
    """Every case of the grid cell: the violations outside the known ones, and the count."""
    policy = policy_of(preset)
    found: list[str] = []
    count = 0
    for situation in _situations(preset, status):
        tracker = _build(policy, situation.route)
        for actor in ACTORS.values():
            for label, event in events(policy, actor):
                count += 1
                problem, accepted = check(policy, tracker, situation, actor, label, event)
                if problem is not None:
                    found.append(problem)
                if accepted:
                    tracker = _build(policy, situation.route)
    return found, count


@pytest.mark.parametrize(("preset", "status"), GRID, ids=[f"{p}-{s}" for p, s in GRID])
def test_the_permission_table_holds(preset: str, status: str) -> None:
    """In every situation of an agent in this status (idle and busy, with pending changes,
    queue pauses and stop-new set by each role), every actor's every event is refused or
    accepted as the documented table says."""
    found, count = _violations(preset, status)
    assert [] == found
    assert count > 0


# -- issue 19, case by case ----------------------------------------------------------------------


@attrs.frozen
class Case:
    situation: Situation
    actor: str
    label: str
    issue: str


@cache
def _issue_cases(preset: str, status: str) -> tuple[Case, ...]:
    """The cases the table refuses under an issue-19 point."""
    policy = policy_of(preset)
    return tuple(Case(situation, actor_name, label, issue)
                 for situation in _situations(preset, status)
                 for actor_name, actor in ACTORS.items()
                 for label, event in events(policy, actor)
                 for expected, issue in [verdict(policy, situation, actor, event)]
                 if issue is not None and expected is Verdict.NOT_PERMITTED)


REASONS = {
    "#19.1": "an agent replaces or cancels a pending change set by a higher role",
    "#19.2": "an agent reports an offer busy or withdrawn",
    "#19.3": "an agent undoes a higher role's queue pause or stop-new",
}

ISSUE_CASES = [pytest.param(c, id=f"{c.issue} {c.situation.preset}-{c.situation.state.status}: "
                                   f"{c.situation.name}: {c.label} by {c.actor}")
               for preset, status in GRID for c in _issue_cases(preset, status)]


@pytest.mark.parametrize("case", ISSUE_CASES)
def test_issue_19_case(case: Case) -> None:
    """A case issue 19 says an agent may not do (replace or cancel a higher role's pending
    change, report an offer busy or withdrawn, undo a higher role's queue pause or stop-new)
    is refused as NotPermitted, and changes nothing."""
    policy = policy_of(case.situation.preset)
    event = dict(events(policy, ACTORS[case.actor]))[case.label]
    tracker = _build(policy, case.situation.route)
    before = (tracker.state("a1"), tuple(tracker.history("a1")))
    with pytest.raises(NotPermitted):
        tracker.apply(event)
    assert before == (tracker.state("a1"), tuple(tracker.history("a1")))


def test_issue_19_cases_cover_every_point() -> None:
    """The issue-19 cases include each point, over several presets."""
    points = {param.values[0].issue for param in ISSUE_CASES}  # type: ignore[attr-defined]
    presets = {param.values[0].situation.preset for param in ISSUE_CASES}  # type: ignore[attr-defined]
    assert set(REASONS) == points
    assert len(presets) > 1


# -- the table itself -----------------------------------------------------------------------------


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_the_documented_transition_table_is_the_policys(preset: str) -> None:
    """The oracle's reading of each preset's transitions (by, else selectable_by and the
    system; '*' for every other status) is what the policy allows, pair by pair."""
    policy = policy_of(preset)
    names = [s.name for s in policy.statuses]
    assert {(s, d): transition_table(policy).get((s, d), frozenset())
            for s in names for d in names} == {(s, d): policy.allowed(s, d)
                                                for s in names for d in names}


def test_every_event_kind_and_actor_is_covered() -> None:
    """The oracle names the roles of every event kind, and every kind is sent by every actor
    in every situation."""
    policy = PRESETS["basic"]()
    sent = {type(event) for actor in ACTORS.values() for _, event in events(policy, actor)}
    assert set(KIND_ROLES) == sent
    assert {AGENT, SUPERVISOR, SYSTEM} == {a.role for a in ACTORS.values()}


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_registering_a_new_agent(role: Role) -> None:
    """Registering an agent is for supervisors and the system: an agent gets NotPermitted and
    the agent is not created."""
    tracker = Tracker(PRESETS["basic"](), clock=ManualClock())
    actor = Actor(role, "a9" if role is AGENT else None)
    if role in KIND_ROLES[Register]:
        tracker.apply(Register(agent="a9", actor=actor))
        assert "logged_out" == tracker.state("a9").status
    else:
        with pytest.raises(NotPermitted):
            tracker.apply(Register(agent="a9", actor=actor))
        assert [] == list(tracker.agents())


def test_situations_cover_idle_busy_and_pending_by_each_role() -> None:
    """The generated situations include, somewhere, each kind: idle, ringing, on call,
    wrap-up, a pending change by each role, a queue pause and a stop-new by each role."""
    names = {s.name.split(",")[0] if s.name.startswith("on call,") else s.name
             for preset, status in GRID for s in _situations(preset, status)}
    pending_by = {s.state.pending.actor.role for preset, status in GRID
                  for s in _situations(preset, status) if s.state.pending is not None}
    assert {"idle", "ringing", "on call", "wrap-up"} <= names
    assert {AGENT, SUPERVISOR, SYSTEM} == pending_by
    assert {f"q1 paused by the {r.value}" for r in Role} <= names
    assert {f"new work stopped by the {r.value}" for r in Role} <= names
