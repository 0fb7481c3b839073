"""Every situation x every event kind, under the basic preset: the expected outcome of each pair.

An agent is put in a situation (each status while idle; ringing, on a call, in wrap-up, on a call
with a status change pending) and each event is applied to it. Accepted events must land where
the table says (status / occupation, and the pending status if any); refused ones must raise the
specific error and leave state and history exactly as they were. The table is the
specification: read a cell as "an agent in <situation> that receives <event> ...".

Two guards keep it whole: every event class agentstate exports has a row here, and the shared
hypothesis strategies (``agentstate.testing``) produce every event class.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable
from operator import attrgetter
from typing import Any

import attrs
import pytest
from hypothesis import Phase, find, settings

import agentstate
from agentstate import (
    Actor,
    AgentExists,
    AgentStateError,
    CancelPending,
    Configure,
    DeviceChanged,
    EndWrapUp,
    Event,
    ForceLogout,
    ForceStatus,
    InteractionAnswered,
    InteractionEnded,
    InteractionHeld,
    InteractionMissed,
    InteractionOffered,
    InteractionRejected,
    InteractionResumed,
    InteractionStarted,
    InteractionTransferred,
    InvalidEvent,
    InvalidTransition,
    JoinQueue,
    LeaveQueue,
    Login,
    Logout,
    ManualClock,
    NotEligible,
    NotPermitted,
    PauseQueue,
    Policy,
    Register,
    ResumeNew,
    ResumeQueue,
    SetChannel,
    SetStatus,
    StopNew,
    TimerFired,
    Tracker,
    UnknownReason,
    UnknownStatus,
    WrapUp,
    WrapUpMode,
)
from agentstate.presets import basic
from agentstate.testing import events_for

SUP = Actor.supervisor("s1")
ME = Actor.agent("a1")
OTHER = Actor.agent("a2")
SYS = Actor.system()


def matrix_policy() -> Policy:
    """basic(), with an optional 30 s wrap-up after queue calls (so wrap-up is a situation)."""
    return attrs.evolve(basic(), wrap_up=WrapUp(mode=WrapUpMode.OPTIONAL, length=30))


# -- the situations: the columns ------------------------------------------------------------------

LOGIN = Login(agent="a1", queues=("sales",))
OFFER = InteractionOffered(agent="a1", interaction="c1", queue="sales")
ANSWER = InteractionAnswered(agent="a1", interaction="c1")

ROUTES: dict[str, list[Event]] = {
    "logged_out": [],
    "available": [LOGIN],
    "break": [LOGIN, SetStatus(agent="a1", status="break", reason="coffee")],
    "lunch": [LOGIN, SetStatus(agent="a1", status="lunch")],
    "offline": [LOGIN, SetStatus(agent="a1", status="offline")],
    # busy:
    "ringing": [LOGIN, OFFER],
    "on call": [LOGIN, OFFER, ANSWER],
    "wrap-up": [LOGIN, OFFER, ANSWER, InteractionEnded(agent="a1", interaction="c1")],
    "on call, own break pending": [LOGIN, OFFER, ANSWER,
                                   SetStatus(agent="a1", status="break", reason="coffee")],
    "on call, supervisor's lunch pending": [LOGIN, OFFER, ANSWER,
                                            ForceStatus(agent="a1", status="lunch", actor=SUP)],
    "break, on a direct call": [LOGIN, SetStatus(agent="a1", status="break", reason="coffee"),
                                InteractionOffered(agent="a1", interaction="c1"), ANSWER],
}
SITUATIONS = list(ROUTES)
"""The columns, in order: five idle statuses, then busy situations."""


# -- the events: the rows (every exported event class has at least one) ------------------------

EVENTS: dict[str, Callable[[], Event]] = {
    "register again": lambda: Register(agent="a1"),
    "login": lambda: Login(agent="a1", queues=("sales",)),
    "login into offline": lambda: Login(agent="a1", status="offline"),
    "logout": lambda: Logout(agent="a1"),
    "supervisor logs out": lambda: Logout(agent="a1", actor=SUP),
    "set available": lambda: SetStatus(agent="a1", status="available"),
    "set break coffee": lambda: SetStatus(agent="a1", status="break", reason="coffee"),
    "set break (no reason)": lambda: SetStatus(agent="a1", status="break"),
    "set lunch": lambda: SetStatus(agent="a1", status="lunch"),
    "set offline": lambda: SetStatus(agent="a1", status="offline"),
    "set unknown": lambda: SetStatus(agent="a1", status="nap"),
    "another agent sets offline": lambda: SetStatus(agent="a1", status="offline", actor=OTHER),
    "supervisor forces available": lambda: ForceStatus(agent="a1", status="available",
                                                       actor=SUP),
    "supervisor forces lunch": lambda: ForceStatus(agent="a1", status="lunch", actor=SUP),
    "agent forces available": lambda: ForceStatus(agent="a1", status="available", actor=ME),
    "supervisor forces logout": lambda: ForceLogout(agent="a1", actor=SUP),
    "agent forces logout": lambda: ForceLogout(agent="a1", actor=ME),
    "cancel pending": lambda: CancelPending(agent="a1"),
    "supervisor cancels pending": lambda: CancelPending(agent="a1", actor=SUP),
    "system configures mandatory wrap-up": lambda: Configure(
        agent="a1", wrap_up=WrapUp(mode=WrapUpMode.MANDATORY), actor=SYS),
    "configure without an actor": lambda: Configure(agent="a1", timezone="UTC"),
    "configure unknown time zone": lambda: Configure(agent="a1", timezone="Mars/Olympus",
                                                     actor=SUP),
    "agent configures itself": lambda: Configure(agent="a1", timezone="UTC", actor=ME),
    "host fires wrap-up timer": lambda: TimerFired(agent="a1", timer="wrap_up"),
    "agent fires offer timer": lambda: TimerFired(agent="a1", timer="offer", ref="c1",
                                                  actor=ME),
    "queue call offered": lambda: InteractionOffered(agent="a1", interaction="c2",
                                                     queue="sales"),
    "direct call offered": lambda: InteractionOffered(agent="a1", interaction="c2"),
    "direct chat offered": lambda: InteractionOffered(agent="a1", interaction="c2",
                                                      channel="chat"),
    "direct call c1 offered": lambda: InteractionOffered(agent="a1", interaction="c1"),
    "agent offers itself work": lambda: InteractionOffered(agent="a1", interaction="c2",
                                                           actor=ME),
    "answer c1": lambda: InteractionAnswered(agent="a1", interaction="c1"),
    "supervisor answers c1": lambda: InteractionAnswered(agent="a1", interaction="c1",
                                                         actor=SUP),
    "unknown call answered": lambda: InteractionAnswered(agent="a1", interaction="zz"),
    "agent ends c1": lambda: InteractionEnded(agent="a1", interaction="c1"),
    "system ends c1": lambda: InteractionEnded(agent="a1", interaction="c1", actor=SYS),
    "unknown call ended": lambda: InteractionEnded(agent="a1", interaction="zz"),
    "c1 missed": lambda: InteractionMissed(agent="a1", interaction="c1"),
    "agent declares c1 missed": lambda: InteractionMissed(agent="a1", interaction="c1",
                                                          actor=ME),
    "unknown call missed": lambda: InteractionMissed(agent="a1", interaction="zz"),
    "agent rejects c1": lambda: InteractionRejected(agent="a1", interaction="c1"),
    "device busy on c1": lambda: InteractionRejected(agent="a1", interaction="c1", busy=True,
                                                     actor=SYS),
    "agent says busy on c1": lambda: InteractionRejected(agent="a1", interaction="c1",
                                                         busy=True, actor=ME),
    "busy on c1, no actor": lambda: InteractionRejected(agent="a1", interaction="c1",
                                                        busy=True),
    "unknown call rejected": lambda: InteractionRejected(agent="a1", interaction="zz"),
    "end wrap-up": lambda: EndWrapUp(agent="a1"),
    "supervisor ends wrap-up": lambda: EndWrapUp(agent="a1", actor=SUP),
    "supervisor joins support": lambda: JoinQueue(agent="a1", queue="support", actor=SUP),
    "system rejoins sales": lambda: JoinQueue(agent="a1", queue="sales", actor=SYS),
    "agent joins support": lambda: JoinQueue(agent="a1", queue="support"),
    "supervisor removes from sales": lambda: LeaveQueue(agent="a1", queue="sales", actor=SUP),
    "agent leaves sales": lambda: LeaveQueue(agent="a1", queue="sales"),
    "pause in sales": lambda: PauseQueue(agent="a1", queue="sales"),
    "pause in unknown queue": lambda: PauseQueue(agent="a1", queue="nope"),
    "resume in sales": lambda: ResumeQueue(agent="a1", queue="sales"),
    "supervisor switches chat off": lambda: SetChannel(agent="a1", channel="chat",
                                                       enabled=False, actor=SUP),
    "supervisor sets voice capacity 0": lambda: SetChannel(agent="a1", channel="voice",
                                                           capacity=0, actor=SUP),
    "agent switches chat off": lambda: SetChannel(agent="a1", channel="chat", enabled=False,
                                                  actor=ME),
    "switch chat off, no actor": lambda: SetChannel(agent="a1", channel="chat", enabled=False),
    "stop new": lambda: StopNew(agent="a1"),
    "resume new": lambda: ResumeNew(agent="a1"),
    "hold c1": lambda: InteractionHeld(agent="a1", interaction="c1"),
    "supervisor holds c1": lambda: InteractionHeld(agent="a1", interaction="c1", actor=SUP),
    "resume c1": lambda: InteractionResumed(agent="a1", interaction="c1"),
    "blind transfer c1": lambda: InteractionTransferred(agent="a1", interaction="c1",
                                                        kind="blind", target="200"),
    "attended transfer c1": lambda: InteractionTransferred(agent="a1", interaction="c1",
                                                           kind="attended", target="200"),
    "live transfer c1": lambda: InteractionTransferred(agent="a1", interaction="c1",
                                                       kind="live"),
    "outbound call started": lambda: InteractionStarted(agent="a1", interaction="c2"),
    "queue work started": lambda: InteractionStarted(agent="a1", interaction="c2",
                                                     direction="queue"),
    "device unregisters": lambda: DeviceChanged(agent="a1", registered=False),
    "supervisor switches DnD on": lambda: DeviceChanged(agent="a1", dnd=True, actor=SUP),
    "device registered again (no change)": lambda: DeviceChanged(agent="a1", registered=True,
                                                                 dnd=False),
    "agent reports its own device": lambda: DeviceChanged(agent="a1", dnd=True, actor=ME),
}

# -- the table ------------------------------------------------------------------------------------
# A cell is the error the event raises, or where the agent ends: "<status>[ <occupation>]
# [ ><pending status>]", occupation one of ring (offered), call (on an interaction), wrap
# (wrap-up); none means idle. The busy columns: ringing (a queue call c1 rings in available),
# on call (c1 answered), wrap-up (c1 ended: 30 s of optional wrap-up), own pending (on call,
# the agent asked for a coffee break), sup. pending (on call, a supervisor forced lunch), break,
# call (a direct call c1 answered in a coffee break).

Outcome = str | type[AgentStateError]
AE, IE, IT, NE, NP = AgentExists, InvalidEvent, InvalidTransition, NotEligible, NotPermitted
UR, US = UnknownReason, UnknownStatus

IDLE: dict[str, list[Outcome]] = {
    #                                         logged_out    available         break         lunch         offline
    'register again':                       [AE,            AE,                AE,            AE,            AE],
    'login':                                ['available',   IE,                IE,            IE,            IE],
    'login into offline':                   ['offline',     IE,                IE,            IE,            IE],
    'logout':                               [IE,            'logged_out',      NP,            NP,            'logged_out'],
    'supervisor logs out':                  [IE,            'logged_out',      'logged_out',  'logged_out',  'logged_out'],
    'set available':                        [IE,            IE,                'available',   'available',   'available'],
    'set break coffee':                     [IE,            'break',           IE,            IT,            'break'],
    'set break (no reason)':                [IE,            UR,                UR,            UR,            UR],
    'set lunch':                            [IE,            'lunch',           'lunch',       IE,            'lunch'],
    'set offline':                          [IE,            'offline',         IT,            NP,            IE],
    'set unknown':                          [IE,            US,                US,            US,            US],
    'another agent sets offline':           [NP,            NP,                NP,            NP,            NP],
    'supervisor forces available':          [IE,            IE,                'available',   'available',   'available'],
    'supervisor forces lunch':              [IE,            'lunch',           'lunch',       IE,            'lunch'],
    'agent forces available':               [NP,            NP,                NP,            NP,            NP],
    'supervisor forces logout':             [IE,            'logged_out',      'logged_out',  'logged_out',  'logged_out'],
    'agent forces logout':                  [NP,            NP,                NP,            NP,            NP],
    'cancel pending':                       [IE,            IE,                IE,            IE,            IE],
    'supervisor cancels pending':           [IE,            IE,                IE,            IE,            IE],
    'system configures mandatory wrap-up':  ['logged_out',  'available',       'break',       'lunch',       'offline'],
    'configure without an actor':           [NP,            NP,                NP,            NP,            NP],
    'configure unknown time zone':          [IE,            IE,                IE,            IE,            IE],
    'agent configures itself':              [NP,            NP,                NP,            NP,            NP],
    'host fires wrap-up timer':             [IE,            IE,                IE,            IE,            IE],
    'agent fires offer timer':              [NP,            NP,                NP,            NP,            NP],
    'queue call offered':                   [NE,            'available ring',  NE,            NE,            NE],
    'direct call offered':                  [NE,            'available ring',  'break ring',  'lunch ring',  'offline ring'],
    'direct chat offered':                  [NE,            'available ring',  'break ring',  'lunch ring',  'offline ring'],
    'direct call c1 offered':               [NE,            'available ring',  'break ring',  'lunch ring',  'offline ring'],
    'agent offers itself work':             [NP,            NP,                NP,            NP,            NP],
    'answer c1':                            [IE,            IE,                IE,            IE,            IE],
    'supervisor answers c1':                [NP,            NP,                NP,            NP,            NP],
    'unknown call answered':                [IE,            IE,                IE,            IE,            IE],
    'agent ends c1':                        [IE,            IE,                IE,            IE,            IE],
    'system ends c1':                       [IE,            IE,                IE,            IE,            IE],
    'unknown call ended':                   [IE,            IE,                IE,            IE,            IE],
    'c1 missed':                            [IE,            IE,                IE,            IE,            IE],
    'agent declares c1 missed':             [NP,            NP,                NP,            NP,            NP],
    'unknown call missed':                  [IE,            IE,                IE,            IE,            IE],
    'agent rejects c1':                     [IE,            IE,                IE,            IE,            IE],
    'device busy on c1':                    [IE,            IE,                IE,            IE,            IE],
    'agent says busy on c1':                [NP,            NP,                NP,            NP,            NP],
    'busy on c1, no actor':                 [IE,            IE,                IE,            IE,            IE],
    'unknown call rejected':                [IE,            IE,                IE,            IE,            IE],
    'end wrap-up':                          [IE,            IE,                IE,            IE,            IE],
    'supervisor ends wrap-up':              [NP,            NP,                NP,            NP,            NP],
    'supervisor joins support':             ['logged_out',  'available',       'break',       'lunch',       'offline'],
    'system rejoins sales':                 ['logged_out',  IE,                IE,            IE,            IE],
    'agent joins support':                  [NP,            NP,                NP,            NP,            NP],
    'supervisor removes from sales':        [IE,            'available',       'break',       'lunch',       'offline'],
    'agent leaves sales':                   [NP,            NP,                NP,            NP,            NP],
    'pause in sales':                       [IE,            'available',       'break',       'lunch',       'offline'],
    'pause in unknown queue':               [IE,            IE,                IE,            IE,            IE],
    'resume in sales':                      [IE,            IE,                IE,            IE,            IE],
    'supervisor switches chat off':         ['logged_out',  'available',       'break',       'lunch',       'offline'],
    'supervisor sets voice capacity 0':     [IE,            IE,                IE,            IE,            IE],
    'agent switches chat off':              [NP,            NP,                NP,            NP,            NP],
    'switch chat off, no actor':            [NP,            NP,                NP,            NP,            NP],
    'stop new':                             ['logged_out',  'available',       'break',       'lunch',       'offline'],
    'resume new':                           [IE,            IE,                IE,            IE,            IE],
    'hold c1':                              [IE,            IE,                IE,            IE,            IE],
    'supervisor holds c1':                  [NP,            NP,                NP,            NP,            NP],
    'resume c1':                            [IE,            IE,                IE,            IE,            IE],
    'blind transfer c1':                    [IE,            IE,                IE,            IE,            IE],
    'attended transfer c1':                 [IE,            IE,                IE,            IE,            IE],
    'live transfer c1':                     [IE,            IE,                IE,            IE,            IE],
    'outbound call started':                [IE,            'available call',  'break call',  'lunch call',  'offline call'],
    'queue work started':                   [IE,            IE,                IE,            IE,            IE],
    'device unregisters':                   ['logged_out',  'available',       'break',       'lunch',       'offline'],
    'supervisor switches DnD on':           ['logged_out',  'available',       'break',       'lunch',       'offline'],
    'device registered again (no change)':  [IE,            IE,                IE,            IE,            IE],
    'agent reports its own device':         [NP,            NP,                NP,            NP,            NP],
}  # fmt: skip

BUSY: dict[str, list[Outcome]] = {
    #                                         ringing                       on call                       wrap-up                       own pending                   sup. pending                  break, call
    'register again':                       [AE,                            AE,                            AE,                            AE,                            AE,                            AE],
    'login':                                [IE,                            IE,                            IE,                            IE,                            IE,                            IE],
    'login into offline':                   [IE,                            IE,                            IE,                            IE,                            IE,                            IE],
    'logout':                               ['available ring >logged_out',  'available call >logged_out',  'available wrap >logged_out',  'available call >logged_out',  NP,                            NP],
    'supervisor logs out':                  ['available ring >logged_out',  'available call >logged_out',  'available wrap >logged_out',  'available call >logged_out',  'available call >logged_out',  'break call >logged_out'],
    'set available':                        [IE,                            IE,                            IE,                            IE,                            NP,                            'break call >available'],
    'set break coffee':                     ['available ring >break',       'available call >break',       'available wrap >break',       'available call >break',       NP,                            IE],
    'set break (no reason)':                [UR,                            UR,                            UR,                            UR,                            NP,                            UR],
    'set lunch':                            ['available ring >lunch',       'available call >lunch',       'available wrap >lunch',       'available call >lunch',       NP,                            'break call >lunch'],
    'set offline':                          ['available ring >offline',     'available call >offline',     'available wrap >offline',     'available call >offline',     NP,                            IT],
    'set unknown':                          [US,                            US,                            US,                            US,                            US,                            US],
    'another agent sets offline':           [NP,                            NP,                            NP,                            NP,                            NP,                            NP],
    'supervisor forces available':          [IE,                            IE,                            IE,                            IE,                            IE,                            'break call >available'],
    'supervisor forces lunch':              ['available ring >lunch',       'available call >lunch',       'available wrap >lunch',       'available call >lunch',       'available call >lunch',       'break call >lunch'],
    'agent forces available':               [NP,                            NP,                            NP,                            NP,                            NP,                            NP],
    'supervisor forces logout':             ['logged_out',                  'logged_out',                  'logged_out',                  'logged_out',                  'logged_out',                  'logged_out'],
    'agent forces logout':                  [NP,                            NP,                            NP,                            NP,                            NP,                            NP],
    'cancel pending':                       [IE,                            IE,                            IE,                            'available call',              NP,                            IE],
    'supervisor cancels pending':           [IE,                            IE,                            IE,                            'available call',              'available call',              IE],
    'system configures mandatory wrap-up':  ['available ring',              'available call',              'available wrap',              'available call >break',       'available call >lunch',       'break call'],
    'configure without an actor':           [NP,                            NP,                            NP,                            NP,                            NP,                            NP],
    'configure unknown time zone':          [IE,                            IE,                            IE,                            IE,                            IE,                            IE],
    'agent configures itself':              [NP,                            NP,                            NP,                            NP,                            NP,                            NP],
    'host fires wrap-up timer':             [IE,                            IE,                            IE,                            IE,                            IE,                            IE],
    'agent fires offer timer':              [NP,                            NP,                            NP,                            NP,                            NP,                            NP],
    'queue call offered':                   [NE,                            NE,                            NE,                            NE,                            NE,                            NE],
    'direct call offered':                  [NE,                            NE,                            'available ring',              NE,                            NE,                            NE],
    'direct chat offered':                  ['available ring',              'available call',              'available ring',              'available call >break',       'available call >lunch',       'break call'],
    'direct call c1 offered':               [IE,                            IE,                            'available ring',              IE,                            IE,                            IE],
    'agent offers itself work':             [NP,                            NP,                            NP,                            NP,                            NP,                            NP],
    'answer c1':                            ['available call',              IE,                            IE,                            IE,                            IE,                            IE],
    'supervisor answers c1':                [NP,                            NP,                            NP,                            NP,                            NP,                            NP],
    'unknown call answered':                [IE,                            IE,                            IE,                            IE,                            IE,                            IE],
    'agent ends c1':                        [NP,                            'available wrap',              IE,                            'available wrap >break',       'available wrap >lunch',       'break'],
    'system ends c1':                       ['available',                   'available wrap',              IE,                            'available wrap >break',       'available wrap >lunch',       'break'],
    'unknown call ended':                   [IE,                            IE,                            IE,                            IE,                            IE,                            IE],
    'c1 missed':                            ['available',                   IE,                            IE,                            IE,                            IE,                            IE],
    'agent declares c1 missed':             [NP,                            NP,                            NP,                            NP,                            NP,                            NP],
    'unknown call missed':                  [IE,                            IE,                            IE,                            IE,                            IE,                            IE],
    'agent rejects c1':                     ['available',                   IE,                            IE,                            IE,                            IE,                            IE],
    'device busy on c1':                    ['available',                   IE,                            IE,                            IE,                            IE,                            IE],
    'agent says busy on c1':                [NP,                            NP,                            NP,                            NP,                            NP,                            NP],
    'busy on c1, no actor':                 ['available',                   IE,                            IE,                            IE,                            IE,                            IE],
    'unknown call rejected':                [IE,                            IE,                            IE,                            IE,                            IE,                            IE],
    'end wrap-up':                          [IE,                            IE,                            'available',                   IE,                            IE,                            IE],
    'supervisor ends wrap-up':              [NP,                            NP,                            NP,                            NP,                            NP,                            NP],
    'supervisor joins support':             ['available ring',              'available call',              'available wrap',              'available call >break',       'available call >lunch',       'break call'],
    'system rejoins sales':                 [IE,                            IE,                            IE,                            IE,                            IE,                            IE],
    'agent joins support':                  [NP,                            NP,                            NP,                            NP,                            NP,                            NP],
    'supervisor removes from sales':        ['available ring',              'available call',              'available wrap',              'available call >break',       'available call >lunch',       'break call'],
    'agent leaves sales':                   [NP,                            NP,                            NP,                            NP,                            NP,                            NP],
    'pause in sales':                       ['available ring',              'available call',              'available wrap',              'available call >break',       'available call >lunch',       'break call'],
    'pause in unknown queue':               [IE,                            IE,                            IE,                            IE,                            IE,                            IE],
    'resume in sales':                      [IE,                            IE,                            IE,                            IE,                            IE,                            IE],
    'supervisor switches chat off':         ['available ring',              'available call',              'available wrap',              'available call >break',       'available call >lunch',       'break call'],
    'supervisor sets voice capacity 0':     [IE,                            IE,                            IE,                            IE,                            IE,                            IE],
    'agent switches chat off':              [NP,                            NP,                            NP,                            NP,                            NP,                            NP],
    'switch chat off, no actor':            [NP,                            NP,                            NP,                            NP,                            NP,                            NP],
    'stop new':                             ['available ring',              'available call',              'available wrap',              'available call >break',       'available call >lunch',       'break call'],
    'resume new':                           [IE,                            IE,                            IE,                            IE,                            IE,                            IE],
    'hold c1':                              [IE,                            'available call',              IE,                            'available call >break',       'available call >lunch',       'break call'],
    'supervisor holds c1':                  [NP,                            NP,                            NP,                            NP,                            NP,                            NP],
    'resume c1':                            [IE,                            IE,                            IE,                            IE,                            IE,                            IE],
    'blind transfer c1':                    [IE,                            'available wrap',              IE,                            'available wrap >break',       'available wrap >lunch',       'break'],
    'attended transfer c1':                 [IE,                            'available call',              IE,                            'available call >break',       'available call >lunch',       'break call'],
    'live transfer c1':                     [IE,                            'available call',              IE,                            'available call >break',       'available call >lunch',       'break call'],
    'outbound call started':                ['available call',              'available call',              'available call',              'available call >break',       'available call >lunch',       'break call'],
    'queue work started':                   [IE,                            IE,                            IE,                            IE,                            IE,                            IE],
    'device unregisters':                   ['available ring',              'available call',              'available wrap',              'available call >break',       'available call >lunch',       'break call'],
    'supervisor switches DnD on':           ['available ring',              'available call',              'available wrap',              'available call >break',       'available call >lunch',       'break call'],
    'device registered again (no change)':  [IE,                            IE,                            IE,                            IE,                            IE,                            IE],
    'agent reports its own device':         [NP,                            NP,                            NP,                            NP,                            NP,                            NP],
}  # fmt: skip

IDLE_SITUATIONS = SITUATIONS[:5]
BUSY_SITUATIONS = SITUATIONS[5:]

# Cells the table states as they must be, that today's rules get wrong: they are marked strict
# xfail, so they flip to failing once the rule is fixed, until the mark is removed. (Issue 19's
# cells, an agent undoing a supervisor's pending change or reporting an offer busy or withdrawn,
# are fixed: none is known wrong today.)
KNOWN_WRONG: dict[tuple[str, str], str] = {}

OCCUPATIONS = {"ring": "offered", "call": "on_interaction", "wrap": "wrap_up"}


def expected_of(name: str, situation: str) -> Outcome:
    """The table's cell for event ``name`` in ``situation``."""
    if situation in IDLE_SITUATIONS:
        return IDLE[name][IDLE_SITUATIONS.index(situation)]
    return BUSY[name][BUSY_SITUATIONS.index(situation)]


