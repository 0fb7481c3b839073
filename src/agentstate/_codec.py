"""The codec: :class:`AgentState` and :class:`Change` to JSON-able values and back, strictly.

Stores keep an agent's state and each history entry as JSON. The codec is driven by the attrs
classes themselves, never by a hand-written list of fields: it walks ``attrs.fields()`` and the
fields' type annotations, so a field added to :class:`AgentState`, :class:`Change` or an event
is stored as soon as it exists. What it understands:

- attrs classes: a JSON object with exactly one key per field (``init=False`` fields are
  derived, not stored); where the declared type is polymorphic (:class:`Event`, whose concrete
  class is found by name among agentstate's public event classes, or a union of several attrs
  classes) the object also carries the class name under ``"$type"``;
- ``str``, ``int``, ``float``, ``bool``, ``None``; enums by value;
- ``datetime``: a UTC instant as ``"YYYY-MM-DDTHH:MM:SS.ffffff+00:00"``, read back as a
  ``pendulum.DateTime`` in UTC, to the microsecond (an aware time in another zone is stored as
  the same instant in UTC; a naive one is refused);
- ``timedelta``: whole microseconds, an integer;
- ``tuple[X, ...]``, ``tuple[X, Y]``, ``frozenset[X]`` (as lists), ``dict[str, X]`` and
  ``X | None``.

Decoding is strict: an unknown class name, a missing or extra key, a wrong type or an invalid
value raises :class:`StoreError` naming the agent and the path of the bad value (e.g.
``state.interactions[0].since``). The one key that may be missing is that of a field with a
plain default value (not a factory): a row stored before the field existed reads as if it had
been stored with that default (``Interaction.hold``, ``.transfer`` and ``.direction``, added
with hold, transfer and outbound work). A field added later without such a default needs a
schema migration that writes its value into the stored rows (see the stores' migration lists),
which is what keeps old rows from being read as something they are not.

What a SQL store does around the codec (indexed columns, JSON text, row checks, migrations) is
in :mod:`agentstate._rows`. This module is longer than most because it has one reason to
change, the stored format, and its parts (one encoder/decoder pair per kind of type) are read
together.
"""

from __future__ import annotations

import enum
import json
import re
import sys
import types
import typing
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any, Union

import attrs
import pendulum

from ._errors import StoreError
from ._events import Event
from ._state import AgentState, Change
from ._time import micros  # re-exported: defined with the other time arithmetic

__all__ = [
    "TYPE_KEY",
    "decode_change",
    "decode_state",
    "encode_change",
    "encode_state",
    "event_classes",
    "from_micros",
    "micros",
    "read_instant",
    "shown",
]

TYPE_KEY = "$type"
"""The key naming the concrete class of a polymorphic value (an event)."""

_UTC = pendulum.UTC
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_ONE_US = timedelta(microseconds=1)
_INSTANT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00\Z")
_ISO = "%04d-%02d-%02dT%02d:%02d:%02d.%06d+00:00"
_astimezone = datetime.astimezone
_SHOWN = 40  # characters of a long value quoted in a message

Encoder = Callable[[Any], Any]
Decoder = Callable[[Any], Any]


class _Bad(Exception):
    """A value that cannot be encoded or decoded; ``path`` grows as it goes up the value.

    Encoders and decoders never build paths on the way down (that would cost on every call):
    a container that catches a ``_Bad`` from one of its items prepends the item's name.
    """

    def __init__(self, why: str, path: str = "") -> None:
        super().__init__(why)
        self.why = why
        self.path = path

    def at(self, step: str) -> _Bad:
        self.path = step + self.path
        return self


# -- public entry points ---------------------------------------------------------------------


def encode_state(state: AgentState) -> dict[str, Any]:
    """``state`` as a JSON-able dict.

    Raises:
        StoreError: a value cannot be stored (e.g. a naive datetime, an unsupported type).
    """
    return _top(AgentState, state, "state", state.agent, encode=True)  # type: ignore[no-any-return]


