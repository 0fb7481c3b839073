"""Queue eligibility: who a queue may offer work to on a channel, best first, and why not."""

from __future__ import annotations

import contextlib

import attrs
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from agentstate import (
    Actor,
    AgentStateError,
    Blocking,
    ConflictError,
    EndWrapUp,
    Event,
    ForceStatus,
    InteractionAnswered,
    InteractionEnded,
    InteractionOffered,
    JoinQueue,
    LeaveQueue,
    Login,
    ManualClock,
    MemoryStore,
    NotEligible,
    NotPermitted,
    Occupation,
    PauseQueue,
    Queue,
    ResumeNew,
    ResumeQueue,
    SetChannel,
    SetStatus,
    StopNew,
    Strategy,
    Tracker,
    WrapUp,
    WrapUpMode,
)
from agentstate._eligibility import scan
from agentstate.presets import basic
from agentstate.testing import events_for

SUP = Actor.supervisor("sue")
QUEUES = (*(Queue(name=s.value, strategy=s) for s in Strategy),
          *(Queue(name=n) for n in ("sales", "support", "web")))
"""Declared queues: a policy that declares its queues takes no other."""


def _policy(**overrides: object) -> object:
    fields: dict[str, object] = {"queues": QUEUES,
                                 "wrap_up": WrapUp(mode=WrapUpMode.OPTIONAL, length=30)}
    fields.update(overrides)
    return attrs.evolve(basic(), **fields)


def _floor(n: int = 4, queues: tuple[str, ...] = ("sales",), **overrides: object
           ) -> tuple[Tracker, ManualClock]:
    clock = ManualClock()
    tracker = Tracker(_policy(**overrides), clock=clock)  # type: ignore[arg-type]
    for i in range(1, n + 1):
        tracker.register(f"a{i}")
        clock.advance(10)
        tracker.apply(Login(agent=f"a{i}", queues=queues))
    clock.advance(10)
    return tracker, clock


def _names(tracker: Tracker, queue: str = "sales", channel: str = "voice", **kw: object
           ) -> list[str]:
    return [c.agent for c in tracker.eligible(queue, channel, **kw)]  # type: ignore[arg-type]


def test_only_logged_in_members_in_a_routable_status_are_eligible() -> None:
    """Seed 002: agents cannot receive queue calls unless logged in (and assigned the queue)."""
    tracker, _clock = _floor(3)
    tracker.register("a9")
    tracker.apply(SetStatus(agent="a2", status="lunch"))
    assert ["a1", "a3"] == _names(tracker)
    assert "logged out" == tracker.explain("a9", "sales")
    assert "not a member of queue support" == tracker.explain("a1", "support")
    assert "status 'lunch' takes no queue work" == tracker.explain("a2", "sales")
    assert tracker.explain("a1", "sales") is None


def test_a_status_affects_all_queues_and_direct_calls_still_ring() -> None:
    """Seed 000: the status affects every queue; an offline agent still gets direct calls."""
    tracker, _clock = _floor(1, queues=("sales", "support"))
    tracker.apply(SetStatus(agent="a1", status="offline"))
    assert [] == _names(tracker, "sales") == _names(tracker, "support")
    tracker.apply(InteractionOffered(agent="a1", interaction="d1"))
    assert Occupation.OFFERED == tracker.state("a1").occupation


def test_busy_blocks_new_work_and_stop_new_blocks_chats_while_one_goes_on() -> None:
    """Seed 001: Busy blocks new interactions; Busy (Stop New) blocks queued chats until
    Resume, while the current chat continues."""
    tracker, _clock = _floor(1, queues=("sales", "web"))
    tracker.apply(InteractionOffered(agent="a1", interaction="call", queue="sales"))
    tracker.apply(InteractionAnswered(agent="a1", interaction="call"))
    assert "voice slots 1/1" == tracker.explain("a1", "sales")
    tracker.apply(InteractionEnded(agent="a1", interaction="call"))
    tracker.apply(EndWrapUp(agent="a1"))
    tracker.apply(InteractionOffered(agent="a1", interaction="chat1", channel="chat",
                                     queue="web"))
    tracker.apply(InteractionAnswered(agent="a1", interaction="chat1"))
    assert ["a1"] == _names(tracker, "web", "chat")
    tracker.apply(StopNew(agent="a1"))
    assert "stopped taking new work" == tracker.explain("a1", "web", "chat")
    with pytest.raises(NotEligible):
        tracker.apply(InteractionOffered(agent="a1", interaction="chat2", channel="chat",
                                         queue="web"))
    assert ("chat1",) == tuple(i.id for i in tracker.state("a1").interactions)
    tracker.apply(ResumeNew(agent="a1"))
    assert ["a1"] == _names(tracker, "web", "chat")


