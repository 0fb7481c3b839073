"""Policies as data: read a :class:`~agentstate.Policy` from TOML, and write any policy as TOML.

The format mirrors the policy's classes field for field (see ``docs/presets.md``)::

    name = "front-desk"
    logged_out = "logged_out"
    login_status = "available"
    transitions = [
        { source = "logged_out", dest = "available" },
        { source = "available", dest = "logged_out" },
    ]

    [[statuses]]
    name = "logged_out"
    logged_in = false

    [[statuses]]
    name = "available"
    routable = true

A file may say which version of this format it is written in (``format = 1``, which
:func:`dumps_policy` writes; a file without it is format 1): a file from a newer agentstate is
refused with a :class:`PolicyFileError` that says so, never half read.

A file may start from a preset with ``extends = "callharbor"`` and say only what it adds or
changes: a status, reason, channel, channel group or queue with the name of one in the preset
replaces it (a
new name is added), transitions and blocking rules are added, and keys of ``[timers]``,
``[wrap_up]`` and ``[day]`` override the preset's one by one.

Durations are numbers of seconds or text such as ``"90s"``, ``"30m"``, ``"1h30m"``;
enumerations are their lower-case values (``"timed"``, ``"agent"``); a field left out takes
its default (and ``None`` is written by leaving it out).
Every key is checked: an unknown key, a value of the wrong type, or a policy the rules refuse
raises :class:`PolicyFileError`, naming the file, the key path (``statuses[2].routable``:
the third ``[[statuses]]`` table) and what was wrong.

:func:`dumps_policy` writes the same format, leaving out the fields that have their default,
so that ``loads_policy(dumps_policy(policy)) == policy`` for every policy. The same document
as JSON (``agentstate export --json``): :func:`policy_data` gives it as plain data, and
:func:`loads_policy_json` reads it with the same checks and errors. Reading uses the
standard library's ``tomllib`` (the ``tomli`` backport on Python 3.10); writing needs nothing.

Its length has one reason to change: the policy file format (its keys, durations, extends and the
errors that name a file's key).
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import attrs

from ._errors import PolicyError
from ._policy import (
    Blocking,
    BusyChange,
    Channel,
    ChannelGroup,
    DayRule,
    Direction,
    PauseReason,
    Policy,
    Queue,
    Role,
    Status,
    Strategy,
    Timers,
    Transition,
    WrapUp,
    WrapUpMode,
)
from ._policy_parts import MAX_DURATION

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 only
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

__all__ = ["PolicyFileError", "dumps_policy", "load_policy", "loads_policy",
           "loads_policy_json", "policy_data"]

_TEXT = "<string>"
FORMAT = 1
"""The version of the policy file format this agentstate writes, and the newest it reads."""


class PolicyFileError(PolicyError):
    """A policy file cannot be read as a policy. Nothing is built.

    Attributes:
        file: the file's path, or ``"<string>"`` for text.
        key: the key path at fault (``statuses[2].routable``), or ``None`` when the file is not
            TOML at all or the fault is not one key's.
        what: what was wrong, in words.
    """

    def __init__(self, *, file: str, key: str | None, what: str) -> None:
        where = f"{file}: {key}" if key else file
        super().__init__(f"{where}: {what}", culprit=key or file)
        self.file = file
        self.key = key
        self.what = what


class _Bad(Exception):
    """A fault at one key, raised while reading and turned into a :class:`PolicyFileError`."""

    def __init__(self, key: str | None, what: str) -> None:
        super().__init__(what)
        self.key = key
        self.what = what


def _kind_of(value: object) -> str:
    """A TOML value's type, in words."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, (float, Decimal)):
        return "a float"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, (datetime, date, time)):
        return "a date or time"
    if value is None:
        return "null"
    return type(value).__name__  # pragma: no cover - tomllib yields nothing else


