"""Counting interactions from history: offered, answered, completed, missed, rejected."""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from ._events import (
    InteractionAnswered,
    InteractionEnded,
    InteractionMissed,
    InteractionOffered,
    InteractionRejected,
    TimerFired,
)
from ._state import Change

__all__ = ["Counters", "count"]


@attrs.frozen(kw_only=True)
class Counters:
    """How many interactions an agent was offered, answered, completed, missed and rejected.

    ``completed`` counts interactions that ended after being answered (an offer withdrawn while
    ringing is neither completed nor missed); ``missed`` includes offers that timed out.
    """

    offered: int = 0
    answered: int = 0
    completed: int = 0
    missed: int = 0
    rejected: int = 0

    def __add__(self, other: Counters) -> Counters:
        return Counters(**{f.name: getattr(self, f.name) + getattr(other, f.name)
                           for f in attrs.fields(Counters)})


def count(changes: Iterable[Change]) -> Counters:
    """The counters for the interactions recorded in ``changes``."""
    offered = answered = completed = missed = rejected = 0
    for change in changes:
        event = change.event
        if isinstance(event, InteractionOffered):
            offered += 1
        elif isinstance(event, InteractionAnswered):
            answered += 1
        elif isinstance(event, InteractionEnded):
            completed += "withdrawn" not in change.tags
        elif isinstance(event, InteractionMissed) or (
                isinstance(event, TimerFired) and event.timer == "offer"):
            missed += 1
        elif isinstance(event, InteractionRejected):
            rejected += 1
    return Counters(offered=offered, answered=answered, completed=completed, missed=missed,
                    rejected=rejected)