def test_wrap_up_and_delays_make_an_agent_ineligible_until_they_end() -> None:
    """An agent in post-processing is not offered work; the explanation gives the time."""
    tracker, clock = _floor(2)
    tracker.apply(InteractionOffered(agent="a1", interaction="c1", queue="sales"))
    tracker.apply(InteractionAnswered(agent="a1", interaction="c1"))
    tracker.apply(InteractionEnded(agent="a1", interaction="c1"))
    ends = clock.now().add(seconds=30).format("HH:mm:ss")
    assert f"in post-processing until {ends}" == tracker.explain("a1", "sales")
    assert ["a2"] == _names(tracker)
    clock.advance(30)
    assert ["a2", "a1"] == _names(tracker)


def test_slots_per_channel_fully_occupied_and_a_supervisor_switch() -> None:
    """Seed 004: slots per channel; "fully occupied"; a supervisor toggles a channel per
    operator; capacities can be set per agent."""
    tracker, _clock = _floor(1, queues=("web",))
    for n in range(3):
        tracker.apply(InteractionOffered(agent="a1", interaction=f"c{n}", channel="chat",
                                         queue="web"))
    assert "chat slots 3/3" == tracker.explain("a1", "web", "chat")
    tracker.apply(SetChannel(agent="a1", channel="chat", capacity=4, actor=SUP))
    assert ["a1"] == _names(tracker, "web", "chat")
    tracker.apply(SetChannel(agent="a1", channel="voice", enabled=False, actor=SUP))
    assert "voice switched off for this agent" == tracker.explain("a1", "web", "voice")
    with pytest.raises(NotPermitted):
        tracker.apply(SetChannel(agent="a1", channel="voice", enabled=True,
                                 actor=Actor.agent("a1")))


def test_cross_channel_blocking() -> None:
    """With Blocking(voice -> chat), an agent on a call gets no new chats."""
    tracker, _clock = _floor(1, queues=("sales", "web"),
                            blocking=(Blocking(when="voice", blocks=("chat",)),))
    tracker.apply(InteractionOffered(agent="a1", interaction="c1", queue="sales"))
    assert "busy on voice: no new chat meanwhile" == tracker.explain("a1", "web", "chat")


def test_pause_in_one_queue_or_in_all() -> None:
    """Asterisk's per-queue pause: paused in one queue, still offered the others."""
    tracker, _clock = _floor(1, queues=("sales", "support"))
    tracker.apply(PauseQueue(agent="a1", queue="sales"))
    assert ([], ["a1"]) == (_names(tracker, "sales"), _names(tracker, "support"))
    assert "paused in queue sales" == tracker.explain("a1", "sales")
    tracker.apply(PauseQueue(agent="a1"))
    assert [] == _names(tracker, "support")
    tracker.apply(ResumeQueue(agent="a1"))
    assert ["a1"] == _names(tracker, "sales") == _names(tracker, "support")


def test_agents_join_and_leave_queues_only_where_the_policy_allows() -> None:
    """Seed 002: self add/remove is an option, disabled by default; supervisors may."""
    tracker, _clock = _floor(1)
    with pytest.raises(NotPermitted, match="may not join or leave queues"):
        tracker.apply(JoinQueue(agent="a1", queue="support"))
    tracker.apply(JoinQueue(agent="a1", queue="support", actor=SUP))
    assert ["a1"] == _names(tracker, "support")
    open_tracker, _ = _floor(1, agents_manage_queues=True)
    open_tracker.apply(LeaveQueue(agent="a1", queue="sales"))
    assert [] == _names(open_tracker)


