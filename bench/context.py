"""What every scenario gets: the run's settings, its scratch folder and its data."""

import secrets
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from data import Catalog, corpus_texts, fifteen_kb_file
from database import Database


@dataclass
class Context:
    quick: bool
    tmp: Path
    # The environment of the bench process, for the servers it starts.
    env: dict[str, str]
    database: Database
    texts: list[str] = field(init=False)
    source: str = field(init=False)
    catalog: Catalog = field(init=False)

    def __post_init__(self) -> None:
        self.texts, self.source = corpus_texts()
        self.catalog = Catalog(self.texts)

    @cached_property
    def fifteen_kb(self) -> str:
        return fifteen_kb_file(self.texts)

    @property
    def vendor(self) -> str:
        from django.db import connection

        return connection.vendor

    def user(self, username: str) -> tuple[object, str]:
        """A team member with a fresh random password (returned, never stored)."""
        from django.contrib.auth.models import User

        password = secrets.token_urlsafe(16)
        user, _ = User.objects.get_or_create(username=username)
        user.set_password(password)
        user.save()
        return user, password
