"""Pages of the quality index: the colour grades, an organisation's scorecard for a month, the
records behind one score (drill-through), the index runs with their queue, and manual-score entry."""
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _, gettext_lazy as _l

from gridgov.orgs.models import PartyOrg
from gridgov.people import roles, scoping

from .errors import AssessmentError, NotAllowed
from .models import Grade, GradeBand, IndexRun, Indicator, Scheme
from .services import index as svc

PAGE = 50
EVIDENCE_LIMIT = 200


def _require(request, perm):
    if not scoping.can(request.user, perm):
        raise PermissionDenied


def _month_or_none(text):
    if not text:
        return None
    try:
        return svc.parse_month(text)
    except AssessmentError:
        return None


def grades(request):
    _require(request, roles.VIEW)
    month = _month_or_none(request.GET.get("month"))
    node = None
    if (request.GET.get("node") or "").isdigit():
        node = scoping.scoped_nodes(request.user).filter(pk=int(request.GET["node"])).first()
    band = int(request.GET["band"]) if (request.GET.get("band") or "").isdigit() else None
    q = (request.GET.get("q") or "").strip()
    month, qs = svc.grades(request.user, month, node, band, q)
    page = Paginator(qs, PAGE).get_page(request.GET.get("page"))
    scheme_ids = {g.scheme_id for g in page}
    district = scoping.user_district(request.user)
    bands = GradeBand.objects.filter(scheme__district=district, scheme__active=True) if district else GradeBand.objects.filter(scheme_id__in=scheme_ids)
    months = sorted(set(scoping.scope(Grade.objects.all(), request.user, "node_path")
                        .values_list("month", flat=True).distinct().order_by()), reverse=True)[:24]
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "assessment/index_grades.html", {
        "page": page, "month": month, "month_label": svc.month_label(month) if month else "",
        "months": [svc.month_label(m) for m in months], "node": node, "band": band, "q": q,
        "bands": bands.select_related("scheme").order_by("scheme_id", "rank"), "query": params.urlencode(),
        "can_run": scoping.can(request.user, roles.CONFIGURE), "can_assess": scoping.can(request.user, roles.ASSESS),
    })


def org_month(request, org_id, month):
    _require(request, roles.VIEW)
    day = _month_or_none(month)
    org = PartyOrg.objects.select_related("node").filter(pk=org_id).first()
    if day is None or org is None:
        raise Http404
    found = svc.scorecard(request.user, org, day)
    if found is None:
        raise Http404
    grade, scores = found
    categories = []
    for s in scores:
        name = s.indicator.category.name if s.indicator.category_id else ""
        if not categories or categories[-1][0] != name:
            categories.append((name, []))
        categories[-1][1].append(s)
    return render(request, "assessment/index_org_month.html", {
        "org": org, "grade": grade, "categories": categories, "month": day, "month_label": svc.month_label(day),
        "previous": svc.month_label(svc.comp.add_months(day, -1)), "next": svc.month_label(svc.comp.add_months(day, 1)),
        "can_assess": scoping.can(request.user, roles.ASSESS, org.node),
    })


def _cell(obj, name):
    value = obj
    for part in name.split("__"):
        value = getattr(value, part, None)
        if value is None:
            return ""
    display = getattr(obj, f"get_{name}_display", None)
    if display is not None and "__" not in name:
        return display()
    return value


# The columns shown for each kind of record on the evidence page.
EVIDENCE_COLUMNS = {
    "assessment.meeting": [("start", _l("Starts at")), ("kind", _l("Kind")), ("title", _l("Title")), ("party_org__name", _l("Organisation"))],
    "assessment.attendance": [("meeting__start", _l("Starts at")), ("meeting__title", _l("Meeting")), ("member__person__name", _l("Party member")), ("status", _l("Status"))],
    "assessment.pointsaccount": [("member__person__name", _l("Party member")), ("year", _l("Year")), ("total", _l("Total"))],
    "assessment.listitem": [("title", _l("Title")), ("due", _l("Due")), ("state", _l("State")), ("done_on", _l("Done on"))],
    "assessment.manualscore": [("points", _l("Points")), ("evidence", _l("Evidence")), ("assessor", _l("Assessor")), ("at", _l("At"))],
    "orgs.partyorg": [("name", _l("Name")), ("kind", _l("Kind")), ("node__name", _l("Node")), ("meets_standard", _l("Meets the standard"))],
    "orgs.expandedcommitteemember": [("committee__name", _l("Expanded committee")), ("name", _l("Name")), ("unit_name", _l("Unit")), ("role", _l("Role")), ("external", _l("External member"))],
    "people.servicerecord": [("day", _l("Day")), ("person__name", _l("Person")), ("what", _l("Service")), ("hours", _l("Hours")), ("node__name", _l("Node"))],
    "people.trainingrecord": [("day", _l("Day")), ("person__name", _l("Person")), ("course", _l("Course")), ("hours", _l("Hours"))],
    "hierarchy.node": [("code", _l("Code")), ("name", _l("Name"))],
    "cases.case": [("number", _l("Number")), ("category__name", _l("Category")), ("reported_at", _l("Reported at")), ("state", _l("State")), ("closed_at", _l("Closed at")), ("closed_on_time", _l("On time"))],
    "cases.evaluation": [("case__number", _l("Case")), ("rating", _l("Rating")), ("at", _l("At")), ("comment", _l("Comment"))],
}


