"""The editor's preview carries each problem's quick fix (catalog/skillfile/fixes.py) for
the code editor to offer: on the edit page's stored preview and on a fresh one."""

import pytest

from tests.browser import Browser, page, select
from tests.factories import make_skill, make_user

pytestmark = pytest.mark.django_db

ITEM = "/edit/commands/review/"


def test_the_edit_page_and_the_preview_carry_each_problems_quick_fix():
    text = "---\ndescription: a: b\n---\nBody !`git status --short`\n"
    make_skill(name="review", text=text)
    browser = Browser(make_user("bob"))
    for html in (
        page(browser.get(ITEM)),  # the stored preview
        page(browser.post("/edit/preview", {"text": text, "kind": "command"}, htmx=True)),
    ):
        [quote] = select(html, "li", data_fix_label="Quote the value")
        assert quote.attrs["data-fix-text"] == 'description: "a: b"\n'
        assert (quote.attrs["data-fix-line"], quote.attrs["data-fix-end"]) == ("2", "2")
        [allow] = select(html, "li", data_fix_rule="Bash(git status:*)")
        assert allow.attrs["data-fix-label"] == "Allow Bash(git status:*)"
