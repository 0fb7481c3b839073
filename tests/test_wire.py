"""The wire format: every value to a JSON-safe dict and back, equal; bad input refused by field."""

from __future__ import annotations

import enum
import importlib.util
import json
import typing
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Union

import attrs
import pendulum
import pytest
from hypothesis import given, reject
from hypothesis import strategies as st

from agentstate import (
    Actor,
    AgentState,
    AgentStateError,
    Change,
    Configure,
    Event,
    Login,
    ManualClock,
    Notice,
    NoticeKind,
    Occupation,
    Result,
    SetStatus,
    Tracker,
    WrapUp,
    WrapUpMode,
    wire,
)
from agentstate._codec import event_classes
from agentstate.presets import basic, omnichannel
from agentstate.testing import SEQUENCE_START, events_for, instants, policies, valid_sequences

DOCS = Path(__file__).parents[1] / "docs"
BERLIN = pendulum.timezone("Europe/Berlin")
INDIA = timezone(timedelta(hours=5, minutes=30))


def through_json(value: Any, cls: type[Any] | None = None) -> Any:
    """``value`` to a dict, to JSON text and back, and decoded (as ``cls`` if given)."""
    data = json.loads(json.dumps(wire.to_dict(value), allow_nan=False))
    return wire.from_dict(data) if cls is None else wire.from_dict(data, cls)


# -- round trips -----------------------------------------------------------------------------


@given(st.data())
def test_every_event_a_host_sends_round_trips(data: st.DataObject) -> None:
    """Any event from the shared strategy, stamped or not, comes back equal through JSON."""
    policy = data.draw(policies(max_statuses=3))
    event = data.draw(events_for(policy, ["a1", "a2"]))
    at = data.draw(st.none() | instants(SEQUENCE_START))
    names = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                    min_size=1, max_size=5)  # the input limits of a name
    event = attrs.evolve(event, at=at, event_id=data.draw(st.none() | names))
    assert event == through_json(event)


@given(valid_sequences(omnichannel(), ("a1", "a2"), max_size=15))
def test_results_changes_and_states_round_trip(events: list[Event]) -> None:
    """Every result of a valid sequence, its changes (timers fired included) and the agents'
    states come back equal through JSON; a result's notices are written beside it."""
    clock = ManualClock(SEQUENCE_START)
    tracker = Tracker(omnichannel(), clock=clock)
    tracker.register_many(["a1", "a2"])
    for event in events:
        assert event.at is not None
        clock.set(event.at)
        result = tracker.apply(event)
        assert result == through_json(result)
        assert [wire.to_dict(n) for n in result.notices] == wire.to_dict(result)["notices"]
    for agent in ("a1", "a2"):
        assert tracker.state(agent) == through_json(tracker.state(agent))
        for change in tracker.history(agent):
            assert change == through_json(change)


def test_every_class_on_the_wire_round_trips_with_any_values() -> None:
    """Every class the wire knows (every event class, including ones added later, and every
    value they hold) round-trips with values drawn from its own field types."""
    known = wire._known()
    assert set(event_classes()) <= set(known)
    assert {"AgentState", "Change", "Notice", "Result", "Actor", "Register",
            "TimerFired"} <= set(known)
    for cls in known.values():
        @given(_instances(cls))
        def check(value: Any) -> None:
            assert value == through_json(value, type(value))

        check()


def _instances(cls: type[Any]) -> st.SearchStrategy[Any]:
    """Instances of an attrs class from its type hints; ones its validators refuse are
    skipped."""
    hints = typing.get_type_hints(cls)
    fields = {f.alias or f.name: _values(hints[f.name])
              for f in attrs.fields(cls) if f.init and f.eq}

    def build(kwargs: dict[str, Any]) -> Any:
        try:
            return cls(**kwargs)
        except (TypeError, ValueError, AgentStateError):
            reject()

    return st.fixed_dictionaries(fields).map(build)


