from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from catalog.models import Plugin, ReleaseError


class Command(BaseCommand):
    help = (
        "Release a plugin: pin each of its items' published version as a new, immutable "
        "release. Without VERSION, the one semver proposes for the changes since the "
        "last release; a given version may be higher, never lower. --dry-run prints the "
        "changes and the proposal and writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", metavar="PLUGIN")
        # Django keeps --version for itself: the version is the optional second argument.
        parser.add_argument("release_version", nargs="?", default="", metavar="VERSION")
        parser.add_argument("--notes", default="", help="release notes")
        parser.add_argument("--user", help="username recorded as the releaser")
        parser.add_argument("--dry-run", action="store_true", help="report, write nothing")

    def handle(self, *args, name, release_version, notes, user, dry_run, **options):
        releaser = None
        if user:
            releaser = get_user_model().objects.filter(username=user).first()
            if releaser is None:
                raise CommandError(f"No user called {user!r}.")
        plugin = Plugin.objects.filter(name=name).first()
        if plugin is None:
            raise CommandError(f"No plugin called {name!r}.")
        try:
            upcoming = plugin.next_release()
            chosen = upcoming.check_version(release_version)
        except ReleaseError as error:
            raise CommandError(" ".join(error.messages)) from None
        self._report(upcoming)
        if dry_run:
            self.stdout.write(f"Would release {name} {chosen} (dry run: nothing written).")
            return
        try:
            release = plugin.release(releaser, version=str(chosen), notes=notes)
        except ReleaseError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(self.style.SUCCESS(f"Released {name} {release.version}."))

    def _report(self, upcoming) -> None:
        changes = upcoming.changes
        previous = upcoming.previous.version if upcoming.previous else "nothing"
        self.stdout.write(f"Since {previous}:")
        for item in changes.added:
            self.stdout.write(f"  added    {item.kind} {item.name} v{item.version}")
        for item in changes.removed:
            self.stdout.write(f"  removed  {item.kind} {item.name}")
        for change in changes.changed:
            new = change.new
            line = f"  changed  {new.kind} {new.name} v{change.old.version} -> v{new.version}"
            self.stdout.write(line)
            for note in change.widened:
                self.stdout.write(f"           widens: {note}")
        if not changes and upcoming.details_changed and upcoming.previous:
            self.stdout.write("  the plugin's details")
        proposed = upcoming.proposed
        why = changes.bump or ("patch" if upcoming.details_changed else "nothing changed")
        self.stdout.write(f"Proposed version: {proposed or '-'} ({why})")
