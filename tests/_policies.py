"""Policies shared by the tests: the basic preset with every timer and limit switched on."""

from __future__ import annotations

from datetime import timedelta

import attrs

from agentstate import (
    DayRule,
    PauseReason,
    Policy,
    Queue,
    Status,
    Timers,
    Transition,
    WrapUp,
    WrapUpMode,
)
from agentstate.presets import basic


def timed(**overrides: object) -> Policy:
    """basic(), plus wrap-up, ring time, delays, auto-pause after 3 misses, a single-call
    status, and pause limits counted in Berlin days; an overrun sends the agent back to work."""
    base = basic()
    statuses = (*base.statuses,
                Status(name="single", label="Single Call", routable=True,
                       interaction_limit=1, then="offline"))
    transitions = (*base.transitions,
                   Transition(source="available", dest="single"),
                   Transition(source="offline", dest="single"),
                   Transition(source="single", dest="available"),
                   Transition(source="single", dest="offline"),
                   Transition(source="single", dest="break"),
                   Transition(source="single", dest="logged_out"))
    reasons = (
        PauseReason(code="coffee", label="Coffee break", paid=True,
                    daily_allotment=timedelta(minutes=20), max_length=timedelta(minutes=15)),
        PauseReason(code="personal", label="Personal", paid=False, max_per_day=3),
        PauseReason(code="lunch", label="Lunch", paid=False,
                    daily_allotment=timedelta(minutes=30)),
    )
    fields: dict[str, object] = {
        "name": "timed",
        "statuses": statuses,
        "transitions": transitions,
        "reasons": reasons,
        "wrap_up": WrapUp(mode=WrapUpMode.OPTIONAL, length=30),
        "queues": (Queue(name="vip", wrap_up=WrapUp(mode=WrapUpMode.TIMED, length=60)),
                   Queue(name="sales"), Queue(name="support")),
        "timers": Timers(offer_timeout=20, no_answer_delay=10, reject_delay=5, busy_delay=3,
                         max_no_answer=3, no_answer_status="break",
                         no_answer_reason="personal"),
        "day": DayRule(timezone="Europe/Berlin"),
        "overrun_status": "available",
    }
    fields.update(overrides)
    return attrs.evolve(base, **fields)
