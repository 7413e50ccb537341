"""`gridgov backup FILE`: the whole database into one file with a manifest (see gridgov.ops.services)."""
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from gridgov.ops import services


class Command(BaseCommand):
    help = "Back up the whole database into FILE (SQLite online backup or pg_dump) with row counts and checksums."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--database", default="default")
        parser.add_argument("--json", action="store_true", help="print the summary as one JSON object")

    def handle(self, file, database, json=False, **options):
        try:
            manifest = services.backup(file, using=database)
        except services.BackupError as e:
            raise CommandError(str(e)) from e
        summary = _summary(manifest, file)
        if json:
            self.stdout.write(_dumps(summary))
        else:
            self.stdout.write(_("Backup written to %(file)s: %(tables)d tables, %(rows)d rows, %(mb).1f MB, %(seconds)s s.") % summary)


def _summary(manifest, file):
    return {
        "file": str(file), "engine": manifest["engine"], "tables": len(manifest["tables"]),
        "rows": sum(t["rows"] for t in manifest["tables"].values()),
        "mb": manifest["data"]["bytes"] / 1e6, "seconds": manifest.get("seconds"),
    }


def _dumps(obj):
    return json.dumps(obj, ensure_ascii=False)
