"""The wire format's engine: one form (encode, decode, schema) per type, from the annotations.

:mod:`agentstate.wire` is the public face and its docstring states the format. Here, each type
annotation gets a :class:`Form` built once: attrs classes field by field (their ``init`` and
``eq`` fields, under their names), unions, tuples, frozensets, mappings, enums by value, times,
durations and the four JSON scalars. Errors below the top are :class:`Bad`, which each
container extends with its step on the way up, so paths cost nothing on the good path.
"""

from __future__ import annotations

import enum
import json
import math
import re
import types
import typing
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any, NamedTuple, Union

import attrs
import pendulum

from ._codec import event_classes
from ._errors import AgentStateError, InvalidField
from ._events import Event
from ._state import Notice, Result

__all__ = ["DERIVED", "DURATION", "TIME", "TYPE", "Bad", "Field", "Form", "a", "choice", "form",
           "layout", "names", "value_fields"]

TYPE = "type"
"""The key naming a value's class in its dict."""

DERIVED: dict[type[Any], tuple[tuple[str, Any], ...]] = {
    Result: (("notices", tuple[Notice, ...]),),
}
"""Read-only keys written beside a class's fields: (attribute, type)."""


def a(name: str) -> str:
    """``name`` with its indefinite article."""
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


class Bad(Exception):
    """A bad value below the top; containers prepend their step to ``path`` on the way up."""

    def __init__(self, expected: str, received: Any, *, missing: bool = False) -> None:
        super().__init__(expected)
        self.expected = expected
        self.received = received
        self.missing = missing
        self.path = ""

    def at(self, step: str) -> Bad:
        self.path = step + self.path
        return self


# -- one form per type: encode, decode, schema -----------------------------------------------


def value_fields(cls: type[Any]) -> list[attrs.Attribute[Any]]:
    """The fields that make the value: set by ``__init__`` and compared."""
    return [f for f in attrs.fields(cls) if f.init and f.eq]


def names(classes: Mapping[str, type[Any]]) -> str:
    return ", ".join(sorted(classes))


class Form(NamedTuple):
    encode: Callable[[Any], Any]
    decode: Callable[[Any], Any]
    schema: Callable[[], dict[str, Any]]


_FORMS: dict[Any, Form] = {}


def form(tp: Any) -> Form:
    """The form of a type annotation, built once."""
    try:
        return _FORMS[tp]
    except KeyError:
        _FORMS[tp] = form = _build(tp)
        return form


def _build(tp: Any) -> Form:
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if tp is type(None) or tp is None:
        return Form(_none, _none, lambda: {"type": "null"})
    if origin in (Union, types.UnionType):
        return _union(args)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return _array(args[0], tuple, "a list", unique=False)
    if origin is frozenset:
        return _array(args[0], frozenset, "a list", unique=True)
    if origin is tuple:
        return _fixed(args)
    if origin in (dict, Mapping) and args and args[0] is str:
        return _mapping(args[1])
    if tp is Event:
        return choice(event_classes, ref="#/$defs/Event")
    if isinstance(tp, type):
        if attrs.has(tp):
            return _object(tp)
        if issubclass(tp, enum.Enum):
            return _enum(tp)
        if issubclass(tp, datetime):
            return Form(_write_time, _read_time, lambda: {"$ref": "#/$defs/time"})
        if tp is timedelta:
            return Form(_write_duration, _read_duration, lambda: {"$ref": "#/$defs/duration"})
        if tp in _SCALARS:
            return _scalar(tp)
    raise TypeError(f"the wire format cannot carry values of type {tp!r}")


def _none(value: Any) -> None:
    if value is not None:
        raise Bad("null", value)


_SCALARS = {str: ("a string", "string"), int: ("an integer", "integer"),
            float: ("a finite number", "number"), bool: ("true or false", "boolean")}


def _scalar(tp: type[Any]) -> Form:
    words, json_type = _SCALARS[tp]

    def check(value: Any) -> Any:
        if type(value) is tp and (tp is not float or math.isfinite(value)):
            return value
        if tp is float and type(value) is int:
            return float(value)
        raise Bad(words, value)

    return Form(check, check, lambda: {"type": json_type})


def _enum(tp: type[enum.Enum]) -> Form:
    members = {(type(m.value), m.value): m for m in tp}
    words = f"{a(tp.__name__)} (one of {', '.join(repr(m.value) for m in tp)})"

    def encode(value: Any) -> Any:
        if not isinstance(value, tp):
            raise Bad(words, value)
        return value.value

    def decode(data: Any) -> Any:
        try:
            return members[(type(data), data)]
        except (KeyError, TypeError):
            raise Bad(words, data) from None

    return Form(encode, decode, lambda: {"title": tp.__name__,
                                          "enum": [m.value for m in tp]})


TIME = re.compile(r"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?"
                   r"(Z|[+-]\d\d:\d\d)$")
_TIME_WORDS = "an ISO-8601 time with an offset, like '2026-01-05T09:00:00Z'"


