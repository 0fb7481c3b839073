"""Hypothesis strategies for agentstate: actors, instants, policies, and events for a policy.

Its length has one reason to change: the event vocabulary. Every event kind has its strategy here,
in one place, so that a new kind is drawn everywhere the kit draws events.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone

import attrs
from hypothesis import reject
from hypothesis import strategies as st

from .._errors import AgentStateError
from .._events import (
    SYSTEM,
    Actor,
    CancelPending,
    Configure,
    DeviceChanged,
    EndWrapUp,
    Event,
    ForceLogout,
    ForceStatus,
    InteractionAnswered,
    InteractionEnded,
    InteractionHeld,
    InteractionMissed,
    InteractionOffered,
    InteractionRejected,
    InteractionResumed,
    InteractionStarted,
    InteractionTransferred,
    JoinQueue,
    LeaveQueue,
    Login,
    Logout,
    PauseQueue,
    Register,
    ResumeNew,
    ResumeQueue,
    SetChannel,
    SetStatus,
    StopNew,
    TimerFired,
    TransferKind,
)
from .._policy import (
    ANY,
    Blocking,
    BusyChange,
    Channel,
    DayRule,
    Direction,
    PauseReason,
    Policy,
    Queue,
    Role,
    Status,
    Strategy,
    Timers,
    Transition,
    WrapUp,
    WrapUpMode,
)
from .._state import AgentState, InteractionState, Timer
from .._time import ManualClock
from .._tracker import Tracker
from ._invariants import queues_of

__all__ = ["SEQUENCE_START", "actors", "events_for", "instants", "likely_valid_events", "policies",
           "refused_events", "valid_sequences"]

UNKNOWN = "no-such-thing"
ZONES = ("UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe")
"""Time zones the strategies draw from: no DST, two DST rules, and a half-hour DST shift."""


def instants(start: datetime, *, max_seconds: int = 86_400) -> st.SearchStrategy[datetime]:
    """Instants from ``start`` up to ``max_seconds`` later, to the microsecond."""
    return st.integers(0, max_seconds * 1_000_000).map(
        lambda us: start + timedelta(microseconds=us))


def actors(agents: Sequence[str]) -> st.SearchStrategy[Actor | None]:
    """An event's actor: the default, any of the agents, a supervisor, or the system."""
    return st.one_of(
        st.none(),
        st.sampled_from(list(agents)).map(Actor.agent),
        st.just(Actor.supervisor("sup")),
        st.just(Actor.system()),
    )


def wrap_ups() -> st.SearchStrategy[WrapUp]:
    """Any valid wrap-up: a mode and, where the mode needs one, a positive length."""
    return st.one_of(
        st.just(WrapUp()),
        st.builds(WrapUp, mode=st.sampled_from([WrapUpMode.TIMED, WrapUpMode.OPTIONAL]),
                  length=st.integers(1, 120)),
        st.just(WrapUp(mode=WrapUpMode.MANDATORY)),
    )


