"""The emulator's own API under /_emulator/: health, fault scenarios, scripted replies,
deployments and the request journal (the dashboard's own reads are in dashboard_api.py).

Its errors are its own shape, not Azure's: ``{"errors": [{"title": ...}]}``, as WireMock's
admin API answers. With an admin key configured, every endpoint but health (and the image
links clients are given) asks for it in the ``x-emulator-admin-key`` header.
"""

from __future__ import annotations

import hmac
import json
import threading
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from . import __version__
from .config_file import DeploymentConfig
from .faults.scenario import ScenarioError, definition
from .observers.metrics import CONTENT_TYPE
from .observers.result import OUTCOMES
from .replies import ReplyRule, ScriptedReplies

if TYPE_CHECKING:
    from .deployments import Deployment
    from .pipeline import Pipeline


ADMIN_KEY_HEADER = "x-emulator-admin-key"
# Scenario bodies in YAML, as the scenario files are written (and the dashboard's editor).
_YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")

Endpoint = Callable[[Request], Awaitable[Response]]


def admin_error(status: int, title: str) -> Response:
    return JSONResponse({"errors": [{"title": title}]}, status_code=status)


def _yaml_body(text: bytes) -> Any:
    try:
        return yaml.safe_load(text.decode("utf-8"))
    except UnicodeDecodeError:
        raise ScenarioError("request body: not UTF-8 text") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        raise ScenarioError(f"request body: {where}invalid YAML: {getattr(exc, 'problem', None) or exc}") from None


async def _json(request: Request) -> Any:
    try:
        return json.loads(await request.body() or b"null")
    except (ValueError, RecursionError):
        return ...


