"""The api-version catalog: which operations and parameters each api-version has.

The facts live in ``data/api_versions.yaml``; this module only resolves the ``extends``
chains once at start-up and answers questions about the result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl

from .errors import ApiVersionNotAllowedOnV1, ApiVersionNotSupported, ResourceNotFound
from .yamlfiles import packaged

V1 = "v1"


@lru_cache(maxsize=1024)
def api_version_in(query_string: bytes) -> str | None:
    """The ``api-version`` a query string gives, if any. Clients send the same few query
    strings over and over: each is parsed once."""
    for name, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
        if name == "api-version":
            return value
    return None


@dataclass(frozen=True)
class OperationRules:
    """What one api-version accepts for one operation."""

    params: frozenset[str]
    roles: tuple[str, ...] | None = None
    response_format: tuple[str, ...] | None = None
    sizes: tuple[str, ...] | None = None
    data_sources: str | None = None  # chat: the On Your Data set (data/data_sources.yaml)


@dataclass(frozen=True)
class ApiVersion:
    name: str
    status: str
    operations: dict[str, OperationRules] = field(default_factory=dict)
    service_extras: dict[str, frozenset[str]] = field(default_factory=dict)

    def rules_for(self, operation: str) -> OperationRules | None:
        return self.operations.get(operation)


@dataclass(frozen=True)
class Catalog:
    versions: dict[str, ApiVersion]
    accepted_everywhere: frozenset[str]
    v1_query_values: frozenset[str]

    def dated(self, name: str | None) -> ApiVersion | None:
        """The dated version a ``?api-version=`` names, or None if Azure has no such version."""
        if not name or name == V1:
            return None
        return self.versions.get(name)

    def v1(self, query_value: str | None) -> ApiVersion | None:
        """The v1 surface, if the optional query value is one v1 routes take."""
        if query_value is None or query_value in self.v1_query_values:
            return self.versions[V1]
        return None

    def for_request(self, surface: str, query_value: str | None, operation: str) -> ApiVersion:
        """The version a request to ``operation`` on ``surface`` names, or Azure's refusal: a
        dated version on v1, an unknown or missing one elsewhere, one without the operation."""
        version = self.v1(query_value) if surface == V1 else self.dated(query_value)
        if version is None:
            raise ApiVersionNotAllowedOnV1() if surface == V1 else ResourceNotFound()
        if version.rules_for(operation) is None:
            raise ApiVersionNotSupported()
        return version


def _resolve(name: str, raw: dict[str, Any], done: dict[str, ApiVersion]) -> ApiVersion:
    if name in done:
        return done[name]
    entry = raw[name] or {}
    operations: dict[str, OperationRules] = {}
    extras: dict[str, frozenset[str]] = {}
    if "extends" in entry:
        parent = _resolve(str(entry["extends"]), raw, done)
        operations = dict(parent.operations)
    for dropped in entry.get("drop_operations", []):
        operations.pop(dropped, None)
    for op, change in (entry.get("operations") or {}).items():
        inherited = operations.get(op)
        if "params" in change:
            params = set(change["params"])
        elif inherited is None:
            raise ValueError(f"api_versions.yaml: {name}.{op} adds to an operation it does not inherit")
        else:
            params = set(inherited.params) | set(change.get("add", []))
            params -= set(change.get("remove", []))
        roles = change.get("roles", inherited.roles if inherited else None)
        formats = change.get("response_format", inherited.response_format if inherited else None)
        sizes = change.get("sizes", inherited.sizes if inherited else None)
        sources = change.get("data_sources", inherited.data_sources if inherited else None)
        operations[op] = OperationRules(
            params=frozenset(params),
            roles=tuple(roles) if roles is not None else None,
            response_format=tuple(formats) if formats is not None else None,
            sizes=tuple(sizes) if sizes is not None else None,
            data_sources=sources,
        )
    for op, names in (entry.get("service_extras") or {}).items():
        extras[op] = frozenset(names)
    version = ApiVersion(name=name, status=entry["status"], operations=operations, service_extras=extras)
    done[name] = version
    return version


@lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    data = packaged("api_versions.yaml")
    raw = {str(k): v for k, v in data["versions"].items()}
    done: dict[str, ApiVersion] = {}
    for name in raw:
        _resolve(name, raw, done)
    return Catalog(
        versions=done,
        accepted_everywhere=frozenset(data.get("accepted_everywhere", [])),
        v1_query_values=frozenset(data.get("v1_query_values", [])),
    )
