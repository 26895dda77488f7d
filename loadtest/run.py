"""`make loadtest`: a bounded load test of `make serve` on loopback, with PostgreSQL.

1. creates a throwaway database `skillhub_load_<random>` on the PostgreSQL server that
   LOADTEST_POSTGRES names (default postgres://postgres@127.0.0.1:5432/postgres, which
   must be on this machine);
2. migrates it and loads the demo content, LOADTEST_ITEMS (300) generated published
   items and an editor account;
3. starts `make serve` on a free port of 127.0.0.1 (DEBUG off, a random SECRET_KEY,
   ALLOWED_HOSTS=127.0.0.1, USE_TLS=0; WORKERS passes through) and waits for /healthz;
4. sends LOADTEST_SECONDS (60) of mixed traffic over LOADTEST_CONCURRENCY (16)
   connections, LOADTEST_MAX_REQUESTS (200000) at most: catalog pages and searches,
   item pages, raw files, zip exports, the JSON API, validation and signed-in previews;
5. prints requests per second, p50 and p99 per route and overall, and the errors (any
   answer but 200, or no answer); exits 1 if there was one;
6. stops the server and drops the database, whatever happened (Ctrl-C and SIGTERM too).
"""

import asyncio
import http.client
import logging
import os
import platform
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from loadtest import traffic  # noqa: E402  (needs the repository on the path)

DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"
LOOPBACK = {"127.0.0.1", "localhost", "::1", None}  # None: a Unix socket, local too
START_TIMEOUT_SECONDS = 180  # collectstatic and migrate run first
STOP_TIMEOUT_SECONDS = 30


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


@dataclass(frozen=True)
class Options:
    seconds: int
    max_requests: int
    concurrency: int
    generated: int
    postgres_url: str

    @classmethod
    def from_env(cls) -> "Options":
        options = cls(
            seconds=env_int("LOADTEST_SECONDS", 60),
            max_requests=env_int("LOADTEST_MAX_REQUESTS", 200_000),
            concurrency=env_int("LOADTEST_CONCURRENCY", 16),
            generated=env_int("LOADTEST_ITEMS", 300),
            postgres_url=os.environ.get("LOADTEST_POSTGRES", DEFAULT_POSTGRES),
        )
        if urlsplit(options.postgres_url).hostname not in LOOPBACK:
            raise SystemExit("LOADTEST_POSTGRES must be a PostgreSQL server on this machine.")
        return options


# -- the throwaway database ------------------------------------------------------------


def database_url(server_url: str, name: str) -> str:
    parts = urlsplit(server_url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def create_database(server_url: str, name: str) -> None:
    with psycopg.connect(server_url, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(server_url: str, name: str) -> None:
    with psycopg.connect(server_url, autocommit=True) as connection:
        statement = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
        connection.execute(statement.format(sql.Identifier(name)))


def server_version(server_url: str) -> str:
    with psycopg.connect(server_url) as connection:
        return connection.execute("SHOW server_version").fetchone()[0]


# -- the server ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((traffic.HOST, 0))
        return probe.getsockname()[1]


def start_server(port: int, env: dict[str, str], log: Path) -> subprocess.Popen:
    """`make serve` in a process group of its own, so that stopping it reaches gunicorn."""
    with log.open("ab") as output:
        return subprocess.Popen(
            ["make", "--no-print-directory", "serve", f"PORT={port}"],
            cwd=REPO,
            env={**os.environ, **env},
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_until_healthy(port: int, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"make serve exited with {server.returncode}:\n{tail(log)}")
        connection = http.client.HTTPConnection(traffic.HOST, port, timeout=5)
        try:
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        finally:
            connection.close()
        time.sleep(0.2)
    raise RuntimeError(f"/healthz did not answer in {START_TIMEOUT_SECONDS} s:\n{tail(log)}")


def stop_server(server: subprocess.Popen) -> None:
    """SIGTERM (gunicorn's graceful stop) to the group started here; SIGKILL if it lingers."""
    group = server.pid  # start_new_session: the group's id is make's pid
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(group, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            server.poll()
            try:
                os.killpg(group, 0)
            except ProcessLookupError:
                server.wait()
                return
            time.sleep(0.1)
    server.wait()


def tail(log: Path, lines: int = 40) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no server log)"


# -- the run ------------------------------------------------------------------------------


def server_environment(url: str) -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": "skillhub.settings",
        "DATABASE_URL": url,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": traffic.HOST,
        "USE_TLS": "0",
        "DEBUG": "0",
    }


def machine(options: Options, postgres: str) -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown CPU",
    )
    cores = os.cpu_count() or 1
    workers = os.environ.get("WORKERS") or str(cores * 2 + 1)
    return (
        f"{cpu}, {cores} cores, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, PostgreSQL {postgres}; "
        f"gunicorn with {workers} sync workers; {options.concurrency} connections; "
        f"load average {load_average()} (other work on the machine slows the figures)"
    )


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


async def load(port: int, items, editor: str, password: str, options: Options):
    session = await traffic.sign_in(port, editor, password)
    routes = traffic.traffic_mix(items, session)
    return await traffic.run_load(
        port, routes, options.seconds, options.max_requests, options.concurrency
    )


def seed(options: Options, env: dict[str, str]) -> tuple[list[tuple[str, str]], str, str]:
    """The catalog under load, written in this process before the server starts."""
    os.environ.update(env)
    import django

    # The server logs every request and write to its own log; here, a line per seeded
    # item would only bury the figures.
    logging.disable(logging.INFO)
    django.setup()
    from django.db import connections

    from loadtest.seed import EDITOR, seed_catalog

    try:
        items, password = seed_catalog(options.generated)
    finally:
        connections.close_all()
    return items, EDITOR, password


def run(options: Options, database: str) -> int:
    env = server_environment(database_url(options.postgres_url, database))
    print(f"Seeding {database}: demo content and {options.generated} generated items…")
    items, editor, password = seed(options, env)
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="skillhub-loadtest-") as scratch:
        log = Path(scratch) / "serve.log"
        print(f"Starting make serve on {traffic.HOST}:{port}…")
        server = start_server(port, env, log)
        try:
            wait_until_healthy(port, server, log)
            print(machine(options, server_version(options.postgres_url)))
            print(
                f"{len(items)} published items; {options.seconds} s or "
                f"{options.max_requests} requests, whichever comes first…\n"
            )
            results = asyncio.run(load(port, items, editor, password, options))
        finally:
            stop_server(server)
        print(traffic.report(results))
        print(f"\nLoad average after the run: {load_average()}")
        if results.total_errors:
            print(f"\nThe server's log ended with:\n{tail(log)}")
    return 1 if results.total_errors else 0


def main() -> int:
    options = Options.from_env()
    # A SIGTERM unwinds like Ctrl-C does, so the finally blocks stop the server and
    # drop the database.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    database = f"skillhub_load_{secrets.token_hex(4)}"
    create_database(options.postgres_url, database)
    try:
        return run(options, database)
    finally:
        drop_database(options.postgres_url, database)
        print(f"Dropped {database}.")


if __name__ == "__main__":
    sys.exit(main())
