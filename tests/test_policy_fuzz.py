"""Arbitrary policy files are refused with agentstate's own error, never a raw exception
(issue 19): random text, and random TOML documents built from the policy format's own keys."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from agentstate import AgentStateError, Policy
from agentstate._toml import dumps_policy, loads_policy
from agentstate.presets import PRESETS

KEYS = ["extends", "name", "logged_out", "login_status", "while_busy", "overrun_status",
        "agents_manage_queues", "wrap_up_directions", "stop_new_channels", "statuses",
        "transitions", "reasons", "channels", "groups", "queues", "blocking", "wrap_up",
        "timers", "day", "label", "routable", "capacity", "code", "paid", "daily_allotment",
        "max_length", "source", "dest", "by", "timezone", "mode", "length", "offer_timeout",
        "channels", "strategy", "format"]
"""Keys a policy file may hold at some level, so the fuzzer reaches past the first check."""


def _toml_value(depth: int = 0) -> st.SearchStrategy[str]:
    atoms = st.one_of(
        st.integers(-10**20, 10**20).map(str), st.floats(allow_nan=True).map(
            lambda f: "nan" if f != f else ("inf" if f == float("inf") else
                                           "-inf" if f == float("-inf") else repr(f))),
        st.booleans().map(lambda b: "true" if b else "false"),
        st.text(max_size=12).map(lambda s: '"' + s.encode("unicode_escape").decode("ascii")
                                 .replace('"', '\\"') + '"'),
        st.sampled_from(['"30m"', '"1h30m"', '"90s"', '"Mars/Olympus"', '"UTC"', '"*"',
                         '"basic"', '"callharbor"', '"agent"', '"available"']))
    if depth >= 2:
        return atoms
    return st.one_of(atoms, st.lists(_toml_value(depth + 1), max_size=3).map(
        lambda items: "[" + ", ".join(items) + "]"))


documents = st.lists(
    st.tuples(st.sampled_from(KEYS), _toml_value()), max_size=8).map(
        lambda pairs: "\n".join(f"{k} = {v}" for k, v in dict(pairs).items()) + "\n")


def _check(text: str) -> None:
    try:
        policy = loads_policy(text)
    except AgentStateError:
        return
    assert isinstance(policy, Policy)
    assert policy == loads_policy(dumps_policy(policy))


@settings(max_examples=200)
@given(st.text(max_size=200))
def test_arbitrary_text_is_refused_with_a_typed_error(text: str) -> None:
    """Any text is a policy or a PolicyError/PolicyFileError, never a raw exception."""
    _check(text)


@settings(max_examples=300)
@given(documents)
def test_arbitrary_toml_documents_are_refused_with_a_typed_error(text: str) -> None:
    """Documents of the format's own keys with random values (huge numbers, NaN, bad zones,
    lists) are a policy or agentstate's own error."""
    _check(text)


@settings(max_examples=150)
@given(st.sampled_from(sorted(PRESETS)), st.data())
def test_a_preset_file_with_one_value_changed_is_a_policy_or_a_typed_error(
        name: str, data: st.DataObject) -> None:
    """A real policy file with one line's value replaced by a random one: still only
    agentstate's errors (this reaches the statuses, reasons and timers tables)."""
    lines = dumps_policy(PRESETS[name]()).splitlines()
    assignments = [i for i, line in enumerate(lines) if " = " in line]
    index = data.draw(st.sampled_from(assignments))
    key = lines[index].split(" = ", 1)[0]
    lines[index] = f"{key} = {data.draw(_toml_value())}"
    _check("\n".join(lines) + "\n")


