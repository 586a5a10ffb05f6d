"""The Responses API: ``POST /openai/v1/responses`` (and ``/openai/responses?api-version=``),
and retrieve, delete and list the input items of stored responses; background responses
(background.py) are polled, cancelled and streamed again.

A response is a chat completion underneath: the request becomes a chat request (convert.py),
which passes the chat checks and is answered by the chat generator, then is written as
Responses output items (output.py) and streamed as the Responses event sequence (events.py).
"""

from __future__ import annotations

from ...context import Handler
from .. import resource
from .convert import check, prompt_texts
from .output import respond
from .request import ResponsesRequest, estimate_tokens
from .stored import cancel, delete, input_items, retrieve

CREATE = Handler(
    request_model=ResponsesRequest,
    estimate_tokens=estimate_tokens,
    check=check,
    respond=respond,
    prompt_texts=prompt_texts,
)
RETRIEVE = resource(retrieve)
DELETE = resource(delete)
INPUT_ITEMS = resource(input_items)
CANCEL = resource(cancel)
