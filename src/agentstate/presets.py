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

import types
from collections.abc import Callable, Iterable, Mapping
from datetime import timedelta
from typing import Any

from ._errors import PolicyError
from ._policy import (
    Channel,
    PauseReason,
    Policy,
    Status,
    Transition,
)
from ._presets_parts import AGENT, SUPERVISOR
from ._presets_platforms import amazon_connect, asterisk_queue, freeswitch_callcenter, taskrouter
from ._presets_seeds import (
    callharbor,
    omnichannel,
    pbx_agent_portal,
    virtual_contact_center,
    webitel,
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


# -- basic --------------------------------------------------------------------------------------


def basic(*, chat_capacity: int = 3) -> Policy:
    """Available / Break / Lunch / Offline / logged out, with voice and chat channels.

    A small, complete policy for getting started and for tests: an agent logs in to Available,
    takes a Break (paid) or Lunch (unpaid), works Offline (logged in, no queue work), and logs
    out; a supervisor may move an agent anywhere and log it out.

    Args:
        chat_capacity: how many chats an agent holds at once.
    """
    agent, supervisor = AGENT, SUPERVISOR
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
