"""Pages of the three lists and booking: resources (publish, edit, calendar, .ics), bookings, needs with
match suggestions, projects, the per-subdistrict report and the Excel exports. Thin: services decide."""
import datetime as dt
import io

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.shortcuts import render as django_render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from gridgov.hierarchy.models import CELL_KINDS, Node
from gridgov.orgs.models import PartnerUnit
from gridgov.people import roles, scoping

from .errors import ParticipationError
from .models import Booking, Need, Project, Resource
from .models.resources import RESOURCE_KINDS
from .services import resources as services

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WEEKDAY_LABELS = [gettext_lazy("Mon"), gettext_lazy("Tue"), gettext_lazy("Wed"), gettext_lazy("Thu"), gettext_lazy("Fri"),
                  gettext_lazy("Sat"), gettext_lazy("Sun")]


def render(request, template, context=None, status=None):
    # The section menu offers the staff lists only to logins that may read them (residents book).
    context = {**(context or {}), "staff": scoping.can(request.user, roles.VIEW)}
    return django_render(request, template, context, status=status)

def _require_view(request):
    if not scoping.can(request.user, roles.VIEW):
        raise PermissionDenied


def _page(request, qs):
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


def _node_choices(user, kinds):
    nodes = scoping.scoped_nodes(user).filter(kind__in=kinds).order_by("path")[:2000]
    return [(n.pk, ("　" * max(0, n.depth - 2)) + n.name) for n in nodes]


