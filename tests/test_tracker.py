"""The tracker: applying events, answering questions, recording every change."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import attrs
import pendulum
import pytest

from agentstate import (
    Actor,
    AgentExists,
    AgentState,
    BusyChange,
    Change,
    ConflictError,
    ForceLogout,
    InteractionAnswered,
    InteractionEnded,
    InteractionOffered,
    InvalidEvent,
    Login,
    Logout,
    ManualClock,
    MemoryStore,
    NoticeKind,
    Occupation,
    SetStatus,
    SQLiteStore,
    StaleEvent,
    Tracker,
    UnknownAgent,
    replay,
)
from agentstate.presets import basic


def test_login_starts_a_session_in_the_login_status(tracker: Tracker, clock: ManualClock
                                                    ) -> None:
    """Login moves the agent to the policy's login status with its queues and device."""
    result = tracker.apply(Login(agent="a1", queues=("sales",), device="1001"))
    state = tracker.state("a1")
    assert "available" == state.status
    assert state.session is not None
    assert ("sales",) == state.session.queues
    assert "1001" == state.session.device
    assert clock.now() == state.since == result.at


def test_time_in_status_comes_from_the_clock(tracker: Tracker, clock: ManualClock) -> None:
    """Time in status is the clock's now minus when the status began; reading changes nothing."""
    tracker.apply(Login(agent="a1", queues=("sales",)))
    clock.advance(75.5)
    assert timedelta(seconds=75.5) == tracker.time_in_status("a1")
    assert timedelta(seconds=75.5) == tracker.time_in_occupation("a1")
    assert 2 == len(tracker.history("a1"))


def test_one_event_reads_the_clock_once(policy: object) -> None:
    """Applying an event asks the clock for the time exactly once."""

    class CountingClock(ManualClock):
        reads = 0

        def now(self) -> pendulum.DateTime:
            CountingClock.reads += 1
            return super().now()

    tracker = Tracker(basic(), clock=CountingClock())
    tracker.register("a1")
    CountingClock.reads = 0
    tracker.apply(Login(agent="a1", queues=("sales",)))
    assert 1 == CountingClock.reads


def test_a_repeated_event_id_returns_the_original_result(tracker: Tracker, clock: ManualClock
                                                         ) -> None:
    """An event id seen before is acknowledged with the original changes; nothing changes."""
    first = tracker.apply(Login(agent="a1", event_id="e1"))
    clock.advance(10)
    again = tracker.apply(Login(agent="a1", event_id="e1"))
    assert again.duplicate
    assert first.changes == again.changes
    assert 2 == len(tracker.history("a1"))


def test_a_stale_event_is_refused(tracker: Tracker, clock: ManualClock) -> None:
    """An event stamped before the agent's last change raises StaleEvent and changes nothing."""
    clock.advance(60)
    tracker.apply(Login(agent="a1", queues=("sales",)))
    with pytest.raises(StaleEvent) as caught:
        tracker.apply(Logout(agent="a1", at=clock.now() - timedelta(seconds=1)))
    assert "before the agent's last recorded change" in str(caught.value)
    assert "available" == tracker.state("a1").status


def test_a_future_event_is_refused(tracker: Tracker, clock: ManualClock) -> None:
    """An event stamped after the clock's now is refused: durations could go negative."""
    with pytest.raises(StaleEvent) as caught:
        tracker.apply(Login(agent="a1", at=clock.now() + timedelta(seconds=5)))
    assert "after the clock's now" in str(caught.value)


def test_events_may_be_stamped_in_the_past_for_replay(tracker: Tracker, clock: ManualClock
                                                      ) -> None:
    """An event's own `at` (in any zone) is used instead of the clock, for replay and import."""
    clock.advance(3600)
    at = pendulum.datetime(2026, 1, 5, 10, 30, tz="Europe/Berlin")  # 09:30 UTC
    tracker.apply(Login(agent="a1", at=at))
    assert pendulum.datetime(2026, 1, 5, 9, 30) == tracker.state("a1").since


def test_unknown_and_duplicate_agents(tracker: Tracker) -> None:
    """Events for unregistered agents raise UnknownAgent; registering twice raises AgentExists."""
    with pytest.raises(UnknownAgent) as caught:
        tracker.apply(Login(agent="ghost"))
    assert "unknown agent 'ghost': register it first" == str(caught.value)
    with pytest.raises(AgentExists):
        tracker.register("a1")
    assert ["a1", "a2"] == sorted(tracker.agents())


def test_history_reads_per_agent_and_time_range(tracker: Tracker, clock: ManualClock) -> None:
    """History is read per agent, with start inclusive and end exclusive."""
    start = clock.now()
    clock.advance(60)
    tracker.apply(Login(agent="a1", queues=("sales",)))
    clock.advance(60)
    tracker.apply(SetStatus(agent="a1", status="lunch"))
    window = tracker.history("a1", start=start + timedelta(seconds=60),
                             end=start + timedelta(seconds=120))
    assert ["available"] == [c.to_status for c in window]
    assert 3 == len(tracker.history("a1"))
    assert 1 == len(tracker.history("a2"))