def test_lower_penalty_tiers_come_first() -> None:
    """Penalty 0 agents are offered work before penalty 1, whatever the strategy."""
    tracker, _clock = _floor(3)
    tracker.apply(JoinQueue(agent="a1", queue="sales", penalty=1, actor=SUP))
    assert ["a2", "a3", "a1"] == _names(tracker)
    assert [0, 0, 1] == [c.penalty for c in tracker.eligible("sales")]


def _work(tracker: Tracker, clock: ManualClock, agent: str, queue: str, cid: str) -> None:
    tracker.apply(InteractionOffered(agent=agent, interaction=cid, queue=queue))
    tracker.apply(InteractionAnswered(agent=agent, interaction=cid))
    clock.advance(5)
    tracker.apply(InteractionEnded(agent=agent, interaction=cid))
    tracker.apply(EndWrapUp(agent=agent))
    clock.advance(5)


@pytest.mark.parametrize(("strategy", "expected"), [
    (Strategy.LONGEST_IDLE, ["a3", "a4", "a1", "a2"]),
    (Strategy.LEAST_RECENT, ["a3", "a4", "a1", "a2"]),
    (Strategy.FEWEST_CALLS, ["a3", "a4", "a2", "a1"]),
    (Strategy.ROUND_ROBIN, ["a2", "a3", "a4", "a1"]),
    (Strategy.RING_ALL, ["a1", "a2", "a3", "a4"]),
    (Strategy.LINEAR, ["a4", "a3", "a2", "a1"]),
])
def test_each_strategy_orders_the_eligible_agents(strategy: Strategy, expected: list[str]
                                                  ) -> None:
    """a1 took two calls, then a2 one: each strategy's order of the four agents."""
    queue = strategy.value
    tracker, clock = _floor(4, queues=(queue,))
    for position, agent in enumerate(["a4", "a3", "a2", "a1"]):
        tracker.apply(JoinQueue(agent=agent, queue=queue, position=position + 1, actor=SUP))
    clock.advance(5)
    for agent, cid in (("a1", "x"), ("a1", "y"), ("a2", "z")):
        _work(tracker, clock, agent, queue, cid)
    if strategy is Strategy.ROUND_ROBIN:
        _work(tracker, clock, "a1", queue, "w")  # the last offer went to a1: a2 is next
    assert expected == _names(tracker, queue)
    assert expected[:1] == _names(tracker, queue, limit=1)


def test_weighted_random_is_reproducible_with_a_seed() -> None:
    """The random strategy gives one order per seed, and every eligible agent appears."""
    tracker, _clock = _floor(5, queues=("random",))
    first = _names(tracker, "random", seed=7)
    assert first == _names(tracker, "random", seed=7)
    assert sorted(first) == [f"a{i}" for i in range(1, 6)]
    assert {tuple(_names(tracker, "random", seed=s)) for s in range(20)} != {tuple(first)}


def test_offering_is_a_compare_and_set_two_hosts_one_free_agent() -> None:
    """Two hosts offer the same free agent: one wins, the other gets ConflictError and takes
    the next candidate."""
    clock = ManualClock()
    store = MemoryStore()
    first = Tracker(basic(), store=store, clock=clock)
    for agent in ("a1", "a2"):
        first.register(agent)
        clock.advance(1)
        first.apply(Login(agent=agent, queues=("sales",)))
    second = Tracker(basic(), store=store, clock=clock)
    mine, theirs = first.eligible("sales"), second.eligible("sales")
    assert mine == theirs
    best = mine[0]
    first.apply(InteractionOffered(agent=best.agent, interaction="c1", queue="sales",
                                   expected_version=best.version))
    with pytest.raises(ConflictError):
        second.apply(InteractionOffered(agent=best.agent, interaction="c2", queue="sales",
                                        expected_version=best.version))
    runner_up = second.eligible("sales")[0]
    assert "a2" == runner_up.agent
    second.apply(InteractionOffered(agent=runner_up.agent, interaction="c2", queue="sales",
                                    expected_version=runner_up.version))


