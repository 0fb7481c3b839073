"""The shape of the source: module boundaries, imports, and the fields the hot path relies on."""

from __future__ import annotations

import ast
import importlib
import random
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import attrs
import pytest

import agentstate
from agentstate import (
    AgentState,
    Change,
    DayRule,
    InvalidField,
    Login,
    ManualClock,
    Result,
    Role,
    Timer,
    TimerFired,
    Tracker,
    _ledger,
    presets,
)
from agentstate._lint import automatic_moves as lint_automatic_moves
from agentstate._policy import MoveKind, automatic_moves
from agentstate._report import day_bounds
from agentstate._state import TAG_NOTICES, Interaction, Membership, Tag

# The rules build these positionally (agentstate._builders), in declaration order: a field
# moved or added in the class must be moved or added in the rules' calls too. These lists pin
# the order, so a reordered class fails here, loudly, instead of filling the wrong fields.
POSITIONAL_FIELDS = {
    AgentState: ["agent", "version", "status", "reason", "since", "occupation",
                 "occupation_since", "updated_at", "session", "interactions", "deadlines",
                 "wrap_up_mode", "pending", "missed_in_a_row", "handled", "pauses",
                 "overrun_at", "wrap_up", "timezone", "memberships", "channels", "stop_new",
                 "stop_new_by", "device"],
    Change: ["agent", "seq", "at", "actor", "event", "from_status", "to_status", "from_reason",
             "to_reason", "from_occupation", "to_occupation", "event_id", "note", "tags"],
    Result: ["agent", "event", "changes", "fired", "duplicate", "policy"],
    Interaction: ["id", "channel", "queue", "state", "since", "direction", "hold", "transfer"],
    Membership: ["queue", "penalty", "position", "paused", "last_offer_at", "calls",
                 "calls_until", "paused_by"],
}


@pytest.mark.parametrize("cls", list(POSITIONAL_FIELDS), ids=lambda c: c.__name__)
def test_positional_field_order_is_pinned(cls: type) -> None:
    """The classes built positionally keep their fields in the order the rules pass them."""
    assert POSITIONAL_FIELDS[cls] == [f.name for f in attrs.fields(cls)]


