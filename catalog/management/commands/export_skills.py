from django.core.management.base import BaseCommand, CommandError
from django.utils.datastructures import MultiValueDict

from catalog import search
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
        # Read as GET /export.zip reads its query string, so both select the same items.
        try:
            query = search.CatalogQuery.from_params(MultiValueDict({"kind": kind, "tag": tag}))
        except search.BadQuery as error:
            raise CommandError(str(error)) from error
        items = bundle_items(query, latest=latest)
        with open(out, "wb") as file:
            for chunk in iter_bundle(items, fmt):
                file.write(chunk)
        self.stdout.write(f"Wrote {len(items)} items to {out}")