def decode_state(data: Any, *, agent: str) -> AgentState:
    """The :class:`AgentState` stored as ``data`` for ``agent``.

    Raises:
        StoreError: ``data`` is malformed; the message names the agent and the bad value.
    """
    state: AgentState = _top(AgentState, data, "state", agent, encode=False)
    return state


def encode_change(change: Change) -> dict[str, Any]:
    """``change`` as a JSON-able dict.

    Raises:
        StoreError: a value cannot be stored.
    """
    return _top(Change, change, "change", change.agent, encode=True)  # type: ignore[no-any-return]


def decode_change(data: Any, *, agent: str) -> Change:
    """The :class:`Change` stored as ``data`` for ``agent``.

    Raises:
        StoreError: ``data`` is malformed; the message names the agent and the bad value.
    """
    change: Change = _top(Change, data, "change", agent, encode=False)
    return change


def from_micros(value: int) -> pendulum.DateTime:
    """The UTC instant ``value`` microseconds after the Unix epoch."""
    plain = _EPOCH + timedelta(microseconds=value)
    return pendulum.DateTime(plain.year, plain.month, plain.day, plain.hour, plain.minute,
                             plain.second, plain.microsecond, tzinfo=_UTC)


def read_instant(text: Any, *, agent: str) -> pendulum.DateTime:
    """The UTC instant stored as ``text`` (for migrations reading JSON directly).

    Raises:
        StoreError: ``text`` is not a stored instant.
    """
    try:
        return _read_instant(text)
    except _Bad as bad:
        raise StoreError(f"agent {shown(agent)}: stored data is malformed: {bad.why}",
                         agent=agent) from None


def shown(value: Any, limit: int = _SHOWN) -> str:
    """``repr(value)`` for a message: a string longer than ``limit`` characters is cut to its
    first ``limit``, followed by its length (an agent id of 300,000 characters must not make a
    300 KB message)."""
    if isinstance(value, str):
        if len(value) > limit:
            return f"{value[:limit]!r}... ({len(value):,} characters)"
        return repr(value)
    text = repr(value)
    return text if len(text) <= 2 * limit else f"{text[:2 * limit]}... ({len(text):,} characters)"


def event_classes() -> dict[str, type[Event]]:
    """agentstate's public event classes by name: :class:`Event`'s subclasses, recursively.

    Only classes their module exposes under their name count: ``__subclasses__()`` may still
    list a class that a decorator replaced (attrs builds a new class for ``slots=True``) until
    it is garbage-collected.
    """
    found: dict[str, type[Event]] = {}
    todo: list[type[Event]] = [Event]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if (cls is not Event and not cls.__name__.startswith("_")
                and cls.__module__.split(".")[0] == "agentstate" and _exposed(cls)):
            found[cls.__name__] = cls
    return found


def _exposed(cls: type[Any]) -> bool:
    """Whether ``cls`` is what its module holds under its qualified name."""
    target: Any = sys.modules.get(cls.__module__)
    for part in cls.__qualname__.split("."):
        target = getattr(target, part, None)
    return target is cls


def _top(cls: type[Any], value: Any, what: str, agent: str, *, encode: bool) -> Any:
    try:
        codec = _codec_for(cls)
        return codec[0](value) if encode else codec[1](value)
    except _Bad as bad:
        verb = "cannot store" if encode else "stored data is malformed:"
        raise StoreError(f"agent {shown(agent)}: {verb} {what}{bad.path}: {bad.why}",
                         agent=agent) from None


# -- compiling a codec per type --------------------------------------------------------------


_CACHE: dict[Any, tuple[Encoder, Decoder]] = {}
_PLAIN: dict[type[Any], tuple[Encoder, Decoder]] = {}


def _codec_for(tp: Any) -> tuple[Encoder, Decoder]:
    """The (encoder, decoder) pair of a type, built once."""
    try:
        return _CACHE[tp]
    except KeyError:
        pass

    # Placeholders first, so that a recursive type finds the finished pair when it runs.
    def enc(value: Any) -> Any:
        return _CACHE[tp][0](value)

    def dec(data: Any) -> Any:
        return _CACHE[tp][1](data)

    _CACHE[tp] = (enc, dec)
    try:
        _CACHE[tp] = built = _build(tp)
    except BaseException:
        del _CACHE[tp]
        raise
    return built


