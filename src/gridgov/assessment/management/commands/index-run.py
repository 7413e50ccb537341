"""`gridgov index-run --district CODE --month YYYY-MM [--queue]`: compute a month of the district's
active index scheme now (printing organisations and seconds), or queue it for `gridgov worker`."""
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from gridgov.assessment.errors import AssessmentError
from gridgov.assessment.models import IndexRun
from gridgov.assessment.services import index as svc
from gridgov.hierarchy.models import District


class Command(BaseCommand):
    help = "Compute (or queue) one month of a district's quality index."

    def add_arguments(self, parser):
        parser.add_argument("--district", required=True, help="the district's division code, e.g. 150105")
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument("--queue", action="store_true", help="queue the run for the worker instead of running it now")

    def handle(self, *args, district, month, queue, **options):
        found = District.objects.filter(code=district.strip()).first()
        if found is None:
            raise CommandError(_("No district with code %(code)s.") % {"code": district})
        scheme = svc.active_scheme(found)
        if scheme is None:
            raise CommandError(_("%(district)s has no active index scheme.") % {"district": found.name})
        try:
            day = svc.parse_month(month)
            if queue:
                run = IndexRun.objects.create(scheme=scheme, district=found, month=day)
                self.stdout.write(_("Queued run %(id)s of %(month)s.") % {"id": run.pk, "month": svc.month_label(day)})
                return
            run = svc.run_month(scheme, day)
        except AssessmentError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(_("%(month)s: %(orgs)s organisations graded in %(seconds).1f s.")
                          % {"month": svc.month_label(day), "orgs": run.orgs, "seconds": run.seconds})