def _values(tp: Any) -> st.SearchStrategy[Any]:
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if tp is type(None):
        return st.none()
    if origin is Union or type(tp).__name__ == "UnionType":
        return st.one_of(*(_values(a) for a in args))
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return st.lists(_values(args[0]), max_size=2).map(tuple)
        return st.tuples(*(_values(a) for a in args))
    if origin is frozenset:
        return st.frozensets(_values(args[0]), max_size=2)
    if origin is dict:
        return st.dictionaries(st.text(max_size=3), _values(args[1]), max_size=2)
    if tp is Event:
        return st.sampled_from(sorted(event_classes().values(), key=lambda c: c.__name__)
                               ).flatmap(_instances)
    if attrs.has(tp):
        return st.deferred(lambda: _instances(tp))
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return st.sampled_from(list(tp))
    if tp is datetime:
        return st.datetimes(datetime(2000, 1, 1), datetime(2100, 1, 1),
                            timezones=st.sampled_from([timezone.utc, INDIA]))
    if tp is timedelta:
        return st.timedeltas(timedelta(days=-400), timedelta(days=400))
    simple: dict[Any, st.SearchStrategy[Any]] = {
        str: st.text(min_size=1, max_size=8), int: st.integers(),
        float: st.floats(allow_nan=False, allow_infinity=False), bool: st.booleans()}
    return simple[tp]


# -- the format ------------------------------------------------------------------------------


def test_times_are_written_in_utc_and_read_with_any_offset() -> None:
    """Times are ISO-8601 in UTC (six decimals only when there are microseconds); reading
    takes any explicit offset and gives the same instant in UTC."""
    at = datetime(2026, 1, 5, 10, 0, tzinfo=BERLIN)
    data = wire.to_dict(Login(agent="a1", at=at))
    assert "2026-01-05T09:00:00Z" == data["at"]
    exact = wire.to_dict(Login(agent="a1", at=at + timedelta(microseconds=5)))
    assert "2026-01-05T09:00:00.000005Z" == exact["at"]
    read = wire.from_dict({**data, "at": "2026-01-05T10:00:00.5+01:00"})
    assert pendulum.datetime(2026, 1, 5, 9, 0, 0, 500_000) == read.at
    assert pendulum.UTC == read.at.tzinfo


def test_durations_enums_and_nested_values() -> None:
    """Durations are ISO-8601 seconds, enums their value, nested values objects with a type;
    a nested value whose class is certain may leave out its type."""
    event = Configure(agent="a1", wrap_up=WrapUp(mode=WrapUpMode.TIMED, length=90.5),
                      actor=Actor.supervisor("boss"))
    data = wire.to_dict(event)
    assert {"type": "WrapUp", "mode": "timed", "length": "PT90.5S"} == data["wrap_up"]
    assert {"type": "Actor", "role": "supervisor", "id": "boss"} == data["actor"]
    hand_written = {"type": "Configure", "agent": "a1", "actor": {"role": "supervisor",
                                                                  "id": "boss"},
                    "wrap_up": {"mode": "timed", "length": "PT1M30.5S"}}
    assert event == wire.from_dict(hand_written)
    assert timedelta(days=1, hours=2) == wire.from_dict(
        {**hand_written, "wrap_up": {"mode": "timed", "length": "P1DT2H"}}).wrap_up.length


def test_keys_with_defaults_may_be_left_out() -> None:
    """A key whose field has a default may be left out; to_dict writes every key."""
    assert SetStatus(agent="a1", status="break") == wire.from_dict(
        {"type": "SetStatus", "agent": "a1", "status": "break"})
    assert ["type", "agent", "at", "event_id", "actor", "expected_version", "status",
            "reason"] == list(wire.to_dict(SetStatus(agent="a1", status="break")))


def test_from_dict_with_a_class_checks_the_class() -> None:
    """from_dict(data, cls) reads only that class (Event: any event)."""
    data = wire.to_dict(SetStatus(agent="a1", status="break"))
    assert SetStatus(agent="a1", status="break") == wire.from_dict(data, Event)
    with pytest.raises(wire.WireError) as caught:
        wire.from_dict(data, Change)
    assert ("type", "'Change'", "SetStatus") == (caught.value.path, caught.value.expected,
                                                 caught.value.received)
    assert Actor.agent("a1") == wire.from_dict({"role": "agent", "id": "a1"}, Actor)