def _show(value: object) -> str:
    """A value as TOML would spell it, and its type: ``"yes" (a string)``."""
    if isinstance(value, (dict, list)):
        return _kind_of(value)
    if isinstance(value, str):
        shown = _quote(value)
    elif isinstance(value, bool):
        shown = "true" if value else "false"
    else:
        shown = str(value)
    return f"{shown} ({_kind_of(value)})"


def _as_seconds(value: object) -> str:
    """A duration as written: ``-5 seconds``, ``0.0000001 seconds``, ``"0s"``."""
    if isinstance(value, str):
        return _quote(value)
    if isinstance(value, Decimal) and value.is_finite() and abs(value.adjusted()) <= 30:
        return f"{value:f} seconds"  # not 1E-7
    return f"{value} seconds"


def _key(path: str, name: str | int) -> str:
    if isinstance(name, int):
        return f"{path}[{name}]"
    return f"{path}.{name}" if path else name


# -- value kinds: how one field reads and writes ------------------------------------------------


class _Kind:
    """How a field's value is read from TOML and written back."""

    def load(self, value: object, key: str) -> Any:
        raise NotImplementedError

    def dump(self, value: Any) -> str:
        raise NotImplementedError


class _Str(_Kind):
    def __init__(self, *, name: bool = False) -> None:
        self.name = name

    def load(self, value: object, key: str) -> str:
        if not isinstance(value, str):
            raise _Bad(key, f"expected a string, got {_show(value)}")
        if self.name and not value.strip():
            raise _Bad(key, f"expected a non-empty name, got {_show(value)}")
        return value

    def dump(self, value: str) -> str:
        return _quote(value)


class _Bool(_Kind):
    def load(self, value: object, key: str) -> bool:
        if not isinstance(value, bool):
            raise _Bad(key, f"expected true or false, got {_show(value)}")
        return value

    def dump(self, value: bool) -> str:
        return "true" if value else "false"


