"""Positional builders for frozen attrs classes: the rules' hot path, without keyword handling.

attrs' ``__init__`` for a frozen, keyword-only class matches every field by keyword and sets
each through ``object.__setattr__``: building an :class:`~agentstate.AgentState` (24 fields)
that way costs about 3 us, a large share of one event. :func:`positional` generates a function
that takes the fields positionally, in declaration order, and fills the instance's slots
directly, in about half the time; a quarter of it for a class whose slots a plain *layout* base
declares (see :func:`_layout`). It builds exactly the instance the class's own constructor
would build from the same values (equal, same type, same hash).

It is for values the rules have already built correctly, never for what a user hands in, and it
can never skip a check: it refuses any class whose construction does more than store the values
(validators, converters, on-setattr hooks, pre- or post-init hooks, fields left out of
``__init__``, private fields, default factories, a cached hash, no slots). The public
constructors are unchanged.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import attrs

__all__ = ["positional", "slot_filler"]

T = TypeVar("T")


def positional(cls: type[T]) -> Callable[..., T]:
    """A function ``build(*values) -> cls`` taking every field of ``cls`` in declaration order.

    The fields with defaults that come after every field without one may be left out.

    Raises:
        TypeError: ``cls`` is not a slotted attrs class whose ``__init__`` only stores values.
    """
    if not attrs.has(cls):
        raise TypeError(f"{cls.__name__} is not an attrs class")
    fields = attrs.fields(cls)
    for field in fields:
        if field.validator is not None or field.converter is not None:
            raise TypeError(f"{cls.__name__}.{field.name} has a validator or converter")
        if field.on_setattr not in (None, attrs.setters.NO_OP):
            raise TypeError(f"{cls.__name__}.{field.name} has an on_setattr hook")
        if not field.init:
            raise TypeError(f"{cls.__name__}.{field.name} is not set by __init__")
        if field.name.startswith("_"):
            raise TypeError(f"{cls.__name__}.{field.name} is private (__init__ takes an alias)")
        if isinstance(field.default, attrs.Factory):  # type: ignore[arg-type]
            raise TypeError(f"{cls.__name__}.{field.name} has a default factory")
    for hook in ("__attrs_pre_init__", "__attrs_post_init__"):
        if hasattr(cls, hook):
            raise TypeError(f"{cls.__name__} has {hook}")
    slots = {name for klass in cls.__mro__ for name in getattr(klass, "__slots__", ())}
    slots.discard("__weakref__")
    names = [field.name for field in fields]
    if slots != set(names):
        raise TypeError(f"{cls.__name__}'s slots are not exactly its fields "
                        f"(slots: {sorted(slots)})")
    namespace: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    layout = _layout(cls, names)
    if layout is not None:  # filled as a plain slotted object, then made a ``cls``
        namespace["_layout"] = layout
        body = "".join(f"    _self.{name} = {name}\n" for name in names)
        source = (f"def build({', '.join(names)}):\n"
                  f"    _self = _new(_layout)\n{body}    _self.__class__ = _cls\n"
                  "    return _self\n")
        exec(compile(source, f"<positional builder of {cls.__qualname__}>", "exec"), namespace)
        build: Callable[..., T] = namespace["build"]
    else:
        build = slot_filler(cls, names)
    build.__defaults__ = _trailing_defaults(fields)
    build.__qualname__ = build.__name__ = f"build_{cls.__name__}"
    build.__doc__ = f"Build a {cls.__name__} from its fields, positionally: {', '.join(names)}."
    return build


def _layout(cls: type, names: list[str]) -> type | None:
    """The plain base class that declares all of ``cls``'s slots, if it has one (a *layout*).

    A frozen attrs class built on a layout (``class Layout: __slots__ = (...)``, then
    ``@attrs.frozen class Value(Layout)``, which reuses the layout's slots and adds none) has
    the same memory layout as the layout itself, so an instance of the layout, filled with
    plain attribute stores, may become a ``Value`` by setting its ``__class__``: about a quarter
    of the cost of setting each slot through its descriptor. It is the same instance the
    constructor would build (same type, fields, equality and hash).
    """
    layout = cls.__mro__[1]
    if attrs.has(layout) or layout.__mro__[1:] != (object,):
        return None
    declared = set(layout.__dict__.get("__slots__", ()))
    if declared - {"__weakref__"} != set(names) or cls.__basicsize__ != layout.__basicsize__:
        return None
    if "__weakref__" in declared and cls.__weakrefoffset__ != layout.__weakrefoffset__:
        return None
    if "__setattr__" in layout.__dict__:
        return None
    probe: Any = object.__new__(layout)
    try:  # what CPython checks itself: the same layout, the same deallocation
        probe.__class__ = cls
    except TypeError:
        return None
    return layout


def slot_filler(cls: type, names: Sequence[str]) -> Callable[..., Any]:
    """A function ``build(*values)`` making a new ``cls`` and setting its slots ``names``, in
    order, through their descriptors: no check, converter or validator runs (the caller vouches
    for the values: :func:`positional` by refusing classes with any, a store's records by
    holding only values that were built and validated before).

    Raises:
        TypeError: a name is not a slot of ``cls``.
    """
    namespace: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    for i, name in enumerate(names):
        namespace[f"_set{i}"] = _slot(cls, name).__set__
    params = ", ".join(f"v{i}" for i in range(len(names)))
    body = "".join(f"    _set{i}(_self, v{i})\n" for i in range(len(names)))
    source = f"def build({params}):\n    _self = _new(_cls)\n{body}    return _self\n"
    exec(compile(source, f"<slot filler of {cls.__qualname__}>", "exec"), namespace)
    return namespace["build"]  # type: ignore[no-any-return]


def _slot(cls: type, name: str) -> types.MemberDescriptorType:
    """The slot descriptor of ``name`` (from the class that declares it)."""
    for klass in cls.__mro__:
        descriptor = klass.__dict__.get(name)
        if isinstance(descriptor, types.MemberDescriptorType):
            return descriptor
    raise TypeError(f"{cls.__name__}.{name} is not a slot")


def _trailing_defaults(fields: tuple[attrs.Attribute[Any], ...]) -> tuple[Any, ...] | None:
    """The defaults of the last fields that all have one (positional defaults must trail)."""
    defaults: list[Any] = []
    for field in reversed(fields):
        if field.default is attrs.NOTHING:
            break
        defaults.append(field.default)
    return tuple(reversed(defaults)) or None
