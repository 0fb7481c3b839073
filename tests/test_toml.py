"""Policies as data: TOML files read back exactly what was written, and bad files say where."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from agentstate import (
    ANY,
    Blocking,
    BusyChange,
    Channel,
    DayRule,
    PauseReason,
    Policy,
    PolicyError,
    Queue,
    Role,
    Status,
    Strategy,
    Timers,
    Transition,
    WrapUp,
    WrapUpMode,
)
from agentstate._toml import (
    _INLINE_ARRAYS,
    _SCALARS,
    _SCHEMAS,
    _TABLE_ARRAYS,
    _TABLES,
    PolicyFileError,
    dumps_policy,
    load_policy,
    loads_policy,
    loads_policy_json,
)
from agentstate.presets import PRESETS, basic
from tests._policies import timed

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

# -- policies that set every field, with any text for names ----------------------------------
# Not agentstate.testing.policies(): that one draws policies an agent can work under (lint-clean,
# readable names); this one stresses the file format with every field and any characters.

names = st.text(st.characters(codec="utf-8"), min_size=1, max_size=6).filter(
    lambda s: bool(s.strip()) and s not in (ANY, "="))
"""Names and labels: any text, control characters, quotes and emoji included. Not "*" nor "=":
``transitions`` reads them as its wildcard and reflexive markers, so a status so named can never
be reached (the policy is refused, with a misleading message; reported as a core bug)."""
durations = st.timedeltas(min_value=timedelta(microseconds=1), max_value=timedelta(days=30))


def _maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


@st.composite
def _status(draw: st.DrawFn, name: str, *, logged_out: bool, others: list[str],
            reasons: list[str]) -> Status:
    fields: dict[str, Any] = {"name": name}
    for field, strategy in (("label", names), ("report_as", names)):
        value = draw(_maybe(strategy))
        if value is not None:
            fields[field] = value
    takes = tuple(draw(st.lists(st.sampled_from(reasons), unique=True))) if reasons else ()
    then = draw(_maybe(st.sampled_from(others))) if others and not logged_out else None
    return Status(**fields, routable=not logged_out and draw(st.booleans()),
                  logged_in=draw(st.booleans()), direct_calls=draw(st.booleans()),
                  selectable_by=draw(st.frozensets(st.sampled_from(Role))),
                  custom=draw(st.booleans()), reasons=takes,
                  reason_required=bool(takes) and draw(st.booleans()),
                  interaction_limit=None if then is None else draw(st.integers(1, 5)), then=then)


@st.composite
def _wrap_up(draw: st.DrawFn) -> WrapUp:
    mode = draw(st.sampled_from(WrapUpMode))
    timed_mode = mode in (WrapUpMode.TIMED, WrapUpMode.OPTIONAL)
    length = draw(durations if timed_mode else st.one_of(st.just(timedelta(0)), durations))
    return WrapUp(mode=mode, length=length)


@st.composite
def _move(draw: st.DrawFn, statuses: list[Status]) -> tuple[str | None, str | None]:
    """A status the system may move agents to, and a reason it takes (or ``None``s)."""
    dest = draw(_maybe(st.sampled_from(statuses)))
    if dest is None:
        return None, None
    return dest.name, draw(_maybe(st.sampled_from(dest.reasons))) if dest.reasons else None


@st.composite
def policies(draw: st.DrawFn) -> Policy:
    """Valid policies that set every field: any names, every status reachable both ways.

    Every pair of statuses has a transition (or a ``*`` one), each with the system among its
    roles, so that whatever automatic moves are drawn, the policy is valid.
    """
    status_names = draw(st.lists(names, min_size=2, max_size=5, unique=True))
    logged_out = status_names[0]
    codes = draw(st.lists(names, max_size=4, unique=True))
    reasons = tuple(PauseReason(code=code, label=draw(names), paid=draw(st.booleans()),
                                daily_allotment=draw(_maybe(durations)),
                                max_per_day=draw(_maybe(st.integers(1, 10))),
                                max_length=draw(_maybe(durations))) for code in codes)
    statuses = [draw(_status(name, logged_out=name == logged_out, reasons=codes,
                             others=[n for n in status_names[1:] if n != name]))
                for name in status_names]
    transitions = []
    for dest in statuses:
        roles = sorted(dest.selectable_by | {Role.SYSTEM}, key=lambda r: r.value)
        by = st.one_of(st.none(), st.frozensets(st.sampled_from(roles)).map(
            lambda chosen: chosen | {Role.SYSTEM}))
        if draw(st.booleans()):
            transitions.append(Transition(source=ANY, dest=dest.name, by=draw(by)))
        else:
            transitions.extend(Transition(source=source, dest=dest.name, by=draw(by))
                               for source in status_names if source != dest.name)
    others = statuses[1:]
    no_answer, no_answer_reason = draw(_move(others))
    if no_answer is not None and no_answer_reason is None:  # an auto-pause must say why
        no_answer_reason = next(iter(next(s for s in others if s.name == no_answer).reasons),
                                None)
    reject, reject_reason = draw(_move(others))
    timers = Timers(offer_timeout=draw(_maybe(durations)),
                    no_answer_delay=draw(_maybe(durations)),
                    reject_delay=draw(_maybe(durations)), busy_delay=draw(_maybe(durations)),
                    max_no_answer=draw(_maybe(st.integers(1, 9))) if no_answer else None,
                    no_answer_status=no_answer, no_answer_reason=no_answer_reason,
                    reject_status=reject, reject_reason=reject_reason)
    channel_names = draw(st.lists(names, max_size=3, unique=True))
    channels = tuple(Channel(name=n, capacity=draw(st.integers(1, 20))) for n in channel_names)
    blocking = tuple(
        Blocking(when=draw(st.sampled_from(channel_names)),
                 blocks=draw(st.lists(st.sampled_from(channel_names), max_size=2)))
        for _ in range(draw(st.integers(0, 2) if channel_names else st.just(0))))
    queues = tuple(Queue(name=n, wrap_up=draw(_maybe(_wrap_up())),
                         strategy=draw(st.sampled_from(Strategy)))
                   for n in draw(st.lists(names, max_size=3, unique=True)))
    return Policy(
        name=draw(st.text(st.characters(codec="utf-8"), max_size=8)),
        statuses=statuses, transitions=draw(st.permutations(transitions)),
        logged_out=logged_out, login_status=status_names[1], reasons=reasons,
        channels=channels, while_busy=draw(st.sampled_from(BusyChange)),
        wrap_up=draw(_wrap_up()), queues=queues, timers=timers,
        day=DayRule(timezone=draw(st.sampled_from(["UTC", "Europe/Berlin", "Asia/Kolkata"])),
                    rolling=draw(st.booleans())),
        overrun_status=draw(_maybe(st.sampled_from(status_names[1:]))),
        blocking=blocking, agents_manage_queues=draw(st.booleans()))


# -- round trips --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_reads_back_equal(name: str) -> None:
    """load(dump(p)) == p for every preset, with its defaults."""
    policy = PRESETS[name]()
    assert policy == loads_policy(dumps_policy(policy))


@pytest.mark.parametrize("policy", [
    timed(),
    PRESETS["freeswitch_callcenter"](queues=["sales", Queue(name="vip", strategy=Strategy.LINEAR,
                                                            wrap_up=WrapUp(length=2.5))]),
    PRESETS["asterisk_queue"](reasons=["Lunch", PauseReason(code="Tea", paid=True)],
                              autopause="all", wrapuptime=15),
    PRESETS["callharbor"](custom_statuses=["Training", "Quality \"QA\" review"]),
    PRESETS["webitel"](pause_causes=["Обед", "Coffee ☕"], wrap_up_time=0.25),
], ids=["timed", "freeswitch", "asterisk", "callharbor", "webitel"])
def test_configured_presets_read_back_equal(policy: Policy) -> None:
    """load(dump(p)) == p for presets with settings, odd names and fractional seconds."""
    assert policy == loads_policy(dumps_policy(policy))


@given(policies())
def test_any_policy_reads_back_equal(policy: Policy) -> None:
    """load(dump(p)) == p for hypothesis-generated policies that set every field."""
    text = dumps_policy(policy)
    assert policy == loads_policy(text)
    assert text == dumps_policy(loads_policy(text))


@given(policies())
def test_any_policy_reads_back_equal_from_json(policy: Policy) -> None:
    """loads_policy_json(json.dumps(policy_data(p))) == p: the JSON document is the TOML
    document key for key, and reads back as the same policy, microseconds included."""
    import json

    from agentstate._toml import loads_policy_json, policy_data

    data = policy_data(policy)
    assert tomllib.loads(dumps_policy(policy)) == json.loads(json.dumps(data))
    assert policy == loads_policy_json(json.dumps(data))


def test_every_field_of_every_policy_class_has_a_key() -> None:
    """The format covers each field of the policy's classes, so none is silently dropped."""
    for cls, schema in _SCHEMAS.items():
        assert {f.name for f in attrs.fields(cls) if f.init} == set(schema.fields), cls
    keys = {*_SCALARS, *_TABLES, *_INLINE_ARRAYS, *_TABLE_ARRAYS}
    assert {f.name for f in attrs.fields(Policy) if f.init} == keys


