"""Ready-made policies: one per system agentstate reproduces.

Each preset is a plain function returning a :class:`~agentstate.Policy`; its keyword arguments are
the settings that system's documentation says an administrator chooses (wrap-up time, delays,
pause reasons, capacities, custom statuses). The docs page of each preset (``docs/presets/``)
maps the system's own words to the statuses and rules below.

- :func:`basic`: a small complete policy for getting started and for tests;
- :func:`callharbor`: seed 000, the CallHarbor Manager Portal's agent statuses;
- :func:`virtual_contact_center`: seed 001, Virtual Contact Center's Agent Console statuses;
- :func:`pbx_agent_portal`: seed 002, the PBX Call Center System's Agent Portal;
- :func:`webitel`: seed 003, Webitel's Ready / Callcenter, Pause with causes, DnD as device state;
- :func:`omnichannel`: seed 004, omni-channel operators, away reasons, slots per channel;
- :func:`freeswitch_callcenter`: FreeSWITCH mod_callcenter's agent statuses and delays;
- :func:`asterisk_queue`: Asterisk app_queue members: paused, autopause, wrapuptime;
- :func:`amazon_connect`: Amazon Connect's Available, Offline and custom statuses;
- :func:`taskrouter`: Twilio TaskRouter activities with their ``available`` flag.

:data:`PRESETS` maps each name to its function and :func:`preset` builds one by name.
"""

from __future__ import annotations

import re
import types
from collections.abc import Callable, Iterable, Mapping
from datetime import timedelta
from typing import Any

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
    Queue,
    Role,
    Status,
    Strategy,
    Timers,
    Transition,
    WrapUp,
    WrapUpMode,
)

__all__ = [
    "PRESETS",
    "UnknownPreset",
    "amazon_connect",
    "asterisk_queue",
    "basic",
    "callharbor",
    "freeswitch_callcenter",
    "omnichannel",
    "pbx_agent_portal",
    "preset",
    "taskrouter",
    "virtual_contact_center",
    "webitel",
]

_AGENT, _SUPERVISOR = Role.AGENT, Role.SUPERVISOR


class UnknownPreset(PolicyError):
    """:func:`preset` was asked for a name :data:`PRESETS` does not have.

    Attributes:
        name: the name asked for.
        known: the names of the presets, sorted.
    """

    def __init__(self, name: str, known: Iterable[str]) -> None:
        self.name = name
        self.known = tuple(sorted(known))
        super().__init__(f"unknown preset {name!r}; the presets are: {', '.join(self.known)}",
                         culprit=name)


# -- helpers ----------------------------------------------------------------------------------


def _slug(label: str) -> str:
    """A status name or reason code made from what people see: "End Shift" -> "end_shift"."""
    slug = re.sub(r"\W+", "_", label.casefold()).strip("_")
    if not slug:
        raise PolicyError(f"cannot make a name from {label!r}: it has no letters or digits",
                          culprit=label)
    return slug


def _reasons(items: Iterable[str | PauseReason], *, keep_codes: bool = False
             ) -> tuple[PauseReason, ...]:
    """Pause reasons from labels or :class:`PauseReason` values (first of a code wins).

    A label becomes an unpaid reason without limits, coded by :func:`_slug` (or kept as the code
    with ``keep_codes``, for systems whose reasons are free text, like Asterisk's).
    """
    found: dict[str, PauseReason] = {}
    for item in items:
        if isinstance(item, PauseReason):
            reason = item
        elif keep_codes:
            reason = PauseReason(code=item)
        else:
            reason = PauseReason(code=_slug(item), label=item)
        found.setdefault(reason.code, reason)
    return tuple(found.values())


def _seconds(value: float | timedelta | None) -> timedelta | None:
    """A delay setting: seconds or a timedelta; ``None`` or zero means "off"."""
    if value is None:
        return None
    delay = value if isinstance(value, timedelta) else timedelta(seconds=value)
    if delay < timedelta(0):
        raise PolicyError(f"a delay cannot be negative, got {value!r}", culprit=repr(value))
    return delay or None


def _timed_wrap_up(value: float | timedelta) -> WrapUp:
    """Time-boxed post-processing of ``value`` seconds, or none for zero."""
    length = _seconds(value)
    return WrapUp() if length is None else WrapUp(mode=WrapUpMode.TIMED, length=length)


