"""Steps in Label Studio 1.23's own UI, as a person takes them (Playwright pages; no labelops code in between)."""

from __future__ import annotations

import re

from playwright.sync_api import Page, TimeoutError, expect

from tests.support.paths import ROOT

# Screenshots of the browser tests: each step a test names, and every open page of a test that failed.
SHOTS = ROOT / "test-results" / "browser"


def close_instructions(page: Page, timeout: float = 4_000) -> bool:
    """Close the project's "Labeling Instructions" modal if Label Studio shows it; whether it was there."""
    button = page.get_by_role("button", name="Close modal")
    try:
        button.first.wait_for(state="visible", timeout=timeout)
    except TimeoutError:
        return False
    button.first.click()
    expect(button).to_have_count(0)
    return True


def open_data_manager(page: Page, base_url: str, project_id: int) -> None:
    page.goto(f"{base_url}/projects/{project_id}/data")
    expect(page.get_by_role("button", name="Label All Tasks")).to_be_visible()


def label_all_tasks(page: Page, base_url: str, project_id: int) -> int:
    """"Label All Tasks" from the Data Manager; the id of the task the stream serves (its `next_task` action)."""
    open_data_manager(page, base_url, project_id)
    with page.expect_response(lambda r: "/api/dm/actions" in r.url and "id=next_task" in r.url and r.ok) as answer:
        page.get_by_role("button", name="Label All Tasks").click()
    task_id = int(answer.value.json()["id"])
    page.locator(".lsf-main-view").first.wait_for()
    return task_id


def choice(page: Page, value: str):
    """The checkbox / radio of a Choice by its value (Label Studio names the input after it)."""
    return page.locator(f'input[name="{value}"]')


def checked(page: Page, values: list[str]) -> list[str]:
    return [v for v in values if choice(page, v).is_checked()]


def add_text(page: Page, control: str, text: str) -> None:
    """Type into a TextArea control and press its "Add" button."""
    area = page.locator(f'textarea[name="{control}"]')
    area.fill(text)
    area.locator("xpath=ancestor::form[1]").get_by_role("button", name="Add").click()
    expect(page.get_by_text(text, exact=True).first).to_be_visible()


def submit(page: Page, task_id: int) -> dict:
    """Press Submit; the annotation Label Studio stored."""
    with page.expect_response(lambda r: re.search(rf"/api/tasks/{task_id}/annotations/?(\?|$)", r.url) is not None
                              and r.request.method == "POST") as answer:
        page.locator("button", has_text=re.compile(r"^\s*Submit\s*$")).first.click()
    assert answer.value.status == 201, answer.value.text()
    return answer.value.json()


def tab_names(page: Page) -> list[str]:
    """The titles of the annotation and prediction tabs of the task view."""
    page.locator(".lsf-annotation-button__name").first.wait_for()
    return [t.strip() for t in page.locator(".lsf-annotation-button__name").all_inner_texts()]


def tab(page: Page, title: str):
    return page.locator(".lsf-annotation-button", has=page.locator(".lsf-annotation-button__name",
                                                                   has_text=re.compile(rf"^{re.escape(title)}$")))
