"""Download counts: one per client, per published version, per SKILLHUB_DOWNLOAD_WINDOW.

Clients are told apart by address (REMOTE_ADDR, or X-Forwarded-For behind a trusted
proxy), as django-axes tells them apart for sign-in throttling.
"""

import pytest
from django.core.cache import cache
from django.test import Client, RequestFactory, override_settings

from catalog.downloads import client_digest, window_key
from catalog.models import Skill, VersionDownloads
from tests.factories import GOOD_COMMAND, make_skill
from tests.shared import settings_printed

pytestmark = pytest.mark.django_db

RAW = "/commands/review/raw"
AGENT = "---\nname: reviewer\ndescription: Reviews code\n---\nYou review code.\n"
SKILL = "---\nname: changelog\ndescription: Keep a changelog\n---\nUpdate CHANGELOG.md.\n"


@pytest.fixture
def review(publisher):
    return make_skill("command", "review", GOOD_COMMAND, author=publisher, publish=True)


@pytest.fixture
def three(review, publisher):
    """Three published items, each in a bundle of all of them."""
    make_skill("agent", "reviewer", AGENT, author=publisher, publish=True)
    make_skill("skill", "changelog", SKILL, author=publisher, publish=True)
    return ["review", "reviewer", "changelog"]


def fetch(path: str, address: str = "203.0.113.7", **extra):
    response = Client().get(path, REMOTE_ADDR=address, **extra)
    assert response.status_code == 200, response.status_code
    if response.streaming:
        b"".join(response.streaming_content)
    return response


def downloads(name: str = "review") -> int:
    return Skill.objects.get(name=name).downloads


def all_downloads() -> dict[str, int]:
    return dict(Skill.objects.values_list("name", "downloads"))


def per_version() -> dict[tuple[str, int], int]:
    rows = VersionDownloads.objects.values_list("version__skill__name", "version__number", "count")
    return {(name, number): count for name, number, count in rows}


def test_ten_fetches_of_a_raw_file_by_one_client_count_one_download(review):
    for _ in range(10):
        fetch(RAW)
    assert downloads() == 1
    assert per_version() == {("review", 1): 1}


def test_two_clients_count_two_downloads(review):
    for _ in range(3):
        fetch(RAW, "203.0.113.7")
        fetch(RAW, "198.51.100.20")
    assert downloads() == 2
    assert per_version() == {("review", 1): 2}


def test_counting_resumes_once_the_window_is_over(review):
    fetch(RAW)
    fetch(RAW)
    assert downloads() == 1
    # The window is the cache entry's lifetime; end it now, as its timeout would.
    client = client_digest(RequestFactory().get(RAW, REMOTE_ADDR="203.0.113.7"))
    key = window_key(client, review.published_id)
    assert cache.touch(key, 0)
    fetch(RAW)
    fetch(RAW)
    assert downloads() == 2


def test_a_window_of_zero_counts_every_fetch(review, settings):
    settings.SKILLHUB_DOWNLOAD_WINDOW = 0
    for _ in range(3):
        fetch(RAW)
    assert downloads() == 3


def test_a_newly_published_version_counts_again_within_the_window(review, publisher):
    fetch(RAW)
    review.save_version(GOOD_COMMAND + "Second.\n", publisher)
    review.publish(review.latest, publisher)
    fetch(RAW)
    fetch(RAW)
    assert per_version() == {("review", 1): 1, ("review", 2): 1}
    assert downloads() == 2


def test_a_bundle_counts_each_item_once_per_client(three):
    fetch("/export.zip")
    fetch("/export.tar.gz")
    fetch("/export.zip", headers={"If-None-Match": '"stale"'})
    assert all_downloads() == dict.fromkeys(three, 1)

    fetch("/export.zip", "198.51.100.20")
    assert all_downloads() == dict.fromkeys(three, 2)


def test_a_raw_fetch_and_a_bundle_holding_the_same_version_count_once(three):
    fetch(RAW)
    fetch("/export.zip")
    assert all_downloads() == {"review": 1, "reviewer": 1, "changelog": 1}
    fetch("/export.zip?item=agent/reviewer", "198.51.100.20")
    assert all_downloads() == {"review": 1, "reviewer": 2, "changelog": 1}


def test_update_checks_never_count_nor_use_up_the_window(three):
    check = {"headers": {"X-Skills-Update-Check": "1"}}
    for _ in range(3):
        fetch(RAW, **check)
        fetch("/export.zip", **check)
    assert all_downloads() == dict.fromkeys(three, 0)
    assert not VersionDownloads.objects.exists()
    fetch(RAW)
    assert downloads() == 1


# -- which client ------------------------------------------------------------------------

PROXY = "10.0.0.1"
BEHIND_ONE_PROXY = override_settings(  # what TRUSTED_PROXY_COUNT=1 sets (test_limits.py)
    AXES_IPWARE_PROXY_COUNT=0,
    AXES_IPWARE_META_PRECEDENCE_ORDER=("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"),
)


@BEHIND_ONE_PROXY
def test_behind_a_trusted_proxy_clients_are_told_apart_by_the_forwarded_address(review):
    for _ in range(3):
        fetch(RAW, PROXY, HTTP_X_FORWARDED_FOR="203.0.113.7")
        fetch(RAW, PROXY, HTTP_X_FORWARDED_FOR="198.51.100.20")
    assert downloads() == 2


def test_without_a_trusted_proxy_a_forwarded_address_does_not_make_a_new_client(review):
    for last in range(5):
        fetch(RAW, "203.0.113.7", HTTP_X_FORWARDED_FOR=f"192.0.2.{last}")
    assert downloads() == 1


@BEHIND_ONE_PROXY
def test_a_forged_extra_forwarded_address_does_not_make_a_new_client(review):
    for fake in range(5):
        fetch(RAW, PROXY, HTTP_X_FORWARDED_FOR=f"192.0.2.{fake}, 203.0.113.7")
    assert downloads() == 1


def test_the_cache_key_holds_a_keyed_hash_of_the_address_not_the_address(settings):
    request = RequestFactory().get(RAW, REMOTE_ADDR="203.0.113.7")
    key = window_key(client_digest(request), 42)
    assert "203.0.113.7" not in key and key.startswith("skillhub:download:42:")
    settings.SECRET_KEY = "another-secret-" + "x" * 40
    assert window_key(client_digest(request), 42) != key


def download_window(env: dict) -> str:
    return settings_printed("s.SKILLHUB_DOWNLOAD_WINDOW", env)


def test_the_window_is_an_hour_unless_the_environment_says_otherwise():
    assert download_window({}) == "3600"
    assert download_window({"SKILLHUB_DOWNLOAD_WINDOW": "600"}) == "600"
