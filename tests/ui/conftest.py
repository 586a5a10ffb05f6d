"""The dashboard's tests run in a real browser: Playwright (a test extra) driving Debian's
Chromium, found or installed by views.chromium(), against one live emulator per module."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from views import chromium, launch

# Screenshots go here, never into git (.gitignore has test-output/).
OUTPUT = Path(os.environ.get("AOAI_EMULATOR_TEST_OUTPUT", Path(__file__).resolve().parents[2] / "test-output"))


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = chromium()
    if executable is None:
        pytest.fail(
            "the dashboard's tests need Chromium: apt-get install chromium (Debian), or set AOAI_EMULATOR_CHROMIUM"
        )
    with sync_playwright() as playwright:
        launched = launch(playwright, executable)
        yield launched
        launched.close()


@pytest.fixture
def shots() -> Path:
    return OUTPUT / "dashboard"


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh page whose every request is checked to stay on the emulator it was opened on
    (no CDN, no external network), and whose script errors fail the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    opened = context.new_page()
    asked: list[str] = []
    errors: list[str] = []
    opened.on("request", lambda r: asked.append(r.url))
    opened.on("pageerror", lambda e: errors.append(str(e)))
    opened.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    yield opened
    context.close()
    origins = {url.split("/_emulator/")[0] for url in asked if not url.startswith("data:")}
    assert len(origins) <= 1, f"the page reached beyond the emulator: {sorted(origins)}"
    # The browser logs each 4xx answer; the page reads those (a 400 from the editor, a 401
    # before the key is given) and says what they mean.
    unexpected = [
        e for e in errors if not e.startswith("Failed to load resource: the server responded with a status of 4")
    ]
    assert not unexpected, f"the page logged errors: {unexpected}"