def test_defaults_are_left_out_and_durations_are_seconds() -> None:
    """A dumped policy is short: defaults are omitted, durations are plain numbers."""
    policy = attrs.evolve(basic(), timers=Timers(offer_timeout=timedelta(seconds=20.5)))
    text = dumps_policy(policy)
    doc = tomllib.loads(text)
    assert {"offer_timeout": 20.5} == doc["timers"]
    assert {"name": "available", "label": "Available", "routable": True} == doc["statuses"][1]
    assert "overrun_status" not in doc


def test_a_hand_written_file_with_floats_and_defaults() -> None:
    """A file may leave defaults out and give durations as integers or floats."""
    policy = loads_policy("""
        logged_out = "out"
        login_status = "in"
        transitions = [{ source = "out", dest = "in" }, { source = "in", dest = "out" }]
        [timers]
        no_answer_delay = 1.5
        [[statuses]]
        name = "out"
        [[statuses]]
        name = "in"
        routable = true
    """)
    assert timedelta(seconds=1.5) == policy.timers.no_answer_delay
    assert "policy" == policy.name
    assert (Channel(name="voice"),) == policy.channels


def test_load_policy_reads_a_file_or_a_text(tmp_path: Path) -> None:
    """load_policy takes a path (str or Path) or the TOML text itself."""
    path = tmp_path / "site.toml"
    path.write_text(dumps_policy(timed()), encoding="utf-8")
    assert timed() == load_policy(path) == load_policy(str(path))
    assert timed() == load_policy(path.read_text(encoding="utf-8"))


