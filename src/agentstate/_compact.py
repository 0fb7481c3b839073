"""Compact records: history entries the cyclic garbage collector does not track.

:class:`~agentstate.MemoryStore` keeps every history entry for the life of the process. As
objects, one entry is a :class:`~agentstate.Change`, its event, an actor, pendulum
``DateTime`` and enum members: objects the cyclic garbage collector tracks, and every
collection of the older generations walks all of them again, so with a growing history the
collector took a sixth of the tracker's time. A **record** holds the same entry as one flat
tuple of plain atomic values (``str``, ``int``, ``bool``, ``None``, ``bytes``, ``timedelta``,
stdlib ``datetime``, and tuples of those). CPython untracks such a tuple at the first collection
it survives and never looks at it again. The rich objects are built again when it is read.

The encoding is derived from the attrs classes' own fields and their types (generated per class,
as attrs generates ``__init__``), so a field added to :class:`~agentstate.Change` or to an event
is stored without a change here:

- a ``str``, ``int``, ``bool``, ``timedelta`` or ``tuple[str, ...]`` field is kept as it is;
- an enum is kept as its value (``Occupation.IDLE`` as ``"idle"``), a tuple of enums as a tuple
  of values;
- an instant that is a pendulum ``DateTime`` in UTC is kept as its pickle state (10 bytes: the
  date, the time and the fold), rebuilt as the same type in UTC; one in a named zone as its state
  and the zone's name; a stdlib ``datetime`` (untracked already) as it is;
- the change's actor is inlined (its fields, one slot each); an optional attrs value of an
  event (its own actor, a :class:`~agentstate.WrapUp`) is a tuple of its fields, or ``None``;
- the event comes last: its class's number, then its fields. A field it shares with its
  change (``agent``, ``at``, ``event_id``, ``actor``) holds :data:`SAME` when it is the
  change's own value (the usual case: nothing is stored twice).

The change's ``agent`` comes first, but a record is read back as the entry of the agent the
caller names: the registrations of many agents at one instant, which differ only there, can
share one record (:func:`agent_free` says when two records do). A value that does not have its
field's declared type is never mangled: the whole change is kept as the object itself.

Records are rebuilt without running the classes' validators: their values came out of an
instance of that class, which checked them when it was built, and the rebuilt instance is equal
to it, of the same types.
"""

from __future__ import annotations

import enum
import functools
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Final, Union

import attrs
import pendulum

from ._builders import slot_filler
from ._events import Event
from ._state import Change

__all__ = ["SAME", "Record", "agent_free", "decode_change", "encode_change", "encoders",
           "record_at"]

Record = tuple[Any, ...]
"""A change as one tuple of plain values, its agent first (see the module's docstring)."""

SAME: Final = ...
"""In an event's slots: the field holds its change's own value (``Ellipsis``: no field of any
event can hold it)."""

_DateTime = pendulum.DateTime
_Timezone = pendulum.Timezone
_zone = pendulum.timezone
_UTC = pendulum.UTC
_reduce = datetime.__reduce_ex__
_new_datetime: Callable[..., Any] = datetime.__new__
_PLAIN = (str, int, bool, float, bytes, timedelta)


class _Unfit(Exception):
    """A value does not have its field's declared type: the change is kept as an object."""


def _instant(value: Any) -> Any:
    """An instant as a plain value: a pendulum ``DateTime`` in UTC as its pickle state, one in
    a named zone as its state and the zone's name."""
    if type(value) is _DateTime:
        zone = value.tzinfo
        if zone is _UTC:
            return _reduce(value, 4)[1][0]  # protocol 4: with the fold
        if type(zone) is _Timezone and _zone(zone.name) is zone:
            return _reduce(value, 4)[1][0], zone.name
    if value is None or isinstance(value, datetime):
        return value
    raise _Unfit(value)


