"""Who a queue_log line is about: a member's interface and its member name resolved to one agent.

Asterisk logs ADDMEMBER and REMOVEMEMBER under the member's *interface* (``SIP/1001``,
``PJSIP/1001``, ``Local/1001@agents/n``) and calls, pauses and ring-no-answers under the *member
name* (``Sathish``), unless ``log_membername_as_agent`` is set. Several people can use one phone
over time, so the pairing is learned again at every ADDMEMBER: the pairing holds from that line
until the interface is added again.

A pairing is learned where the log shows it: a PAUSE or agent login of another member logged
**in the same second as the ADDMEMBER, by the same queue or under the same call id** (the PAUSE
of a member added paused, PBXware's AGENTCALLBACKLOGIN beside its ADDMEMBER); call lines never
pair, since other members' calls go on around an ADDMEMBER. When exactly one such member is
found, the interface means that member from then on. A host that knows better passes its own
pairings (``members=``, interface to member name), which win over what the log shows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import attrs

from ._common import NONE
from ._records import AddMember, AgentLogin, Pause, Record, RemoveMember

__all__ = ["Pairing", "Resolver", "resolve"]


@attrs.frozen(kw_only=True)
class Pairing:
    """An interface found to mean a member name, from one line of the log onwards.

    Attributes:
        interface: the member's interface, as ADDMEMBER logs it (``SIP/1001``).
        member: the member name the calls and pauses are logged under (``Sathish``).
        agent: the agent id both resolve to.
        line: the ADDMEMBER line from which the pairing holds.
        learned: ``True`` when read from the log, ``False`` when the host supplied it.
    """

    interface: str
    member: str
    agent: str
    line: int
    learned: bool


def _named(member: str) -> bool:
    return member not in ("", NONE)


class Resolver:
    """Resolves members to agent ids, learning pairings as records come (in log order).

    Args:
        agent_id: maps a member name (or an interface never paired) to an agent id.
        members: the host's pairings, interface to member name; they win over the log.
    """

    def __init__(self, agent_id: Callable[[str], str], members: Mapping[str, str] | None = None
                 ) -> None:
        self.agent_id = agent_id
        self.host = dict(members or {})
        self.current: dict[str, str] = {}
        self.pairings: list[Pairing] = []

    def resolve(self, records: Sequence[Record]) -> dict[int, str]:
        """The agent id of each record's member, keyed by line (none for ``NONE``). Pairings
        are learned from ``records`` (the whole log, or every record of one second)."""
        seconds: dict[int, list[Record]] = {}
        for record in records:
            seconds.setdefault(int(record.time.timestamp()), []).append(record)
        agents: dict[int, str] = {}
        for record in records:
            member = record.member
            if not _named(member):
                continue
            if isinstance(record, AddMember):
                name = self.host.get(member)
                learned = name is None
                if name is None:
                    name = _partner(record, seconds[int(record.time.timestamp())])
                if name is not None and self.current.get(member) != name:
                    self.current[member] = name
                    self.pairings.append(Pairing(interface=member, member=name,
                                                 agent=self.agent_id(name), line=record.line,
                                                 learned=learned))
            agents[record.line] = self.agent_id(self.current.get(member,
                                                                 self.host.get(member, member)))
        return agents


def resolve(records: Sequence[Record], agent_id: Callable[[str], str],
            members: Mapping[str, str] | None = None
            ) -> tuple[dict[int, str], tuple[Pairing, ...]]:
    """The agent id of every record's member (keyed by line), and the pairings used."""
    resolver = Resolver(agent_id, members)
    agents = resolver.resolve(records)
    return agents, tuple(resolver.pairings)


def _partner(add: AddMember, same_second: Sequence[Record]) -> str | None:
    """The one member name logged beside ``add`` (same second, same queue or call id)."""
    interfaces = {r.member for r in same_second if isinstance(r, AddMember | RemoveMember)}
    found = {r.member for r in same_second
             if isinstance(r, Pause | AgentLogin) and _named(r.member)
             and r.member not in interfaces
             and ((r.queue == add.queue and _named(r.queue))
                  or (r.callid == add.callid and _named(r.callid)))}
    return found.pop() if len(found) == 1 else None
