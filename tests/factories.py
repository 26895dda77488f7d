"""Plain helpers that make the few objects tests need."""

import io

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from catalog.models import Skill
from tests.trees import pdf_skill

GOOD_COMMAND = """---
description: Review the staged diff
allowed-tools: Bash(git diff:*)
---
Review the staged diff and list risky changes.
"""
HELPER_AGENT = "---\nname: helper\ndescription: Helps\ntools: Read, Grep\n---\nYou help.\n"


def make_user(username="member", publisher=False, **extra) -> User:
    user = User.objects.create_user(username, f"{username}@example.com", "pw-" + username, **extra)
    if publisher:
        user.groups.add(publishers_group())
    return user


def publishers_group() -> Group:
    """The group a migration makes; transactional tests flush it, so make it again if needed."""
    group, created = Group.objects.get_or_create(name="Publishers")
    if created:
        group.permissions.add(
            Permission.objects.get(content_type__app_label="catalog", codename="publish_skill")
        )
    return group


def make_skill(kind="command", name="review", text=GOOD_COMMAND, author=None, publish=False):
    result = Skill.create(kind, name, text, author)
    skill = Skill.objects.get(pk=result.version.skill_id)
    if publish:
        skill.publish(result.version, author)
    return skill


def publish_pdf_folder(author) -> Skill:
    """The pdf skill published at version 2: its SKILL.md alone, then with its files."""
    text, files = pdf_skill()
    pdf = make_skill("skill", "pdf", text, author=author)
    pdf.save_version(text, author, files=files)
    pdf.publish(pdf.latest, author)
    return pdf


def numbered_lines(count: int, prefix: str = "line") -> str:
    """A body whose lines are separated by unchanging lines, so that edits to
    different numbered lines never touch each other in a three-way merge."""
    lines = ["---", "description: Numbered lines", "---"]
    for i in range(count):
        lines += [f"{prefix} {i}", f"keep {i}"]
    return "\n".join(lines) + "\n"


def run_command(*args) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of a manage.py command run in this process."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exit:
        code = exit.code
    return code, out.getvalue(), err.getvalue()


# Every detail a plugin can have, set: what tests of plugin.json and marketplace.json read.
PLUGIN_DETAILS = {
    "description": "What every team starts with",
    "author": "Jane Doe <jane@example.com>",
    "homepage": "https://example.com/kit",
    "license": "MIT",
    "keywords": ["git", "review"],
    "category": "productivity",
}


def make_plugin(name="team-kit", skills=(), user=None, release=False, **details):
    """A plugin holding `skills` (published items), released once if `release` is true
    (True for the proposed version, or a version string)."""
    from catalog.models import Plugin

    plugin = Plugin.create(name, user, **details)
    if skills:
        plugin.set_items(skills, user)
    if release:
        plugin.release(user, version="" if release is True else release, notes="First release")
    return plugin


def run_together(*actions) -> tuple[list, list[Exception]]:
    """Run each action in a thread of its own, started at one barrier: their results and
    their errors (for races on PostgreSQL; each thread closes its connections)."""
    import threading

    from django.db import connections

    start = threading.Barrier(len(actions))
    results, errors = [], []

    def run(action):
        try:
            start.wait()
            results.append(action())
        except Exception as error:  # collected and asserted by the caller
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def raw(sql: str, params: list) -> None:
    """Run SQL past the ORM, as a script or a psql session would."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def raw_refused(sql: str, params: list) -> str:
    """Run raw SQL in a savepoint and return the database's refusal."""
    with pytest.raises(DatabaseError) as refusal, transaction.atomic():
        raw(sql, params)
    return str(refusal.value)