# What the notes a computation leaves in the evidence mean.
NOTES = {
    "no secretary": _l("The organisation has no secretary on record."),
    "no committee": _l("There is no expanded committee at the organisation's node or above."),
    "centre": _l("A service centre is within reach."),
    "no centre": _l("No service centre in the area or above it: half points."),
}


def score(request, pk):
    _require(request, roles.VIEW)
    found = svc.score_for(request.user, pk)
    if found is None:
        raise Http404
    ev = found.evidence or {}
    records = svc.evidence_records(request.user, found)
    rows, count, columns, manual = [], 0, [], None
    if records is not None:
        label = ev["model"]
        columns = EVIDENCE_COLUMNS.get(label, [("pk", "#")])
        count = records.count()
        objects = list(records[:EVIDENCE_LIMIT])
        complete = {}
        if ev.get("checklist"):
            from gridgov.orgs.services import staffing_many

            complete = {s.grid.pk: s.complete for s in staffing_many(objects)}
        for obj in objects:
            cells = [_cell(obj, name) for name, _label in columns]
            if ev.get("checklist"):
                cells.append(_("Complete") if complete.get(obj.pk) else _("Incomplete"))
            link = None
            if label == "cases.case":
                link = f"/cases/{obj.number}/"
            elif label == "hierarchy.node":
                link = reverse("hierarchy:node", args=[obj.pk])
            rows.append((link, cells))
        columns = [str(c) for _n, c in columns] + ([_("Grid staffing")] if ev.get("checklist") else [])
        if label == "assessment.manualscore" and objects:
            manual = objects[0]
    return render(request, "assessment/index_score.html", {
        "score": found, "rows": rows, "columns": columns, "count": count, "limit": EVIDENCE_LIMIT,
        "note": NOTES.get(ev.get("note", ""), ev.get("note", "")), "honours": ev.get("honours"), "manual": manual, "has_records": records is not None,
        "month_label": svc.month_label(found.month),
    })


def runs(request):
    _require(request, roles.CONFIGURE)
    district_ids = {p.district_id for p in scoping.active_posts(request.user) if roles.CONFIGURE in roles.ROLES[p.role].perms}
    schemes = Scheme.objects.filter(active=True)
    qs = IndexRun.objects.select_related("scheme", "requested_by")
    if not request.user.is_superuser:
        schemes = schemes.filter(district_id__in=district_ids)
        qs = qs.filter(district_id__in=district_ids)
    error = None
    if request.method == "POST":
        scheme = schemes.filter(pk=request.POST.get("scheme") or 0).first()
        try:
            if scheme is None:
                raise AssessmentError(_("Choose a scheme."))
            run = svc.queue_run(request.user, scheme, request.POST.get("month"))
            messages.success(request, _("The run of %(month)s is queued; the worker will compute it.") % {"month": svc.month_label(run.month)})
            return redirect("assessment:runs")
        except NotAllowed:
            raise PermissionDenied from None
        except AssessmentError as exc:
            error = str(exc)
    page = Paginator(qs.order_by("-requested_at", "-pk"), PAGE).get_page(request.GET.get("page"))
    return render(request, "assessment/index_runs.html", {
        "page": page, "schemes": schemes.order_by("district_id", "name"), "error": error,
        "month": request.POST.get("month") or svc.month_label(svc.comp.add_months(timezone.localdate().replace(day=1), -1)),
    })


def manual_score(request):
    _require(request, roles.ASSESS)
    data = request.POST if request.method == "POST" else request.GET
    district = scoping.user_district(request.user)
    indicators = Indicator.objects.filter(scheme__active=True, kind__in=[Indicator.MANUAL, Indicator.VETO, Indicator.BONUS], computation="")
    if not request.user.is_superuser:
        indicators = indicators.filter(scheme__district=district)
    indicators = indicators.select_related("scheme").order_by("scheme_id", "order")
    orgs = scoping.scope(PartyOrg.objects.select_related("node"), request.user, "node__path", roles.ASSESS).order_by("node__path", "pk")
    error = None
    if request.method == "POST":
        indicator = indicators.filter(pk=data.get("indicator") or 0).first()
        org = orgs.filter(pk=data.get("org") or 0).first()
        try:
            if indicator is None or org is None:
                raise AssessmentError(_("Choose an organisation in your area and a manually scored indicator."))
            ms = svc.enter_manual_score(request.user, indicator, org, data.get("month"), data.get("points"),
                                        data.get("evidence"), request.FILES.get("attachment"))
            messages.success(request, _("The score is saved; it counts from the next run of %(month)s.") % {"month": svc.month_label(ms.month)})
            return redirect(f"{reverse('assessment:manual_score')}?org={org.pk}&month={svc.month_label(ms.month)}")
        except NotAllowed as exc:
            error = str(exc)
        except AssessmentError as exc:
            error = str(exc)
    org_count = orgs.count()
    return render(request, "assessment/index_manual.html", {
        "indicators": indicators, "orgs": orgs[:2000], "org_count": org_count, "error": error,
        "values": {k: data.get(k, "") for k in ("org", "indicator", "month", "points", "evidence")},
    }, status=422 if error else 200)
