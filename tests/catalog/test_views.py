"""The public catalog, item pages, raw files and the feed, seen by anonymous visitors."""

import hashlib
import re
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog import diffing
from catalog.models import Skill, VersionDownloads, unstorable_reason
from tests.factories import GOOD_COMMAND, make_skill
from tests.shared import jsonl, needs_shared

pytestmark = pytest.mark.django_db


def command(description: str, body: str = "Do the thing.\n", extra: str = "") -> str:
    return f"---\ndescription: {description}\n{extra}---\n{body}"


def agent(description: str) -> str:
    return f"---\nname: placeholder\ndescription: {description}\n---\nYou review code.\n"


@pytest.fixture
def publish(publisher):
    """Make an item, publish its first version, tag it."""

    def make(kind, name, text, tags=()):
        if kind in ("agent", "skill", "output-style"):
            text = text.replace("name: placeholder", f"name: {name}")
        skill = make_skill(kind, name, text, author=publisher, publish=True)
        if tags:
            skill.set_tags(list(tags))
        return skill

    return make


# -- reading pages ---------------------------------------------------------------------


class _Elements(HTMLParser):
    """The markup inside every element carrying `attribute`."""

    def __init__(self, source: str, attribute: str):
        super().__init__(convert_charrefs=True)
        self.source, self.attribute = source, attribute
        self.starts = [0] + [i + 1 for i, c in enumerate(source) if c == "\n"]
        self.found: list[str] = []
        self._open: list[list] = []  # [tag, depth, start offset]

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.starts[line - 1] + column

    def handle_starttag(self, tag, attrs):
        for item in self._open:
            item[1] += item[0] == tag
        if self.attribute in dict(attrs):
            self._open.append([tag, 1, self._offset() + len(self.get_starttag_text())])

    def handle_endtag(self, tag):
        for item in list(self._open):
            if item[0] == tag:
                item[1] -= 1
                if item[1] == 0:
                    self.found.append(self.source[item[2] : self._offset()])
                    self._open.remove(item)


def inner(html: str, attribute: str) -> list[str]:
    parser = _Elements(html, attribute)
    parser.feed(html)
    parser.close()
    return parser.found


def shown_items(response) -> list[str]:
    """kind/name of every row on a catalog page, in order."""
    marker = 'data-item="'
    html = response.content.decode()
    return [part.split('"', 1)[0] for part in html.split(marker)[1:]]


SELECTED_TEXT = re.compile(
    r'(?:^SELECT|,)\s*"catalog_(?:version"\."text|analysis"\."html)"\s*(?:,|$)'
)


def no_text_selected(queries) -> bool:
    """Whether no query selected a version's text or HTML as a column (a search may still
    read them inside the database, in WHERE or in a rank)."""
    return not any(SELECTED_TEXT.search(q["sql"].split(" FROM ", 1)[0]) for q in queries)


# -- the catalog -------------------------------------------------------------------------


def test_catalog_lists_published_items_but_no_drafts(client, publish):
    publish("command", "git:commit", command("Write a commit message"))
    make_skill("command", "secret-draft", command("Not ready"))
    response = client.get("/")
    assert response.status_code == 200
    assert shown_items(response) == ["command/git:commit"]
    html = response.content.decode()
    assert "/git:commit" in html
    assert "Write a commit message" in html
    assert "secret-draft" not in html


def test_each_row_shows_kind_slash_name_description_tags_version_and_downloads(client, publish):
    publish("command", "frontend:component", command("Make a component"), tags=["react"])
    html = client.get("/").content.decode()
    assert "kind-command" in html
    assert "/frontend:component" in html
    assert "Make a component" in html
    assert ">react</a>" in html
    assert "v1 · 0 downloads" in html


def test_search_finds_words_in_name_description_or_body(client, publish):
    publish("command", "deploy", command("Ship a branch"))
    publish(
        "command", "lint", command("Check style", body="Run the linter over the staged diff.\n")
    )
    publish("command", "notes", command("Release notes for the changelog"))
    assert shown_items(client.get("/", {"q": "deploy"})) == ["command/deploy"]
    assert shown_items(client.get("/", {"q": "staged"})) == ["command/lint"]
    assert shown_items(client.get("/", {"q": "CHANGELOG"})) == ["command/notes"]
    assert shown_items(client.get("/", {"q": "nothing-like-this"})) == []


