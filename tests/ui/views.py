"""Driving the dashboard in a real browser: launching Debian's Chromium through Playwright,
the runs the views are shown with, and the screenshots. The tests and the README's picture
(tests/ui/readme_picture.py) both go through here, so the picture is what the tests see."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import openai
from openai import AzureOpenAI
from playwright.sync_api import Browser, Page, Playwright, expect

# Flags for a sandboxed machine with no network beyond loopback: without the background
# networking ones Chromium keeps trying to reach Google's hosts.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
KEY = "dashboard-test-key-7a51"
HELLO = [{"role": "user", "content": "Hello"}]


def chromium() -> str | None:
    """Debian's Chromium (or one named by AOAI_EMULATOR_CHROMIUM); installed with apt-get when
    it is missing and this process may do so."""
    found = _find_chromium()
    if found is None and shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", "chromium"]
        if subprocess.run(install, capture_output=True, timeout=900).returncode != 0:
            subprocess.run(["apt-get", "update", "-q"], capture_output=True, timeout=900)
            subprocess.run(install, capture_output=True, timeout=900)
        found = _find_chromium()
    return found


def _find_chromium() -> str | None:
    for candidate in (os.environ.get("AOAI_EMULATOR_CHROMIUM"), shutil.which("chromium"), "/usr/bin/chromium"):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def launch(playwright: Playwright, executable: str) -> Browser:
    return playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)


def open_dashboard(page: Page, endpoint: str, view: str = "requests") -> None:
    page.goto(f"{endpoint}/_emulator/ui#{view}")
    expect(page.locator("#connection")).to_have_text("live")


def client(endpoint: str, **options: object) -> AzureOpenAI:
    return AzureOpenAI(azure_endpoint=endpoint, api_key=KEY, api_version="2024-10-21", **options)  # type: ignore[arg-type]


def retry_then_succeed(endpoint: str, test_id: str) -> None:
    """The openai client's default two retries meet the ready-made scenario's two 429s."""
    headers = {"x-emulator-scenario": "retry-then-succeed", "x-test-id": test_id}
    with client(endpoint, default_headers=headers) as made:
        made.chat.completions.create(model="gpt-4o", messages=HELLO)


def ignore_retry_after(endpoint: str, test_id: str) -> None:
    """A client that retries at once though the 429 asked for two seconds."""
    headers = {"x-emulator-scenario": "throttled", "x-test-id": test_id}
    with client(endpoint, default_headers=headers, max_retries=0) as made:
        for attempt in range(2):
            try:
                made.chat.completions.create(
                    model="gpt-4o", messages=HELLO, extra_headers={"x-stainless-retry-count": str(attempt)}
                )
            except openai.RateLimitError:
                pass


def show_retry_timeline(page: Page, endpoint: str, test_id: str, attempts: int) -> None:
    open_dashboard(page, endpoint, "retries")
    page.select_option("#retry-by", "test_id")
    page.select_option("#retry-key", test_id)
    expect(page.locator("#timeline .attempt")).to_have_count(attempts)


def shoot(page: Page, path: Path, selector: str | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if selector is None:
        page.screenshot(path=str(path), full_page=True)
    else:
        page.locator(selector).screenshot(path=str(path))
