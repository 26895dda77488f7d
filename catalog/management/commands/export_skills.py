from django.core.management.base import BaseCommand, CommandError

from catalog.exporting import bundle_items, iter_bundle


class Command(BaseCommand):
    help = (
        "Write a reproducible .claude/ bundle of the published "
        "(or, with --latest, the newest) versions."
    )

    def add_arguments(self, parser):
        parser.add_argument("out", metavar="OUT.zip|OUT.tar.gz")
        parser.add_argument("--kind", action="append", default=[], help="only this kind")
        parser.add_argument("--tag", action="append", default=[], help="only items with this tag")
        parser.add_argument(
            "--latest", action="store_true", help="newest version of every item, drafts included"
        )

    def handle(self, *args, out, kind, tag, latest, **options):
        if out.endswith(".zip"):
            fmt = "zip"
        elif out.endswith((".tar.gz", ".tgz")):
            fmt = "tar.gz"
        else:
            raise CommandError("OUT must end in .zip or .tar.gz")
        items = bundle_items(kinds=kind, tags=tag, latest=latest)
        with open(out, "wb") as file:
            for chunk in iter_bundle(items, fmt):
                file.write(chunk)
        self.stdout.write(f"Wrote {len(items)} items to {out}")