def test_search_needs_every_word(client, publish):
    publish("command", "review", command("Review the staged diff"))
    publish("command", "diffstat", command("Summarise a diff"))
    assert shown_items(client.get("/", {"q": "staged diff"})) == ["command/review"]
    assert set(shown_items(client.get("/", {"q": "diff"}))) == {
        "command/review",
        "command/diffstat",
    }


def test_search_ranks_a_match_in_the_name_before_one_in_the_body(client, publish):
    publish("command", "alpha", command("Something else", body="Mentions rebase once.\n"))
    publish("command", "rebase", command("Rebase onto main"))
    assert shown_items(client.get("/", {"q": "rebase"})) == ["command/rebase", "command/alpha"]


def test_kind_and_tag_filters_narrow_the_list(client, publish):
    publish("command", "one", command("First"), tags=["git"])
    publish("command", "two", command("Second"), tags=["docs"])
    publish("agent", "three", agent("Third"), tags=["git"])
    assert shown_items(client.get("/", {"kind": "agent"})) == ["agent/three"]
    assert shown_items(client.get("/", {"tag": "git"})) == ["command/one", "agent/three"]
    assert shown_items(client.get("/", {"tag": "git", "kind": "command"})) == ["command/one"]


def test_facets_count_items_under_the_other_filters(client, publish):
    publish("command", "one", command("First"), tags=["git"])
    publish("command", "two", command("Second"), tags=["docs"])
    publish("agent", "three", agent("Third"), tags=["git"])
    facets = client.get("/", {"tag": "git"}).context
    kinds = {f.value: f.count for f in facets["kind_facets"]}
    assert kinds == {"command": 1, "skill": 0, "agent": 1, "output-style": 0}
    tags = {f.value: (f.count, f.selected) for f in facets["tag_facets"]}
    assert tags == {"git": (2, True), "docs": (1, False)}
    by_kind = client.get("/", {"kind": "command"}).context
    assert {f.value: f.count for f in by_kind["tag_facets"]} == {"git": 1, "docs": 1}


def test_an_unknown_kind_or_sort_is_a_bad_request(client, publish):
    publish("command", "one", command("First"))
    assert client.get("/", {"kind": "plugin"}).status_code == 400
    assert client.get("/", {"sort": "random"}).status_code == 400


def test_sorting_by_name_recent_and_downloads(client, publish):
    for name in ("bravo", "alpha", "charlie"):  # published in this order
        publish("command", name, command(name.title()))
    for address in ("203.0.113.1", "203.0.113.2"):  # a client's repeats count once
        client.get("/commands/charlie/raw", REMOTE_ADDR=address)
    client.get("/commands/bravo/raw")
    assert shown_items(client.get("/")) == ["command/alpha", "command/bravo", "command/charlie"]
    recent = shown_items(client.get("/", {"sort": "recent"}))
    assert recent == ["command/charlie", "command/alpha", "command/bravo"]
    popular = shown_items(client.get("/", {"sort": "downloads"}))
    assert popular == ["command/charlie", "command/bravo", "command/alpha"]


def test_pages_hold_the_configured_number_of_items(client, publish, settings):
    settings.SKILLHUB_PAGE_SIZE = 2
    for name in ("a1", "a2", "a3", "a4", "a5"):
        publish("command", name, command(name))
    first, last = client.get("/"), client.get("/", {"page": 3})
    assert shown_items(first) == ["command/a1", "command/a2"]
    assert shown_items(last) == ["command/a5"]
    assert 'rel="next"' in first.content.decode()
    assert "Page 1 of 3" in first.content.decode()


def test_empty_catalog_says_nothing_is_published_yet(client):
    html = client.get("/").content.decode()
    assert "Nothing is published yet" in html


def test_a_search_without_matches_says_so_and_offers_everything(client, publish):
    publish("command", "one", command("First"))
    html = client.get("/", {"q": "zebra"}).content.decode()
    assert "Nothing published matches “zebra”" in html
    assert 'href="/"' in html


def test_risk_badges_come_from_the_stored_lint_problems(client, publish):
    risky = command(
        "Risky",
        body="<!-- hidden -->\nStatus: !`git status`\nZero\u200bwidth\n",
        extra="allowed-tools: Bash\n",
    )
    publish("command", "risky", risky)
    publish("command", "calm", GOOD_COMMAND)
    html = client.get("/").content.decode()
    risky_row = html.split('data-item="command/risky"')[1].split("</li>")[0]
    calm_row = html.split('data-item="command/calm"')[1].split("</li>")[0]
    for key in ("bash", "comment", "invisible"):
        assert f'data-risk="{key}"' in risky_row
    assert "data-risk" not in calm_row


