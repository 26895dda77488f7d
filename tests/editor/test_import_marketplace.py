"""The import page with a marketplace: its dry run lists the plugins that would be
created with their items, writes nothing, and the confirm creates exactly those
plugins from what the session kept; a bad entry refuses the upload, naming it."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from catalog.models import Plugin, Release, Skill
from tests.browser import Browser, messages_shown, one, page, select
from tests.factories import make_plugin, make_user
from tests.marketplaces import (
    MARKETPLACE_JSON,
    marketplace_json,
    skills_marketplace,
    write_json,
    zip_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser():
    return Browser(make_user("member"))


def upload(browser, root, name="skills-main.zip"):
    archive = zip_of(root, prefix="skills-main/")
    return browser.post("/edit/import", {"file": SimpleUploadedFile(name, archive)})


def plugin_rows(html: str) -> dict[str, object]:
    table = one(html, "table", class_="import-plugins")
    return {row.attrs["data-plugin"]: row for row in select(table.html, "tr", data_plugin=True)}


def test_the_dry_run_lists_each_plugin_with_its_items_and_writes_nothing(browser, tmp_path):
    market = skills_marketplace(tmp_path / "skills")
    response = upload(browser, market.root)
    assert response.status_code == 200
    rows = plugin_rows(page(response))
    assert set(rows) == set(market.plugins)
    for name, (_version, items) in market.plugins.items():
        assert "outcome-created" in rows[name].attrs["class"]
        listed = {found.text for found in select(rows[name].html, "li", class_="plugin-item")}
        assert listed == {f"{kind} {item}" for kind, item in items}
    assert 'plugins[2] "code-kit"' in rows["code-kit"].text
    assert "./plugins/code-kit" in rows["code-kit"].text
    assert Skill.objects.count() == 0 and Plugin.objects.count() == 0


def test_confirming_creates_the_plugins_the_dry_run_listed_with_their_items(browser, tmp_path):
    market = skills_marketplace(tmp_path / "skills")
    response = upload(browser, market.root)
    button = one(page(response), "button", name="confirm")
    assert button.text == "Import these files and create 3 plugins"
    token = button.attrs["value"]

    confirmed = browser.post("/edit/import", {"confirm": token})
    assert confirmed.status_code == 302
    for name, (_version, items) in market.plugins.items():
        plugin = Plugin.objects.get(name=name)
        assert {(s.kind, s.name) for s in plugin.items.all()} == items
        assert plugin.created_by.username == "member"
    # The page does not publish, so nothing is released.
    assert not Release.objects.exists()
    shown = messages_shown(browser.get("/edit/"))
    assert any("3 plugins created" in message for message in shown)


def test_a_plugin_created_between_the_dry_run_and_the_confirm_refuses_the_confirm(
    browser, tmp_path
):
    market = skills_marketplace(tmp_path / "skills")
    token = one(page(upload(browser, market.root)), "button", name="confirm").attrs["value"]
    make_plugin("example-skills", description="Made meanwhile")

    confirmed = browser.post("/edit/import", {"confirm": token})
    assert confirmed.status_code == 400
    row = plugin_rows(page(confirmed))["example-skills"]
    assert "outcome-refused" in row.attrs["class"]
    assert "exists already" in row.text
    assert Skill.objects.count() == 0 and Plugin.objects.count() == 1


def test_a_bad_entry_refuses_the_upload_naming_the_entry_with_no_confirm_button(browser, tmp_path):
    market = skills_marketplace(tmp_path / "skills")
    data = marketplace_json()
    data["plugins"][2]["source"] = {"source": "github", "repo": "acme/code-kit"}
    write_json(market.root / MARKETPLACE_JSON, data)
    response = upload(browser, market.root)
    assert response.status_code == 400
    html = page(response)
    row = plugin_rows(html)["code-kit"]
    assert "outcome-refused" in row.attrs["class"]
    assert 'plugins[2] "code-kit"' in row.text and "fetched from elsewhere" in row.text
    assert "Refused: nothing will be imported" in one(html, "h2", id="report-title").text
    assert not select(html, "button", name="confirm")
    assert (
        "pending_imports" not in browser.client.session
        or not (browser.client.session["pending_imports"])
    )
    assert Skill.objects.count() == 0 and Plugin.objects.count() == 0


def test_what_the_marketplace_says_is_escaped_on_the_page(browser, tmp_path):
    market = skills_marketplace(tmp_path / "skills")
    data = marketplace_json()
    data["plugins"][0]["name"] = "<img src=x onerror=alert(1)>"
    data["plugins"][1]["source"] = "./<script>alert(1)</script>"
    write_json(market.root / MARKETPLACE_JSON, data)
    response = upload(browser, market.root)
    assert response.status_code == 400
    html = page(response)
    assert "<img src=x" not in html and "<script>alert" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert not select(html, "img", src="x")