# -- errors name the file, the key and what was wrong ------------------------------------------

_GOOD = dumps_policy(basic())


def _error(text: str, **kwargs: Any) -> PolicyFileError:
    with pytest.raises(PolicyFileError) as caught:
        loads_policy(text, **kwargs)
    return caught.value


def _edit(old: str, new: str, *, count: int = 1) -> str:
    assert old in _GOOD
    return _GOOD.replace(old, new, count)


@pytest.mark.parametrize(("text", "key", "what"), [
    (_edit('while_busy = "defer"', 'while_busy = "later"'), "while_busy",
     'expected one of "defer", "immediate", "refuse", got "later" (a string)'),
    (_edit("routable = true", 'routable = "yes"'), "statuses[1].routable",
     'expected true or false, got "yes" (a string)'),
    (_edit("routable = true", "routable = true\ncolour = \"green\""), "statuses[1].colour",
     "unknown key; expected one of name, label, routable, logged_in, report_as, direct_calls, "
     "selectable_by, custom, reasons, reason_required, interaction_limit, then"),
    (_edit('name = "basic"', 'name = "basic"\nversion = 2'), "version",
     "unknown key; expected one of extends, name, logged_out, login_status, while_busy, "
     "overrun_status, agents_manage_queues, wrap_up_directions, stop_new_channels, statuses, "
     "transitions, reasons, channels, groups, queues, blocking, wrap_up, timers, day"),
    (_edit('by = ["supervisor"]', 'by = ["boss"]'), "transitions[13].by[0]",
     'expected one of "agent", "supervisor", "system", got "boss" (a string)'),
    (_edit("capacity = 3", "capacity = true"), "channels[1].capacity",
     "expected an integer, got true (a boolean)"),
    (_edit("daily_allotment = 1200", 'daily_allotment = "20 minutes"'),
     "reasons[0].daily_allotment",
     'expected a duration such as 90, "90s", "30m" or "1h30m", got "20 minutes" (a string)'),
    (_edit('name = "available"\n', 'name = ""\n'), "statuses[1].name",
     'expected a non-empty name, got "" (a string)'),
    (_edit('name = "available"\n', ""), "statuses[1].name", "missing (it has no default)"),
    (_edit('{ source = "available", dest = "break" }', '{ source = "available", dest = "brake" }'),
     "transitions[2].dest",
     "transition 'available' -> 'brake' names unknown status 'brake'"),
    (_edit('name = "offline"\n', 'name = "lunch"\n'), "statuses[4].name",
     "duplicate status 'lunch'"),
    (_edit("[[reasons]]", "[timers]\noffer_timeout = -5\n\n[[reasons]]"), "timers.offer_timeout",
     "must be positive (at least 1 microsecond), got -5 seconds"),
    (_edit('login_status = "available"', 'login_status = "lunch"'), "login_status",
     "no way to log in: no transition 'logged_out' -> 'lunch'"),
    (re.sub(r"transitions = \[.*?\]\n", "", _GOOD, flags=re.S), "transitions",
     "missing (a policy needs its statuses and transitions)"),
], ids=["enum", "bool", "unknown-key", "unknown-top-key", "role", "int", "duration",
        "empty-name", "missing-name", "unknown-status", "duplicate", "negative-delay",
        "no-login", "no-transitions"])
