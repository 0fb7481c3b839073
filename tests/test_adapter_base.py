"""What every adapter does (issue #15 point 3): feeding in any chunks, resuming from a position,
and no exception but the adapter's own on any input, with the tracker's invariants intact.

The fuzz tests run over every source in ``SOURCES``: random bytes, and real records (from
``../shared/data`` when present, else the small scenarios of these tests) truncated, shuffled
and duplicated.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, given, settings

from agentstate.adapters import SOURCES, AdapterError, replay_source, replay_stream
from agentstate.adapters.asterisk import QueueLogAdapter, policy, replay
from agentstate.testing import check_invariants

SHARED = Path(os.environ.get("AGENTSTATE_SHARED_DATA",
                             Path(__file__).parents[2] / "shared" / "data"))
"""The shared real data: beside the checkout in CI, or where ``AGENTSTATE_SHARED_DATA`` says."""
PBXWARE = SHARED / "pbxware-2018" / "queue_log.asterisk-format.DERIVED.txt"
needs_pbxware = pytest.mark.skipif(not PBXWARE.exists(),
                                   reason=f"the real PBX capture is not at {PBXWARE}")

T = 1_700_000_000
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "60"))
"""Examples per source for the fuzz test (raise it for a longer run)."""

FALLBACK: dict[str, list[bytes]] = {
    "queue_log": [f"{T}|c0|sales|SIP/7|ADDMEMBER|\n".encode(),
                  f"{T + 5}|c1|sales|Agent/7|CONNECT|3|b1|2\n".encode(),
                  f"{T + 65}|c1|sales|Agent/7|COMPLETEAGENT|3|60|1\n".encode(),
                  f"{T + 70}|NONE|sales|Agent/7|PAUSE|Lunch\n".encode(),
                  f"{T + 90}|NONE|sales|Agent/7|UNPAUSE|\n".encode(),
                  f"{T + 99}|c2|sales|Agent/7|RINGNOANSWER|5000\n".encode()],
    "ami": [f"Event: QueueMemberAdded\r\nTimestamp: {T}\r\nQueue: q\r\nMemberName: A\r\n\r\n"
            .encode(),
            f"Event: AgentCalled\r\nTimestamp: {T + 1}\r\nQueue: q\r\nMemberName: A\r\n"
            "Uniqueid: u1\r\n\r\n".encode(),
            f"Event: AgentConnect\r\nTimestamp: {T + 2}\r\nQueue: q\r\nMemberName: A\r\n"
            "Uniqueid: u1\r\nRingTime: 1\r\n\r\n".encode(),
            f"Event: QueueMemberPause\r\nTimestamp: {T + 9}\r\nQueue: q\r\nMemberName: A\r\n"
            "Paused: 1\r\nPausedReason: Break\r\n\r\n".encode()],
}
"""Small records of each source, used when the real data is absent."""

REAL: dict[str, list[Path]] = {
    "queue_log": [PBXWARE],
    "ami": sorted((SHARED / "ami").glob("*/*.ami.txt")),
    "connect": [SHARED / "amazon-connect-acw" / "acw_example_events.jsonl"],
    "freeswitch": sorted((SHARED / "freeswitch-callcenter").glob("*.VERBATIM.txt")),
    "taskrouter": sorted((SHARED / "twilio-taskrouter").glob("*.json")),
}


def records(source: str) -> list[bytes]:
    """Real records of ``source`` (lines, or AMI messages), else the fallback ones."""
    found: list[bytes] = []
    for path in REAL.get(source, []):
        if not path.exists():
            continue
        data = path.read_bytes()
        if source == "ami":
            found += [part + b"\r\n\r\n" for part in data.replace(b"\r\n", b"\n")
                      .split(b"\n\n") if part.strip()]
        else:
            found += [line + b"\n" for line in data.splitlines() if line.strip()]
    return found[:400] or FALLBACK.get(source, [b"\n"])


def inputs(source: str) -> st.SearchStrategy[list[bytes]]:
    real = records(source)
    record = st.one_of(
        st.sampled_from(real),
        st.sampled_from(real).flatmap(lambda r: st.integers(0, len(r)).map(lambda n: r[:n])),
        st.binary(max_size=80))
    return st.lists(record, max_size=30)


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_every_source_reads_arbitrary_input_with_only_its_own_error(source: str) -> None:
    """Random bytes, truncated, shuffled and repeated real records: never an exception but
    the adapter's own (and only in strict mode), and the tracker's invariants hold."""

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    @given(inputs(source))
    def check(chunks: list[bytes]) -> None:
        result = replay_source(source, chunks)
        for agent in result.tracker.agents():
            check_invariants(result.tracker, agent)
        assert all(note.line >= 0 for note in result.notes)
        with contextlib.suppress(AdapterError):
            replay_source(source, b"".join(chunks), strict=True)

    check()


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_every_unusable_record_is_noted(source: str) -> None:
    """A line of garbage between real records is noted, never silently dropped."""
    real = records(source)
    garbage = b"\x01\x02 garbage \xff\n\n" if source != "queue_log" else b"garbage\n"
    result = replay_source(source, b"".join([*real[:3], garbage, *real[3:6]]))
    assert result.problems


# -- the queue_log followed as it grows ---------------------------------------------------------


def test_the_followed_queue_log_is_the_same_in_any_chunks() -> None:
    """A queue_log fed a few bytes at a time gives the events of one feed."""
    data = b"".join(FALLBACK["queue_log"])
    whole = QueueLogAdapter()
    expected = [*whole.feed(data).events, *whole.close().events]
    pieces = QueueLogAdapter()
    events = []
    for i in range(0, len(data), 5):
        events.extend(pieces.feed(data[i:i + 5]).events)
    events.extend(pieces.close().events)
    assert expected == events
    assert len(data) == pieces.position.offset


def test_a_followed_queue_log_resumes_from_its_stored_position() -> None:
    """Read part of a growing file, store the position, resume from it: the same events as
    one read, and the record numbers carry on."""
    data = b"".join(FALLBACK["queue_log"])
    one = QueueLogAdapter()
    expected = [*one.feed(data).events, *one.close().events]
    first = QueueLogAdapter()
    events = list(first.feed(data[:len(data) // 2]).events)
    stored = first.position
    assert data[:stored.offset].endswith(b"\n")
    second = QueueLogAdapter(position=stored)
    second.feed(b"")
    # the resumed adapter has not seen the agent log in: it logs it in implicitly, noted
    rest = [*second.feed(data[stored.offset:]).events, *second.close().events]
    assert [type(e) for e in expected if type(e).__name__ != "Login"][-3:] == [
        type(e) for e in rest][-3:]
    assert len(FALLBACK["queue_log"]) == second.position.record
    assert events


@needs_pbxware
def test_the_followed_pbxware_log_counts_the_calls_of_the_whole_log_replay() -> None:
    """Followed in 777-byte chunks, the real capture gives the whole-log replay's counts and
    the same sessions, without a problem."""
    data = PBXWARE.read_bytes()
    chunks = [data[i:i + 777] for i in range(0, len(data), 777)]
    followed = replay_stream(QueueLogAdapter(), chunks, policy=policy())
    whole = replay(data.decode().splitlines(keepends=True))
    assert whole.report().counts == followed.report().counts
    assert len(whole.report().sessions) == len(followed.report().sessions)
    assert () == followed.problems
    assert len(data) == followed.position.offset


def test_the_example_replays_any_source_from_stdin() -> None:
    """examples/replay_source.py prints one report line per agent, whatever the source."""
    import subprocess
    import sys

    script = Path(__file__).parents[1] / "examples" / "replay_source.py"
    done = subprocess.run([sys.executable, str(script), "queue_log", "-"],
                          input=b"".join(FALLBACK["queue_log"]), capture_output=True,
                          timeout=120, check=True)
    lines = done.stdout.decode().splitlines()
    assert lines[1].split()[0] == "7"
    assert lines[-1].startswith("notes:")
