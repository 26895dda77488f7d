"""The catalog under load: the demo content, a few hundred generated published items,
and an editor account for the preview traffic. Needs Django set up on the load database.
"""

import io
import random
import secrets

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction

from catalog.models import Kind, Skill

WORDS = (
    "review", "deploy", "release", "tests", "diff", "docs", "security", "refactor",
    "python", "frontend", "backend", "planning", "commit", "branch", "schema", "cache",
)  # fmt: skip
TAGS = ("git", "review", "testing", "docs", "release", "security", "python", "deploy")
EDITOR = "loadtest-editor"


def item_text(kind: str, name: str, rng: random.Random) -> str:
    """A file of a few KB with the usual ingredients: lists, a table, fenced code."""

    def sentence() -> str:
        return " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 14))).capitalize() + "."

    front = [f"description: {sentence()}"]
    if kind != Kind.COMMAND:
        front.insert(0, f"name: {name}")
    else:
        front.append("allowed-tools: Bash(git diff:*), Read")
    if rng.random() < 0.1:
        front[-1] += " lighthouse"  # a rarer word, for a search with few hits
    body = [f"# {name}", "", " ".join(sentence() for _ in range(4)), ""]
    body += [f"- {sentence()}" for _ in range(rng.randint(3, 8))]
    body += ["", "| step | what |", "|---|---|", "| 1 | `git status` |", "| 2 | read it |", ""]
    body += ["```python", "def main():", "    return sorted(set(open('x').read().split()))", "```"]
    body += ["", " ".join(sentence() for _ in range(rng.randint(4, 12)))]
    return "---\n" + "\n".join(front) + "\n---\n" + "\n".join(body) + "\n"


def seed_catalog(generated: int, seed: int = 5) -> tuple[list[tuple[str, str]], str]:
    """Migrate, load the demo, add `generated` published items and the editor account.

    Returns the published items as (kind, name) and the editor's password.
    """
    call_command("migrate", interactive=False, verbosity=0)
    call_command("load_demo", stdout=io.StringIO())  # its admin password is not needed
    User = get_user_model()
    author = User.objects.filter(is_superuser=True).order_by("pk").first()
    rng = random.Random(seed)
    kinds = list(Kind.values)
    with transaction.atomic():
        for number in range(generated):
            kind = kinds[number % len(kinds)]
            name = f"{rng.choice(WORDS)}-{rng.choice(WORDS)}-{number}"
            result = Skill.create(kind, name, item_text(kind, name, rng), author, "Generated")
            skill = result.version.skill
            skill.publish(result.version, author)
            skill.set_tags(rng.sample(TAGS, k=rng.randint(0, 3)))
    password = secrets.token_urlsafe(16)
    User.objects.create_user(EDITOR, f"{EDITOR}@localhost", password)
    items = list(Skill.objects.public().order_by("pk").values_list("kind", "name"))
    return items, password
