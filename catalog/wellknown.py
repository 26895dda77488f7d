"""The Agent Skills discovery index, so that `npx skills add <site>` installs from Skillhub.

The open `skills` CLI reads `/.well-known/agent-skills/index.json` (then
`/.well-known/skills/index.json`) in schema 0.2.0: per skill a name, a description,
`type: skill-md`, the URL of the SKILL.md and a `sha256:` digest of exactly the bytes
that URL serves. It drops the file when the digest differs, and `skills check` /
`skills update` compare the digest it recorded with the one in the index, so the
digest is the stored Version.sha256: the raw view serves the stored text byte for byte.
"""

import hashlib
import json
import re

from django.db.models import Q
from django.http import HttpResponse
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.views.decorators.http import require_GET

from catalog.models import Kind, Skill

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


def _published_skills():
    """(name, sha256, description) of each published skill the CLI can install.

    The CLI also reads `name` and `description` from the file's own frontmatter, which
    it finds only between a first line exactly `---` and a later line starting `---`,
    and skips a file without them. Publishing guarantees that a `name` present equals
    the folder name and a description is a string; the text filters below mirror the
    CLI's delimiters in the database, so that no text is loaded here.
    """
    delimited = Q(published__text__startswith="---\n") & (
        Q(published__text__contains="\n---\n") | Q(published__text__endswith="\n---")
    )
    return (
        Skill.objects.public()
        .filter(kind=Kind.SKILL, published__analysis__metadata__has_key="name")
        .filter(delimited)
        .order_by("name")
        .values_list("name", "published__sha256", "published__description")
    )


def build_index(request) -> dict:
    """The discovery index, with absolute URLs on the host the request came to."""
    entries = []
    for name, sha256, description in _published_skills():
        if not installable(name, description):
            continue
        raw_url = request.build_absolute_uri(reverse("raw", args=[Kind.SKILL, name]))
        entries.append(
            {
                "name": name,
                "description": description,
                "type": "skill-md",
                "url": raw_url,
                "digest": f"sha256:{sha256}",
            }
        )
    return {"$schema": SCHEMA, "skills": entries}


@require_GET
def index(request):
    body = json.dumps(build_index(request), ensure_ascii=False, indent=2).encode("utf-8")
    etag = f'"{hashlib.sha256(body).hexdigest()}"'
    response = get_conditional_response(request, etag=etag)
    if response is None:
        response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    # Any page or browser-based agent may read the index: it lists only published items.
    response["Access-Control-Allow-Origin"] = "*"
    return response