def test_each_change_records_who_what_when_from_to_and_reason(
        tracker: Tracker, clock: ManualClock) -> None:
    """A history entry records the actor, the event, the time, and both layers before/after."""
    tracker.apply(Login(agent="a1", queues=("sales",)))
    clock.advance(30)
    event = SetStatus(agent="a1", status="break", reason="coffee")
    tracker.apply(event)
    entry = tracker.history("a1")[-1]
    assert Actor.agent("a1") == entry.actor
    assert event == entry.event
    assert clock.now() == entry.at
    assert ("available", None, "break", "coffee") == (
        entry.from_status, entry.from_reason, entry.to_status, entry.to_reason)
    assert Occupation.IDLE == entry.from_occupation == entry.to_occupation


def test_changing_reason_within_a_status_opens_a_new_interval(
        tracker: Tracker, clock: ManualClock) -> None:
    """Break(coffee) -> Break(personal) is a change: a new interval starts, with its own time."""
    tracker.apply(Login(agent="a1", queues=("sales",)))
    tracker.apply(SetStatus(agent="a1", status="break", reason="coffee"))
    clock.advance(120)
    tracker.apply(SetStatus(agent="a1", status="break", reason="personal"))
    assert "personal" == tracker.state("a1").reason
    assert clock.now() == tracker.state("a1").since


def test_the_only_reason_of_a_status_is_implied(tracker: Tracker) -> None:
    """A status that takes exactly one reason (Lunch) gets it without being told."""
    tracker.apply(Login(agent="a1", queues=("sales",)))
    tracker.apply(SetStatus(agent="a1", status="lunch"))
    assert "lunch" == tracker.state("a1").reason


def test_notices_tell_the_host_when_routability_changes(tracker: Tracker) -> None:
    """Entering or leaving a routable status comes with a notice the host can act on."""
    assert [NoticeKind.ROUTABLE] == [n.kind for n in
                                     tracker.apply(Login(agent="a1", queues=("sales",))).notices]
    assert [NoticeKind.NOT_ROUTABLE] == [
        n.kind for n in tracker.apply(SetStatus(agent="a1", status="lunch")).notices]


def test_chats_fill_their_slots_and_voice_holds_one(tracker: Tracker) -> None:
    """An agent holds up to the channel's capacity at once: three chats, one call."""
    tracker.apply(Login(agent="a1", queues=("sales", "web")))
    for n in range(3):
        tracker.apply(InteractionOffered(agent="a1", interaction=f"chat{n}", channel="chat",
                                         queue="web"))
    with pytest.raises(InvalidEvent, match=r"chat slots 3/3"):
        tracker.apply(InteractionOffered(agent="a1", interaction="chat9", channel="chat",
                                         queue="web"))
    tracker.apply(InteractionOffered(agent="a1", interaction="call1", queue="sales"))
    with pytest.raises(InvalidEvent, match=r"voice slots 1/1"):
        tracker.apply(InteractionOffered(agent="a1", interaction="call2", queue="sales"))


def test_occupation_follows_interactions(tracker: Tracker, clock: ManualClock) -> None:
    """Offered -> on interaction while any is connected -> idle when the last one ends."""
    tracker.apply(Login(agent="a1", queues=("sales",)))
    tracker.apply(InteractionOffered(agent="a1", interaction="c1", queue="sales"))
    assert Occupation.OFFERED == tracker.state("a1").occupation
    clock.advance(4)
    tracker.apply(InteractionAnswered(agent="a1", interaction="c1"))
    assert Occupation.ON_INTERACTION == tracker.state("a1").occupation
    assert clock.now() == tracker.state("a1").occupation_since
    clock.advance(100)
    tracker.apply(InteractionEnded(agent="a1", interaction="c1"))
    assert Occupation.IDLE == tracker.state("a1").occupation
    assert timedelta(0) == tracker.time_in_occupation("a1")


def test_logout_mid_call_is_refused_unless_deferred_but_forced_logout_drops_calls(
        clock: ManualClock) -> None:
    """With IMMEDIATE, an agent cannot log out mid-call; a supervisor can, and is told what
    dropped."""
    tracker = Tracker(attrs.evolve(basic(), while_busy=BusyChange.IMMEDIATE), clock=clock)
    tracker.register("a1")
    tracker.apply(Login(agent="a1", queues=("sales",)))
    tracker.apply(InteractionOffered(agent="a1", interaction="c1", queue="sales"))
    with pytest.raises(InvalidEvent, match="cannot log out while handling an interaction"):
        tracker.apply(Logout(agent="a1"))
    result = tracker.apply(ForceLogout(agent="a1", actor=Actor.supervisor("s1")))
    assert {NoticeKind.NOT_ROUTABLE, NoticeKind.INTERACTIONS_DROPPED} == {
        n.kind for n in result.notices}
    assert () == tracker.state("a1").interactions
    assert Actor.supervisor("s1") == tracker.history("a1")[-1].actor


