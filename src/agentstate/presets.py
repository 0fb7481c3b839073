"""Ready-made policies.

:func:`basic` is a small, complete policy for getting started and for tests: an agent logs in to
Available, takes a Break (paid) or Lunch (unpaid), works Offline (logged in, no queue work), and
logs out; a supervisor may move an agent anywhere and log it out.
"""

from __future__ import annotations

from datetime import timedelta

from ._policy import Channel, PauseReason, Policy, Role, Status, Transition

__all__ = ["basic"]


def basic(*, chat_capacity: int = 3) -> Policy:
    """Available / Break / Lunch / Offline / logged out, with voice and chat channels.

    Args:
        chat_capacity: how many chats an agent holds at once.
    """
    agent, supervisor = Role.AGENT, Role.SUPERVISOR
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