def _plain_for(cls: type[Any]) -> tuple[Encoder, Decoder]:
    """The untagged codec of one concrete attrs class (the body of a tagged value)."""
    try:
        return _PLAIN[cls]
    except KeyError:
        _PLAIN[cls] = built = _attrs(cls)
        return built


def _type_name(tp: Any) -> str:
    return getattr(tp, "__name__", None) or repr(tp)


def _build(tp: Any) -> tuple[Encoder, Decoder]:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (Union, types.UnionType):
        return _union(args)
    if origin is tuple:
        return _tuple(args)
    if origin in (frozenset, set):
        return _frozenset(args[0])
    if origin in (dict, Mapping):
        return _mapping(args)
    if isinstance(tp, type):
        if issubclass(tp, Event):
            return _polymorphic(tp, lambda: _subclasses_of(tp))
        if attrs.has(tp):
            return _attrs(tp)
        if issubclass(tp, enum.Enum):
            return _enum(tp)
        if issubclass(tp, datetime):
            return _instant, _read_instant
        if tp is timedelta:
            return _duration, _read_duration
        if tp in (str, int, float, bool):
            return _scalar(tp)
    if tp is Any:
        raise _Bad("a field typed Any cannot be stored; give it a precise type")
    raise _Bad(f"the codec cannot store values of type {_type_name(tp)}")


def _scalar(tp: type[Any]) -> tuple[Encoder, Decoder]:
    name = tp.__name__

    def check(value: Any) -> Any:
        if type(value) is tp:
            return value
        if tp is float and type(value) is int:
            return float(value)
        raise _Bad(f"expected {name}, got {shown(value)}")

    return check, check


def _enum(tp: type[enum.Enum]) -> tuple[Encoder, Decoder]:
    members = {member.value: member for member in tp}

    def enc(value: Any) -> Any:
        if type(value) is not tp:
            raise _Bad(f"expected {tp.__name__}, got {shown(value)}")
        return value.value

    def dec(data: Any) -> Any:
        try:
            return members[data]
        except (KeyError, TypeError):
            pass
        raise _Bad(f"expected a {tp.__name__} value (one of "
                   f"{', '.join(repr(v) for v in members)}), got {shown(data)}")

    return enc, dec


def _instant(value: Any) -> str:
    if not isinstance(value, datetime):
        raise _Bad(f"expected a datetime, got {shown(value)}")
    zone = value.tzinfo
    if zone is not _UTC and zone is not timezone.utc:
        if zone is None or value.utcoffset() is None:
            raise _Bad(f"time {value.isoformat()} has no time zone")
        value = _astimezone(value, timezone.utc)
    return _ISO % (value.year, value.month, value.day, value.hour, value.minute, value.second,
                   value.microsecond)


def _read_instant(data: Any) -> pendulum.DateTime:
    if type(data) is not str or _INSTANT.match(data) is None:
        raise _Bad(f"expected a UTC time like '2026-01-05T09:00:00.000000+00:00', "
                   f"got {shown(data)}")
    try:
        return pendulum.DateTime(int(data[0:4]), int(data[5:7]), int(data[8:10]),
                                 int(data[11:13]), int(data[14:16]), int(data[17:19]),
                                 int(data[20:26]), tzinfo=_UTC)
    except ValueError as error:
        raise _Bad(f"invalid time {shown(data)}: {error}") from None


def _duration(value: Any) -> int:
    if type(value) is not timedelta:
        raise _Bad(f"expected a timedelta, got {shown(value)}")
    return value // _ONE_US


def _read_duration(data: Any) -> timedelta:
    if type(data) is not int:
        raise _Bad(f"expected a duration in whole microseconds, got {shown(data)}")
    try:
        return timedelta(microseconds=data)
    except OverflowError:
        raise _Bad(f"duration out of range: {shown(data)}") from None