def _queues(items: Iterable[str | Queue], strategy: Strategy) -> tuple[Queue, ...]:
    return tuple(item if isinstance(item, Queue) else Queue(name=item, strategy=strategy)
                 for item in items)


# -- basic --------------------------------------------------------------------------------------


def basic(*, chat_capacity: int = 3) -> Policy:
    """Available / Break / Lunch / Offline / logged out, with voice and chat channels.

    A small, complete policy for getting started and for tests: an agent logs in to Available,
    takes a Break (paid) or Lunch (unpaid), works Offline (logged in, no queue work), and logs
    out; a supervisor may move an agent anywhere and log it out.

    Args:
        chat_capacity: how many chats an agent holds at once.
    """
    agent, supervisor = _AGENT, _SUPERVISOR
    statuses = (
        Status(name="logged_out", label="Logged out", logged_in=False, direct_calls=False),
        Status(name="available", label="Available", routable=True),
        Status(name="break", label="Break", reasons=("coffee", "personal"),
               reason_required=True, logged_in=False),
        Status(name="lunch", label="Lunch", reasons=("lunch",), logged_in=False),
        Status(name="offline", label="Offline", logged_in=False),
    )
    transitions = (
        Transition(source="logged_out", dest="available", by={agent, supervisor}),
        Transition(source="logged_out", dest="offline", by={agent, supervisor}),
        Transition(source="available", dest="break"),
        Transition(source="available", dest="lunch"),
        Transition(source="available", dest="offline"),
        Transition(source="break", dest="available"),
        Transition(source="break", dest="lunch"),
        Transition(source="lunch", dest="available"),
        Transition(source="offline", dest="available"),
        Transition(source="offline", dest="break"),
        Transition(source="offline", dest="lunch"),
        Transition(source="available", dest="logged_out"),
        Transition(source="offline", dest="logged_out"),
        Transition(source="break", dest="logged_out", by={supervisor}),
        Transition(source="lunch", dest="logged_out", by={supervisor}),
        Transition(source="lunch", dest="offline", by={supervisor}),
    )
    reasons = (
        PauseReason(code="coffee", label="Coffee break", paid=True,
                    daily_allotment=timedelta(minutes=20)),
        PauseReason(code="personal", label="Personal", paid=False),
        PauseReason(code="lunch", label="Lunch", paid=False,
                    daily_allotment=timedelta(minutes=30)),
    )
    return Policy(
        name="basic",
        statuses=statuses,
        transitions=transitions,
        logged_out="logged_out",
        login_status="available",
        reasons=reasons,
        channels=(Channel(name="voice", capacity=1),
                  Channel(name="chat", capacity=chat_capacity)),
    )


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
            statuses.append(Status(name=_slug(item), label=item, logged_in=False, custom=True))
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
        wrap_up=_timed_wrap_up(post_processing),
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
    reasons = _reasons(pause_statuses)
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
    reasons = _reasons(pause_causes)
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
                  wrap_up=_timed_wrap_up(wrap_up_time),
                  timers=Timers(no_answer_delay=_seconds(no_answer_delay_time)))


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
    reasons = _reasons(away_reasons)
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


# -- FreeSWITCH mod_callcenter ------------------------------------------------------------------


