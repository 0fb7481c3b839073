"""The invariants every agent's state and history must satisfy, under any policy."""

from __future__ import annotations

from datetime import timedelta

from .._tracker import Tracker, replay

__all__ = ["check_invariants"]


def check_invariants(tracker: Tracker, agent: str) -> None:
    """Assert every invariant for ``agent``; raises ``AssertionError`` naming the broken one.

    1. History is gapless: entry ``n`` has ``seq == n``, and its ``from_*`` equal the previous
       entry's ``to_*`` (so the recorded intervals tile the timeline: no gap, no overlap).
    2. Time never goes backwards in an agent's history; no duration is negative.
    3. The current state is the last entry's ``to_*`` at the last entry's version and time.
    4. Replaying the history from its first event reproduces the current state exactly.
    5. An agent is logged in exactly when it is not in the policy's logged-out status.
    """
    policy = tracker.policy
    state = tracker.state(agent)
    history = list(tracker.history(agent))
    assert history, f"{agent}: no history"
    previous = None
    for number, entry in enumerate(history, start=1):
        assert entry.seq == number, f"{agent}: entry {number} has seq {entry.seq}"
        if previous is None:
            assert entry.from_status is None, f"{agent}: first entry is not the registration"
        else:
            assert entry.at >= previous.at, (
                f"{agent}: time went backwards at seq {entry.seq}: {previous.at} -> {entry.at}")
            here = (entry.from_status, entry.from_reason, entry.from_occupation)
            there = (previous.to_status, previous.to_reason, previous.to_occupation)
            assert here == there, f"{agent}: gap at seq {entry.seq}: {there} then {here}"
        previous = entry
    assert previous is not None
    assert (state.status, state.reason, state.occupation) == (
        previous.to_status, previous.to_reason, previous.to_occupation), (
        f"{agent}: state disagrees with its last history entry")
    assert state.version == previous.seq, f"{agent}: version {state.version} != {previous.seq}"
    assert state.updated_at == previous.at, f"{agent}: updated_at is not the last change's time"
    assert state.since <= state.updated_at, f"{agent}: status began after the last change"
    assert state.occupation_since <= state.updated_at, f"{agent}: occupation began late"
    assert tracker.time_in_status(agent) >= timedelta(0)
    assert tracker.time_in_occupation(agent) >= timedelta(0)
    assert (state.session is None) == (state.status == policy.logged_out), (
        f"{agent}: logged in {state.session is not None} but status {state.status!r}")
    rebuilt = replay(policy, history)
    assert rebuilt == state, f"{agent}: replay gives {rebuilt}, state is {state}"