def test_a_shell_line_without_a_matching_rule_gets_the_shell_badge(client, publish):
    publish("command", "status", command("Show status", body="Now: !`git status`\n"))
    html = client.get("/").content.decode()
    assert 'data-risk="shell"' in html
    assert "runs shell commands" in html


def test_the_bundle_builder_is_a_get_form_to_the_zip_export(client, publish):
    publish("command", "one", command("First"))
    html = client.get("/").content.decode()
    form = html.split('<form id="bundle"')[1].split(">", 1)[0]
    assert 'method="get"' in form
    assert 'action="/export.zip"' in form
    assert 'type="checkbox" name="item" value="command/one" form="bundle"' in html


@pytest.mark.parametrize("size", [10, 200])
def test_catalog_queries_do_not_grow_with_the_catalog(
    client, publisher, size, django_assert_max_num_queries
):
    for number in range(size):
        skill = make_skill("command", f"item{number}", command(f"Item {number}"))
        skill.publish(skill.latest, publisher)
        skill.set_tags(["common", f"tag{number % 7}"])
    for params in ({}, {"q": "item"}, {"tag": "common", "kind": "command", "sort": "recent"}):
        with django_assert_max_num_queries(6):  # one of them finds the page's name clashes
            response = client.get("/", params)
        assert len(shown_items(response)) == min(size, 50)


def test_the_catalog_never_loads_item_texts(client, publish):
    publish("command", "one", command("First", body="A long body.\n"))
    for params in ({}, {"q": "long"}, {"sort": "downloads"}):
        with CaptureQueriesContext(connection) as captured:
            client.get("/", params)
        assert no_text_selected(captured.captured_queries)


# -- an item -----------------------------------------------------------------------------


ITEM = """---
description: Deploy a branch
argument-hint: <branch> <environment>
allowed-tools: Bash(git push:*)
---
# Deploy

Deploy `$0` to **$1**.
"""


def test_item_page_shows_the_rendered_body_frontmatter_and_install_lines(client, publish):
    publish("command", "ops:deploy", ITEM)
    response = client.get("/commands/ops:deploy/")
    assert response.status_code == 200
    html = response.content.decode()
    [body] = inner(html, "data-skill-body")
    assert "<h1" in body and "Deploy" in body
    assert '<th scope="row">allowed-tools</th><td>Bash(git push:*)</td>' in html
    assert "Usage: <code>/ops:deploy &lt;branch&gt; &lt;environment&gt;</code>" in html
    assert "v1, published" in html
    assert ".claude/commands/ops/deploy.md" in html
    assert (
        "curl -fsSL &#x27;http://testserver/export.tar.gz?item=command/ops:deploy&#x27; | tar xz"
        in html
    )
    assert "mkdir -p .claude/commands/ops &amp;&amp; curl -fsSL -o" in html
    assert 'href="/commands/ops:deploy/raw"' in html
    assert 'href="/export.zip?item=command/ops:deploy"' in html
    assert "npx skills add" not in html


def test_a_skill_page_offers_the_skills_tool_line(client, publish):
    text = "---\nname: changelog\ndescription: Write a changelog\n---\nWrite it.\n"
    publish("skill", "changelog", text)
    html = client.get("/skills/changelog/").content.decode()
    assert "npx skills add http://testserver --skill changelog -a claude-code -y</code>" in html


def test_try_it_expands_the_arguments_on_the_item_page(client, publish):
    publish("command", "deploy", ITEM)
    response = client.get("/commands/deploy/", {"arguments": "main production"})
    [prompt] = inner(response.content.decode(), "data-prompt")
    assert "main" in prompt and "production" in prompt
    assert "$0" not in prompt


def test_item_page_lists_published_versions_and_diffs_consecutive_ones(client, publish, publisher):
    skill = publish("command", "deploy", command("Deploy v1", body="Step one.\n"))
    skill.save_version(command("Deploy v2", body="Step one.\nStep two.\n"), publisher)
    skill.publish(skill.latest, publisher)
    skill.save_version(command("Deploy draft", body="Secret draft step.\n"), publisher)
    html = client.get("/commands/deploy/").content.decode()
    assert 'id="v2"' in html and 'id="v1"' in html and 'id="v3"' not in html
    assert 'href="?from=1&amp;to=2#diff"' in html
    assert "Secret draft step" not in html
    diff = client.get("/commands/deploy/", {"from": 1, "to": 2}).content.decode()
    assert "Step two." in diff
    assert 'class="diff unified"' in diff


