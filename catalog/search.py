"""Which published items a request asks for: search, filters, sort and facets.

The catalog page, the JSON API and the bundle downloads all read their query
string through `CatalogQuery.from_params`, so one query string means the same
items everywhere: `q`, repeatable `kind`, repeatable `tag` (all must match),
repeatable `item=<kind>/<name>`, and `sort`.
"""

from dataclasses import dataclass, replace

from django.db import connection
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Lower

from catalog import skillfile
from catalog.models import Kind, Skill

SORTS = ("relevance", "name", "recent", "downloads")
MAX_QUERY_CHARS = 200
MAX_WORDS = 10
MAX_ITEMS = 1000
# Parsed on PostgreSQL with this text-search configuration (stemming, stop words).
SEARCH_CONFIG = "english"


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
            q=" ".join(params.get("q", "").split())[:MAX_QUERY_CHARS],
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
        return replace(self, **{name: () for name in fields})


def parse_items(values: list[str]) -> tuple[tuple[str, str], ...]:
    """`kind/name` strings as (kind, name) pairs, in order, without repeats."""
    if len(values) > MAX_ITEMS:
        raise BadQuery(f"At most {MAX_ITEMS} items fit in one request.")
    items = {}
    for value in values:
        kind, _, name = value.partition("/")
        if kind not in Kind.values or not skillfile.is_valid_name(kind, name):
            raise BadQuery(f"{value!r} is not <kind>/<name>, such as command/git:commit.")
        items.setdefault((kind, name.lower()), (kind, name))
    return tuple(items.values())


# -- querysets -----------------------------------------------------------------


def public_skills() -> QuerySet:
    """Published items, with what a list row shows and none of the texts."""
    return (
        Skill.objects.public()
        .select_related("published")
        .defer("published__text", "published__html", "published__metadata")
    )


def filtered(skills: QuerySet, query: CatalogQuery) -> QuerySet:
    """`skills` narrowed by every filter of `query` (no ordering, no ranking)."""
    if query.kinds:
        skills = skills.filter(kind__in=query.kinds)
    for tag in query.tags:
        skills = skills.filter(tags__name=tag)
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
        wanted = Skill.objects.annotate(lower_name=Lower("name"))
        wanted = wanted.filter(kind=kind, lower_name__in=names).values("pk")
        condition |= Q(pk__in=wanted)
    return condition


def _matching(skills: QuerySet, query: CatalogQuery) -> QuerySet:
    """Items containing every word in their name, description or text.

    On PostgreSQL a full-text match counts too (so stems match: "deploying"
    finds "deploy"); the plain match keeps results the same on both databases
    for simple words.
    """
    every_word = Q()
    for word in query.words:
        every_word &= (
            Q(name__icontains=word)
            | Q(published__description__icontains=word)
            | Q(published__text__icontains=word)
        )
    if not _postgres():
        return skills.filter(every_word)
    from django.contrib.postgres.search import SearchQuery

    text_query = SearchQuery(query.q, search_type="websearch", config=SEARCH_CONFIG)
    return skills.alias(search=_search_vector()).filter(Q(search=text_query) | every_word)


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _search_vector():
    from django.contrib.postgres.search import SearchVector

    return (
        SearchVector("name", weight="A", config=SEARCH_CONFIG)
        + SearchVector("published__description", weight="B", config=SEARCH_CONFIG)
        + SearchVector("published__text", weight="C", config=SEARCH_CONFIG)
    )


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


def _rank(query: CatalogQuery):
    if _postgres():
        from django.contrib.postgres.search import SearchQuery, SearchRank

        text_query = SearchQuery(query.q, search_type="websearch", config=SEARCH_CONFIG)
        return SearchRank(_search_vector(), text_query)
    # SQLite: a word in the name counts most, then in the description.
    rank = Value(0)
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
    counts = dict(base.order_by().values_list("kind").annotate(n=Count("pk", distinct=True)))
    return [
        Facet(value, label, counts.get(value, 0), value in query.kinds)
        for value, label in Kind.choices
    ]


def tag_facets(query: CatalogQuery, limit: int = 40) -> list[Facet]:
    """The most used tags among the items the other filters show, and any selected ones."""
    base = filtered(Skill.objects.public(), query.without(tags=True, items=True))
    rows = (
        base.filter(tags__isnull=False)
        .values_list("tags__name")
        .annotate(n=Count("pk", distinct=True))
        .order_by("-n", "tags__name")
    )
    counts = dict(rows)
    top = list(counts)[:limit]
    top += [tag for tag in query.tags if tag not in top]
    return [Facet(tag, tag, counts.get(tag, 0), tag in query.tags) for tag in top]