def events_for(policy: Policy, agents: Sequence[str], *,
               interactions: Sequence[str] = ("i1", "i2", "i3")
               ) -> st.SearchStrategy[Event]:
    """Any event for ``agents`` under ``policy``: valid or not, with random actors.

    Statuses, reasons, channels, queues and time zones are drawn from the policy (queues:
    ``sales`` and ``support`` where it declares none) plus one unknown name, so the strategy
    also produces events the tracker must refuse. Every kind of event is drawn: status,
    interaction (hold, transfer and started ones too), queue membership, channel, stop-new,
    wrap-up and pending events, and also the two a host does not send through ``apply``
    (:class:`Register` of a known agent, a :class:`TimerFired` sent by hand), which are refused.
    """
    agent = st.sampled_from(list(agents))
    status = st.sampled_from([s.name for s in policy.statuses] + [UNKNOWN])
    reason = st.one_of(st.none(), st.sampled_from([r.code for r in policy.reasons] + [UNKNOWN]))
    interaction = st.sampled_from(list(interactions))
    channel = st.sampled_from([c.name for c in policy.channels] + [UNKNOWN])
    queue_names = [*queues_of(policy), UNKNOWN]
    queue = st.one_of(st.none(), st.sampled_from(queue_names))
    named_queue = st.sampled_from(queue_names)
    actor = actors(agents)
    supervisor = st.sampled_from([Actor.supervisor("sup"), Actor.agent(agents[0]),
                                  Actor.system()])
    return st.one_of(
        st.builds(Login, agent=agent, actor=actor, status=st.one_of(st.none(), status),
                  queues=st.lists(st.sampled_from(queue_names), max_size=2)),
        st.builds(Logout, agent=agent, actor=actor),
        st.builds(SetStatus, agent=agent, status=status, reason=reason, actor=actor),
        st.builds(ForceStatus, agent=agent, status=status, reason=reason, actor=supervisor),
        st.builds(ForceLogout, agent=agent, actor=supervisor),
        st.builds(InteractionOffered, agent=agent, interaction=interaction, channel=channel,
                  queue=queue, actor=actor),
        st.builds(InteractionAnswered, agent=agent, interaction=interaction, actor=actor),
        st.builds(InteractionEnded, agent=agent, interaction=interaction, actor=actor),
        st.builds(InteractionMissed, agent=agent, interaction=interaction, actor=actor),
        st.builds(InteractionRejected, agent=agent, interaction=interaction, actor=actor,
                  busy=st.booleans()),
        st.builds(EndWrapUp, agent=agent, actor=actor),
        st.builds(CancelPending, agent=agent, actor=actor),
        st.builds(JoinQueue, agent=agent, queue=named_queue, actor=actor,
                  penalty=st.integers(0, 2), position=st.integers(0, 2)),
        st.builds(LeaveQueue, agent=agent, queue=named_queue, actor=actor),
        st.builds(PauseQueue, agent=agent, queue=queue, actor=actor),
        st.builds(ResumeQueue, agent=agent, queue=queue, actor=actor),
        st.builds(SetChannel, agent=agent, channel=channel, actor=supervisor,
                  enabled=st.one_of(st.none(), st.booleans()),
                  capacity=st.one_of(st.none(), st.integers(0, 3))),
        st.builds(StopNew, agent=agent, actor=actor),
        st.builds(ResumeNew, agent=agent, actor=actor),
        st.builds(Configure, agent=agent, actor=supervisor,
                  wrap_up=st.one_of(st.none(), wrap_ups()),
                  timezone=st.one_of(st.none(), st.sampled_from([*ZONES, UNKNOWN]))),
        st.builds(Register, agent=agent, actor=actor),
        st.builds(TimerFired, agent=agent, actor=actor,
                  timer=st.sampled_from(list(Timer)),
                  ref=st.one_of(st.none(), interaction)),
        st.builds(InteractionHeld, agent=agent, interaction=interaction, actor=actor),
        st.builds(InteractionResumed, agent=agent, interaction=interaction, actor=actor),
        st.builds(InteractionTransferred, agent=agent, interaction=interaction, actor=actor,
                  kind=st.sampled_from(TransferKind),
                  target=st.one_of(st.none(), st.just("ext-200"))),
        st.builds(InteractionStarted, agent=agent, interaction=interaction, channel=channel,
                  direction=st.sampled_from(Direction), actor=actor),
        st.builds(DeviceChanged, agent=agent, actor=actor,
                  registered=st.one_of(st.none(), st.booleans()),
                  dnd=st.one_of(st.none(), st.booleans())),
    )