def _union(args: tuple[Any, ...]) -> tuple[Encoder, Decoder]:
    rest = tuple(a for a in args if a is not type(None))
    optional = len(rest) < len(args)
    if len(rest) == 1:
        inner_enc, inner_dec = _codec_for(rest[0])
    elif all(isinstance(a, type) and attrs.has(a) for a in rest):
        classes = {a.__name__: a for a in rest}
        inner_enc, inner_dec = _polymorphic(None, lambda: classes)
    else:
        names = " | ".join(_type_name(a) for a in args)
        raise _Bad(f"the codec cannot store the union {names}: only X | None and unions of "
                   "attrs classes")
    if not optional:
        return inner_enc, inner_dec

    def enc(value: Any) -> Any:
        return None if value is None else inner_enc(value)

    def dec(data: Any) -> Any:
        return None if data is None else inner_dec(data)

    return enc, dec


def _each(items: Any, convert: Callable[[Any], Any]) -> list[Any]:
    """``convert`` applied to every item; a failure names the item's index."""
    out = []
    for index, item in enumerate(items):
        try:
            out.append(convert(item))
        except _Bad as bad:
            raise bad.at(f"[{index}]") from None
    return out


def _tuple(args: tuple[Any, ...]) -> tuple[Encoder, Decoder]:
    if len(args) == 2 and args[1] is Ellipsis:
        item_enc, item_dec = _codec_for(args[0])

        def enc(value: Any) -> Any:
            if type(value) is not tuple:
                raise _Bad(f"expected a tuple, got {shown(value)}")
            return _each(value, item_enc) if value else []

        def dec(data: Any) -> Any:
            if type(data) is not list:
                raise _Bad(f"expected a list, got {shown(data)}")
            return tuple(_each(data, item_dec)) if data else ()

        return enc, dec
    parts = [_codec_for(a) for a in args]
    encoders = [p[0] for p in parts]
    decoders = [p[1] for p in parts]

    def enc_fixed(value: Any) -> Any:
        if type(value) is not tuple or len(value) != len(parts):
            raise _Bad(f"expected a tuple of {len(parts)}, got {shown(value)}")
        return _each(range(len(parts)), lambda i: encoders[i](value[i]))

    def dec_fixed(data: Any) -> Any:
        if type(data) is not list or len(data) != len(parts):
            raise _Bad(f"expected a list of {len(parts)}, got {shown(data)}")
        return tuple(_each(range(len(parts)), lambda i: decoders[i](data[i])))

    return enc_fixed, dec_fixed


def _frozenset(arg: Any) -> tuple[Encoder, Decoder]:
    item_enc, item_dec = _codec_for(arg)

    def enc(value: Any) -> Any:
        if not isinstance(value, (set, frozenset)):
            raise _Bad(f"expected a frozenset, got {shown(value)}")
        items = _each(value, item_enc)
        try:
            return sorted(items)
        except TypeError:
            return sorted(items, key=repr)

    def dec(data: Any) -> Any:
        if type(data) is not list:
            raise _Bad(f"expected a list, got {shown(data)}")
        return frozenset(_each(data, item_dec))

    return enc, dec


def _mapping(args: tuple[Any, ...]) -> tuple[Encoder, Decoder]:
    if not args or args[0] is not str:
        raise _Bad("the codec stores only mappings with str keys")
    value_enc, value_dec = _codec_for(args[1])

    def convert(items: Any, how: Callable[[Any], Any]) -> dict[str, Any]:
        out = {}
        for key, item in items:
            if type(key) is not str:
                raise _Bad(f"expected str keys, got {shown(key)}")
            try:
                out[key] = how(item)
            except _Bad as bad:
                raise bad.at(f"[{shown(key)}]") from None
        return out

    def enc(value: Any) -> Any:
        if not isinstance(value, Mapping):
            raise _Bad(f"expected a mapping, got {shown(value)}")
        return convert(value.items(), value_enc)

    def dec(data: Any) -> Any:
        if type(data) is not dict:
            raise _Bad(f"expected an object, got {shown(data)}")
        return convert(data.items(), value_dec)

    return enc, dec


