"""PostgresStore writes each state and history entry as the codec's JSON text, byte for byte
(it writes them field by field, reusing the text of fields an event did not change)."""

from __future__ import annotations

import itertools
import os

from agentstate import ManualClock, Tracker
from agentstate._codec import encode_change, encode_state
from agentstate._postgres import PostgresStore
from agentstate._rows import dumps
from agentstate.presets import basic
from tests._stores import START, busy_day

_schemas = itertools.count()


def test_stored_texts_are_the_codecs_byte_for_byte(conninfo: str) -> None:
    """After a busy day, every agent's stored state text and every history entry's text
    equal the codec's dumps of the value read back."""
    import psycopg

    schema = f"text_{os.getpid()}_{next(_schemas)}"
    clock = ManualClock(START)
    with PostgresStore(conninfo, schema=schema) as store:
        tracker = Tracker(basic(), store=store, clock=clock)
        busy_day(tracker, clock)
        with psycopg.connect(conninfo, autocommit=True) as conn:
            states = conn.execute(f'SELECT agent, state::text FROM "{schema}".agents').fetchall()
            entries = conn.execute(f'SELECT agent, seq, entry::text FROM "{schema}".history '
                                   "ORDER BY agent, seq").fetchall()
        assert len(states) > 1
        assert len(entries) > 2 * len(states)
        for agent, text in states:
            state = store.load(agent)
            assert state is not None
            assert dumps(encode_state(state), agent=agent) == text
        changes = {(agent, change.seq): change for agent, _ in states
                   for change in store.history(agent)}
        for agent, seq, text in entries:
            assert dumps(encode_change(changes[agent, seq]), agent=agent) == text
