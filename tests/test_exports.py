"""The public API is exactly what __all__ says, and the engine never leaks."""

from __future__ import annotations

import importlib

import pytest

import agentstate
import agentstate.adapters.asterisk
import agentstate.aio
import agentstate.presets
import agentstate.simulation
import agentstate.testing
import agentstate.wire

MODULES = [agentstate, agentstate.adapters.asterisk, agentstate.aio, agentstate.presets,
           agentstate.simulation, agentstate.testing, agentstate.wire]


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_all_is_sorted_and_importable(module: object) -> None:
    """Every name in __all__ exists, and __all__ is sorted and free of duplicates."""
    names = list(module.__all__)  # type: ignore[attr-defined]
    assert sorted(set(names)) == names
    for name in names:
        assert hasattr(module, name), name


def test_transitions_does_not_leak() -> None:
    """No public name is, or is from, the transitions library."""
    for name in agentstate.__all__:
        value = getattr(agentstate, name)
        assert "transitions" not in getattr(value, "__module__", ""), name
        assert name != "Machine"


def test_private_modules_define_their_all() -> None:
    """Each private module (every module whose own name starts with one underscore, found by
    walking the package) declares __all__ as a list."""
    import pkgutil

    private = [info.name for info in pkgutil.walk_packages(agentstate.__path__, "agentstate.")
               if info.name.rsplit(".", 1)[-1].startswith("_")
               and not info.name.rsplit(".", 1)[-1].startswith("__")]
    assert "agentstate._presets_parts" in private
    missing = [name for name in private
               if not isinstance(getattr(importlib.import_module(name), "__all__", None), list)]
    assert [] == missing


def test_package_is_typed() -> None:
    """The package ships py.typed for type checkers."""
    from importlib.resources import files

    assert files("agentstate").joinpath("py.typed").is_file()