class _Int(_Kind):
    def load(self, value: object, key: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _Bad(key, f"expected an integer, got {_show(value)}")
        return value

    def dump(self, value: int) -> str:
        return str(value)


_MICRO = Decimal(1_000_000)


_DURATION = re.compile(r"(?:(\d{1,6})h)?(?:(\d{1,7})m)?(?:(\d{1,9})s)?")


class _Seconds(_Kind):
    """A duration, as a number of seconds (to the microsecond) or text: ``"1h30m"``; at most
    :data:`~agentstate._policy_parts.MAX_DURATION` either way, and more than zero if
    ``positive``. The key and the value as written are named here, where the policy's own
    check would name the table and show a ``timedelta``."""

    def __init__(self, *, positive: bool = False) -> None:
        self.positive = positive

    def load(self, value: object, key: str) -> timedelta:
        duration = self._duration(value, key)
        if abs(duration) > MAX_DURATION:
            raise _Bad(key, f"must be at most {MAX_DURATION.days} days "
                            f"({MAX_DURATION // timedelta(seconds=1)} seconds), got "
                            f"{_as_seconds(value)}")
        if self.positive and duration <= timedelta(0):
            raise _Bad(key, f"must be positive (at least 1 microsecond), got "
                            f"{_as_seconds(value)}")
        return duration

    @staticmethod
    def _duration(value: object, key: str) -> timedelta:
        if isinstance(value, str):
            match = _DURATION.fullmatch(value.replace(" ", ""))
            if not value.strip() or match is None:
                raise _Bad(key, f"expected a duration such as 90, \"90s\", \"30m\" or "
                                f"\"1h30m\", got {_show(value)}")
            hours, minutes, seconds = (int(g or 0) for g in match.groups())
            return timedelta(hours=hours, minutes=minutes, seconds=seconds)
        if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
            raise _Bad(key, f"expected a number of seconds or a duration such as \"30m\", "
                            f"got {_show(value)}")
        try:
            micros = int((Decimal(value) * _MICRO).to_integral_value(ROUND_HALF_EVEN))
            return timedelta(microseconds=micros)
        except (InvalidOperation, OverflowError, ValueError):
            raise _Bad(key, f"expected a number of seconds, got {_show(value)}, which is "
                            "out of range") from None

    def dump(self, value: timedelta) -> str:
        micros = value // timedelta(microseconds=1)
        sign = "-" if micros < 0 else ""
        whole, fraction = divmod(abs(micros), 1_000_000)
        if not fraction:
            return f"{sign}{whole}"
        return f"{sign}{whole}.{fraction:06d}".rstrip("0")


class _Enum(_Kind):
    def __init__(self, enum: Any) -> None:
        self.enum = enum

    def load(self, value: object, key: str) -> Any:
        names = [member.value for member in self.enum]
        if not isinstance(value, str) or value not in names:
            raise _Bad(key, f"expected one of {', '.join(map(_quote, names))}, got "
                            f"{_show(value)}")
        return self.enum(value)

    def dump(self, value: Any) -> str:
        return _quote(value.value)


class _Names(_Kind):
    """An array of strings, read as a tuple."""

    def load(self, value: object, key: str) -> tuple[str, ...]:
        if not isinstance(value, list):
            raise _Bad(key, f"expected an array of strings, got {_show(value)}")
        item = _Str(name=True)
        return tuple(item.load(v, _key(key, i)) for i, v in enumerate(value))

    def dump(self, value: tuple[str, ...]) -> str:
        return "[" + ", ".join(_quote(v) for v in value) + "]"


class _Roles(_Kind):
    """An array of roles, read as a frozenset."""

    def load(self, value: object, key: str) -> frozenset[Role]:
        if not isinstance(value, list):
            raise _Bad(key, f"expected an array of roles, got {_show(value)}")
        role = _Enum(Role)
        return frozenset(role.load(v, _key(key, i)) for i, v in enumerate(value))

    def dump(self, value: frozenset[Role]) -> str:
        return "[" + ", ".join(_quote(r.value) for r in sorted(value, key=_role_order)) + "]"


class _Directions(_Kind):
    """An array of interaction directions, read as a frozenset."""

    def load(self, value: object, key: str) -> frozenset[Direction]:
        if not isinstance(value, list):
            raise _Bad(key, f"expected an array of directions, got {_show(value)}")
        direction = _Enum(Direction)
        return frozenset(direction.load(v, _key(key, i)) for i, v in enumerate(value))

    def dump(self, value: frozenset[Direction]) -> str:
        order = list(Direction)
        return "[" + ", ".join(_quote(d.value) for d in sorted(value, key=order.index)) + "]"


_ROLE_ORDER = {role: n for n, role in enumerate(Role)}


def _role_order(role: Role) -> int:
    return _ROLE_ORDER[role]


@attrs.frozen
class _Field:
    kind: _Kind
    always: bool = False
    """Written even when it has its default (for readability)."""


@attrs.frozen
class _Schema:
    """A value class and its fields as they appear in TOML."""

    cls: type[Any]
    fields: Mapping[str, _Field]
    check: Callable[[Any, dict[str, Any], str], None] | None = None
    """What the table's fields must be together, checked once it is built (instance, the
    table as written, its key path), naming the key at fault."""


class _Table(_Kind):
    """A value class written as an inline table ``{ a = 1, b = "x" }``."""

    def __init__(self, schema: _Schema) -> None:
        self.schema = schema

    def load(self, value: object, key: str) -> Any:
        return _build(self.schema, value, key)

    def dump(self, value: Any) -> str:
        pairs = [f"{name} = {text}" for name, text in _pairs(self.schema, value)]
        return "{ " + ", ".join(pairs) + " }" if pairs else "{}"


def _check_wrap_up(wrap: WrapUp, data: dict[str, Any], key: str) -> None:
    """A timed or optional wrap-up has a positive length (the policy checks it too, but
    cannot say which ``wrap_up`` table of the file is at fault)."""
    if wrap.mode in (WrapUpMode.TIMED, WrapUpMode.OPTIONAL) and wrap.length <= timedelta(0):
        if "length" in data:
            raise _Bad(_key(key, "length"), f"wrap-up mode {wrap.mode.value} needs a positive "
                                            f"length, got {_as_seconds(data['length'])}")
        raise _Bad(_key(key, "length"), f"missing (wrap-up mode {wrap.mode.value} needs a "
                                        "positive length)")


_WRAP_UP = _Schema(WrapUp, {"mode": _Field(_Enum(WrapUpMode), always=True),
                            "length": _Field(_Seconds(), always=True)}, _check_wrap_up)
_STATUS = _Schema(Status, {
    "name": _Field(_Str(name=True)),
    "label": _Field(_Str()),
    "routable": _Field(_Bool()),
    "logged_in": _Field(_Bool()),
    "report_as": _Field(_Str()),
    "direct_calls": _Field(_Bool()),
    "selectable_by": _Field(_Roles()),
    "custom": _Field(_Bool()),
    "reasons": _Field(_Names()),
    "reason_required": _Field(_Bool()),
    "interaction_limit": _Field(_Int()),
    "then": _Field(_Str(name=True)),
})
_TRANSITION = _Schema(Transition, {"source": _Field(_Str(name=True)),
                                   "dest": _Field(_Str(name=True)),
                                   "by": _Field(_Roles())})
_REASON = _Schema(PauseReason, {
    "code": _Field(_Str(name=True)),
    "label": _Field(_Str()),
    "paid": _Field(_Bool(), always=True),
    "daily_allotment": _Field(_Seconds(positive=True)),
    "max_per_day": _Field(_Int()),
    "max_length": _Field(_Seconds(positive=True)),
})
_CHANNEL = _Schema(Channel, {"name": _Field(_Str(name=True)),
                             "capacity": _Field(_Int(), always=True)})
_GROUP = _Schema(ChannelGroup, {"name": _Field(_Str(name=True)),
                                "channels": _Field(_Names(), always=True),
                                "capacity": _Field(_Int(), always=True)})
_QUEUE = _Schema(Queue, {"name": _Field(_Str(name=True)),
                         "wrap_up": _Field(_Table(_WRAP_UP)),
                         "strategy": _Field(_Enum(Strategy))})
_BLOCKING = _Schema(Blocking, {"when": _Field(_Str(name=True)),
                               "blocks": _Field(_Names(), always=True)})
_TIMERS = _Schema(Timers, {
    "offer_timeout": _Field(_Seconds(positive=True)),
    "no_answer_delay": _Field(_Seconds(positive=True)),
    "reject_delay": _Field(_Seconds(positive=True)),
    "busy_delay": _Field(_Seconds(positive=True)),
    "max_no_answer": _Field(_Int()),
    "no_answer_status": _Field(_Str(name=True)),
    "no_answer_reason": _Field(_Str(name=True)),
    "reject_status": _Field(_Str(name=True)),
    "reject_reason": _Field(_Str(name=True)),
})
_DAY = _Schema(DayRule, {"timezone": _Field(_Str(name=True), always=True),
                         "rolling": _Field(_Bool(), always=True)})

_SCALARS: dict[str, _Field] = {
    "name": _Field(_Str(), always=True),
    "logged_out": _Field(_Str(name=True), always=True),
    "login_status": _Field(_Str(name=True), always=True),
    "while_busy": _Field(_Enum(BusyChange), always=True),
    "overrun_status": _Field(_Str(name=True)),
    "agents_manage_queues": _Field(_Bool(), always=True),
    "wrap_up_directions": _Field(_Directions()),
    "stop_new_channels": _Field(_Names()),
}
_INLINE_ARRAYS = {"channels": _CHANNEL, "transitions": _TRANSITION, "blocking": _BLOCKING,
                  "groups": _GROUP}
"""Arrays written inline (one short table per line), before the tables."""
_TABLES = {"wrap_up": _WRAP_UP, "timers": _TIMERS, "day": _DAY}
_TABLE_ARRAYS = {"statuses": _STATUS, "reasons": _REASON, "queues": _QUEUE}
"""Arrays written as ``[[name]]`` tables."""
_ORDER = ("name", "logged_out", "login_status", "while_busy", "overrun_status",
          "agents_manage_queues", "wrap_up_directions", "stop_new_channels", "statuses",
          "transitions", "reasons", "channels", "groups", "queues", "blocking", "wrap_up",
          "timers", "day")
_SCHEMAS: dict[type[Any], _Schema] = {
    s.cls: s for s in (_WRAP_UP, _STATUS, _TRANSITION, _REASON, _CHANNEL, _GROUP, _QUEUE,
                       _BLOCKING, _TIMERS, _DAY)}
_PATHS = {"statuses": ("name", "status"), "reasons": ("code", "reason"),
          "channels": ("name", "channel"), "queues": ("name", "queue"),
          "groups": ("name", "group")}
"""The arrays whose items are named, the key that names them, and what errors call them."""


def _default(field: attrs.Attribute[Any], instance: Any) -> Any:
    """What ``field`` would be if it were left out (``attrs.NOTHING`` if it is required)."""
    default: Any = field.default
    if default is attrs.NOTHING:
        return attrs.NOTHING
    if isinstance(default, attrs.Factory):  # type: ignore[arg-type]  # Factory is a class
        factory: Callable[..., Any] = default.factory
        default = factory(instance) if default.takes_self else factory()
    converter = field.converter
    return converter(default) if callable(converter) else default


def _pairs(schema: _Schema, value: Any) -> Iterator[tuple[str, str]]:
    """The ``(key, TOML text)`` pairs of ``value``, defaults left out."""
    for field in attrs.fields(schema.cls):
        spec = schema.fields.get(field.name)
        if spec is None:
            continue
        current = getattr(value, field.name)
        if current is None:
            continue
        if not spec.always and current == _default(field, value):
            continue
        yield field.name, spec.kind.dump(current)


# -- reading ------------------------------------------------------------------------------------


def _build(schema: _Schema, data: object, key: str) -> Any:
    """An instance of ``schema.cls`` from a TOML table."""
    if not isinstance(data, dict):
        raise _Bad(key or None, f"expected a table, got {_show(data)}")
    for name in data:
        if name not in schema.fields:
            raise _Bad(_key(key, name), "unknown key; expected one of "
                                        f"{', '.join(schema.fields)}")
    kwargs = {name: schema.fields[name].kind.load(value, _key(key, name))
              for name, value in data.items()}
    for field in attrs.fields(schema.cls):
        if field.init and field.default is attrs.NOTHING and field.name not in kwargs:
            raise _Bad(_key(key, field.name), "missing (it has no default)")
    try:
        built = schema.cls(**kwargs)
    except PolicyError as error:
        raise _Bad(key or None, str(error)) from None
    if schema.check is not None:
        schema.check(built, data, key)
    return built


def _array(schema: _Schema, data: object, key: str) -> tuple[Any, ...]:
    if not isinstance(data, list):
        raise _Bad(key, f"expected an array of tables, got {_show(data)}")
    return tuple(_build(schema, item, _key(key, i)) for i, item in enumerate(data))


def _format(doc: dict[str, Any]) -> None:
    """Refuse a file written for a newer format (a file without ``format`` is format 1)."""
    found = doc.get("format", 1)
    if type(found) is not int or found < 1:
        raise _Bad("format", f"expected a format number (1 to {FORMAT}), got {_show(found)}")
    if found > FORMAT:
        raise _Bad("format", f"format {found} is newer than this agentstate reads ({FORMAT}); "
                             "upgrade agentstate")


MAX_DEPTH = 16
"""How deeply tables and arrays may nest in a policy file (the format needs 4)."""


def _depth(value: object, limit: int) -> int:
    """How deeply ``value`` nests, counting no further than ``limit + 1`` (no recursion)."""
    deepest = 0
    todo: list[tuple[object, int]] = [(value, 0)]
    while todo:
        item, level = todo.pop()
        deepest = max(deepest, level)
        if level > limit:
            break
        if isinstance(item, dict):
            todo.extend((v, level + 1) for v in item.values())
        elif isinstance(item, list):
            todo.extend((v, level + 1) for v in item)
    return deepest


_Origins = dict[tuple[str, int], tuple[bool, int]]
"""Where each item of a merged array came from: ``(array, merged index)`` to ``(True, index
in the file)``, or ``(False, index in the preset)``."""


def _merge(base: dict[str, Any], doc: dict[str, Any]) -> tuple[dict[str, Any], _Origins]:
    """``doc`` laid over ``base`` (both TOML documents): see the module's docstring; and where
    each item of the merged arrays came from, so that an error names it as the file has it."""
    merged = dict(base)
    origins: _Origins = {(name, index): (False, index) for name, value in base.items()
                         if isinstance(value, list) for index in range(len(value))}
    for name, value in doc.items():
        if name == "extends":
            continue
        old = merged.get(name)
        if name in _PATHS and isinstance(old, list) and isinstance(value, list):
            field = _PATHS[name][0]
            items = list(old)
            for index, item in enumerate(value):
                names = [i.get(field) if isinstance(i, dict) else None for i in items]
                if isinstance(item, dict) and item.get(field) in names:
                    at = names.index(item.get(field))
                    items[at] = item
                else:
                    at = len(items)
                    items.append(item)
                origins[name, at] = (True, index)
            merged[name] = items
        elif name in ("transitions", "blocking") and isinstance(old, list) and isinstance(
                value, list):
            added = [(index, v) for index, v in enumerate(value) if v not in old]
            origins.update(((name, len(old) + n), (True, index))
                           for n, (index, _) in enumerate(added))
            merged[name] = old + [v for _, v in added]
        elif name in _TABLES and isinstance(old, dict) and isinstance(value, dict):
            merged[name] = {**old, **value}
        else:
            merged[name] = value
            origins = {k: v for k, v in origins.items() if k[0] != name}
            if isinstance(value, list):
                origins.update(((name, index), (True, index)) for index in range(len(value)))
    return merged, origins


_ITEM = re.compile(r"(\w+)\[(\d+)\](.*)", re.S)


def _as_written(key: str | None, origins: _Origins, preset: str) -> str | None:
    """A key path of the merged document as the user's file has it: the item's index in the
    file or, for an item the file did not write, its index in the preset it extends (as
    ``agentstate export PRESET`` writes it)."""
    match = _ITEM.fullmatch(key or "")
    if match is None or (match[1], int(match[2])) not in origins:
        return key
    array, rest = match[1], match[3]
    from_file, index = origins[array, int(match[2])]
    if from_file:
        return f"{array}[{index}]{rest}"
    return f"{array}[{index}]{rest} of the preset {_quote(preset)} it extends"


def _extends(doc: dict[str, Any]) -> tuple[dict[str, Any], _Origins, str]:
    """The document with the preset it ``extends`` laid under it, where the merged arrays'
    items came from, and the preset's name (``""`` if the document extends none)."""
    if "extends" not in doc:
        return doc, {}, ""
    from . import presets

    name = doc["extends"]
    known = sorted(presets.PRESETS)
    if not isinstance(name, str) or name not in presets.PRESETS:
        raise _Bad("extends", f"expected a preset name ({', '.join(known)}), got {_show(name)}")
    base = tomllib.loads(dumps_policy(presets.preset(name)), parse_float=Decimal)
    base.pop("format", None)
    if "name" not in doc:
        doc = {**doc, "name": f"{name} (extended)"}
    merged, origins = _merge(base, doc)
    return merged, origins, name


def _policy(doc: dict[str, Any]) -> Policy:
    _format(doc)
    if _depth(doc, MAX_DEPTH) > MAX_DEPTH:
        raise _Bad(None, f"nested more than {MAX_DEPTH} levels deep; a policy file needs 4")
    doc, origins, preset = _extends(doc)
    try:
        return _build_policy(doc)
    except _Bad as bad:
        if not preset:
            raise
        raise _Bad(_as_written(bad.key, origins, preset), bad.what) from None


def _build_policy(doc: dict[str, Any]) -> Policy:
    """The policy a whole document (``extends`` already laid under it) describes."""
    kwargs: dict[str, Any] = {}
    for name, value in doc.items():
        if name == "format":
            continue
        if name in _SCALARS:
            kwargs[name] = _SCALARS[name].kind.load(value, name)
        elif name in _TABLES:
            kwargs[name] = _build(_TABLES[name], value, name)
        elif name in _INLINE_ARRAYS or name in _TABLE_ARRAYS:
            schema = _INLINE_ARRAYS.get(name) or _TABLE_ARRAYS[name]
            kwargs[name] = _array(schema, value, name)
        else:
            raise _Bad(name, f"unknown key; expected one of extends, {', '.join(_ORDER)}")
    for required in ("statuses", "transitions"):
        if required not in kwargs:
            raise _Bad(required, "missing (a policy needs its statuses and transitions)")
    try:
        return Policy(**kwargs)
    except PolicyError as error:
        raise _Bad(_locate(doc, error.culprit, str(error)), str(error)) from None


def _leaves(value: object, key: str) -> Iterator[tuple[str, object]]:
    """Every ``(key path, value)`` in a TOML document, in document order."""
    if isinstance(value, dict):
        for name, item in value.items():
            yield from _leaves(item, _key(key, name))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, _key(key, index))
    else:
        yield key, value


