"""Issue 13, points 1-4, 8 and 9: behaviour the seed documents describe, each test from the
sentence it implements (quoted in its docstring)."""

from __future__ import annotations

import json
from datetime import timedelta

import attrs
import pytest

from agentstate import (
    Actor,
    Device,
    DeviceChanged,
    InteractionAnswered,
    InteractionEnded,
    InteractionMissed,
    InteractionOffered,
    InvalidEvent,
    JoinQueue,
    Login,
    ManualClock,
    NotEligible,
    Occupation,
    PauseQueue,
    PauseReason,
    Policy,
    PolicyError,
    ResumeNew,
    SetStatus,
    Severity,
    StopNew,
    Timers,
    Tracker,
    _codec,
    _rows,
    lint,
)
from agentstate._blocker import Blocker, BlockKind
from agentstate.presets import (
    basic,
    callharbor,
    omnichannel,
    pbx_agent_portal,
    virtual_contact_center,
    webitel,
)

S = timedelta(seconds=1)


def _start(policy: Policy, agent: str = "ana", *, status: str | None = None,
           queues: tuple[str, ...] = ("sales",)) -> tuple[Tracker, ManualClock]:
    """A tracker with ``agent`` logged in to ``queues``, then set to ``status`` if given."""
    clock = ManualClock()
    tracker = Tracker(policy, clock=clock)
    tracker.register(agent)
    tracker.apply(Login(agent=agent, queues=queues))
    if status is not None:
        tracker.apply(SetStatus(agent=agent, status=status))
    return tracker, clock


def _refused(tracker: Tracker, event: object, error: type[Exception]) -> Exception:
    """Apply ``event``, expect ``error``, check nothing changed; the error."""
    agent = event.agent  # type: ignore[attr-defined]
    before = (tracker.state(agent), list(tracker.history(agent)))
    with pytest.raises(error) as caught:
        tracker.apply(event)  # type: ignore[arg-type]
    assert before == (tracker.state(agent), list(tracker.history(agent)))
    return caught.value


def _chat(tracker: Tracker, interaction: str, agent: str = "ana") -> None:
    tracker.apply(InteractionOffered(agent=agent, interaction=interaction, queue="sales",
                                     channel="chat"))
    tracker.apply(InteractionAnswered(agent=agent, interaction=interaction))


# -- 1. a status change starts a new occupation interval (seed 003) ----------------------------


def test_webitel_waiting_timer_starts_when_the_agent_switches_to_callcenter() -> None:
    """003: "After switching to the "Callcenter" status, the agent is automatically set to state
    "Waiting" and the system starts a timer for the time the agent stays in this state."."""
    tracker, clock = _start(webitel())
    clock.advance(minutes=5)  # idle in Ready
    switched = tracker.apply(SetStatus(agent="ana", status="callcenter")).at
    clock.advance(42)
    state = tracker.state("ana")
    assert (Occupation.IDLE, 42 * S, switched) == (
        state.occupation, tracker.time_in_occupation("ana"), state.occupation_since)


def test_the_history_intervals_agree_with_time_in_occupation() -> None:
    """003: "... the system starts a timer for the time the agent stays in this state": the
    history's last interval begins where the occupation's timer began."""
    tracker, clock = _start(webitel())
    clock.advance(minutes=5)
    tracker.apply(SetStatus(agent="ana", status="callcenter"))
    clock.advance(42)
    last = list(tracker.history("ana"))[-1]
    assert (last.at, clock.now() - last.at) == (tracker.state("ana").occupation_since,
                                                tracker.time_in_occupation("ana"))


def test_pause_starts_its_own_timer() -> None:
    """003: "After switching to the "Pause" status and selecting the cause for the break, ...
    the system starts the timer for the time spent in it."."""
    tracker, clock = _start(webitel(pause_causes=["Lunch"]))
    tracker.apply(SetStatus(agent="ana", status="callcenter"))
    clock.advance(minutes=3)
    tracker.apply(SetStatus(agent="ana", status="pause", reason="lunch"))
    clock.advance(10)
    assert (10 * S, 10 * S) == (tracker.time_in_status("ana"),
                                tracker.time_in_occupation("ana"))