def test_errors_name_the_file_the_key_and_what_was_wrong(text: str, key: str, what: str
                                                        ) -> None:
    """Errors in a file name the file, the key and what was wrong; unknown keys are errors."""
    error = _error(text, file="site.toml")
    assert ("site.toml", key, what) == (error.file, error.key, error.what)
    assert f"site.toml: {key}: {what}" == str(error)
    assert isinstance(error, PolicyError)


_POSITIVE = "must be positive (at least 1 microsecond), got "
_LONGEST = "must be at most 365 days (31536000 seconds), got "


_COFFEE = {"code": '"coffee"', "paid": "true"}


@pytest.mark.parametrize("as_json", [False, True], ids=["toml", "json"])
@pytest.mark.parametrize(("table", "fields", "key", "what"), [
    ("reasons", {**_COFFEE, "daily_allotment": "0.0000001"}, "reasons[0].daily_allotment",
     _POSITIVE + "0.0000001 seconds"),
    ("reasons", {**_COFFEE, "daily_allotment": "-5"}, "reasons[0].daily_allotment",
     _POSITIVE + "-5 seconds"),
    ("reasons", {**_COFFEE, "max_length": "0"}, "reasons[0].max_length",
     _POSITIVE + "0 seconds"),
    ("reasons", {**_COFFEE, "max_length": '"0s"'}, "reasons[0].max_length", _POSITIVE + '"0s"'),
    ("reasons", {**_COFFEE, "daily_allotment": "99999999"}, "reasons[0].daily_allotment",
     _LONGEST + "99999999 seconds"),
    ("timers", {"busy_delay": "-0.5"}, "timers.busy_delay", _POSITIVE + "-0.5 seconds"),
    ("timers", {"offer_timeout": '"999999h"'}, "timers.offer_timeout", _LONGEST + '"999999h"'),
    ("queues", {"name": '"sales"', "wrap_up.mode": '"timed"', "wrap_up.length": "-3"},
     "queues[0].wrap_up.length", "wrap-up mode timed needs a positive length, got -3 seconds"),
    ("queues", {"name": '"sales"', "wrap_up.mode": '"optional"'}, "queues[0].wrap_up.length",
     "missing (wrap-up mode optional needs a positive length)"),
], ids=["tiny", "negative", "zero", "zero-text", "too-long", "negative-delay", "too-long-text",
        "queue-wrap-up", "queue-wrap-up-missing"])
