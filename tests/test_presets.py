"""The presets reproduce their systems: each test walks one behaviour its document describes.

Each test's docstring quotes the sentence it checks: from the seed documents (000 to 004) for
the five seed presets, from mod_callcenter's documentation for FreeSWITCH and from
queues.conf.sample for Asterisk.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import settings

from agentstate import (
    Actor,
    DeviceChanged,
    EndWrapUp,
    ForceLogout,
    ForceStatus,
    InteractionAnswered,
    InteractionEnded,
    InteractionMissed,
    InteractionOffered,
    InteractionRejected,
    InvalidEvent,
    JoinQueue,
    LeaveQueue,
    LimitReached,
    Login,
    ManualClock,
    NotEligible,
    NotPermitted,
    Occupation,
    PauseQueue,
    PauseReason,
    Policy,
    PolicyError,
    ResumeNew,
    Role,
    SetChannel,
    SetStatus,
    Status,
    StopNew,
    Strategy,
    Tracker,
    WrapUpMode,
    to_mermaid,
)
from agentstate.adapters import asterisk
from agentstate.presets import (
    PRESETS,
    UnknownPreset,
    asterisk_queue,
    callharbor,
    freeswitch_callcenter,
    omnichannel,
    pbx_agent_portal,
    preset,
    virtual_contact_center,
    webitel,
)
from agentstate.testing import policy_state_machine

DOCS = Path(__file__).parents[1] / "docs"
SUP = Actor.supervisor("sue")
S = timedelta(seconds=1)


def _start(policy: Policy, *agents: str, queues: tuple[str, ...] = ("sales",),
           status: str | None = None) -> tuple[Tracker, ManualClock]:
    """A tracker under ``policy`` with ``agents`` registered and logged in to ``queues``."""
    clock = ManualClock()
    tracker = Tracker(policy, clock=clock)
    for agent in agents:
        tracker.register(agent)
        tracker.apply(Login(agent=agent, queues=queues, status=status))
    return tracker, clock


def _answer(tracker: Tracker, agent: str, interaction: str, *, queue: str | None = "sales",
            channel: str = "voice") -> None:
    tracker.apply(InteractionOffered(agent=agent, interaction=interaction, queue=queue,
                                     channel=channel))
    tracker.apply(InteractionAnswered(agent=agent, interaction=interaction))


def _eligible(tracker: Tracker, queue: str = "sales", channel: str = "voice") -> list[str]:
    return [c.agent for c in tracker.eligible(queue, channel)]


def _refused(tracker: Tracker, event: object, error: type[Exception]) -> str:
    """Apply ``event``, expect ``error``, check nothing changed; the error's message."""
    agent = event.agent  # type: ignore[attr-defined]
    before = (tracker.state(agent), list(tracker.history(agent)))
    with pytest.raises(error) as caught:
        tracker.apply(event)  # type: ignore[arg-type]
    assert before == (tracker.state(agent), list(tracker.history(agent)))
    return str(caught.value)


# -- seed 000: CallHarbor -----------------------------------------------------------------------


def test_callharbor_online_takes_queue_calls_and_reports_logged_in() -> None:
    """000: "Online: Available for calls from call queues. When set to online, your status will
    be reported as logged in for call center reporting."."""
    tracker, clock = _start(callharbor(), "ana")
    tracker.apply(SetStatus(agent="ana", status="online"))
    assert ["ana"] == _eligible(tracker)
    start = clock.now()
    clock.advance(minutes=10)
    day = tracker.report(start=start, end=clock.now())  # live: counted up to now
    assert (timedelta(minutes=10), timedelta(minutes=10)) == (day.logged_in,
                                                               day.by_bucket["Logged in"])


@pytest.mark.parametrize(("status", "bucket"), [
    ("offline", "Logged out"), ("end_shift", "Logged out"), ("lunch", "Lunch"),
    ("break", "Break"), ("meeting", "Meeting"), ("other", "Other")])
def test_callharbor_offline_statuses_ring_direct_calls_and_report_logged_out_under_them(
        status: str, bucket: str) -> None:
    """000: "Not available for calls from call queues. Will still receive calls directly to
    your extension. When set to Lunch, your status will be reported as logged out under Lunch
    for call center reporting." (and the same for Offline, End Shift, Break, Meeting, Other)."""
    tracker, clock = _start(callharbor(), "ana")
    tracker.apply(SetStatus(agent="ana", status="online"))
    tracker.apply(SetStatus(agent="ana", status=status))
    why = _refused(tracker, InteractionOffered(agent="ana", interaction="q1", queue="sales"),
                   NotEligible)
    assert f"agent 'ana': status {status!r} takes no queue work" == why
    tracker.apply(InteractionOffered(agent="ana", interaction="d1"))  # a direct call rings
    assert Occupation.OFFERED == tracker.state("ana").occupation
    start = clock.now()
    clock.advance(minutes=30)
    day = tracker.report(start=start, end=clock.now())  # live: counted up to now
    assert (timedelta(0), timedelta(minutes=30)) == (day.logged_in, day.by_bucket[bucket])


def test_callharbor_single_call_takes_one_queue_call_then_goes_offline() -> None:
    """000: "Single Call: Available for 1 call from a call queue. After the 1 call from the call
    queue is received, the status will be updated to offline automatically."."""
    tracker, clock = _start(callharbor(), "ana", "ben")
    for agent in ("ana", "ben"):
        tracker.apply(SetStatus(agent=agent, status="single_call"))
    assert ["ana", "ben"] == sorted(_eligible(tracker))
    _answer(tracker, "ana", "c1")
    clock.advance(60)
    assert ["ben"] == _eligible(tracker)  # no second queue call meanwhile
    result = tracker.apply(InteractionEnded(agent="ana", interaction="c1"))
    assert ("offline", ("pending_applied",)) == (result.after.status, result.changes[-1].tags)


def test_callharbor_single_call_counts_queue_calls_only() -> None:
    """000: "If selecting Single Call, please keep in mind that you will be automatically marked
    as offline after 1 call." (a call from a call queue: direct calls do not count)."""
    tracker, _ = _start(callharbor(), "ana")
    tracker.apply(SetStatus(agent="ana", status="single_call"))
    _answer(tracker, "ana", "direct", queue=None)
    tracker.apply(InteractionEnded(agent="ana", interaction="direct"))
    assert "single_call" == tracker.state("ana").status
    _answer(tracker, "ana", "queued")
    tracker.apply(InteractionEnded(agent="ana", interaction="queued"))
    assert "offline" == tracker.state("ana").status