# -- 2. one refusal type for "cannot offer" -----------------------------------------------------


def _situations() -> dict[str, tuple[Tracker, str]]:
    """Agents that queue sales may not offer voice work, each for another reason."""
    made: dict[str, tuple[Tracker, str]] = {}
    clock = ManualClock()
    tracker = Tracker(basic(), clock=clock)
    tracker.register("out")
    tracker.apply(JoinQueue(agent="out", queue="sales", actor=Actor.system()))
    made["logged out"] = (tracker, "out")
    for name, events in {
        "status 'lunch' takes no queue work": [SetStatus(agent="a", status="lunch")],
        "paused in queue sales": [PauseQueue(agent="a", queue="sales")],
        "do-not-disturb on": [DeviceChanged(agent="a", dnd=True)],
        "device not registered": [DeviceChanged(agent="a", registered=False)],
        "voice slots 1/1": [InteractionOffered(agent="a", interaction="c0", queue="sales")],
    }.items():
        tracker, _ = _start(basic(), "a")
        for event in events:
            tracker.apply(event)
        made[name] = (tracker, "a")
    return made


@pytest.mark.parametrize("why", list(_situations()))
def test_every_refused_queue_offer_is_not_eligible_and_says_what_explain_says(why: str) -> None:
    """Issue 13: "Every refused queue offer raises NotEligible ..., carrying the same blocker
    that explain() returns. A host's try-the-next-agent loop catches one type."."""
    tracker, agent = _situations()[why]
    error = _refused(tracker, InteractionOffered(agent=agent, interaction="c1", queue="sales"),
                     NotEligible)
    assert isinstance(error, NotEligible)
    assert (why, why, True) == (tracker.explain(agent, "sales"), error.why,
                                isinstance(error, InvalidEvent))


def test_an_offer_to_a_logged_out_agent_names_its_blocker() -> None:
    """002: "Agents cannot receive Queue calls unless they are logged into the Agent Portal."
    The refusal carries the blocker as a word for the host."""
    tracker = Tracker(pbx_agent_portal(), clock=ManualClock())
    tracker.register("201")
    error = _refused(tracker, InteractionOffered(agent="201", interaction="c1", queue="sales"),
                     NotEligible)
    assert ("logged_out", "sales", "voice") == (error.kind, error.queue,  # type: ignore[attr-defined]
                                               error.channel)  # type: ignore[attr-defined]


# -- 3. statuses that receive no new interactions ----------------------------------------------


def test_vcc_working_offline_is_offered_no_new_interaction() -> None:
    """001: "Regardless of why you are Working Offline, the Agent Console is not permitted to
    offer you a new interaction."."""
    tracker, _ = _start(virtual_contact_center())
    assert "working_offline" == tracker.state("ana").status
    for offer in (InteractionOffered(agent="ana", interaction="d1"),
                  InteractionOffered(agent="ana", interaction="d2", channel="chat"),
                  InteractionOffered(agent="ana", interaction="q1", queue="sales")):
        _refused(tracker, offer, NotEligible)


@pytest.mark.parametrize(("policy", "status", "direct"), [
    (virtual_contact_center(), "working_offline", False),  # 001: "not permitted to offer you
    (virtual_contact_center(), "on_break", False),         # a new interaction"
    (virtual_contact_center(), "available", True),
    (webitel(), "ready", True),          # 003: "Ready: ... will receive internal calls."
    (callharbor(), "offline", True),     # 000: "Will still receive calls directly to your
    (callharbor(), "lunch", True),       # extension."
    (callharbor(), "end_shift", True),
], ids=lambda v: getattr(v, "name", str(v)))
def test_each_preset_status_takes_direct_work_as_its_document_says(
        policy: Policy, status: str, direct: bool) -> None:
    """000, 001, 003: which statuses still receive interactions directly, per document."""
    assert direct == policy.status(status).direct_calls


# -- 4. Stop New only while handling a chat ------------------------------------------------------