def _write_time(value: Any) -> str:
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise Bad("an aware datetime", value)
    try:
        utc = value.astimezone(timezone.utc)
    except OverflowError:
        raise Bad("a time that exists in UTC", value) from None
    text = f"{utc.year:04d}-{utc:%m-%dT%H:%M:%S}"
    return f"{text}.{utc.microsecond:06d}Z" if utc.microsecond else f"{text}Z"


def _read_time(data: Any) -> pendulum.DateTime:
    match = TIME.match(data) if type(data) is str else None
    if match is None:
        raise Bad(_TIME_WORDS, data)
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    try:
        zone = timezone.utc
        if offset != "Z":
            sign = -1 if offset[0] == "-" else 1
            zone = timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[4:])))
        local = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second),
                         int((fraction or "0").ljust(6, "0")), tzinfo=zone)
        utc = local.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        raise Bad(f"{_TIME_WORDS} (a real date and time)", data) from None
    return pendulum.DateTime(utc.year, utc.month, utc.day, utc.hour, utc.minute, utc.second,
                             utc.microsecond, tzinfo=pendulum.UTC)


DURATION = re.compile(r"^(-)?P(?!$)(?:(\d+)D)?(?:T(?!$)(?:(\d+)H)?(?:(\d+)M)?"
                       r"(?:(\d+)(?:\.(\d{1,6}))?S)?)?$")
_DURATION_WORDS = "an ISO-8601 duration in days, hours, minutes and seconds, like 'PT90S'"
_ONE_US = timedelta(microseconds=1)


def _write_duration(value: Any) -> str:
    if not isinstance(value, timedelta):  # pendulum's Duration too: written as its timedelta
        raise Bad("a timedelta", value)
    us = value // _ONE_US
    sign, us = ("-" if us < 0 else ""), abs(us)
    seconds, fraction = divmod(us, 1_000_000)
    if fraction:
        return f"{sign}PT{seconds}.{fraction:06d}".rstrip("0") + "S"
    return f"{sign}PT{seconds}S"


def _read_duration(data: Any) -> timedelta:
    match = DURATION.match(data) if type(data) is str else None
    if match is None:
        raise Bad(_DURATION_WORDS, data)
    sign, days, hours, minutes, seconds, fraction = match.groups()
    try:
        value = timedelta(days=int(days or 0), hours=int(hours or 0),
                          minutes=int(minutes or 0), seconds=int(seconds or 0),
                          microseconds=int((fraction or "0").ljust(6, "0")))
    except OverflowError:
        raise Bad(f"{_DURATION_WORDS} (in range)", data) from None
    return -value if sign else value


def _union(args: tuple[Any, ...]) -> Form:
    rest = tuple(a for a in args if a is not type(None))
    if len(rest) == 1:
        inner = form(rest[0])
    elif all(isinstance(a, type) and attrs.has(a) for a in rest):
        inner = choice(lambda: {a.__name__: a for a in rest})
    else:
        raise TypeError(f"the wire format cannot carry the union {args!r}")
    if len(rest) == len(args):
        return inner

    def encode(value: Any) -> Any:
        return None if value is None else inner.encode(value)

    def decode(data: Any) -> Any:
        return None if data is None else inner.decode(data)

    return Form(encode, decode, lambda: {"anyOf": [inner.schema(), {"type": "null"}]})


def _each(items: Any, convert: Callable[[Any], Any]) -> Iterator[Any]:
    for index, item in enumerate(items):
        try:
            yield convert(item)
        except Bad as bad:
            raise bad.at(f"[{index}]") from None


def _array(item: Any, kind: type[Any], words: str, *, unique: bool) -> Form:
    inner = form(item)
    accepted = (tuple, list) if kind is tuple else (set, frozenset)

    def encode(value: Any) -> Any:
        if not isinstance(value, accepted):
            raise Bad(a(kind.__name__), value)
        out = list(_each(value, inner.encode))
        if unique:
            out.sort(key=lambda x: json.dumps(x, sort_keys=True))
        return out

    def decode(data: Any) -> Any:
        if type(data) is not list:
            raise Bad(words, data)
        return kind(_each(data, inner.decode))

    return Form(encode, decode, lambda: {"type": "array", "items": inner.schema(),
                                          **({"uniqueItems": True} if unique else {})})


def _fixed(args: tuple[Any, ...]) -> Form:
    forms = [form(a) for a in args]
    words = f"a list of {len(forms)}"

    def encode(value: Any) -> Any:
        if not isinstance(value, tuple) or len(value) != len(forms):
            raise Bad(f"a tuple of {len(forms)}", value)
        return list(_each(range(len(forms)), lambda i: forms[i].encode(value[i])))

    def decode(data: Any) -> Any:
        if type(data) is not list or len(data) != len(forms):
            raise Bad(words, data)
        return tuple(_each(range(len(forms)), lambda i: forms[i].decode(data[i])))

    return Form(encode, decode, lambda: {
        "type": "array", "prefixItems": [f.schema() for f in forms],
        "minItems": len(forms), "maxItems": len(forms)})


