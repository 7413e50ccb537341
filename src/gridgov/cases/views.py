"""Case pages: report a case, my tasks, case detail with its actions, the list, the open-cases map
and the KPIs. Thin: reads go through kpi.visible_cases()/scoping, changes through services."""
import datetime as dt
import os
import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from gridgov.hierarchy import geo
from gridgov.hierarchy.models import CELL_KINDS, District, Node
from gridgov.hierarchy.services import STEPLEN
from gridgov.participation.services import mediation as mediation_services
from gridgov.people import pii, roles, scoping

from . import forms, kpi, services
from . import permissions as perms
from .models import Attachment, Case, Evaluation, Transition
from .workflow import ACTIONS, ACTIVE_STATES, available

PAGE_SIZE = 50


def _system_label(action):
    """Label of a timeline entry that is no action of the state machine (built per request so
    that the user's language applies)."""
    return {
        "report": _("Reported"),
        "warn": _("Deadline near"),
        "overdue": _("Overdue"),
        "auto_escalate": _("Escalated automatically"),
    }.get(action, action)


def _district_of(request):
    """The district the user works in; a superuser without posts picks one with ?district=CODE."""
    district = scoping.user_district(request.user)
    if district is None:
        person = perms.person_of(request.user)
        district = person.district if person is not None else None
    if district is None and request.user.is_superuser:
        code = request.GET.get("district") or request.POST.get("district")
        district = District.objects.filter(code=code).first() if code else District.objects.order_by("code").first()
    return district


def _require_view(request):
    if not scoping.can(request.user, roles.VIEW):
        raise PermissionDenied


def _visible_case(request, number):
    case = (kpi.visible_cases(request.user).select_related("category", "category__parent", "district", "grid", "department", "reporter")
            .filter(number=number).first())
    if case is None:
        raise Http404
    return case


# ---------------------------------------------------------------- photos


def photo_storage():
    """Where case photos live: MEDIA_ROOT (var/media), served only through the scoped photo view."""
    return default_storage


def save_photos(case, photos, transition=None):
    """Store checked photos (forms.PhotosField) under random names and record them."""
    storage = photo_storage()
    today = timezone.localdate()
    for photo in photos:
        # The storage name is ours alone: the user's file name is only shown, never used as a path.
        stored = storage.save(f"cases/{today:%Y/%m}/{uuid.uuid4().hex}{os.path.splitext(photo['name'])[1]}", photo["file"])
        Attachment.objects.create(case=case, transition=transition, file=stored, name=photo["name"],
                                  content_type=photo["content_type"], size=photo["size"])


@require_GET
def attachment(request, number, pk):
    case = _visible_case(request, number)
    item = Attachment.objects.filter(case=case, pk=pk).first()
    if item is None:
        raise Http404
    try:
        handle = photo_storage().open(item.file.name, "rb")
    except FileNotFoundError:
        raise Http404
    response = FileResponse(handle, content_type=item.content_type, as_attachment=False, filename=item.name)
    response["Cache-Control"] = "private, max-age=3600"
    return response


# ---------------------------------------------------------------- report a case


def _map_source(user):
    """GeoJSON of the user's area for the picker: their home node's map when they may view it,
    else (a resident) the grid around their home."""
    home = scoping.home_node(user)
    if home is not None and scoping.can(user, roles.VIEW, home):
        return reverse("hierarchy:node_map", args=[home.pk])
    return reverse("cases:report_area")


@require_GET
def report_area(request):
    """The outline of the grid around the user's home (for users who may not open node pages)."""
    home = scoping.home_node(request.user)
    person = perms.person_of(request.user)
    home = home or (person.home if person is not None else None)
    features = []
    if home is not None:
        ancestors = [home.path[:i] for i in range(STEPLEN, len(home.path) + 1, STEPLEN)]
        cell = (Node.objects.filter(district_id=home.district_id, kind__in=CELL_KINDS, polygon__isnull=False, path__in=ancestors)
                .order_by("-depth").first())
        if cell is not None:
            features.append({"type": "Feature", "geometry": cell.polygon,
                             "properties": {"id": cell.pk, "code": cell.code, "name": cell.name, "kind": cell.kind, "role": "self"}})
    return JsonResponse({"type": "FeatureCollection", "features": features})