def _tracker_in(situation: str) -> Tracker:
    clock = ManualClock()
    tracker = Tracker(matrix_policy(), clock=clock)
    tracker.register_many(["a1", "a2"])
    for event in ROUTES[situation]:
        clock.advance(60)
        tracker.apply(event)
    clock.advance(1)  # within the 30 s wrap-up: no timer falls due during the test
    return tracker


def _everything(tracker: Tracker) -> object:
    return [(tracker.state(a), tuple(tracker.history(a))) for a in ("a1", "a2")]


def _cases() -> list[Any]:
    cases = []
    for name in EVENTS:
        for situation in SITUATIONS:
            why = KNOWN_WRONG.get((name, situation))
            marks = [pytest.mark.xfail(strict=True, reason=why)] if why else []
            cases.append(pytest.param(name, situation, marks=marks,
                                      id=f"{name} | {situation}"))
    return cases


# -- the guards -----------------------------------------------------------------------------------


def event_classes() -> set[type[Event]]:
    """Every concrete event class agentstate defines (public subclasses of Event, at any
    depth)."""
    found: set[type[Event]] = set()
    todo = [Event]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            module = sys.modules.get(sub.__module__)
            if (sub.__module__.startswith("agentstate") and not sub.__name__.startswith("_")
                    and getattr(module, sub.__name__, None) is sub):  # not a pre-slots copy
                found.add(sub)
    return found


