"""Search results say where they matched: a short snippet with the words marked, safely."""

import re
import subprocess
import sys

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from catalog import snippets
from catalog.models import Skill
from catalog.skilltree import TreeFile
from tests.catalog.test_views import no_text_selected
from tests.factories import make_skill
from tests.shared import REPO

SNIPPET = re.compile(r'<p class="[^"]*" data-snippet="(\w+)">(.*?)</p>', re.S)


def command(description: str, body: str) -> str:
    return f"---\ndescription: {description}\n---\n{body}"


def publish(name: str, description: str, body: str = "Do the thing.\n"):
    return make_skill("command", name, command(description, body), publish=True)


def shown_snippets(client, q: str, **params) -> dict[str, tuple[str, str]]:
    """item name -> (where it matched, the snippet's markup) on the catalog page for q."""
    html = client.get("/", {"q": q, **params}).content.decode()
    found = {}
    for row in html.split('<li class="catalog-item" data-item="')[1:]:
        name = row.split('"', 1)[0].split("/", 1)[1]
        match = SNIPPET.search(row.split("</li>", 1)[0])
        if match:
            markup = match.group(2).split("</span>", 1)[-1]  # after the screen-reader label
            found[name] = (match.group(1), " ".join(markup.split()))
    return found


# -- the pure module ---------------------------------------------------------------------


def mark(text: str, *words: str) -> str | None:
    pattern = snippets.matcher(list(words))
    assert pattern is not None
    found = snippets.snippet(text, pattern, "text")
    return None if found is None else str(found)


def test_a_snippet_marks_every_matched_word_at_the_start_of_a_word_in_any_case():
    assert mark("Deploying is what we deploy.", "deploy") == (
        "<mark>Deploying</mark> is what we <mark>deploy</mark>."
    )
    assert mark("Redeploy it.", "deploy") is None


def test_a_word_with_a_suffix_also_marks_its_stem_as_postgresql_finds_it():
    assert mark("We deploy on Fridays.", "deploying") == "We <mark>deploy</mark> on Fridays."


def test_a_long_text_is_cut_at_words_around_the_first_match_with_ellipses():
    text = "alpha " * 50 + "needle " + "omega " * 50
    shown = mark(text, "needle")
    assert shown.startswith("…alpha ") and shown.endswith(" omega…")
    assert "<mark>needle</mark>" in shown
    assert len(shown) <= snippets.WIDTH + len("<mark></mark>") + 2


def test_hostile_text_and_words_are_escaped_not_markup():
    shown = mark('<img src=x onerror="alert(1)"> & <script>deploy</script>', "deploy", "<img")
    assert "<img" not in shown and "<script" not in shown
    assert "&lt;<mark>img</mark> src=x onerror=&quot;alert(1)&quot;&gt; &amp;" in shown
    assert "&lt;script&gt;<mark>deploy</mark>&lt;/script&gt;" in shown


def test_words_of_punctuation_alone_mark_nothing():
    assert snippets.matcher(["<>", "*"]) is None


def test_regex_syntax_in_a_word_is_not_syntax():
    assert mark("Match .* here and there.", ".*here") == "Match .* <mark>here</mark> and there."
    assert mark("Use (x) or y.", "(x|y)") == "Use (<mark>x</mark>) or <mark>y</mark>."


def test_marking_a_long_hostile_text_takes_one_pass():
    # 200 KB of near-misses: a backtracking pattern would take minutes, this one a blink.
    text = "deplo" * 40_000 + " deploy"
    assert "<mark>deploy</mark>" in mark(text, "deploy", "deplox", "deploz")


def test_the_snippet_module_imports_no_django():
    script = "import sys, catalog.snippets; print(any(m.startswith('django') for m in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


# -- on the catalog page -------------------------------------------------------------------


@pytest.mark.django_db
def test_search_without_sort_ranks_by_relevance_and_shows_a_snippet(client):
    publish("zz-in-name-lighthouse", "Audit pages")
    publish("aa-in-body", "Audit pages", body="Run a lighthouse audit of the staging site.\n")
    publish("mm-in-description", "Check lighthouse scores")
    html = client.get("/", {"q": "lighthouse"}).content.decode()
    order = re.findall(r'data-item="command/([^"]+)"', html)
    assert order == ["zz-in-name-lighthouse", "mm-in-description", "aa-in-body"]
    assert '<option value="relevance"\n        selected>Best match</option>' in html
    assert shown_snippets(client, "lighthouse") == {
        "mm-in-description": ("description", "Check <mark>lighthouse</mark> scores"),
        "aa-in-body": ("text", "Run a <mark>lighthouse</mark> audit of the staging site."),
    }


@pytest.mark.django_db
def test_an_explicit_sort_keeps_its_order_and_still_shows_snippets(client):
    publish("bb", "Check lighthouse scores")
    publish("aa", "Audit pages", body="Run a lighthouse audit.\n")
    html = client.get("/", {"q": "lighthouse", "sort": "name"}).content.decode()
    assert re.findall(r'data-item="command/([^"]+)"', html) == ["aa", "bb"]
    assert set(shown_snippets(client, "lighthouse", sort="name")) == {"aa", "bb"}


