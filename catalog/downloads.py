"""Which downloads count: one per client, per published version, per window.

A download count says how much an item is used, and `sort=downloads` ranks by it; ten
fetches of one file by one client are one use, and a script fetching in a loop must not
be able to steer the ranking. So a download of a published version (raw, or as an item
of a bundle) counts at most once per client address per SKILLHUB_DOWNLOAD_WINDOW
seconds (default an hour; 0 counts every fetch). The window opens at the fetch that
counted; fetches within it neither count nor extend it. Update checks are not downloads at all:
the views do not call this for them.

The client address is the one django-axes throttles sign-ins by: django-ipware's,
behind TRUSTED_PROXY_COUNT proxies (see settings.py), so clients behind the proxy are
told apart and a forged X-Forwarded-For entry does not make a new client.

The memory of who fetched what is Django's cache, under a key holding an HMAC (keyed
with SECRET_KEY) of the address, so the cache holds no address that could be read back
(a plain hash of an IPv4 address is undone by trying them all), and the version id.
`cache.add()` sets a key only if it is absent, atomically, so of two concurrent fetches
by one client one counts. The default cache is local to each process: with several
workers or app servers, a client would be counted once per process per window, so
production sets REDIS_URL (settings.py then uses one shared Redis cache).
"""

import hashlib
import hmac

from axes.helpers import get_client_ip_address  # type: ignore[import-untyped]  # no types
from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet
from django.http import HttpRequest

from catalog.models import Skill, VersionDownloads


def client_digest(request: HttpRequest) -> str:
    """Who is downloading, as a keyed hash of their (proxy-aware) address."""
    address = get_client_ip_address(request) or ""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, address.encode(), hashlib.sha256).hexdigest()[:32]


def window_key(client: str, version_id: int) -> str:
    return f"skillhub:download:{version_id}:{client}"


def count_download(request: HttpRequest, skills: QuerySet[Skill]) -> None:
    """Count a download of the published version of each of `skills` that this client
    has not downloaded within the window."""
    window = settings.SKILLHUB_DOWNLOAD_WINDOW
    if window <= 0:
        VersionDownloads.record(skills)
        return
    client = client_digest(request)
    published = skills.filter(published__isnull=False).order_by().values_list("pk", "published")
    keys = {skill_id: window_key(client, version_id) for skill_id, version_id in published}
    # One round trip finds what this client already fetched (a repeated bundle costs no
    # more); add() then claims each of the rest, atomically.
    seen = cache.get_many(keys.values())
    fresh = [
        skill_id
        for skill_id, key in keys.items()
        if key not in seen and cache.add(key, True, timeout=window)
    ]
    if fresh:
        VersionDownloads.record(Skill.objects.filter(pk__in=fresh))
