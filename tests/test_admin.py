"""The admin API under /_emulator/: its own error shape for unknown paths, filters and methods."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest


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


def test_a_bad_deployment_is_refused_with_the_configuration_files_words(endpoint: str, tmp_path: Path) -> None:
    from emulator.config_file import ConfigError, load_config_file

    for field, value in (("timing", "glacial"), ("content_filter", "lax")):
        config = tmp_path / "emulator.yaml"
        config.write_text(f"deployments:\n  bad:\n    model: gpt-4o\n    {field}: {value}\n")
        with pytest.raises(ConfigError) as in_the_file:
            load_config_file(config)
        response = httpx.put(f"{endpoint}/_emulator/deployments/bad", json={"model": "gpt-4o", field: value})
        assert response.status_code == 400
        title = response.json()["errors"][0]["title"]
        assert title.startswith(f"deployments.bad.{field}: unknown ")
        assert title in str(in_the_file.value)
    for body, words in (
        ({"model": "no-such-model"}, "deployments.bad.model"),
        ({"model": "gpt-4o", "colour": "blue"}, "deployments.bad.colour"),
        ([1, 2], "deployments.bad"),
        ("[" * 100_000, "deployments.bad"),
    ):
        sent = {"content": body} if isinstance(body, str) else {"json": body}
        response = httpx.put(f"{endpoint}/_emulator/deployments/bad", **sent)  # type: ignore[arg-type]
        assert response.status_code == 400, body
        assert words in response.json()["errors"][0]["title"], response.json()
    assert httpx.get(f"{endpoint}/_emulator/deployments/bad").status_code == 404


def test_a_deployment_changed_at_run_time_takes_its_quota_at_once(endpoint: str) -> None:
    import openai
    from openai import AzureOpenAI

    name = "admin-quota"
    hello = [{"role": "user", "content": "Hello"}]
    httpx.put(f"{endpoint}/_emulator/deployments/{name}", json={"model": "gpt-4o-mini", "quota": {"rpm": 6}})
    try:
        with AzureOpenAI(azure_endpoint=endpoint, api_key="k", api_version="2024-10-21", max_retries=0) as client:
            client.chat.completions.create(model=name, messages=hello)  # type: ignore[arg-type]
            with pytest.raises(openai.RateLimitError):  # one request per ten seconds
                client.chat.completions.create(model=name, messages=hello)  # type: ignore[arg-type]
            raised = httpx.put(
                f"{endpoint}/_emulator/deployments/{name}", json={"model": "gpt-4o-mini", "quota": {"rpm": 600}}
            )
            assert raised.json()["rpm"] == 600
            assert client.chat.completions.create(model=name, messages=hello).choices  # type: ignore[arg-type]
    finally:
        httpx.delete(f"{endpoint}/_emulator/deployments/{name}")


# What answers without the admin key: probes, the image links clients are given, the
# dashboard's files (the page asks for the key), and the 404 for paths that are not there.
_OPEN_ROUTES = {
    "/_emulator/health",
    "/_emulator/ui",
    "/_emulator/ui/",
    "/_emulator/ui/{name}",
    "/_emulator/{path:path}",
}


def test_every_admin_route_but_the_open_ones_asks_for_the_key(tmp_path: Path) -> None:
    from starlette.routing import Route

    from emulator.settings import Settings
    from support import APPS, running_emulator

    config = tmp_path / "emulator.yaml"
    config.write_text("admin_key: from-the-file\n")
    with running_emulator(Settings.build(config)) as url:
        routes = [r for r in APPS[url].routes if isinstance(r, Route) and r.path.startswith("/_emulator/")]
        guarded = [r.path for r in routes if r.path not in _OPEN_ROUTES and not r.path.startswith("/_emulator/blobs/")]
        assert len(guarded) >= 13
        for path in guarded:
            concrete = path.replace("{name}", "throttled").replace("{id}", "none")
            assert httpx.get(f"{url}{concrete}").status_code == 401, path
            # Only the status is read: the feed's answer goes on.
            with httpx.stream("GET", f"{url}{concrete}", headers={"x-emulator-admin-key": "from-the-file"}) as keyed:
                assert keyed.status_code != 401, path


def test_the_admin_key_comes_from_the_flag_or_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from emulator import cli

    assert cli.parser().parse_args(["--admin-key", "k1"]).admin_key == "k1"
    monkeypatch.setenv("AOAI_EMULATOR_ADMIN_KEY", "k2")
    assert cli.parser().parse_args([]).admin_key == "k2"


def test_an_admin_key_guards_the_admin_api_but_not_health_or_image_links() -> None:
    from openai import AzureOpenAI

    from emulator.settings import Settings
    from support import running_emulator

    with running_emulator(Settings.build(admin_key="letmein-please")) as url:
        refused = httpx.get(f"{url}/_emulator/requests")
        assert refused.status_code == 401
        assert refused.json() == {
            "errors": [{"title": "the admin API needs the admin key, in the x-emulator-admin-key header"}]
        }
        assert httpx.get(f"{url}/_emulator/feed", headers={"x-emulator-admin-key": "wrong"}).status_code == 401
        assert httpx.get(f"{url}/_emulator/health").status_code == 200
        keyed = {"x-emulator-admin-key": "letmein-please"}
        assert httpx.get(f"{url}/_emulator/requests", headers=keyed).status_code == 200
        # Clients are handed image links; they fetch them without any key.
        with AzureOpenAI(azure_endpoint=url, api_key="k", api_version="2024-10-21") as client:
            image = client.images.generate(model="dall-e-3", prompt="a red kite", response_format="url")
        assert image.data and image.data[0].url
        assert httpx.get(image.data[0].url).status_code == 200
        # The dashboard's files hold no secrets: the page loads, then asks for the key.
        assert httpx.get(f"{url}/_emulator/ui").status_code == 200


def test_scenarios_are_added_in_yaml_and_read_back_as_their_files_are_written(endpoint: str) -> None:
    text = """\