@pytest.mark.django_db
def test_a_match_deep_in_a_long_body_is_found_and_cut_around_it(client):
    body = "Filler words here. " * 2000 + "Then push the zeppelin to production. " + "More. " * 500
    publish("deep", "Ship it", body=body)
    [(source, markup)] = shown_snippets(client, "zeppelin").values()
    assert source == "text"
    assert markup.startswith("…") and markup.endswith("…")
    assert "push the <mark>zeppelin</mark> to production." in markup
    assert len(markup) < 300


@pytest.mark.django_db
def test_the_first_matched_word_of_several_is_the_one_shown(client):
    body = "First the alpha step. " + "Padding. " * 100 + "Later the omega step.\n"
    publish("steps", "Run steps", body=body)
    [(_, markup)] = shown_snippets(client, "omega alpha").values()
    assert "the <mark>alpha</mark> step." in markup and "omega" not in markup


@pytest.mark.django_db
def test_a_hostile_body_is_shown_escaped_in_its_snippet(client):
    publish("evil", "Fine", body='Click <img src=x onerror="alert(1)"> to zeppelin now.\n')
    html = client.get("/", {"q": "zeppelin"}).content.decode()
    [(_, markup)] = shown_snippets(client, "zeppelin").values()
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; to <mark>zeppelin</mark>" in markup
    assert "<img src=x" not in html


@pytest.mark.django_db
def test_a_match_in_the_name_alone_shows_no_snippet(client):
    publish("lighthouse", "Audit pages")
    assert shown_snippets(client, "lighthouse") == {}


@pytest.mark.django_db
def test_a_match_in_a_skills_other_file_is_shown_from_that_file(client):
    text = "---\nname: pdf\ndescription: Fill forms\n---\nSee [the guide](references/guide.md).\n"
    pdf = make_skill("skill", "pdf", text)
    guide = TreeFile("references/guide.md", b"Open the form in a zeppelin viewer.\n")
    pdf.save_version(text, None, files={guide.path: guide})
    pdf.publish(pdf.latest, None)
    source, markup = shown_snippets(client, "zeppelin")["pdf"]
    assert source == "files" and "a <mark>zeppelin</mark> viewer." in markup


@pytest.mark.django_db
def test_snippets_cost_one_query_and_load_no_whole_text(client):
    for number in range(30):
        publish(f"item{number}", "Common words", body=f"Body {number} mentions zeppelin.\n")
    with CaptureQueriesContext(connection) as with_snippets:
        response = client.get("/", {"q": "zeppelin"})
    assert response.content.decode().count("<mark>zeppelin</mark>") == 30
    with CaptureQueriesContext(connection) as in_descriptions:  # the snippets at hand
        response = client.get("/", {"q": "common"})
    assert response.content.decode().count("<mark>Common</mark>") == 30
    assert len(with_snippets.captured_queries) == len(in_descriptions.captured_queries) + 1
    assert no_text_selected(with_snippets.captured_queries)


@pytest.mark.django_db
def test_a_body_match_is_shown_before_one_in_a_frontmatter_field(client):
    text = "---\ndescription: Commit\nallowed-tools: Bash(git diff:*)\n---\nRead the diff first.\n"
    make_skill("command", "both", text, publish=True)
    only = "---\ndescription: Commit\nallowed-tools: Bash(git diff:*)\n---\nWrite it.\n"
    make_skill("command", "fields-only", only, publish=True)
    shown = shown_snippets(client, "diff")
    assert shown["both"] == ("text", "Read the <mark>diff</mark> first.")
    source, markup = shown["fields-only"]
    assert source == "frontmatter" and "allowed-tools: Bash(git <mark>diff</mark>:*)" in markup


@pytest.mark.django_db
def test_a_text_without_frontmatter_is_searched_from_its_start(client):
    make_skill("command", "plain", "Plain zeppelin text.\n", publish=True)
    assert shown_snippets(client, "zeppelin") == {
        "plain": ("text", "Plain <mark>zeppelin</mark> text.")
    }


@pytest.mark.django_db
@hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(q=st.text(alphabet=st.sampled_from("<>&\"'*%_ab\u00e9\u0130\u200b\ufffd-:"), max_size=12))
def test_no_query_makes_a_snippet_fail_or_leak_markup(client, q):
    if not Skill.objects.filter(name="hostile").exists():
        body = 'ab <b>ab</b> & "ab" \u0130ab \u00e9ab %_ab* <script>ab</script>\n'
        make_skill("command", "hostile", command("ab <i>x</i>", body), publish=True)
    response = client.get("/", {"q": q})
    assert response.status_code == 200
    for _, markup in shown_snippets(client, q).values():
        assert re.sub(r"</?mark>", "", markup).count("<") == 0, markup
