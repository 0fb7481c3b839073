"""The change feed: every committed change, store-wide, in one order a host can resume.

Every store numbers each history entry it commits with a *feed sequence*, in the transaction
that commits it: store-wide, strictly increasing, never reused (not necessarily gapless). A
host keeps the last sequence it handled and asks for the entries after it
(:meth:`Tracker.changes`); after a crash or a restart it asks again from the same number and
sees every change exactly once: changes made by events, by timers fired by any call (including
questions such as :meth:`Tracker.eligible`), by supervisors, and by other hosts sharing the
database.

Each store guarantees that a reader never skips an entry: an entry that becomes visible later
never has a lower sequence than one already returned.

- :class:`~agentstate.MemoryStore` numbers entries in the order it commits them;
- :class:`~agentstate.SQLiteStore` numbers them under SQLite's write lock, so commit order is
  sequence order;
- :class:`~agentstate.PostgresStore` lets writers commit concurrently and numbers entries by the
  writing transaction's id (``pg_current_xact_id() << 16`` plus the entry's place in the
  commit); a reader returns only entries of transactions older than every transaction still
  running (``pg_snapshot_xmin(pg_current_snapshot())``), whose set can no longer grow. An entry
  of a slow transaction is therefore returned late, never skipped.

:class:`FeedEntry` is what the tracker returns: the entry, its sequence and the notices derived
from it under the tracker's policy.
"""

from __future__ import annotations

import attrs

from ._errors import FeedError
from ._state import Change, Notice

__all__ = ["FeedEntry", "check_query"]


@attrs.frozen(kw_only=True)
class FeedEntry:
    """One committed change as the feed returns it.

    Attributes:
        sequence: the entry's place in the store-wide feed: strictly increasing; ask for the
            entries after the last one you handled.
        agent: the agent it changed.
        change: the history entry.
        notices: what the host may need to act on (see :class:`~agentstate.Notice`), derived
            from the change under the reading tracker's policy.
    """

    sequence: int
    agent: str
    change: Change
    notices: tuple[Notice, ...] = ()


def check_query(after: int, limit: int) -> None:
    """Refuse a feed question that cannot be answered.

    Raises:
        FeedError: ``after`` is not an integer ``>= 0``, or ``limit`` not an integer ``>= 1``.
    """
    if type(after) is not int or after < 0:
        raise FeedError(argument="after", value=after, expected="an integer >= 0")
    if type(limit) is not int or limit < 1:
        raise FeedError(argument="limit", value=limit, expected="an integer >= 1")