def likely_valid_events(policy: Policy, state: AgentState, *, fresh_interaction: str
                        ) -> list[Event]:
    """Events that the policy should accept for ``state`` (a few may still be refused)."""
    agent = state.agent
    me = Actor.agent(agent)
    sup = Actor.supervisor("sup")
    queues = queues_of(policy)
    out: list[Event] = []
    if state.session is None:
        out.extend(Login(agent=agent, status=dest, queues=queues) for dest in
                   sorted(policy.destinations(state.status, Role.AGENT)))
        out.extend(Login(agent=agent, status=dest, queues=queues[:1], actor=sup) for dest in
                   sorted(policy.destinations(state.status, Role.SUPERVISOR)))
        return out
    for role, actor in ((Role.AGENT, me), (Role.SUPERVISOR, sup)):
        for dest in sorted(policy.destinations(state.status, role)):
            if dest == policy.logged_out:
                event: Event = (Logout(agent=agent, actor=actor) if role is Role.AGENT
                                else ForceLogout(agent=agent, actor=actor))
                out.append(event)
                continue
            reasons = policy.status(dest).reasons or (None,)
            for reason in reasons:
                if role is Role.AGENT:
                    out.append(SetStatus(agent=agent, status=dest, reason=reason))
                else:
                    out.append(ForceStatus(agent=agent, status=dest, reason=reason,
                                           actor=actor))
    status = policy.status(state.status)
    for channel in policy.channels:
        out.append(InteractionOffered(agent=agent, interaction=fresh_interaction,
                                      channel=channel.name, queue=None))
        if status.routable:
            out.extend(InteractionOffered(agent=agent, interaction=fresh_interaction,
                                          channel=channel.name, queue=m.queue)
                       for m in state.memberships)
    for item in state.interactions:
        if item.state is InteractionState.OFFERED:
            out.append(InteractionAnswered(agent=agent, interaction=item.id))
            out.append(InteractionMissed(agent=agent, interaction=item.id))
            out.append(InteractionRejected(agent=agent, interaction=item.id))
            out.append(InteractionRejected(agent=agent, interaction=item.id, busy=True,
                                           actor=SYSTEM))  # only the system reports busy
        else:
            out.append(InteractionResumed(agent=agent, interaction=item.id)
                       if item.state is InteractionState.HELD
                       else InteractionHeld(agent=agent, interaction=item.id))
            if item.transfer is None:
                out.extend(InteractionTransferred(agent=agent, interaction=item.id, kind=kind)
                           for kind in TransferKind)
        out.append(InteractionEnded(agent=agent, interaction=item.id,  # or withdraws an offer
                                    actor=SYSTEM if item.state is InteractionState.OFFERED
                                    else None))
    for channel in policy.channels:
        out.append(InteractionStarted(agent=agent, interaction=fresh_interaction,
                                      channel=channel.name))
    if state.wrap_up_mode is not None:
        out.append(EndWrapUp(agent=agent))
    if state.pending is not None:
        out.append(CancelPending(agent=agent))
    out.append(ResumeNew(agent=agent) if state.stop_new else StopNew(agent=agent))
    for member in state.memberships:
        out.append(ResumeQueue(agent=agent, queue=member.queue) if member.paused
                   else PauseQueue(agent=agent, queue=member.queue))
    joined = {m.queue for m in state.memberships}
    out.extend(JoinQueue(agent=agent, queue=q, actor=sup, penalty=1) for q in queues)
    out.extend(LeaveQueue(agent=agent, queue=q, actor=sup) for q in sorted(joined))
    for channel in policy.channels:
        setting = state.channel_setting(channel.name)
        enabled = setting is None or setting.enabled
        out.append(SetChannel(agent=agent, channel=channel.name, enabled=not enabled,
                              actor=sup))
    out += [DeviceChanged(agent=agent, dnd=not state.device.dnd),
            DeviceChanged(agent=agent, registered=not state.device.registered)]
    return out


# -- sequences ------------------------------------------------------------------------------------

SEQUENCE_START = datetime(2026, 1, 5, 9, tzinfo=timezone.utc)
"""Where :func:`valid_sequences` and :func:`refused_events` begin: a Monday, 09:00 UTC."""


@st.composite
def valid_sequences(draw: st.DrawFn, policy: Policy, agents: Sequence[str] = ("a1", "a2"), *,
                    max_size: int = 30, max_gap: int = 3_600) -> list[Event]:
    """Sequences of events that ``policy`` accepts, in order, for ``agents`` registered at
    :data:`SEQUENCE_START`: every event stamped (``at``), up to ``max_gap`` seconds apart.

    Replay one with a tracker at :data:`SEQUENCE_START` on a :class:`~agentstate.ManualClock`
    set to the last event's time: each ``apply`` succeeds. Events are drawn among those likely
    valid for the agent's state at that point and kept only if a tracker accepts them, so the
    sequences shrink to short, readable ones.
    """
    return _grow(draw, policy, agents, max_size, max_gap)[1]


@st.composite
def refused_events(draw: st.DrawFn, policy: Policy, agents: Sequence[str] = ("a1", "a2"), *,
                   max_size: int = 30, max_gap: int = 3_600) -> tuple[list[Event], Event]:
    """``(accepted, refused)``: a sequence as :func:`valid_sequences`, then one event (any
    kind, from :func:`events_for`, stamped at the last event's time) that ``policy`` refuses
    after it. For properties such as "a refused event changes nothing"."""
    tracker, accepted, at = _grow(draw, policy, agents, max_size, max_gap)
    for _ in range(20):
        event = attrs.evolve(draw(events_for(policy, agents)), at=at)
        try:
            tracker.apply(event)
        except AgentStateError:
            return accepted, event
        accepted.append(event)
    return reject()  # twenty events in a row were accepted: draw another example


