"""Every page, public and the team's, passes axe-core's WCAG 2.x A/AA rules with no violation,
and keeps the strict CSP, in light and dark."""

import pytest
from playwright.sync_api import expect

from catalog.models import ChangeRequest
from catalog.models.owners import set_owners
from tests import axe
from tests.e2e.conftest import sign_in
from tests.factories import make_plugin, make_skill, make_user, publish_pdf_folder

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A command with what stresses the checks: a task list, a table, a long line of code
# that scrolls sideways, a shell line.
REVIEW = """---
description: Review the staged diff
allowed-tools: Bash(git diff:*)
---
# Review

- [x] read the diff
- [ ] list the risks

| check | why |
|---|---|
| tests | they pass |

```python
print("a long line of code that is far wider than any pane the page could give it " * 3)
```

Diff: !`git diff --staged`
"""

PUBLIC = [
    "/",
    "/?q=review",
    "/?kind=skill",
    "/commands/review/",
    "/skills/pdf/",
    "/plugins/",
    "/plugins/team-kit/",
    "/plugins/team-kit/1.0.0/",
    "/accounts/login/",
    "/commands/no-such-item/",
]
TEAM = [
    "/edit/",
    "/edit/new",
    "/edit/commands/review/",
    "/edit/commands/review/history",
    "/edit/commands/review/diff?from=1&to=2",
    "/edit/skills/pdf/",
    "/edit/skills/pdf/?file=scripts/check_fields.py",
    "/edit/skills/pdf/?file=references/forms.md",
    "/edit/import",
    "/edit/audit",
    "/edit/inbox",
    "/edit/plugins/",
    "/edit/plugins/new",
    "/edit/plugins/team-kit/",
    "/edit/plugins/team-kit/release",
]


@pytest.fixture
def site():
    author = make_user("alice", publisher=True)
    review = make_skill(name="review", text=REVIEW, author=author, publish=True)
    review.save_version(REVIEW.replace("the risks", "the risks first"), author, base_number=1)
    review.publish(review.latest, author)
    pdf = publish_pdf_folder(author)
    make_plugin("team-kit", [review, pdf], author, release="1.0.0")
    # alice owns a draft that bob asks her to review and comments on: her inbox has unread
    # notifications, and every team page's header its count.
    lint = make_skill(name="lint", author=author)
    set_owners(lint, [author], [], author)
    bob = make_user("bob")
    ChangeRequest.open(lint, lint.latest, bob, "First version").comment(bob, "Ready.")
    # bob asks to publish a change to review: alice comments on a line (a reply follows),
    # his fix makes that comment outdated, and she asks for changes.
    published = review.latest.text
    review.save_version(published.replace("risks first", "worst risks first"), bob, "Worst", 2)
    change = ChangeRequest.open(review, review.latest, bob, "Worst first", "Why: **order**")
    top = change.comment(author, "Is *this* clear?", "SKILL.md", "new", 8)
    change.comment(bob, "Yes", reply_to=top)
    change.comment(author, "On the old side", "SKILL.md", "old", 5)
    review.save_version(published.replace("risks first", "worst risks, first"), bob, "Comma", 3)
    change.review(author, "changes", "Say which risks are *worst*.")
    return author


def request_pages() -> list[str]:
    """The change requests' pages: the list, a request with threads (one outdated), and
    its comment form opened under a line."""
    page = ChangeRequest.objects.get(title="Worst first").get_absolute_url()
    return ["/edit/requests/", page, page + "?path=SKILL.md&side=new&line=7"]


def checked(page, path: str) -> list[dict]:
    response = page.goto(path)
    assert response.status in (200, 404), (path, response.status)
    if page.locator("textarea[data-code-editor]").count():
        expect(page.locator(".cm-editor")).to_be_visible()  # checked as people meet it
    page.wait_for_load_state("networkidle")
    return [{"page": path, **found} for found in axe.violations(page)]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_page_has_no_accessibility_violation(new_page, site, scheme):
    try:
        axe.source()
    except axe.AxeUnavailable as error:
        pytest.skip(str(error))
    reader, member = new_page(scheme), new_page(scheme)
    sign_in(member, "alice", "pw-alice")
    found = [v for path in PUBLIC for v in checked(reader, path)]
    found += [v for path in [*TEAM, *request_pages()] for v in checked(member, path)]
    assert found == [], "\n".join(str(v) for v in found)
    assert reader.csp_violations == [] and member.csp_violations == []


def test_the_catalog_offers_a_skip_link_straight_to_its_results(new_page, site):
    page = new_page()
    page.goto("/")
    page.keyboard.press("Tab")  # the page's own "Skip to content" first
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to the results")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#results")).to_be_focused()


def test_code_blocks_and_install_lines_take_the_keyboards_focus(new_page, site):
    page = new_page()
    page.goto("/commands/review/")
    code = page.locator("[data-skill-body] pre.highlight").first
    code.focus()
    expect(code).to_be_focused()
    install = page.locator("pre[data-install]").first
    install.focus()
    expect(install).to_be_focused()
