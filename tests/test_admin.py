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


def test_deployments_are_made_changed_and_removed_at_run_time(endpoint: str) -> None:
    """PUT /_emulator/deployments/{name} takes the configuration file's form; the deployment
    then answers as a configured one would, and DELETE takes it away."""
    from openai import AzureOpenAI

    name = "admin-made-mini"
    made = httpx.put(
        f"{endpoint}/_emulator/deployments/{name}", json={"model": "gpt-4o-mini", "sku": "global-standard"}
    )
    assert made.status_code == 200 and made.json()["model"] == "gpt-4o-mini-2024-07-18"
    listed = httpx.get(f"{endpoint}/_emulator/deployments").json()["deployments"]
    assert {"name": name, "sku": "global-standard"}.items() <= next(d for d in listed if d["name"] == name).items()
    with AzureOpenAI(azure_endpoint=endpoint, api_key="k", api_version="2024-10-21", max_retries=0) as client:
        messages = [{"role": "user", "content": "Describe a lighthouse."}]
        assert client.chat.completions.create(model=name, messages=messages).model == "gpt-4o-mini-2024-07-18"  # type: ignore[arg-type]
        changed = httpx.put(f"{endpoint}/_emulator/deployments/{name}", json={"model": "gpt-4o"})
        assert changed.status_code == 200
        assert client.chat.completions.create(model=name, messages=messages).model == "gpt-4o-2024-08-06"  # type: ignore[arg-type]
    assert httpx.delete(f"{endpoint}/_emulator/deployments/{name}").json() == {"deleted": name}
    assert httpx.get(f"{endpoint}/_emulator/deployments/{name}").status_code == 404
    assert httpx.delete(f"{endpoint}/_emulator/deployments/{name}").status_code == 404


def test_a_bad_deployment_is_refused_with_the_configuration_files_words(endpoint: str) -> None:
    for body, words in (
        ({"model": "no-such-model"}, "deployments.bad.model"),
        ({"model": "gpt-4o", "timing": "glacial"}, "unknown timing profile or content filter: glacial"),
        ({"model": "gpt-4o", "colour": "blue"}, "deployments.bad.colour"),
        ([1, 2], "deployments.bad"),
        ("[" * 100_000, "deployments.bad"),
    ):
        sent = {"content": body} if isinstance(body, str) else {"json": body}
        response = httpx.put(f"{endpoint}/_emulator/deployments/bad", **sent)  # type: ignore[arg-type]
        assert response.status_code == 400, body
        assert words in response.json()["errors"][0]["title"], response.json()
    assert httpx.get(f"{endpoint}/_emulator/deployments/bad").status_code == 404