def _grow(draw: st.DrawFn, policy: Policy, agents: Sequence[str], max_size: int,
          max_gap: int) -> tuple[Tracker, list[Event], datetime]:
    """A tracker that accepted the drawn events, the events, and the last one's time."""
    clock = ManualClock(SEQUENCE_START)
    tracker = Tracker(policy, clock=clock)
    tracker.register_many(agents)
    accepted: list[Event] = []
    at = SEQUENCE_START
    for n in range(draw(st.integers(0, max_size))):
        at = at + timedelta(seconds=draw(st.integers(0, max_gap)))
        clock.set(at)
        agent = draw(st.sampled_from(list(agents)))
        options = likely_valid_events(policy, tracker.state(agent), fresh_interaction=f"c{n}")
        if not options:
            continue
        event = attrs.evolve(draw(st.sampled_from(options)), at=at)
        try:
            tracker.apply(event)
        except AgentStateError:
            continue
        accepted.append(event)
    return tracker, accepted, at


# -- policies -------------------------------------------------------------------------------------

_NAMES = ("available", "break", "lunch", "offline", "training", "meeting", "admin", "outbound")
_PEOPLE = (Role.AGENT, Role.SUPERVISOR)


def policies(*, max_statuses: int = 6, max_reasons: int = 4) -> st.SearchStrategy[Policy]:
    """Valid random policies: statuses, transitions with roles, reasons with limits, channels,
    queues, timers, wrap-up, busy rule, day rule, overrun and blocking rules.

    Every policy drawn builds (``Policy`` accepts it); it need not be sensible, so
    :func:`agentstate.lint` may have findings about it. Status names come from a fixed pool
    (``available`` is always there, routable, and the login status); reasons are ``r1``,
    ``r2``, ...; channels are ``voice`` and maybe ``chat`` and ``email``.

    Args:
        max_statuses: at most this many statuses besides logged out (1 to 8).
        max_reasons: at most this many pause reasons.
    """
    if not 1 <= max_statuses <= len(_NAMES):
        raise ValueError(f"max_statuses must be 1 to {len(_NAMES)}, got {max_statuses}")
    return _policies(max_statuses, max_reasons)


def _minutes(low: int, high: int) -> st.SearchStrategy[timedelta | None]:
    return st.one_of(st.none(), st.integers(low, high).map(lambda m: timedelta(minutes=m)))