def test_stop_new_needs_a_chat_interaction() -> None:
    """001: "Click Stop new button offered during Busy status. This button is only visible when
    the agent is handling a chat interaction."."""
    tracker, _ = _start(virtual_contact_center(), status="available")
    error = _refused(tracker, StopNew(agent="ana"), InvalidEvent)
    assert "only while handling a chat interaction" in str(error)
    tracker.apply(InteractionOffered(agent="ana", interaction="c1", queue="sales"))
    tracker.apply(InteractionAnswered(agent="ana", interaction="c1"))
    _refused(tracker, StopNew(agent="ana"), InvalidEvent)  # a call is not a chat


def test_stop_new_blocks_queued_work_and_clears_when_the_last_chat_ends() -> None:
    """001: "Busy (Stop New) The agent has accepted a chat and chooses to stop new interactions
    to wrap up the chat session that is already in progress. This status blocks all queued
    interactions to this agent."."""
    tracker, clock = _start(virtual_contact_center(post_processing=0), status="available")
    _chat(tracker, "chat1")
    _chat(tracker, "chat2")
    tracker.apply(StopNew(agent="ana"))
    assert "stopped taking new work" == tracker.explain("ana", "sales", "chat")
    tracker.apply(InteractionEnded(agent="ana", interaction="chat1"))
    assert tracker.state("ana").stop_new  # one chat still in progress
    clock.advance(60)
    ended = tracker.apply(InteractionEnded(agent="ana", interaction="chat2"))
    assert (False, None) == (tracker.state("ana").stop_new,
                             tracker.explain("ana", "sales", "chat"))
    assert "stop new cleared" in (ended.changes[-1].note or "")


def test_resume_still_works_while_the_chat_goes_on() -> None:
    """001: "To receive more chats click Resume."."""
    tracker, _ = _start(virtual_contact_center(), status="available")
    _chat(tracker, "chat1")
    tracker.apply(StopNew(agent="ana"))
    tracker.apply(ResumeNew(agent="ana"))
    assert None is tracker.explain("ana", "sales", "chat")


def test_which_channels_allow_stop_new_is_policy_data() -> None:
    """Issue 13: "Which channels allow it is policy data, not a hard-coded name."."""
    policy = attrs.evolve(omnichannel(), stop_new_channels=("messaging",))
    tracker, _ = _start(policy)
    _chat(tracker, "chat1")
    _refused(tracker, StopNew(agent="ana"), InvalidEvent)
    tracker.apply(InteractionOffered(agent="ana", interaction="m1", queue="sales",
                                     channel="messaging"))
    tracker.apply(InteractionAnswered(agent="ana", interaction="m1"))
    tracker.apply(StopNew(agent="ana"))
    assert tracker.state("ana").stop_new
    with pytest.raises(PolicyError) as caught:
        attrs.evolve(omnichannel(), stop_new_channels=("fax",))
    assert "fax" == caught.value.culprit


# -- 8. device state -----------------------------------------------------------------------------


def test_webitel_callcenter_takes_queue_calls_only_with_dnd_disabled() -> None:
    """003: "Callcenter: The agent in this status will receive calls from queues (DnD must be
    disabled)."."""
    tracker, _ = _start(webitel())
    tracker.apply(SetStatus(agent="ana", status="callcenter"))
    result = tracker.apply(DeviceChanged(agent="ana", dnd=True))
    assert ("callcenter", "callcenter") == (result.before.status, result.after.status)  # type: ignore[union-attr]
    assert "do-not-disturb on" == tracker.explain("ana", "sales")
    error = _refused(tracker, InteractionOffered(agent="ana", interaction="c1", queue="sales"),
                     NotEligible)
    assert ("dnd", Blocker(kind=BlockKind.DND)) == (error.kind,  # type: ignore[attr-defined]
                                                    error.blocker)  # type: ignore[attr-defined]
    tracker.apply(DeviceChanged(agent="ana", dnd=False))
    assert None is tracker.explain("ana", "sales")


def test_webitel_dnd_blocks_internal_calls_too() -> None:
    """003: "Do not disturb (DnD) ... If the mode is set, then the user will not receive calls
    from the internal line."."""
    tracker, _ = _start(webitel())
    tracker.apply(DeviceChanged(agent="ana", dnd=True))
    _refused(tracker, InteractionOffered(agent="ana", interaction="d1"), NotEligible)
    assert "dnd" not in [s.name for s in webitel().statuses]


