"""Issue 19, points 1 to 3: no way around a supervisor or the system.

Each test is written from the issue's reproduction (quoted in its docstring). The rule behind
them (docs/concepts.md, "Who may undo what"): what a higher role set (a pending status change,
a queue pause, a stop-new) is undone only by a role of that rank or above; the supervisor and the
system rank equally, above the agent. Only the system reports an offer "busy" or "withdrawn".
The whole grid (every preset, status, actor and event) is in tests/test_permissions.py.
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import attrs
import pytest

from agentstate import (
    Actor,
    CancelPending,
    ForceStatus,
    InteractionAnswered,
    InteractionEnded,
    InteractionOffered,
    InteractionRejected,
    InvalidEvent,
    JoinQueue,
    Login,
    Logout,
    ManualClock,
    NotPermitted,
    PauseQueue,
    Policy,
    ResumeNew,
    ResumeQueue,
    Role,
    SetStatus,
    StopNew,
    Tracker,
    _sqlite,
)
from agentstate._sqlite import SQLiteStore
from agentstate.presets import basic, callharbor, virtual_contact_center

SUP = Actor.supervisor("sue")
PBX = Actor.system("pbx")


def _tracker(policy: Policy, status: str, *, store: object = None) -> tuple[Tracker, ManualClock]:
    clock = ManualClock()
    tracker = Tracker(policy, clock=clock, **({"store": store} if store is not None else {}))
    tracker.register("ana")
    tracker.apply(Login(agent="ana", queues=("sales",)))
    if tracker.state("ana").status != status:
        tracker.apply(SetStatus(agent="ana", status=status))
    return tracker, clock


def _on_call(tracker: Tracker, call: str = "c1") -> None:
    tracker.apply(InteractionOffered(agent="ana", interaction=call, queue="sales"))
    tracker.apply(InteractionAnswered(agent="ana", interaction=call))


def _unchanged(tracker: Tracker) -> tuple[object, ...]:
    return tracker.state("ana"), tuple(tracker.history("ana"))


# -- 1. pending changes ---------------------------------------------------------------------------


@pytest.mark.parametrize("undo", [
    CancelPending(agent="ana"),
    SetStatus(agent="ana", status="offline"),
    SetStatus(agent="ana", status="break", reason="coffee"),
    Logout(agent="ana"),
], ids=["cancel", "set offline", "set break", "logout"])
def test_an_agent_cannot_undo_a_supervisors_pending_change(undo: object) -> None:
    """#19.1: "A supervisor's ForceStatus(lunch) on a busy agent, followed by the agent's
    CancelPending (or SetStatus(offline)), ends the call in available." Now the agent's event
    is NotPermitted, changes nothing, and the call ends in lunch."""
    tracker, _ = _tracker(basic(), "available")
    _on_call(tracker)
    tracker.apply(ForceStatus(agent="ana", status="lunch", actor=SUP))
    before = _unchanged(tracker)
    with pytest.raises(NotPermitted, match="set by the supervisor"):
        tracker.apply(undo)  # type: ignore[arg-type]
    assert before == _unchanged(tracker)
    assert "lunch" == tracker.apply(InteractionEnded(agent="ana", interaction="c1")).after.status


def test_an_agent_still_replaces_and_cancels_its_own_pending_change() -> None:
    """What the agent asked for itself, it may change or withdraw."""
    tracker, _ = _tracker(basic(), "available")
    _on_call(tracker)
    tracker.apply(SetStatus(agent="ana", status="lunch"))
    tracker.apply(SetStatus(agent="ana", status="offline"))
    assert "offline" == tracker.state("ana").pending.status  # type: ignore[union-attr]
    tracker.apply(CancelPending(agent="ana"))
    assert None is tracker.state("ana").pending


@pytest.mark.parametrize(("setter", "undoer"), [(SUP, PBX), (PBX, SUP)],
                         ids=["system undoes supervisor", "supervisor undoes system"])
def test_the_supervisor_and_the_system_rank_equally(setter: Actor, undoer: Actor) -> None:
    """The supervisor and the system rank equally: each may replace or cancel what the other
    set (a supervisor overrides the host's automation; the host acts for supervisors)."""
    tracker, _ = _tracker(basic(), "available")
    _on_call(tracker)
    kind = ForceStatus if setter.role is Role.SUPERVISOR else SetStatus
    tracker.apply(kind(agent="ana", status="lunch", actor=setter))
    kind = ForceStatus if undoer.role is Role.SUPERVISOR else SetStatus
    tracker.apply(kind(agent="ana", status="offline", actor=undoer))
    assert undoer == tracker.state("ana").pending.actor  # type: ignore[union-attr]
    tracker.apply(CancelPending(agent="ana", actor=setter))
    assert None is tracker.state("ana").pending


def test_single_calls_automatic_move_cannot_be_cancelled() -> None:
    """#19.1, CallHarbor: "cancelling Single Call's automatic move keeps the agent in
    single_call and still offered queue calls." The agent may not cancel the system's move;
    nobody may cancel it (a supervisor may replace it with another status); the call ends in
    offline and no queue call is offered."""
    tracker, _ = _tracker(callharbor(), "single_call")
    _on_call(tracker)
    assert "offline" == tracker.state("ana").pending.status  # type: ignore[union-attr]
    before = _unchanged(tracker)
    with pytest.raises(NotPermitted):
        tracker.apply(CancelPending(agent="ana"))
    with pytest.raises(NotPermitted):
        tracker.apply(SetStatus(agent="ana", status="online"))
    with pytest.raises(InvalidEvent, match="cannot be cancelled"):
        tracker.apply(CancelPending(agent="ana", actor=SUP))
    assert before == _unchanged(tracker)
    assert "offline" == tracker.apply(InteractionEnded(agent="ana", interaction="c1")
                                      ).after.status
    assert [] == tracker.eligible("sales")


def test_a_supervisor_may_replace_single_calls_automatic_move() -> None:
    """A supervisor replaces the automatic move with another status: that status applies
    when the call ends."""
    tracker, _ = _tracker(callharbor(), "single_call")
    _on_call(tracker)
    tracker.apply(ForceStatus(agent="ana", status="online", actor=SUP))
    assert "online" == tracker.apply(InteractionEnded(agent="ana", interaction="c1")
                                     ).after.status


# -- 2. busy and withdrawn ------------------------------------------------------------------------


@pytest.mark.parametrize("dodge", [
    InteractionRejected(agent="ana", interaction="c1", busy=True, actor=Actor.agent("ana")),
    InteractionEnded(agent="ana", interaction="c1"),
], ids=["busy", "withdrawn"])
def test_an_agent_cannot_dodge_the_reject_penalty(dodge: object) -> None:
    """#19.2: "Under Virtual Contact Center a reject puts the agent On Break, but the agent can
    send InteractionRejected(busy=True) or InteractionEnded on a ringing offer and stay
    available." Both are NotPermitted when the agent sends them and change nothing (a busy
    report without an actor is the system's: the least privileged role that can know it); a
    reject puts the agent on break."""
    tracker, _ = _tracker(virtual_contact_center(), "available")
    tracker.apply(InteractionOffered(agent="ana", interaction="c1", queue="sales"))
    before = _unchanged(tracker)
    with pytest.raises(NotPermitted, match="only the system"):
        tracker.apply(dodge)  # type: ignore[arg-type]
    assert before == _unchanged(tracker)
    assert "on_break" == tracker.apply(InteractionRejected(agent="ana", interaction="c1")
                                       ).after.status


def test_the_system_reports_busy_and_withdrawn() -> None:
    """The PBX side reports a busy device and a withdrawn offer; the agent stays available."""
    tracker, _ = _tracker(virtual_contact_center(), "available")
    tracker.apply(InteractionOffered(agent="ana", interaction="c1", queue="sales"))
    assert "available" == tracker.apply(InteractionRejected(
        agent="ana", interaction="c1", busy=True, actor=PBX)).after.status
    tracker.apply(InteractionOffered(agent="ana", interaction="c2"))  # a direct call
    assert "available" == tracker.apply(InteractionEnded(
        agent="ana", interaction="c2", actor=PBX)).after.status


def test_every_unanswered_offer_is_counted_once() -> None:
    """#19.2: "every unanswered offer ends as exactly one of answered, missed, rejected, busy or
    withdrawn in the counters"."""
    tracker, _ = _tracker(basic(), "available")
    offers = {"answered": None, "rejected": None, "busy": True, "withdrawn": False}
    for call, busy in offers.items():
        tracker.apply(InteractionOffered(agent="ana", interaction=call, queue="sales"))
        if call == "answered":
            tracker.apply(InteractionAnswered(agent="ana", interaction=call))
            tracker.apply(InteractionEnded(agent="ana", interaction=call))
        elif busy is None:
            tracker.apply(InteractionRejected(agent="ana", interaction=call))
        elif busy:
            tracker.apply(InteractionRejected(agent="ana", interaction=call, busy=True,
                                              actor=PBX))
        else:
            tracker.apply(InteractionEnded(agent="ana", interaction=call, actor=PBX))
    counts = tracker.counters("ana")
    assert (4, 1, 0, 1, 1, 1) == (counts.offered, counts.answered, counts.missed,
                                  counts.rejected, counts.busy, counts.withdrawn)
    assert counts.offered == (counts.answered + counts.missed + counts.rejected + counts.busy
                              + counts.withdrawn)


# -- 3. queue pauses and stop-new -----------------------------------------------------------------


@pytest.mark.parametrize("by", [SUP, PBX], ids=["supervisor", "system"])
def test_an_agent_cannot_undo_a_higher_roles_queue_pause_or_stop_new(by: Actor) -> None:
    """#19.3: "Supervisor actions on queues and new work (PauseQueue, StopNew) can be undone by
    the agent." Now the agent's resume is NotPermitted; the setter's rank resumes."""
    tracker, _ = _tracker(basic(), "available")
    tracker.apply(PauseQueue(agent="ana", queue="sales", actor=by))
    tracker.apply(StopNew(agent="ana", actor=by))
    before = _unchanged(tracker)
    for undo in (ResumeQueue(agent="ana", queue="sales"), ResumeQueue(agent="ana"),
                 ResumeNew(agent="ana")):
        with pytest.raises(NotPermitted, match=f"set by the {by.role.value}"):
            tracker.apply(undo)
    assert before == _unchanged(tracker)
    assert by.role == tracker.state("ana").membership("sales").paused_by  # type: ignore[union-attr]
    assert by.role == tracker.state("ana").stop_new_by
    other = PBX if by is SUP else SUP
    tracker.apply(ResumeQueue(agent="ana", queue="sales", actor=other))
    tracker.apply(ResumeNew(agent="ana", actor=other))
    assert ["ana"] == [c.agent for c in tracker.eligible("sales")]


def test_a_higher_role_takes_over_an_agents_own_pause() -> None:
    """An agent resumes its own pause; a supervisor pausing a queue the agent paused (or
    stopping new work it stopped) takes the pause over, and the agent can no longer resume."""
    tracker, _ = _tracker(basic(), "available")
    tracker.apply(JoinQueue(agent="ana", queue="support", actor=SUP))
    tracker.apply(PauseQueue(agent="ana"))
    tracker.apply(ResumeQueue(agent="ana", queue="support"))
    tracker.apply(StopNew(agent="ana"))
    tracker.apply(PauseQueue(agent="ana", queue="sales", actor=SUP))
    tracker.apply(StopNew(agent="ana", actor=SUP))
    state = tracker.state("ana")
    assert (Role.SUPERVISOR, Role.SUPERVISOR) == (
        state.membership("sales").paused_by, state.stop_new_by)  # type: ignore[union-attr]
    with pytest.raises(NotPermitted):
        tracker.apply(ResumeQueue(agent="ana"))
    with pytest.raises(InvalidEvent, match="already paused"):
        tracker.apply(PauseQueue(agent="ana", queue="sales", actor=PBX))  # same rank


# -- stored states from before: who set a pause is unknown, anyone may undo it --------------------


def test_a_sqlite_state_stored_before_the_setters_reads_them_as_unknown(tmp_path: Path) -> None:
    """A state stored before ``stop_new_by`` and each membership's ``paused_by`` existed reads
    them as ``None`` (the codec fills a missing key that has a default); such a pause (its
    setter unknown) is resumed by anyone."""
    path = tmp_path / "v3.db"
    with SQLiteStore(path) as store:
        tracker, _ = _tracker(basic(), "available", store=store)
        tracker.apply(PauseQueue(agent="ana", queue="sales"))
        tracker.apply(StopNew(agent="ana"))
        stored = tracker.state("ana")
    expected = attrs.evolve(stored, stop_new_by=None, memberships=tuple(
        attrs.evolve(m, paused_by=None) for m in stored.memberships))
    with sqlite3.connect(path) as conn:
        (text,) = conn.execute("SELECT state FROM agents WHERE agent = 'ana'").fetchone()
        data = json.loads(text)
        del data["stop_new_by"]
        for member in data["memberships"]:
            del member["paused_by"]
        conn.execute("UPDATE agents SET state = ?", (json.dumps(data),))
    with SQLiteStore(path) as store:
        assert expected == store.load("ana")
        tracker = Tracker(basic(), store=store, clock=ManualClock(expected.updated_at))
        tracker.apply(ResumeNew(agent="ana", actor=SUP))
        tracker.apply(ResumeQueue(agent="ana", actor=SUP))
    with sqlite3.connect(path) as conn:
        versions = [row[0] for row in conn.execute("SELECT version FROM schema_version")]
    assert list(range(1, _sqlite.SCHEMA_VERSION + 1)) == versions


def test_a_postgres_state_stored_before_the_setters_reads_them_as_unknown() -> None:
    """As on SQLite: a state stored without the setters reads them as ``None``, keeping every
    other key."""
    import psycopg

    from agentstate import _postgres
    from agentstate._postgres import PostgresStore
    from tests import _pg

    conninfo = _pg.require().conninfo
    schema = f"t_reliability_v3_{os.getpid()}"
    with PostgresStore(conninfo, schema=schema) as store:
        tracker, _ = _tracker(basic(), "available", store=store)
        tracker.apply(JoinQueue(agent="ana", queue="support", actor=SUP))
        tracker.apply(PauseQueue(agent="ana", queue="sales", actor=SUP))
        tracker.apply(StopNew(agent="ana"))
        stored = tracker.state("ana")
    expected = attrs.evolve(stored, stop_new_by=None, memberships=tuple(
        attrs.evolve(m, paused_by=None) for m in stored.memberships))
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'UPDATE "{schema}".agents SET state = (SELECT (state::jsonb - '
                     "'stop_new_by' || jsonb_build_object('memberships', (SELECT jsonb_agg("
                     "m - 'paused_by' ORDER BY i) FROM jsonb_array_elements(state::jsonb -> "
                     "'memberships') WITH ORDINALITY AS e(m, i))))::json)")
    try:
        with PostgresStore(conninfo, schema=schema) as store:
            assert expected == store.load("ana")
        with psycopg.connect(conninfo, autocommit=True) as conn:
            versions = [row[0] for row in conn.execute(
                f'SELECT version FROM "{schema}".schema_version ORDER BY version')]
        assert list(range(1, _postgres.SCHEMA_VERSION + 1)) == versions
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
