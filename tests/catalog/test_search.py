"""Catalog search through the full-text index of migration 0005, on SQLite and PostgreSQL."""

import hashlib
import importlib
import string

import pytest
from django.core.management import call_command
from django.db import connection
from django.http import QueryDict
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from catalog import search
from tests.factories import make_skill

pytestmark = pytest.mark.django_db

FTS_SYNTAX = ['"', '""', "*", "-", "^", ":", "(", ")", "+", "AND", "OR", "NOT", "NEAR", "{", "}"]
FUZZ = hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def command(description: str, body: str = "Do the thing.\n") -> str:
    return f"---\ndescription: {description}\n---\n{body}"


def publish(name: str, description: str, body: str = "Do the thing.\n"):
    return make_skill("command", name, command(description, body), publish=True)


def found(q: str) -> list[str]:
    params = QueryDict(mutable=True)
    params["q"] = q
    query = search.CatalogQuery.from_params(params)
    return [skill.name for skill in search.search(query)]


# -- matching -----------------------------------------------------------------------------


def test_a_word_in_the_body_is_found_through_the_index():
    publish("lint", "Check style", body="Run the linter over the staged diff.\n")
    publish("notes", "Release notes")
    assert found("linter") == ["lint"]
    assert found("LINTER") == ["lint"]


def test_a_word_finds_longer_words_it_begins():
    publish("ship", "Deploying the branch")
    assert found("deploy") == ["ship"]


def test_every_word_must_match_though_each_may_match_in_a_different_place():
    publish("git:review", "Look over a change", body="Check the staged hunks.\n")
    publish("git:log", "Summarise history")
    assert found("review staged") == ["git:review"]
    assert found("review history") == []


def test_a_word_in_the_name_matches_anywhere_inside_it():
    publish("frontend:component", "Make one")
    assert found("tend") == ["frontend:component"]


def test_only_the_published_version_is_searched():
    skill = publish("draft-later", "Zeppelin ride")
    skill.save_version(command("Balloon ride"), None)
    assert found("zeppelin") == ["draft-later"]
    assert found("balloon") == []


@pytest.mark.parametrize("q", [*FTS_SYNTAX, '"linter', 'lin"ter', "linter*", "NEAR(linter)"])
def test_query_syntax_characters_are_words_not_syntax(q):
    publish("lint", "Check style", body="Run the linter.\n")
    response = Client().get("/", {"q": q})
    assert response.status_code == 200
    assert Client().get("/api/skills", {"q": q}).status_code == 200


def test_a_word_of_punctuation_alone_filters_nothing_out():
    publish("lint", "Check style", body="Run the linter.\n")
    assert found("linter -") == ["lint"]


def test_a_nul_in_the_query_is_dropped():
    publish("lint", "Check style", body="Run the linter.\n")
    assert found("lin\x00ter") == []
    assert found("linter\x00") == ["lint"]


@FUZZ
@given(q=st.text(alphabet=st.sampled_from(string.printable + "é\u2013\u200b\x00"), max_size=60))
def test_no_query_string_makes_the_catalog_fail(q):
    # A NUL cannot be stored or searched for: the request is refused at the door.
    assert Client().get("/", {"q": q}).status_code == (400 if "\x00" in q else 200)


@FUZZ
@given(
    word=st.text(alphabet=string.ascii_lowercase, min_size=3, max_size=12),
    before=st.sampled_from(["", "Use ", "see-", "(", "#"]),
)
def test_an_item_is_found_by_any_word_of_its_description(word, before):
    name = "item-" + hashlib.sha256(word.encode()).hexdigest()[:12]  # not the word itself
    if not search.Skill.objects.filter(name=name).exists():
        publish(name, f"Zzz {before}{word} here")
    assert name in found(word)


# -- the index itself -----------------------------------------------------------------------


def test_search_reads_the_migrations_index_expression():
    migration = importlib.import_module("catalog.migrations.0005_version_search_index")
    assert search.TSVECTOR == migration.VERSION_TSVECTOR


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL index")
def test_postgresql_answers_a_search_from_the_gin_index():
    # Even for a table of one row: the index function declares its true cost.
    publish("lint", "Check style", body="Run the linter.\n")
    query = search.CatalogQuery(q="linter")
    plan = search.filtered(search.Skill.objects.public(), query).explain()
    assert "catalog_version_search" in plan


@pytest.mark.django_db(transaction=True)
def test_a_wiped_catalog_leaves_no_words_in_the_index():
    # flush (after every transactional test) deletes versions; on SQLite the FTS5
    # table must drop their words too, or a reused version id would match them.
    publish("zebra", "Stripes", body="Quagga.\n")
    call_command("flush", interactive=False, verbosity=0)
    publish("walrus", "Tusks", body="Ice.\n")
    assert indexed_version_ids("quagga") == []
    assert found("quagga") == []
    assert found("ice") == ["walrus"]


def indexed_version_ids(word: str) -> list[int]:
    """The version ids the full-text index itself holds for `word`."""
    if connection.vendor == "sqlite":
        sql = "SELECT rowid FROM catalog_version_fts WHERE catalog_version_fts MATCH %s"
        params = [search.fts_prefix_query(word)]
    else:
        sql = f"SELECT id FROM catalog_version WHERE {search.TSVECTOR} @@ {search.TSQUERY}"
        params = [word]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 table")
def test_every_version_is_in_the_sqlite_index():
    skill = publish("one", "First")
    skill.save_version(command("Second"), None)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM catalog_version")
        versions = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM catalog_version_fts_docsize")
        assert cursor.fetchone()[0] == versions == 2


# -- facets -------------------------------------------------------------------------------


def test_facets_count_what_a_search_shows():
    publish("one", "Lighthouse audit").set_tags(["web", "perf"])
    publish("two", "Lighthouse scores").set_tags(["web"])
    publish("three", "Other").set_tags(["web", "perf"])
    query = search.CatalogQuery(q="lighthouse")
    kinds = {facet.value: facet.count for facet in search.kind_facets(query)}
    assert kinds["command"] == 2
    tags = {facet.value: facet.count for facet in search.tag_facets(query)}
    assert tags == {"web": 2, "perf": 1}
