"""The model list: ``GET /openai/models`` and ``/openai/v1/models``, through the official client."""

from __future__ import annotations

import httpx
from openai import OpenAI

from support import assert_valid_component, refused


def test_models_list_the_configured_deployments(v1_client: OpenAI, http: httpx.Client) -> None:
    listed = http.get("/openai/v1/models").json()
    assert_valid_component("v1", "OpenAI.ListModelsResponse", listed)
    ids = [m.id for m in v1_client.models.list()]
    assert "gpt-4o-2024-08-06" in ids and "text-embedding-3-small" in ids and len(ids) == len(set(ids))
    dated = http.get("/openai/models", params={"api-version": "2024-10-21"}).json()
    entry = next(m for m in dated["data"] if m["id"] == "gpt-4o-2024-08-06")
    assert entry["capabilities"]["chat_completion"] is True and entry["status"] == "succeeded"
    one = v1_client.models.retrieve("gpt-4o-2024-08-06")
    assert one.id == "gpt-4o-2024-08-06" and one.object == "model"
    error = refused(lambda: v1_client.models.retrieve("no-such-model"), status=404)
    assert "no-such-model" in error["message"]


def test_a_wrong_method_on_a_resource_is_azures_404(http: httpx.Client) -> None:
    response = http.put("/openai/v1/models")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "404", "message": "Resource not found"}}
