"""The Asterisk ``queue_log`` adapter: read a queue_log, replay it through a tracker.

Asterisk's ``app_queue`` writes one line per queue event, pipe-separated::

    time|callid|queue|agent|EVENT|data1|data2|...

:func:`read` parses lines into typed :class:`Record` values (``Connect``, ``Complete``, ...),
reporting the lines it cannot parse instead of stopping. :func:`replay` turns the records into
agentstate events and applies them to a :class:`~agentstate.Tracker` whose
:class:`~agentstate.ManualClock` follows the log's timestamps, and rebuilds the caller side of
each queue call (:class:`QueueCall`: wait, hold and talk times). Reports then come from the
tracker's history (:mod:`agentstate` reports), like for any other host.

Mapping
-------
==================================  ==============================================================
queue_log                            agentstate
==================================  ==============================================================
ADDMEMBER, AGENTLOGIN,               :class:`~agentstate.Login` when the agent was logged out
AGENTCALLBACKLOGIN                   (ADDMEMBER ``PAUSED``: logs in paused)
REMOVEMEMBER, AGENTLOGOFF,           :class:`~agentstate.Logout` once the agent is in no queue and
AGENTCALLBACKLOGOFF                  has no agent login left
PAUSE, PAUSEALL                      :class:`~agentstate.SetStatus` ``paused`` with the reason
UNPAUSE, UNPAUSEALL                  :class:`~agentstate.SetStatus` to the login status
RINGNOANSWER (ring ms)               offered at ``t - ring``, missed at ``t``
RINGCANCELED (ring ms)               offered at ``t - ring``, withdrawn (ended) at ``t``
CONNECT (hold, bridged, ring s)      offered at ``t - ring``, answered at ``t``
COMPLETEAGENT, COMPLETECALLER,       :class:`~agentstate.InteractionEnded` at ``t``
TRANSFER, BLINDTRANSFER,
ATTENDEDTRANSFER
ENTERQUEUE, ABANDON, EXITEMPTY,      caller side only: :class:`QueueCall`
EXITWITHKEY, EXITWITHTIMEOUT
QUEUESTART                           an Asterisk (re)start: see *Restarts*
CONFIGRELOAD                         nothing (a reload keeps members and calls)
OUTDIAL, OUTANSWER, ... (PBXware)    skipped: outbound calls have no Asterisk queue meaning
==================================  ==============================================================

Choices
-------
- **Agents.** Asterisk logs ADDMEMBER and REMOVEMEMBER under the member's interface
  (``SIP/1001``, ``Local/1127@callback-agent``) and calls and pauses under its member name
  (``Sathish``, ``Agent/1127``). The replay pairs them where the log shows it (a PAUSE or agent
  login of one member in the same second as an interface's ADDMEMBER, by the same queue or call
  id), again at each ADDMEMBER since people share phones, and reports the pairings it used
  (:attr:`Replay.pairings`); pass ``members=`` with pairings of your own. :func:`member_agent`
  then maps a name to an agent id (``Agent/1127`` and ``Local/1127@...`` to ``1127``); pass
  ``agent_id=`` to map them otherwise.
- **Unclean shutdowns.** NUL bytes before a line (a crash leaves them before the restart's
  first line) are dropped, noted (``ADJUSTED``), and the line is read.
- **One status per agent.** Asterisk pauses a member per queue; agentstate has one status per
  agent, so a pause (or unpause) in any queue pauses (or unpauses) the agent. PAUSEALL is logged
  once before the per-queue PAUSE lines: the first line pauses the agent and the next ones,
  already paused with the same reason, change nothing, so the time is counted once. A pause
  without a reason gets the reason :data:`NO_REASON`, so that all paused time is in the pause
  totals.
- **Time order.** agentstate refuses an event older than the agent's last change. Each line
  becomes one or two steps at their own times (the offer ``ring`` seconds before a CONNECT or
  RINGNOANSWER line), and the steps are applied in time order, log order breaking ties, so two
  overlapping rings are replayed as they happened. The tracker's clock follows the steps and
  never goes back. A step that would still fall before the agent's last change (replaying into a
  tracker that already holds later history) is moved to that change, noted (``ADJUSTED``).
- **Two calls at once.** Asterisk rings a member that is already on a call (``ringinuse=yes``,
  or a Local-channel or callback member whose device state the queue cannot see), and may ring
  it for two waiting calls at once: :func:`policy` holds two voice calls per agent by default.
- **Restarts.** QUEUESTART is logged when ``app_queue`` loads, i.e. when Asterisk starts. Calls
  do not survive it: the open calls are ended at the restart (noted). Login sessions do, by
  default (:attr:`Restart.KEEP`): persistent members and callback agents are restored by the
  PBX (PBXware re-adds them from ``MANAGER`` a second later, and its own AGENTCALLBACKLOGOFF
  ``logintime`` spans the restart), so the re-adding ADDMEMBER changes nothing.
  :attr:`Restart.LOGOUT` logs every agent out at the restart instead, for PBXs that do not
  restore members. CONFIGRELOAD (``module reload``) changes nothing.
- **Implicit logins.** Static members (``queues.conf``) never log in, and a log may start in
  the middle of a session: a call or pause line for an agent that is logged out logs it in
  first, at that line's time (noted).
- **Logoffs during a call.** agentstate refuses a logout with open interactions; the replay
  ends them first (noted), and a later COMPLETE for such a call is skipped (noted).

Nothing here reads files: pass the lines (an open file is an iterable of lines).
"""

from __future__ import annotations

from ._common import NO_REASON, PAUSED, Note, NoteKind, QueueLogError
from ._follow import QueueLogAdapter
from ._identity import Pairing
from ._records import (
    AddMember,
    AgentLogin,
    AgentLogoff,
    CallerExit,
    Complete,
    ConfigReload,
    Connect,
    EnterQueue,
    Other,
    Pause,
    QueueLog,
    QueueStart,
    Record,
    RemoveMember,
    RingCanceled,
    RingNoAnswer,
    Transfer,
    Unpause,
    parse_line,
    read,
)
from ._replay import CallOutcome, QueueCall, Replay, Restart, member_agent, policy, replay

__all__ = [
    "AddMember",
    "AgentLogin",
    "AgentLogoff",
    "CallOutcome",
    "CallerExit",
    "Complete",
    "ConfigReload",
    "Connect",
    "EnterQueue",
    "NO_REASON",
    "Note",
    "NoteKind",
    "Other",
    "PAUSED",
    "Pairing",
    "Pause",
    "QueueCall",
    "QueueLog",
    "QueueLogAdapter",
    "QueueLogError",
    "QueueStart",
    "Record",
    "RemoveMember",
    "Replay",
    "Restart",
    "RingCanceled",
    "RingNoAnswer",
    "Transfer",
    "Unpause",
    "member_agent",
    "parse_line",
    "policy",
    "read",
    "replay",
]
