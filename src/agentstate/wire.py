"""agentstate.wire: events, changes, results and states as JSON-safe dicts, and back, strictly.

One wire format for whatever carries agentstate's values between processes: webhooks, message
queues, CRM syncs, logs. :func:`to_dict` turns a value into a dict that ``json.dumps`` accepts
as it is; :func:`from_dict` turns such a dict back into an equal value, or raises
:class:`WireError` naming the field at fault, what was expected there and what was received.
:func:`schema` describes the format as a JSON Schema (docs/wire.schema.json is generated from it).

The format is derived from the attrs classes themselves (``attrs.fields`` and the fields' type
annotations), never written per class: a new event kind, or a new field, is on the wire as soon
as it exists. The rules:

- an object per value, with a ``"type"`` key naming its class (``"SetStatus"``, ``"Change"``,
  ``"Result"``, ``"Actor"``, ...) and one key per field, under the field's name. :func:`to_dict`
  writes every key. :func:`from_dict` refuses unknown keys, and a missing key unless its field
  has a default (which then applies); it needs ``"type"`` where the value could be of several
  classes (an event; any value at the top) and checks it wherever it is given;
- times: ISO-8601 (RFC 3339) in UTC, ``"2026-01-05T09:00:00Z"``, with six decimals when there
  are microseconds. Reading accepts any explicit offset (``"+01:00"``) and gives the same
  instant in UTC (a ``pendulum.DateTime``); a time without an offset is refused;
- durations: ISO-8601 in seconds, ``"PT90S"``, ``"PT1.5S"``; reading also accepts days, hours
  and minutes (``"P1DT2H30M"``), never years or months;
- enums by value (``"available"`` is not an enum; ``"on_interaction"`` is ``Occupation``'s);
  ``str``, ``int``, ``float`` (finite), ``bool`` and ``None`` as themselves; tuples and
  frozensets as arrays (a frozenset's sorted); ``dict[str, X]`` as an object;
- fields that are not part of the value (``eq=False``, such as ``Result.policy``) are not
  written; derived facts a receiver needs are written read-only (``Result.notices``): checked
  when read, not kept (a decoded ``Result`` has no policy to derive them again from).
"""

from __future__ import annotations

import contextlib
import re
import typing
from collections.abc import Mapping
from typing import Any, TypeVar, overload

import attrs

from ._codec import event_classes
from ._errors import AgentStateError
from ._events import Event
from ._feed import FeedEntry
from ._state import AgentState, Change, Notice, Result
from ._wire import (
    DERIVED,
    DURATION,
    TIME,
    TYPE,
    Bad,
    choice,
    form,
    layout,
    names,
    value_fields,
)

__all__ = ["TYPE", "WireError", "from_dict", "schema", "to_dict"]

T = TypeVar("T")

_ROOTS: tuple[type[Any], ...] = (AgentState, Change, FeedEntry, Notice, Result)
"""What :func:`from_dict` reads at the top, besides every event class: one line per class
(a new top-level value, such as a feed entry, is one more name here)."""

_LIMIT = 80
"""How many characters of a received value an error message quotes."""


class WireError(AgentStateError, ValueError):
    """A value cannot be written to, or read from, the wire format.

    Attributes:
        path: where in the value, e.g. ``"changes[0].event.at"`` (``""``: the value itself).
        expected: what the format expects there, in words.
        received: what was there (``None`` if the key was missing, see ``missing``).
        missing: whether the key was missing.
    """

    def __init__(self, *, path: str, expected: str, received: Any, missing: bool = False,
                 reading: bool = True) -> None:
        verb = "cannot read" if reading else "cannot write"
        where = f"field {path!r}" if path else "the value"
        got = "nothing (the key is missing)" if missing else _short(received)
        super().__init__(f"{verb} {where}: expected {expected}, got {got}")
        self.path = path
        self.expected = expected
        self.received = received
        self.missing = missing


def _short(value: Any) -> str:
    """``repr(value)``, cut to :data:`_LIMIT` characters."""
    text = repr(value)
    if len(text) <= _LIMIT:
        return text
    return f"{text[:_LIMIT - 20]}... ({len(text)} characters)"


# -- public entry points ---------------------------------------------------------------------


def to_dict(value: Any) -> dict[str, Any]:
    """``value`` (an event, change, result, notice, state, or any value they hold) as a
    JSON-safe dict with a ``"type"`` key.

    Raises:
        WireError: ``value`` is not one of the wire's classes, or holds something the format
            cannot carry (a naive time, a NaN, a value of the wrong type).
    """
    cls = type(value)
    try:
        if cls.__name__ not in _known(cls.__name__) or _known()[cls.__name__] is not cls:
            raise Bad(f"a value of one of the wire's classes ({names(_known())})", value)
        out: dict[str, Any] = form(cls).encode(value)
    except Bad as bad:
        raise WireError(path=bad.path.lstrip("."), expected=bad.expected,
                        received=bad.received, reading=False) from None
    return out


@overload
def from_dict(data: Mapping[str, Any]) -> Any: ...
@overload
def from_dict(data: Mapping[str, Any], cls: type[T]) -> T: ...


