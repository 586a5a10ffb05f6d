"""Image generation (``POST .../images/generations``, JSON) and edits (``.../images/edits``,
multipart, gpt-image-1): the requests and their checks (request.py, with the images an edit
starts from in edits.py), and the answer (answer.py)."""

from __future__ import annotations

from dataclasses import replace

from ...context import Handler
from .. import requests_only
from .answer import prompt_texts, refuse_prompt, respond
from .request import ImageEditRequest, ImageRequest, check

GENERATIONS = Handler(
    request_model=ImageRequest,
    estimate_tokens=requests_only,
    check=check,
    respond=respond,
    prompt_texts=prompt_texts,
    refuse_prompt=refuse_prompt,
    blocking=True,
)
# Edits are generations with files, from a multipart form.
EDITS = replace(GENERATIONS, request_model=ImageEditRequest, bodies=("form",))
