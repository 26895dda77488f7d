import secrets
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from catalog.importing import import_entries, read_path
from catalog.models import ChangeRequest, Plugin, Skill

DEMO = Path(__file__).resolve().parent.parent.parent / "demo"
DEMO_PLUGIN = "team-essentials"
# The demo plugin's second release changes one item and adds two, so its release page
# shows a diff, additions and the minor bump they propose.
FIRST_ITEMS = [("command", "git:commit"), ("command", "review-pr"), ("skill", "changelog")]
ADDED_ITEMS = [("skill", "pdf-forms"), ("agent", "security-reviewer")]
# Tags of the demo items, so that the catalog's tag facet has something to filter by.
DEMO_TAGS = {
    ("command", "git:commit"): ["git"],
    ("command", "review-pr"): ["git", "review"],
    ("command", "testing:write-tests"): ["testing"],
    ("skill", "changelog"): ["docs", "git"],
    ("skill", "pdf-forms"): ["docs", "pdf"],
    ("agent", "security-reviewer"): ["review", "security"],
    ("output-style", "terse"): ["writing"],
}
# An open change request on write-tests, with a demo reviewer's line comment, so that
# the editor's review pages have something to show.
WRITE_TESTS_EDIT = (
    "Run them with `pytest -q` and fix what fails before you finish.",
    "Run them with `pytest -q -x` and fix what fails before you finish; never skip a test.",
)
DEMO_REVIEWER = "rita"
REVIEW_PR_EDIT = (
    "Be specific and kind. Do not restate the diff.\n",
    "Be specific and kind. Do not restate the diff. Suggest a fix for every blocking problem.\n",
)


class Command(BaseCommand):
    help = (
        "Load the demo skills and the demo plugin (two releases) once, and create a local "
        "admin when no user exists."
    )

    def handle(self, *args, **options):
        User = get_user_model()
        if not User.objects.exists():
            password = secrets.token_urlsafe(12)
            User.objects.create_superuser("admin", "admin@localhost", password)
            self.stdout.write(
                self.style.SUCCESS(
                    f"Created a local admin. Sign in as admin / {password} "
                    "(shown once; change it in /admin/)."
                )
            )
        admin = User.objects.filter(is_superuser=True).order_by("pk").first()
        if not Skill.objects.exists():
            entries, _ = read_path(DEMO)
            report = import_entries(entries, admin, publish=True)
            self._tag_demo_items()
            self.stdout.write(f"Loaded the demo skills: {report.summary()}")
        if not Plugin.objects.exists() and self._demo_items_present():
            with transaction.atomic():
                plugin = self._demo_plugin(admin)
            versions = ", ".join(r.version for r in plugin.releases.order_by("sequence"))
            self.stdout.write(f"Loaded the demo plugin {plugin.name} (releases {versions}).")
        if not ChangeRequest.objects.exists() and self._demo_items_present():
            with transaction.atomic():
                request = self._demo_request(admin)
            self.stdout.write(f"Opened the demo change request {request}.")

    def _tag_demo_items(self) -> None:
        for (kind, name), tags in DEMO_TAGS.items():
            for skill in Skill.objects.named(kind, name):
                skill.set_tags(tags)

    def _demo_items_present(self) -> bool:
        wanted = FIRST_ITEMS + ADDED_ITEMS
        return all(Skill.objects.public().named(kind, name).exists() for kind, name in wanted)

    def _demo_request(self, admin) -> ChangeRequest:
        """write-tests v2 asked for review by the admin, with a line comment and a request
        for changes by a demo reviewer (who has no password: nobody signs in as her)."""
        skill = Skill.objects.lookup("command", "testing:write-tests")
        old, new = WRITE_TESTS_EDIT
        text = skill.latest_version.text.replace(old, new)
        skill.save_version(text, admin, message="Stop at the first failure")
        request = ChangeRequest.open(
            skill, skill.latest_version, admin, "Stop at the first failure", "`-x` saves time."
        )
        rita = get_user_model().objects.filter(username=DEMO_REVIEWER).first()
        if rita is None:
            rita = get_user_model().objects.create_user(DEMO_REVIEWER)  # unusable password
        line = text.splitlines().index(new) + 1
        request.comment(
            rita, "What if the failure is flaky? Say to rerun it once.", "SKILL.md", "new", line
        )
        request.review(rita, "changes", "Almost: see the comment on the last line.")
        return request

    def _demo_plugin(self, admin) -> Plugin:
        def items(pairs):
            return [Skill.objects.lookup(kind, name) for kind, name in pairs]

        plugin = Plugin.create(
            DEMO_PLUGIN,
            admin,
            description="The commands, skills and agents every team here starts with",
            author="Skillhub demo <demo@example.com>",
            license="MIT",
            keywords=["git", "review", "docs"],
            category="productivity",
        )
        plugin.set_items(items(FIRST_ITEMS), admin)
        plugin.release(admin, notes="Commit messages, pull request reviews and changelogs.")

        review = Skill.objects.lookup("command", "review-pr")
        old, new = REVIEW_PR_EDIT
        saved = review.save_version(
            review.latest_version.text.replace(old, new), admin, message="Ask for a fix per problem"
        )
        review.publish(saved.version, admin)
        plugin.set_items(items(FIRST_ITEMS + ADDED_ITEMS), admin)
        plugin.release(
            admin,
            notes="Adds the pdf-forms skill and the security-reviewer agent; review-pr now "
            "asks for a fix for every blocking problem.",
        )
        return plugin