def _hints(cls: type[Any]) -> dict[str, Any]:
    try:
        return typing.get_type_hints(cls)
    except Exception as error:  # a name only imported under TYPE_CHECKING, a typo
        raise _Bad(f"cannot resolve the field types of {cls.__name__}: {error}") from None


def _attrs(cls: type[Any]) -> tuple[Encoder, Decoder]:
    """A plain attrs class: an object with one key per stored field.

    The two functions are generated per class (as attrs generates ``__init__``), so that the
    hot path is one dict display or one constructor call with direct attribute access.
    """
    hints = _hints(cls)
    fields = [f for f in attrs.fields(cls) if f.init]
    namespace: dict[str, Any] = {"cls": cls, "_Bad": _Bad, "_locate": _locate, "shown": shown,
                                 "_complete": _complete}
    encoders, decoders = [], []
    for i, f in enumerate(fields):
        try:
            field_enc, field_dec = _codec_for(hints[f.name])
        except _Bad as bad:
            raise _Bad(f"field {cls.__name__}.{f.name}: {bad.why}") from None
        namespace[f"e{i}"], namespace[f"d{i}"] = field_enc, field_dec
        encoders.append((f.name, field_enc))
        decoders.append((f.name, field_dec))
    label = cls.__name__
    expected = frozenset(f.name for f in fields)
    plain = [f for f in fields if f.default is not attrs.NOTHING
             and not isinstance(f.default, attrs.Factory)]  # type: ignore[arg-type]
    defaults = {f.name: dict(encoders)[f.name](f.default) for f in plain}
    namespace["fields"] = (encoders, decoders, expected, label, defaults)
    encode_items = ", ".join(f"{f.name!r}: e{i}(v.{f.name})" for i, f in enumerate(fields))
    decode_args = ", ".join(f"{f.alias}=d{i}(d[{f.name!r}])" for i, f in enumerate(fields))
    source = f"""
def enc(v):
    if type(v) is not cls:
        raise _Bad(f"expected {{fields[3]}}, got {{shown(v)}}")
    try:
        return {{{encode_items}}}
    except _Bad:
        _locate(v, fields, True)
        raise

def dec(d):
    if type(d) is not dict or len(d) != {len(fields)}:
        d = _complete(d, fields)
    try:
        return cls({decode_args})
    except _Bad:
        _locate(d, fields, False)
        raise
    except KeyError:
        _locate(d, fields, False)
        raise
    except (TypeError, ValueError) as error:
        raise _Bad(f"not a valid {{fields[3]}}: {{error}}") from None
"""
    exec(compile(source, f"<agentstate codec for {cls.__qualname__}>", "exec"), namespace)
    return namespace["enc"], namespace["dec"]


def _complete(value: Any, fields: tuple[Any, ...]) -> dict[str, Any]:
    """A stored object missing only keys of fields with a plain default, with those filled in
    (encoded); anything else raises as :func:`_locate` says."""
    defaults = fields[4]
    if type(value) is dict and not value.keys() - fields[2]:
        missing = fields[2] - value.keys()
        if missing and missing <= defaults.keys():
            return {**value, **{name: defaults[name] for name in missing}}
    _locate(value, fields, False)
    raise AssertionError("unreachable")  # pragma: no cover


def _locate(value: Any, fields: tuple[Any, ...], encoding: bool) -> None:
    """On the error path only: raise a ``_Bad`` naming the key or field at fault."""
    encoders, decoders, expected, label, _ = fields
    if encoding:
        for name, field_enc in encoders:
            try:
                field_enc(getattr(value, name))
            except _Bad as bad:
                raise bad.at(f".{name}") from None
        return
    if type(value) is not dict:
        raise _Bad(f"expected a {label} object, got {shown(value)}")
    missing = sorted(expected.difference(value))
    extra = sorted(repr(k) for k in value if k not in expected)
    if missing or extra:
        what = []
        if missing:
            what.append(f"missing {', '.join(missing)}")
        if extra:
            what.append(f"unexpected {', '.join(extra)}")
        raise _Bad(f"{label} keys do not match its fields: {'; '.join(what)}")
    for name, field_dec in decoders:
        try:
            field_dec(value[name])
        except _Bad as bad:
            raise bad.at(f".{name}") from None


