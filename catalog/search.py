"""Which published items a request asks for: search, filters, sort and facets.

The catalog page, the JSON API and the bundle downloads all read their query
string through `CatalogQuery.from_params`, so one query string means the same
items everywhere: `q`, repeatable `kind`, repeatable `tag` (all must match),
repeatable `item=<kind>/<name>`, and `sort`.
"""

import contextlib
import functools
import re
import sqlite3
from dataclasses import dataclass, replace
from typing import Any

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    F,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import Expression, RawSQL
from django.db.models.functions import Greatest, Least, Lower, StrIndex, Substr
from django.db.models.lookups import GreaterThan

from catalog import skillfile, snippets
from catalog.models import Kind, Skill, Version

SORTS = ("relevance", "name", "recent", "downloads")
MAX_QUERY_CHARS = 200
MAX_WORDS = 10
MAX_ITEMS = 1000
# PostgreSQL searches with the english configuration (stemming, stop words), through
# the expression of the GIN index in migration 0005: any other one and PostgreSQL
# tokenises every version instead of reading the index.
TSVECTOR = "catalog_version_tsvector(description, text)"
# A skill's other text files (Analysis.files_text), indexed by migration 0006.
FILES_TSVECTOR = "catalog_version_tsvector('', files_text)"
TSQUERY = "plainto_tsquery('english'::regconfig, %s)"
# What SQLite's FTS5 (tokenizer unicode61) keeps of a word: runs of letters and digits.
FTS_TOKEN = re.compile(r"[^\W_]+")


class BadQuery(ValueError):
    """A query string that names no sensible set of items (a 400, not an empty list)."""


@dataclass(frozen=True)
class CatalogQuery:
    q: str = ""
    kinds: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    items: tuple[tuple[str, str], ...] = ()
    sort: str = ""

    @classmethod
    def from_params(cls, params) -> "CatalogQuery":
        """Read a request's GET parameters (a QueryDict). Raises BadQuery."""
        kinds = tuple(dict.fromkeys(k for k in params.getlist("kind") if k))
        unknown = [k for k in kinds if k not in Kind.values]
        if unknown:
            raise BadQuery(f"Unknown kind {unknown[0]!r}: use one of {', '.join(Kind.values)}.")
        sort = params.get("sort", "")
        if sort and sort not in SORTS:
            raise BadQuery(f"Unknown sort {sort!r}: use one of {', '.join(SORTS)}.")
        return cls(
            # A NUL cannot be sent to PostgreSQL, and no text holds one anyway.
            q=" ".join(params.get("q", "").replace("\x00", " ").split())[:MAX_QUERY_CHARS],
            kinds=kinds,
            tags=tuple(dict.fromkeys(t.strip() for t in params.getlist("tag") if t.strip())),
            items=parse_items(params.getlist("item")),
            sort=sort,
        )

    @property
    def words(self) -> list[str]:
        return self.q.split()[:MAX_WORDS]

    @property
    def effective_sort(self) -> str:
        """The sort asked for; by default relevance when searching, else name."""
        if self.sort == "relevance" and not self.q:
            return "name"
        return self.sort or ("relevance" if self.q else "name")

    def without(self, **fields) -> "CatalogQuery":
        """This query with some filters dropped (for a facet's counts)."""
        dropped: dict[str, Any] = {name: () for name in fields}  # each a tuple field
        return replace(self, **dropped)


def parse_items(values: list[str]) -> tuple[tuple[str, str], ...]:
    """`kind/name` strings as (kind, name) pairs, in order, without repeats."""
    if len(values) > MAX_ITEMS:
        raise BadQuery(f"At most {MAX_ITEMS} items fit in one request.")
    items: dict[tuple[str, str], tuple[str, str]] = {}
    for value in values:
        kind, _, name = value.partition("/")
        if kind not in Kind.values or not skillfile.is_valid_name(kind, name):
            raise BadQuery(f"{value!r} is not <kind>/<name>, such as command/git:commit.")
        items.setdefault((kind, name.lower()), (kind, name))
    return tuple(items.values())


# -- querysets -----------------------------------------------------------------

# The item-tag links, one row per item and tag: Skill.tags's through table.
TAGGINGS = Skill.tags.through.objects


def public_skills() -> QuerySet:
    """Published items, with what a list row shows and none of the texts."""
    return (
        Skill.objects.public()
        .select_related("published__analysis")
        .defer(
            "published__text",
            "published__analysis__html",
            "published__analysis__metadata",
            "published__analysis__files_text",
        )
    )


def filtered(skills: QuerySet, query: CatalogQuery) -> QuerySet:
    """`skills` narrowed by every filter of `query` (no ordering, no ranking)."""
    if query.kinds:
        skills = skills.filter(kind__in=query.kinds)
    for tag in query.tags:
        # A subquery, not a join: rows stay one per item, so counts need no DISTINCT.
        skills = skills.filter(pk__in=TAGGINGS.filter(tag__name=tag).values("skill_id"))
    if query.items:
        skills = skills.filter(_items_condition(query.items))
    if query.words:
        skills = _matching(skills, query)
    return skills


