"""agentstate: call-centre agent status, sans-I/O.

Describe your call centre's rules as a :class:`Policy`, feed events to a :class:`Tracker`, and
ask it questions. The host supplies the clock and the storage; agentstate decides, records and
answers.
"""

from __future__ import annotations

from ._diagram import to_mermaid
from ._errors import (
    AgentExists,
    AgentStateError,
    ClockError,
    ConflictError,
    InvalidEvent,
    InvalidTransition,
    NotPermitted,
    PolicyError,
    SchemaError,
    StaleEvent,
    StoreError,
    UnknownAgent,
    UnknownReason,
    UnknownStatus,
)
from ._events import (
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
    Register,
    SetStatus,
)
from ._policy import ANY, BusyChange, Channel, PauseReason, Policy, Role, Status, Transition
from ._state import (
    AgentState,
    Change,
    Interaction,
    InteractionState,
    Notice,
    NoticeKind,
    Occupation,
    Result,
    Session,
    Snapshot,
)
from ._store import MemoryStore, Store
from ._time import Clock, ManualClock, SystemClock
from ._tracker import Tracker, replay

__all__ = [
    "ANY",
    "Actor",
    "AgentExists",
    "AgentState",
    "AgentStateError",
    "BusyChange",
    "Change",
    "Channel",
    "Clock",
    "ClockError",
    "ConflictError",
    "Event",
    "ForceLogout",
    "ForceStatus",
    "Interaction",
    "InteractionAnswered",
    "InteractionEnded",
    "InteractionMissed",
    "InteractionOffered",
    "InteractionRejected",
    "InteractionState",
    "InvalidEvent",
    "InvalidTransition",
    "Login",
    "Logout",
    "ManualClock",
    "MemoryStore",
    "NotPermitted",
    "Notice",
    "NoticeKind",
    "Occupation",
    "PauseReason",
    "Policy",
    "PolicyError",
    "Register",
    "Result",
    "Role",
    "SchemaError",
    "Session",
    "SetStatus",
    "Snapshot",
    "StaleEvent",
    "Status",
    "Store",
    "StoreError",
    "SystemClock",
    "Tracker",
    "Transition",
    "UnknownAgent",
    "UnknownReason",
    "UnknownStatus",
    "replay",
    "to_mermaid",
]

__version__ = "0.1.0.dev0"
