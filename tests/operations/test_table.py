"""The operation table (emulator/operations/__init__.py) is the one source of the routes
and of the catalog's operation names."""

from __future__ import annotations

import subprocess
import sys

from emulator.context import ResourceHandler
from emulator.operations import OPERATIONS, route_table, routes
from emulator.versions import load_catalog


def test_every_operation_of_the_catalog_has_a_row_and_every_row_is_in_the_catalog() -> None:
    catalog = load_catalog()
    named = {op for version in catalog.versions.values() for op in version.operations}
    assert named == set(OPERATIONS)


def test_every_row_is_routed_somewhere_and_no_route_is_taken_twice() -> None:
    seen = [(method, path) for method, path, _ in routes()]
    assert len(seen) == len(set(seen))
    routed = {op.name for _, _, op in routes()}
    assert routed == set(OPERATIONS)


def test_operations_on_models_name_their_families_and_those_on_stored_resources_do_not() -> None:
    for op in OPERATIONS.values():
        if op.name == "realtime":
            # A WebSocket's handshake resolves the deployment (emulator/realtime/); its row's
            # handler only refuses a plain GET.
            assert op.families == ("realtime",) and isinstance(op.handler, ResourceHandler)
            continue
        assert isinstance(op.handler, ResourceHandler) == (not op.families), op.name
        if op.deployment_path is not None:
            assert op.families, op.name


def test_the_command_line_prints_the_route_table() -> None:
    printed = subprocess.run(
        [sys.executable, "-m", "emulator", "--routes"], capture_output=True, text=True, check=True
    ).stdout
    assert printed.strip() == route_table()
    assert "POST   /openai/deployments/{deployment}/chat/completions" in printed
    assert "GET    /openai/v1/files/{id}/content" in printed
    assert "-> chat_completions  (operations/chat/completion.py)" in printed