SRC = Path(agentstate.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = sorted(_module_name(p) for p in SRC.rglob("*.py"))
IMPORTABLE = [m for m in MODULES if not m.endswith(".__main__")]  # __main__ runs the CLI


def _imports(module: str) -> set[str]:
    """The agentstate modules ``module`` imports: at the top, in functions, for type checking."""
    path = SRC.parent.joinpath(*module.split("."))
    path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        # A package runs before its modules whatever they import: an edge to it is no cycle.
        found.update(name for name in names
                     if name in MODULES and name != module and not module.startswith(name + "."))
    return found


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as a path that ends where it starts, or ``None``."""
    done: set[str] = set()
    for start in sorted(graph):
        if start in done:
            continue
        path = [start]
        todo: list[Iterator[str]] = [iter(sorted(graph[start]))]
        while todo:
            nxt = next(todo[-1], None)
            if nxt is None:
                todo.pop()
                done.add(path.pop())
            elif nxt in path:
                return [*path[path.index(nxt):], nxt]
            elif nxt not in done:
                path.append(nxt)
                todo.append(iter(sorted(graph[nxt])))
    return None


def test_the_import_graph_has_no_cycle() -> None:
    """No module of agentstate imports, directly or through others, a module that imports it
    (counting imports inside functions and for type checking: a cycle hidden there is one)."""
    graph = {module: _imports(module) for module in MODULES}
    assert None is _cycle(graph)


def test_the_cycle_finder_finds_a_cycle() -> None:
    """The graph check above would see a cycle if there were one."""
    assert ["a", "b", "c", "a"] == _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()})


def _run(code: str) -> tuple[int, str]:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False)
    return done.returncode, done.stderr


@pytest.mark.parametrize("order", ["sorted", "reversed", "shuffled"])
def test_every_module_imports_in_any_order(order: str) -> None:
    """Importing every module of agentstate, one after another in a fresh interpreter, works in
    any order."""
    modules = list(IMPORTABLE)
    if order == "reversed":
        modules.reverse()
    elif order == "shuffled":
        random.Random(18).shuffle(modules)
    assert (0, "") == _run(f"import importlib\nfor name in {modules!r}:\n"
                           "    importlib.import_module(name)\n")


def test_each_module_imports_first() -> None:
    """Each module imports as the first agentstate module of an interpreter (where a cycle
    would break: the first import of a module in a cycle finds the other half-built)."""
    code = f"""
import importlib, sys
for name in {IMPORTABLE!r}:
    for loaded in [m for m in sys.modules if m == "agentstate" or m.startswith("agentstate.")]:
        del sys.modules[loaded]
    importlib.import_module(name)
"""
    assert (0, "") == _run(code)


def test_every_private_module_declares_all() -> None:
    """Every module of agentstate states its public names in __all__."""
    missing = [m for m in IMPORTABLE if not isinstance(
        getattr(importlib.import_module(m), "__all__", None), list)]
    assert [] == missing


PRESETS = ["basic", "callharbor", "virtual_contact_center", "pbx_agent_portal", "webitel",
           "omnichannel", "freeswitch_callcenter", "asterisk_queue"]


@pytest.mark.parametrize("name", PRESETS)
def test_lint_reads_the_policys_own_list_of_automatic_moves(name: str) -> None:
    """Lint's automatic moves are the policy's list, armed and narrowed, never a move of its
    own; every one of them is a move the system is allowed to make."""
    policy = presets.preset(name)
    declared = {(source, move.dest) for move in automatic_moves(policy)
                for source in move.sources if source != move.dest}
    linted = lint_automatic_moves(policy)
    assert set() == linted - declared
    assert [] == [pair for pair in declared if Role.SYSTEM not in policy.allowed(*pair)]


def test_the_presets_list_their_automatic_moves() -> None:
    """The presets' automatic moves (misses, a reject, single call) are in their lists."""
    kinds = {move.kind for name in PRESETS for move in automatic_moves(presets.preset(name))}
    assert {MoveKind.NO_ANSWER, MoveKind.REJECT, MoveKind.INTERACTION_LIMIT} == kinds


def test_one_definition_of_a_day() -> None:
    """The day of daily limits is the calendar day of the agent's zone (else the site's) unless
    the rule rolls; a date names that calendar day either way."""
    at = datetime(2026, 3, 29, 12, tzinfo=timezone.utc)
    site = DayRule(timezone="Europe/Paris")
    assert _ledger.calendar_day("Europe/Paris", at) == _ledger.day_window(site, at)
    assert _ledger.calendar_day("Asia/Tokyo", at) == _ledger.day_window(site, at, "Asia/Tokyo")
    rolling = DayRule(timezone="Europe/Paris", rolling=True)
    assert (at - timedelta(hours=24), at) == _ledger.day_window(rolling, at)
    assert _ledger.calendar_date("Europe/Paris", at.date()) == _ledger.date_window(rolling,
                                                                                   at.date())
    assert _ledger.calendar_date("Europe/Paris", at.date()) == day_bounds(at.date(),
                                                                          "Europe/Paris")


def test_a_timer_event_names_its_timer_by_the_enum() -> None:
    """TimerFired.timer is a Timer; its value is accepted and converted, a typo is refused."""
    assert Timer.OFFER is TimerFired(agent="a", timer="offer").timer
    assert Timer.WRAP_UP is TimerFired(agent="a", timer=Timer.WRAP_UP).timer
    with pytest.raises(InvalidField, match=r"TimerFired\.timer refused: expected a Timer"):
        TimerFired(agent="a", timer="ofer")


def test_every_tag_says_which_notice_it_raises() -> None:
    """Each change tag has its row in the tag-to-notice table (a tag without one would be
    dropped on the way to a notice); tags compare equal to their stored values."""
    assert list(Tag) == list(TAG_NOTICES)
    assert ["pending", "override"] == [Tag.PENDING, Tag.OVERRIDE]


def test_an_eligibility_blocker_is_a_value() -> None:
    """blocker() answers with a frozen Blocker naming its kind and what it is about."""
    from agentstate._eligibility import Blocker, BlockKind, blocker, describe

    tracker = Tracker(presets.basic(), clock=ManualClock())
    tracker.register("ana")
    state = tracker.state("ana")
    found = blocker(tracker.policy, state, "sales", "voice")
    assert Blocker(kind=BlockKind.LOGGED_OUT) == found
    assert "logged out" == describe(tracker.policy, found)
    tracker.apply(Login(agent="ana"))
    found = blocker(tracker.policy, tracker.state("ana"), "sales", "voice")
    assert Blocker(kind=BlockKind.NOT_MEMBER, name="sales") == found
    assert "not a member of queue sales" == describe(tracker.policy, found)


MAX_LINES = 450
def test_long_modules_say_why() -> None:
    """A module longer than 450 lines says, in its docstring, the one reason to change that
    justifies its length."""
    long = []
    for path in SRC.rglob("*.py"):
        module = _module_name(path)
        text = path.read_text(encoding="utf-8")
        doc = " ".join((ast.get_docstring(ast.parse(text)) or "").split())
        if (text.count("\n") > MAX_LINES
                and "reason to change" not in doc):
            long.append(module)
    assert [] == sorted(long)
