"""Hypothesis strategies for agentstate: actors, instants, and events for a policy."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from hypothesis import strategies as st

from .._events import (
    Actor,
    Event,
    ForceLogout,
    ForceStatus,
    InteractionAnswered,
    InteractionEnded,
    InteractionMissed,
    InteractionOffered,
    InteractionRejected,
    Login,
    Logout,
    SetStatus,
)
from .._policy import Policy, Role
from .._state import AgentState, InteractionState

__all__ = ["actors", "events_for", "instants", "likely_valid_events"]

UNKNOWN = "no-such-thing"


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


def events_for(policy: Policy, agents: Sequence[str], *,
               interactions: Sequence[str] = ("i1", "i2", "i3")
               ) -> st.SearchStrategy[Event]:
    """Any event for ``agents`` under ``policy``: valid or not, with random actors.

    Statuses, reasons, channels and queues are drawn from the policy plus one unknown name,
    so the strategy also produces events the tracker must refuse.
    """
    agent = st.sampled_from(list(agents))
    status = st.sampled_from([s.name for s in policy.statuses] + [UNKNOWN])
    reason = st.one_of(st.none(), st.sampled_from([r.code for r in policy.reasons] + [UNKNOWN]))
    interaction = st.sampled_from(list(interactions))
    channel = st.sampled_from([c.name for c in policy.channels] + [UNKNOWN])
    queue = st.one_of(st.none(), st.sampled_from(["sales", "support"]))
    actor = actors(agents)
    supervisor = st.sampled_from([Actor.supervisor("sup"), Actor.agent(agents[0]),
                                  Actor.system()])
    return st.one_of(
        st.builds(Login, agent=agent, actor=actor, status=st.one_of(st.none(), status),
                  queues=st.lists(st.sampled_from(["sales", "support"]), max_size=2)),
        st.builds(Logout, agent=agent, actor=actor),
        st.builds(SetStatus, agent=agent, status=status, reason=reason, actor=actor),
        st.builds(ForceStatus, agent=agent, status=status, reason=reason, actor=supervisor),
        st.builds(ForceLogout, agent=agent, actor=supervisor),
        st.builds(InteractionOffered, agent=agent, interaction=interaction, channel=channel,
                  queue=queue, actor=actor),
        st.builds(InteractionAnswered, agent=agent, interaction=interaction, actor=actor),
        st.builds(InteractionEnded, agent=agent, interaction=interaction, actor=actor),
        st.builds(InteractionMissed, agent=agent, interaction=interaction, actor=actor),
        st.builds(InteractionRejected, agent=agent, interaction=interaction, actor=actor),
    )


def likely_valid_events(policy: Policy, state: AgentState, *, fresh_interaction: str
                        ) -> list[Event]:
    """Events that the policy should accept for ``state`` (a few may still be refused)."""
    agent = state.agent
    me = Actor.agent(agent)
    out: list[Event] = []
    if state.session is None:
        out.extend(Login(agent=agent, status=dest, queues=("sales", "support")) for dest in
                   policy.destinations(state.status, Role.AGENT))
        return out
    for role, actor in ((Role.AGENT, me), (Role.SUPERVISOR, Actor.supervisor("sup"))):
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
        queue = "sales" if status.routable else None
        out.append(InteractionOffered(agent=agent, interaction=fresh_interaction,
                                      channel=channel.name, queue=queue))
    for item in state.interactions:
        if item.state is InteractionState.OFFERED:
            out.append(InteractionAnswered(agent=agent, interaction=item.id))
            out.append(InteractionMissed(agent=agent, interaction=item.id))
            out.append(InteractionRejected(agent=agent, interaction=item.id))
        out.append(InteractionEnded(agent=agent, interaction=item.id))
    return out