def freeswitch_callcenter(*, wrap_up_time: float | timedelta = 10,
                          reject_delay_time: float | timedelta = 10,
                          busy_delay_time: float | timedelta = 60,
                          no_answer_delay_time: float | timedelta = 0,
                          max_no_answer: int = 3, queues: Iterable[str | Queue] = (),
                          strategy: Strategy = Strategy.LONGEST_IDLE) -> Policy:
    """FreeSWITCH mod_callcenter: Logged Out, Available, Available (On Demand), On Break.

    The defaults are the agent of mod_callcenter's sample configuration (``max-no-answer="3"
    wrap-up-time="10" reject-delay-time="10" busy-delay-time="60"``). After ``max_no_answer``
    unanswered calls in a row the agent is put On Break. Available (On Demand) takes one call;
    when it ends the agent's state is Idle (the system status ``on_demand_idle``, reported under
    Available (On Demand)) until the agent sets it Waiting again (chooses Available (On Demand)).
    As in FreeSWITCH, a status change during a call applies at once and "only applies to the
    next call". Tiers are queue memberships: the tier level is the penalty.

    Args:
        wrap_up_time: seconds after a queue call before the agent is offered another; 0: none.
        reject_delay_time: seconds without offers after the agent rejects one; 0: none.
        busy_delay_time: seconds without offers after the agent's phone was busy (Do Not
            Disturb), i.e. ``InteractionRejected(busy=True)``; 0: none.
        no_answer_delay_time: seconds without offers after an unanswered one; 0: none.
        max_no_answer: unanswered calls in a row before On Break; 0 disables it.
        queues: the queues, as names (with ``strategy``) or :class:`~agentstate.Queue` values.
        strategy: the strategy of the queues given by name (FreeSWITCH's default is
            longest-idle-agent; top-down is ``LINEAR``, agent-with-fewest-calls
            ``FEWEST_CALLS``, ring-all ``RING_ALL``, round-robin ``ROUND_ROBIN``).
    """
    if max_no_answer < 0:
        raise PolicyError(f"max_no_answer cannot be negative, got {max_no_answer}",
                          culprit="max_no_answer")
    statuses = (
        Status(name="logged_out", label="Logged Out", logged_in=False, direct_calls=False),
        Status(name="available", label="Available", routable=True),
        Status(name="available_on_demand", label="Available (On Demand)", routable=True,
               interaction_limit=1, then="on_demand_idle"),
        Status(name="on_demand_idle", label="Available (On Demand), Idle",
               report_as="Available (On Demand)", selectable_by=()),
        Status(name="on_break", label="On Break"),
    )
    transitions = (
        Transition(source=ANY, dest="available"),
        Transition(source=ANY, dest="available_on_demand"),
        Transition(source="available_on_demand", dest="on_demand_idle"),
        Transition(source=ANY, dest="on_break"),
        Transition(source=ANY, dest="logged_out"),
    )
    timers = Timers(no_answer_delay=_seconds(no_answer_delay_time),
                    reject_delay=_seconds(reject_delay_time),
                    busy_delay=_seconds(busy_delay_time),
                    max_no_answer=max_no_answer or None,
                    no_answer_status="on_break" if max_no_answer else None)
    return Policy(name="freeswitch_callcenter", statuses=statuses, transitions=transitions,
                  logged_out="logged_out", login_status="available",
                  channels=(Channel(name="voice", capacity=1),),
                  while_busy=BusyChange.IMMEDIATE, wrap_up=_timed_wrap_up(wrap_up_time),
                  queues=_queues(queues, strategy), timers=timers)


# -- Asterisk app_queue -------------------------------------------------------------------------

_PAUSED = "paused"
_NO_REASON = "(none)"
_AUTO_PAUSE = "Auto-Pause"
_AUTOPAUSE = ("no", "yes", "all")