@require_http_methods(["GET", "POST"])
def report(request):
    district = _district_of(request)
    if district is None:
        return render(request, "cases/report.html", {"no_district": True}, status=403)
    modes = forms.report_modes(request.user)
    if request.method == "POST":
        form = forms.ReportForm(district, modes, request.POST, request.FILES)
        if form.is_valid():
            try:
                case, created = _intake(request, district, form)
            except services.CaseError as exc:
                form.add_error(None, str(exc))
            else:
                if not created:
                    messages.info(request, _("This report had already been received: here it is."))
                return redirect("cases:report_done", number=case.number)
    else:
        form = forms.ReportForm(district, modes, initial={"idem_key": forms.new_idem_key(request.user)})
    return render(request, "cases/report.html", {
        "form": form, "district": district, "map_src": _map_source(request.user), "max_photos": forms.MAX_PHOTOS,
    }, status=400 if form.is_bound else 200)


def _intake(request, district, form):
    data, user = form.cleaned_data, request.user
    mode = data["mode"]
    if mode in ("patrol", "staff"):
        # Staff report within the grids they serve; requests from elsewhere go through the desk.
        where = geo.locate(district, data["lon"], data["lat"])
        if where is not None and not perms.can_report(user, Node(path=where.grid_path)):
            raise services.CaseError(_("The position is outside the grids you serve."))
    person = perms.person_of(user)
    on_behalf = mode in forms.ON_BEHALF
    with transaction.atomic():
        case, created = services.intake(
            district, category=data["category"], lon=data["lon"], lat=data["lat"], description=data["description"],
            source=form.source, user=user, reporter=None if on_behalf else person,
            reporter_name=data["reporter_name"].strip() if on_behalf else "",
            reporter_phone=data["reporter_phone"] if on_behalf else "",
            address=data["address"].strip(), idem_key=data["idem_key"],
        )
        if created and data["photos"]:
            save_photos(case, data["photos"], Transition.objects.filter(case=case, action="report").first())
    return case, created


@require_GET
def report_done(request, number):
    case = _visible_case(request, number)
    return render(request, "cases/report_done.html", {"case": case, "duplicates": _duplicates(request.user, case)})


def _duplicates(user, case):
    near = services.possible_duplicates(case)
    if not near:
        return []
    seen = set(kpi.visible_cases(user).filter(pk__in=[c.pk for c in near]).values_list("pk", flat=True))
    return [c for c in near if c.pk in seen]


# ---------------------------------------------------------------- my tasks


@require_GET
def tasks(request):
    buckets = kpi.task_buckets(request.user)
    return render(request, "cases/tasks.html", {"buckets": buckets, "total": sum(b["count"] for b in buckets), "now": timezone.now()})


# ---------------------------------------------------------------- case detail and actions


@require_http_methods(["GET", "POST"])
def detail(request, number):
    case = _visible_case(request, number)
    bound, error, status = None, None, 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            version = int(request.POST.get("version", ""))
        except ValueError:
            version = None
        if version != case.version:
            # The page was read before someone else acted: its buttons may no longer hold.
            error, status = {"kind": "conflict", "text": _("Someone else changed this case just now. Reload it and try again.")}, 409
        elif action not in {a.name for a in available(request.user, case)}:
            error, status = {"kind": "forbidden", "text": _("You may not take this action on this case now.")}, 403
        else:
            bound = forms.ActionForm(action, case, request.POST, request.FILES)
            if bound.is_valid():
                outcome = _act(request, case, bound)
                if outcome is None:
                    return _after_action(request, case)
                error, status = outcome
            else:
                status = 400
        case = _visible_case(request, number)  # show what the case is now
    return render(request, "cases/detail.html", _detail_context(request, case, bound, error), status=status)


