"""Every status x every event, under the basic preset: the expected outcome of each pair.

An agent is put in each status (idle, no interactions) and each event is applied to it.
Accepted events must land where the table says; refused ones must raise the specific error and
leave state and history exactly as they were. The table is the specification: read a row as
"an agent in <status> that receives <event> ...".
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from agentstate import (
    Actor,
    AgentStateError,
    Event,
    ForceLogout,
    ForceStatus,
    InteractionAnswered,
    InteractionEnded,
    InteractionMissed,
    InteractionOffered,
    InteractionRejected,
    InvalidEvent,
    InvalidTransition,
    Login,
    Logout,
    ManualClock,
    NotEligible,
    NotPermitted,
    SetStatus,
    Tracker,
    UnknownReason,
    UnknownStatus,
)
from agentstate.presets import basic

SUP = Actor.supervisor("s1")

EVENTS: dict[str, Callable[[], Event]] = {
    "login": lambda: Login(agent="a1", queues=("sales",)),
    "logout": lambda: Logout(agent="a1"),
    "set available": lambda: SetStatus(agent="a1", status="available"),
    "set break coffee": lambda: SetStatus(agent="a1", status="break", reason="coffee"),
    "set break (no reason)": lambda: SetStatus(agent="a1", status="break"),
    "set lunch": lambda: SetStatus(agent="a1", status="lunch"),
    "set offline": lambda: SetStatus(agent="a1", status="offline"),
    "set unknown": lambda: SetStatus(agent="a1", status="nap"),
    "supervisor forces available": lambda: ForceStatus(agent="a1", status="available",
                                                       actor=SUP),
    "agent forces available": lambda: ForceStatus(agent="a1", status="available",
                                                  actor=Actor.agent("a1")),
    "supervisor forces logout": lambda: ForceLogout(agent="a1", actor=SUP),
    "another agent sets offline": lambda: SetStatus(agent="a1", status="offline",
                                                    actor=Actor.agent("a2")),
    "queue call offered": lambda: InteractionOffered(agent="a1", interaction="c1",
                                                     queue="sales"),
    "direct call offered": lambda: InteractionOffered(agent="a1", interaction="c1"),
    "unknown call answered": lambda: InteractionAnswered(agent="a1", interaction="zz"),
    "unknown call ended": lambda: InteractionEnded(agent="a1", interaction="zz"),
    "unknown call missed": lambda: InteractionMissed(agent="a1", interaction="zz"),
    "unknown call rejected": lambda: InteractionRejected(agent="a1", interaction="zz"),
}

STATUSES = ["logged_out", "available", "break", "lunch", "offline"]

# One column per status above: the status it ends in, or the error it raises.
Outcome = str | type[AgentStateError]
IE, IT, NP, UR, US = InvalidEvent, InvalidTransition, NotPermitted, UnknownReason, UnknownStatus
NE = NotEligible
TABLE: dict[str, list[Outcome]] = {
    #                             logged_out   available     break         lunch        offline
    "login":                       ["available", IE,          IE,           IE,          IE],
    "logout":                      [IE,          "logged_out", NP,          NP,          "logged_out"],
    "set available":               [IE,          IE,          "available",  "available", "available"],
    "set break coffee":            [IE,          "break",     IE,           IT,          "break"],
    "set break (no reason)":       [IE,          UR,          UR,           UR,          UR],
    "set lunch":                   [IE,          "lunch",     "lunch",      IE,          "lunch"],
    "set offline":                 [IE,          "offline",   IT,           NP,          IE],
    "set unknown":                 [IE,          US,          US,           US,          US],
    "supervisor forces available": [IE,          IE,          "available",  "available", "available"],
    "agent forces available":      [NP,          NP,          NP,           NP,          NP],
    "supervisor forces logout":    [IE,          "logged_out", "logged_out", "logged_out", "logged_out"],
    "another agent sets offline":  [NP,          NP,          NP,           NP,          NP],
    "queue call offered":          [IE,          "available", NE,           NE,          NE],
    "direct call offered":         [IE,          "available", "break",      "lunch",     "offline"],
    "unknown call answered":       [IE,          IE,          IE,           IE,          IE],
    "unknown call ended":          [IE,          IE,          IE,           IE,          IE],
    "unknown call missed":         [IE,          IE,          IE,           IE,          IE],
    "unknown call rejected":       [IE,          IE,          IE,           IE,          IE],
}  # fmt: skip

ROUTES: dict[str, list[Event]] = {
    "logged_out": [],
    "available": [Login(agent="a1", queues=("sales",))],
    "break": [Login(agent="a1", queues=("sales",)), SetStatus(agent="a1", status="break", reason="coffee")],
    "lunch": [Login(agent="a1", queues=("sales",)), SetStatus(agent="a1", status="lunch")],
    "offline": [Login(agent="a1", queues=("sales",)), SetStatus(agent="a1", status="offline")],
}


def _tracker_in(status: str) -> Tracker:
    clock = ManualClock()
    tracker = Tracker(basic(), clock=clock)
    tracker.register("a1")
    tracker.register("a2")
    for event in ROUTES[status]:
        clock.advance(60)
        tracker.apply(event)
    clock.advance(60)
    assert tracker.state("a1").status == status
    return tracker


def test_the_table_covers_every_status_and_event() -> None:
    """The table has a row per event and a column per status of the policy."""
    assert set(TABLE) == set(EVENTS)
    assert {len(row) for row in TABLE.values()} == {len(STATUSES)}
    assert sorted(STATUSES) == sorted(s.name for s in basic().statuses)


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("name", list(EVENTS))
def test_status_event_pair(status: str, name: str) -> None:
    """An agent in each status gets each event: the outcome is the table's."""
    expected = TABLE[name][STATUSES.index(status)]
    tracker = _tracker_in(status)
    before = (tracker.state("a1"), tuple(tracker.history("a1")))
    event = EVENTS[name]()
    if isinstance(expected, str):
        result = tracker.apply(event)
        assert expected == tracker.state("a1").status
        assert expected == result.after.status
        assert len(before[1]) + 1 == len(tracker.history("a1"))
    else:
        with pytest.raises(expected) as caught:
            tracker.apply(event)
        assert type(caught.value) is expected
        assert caught.value.agent == "a1"
        assert before == (tracker.state("a1"), tuple(tracker.history("a1")))