def asterisk_queue(*, reasons: Iterable[str | PauseReason] = (), capacity: int = 2,
                   ringinuse: bool = True, wrapuptime: float | timedelta = 0,
                   autopause: str = "no", queues: Iterable[str | Queue] = (),
                   strategy: Strategy = Strategy.RING_ALL, name: str = "asterisk") -> Policy:
    """Asterisk app_queue members: logged out, available (unpaused) and paused.

    ``paused`` takes the given reasons and ``"(none)"`` (a PAUSE without a reason); Asterisk's
    pause reasons are free text, kept as codes. A pause during a call applies at once. With the
    defaults this is exactly the policy of the queue_log adapter
    (:func:`agentstate.adapters.asterisk.policy`), so replays and live tracking agree.

    Asterisk pauses a member per queue: :class:`~agentstate.PauseQueue` does that; the
    ``paused`` status is a pause in every queue (PAUSEALL).

    Args:
        reasons: pause reasons, as codes or :class:`~agentstate.PauseReason` values (to say
            which are paid).
        capacity: how many calls a member holds (rings or talks) at once with ``ringinuse``;
            two by default, as Asterisk may ring a member already on a call.
        ringinuse: ``False`` ("avoid sending calls to members whose devices are known to be
            'in use'"): one call at a time, whatever ``capacity`` says.
        wrapuptime: "After a successful call, how long to wait before sending a potentially
            free member another call" (seconds; 0, the default, for no delay).
        autopause: ``"no"`` (the default), ``"yes"`` or ``"all"``: pause a member who fails to
            answer a call, with the reason ``"Auto-Pause"`` as Asterisk logs it. agentstate
            pauses the agent, so ``"yes"`` (only in the queue that rang) acts as ``"all"``,
            the choice the queue_log adapter makes for every PAUSE.
        queues: the queues, as names (with ``strategy``) or :class:`~agentstate.Queue` values.
        strategy: the strategy of the queues given by name (Asterisk's default is ringall;
            leastrecent is ``LEAST_RECENT``, fewestcalls ``FEWEST_CALLS``, rrmemory
            ``ROUND_ROBIN``, linear ``LINEAR``, wrandom ``RANDOM``).
        name: the policy's name.

    Raises:
        PolicyError: ``autopause`` is not one of "no", "yes", "all".
    """
    if autopause not in _AUTOPAUSE:
        raise PolicyError(f"autopause must be one of {', '.join(_AUTOPAUSE)}, got "
                          f"{autopause!r}", culprit="autopause")
    extra = [PauseReason(code=_AUTO_PAUSE)] if autopause != "no" else []
    found = _reasons([*reasons, *extra,
                      PauseReason(code=_NO_REASON, label="No reason given")], keep_codes=True)
    statuses = (
        Status(name="logged_out", label="Logged out", logged_in=False, direct_calls=False),
        Status(name="available", label="Available", routable=True),
        Status(name=_PAUSED, label="Paused", reasons=tuple(r.code for r in found)),
    )
    transitions = (
        Transition(source="logged_out", dest="available"),
        Transition(source="logged_out", dest=_PAUSED),
        Transition(source="available", dest=_PAUSED),
        Transition(source=_PAUSED, dest="available"),
        Transition(source="available", dest="logged_out"),
        Transition(source=_PAUSED, dest="logged_out"),
    )
    timers = (Timers(max_no_answer=1, no_answer_status=_PAUSED, no_answer_reason=_AUTO_PAUSE)
              if autopause != "no" else Timers())
    return Policy(name=name, statuses=statuses, transitions=transitions,
                  logged_out="logged_out", login_status="available", reasons=found,
                  channels=(Channel(name="voice", capacity=capacity if ringinuse else 1),),
                  while_busy=BusyChange.IMMEDIATE, wrap_up=_timed_wrap_up(wrapuptime),
                  queues=_queues(queues, strategy), timers=timers)


# -- Amazon Connect -----------------------------------------------------------------------------


def amazon_connect(*, statuses: Iterable[str] = (), voice: int = 1, chat: int = 3,
                   task: int = 1, queues: Iterable[str | Queue] = (),
                   strategy: Strategy = Strategy.LONGEST_IDLE) -> Policy:
    """Amazon Connect agent statuses: Offline, Available, and the instance's custom ones.

    Connect ships two statuses, Available (routable) and Offline (logged out); an administrator
    adds custom ones (Lunch, Break, Training, ...), which are not routable. The contact states
    are occupations: INCOMING/CONNECTING offered, CONNECTED on the contact, ENDED after-contact
    work until the contact leaves the agent's snapshot (:class:`~agentstate.EndWrapUp`),
    MISSED missed. A status change during a contact applies at once (Connect keeps the contact
    and stops routing new ones). The routing profile's concurrency is the channels' capacity.

    >>> [s.label for s in amazon_connect(statuses=["Lunch", "Break"]).statuses]
    ['Offline', 'Available', 'Lunch', 'Break']

    Args:
        statuses: the custom statuses' names, as agents see them.
        voice, chat, task: the routing profile's slots per channel (0 leaves it out).
        queues: the queues, as names (with ``strategy``) or :class:`~agentstate.Queue` values.
        strategy: the strategy of the queues given by name (Connect routes to the longest
            available agent).
    """
    custom = dict.fromkeys(_slug(label) for label in statuses)
    labels = {_slug(label): label for label in statuses}
    found = tuple(Status(name=name, label=labels[name]) for name in custom
                  if name not in ("offline", "available"))
    everyone = (Status(name="offline", label="Offline", logged_in=False, direct_calls=False),
                Status(name="available", label="Available", routable=True), *found)
    transitions = tuple(Transition(source=ANY, dest=item.name) for item in everyone)
    channels = tuple(Channel(name=name, capacity=slots)
                     for name, slots in (("voice", voice), ("chat", chat), ("task", task))
                     if slots)
    return Policy(name="amazon_connect", statuses=everyone, transitions=transitions,
                  logged_out="offline", login_status="available", channels=channels,
                  while_busy=BusyChange.IMMEDIATE, wrap_up=WrapUp(mode=WrapUpMode.MANDATORY),
                  queues=_queues(queues, strategy))


