"""Writes the README's picture of the retry timeline (docs/retry-timeline.png) with the code
the dashboard's tests use:

    python tests/ui/readme_picture.py [PATH]
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from playwright.sync_api import sync_playwright  # noqa: E402
from views import chromium, launch, retry_then_succeed, shoot, show_retry_timeline  # noqa: E402

from emulator.settings import Settings  # noqa: E402
from support import running_emulator  # noqa: E402


def main() -> int:
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parents[1] / "docs" / "retry-timeline.png"
    executable = chromium()
    if executable is None:
        print("no Chromium found: apt-get install chromium", file=sys.stderr)
        return 1
    with running_emulator(Settings.build()) as endpoint, sync_playwright() as playwright:
        browser = launch(playwright, executable)
        page = browser.new_page(viewport={"width": 1100, "height": 700}, device_scale_factor=1)
        retry_then_succeed(endpoint, "tests/test_orders.py::test_retries_on_429")
        show_retry_timeline(page, endpoint, "tests/test_orders.py::test_retries_on_429", 3)
        shoot(page, target, "#view-retries")
        browser.close()
    print(target)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