def _uninstant(data: Any) -> Any:
    """The instant :func:`_instant` encoded."""
    if type(data) is bytes:
        return _new_datetime(_DateTime, data, _UTC)
    if type(data) is tuple:
        return _new_datetime(_DateTime, data[0], _zone(data[1]))
    return data


# -- building instances from trusted values ------------------------------------------------------


_BUILDERS: dict[type[Any], Callable[..., Any]] = {}


def _builder(cls: type[Any]) -> Callable[..., Any]:
    """A function ``build(*values)`` filling the slots of a new ``cls``, one value per field in
    declaration order (what the constructor stored: no converter or validator runs again).

    Raises:
        _Unfit: ``cls`` is not a slotted attrs class whose slots are exactly its fields.
    """
    try:
        return _BUILDERS[cls]
    except KeyError:
        pass
    if not (isinstance(cls, type) and attrs.has(cls) and "__slots__" in cls.__dict__):
        raise _Unfit(cls)
    slots = {name for klass in cls.__mro__ for name in getattr(klass, "__slots__", ())}
    slots.discard("__weakref__")
    names = [field.name for field in attrs.fields(cls)]
    if slots != set(names):
        raise _Unfit(cls)
    try:
        build = slot_filler(cls, names)
    except TypeError:
        raise _Unfit(cls) from None
    _BUILDERS[cls] = build
    return build



# -- code generation -----------------------------------------------------------------------------


class _Gen:
    """The slots of one record: the expressions that encode them and decode from them.

    ``add`` appends the slots of one field (read by ``get``, an expression) and returns the
    expression that decodes the field's value from the record ``r``.
    """

    def __init__(self, first_slot: int = 0) -> None:
        self.names: dict[str, Any] = {"_instant": _instant, "_uninstant": _uninstant,
                                      "_Unfit": _Unfit, "SAME": SAME, "_state": _reduce,
                                      "_new_datetime": _new_datetime,
                                      "_DateTime": _DateTime, "_UTC": _UTC}
        self.slots: list[str] = []
        self.guards: list[str] = []
        self.first = first_slot

    def name(self, value: Any) -> str:
        key = f"_n{len(self.names)}"
        self.names[key] = value
        return key

    def add(self, tp: Any, get: str) -> str:
        args = typing.get_args(tp)
        optional = typing.get_origin(tp) in (Union, types.UnionType) and type(None) in args
        if optional:
            rest = [a for a in args if a is not type(None)]
            tp = rest[0] if len(rest) == 1 else Any
        slot = f"r[{self.first + len(self.slots)}]"
        if not optional and isinstance(tp, type) and attrs.has(tp):  # inlined, slot by slot
            self.guards.append(f"type({get}) is not {self.name(tp)}")
            first = len(self.slots)
            for field, hint in _fields(tp):
                self.add(hint, f"{get}.{field.name}")
            slots = [f"r[{self.first + i}]" for i in range(first, len(self.slots))]
            return f"{self.name(_shared_values(tp))}({', '.join(slots)})"
        enc, dec = self._one(tp, get, slot)
        if optional and (enc, dec) != (get, slot):
            enc = f"(None if {get} is None else {enc})"
            dec = f"(None if {slot} is None else {dec})"
        self.slots.append(enc)
        return dec

    def _one(self, tp: Any, get: str, slot: str) -> tuple[str, str]:
        """The expressions of a field kept in one slot."""
        origin, args = typing.get_origin(tp), typing.get_args(tp)
        if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
            item = args[0]
            if isinstance(item, type) and issubclass(item, enum.Enum):
                members = self.name(item._value2member_map_)
                # a list (or other iterable) is kept whole: read back as a tuple, it would
                # no longer equal what was committed
                self.guards.append(f"({get} is not None and type({get}) is not tuple)")
                return (f"(tuple([x._value_ for x in {get}]) if {get} else ())",
                        f"(tuple([{members}[x] for x in {slot}]) if {slot} else ())")
            if item in _PLAIN:
                return get, slot
        elif isinstance(tp, type):
            if tp in _PLAIN:
                return get, slot
            if issubclass(tp, enum.Enum):
                return f"{get}._value_", f"{self.name(tp._value2member_map_)}[{slot}]"
            if issubclass(tp, datetime):  # the usual case inline, without a call
                return (f"(_state({get}, 4)[1][0] if type({get}) is _DateTime and "
                        f"{get}.tzinfo is _UTC else _instant({get}))",
                        f"(_new_datetime(_DateTime, {slot}, _UTC) if type({slot}) is bytes "
                        f"else _uninstant({slot}))")
            if attrs.has(tp):  # an optional value: a tuple of its own slots
                encode, decode = _nested(tp)
                return f"{self.name(encode)}({get})", f"{self.name(decode)}({slot})"
        raise _Unfit(tp)

    def compile(self, source: str, label: str) -> dict[str, Any]:
        exec(compile(source, f"<agentstate record of {label}>", "exec"), self.names)
        return self.names


