"""The presets of the platforms hosts run: FreeSWITCH mod_callcenter, Asterisk app_queue,
Amazon Connect and Twilio TaskRouter. Each function's docs page maps the platform's words to its
statuses and rules."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from ._errors import PolicyError
from ._policy import (
    ANY,
    BusyChange,
    Channel,
    PauseReason,
    Policy,
    Queue,
    Status,
    Strategy,
    Timers,
    Transition,
    WrapUp,
    WrapUpMode,
)
from ._presets_parts import delay_of, make_queues, pause_reasons, slug, timed_wrap_up

__all__ = ["amazon_connect", "asterisk_queue", "freeswitch_callcenter", "taskrouter"]

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
    timers = Timers(no_answer_delay=delay_of(no_answer_delay_time),
                    reject_delay=delay_of(reject_delay_time),
                    busy_delay=delay_of(busy_delay_time),
                    max_no_answer=max_no_answer or None,
                    no_answer_status="on_break" if max_no_answer else None)
    return Policy(name="freeswitch_callcenter", statuses=statuses, transitions=transitions,
                  logged_out="logged_out", login_status="available",
                  channels=(Channel(name="voice", capacity=1),),
                  while_busy=BusyChange.IMMEDIATE, wrap_up=timed_wrap_up(wrap_up_time),
                  queues=make_queues(queues, strategy), timers=timers)


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
    found = pause_reasons([*reasons, *extra,
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
                  while_busy=BusyChange.IMMEDIATE, wrap_up=timed_wrap_up(wrapuptime),
                  queues=make_queues(queues, strategy), timers=timers)


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
    custom = dict.fromkeys(slug(label) for label in statuses)
    labels = {slug(label): label for label in statuses}
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
                  queues=make_queues(queues, strategy))


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
    found = {slug(name): (name, available) for name, available in activities}
    if slug(offline) not in found or found[slug(offline)][1]:
        raise PolicyError(f"offline must be an activity that is not available, got "
                          f"{offline!r}", culprit="offline")
    everyone = tuple(Status(name=name, label=label, routable=available,
                            logged_in=name != slug(offline),
                            direct_calls=name != slug(offline))
                     for name, (label, available) in found.items())
    transitions = tuple(Transition(source=ANY, dest=item.name) for item in everyone)
    available = [item.name for item in everyone if item.routable]
    return Policy(name="taskrouter", statuses=everyone, transitions=transitions,
                  logged_out=slug(offline),
                  login_status=available[0] if available else everyone[-1].name,
                  channels=(Channel(name="voice", capacity=1), Channel(name="chat", capacity=1),
                            Channel(name="task", capacity=1)),
                  while_busy=BusyChange.IMMEDIATE,
                  wrap_up=WrapUp(mode=WrapUpMode.MANDATORY) if wrap_up else WrapUp(),
                  queues=make_queues(queues, strategy))