def test_callharbor_custom_statuses_are_offline() -> None:
    """000: "Your Managers may have created Custom Statuses. All custom statuses are considered
    offline"."""
    policy = callharbor(custom_statuses=["Training", Status(name="coaching", label="Coaching",
                                                            logged_in=False)])
    training, coaching = policy.status("training"), policy.status("coaching")
    assert [(True, False, False, True, "Training"), (True, False, False, True, "Coaching")] == [
        (s.custom, s.routable, s.logged_in, s.direct_calls, s.report_as)
        for s in (training, coaching)]
    tracker, _ = _start(policy, "ana")
    tracker.apply(SetStatus(agent="ana", status="training"))
    assert "status 'training' takes no queue work" == tracker.explain("ana", "sales")
    with pytest.raises(PolicyError, match="all custom statuses are considered offline"):
        callharbor(custom_statuses=[Status(name="hot_desk", routable=True, logged_in=False)])


def test_callharbor_on_a_call_is_online_but_busy() -> None:
    """000: "On a Call (Red) - Online, but busy on a call"."""
    tracker, _ = _start(callharbor(), "ana")
    tracker.apply(SetStatus(agent="ana", status="online"))
    _answer(tracker, "ana", "c1")
    state = tracker.state("ana")
    assert ("online", Occupation.ON_INTERACTION) == (state.status, state.occupation)
    assert "voice slots 1/1" == tracker.explain("ana", "sales")


def test_callharbor_status_affects_all_call_queues() -> None:
    """000: "Agent Status is a user's availability to receive calls from call queues. Updating
    Agent Status will affect all call queues."."""
    tracker, _ = _start(callharbor(), "ana", queues=("sales", "support"))
    tracker.apply(SetStatus(agent="ana", status="online"))
    assert (["ana"], ["ana"]) == (_eligible(tracker, "sales"), _eligible(tracker, "support"))
    tracker.apply(SetStatus(agent="ana", status="meeting"))
    assert ([], []) == (_eligible(tracker, "sales"), _eligible(tracker, "support"))


def test_callharbor_agents_go_online_themselves_when_the_shift_begins() -> None:
    """000: "make sure agents are choosing to manually change their status to "online" when they
    begin their shift and "offline" or "end shift" when they end their shift, rather than simply
    logging in & out of the portal"."""
    tracker, _ = _start(callharbor(), "ana")
    assert ("offline", []) == (tracker.state("ana").status, _eligible(tracker))
    tracker.apply(SetStatus(agent="ana", status="online"))
    tracker.apply(SetStatus(agent="ana", status="end_shift"))
    assert "end_shift" == tracker.state("ana").status


def test_callharbor_agents_and_supervisors_update_status() -> None:
    """000: "This article assumes you are logged into the Manager Portal as a Call Center Agent
    or Supervisor." (both may set any status, from any status)."""
    policy = callharbor()
    everyone = frozenset({Role.AGENT, Role.SUPERVISOR, Role.SYSTEM})
    names = [s.name for s in policy.statuses]
    assert all(everyone == policy.allowed(a, b) for a in names for b in names if a != b)
    tracker, _ = _start(policy, "ana")
    tracker.apply(ForceStatus(agent="ana", status="online", actor=SUP))
    assert "online" == tracker.state("ana").status


# -- seed 001: Virtual Contact Center ------------------------------------------------------------


@pytest.mark.parametrize(("source", "allowed"), [
    ("available", {"working_offline", "on_break"}),
    ("working_offline", {"available", "on_break", "logged_out"}),
    ("on_break", {"available", "working_offline", "logged_out"}),
])
def test_vcc_exactly_the_table_s_transitions(source: str, allowed: set[str]) -> None:
    """001, Table 3, "Available statuses": Available: "Work Offline, Take Break"; Working
    Offline: "Available, Take Break, Log Out"; On Break: "Available, Work Offline, Log Out"."""
    policy = virtual_contact_center()
    assert allowed == set(policy.destinations(source, Role.AGENT))
    assert allowed == set(policy.destinations(source, Role.SUPERVISOR))


def test_vcc_available_receives_new_interactions() -> None:
    """001: "Available: The agent is available to receive new interactions. Click Available
    button in the control panel." (Receive new interactions: Yes)."""
    tracker, _ = _start(virtual_contact_center(), "ana")
    tracker.apply(SetStatus(agent="ana", status="available"))
    assert (["ana"], ["ana"]) == (_eligible(tracker), _eligible(tracker, channel="chat"))


def test_vcc_logging_in_you_may_not_be_ready() -> None:
    """001: "When you are logged in to the Agent Console, you may or may not be ready to accept
    new interactions. Choose an status that fits your situation"."""
    tracker, _ = _start(virtual_contact_center(), "ana")
    assert ("working_offline", []) == (tracker.state("ana").status, _eligible(tracker))
    tracker.apply(SetStatus(agent="ana", status="available"))
    assert ["ana"] == _eligible(tracker)


def test_vcc_busy_starts_on_accepting_and_allows_no_other_status() -> None:
    """001: "Busy, In Progress: The agent is busy handling a queued interaction. Automatically
    changes as soon as the agent accepts a queued interaction." ... "No other status is
    available during the Busy status until the agent finishes the transaction."."""
    tracker, _ = _start(virtual_contact_center(), "ana")
    tracker.apply(SetStatus(agent="ana", status="available"))
    _answer(tracker, "ana", "c1")
    assert Occupation.ON_INTERACTION == tracker.state("ana").occupation
    why = _refused(tracker, SetStatus(agent="ana", status="on_break"), InvalidEvent)
    assert ("agent 'ana': cannot change to 'on_break' while handling an interaction or in "
            "post-processing (the policy refuses it until the agent is free)") == why
    _refused(tracker, ForceStatus(agent="ana", status="working_offline", actor=SUP),
             InvalidEvent)


def test_vcc_post_processing_is_timed_and_blocks_status_changes() -> None:
    """001: "Post Processing: The agent has ended an interaction and is preparing to wrap up.
    Automatically changes to Post Processing as soon as the agent ends the interaction." ... "No
    other status is available until the Post Processing time is out. The time is determined by
    your contact center administrator."."""
    tracker, clock = _start(virtual_contact_center(post_processing=45), "ana")
    tracker.apply(SetStatus(agent="ana", status="available"))
    _answer(tracker, "ana", "c1")
    tracker.apply(InteractionEnded(agent="ana", interaction="c1"))
    assert Occupation.WRAP_UP == tracker.state("ana").occupation
    assert clock.now() + 45 * S == tracker.next_deadline("ana")
    _refused(tracker, SetStatus(agent="ana", status="on_break"), InvalidEvent)
    _refused(tracker, EndWrapUp(agent="ana"), InvalidEvent)
    clock.advance(45)
    assert Occupation.IDLE == tracker.state("ana").occupation
    assert "on_break" == tracker.apply(SetStatus(agent="ana", status="on_break")).after.status


