"""The community-worker appraisal page: a year and a unit (community) in the user's ASSESS scope, a grade
per worker saved all at once, the counts against the unit's excellent quota shown and enforced."""
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.people import roles, scoping
from gridgov.people.models import CommunityWorker

from .errors import AssessmentError
from .models import WorkerAppraisal
from .services import appraisal as services


def _int(value, default=None):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def appraisal_list(request):
    if not scoping.can(request.user, roles.ASSESS):
        raise PermissionDenied
    today = timezone.localdate()
    # The annual appraisal is of the last finished year until the year ends.
    year = _int(request.GET.get("year") or request.POST.get("year"), today.year - 1)
    if not 2000 <= year <= 2100:
        year = today.year - 1
    units = scoping.scoped_nodes(request.user, roles.ASSESS).filter(kind="community").select_related("district").order_by("path")
    unit_id = _int(request.GET.get("unit") or request.POST.get("unit"))
    unit = units.filter(pk=unit_id).first() if unit_id else units.first()
    if unit_id and unit is None:
        raise PermissionDenied
    workers = list(CommunityWorker.objects.filter(node=unit).select_related("person").order_by("post_category", "-level", "pk")) if unit else []
    current = {a.worker_id: a for a in WorkerAppraisal.objects.filter(unit=unit, year=year)} if unit else {}
    error = None
    submitted = {}
    if request.method == "POST" and unit is not None:
        submitted = {w.pk: request.POST.get(f"grade_{w.pk}", "") for w in workers}
        grades = {pk: g for pk, g in submitted.items() if g}
        comments = {w.pk: request.POST.get(f"comment_{w.pk}", "").strip()[:255] for w in workers if w.pk in grades}
        try:
            if not grades:
                raise AssessmentError(_("Choose a grade for at least one worker."))
            services.appraise_many(unit, year, grades, user=request.user, comments=comments)
        except AssessmentError as exc:
            error = str(exc)
        else:
            messages.success(request, _("The appraisals of %(unit)s for %(year)s are saved.") % {"unit": unit.name, "year": year})
            return redirect(f"{reverse('assessment:appraisals')}?year={year}&unit={unit.pk}")
    rows = []
    for w in workers:
        a = current.get(w.pk)
        grade = submitted.get(w.pk, a.grade if a else "")
        comment = request.POST.get(f"comment_{w.pk}", a.comment if a else "") if submitted else (a.comment if a else "")
        rows.append((w, grade, comment))
    return render(request, "assessment/appraisal_list.html", {
        "year": year, "years": list(range(today.year, today.year - 5, -1)), "units": units, "unit": unit, "rows": rows,
        "grades": WorkerAppraisal.GRADES, "summary": services.unit_summary(unit, year) if unit else None, "error": error,
    })