def from_dict(data: Mapping[str, Any], cls: type[Any] | None = None) -> Any:
    """The value ``data`` describes (as :func:`to_dict` writes it).

    Args:
        data: the dict, e.g. from ``json.loads``.
        cls: the class expected (:class:`~agentstate.Event` for any event); default: any
            event, :class:`~agentstate.Change`, :class:`~agentstate.Result`,
            :class:`~agentstate.Notice` or :class:`~agentstate.AgentState`, by ``"type"``.

    Raises:
        WireError: ``data`` is not such a value; nothing is built.
    """
    try:
        if cls is None:
            reader = choice(lambda: {**event_classes(), **{c.__name__: c for c in _ROOTS}})
        elif cls is Event or (cls in _known().values()):
            reader = form(cls)
        else:
            raise Bad(f"a class of the wire format ({names(_known())})", cls)
        return reader.decode(data)
    except Bad as bad:
        raise WireError(path=bad.path.lstrip("."), expected=bad.expected,
                        received=bad.received, missing=bad.missing) from None


def schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of every value :func:`from_dict` reads at the top."""
    _KNOWN.clear()  # every class as of now
    known = _known()
    defs: dict[str, Any] = {name: _object_schema(known[name]) for name in sorted(known)}
    defs["Event"] = _event_schema()
    defs["time"] = {"description": "An instant: ISO-8601 with an offset; written in UTC.",
                    "type": "string", "format": "date-time", "pattern": TIME.pattern}
    defs["duration"] = {"description": "A duration: ISO-8601 days, hours, minutes, seconds; "
                        "written in seconds.", "type": "string", "format": "duration",
                        "pattern": DURATION.pattern}
    tops = [{"$ref": "#/$defs/Event"}, *({"$ref": f"#/$defs/{c.__name__}"} for c in _ROOTS)]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "agentstate wire format",
        "description": "An agentstate event, change, feed entry, result, notice or agent "
                       "state, as agentstate.wire.to_dict writes it. Generated by "
                       "docs/gen_schema.py.",
        "type": "object",
        "required": [TYPE],
        "oneOf": tops,
        "$defs": defs,
    }


# -- the classes on the wire -----------------------------------------------------------------


_KNOWN: dict[str, type[Any]] = {}


def _known(name: str | None = None) -> dict[str, type[Any]]:
    """Every class on the wire by name: the events, the roots, and every attrs class their
    fields hold. Found again when ``name`` is not among them (an event defined later)."""
    if not _KNOWN or (name is not None and name not in _KNOWN):
        found: dict[str, type[Any]] = {}
        for cls in (*event_classes().values(), *_ROOTS):
            _reach(cls, found)
        _KNOWN.clear()
        _KNOWN.update(found)
    return _KNOWN


def _reach(tp: Any, found: dict[str, type[Any]]) -> None:
    if isinstance(tp, type) and attrs.has(tp):
        if tp is Event or found.get(tp.__name__) is tp:
            return
        if tp.__name__ in found:
            raise TypeError(f"two classes on the wire are named {tp.__name__!r}")
        found[tp.__name__] = tp
        hints = typing.get_type_hints(tp)
        for field in value_fields(tp):
            _reach(hints[field.name], found)
        for _, extra in DERIVED.get(tp, ()):
            _reach(extra, found)
        return
    for arg in typing.get_args(tp):
        _reach(arg, found)


# -- the schema ------------------------------------------------------------------------------


def _object_schema(cls: type[Any]) -> dict[str, Any]:
    defaults = {f.alias or f.name: f.default for f in attrs.fields(cls)}
    notes = _attribute_notes(cls)
    properties: dict[str, Any] = {TYPE: {"const": cls.__name__}}
    required = []
    for field in layout(cls):
        prop = dict(field.form.schema())
        if field.key in notes:
            prop["description"] = notes[field.key]
        if field.read_only:
            prop["readOnly"] = True
        elif field.required:
            required.append(field.key)
        else:
            default = defaults[field.key]
            if not isinstance(default, attrs.Factory):  # type: ignore[arg-type]
                with contextlib.suppress(Bad):  # a default the wire cannot carry: not said
                    prop["default"] = field.form.encode(default)
        properties[field.key] = prop
    out: dict[str, Any] = {"type": "object", "description": _summary(cls),
                           "properties": properties}
    if required:
        out["required"] = required
    out["additionalProperties"] = False
    return out


def _event_schema() -> dict[str, Any]:
    return {"description": "Any event: one of the event classes, by its \"type\".",
            "oneOf": [{"$ref": f"#/$defs/{name}"} for name in sorted(event_classes())]}


def _summary(cls: type[Any]) -> str:
    """The first paragraph of a class's docstring, on one line."""
    doc = (cls.__doc__ or "").strip().split("\n\n")[0]
    return " ".join(doc.split())


def _attribute_notes(cls: type[Any]) -> dict[str, str]:
    """``name: text`` entries of the docstrings' ``Attributes:`` sections, one line each."""
    notes: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        doc = klass.__doc__ or ""
        section = re.search(r"\n\s*Attributes:\n((?:[ \t]+\S.*\n?|\n)*)", doc)
        if section is None:
            continue
        name, indent = None, 0
        for line in section.group(1).splitlines():
            entry = re.match(r"\s{4,8}(\w+): (.*)", line)
            if entry and (name is None or len(line) - len(line.lstrip()) <= indent):
                name, indent = entry.group(1), len(line) - len(line.lstrip())
                notes[name] = entry.group(2).strip()
            elif name is not None and line.strip():
                notes[name] += " " + line.strip()
    return notes