def test_vcc_working_offline_is_never_offered_work_but_keeps_features() -> None:
    """001: "Regardless of why you are Working Offline, the Agent Console is not permitted to
    offer you a new interaction." ... "but you can retain the ability to access all
    features"."""
    tracker, _ = _start(virtual_contact_center(), "ana")
    for channel in ("voice", "chat"):
        _refused(tracker, InteractionOffered(agent="ana", interaction="q", queue="sales",
                                             channel=channel), NotEligible)
        _refused(tracker, InteractionOffered(agent="ana", interaction="direct",
                                             channel=channel), NotEligible)
    assert Occupation.IDLE == tracker.state("ana").occupation


def test_vcc_on_break_disables_everything() -> None:
    """001: "On Break: The agent is not available to receive new interactions. The access to all
    features are disabled."."""
    tracker, _ = _start(virtual_contact_center(), "ana")
    tracker.apply(SetStatus(agent="ana", status="on_break"))
    _refused(tracker, InteractionOffered(agent="ana", interaction="q", queue="sales"),
             NotEligible)
    why = _refused(tracker, InteractionOffered(agent="ana", interaction="d"), NotEligible)
    assert "agent 'ana': status 'on_break' takes no direct calls" == why


def test_vcc_rejecting_a_queued_interaction_puts_the_agent_on_break() -> None:
    """001: "You are automatically placed on break when you reject a queued interaction."."""
    tracker, _ = _start(virtual_contact_center(), "ana")
    tracker.apply(SetStatus(agent="ana", status="available"))
    tracker.apply(InteractionOffered(agent="ana", interaction="c1", queue="sales"))
    result = tracker.apply(InteractionRejected(agent="ana", interaction="c1"))
    assert ("on_break", ("auto_moved",)) == (result.after.status, result.changes[-1].tags)


def test_vcc_busy_stop_new_blocks_queued_interactions_until_resume() -> None:
    """001: "Busy (Stop New) The agent has accepted a chat and chooses to stop new interactions
    to wrap up the chat session that is already in progress. This status blocks all queued
    interactions to this agent." ... "To receive more chats click Resume."."""
    tracker, _ = _start(virtual_contact_center(), "ana")
    tracker.apply(SetStatus(agent="ana", status="available"))
    _answer(tracker, "ana", "chat1", channel="chat")
    assert ["ana"] == _eligible(tracker, channel="chat")  # a Busy chat agent takes more chats
    tracker.apply(StopNew(agent="ana"))
    assert ("stopped taking new work", "stopped taking new work") == (
        tracker.explain("ana", "sales", "chat"), tracker.explain("ana", "sales", "voice"))
    tracker.apply(ResumeNew(agent="ana"))
    assert (None, "busy on chat: no new voice meanwhile") == (
        tracker.explain("ana", "sales", "chat"), tracker.explain("ana", "sales", "voice"))


# -- seed 002: PBX agent portal -----------------------------------------------------------------


def test_pbx_queue_calls_need_the_agent_portal_login() -> None:
    """002: "IMPORTANT: Agents cannot receive Queue calls unless they are logged into the Agent
    Portal."."""
    tracker = Tracker(pbx_agent_portal(), clock=ManualClock())
    tracker.register("201")
    tracker.apply(JoinQueue(agent="201", queue="sales", actor=SUP))
    why = _refused(tracker, InteractionOffered(agent="201", interaction="c1", queue="sales"),
                   NotEligible)
    assert "agent '201': logged out" == why
    tracker.apply(Login(agent="201", device="201"))
    assert ["201"] == _eligible(tracker)


def test_pbx_login_with_a_device_shows_the_assigned_queues() -> None:
    """002: "Select your extension number as the Device." ... "The Queues the Agent is already
    assigned to will show as displayed on the right-hand side of the interface." ... "a column
    containing the current Login Time and the Device that is registered to your Agent" ... "The
    column to the right will show which Queues your Agent is logged into."."""
    clock = ManualClock()
    tracker = Tracker(pbx_agent_portal(), clock=clock)
    tracker.register("201")
    for queue in ("sales", "support"):
        tracker.apply(JoinQueue(agent="201", queue=queue, actor=SUP))
    tracker.apply(Login(agent="201", device="201"))
    state = tracker.state("201")
    assert state.session is not None
    assert (clock.now(), "201") == (state.session.login_at, state.session.device)
    assert ["sales", "support"] == [m.queue for m in state.memberships]


def test_pbx_agents_manage_their_queues_only_when_enabled() -> None:
    """002: "If the settings are enabled for the Agent, they can choose which Queues to
    Add/Remove themselves from. This option is disabled by default."."""
    tracker, _ = _start(pbx_agent_portal(), "201")
    why = _refused(tracker, JoinQueue(agent="201", queue="support"), NotPermitted)
    assert "agents may not join or leave queues under this policy" in why
    tracker, _ = _start(pbx_agent_portal(agents_manage_queues=True), "201")
    tracker.apply(JoinQueue(agent="201", queue="support"))
    tracker.apply(LeaveQueue(agent="201", queue="sales"))
    assert ["support"] == [m.queue for m in tracker.state("201").memberships]


def test_pbx_idle_until_a_call_is_answered_or_pause() -> None:
    """002: "Once logged into the Agent Portal, the Agent will remain "Idle" until they answer a
    call or if they have placed themselves on Pause."."""
    tracker, _ = _start(pbx_agent_portal(), "201", "202")
    assert [("idle", Occupation.IDLE)] * 2 == [
        (tracker.state(a).status, tracker.state(a).occupation) for a in ("201", "202")]
    _answer(tracker, "201", "c1")
    tracker.apply(SetStatus(agent="202", status="paused"))
    assert [] == _eligible(tracker)