def _xlsx(rows, headers, filename, title):
    wb = Workbook()
    ws = wb.active
    ws.title = str(title)[:31]
    ws.append([str(h) for h in headers])
    for row in rows:
        ws.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    response = HttpResponse(buf.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# ---------------------------------------------------------------- resources

class ResourceForm(forms.Form):
    node = forms.TypedChoiceField(label=gettext_lazy("Offered at"), coerce=int)
    partner_unit = forms.TypedChoiceField(label=gettext_lazy("Partner unit"), coerce=int, required=False, empty_value=None)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=RESOURCE_KINDS)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=128)
    description = forms.CharField(label=gettext_lazy("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    capacity = forms.IntegerField(label=gettext_lazy("Capacity (people)"), required=False, min_value=1)
    lon = forms.FloatField(label=gettext_lazy("Longitude"), required=False, min_value=-180, max_value=180)
    lat = forms.FloatField(label=gettext_lazy("Latitude"), required=False, min_value=-90, max_value=90)
    bookable = forms.BooleanField(label=gettext_lazy("Bookable"), required=False)
    needs_confirmation = forms.BooleanField(label=gettext_lazy("The owner confirms each booking"), required=False)
    slot_minutes = forms.IntegerField(label=gettext_lazy("Slot (minutes)"), initial=60, min_value=15, max_value=480)
    min_slots = forms.IntegerField(label=gettext_lazy("Minimum slots per booking"), initial=1, min_value=1, max_value=48)
    max_slots = forms.IntegerField(label=gettext_lazy("Maximum slots per booking"), initial=4, min_value=1, max_value=48)
    opens = forms.TimeField(label=gettext_lazy("Opens at"), required=False, initial="08:30")
    closes = forms.TimeField(label=gettext_lazy("Closes at"), required=False, initial="17:30")
    days = forms.TypedMultipleChoiceField(label=gettext_lazy("Open on"), coerce=int, required=False,
                                          choices=list(enumerate(WEEKDAY_LABELS)), initial=[0, 1, 2, 3, 4], widget=forms.CheckboxSelectMultiple)

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].choices = _node_choices(user, ("district", "subdistrict", "community"))
        units = PartnerUnit.objects.filter(pk__in=scoping.scope(PartnerUnit.objects.all(), user, "node__path").values("pk")).order_by("name")[:2000]
        self.fields["partner_unit"].choices = [("", _("— the community's own —"))] + [(u.pk, u.name) for u in units]

    def hours(self):
        d = self.cleaned_data
        if not d.get("opens") or not d.get("closes") or not d.get("days"):
            return {}
        return {str(day): [d["opens"].strftime("%H:%M"), d["closes"].strftime("%H:%M")] for day in d["days"]}


def _resource_fields(form):
    d = form.cleaned_data
    return dict(description=d["description"], capacity=d["capacity"], lon=d["lon"], lat=d["lat"], bookable=d["bookable"],
                needs_confirmation=d["needs_confirmation"], slot_minutes=d["slot_minutes"], min_slots=d["min_slots"],
                max_slots=d["max_slots"], opening_hours=form.hours())


def resource_list(request):
    kind = request.GET.get("kind") or ""
    kind = kind if kind in dict(RESOURCE_KINDS) else ""
    bookable = {"1": True, "0": False}.get(request.GET.get("bookable") or "")
    node = None
    if request.GET.get("node"):
        node = scoping.scoped_nodes(request.user).filter(pk=request.GET.get("node")).first() if request.GET.get("node").isdigit() else None
    q = (request.GET.get("q") or "").strip()
    qs = services.resource_list(request.user, kind=kind, node=node, bookable=bookable, q=q)
    return render(request, "participation/resources_list.html", {
        "page": _page(request, qs), "kinds": RESOURCE_KINDS, "kind": kind, "q": q, "bookable": request.GET.get("bookable") or "",
        "node": node, "nodes": _node_choices(request.user, ("subdistrict", "community")),
        "can_publish": scoping.can(request.user, roles.EDIT) or any(p.role == "partner_unit_contact" for p in scoping.active_posts(request.user)),
        "can_export": scoping.can(request.user, roles.EXPORT),
    })


def _resource(request, pk):
    resource = services.visible_resources(request.user).select_related("node", "partner_unit", "district").filter(pk=pk).first()
    if resource is None:
        raise Http404
    return resource


def resource_detail(request, pk):
    resource = _resource(request, pk)
    manager = services.can_manage_resource(request.user, resource.node, resource.partner_unit)
    upcoming = Booking.objects.filter(resource=resource, state__in=Booking.HOLDING, end__gte=timezone.now()).order_by("start")[:20]
    return render(request, "participation/resources_detail.html", {
        "resource": resource, "manager": manager, "upcoming": upcoming, "blocked": resource.blocked.filter(end__gte=timezone.now()),
        "projects": services.projects(request.user).filter(resources=resource)[:20], "book_form": BookingForm(resource),
        "hours": _hours_rows(resource),
    })


def _hours_rows(resource):
    return [(WEEKDAY_LABELS[int(d)], span) for d, span in sorted((resource.opening_hours or {}).items())]


def resource_new(request):
    form = ResourceForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        node = Node.objects.filter(pk=form.cleaned_data["node"]).first()
        unit = PartnerUnit.objects.filter(pk=form.cleaned_data["partner_unit"]).first() if form.cleaned_data["partner_unit"] else None
        try:
            resource = services.publish_resource(request.user, node, form.cleaned_data["kind"], form.cleaned_data["name"], partner_unit=unit,
                                                 **_resource_fields(form))
        except ParticipationError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The resource is published."))
            return redirect("participation:resource", resource.pk)
    return render(request, "participation/resources_form.html", {"form": form, "title": _("Publish a resource")})


def resource_edit(request, pk):
    resource = _resource(request, pk)
    if not services.can_manage_resource(request.user, resource.node, resource.partner_unit):
        raise PermissionDenied
    hours = resource.opening_hours or {}
    first = next(iter(hours.values()), None)
    initial = {"node": resource.node_id, "partner_unit": resource.partner_unit_id, "kind": resource.kind, "name": resource.name,
               "description": resource.description, "capacity": resource.capacity, "lon": resource.lon, "lat": resource.lat,
               "bookable": resource.bookable, "needs_confirmation": resource.needs_confirmation, "slot_minutes": resource.slot_minutes,
               "min_slots": resource.min_slots, "max_slots": resource.max_slots, "opens": first[0] if first else None,
               "closes": first[1] if first else None, "days": [int(d) for d in hours]}
    form = ResourceForm(request.user, request.POST or None, initial=initial)
    form.fields["node"].disabled = form.fields["partner_unit"].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            services.update_resource(request.user, resource, kind=form.cleaned_data["kind"], name=form.cleaned_data["name"], **_resource_fields(form))
        except ParticipationError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Saved."))
            return redirect("participation:resource", resource.pk)
    return render(request, "participation/resources_form.html", {"form": form, "title": _("Edit %(name)s") % {"name": resource.name}})


def resource_deactivate(request, pk):
    resource = _resource(request, pk)
    if request.method != "POST":
        return redirect("participation:resource", pk)
    try:
        services.update_resource(request.user, resource, active=not resource.active)
    except ParticipationError as exc:
        messages.error(request, str(exc))
    return redirect("participation:resource", pk)


class BlockForm(forms.Form):
    start = forms.DateTimeField(label=gettext_lazy("From"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    end = forms.DateTimeField(label=gettext_lazy("Until"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=255)


def resource_block(request, pk):
    resource = _resource(request, pk)
    form = BlockForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        tz = services.tz_of(resource)
        try:
            services.add_blocked_period(request.user, resource, form.cleaned_data["start"].astimezone(tz) if timezone.is_aware(form.cleaned_data["start"]) else form.cleaned_data["start"].replace(tzinfo=tz),
                                        form.cleaned_data["end"] if timezone.is_aware(form.cleaned_data["end"]) else form.cleaned_data["end"].replace(tzinfo=tz),
                                        form.cleaned_data["reason"])
        except ParticipationError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The period is blocked."))
    elif request.method == "POST":
        messages.error(request, _("Give the start, the end and a reason."))
    return redirect("participation:resource", pk)


# ---------------------------------------------------------------- booking

class BookingForm(forms.Form):
    day = forms.DateField(label=gettext_lazy("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.TimeField(label=gettext_lazy("Start"), widget=forms.TimeInput(attrs={"type": "time"}))
    slots = forms.IntegerField(label=gettext_lazy("Number of slots"), min_value=1, max_value=48, initial=1)
    purpose = forms.CharField(label=gettext_lazy("Purpose"), max_length=255)
    attendees = forms.IntegerField(label=gettext_lazy("Attendees"), required=False, min_value=1, max_value=100000)
    repeat = forms.ChoiceField(label=gettext_lazy("Repeat"), required=False,
                               choices=[("", gettext_lazy("Once")), ("daily", gettext_lazy("Daily")), ("weekly", gettext_lazy("Weekly"))])
    count = forms.IntegerField(label=gettext_lazy("Occurrences"), min_value=1, max_value=services.MAX_OCCURRENCES, initial=1)

    def __init__(self, resource, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.resource = resource
        self.fields["slots"].initial = resource.min_slots
        self.fields["slots"].help_text = _("%(n)d minutes each") % {"n": resource.slot_minutes}

    def period(self):
        d = self.cleaned_data
        start = dt.datetime.combine(d["day"], d["start"], tzinfo=services.tz_of(self.resource))
        return start, start + dt.timedelta(minutes=self.resource.slot_minutes * d["slots"])


def resource_book(request, pk):
    resource = _resource(request, pk)
    form = BookingForm(resource, request.POST or None)
    if request.method == "POST" and form.is_valid():
        start, end = form.period()
        try:
            made = services.book(request.user, resource, start, end, form.cleaned_data["purpose"], attendees=form.cleaned_data["attendees"],
                                 repeat=form.cleaned_data["repeat"] or "", count=form.cleaned_data["count"] or 1)
        except ParticipationError as exc:
            form.add_error(None, str(exc))
        else:
            if made[0].state == "requested":
                messages.success(request, _("Booked, waiting for the owner's confirmation."))
            else:
                messages.success(request, _("Booked."))
            return redirect(f"{_url('participation:resource_calendar', resource.pk)}?week={start.date().isoformat()}")
    return render(request, "participation/booking_form.html", {"resource": resource, "form": form}, status=422 if form.errors else 200)


def _url(name, *args):
    from django.urls import reverse

    return reverse(name, args=args)


def resource_calendar(request, pk):
    resource = _resource(request, pk)
    try:
        day = dt.date.fromisoformat(request.GET.get("week") or "")
    except ValueError:
        day = timezone.localdate()
    monday = day - dt.timedelta(days=day.weekday())
    rows, days = services.week_grid(resource, monday)
    manager = services.can_manage_resource(request.user, resource.node, resource.partner_unit)
    return render(request, "participation/booking_calendar.html", {
        "resource": resource, "rows": rows, "days": list(zip(days, WEEKDAY_LABELS)), "monday": monday,
        "prev": monday - dt.timedelta(days=7), "next": monday + dt.timedelta(days=7), "manager": manager,
        "form": BookingForm(resource, initial={"day": max(monday, timezone.localdate())}),
    })


def resource_ics(request, pk):
    resource = _resource(request, pk)
    since = timezone.now() - dt.timedelta(days=90)
    held = Booking.objects.filter(resource=resource, state__in=Booking.HOLDING, end__gte=since).order_by("start")
    response = HttpResponse(services.ics(resource, held, host=request.get_host() or "gridgov"), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="resource-{resource.pk}.ics"'
    return response


def booking_list(request):
    user = request.user
    mine = Booking.objects.filter(requested_by=user).select_related("resource").order_by("-start")[:100]
    managed_ids = [r.pk for r in services.visible_resources(user).select_related("node", "partner_unit")
                   if services.can_manage_resource(user, r.node, r.partner_unit)] if scoping.active_posts(user) else []
    waiting = Booking.objects.filter(resource_id__in=managed_ids, state="requested").select_related("resource").order_by("start")[:200]
    return render(request, "participation/booking_list.html", {"mine": mine, "waiting": waiting, "now": timezone.now()})


def booking_action(request, pk, action):
    if request.method != "POST":
        return redirect("participation:bookings")
    booking = services.bookings(request.user).select_related("resource").filter(pk=pk).first()
    if booking is None:
        raise Http404
    reason = (request.POST.get("reason") or "").strip()
    try:
        if action == "confirm":
            services.confirm(request.user, booking)
        elif action == "deny":
            services.deny(request.user, booking, reason or _("Not available"))
        elif action == "cancel":
            services.cancel(request.user, booking, reason)
        else:
            raise Http404
    except ParticipationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Done."))
    return redirect(request.POST.get("next") or "participation:bookings")


# ---------------------------------------------------------------- needs and projects

class NeedForm(forms.Form):
    node = forms.TypedChoiceField(label=gettext_lazy("Community or grid"), coerce=int)
    kind = forms.ChoiceField(label=gettext_lazy("Resource wanted"), choices=RESOURCE_KINDS)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=128)
    detail = forms.CharField(label=gettext_lazy("Detail"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    wanted_from = forms.DateField(label=gettext_lazy("Wanted from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    wanted_until = forms.DateField(label=gettext_lazy("Wanted until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].choices = _node_choices(user, ("community", *CELL_KINDS))


def need_list(request):
    _require_view(request)
    state = request.GET.get("state") or ""
    kind = request.GET.get("kind") or ""
    qs = services.needs(request.user).select_related("node").order_by("-raised_at", "-pk")
    qs = scoping.narrow(qs, request.user, request.GET.get("node"), "node_path")
    if state in dict(Need.STATES):
        qs = qs.filter(state=state)
    if kind in dict(RESOURCE_KINDS):
        qs = qs.filter(kind=kind)
    return render(request, "participation/resources_needs.html", {
        "page": _page(request, qs), "states": Need.STATES, "state": state, "kinds": RESOURCE_KINDS, "kind": kind,
        "can_raise": scoping.can(request.user, roles.EDIT) or any(p.role == "grid_chief" for p in scoping.active_posts(request.user)),
        "can_export": scoping.can(request.user, roles.EXPORT),
    })


def need_new(request):
    form = NeedForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        node = scoping.scoped_nodes(request.user).filter(pk=d["node"]).first()
        try:
            if node is None:
                raise ParticipationError(_("Choose a place in your area."))
            need = services.raise_need(request.user, node, d["kind"], d["title"], detail=d["detail"], wanted_from=d["wanted_from"],
                                       wanted_until=d["wanted_until"])
        except ParticipationError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The need is on the list."))
            return redirect("participation:need", need.pk)
    return render(request, "participation/resources_form.html", {"form": form, "title": _("Raise a need")})


def _need(request, pk):
    need = services.needs(request.user).select_related("node", "district").filter(pk=pk).first()
    if need is None:
        raise Http404
    return need


class MatchForm(forms.Form):
    resources = forms.TypedMultipleChoiceField(label=gettext_lazy("Resources"), coerce=int)
    title = forms.CharField(label=gettext_lazy("Project title"), max_length=128, required=False)
    start = forms.DateField(label=gettext_lazy("Start"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=gettext_lazy("End"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


def need_detail(request, pk):
    need = _need(request, pk)
    suggestions = services.suggest(request.user, need) if need.state in ("open", "matched") else []
    can_match = scoping.can(request.user, roles.EDIT, need.node)
    form = MatchForm(request.POST or None)
    form.fields["resources"].choices = [(s.resource.pk, s.resource.name) for s in suggestions]
    if request.method == "POST":
        if not can_match:
            raise PermissionDenied
        if form.is_valid():
            chosen = list(services.visible_resources(request.user).filter(pk__in=form.cleaned_data["resources"]))
            person = getattr(request.user, "person", None)
            try:
                project = services.start_project(request.user, need, chosen, form.cleaned_data["title"], owner=person,
                                                 start=form.cleaned_data["start"] or timezone.localdate(), end=form.cleaned_data["end"])
            except ParticipationError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("The project is started."))
                return redirect("participation:project", project.pk)
    return render(request, "participation/resources_need.html", {
        "need": need, "suggestions": suggestions, "can_match": can_match, "form": form,
        "projects": services.projects(request.user).filter(need=need),
    })


def need_close(request, pk):
    need = _need(request, pk)
    if request.method == "POST":
        try:
            services.close_need(request.user, need)
        except ParticipationError as exc:
            messages.error(request, str(exc))
    return redirect("participation:need", pk)


def project_list(request):
    _require_view(request)
    state = request.GET.get("state") or ""
    qs = services.projects(request.user).select_related("node", "owner").order_by("-start", "-pk")
    if state in dict(Project.STATES):
        qs = qs.filter(state=state)
    return render(request, "participation/resources_projects.html", {
        "page": _page(request, qs), "states": Project.STATES, "state": state, "can_export": scoping.can(request.user, roles.EXPORT)})


class ProjectForm(forms.Form):
    progress = forms.IntegerField(label=gettext_lazy("Progress (%)"), min_value=0, max_value=100)
    result = forms.CharField(label=gettext_lazy("Result"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    state = forms.ChoiceField(label=gettext_lazy("State"), choices=Project.STATES)


def project_detail(request, pk):
    project = services.projects(request.user).select_related("node", "need", "owner").filter(pk=pk).first()
    if project is None:
        raise Http404
    can_edit = scoping.can(request.user, roles.EDIT, project.node) and project.state not in ("done", "cancelled")
    form = ProjectForm(request.POST or None, initial={"progress": project.progress, "result": project.result, "state": project.state})
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.update_project(request.user, project, progress=d["progress"], result=d["result"], state=d["state"])
            except ParticipationError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Saved."))
                return redirect("participation:project", pk)
    return render(request, "participation/resources_project.html", {
        "project": project, "form": form, "can_edit": can_edit,
        "resources": project.resources.select_related("partner_unit"), "units": project.partner_units.all(),
        "allocations": project.allocations.select_related("budget", "budget__node"),
    })


# ---------------------------------------------------------------- report and Excel

def _year(request):
    value = request.GET.get("year") or ""
    return int(value) if value.isdigit() and 2000 <= int(value) <= 2100 else None


def report(request):
    _require_view(request)
    year = _year(request)
    return render(request, "participation/resources_report.html", {
        "rows": services.subdistrict_report(request.user, year), "year": year, "kinds": RESOURCE_KINDS[:4],
        "can_export": scoping.can(request.user, roles.EXPORT),
    })


def _labels():
    return dict(RESOURCE_KINDS)


def report_xlsx(request):
    if not scoping.can(request.user, roles.EXPORT):
        raise PermissionDenied
    rows = services.subdistrict_report(request.user, _year(request))
    kinds = [k for k, _l in RESOURCE_KINDS[:4]]
    labels = _labels()
    headers = [_("Subdistrict")] + [_("%(kind)s: resources") % {"kind": labels[k]} for k in kinds] + \
        [_("%(kind)s: units sharing") % {"kind": labels[k]} for k in kinds] + \
        [_("Units sharing"), _("Needs raised"), _("Needs met"), _("Projects running"), _("Projects done")]
    data = [[r["node"].name] + [r["resources"][k] for k in kinds] + [r["units"][k] for k in kinds] +
            [r["units_sharing"], r["needs_raised"], r["needs_met"], r["projects_running"], r["projects_done"]] for r in rows]
    return _xlsx(data, headers, "three-lists-report.xlsx", _("Three lists report"))


def export_xlsx(request, what):
    if not scoping.can(request.user, roles.EXPORT):
        raise PermissionDenied
    user = request.user
    if what == "resources":
        qs = scoping.scope(Resource.objects.all(), user, "node_path", roles.EXPORT).select_related("node", "partner_unit").order_by("node_path", "kind", "pk")
        headers = [_("Name"), _("Kind"), _("Offered at"), _("Partner unit"), _("Capacity (people)"), _("Bookable"), _("Active")]
        rows = ([r.name, str(r.get_kind_display()), r.node.name, r.partner_unit.name if r.partner_unit_id else "", r.capacity,
                 _("yes") if r.bookable else _("no"), _("yes") if r.active else _("no")] for r in qs.iterator())
        return _xlsx(rows, headers, "resources.xlsx", _("Resources"))
    if what == "needs":
        qs = scoping.scope(Need.objects.all(), user, "node_path", roles.EXPORT).select_related("node").order_by("-raised_at", "pk")
        headers = [_("Title"), _("Resource wanted"), _("Community or grid"), _("State"), _("Wanted from"), _("Wanted until"), _("Raised on")]
        rows = ([n.title, str(n.get_kind_display()), n.node.name, str(n.get_state_display()), n.wanted_from, n.wanted_until,
                 timezone.localtime(n.raised_at).date()] for n in qs.iterator())
        return _xlsx(rows, headers, "needs.xlsx", _("Needs"))
    if what == "projects":
        qs = scoping.scope(Project.objects.all(), user, "node_path", roles.EXPORT).select_related("node", "owner").prefetch_related("partner_units").order_by("-start", "pk")
        headers = [_("Title"), _("Place"), _("Owner"), _("Start"), _("End"), _("Progress (%)"), _("State"), _("Partner units"), _("Result")]
        rows = ([p.title, p.node.name, p.owner.name if p.owner_id else "", p.start, p.end, p.progress, str(p.get_state_display()),
                 "、".join(u.name for u in p.partner_units.all()), p.result] for p in qs)
        return _xlsx(rows, headers, "projects.xlsx", _("Projects"))
    raise Http404
