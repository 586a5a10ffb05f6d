"""The dashboard at /_emulator/ui, in Debian's Chromium driven by Playwright, against a live
emulator that the openai client calls: the live table, a request's whole entry, the retry
timeline, quotas, scenarios switched and edited with clicks, and costs. Each view's
screenshot is written to test-output/dashboard/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest
from playwright.sync_api import Browser, Page, expect
from views import (
    HELLO,
    KEY,
    client,
    ignore_retry_after,
    open_dashboard,
    retry_then_succeed,
    shoot,
    show_retry_timeline,
)

from emulator.settings import DeploymentConfig, Settings
from support import running_emulator


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    settings = Settings.build(
        deployments={
            "gpt-4o": DeploymentConfig(model="gpt-4o"),
            "gpt-4o-mini": DeploymentConfig(model="gpt-4o-mini"),
            # Two requests per ten seconds, enforced: the third is the quota's 429.
            "tight": DeploymentConfig(model="gpt-4o-mini", quota={"rpm": 12, "enforce": True}),
        },
    )
    with running_emulator(settings) as url:
        yield url


def test_a_request_appears_in_the_live_table_within_a_second(page: Page, endpoint: str, shots: Path) -> None:
    open_dashboard(page, endpoint)
    with client(endpoint) as made:
        raw = made.chat.completions.with_raw_response.create(model="gpt-4o", messages=HELLO)
    row = page.locator(f'#requests tbody tr[data-id="{raw.headers["x-request-id"]}"]')
    expect(row).to_be_visible(timeout=1000)
    expect(row.locator("td").nth(1)).to_have_text("chat_completions")
    expect(row.locator("td").nth(2)).to_have_text("gpt-4o")
    expect(row.locator("td").nth(4)).to_have_text("200")
    shoot(page, shots / "requests.png")


def test_opening_a_request_shows_it_whole_with_the_key_masked(page: Page, endpoint: str, shots: Path) -> None:
    with client(endpoint) as made:
        raw = made.chat.completions.with_raw_response.create(model="gpt-4o", messages=HELLO)
    reply = raw.parse().choices[0].message.content
    open_dashboard(page, endpoint)
    page.locator(f'#requests tbody tr[data-id="{raw.headers["x-request-id"]}"]').click()
    detail = page.locator("#detail")
    expect(detail).to_be_visible()
    expect(detail.locator(".request-headers")).to_contain_text(f"api-key: ***{KEY[-4:]}")
    expect(detail.locator(".response-body")).to_contain_text(str(reply))
    assert KEY not in page.content()  # the secret never reaches the page
    shoot(page, shots / "request-detail.png")


def test_a_stream_opens_to_its_events_with_their_times(page: Page, endpoint: str) -> None:
    with client(endpoint) as made:
        raw = made.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=HELLO, stream=True)
        chunks = list(raw.parse())
    open_dashboard(page, endpoint)
    row = page.locator(f'#requests tbody tr[data-id="{raw.headers["x-request-id"]}"]')
    expect(row.locator("td").nth(8)).to_have_text(f"completed ({len(chunks) + 1} events)")
    row.focus()
    page.keyboard.press("Enter")  # rows open from the keyboard too
    events = page.locator("#detail table.events tbody tr")
    expect(events).to_have_count(len(chunks) + 1)
    expect(events.last.locator("td").nth(1)).to_have_text("data: [DONE]")
    expect(events.first.locator("td").first).to_have_text(lambda_ms())


def lambda_ms() -> object:
    import re

    return re.compile(r"^\d+\.\d ms$")


def test_a_retry_then_succeed_run_draws_three_attempts_and_two_waits(page: Page, endpoint: str, shots: Path) -> None:
    test_id = "tests/test_orders.py::test_retries_on_429"
    retry_then_succeed(endpoint, test_id)
    show_retry_timeline(page, endpoint, test_id, 3)
    expect(page.locator("#timeline rect.span")).to_have_count(2)
    marks = page.locator("#timeline circle.mark")
    assert [marks.nth(i).get_attribute("class") for i in range(3)] == [
        "mark throttled",
        "mark throttled",
        "mark ok",
    ]
    expect(page.locator("#timeline .early-ring")).to_have_count(0)  # the SDK waits as told
    expect(page.locator("#timeline-caption")).to_have_text(
        f"3 attempts for test id {test_id}; 2 asked the client to wait; 0 early retries."
    )
    rows = page.locator("#attempts tbody tr")
    expect(rows.nth(0).locator("td").nth(4)).to_have_text("100.0 ms")
    shoot(page, shots / "retry-timeline.png")
    # An attempt opens to its whole entry, from the keyboard too.
    rows.nth(2).focus()
    page.keyboard.press("Enter")
    expect(page.locator("#view-requests")).to_be_visible()
    expect(page.locator("#detail .request-headers")).to_contain_text("x-stainless-retry-count: 2")


def test_a_retry_inside_the_wait_is_flagged_early(page: Page, endpoint: str) -> None:
    ignore_retry_after(endpoint, "tests/test_impatient.py::test_retry")
    show_retry_timeline(page, endpoint, "tests/test_impatient.py::test_retry", 2)
    expect(page.locator("#timeline .early-ring")).to_have_count(1)
    expect(page.locator("#attempts tbody tr").nth(1).locator("td").nth(5)).to_have_text("early")


def test_activating_throttled_with_a_click_makes_the_next_call_a_429(page: Page, endpoint: str, shots: Path) -> None:
    open_dashboard(page, endpoint, "scenarios")
    card = page.locator('.card[data-scenario="throttled"]')
    page.get_by_role("button", name="Reset the counts of throttled").click()
    expect(card.locator("table.rules tbody td").nth(3)).to_have_text("0")
    page.get_by_role("button", name="Activate throttled").click()
    expect(page.locator("#active-scenario")).to_have_text("throttled")
    try:
        with client(endpoint, max_retries=0) as made:
            with pytest.raises(openai.RateLimitError):
                made.chat.completions.create(model="gpt-4o", messages=HELLO)
        # Its counts go up as it applies (the view follows the feed).
        expect(card.locator("table.rules tbody td").nth(3)).to_have_text("1")
        shoot(page, shots / "scenarios.png")
    finally:
        page.get_by_role("button", name="Deactivate throttled").click()
        expect(page.locator("#active-scenario")).to_have_text("none")
    with client(endpoint, max_retries=0) as made:
        assert made.chat.completions.create(model="gpt-4o", messages=HELLO).choices


def test_a_scenario_with_an_error_in_the_editor_shows_the_apis_message(page: Page, endpoint: str) -> None:
    broken = "name: typo\nrules:\n  - name: slow\n    actions:\n      - action: delay\n        seconds: -1\n"
    expected = httpx.post(
        f"{endpoint}/_emulator/scenarios", content=broken, headers={"content-type": "application/yaml"}
    ).json()["errors"][0]["title"]
    open_dashboard(page, endpoint, "scenarios")
    page.get_by_label("Scenario (YAML, as a scenario file is written)").fill(broken)
    page.get_by_role("button", name="Save scenario").click()
    expect(page.get_by_role("alert").filter(has_text="request body")).to_have_text(expected)

    page.get_by_role("button", name="Edit retry-then-succeed").click()
    editor = page.locator("#scenario-yaml")
    expect(editor).to_have_value(lambda_text("name: retry-then-succeed"))
    # A built-in one is kept as it is: saved under its own name, it is refused.
    page.get_by_role("button", name="Save scenario").click()
    expect(page.locator("#editor-message")).to_have_text(
        "request body: 'retry-then-succeed' is a built-in scenario; choose another name"
    )
    editor.fill(editor.input_value().replace("name: retry-then-succeed", "name: my-retries", 1))
    page.get_by_role("button", name="Save scenario").click()
    expect(page.locator("#editor-message")).to_have_text("Saved my-retries.")
    expect(page.locator('.card[data-scenario="my-retries"]')).to_be_visible()


def lambda_text(start: str) -> object:
    import re

    return re.compile("^" + re.escape(start))


def test_quotas_show_use_against_the_quota_and_its_429s(page: Page, endpoint: str, shots: Path) -> None:
    with client(endpoint, max_retries=0) as made:
        for _ in range(2):
            made.chat.completions.create(model="tight", messages=HELLO)
        with pytest.raises(openai.RateLimitError):
            made.chat.completions.create(model="tight", messages=HELLO)
    open_dashboard(page, endpoint, "quotas")
    card = page.locator('.card.quota[data-deployment="tight"]')
    expect(card.locator(".refused-count")).to_have_text("1")
    expect(card).to_contain_text("quota enforced")
    expect(card.locator("svg.chart")).to_have_count(2)
    expect(card.get_by_role("img", name="Requests per minute · quota 12 RPM")).to_be_visible()
    shoot(page, shots / "quotas.png")


def test_cost_shows_what_azure_would_charge_per_deployment_and_test(page: Page, endpoint: str, shots: Path) -> None:
    httpx.delete(f"{endpoint}/_emulator/costs").raise_for_status()
    with client(endpoint, default_headers={"x-test-id": "tests/test_bill.py::test_one"}) as made:
        answer = made.chat.completions.create(model="gpt-4o", messages=HELLO)
    assert answer.usage is not None
    cost = answer.usage.prompt_tokens * 2.50 / 1e6 + answer.usage.completion_tokens * 10.00 / 1e6
    open_dashboard(page, endpoint, "cost")
    expect(page.locator("#cost-total")).to_have_text(f"${cost:.6f}" if cost < 0.01 else f"${cost:.4f}")
    row = page.locator("#cost-tests tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator("td").first).to_have_text("tests/test_bill.py::test_one")
    expect(page.locator("#price-source")).to_contain_text("as of 2026-07-31")
    shoot(page, shots / "cost.png")


def test_every_control_can_be_reached_from_the_keyboard_and_is_named(page: Page, endpoint: str) -> None:
    open_dashboard(page, endpoint)
    page.locator("#tab-requests").focus()
    page.keyboard.press("ArrowRight")
    expect(page.locator("#tab-retries")).to_be_focused()
    expect(page.locator("#view-retries")).to_be_visible()
    unnamed = page.evaluate(
        """() => [...document.querySelectorAll('button, input, select, textarea')]
            .filter((e) => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.textContent.trim())
            .map((e) => e.outerHTML)"""
    )
    assert unnamed == []


@pytest.mark.parametrize("width", [390, 1920])
def test_every_view_fits_a_narrow_and_a_wide_screen(browser: Browser, endpoint: str, shots: Path, width: int) -> None:
    retry_then_succeed(endpoint, "tests/test_sizes.py::test_fit")
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        for view in ("requests", "retries", "quotas", "scenarios", "cost"):
            open_dashboard(page, endpoint, view)
            expect(page.locator(f"#view-{view}")).to_be_visible()
            # Wide tables and the timeline scroll inside their boxes; the page itself does not.
            overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{view} is {overflow}px wider than a {width}px screen"
            shoot(page, shots / f"{view}-{width}px.png")
    finally:
        context.close()


def test_the_page_asks_for_the_admin_key_when_one_is_configured(page: Page) -> None:
    with running_emulator(Settings.build(admin_key="s3cret-admin")) as url:
        page.goto(f"{url}/_emulator/ui")
        form = page.locator("#key-form")
        expect(form).to_be_visible()
        page.get_by_label("This emulator asks for its admin key").fill("wrong")
        page.get_by_role("button", name="Use key").click()
        expect(page.locator("#key-error")).to_have_text("That key was refused.")
        page.get_by_label("This emulator asks for its admin key").fill("s3cret-admin")
        page.get_by_role("button", name="Use key").click()
        expect(page.locator("#connection")).to_have_text("live")
        with client(url) as made:
            raw = made.chat.completions.with_raw_response.create(model="gpt-4o", messages=HELLO)
        expect(page.locator(f'#requests tbody tr[data-id="{raw.headers["x-request-id"]}"]')).to_be_visible()
        assert "s3cret-admin" not in page.content()


def test_the_keyboard_focus_stays_put_as_requests_arrive(page: Page, endpoint: str) -> None:
    with client(endpoint) as made:
        first = made.chat.completions.with_raw_response.create(model="gpt-4o", messages=HELLO)
        open_dashboard(page, endpoint)
        focused = page.locator(f'#requests tbody tr[data-id="{first.headers["x-request-id"]}"]')
        focused.focus()
        later = made.chat.completions.with_raw_response.create(model="gpt-4o", messages=HELLO)
    expect(page.locator(f'#requests tbody tr[data-id="{later.headers["x-request-id"]}"]')).to_be_visible()
    expect(focused).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#detail")).to_be_focused()
    page.get_by_role("button", name="Close").click()
    expect(focused).to_be_focused()  # back where the entry was opened from


def test_an_entry_that_has_left_the_journal_says_so(page: Page, endpoint: str) -> None:
    with client(endpoint) as made:
        raw = made.chat.completions.with_raw_response.create(model="gpt-4o", messages=HELLO)
    open_dashboard(page, endpoint)
    row = page.locator(f'#requests tbody tr[data-id="{raw.headers["x-request-id"]}"]')
    expect(row).to_be_visible()
    httpx.delete(f"{endpoint}/_emulator/requests").raise_for_status()  # cleared by someone else
    row.click()
    expect(page.locator("#detail [role=alert]")).to_have_text(
        f"This request's entry cannot be shown: no request '{raw.headers['x-request-id']}' in the journal"
    )