def _items_condition(items: tuple[tuple[str, str], ...]) -> Q:
    # One IN list per kind, not one OR per item: SQLite limits expression depth.
    by_kind: dict[str, list[str]] = {}
    for kind, name in items:
        by_kind.setdefault(kind, []).append(name.lower())
    condition = Q(pk__in=[])
    for kind, names in by_kind.items():
        lowered = Skill.objects.annotate(lower_name=Lower("name"))
        wanted = lowered.filter(kind=kind, lower_name__in=names).values("pk")
        condition |= Q(pk__in=wanted)
    return condition


def _matching(skills: QuerySet, query: CatalogQuery) -> QuerySet:
    """Items with every word in their name or in their published description or text,
    or (a skill) in one of its other text files.

    The name is matched as a substring; the description and text through the
    full-text index of migration 0005: on PostgreSQL by stems ("deploying" finds
    "deploy"; stop words match everything), on SQLite by word prefix ("deploy"
    finds "deploying"). Each word is one indexed lookup of version ids, so the
    cost follows the number of matches, not the size of the catalog.
    """
    for word in query.words:
        in_text = _text_contains(word)
        if in_text is not None:
            skills = skills.filter(Q(name__icontains=word) | in_text)
    return skills


def _text_contains(word: str) -> Q | None:
    """Published versions whose description or text holds `word`; None for a word that
    holds no searchable term (punctuation), which then filters out nothing."""
    if _postgres():
        # A word without lexemes (a stop word, punctuation) would match nothing.
        no_lexemes = RawSQL(f"numnode({TSQUERY}) = 0", [word], output_field=BooleanField())
        matching = RawSQL(f"SELECT id FROM catalog_version WHERE {TSVECTOR} @@ {TSQUERY}", [word])
        in_files = RawSQL(
            f"SELECT version_id FROM catalog_analysis WHERE {FILES_TSVECTOR} @@ {TSQUERY}", [word]
        )
        return Q(no_lexemes) | Q(published_id__in=matching) | Q(published_id__in=in_files)
    if _sqlite_fts():
        if not FTS_TOKEN.search(word):
            return None
        matching = RawSQL(
            "SELECT rowid FROM catalog_version_fts WHERE catalog_version_fts MATCH %s",
            [fts_prefix_query(word)],
        )
        in_files = RawSQL(
            "SELECT rowid FROM catalog_analysis_fts WHERE catalog_analysis_fts MATCH %s",
            [fts_prefix_query(word)],
        )
        return Q(published_id__in=matching) | Q(published_id__in=in_files)
    return (
        Q(published__description__icontains=word)
        | Q(published__text__icontains=word)
        | Q(published__analysis__files_text__icontains=word)
    )


def fts_prefix_query(word: str) -> str:
    """An FTS5 query for texts with `word` at the start of a word.

    The word goes in as one quoted string (quotes doubled), so no character of
    it is FTS5 syntax; the trailing * makes its last token a prefix.
    """
    return '"' + word.replace('"', '""') + '"*'


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _sqlite_fts() -> bool:
    return connection.vendor == "sqlite" and _sqlite_has_fts5()


@functools.cache
def _sqlite_has_fts5() -> bool:
    """Whether this SQLite library has FTS5, so that migration 0005 made its table.

    Asked of a scratch in-memory database, not the project's: no query on a page.
    """
    with contextlib.closing(sqlite3.connect(":memory:")) as scratch:
        return ("ENABLE_FTS5",) in scratch.execute("PRAGMA compile_options").fetchall()


def ordered(skills: QuerySet, query: CatalogQuery) -> QuerySet:
    """`skills` in the order `query` asks for; ties by name, then kind, so pages are stable."""
    by_name = (Lower("name"), "kind", "pk")
    sort = query.effective_sort
    if sort == "recent":
        return skills.order_by("-published_at", *by_name)
    if sort == "downloads":
        return skills.order_by("-downloads", *by_name)
    if sort == "relevance":
        return skills.annotate(rank=_rank(query)).order_by("-rank", *by_name)
    return skills.order_by(*by_name)


