"""The Agent Skills discovery index, so that `npx skills add <site>` installs from Skillhub.

The open `skills` CLI reads `/.well-known/agent-skills/index.json` (then
`/.well-known/skills/index.json`) in schema 0.2.0: per skill a name, a description, a
type, a URL and a `sha256:` digest of exactly the bytes that URL serves. It drops the
skill when the digest differs, and `skills check` / `skills update` compare the digest
it recorded with the one in the index.

- A skill that is SKILL.md alone is `type: skill-md`: the URL is the raw view, which
  serves the stored text byte for byte, so the digest is the stored Version.sha256.
- A skill with other files is `type: archive`: the URL is `/skills/<name>.tar.gz`, the
  skill's folder with SKILL.md at the archive root, and the digest is the sha256 of
  that archive, which is reproducible (exporting.folder_digests, cached by the tree
  digest, so that an index request builds no archive it has built before). The CLI
  (skills 1.7) reads a tar's ustar name and prefix and the bytes of each regular file,
  and writes every file with the default mode: executable bits do not survive.

The legacy path `/.well-known/skills/index.json` answers the same index with, in every
entry, `files`: every path of the skill's folder, SKILL.md first (what the older
schema listed).
"""

import hashlib
import json
import re
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.views.decorators.http import require_GET

from catalog import exporting
from catalog.models import Kind, Skill, VersionFile

SCHEMA = "https://schemas.agentskills.io/discovery/0.2.0/schema.json"

# The CLI's own checks on an index entry; an entry failing them is silently skipped.
CLI_NAME = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
CLI_NAME_MAX = 64
CLI_DESCRIPTION_MAX = 1024  # counted in UTF-16 code units: JavaScript's String.length


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def installable(name: str, description: str) -> bool:
    """Whether the `skills` CLI accepts an index entry with this name and description."""
    return (
        len(name) <= CLI_NAME_MAX
        and CLI_NAME.fullmatch(name) is not None
        and bool(description)
        and _utf16_length(description) <= CLI_DESCRIPTION_MAX
    )


def _published_skills() -> tuple[QuerySet[Skill, tuple[str, str, str, int]], QuerySet[Skill]]:
    """Each published skill the CLI can install, with (name, sha256, description,
    file count) and the queryset they came from.

    The CLI also reads `name` and `description` from SKILL.md's own frontmatter, which
    it finds only between a first line exactly `---` and a later line starting `---`,
    and skips a skill without them. Publishing guarantees that a `name` present equals
    the folder name and a description is a string; the text filters below mirror the
    CLI's delimiters in the database, so that no text is loaded here.
    """
    delimited = Q(published__text__startswith="---\n") & (
        Q(published__text__contains="\n---\n") | Q(published__text__endswith="\n---")
    )
    skills = (
        Skill.objects.public()
        .filter(kind=Kind.SKILL, published__analysis__metadata__has_key="name")
        .filter(delimited)
    )
    rows = skills.order_by("name").values_list(
        "name", "published__sha256", "published__description", "published__analysis__file_count"
    )
    return rows, skills


def _file_paths(skills: QuerySet[Skill]) -> dict[str, list[str]]:
    """name -> every path of the skill's folder besides SKILL.md, in one query."""
    rows = (
        VersionFile.objects.filter(version_id__in=skills.order_by().values("published_id"))
        .order_by("path")
        .values_list("version__skill__name", "path")
    )
    paths: dict[str, list[str]] = {}
    for name, path in rows:
        paths.setdefault(name, []).append(path)
    return paths


def build_index(request: HttpRequest, *, legacy: bool = False) -> dict[str, Any]:
    """The discovery index, with absolute URLs on the host the request came to; with
    `legacy`, every entry also lists `files`."""
    rows, skills = _published_skills()
    listed = [row for row in rows if installable(row[0], row[2])]
    folders = [name for name, _sha256, _description, count in listed if count > 1]
    digests = exporting.folder_digests(skills.filter(name__in=folders)) if folders else {}
    paths = _file_paths(skills) if legacy else {}
    entries = []
    for name, sha256, description, _count in listed:
        if name in digests:
            url = reverse("skill-tar-gz", args=[name])
            kind, digest = "archive", digests[name]
        else:
            url = reverse("raw", args=[Kind.SKILL, name])
            kind, digest = "skill-md", f"sha256:{sha256}"
        entry: dict[str, str | list[str]] = {
            "name": name,
            "description": description,
            "type": kind,
            "url": request.build_absolute_uri(url),
            "digest": digest,
        }
        if legacy:
            entry["files"] = ["SKILL.md", *paths.get(name, [])]
        entries.append(entry)
    return {"$schema": SCHEMA, "skills": entries}


@require_GET
def index(request: HttpRequest, legacy: bool = False) -> HttpResponse:
    text = json.dumps(build_index(request, legacy=legacy), ensure_ascii=False, indent=2)
    body = text.encode("utf-8")
    etag = f'"{hashlib.sha256(body).hexdigest()}"'
    response = get_conditional_response(request, etag=etag)
    if response is None:
        response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    # Any page or browser-based agent may read the index: it lists only published items.
    response["Access-Control-Allow-Origin"] = "*"
    return response