def test_a_bad_duration_names_its_key_and_the_seconds_as_written(
        as_json: bool, table: str, fields: dict[str, str], key: str, what: str) -> None:
    """A duration out of range, in TOML or JSON, is refused naming its own key (not the
    table's) and the value as written, in seconds (not a ``timedelta``)."""
    import json

    if as_json:
        item: dict[str, Any] = {}
        for dotted, literal in fields.items():
            *outer, name = dotted.split(".")
            place = item
            for step in outer:
                place = place.setdefault(step, {})
            place[name] = json.loads(literal)
        doc = {"extends": "basic", table: item if table == "timers" else [item]}
        with pytest.raises(PolicyFileError) as caught:
            loads_policy_json(json.dumps(doc), file="site")
    else:
        header = f"[{table}]" if table == "timers" else f"[[{table}]]"
        lines = [f"{name} = {literal}" for name, literal in fields.items()]
        with pytest.raises(PolicyFileError) as caught:
            loads_policy("\n".join(['extends = "basic"', header, *lines, ""]), file="site")
    assert ("site", key, what) == (caught.value.file, caught.value.key, caught.value.what)
    assert f"site: {key}: {what}" == str(caught.value)


def test_a_dumped_policy_says_its_format_and_a_newer_format_is_refused() -> None:
    """dumps_policy writes ``format = 1``; a file in a newer format is refused, saying so,
    and a wrong format value is named."""
    text = dumps_policy(basic())
    assert 1 == tomllib.loads(text)["format"]
    newer = _error(text.replace("format = 1", "format = 2"))
    assert ("format", "format 2 is newer than this agentstate reads (1); upgrade agentstate"
            ) == (newer.key, newer.what)
    wrong = _error(text.replace("format = 1", 'format = "one"'))
    assert ("format", 'expected a format number (1 to 1), got "one" (a string)') == (
        wrong.key, wrong.what)


def test_a_file_that_is_not_toml() -> None:
    """Text that is not TOML is refused with the parser's line and column, and no key."""
    error = _error("name = basic\n")
    assert ("<string>", None) == (error.file, error.key)
    assert str(error).startswith("<string>: not valid TOML: ")
    assert "line 1" in str(error)


def test_errors_from_a_file_name_its_path(tmp_path: Path) -> None:
    """load_policy names the file it read in the error."""
    path = tmp_path / "bad.toml"
    path.write_text(_edit("routable = true", "routable = 1"), encoding="utf-8")
    with pytest.raises(PolicyFileError) as caught:
        load_policy(path)
    assert f"{path}: statuses[1].routable: expected true or false, got 1 (an integer)" == str(
        caught.value)
    path.write_bytes(b"name = \"\xff\"\n")
    with pytest.raises(PolicyFileError, match="not UTF-8"):
        load_policy(path)


@pytest.mark.parametrize("build", [lambda: loads_policy("statuses = 3\ntransitions = []\n"),
                                   lambda: loads_policy("statuses = [1]\ntransitions = []\n"),
                                   lambda: loads_policy("statuses = []\ntransitions = []\n"),
                                   lambda: loads_policy("wrap_up = 30\n")])
def test_wrong_shapes_are_policy_file_errors(build: Callable[[], Policy]) -> None:
    """An array where a table belongs (or the reverse) is a PolicyFileError, never a crash."""
    with pytest.raises(PolicyFileError):
        build()


# -- editable policies: durations as text, extends, deep nesting ------------------------------


@pytest.mark.parametrize(("text", "seconds"), [
    ('"90s"', 90), ('"30m"', 1800), ('"1h30m"', 5400), ('"2h"', 7200), ("45", 45),
    ('"1h 5m 3s"', 3903),
])
def test_durations_accept_text(text: str, seconds: int) -> None:
    """Durations are seconds or text with h, m and s parts."""
    from datetime import timedelta

    from agentstate import loads_policy

    policy = loads_policy(f'extends = "basic"\n[timers]\noffer_timeout = {text}\n')
    assert timedelta(seconds=seconds) == policy.timers.offer_timeout


@pytest.mark.parametrize("text", ['"30x"', '""', '"m"', '"1.5h"', '"-5m"'])
def test_bad_duration_text_names_the_key(text: str) -> None:
    """A duration that is not seconds nor h/m/s text is refused, naming the key."""
    from agentstate import PolicyFileError, loads_policy

    with pytest.raises(PolicyFileError) as refused:
        loads_policy(f'extends = "basic"\n[timers]\noffer_timeout = {text}\n', file="mine.toml")
    assert "timers.offer_timeout" == refused.value.key
    assert "mine.toml: timers.offer_timeout: expected a duration" in str(refused.value)