def test_team_view_slots_occupations_and_overload() -> None:
    """Seed 004: per-group slots total / in use, agents by occupation, and overloaded with the
    waiting count when every slot is occupied."""
    tracker, _clock = _floor(2, queues=("sales",))
    for agent in ("a1", "a2"):
        tracker.apply(InteractionOffered(agent=agent, interaction=f"c-{agent}", queue="sales"))
    tracker.apply(InteractionAnswered(agent="a1", interaction="c-a1"))
    view = tracker.team(queue="sales", waiting={"voice": 4})
    voice = view.channel("voice")
    assert (2, 2, 0, 4, True) == (voice.total, voice.in_use, voice.free, voice.waiting,
                                  voice.overloaded)
    assert (1, 1) == (view.by_occupation[Occupation.ON_INTERACTION],
                      view.by_occupation[Occupation.OFFERED])
    assert not view.channel("chat").overloaded


# -- the index equals the rule evaluated over everyone ---------------------------------------------

AGENTS = ["a1", "a2", "a3", "a4"]
POLICY = _policy(blocking=(Blocking(when="voice", blocks=("chat",)),))
QUEUE_EVENTS = st.one_of(
    st.builds(JoinQueue, agent=st.sampled_from(AGENTS), actor=st.just(SUP),
              queue=st.sampled_from(["sales", "least_recent", "round_robin"]),
              penalty=st.integers(0, 2), position=st.integers(0, 3)),
    st.builds(LeaveQueue, agent=st.sampled_from(AGENTS), actor=st.just(SUP),
              queue=st.sampled_from(["sales", "least_recent"])),
    st.builds(PauseQueue, agent=st.sampled_from(AGENTS),
              queue=st.one_of(st.none(), st.just("sales"))),
    st.builds(ResumeQueue, agent=st.sampled_from(AGENTS), queue=st.none()),
    st.builds(SetChannel, agent=st.sampled_from(AGENTS), channel=st.just("chat"),
              enabled=st.booleans(), actor=st.just(SUP)),
    st.builds(StopNew, agent=st.sampled_from(AGENTS)),
    st.builds(ResumeNew, agent=st.sampled_from(AGENTS)),
    st.builds(EndWrapUp, agent=st.sampled_from(AGENTS)),
    st.builds(ForceStatus, agent=st.sampled_from(AGENTS), status=st.just("available"),
              actor=st.just(SUP)),
)


class IndexMatchesScan(RuleBasedStateMachine):
    """Under random events, the indexed answer always equals a brute-force evaluation."""

    def __init__(self) -> None:
        super().__init__()
        self.clock = ManualClock()
        self.tracker = Tracker(POLICY, clock=self.clock)  # type: ignore[arg-type]
        for agent in AGENTS:
            self.tracker.register(agent)
            self.tracker.apply(Login(agent=agent, queues=("sales", "round_robin")))
        self.tracker.eligible("sales")  # build the index now: it must then follow every change

    @rule(event=st.one_of(events_for(POLICY, AGENTS), QUEUE_EVENTS))  # type: ignore[arg-type]
    def apply(self, event: Event) -> None:
        with contextlib.suppress(AgentStateError):
            self.tracker.apply(event)

    @rule(seconds=st.integers(0, 60))
    def tick(self, seconds: int) -> None:
        self.clock.advance(seconds)

    @invariant()
    def index_equals_scan(self) -> None:
        for queue in ("sales", "least_recent", "round_robin", "linear"):
            for channel in ("voice", "chat"):
                indexed = _names(self.tracker, queue, channel, seed=3)
                states = [self.tracker.state(a) for a in AGENTS]
                brute = [s.agent for s in scan(self.tracker.policy, states, queue, channel,
                                               self.clock.now(), seed=3)]
                assert brute == indexed, (queue, channel)
                assert brute[:1] == _names(self.tracker, queue, channel, limit=1)


TestIndexMatchesScan = IndexMatchesScan.TestCase
TestIndexMatchesScan.settings = settings(max_examples=60, stateful_step_count=40,
                                         deadline=None)
