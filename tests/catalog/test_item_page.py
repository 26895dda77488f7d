"""The item page's install box and try-it, the catalog's bundle button, and the demo's tags,
as anonymous visitors get them over HTTP."""

import io
import re

import pytest
from django.core.management import call_command

from catalog.models import Skill
from tests.factories import make_skill, publish_pdf_folder

pytestmark = pytest.mark.django_db

COMMAND = """---
description: Deploy a branch
argument-hint: <branch> <environment>
---
# Deploy

Deploy `$0` to **$1**.
"""
SKILL = "---\nname: changelog\ndescription: Write a changelog\n---\nWrite it for $ARGUMENTS.\n"
INSTALL_LINE = re.compile(
    r'<pre class="prompt"[^>]*data-install="([\w-]+)"[^>]*><code\s*>(.*?)</code>', re.S
)


def install_lines(html: str) -> dict[str, str]:
    """data-install -> the line as shown (entities as the page writes them)."""
    return {kind: line for kind, line in INSTALL_LINE.findall(html)}


def test_a_command_page_offers_the_file_and_the_bundle_but_not_the_skills_cli(client, publisher):
    make_skill("command", "ops:deploy", COMMAND, author=publisher, publish=True)
    html = client.get("/commands/ops:deploy/").content.decode()
    assert install_lines(html) == {
        "file": "mkdir -p .claude/commands/ops &amp;&amp; curl -fsSL -o "
        ".claude/commands/ops/deploy.md &#x27;http://testserver/commands/ops:deploy/raw&#x27;",
        "bundle": "curl -fsSL "
        "&#x27;http://testserver/export.tar.gz?item=command/ops:deploy&#x27; | tar xz",
    }
    assert "The file alone, saved as <code>.claude/commands/ops/deploy.md</code>" in html
    assert "npx skills" not in html


def test_a_skill_page_offers_the_skills_cli_for_claude_code_without_questions(client, publisher):
    make_skill("skill", "changelog", SKILL, author=publisher, publish=True)
    html = client.get("/skills/changelog/").content.decode()
    lines = install_lines(html)
    assert lines["npx"] == "npx skills add http://testserver --skill changelog -a claude-code -y"
    assert "writes\n      <code>.claude/skills/changelog/</code> and" in html
    assert "executable bit" not in html
    assert lines["file"].endswith(
        "-o .claude/skills/changelog/SKILL.md &#x27;http://testserver/skills/changelog/raw&#x27;"
    )


def test_a_folder_skill_installs_the_whole_folder_and_says_so(client, publisher):
    publish_pdf_folder(publisher)
    html = client.get("/skills/pdf/").content.decode()
    files = Skill.objects.get(name="pdf").published.files.count()
    assert install_lines(html)["file"] == (
        "mkdir -p .claude/skills/pdf &amp;&amp; curl -fsSL "
        "&#x27;http://testserver/skills/pdf.tar.gz&#x27; | tar xz -C .claude/skills/pdf"
    )
    assert f"The folder (<code>SKILL.md</code> and its {files}\n      files)" in html
    assert "(SKILL.md and every file of the folder)" in html
    assert "It writes every file\n      without its executable bit" in html  # pdf has scripts


def test_every_install_line_has_a_copy_button_and_stays_focusable_text(client, publisher):
    make_skill("skill", "changelog", SKILL, author=publisher, publish=True)
    for page in ("/skills/changelog/", "/"):
        html = client.get(page).content.decode()
        tags = re.findall(r"<pre [^>]*data-install[^>]*>", html)
        assert tags
        assert all("data-copy" in tag and 'tabindex="0"' in tag for tag in tags), tags


def test_the_install_box_comes_before_the_body(client, publisher):
    make_skill("command", "ops:deploy", COMMAND, author=publisher, publish=True)
    html = client.get("/commands/ops:deploy/").content.decode()
    assert html.index('id="install"') < html.index("data-skill-body") < html.index('id="try-it"')


def test_the_catalog_installs_every_skill_with_the_cli_and_says_it_takes_skills_only(
    client, publisher
):
    make_skill("skill", "changelog", SKILL, author=publisher, publish=True)
    html = client.get("/").content.decode()
    assert install_lines(html)["npx-all"] == (
        "npx skills add http://testserver --skill &#x27;*&#x27; -a claude-code -y"
    )
    assert "(kind <em>skill</em> only" in html


def test_try_it_lands_back_at_its_own_box(client, publisher):
    make_skill("command", "ops:deploy", COMMAND, author=publisher, publish=True)
    html = client.get("/commands/ops:deploy/").content.decode()
    form = html.split('<section class="panel try-it-public" id="try-it"')[1].split("</form>")[0]
    assert 'method="get" action="/commands/ops:deploy/#try-it"' in form
    assert 'hx-get="/commands/ops:deploy/" hx-target="#try-it-output"' in form
    assert 'hx-swap="outerHTML show:#try-it:top"' in form


def test_try_it_through_htmx_answers_the_prompt_alone(client, publisher):
    make_skill("command", "ops:deploy", COMMAND, author=publisher, publish=True)
    response = client.get(
        "/commands/ops:deploy/", {"arguments": "main production"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="try-it-output" aria-live="polite">')
    assert "<html" not in html and "data-skill-body" not in html
    assert "main" in html and "production" in html and "$0" not in html


def test_the_bundle_button_says_what_it_downloads_without_javascript(client, publisher):
    for name in ("one", "two", "three"):
        make_skill("command", name, f"---\ndescription: {name}\n---\nDo it.\n", publish=True)
    html = client.get("/").content.decode()
    button = html.split("data-download-ticked>")[1].split("</button>")[0]
    assert " ".join(button.split()) == "Download the ticked items, or all 3 shown if none (.zip)"
    assert 'data-shown="3"' in html


def test_every_demo_item_has_tags_so_the_tag_facet_filters(client):
    call_command("load_demo", stdout=io.StringIO())
    items = Skill.objects.public()
    assert items.count() == 7
    assert [skill.name for skill in items if not skill.tags.exists()] == []
    html = client.get("/").content.decode()
    tags = re.findall(r'data-facet="tag"\s+data-value="([\w-]+)"', html)
    assert tags[:3] == ["git", "docs", "review"]  # the most used first
    git = client.get("/", {"tag": "git"}).content.decode()
    assert len(re.findall(r'<li class="catalog-item"', git)) == 3