def test_pbx_pause_statuses_can_be_added() -> None:
    """002: "Pause Statuses can be added, such as Lunch, Break, Bathroom, etc. This can be
    configured under the Agent Defaults settings on the Agents page of the PBX Admin
    Portal."."""
    policy = pbx_agent_portal(pause_statuses=["Lunch", "Break",
                                              PauseReason(code="bathroom", label="Bathroom")])
    assert ("lunch", "break", "bathroom") == policy.status("paused").reasons
    tracker, _ = _start(policy, "201")
    tracker.apply(SetStatus(agent="201", status="paused", reason="bathroom"))
    assert ("paused", "bathroom") == (tracker.state("201").status, tracker.state("201").reason)
    tracker.apply(SetStatus(agent="201", status="idle"))
    tracker.apply(SetStatus(agent="201", status="paused"))  # a plain Pause needs no reason
    assert ("paused", None) == (tracker.state("201").status, tracker.state("201").reason)


def test_pbx_answering_a_call_is_connected() -> None:
    """002: "Once the Agent answers a call through their phone, the Agent Status will change to
    Connected."."""
    tracker, _ = _start(pbx_agent_portal(), "201")
    _answer(tracker, "201", "c1")
    assert ("idle", Occupation.ON_INTERACTION) == (tracker.state("201").status,
                                                    tracker.state("201").occupation)


def test_pbx_counts_completed_missed_and_rejected_calls() -> None:
    """002: "along with the count of your Completed, Missed, and Rejected calls"."""
    tracker, _ = _start(pbx_agent_portal(), "201")
    _answer(tracker, "201", "c1")
    tracker.apply(InteractionEnded(agent="201", interaction="c1"))
    for call, event in (("c2", InteractionMissed), ("c3", InteractionRejected),
                        ("c4", InteractionMissed)):
        tracker.apply(InteractionOffered(agent="201", interaction=call, queue="sales"))
        tracker.apply(event(agent="201", interaction=call))
    counts = tracker.counters("201")
    assert (1, 2, 1) == (counts.completed, counts.missed, counts.rejected)


@pytest.mark.parametrize("transfer", ["blind", "attended", "live"])
def test_pbx_a_transfer_ends_the_agent_s_part_when_it_drops(transfer: str) -> None:
    """002: "Blind Transfer: Transfer your customer to your transfer target and you drop from
    the call." ... "Attended Transfer ... When done with the transfer, click Complete and your
    customer will now be transferred to your transfer target and you will drop from the call."
    ... "Live Transfer ... click Complete to drop yourself from the call"."""
    tracker, clock = _start(pbx_agent_portal(), "201")
    _answer(tracker, "201", "c1")
    if transfer != "blind":  # the customer on hold, or all three talking, until Complete
        clock.advance(30)
        assert Occupation.ON_INTERACTION == tracker.state("201").occupation
    tracker.apply(InteractionEnded(agent="201", interaction="c1"))
    assert (Occupation.IDLE, 1) == (tracker.state("201").occupation,
                                    tracker.counters("201").completed)


# -- seed 003: Webitel --------------------------------------------------------------------------


def _callcenter(policy: Policy) -> tuple[Tracker, ManualClock]:
    """Webitel: agent "ana" logged in (Ready), then in Callcenter mode."""
    tracker, clock = _start(policy, "ana")
    tracker.apply(SetStatus(agent="ana", status="callcenter"))
    return tracker, clock


def test_webitel_dnd_takes_no_internal_calls() -> None:
    """003: "Do not disturb (DnD): ... If the mode is set, then the user will not receive calls
    from the internal line."."""
    tracker, _ = _start(webitel(), "ana")
    tracker.apply(DeviceChanged(agent="ana", dnd=True))
    why = _refused(tracker, InteractionOffered(agent="ana", interaction="d1"), NotEligible)
    assert ("ready", "agent 'ana': do-not-disturb on") == (tracker.state("ana").status, why)


def test_webitel_ready_takes_internal_calls_only() -> None:
    """003: "Ready: The agent in this status will receive internal calls."."""
    tracker, _ = _start(webitel(), "ana")
    assert "ready" == tracker.state("ana").status
    tracker.apply(InteractionOffered(agent="ana", interaction="d1"))
    assert "status 'ready' takes no queue work" == tracker.explain("ana", "sales")


def test_webitel_callcenter_takes_queue_calls_with_dnd_disabled() -> None:
    """003: "Callcenter: The agent in this status will receive calls from queues (DnD must be
    disabled)."."""
    tracker, _ = _start(webitel(), "ana")
    tracker.apply(DeviceChanged(agent="ana", dnd=True))
    tracker.apply(SetStatus(agent="ana", status="callcenter"))
    assert ([], "do-not-disturb on") == (_eligible(tracker), tracker.explain("ana", "sales"))
    tracker.apply(DeviceChanged(agent="ana", dnd=False))
    assert ["ana"] == _eligible(tracker)


def test_webitel_callcenter_starts_waiting_with_a_timer() -> None:
    """003: "After switching to the "Callcenter" status (Fig. 3), the agent is automatically set
    to state "Waiting" and the system starts a timer for the time the agent stays in this
    state."."""
    tracker, clock = _start(webitel(), "ana")
    tracker.apply(SetStatus(agent="ana", status="callcenter"))
    clock.advance(75)
    assert (Occupation.IDLE, 75 * S) == (tracker.state("ana").occupation,
                                         tracker.time_in_occupation("ana"))


def test_webitel_an_active_call_is_busy() -> None:
    """003: "When the agent is having an active call, the indicator shows the state "Busy"."."""
    tracker, _ = _callcenter(webitel())
    _answer(tracker, "ana", "c1")
    assert Occupation.ON_INTERACTION == tracker.state("ana").occupation


def test_webitel_pause_with_a_cause_takes_no_queue_calls_and_is_timed() -> None:
    """003: "Pause: The agent in this status will not receive calls from queues." ... "The
    "Pause" status can be extended by pause causes" ... "After switching to the "Pause" status
    and selecting the cause for the break, the indicator of the current status of the agent
    displays the value "Pause" (Fig. 5) and the system starts the timer for the time spent in
    it."."""
    tracker, clock = _callcenter(webitel(pause_causes=["Lunch", "Training"]))
    tracker.apply(SetStatus(agent="ana", status="pause", reason="training"))
    clock.advance(120)
    state = tracker.state("ana")
    assert ("Pause", "training", 120 * S) == (tracker.policy.status(state.status).label,
                                              state.reason, tracker.time_in_status("ana"))
    assert [] == _eligible(tracker)


