"""Compact history records (agentstate._compact) and the MemoryStore that keeps them."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

import attrs
import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agentstate import (
    Actor,
    AgentExists,
    AgentState,
    Change,
    InvalidField,
    Login,
    Logout,
    ManualClock,
    MemoryStore,
    Occupation,
    SetStatus,
    Tracker,
)
from agentstate._codec import event_classes
from agentstate._compact import decode_change, encode_change, record_at
from agentstate._state import Tag
from agentstate._store import RosterStore
from agentstate.presets import basic
from agentstate.testing import events_for
from agentstate.testing._conformance import recorded_commits

START = pendulum.datetime(2026, 1, 5, 9)


def _same(expected: Any, actual: Any) -> bool:
    """Equal, of the same type, and for instants in the same time zone and fold."""
    if isinstance(expected, datetime):
        return (type(expected) is type(actual) and expected == actual
                and expected.tzinfo is actual.tzinfo and expected.fold == actual.fold)
    if attrs.has(type(expected)):
        return type(expected) is type(actual) and all(
            _same(getattr(expected, f.name), getattr(actual, f.name))
            for f in attrs.fields(type(expected)))
    if isinstance(expected, tuple):
        return (type(expected) is type(actual) and len(expected) == len(actual)
                and all(_same(e, a) for e, a in zip(expected, actual, strict=True)))
    return type(expected) is type(actual) and expected == actual


def _untracked(record: Any) -> bool:
    if type(record) is tuple:
        return not gc.is_tracked(record) and all(_untracked(item) for item in record)
    return not gc.is_tracked(record)


INSTANTS = st.sampled_from([
    START,                                                        # pendulum in UTC
    START.add(microseconds=123_457),
    datetime(2026, 1, 5, 9, 30, tzinfo=timezone.utc),             # stdlib in UTC
    START.in_timezone("Europe/Paris"),                            # pendulum elsewhere
    pendulum.datetime(2026, 10, 25, 1, 30, tz="UTC").replace(fold=1),
])


@st.composite
def changes(draw: st.DrawFn) -> Change:
    """Any change: every event kind, instants of every kind, shared values or not."""
    event = draw(events_for(basic(), ["a1", "a2"]))
    at = draw(INSTANTS)
    event = attrs.evolve(event, at=draw(st.sampled_from([None, at, START.add(seconds=1)])))
    actor = event.actor if event.actor is not None else draw(
        st.sampled_from([Actor.system(), Actor.agent(event.agent), Actor.supervisor("s")]))
    return Change(agent=event.agent, seq=draw(st.integers(1, 2**70)), at=at, actor=actor,
                  event=event, from_status=draw(st.sampled_from([None, "available"])),
                  to_status="break", from_reason=None, to_reason=draw(st.sampled_from(
                      [None, "coffee"])), from_occupation=draw(st.sampled_from(
                          [None, *Occupation])), to_occupation=Occupation.IDLE,
                  event_id=event.event_id, note=draw(st.sampled_from([None, "why"])),
                  tags=tuple(draw(st.lists(st.sampled_from(Tag), max_size=2))))


@settings(max_examples=300, deadline=None)
@given(changes())
def test_a_record_reads_back_the_change_it_encodes(change: Change) -> None:
    """Any change comes back from its record equal, with the same types and time zones."""
    record = encode_change(change)
    assert tuple is type(record)
    assert _same(change, decode_change(change.agent, record))
    assert _same(change.at, record_at(record))


@settings(max_examples=100, deadline=None)
@given(changes())
def test_a_record_is_untracked_by_the_garbage_collector(change: Change) -> None:
    """A record holds only plain values: the collector untracks it, nested tuples too."""
    record = encode_change(change)
    gc.collect()
    gc.collect()
    assert _untracked(record)


def test_every_event_class_has_a_record() -> None:
    """Every event class of agentstate is encoded field by field (none kept as an object)."""
    commits = recorded_commits()
    change = commits[1].changes[0]
    for cls in event_classes().values():
        fields = {f.name: getattr(change.event, f.name, None) for f in attrs.fields(cls)
                  if f.default is attrs.NOTHING}
        sample = {"interaction": "i1", "status": "break", "queue": "sales", "channel": "voice",
                  "timer": "offer", "kind": "blind"}
        event = cls(**{name: sample.get(name, value) for name, value in fields.items()})
        record = encode_change(attrs.evolve(change, event=event))
        assert tuple is type(record), cls.__name__


def test_a_change_that_does_not_fit_is_kept_as_it_is() -> None:
    """A value of another type than its field declares is kept as the object, never mangled."""
    change = recorded_commits()[1].changes[0]
    odd = attrs.evolve(change, to_occupation="idle")  # a str where an Occupation belongs
    assert odd is encode_change(odd)
    assert odd is decode_change(odd.agent, encode_change(odd))


def test_a_user_event_class_is_encoded_from_its_fields() -> None:
    """An event subclass defined by a host is encoded too, from its own fields."""

    @attrs.frozen(kw_only=True)
    class Note(SetStatus):
        text: str = "hello"

    change = attrs.evolve(recorded_commits()[1].changes[0],
                          event=Note(agent="a1", status="break", text="x"))
    record = encode_change(change)
    assert tuple is type(record)
    assert _same(change, decode_change(change.agent, record))


def test_a_user_event_class_the_generator_cannot_read_is_kept_whole() -> None:
    """A host's event class with a field type records do not cover is kept as the object, and
    the store that holds it stays whole (found in review: the commit raised halfway)."""

    @attrs.frozen(kw_only=True)
    class Labelled(SetStatus):
        labels: frozenset[str] = frozenset()

    commits = recorded_commits()
    store = MemoryStore()
    store.commit(commits[0].state, commits[0].changes, expected_version=commits[0].expected)
    change = attrs.evolve(commits[1].changes[0],
                          event=Labelled(agent=commits[1].changes[0].agent, status="break",
                                         labels=frozenset({"x"})))
    store.commit(commits[1].state, (change,), expected_version=commits[1].expected)
    assert change is encode_change(change)
    assert change == store.history(change.agent)[-1]
    assert commits[1].state == store.load(change.agent)


def test_tags_that_are_not_a_tuple_are_kept_as_they_are() -> None:
    """A change whose tags are a list reads back equal (a list, not a tuple made of it)."""
    change = attrs.evolve(recorded_commits()[1].changes[0], tags=[])
    assert change is encode_change(change)


# -- the store -----------------------------------------------------------------------------------


def test_memory_store_reads_back_every_recorded_change() -> None:
    """History, changes_for_event and the feed of a MemoryStore return what was committed."""
    store = MemoryStore()
    commits = recorded_commits()
    for commit in commits:
        store.commit(commit.state, commit.changes, expected_version=commit.expected)
    committed = [c for commit in commits for c in commit.changes]
    assert all(_same(e, a) for e, a in zip(
        committed, [c for _, c in store.feed(limit=10_000)], strict=True))
    for agent in ("a1", "a2"):
        mine = [c for c in committed if c.agent == agent]
        assert all(_same(e, a) for e, a in zip(mine, store.history(agent), strict=True))
        assert mine[3:] == list(store.history(agent, start=mine[3].at))
        assert [c for c in mine if c.event_id == f"{agent}-login"] == list(
            store.changes_for_event(agent, f"{agent}-login"))


def test_memory_store_history_leaves_nothing_for_the_collector() -> None:
    """Applying more events grows the store's history without adding tracked objects."""
    tracker = Tracker(basic(), clock=ManualClock(START))
    agents = [f"a{i}" for i in range(20)]
    tracker.register_many(agents)

    def work() -> Iterator[None]:
        while True:
            for agent in agents:
                tracker.apply(Login(agent=agent))
                tracker.apply(SetStatus(agent=agent, status="offline"))
                tracker.apply(SetStatus(agent=agent, status="available"))
                yield
                tracker.apply(Logout(agent=agent))
                yield

    steps = work()
    for _ in range(200):
        next(steps)
    gc.collect()
    before = len(gc.get_objects())
    for _ in range(800):
        next(steps)
    gc.collect()
    assert len(gc.get_objects()) - before < 100  # after 1,600 more events


