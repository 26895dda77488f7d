"""The public catalog in a real browser: find, filter, read, and download a bundle."""

import io
import zipfile

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from catalog import bundles
from catalog.models import Skill
from tests.e2e.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_catalog():
    """The demo items, published, with their tags (load_demo's); and one draft nobody may see."""
    call_command("load_demo", stdout=io.StringIO())
    Skill.create("command", "secret-plan", "---\ndescription: Not public\n---\nDraft.\n", None)


def rows(page):
    return page.locator("li.catalog-item")


def test_a_visitor_searches_filters_reads_and_downloads_a_bundle(new_page, demo_catalog):
    page = new_page()
    page.goto("/")
    expect(rows(page)).to_have_count(7)
    expect(page.get_by_text("secret-plan")).to_have_count(0)
    screenshot(page, "catalog")

    # Search.
    page.get_by_label("Search").fill("changelog")
    page.get_by_role("button", name="Search").click()
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text("/changelog")

    # Filter by kind, then by tag as well.
    page.goto("/")
    page.locator('a[data-facet="kind"][data-value="command"]').click()
    expect(rows(page)).to_have_count(3)
    page.locator('a[data-facet="tag"][data-value="git"]').click()
    expect(rows(page)).to_have_count(2)
    expect(page.locator('a[data-facet="kind"][aria-current="true"]')).to_contain_text("Command")
    expect(page.locator('a[data-facet="tag"][aria-current="true"]')).to_contain_text("git")

    # Open an item: the rendered body, its frontmatter and the install lines.
    page.get_by_role("link", name="/git:commit").click()
    page.wait_for_url("**/commands/git:commit/")
    expect(page.locator("[data-skill-body]")).to_be_visible()
    expect(page.locator("table.frontmatter")).to_contain_text("description")
    expect(page.locator('[data-install="bundle"]')).to_contain_text(
        "/export.tar.gz?item=command/git:commit' | tar xz"
    )
    screenshot(page, "item")

    # Tick three items and download them as one bundle.
    page.goto("/")
    wanted = ["command/git:commit", "skill/changelog", "agent/security-reviewer"]
    # The button says what it will download, and counts as boxes are ticked.
    download_button = page.locator("[data-download-ticked]")
    expect(download_button).to_have_text("Download all 7 shown (.zip)")
    boxes = [page.locator(f'input[name="item"][value="{item}"]') for item in wanted]
    boxes[0].check()
    expect(download_button).to_have_text("Download 1 ticked item (.zip)")
    boxes[1].check()
    boxes[2].check()
    expect(download_button).to_have_text("Download 3 ticked items (.zip)")
    boxes[1].uncheck()
    expect(download_button).to_have_text("Download 2 ticked items (.zip)")
    boxes[1].check()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download 3 ticked items (.zip)").click()
    download = download_info.value
    assert download.suggested_filename == "skillhub.zip"
    assert "item=command%2Fgit%3Acommit" in download.url  # a shareable address
    with zipfile.ZipFile(download.path()) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    assert all(path.startswith(".claude/") for path in files)
    assert sorted(files) == [
        ".claude/agents/security-reviewer.md",
        ".claude/commands/git/commit.md",
        ".claude/skillhub.lock.json",
        ".claude/skills/changelog/SKILL.md",
    ]
    assert bundles.verify_lock(files) == []

    assert page.csp_violations == []