def _act(request, case, form):
    """Take the action; None on success, else (error, status)."""
    action = form.cleaned_data["action"]
    try:
        with transaction.atomic():
            services.transition(case, action, request.user, comment=form.cleaned_data["comment"].strip(), **form.params())
            if form.cleaned_data["photos"]:
                record = Transition.objects.filter(case=case, action=action).order_by("-at", "-id").first()
                save_photos(case, form.cleaned_data["photos"], record)
    except services.Conflict as exc:
        return {"kind": "conflict", "text": str(exc)}, 409
    except services.NotAllowed as exc:
        return {"kind": "forbidden", "text": str(exc)}, 403
    except services.CaseError as exc:
        return {"kind": "invalid", "text": str(exc), "action": action}, 400
    messages.success(request, _("Done: %(action)s.") % {"action": ACTIONS[action].label})
    return None


def _transition_details(data):
    """Readable parameters of a timeline entry (departments, days, rating, reason, level)."""
    parts = []
    if data.get("departments"):
        parts.append("、".join(data["departments"]))
    if data.get("days"):
        parts.append(_("%(n)s working days") % {"n": f"{data['days']:g}"})
    if data.get("rating"):
        parts.append(str(dict(Evaluation.RATINGS).get(data["rating"], data["rating"])))
    if data.get("reason"):
        parts.append(_("duplicate of %(number)s") % {"number": data.get("duplicate_of", "")} if data["reason"] == "duplicate" else _("invalid"))
    if data.get("level"):
        parts.append(str(dict(Case.LEVELS).get(data["level"], data["level"])))
    return parts


def _after_action(request, case):
    # Returning a case to the dispatcher (for one) can take it out of the user's sight.
    if kpi.visible_cases(request.user).filter(pk=case.pk).exists():
        return redirect("cases:detail", number=case.number)
    return redirect("cases:tasks")


def _detail_context(request, case, bound, error):
    user = request.user
    actions = available(user, case)
    action_forms = []
    for a in actions:
        form = bound if bound is not None and bound.action == a.name else forms.ActionForm(a.name, case)
        if error and error.get("action") == a.name:
            form.add_error(None, error["text"])
            error = None  # shown in its form
        action_forms.append({"action": a, "form": form})
    transitions = list(case.transitions.prefetch_related("attachments"))
    states = dict(Case.STATES)
    for t in transitions:
        t.label = ACTIONS[t.action].label if t.action in ACTIONS else _system_label(t.action)
        t.details = _transition_details(t.data or {})
        t.from_label, t.to_label = states.get(t.from_state, t.from_state), states.get(t.to_state, t.to_state)
    now = timezone.now()
    grid_visible = scoping.can(user, roles.VIEW, case.grid)
    return {
        "case": case,
        "actions": action_forms,
        "error": error,  # what no form of the page shows
        "transitions": transitions,
        "photos": list(case.attachments.order_by("uploaded_at", "pk")),
        "duplicates": _duplicates(user, case) if case.state in ACTIVE_STATES else [],
        "assignments": list(case.assignments.select_related("department").order_by("-lead", "department__code")),
        "evaluations": list(case.evaluations.order_by("at")),
        "overdue": case.state in ACTIVE_STATES and (case.overdue_at is not None or (case.deadline and case.deadline < now)),
        # Masked like every other phone of the platform: a clear value needs a logged reveal, and
        # people.AccessLog records reveals of Person rows only (see the report's proposed patch).
        "reporter_phone": pii.mask_phone(case.reporter_phone),
        "grid_visible": grid_visible,
        # A dispute a patrol found is mediated in the participation app: its mediations, and the way in.
        "mediations": list(mediation_services.mediations(user).filter(case=case)),
        "can_mediate": case.grid_id is not None and mediation_services.can_mediate(user, case.grid),
        "point": {"lon": case.lon, "lat": case.lat, "grid": case.grid.polygon, "label": case.number},
    }


# ---------------------------------------------------------------- list and map


@require_GET
def case_list(request):
    district = _district_of(request)
    form = forms.CaseFilterForm(district, request.GET or None)
    qs = kpi.visible_cases(request.user).select_related("category", "category__parent", "grid", "department").order_by("-reported_at", "-pk")
    if district is not None and not request.user.is_superuser:
        # Redundant with the scope, but lets the database walk its (district, reported_at) index.
        qs = qs.filter(district=district)
    if form.is_bound:
        qs = form.filter(qs, district, user=request.user)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "cases/list.html", {"form": form, "page": page, "query": query.urlencode(), "now": timezone.now()})