def _rank(query: CatalogQuery) -> Expression:
    """A word in the name counts most, then one in the description.

    The same on both databases. Not ts_rank: PostgreSQL would tokenise the text of
    every match again (the index cannot hand out its vectors), 0.3 ms each.
    """
    rank: Expression = Value(0)
    for word in query.words:
        rank += Case(
            When(name__icontains=word, then=Value(2)),
            When(published__description__icontains=word, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
    return rank


def search(query: CatalogQuery) -> QuerySet:
    """The published items `query` asks for, in its order."""
    return ordered(filtered(public_skills(), query), query)


# -- snippets -----------------------------------------------------------------------

# Where in a version's text (and a skill's other files) its first term stands is asked
# of the database, which then hands back only EXCERPT_CHARS around it: a page of results
# never loads whole texts. Positions count from 1; NOWHERE stands for "not found".
EXCERPT_BEFORE = 2 * snippets.BEFORE
EXCERPT_CHARS = 3 * snippets.WIDTH
NOWHERE = 2**31 - 1
FRONTMATTER_END = "\n---"


def _body() -> Expression:
    """A version's text after its frontmatter (the line closing it, `---`, and on): the
    text itself when it has none, or never closes it."""
    fence = StrIndex(Substr("text", 4), Value(FRONTMATTER_END))  # from 1, in text[3:]
    return Substr(
        "text",
        Case(
            When(Q(text__startswith="---") & GreaterThan(fence, 0), then=fence + 7),
            default=Value(1),
        ),
    )


def _snippet_sources() -> dict[str, Expression | F]:
    """Where a snippet is looked for when the description did not match, in order: the
    body, a skill's other files, and last the whole text (a frontmatter field matched)."""
    return {"text": _body(), "files": F("analysis__files_text"), "frontmatter": F("text")}


def add_snippets(rows: list[Any], query: CatalogQuery) -> None:
    """Set `snippet` on each of `rows` (a page of search results): where it matched, in
    its description, else its text, else (a skill) its other files; None if only its
    name matched. One query at most, for the rows whose description did not match."""
    pattern = snippets.matcher(query.words)
    pending = []
    for skill in rows:
        description = skill.published.description
        skill.snippet = pattern and snippets.snippet(description, pattern, "description")
        if pattern and skill.snippet is None:
            pending.append(skill)
    if not pending or pattern is None:
        return
    excerpts = _excerpts([skill.published_id for skill in pending], snippets.terms(query.words))
    for skill in pending:
        for source, (text, cut_before, cut_after) in excerpts.get(skill.published_id, []):
            skill.snippet = snippets.snippet(
                text, pattern, source, cut_before=cut_before, cut_after=cut_after
            )
            if skill.snippet is not None:
                break


def _excerpts(version_ids: list[int], terms: list[str]) -> dict[int, list]:
    """For each version: (source, excerpt, cut before, cut after) around the first of
    `terms` in each source that holds one, in the order of _snippet_sources()."""
    annotations: dict[str, Expression] = {}
    sources = _snippet_sources()
    for source, field in sources.items():
        lowered = Lower(field)
        positions = [_position(lowered, term) for term in terms]
        first = Least(*positions) if len(positions) > 1 else positions[0]
        annotations[f"{source}_at"] = first
        start = Greatest(first - EXCERPT_BEFORE, 1)
        annotations[f"{source}_excerpt"] = Substr(field, start, EXCERPT_CHARS + 1)
    rows = Version.objects.filter(pk__in=version_ids).annotate(**annotations)
    found: dict[int, list] = {}
    for row in rows.values("pk", *annotations):
        for source in sources:
            at, text = row[f"{source}_at"], row[f"{source}_excerpt"] or ""
            if at == NOWHERE:
                continue
            cut_after = len(text) > EXCERPT_CHARS
            entry = (source, (text[:EXCERPT_CHARS], at > EXCERPT_BEFORE + 1, cut_after))
            found.setdefault(row["pk"], []).append(entry)
    return found


def _position(lowered: Expression, term: str) -> Expression:
    """Where `term` first stands in `lowered` (from 1), NOWHERE if it does not."""
    at = StrIndex(lowered, Value(term))
    return Case(When(GreaterThan(at, 0), then=at), default=Value(NOWHERE))


# -- facets ----------------------------------------------------------------------


@dataclass(frozen=True)
class Facet:
    value: str
    label: str
    count: int
    selected: bool


def kind_facets(query: CatalogQuery) -> list[Facet]:
    """Every kind with how many items it would show, other filters kept."""
    base = filtered(Skill.objects.public(), query.without(kinds=True, items=True))
    counts = dict(base.order_by().values_list("kind").annotate(n=Count("pk")))
    return [
        Facet(value, label, counts.get(value, 0), value in query.kinds)
        for value, label in Kind.choices
    ]


def tag_facets(query: CatalogQuery, limit: int = 40) -> list[Facet]:
    """The most used tags among the items the other filters show, and any selected ones."""
    base = filtered(Skill.objects.public(), query.without(tags=True, items=True))
    # Counted over the tag links (one row per item and tag), so no DISTINCT.
    rows = (
        TAGGINGS.filter(skill_id__in=base.values("pk"))
        .values_list("tag__name")
        .annotate(n=Count("*"))
        .order_by("-n", "tag__name")
    )
    counts = dict(rows)
    top = list(counts)[:limit]
    top += [tag for tag in query.tags if tag not in top]
    return [Facet(tag, tag, counts.get(tag, 0), tag in query.tags) for tag in top]