@pytest.mark.parametrize("channel", ["voice", "chat"])
def test_webitel_post_processing_lasts_the_team_s_wrap_up_time(channel: str) -> None:
    """003: "If post-processing is configured on the Webitel side, then after the call from the
    queue ends or the chat is closed, the system transfers the operator to the
    "Post-processing" status" ... "The duration of this state is specified in the "Wrap up
    time" field on the "Timing" detail page of the Team the agent is a member of."."""
    tracker, clock = _callcenter(webitel(wrap_up_time=20))
    _answer(tracker, "ana", "c1", channel=channel)
    tracker.apply(InteractionEnded(agent="ana", interaction="c1"))
    assert (Occupation.WRAP_UP, clock.now() + 20 * S) == (tracker.state("ana").occupation,
                                                          tracker.next_deadline("ana"))
    clock.advance(20)
    assert ["ana"] == _eligible(tracker, channel=channel)


def test_webitel_without_post_processing_configured() -> None:
    """003: "If post-processing is configured on the Webitel side" (it is not by default: the
    agent is Waiting again as soon as the call ends)."""
    tracker, _ = _callcenter(webitel())
    _answer(tracker, "ana", "c1")
    tracker.apply(InteractionEnded(agent="ana", interaction="c1"))
    assert Occupation.IDLE == tracker.state("ana").occupation


def test_webitel_missed_lasts_the_team_s_no_answer_delay_time() -> None:
    """003: "The duration of this state is specified in the "No answer delay time" field on the
    "Timing" detail page of the Team the agent is a member of." (the "Missed" state)."""
    tracker, clock = _callcenter(webitel(no_answer_delay_time=15))
    tracker.apply(InteractionOffered(agent="ana", interaction="c1", queue="sales"))
    tracker.apply(InteractionMissed(agent="ana", interaction="c1"))
    assert Occupation.MISSED == tracker.state("ana").occupation
    assert "in a missed-offer delay until 09:00:15" == tracker.explain("ana", "sales")
    clock.advance(15)
    assert ["ana"] == _eligible(tracker)


# -- seed 004: omni-channel operators ----------------------------------------------------------


def test_omnichannel_operators_are_online_or_offline() -> None:
    """004: "On this page you can see an overview of all operators that are currently logged
    in." ... "For each operator, in addition to its status (Online, Offline), the following are
    tracked"."""
    policy = omnichannel()
    tracker, _ = _start(policy, "olga", "oleg")
    tracker.register("ivan")
    assert ("Online", "Offline") == (policy.status(tracker.state("olga").status).label,
                                     policy.status(tracker.state("ivan").status).label)
    assert (("olga", "oleg", "ivan"), 2) == (tracker.team().agents, tracker.team().logged_in)


def test_omnichannel_in_call_and_fully_occupied() -> None:
    """004: "Operator occupation (Fully occupied, In call)"."""
    tracker, _ = _start(omnichannel(chat_slots=2), "olga", "oleg")
    _answer(tracker, "olga", "call")
    for chat in ("ch1", "ch2"):
        _answer(tracker, "oleg", chat, channel="chat")
    assert Occupation.ON_INTERACTION == tracker.state("olga").occupation
    assert ("voice slots 1/1", "chat slots 2/2") == (tracker.explain("olga", "sales"),
                                                     tracker.explain("oleg", "sales", "chat"))


def test_omnichannel_time_in_each_status_and_away_reason() -> None:
    """004: "Operator status (Online, Away including an away reason). For each status, the length
    of time spent in this status is indicated"."""
    tracker, clock = _start(omnichannel(), "olga")
    clock.advance(600)
    assert 600 * S == tracker.time_in_status("olga")
    tracker.apply(SetStatus(agent="olga", status="away", reason="training"))
    clock.advance(90)
    assert ("away", "training", 90 * S) == (tracker.state("olga").status,
                                            tracker.state("olga").reason,
                                            tracker.time_in_status("olga"))


def test_omnichannel_accepted_and_waiting_sessions_and_slots_per_channel() -> None:
    """004: "The number of accepted and waiting sessions for the given live channel (chat,
    telephone), The total number of slots available for live channels" ... "Total number of
    slots available for Offline channels" ... "Number of slots available for emails."."""
    tracker, _ = _start(omnichannel(chat_slots=3, messaging_slots=4, email_slots=8),
                        "olga", "oleg")
    _answer(tracker, "olga", "ch1", channel="chat")
    tracker.apply(InteractionOffered(agent="olga", interaction="ch2", queue="sales",
                                     channel="chat"))
    states = [i.state.value for i in tracker.state("olga").interactions]
    assert ["connected", "offered"] == states  # accepted and waiting
    team = tracker.team()
    assert [("voice", 2, 0), ("chat", 6, 2), ("messaging", 8, 0), ("email", 16, 0)] == [
        (load.channel, load.total, load.in_use) for load in team.channels]


def test_omnichannel_an_overloaded_group_shows_what_waits() -> None:
    """004: "If a group is overloaded (its operators have all available slots occupied), the
    value in the columns (Live Slots, Offline Slots or Email Slots) is displayed in red and the
    number of sessions or emails waiting in the queue is also displayed next to it."."""
    tracker, _ = _start(omnichannel(email_slots=1), "olga", "oleg", queues=("billing",))
    for agent in ("olga", "oleg"):
        _answer(tracker, agent, f"mail-{agent}", queue="billing", channel="email")
    email = tracker.team(queue="billing", waiting={"email": 4}).channel("email")
    assert (2, 2, 4, True) == (email.total, email.in_use, email.waiting, email.overloaded)


def test_omnichannel_supervisor_switches_a_channel_per_operator() -> None:
    """004: "By clicking on the column of a given channel, a toggle switch will be displayed to
    enable/disable the specific channel on operator level"."""
    tracker, _ = _start(omnichannel(), "olga")
    _refused(tracker, SetChannel(agent="olga", channel="chat", enabled=False,
                                 actor=Actor.agent("olga")), NotPermitted)
    tracker.apply(SetChannel(agent="olga", channel="chat", enabled=False, actor=SUP))
    assert ("chat switched off for this agent", None) == (
        tracker.explain("olga", "sales", "chat"), tracker.explain("olga", "sales", "email"))


def test_omnichannel_supervisor_sets_away_or_an_away_reason() -> None:
    """004: "The supervisor also has the option to change the operator's status from Online to
    Away, or to select a specific away reason from the list."."""
    tracker, _ = _start(omnichannel(), "olga", "oleg")
    tracker.apply(ForceStatus(agent="olga", status="away", actor=SUP))
    tracker.apply(ForceStatus(agent="oleg", status="away", reason="lunch", actor=SUP))
    assert [("away", None), ("away", "lunch")] == [
        (tracker.state(a).status, tracker.state(a).reason) for a in ("olga", "oleg")]


