"""Faults on demand: scenarios of rules (scenario.py), the engine that applies them to requests
(engine.py), and the actions they take (actions.py before an answer, stream_actions.py inside
a stream, session_actions.py inside a realtime session; importing them here registers every
action)."""

from . import actions, session_actions, stream_actions

__all__ = ["actions", "session_actions", "stream_actions"]