def test_every_event_class_is_exported_and_has_a_row() -> None:
    """Each event class agentstate defines is exported by agentstate and has at least one row
    in the table: adding an event kind without a row fails here."""
    exported = {obj for name in agentstate.__all__
                if inspect.isclass(obj := getattr(agentstate, name))
                and issubclass(obj, Event) and obj is not Event}
    assert event_classes() == exported
    assert {cls.__name__ for cls in exported} == {type(make()).__name__
                                                  for make in EVENTS.values()}
    assert 26 <= len(exported)


@pytest.mark.parametrize("kind", sorted(event_classes(), key=attrgetter("__name__")),
                         ids=lambda kind: getattr(kind, "__name__", "?"))
def test_the_shared_strategies_draw_every_event_class(kind: type[Event]) -> None:
    """agentstate.testing.events_for (which refused_events draws its refused event from) draws
    every event class: adding an event kind without extending the strategies fails here."""
    found = find(events_for(matrix_policy(), ["a1", "a2"]), lambda e: type(e) is kind,
                 settings=settings(max_examples=5000, database=None, phases=[Phase.generate]))
    assert kind is type(found)


def test_the_table_covers_every_situation_and_event() -> None:
    """The table has a row per event in both halves and a column per situation; the idle
    columns are every status of the policy."""
    assert list(EVENTS) == list(IDLE) == list(BUSY)
    assert {len(IDLE_SITUATIONS)} == {len(row) for row in IDLE.values()}
    assert {len(BUSY_SITUATIONS)} == {len(row) for row in BUSY.values()}
    assert sorted(IDLE_SITUATIONS) == sorted(s.name for s in matrix_policy().statuses)
    assert set(KNOWN_WRONG) <= {(n, s) for n in EVENTS for s in SITUATIONS}