def test_omnichannel_away_reasons_are_paid_or_not_with_allocated_time() -> None:
    """004: "From away reasons menu it can be seen whether the away reason is paid or not. It is
    also possible to view the status of the allocated time."."""
    tracker, clock = _start(omnichannel(), "olga")
    tracker.apply(SetStatus(agent="olga", status="away", reason="break"))
    clock.advance(minutes=5)
    tracker.apply(SetStatus(agent="olga", status="away", reason="lunch"))
    clock.advance(minutes=10)
    ledger = tracker.ledger("olga")
    assert [(True, timedelta(minutes=10)), (False, timedelta(minutes=20))] == [
        (ledger.reason(code).paid, ledger.reason(code).remaining)
        for code in ("break", "lunch")]
    assert (timedelta(minutes=5), timedelta(minutes=10)) == (ledger.paid, ledger.unpaid)


def test_omnichannel_supervisor_overrides_an_exhausted_allocation_within_24_hours() -> None:
    """004: "In addition, the supervisor has the possibility from his position to switch the
    operator to a pause whose time allocation within 24 hours has already been fully
    exhausted."."""
    tracker, clock = _start(omnichannel(), "olga")
    tracker.apply(SetStatus(agent="olga", status="away", reason="break"))
    clock.advance(minutes=15)
    tracker.apply(SetStatus(agent="olga", status="online"))
    clock.advance(hours=12)  # a calendar day later, but within 24 hours
    why = _refused(tracker, SetStatus(agent="olga", status="away", reason="break"),
                   LimitReached)
    assert "its daily allotment is used up" in why
    result = tracker.apply(ForceStatus(agent="olga", status="away", reason="break", actor=SUP))
    assert ("break", ("override",)) == (result.after.reason, result.changes[-1].tags)
    tracker.apply(ForceStatus(agent="olga", status="online", actor=SUP))
    clock.advance(hours=12)  # 24 hours after the first break ended
    assert "break" == tracker.apply(SetStatus(agent="olga", status="away",
                                              reason="break")).after.reason


def test_omnichannel_supervisor_logs_out_an_operator() -> None:
    """004: "If you see in the list an operator who should not be logged in, you can log him
    out."."""
    tracker, _ = _start(omnichannel(), "olga")
    _answer(tracker, "olga", "ch1", channel="chat")
    result = tracker.apply(ForceLogout(agent="olga", actor=SUP))
    assert ("offline", None) == (result.after.status, tracker.state("olga").session)


def test_omnichannel_supervisor_sees_the_sessions_of_an_operator() -> None:
    """004: "When an operator has a currently accepted or waiting session, the supervisor can
    look at the detail and monitor its progress."."""
    tracker, _ = _start(omnichannel(), "olga")
    _answer(tracker, "olga", "ch1", channel="chat")
    tracker.apply(InteractionOffered(agent="olga", interaction="m1", queue="sales",
                                     channel="messaging"))
    assert [("ch1", "chat", "connected"), ("m1", "messaging", "offered")] == [
        (i.id, i.channel, i.state.value) for i in tracker.state("olga").interactions]


def test_omnichannel_aggregates_per_group() -> None:
    """004: "In addition, aggregate data are recorded at the level of each group, which are more
    indicative of the utilisation of the group as a whole."."""
    tracker, _ = _start(omnichannel(), "olga", queues=("sales",))
    tracker.register("oleg")
    tracker.apply(Login(agent="oleg", queues=("billing",)))
    _answer(tracker, "oleg", "ch1", queue="billing", channel="chat")
    sales, billing = tracker.team(queue="sales"), tracker.team(queue="billing")
    assert (("olga",), ("oleg",)) == (sales.agents, billing.agents)
    assert (0, 1) == (sales.channel("chat").in_use, billing.channel("chat").in_use)


# -- FreeSWITCH mod_callcenter ------------------------------------------------------------------


def test_freeswitch_statuses() -> None:
    """mod_callcenter: "Logged Out: Cannot receive queue calls." "Available: Ready to receive
    queue calls." "On Break: Still Logged in, but will not receive queue calls."."""
    policy = freeswitch_callcenter()
    assert [("Logged Out", False), ("Available", True), ("Available (On Demand)", True),
            ("Available (On Demand), Idle", False), ("On Break", False)] == [
        (s.label, s.routable) for s in policy.statuses]
    tracker, _ = _start(policy, "1000")
    tracker.apply(SetStatus(agent="1000", status="on_break"))
    assert tracker.state("1000").session is not None
    assert [] == _eligible(tracker)


def test_freeswitch_available_waits_again_after_each_call() -> None:
    """mod_callcenter: "While an agent's State is 'Waiting', calls will be directed to them.
    Whenever an agent completes one of those calls, their State is set back to 'Waiting'."."""
    tracker, _ = _start(freeswitch_callcenter(wrap_up_time=0), "1000")
    for call in ("c1", "c2"):
        _answer(tracker, "1000", call)
        tracker.apply(InteractionEnded(agent="1000", interaction=call))
        assert ["1000"] == _eligible(tracker)


def test_freeswitch_on_demand_is_idle_after_the_call_until_waiting_again() -> None:
    """mod_callcenter: "Available (On Demand): This is the same as the regular 'Available'
    Status, except that when the call is terminated, the agent's State is set to 'Idle'. This
    means the agent won't receive additional calls until his State is changed to
    'Waiting'."."""
    tracker, clock = _start(freeswitch_callcenter(), "1000", status="available_on_demand")
    _answer(tracker, "1000", "c1")
    tracker.apply(InteractionEnded(agent="1000", interaction="c1"))
    clock.advance(10)  # the wrap-up time
    state = tracker.state("1000")
    assert ("on_demand_idle", []) == (state.status, _eligible(tracker))
    assert "Available (On Demand)" == tracker.policy.status(state.status).report_as
    tracker.apply(SetStatus(agent="1000", status="available_on_demand"))
    assert ["1000"] == _eligible(tracker)