def test_an_unregistered_device_blocks_queue_work_and_is_recorded() -> None:
    """Issue 13: "FreeSWITCH users report agents shown Available while their phone is
    unregistered": an unregistered device blocks queue eligibility, explain() says so, the
    status the agent chose stays, and the history records the change."""
    tracker, _ = _start(basic())
    tracker.apply(DeviceChanged(agent="ana", registered=False))
    last = list(tracker.history("ana"))[-1]
    assert (DeviceChanged, "available", "device not registered", []) == (
        type(last.event), tracker.state("ana").status, tracker.explain("ana", "sales"),
        [c.agent for c in tracker.eligible("sales")])
    _refused(tracker, DeviceChanged(agent="ana", registered=False), InvalidEvent)


def test_device_state_survives_logout_and_replay() -> None:
    """Device state is the host's report about the phone, kept across a logout; replaying the
    history reproduces it."""
    from agentstate.testing import check_invariants

    tracker, _ = _start(basic())
    tracker.apply(DeviceChanged(agent="ana", dnd=True))
    tracker.apply(SetStatus(agent="ana", status="offline"))
    tracker.apply(SetStatus(agent="ana", status="available"))
    assert tracker.state("ana").device.dnd
    check_invariants(tracker)


# -- 9. automatic moves say why -----------------------------------------------------------------


def _auto_pause(reason: str | None) -> Policy:
    base = omnichannel()
    return attrs.evolve(base, timers=Timers(max_no_answer=3, no_answer_status="away",
                                            no_answer_reason=reason))


def test_a_missed_call_auto_pause_needs_an_explicit_reason() -> None:
    """Issue 13: "A missed-call auto-pause must use an explicit reason from the policy"."""
    with pytest.raises(PolicyError) as caught:
        _auto_pause(None)
    assert "no_answer_reason" == caught.value.culprit


def test_lint_warns_when_an_automatic_move_spends_an_allotment_or_is_paid() -> None:
    """Issue 13: "the lint warns when an automatic move lands on a reason with a daily allotment
    or on a paid reason (today three misses put an agent on ... a paid "training" reason)"."""
    found = {(f.code, f.severity, f.culprit) for f in lint(_auto_pause("training"))}
    assert ("auto-move-reason", Severity.WARNING, "training") in found
    found = {(f.code, f.culprit) for f in lint(_auto_pause("lunch"))}
    assert ("auto-move-reason", "lunch") in found


def test_three_misses_move_the_agent_with_the_policy_s_own_reason() -> None:
    """Issue 13: an automatic move says why: with a reason of its own, unpaid and unlimited,
    three misses land on it and lint has nothing to say about it."""
    base = omnichannel()
    policy = attrs.evolve(
        base, reasons=(*base.reasons, PauseReason(code="missed", label="Missed calls")),
        statuses=tuple(attrs.evolve(s, reasons=(*s.reasons, "missed")) if s.name == "away"
                       else s for s in base.statuses),
        timers=Timers(max_no_answer=3, no_answer_status="away", no_answer_reason="missed"))
    assert [] == [f for f in lint(policy) if f.code == "auto-move-reason"]
    tracker, _ = _start(policy)
    for n in range(3):
        tracker.apply(InteractionOffered(agent="ana", interaction=f"c{n}", queue="sales"))
        tracker.apply(InteractionMissed(agent="ana", interaction=f"c{n}"))
    assert ("away", "missed") == (tracker.state("ana").status, tracker.state("ana").reason)


def test_a_state_stored_before_device_state_still_loads() -> None:
    """A state row written before agents had a device decodes with the default device
    (registered, do-not-disturb off): no schema migration is needed."""
    tracker, _ = _start(webitel())
    state = tracker.state("ana")
    data = _codec.encode_state(state)
    del data["device"]
    old = json.loads(_rows.dumps(data, agent="ana"))
    back = _codec.decode_state(old, agent="ana")
    assert (Device(registered=True, dnd=False), state) == (back.device, back)