def _subclasses_of(base: type[Event]) -> dict[str, type[Any]]:
    return {name: cls for name, cls in event_classes().items() if issubclass(cls, base)}


def _polymorphic(base: type[Any] | None, classes: Callable[[], Mapping[str, type[Any]]]
                 ) -> tuple[Encoder, Decoder]:
    """A value whose concrete class is one of several: tagged with its class name."""
    known: dict[str, type[Any]] = dict(classes())

    def lookup(name: Any, expected: type[Any] | None = None) -> type[Any]:
        cls = known.get(name) if type(name) is str else None
        if type(name) is str and (cls is None or (expected is not None and cls is not expected)):
            known.clear()  # a class defined (or replaced) after the first use
            known.update(classes())
            cls = known.get(name)
        if cls is None:
            choices = ", ".join(sorted(known)) or "none"
            raise _Bad(f"unknown class {shown(name)} (known: {choices})")
        return cls

    def enc(value: Any) -> Any:
        cls = type(value)
        if base is not None and not isinstance(value, base):
            raise _Bad(f"expected {base.__name__}, got {shown(value)}")
        if lookup(cls.__name__, cls) is not cls:
            raise _Bad(f"class {cls.__module__}.{cls.__qualname__} is not one the codec "
                       "can name")
        out = _plain_for(cls)[0](value)
        return {TYPE_KEY: cls.__name__, **out}

    def dec(data: Any) -> Any:
        if type(data) is not dict:
            raise _Bad(f"expected an object, got {shown(data)}")
        if TYPE_KEY not in data:
            raise _Bad(f"missing {TYPE_KEY!r} (the class name)")
        try:
            cls = lookup(data[TYPE_KEY])
        except _Bad as bad:
            raise bad.at(f".{TYPE_KEY}") from None
        rest = dict(data)
        del rest[TYPE_KEY]
        return _plain_for(cls)[1](rest)

    return enc, dec


# -- JSON text without the intermediate value ------------------------------------------------

_JSON = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False,
                         check_circular=False)
"""The compact JSON encoder of stored values (check_circular=False: encoded values are trees of
fresh dicts and lists, never cyclic)."""

_quote: Callable[[str], str] = getattr(json.encoder, "c_encode_basestring", None) or \
    json.encoder.encode_basestring  # what _JSON writes for a string
Text = Callable[[Any], str]


