"""`gridgov open311-key --district CODE [--name NAME]`: issue an Open311 api_key and print it once.
Only the key's hash is stored (cases.models_open311.Open311Key); a lost key is replaced, not recovered."""
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from gridgov.cases.models import Open311Key
from gridgov.hierarchy.models import District


class Command(BaseCommand):
    help = "Issue an Open311 api_key for a district (its jurisdiction_id) and print it (shown once)."

    def add_arguments(self, parser):
        parser.add_argument("--district", required=True, help="the district's division code, e.g. 140105")
        parser.add_argument("--name", default="", help="which client application the key is for")

    def handle(self, *args, district, name, **options):
        found = District.objects.filter(code=district.strip()).first()
        if found is None:
            raise CommandError(_("No district with code %(code)s.") % {"code": district})
        if len(name) > Open311Key._meta.get_field("name").max_length:
            raise CommandError(_("The name is too long."))
        key, raw = Open311Key.issue(found, name=name)
        # The key alone on stdout, so that scripts can capture it; the note goes to stderr.
        self.stdout.write(raw)
        self.stderr.write(_("Open311 api_key %(prefix)s… issued for %(district)s (jurisdiction_id %(code)s); it is shown only this once.")
                          % {"prefix": key.prefix, "district": found.name, "code": found.code})