@require_GET
def case_map(request):
    home = scoping.home_node(request.user)
    outline = reverse("hierarchy:node_map", args=[home.pk]) if home is not None and scoping.can(request.user, roles.VIEW, home) else ""
    return render(request, "cases/map.html", {"outline_src": outline, "limit": kpi.MAP_LIMIT})


@require_GET
def case_map_geojson(request):
    district = None if request.user.is_superuser else _district_of(request)
    return JsonResponse(kpi.open_cases_geojson(request.user, district=district))


# ---------------------------------------------------------------- KPIs


def _kpi_request(request):
    _require_view(request)
    district = _district_of(request)
    if district is None:
        raise Http404
    form = forms.KpiForm(request.GET or None)
    group = form.cleaned_data.get("group") if form.is_bound and form.is_valid() else None
    group = group or "department"
    start, end, month = form.period(district)
    rows = kpi.kpi_table(district, group, start, end, user=request.user)
    return district, form, group, start, end, month, rows


def _period_label(start, end):
    last = (end - dt.timedelta(seconds=1)).date()
    return f"{start.date():%Y-%m-%d} – {last:%Y-%m-%d}"


@require_GET
def kpi_page(request):
    district, form, group, start, end, month, rows = _kpi_request(request)
    query = request.GET.copy()
    for row in rows:
        row["cells"] = [{"key": key, "kind": kind, "value": row[key], "percent": None if row[key] is None else 100 * row[key]}
                        for key, _label, kind in kpi.COLUMNS]
    return render(request, "cases/kpi.html", {
        "district": district, "form": form, "group": group, "group_label": dict(kpi.GROUPS)[group], "rows": rows,
        "columns": kpi.COLUMNS, "period": _period_label(start, end), "month": month,
        "weights": kpi.weights_for(district), "query": query.urlencode(),
    })


@require_GET
def kpi_export(request):
    # Every export needs EXPORT (a grid worker reads the KPI page but does not download it).
    if not scoping.can(request.user, roles.EXPORT):
        raise PermissionDenied
    district, form, group, start, end, month, rows = _kpi_request(request)
    title = f"{district.name} · {dict(kpi.GROUPS)[group]} · {_period_label(start, end)}"
    body = kpi.kpi_workbook(rows, title, dict(kpi.GROUPS)[group])
    response = HttpResponse(body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="kpi-{district.code}-{group}-{start.date():%Y%m%d}.xlsx"'
    return response


@require_http_methods(["GET", "POST"])
def hotline_import(request):
    """Upload a hotline CSV (12345 热线工单): all rows or none, every error by row and column."""
    district = scoping.user_district(request.user)
    if district is None or not any(perms.DISPATCH in perms.CASE_PERMS.get(p.role, ()) for p in scoping.active_posts(request.user)):
        raise PermissionDenied
    result = None
    if request.method == "POST":
        from .hotline import HotlineImport, import_hotline_csv

        if request.FILES.get("file") is None:  # sent without a file: say so rather than show the empty form
            result = HotlineImport(errors=[(0, "", _("Choose a file to upload."))])
        else:
            result = import_hotline_csv(district, request.user, request.FILES["file"])
        if result.ok:
            messages.success(request, _("%(created)d cases created, %(duplicates)d tickets already imported.") % {"created": result.created, "duplicates": result.duplicates})
            return redirect("cases:hotline_import")
    from .hotline import COLUMNS

    return render(request, "cases/hotline_import.html", {"district": district, "result": result, "columns": COLUMNS})


@require_GET
def patrol(request):
    """The grid worker's patrol page on a phone: start, track and end today's patrol (the API does the work)."""
    from .models import Patrol

    person = perms.person_of(request.user)
    if person is None or not perms.can_report(request.user, scoping.home_node(request.user) or Node(path="~")):
        raise PermissionDenied
    today = timezone.localdate()
    patrols = list(Patrol.objects.filter(person=person, day=today).select_related("grid").order_by("-started_at"))
    active = next((p for p in patrols if p.ended_at is None), None)
    return render(request, "cases/patrol.html", {"patrols": patrols, "active": active, "today": today})
