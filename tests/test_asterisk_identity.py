"""The queue_log adapter: one agent per person (interface and member name), lines after an
unclean shutdown, and bad numbers noted instead of raised (issues #15 points 1-2, #19 point 9)."""

from __future__ import annotations

import contextlib
import os
from datetime import timedelta
from pathlib import Path

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, given, settings

from agentstate.adapters import asterisk
from agentstate.adapters.asterisk import NoteKind, Pairing, QueueLogError

SHARED = Path(os.environ.get("AGENTSTATE_SHARED_DATA",
                             Path(__file__).parents[2] / "shared" / "data"))
"""The shared real data: beside the checkout in CI, or where ``AGENTSTATE_SHARED_DATA`` says."""
PBXWARE = SHARED / "pbxware-2018" / "queue_log.asterisk-format.DERIVED.txt"
needs_pbxware = pytest.mark.skipif(
    not PBXWARE.exists(), reason=f"the real PBX capture is not at {PBXWARE} (shared data)")

T = 1_700_000_000


def lines(*rows: str) -> list[str]:
    """Log lines from rows written with offsets: ``"+10|c1|q|Agent/7|CONNECT|..."``."""
    out = []
    for row in rows:
        offset, rest = row.split("|", 1)
        out.append(f"{T + int(offset)}|{rest}\n")
    return out


def sessions(replay: asterisk.Replay) -> list[tuple[str, int, int | None]]:
    """Every login session as (agent, start offset, end offset)."""
    rep = replay.report()
    return [(s.agent, int(s.start.timestamp()) - T,
             None if s.end is None else int(s.end.timestamp()) - T) for s in rep.sessions]


# -- identity ------------------------------------------------------------------------------------

SHARED_PHONE = lines(
    "0|MANAGER|support|SIP/1001|ADDMEMBER|PAUSED",
    "0|NONE|support|Sathish|PAUSE|",
    "60|NONE|support|Sathish|UNPAUSE|",
    "100|c1|support|Sathish|CONNECT|5|b1|3",
    "200|c1|support|Sathish|COMPLETECALLER|5|100|1",
    "300|MANAGER|support|SIP/1001|REMOVEMEMBER|",
    "400|MANAGER|support|SIP/1001|ADDMEMBER|PAUSED",
    "400|NONE|support|Priya|PAUSE|",
    "450|NONE|support|Priya|UNPAUSE|",
    "500|c2|support|Priya|RINGNOANSWER|15000",
    "600|MANAGER|support|SIP/1001|REMOVEMEMBER|",
)


def test_interface_and_member_name_are_one_agent() -> None:
    """ADDMEMBER under the interface and calls under the member name credit one person."""
    replay = asterisk.replay(SHARED_PHONE)
    assert [("Sathish", 0, 300), ("Priya", 400, 600)] == sessions(replay)
    assert ["Priya", "Sathish"] == sorted(replay.tracker.agents())
    assert [] == [n for n in replay.notes if "implicitly" in n.message]


def test_the_pairings_used_are_reported_again_at_each_addmember() -> None:
    """People share phones: each ADDMEMBER learns the pairing anew, and the replay lists it."""
    replay = asterisk.replay(SHARED_PHONE)
    assert (Pairing(interface="SIP/1001", member="Sathish", agent="Sathish", line=1,
                    learned=True),
            Pairing(interface="SIP/1001", member="Priya", agent="Priya", line=7,
                    learned=True)) == replay.pairings


def test_the_hosts_pairing_wins_over_the_log() -> None:
    """A pairing the host supplies is used where the log shows none."""
    log = lines("0|MANAGER|support|PJSIP/1002|ADDMEMBER|",
                "100|c1|support|Ana|CONNECT|5|b1|3",
                "200|MANAGER|support|PJSIP/1002|REMOVEMEMBER|")
    replay = asterisk.replay(log, members={"PJSIP/1002": "Ana"})
    assert [("Ana", 0, 200)] == sessions(replay)
    assert (Pairing(interface="PJSIP/1002", member="Ana", agent="Ana", line=1,
                    learned=False),) == replay.pairings


def test_a_call_in_the_same_second_never_pairs() -> None:
    """Other members' calls go on around an ADDMEMBER: only a pause or login pairs."""
    log = lines("0|MANAGER|support|SIP/1003|ADDMEMBER|",
                "0|c1|support|Bob|RINGNOANSWER|1000")
    assert () == asterisk.replay(log).pairings


@needs_pbxware
def test_the_pbxware_capture_pairs_every_callback_interface_with_its_agent() -> None:
    """PBXware logs AGENTCALLBACKLOGIN beside each ADDMEMBER: Local/N@callback-agent is
    Agent/N, and every session belongs to one of the six agents."""
    with PBXWARE.open() as log:
        replay = asterisk.replay(log)
    pairs = {(p.interface, p.member) for p in replay.pairings}
    assert {(f"Local/{n}@callback-agent", f"Agent/{n}")
            for n in ("1109", "1126", "1127", "1128", "1141", "1144")} == pairs
    assert {"1109", "1126", "1127", "1128", "1141", "1144"} == set(replay.tracker.agents())


# -- unclean shutdowns ---------------------------------------------------------------------------