def _locate(doc: dict[str, Any], culprit: str, message: str) -> str | None:
    """The key path a :class:`PolicyError`'s ``culprit`` most likely refers to."""
    if "->" in culprit:
        source, _, dest = culprit.partition("->")
        for index, item in enumerate(doc.get("transitions", [])):
            if item.get("source") == source and item.get("dest") == dest:
                return f"transitions[{index}]"
        return "transitions" if "transitions" in doc else None
    named = [(array, f"{array}[{index}].{field}") for array, (field, word) in _PATHS.items()
             for index, item in enumerate(doc.get(array, []))
             if isinstance(item, dict) and item.get(field) == culprit]
    worded = [path for array, path in named if _PATHS[array][1] in message]
    if worded:
        return worded[-1]  # a duplicate is the later one
    for name in _SCALARS:
        if doc.get(name) == culprit:
            return name
    if named:
        return named[-1][1]
    leaves = list(_leaves(doc, ""))
    for path, value in leaves:
        if value == culprit:
            return path
    for path, _ in leaves:
        parts = path.replace("[", ".").split(".")
        if culprit in parts:
            return path[:path.index(culprit) + len(culprit)]
    return None


def loads_policy(text: str, *, file: str = _TEXT) -> Policy:
    """The policy a TOML text describes.

    Args:
        text: the TOML.
        file: what to call the text in error messages (a path, if the host read a file).

    Raises:
        PolicyFileError: the text is not TOML, a key is unknown or has the wrong type, or the
            policy it describes is invalid; the message names ``file`` and the key path.
    """
    try:
        doc = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as error:
        raise PolicyFileError(file=file, key=None, what=f"not valid TOML: {error}") from None
    except RecursionError:
        raise PolicyFileError(file=file, key=None, what="not read: arrays or tables nested "
                                                         "too deeply") from None
    try:
        return _policy(doc)
    except _Bad as bad:
        raise PolicyFileError(file=file, key=bad.key, what=bad.what) from None