class Admin:
    def __init__(
        self, pipeline: Pipeline, replies: ScriptedReplies, warmed: threading.Event, admin_key: str | None = None
    ) -> None:
        self._key = admin_key.encode() if admin_key else None
        self.deployments_table = pipeline.deployments
        self.faults = pipeline.faults
        self.observers = pipeline.observers
        self.journal = pipeline.observers.journal
        self.replies = replies
        self.warmed = warmed
        # Remembered answers (emulator/memo.py) were made under the old reply rules.
        self.forget_answers = pipeline.memo.clear

    def guarded(self, endpoint: Endpoint) -> Endpoint:
        """``endpoint``, answered only with the admin key when one is configured."""
        if self._key is None:
            return endpoint
        key = self._key

        async def checked(request: Request) -> Response:
            given = request.headers.get(ADMIN_KEY_HEADER, "").encode("latin-1")
            if not hmac.compare_digest(given, key):
                return admin_error(401, f"the admin API needs the admin key, in the {ADMIN_KEY_HEADER} header")
            return await endpoint(request)

        return checked

    async def metrics(self, request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            return admin_error(405, f"{request.method} is not allowed here; use GET")
        return PlainTextResponse(self.observers.metrics.render(), media_type=CONTENT_TYPE)

    async def unknown(self, request: Request) -> Response:
        return admin_error(404, f"no admin endpoint {request.url.path}; see the README's Admin API table")

    async def health(self, request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            return admin_error(405, f"{request.method} is not allowed here; use GET")
        # ready: tokenizers and embedding tables are loaded; requests before that are
        # answered, but the first ones wait for the loading (about a second).
        return JSONResponse({"status": "ok", "ready": self.warmed.is_set(), "version": __version__})

    async def scenarios(self, request: Request) -> Response:
        """GET: every scenario with its rules and counts. POST: add or replace one, in JSON or
        (with a YAML content type) as a scenario file is written."""
        if request.method == "POST":
            try:
                if request.headers.get("content-type", "").split(";")[0].strip() in _YAML_TYPES:
                    data = _yaml_body(await request.body())
                else:
                    data = await _json(request)
                scenario = self.faults.add(data, "request body")
            except ScenarioError as exc:
                return admin_error(400, str(exc))
            return JSONResponse(self.faults.describe(scenario.name), status_code=201)
        if request.method != "GET":
            return admin_error(405, f"{request.method} is not allowed here; use GET or POST")
        return JSONResponse(
            {
                "active": self.faults.active,
                "scenarios": [self.faults.describe(name) for name in sorted(self.faults.scenarios)],
            }
        )

    async def scenario(self, request: Request) -> Response:
        """GET: one scenario with its counts; with ?format=yaml, as its file would be written."""
        name = request.path_params["name"]
        if name not in self.faults.scenarios:
            return admin_error(404, f"no scenario named {name!r}")
        wanted = request.query_params.get("format", "json")
        if wanted == "yaml":
            written = yaml.safe_dump(definition(self.faults.scenarios[name]), sort_keys=False, allow_unicode=True)
            return PlainTextResponse(written, media_type="application/yaml")
        if wanted != "json":
            return admin_error(400, f"unknown format {wanted!r}; use json or yaml")
        return JSONResponse(self.faults.describe(name))

    async def active(self, request: Request) -> Response:
        """PUT {"name": ...}: make a scenario active for every request (null: none)."""
        if request.method != "PUT":
            return admin_error(405, f"{request.method} is not allowed here; use PUT")
        data = await _json(request)
        if not isinstance(data, dict) or "name" not in data or not isinstance(data["name"], (str, type(None))):
            return admin_error(400, 'send {"name": "<scenario>"} or {"name": null}')
        try:
            self.faults.activate(data["name"])
        except KeyError:
            return admin_error(400, f"no scenario named {data['name']!r}")
        return JSONResponse({"active": self.faults.active})

    async def reset(self, request: Request) -> Response:
        """POST: forget the counters, of one scenario (?name=) or all."""
        if request.method != "POST":
            return admin_error(405, f"{request.method} is not allowed here; use POST")
        name = request.query_params.get("name")
        if name is not None and name not in self.faults.scenarios:
            return admin_error(404, f"no scenario named {name!r}")
        self.faults.reset(name)
        return JSONResponse({"reset": name or "all"})

    async def scripted_replies(self, request: Request) -> Response:
        """GET: the reply rules, first tried first. POST: add one (the config file's form),
        tried before the others. DELETE: back to the configured rules."""
        if request.method == "DELETE":
            self.replies.reset()
            self.forget_answers()
        elif request.method == "POST":
            try:
                rule = ReplyRule.model_validate(await _json(request))
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(p) for p in first["loc"]) or "(body)"
                return admin_error(400, f"{where}: {first['msg']}")
            self.replies.add(rule)
            self.forget_answers()
        elif request.method != "GET":
            return admin_error(405, f"{request.method} is not allowed here; use GET, POST or DELETE")
        rules = [rule.model_dump(mode="json", by_alias=True, exclude_none=True) for rule in self.replies.rules]
        return JSONResponse({"replies": rules}, status_code=201 if request.method == "POST" else 200)

    async def deployments(self, request: Request) -> Response:
        """GET: the deployments, configured and made at run time (inferred ones aside)."""
        if request.method not in ("GET", "HEAD"):
            return admin_error(405, f"{request.method} is not allowed here; use GET")
        table = self.deployments_table
        listed = [deployment_entry(d) for d in map(table.resolve, table.names()) if d is not None]
        return JSONResponse({"deployments": listed})

    async def deployment(self, request: Request) -> Response:
        """PUT: make or change a deployment (the configuration file's form, such as
        {"model": "gpt-4o-mini-2024-07-18.ft-<job>"}); GET: one; DELETE: remove it."""
        name = request.path_params["name"]
        table = self.deployments_table
        if request.method == "PUT":
            try:
                config = DeploymentConfig.model_validate(await _json(request))
                made = table.put(name, config)
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(p) for p in first["loc"]) or "(body)"
                return admin_error(400, f"deployments.{name}.{where}: {first['msg']}")
            except ValueError as exc:  # names it uses that do not exist: "field: problem"
                return admin_error(400, f"deployments.{name}.{exc}")
            self.forget_answers()  # remembered answers were made under the old deployment
            return JSONResponse(deployment_entry(made))
        if request.method == "DELETE":
            if not table.remove(name):
                return admin_error(404, f"no deployment named {name!r} was configured or made")
            self.forget_answers()
            return JSONResponse({"deleted": name})
        if request.method not in ("GET", "HEAD"):
            return admin_error(405, f"{request.method} is not allowed here; use GET, PUT or DELETE")
        found = table.resolve(name) if name in table.names() else None
        if found is None:
            return admin_error(404, f"no deployment named {name!r} was configured or made")
        return JSONResponse(deployment_entry(found))

    async def requests(self, request: Request) -> Response:
        """GET: the journal, in arrival order, filtered by ?deployment=, ?status=, ?operation=,
        ?outcome=, ?header=name:value and cut to the last ?limit= entries. DELETE: clear it
        (and what the retry watch remembers)."""
        if request.method == "DELETE":
            self.observers.forget()
            return JSONResponse({"cleared": True})
        if request.method != "GET":
            return admin_error(405, f"{request.method} is not allowed here; use GET or DELETE")
        query = request.query_params
        unknown = set(query) - {"deployment", "status", "operation", "outcome", "header", "limit"}
        if unknown:
            return admin_error(
                400,
                f"unknown filter {', '.join(sorted(unknown))}; use deployment, status, operation, outcome, header "
                "or limit",
            )
        outcome = query.get("outcome")
        if outcome is not None and outcome not in OUTCOMES:
            return admin_error(400, f"unknown outcome {outcome!r}; the outcomes are {', '.join(OUTCOMES)}")
        header = None
        if "header" in query:
            name, sep, value = query["header"].partition(":")
            if not sep:
                return admin_error(400, "header filter must be name:value")
            header = (name.strip(), value.strip())
        try:
            status = int(query["status"]) if "status" in query else None
            limit = int(query["limit"]) if "limit" in query else None
        except ValueError:
            return admin_error(400, "status and limit must be whole numbers")
        if limit is not None and limit < 0:
            return admin_error(400, "limit must not be negative")
        found = self.journal.find(
            deployment=query.get("deployment"),
            status=status,
            header=header,
            operation=query.get("operation"),
            outcome=outcome,
        )
        if limit is not None:
            found = found[len(found) - limit :] if limit else []
        return JSONResponse({"enabled": self.journal.enabled, "requests": found})

    async def request(self, request: Request) -> Response:
        entry = self.journal.get(request.path_params["id"])
        if entry is None:
            return admin_error(404, f"no request {request.path_params['id']!r} in the journal")
        return JSONResponse(entry)


def deployment_entry(deployment: Deployment) -> dict[str, Any]:
    return {
        "name": deployment.name,
        "model": deployment.response_model,
        "family": deployment.family,
        "version": deployment.version,
        "sku": deployment.sku,
        "tpm": deployment.tpm,
        "rpm": deployment.rpm,
        "timing": deployment.timing.name,
        "content_filter": deployment.content_filter.name,
    }
