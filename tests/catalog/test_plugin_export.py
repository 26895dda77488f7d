"""`/export.zip?layout=plugin`: naming, settings, ETag, README and the files as the plugin
holds them. What Claude Code makes of the plugin is in test_claude_code_exports.py."""

import html
import io
import json
import zipfile

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from markdown_it import MarkdownIt

from catalog import bundles, exporting
from catalog.models import Skill
from tests.factories import make_skill
from tests.shared import suite_settings_started

pytestmark = pytest.mark.django_db

HOSTILE = (
    "[click](https://evil.example) ![x](https://evil.example/x.png) <img src=x onerror=alert(1)>"
    " <https://evil.example> www.evil.example https://evil.example admin@evil.example"
    " &lt;b&gt; **bold** _em_ ~~gone~~ `code` $x$ | a | \\ [^1] <!-- c -->"
)


@pytest.fixture
def catalog(publisher):
    def publish(kind, name, text, tags=()):
        skill = make_skill(kind, name, text, author=publisher, publish=True)
        skill.set_tags(list(tags))

    publish("command", "git:commit", "---\ndescription: Commit it\n---\nCommit.\n", ["git"])
    publish("command", "hello", "Say hello.\n")
    publish("command", "hostile", f"---\ndescription: {json.dumps(HOSTILE)}\n---\nDo it.\n")
    publish("skill", "changelog", "---\nname: changelog\ndescription: Keep one\n---\nKeep.\n")
    publish(
        "skill",
        "house-style",
        "---\nname: house-style\ndescription: Our style\nuser-invocable: false\n---\nStyle.\n",
    )
    publish("agent", "reviewer", "---\nname: reviewer\ndescription: Reviews\n---\nReview.\n")
    publish("output-style", "terse", "---\nname: terse\ndescription: Short\n---\nShort.\n")


def get(client, headers=None, **params):
    return client.get("/export.zip", {"layout": "plugin", **params}, headers=headers)


def files_of(response) -> dict[str, bytes]:
    assert response.status_code == 200, response.content
    data = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def manifest_of(response) -> dict:
    return json.loads(files_of(response)[".claude-plugin/plugin.json"])


# -- the name ------------------------------------------------------------------------


def test_the_plugin_parameter_names_the_plugin_its_file_and_its_readme(client, catalog):
    response = get(client, plugin="backend-kit", tag="git")
    assert response["Content-Disposition"] == 'attachment; filename="backend-kit-plugin.zip"'
    files = files_of(response)
    assert json.loads(files[".claude-plugin/plugin.json"])["name"] == "backend-kit"
    assert sorted(files) == [
        ".claude-plugin/plugin.json",
        "README.md",
        "commands/git/commit.md",
        "skillhub.lock.json",
    ]
    assert files["README.md"].startswith(b"# backend-kit\n")


@pytest.mark.parametrize(
    "name", ["Backend-Kit", "backend_kit", "a--b", "-a", "a-", "a b", "x" * 65, "kït", "a:b"]
)
def test_a_plugin_name_that_is_not_kebab_case_is_refused_with_a_clear_error(client, name):
    response = get(client, plugin=name)
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "kebab-case" in response.content.decode()
    assert "such as backend-kit" in response.content.decode()


def test_the_longest_plugin_name_is_accepted(client, catalog):
    assert manifest_of(get(client, plugin="a" * 64))["name"] == "a" * 64


def test_the_plugin_parameter_needs_the_plugin_layout(client, catalog):
    for url in ("/export.zip", "/export.tar.gz"):
        response = client.get(url, {"plugin": "backend-kit"})
        assert response.status_code == 400
        assert b"layout=plugin" in response.content


# -- the settings --------------------------------------------------------------------


def test_without_settings_the_site_signs_the_plugin_and_no_license_is_claimed(client, catalog):
    manifest = manifest_of(get(client))
    assert manifest == {
        "name": "skillhub",
        "version": manifest["version"],
        "description": "7 items published on Skillhub at testserver",
        "author": {"name": "testserver"},
        "homepage": "http://testserver/",
    }


@override_settings(
    SKILLHUB_PLUGIN_NAME="team-tools",
    SKILLHUB_PLUGIN_AUTHOR="Jane Doe <jane@example.com>",
    SKILLHUB_PLUGIN_LICENSE="Apache-2.0",
)
def test_the_plugin_settings_name_sign_and_license_the_plugin(client, catalog):
    manifest = manifest_of(get(client))
    assert manifest["name"] == "team-tools"
    assert manifest["author"] == {"name": "Jane Doe", "email": "jane@example.com"}
    assert manifest["license"] == "Apache-2.0"
    assert get(client)["Content-Disposition"] == 'attachment; filename="team-tools-plugin.zip"'
    assert manifest_of(get(client, plugin="mine"))["name"] == "mine"  # the request wins


