"""What the tracker knows about an agent, and what it records: frozen values.

An agent has two layers of state, as every serious contact-centre system separates them:

- its **status**, which the agent or a supervisor chose (Available, Lunch, Offline, a custom
  status), with an optional pause **reason**; and
- its **occupation**, which the system derives from the agent's interactions (and, with timers,
  from post-processing and delays): idle, offered, on an interaction, ...

:class:`AgentState` holds both; :class:`Change` is one entry of the agent's history.
"""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

from ._events import Actor, Event

__all__ = [
    "AgentState",
    "Change",
    "Interaction",
    "InteractionState",
    "Notice",
    "NoticeKind",
    "Occupation",
    "Result",
    "Session",
    "Snapshot",
]


class Occupation(enum.Enum):
    """What the agent is doing, as derived by the system."""

    IDLE = "idle"
    """Waiting for work (FreeSWITCH "Waiting", Webitel "Waiting", seed 002 "Idle")."""
    OFFERED = "offered"
    """Work is ringing or offered and not yet accepted."""
    ON_INTERACTION = "on_interaction"
    """Handling at least one accepted interaction (seed 001 "Busy", seed 002 "Connected")."""


class InteractionState(enum.Enum):
    """Where one interaction stands."""

    OFFERED = "offered"
    CONNECTED = "connected"


@attrs.frozen(kw_only=True)
class Interaction:
    """An open interaction (call, chat, email) of an agent."""

    id: str
    channel: str
    queue: str | None
    state: InteractionState
    since: datetime


@attrs.frozen(kw_only=True)
class Session:
    """A login session: when it began, from which device, on which queues."""

    login_at: datetime
    device: str | None = None
    queues: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class AgentState:
    """Everything the tracker keeps about one agent. Replaced, never mutated.

    Attributes:
        agent: the agent's id.
        version: how many changes have been recorded; the store's compare-and-set key.
        status: the chosen status's name.
        reason: the pause reason's code, if any.
        since: when the current status and reason began.
        occupation: what the agent is doing.
        occupation_since: when the current occupation began.
        updated_at: when the last change was recorded; older events are stale.
        session: the login session, or ``None`` when logged out.
        interactions: the open interactions, oldest first.
    """

    agent: str
    version: int
    status: str
    reason: str | None
    since: datetime
    occupation: Occupation
    occupation_since: datetime
    updated_at: datetime
    session: Session | None = None
    interactions: tuple[Interaction, ...] = ()

    @property
    def logged_in(self) -> bool:
        """Whether the agent has a login session."""
        return self.session is not None

    def interaction(self, interaction_id: str) -> Interaction | None:
        """The open interaction with this id, or ``None``."""
        for item in self.interactions:
            if item.id == interaction_id:
                return item
        return None


@attrs.frozen
class Snapshot:
    """The two layers at one instant: status, reason, occupation."""

    status: str
    reason: str | None
    occupation: Occupation


@attrs.frozen(kw_only=True)
class Change:
    """One entry of an agent's history: an accepted event and what it changed.

    The entry starts a new interval of the agent's timeline: from ``at`` until the next entry's
    ``at`` the agent was in ``to_status``/``to_reason``/``to_occupation``. Every entry's
    ``from_*`` equals the previous entry's ``to_*``, so the intervals tile the timeline.

    Attributes:
        agent: the agent's id.
        seq: the agent's version after this change (1 for the registration).
        at: when it happened.
        actor: who did it.
        event: the event applied (replaying these reproduces the agent's state).
        event_id: the idempotency key, if the event had one.
        note: why, where more needs saying (e.g. "interactions dropped: c1").
    """

    agent: str
    seq: int
    at: datetime
    actor: Actor
    event: Event
    from_status: str | None
    to_status: str
    from_reason: str | None
    to_reason: str | None
    from_occupation: Occupation | None
    to_occupation: Occupation
    event_id: str | None = None
    note: str | None = None

    @property
    def before(self) -> Snapshot | None:
        """Status, reason and occupation before the change (``None`` at registration)."""
        if self.from_status is None or self.from_occupation is None:
            return None
        return Snapshot(self.from_status, self.from_reason, self.from_occupation)

    @property
    def after(self) -> Snapshot:
        """Status, reason and occupation after the change."""
        return Snapshot(self.to_status, self.to_reason, self.to_occupation)


class NoticeKind(enum.Enum):
    """What the host may need to act on."""

    ROUTABLE = "routable"
    """The agent may now be offered queue work (e.g. unpause it in the PBX's queues)."""
    NOT_ROUTABLE = "not_routable"
    """The agent may no longer be offered queue work (e.g. pause it in the PBX's queues)."""
    INTERACTIONS_DROPPED = "interactions_dropped"
    """A forced logout left interactions open in the host; they are no longer the agent's."""


@attrs.frozen(kw_only=True)
class Notice:
    """Something the host may need to act on, derived from a change."""

    kind: NoticeKind
    agent: str
    at: datetime
    detail: str = ""


@attrs.frozen(kw_only=True)
class Result:
    """What applying one event did.

    Attributes:
        agent: the agent's id.
        event: the event as given.
        changes: the history entries the event recorded (at least one).
        notices: what the host may need to act on.
        duplicate: the event's id had been seen: nothing changed, ``changes`` are the original.
    """

    agent: str
    event: Event
    changes: tuple[Change, ...]
    notices: tuple[Notice, ...] = ()
    duplicate: bool = False

    @property
    def before(self) -> Snapshot | None:
        """The agent's status, reason and occupation before the event."""
        return self.changes[0].before

    @property
    def after(self) -> Snapshot:
        """The agent's status, reason and occupation after the event."""
        return self.changes[-1].after

    @property
    def at(self) -> datetime:
        """When the event took effect."""
        return self.changes[-1].at
