"""The store conformance suite (``agentstate.testing.StoreConformance``) on every store."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from agentstate import MemoryStore, Store
from agentstate._postgres import PostgresStore
from agentstate._sqlite import SQLiteStore
from agentstate.testing._conformance import StoreConformance
from tests import _pg

_names = itertools.count()


class TestMemoryStore(StoreConformance):
    def make_store(self) -> Store:
        return MemoryStore()


class TestSQLiteStore(StoreConformance):
    @pytest.fixture(autouse=True)
    def _folder(self, tmp_path: Path) -> None:
        self.folder = tmp_path

    def make_store(self) -> Store:
        return SQLiteStore(self.folder / f"store-{next(_names)}.db")

    def reopen_store(self, store: Store) -> Store:
        assert isinstance(store, SQLiteStore)
        return SQLiteStore(store.path)


class TestPostgresStore(StoreConformance):
    @pytest.fixture(autouse=True)
    def _server(self) -> None:
        self.conninfo = _pg.require().conninfo

    def make_store(self) -> Store:
        return PostgresStore(self.conninfo, schema=f"conformance_{next(_names)}")

    def reopen_store(self, store: Store) -> Store:
        assert isinstance(store, PostgresStore)
        return PostgresStore(self.conninfo, schema=store.schema)
