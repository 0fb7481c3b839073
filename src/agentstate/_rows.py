"""The rows both SQL stores keep: indexed columns, JSON text, row checks, the decoded-state
cache, and the migration runner.

:mod:`agentstate._codec` turns values into JSON-able data and back; this module is what a SQL
store does around it: which columns it derives from a state (:data:`INDEXED`), the JSON text it
writes and reads (:func:`dumps`, :func:`loads`), the checks that a stored row says what its
JSON says (:func:`check_row`, :func:`row_change`), the states it need not decode again
(:class:`DecodedStates`), and how it brings a database to the newest schema, or refuses a newer
one (:func:`migrate`, :func:`refuse_newer`). The stores differ only in their SQL and in how
their database stores a time.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Protocol

import attrs

from ._codec import TextEncoder, decode_change, decode_state, encode_state, shown
from ._errors import SchemaError, StoreError
from ._state import AgentState, Change

__all__ = [
    "INDEXED",
    "UNSTORABLE",
    "DecodedStates",
    "Migration",
    "SchemaAccess",
    "StateTexts",
    "check_row",
    "clip",
    "dumps",
    "loads",
    "migrate",
    "refuse_newer",
    "row_change",
    "stored_version",
    "unstorable",
]

# check_circular=False: encoded values are trees of fresh dicts and lists, never cyclic.
_JSON = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False,
                         check_circular=False)

INDEXED: tuple[tuple[str, Callable[[AgentState], str | bool | datetime | None]], ...] = (
    ("status", lambda state: state.status),
    ("occupation", lambda state: state.occupation._value_),  # .value is a slow property
    ("logged_in", lambda state: state.logged_in),
    ("next_deadline", lambda state: state.next_deadline),
)
"""The agents table's derived columns, written from the state on every commit.

A store writes them next to the state's JSON so that a host's own query reads "who is
available" and "who is logged in" without parsing JSON, and the database answers "whose timer
is due" with an index (``next_deadline``'s; since schema version 5 the others have none: no
query of agentstate reads them, and an index costs a page write on most commits). Adding
one (e.g. queue membership) is: an entry here, and a migration in each store adding the
column, its index if a query needs one, and its backfill. A store converts ``datetime`` values
to its own column type.
"""


UNSTORABLE = (UnicodeEncodeError, OverflowError)
"""What a database driver raises for a value it cannot send (text that is not valid Unicode,
an integer beyond 64 bits); a store reports it as :class:`StoreError` (see :func:`unstorable`).
"""


def unstorable(error: Exception) -> str:
    """Why a value of :data:`UNSTORABLE` could not be sent, in a few words."""
    if isinstance(error, UnicodeEncodeError):
        bad = error.object[error.start:error.end]
        return (f"a text value is not valid Unicode ({error.reason}: {bad!r} at position "
                f"{error.start:,})")
    return f"a number is out of range ({clip(str(error))}; the limit is 64-bit integers)"


def clip(text: str, limit: int = 300) -> str:
    """``text`` cut to ``limit`` characters for a message, saying how long it was."""
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text):,} characters)"


def dumps(data: Any, *, agent: str) -> str:
    """Compact JSON text of an encoded value.

    Raises:
        StoreError: the value is not JSON (e.g. a NaN float).
    """
    try:
        return _JSON.encode(data)
    except (TypeError, ValueError) as error:
        raise StoreError(f"agent {shown(agent)}: cannot store: {error}", agent=agent) from None


def loads(text: Any, *, agent: str, what: str) -> Any:
    """The value of stored JSON text; ``what`` names it in the error (e.g. "state").

    Raises:
        StoreError: ``text`` is not valid JSON text.
    """
    if type(text) is not str:
        raise StoreError(f"agent {shown(agent)}: stored {what} is malformed: expected JSON "
                         f"text, got {type(text).__name__}", agent=agent)
    try:
        return json.loads(text)
    except ValueError as error:
        raise StoreError(f"agent {shown(agent)}: stored {what} is malformed: not valid JSON "
                         f"({error})", agent=agent) from None


def check_row(agent: str, state: AgentState, row: tuple[Any, ...],
              column: Callable[[Any], Any]) -> None:
    """A stored agent row ``(version, *indexed columns, state)`` must say what its state says.

    ``column`` turns an indexed value into its stored form (each database stores times its
    own way).
    """
    who = shown(agent)
    if state.agent != agent:
        raise StoreError(f"agent {who}: stored state is malformed: it is the state of "
                         f"agent {shown(state.agent)}", agent=agent)
    if row[0] != state.version:
        raise StoreError(f"agent {who}: stored state is malformed: version column "
                         f"{row[0]!r} but state version {state.version}", agent=agent)
    for (name, derive), value in zip(INDEXED, row[1:-1], strict=True):
        if value != column(derive(state)):
            raise StoreError(f"agent {who}: stored state is malformed: {name} column "
                             f"{value!r} but state says {derive(state)!r}", agent=agent)


def row_change(agent: str, row: tuple[Any, ...], column: Callable[[Any], Any]) -> Change:
    """A stored history row ``(seq, at, event_id, entry)``, checked against its entry."""
    seq, at, event_id, entry = row
    change = decode_change(loads(entry, agent=agent, what=f"history entry {seq}"), agent=agent)
    if (change.agent != agent or change.seq != seq or column(change.at) != at
            or change.event_id != event_id):
        raise StoreError(f"agent {shown(agent)}: stored history entry {seq!r} is malformed: "
                         "its columns (agent, seq, at, event_id) disagree with its entry",
                         agent=agent)
    return change


class StateTexts:
    """The JSON text of states to store, as :func:`dumps` of :func:`encode_state` writes it,
    written field by field (:class:`~agentstate._codec.TextEncoder`): the fields a state shares
    with the last one written for its agent reuse that one's text."""

    __slots__ = ("_last", "_limit")

    _ENCODER = TextEncoder(AgentState)

    def __init__(self, limit: int = 4096) -> None:
        self._last: dict[str, tuple[AgentState, list[str]]] = {}
        self._limit = limit

    def text(self, state: AgentState) -> str:
        """The JSON text of ``state``.

        Raises:
            StoreError: a value cannot be stored.
        """
        agent = state.agent
        last = self._last.get(agent)
        written = (self._ENCODER.text(state) if last is None
                   else self._ENCODER.text(state, last[0], last[1]))
        if written is None:  # the codec says what is wrong (or writes what this could not)
            return dumps(encode_state(state), agent=agent)
        if len(self._last) >= self._limit and last is None:
            self._last.clear()
        self._last[agent] = (state, written[1])
        return written[0]


