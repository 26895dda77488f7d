"""Skillhub on loopback for real clients (git, Claude Code), in two forms.

- `serve()`: a live server thread of the test process, on the test database (tests
  using it need `pytest.mark.django_db(transaction=True)`, so that what they write is
  committed and the server sees it). One request at a time: an in-memory SQLite test
  database is one connection shared with the server's thread, and threads writing
  through it at once fail.
- `serve_elsewhere(folder)`: another app server, in a Python process of its own (its
  own caches, its own hash seed, nothing shared with this one but the data), on the same
  PostgreSQL test database, or on a copy of the in-memory SQLite one taken when it
  starts (another process cannot open an in-memory database).

Also what such tests serve and compare: `publish_team_kit()` (a released plugin with
one item of each kind, its skill a folder with executable scripts), `release_next()`,
and trees as path -> (bytes, executable) of a release or of a folder on disk.

The other server is `serve_forever()` in a new Python (DJANGO_SETTINGS_MODULE and
DATABASE_URL set): it binds a free loopback port, prints it, and serves until stopped.
"""

import contextlib
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.servers.basehttp import WSGIServer
from django.db import connection, connections
from django.test import override_settings
from django.test.testcases import LiveServerThread, QuietWSGIRequestHandler

from catalog import plugin_tree
from catalog.models import Plugin, Release, Skill
from tests.factories import make_plugin, make_skill
from tests.trees import pdf_skill

HOST = "127.0.0.1"
# Django first: this module imports models.
SERVE_FOREVER = (
    "import django; django.setup(); from tests.live import serve_forever; serve_forever()"
)
REPO = Path(__file__).resolve().parents[1]


@contextlib.contextmanager
def serve(host: str = HOST) -> Iterator[str]:
    """The URL (http://127.0.0.1:PORT, or another `host`) of a live server thread on the
    test database; the host is allowed besides the suite's own (the test client's)."""
    shared = {
        conn.alias: conn
        for conn in connections.all()
        if conn.vendor == "sqlite" and conn.is_in_memory_db()
    }
    for conn in shared.values():
        conn.inc_thread_sharing()
    server = _OneRequestAtATime(host, StaticFilesHandler, connections_override=shared)
    server.daemon = True
    try:
        with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, host]):
            server.start()
            server.is_ready.wait()
            if server.error:
                raise server.error
            yield f"http://{host}:{server.port}"
    finally:
        server.terminate()
        for conn in shared.values():
            conn.dec_thread_sharing()


class _OneRequestAtATime(LiveServerThread):
    """A live server without threads: clients (git, the skills CLI) fetch in parallel, and
    the threads of Django's live server would share the one connection of an in-memory
    SQLite test database, which fails concurrent writes (download counts) with "table is
    locked"."""

    def _create_server(self, connections_override=None):
        return WSGIServer(
            (self.host, self.port), QuietWSGIRequestHandler, allow_reuse_address=False
        )


@contextlib.contextmanager
def serve_elsewhere(folder: Path) -> Iterator[str]:
    """The URL of another app server, in a process of its own, on this test's data."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": _database_url(folder),
        "ALLOWED_HOSTS": HOST,
        "PYTHONHASHSEED": "random",
    }
    log = folder / "server.log"
    with open(log, "wb") as errors:
        process = subprocess.Popen(
            [sys.executable, "-c", SERVE_FOREVER],
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=errors,
        )
    try:
        port = process.stdout.readline().decode().strip()
        if not port.isdigit():
            process.wait(timeout=30)
            raise RuntimeError(f"the other server did not start:\n{log.read_text()}")
        yield f"http://{HOST}:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)
        process.stdout.close()


def _database_url(folder: Path) -> str:
    if connection.vendor == "sqlite":
        copy = folder / "copy.sqlite3"
        with sqlite3.connect(copy) as target:
            connection.ensure_connection()
            connection.connection.backup(target)
        return f"sqlite:///{copy}"
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    where = f"{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}"
    return f"postgres://{credentials}@{where}/{quote(db['NAME'], safe='')}"


# -- what is served, and trees to compare -------------------------------------------------

DEPLOY = "---\ndescription: Deploy the current branch\nargument-hint: [env]\n---\nDeploy to $1.\n"
REVIEWER = "---\nname: reviewer\ndescription: Reviews a diff\n---\nReview the diff.\n"
TERSE = "---\nname: terse\ndescription: Short answers\n---\nAnswer in one line.\n"
ROLLBACK = "---\ndescription: Roll the last deploy back\n---\nRoll back.\n"


def publish_team_kit(user, name: str = "team-kit") -> Plugin:
    """`name` released as 1.0.0: the command deploy, the skill pdf (seven files besides
    SKILL.md, two scripts executable), the agent reviewer and the output style terse."""
    text, files = pdf_skill()
    created = Skill.create("skill", "pdf", text, user, files=files)
    pdf = Skill.objects.get(pk=created.version.skill_id)
    pdf.publish(created.version, user)
    items = [
        make_skill("command", "deploy", DEPLOY, author=user, publish=True),
        pdf,
        make_skill("agent", "reviewer", REVIEWER, author=user, publish=True),
        make_skill("output-style", "terse", TERSE, author=user, publish=True),
    ]
    return make_plugin(
        name, items, user, release="1.0.0", description="Our team's commands and skills",
        author="Platform Team <platform@example.com>", license="MIT", keywords=["deploy"],
    )  # fmt: skip


def release_next(plugin: Plugin, user) -> Release:
    """The next release of a team kit: deploy changed and a command rollback added (a
    minor, 1.1.0 after 1.0.0)."""
    deploy = Skill.objects.get(kind="command", name="deploy")
    saved = deploy.save_version(DEPLOY + "Then run the smoke tests.\n", user, message="Smoke")
    deploy.publish(saved.version, user)
    rollback = make_skill("command", "rollback", ROLLBACK, author=user, publish=True)
    plugin.set_items([*plugin.items.all(), rollback], user)
    return plugin.release(user, notes="Smoke tests after a deploy; rollback")


def tree_of_release(release: Release) -> dict[str, tuple[bytes, bool]]:
    """path -> (bytes, executable) of the plugin folder of `release`."""
    return {f.path: (f.data, f.executable) for f in plugin_tree.release_tree(release)}


def tree_on_disk(root: Path, ignore: tuple[str, ...] = (".git",)) -> dict[str, tuple[bytes, bool]]:
    """path -> (bytes, executable) of every file under `root` but the `ignore`d names
    at its top."""
    found = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if relative.parts[0] in ignore or path.is_dir():
            continue
        found[relative.as_posix()] = (path.read_bytes(), bool(path.stat().st_mode & 0o111))
    return found


def serve_forever() -> None:
    """Another app server (serve_elsewhere): bind a free port, print it, serve."""
    from django.core.wsgi import get_wsgi_application

    server = WSGIServer((HOST, 0), QuietWSGIRequestHandler, allow_reuse_address=False)
    server.set_app(StaticFilesHandler(get_wsgi_application()))
    print(server.server_address[1], flush=True)  # bound already: clients may connect
    server.serve_forever()