def test_freeswitch_status_applies_to_the_next_call() -> None:
    """mod_callcenter: "Status only applies to the next call. So for example, if you change user
    from Available to Available (On Demand) while they are in a call, they will receive one more
    call when the current one finishes."."""
    tracker, clock = _start(freeswitch_callcenter(), "1000")
    _answer(tracker, "1000", "c1")
    tracker.apply(SetStatus(agent="1000", status="available_on_demand"))
    assert "available_on_demand" == tracker.state("1000").status  # at once, call carries on
    tracker.apply(InteractionEnded(agent="1000", interaction="c1"))
    clock.advance(10)
    assert ["1000"] == _eligible(tracker)  # one more call
    _answer(tracker, "1000", "c2")
    tracker.apply(InteractionEnded(agent="1000", interaction="c2"))
    clock.advance(10)
    assert "on_demand_idle" == tracker.state("1000").status


def test_freeswitch_max_no_answer_puts_the_agent_on_break() -> None:
    """mod_callcenter: "max-no-answer: If the agent fails to answer calls this number of times,
    his status is changed to On Break automatically."."""
    tracker, _ = _start(freeswitch_callcenter(max_no_answer=3), "1000")
    for call in ("c1", "c2", "c3"):
        assert "available" == tracker.state("1000").status
        tracker.apply(InteractionOffered(agent="1000", interaction=call, queue="sales"))
        result = tracker.apply(InteractionMissed(agent="1000", interaction=call))
    assert ("on_break", ("auto_moved",)) == (result.after.status, result.changes[-1].tags)


def test_freeswitch_rejecting_is_not_a_no_answer_and_delays_the_next_call() -> None:
    """mod_callcenter: "Rejecting a call does not act as a 'no-answer'." ... "reject-delay-time:
    If the agent presses the reject button on her phone, wait this defined time amount."."""
    tracker, clock = _start(freeswitch_callcenter(), "1000")
    for call in ("c1", "c2", "c3", "c4"):
        tracker.apply(InteractionOffered(agent="1000", interaction=call, queue="sales"))
        tracker.apply(InteractionRejected(agent="1000", interaction=call))
        assert "in a missed-offer delay until " in (tracker.explain("1000", "sales") or "")
        clock.advance(10)
    assert ("available", ["1000"]) == (tracker.state("1000").status, _eligible(tracker))


def test_freeswitch_busy_delay_after_do_not_disturb() -> None:
    """mod_callcenter: "busy-delay-time: If the agent is on Do Not Disturb, wait this defined
    time before trying him again."."""
    tracker, clock = _start(freeswitch_callcenter(busy_delay_time=60), "1000")
    tracker.apply(InteractionOffered(agent="1000", interaction="c1", queue="sales"))
    tracker.apply(InteractionRejected(agent="1000", interaction="c1", busy=True,
                                      actor=Actor.system("pbx")))
    assert clock.now() + 60 * S == tracker.next_deadline("1000")
    clock.advance(60)
    assert ["1000"] == _eligible(tracker)


def test_freeswitch_no_answer_delay() -> None:
    """mod_callcenter: "no-answer-delay-time: If the agent does not answer the call, wait this
    defined time before trying him again."."""
    tracker, clock = _start(freeswitch_callcenter(no_answer_delay_time=5), "1000")
    tracker.apply(InteractionOffered(agent="1000", interaction="c1", queue="sales"))
    tracker.apply(InteractionMissed(agent="1000", interaction="c1"))
    assert (Occupation.MISSED, []) == (tracker.state("1000").occupation, _eligible(tracker))
    clock.advance(5)
    assert ["1000"] == _eligible(tracker)


def test_freeswitch_wrap_up_time() -> None:
    """mod_callcenter: "wrap-up-time: The amount of time to wait before putting the agent back in
    the available queue to receive another call, to allow her to complete notes or other
    tasks."."""
    tracker, clock = _start(freeswitch_callcenter(wrap_up_time=10), "1000")
    _answer(tracker, "1000", "c1")
    tracker.apply(InteractionEnded(agent="1000", interaction="c1"))
    assert "in post-processing until 09:00:10" == tracker.explain("1000", "sales")
    clock.advance(10)
    assert ["1000"] == _eligible(tracker)


def test_freeswitch_sample_agent_and_queue_strategy() -> None:
    """mod_callcenter's sample agent: status="Available" max-no-answer="3" wrap-up-time="10"
    reject-delay-time="10" busy-delay-time="60"; its queue: strategy "longest-idle-agent"."""
    policy = freeswitch_callcenter(queues=["support"])
    timers = policy.timers
    assert (3, 10 * S, 60 * S, None) == (timers.max_no_answer, timers.reject_delay,
                                         timers.busy_delay, timers.no_answer_delay)
    assert (WrapUpMode.TIMED, 10 * S) == (policy.wrap_up.mode, policy.wrap_up.length)
    assert Strategy.LONGEST_IDLE == policy.strategy("support")
    assert Strategy.LINEAR == freeswitch_callcenter(
        queues=["support"], strategy=Strategy.LINEAR).strategy("support")
    assert None is freeswitch_callcenter(max_no_answer=0).timers.max_no_answer


# -- Asterisk app_queue ------------------------------------------------------------------------


@pytest.mark.parametrize("kwargs", [{}, {"reasons": ["Lunch", PauseReason(code="Tea", paid=True)]},
                                    {"capacity": 3, "name": "pbxware"}])
def test_asterisk_queue_is_the_queue_log_adapter_s_policy(kwargs: dict[str, object]) -> None:
    """asterisk_queue() with app_queue's defaults (autopause=no, wrapuptime=0, ringinuse=yes) is
    the policy the queue_log adapter replays with, so live tracking and replays agree."""
    assert asterisk.policy(**kwargs) == asterisk_queue(**kwargs)  # type: ignore[arg-type]


def test_asterisk_paused_members_are_not_available() -> None:
    """queues.conf: "paused: a member is not considered available if he is paused"."""
    tracker, _ = _start(asterisk_queue(reasons=["Lunch"]), "1127", queues=("sales", "vip"))
    tracker.apply(PauseQueue(agent="1127", queue="vip"))  # a pause in one queue
    assert (["1127"], []) == (_eligible(tracker, "sales"), _eligible(tracker, "vip"))
    tracker.apply(SetStatus(agent="1127", status="paused", reason="Lunch"))  # PAUSEALL
    assert ([], []) == (_eligible(tracker, "sales"), _eligible(tracker, "vip"))


