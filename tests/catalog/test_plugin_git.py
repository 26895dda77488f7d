"""Real `git` against a live Skillhub: /plugins/<name>.git and /marketplace.git.

git runs with a HOME of its own, no global or system configuration and no prompts, so
nothing of this machine's git setup takes part. What a clone holds is compared with
catalog.plugin_tree.release_tree byte for byte, modes included; commit ids are compared
between this test process's server and another app server in a process of its own.
"""

import gzip
import hashlib
import http.client
import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import urlopen

import pytest

from catalog import gitrepo
from catalog.models import Plugin
from tests import live
from tests.factories import make_plugin, make_skill

pytestmark = pytest.mark.django_db(transaction=True)

GIT_TIMEOUT = 60


@dataclass(frozen=True)
class Git:
    home: Path

    def __call__(self, *args: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
        completed = subprocess.run(
            ["git", *args],
            cwd=cwd,
            env=self.env(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT,
            check=False,
        )
        if check:
            assert completed.returncode == 0, f"git {' '.join(args)}:\n{completed.stderr}"
        return completed

    def env(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith("GIT_")}
        return {
            **env,
            "HOME": str(self.home),
            "GIT_CONFIG_GLOBAL": "/dev/null",
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_TERMINAL_PROMPT": "0",
            "LC_ALL": "C",  # git's messages in English, to read the server's in them
        }

    def out(self, *args: str, cwd: Path) -> str:
        return self(*args, cwd=cwd).stdout.strip()


@pytest.fixture
def git(tmp_path) -> Git:
    home = tmp_path / "git-home"
    home.mkdir()
    return Git(home)


@pytest.fixture
def kit(publisher) -> Plugin:
    return live.publish_team_kit(publisher)


def clone(git: Git, url: str, into: Path, *options: str) -> Path:
    git("clone", "--quiet", *options, url, str(into), cwd=into.parent)
    return into


def blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def tree_at(git: Git, repo: Path, revision: str) -> dict[str, tuple[str, str]]:
    """path -> (mode, blob id) of every file of `revision`, as git recorded it."""
    listed = git("ls-tree", "-r", "-z", revision, cwd=repo).stdout
    entries = {}
    for entry in filter(None, listed.split("\0")):
        info, path = entry.split("\t", 1)
        mode, kind, object_id = info.split()
        assert kind == "blob", entry
        entries[path] = (mode, object_id)
    return entries


def as_recorded(tree: dict[str, tuple[bytes, bool]]) -> dict[str, tuple[str, str]]:
    """What tree_at gives for a faithful commit of `tree`."""
    return {
        path: ("100755" if executable else "100644", blob_id(data))
        for path, (data, executable) in tree.items()
    }


def history(git: Git, repo: Path) -> list[dict]:
    """The commits of main, oldest first: id, parents, author time and subject."""
    log = git.out("log", "--reverse", "--format=%H%x00%P%x00%at%x00%an <%ae>%x00%s", "main",
                  cwd=repo)  # fmt: skip
    return [
        dict(zip(("id", "parents", "time", "author", "subject"), line.split("\0"), strict=True))
        for line in log.splitlines()
    ]


def ls_remote(git: Git, url: str, tmp_path: Path) -> str:
    return git.out("ls-remote", "--symref", url, cwd=tmp_path)


def test_a_clone_holds_the_latest_release_byte_for_byte_with_one_tagged_commit_per_release(
    site, git, kit, publisher, tmp_path
):
    second = live.release_next(kit, publisher)
    first = kit.releases.get(version="1.0.0")

    repo = clone(git, f"{site}/plugins/team-kit.git", tmp_path / "team-kit")

    expected = live.tree_of_release(second)
    assert live.tree_on_disk(repo) == expected
    assert expected["skills/pdf/scripts/check_fields.py"][1], "a script is executable"
    assert "commands/rollback.md" in expected  # the new release's tree, not the first one's
    assert git.out("symbolic-ref", "HEAD", cwd=repo) == "refs/heads/main"
    assert git.out("branch", "--all", "--format=%(refname)", cwd=repo).splitlines() == [
        "refs/heads/main",
        "refs/remotes/origin/HEAD",
        "refs/remotes/origin/main",
    ]
    commits = history(git, repo)
    assert [c["subject"] for c in commits] == ["team-kit 1.0.0", "team-kit 1.1.0"]
    assert commits[0]["parents"] == ""
    assert {c["author"] for c in commits} == {gitrepo.IDENTITY.decode()}
    assert commits[1]["parents"] == commits[0]["id"]
    assert [int(c["time"]) for c in commits] == [
        int(first.released_at.timestamp()),
        int(second.released_at.timestamp()),
    ]
    body = git.out("log", "-1", "--format=%b", "main", cwd=repo)
    assert body == "Smoke tests after a deploy; rollback"
    tags = git.out("for-each-ref", "refs/tags", "--format=%(refname:short) %(objectname)",
                   cwd=repo)  # fmt: skip
    assert tags.splitlines() == [f"v1.0.0 {commits[0]['id']}", f"v1.1.0 {commits[1]['id']}"]
    for release in (first, second):
        assert tree_at(git, repo, release.tag) == as_recorded(live.tree_of_release(release))


def test_a_shallow_clone_has_one_commit_and_fetches_bring_a_new_release_fast_forward(
    site, git, kit, publisher, tmp_path
):
    url = f"{site}/plugins/team-kit.git"
    full = clone(git, url, tmp_path / "full")
    shallow = clone(git, url, tmp_path / "shallow", "--depth", "1")
    deepened = clone(git, url, tmp_path / "deepened", "--depth", "1")
    assert git.out("rev-parse", "--is-shallow-repository", cwd=shallow) == "true"
    assert git.out("rev-list", "--count", "HEAD", cwd=shallow) == "1"
    assert live.tree_on_disk(shallow) == live.tree_of_release(kit.latest_release)
    old = git.out("rev-parse", "main", cwd=full)
    assert git.out("rev-parse", "HEAD", cwd=shallow) == old

    second = live.release_next(kit, publisher)

    # a plain fetch; one into a shallow clone, as a marketplace update does; one asking
    # for a depth again
    for repo, depth in ((full, ()), (shallow, ()), (deepened, ("--depth", "1"))):
        git("fetch", "--quiet", *depth, "origin", cwd=repo)
        new = git.out("rev-parse", "origin/main", cwd=repo)
        assert new != old
        assert git.out("rev-parse", "v1.1.0", cwd=repo) == new  # the tag came along
        if depth:  # the new commit is the clone's only one now: no history to merge
            git("reset", "--quiet", "--hard", "origin/main", cwd=repo)
        else:
            git("merge", "--ff-only", "--quiet", "origin/main", cwd=repo)
        assert live.tree_on_disk(repo) == live.tree_of_release(second)
        git("fsck", "--no-dangling", cwd=repo)
    assert git.out("rev-list", "--parents", "-1", "main", cwd=full) == f"{new} {old}"
    assert git.out("rev-list", "--count", "HEAD", cwd=shallow) == "2"
    assert git.out("rev-list", "--count", "HEAD", cwd=deepened) == "1"


def test_a_shallow_clone_fetches_what_lies_beyond_its_one_commit(
    site, git, kit, publisher, tmp_path
):
    """The files of the pdf skill are in 1.0.0, not in 2.0.0 (the clone's one commit),
    and back in 3.0.0: the server must send them although an older commit has them,
    and send 1.0.0 itself when asked for its tag although 2.0.0 descends from it."""
    pdf = kit.items.get(name="pdf")
    kit.set_items(kit.items.exclude(pk=pdf.pk), publisher)
    kit.release(publisher)
    shallow = clone(git, f"{site}/plugins/team-kit.git", tmp_path / "shallow", "--depth", "1")
    assert not (shallow / "skills" / "pdf").exists()
    kit.set_items([*kit.items.all(), pdf], publisher)
    again = kit.release(publisher, version="3.0.0")

    git("pull", "--quiet", "--ff-only", "origin", "main", cwd=shallow)
    assert live.tree_on_disk(shallow) == live.tree_of_release(again)

    git("fetch", "--quiet", "origin", "tag", "v1.0.0", cwd=shallow)
    git("checkout", "--quiet", "v1.0.0", cwd=shallow)
    assert live.tree_on_disk(shallow) == live.tree_of_release(kit.releases.get(version="1.0.0"))
    git("fsck", "--no-dangling", cwd=shallow)


def test_the_marketplace_repository_holds_each_plugin_at_its_latest_release(
    site, git, kit, publisher, tmp_path
):
    notes = make_skill("command", "notes", "Write the notes.\n", author=publisher, publish=True)
    docs = make_plugin("docs-kit", [notes], publisher, release=True)
    second = live.release_next(kit, publisher)

    repo = clone(git, f"{site}/marketplace.git", tmp_path / "marketplace")

    manifest = json.loads((repo / ".claude-plugin" / "marketplace.json").read_bytes())
    assert manifest["name"] == "skillhub"
    assert [(p["name"], p["source"], p["version"]) for p in manifest["plugins"]] == [
        ("docs-kit", "./plugins/docs-kit", "1.0.0"),
        ("team-kit", "./plugins/team-kit", "1.1.0"),
    ]
    on_disk = live.tree_on_disk(repo)
    expected = {".claude-plugin/marketplace.json": on_disk[".claude-plugin/marketplace.json"]}
    for release in (docs.latest_release, second):
        prefix = f"plugins/{release.plugin.name}/"
        expected |= {prefix + path: file for path, file in live.tree_of_release(release).items()}
    assert on_disk == expected
    assert [c["subject"] for c in history(git, repo)] == [
        "team-kit 1.0.0",
        "docs-kit 1.0.0",
        "team-kit 1.1.0",
    ]
    assert git.out("rev-list", "--count", "HEAD", cwd=clone(
        git, f"{site}/marketplace.git", tmp_path / "shallow", "--depth", "1")) == "1"  # fmt: skip


def test_two_app_servers_on_one_database_give_the_same_commit_ids(site, git, kit, tmp_path):
    notes = make_skill("command", "notes", "Write the notes.\n", publish=True)
    make_plugin("docs-kit", [notes], release=True)

    here = {
        path: ls_remote(git, site + path, tmp_path)
        for path in ("/plugins/team-kit.git", "/plugins/docs-kit.git", "/marketplace.git")
    }
    with live.serve_elsewhere(tmp_path) as other:
        there = {path: ls_remote(git, other + path, tmp_path) for path in here}
        with urlopen(f"{other}/marketplace.json") as response:
            pinned_there = [p["source"]["sha"] for p in json.load(response)["plugins"]]

    assert there == here
    assert "ref: refs/heads/main\tHEAD" in here["/plugins/team-kit.git"]
    assert "refs/tags/v1.0.0" in here["/plugins/team-kit.git"]
    with urlopen(f"{site}/marketplace.json") as response:
        pinned_here = [p["source"]["sha"] for p in json.load(response)["plugins"]]
    assert pinned_there == pinned_here
    heads = [
        here[f"/plugins/{name}-kit.git"].splitlines()[1].split("\t") for name in ("docs", "team")
    ]
    assert pinned_here == [head for head, _ in heads]


def test_pushing_is_refused_with_the_servers_message(site, git, kit, tmp_path):
    for path in ("/plugins/team-kit.git", "/marketplace.git"):
        before = ls_remote(git, site + path, tmp_path)
        repo = clone(git, site + path, tmp_path / path.strip("/").replace("/", "-"))
        (repo / "NOTES.md").write_text("Written by hand\n")
        git("add", "NOTES.md", cwd=repo)
        git("-c", "user.name=Someone", "-c", "user.email=someone@example.com",
            "commit", "--quiet", "-m", "By hand", cwd=repo)  # fmt: skip

        pushed = git("push", "origin", "HEAD:main", cwd=repo, check=False)

        assert pushed.returncode != 0
        assert "read-only" in pushed.stderr, pushed.stderr
        assert ls_remote(git, site + path, tmp_path) == before


def test_unknown_repositories_are_not_found_and_hostile_paths_never_fail_the_server(
    site, git, kit, publisher, tmp_path
):
    make_plugin("unreleased", [kit.items.first()], publisher)
    for name in ("nope", "unreleased"):
        listed = git("ls-remote", f"{site}/plugins/{name}.git", cwd=tmp_path, check=False)
        assert listed.returncode != 0
        assert "not found" in listed.stderr, listed.stderr

    head = git.out("ls-remote", f"{site}/plugins/team-kit.git", "main", cwd=tmp_path).split()[0]
    expected = {
        "/plugins/nope.git/info/refs?service=git-upload-pack": 404,
        "/plugins/unreleased.git/info/refs?service=git-upload-pack": 404,
        "/plugins/team-kit.git/info/refs?service=git-upload-pack": 200,
        "/plugins/x.git/../../etc": 404,
        "/plugins/team-kit.git/../../etc/passwd": 404,
        "/plugins/team-kit.git/objects/..": 404,
        "/plugins/team-kit.git/objects/../HEAD": 404,
        "/plugins/team-kit.git/objects/../../info/refs?service=git-upload-pack": 404,
        "/plugins/team-kit.git/other/info/refs?service=git-upload-pack": 404,
        f"/plugins/team-kit.git/objects/{head[:2]}/../{head[2:]}": 404,
        "/plugins/team-kit.git/%2e%2e/%2e%2e/etc/passwd": 404,
        "/plugins/team-kit.git/info/refs?service=nope": 403,
        "/marketplace.git/../plugins/team-kit.git/HEAD": 404,
        "/marketplace.git/objects/../HEAD": 404,
        "/marketplace.git/info/refs?service=git-receive-pack": 403,
    }
    where = urlsplit(site)
    statuses = {}
    for path in expected:
        connection = http.client.HTTPConnection(where.hostname, where.port, timeout=30)
        connection.request("GET", path)  # the path as written: no client normalises it
        statuses[path] = connection.getresponse().status
        connection.close()
    assert statuses == expected


def pkt_line(text: str) -> bytes:
    data = text.encode()
    return b"%04x" % (len(data) + 4) + data


def post_upload_pack(site: str, body: bytes, **headers: str) -> tuple[int, bytes]:
    where = urlsplit(site)
    connection = http.client.HTTPConnection(where.hostname, where.port, timeout=30)
    headers = {"Content-Type": "application/x-git-upload-pack-request", **headers}
    connection.request("POST", "/plugins/team-kit.git/git-upload-pack", body, headers)
    response = connection.getresponse()
    answer = (response.status, response.read())
    connection.close()
    return answer


def test_upload_requests_that_are_not_git_or_not_gzip_are_refused_as_bad_requests(
    site, git, kit, tmp_path
):
    head = git.out("ls-remote", f"{site}/plugins/team-kit.git", "main", cwd=tmp_path).split()[0]
    want = pkt_line(f"want {head} side-band-64k thin-pack ofs-delta shallow\n")
    fetch = want + b"0000" + pkt_line("done\n")
    gzipped = gzip.compress(fetch)
    bodies = {
        "not pkt-lines": (b"garbage", {}),
        "a depth that is no number": (want + pkt_line("deepen x\n") + b"0000", {}),
        "an object nobody has": (pkt_line(f"want {'1' * 40} side-band-64k\n") + b"0000", {}),
        "a truncated gzip": (gzipped[:20], {"Content-Encoding": "gzip"}),
        "a corrupt gzip": (gzipped[:10] + b"\xff" * 20, {"Content-Encoding": "gzip"}),
        "not gzip at all": (fetch, {"Content-Encoding": "gzip"}),
    }
    answers = {}
    for name, (body, headers) in bodies.items():
        status, text = post_upload_pack(site, body, **headers)
        answers[name] = (status, text.startswith(b"Not a git request"))
    assert answers == dict.fromkeys(bodies, (400, True))

    # and a good one, gzipped as git sends large ones, is answered with a pack
    status, answer = post_upload_pack(site, gzipped, **{"Content-Encoding": "gzip"})
    assert status == 200
    assert b"PACK" in answer


def test_a_gzip_request_that_unpacks_past_the_cap_is_refused_without_unpacking_it(site, kit):
    from catalog.gitserve import MAX_REQUEST_BYTES

    bomb = gzip.compress(b"0" * (MAX_REQUEST_BYTES + 1024), compresslevel=9)
    assert len(bomb) < 100_000  # what arrives is small; what it unpacks to is not
    status, text = post_upload_pack(site, bomb, **{"Content-Encoding": "gzip"})
    assert status == 413
    assert b"bytes unpacked at most" in text


def test_a_chunked_request_gets_a_clear_answer_instead_of_an_empty_negotiation(site, kit):
    where = urlsplit(site)
    connection = http.client.HTTPConnection(where.hostname, where.port, timeout=30)
    connection.request(
        "POST",
        "/plugins/team-kit.git/git-upload-pack",
        iter([pkt_line("done\n")]),
        {"Content-Type": "application/x-git-upload-pack-request"},
        encode_chunked=True,
    )
    response = connection.getresponse()
    status, text = response.status, response.read()
    connection.close()
    assert status == 411
    assert b"git config http.postBuffer" in text
