import secrets
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from catalog.importing import import_entries, read_path
from catalog.models import Skill

DEMO = Path(__file__).resolve().parent.parent.parent / "demo"


class Command(BaseCommand):
    help = "Load the demo skills once and create a local admin when no user exists."

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
        if Skill.objects.exists():
            return
        admin = User.objects.filter(is_superuser=True).order_by("pk").first()
        entries, _ = read_path(DEMO)
        report = import_entries(entries, admin, publish=True)
        self.stdout.write(f"Loaded the demo skills: {report.summary()}")
