"""Adapters: read what a PBX or contact-centre platform logged and turn it into agentstate events.

- :mod:`agentstate.adapters.asterisk`: the Asterisk ``queue_log`` (pipe format), replayed through
  a :class:`~agentstate.Tracker`.

Adapters do no I/O of their own: they take lines or records the host has read.
"""

from __future__ import annotations

__all__: list[str] = []