class _PlainStore:
    """A MemoryStore seen through the Store protocol only (no bulk registration)."""

    def __init__(self) -> None:
        self.inner = MemoryStore()

    def __getattr__(self, name: str) -> Any:
        if name == "add_agents":
            raise AttributeError(name)
        return getattr(self.inner, name)


def _both(agents: Sequence[Any], **options: Any) -> list[tuple[Any, list[Any], list[Any]]]:
    """register_many on a MemoryStore (bulk) and one agent at a time: outcome, states, feed."""
    outcomes = []
    for store in (MemoryStore(), _PlainStore()):
        tracker = Tracker(basic(), store=store, clock=ManualClock(START))  # type: ignore[arg-type]
        tracker.register("old")
        try:
            outcome: Any = tracker.register_many(agents, **options)
        except Exception as error:
            outcome = (type(error), str(error))
        outcomes.append((outcome, [tracker.state(a) for a in sorted(tracker.agents())],
                         [c for _, c in store.feed()]))
    return outcomes


def test_register_many_takes_the_bulk_path_on_a_memory_store() -> None:
    """A MemoryStore adds a roster at once; a store without add_agents one by one."""
    assert isinstance(MemoryStore(), RosterStore)
    assert not isinstance(_PlainStore(), RosterStore)


@pytest.mark.parametrize(("agents", "options"), [
    (["a1", "a2", "a3"], {}),
    (["a1", "old", "a2"], {}),
    (["a1", "old", "a2", "a1"], {"exist_ok": True}),
    (["a1", "a2", "a1"], {}),
    (["a1", "", "a2"], {}),
    (["a1", 7, "a2"], {"exist_ok": True}),
    (["a1", "b\x00", "a2"], {}),
    (["a1", "é", "a2"], {}),
    ([], {}),
])
def test_register_many_in_bulk_is_one_registration_each(agents: Sequence[Any],
                                                        options: dict[str, Any]) -> None:
    """The bulk path gives what one registration per agent gives: the count or the same
    error, the same states and the same feed (agents before a refused one are added)."""
    bulk, plain = _both(agents, **options)
    assert plain == bulk


