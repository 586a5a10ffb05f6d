"""The admin API under /_emulator/: its own error shape for unknown paths, filters and methods."""

from __future__ import annotations

import httpx


def test_unknown_admin_paths_and_filters_answer_in_the_admin_shape(endpoint: str) -> None:
    response = httpx.get(f"{endpoint}/_emulator/nope")
    assert response.status_code == 404 and response.json()["errors"][0]["title"].startswith("no admin endpoint")
    response = httpx.get(f"{endpoint}/_emulator/requests", params={"foo": "1"})
    assert response.status_code == 400 and "unknown filter foo" in response.json()["errors"][0]["title"]


def test_admin_endpoints_answer_wrong_methods_in_their_own_shape(http: httpx.Client) -> None:
    assert http.get("/_emulator/health").json()["status"] == "ok"
    response = http.post("/_emulator/health")
    assert response.status_code == 405
    assert response.json()["errors"][0]["title"].startswith("POST is not allowed")