# -- strict reading --------------------------------------------------------------------------


def refusal(data: Any, cls: type[Any] | None = None) -> wire.WireError:
    with pytest.raises(wire.WireError) as caught:
        wire.from_dict(data) if cls is None else wire.from_dict(data, cls)
    return caught.value


def test_a_wire_error_names_the_field_what_was_expected_and_what_came() -> None:
    """A bad value deep inside is refused with its path, the expectation and the value."""
    tracker = Tracker(basic(), clock=ManualClock(SEQUENCE_START))
    data = wire.to_dict(tracker.register("a1"))
    data["changes"][0]["event"]["at"] = "2026-01-05 09:00"
    error = refusal(data)
    assert isinstance(error, AgentStateError)
    assert isinstance(error, ValueError)
    assert "changes[0].event.at" == error.path
    assert "2026-01-05 09:00" == error.received
    assert ("cannot read field 'changes[0].event.at': expected an ISO-8601 time with an "
            "offset, like '2026-01-05T09:00:00Z', got '2026-01-05 09:00'") == str(error)


@pytest.mark.parametrize(("data", "path", "message"), [
    ({"type": "SetStatus", "agent": "a1"}, "status",
     "cannot read field 'status': expected a value of type str (a SetStatus needs it), got "
     "nothing (the key is missing)"),
    ({"type": "SetStatus", "agent": "a1", "status": "b", "colour": "red"}, "colour",
     "cannot read field 'colour': expected one of a SetStatus's keys (type, agent, at, "
     "event_id, actor, expected_version, status, reason), got 'colour'"),
    ({"type": "SetStatus", "agent": "a1", "status": 7}, "status",
     "cannot read field 'status': expected a string, got 7"),
    ({"type": "Login", "agent": "a1", "at": "2026-01-05T09:00:00"}, "at",
     "cannot read field 'at': expected an ISO-8601 time with an offset, like "
     "'2026-01-05T09:00:00Z', got '2026-01-05T09:00:00'"),
    ({"type": "Login", "agent": "a1", "at": "2026-02-30T09:00:00Z"}, "at",
     "cannot read field 'at': expected an ISO-8601 time with an offset, like "
     "'2026-01-05T09:00:00Z' (a real date and time), got '2026-02-30T09:00:00Z'"),
    ({"type": "Login", "agent": "a1", "queues": ["sales", None]}, "queues[1]",
     "cannot read field 'queues[1]': expected a string, got None"),
    ({"type": "Login", "agent": "a1", "actor": {"role": "boss"}}, "actor.role",
     "cannot read field 'actor.role': expected a Role (one of 'agent', 'supervisor', "
     "'system'), got 'boss'"),
    ({"type": "Login", "agent": "a1", "expected_version": True}, "expected_version",
     "cannot read field 'expected_version': expected an integer, got True"),
    ({"type": "Configure", "agent": "a1", "wrap_up": {"mode": "timed", "length": "P1Y"}},
     "wrap_up.length",
     "cannot read field 'wrap_up.length': expected an ISO-8601 duration in days, hours, "
     "minutes and seconds, like 'PT90S', got 'P1Y'"),
    ({"type": "SetStatus", "agent": "", "status": "b"}, "agent",
     "cannot read field 'agent': expected a name: a str of 1 to 200 characters, without U+0000 "
     "or lone surrogates (it is empty), got ''"),
    (["SetStatus"], "",
     "cannot read the value: expected an object with a 'type' key, got ['SetStatus']"),
])
def test_bad_input_is_refused_naming_the_field(data: Any, path: str, message: str) -> None:
    """Missing and unknown keys, wrong types, bad times, enums and durations, values their
    class refuses: each a WireError with the field's path."""
    error = refusal(data)
    assert (path, message) == (error.path, str(error))