def test_extends_adds_and_overrides() -> None:
    """A file that extends a preset adds a status, overrides a timer, keeps the rest."""
    from agentstate import loads_policy
    from agentstate.presets import preset

    policy = loads_policy('''
extends = "callharbor"
name = "our callharbor"
transitions = [{ source = "online", dest = "coaching" }]

[timers]
offer_timeout = "20s"

[[statuses]]
name = "coaching"
label = "Coaching"
''')
    base = preset("callharbor")
    assert "our callharbor" == policy.name
    assert [s.name for s in base.statuses] + ["coaching"] == [s.name for s in policy.statuses]
    assert 20 == policy.timers.offer_timeout.total_seconds()
    assert base.timers.max_no_answer == policy.timers.max_no_answer


def test_extends_replaces_a_status_of_the_same_name() -> None:
    """A status named like one in the preset replaces it."""
    from agentstate import loads_policy

    policy = loads_policy('extends = "basic"\n[[statuses]]\nname = "lunch"\n'
                          'label = "Long lunch"\nreasons = ["lunch"]\n')
    assert "Long lunch" == policy.status("lunch").label
    assert 5 == len(policy.statuses)


def test_extends_an_unknown_preset_is_refused() -> None:
    """extends names a preset; anything else is refused, listing the presets."""
    from agentstate import PolicyFileError, loads_policy

    with pytest.raises(PolicyFileError) as refused:
        loads_policy('extends = "nope"\n')
    assert "extends" == refused.value.key
    assert "callharbor" in refused.value.what


@pytest.mark.parametrize("depth", [20, 5000])
def test_deeply_nested_toml_is_refused_with_policy_error(depth: int) -> None:
    """TOML nested thousands deep is a PolicyFileError, never a RecursionError."""
    from agentstate import PolicyError, loads_policy

    with pytest.raises(PolicyError, match="nested"):
        loads_policy("x = " + "[" * depth + "]" * depth)


@pytest.mark.parametrize(("text", "key"), [
    ('extends = "callharbor"\n[[statuses]]\nname = "coaching"\nroutable = "yes"\n',
     "statuses[0].routable"),
    ('extends = "basic"\n[[reasons]]\ncode = "x"\npaid = true\n'
     '[[reasons]]\ncode = "lunch"\npaid = "no"\n', "reasons[1].paid"),
    ('extends = "basic"\n[[statuses]]\nname = "available"\nrouteable = true\n',
     "statuses[0].routeable"),
    ('extends = "basic"\n[[statuses]]\nname = "coaching"\nreasons = ["nope"]\n',
     "statuses[0].reasons[0]"),
    ('extends = "callharbor"\ntransitions = [{ source = "online", dest = "coaching" }]\n',
     "transitions[0].dest"),
    ('extends = "basic"\ntransitions = [{ source = "available", dest = "lunch" },\n'
     '  { source = "available", dest = "nowhere" }]\n', "transitions[1].dest"),
])
def test_an_error_in_a_file_that_extends_names_the_item_as_the_file_has_it(
        text: str, key: str) -> None:
    """In a file that extends a preset, an error names the item by its index in that file
    (the second [[reasons]] table is reasons[1]), not by its place in the merged policy: a
    new item is counted among the file's own, a replacing one too, and a transition the
    preset already has still counts."""
    from agentstate import PolicyFileError, loads_policy

    with pytest.raises(PolicyFileError) as refused:
        loads_policy(text, file="mine.toml")
    assert key == refused.value.key
    assert str(refused.value).startswith(f"mine.toml: {key}: ")


def test_an_error_in_an_item_the_file_did_not_write_names_the_preset() -> None:
    """When the fault lies in an item the file took from the preset, the error says so and
    names the item's index in the preset (as `agentstate export PRESET` writes it)."""
    from agentstate import PolicyFileError, loads_policy

    with pytest.raises(PolicyFileError) as refused:
        loads_policy('extends = "basic"\nlogged_out = "available"\n', file="mine.toml")
    assert 'statuses[1].name of the preset "basic" it extends' == refused.value.key
    assert ("mine.toml: statuses[1].name of the preset \"basic\" it extends: the logged-out "
            "status 'available' cannot be routable") == str(refused.value)