def test_register_many_refuses_as_register_does() -> None:
    """A bad id raises InvalidField and a known agent AgentExists, after adding those before."""
    tracker = Tracker(basic(), clock=ManualClock(START))
    with pytest.raises(InvalidField):
        tracker.register_many(["a1", ""])
    with pytest.raises(AgentExists):
        tracker.register_many(["a2", "a1"])
    assert ["a1", "a2"] == sorted(tracker.agents())


def test_agents_registered_together_share_their_first_record() -> None:
    """Agents registered together read back their own registration, by their own id."""
    tracker = Tracker(basic(), clock=ManualClock(START))
    assert 3 == tracker.register_many(["a1", "a2", "a3"])
    for agent in ("a1", "a2", "a3"):
        (change,) = tracker.history(agent)
        assert (agent, agent, 1) == (change.agent, change.event.agent, change.seq)
        assert AgentState is type(tracker.state(agent))
        assert agent == tracker.state(agent).agent
    assert ["a1", "a2", "a3"] == [c.agent for _, c in tracker.store.feed()]
    assert 1 == len({id(tracker.store._entry(i)[1]) for i in range(3)})  # type: ignore[attr-defined]


def test_a_bulk_registration_keeps_an_odd_change_per_agent() -> None:
    """add_agents with a registration whose record would name its agent (its event's id is
    another string object than the change's) encodes each agent's own."""
    store = MemoryStore()
    tracker = Tracker(basic(), store=store, clock=ManualClock(START))
    tracker.register("a1", event_id="x")
    state, change = store.load("a1"), store.history("a1")[0]
    assert state is not None
    other = MemoryStore()
    other.add_agents(["a1", "a2"], state, attrs.evolve(change, agent="".join(["a", "1"])))
    assert ["a1", "a2"] == [c.agent for c in (*other.history("a1"), *other.history("a2"))]
    assert "a2" == other.history("a2")[0].event.agent
    assert timedelta(0) == other.history("a2")[0].at - change.at


class _CheckedStarts(list[int]):
    """The feed's starts, checking at each append that a reader in another thread would find
    the entry's data, and no agent's place pointing at the entry yet."""

    def __init__(self, store: MemoryStore) -> None:
        super().__init__(store._starts)
        self.store = store
        self.checked = 0

    def append(self, start: int) -> None:
        store, place = self.store, len(self)
        assert len(store._slots) > start, "the entry's start before its data"
        for places in store._history.values():
            listed = [places] if isinstance(places, int) else \
                [int.from_bytes(places[i:i + 8], sys.byteorder, signed=True)
                 for i in range(0, len(places), 8)]
            assert place not in listed, "an agent's place before the entry's start"
        self.checked += 1
        super().append(start)


def test_memory_store_writes_an_entry_before_it_lists_it() -> None:
    """A reader in another thread (``wait_for_changes`` beside a writer) never finds an
    entry's place or start before its data: each is written after what it points to (found
    in review: a feed read could raise IndexError)."""
    store = MemoryStore()
    starts = _CheckedStarts(store)
    store._starts = starts
    for commit in recorded_commits(["a1", "a2"]):
        store.commit(commit.state, commit.changes, expected_version=commit.expected)
    Tracker(basic(), store=store, clock=ManualClock(START)).register_many(["b1", "b2", "b3"])
    assert starts.checked > 20
