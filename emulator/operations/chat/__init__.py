"""Chat completions: ``POST .../chat/completions``.

The request model (request.py), the checks before anything is generated (checks.py, with
tools, vision, On Your Data and reasoning models in modules of their own), the answer
(completion.py) and its stream (stream.py).
"""

from .completion import HANDLER

__all__ = ["HANDLER"]