def _fields(cls: type[Any]) -> list[tuple[attrs.Attribute[Any], Any]]:
    """The fields of ``cls`` with their resolved types."""
    hints = typing.get_type_hints(cls)
    return [(field, hints[field.name]) for field in attrs.fields(cls)]


def _shared_values(cls: type[Any]) -> Callable[..., Any]:
    """A value inlined in a record (a change's actor), from its slots: one instance shared by
    the entries that hold the same (values are frozen; few actors make many entries)."""

    @functools.lru_cache(maxsize=4096)
    def value(*slots: Any) -> Any:
        return decode(slots)

    decode = _nested(cls)[1]
    return value


def _nested(cls: type[Any]) -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    """An attrs value as a tuple of its fields' slots (another class, a subclass: unfit)."""
    gen = _Gen()
    values = [gen.add(hint, f"v.{field.name}") for field, hint in _fields(cls)]
    guards = " or ".join([f"type(v) is not {gen.name(cls)}", *gen.guards])
    source = (f"def encode(v):\n    if {guards}:\n        raise _Unfit\n"
              f"    return ({', '.join(gen.slots)},)\n"
              f"def decode(r):\n    return {gen.name(_builder(cls))}({', '.join(values)})\n")
    names = gen.compile(source, cls.__qualname__)
    return names["encode"], names["decode"]


# -- changes and their events ----------------------------------------------------------------------


_SHARED: Final = tuple(f.name for f in attrs.fields(Event)
                       if f.name in attrs.fields_dict(Change))
"""The fields every event shares with its change (agent, at, event id, actor)."""


class _ChangePart:
    """The slots of a change but its event (generated once): its fields in order, the agent
    first (a record is read back as the entry of the agent its reader names)."""

    def __init__(self) -> None:
        gen = _Gen()
        gen.names["_decoders"] = _EVENT_DECODERS
        decoded: list[tuple[str, str]] = []
        fields = _fields(Change)
        for field, hint in fields:  # the agent first; read back from the caller
            if field.name != "event":
                decoded.append((field.name, gen.add(hint, f"c.{field.name}")))
        self.gen = gen
        self.at = next(i for i, (name, _) in enumerate(decoded) if name == "at")
        self.event = len(gen.slots)  # the event's class number, then its fields
        body = "".join(f"    {name} = {value}\n" for name, value in decoded
                       if name != "agent")
        values = ", ".join(field.name for field, _ in fields)
        source = (f"def decode(agent, r):\n{body}"
                  f"    event = _decoders[r[{len(gen.slots)}]](r, {', '.join(_SHARED)})\n"
                  f"    return {gen.name(_builder(Change))}({values})\n")
        self.decode: Callable[[str, Sequence[Any]], Change] = gen.compile(
            source, "Change")["decode"]


_ENCODERS: dict[type[Any], Callable[[Change], Record | Change]] = {}
"""Per event class: the record of a whole change with an event of that class."""