def _mapping(value_type: Any) -> Form:
    inner = form(value_type)

    def convert(items: Mapping[Any, Any], how: Callable[[Any], Any]) -> dict[str, Any]:
        out = {}
        for key, item in items.items():
            if type(key) is not str:
                raise Bad("string keys", key)
            try:
                out[key] = how(item)
            except Bad as bad:
                raise bad.at(f"[{key!r}]") from None
        return out

    def encode(value: Any) -> Any:
        if not isinstance(value, Mapping):
            raise Bad("a mapping", value)
        return convert(value, inner.encode)

    def decode(data: Any) -> Any:
        if type(data) is not dict:
            raise Bad("an object", data)
        return convert(data, inner.decode)

    return Form(encode, decode, lambda: {"type": "object",
                                          "additionalProperties": inner.schema()})


def choice(classes: Callable[[], Mapping[str, type[Any]]], ref: str | None = None) -> Form:
    """A value of one of several classes, read by its ``"type"``."""

    def encode(value: Any) -> Any:
        cls = classes().get(type(value).__name__)
        if cls is not type(value):
            raise Bad(f"one of {names(classes())}", value)
        return form(cls).encode(value)

    def decode(data: Any) -> Any:
        if type(data) is not dict:
            raise Bad(f"an object with a {TYPE!r} key", data)
        if TYPE not in data:
            raise Bad(f"the name of its class ({names(classes())})", None,
                       missing=True).at(f".{TYPE}")
        cls = classes().get(data[TYPE]) if type(data[TYPE]) is str else None
        if cls is None:
            raise Bad(f"one of {names(classes())}", data[TYPE]).at(f".{TYPE}")
        return form(cls).decode(data)

    def schema() -> dict[str, Any]:
        if ref is not None:
            return {"$ref": ref}
        return {"oneOf": [{"$ref": f"#/$defs/{name}"} for name in sorted(classes())]}

    return Form(encode, decode, schema)


class Field(NamedTuple):
    key: str
    form: Form
    required: bool
    read_only: bool
    hint: str


def layout(cls: type[Any]) -> list[Field]:
    hints = typing.get_type_hints(cls)
    out = []
    for field in value_fields(cls):
        if (field.alias or field.name) == TYPE:
            raise TypeError(f"{cls.__name__}.{field.name}: {TYPE!r} names the class on the "
                            "wire; give the field another name")
        out.append(Field(field.alias or field.name, form(hints[field.name]),
                          required=field.default is attrs.NOTHING, read_only=False,
                          hint=str(field.type)))
    out.extend(Field(name, form(tp), required=False, read_only=True, hint=str(tp))
               for name, tp in DERIVED.get(cls, ()))
    return out


def _object(cls: type[Any]) -> Form:
    """One attrs class: ``{"type": name, field: value, ...}``; built on first use."""
    name = cls.__name__
    built: list[Field] = []
    attribute = {f.alias or f.name: f.name for f in attrs.fields(cls)}

    def fields() -> list[Field]:
        if not built:
            built.extend(layout(cls))
        return built

    def encode(value: Any) -> Any:
        if type(value) is not cls:
            raise Bad(a(name), value)
        out = {TYPE: name}
        for field in fields():
            item = getattr(value, attribute.get(field.key, field.key))
            try:
                out[field.key] = field.form.encode(item)
            except Bad as bad:
                raise bad.at(f".{field.key}") from None
        return out

    def decode(data: Any) -> Any:
        if type(data) is not dict:
            raise Bad(f"{a(name)} object", data)
        if TYPE in data and data[TYPE] != name:
            raise Bad(repr(name), data[TYPE]).at(f".{TYPE}")
        keys = {field.key: field for field in fields()}
        for key in data:
            if key != TYPE and key not in keys:
                raise Bad(f"one of {a(name)}'s keys ({', '.join([TYPE, *keys])})",
                           key).at(f".{_key(key)}")
        kwargs = {}
        for field in fields():
            if field.key not in data:
                if field.required:
                    raise Bad(f"a value of type {field.hint} ({a(name)} needs it)", None,
                               missing=True).at(f".{field.key}")
                continue
            try:
                value = field.form.decode(data[field.key])
            except Bad as bad:
                raise bad.at(f".{field.key}") from None
            if not field.read_only:
                kwargs[field.key] = value
        try:
            return cls(**kwargs)
        except InvalidField as error:  # an event's validator names the field it refused
            raise Bad(f"{error.expected} ({error.why})", error.received).at(
                f".{error.field}") from None
        except (TypeError, ValueError, AgentStateError) as error:
            raise Bad(f"a valid {name} ({error})", data) from None

    return Form(encode, decode, lambda: {"$ref": f"#/$defs/{name}"})


def _key(key: Any) -> str:
    return key if type(key) is str else repr(key)