def test_a_diff_that_involves_an_unpublished_version_is_not_found(client, publish, publisher):
    skill = publish("command", "deploy", command("Deploy v1"))
    skill.save_version(command("Deploy draft", body="Secret.\n"), publisher)
    assert client.get("/commands/deploy/", {"from": 1, "to": 2}).status_code == 404
    assert client.get("/commands/deploy/", {"from": 1, "to": "x"}).status_code == 404


def test_a_diff_too_large_for_a_page_links_both_published_files(client, publish, publisher):
    long_body = "".join(f"Step {i}.\n" for i in range(diffing.DIFF_MAX_LINES))
    skill = publish("command", "deploy", command("Deploy v1", body=long_body))
    skill.save_version(command("Deploy v2", body="Step one.\n"), publisher)
    skill.publish(skill.latest, publisher)
    response = client.get("/commands/deploy/", {"from": 1, "to": 2})
    html = response.content.decode()
    assert response.status_code == 200
    assert "too large to show on a page" in html
    assert 'class="diff unified"' not in html
    assert len(html) < 100_000
    assert 'href="/commands/deploy/raw?version=1"' in html
    old = client.get("/commands/deploy/raw", {"version": 1})
    assert old.status_code == 200 and old.content.decode().endswith(long_body)


def test_an_earlier_published_version_downloads_without_counting(client, publish, publisher):
    skill = publish("command", "deploy", command("Deploy v1"))
    skill.save_version(command("Deploy v2"), publisher)
    skill.publish(skill.latest, publisher)
    skill.save_version(command("Deploy draft", body="Secret.\n"), publisher)
    assert "Deploy v1" in client.get("/commands/deploy/raw", {"version": 1}).content.decode()
    assert VersionDownloads.objects.count() == 0
    for never_published in ("3", "9", "x", "\u0661"):
        assert client.get("/commands/deploy/raw", {"version": never_published}).status_code == 404


def test_try_it_cuts_a_huge_prompt_and_says_so(client, publish):
    publish("command", "echo", command("Echo", body="$0" * 20_000))
    response = client.get("/commands/echo/", {"arguments": "x" * 2000})
    [prompt] = inner(response.content.decode(), "data-prompt")
    assert len(response.content) < 1_200_000
    assert "Truncated: this prompt is longer than the 256 KiB shown here." in prompt


def test_try_it_fills_named_arguments_from_the_stored_metadata(client, publish):
    publish("command", "greet", command("Greet", body="Hello $who!\n", extra="arguments: who\n"))
    response = client.get("/commands/greet/", {"arguments": "Ann"})
    [prompt] = inner(response.content.decode(), "data-prompt")
    assert "Hello Ann!" in prompt


def test_images_from_other_hosts_are_links_and_the_policy_loads_none(client, publish):
    publish("command", "pic", command("Pic", body="![chart](https://tracker.example/c.png)\n"))
    response = client.get("/commands/pic/")
    html = response.content.decode()
    assert "<img" not in html.split("data-skill-body", 1)[1].split("</article>", 1)[0]
    assert 'href="https://tracker.example/c.png"' in html
    policy = response["Content-Security-Policy"]
    img_src = next(part for part in policy.split(";") if part.strip().startswith("img-src"))
    assert img_src.split() == ["img-src", "'self'", "data:"]


def test_drafts_and_unpublished_items_are_not_found(client, publish, publisher):
    make_skill("command", "draft", command("Draft"))
    gone = publish("command", "gone", command("Gone"))
    gone.unpublish(publisher)
    for name, status in (("draft", 404), ("gone", 410), ("missing", 404)):
        assert client.get(f"/commands/{name}/").status_code == status
        assert client.get(f"/commands/{name}/raw").status_code == status


def test_the_page_shows_the_published_version_not_a_newer_draft(client, publish, publisher):
    skill = publish("command", "deploy", command("Public words"))
    skill.save_version(command("Draft words"), publisher)
    html = client.get("/commands/deploy/").content.decode()
    assert "Public words" in html and "Draft words" not in html


# -- raw files and download counts -------------------------------------------------------


def test_raw_file_is_byte_identical_markdown_with_a_sha256_etag(client, publish):
    text = command("Ünïcode — and a tab\there", body="Body with émoji 🚀\n")
    publish("command", "uni", text)
    response = client.get("/commands/uni/raw")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert response.content == text.encode("utf-8")
    assert response["ETag"] == f'"{hashlib.sha256(text.encode()).hexdigest()}"'