encoders: Mapping[type[Any], Callable[[Change], Record | Change]] = _ENCODERS
"""Per event class generated so far: :func:`encode_change` for changes with an event of that
class, one call less (a store's hot path; :func:`encode_change` for any other class)."""
_EVENT_DECODERS: list[Callable[..., Any]] = []
"""Per event class number: the event of a record (given its change's shared values)."""


def _kept(change: Change) -> Change:
    return change


def _codec(cls: type[Any]) -> Callable[[Change], Record | Change]:
    """Generate (once) the record functions of changes with an event of class ``cls``: one
    tuple display of the change's slots and the event's (a change whose values do not have
    their declared types is kept as the object)."""
    try:
        return _generate(cls)
    except Exception:  # a host's class the generator cannot read: kept whole
        _ENCODERS[cls] = _kept
        return _kept


def _generate(cls: type[Any]) -> Callable[[Change], Record | Change]:
    """:func:`_codec`'s work; raises whatever a class it cannot read makes it raise."""
    build = _builder(cls)
    if not issubclass(cls, Event):
        raise _Unfit(cls)
    part = _CHANGE.gen
    gen = _Gen(part.first + len(part.slots) + 1)
    gen.names = dict(part.names)  # the change's slots use them; new names come after
    values = []
    for field, hint in _fields(cls):
        get = f"e.{field.name}"
        count = len(gen.slots)
        value = gen.add(hint, get)
        if field.name in _SHARED:
            assert len(gen.slots) == count + 1, "a shared field takes one slot"
            slot = f"r[{gen.first + len(gen.slots) - 1}]"
            gen.slots[-1] = f"(SAME if {get} is c.{field.name} else {gen.slots[-1]})"
            value = f"({field.name} if {slot} is SAME else {value})"
        values.append(value)
    number = len(_EVENT_DECODERS)
    guards = " or ".join([*part.guards, *gen.guards]) or "False"
    source = (f"def encode(c):\n"
              f"    try:\n"
              f"        if {guards}:\n            raise _Unfit\n"
              f"        e = c.event\n"
              f"        return ({', '.join(part.slots)}, {number}, {', '.join(gen.slots)})\n"
              f"    except (_Unfit, AttributeError, TypeError):\n"
              f"        return c\n"
              f"def decode(r, {', '.join(_SHARED)}):\n"
              f"    return {gen.name(build)}({', '.join(values)})\n")
    names = gen.compile(source, cls.__qualname__)
    _EVENT_DECODERS.append(names["decode"])
    _ENCODERS[cls] = encode = names["encode"]
    return encode  # type: ignore[no-any-return]


_CHANGE = _ChangePart()


def encode_change(change: Change) -> Record | Change:
    """``change`` as a record, its agent first; the change itself if a value does not have
    its field's declared type (kept, never mangled)."""
    try:
        encode = _ENCODERS[type(change.event)]
    except KeyError:
        encode = _codec(type(change.event))
    except AttributeError:
        return change
    return encode(change)


def agent_free(record: Record | Change, other: Record | Change) -> bool:
    """Whether two records hold the same entry but for whose it is (so that one of them can
    be read back as either agent's)."""
    return (type(record) is tuple and type(other) is tuple
            and record[1:] == other[1:])


def decode_change(agent: str, record: Sequence[Any] | Change) -> Change:
    """The change that :func:`encode_change` encoded (equal, of the same types), as an entry
    of ``agent``; ``record`` may be the record's slots in any sequence."""
    if type(record) is list or type(record) is tuple:
        return _CHANGE.decode(agent, record)
    return record  # type: ignore[return-value]  # a change kept as it is


def record_at(record: Sequence[Any] | Change) -> datetime:
    """When the change of a record happened (to search a history by time)."""
    if isinstance(record, Change):
        return record.at
    at: datetime = _uninstant(record[_CHANGE.at])
    return at