name: yaml-made
description: Two 503s, then success.
rules:
  - name: twice
    when: {first: 2}
    actions:
      - action: error
        status: 503
"""
    made = httpx.post(f"{endpoint}/_emulator/scenarios", content=text, headers={"content-type": "application/yaml"})
    assert made.status_code == 201 and made.json()["builtin"] is False
    written = httpx.get(f"{endpoint}/_emulator/scenarios/yaml-made", params={"format": "yaml"})
    assert written.headers["content-type"] == "application/yaml"
    import yaml

    assert yaml.safe_load(written.text) == yaml.safe_load(text)
    builtin = httpx.get(f"{endpoint}/_emulator/scenarios/throttled", params={"format": "yaml"})
    assert yaml.safe_load(builtin.text)["rules"][0]["actions"][0]["retry_after_ms"] == 2000


def test_scenarios_in_broken_yaml_are_refused_with_the_line(endpoint: str) -> None:
    def post(text: str) -> httpx.Response:
        return httpx.post(
            f"{endpoint}/_emulator/scenarios", content=text, headers={"content-type": "text/yaml; charset=utf-8"}
        )

    broken = post("name: x\nrules: [\n  - a: b\n")
    assert broken.status_code == 400
    assert broken.json()["errors"][0]["title"].startswith("request body: line 3: invalid YAML:")
    unknown = post("name: x\nrules:\n  - name: r\n    actions: [{action: explode}]\n")
    assert unknown.status_code == 400
    assert unknown.json()["errors"][0]["title"].startswith(
        "request body: rule 'r' (rules[0]): actions[0]: unknown action 'explode'"
    )
    builtin = post("name: throttled\nrules:\n  - name: r\n    actions: [{action: error, status: 500}]\n")
    assert builtin.json()["errors"][0]["title"] == (
        "request body: 'throttled' is a built-in scenario; choose another name"
    )
    assert httpx.get(f"{endpoint}/_emulator/scenarios/throttled", params={"format": "xml"}).status_code == 400