def load_policy(source: str | os.PathLike[str]) -> Policy:
    """The policy in a TOML file, or in a TOML text.

    Args:
        source: a path (a ``str`` without a line break, or any path-like) or the TOML text
            itself (a ``str`` with at least one line break).

    Raises:
        PolicyFileError: as for :func:`loads_policy`, naming the file; also when the file is
            not UTF-8.
        OSError: the file cannot be read.
    """
    if isinstance(source, str) and "\n" in source:
        return loads_policy(source)
    path = Path(source)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise PolicyFileError(file=str(path), key=None,
                              what=f"not UTF-8 text: {error}") from None
    return loads_policy(text, file=str(path))


# -- writing ------------------------------------------------------------------------------------

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f",
            "\r": "\\r"}


def _quote(text: str) -> str:
    """``text`` as a TOML basic string."""
    out = []
    for char in text:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif char < " " or char == "\x7f":
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def dumps_policy(policy: Policy) -> str:
    """``policy`` as TOML text, which :func:`loads_policy` reads back as an equal policy.

    Fields with their default value are left out, except the few that say what a policy is
    (its name, logged-out and login statuses, what a busy change does, whether agents manage
    their queues, each reason's ``paid``, each channel's ``capacity``).
    """
    lines = [f"# agentstate policy {_quote(policy.name)}. Durations are in seconds.", "",
             f"format = {FORMAT}"]
    fields = {f.name: f for f in attrs.fields(Policy)}
    for name, spec in _SCALARS.items():
        value = getattr(policy, name)
        if value is not None and (spec.always or value != _default(fields[name], policy)):
            lines.append(f"{name} = {spec.kind.dump(value)}")
    for name in _TABLE_ARRAYS:
        value = getattr(policy, name)
        if not value and value != _default(fields[name], policy):
            lines.append(f"{name} = []")
    for name, schema in _INLINE_ARRAYS.items():
        items = getattr(policy, name)
        if not items and items == _default(fields[name], policy):
            continue
        if not items:
            lines.append(f"{name} = []")
            continue
        lines.append(f"{name} = [")
        lines.extend(f"    {_Table(schema).dump(item)}," for item in items)
        lines.append("]")
    for name, schema in _TABLES.items():
        pairs = list(_pairs(schema, getattr(policy, name)))
        if pairs:
            lines.extend(["", f"[{name}]"])
            lines.extend(f"{key} = {text}" for key, text in pairs)
    for name, schema in _TABLE_ARRAYS.items():
        for item in getattr(policy, name):
            lines.extend(["", f"[[{name}]]"])
            lines.extend(f"{key} = {text}" for key, text in _pairs(schema, item))
    return "\n".join(lines) + "\n"