@override_settings(SKILLHUB_PLUGIN_AUTHOR="Platform team")
def test_an_author_without_an_email_is_just_a_name(client, catalog):
    assert manifest_of(get(client))["author"] == {"name": "Platform team"}


def test_a_plugin_name_setting_that_is_not_kebab_case_stops_the_site_from_starting():
    started = suite_settings_started({"SKILLHUB_PLUGIN_NAME": "Team Tools"})
    assert started.returncode != 0
    assert "SKILLHUB_PLUGIN_NAME='Team Tools' is not kebab-case" in started.stderr


# -- ETag and reproducibility ----------------------------------------------------------


def test_the_etag_changes_with_the_plugin_name_and_settings_and_nothing_else(client, catalog):
    etag = get(client)["ETag"]
    assert get(client)["ETag"] == etag
    assert get(client, plugin="skillhub")["ETag"] == etag  # the default, named
    bundle = client.get("/export.zip")["ETag"]
    others = {get(client, plugin="other")["ETag"]}
    for setting in (
        {"SKILLHUB_PLUGIN_NAME": "team-tools"},
        {"SKILLHUB_PLUGIN_AUTHOR": "Jane"},
        {"SKILLHUB_PLUGIN_LICENSE": "MIT"},
    ):
        with override_settings(**setting):
            others.add(get(client)["ETag"])
            assert client.get("/export.zip")["ETag"] == bundle  # not a plugin: unchanged
    with override_settings(ALLOWED_HOSTS=["skills.example.com"]):  # the site signs it
        others.add(get(client, headers={"Host": "skills.example.com"})["ETag"])
    assert len(others) == 5 and etag not in others


def test_a_matching_etag_gets_304_only_for_the_same_plugin(client, catalog):
    etag = get(client, plugin="backend-kit")["ETag"]
    assert get(client, plugin="backend-kit", headers={"If-None-Match": etag}).status_code == 304
    assert get(client, plugin="frontend-kit", headers={"If-None-Match": etag}).status_code == 200
    with override_settings(SKILLHUB_PLUGIN_LICENSE="MIT"):
        assert get(client, plugin="backend-kit", headers={"If-None-Match": etag}).status_code == 200


@override_settings(SKILLHUB_PLUGIN_AUTHOR="Jane <jane@example.com>", SKILLHUB_PLUGIN_LICENSE="MIT")
def test_a_plugin_is_the_same_bytes_every_time_and_in_any_order(client, catalog):
    def data(response):
        return b"".join(response.streaming_content)

    first = data(get(client, plugin="backend-kit"))
    assert data(get(client, plugin="backend-kit")) == first
    items = exporting.stored_items(Skill.objects.public())
    plugin = exporting.Plugin.configured("http://testserver/", "backend-kit")
    assert b"".join(exporting.iter_plugin_zip(list(reversed(items)), plugin)) == first


def test_writing_a_plugin_reads_texts_and_details_in_a_few_batches(publisher):
    for number in range(30):
        make_skill("command", f"c{number}", "Do it.\n", author=publisher, publish=True)
    items = exporting.stored_items(Skill.objects.public())
    with CaptureQueriesContext(connection) as writing:
        data = b"".join(exporting.iter_plugin_zip(items))
    assert len(writing.captured_queries) == 2  # the texts, then the README's details
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert len(archive.namelist()) == 33


# -- the files as the plugin holds them ------------------------------------------------


def test_a_file_without_a_description_gets_an_empty_one_and_the_lock_lists_it(client, catalog):
    files = files_of(get(client))
    assert files["commands/hello.md"] == b'---\ndescription: ""\n---\nSay hello.\n'
    assert files["agents/reviewer.md"] == Skill.objects.get(name="reviewer").published.data
    lock = files.pop("skillhub.lock.json")
    files.pop(".claude-plugin/plugin.json"), files.pop("README.md")
    assert bundles.verify_lock({bundles.LOCK_PATH: lock, **files}) == []