INTERACTION_STEPS = {
    "answer": lambda: InteractionAnswered(agent="a1", interaction="c1"),
    "end": lambda: InteractionEnded(agent="a1", interaction="c1"),
    "miss": lambda: InteractionMissed(agent="a1", interaction="c1"),
    "reject": lambda: InteractionRejected(agent="a1", interaction="c1"),
    "offer again": lambda: InteractionOffered(agent="a1", interaction="c1", queue="sales"),
}
# interaction state -> step -> occupation after, or error
INTERACTION_TABLE: dict[str, dict[str, str | type[AgentStateError]]] = {
    "offered": {"answer": "on_interaction", "end": "idle", "miss": "idle", "reject": "idle",
                "offer again": IE},
    "connected": {"answer": IE, "end": "idle", "miss": IE, "reject": IE, "offer again": IE},
}


@pytest.mark.parametrize("where", list(INTERACTION_TABLE))
@pytest.mark.parametrize("step", list(INTERACTION_STEPS))
def test_interaction_state_step_pair(where: str, step: str) -> None:
    """Each interaction event on an offered or a connected call: the occupation it leads to."""
    tracker = _tracker_in("available")
    tracker.apply(InteractionOffered(agent="a1", interaction="c1", queue="sales"))
    if where == "connected":
        tracker.apply(InteractionAnswered(agent="a1", interaction="c1"))
    expected = INTERACTION_TABLE[where][step]
    before = (tracker.state("a1"), tuple(tracker.history("a1")))
    if isinstance(expected, str):
        tracker.apply(INTERACTION_STEPS[step]())
        assert expected == tracker.state("a1").occupation.value
    else:
        with pytest.raises(expected):
            tracker.apply(INTERACTION_STEPS[step]())
        assert before == (tracker.state("a1"), tuple(tracker.history("a1")))
