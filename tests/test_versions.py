"""The api-version catalog (emulator/data/api_versions.yaml) agrees with the official specs."""

from __future__ import annotations

from typing import Any

import pytest

from emulator.operations import OPERATIONS
from emulator.versions import load_catalog
from support import spec, spec_versions

# Catalog operation -> its path in the dated specs (the same paths the emulator serves).
SPEC_PATHS = {op.name: op.deployment_path for op in OPERATIONS.values() if op.deployment_path}


def _properties(document: dict[str, Any], node: dict[str, Any]) -> set[str]:
    if "$ref" in node:
        node = document["components"]["schemas"][node["$ref"].split("/")[-1]]
    names = set(node.get("properties", {}))
    for part in node.get("allOf", []):
        names |= _properties(document, part)
    return names


def spec_parameters(version: str) -> dict[str, set[str]]:
    document = spec(version)
    found: dict[str, set[str]] = {}
    for op, path in SPEC_PATHS.items():
        operation = document["paths"].get(f"/deployments/{{deployment-id}}/{path}", {}).get("post")
        if operation is None:
            continue
        content = operation["requestBody"]["content"]
        found[op] = _properties(document, next(iter(content.values()))["schema"])
    return found


DATED = [v for v in spec_versions() if v != "v1"]


@pytest.mark.parametrize("version", DATED)
def test_catalog_lists_the_operations_of_the_spec(version: str) -> None:
    catalog = load_catalog().versions[version]
    assert set(spec_parameters(version)) == set(catalog.operations) & set(SPEC_PATHS)


@pytest.mark.parametrize("version", DATED)
def test_catalog_parameters_match_the_spec_apart_from_noted_service_extras(version: str) -> None:
    catalog = load_catalog().versions[version]
    for op, expected in spec_parameters(version).items():
        rules = catalog.rules_for(op)
        assert rules is not None
        extras = catalog.service_extras.get(op, frozenset())
        assert set(rules.params) - extras == expected, f"{version} {op}"


def test_v1_chat_and_embeddings_parameters_match_the_v1_spec() -> None:
    document = spec("v1")
    v1 = load_catalog().versions["v1"]
    for op, path in (
        ("chat_completions", "/chat/completions"),
        ("embeddings", "/embeddings"),
        ("responses", "/responses"),
    ):
        content = document["paths"][path]["post"]["requestBody"]["content"]
        expected = _properties(document, next(iter(content.values()))["schema"])
        assert set(v1.rules_for(op).params) == expected, op


def test_every_service_extra_is_really_missing_from_its_spec() -> None:
    for name, version in load_catalog().versions.items():
        if name in DATED:
            listed = spec_parameters(name)
            for op, extras in version.service_extras.items():
                assert not extras & listed.get(op, set()), f"{name} {op}: {extras & listed[op]} is in the spec"


@pytest.mark.parametrize("version", DATED)
def test_catalog_roles_and_response_formats_match_the_spec(version: str) -> None:
    document = spec(version)
    rules = load_catalog().versions[version].rules_for("chat_completions")
    schemas = document["components"]["schemas"]
    text = str(schemas)
    assert ("'json_schema'" in text) == ("json_schema" in rules.response_format)
    assert ("'developer'" in text) == ("developer" in rules.roles)


@pytest.mark.parametrize("version", DATED)
def test_catalog_image_sizes_match_the_spec(version: str) -> None:
    schemas = spec(version)["components"]["schemas"]
    rules = load_catalog().versions[version].rules_for("image_generations")
    assert rules is not None and rules.sizes is not None
    assert set(rules.sizes) == set(schemas["imageSize"]["enum"])


def spec_data_sources(version: str) -> dict[str, dict[str, list[str]]]:
    schemas = spec(version)["components"]["schemas"]
    mapping = schemas["azureChatExtensionConfiguration"]["discriminator"]["mapping"]
    found = {}
    for kind, ref in mapping.items():
        schema = schemas[ref.split("/")[-1]]
        properties: dict[str, Any] = {}
        for part in schema.get("allOf", []):
            properties.update(part.get("properties", {}))
        properties.update(schema.get("properties", {}))
        parameters = schemas[properties["parameters"]["$ref"].split("/")[-1]]
        required = sorted(parameters.get("required", []))
        found[kind] = {"required": required, "optional": sorted(set(parameters["properties"]) - set(required))}
    return found


@pytest.mark.parametrize("version", DATED)
def test_catalog_data_sources_match_the_spec(version: str) -> None:
    from emulator.operations.chat.data_sources import _sets

    rules = load_catalog().versions[version].rules_for("chat_completions")
    assert rules is not None and rules.data_sources is not None
    listed = {kind: {k: sorted(v) for k, v in spec.items()} for kind, spec in _sets()[rules.data_sources].items()}
    assert listed == spec_data_sources(version)
