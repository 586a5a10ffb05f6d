"""Legacy completions: ``POST .../completions`` (gpt-35-turbo-instruct, davinci-002 ...):
the request and its checks (request.py), the answer (answer.py) and its stream (stream.py).
Only the body and the result are this package's; everything around them is the pipeline's.
"""

from __future__ import annotations

from ...context import Handler
from .answer import renew, respond
from .request import CompletionsRequest, check, estimate_tokens, prompt_texts

HANDLER = Handler(
    request_model=CompletionsRequest,
    estimate_tokens=estimate_tokens,
    check=check,
    respond=respond,
    renew=renew,
    prompt_texts=prompt_texts,
)