@pytest.mark.parametrize("autopause", ["yes", "all"])
def test_asterisk_autopause_pauses_a_member_who_fails_to_answer(autopause: str) -> None:
    """queues.conf: "Autopause will pause a queue member if they fail to answer a call" ...
    "all: Member will be paused in all queues he/she is a member"."""
    tracker, _ = _start(asterisk_queue(autopause=autopause), "1127", queues=("sales", "vip"))
    tracker.apply(InteractionOffered(agent="1127", interaction="c1", queue="sales"))
    result = tracker.apply(InteractionMissed(agent="1127", interaction="c1"))
    assert ("paused", "Auto-Pause") == (result.after.status, result.after.reason)
    assert ([], []) == (_eligible(tracker, "sales"), _eligible(tracker, "vip"))


def test_asterisk_without_autopause() -> None:
    """queues.conf: "no: Member will not be paused" (the default)."""
    tracker, _ = _start(asterisk_queue(), "1127")
    tracker.apply(InteractionOffered(agent="1127", interaction="c1", queue="sales"))
    tracker.apply(InteractionMissed(agent="1127", interaction="c1"))
    assert ("available", ["1127"]) == (tracker.state("1127").status, _eligible(tracker))
    with pytest.raises(PolicyError, match="autopause must be one of no, yes, all"):
        asterisk_queue(autopause="sometimes")


def test_asterisk_wrapuptime() -> None:
    """queues.conf: "After a successful call, how long to wait before sending a potentially free
    member another call (default is 0, or no delay)"."""
    tracker, clock = _start(asterisk_queue(wrapuptime=15), "1127")
    _answer(tracker, "1127", "c1")
    tracker.apply(InteractionEnded(agent="1127", interaction="c1"))
    assert [] == _eligible(tracker)
    clock.advance(15)
    assert ["1127"] == _eligible(tracker)
    assert WrapUpMode.NONE == asterisk_queue().wrap_up.mode


def test_asterisk_ringinuse() -> None:
    """queues.conf: "If you want the queue to avoid sending calls to members whose devices are
    known to be 'in use' (via the channel driver supporting that device state) uncomment this
    option." (ringinuse = no)."""
    for ringinuse, expected in ((True, ["1127"]), (False, [])):
        tracker, _ = _start(asterisk_queue(ringinuse=ringinuse), "1127")
        _answer(tracker, "1127", "c1")
        assert expected == _eligible(tracker)


def test_asterisk_strategies_and_penalties() -> None:
    """queues.conf: "ringall - ring all available channels until one answers (default)" ...
    "linear - rings interfaces in the order specified in this configuration file." ... "An
    optional penalty may be specified after a comma, such that entries with higher penalties
    are considered last."."""
    policy = asterisk_queue(queues=["sales"])
    assert Strategy.RING_ALL == policy.strategy("sales")
    tracker, _ = _start(asterisk_queue(queues=["sales"], strategy=Strategy.LINEAR),
                        "ann", "bob", "cat", queues=())
    for agent, penalty, position in (("ann", 0, 2), ("bob", 0, 1), ("cat", 5, 0)):
        tracker.apply(JoinQueue(agent=agent, queue="sales", penalty=penalty, position=position,
                                actor=SUP))
    assert ["bob", "ann", "cat"] == _eligible(tracker)


# -- every preset -------------------------------------------------------------------------------


def test_presets_by_name() -> None:
    """Every preset is in PRESETS and preset(name, **kwargs) builds it; an unknown name is a
    typed PolicyError listing the known ones."""
    assert {"amazon_connect", "asterisk_queue", "basic", "callharbor", "freeswitch_callcenter",
            "omnichannel", "pbx_agent_portal", "taskrouter", "virtual_contact_center",
            "webitel"} == set(PRESETS)
    assert webitel(wrap_up_time=5) == preset("webitel", wrap_up_time=5)
    with pytest.raises(UnknownPreset) as caught:
        preset("genesys")
    assert isinstance(caught.value, PolicyError)
    assert ("genesys", tuple(sorted(PRESETS))) == (caught.value.name, caught.value.known)
    assert str(caught.value).startswith("unknown preset 'genesys'; the presets are: amazon_")


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_has_a_diagram(name: str) -> None:
    """to_mermaid draws every preset: each status once, and the logged-out start."""
    policy = PRESETS[name]()
    diagram = to_mermaid(policy)
    assert diagram.startswith("stateDiagram-v2\n")
    pseudo = len(re.findall(r'^    state "any [^"]*" as s___any', diagram, re.M))
    assert len(policy.statuses) == len(re.findall(r'^    state "', diagram, re.M)) - pseudo
    assert f"[*] --> s_{policy.logged_out}" in diagram


@pytest.mark.parametrize("name", sorted(set(PRESETS) - {"basic"}))
def test_each_preset_page_shows_its_generated_diagram(name: str) -> None:
    """The diagram in docs/presets/<name>.md is exactly to_mermaid(<name>())."""
    text = (DOCS / "presets" / f"{name}.md").read_text(encoding="utf-8")
    block = re.search(rf"<!-- diagram:{name}:start -->\n```mermaid\n(.*?)```\n", text, re.S)
    assert block is not None
    assert to_mermaid(PRESETS[name]()) == block.group(1)


def test_the_overview_lists_every_preset() -> None:
    """docs/presets.md links every preset's page."""
    text = (DOCS / "presets.md").read_text(encoding="utf-8")
    for name in sorted(set(PRESETS) - {"basic"}):
        assert f"(presets/{name}.md)" in text, name


# -- the stateful check, for every preset -------------------------------------------------------

_FAST = settings(max_examples=20, stateful_step_count=40, deadline=None)


def _machine(policy: Policy) -> type:
    case = policy_state_machine(policy).TestCase
    case.settings = _FAST
    return case


TestCallharborMachine = _machine(callharbor())
TestVirtualContactCenterMachine = _machine(virtual_contact_center())
TestPbxAgentPortalMachine = _machine(pbx_agent_portal())
TestWebitelMachine = _machine(webitel())
TestOmnichannelMachine = _machine(omnichannel())
TestFreeswitchMachine = _machine(freeswitch_callcenter())
TestAsteriskMachine = _machine(asterisk_queue())
TestCallharborConfiguredMachine = _machine(callharbor(custom_statuses=["Training"]))
TestPbxAgentPortalConfiguredMachine = _machine(pbx_agent_portal(
    pause_statuses=["Lunch", "Break"], agents_manage_queues=True))
TestWebitelConfiguredMachine = _machine(webitel(pause_causes=["Lunch"], wrap_up_time=20,
                                                no_answer_delay_time=10))
TestAsteriskConfiguredMachine = _machine(asterisk_queue(reasons=["Lunch"], autopause="all",
                                                        wrapuptime=15))
