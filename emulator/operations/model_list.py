"""``GET /openai/models`` and ``/openai/v1/models`` (and one model by id): the models of the
configured deployments, and the models fine-tuning jobs made.

Each entry carries both shapes a client may read: OpenAI's (``id``, ``object``, ``created``,
``owned_by``, what the v1 spec lists) and Azure's (``created_at``, ``status``,
``capabilities``, ``lifecycle_status``, ``deprecation``, what the dated route returns).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..delivery import JsonReply, Reply
from ..errors import ModelNotFound
from ..fine_tuning import catalog
from . import resource

if TYPE_CHECKING:
    from ..context import RequestContext
    from ..deployments import Deployment

# A fixed date for every model (2024-05-13): the emulator has no release dates to report.
_CREATED = 1715558400
# Retirement a year on from the emulator's fixed creation date, as Azure lists one.
_RETIRED = _CREATED + 365 * 86400


def _entry(deployment: Deployment) -> dict[str, Any]:
    return _model(deployment.response_model, deployment.model.family, catalog.trainable(deployment.response_model))


def _model(model_id: str, family: str, trainable: object) -> dict[str, Any]:
    return {
        "id": model_id,
        "object": "model",
        "created": _CREATED,
        "owned_by": "system",
        "created_at": _CREATED,
        "status": "succeeded",
        "capabilities": {
            "chat_completion": family == "chat",
            "completion": family == "completions",
            "embeddings": family == "embeddings",
            "fine_tune": trainable is not None,  # a fine-tuned model trains further as its base
            "inference": True,
        },
        "lifecycle_status": "generally-available",
        "deprecation": {"inference": _RETIRED},
    }


def _entries(ctx: RequestContext) -> dict[str, dict[str, Any]]:
    assert ctx.services is not None
    table = ctx.services.deployments
    found: dict[str, dict[str, Any]] = {}
    for name in table.names():
        deployment = table.resolve(name)
        if deployment is not None:
            found.setdefault(deployment.response_model, _entry(deployment))
    # The resource's fine-tuned models, deployed or not, as Azure lists them.
    for job in ctx.services.fine_tuning.all():
        model = job.get("fine_tuned_model")
        if job["status"] == "succeeded" and model:
            found.setdefault(model, _model(model, "chat", catalog.trainable(model)))
    return found


def list_models(ctx: RequestContext, _: bytes) -> Reply:
    return JsonReply({"object": "list", "data": list(_entries(ctx).values())})


def get_model(ctx: RequestContext, _: bytes) -> Reply:
    model_id = ctx.request.path_params["id"]
    found = _entries(ctx).get(model_id)
    if found is None:
        raise ModelNotFound(model_id)
    return JsonReply(found)


LIST = resource(list_models)
GET = resource(get_model)