class DecodedStates:
    """The states a store last read or wrote, keyed by their exact JSON: a row that comes back
    unchanged is not decoded again (decoding costs tens of microseconds)."""

    __slots__ = ("_cache", "_limit")

    def __init__(self, limit: int = 4096) -> None:
        self._cache: dict[str, tuple[str, AgentState]] = {}
        self._limit = limit

    def remember(self, agent: str, text: str, state: AgentState) -> None:
        """Keep ``state`` as the decoding of ``text`` (forgetting everything when full)."""
        if len(self._cache) >= self._limit and agent not in self._cache:
            self._cache.clear()
        self._cache[agent] = (text, state)

    def last(self, agent: str) -> AgentState | None:
        """The state last remembered for ``agent``, or ``None``."""
        cached = self._cache.get(agent)
        return None if cached is None else cached[1]

    def from_row(self, agent: str, row: tuple[Any, ...], column: Callable[[Any], Any]
                 ) -> AgentState:
        """The state of an agent row ``(version, *indexed, json)``, checked (see
        :func:`check_row`)."""
        text = row[-1]
        cached = self._cache.get(agent)
        if cached is not None and cached[0] == text:
            state = cached[1]
        else:
            state = decode_state(loads(text, agent=agent, what="state"), agent=agent)
        check_row(agent, state, row, column)
        self.remember(agent, text, state)
        return state


# -- migrations --------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Migration:
    """One numbered schema change: SQL statements or functions of the connection, in order.

    Each store says what a SQL step may contain (PostgreSQL writes ``{schema}`` for its quoted
    schema name).
    """

    version: int
    summary: str
    steps: tuple[str | Callable[[Any], None], ...]


class SchemaAccess(Protocol):
    """What :func:`migrate` needs from a store's database; ``where`` names it in messages."""

    where: str

    def version(self) -> int | None:
        """The schema version (see :func:`stored_version`), ``None`` if there is none yet."""
        ...

    def locked(self) -> AbstractContextManager[Any]:
        """One transaction that no other process migrates in at the same time."""
        ...

    def create_version_table(self) -> None:
        """Create the empty ``schema_version`` table."""
        ...

    def run(self, step: str | Callable[[Any], None]) -> None:
        """Run one step of a migration."""
        ...

    def record(self, migration: Migration) -> None:
        """Add the row saying ``migration`` was applied."""
        ...


def stored_version(latest: Any, *, where: str, supported: int) -> int:
    """The latest version in ``schema_version`` (its ``max(version)``), checked.

    Raises:
        SchemaError: it is not a version number.
    """
    if type(latest) is not int:
        raise SchemaError(f"{where}: malformed schema_version (latest {latest!r})",
                          found=None, supported=supported)
    return latest


def refuse_newer(found: int | None, *, where: str, supported: int) -> None:
    """Refuse a database whose schema is newer than this agentstate's.

    Raises:
        SchemaError: ``found`` is newer than ``supported``.
    """
    if found is not None and found > supported:
        raise SchemaError(
            f"{where} has schema version {found}, newer than this agentstate supports "
            f"({supported}); upgrade agentstate. The database was not changed",
            found=found, supported=supported)


def migrate(db: SchemaAccess, migrations: Sequence[Migration]) -> None:
    """Bring ``db`` to the last of ``migrations``, each applied once, in order, in one
    transaction taken under the migration lock; or refuse a newer schema, changing nothing.

    The version is read once without the lock (the usual case: nothing to do) and again under
    it, since another process may have migrated meanwhile.

    Raises:
        SchemaError: the schema is newer, or is not agentstate's.
    """
    supported = migrations[-1].version
    found = db.version()
    refuse_newer(found, where=db.where, supported=supported)
    if found == supported:
        return
    with db.locked():
        found = db.version()
        refuse_newer(found, where=db.where, supported=supported)
        if found is None:
            db.create_version_table()
            found = 0
        for migration in migrations[found:]:
            for step in migration.steps:
                db.run(step)
            db.record(migration)