def test_a_line_after_nul_bytes_is_read_and_noted() -> None:
    """NUL bytes before a line (a crash) are dropped: the line is read, the drop noted."""
    log = asterisk.read(["\x00\x00\x00" + lines("0|NONE|NONE|NONE|QUEUESTART|")[0]])
    assert [asterisk.QueueStart] == [type(r) for r in log.records]
    assert [(1, NoteKind.ADJUSTED)] == [(n.line, n.kind) for n in log.notes]


def test_a_queuestart_after_nul_bytes_still_ends_the_open_calls() -> None:
    """The restart read from a NUL-prefixed line ends the calls open at the time."""
    log = lines("0|MANAGER|support|SIP/7|ADDMEMBER|",
                "10|c1|support|SIP/7|CONNECT|5|b1|3")
    log.append("\x00" * 40 + lines("50|NONE|NONE|NONE|QUEUESTART|")[0])
    replay = asterisk.replay(log)
    (call,) = replay.report().interactions
    assert (T + 50, ()) == (int(call.ended_at.timestamp()) if call.ended_at else None,
                            replay.problems)


@needs_pbxware
def test_the_pbxware_capture_reads_the_same_with_nul_bytes_before_its_restarts() -> None:
    """Every QUEUESTART of the real capture prefixed by NULs replays to the same report."""
    with PBXWARE.open() as log:
        clean = log.readlines()
    dirty = [("\x00" * 512 + line) if "|QUEUESTART|" in line else line for line in clean]
    expected, actual = asterisk.replay(clean), asterisk.replay(dirty)
    assert expected.report() == actual.report()
    assert 7 == sum(1 for n in actual.notes if n.kind is NoteKind.ADJUSTED and "NUL" in
                    n.message)
    assert () == actual.problems


# -- bad numbers (#19 point 9) -------------------------------------------------------------------

BAD_NUMBERS = ["nan", "inf", "-inf", "1e309", "1e5", "9" * 40, "²", "١٢", "0x10", "1_000"]


@pytest.mark.parametrize("number", BAD_NUMBERS)
def test_a_bad_number_in_a_field_is_noted_and_the_read_goes_on(number: str) -> None:
    """nan, inf, huge values and non-ASCII digits are malformed lines, never a raw error."""
    log = [*lines("0|MANAGER|support|SIP/7|ADDMEMBER|"),
           f"{T + 5}|c1|support|SIP/7|CONNECT|{number}|b1|3\n",
           f"{T + 6}|c1|support|SIP/7|RINGNOANSWER|{number}\n"]
    replay = asterisk.replay(log)
    assert [(2, NoteKind.MALFORMED), (3, NoteKind.MALFORMED)] == [
        (n.line, n.kind) for n in replay.problems]
    with pytest.raises(QueueLogError) as caught:
        asterisk.parse_line(log[1], line=2)
    assert NoteKind.MALFORMED == caught.value.kind


@pytest.mark.parametrize("time", ["²", "1e9", "nan", "99999999999999999999", "32503680000",
                                  "-5", "17000000.5.5"])
def test_a_bad_time_is_noted_and_the_read_goes_on(time: str) -> None:
    """A time that is not epoch seconds before the year 3000 makes the line malformed."""
    log = asterisk.read([f"{time}|NONE|NONE|NONE|QUEUESTART|\n"])
    assert [NoteKind.MALFORMED] == [n.kind for n in log.notes]


def test_numbers_as_asterisk_writes_them_are_read() -> None:
    """Whole and decimal seconds, and the largest allowed value, still parse."""
    record = asterisk.parse_line(f"{T}.25|c1|q|Agent/7|CONNECT|10000000000|b|2.5")
    assert isinstance(record, asterisk.Connect)
    assert (timedelta(seconds=10**10), timedelta(seconds=2.5)) == (record.hold_time,
                                                                   record.ring_time)


FIELD = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["NONE", "", "Agent/7", "SIP/7", "q", "c1", *BAD_NUMBERS, "10", "1.5"]),
    st.integers(-10**30, 10**30).map(str),
    st.floats().map(str))
EVENTS = st.sampled_from([
    "ADDMEMBER", "REMOVEMEMBER", "AGENTLOGIN", "AGENTCALLBACKLOGOFF", "PAUSE", "UNPAUSEALL",
    "RINGNOANSWER", "RINGCANCELED", "CONNECT", "COMPLETEAGENT", "BLINDTRANSFER", "ENTERQUEUE",
    "ABANDON", "EXITWITHKEY", "QUEUESTART", "OUTDIAL", "BOGUS"])
LINE = st.one_of(
    st.text(max_size=60),
    st.tuples(st.one_of(FIELD, st.integers(T, T + 3600).map(str)), FIELD, FIELD, FIELD, EVENTS,
              st.lists(FIELD, max_size=5)).map(
        lambda t: "|".join([*t[:5], *t[5]]) + "\n"),
    st.binary(max_size=40).map(lambda b: b.decode("latin-1")))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LINE, max_size=25))
def test_arbitrary_lines_are_read_and_replayed_without_a_raw_error(log: list[str]) -> None:
    """Any lines: the replay notes what it cannot use; strict raises only QueueLogError."""
    replay = asterisk.replay(log)
    for note in replay.notes:
        assert note.line >= 1
    with contextlib.suppress(QueueLogError):
        asterisk.replay(log, strict=True)