class TextEncoder:
    """The JSON text of an attrs class's values (:class:`AgentState`, :class:`Change`), exactly
    as ``_JSON.encode(encoder(value))`` writes it, without building the intermediate dicts:
    each field is written by a function compiled for its type (a string, a number, a time
    directly; anything else through the codec).

    :meth:`text` also takes the previous value of the same agent and the texts of its fields:
    a field holding the very same object (values are immutable, so the rules share what an
    event did not change) reuses its text. On any error it returns ``None``: the caller then
    encodes through the codec, which raises the error naming the bad value.
    """

    __slots__ = ("_fields", "_write", "body")

    def __init__(self, cls: type[Any]) -> None:
        hints = _hints(cls)
        fields = [f for f in attrs.fields(cls) if f.init]
        self._fields = tuple(f.name for f in fields)
        namespace: dict[str, Any] = {"cls": cls, "nh": _not_here, "T": _TIMES, "tt": _text_time,
                                     "q": _quote, "r": int.__repr__}
        lines, plain = [], []
        for i, f in enumerate(fields):
            tp = hints[f.name]
            inline = _inline(tp, i, namespace)
            line = (f"    f{i} = t{i}(v.{f.name})" if inline is None
                    else f"    x = v.{f.name}\n    f{i} = {inline}")
            plain.append(line)
            namespace[f"t{i}"] = _text_for(tp)
            if _scalar_text(tp) is None and _immutable(tp):  # reuse the previous text if the
                lines.append(f"    x = v.{f.name}\n"  # field holds the same object
                             f"    f{i} = pf[{i}] if p is not None and x is p.{f.name} "
                             f"else t{i}(x)")
            else:
                lines.append(line)
        pieces = ",".join(f"{_quote(f.name)}:{{f{i}}}" for i, f in enumerate(fields))
        names = ", ".join(f"f{i}" for i in range(len(fields)))
        check = "    if type(v) is not cls:\n        nh()\n"
        source = (f"def write(v, p, pf):\n{check}" + "\n".join(lines) +
                  f"\n    return f'{{{{{pieces}}}}}', [{names}]\n"
                  f"def body(v):\n{check}" + "\n".join(plain) +
                  f"\n    return f'{{{{{pieces}}}}}'\n")
        exec(compile(source, f"<agentstate JSON text of {cls.__qualname__}>", "exec"), namespace)
        self._write: Callable[[Any, Any, Any], tuple[str, list[str]]] = namespace["write"]
        self.body: Text = namespace["body"]
        """The JSON text of a value (no previous value, no field texts)."""

    def text(self, value: Any, previous: Any = None, texts: list[str] | None = None
             ) -> tuple[str, list[str]] | None:
        """``(JSON text, the texts of its fields)`` of ``value``, or ``None`` if it cannot be
        written this way (see the class)."""
        try:
            return self._write(value, previous if texts is not None else None, texts)
        except Exception:
            return None


def _optional(tp: Any) -> Any:
    """``X`` of a type ``X | None``, else ``None``."""
    if typing.get_origin(tp) in (Union, types.UnionType):
        args = typing.get_args(tp)
        rest = [a for a in args if a is not type(None)]
        if len(rest) == 1 and len(args) == 2:
            return rest[0]
    return None


class _NotHere(Exception):
    """A value the fast text path leaves to the codec."""


def _not_here() -> Any:
    raise _NotHere


def _inline(tp: Any, i: int, namespace: dict[str, Any]) -> str | None:
    """A Python expression of ``x`` giving the text of a value of ``tp``, for the scalar
    types (compiled into the writer: no call per field), or ``None``."""
    inner = _optional(tp)
    if inner is not None:
        expression = _inline(inner, i, namespace)
        return None if expression is None else f"'null' if x is None else ({expression})"
    if tp is str:
        return "q(x) if type(x) is str else nh()"
    if tp is int:
        return "r(x) if type(x) is int else nh()"
    if tp is bool:
        return "'true' if x is True else 'false' if x is False else nh()"
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        namespace[f"E{i}"] = tp
        namespace[f"N{i}"] = {m.name: _JSON.encode(m.value) for m in tp}
        return f"N{i}[x._name_] if type(x) is E{i} else nh()"
    if isinstance(tp, type) and issubclass(tp, datetime):
        return "c[1] if (c := T.get(id(x))) is not None and c[0] is x else tt(x)"
    if typing.get_origin(tp) is tuple:
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            namespace[f"i{i}"] = _text_for(args[0])
            return (f"('[' + ','.join(map(i{i}, x)) + ']' if x else '[]') "
                    "if type(x) is tuple else nh()")
    return None


_TIMES: dict[int, tuple[datetime, str]] = {}
"""The text of the times written last, by identity (each kept alive with its text, so that its
id is not reused): an agent's consecutive states and changes share most of their times."""


def _text_time(x: Any) -> str:
    cached = _TIMES.get(id(x))
    if cached is not None and cached[0] is x:
        return cached[1]
    text = f'"{_instant(x)}"'
    if len(_TIMES) >= 4096:
        _TIMES.clear()
    _TIMES[id(x)] = (x, text)
    return text