@pytest.mark.parametrize(
    ("kind", "stored", "written"),
    [
        ("command", "Body.\n", '---\ndescription: ""\n---\nBody.\n'),
        ("command", "", '---\ndescription: ""\n---\n'),
        ("skill", "---\nname: x\n---\nBody.\n", '---\ndescription: ""\nname: x\n---\nBody.\n'),
        ("agent", "---\n---\nBody.\n", '---\ndescription: ""\n---\nBody.\n'),
        (
            "agent",
            "---\n# only a comment\n---\nB\n",
            '---\ndescription: ""\n# only a comment\n---\nB\n',
        ),
        # Left as written: a flow mapping, or a mapping indented as a whole, cannot take a
        # line on top; output styles are not checked by the validator.
        ("command", "---\n{allowed-tools: Bash}\n---\nB\n", None),
        ("command", "---\n  allowed-tools: Bash\n---\nB\n", None),
        ("output-style", "Terse.\n", None),
    ],
)
def test_plugin_file_adds_an_empty_description_only_where_one_is_missing(kind, stored, written):
    data = exporting.plugin_file(kind, stored.encode(), described=False)
    assert data == (stored if written is None else written).encode()
    assert exporting.plugin_file(kind, stored.encode(), described=True) == stored.encode()


# -- the README ----------------------------------------------------------------------


def readme(client, **params) -> str:
    return files_of(get(client, **params))["README.md"].decode()


def test_the_readme_lists_every_item_with_its_description_and_how_to_install(client, catalog):
    text = readme(client, plugin="backend-kit")
    assert "7 items published on Skillhub at testserver, as a Claude Code plugin." in text
    assert (
        "unzip backend-kit-plugin.zip -d backend-kit\nclaude --plugin-dir ./backend-kit\n" in text
    )
    assert "claude plugin install backend-kit@my-plugins\n" in text
    lines = [line for line in text.splitlines() if line.startswith("- ")]
    assert lines == [
        "- `/backend-kit:git:commit`: Commit it",
        "- `/backend-kit:hello`: (no description)",
        "- `/backend-kit:hostile`: " + exporting.markdown_text(HOSTILE),
        "- `/backend-kit:changelog`: Keep one",
        "- `backend-kit:house-style`: Our style"
        " (Claude uses it by itself: `user-invocable: false`)",
        "- `backend-kit:reviewer`: Reviews",
        "- `backend-kit:terse`: Short",
    ]


def test_a_command_shadowed_by_a_skill_says_so_in_the_readme(client, catalog, publisher):
    make_skill("command", "changelog", "Write one.\n", author=publisher, publish=True)
    assert (
        "- `/skillhub:changelog`: (no description) (does not run: Claude Code runs the skill "
        "`skillhub:changelog` instead)"
    ) in readme(client)


def tokens(markdown: str) -> list:
    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    flat = []
    for token in md.parse(markdown):
        flat += [token, *(token.children or [])]
    return flat


def test_no_description_can_add_a_link_an_image_or_html_to_the_readme(client, catalog):
    text = readme(client)
    kinds = {token.type for token in tokens(text)}
    assert not kinds & {"link_open", "image", "html_inline", "html_block", "s_open", "em_open"}
    hostile_line = next(line for line in text.splitlines() if "/skillhub:hostile" in line)
    rendered = MarkdownIt("commonmark", {"html": True}).render(hostile_line)
    shown = html.escape(HOSTILE, quote=False).replace("@", "<code>@</code>")
    assert shown in rendered.replace("&quot;", '"')
    # GitHub links e-mail addresses even through escapes: no bare @ is left for it
    assert "@" not in hostile_line.replace("`@`", "")


@pytest.mark.parametrize(
    "text",
    [
        HOSTILE,
        "line one\n\n# not a heading\n- not a list\n> not a quote\n    not code",
        "tab\there, NUL-free \u202eevil\u202c bidi and \x07 bell",
        "ends with a backslash \\",
        "1. not a list",
        "\\`escaped\\`",
    ],
)
def test_markdown_text_renders_as_exactly_its_characters(text):
    rendered = MarkdownIt("commonmark", {"html": True}).render(exporting.markdown_text(text))
    one_line = " ".join(
        "".join(c if c.isprintable() or c.isspace() else "\ufffd" for c in text).split()
    )
    expected = html.escape(one_line, quote=False).replace("@", "<code>@</code>")
    assert rendered.replace("&quot;", '"') == f"<p>{expected}</p>\n"


@pytest.mark.parametrize("text", ["plain", "a`b", "``x``", "` starts", "ends `", "a\nb"])
def test_markdown_code_is_one_code_span_of_the_text(text):
    [paragraph] = [t for t in tokens(exporting.markdown_code(text)) if t.type == "inline"]
    [code] = paragraph.children
    assert code.type == "code_inline"
    assert code.content == " ".join(text.split())