@st.composite
def _policies(draw: st.DrawFn, max_statuses: int, max_reasons: int) -> Policy:
    count = draw(st.integers(1, max_statuses))
    names = ["available", *draw(st.permutations(_NAMES[1:]))[:count - 1]]
    reasons = tuple(
        PauseReason(code=f"r{n}", paid=draw(st.booleans()),
                    daily_allotment=draw(_minutes(1, 480)),
                    max_per_day=draw(st.one_of(st.none(), st.integers(1, 4))),
                    max_length=draw(_minutes(1, 120)))
        for n in range(1, draw(st.integers(0, max_reasons)) + 1))
    codes = [r.code for r in reasons]
    everyone, nobody = frozenset(_PEOPLE), frozenset[Role]()
    roles = st.sampled_from([everyone, everyone, everyone, frozenset({Role.AGENT}),
                             frozenset({Role.SUPERVISOR}), nobody])
    statuses: dict[str, Status] = {"logged_out": Status(name="logged_out", logged_in=False,
                                                        direct_calls=False)}
    for name in names:
        takes = tuple(draw(st.lists(st.sampled_from(codes), unique=True, max_size=3))
                      if codes else ())
        statuses[name] = Status(
            name=name, routable=True if name == "available" else draw(st.booleans()),
            logged_in=draw(st.booleans()), direct_calls=draw(st.booleans()),
            selectable_by=draw(roles), reasons=takes,
            reason_required=bool(takes) and draw(st.booleans()))
    edges: dict[tuple[str, str], frozenset[Role] | None] = {}

    def allow(source: str, dest: str, by: frozenset[Role] | None = None) -> None:
        if (source, dest) not in edges:
            edges[(source, dest)] = by
            return
        current = edges[(source, dest)]
        if current is None or by is None:
            edges[(source, dest)] = None
        else:
            edges[(source, dest)] = current | by

    def who(dest: str) -> frozenset[Role] | None:
        """``None`` (whoever may select ``dest``, and the system), or some of them."""
        selectable = statuses[dest].selectable_by | {Role.SYSTEM}
        chosen = draw(st.frozensets(st.sampled_from(sorted(selectable, key=lambda r: r.value))))
        return chosen or None

    allow("logged_out", "available")
    allow("available", "logged_out")
    for index, name in enumerate(names[1:], start=1):
        allow(draw(st.sampled_from(["logged_out", *names[:index]])), name)
        allow(name, draw(st.sampled_from(["logged_out", *names[:index]])))
    everything = ["logged_out", *names]
    for _ in range(draw(st.integers(0, 2 * len(names)))):
        source = draw(st.sampled_from(everything))
        dest = draw(st.sampled_from([n for n in everything if n != source]))
        allow(source, dest, who(dest))
    routable = [n for n in names if statuses[n].routable]
    timers = Timers()
    if draw(st.booleans()):
        seconds = st.one_of(st.none(), st.integers(1, 60))
        no_answer = draw(st.one_of(st.none(), st.sampled_from(names)))
        reject = draw(st.one_of(st.none(), st.sampled_from(names)))
        timers = Timers(
            offer_timeout=draw(seconds), no_answer_delay=draw(seconds),
            reject_delay=draw(seconds), busy_delay=draw(seconds),
            max_no_answer=None if no_answer is None else draw(st.integers(1, 3)),
            no_answer_status=no_answer,
            no_answer_reason=_a_reason(draw, statuses, no_answer, required=True),
            reject_status=reject, reject_reason=_a_reason(draw, statuses, reject))
        for target in (no_answer, reject):
            if target is not None:
                for source in routable:
                    if source != target:
                        allow(source, target, frozenset({Role.SYSTEM}))
    overrun = draw(st.one_of(st.none(), st.sampled_from(names)))
    if overrun is not None:
        for name in names:
            limited = any(_limited(r) for r in reasons if r.code in statuses[name].reasons)
            if limited and name != overrun:
                allow(name, overrun, frozenset({Role.SYSTEM}))
    for name in routable:
        if len(names) > 1 and draw(st.integers(0, 3)) == 0:
            then = draw(st.sampled_from([n for n in names if n != name]))
            statuses[name] = attrs.evolve(statuses[name], then=then,
                                          interaction_limit=draw(st.integers(1, 2)))
            allow(name, then, frozenset({Role.SYSTEM}))
    transitions = [Transition(source=s, dest=d, by=by) for (s, d), by in edges.items()]
    if draw(st.booleans()):
        transitions.append(Transition(source=ANY, dest="logged_out",
                                      by=frozenset({Role.SUPERVISOR})))
    channels = [Channel(name="voice", capacity=draw(st.integers(1, 2)))]
    channels.extend(Channel(name=n, capacity=draw(st.integers(1, 3)))
                    for n in ("chat", "email") if draw(st.booleans()))
    blocking: tuple[Blocking, ...] = ()
    if len(channels) > 1 and draw(st.booleans()):
        blocking = (Blocking(when="voice", blocks=tuple(c.name for c in channels[1:])),)
    queues = tuple(
        Queue(name=name, wrap_up=draw(st.one_of(st.none(), wrap_ups())),
              strategy=draw(st.sampled_from(Strategy)))
        for name in draw(st.lists(st.sampled_from(["sales", "support", "vip"]), unique=True,
                                  max_size=2)))
    return Policy(
        name="random", statuses=tuple(statuses.values()), transitions=tuple(transitions),
        reasons=reasons, channels=tuple(channels), while_busy=draw(st.sampled_from(BusyChange)),
        wrap_up=draw(wrap_ups()), queues=queues, timers=timers,
        day=DayRule(timezone=draw(st.sampled_from(ZONES)), rolling=draw(st.booleans())),
        overrun_status=overrun, blocking=blocking, agents_manage_queues=draw(st.booleans()))


def _limited(reason: PauseReason) -> bool:
    return (reason.daily_allotment is not None or reason.max_per_day is not None
            or reason.max_length is not None)


def _a_reason(draw: st.DrawFn, statuses: dict[str, Status], name: str | None, *,
              required: bool = False) -> str | None:
    """A reason of ``name``; never ``None`` if ``required`` (an auto-pause must say why)."""
    if name is None or not statuses[name].reasons:
        return None
    some = st.sampled_from(statuses[name].reasons)
    return draw(some if required else st.one_of(st.none(), some))