# -- the same document as JSON ------------------------------------------------------------------


def policy_data(policy: Policy) -> dict[str, Any]:
    """``policy`` as plain data for JSON: the document :func:`dumps_policy` writes, key for
    key (statuses, reasons, transitions, timers... as objects and arrays; durations as numbers
    of seconds; enumerations as their values; defaults left out), which
    :func:`loads_policy_json` reads back as an equal policy."""
    doc = tomllib.loads(dumps_policy(policy), parse_float=Decimal)
    order = ("format", *_ORDER)
    return {name: _plain(doc[name]) for name in sorted(doc, key=order.index)}


def _plain(value: Any) -> Any:
    """A TOML value with its decimals as JSON numbers (an integral one as an integer)."""
    if isinstance(value, dict):
        return {name: _plain(item) for name, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def loads_policy_json(text: str, *, file: str = _TEXT) -> Policy:
    """The policy a JSON text describes: the document :func:`policy_data` gives, read with the
    same checks and errors as TOML (``extends`` included); numbers with a fraction are read
    as decimals, so durations keep their microseconds.

    Raises:
        PolicyFileError: the text is not JSON, not an object, or as for :func:`loads_policy`.
    """
    try:
        doc = json.loads(text, parse_float=Decimal)
    except ValueError as error:  # json.JSONDecodeError and UnicodeDecodeError
        raise PolicyFileError(file=file, key=None, what=f"not valid JSON: {error}") from None
    except RecursionError:
        raise PolicyFileError(file=file, key=None, what="not read: arrays or objects nested "
                                                         "too deeply") from None
    if not isinstance(doc, dict):
        raise PolicyFileError(file=file, key=None,
                              what=f"expected a JSON object (a policy), got {_show(doc)}")
    try:
        return _policy(doc)
    except _Bad as bad:
        raise PolicyFileError(file=file, key=bad.key, what=bad.what) from None
