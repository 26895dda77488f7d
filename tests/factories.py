"""Plain helpers that make the few objects tests need."""

from django.contrib.auth.models import Group, User

from catalog.models import Skill

GOOD_COMMAND = """---
description: Review the staged diff
allowed-tools: Bash(git diff:*)
---
Review the staged diff and list risky changes.
"""


def make_user(username="member", publisher=False, **extra) -> User:
    user = User.objects.create_user(username, f"{username}@example.com", "pw-" + username, **extra)
    if publisher:
        user.groups.add(Group.objects.get(name="Publishers"))
    return user


def make_skill(kind="command", name="review", text=GOOD_COMMAND, author=None, publish=False):
    result = Skill.create(kind, name, text, author)
    skill = Skill.objects.get(pk=result.version.skill_id)
    if publish:
        skill.publish(result.version, author)
    return skill


def numbered_lines(count: int, prefix: str = "line") -> str:
    """A body whose lines are separated by unchanging lines, so that edits to
    different numbered lines never touch each other in a three-way merge."""
    lines = ["---", "description: Numbered lines", "---"]
    for i in range(count):
        lines += [f"{prefix} {i}", f"keep {i}"]
    return "\n".join(lines) + "\n"