def test_an_unknown_or_missing_type_lists_the_known_ones() -> None:
    """An unknown or missing "type" is refused, listing the classes read at the top."""
    for data, received in (({"type": "Nope"}, "Nope"), ({"agent": "a1"}, None)):
        error = refusal(data)
        assert ("type", received) == (error.path, error.received)
        assert "Change" in error.expected
        assert "SetStatus" in error.expected
        assert "Actor" not in error.expected  # read only as a part, or by from_dict(d, Actor)


def test_long_values_are_cut_in_messages() -> None:
    """A long received value is quoted in part, saying how long it was; the error keeps it."""
    error = refusal({"type": "SetStatus", "agent": "a1", "status": "b", "actor": "x" * 500})
    assert "actor" == error.path
    assert len(str(error)) < 200
    assert "(502 characters)" in str(error)
    assert "x" * 500 == error.received


def test_values_the_format_cannot_carry_are_refused_when_written() -> None:
    """Writing a naive time, a value of the wrong type, or an object the wire does not know
    raises a WireError naming the field."""
    naive = Login(agent="a1")  # events refuse these when built: force them past validation
    object.__setattr__(naive, "at", datetime(2026, 1, 5, 9))
    with pytest.raises(wire.WireError) as caught:
        wire.to_dict(naive)
    assert ("at", "cannot write field 'at': expected an aware datetime, got "
            "datetime.datetime(2026, 1, 5, 9, 0)") == (caught.value.path, str(caught.value))
    mixed = Login(agent="a1")
    object.__setattr__(mixed, "queues", ("sales", 3))
    with pytest.raises(wire.WireError) as caught:
        wire.to_dict(mixed)
    assert "queues[1]" == caught.value.path
    with pytest.raises(wire.WireError) as caught:
        wire.to_dict(basic())
    assert "" == caught.value.path


# -- extending the wire ----------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Checkpoint:
    """A stand-in for a new top-level value: one registration puts it on the wire."""

    sequence: int
    change: Change
    notices: tuple[Notice, ...] = ()


def test_a_new_top_level_class_needs_one_registration(monkeypatch: pytest.MonkeyPatch
                                                      ) -> None:
    """A class added to the wire's roots is written, read and described with no other code."""
    monkeypatch.setattr(wire, "_ROOTS", (*wire._ROOTS, Checkpoint))
    monkeypatch.setattr(wire, "_KNOWN", {})
    tracker = Tracker(basic(), clock=ManualClock(SEQUENCE_START))
    result = tracker.register("a1")
    entry = Checkpoint(sequence=1, change=result.changes[0], notices=(
        Notice(kind=NoticeKind.ROUTABLE, agent="a1", at=SEQUENCE_START),))
    assert entry == through_json(entry)
    assert {"$ref": "#/$defs/Checkpoint"} in wire.schema()["oneOf"]


# -- the schema ------------------------------------------------------------------------------


def test_the_committed_schema_is_the_generated_one() -> None:
    """docs/wire.schema.json is what docs/gen_schema.py writes (run it after changing a class)."""
    spec = importlib.util.spec_from_file_location("gen_schema", DOCS / "gen_schema.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.render() == (DOCS / "wire.schema.json").read_text(), (
        "docs/wire.schema.json is out of date: run python docs/gen_schema.py")


def test_the_schema_describes_every_class_and_every_reference_resolves() -> None:
    """Every class on the wire has a definition with its fields; every $ref points at one."""
    document = wire.schema()
    defs = document["$defs"]
    for name, cls in wire._known().items():
        fields = {f.alias or f.name for f in attrs.fields(cls) if f.init and f.eq}
        assert fields | {"type"} <= set(defs[name]["properties"]), name
    refs = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "$ref" in node:
                refs.add(node["$ref"].removeprefix("#/$defs/"))
            for item in node.values():
                walk(item)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(document)
    assert refs <= set(defs)
    assert ["agent", "status"] == defs["SetStatus"]["required"]
    assert {"readOnly": True}.items() <= defs["Result"]["properties"]["notices"].items()
    assert {"title": "Occupation", "enum": [o.value for o in Occupation]}.items() <= (
        defs["AgentState"]["properties"]["occupation"].items())
    assert AgentState.__name__ in defs
    assert Result.__name__ in defs
