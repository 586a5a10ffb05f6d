"""Embeddings: ``POST .../embeddings``.

Inputs may be a string, strings, a token array or token arrays (langchain sends token
arrays). The messages of the 400s are the service's (research notes, docs/... in the issue
log): an empty batch, an empty string inside a batch, more than 2,048 inputs, an input over
the model's token limit, ``dimensions`` for a model without it.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..context import Handler
from ..delivery import JsonReply, Reply, dumps
from ..errors import InvalidRequest
from ..synth import embeddings as vectors
from . import estimates, fields
from .answer import items_of, token_ids
from .fields import Strict

if TYPE_CHECKING:
    from ..context import RequestContext
    from ..deployments import Deployment

MAX_INPUTS = 2048
# OpenAI documents 300,000 tokens summed over all inputs of one request.
MAX_TOTAL_TOKENS = 300_000
# Float vectors are written with 9 decimals: float32 carries about 7 significant digits, so
# this loses nothing and halves the JSON the long float64 spellings would take.
_FLOAT_DECIMALS = 9
_INVALID_INPUT = "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference."


class EmbeddingsRequest(Strict):
    input: str | list[str] | list[int] | list[list[int]]
    model: str | None = None
    user: str | None = None
    input_type: str | None = None
    encoding_format: str | None = None
    dimensions: int | None = None


def estimate_tokens(body: dict[str, Any], deployment: Deployment) -> int:
    """A token per four characters of text, or the token arrays' lengths."""
    given = body.get("input")
    return sum(estimates.input_tokens(item) for item in (given if isinstance(given, list) else [given]))


@dataclass(frozen=True)
class Inputs:
    """What the checks work out: each input's tokens."""

    token_ids: list[list[int]]


def check(ctx: RequestContext, req: EmbeddingsRequest) -> Inputs:
    deployment = ctx.deployment
    assert deployment is not None
    model = deployment.model
    items = items_of(req.input)
    if not items:
        # As captured from the service: no param, no code.
        raise InvalidRequest("Invalid 'input': input cannot be an empty array.", param=None)
    if len(items) > MAX_INPUTS:
        raise InvalidRequest(
            f"Invalid 'input': array length must be {MAX_INPUTS} or less.",
            param="input",
            code="array_above_max_length",
        )
    if isinstance(req.input, list) and any(item == "" or item == [] for item in items):
        # A lone empty string is embedded; an empty one inside a batch is refused (service.md
        # notes: Azure and OpenAI both answer this way).
        raise InvalidRequest(_INVALID_INPUT, param=None)
    if req.encoding_format not in (None, "float", "base64"):
        raise InvalidRequest(
            f"Invalid value for 'encoding_format' = {req.encoding_format}. Supported values: ['float', 'base64'].",
            param=None,
        )
    if req.dimensions is not None:
        _check_dimensions(req.dimensions, model.dimensions, model.embedding_size)
    every: list[list[int]] = []
    total = 0
    for index, item in enumerate(items):
        ids = token_ids(item, "input", index, model.encoding)
        if len(ids) > model.context_window:
            raise InvalidRequest(
                f"Invalid 'input[{index}]': maximum input length is {model.context_window} tokens.",
                param="input",
                code="context_length_exceeded",
            )
        total += len(ids)
        if total > MAX_TOTAL_TOKENS:
            # OpenAI's wording; the count is of the inputs read so far, as counting the rest
            # would cost what this limit exists to prevent.
            raise InvalidRequest(
                f"Requested {total} tokens, max {MAX_TOTAL_TOKENS} tokens per request",
                param="input",
                code="max_tokens_per_request",
            )
        every.append(ids)
    return Inputs(every)


def _check_dimensions(dimensions: int, supported: bool, size: int) -> None:
    if not supported:
        # As captured from the service: no param, no code.
        raise InvalidRequest("This model does not support specifying dimensions.", param=None)
    fields.int_range("dimensions", dimensions, 1, size)


def respond(ctx: RequestContext, req: EmbeddingsRequest, inputs: Inputs) -> Reply:
    deployment = ctx.deployment
    assert deployment is not None
    model = deployment.model
    matrix = vectors.embed(inputs.token_ids, model.encoding, model.embedding_size)
    if req.dimensions is not None and req.dimensions < model.embedding_size:
        matrix = vectors.truncate(matrix, req.dimensions)
    prompt_tokens = sum(len(ids) for ids in inputs.token_ids)
    usage = {"prompt_tokens": prompt_tokens, "total_tokens": prompt_tokens}
    if req.encoding_format == "base64":
        return JsonReply(encoded=_base64_body(matrix, deployment.response_model, usage), usage=usage)
    rows = np.round(matrix.astype(np.float64), _FLOAT_DECIMALS).tolist()
    return JsonReply(
        {
            "data": [{"embedding": row, "index": i, "object": "embedding"} for i, row in enumerate(rows)],
            "model": deployment.response_model,
            "object": "list",
            "usage": usage,
        }
    )


def _base64_body(matrix: np.ndarray, model: str, usage: dict[str, int]) -> bytes:
    """The whole response, written directly: each row's little-endian float32 bytes in base64
    (what the SDKs ask for and decode by default). Batches run to tens of megabytes, so the
    rows are never turned into Python strings and serialised again."""
    raw = np.ascontiguousarray(matrix, dtype="<f4")
    row_bytes = raw.shape[1] * 4
    if row_bytes % 3 == 0:
        # Rows of a multiple of 3 bytes encode to whole base64 quanta: encode the matrix once
        # and cut the text, rather than encoding row by row.
        text = memoryview(base64.b64encode(raw.tobytes()))
        width = row_bytes // 3 * 4
        rows: list[bytes | memoryview] = [text[i : i + width] for i in range(0, len(text), width)]
    else:
        rows = [base64.b64encode(row.tobytes()) for row in raw]
    pieces: list[bytes | memoryview] = [b'{"data":[']
    for index, row in enumerate(rows):
        pieces.append(b'{"embedding":"' if index == 0 else b'},{"embedding":"')
        pieces.append(row)
        pieces.append(b'","index":%d,"object":"embedding"' % index)
    pieces.append(
        (b"}" if rows else b"") + b'],"model":' + dumps(model) + b',"object":"list","usage":' + dumps(usage) + b"}"
    )
    return b"".join(pieces)


def renew(reply: JsonReply) -> JsonReply:
    """Embeddings carry no ids or timestamps: a remembered result is served as it is."""
    return reply


HANDLER = Handler(
    request_model=EmbeddingsRequest, estimate_tokens=estimate_tokens, check=check, respond=respond, renew=renew
)
