"""HEAD on the download URLs: the headers a GET gets, no body, and no download counted.

Asked over real HTTP (a live server and http.client), so that what is checked is what
the server sends, not what the test client strips."""

import http.client
from urllib.parse import urlsplit

import pytest

from catalog.models import Skill
from tests.factories import make_plugin, make_skill, publish_pdf_folder

pytestmark = pytest.mark.django_db(transaction=True)

COMMAND = "---\ndescription: Ship a branch\n---\nShip `$ARGUMENTS` — “now” 🚀.\n"
SAME = ("Content-Type", "Content-Length", "ETag", "Content-Disposition", "Content-Security-Policy")


def fetch(site: str, method: str, path: str, **headers: str):
    """(status, headers, body) of one request to the live server."""
    address = urlsplit(site)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    try:
        connection.request(method, path, headers=headers)
        response = connection.getresponse()
        # A HEAD's answer has no body, whatever its Content-Length says.
        body = response.read()
        return response.status, dict(response.getheaders()), body
    finally:
        connection.close()


def downloads(kind: str, name: str) -> int:
    return Skill.objects.get(kind=kind, name=name).downloads


@pytest.fixture
def published(publisher):
    ship = make_skill("command", "ship", COMMAND, author=publisher, publish=True)
    publish_pdf_folder(publisher)
    make_plugin("team-kit", [ship], publisher, release="1.0.0")


@pytest.mark.parametrize(
    "path",
    [
        "/commands/ship/raw",
        "/skills/pdf/files/SKILL.md",
        "/skills/pdf/files/references/forms.md",
        "/skills/pdf/files/scripts/check_fields.py",
        "/skills/pdf.zip",
        "/skills/pdf.tar.gz",
        "/export.zip?item=command/ship",
        "/export.tar.gz?item=skill/pdf",
        "/plugins/team-kit/1.0.0.zip",
        "/plugins/team-kit/1.0.0.tar.gz",
    ],
)
def test_head_answers_what_get_would_with_no_body_and_counts_no_download(site, published, path):
    before = downloads("command", "ship"), downloads("skill", "pdf")
    status, head, body = fetch(site, "HEAD", path)
    assert status == 200
    assert body == b""
    assert (downloads("command", "ship"), downloads("skill", "pdf")) == before

    status, got, data = fetch(site, "GET", path)
    assert status == 200 and data
    assert {key: head.get(key) for key in SAME} == {key: got.get(key) for key in SAME}
    if "Content-Length" in got:
        assert int(head["Content-Length"]) == len(data)
    assert head["ETag"]


def test_head_of_the_raw_file_gives_its_length_in_bytes_not_characters(site, published):
    _, head, _ = fetch(site, "HEAD", "/commands/ship/raw")
    assert head["Content-Type"] == "text/markdown; charset=utf-8"
    assert int(head["Content-Length"]) == len(COMMAND.encode("utf-8")) > len(COMMAND)


def test_head_with_a_matching_etag_is_not_modified(site, published):
    _, head, _ = fetch(site, "HEAD", "/commands/ship/raw")
    status, _, body = fetch(site, "HEAD", "/commands/ship/raw", **{"If-None-Match": head["ETag"]})
    assert (status, body) == (304, b"")


def test_head_of_something_not_published_is_not_found(site, published):
    assert fetch(site, "HEAD", "/commands/nothing/raw")[0] == 404
    assert fetch(site, "HEAD", "/skills/pdf/files/no-such-file")[0] == 404


def test_other_methods_are_still_refused(site, published):
    status, headers, _ = fetch(site, "OPTIONS", "/commands/ship/raw")
    assert status == 405
    assert headers["Allow"] == "GET, HEAD"