def test_raw_file_answers_304_to_its_etag_without_counting(client, publish):
    skill = publish("command", "one", command("First"))
    etag = client.get("/commands/one/raw")["ETag"]
    response = client.get("/commands/one/raw", headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response["ETag"] == etag
    skill.refresh_from_db()
    assert skill.downloads == 1


def test_raw_downloads_are_counted_per_version_but_not_update_checks(client, publish, publisher):
    skill = publish("command", "one", command("First"))
    client.get("/commands/one/raw", REMOTE_ADDR="203.0.113.1")
    client.get("/commands/one/raw", REMOTE_ADDR="203.0.113.2")
    client.get("/commands/one/raw", headers={"X-Skills-Update-Check": "1"})
    skill.save_version(command("Second"), publisher)
    skill.publish(skill.latest, publisher)
    client.get("/commands/one/raw")
    skill.refresh_from_db()
    counts = dict(VersionDownloads.objects.values_list("version__number", "count"))
    assert counts == {1: 2, 2: 1}
    assert skill.downloads == 3


def test_download_counts_show_on_the_catalog_and_the_item_page(client, publish):
    publish("command", "one", command("First"))
    for address in ("203.0.113.1", "203.0.113.2", "203.0.113.3"):
        client.get("/commands/one/raw", REMOTE_ADDR=address)
    assert "v1 · 3 downloads" in client.get("/").content.decode()
    assert "3 downloads of this version, 3 in all" in client.get("/commands/one/").content.decode()


def test_counting_a_download_does_not_read_then_write_the_count(publish):
    skill = publish("command", "one", command("First"))
    with CaptureQueriesContext(connection) as captured:
        VersionDownloads.record(Skill.objects.filter(pk=skill.pk))
    updates = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == 2
    assert all('"count" + ' in sql or '"downloads" + ' in sql for sql in updates)


# -- the feed ------------------------------------------------------------------------------


def test_feed_lists_newly_published_versions_of_public_items_only(client, publish, publisher):
    skill = publish("command", "deploy", command("Deploy it"))
    skill.save_version(command("Deploy it better"), publisher)
    skill.publish(skill.latest, publisher)
    gone = publish("command", "gone", command("Gone"))
    gone.unpublish(publisher)
    make_skill("command", "draft", command("Draft"))
    response = client.get("/feed.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = response.content.decode()
    assert feed.count("<entry>") == 2
    assert "/deploy v2</title>" in feed and "/deploy v1</title>" in feed
    assert "http://testserver/commands/deploy/#v2" in feed
    assert "gone" not in feed and "draft" not in feed.lower()


# -- hostile markdown ------------------------------------------------------------------------


@needs_shared
@pytest.mark.parametrize("case", jsonl("xss.jsonl"), ids=lambda case: case["id"])
def test_hostile_markdown_leaves_nothing_live_on_public_pages(client, publisher, case):
    text = command("Harmless", body=case["markdown"] + "\n")
    if unstorable_reason(text):
        pytest.skip("Skillhub refuses to store this text at all")
    skill = make_skill("command", "hostile", text)
    if skill.latest.result == "error":
        pytest.skip("the file has errors, so it can never be published")
    skill.publish(skill.latest, publisher)
    item_page = client.get("/commands/hostile/").content.decode()
    catalog = client.get("/").content.decode()
    [body] = inner(item_page, "data-skill-body")
    descriptions = [part.split("</p>")[0] for part in catalog.split('class="description">')[1:]]
    for needle in case["must_not_contain"]:
        assert needle.lower() not in body.lower()
        assert all(needle.lower() not in d.lower() for d in descriptions)


def test_a_hostile_description_is_shown_as_text(client, publish):
    publish("command", "one", command('"<script>alert(1)</script>"'))
    for url in ("/", "/commands/one/"):
        html = client.get(url).content.decode()
        assert "<script>alert(1)" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_public_diff_of_non_ascii_digit_versions_is_404_not_500(client):
    make_skill(name="review", publish=True)
    assert client.get("/commands/review/", {"from": "²", "to": "1"}).status_code == 404


@pytest.mark.parametrize("digits", ["9" * 5000, "0" * 5000 + "1", "1" * 10])
def test_version_numbers_of_thousands_of_digits_are_404_not_500(client, digits):
    make_skill(name="review", publish=True)
    assert client.get("/commands/review/", {"from": digits, "to": "1"}).status_code == 404
    assert client.get("/commands/review/raw", {"version": digits}).status_code == 404
    assert client.get("/api/skills", {"page": digits}).status_code == 400
