"""The Responses API's request body, what it reserves against the quota, and what the content
filter reads of it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import estimates
from ..fields import Strict

if TYPE_CHECKING:
    from ...deployments import Deployment


class ResponsesRequest(Strict):
    model: str | None = None
    input: str | list[dict[str, Any]]
    instructions: str | None = None
    tools: list[dict[str, Any]] | None = None
    tool_choice: str | dict[str, Any] | None = None
    text: dict[str, Any] | None = None
    max_output_tokens: int | None = None
    reasoning: dict[str, Any] | None = None
    store: bool | None = None
    previous_response_id: str | None = None
    metadata: dict[str, str] | None = None
    stream: bool | None = None
    temperature: float | None = None
    top_p: float | None = None
    parallel_tool_calls: bool | None = None
    truncation: str | None = None
    user: str | None = None
    include: list[str] | None = None
    background: bool | None = None  # background.py


def estimate_tokens(body: dict[str, Any], deployment: Deployment) -> int:
    """A token per four characters of input and instructions, plus the output budget (16
    when none is given, as for chat)."""
    given = body.get("input")
    items = given if isinstance(given, list) else [{"content": given}]
    written = estimates.characters(body.get("instructions"))
    written += sum(estimates.characters(item.get("content")) for item in items if isinstance(item, dict))
    return estimates.prompt_tokens(written) + estimates.whole(body.get("max_output_tokens"), estimates.DEFAULT_BUDGET)