# -- Twilio TaskRouter --------------------------------------------------------------------------


def taskrouter(*, activities: Iterable[tuple[str, bool]] = (("Offline", False),
                                                            ("Available", True),
                                                            ("Unavailable", False)),
               offline: str = "Offline", wrap_up: bool = True,
               queues: Iterable[str | Queue] = (),
               strategy: Strategy = Strategy.LONGEST_IDLE) -> Policy:
    """Twilio TaskRouter: the workspace's activities, each with TaskRouter's ``available`` flag.

    A new workspace has Offline, Available and Unavailable (only Available takes tasks);
    activities are the workspace's own. ``offline`` is the activity that means logged out. A
    reservation accepted then completed goes through wrap-up (TaskRouter's ``wrapping``) until
    the reservation completes, with ``wrap_up``.

    >>> p = taskrouter(activities=[("Offline", False), ("Available", True), ("Break", False)])
    >>> [(s.label, s.routable) for s in p.statuses]
    [('Offline', False), ('Available', True), ('Break', False)]

    Args:
        activities: (friendly name, available) per activity.
        offline: the activity that is logged out.
        wrap_up: reservations wrap up until completed (else the agent is idle at once).
        queues: the task queues, as names (with ``strategy``) or :class:`~agentstate.Queue`.
        strategy: the strategy of the queues given by name.

    Raises:
        PolicyError: ``offline`` is not one of the activities, or it is available.
    """
    found = {_slug(name): (name, available) for name, available in activities}
    if _slug(offline) not in found or found[_slug(offline)][1]:
        raise PolicyError(f"offline must be an activity that is not available, got "
                          f"{offline!r}", culprit="offline")
    everyone = tuple(Status(name=name, label=label, routable=available,
                            logged_in=name != _slug(offline),
                            direct_calls=name != _slug(offline))
                     for name, (label, available) in found.items())
    transitions = tuple(Transition(source=ANY, dest=item.name) for item in everyone)
    available = [item.name for item in everyone if item.routable]
    return Policy(name="taskrouter", statuses=everyone, transitions=transitions,
                  logged_out=_slug(offline),
                  login_status=available[0] if available else everyone[-1].name,
                  channels=(Channel(name="voice", capacity=1), Channel(name="chat", capacity=1),
                            Channel(name="task", capacity=1)),
                  while_busy=BusyChange.IMMEDIATE,
                  wrap_up=WrapUp(mode=WrapUpMode.MANDATORY) if wrap_up else WrapUp(),
                  queues=_queues(queues, strategy))


# -- by name ------------------------------------------------------------------------------------

PRESETS: Mapping[str, Callable[..., Policy]] = types.MappingProxyType({
    "amazon_connect": amazon_connect,
    "asterisk_queue": asterisk_queue,
    "basic": basic,
    "callharbor": callharbor,
    "freeswitch_callcenter": freeswitch_callcenter,
    "omnichannel": omnichannel,
    "pbx_agent_portal": pbx_agent_portal,
    "virtual_contact_center": virtual_contact_center,
    "taskrouter": taskrouter,
    "webitel": webitel,
})
"""Every preset by name (read-only)."""


def preset(name: str, **kwargs: Any) -> Policy:
    """The preset called ``name``, built with ``kwargs``.

    >>> preset("webitel", wrap_up_time=30).wrap_up.length.seconds
    30

    Raises:
        UnknownPreset: there is no preset called ``name``; the message lists those there are.
        TypeError: a keyword argument the preset does not take.
    """
    try:
        factory = PRESETS[name]
    except KeyError:
        raise UnknownPreset(name, PRESETS) from None
    return factory(**kwargs)
