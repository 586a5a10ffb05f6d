"""The reference for bench/chat_throughput.py: a bare Starlette app that answers every POST
with a fixed chat-completion-sized JSON body, served by the same uvicorn settings."""

from __future__ import annotations

import json
import sys

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

_SAFE = {"filtered": False, "severity": "safe"}
_NONE = {"filtered": False, "detected": False}
# As large as the emulator's answer to the benchmark request (about 1.4 KB): the same bytes
# on the wire, so the comparison is of the work behind them.
BODY = json.dumps(
    {
        "choices": [
            {
                "content_filter_results": {
                    "hate": _SAFE,
                    "protected_material_code": _NONE,
                    "protected_material_text": _NONE,
                    "self_harm": _SAFE,
                    "sexual": _SAFE,
                    "violence": _SAFE,
                },
                "finish_reason": "stop",
                "index": 0,
                "logprobs": None,
                "message": {"content": "Hello there, nice to meet you. " * 6, "refusal": None, "role": "assistant"},
            }
        ],
        "created": 0,
        "id": "chatcmpl-0123456789abcdef0123456789abcdef",
        "model": "gpt-4o-mini-2024-07-18",
        "object": "chat.completion",
        "prompt_filter_results": [
            {
                "prompt_index": 0,
                "content_filter_results": {
                    "hate": _SAFE,
                    "jailbreak": _NONE,
                    "self_harm": _SAFE,
                    "sexual": _SAFE,
                    "violence": _SAFE,
                },
            }
        ],
        "system_fingerprint": "fp_0123456789",
        "usage": {
            "completion_tokens": 40,
            "completion_tokens_details": {
                "accepted_prediction_tokens": 0,
                "audio_tokens": 0,
                "reasoning_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
            "prompt_tokens": 15,
            "prompt_tokens_details": {"audio_tokens": 0, "cached_tokens": 0},
            "total_tokens": 55,
        },
    },
    separators=(",", ":"),
).encode()


async def fixed(request: Request) -> Response:
    await request.body()
    return Response(BODY, media_type="application/json")


app = Starlette(routes=[Route("/{path:path}", fixed, methods=["POST"])])

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
