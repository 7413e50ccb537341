"""`gridgov restore FILE`: a backup back into the configured database, verified table by table.
Refuses a non-empty database unless --force; stop the app servers and the worker first."""
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from gridgov.ops import services

from .backup import _dumps, _summary


class Command(BaseCommand):
    help = "Restore a backup made by `gridgov backup` and verify row counts and checksums of every table."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--database", default="default")
        parser.add_argument("--force", action="store_true", help="overwrite a database that is not empty")
        parser.add_argument("--check", action="store_true", help="only check that FILE is a complete, undamaged backup")
        parser.add_argument("--json", action="store_true", help="print the summary as one JSON object")

    def handle(self, file, database, force=False, check=False, json=False, **options):
        try:
            if check:
                manifest = services.verify_file(file)
            else:
                manifest = services.restore(file, using=database, force=force)
        except services.BackupError as e:
            raise CommandError(str(e)) from e
        summary = _summary(manifest, file)
        if json:
            self.stdout.write(_dumps(summary))
        elif check:
            self.stdout.write(_("%(file)s is a complete backup: %(tables)d tables, %(rows)d rows.") % summary)
        else:
            self.stdout.write(_("Restored %(file)s: %(tables)d tables, %(rows)d rows, counts and checksums verified, %(seconds)s s.") % summary)
            self.stdout.write(_("If this gridgov is newer than the backup, run `gridgov migrate` now."))
