"""Browser tests: Playwright driving the system Chromium against live_server."""

import os
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("SKILLHUB_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

# Playwright's sync API keeps an event loop running in this thread for the whole
# session, so the ORM calls of the tests and of the database teardown (flush)
# would be refused as "async unsafe" although they are plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(items):
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM} (CI installs Debian's chromium)")
    for item in items:
        if "e2e" in item.nodeid:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """Open a page in a fresh browser context (its own cookies: another person)."""
    contexts = []

    def open_page(color_scheme="light"):
        context = browser.new_context(
            base_url=live_server.url,
            viewport={"width": 1280, "height": 900},
            color_scheme=color_scheme,
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.csp_violations = []
        page.on(
            "console",
            lambda message: (
                page.csp_violations.append(message.text)
                if "Content Security Policy" in message.text
                else None
            ),
        )
        return page

    yield open_page
    for context in contexts:
        context.close()


def sign_in(page, username, password):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/edit/")


def screenshot(page, name):
    if page.locator("textarea[data-code-editor]").count():  # the code editor, once it runs
        page.locator(".cm-editor").wait_for()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)


class CodeEditor:
    """The editor's text as a person meets it: CodeMirror (assets/src/editor.js) over the
    form's hidden textarea, whose value is what Save and the preview send."""

    def __init__(self, page):
        self.page = page
        self.content = page.locator(".cm-content")
        self.textarea = page.locator("#id_text")

    @property
    def text(self) -> str:
        return self.textarea.input_value()

    def fill(self, text: str) -> None:
        """Replace the whole text as a person would: select all, paste. (Playwright's
        fill types into the contenteditable through the browser's own editing, whose
        multi-line insert writes style attributes the strict CSP refuses; CodeMirror
        takes a paste itself.)"""
        self.content.focus()
        self.page.keyboard.press("ControlOrMeta+a")
        self.content.evaluate(
            """(element, text) => {
                const data = new DataTransfer();
                data.setData("text/plain", text);
                element.dispatchEvent(new ClipboardEvent("paste", {
                    clipboardData: data, bubbles: true, cancelable: true,
                }));
            }""",
            text,
        )

    def replace(self, old: str, new: str) -> None:
        assert old in self.text, f"{old!r} is not in the editor"
        self.fill(self.text.replace(old, new))

    def focus(self) -> None:
        self.content.focus()

    @property
    def cursor(self) -> tuple[int, int]:
        """The cursor's line and column, both from 1."""
        return tuple(
            self.page.eval_on_selector(
                "#id_text",
                """el => {
                    const state = el.codemirror.state, head = state.selection.main.head;
                    const line = state.doc.lineAt(head);
                    return [line.number, head - line.from + 1];
                }""",
            )
        )
