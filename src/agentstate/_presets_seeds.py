"""The presets of the five seed documents (000-004): CallHarbor, Virtual Contact Center,
the PBX Agent Portal, Webitel and omni-channel operators. Each function's docs page maps the
document's words to its statuses and rules."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

import attrs

from ._errors import PolicyError
from ._policy import (
    ANY,
    Blocking,
    BusyChange,
    Channel,
    ChannelGroup,
    DayRule,
    PauseReason,
    Policy,
    Status,
    Timers,
    Transition,
)
from ._presets_parts import delay_of, pause_reasons, slug, timed_wrap_up

__all__ = ["callharbor", "omnichannel", "pbx_agent_portal", "virtual_contact_center", "webitel"]

# -- seed 000: CallHarbor ---------------------------------------------------------------------


def callharbor(*, custom_statuses: Iterable[str | Status] = ()) -> Policy:
    """Seed 000: the CallHarbor Manager Portal's agent statuses.

    Online (takes queue calls, reported as logged in), Single Call (one queue call, then
    Offline automatically), Offline and End Shift (reported as logged out), Lunch, Break,
    Meeting and Other (reported as logged out *under* their name), and the managers' custom
    statuses, all considered offline. Direct calls to the extension ring in every status but
    logged out; "On a Call" is the occupation of an Online agent on a call. Any status may be
    chosen from any other, by the agent or a supervisor. Logging in to the portal lands in
    Offline: agents choose Online when their shift begins.

    Args:
        custom_statuses: the statuses your managers created, as labels ("Training") or
            :class:`~agentstate.Status` values. They are considered offline: marked
            ``custom``, not routable, reported as logged out under their label; direct calls
            still ring.

    Raises:
        PolicyError: a custom status is routable or reported as logged in, or clashes with a
            built-in one.
    """
    def offline(name: str, label: str, report_as: str) -> Status:
        return Status(name=name, label=label, logged_in=False, report_as=report_as)

    statuses = [
        Status(name="logged_out", label="Logged out", logged_in=False, direct_calls=False),
        Status(name="online", label="Online", routable=True, report_as="Logged in"),
        Status(name="single_call", label="Single Call", routable=True, report_as="Logged in",
               interaction_limit=1, then="offline"),
        offline("offline", "Offline", "Logged out"),
        offline("end_shift", "End Shift", "Logged out"),
        offline("lunch", "Lunch", "Lunch"),
        offline("break", "Break", "Break"),
        offline("meeting", "Meeting", "Meeting"),
        offline("other", "Other", "Other"),
    ]
    for item in custom_statuses:
        if isinstance(item, str):
            statuses.append(Status(name=slug(item), label=item, logged_in=False, custom=True))
            continue
        if item.routable or item.logged_in:
            raise PolicyError(f"custom status {item.name!r}: all custom statuses are "
                              "considered offline (not routable, reported as logged out)",
                              culprit=item.name)
        statuses.append(attrs.evolve(item, custom=True))
    transitions = [Transition(source=ANY, dest=s.name) for s in statuses]
    return Policy(name="callharbor", statuses=statuses, transitions=transitions,
                  logged_out="logged_out", login_status="offline",
                  channels=(Channel(name="voice", capacity=1),))


# -- seed 001: Virtual Contact Center ------------------------------------------------------------


def virtual_contact_center(*, post_processing: float | timedelta = 30,
                           chat_capacity: int = 3) -> Policy:
    """Seed 001: Virtual Contact Center's Agent Console statuses.

    Statuses: Available, Working Offline, On Break, logged out, with exactly the changes the
    document's table allows (Available -> Work Offline / Take Break; Working Offline ->
    Available / Take Break / Log Out; On Break -> Available / Work Offline / Log Out). Busy and
    Post Processing are occupations: an agent on an interaction is Busy, and when it ends it is
    in time-boxed Post Processing; while busy, no other status is available (status changes
    and logout are refused). Busy (Stop New) is :class:`~agentstate.StopNew` /
    :class:`~agentstate.ResumeNew`, available only while the agent handles a chat
    (``stop_new_channels``), and cleared by itself when the last chat ends. Rejecting a queued
    interaction puts the agent On Break. Neither Working Offline nor On Break is offered any
    new interaction, queued or direct ("Regardless of why you are Working Offline, the Agent
    Console is not permitted to offer you a new interaction"). Logging in lands in Working
    Offline: the agent then chooses Available.

    Args:
        post_processing: the Post Processing time "determined by your contact center
            administrator", in seconds; 0 for none.
        chat_capacity: how many chats an agent handles at once (a Busy agent on chats still
            receives more until it stops new ones or its slots are full).
    """
    statuses = (
        Status(name="logged_out", label="Logged out", logged_in=False, direct_calls=False),
        Status(name="available", label="Available", routable=True),
        Status(name="working_offline", label="Working Offline", direct_calls=False),
        Status(name="on_break", label="On Break", direct_calls=False),
    )
    table = {
        "available": ("working_offline", "on_break"),
        "working_offline": ("available", "on_break", "logged_out"),
        "on_break": ("available", "working_offline", "logged_out"),
    }
    transitions = [Transition(source="logged_out", dest="working_offline")]
    transitions += [Transition(source=source, dest=dest)
                    for source, dests in table.items() for dest in dests]
    return Policy(
        name="virtual_contact_center", statuses=statuses, transitions=transitions,
        logged_out="logged_out", login_status="working_offline",
        channels=(Channel(name="voice", capacity=1),
                  Channel(name="chat", capacity=chat_capacity)),
        blocking=(Blocking(when="voice", blocks=("chat",)),
                  Blocking(when="chat", blocks=("voice",))),
        while_busy=BusyChange.REFUSE,
        wrap_up=timed_wrap_up(post_processing),
        timers=Timers(reject_status="on_break"),
        stop_new_channels=("chat",),
    )


# -- seed 002: PBX agent portal ------------------------------------------------------------------


def pbx_agent_portal(*, pause_statuses: Iterable[str | PauseReason] = (),
                     agents_manage_queues: bool = False) -> Policy:
    """Seed 002: the PBX Call Center System's Agent Portal.

    An agent logs in with a device (``Login(device=...)``) and its queues, and is Idle (takes
    queue calls) until it answers one (Connected, the occupation) or places itself on Pause.
    The pause statuses the administrator adds ("Lunch, Break, Bathroom, etc.") are the reasons
    of Pause; a plain Pause needs none. Only logged-in agents receive queue calls. Completed,
    missed and rejected calls are counted (:meth:`~agentstate.Tracker.counters`).

    Args:
        pause_statuses: the pause statuses added under Agent Defaults, as labels or
            :class:`~agentstate.PauseReason` values (to say which are paid or limited).
        agents_manage_queues: agents may add and remove themselves from queues ("This option
            is disabled by default").
    """
    reasons = pause_reasons(pause_statuses)
    statuses = (
        Status(name="logged_out", label="Logged out", logged_in=False, direct_calls=False),
        Status(name="idle", label="Idle", routable=True),
        Status(name="paused", label="Pause", reasons=tuple(r.code for r in reasons)),
    )
    transitions = (
        Transition(source="logged_out", dest="idle"),
        Transition(source="idle", dest="paused"),
        Transition(source="paused", dest="idle"),
        Transition(source="idle", dest="logged_out"),
        Transition(source="paused", dest="logged_out"),
    )
    return Policy(name="pbx_agent_portal", statuses=statuses, transitions=transitions,
                  logged_out="logged_out", login_status="idle", reasons=reasons,
                  channels=(Channel(name="voice", capacity=1),),
                  agents_manage_queues=agents_manage_queues)


# -- seed 003: Webitel -------------------------------------------------------------------------


def webitel(*, pause_causes: Iterable[str | PauseReason] = (),
            wrap_up_time: float | timedelta = 0, no_answer_delay_time: float | timedelta = 0,
            chat_capacity: int = 1) -> Policy:
    """Seed 003: Webitel's user statuses Ready / Callcenter, Pause with causes, and DnD.

    Ready takes internal (direct) calls only; Callcenter takes queue calls (its occupations are
    Webitel's states: idle is "Waiting", on an interaction "Busy", wrap-up "Post-processing",
    missed "Missed"); Pause takes no queue calls, with an optional cause. Do not disturb is a
    mode of the agent's device, not a status: the host reports it with
    :class:`~agentstate.DeviceChanged` (``dnd=True``), and while it is on the agent takes
    neither internal nor queue calls, whatever its status (Callcenter takes queue calls only
    "with DnD disabled"). Logging in lands in Ready.

    Args:
        pause_causes: the causes of the lookup "User statuses while exchanging messages", as
            labels or :class:`~agentstate.PauseReason` values.
        wrap_up_time: the Team's "Wrap up time" (post-processing after a queue call or chat),
            in seconds; 0: post-processing is not configured.
        no_answer_delay_time: the Team's "No answer delay time" (the "Missed" state after an
            unanswered offer), in seconds; 0 for none.
        chat_capacity: how many chats an agent holds at once.
    """
    reasons = pause_reasons(pause_causes)
    statuses = (
        Status(name="logged_out", label="Logged out", logged_in=False, direct_calls=False),
        Status(name="ready", label="Ready"),
        Status(name="callcenter", label="Callcenter", routable=True),
        Status(name="pause", label="Pause", reasons=tuple(r.code for r in reasons)),
    )
    pairs = [("logged_out", "ready"), ("ready", "callcenter"), ("callcenter", "ready"),
             ("callcenter", "pause"), ("pause", "callcenter"), ("pause", "ready")]
    transitions = [Transition(source=s, dest=d) for s, d in pairs]
    transitions.append(Transition(source=ANY, dest="logged_out"))
    return Policy(name="webitel", statuses=statuses, transitions=transitions,
                  logged_out="logged_out", login_status="ready", reasons=reasons,
                  channels=(Channel(name="voice", capacity=1),
                            Channel(name="chat", capacity=chat_capacity)),
                  wrap_up=timed_wrap_up(wrap_up_time),
                  timers=Timers(no_answer_delay=delay_of(no_answer_delay_time)))


# -- seed 004: omni-channel operators -----------------------------------------------------------

_AWAY_REASONS = (
    PauseReason(code="lunch", label="Lunch", paid=False, daily_allotment=timedelta(minutes=30)),
    PauseReason(code="break", label="Break", paid=True, daily_allotment=timedelta(minutes=15)),
    PauseReason(code="training", label="Training", paid=True),
)


def omnichannel(*, away_reasons: Iterable[str | PauseReason] = _AWAY_REASONS,
                voice_slots: int = 1, chat_slots: int = 3, messaging_slots: int = 5,
                email_slots: int = 10, live_slots: int = 3) -> Policy:
    """Seed 004: omni-channel operators: Online, Away with reasons, Offline; slots per channel.

    Operators are Online (take work) or Away, with or without an away reason; each reason is
    paid or not and may have an allocation of time "within 24 hours" (a rolling day). An
    operator whose allocation is used up cannot choose that reason; a supervisor can still
    switch it there (recorded as an override). Offline is logged out; a supervisor may log an
    operator out. Channels: ``voice`` and ``chat`` (the live channels), ``messaging`` (the
    offline channels: Messenger, WhatsApp, Apple Messages for Business, VK) and ``email``,
    each with its slots per operator; a supervisor switches a channel on or off per operator.
    The live channels share one pool, "the total number of slots available for live channels"
    (a :class:`~agentstate.ChannelGroup` called ``live``): two chats and a call fill a 3-slot
    pool. The offline channels are one channel here, so their slots are its capacity.

    Args:
        away_reasons: the away reasons, as labels or :class:`~agentstate.PauseReason` values
            (``paid``, ``daily_allotment`` for the allocated time).
        voice_slots: telephone sessions an operator holds at once.
        chat_slots: chat sessions an operator holds at once.
        messaging_slots: offline-channel sessions an operator holds at once.
        email_slots: emails an operator holds at once.
        live_slots: telephone and chat sessions together an operator holds at once.
    """
    reasons = pause_reasons(away_reasons)
    statuses = (
        Status(name="offline", label="Offline", logged_in=False, direct_calls=False),
        Status(name="online", label="Online", routable=True),
        Status(name="away", label="Away", reasons=tuple(r.code for r in reasons)),
    )
    transitions = (
        Transition(source="offline", dest="online"),
        Transition(source="online", dest="away"),
        Transition(source="away", dest="online"),
        Transition(source="online", dest="offline"),
        Transition(source="away", dest="offline"),
    )
    channels = (Channel(name="voice", capacity=voice_slots),
                Channel(name="chat", capacity=chat_slots),
                Channel(name="messaging", capacity=messaging_slots),
                Channel(name="email", capacity=email_slots))
    return Policy(name="omnichannel", statuses=statuses, transitions=transitions,
                  logged_out="offline", login_status="online", reasons=reasons,
                  channels=channels, day=DayRule(rolling=True),
                  groups=(ChannelGroup(name="live", channels=("voice", "chat"),
                                       capacity=live_slots),))