def _scalar_text(tp: Any) -> Text | None:
    """The text function of a type written without the codec, or ``None``."""
    if tp is str:
        def text_str(x: Any) -> str:
            if type(x) is str:
                return _quote(x)
            raise _NotHere
        return text_str
    if tp is int:
        def text_int(x: Any) -> str:
            if type(x) is int:
                return int.__repr__(x)
            raise _NotHere
        return text_int
    if tp is bool:
        def text_bool(x: Any) -> str:
            if x is True:
                return "true"
            if x is False:
                return "false"
            raise _NotHere
        return text_bool
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        table = {m.name: _JSON.encode(m.value) for m in tp}  # by name: hashing a member is slow

        def text_enum(x: Any) -> str:
            if type(x) is tp:
                return table[x._name_]
            raise _NotHere
        return text_enum
    if isinstance(tp, type) and issubclass(tp, datetime):
        return _text_time
    if tp is timedelta:
        def text_duration(x: Any) -> str:
            return int.__repr__(_duration(x))
        return text_duration
    if typing.get_origin(tp) in (Union, types.UnionType):
        args = typing.get_args(tp)
        rest = [a for a in args if a is not type(None)]
        inner = _scalar_text(rest[0]) if len(rest) == 1 and len(args) == 2 else None
        if inner is None:
            return None
        just = inner

        def text_optional(x: Any) -> str:
            return "null" if x is None else just(x)
        return text_optional
    return None


def _text_for(tp: Any) -> Text:
    """The text function of a field's type: direct for scalars, tuples of them and attrs
    classes; through the codec otherwise."""
    scalar = _scalar_text(tp)
    if scalar is not None:
        return scalar
    if typing.get_origin(tp) in (Union, types.UnionType):
        args = typing.get_args(tp)
        rest = [a for a in args if a is not type(None)]
        if len(rest) == 1 and len(args) == 2:
            inner = _text_for(rest[0])

            def text_optional(x: Any) -> str:
                return "null" if x is None else inner(x)
            return text_optional
    if typing.get_origin(tp) is tuple:
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            item = _text_for(args[0])

            def text_tuple(x: Any) -> str:
                if type(x) is not tuple:
                    raise _NotHere
                return "[" + ",".join(map(item, x)) + "]" if x else "[]"
            return text_tuple
    if isinstance(tp, type) and attrs.has(tp) and not issubclass(tp, Event):
        return TextEncoder(tp).body
    if isinstance(tp, type) and issubclass(tp, Event):
        return _text_event(tp)
    encode = _codec_for(tp)[0]
    dump = _JSON.encode

    def text_codec(x: Any) -> str:
        return dump(encode(x))
    return text_codec


def _text_event(base: type[Event]) -> Text:
    """An event, tagged with its class name (as the codec's polymorphic values are)."""
    bodies: dict[type[Any], Text] = {}
    encode = _codec_for(base)[0]
    dump = _JSON.encode

    def text_event(x: Any) -> str:
        body = bodies.get(type(x))
        if body is None:
            return dump(encode(x))  # the codec checks the class; its text is then known
        return body(x)

    for name, cls in _subclasses_of(base).items():
        write = TextEncoder(cls).body
        tag = f"{{{_quote(TYPE_KEY)}:{_quote(name)}"

        def body(x: Any, write: Any = write, tag: str = tag) -> str:
            inner = write(x)
            return tag + ("}" if inner == "{}" else "," + inner[1:])
        bodies[cls] = body
    return text_event


def _immutable(tp: Any) -> bool:
    """Whether every value of ``tp`` is immutable (so that the same object has the same text)."""
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType, tuple, frozenset):
        return all(a is Ellipsis or a is type(None) or _immutable(a) for a in typing.get_args(tp))
    if isinstance(tp, type):
        if attrs.has(tp):
            params = getattr(tp, "__attrs_attrs__", ())
            frozen = tp.__setattr__ is not object.__setattr__
            return frozen and all(_immutable(_hints(tp)[a.name]) for a in params)
        return issubclass(tp, (str, int, float, bool, enum.Enum, datetime, timedelta))
    return False
