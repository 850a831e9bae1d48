"""Browser fixtures: Debian's chromium driven by Playwright, one logged-in page per user, screenshots kept.

Playwright's pip package carries only its driver; the browser is the system's chromium (`make system-deps`
installs Debian's), launched headless with every call home switched off. Screenshots go to
`test-results/browser/`: each step a test names, and every open page of a test that failed.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.lsui import SHOTS

HERE = Path(__file__).resolve().parent
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1280, "height": 900}


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    assert executable, "chromium is not installed (make test installs Debian's chromium package)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def shot() -> Callable:
    """shot(page, name): what the page shows now, as test-results/browser/<name>.png."""
    SHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str, full_page: bool = False) -> Path:
        path = SHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take


@pytest.fixture
def logged_in(chromium, label_studio, request) -> Iterator[Callable]:
    """logged_in(email, password): a new page of that user, logged in through Label Studio's login form.

    The pages of a failing test are photographed (`<test>-failure-<n>.png`) before they close.
    """
    contexts = []

    def open_as(email: str, password: str):
        context = chromium.new_context(viewport=VIEWPORT)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.goto(f"{label_studio.url}/user/login/")
        page.fill("input[name=email]", email)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/user/login" not in url, timeout=60_000)  # refused: the form comes back
        assert page.context.cookies() and any(c["name"] == "sessionid" for c in page.context.cookies()), email
        return page

    yield open_as
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        SHOTS.mkdir(parents=True, exist_ok=True)
        number = 0
        for context in contexts:
            for page in context.pages:
                number += 1
                with contextlib.suppress(Exception):  # a page that cannot be photographed any more
                    page.screenshot(path=str(SHOTS / f"{request.node.name}-failure-{number}.png"))
    for context in contexts:
        context.close()
