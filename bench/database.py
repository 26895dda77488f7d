"""The bench database, never the project's own: a fresh SQLite file in the run's scratch
folder, or a throwaway PostgreSQL database beside the one DATABASE_URL names.

Copies of it at a moment in time (`snapshot`) let the catalog scenario time a small and
a large catalog in turn, instead of one before the other.
"""

import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

BENCH_DATABASE = "skillhub_bench"


class Database:
    def __init__(self, url: str, tmp: Path, admin_url: str | None = None):
        self.url = url
        self.tmp = tmp
        self.admin_url = admin_url  # PostgreSQL: where to create and drop databases
        self.copies: list[str] = []

    @property
    def postgres(self) -> bool:
        return self.admin_url is not None

    def snapshot(self, label: str) -> str:
        """A copy of the bench database as it is now; returns its NAME setting."""
        close_django_connections()
        if self.postgres:
            name = f"{BENCH_DATABASE}_{label}"
            _postgres(self.admin_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            _postgres(self.admin_url, f"CREATE DATABASE {name} TEMPLATE {BENCH_DATABASE}")
            self.copies.append(name)
            return name
        from django.db import connection

        copy = self.tmp / f"{BENCH_DATABASE}_{label}.sqlite3"
        shutil.copyfile(connection.settings_dict["NAME"], copy)
        return str(copy)

    @contextmanager
    def switched(self, name: str) -> Iterator[None]:
        """Point Django's default connection at `name` (a snapshot) for the block."""
        from django.db import connection

        original = connection.settings_dict["NAME"]
        connection.close()
        connection.settings_dict["NAME"] = name
        try:
            yield
        finally:
            connection.close()
            connection.settings_dict["NAME"] = original

    def drop_copies(self) -> None:
        close_django_connections()
        for name in self.copies if self.postgres else ():
            _postgres(self.admin_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        self.copies.clear()


@contextmanager
def bench_database(tmp: Path) -> Iterator[Database]:
    """The database to run on, created empty and removed at the end, whatever happens."""
    url = os.environ.get("DATABASE_URL", "")
    scheme = urlsplit(url).scheme
    if scheme in {"postgres", "postgresql"}:
        _postgres(url, f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)")
        _postgres(url, f"CREATE DATABASE {BENCH_DATABASE}")
        database = Database(urlsplit(url)._replace(path=f"/{BENCH_DATABASE}").geturl(), tmp, url)
        try:
            yield database
        finally:
            database.drop_copies()
            close_django_connections()
            _postgres(url, f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)")
    elif not url or scheme == "sqlite":
        # Even when DATABASE_URL names an SQLite file: that file is someone's data.
        try:
            yield Database(f"sqlite:///{tmp / 'bench.sqlite3'}", tmp)
        finally:
            close_django_connections()
    else:
        raise SystemExit(f"bench runs on SQLite or PostgreSQL, not {scheme!r}")


def _postgres(url: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(statement)


def close_django_connections() -> None:
    if "django.db" in sys.modules:
        from django.db import connections

        connections.close_all()


def describe() -> str:
    """The database engine and its version, for the results."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
        if connection.vendor == "sqlite":
            cursor.execute("SELECT sqlite_version()")
            return f"SQLite {cursor.fetchone()[0]}"
    return connection.vendor