@pytest.mark.parametrize("situation", SITUATIONS)
def test_each_situation_is_what_its_column_says(situation: str) -> None:
    """The route to each column leaves the agent in that status, occupation and pending
    change."""
    state = _tracker_in(situation).state("a1")
    expected = {
        "ringing": ("available", "offered", None),
        "on call": ("available", "on_interaction", None),
        "wrap-up": ("available", "wrap_up", None),
        "on call, own break pending": ("available", "on_interaction", "break"),
        "on call, supervisor's lunch pending": ("available", "on_interaction", "lunch"),
        "break, on a direct call": ("break", "on_interaction", None),
    }.get(situation, (situation, "idle", None))
    pending = None if state.pending is None else state.pending.status
    assert expected == (state.status, state.occupation.value, pending)


# -- the specification ----------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "situation"), _cases())
def test_situation_event_pair(name: str, situation: str) -> None:
    """An agent in each situation gets each event: the outcome is the table's; a refused event
    changes nothing (state and history of every agent identical)."""
    expected = expected_of(name, situation)
    tracker = _tracker_in(situation)
    before = _everything(tracker)
    history = len(tracker.history("a1"))
    event = EVENTS[name]()
    if isinstance(expected, str):
        result = tracker.apply(event)
        words = expected.split()
        pending = next((w[1:] for w in words if w.startswith(">")), None)
        shown = [w for w in words if not w.startswith(">")]
        occupation = OCCUPATIONS[shown[1]] if len(shown) > 1 else "idle"
        state = tracker.state("a1")
        assert (shown[0], occupation, pending) == (
            state.status, state.occupation.value,
            None if state.pending is None else state.pending.status)
        assert (shown[0], occupation) == (result.after.status, result.after.occupation.value)
        assert history + 1 == len(tracker.history("a1"))
    else:
        with pytest.raises(AgentStateError) as caught:
            tracker.apply(event)
        assert expected is type(caught.value)
        assert "a1" == getattr(caught.value, "agent", None)
        assert before == _everything(tracker)
