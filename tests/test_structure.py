"""The shape of the source: module boundaries, imports, and the fields the hot path relies on."""

from __future__ import annotations

import attrs
import pytest

from agentstate import AgentState, Change, Result
from agentstate._state import Interaction, Membership

# The rules build these positionally (agentstate._builders), in declaration order: a field
# moved or added in the class must be moved or added in the rules' calls too. These lists pin
# the order, so a reordered class fails here, loudly, instead of filling the wrong fields.
POSITIONAL_FIELDS = {
    AgentState: ["agent", "version", "status", "reason", "since", "occupation",
                 "occupation_since", "updated_at", "session", "interactions", "deadlines",
                 "wrap_up_mode", "pending", "missed_in_a_row", "handled", "pauses",
                 "overrun_at", "wrap_up", "timezone", "memberships", "channels", "stop_new"],
    Change: ["agent", "seq", "at", "actor", "event", "from_status", "to_status", "from_reason",
             "to_reason", "from_occupation", "to_occupation", "event_id", "note", "tags"],
    Result: ["agent", "event", "changes", "fired", "duplicate", "policy"],
    Interaction: ["id", "channel", "queue", "state", "since"],
    Membership: ["queue", "penalty", "position", "paused", "last_offer_at", "calls",
                 "calls_until"],
}


@pytest.mark.parametrize("cls", list(POSITIONAL_FIELDS), ids=lambda c: c.__name__)
def test_positional_field_order_is_pinned(cls: type) -> None:
    """The classes built positionally keep their fields in the order the rules pass them."""
    assert POSITIONAL_FIELDS[cls] == [f.name for f in attrs.fields(cls)]