def test_a_refusing_policy_blocks_status_changes_during_interactions(clock: ManualClock
                                                                     ) -> None:
    """With while_busy=REFUSE (seed 001), no status change until the interaction ends."""
    tracker = Tracker(attrs.evolve(basic(), while_busy=BusyChange.REFUSE), clock=clock)
    tracker.register("a1")
    tracker.apply(Login(agent="a1", queues=("sales",)))
    tracker.apply(InteractionOffered(agent="a1", interaction="c1", queue="sales"))
    with pytest.raises(InvalidEvent, match="while handling an interaction"):
        tracker.apply(SetStatus(agent="a1", status="lunch"))


def test_replaying_history_reproduces_the_state(tracker: Tracker, clock: ManualClock) -> None:
    """Folding the rules over the recorded events from registration gives the current state."""
    tracker.apply(Login(agent="a1", queues=("sales",)))
    clock.advance(5)
    tracker.apply(InteractionOffered(agent="a1", interaction="c1", queue="sales"))
    tracker.apply(InteractionAnswered(agent="a1", interaction="c1"))
    assert tracker.state("a1") == replay(tracker.policy, tracker.history("a1"))


class _RacingStore(MemoryStore):
    """A store where another writer moves the agent just before our first commit."""

    def __init__(self, tracker_factory: object) -> None:
        super().__init__()
        self.raced = False

    def commit(self, state: AgentState, changes: Sequence[Change], *,
               expected_version: int) -> None:
        if not self.raced and expected_version > 0:
            self.raced = True
            other = self.load(state.agent)
            assert other is not None
            bumped = attrs.evolve(other, version=other.version + 1)
            moved = attrs.evolve(self.history(state.agent)[-1], seq=other.version + 1)
            super().commit(bumped, [moved], expected_version=other.version)
        super().commit(state, changes, expected_version=expected_version)


def test_a_conflict_is_retried_against_the_fresh_state(clock: ManualClock) -> None:
    """When another writer moved the agent, the tracker recomputes the event and commits."""
    store = _RacingStore(None)
    tracker = Tracker(basic(), store=store, clock=clock)
    tracker.register("a1")
    tracker.apply(Login(agent="a1", queues=("sales",)))
    assert store.raced
    assert 3 == tracker.state("a1").version


def test_a_conflict_is_raised_when_retries_run_out(clock: ManualClock) -> None:
    """With no retries left, the loser of a compare-and-set race gets ConflictError."""
    store = _RacingStore(None)
    tracker = Tracker(basic(), store=store, clock=clock, retries=0)
    tracker.register("a1")
    with pytest.raises(ConflictError) as caught:
        tracker.apply(Login(agent="a1", queues=("sales",)))
    assert (1, 2) == (caught.value.expected, caught.value.actual)


# -- an idempotent roster: register(..., exist_ok=True) ---------------------------------------


def test_register_exist_ok_leaves_a_known_agent_unchanged(tracker: Tracker,
                                                          clock: ManualClock) -> None:
    """register(exist_ok=True) of a known agent writes nothing and returns a duplicate result
    whose change is the agent's latest entry, without notices."""
    tracker.apply(Login(agent="a1"))
    clock.advance(60)
    before = (tracker.state("a1"), list(tracker.history("a1")))
    result = tracker.register("a1", exist_ok=True)
    assert before == (tracker.state("a1"), list(tracker.history("a1")))
    assert result.duplicate
    assert (before[1][-1],) == result.changes
    assert "available" == result.after.status
    assert () == result.notices


def test_register_exist_ok_adds_an_unknown_agent(tracker: Tracker) -> None:
    """register(exist_ok=True) of a new agent registers it as register() does."""
    result = tracker.register("a3", exist_ok=True)
    assert not result.duplicate
    assert "logged_out" == result.after.status
    assert ["a1", "a2", "a3"] == sorted(tracker.agents())


def test_register_many_exist_ok_adds_only_the_new_agents(tracker: Tracker) -> None:
    """register_many(exist_ok=True) skips known agents, unchanged, and counts the new ones."""
    tracker.apply(Login(agent="a1"))
    before = tracker.state("a1")
    assert 2 == tracker.register_many(["a1", "a3", "a2", "a4"], exist_ok=True)
    assert before == tracker.state("a1")
    assert ["a1", "a2", "a3", "a4"] == sorted(tracker.agents())


def test_register_many_without_exist_ok_refuses_a_known_agent(tracker: Tracker) -> None:
    """register_many() still raises AgentExists for a known agent by default."""
    with pytest.raises(AgentExists):
        tracker.register_many(["a3", "a1"])


def test_register_exist_ok_after_a_restart_on_sqlite(tmp_path: Path) -> None:
    """A host restarted on the same database registers its roster again without a guard."""
    path = tmp_path / "agents.db"
    clock = ManualClock()
    with SQLiteStore(path) as store:
        Tracker(basic(), store=store, clock=clock).register_many(["a1", "a2"])
    with SQLiteStore(path) as store:
        tracker = Tracker(basic(), store=store, clock=clock)
        assert 0 == tracker.register_many(["a1", "a2"], exist_ok=True)
        assert tracker.register("a1", exist_ok=True).duplicate
        assert 1 == len(tracker.history("a1"))
