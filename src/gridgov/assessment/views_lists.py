"""Pages of the four lists (责任/项目/问题/整改清单), inspections and the secretaries' annual reports:
thin, every query scoped, every write through services.lists; a refused action shows as a form error."""
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _, gettext_lazy

from gridgov.hierarchy.models import LEVEL_LABELS
from gridgov.people import roles, scoping
from gridgov.people.models import Person, Post

from .errors import AssessmentError
from .models import Inspection, ListItem, SecretaryReport
from .services import lists as services

PAGE_SIZE = 50


def _require_view(request):
    if not scoping.can(request.user, roles.VIEW):
        raise PermissionDenied


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# ---------------------------------------------------------------- forms


def _owner_queryset(user):
    """People holding a post at a district, subdistrict or community the user may see."""
    posts = scoping.scope(Post.objects.filter(node__kind__in=services.LEVELS), user, "node__path")
    return Person.objects.filter(pk__in=posts.values("person_id")).order_by("name")


class ItemForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("List"), choices=[c for c in ListItem.KINDS if c[0] != ListItem.RECTIFICATION])
    node = forms.TypedChoiceField(label=gettext_lazy("Level"), coerce=int)
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=255)
    detail = forms.CharField(label=gettext_lazy("Detail"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    owner = forms.ModelChoiceField(label=gettext_lazy("Owner"), queryset=Person.objects.none(), required=False,
                                   help_text=gettext_lazy("Empty: the level's secretary."))
    due = forms.DateField(label=gettext_lazy("Due"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    state = forms.ChoiceField(label=gettext_lazy("State"), choices=[c for c in ListItem.STATES if c[0] != "done"])

    def __init__(self, user, *args, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].choices = services.node_choices(user)
        self.fields["owner"].queryset = _owner_queryset(user)
        if editing:
            del self.fields["kind"], self.fields["node"], self.fields["year"]
        else:
            del self.fields["state"]


class RectificationForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Task"), max_length=255)
    owner = forms.ModelChoiceField(label=gettext_lazy("Owner"), queryset=Person.objects.none(), required=False,
                                   help_text=gettext_lazy("Empty: the owner of the problem."))
    due = forms.DateField(label=gettext_lazy("Deadline"), widget=forms.DateInput(attrs={"type": "date"}))
    detail = forms.CharField(label=gettext_lazy("Detail"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _owner_queryset(user)


class CompleteForm(forms.Form):
    evidence = forms.CharField(label=gettext_lazy("Evidence"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                               help_text=gettext_lazy("What was done, and where the proof is."))
    attachment = forms.FileField(label=gettext_lazy("Attachment"), required=False)


class InspectionForm(forms.Form):
    node = forms.TypedChoiceField(label=gettext_lazy("Inspected area"), coerce=int)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=Inspection.KINDS)
    inspector = forms.CharField(label=gettext_lazy("Inspector"), max_length=128)
    day = forms.DateField(label=gettext_lazy("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    summary = forms.CharField(label=gettext_lazy("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    findings = forms.CharField(label=gettext_lazy("Findings"), required=False, widget=forms.Textarea(attrs={"rows": 5}),
                               help_text=gettext_lazy("One finding per line; add “| YYYY-MM-DD” for its due date. Each becomes a problem."))

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].choices = services.node_choices(user)


# ---------------------------------------------------------------- the four lists


def list_page(request):
    _require_view(request)
    today = timezone.localdate()
    kinds = dict(ListItem.KINDS)
    kind = request.GET.get("kind") if request.GET.get("kind") in kinds else ListItem.RESPONSIBILITY
    level = request.GET.get("level") if request.GET.get("level") in services.LEVELS else ""
    state = request.GET.get("state") if request.GET.get("state") in dict(ListItem.STATES) else ""
    year = _int(request.GET.get("year"))
    overdue = request.GET.get("overdue") == "1"
    base = services.visible_items(request.user)
    counts = dict(services.filter_items(base, level=level, year=year).values_list("kind").annotate(n=Count("pk")).order_by())
    late = dict(services.filter_items(base, level=level, year=year).filter(services.overdue_q(today))
                .values_list("kind").annotate(n=Count("pk")).order_by())
    qs = services.filter_items(base, kind, level, year, state, overdue, today).select_related("node", "owner", "parent")
    qs = qs.annotate(n_children=Count("children"))
    page = Paginator(qs.order_by("due", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    for item in page:
        item.overdue = services.is_overdue(item, today)
    years = sorted(set(base.values_list("year", flat=True).distinct()), reverse=True)
    query = {"level": level, "year": year or "", "state": state, "overdue": "1" if overdue else ""}
    tabs = [{"kind": k, "label": label, "count": counts.get(k, 0), "late": late.get(k, 0),
             "url": "?" + urlencode({**query, "kind": k})} for k, label in ListItem.KINDS]
    return render(request, "assessment/lists_index.html", {
        "tabs": tabs, "kind": kind, "kind_label": kinds[kind], "level": level, "state": state, "year": year, "overdue": overdue,
        "levels": [(lv, LEVEL_LABELS[lv]) for lv in services.LEVELS], "states": ListItem.STATES, "years": years,
        "page": page, "query": urlencode({**query, "kind": kind}),
        "can_add": bool(services.node_choices(request.user)),
    })


def _item_or_404(request, pk):
    item = services.visible_items(request.user).select_related("node", "owner", "party_org", "parent", "inspection").filter(pk=pk).first()
    if item is None:
        raise Http404
    return item


def item_detail(request, pk):
    item = _item_or_404(request, pk)
    can_act = scoping.can(request.user, roles.ASSESS, item.node)
    rect_form = RectificationForm(request.user, prefix="task")
    complete_form = CompleteForm(prefix="done")
    if request.method == "POST":
        if not can_act:
            raise PermissionDenied
        action = request.POST.get("action")
        try:
            if action == "add_task":
                rect_form = RectificationForm(request.user, request.POST, prefix="task")
                if rect_form.is_valid():
                    d = rect_form.cleaned_data
                    services.add_rectification(item, d["title"], d["owner"], d["due"], d["detail"], user=request.user)
                    messages.success(request, _("Rectification task added."))
                    return redirect("assessment:list_item", pk=item.pk)
            elif action == "complete":
                complete_form = CompleteForm(request.POST, request.FILES, prefix="done")
                if complete_form.is_valid():
                    d = complete_form.cleaned_data
                    services.complete_item(item, d["evidence"], d["attachment"], user=request.user)
                    messages.success(request, _("Marked done."))
                    return redirect("assessment:list_item", pk=item.pk)
            else:
                raise Http404
        except AssessmentError as e:
            target = rect_form if action == "add_task" else complete_form
            target.add_error(None, str(e))
    today = timezone.localdate()
    children = list(item.children.select_related("owner").order_by("due", "pk"))
    for child in children:
        child.overdue = services.is_overdue(child, today)
    return render(request, "assessment/lists_item.html", {
        "item": item, "overdue": services.is_overdue(item, today), "children": children, "can_act": can_act,
        "open": item.state in services.OPEN_STATES, "rect_form": rect_form, "complete_form": complete_form,
        "parent_visible": item.parent_id and services.visible_items(request.user).filter(pk=item.parent_id).exists(),
    })


def item_new(request):
    _require_view(request)
    if not services.node_choices(request.user):
        raise PermissionDenied
    initial = {"year": timezone.localdate().year, "kind": request.GET.get("kind") or ListItem.RESPONSIBILITY}
    form = ItemForm(request.user, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        node = services.get_node(request.user, d["node"])
        try:
            item = services.create_item(request.user, node=node, kind=d["kind"], year=d["year"], title=d["title"],
                                        detail=d["detail"], owner=d["owner"], due=d["due"])
        except AssessmentError as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, _("Item added."))
            return redirect("assessment:list_item", pk=item.pk)
    return render(request, "assessment/lists_form.html", {"form": form, "title": _("New list item")})


def item_edit(request, pk):
    item = _item_or_404(request, pk)
    if not scoping.can(request.user, roles.ASSESS, item.node):
        raise PermissionDenied
    initial = {"title": item.title, "detail": item.detail, "owner": item.owner_id, "due": item.due, "state": item.state}
    form = ItemForm(request.user, request.POST or None, initial=initial, editing=True)
    if item.state == "done":
        form.fields["state"].choices = ListItem.STATES
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.update_item(request.user, item, title=d["title"], detail=d["detail"], owner=d["owner"] or item.owner,
                                 due=d["due"], state=d["state"])
        except AssessmentError as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, _("Saved."))
            return redirect("assessment:list_item", pk=item.pk)
    return render(request, "assessment/lists_form.html", {"form": form, "title": _("Edit: %(title)s") % {"title": item.title}, "item": item})


# ---------------------------------------------------------------- inspections


def inspection_list(request):
    _require_view(request)
    kind = request.GET.get("kind") if request.GET.get("kind") in dict(Inspection.KINDS) else ""
    qs = services.visible_inspections(request.user).select_related("node").annotate(
        n_findings=Count("findings"), n_open=Count("findings", filter=Q(findings__state__in=services.OPEN_STATES)))
    if kind:
        qs = qs.filter(kind=kind)
    page = Paginator(qs.order_by("-day", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    can_add = bool(services.node_choices(request.user))
    form = InspectionForm(request.user, initial={"day": timezone.localdate()}) if can_add else None
    if request.method == "POST":
        if not can_add:
            raise PermissionDenied
        form = InspectionForm(request.user, request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                inspection = services.record_inspection(
                    request.user, node=services.get_node(request.user, d["node"]), kind=d["kind"], inspector=d["inspector"],
                    day=d["day"], summary=d["summary"], findings=services.parse_findings(d["findings"]))
            except AssessmentError as e:
                form.add_error(None, str(e))
            else:
                messages.success(request, _("Inspection recorded; its findings are on the problem list."))
                return redirect("assessment:inspection", pk=inspection.pk)
    return render(request, "assessment/lists_inspections.html", {"page": page, "kind": kind, "kinds": Inspection.KINDS, "form": form})


def inspection_detail(request, pk):
    inspection = services.visible_inspections(request.user).select_related("node").filter(pk=pk).first()
    if inspection is None:
        raise Http404
    today = timezone.localdate()
    findings = list(inspection.findings.select_related("owner").annotate(n_children=Count("children")).order_by("due", "pk"))
    for f in findings:
        f.overdue = services.is_overdue(f, today)
    return render(request, "assessment/lists_inspection.html", {"inspection": inspection, "findings": findings})


# ---------------------------------------------------------------- secretaries' annual reports


class ReportForm(forms.Form):
    node = forms.TypedChoiceField(label=gettext_lazy("Level"), coerce=int)
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100)

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].choices = services.node_choices(user)


def secretary_report_list(request):
    _require_view(request)
    year = _int(request.GET.get("year"))
    base = services.visible_reports(request.user)
    qs = base.select_related("secretary", "node", "appraised_by")
    if year:
        qs = qs.filter(year=year)
    page = Paginator(qs.order_by("-year", "node__path"), PAGE_SIZE).get_page(request.GET.get("page"))
    can_draw = bool(services.node_choices(request.user))
    form = ReportForm(request.user, initial={"year": timezone.localdate().year - 1}) if can_draw else None
    if request.method == "POST":
        if not can_draw:
            raise PermissionDenied
        form = ReportForm(request.user, request.POST)
        if form.is_valid():
            node = services.get_node(request.user, form.cleaned_data["node"])
            secretary = services.secretary_of(node)
            if secretary is None:
                form.add_error("node", _("This level has no secretary on record."))
            else:
                report = services.assemble_report(secretary, node, form.cleaned_data["year"])
                messages.success(request, _("Report drawn up."))
                return redirect("assessment:secretary_report", pk=report.pk)
    years = sorted(set(base.values_list("year", flat=True).distinct()), reverse=True)
    return render(request, "assessment/secretary_reports.html", {"page": page, "year": year, "years": years, "form": form})


def _report_links(report):
    """URLs of the records behind each figure of a report."""
    node, year = report.node, report.year
    lists = reverse("assessment:lists")

    def items(**kw):
        return lists + "?" + urlencode({"year": year, "level": node.kind, **kw})

    cases = report.content.get("cases", {})
    case_query = {"date_from": cases.get("from", f"{year}-01-01"), "date_to": cases.get("to", f"{year}-12-31")}
    kpi_group = node.kind if node.kind in ("subdistrict", "community") else "subdistrict"
    return {
        "items": items,
        "cases": "/cases/?" + urlencode(case_query),
        "cases_overdue": "/cases/?" + urlencode({**case_query, "overdue": "ever"}),
        "kpi": "/cases/kpi/?" + urlencode({"group": kpi_group, **case_query}),
    }


def secretary_report_detail(request, pk):
    report = services.visible_reports(request.user).select_related("secretary", "node", "appraised_by").filter(pk=pk).first()
    if report is None:
        raise Http404
    can_appraise = services.can_appraise(request.user, report)
    can_state = services.can_edit_statement(request.user, report)
    can_redraw = scoping.can(request.user, roles.ASSESS, report.node)
    error = None
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "appraise":
                services.appraise(request.user, report, request.POST.get("appraisal", ""))
                messages.success(request, _("Appraisal saved."))
            elif action == "statement":
                services.set_statement(request.user, report, request.POST.get("statement", ""))
                messages.success(request, _("Statement saved."))
            elif action == "redraw":
                if not can_redraw:
                    raise PermissionDenied
                services.assemble_report(report.secretary, report.node, report.year)
                messages.success(request, _("Figures drawn up again."))
            else:
                raise Http404
        except AssessmentError as e:
            error = str(e)
        else:
            return redirect("assessment:secretary_report", pk=report.pk)
    content = report.content or {}
    lists = content.get("lists", {})
    links = _report_links(report)
    labels = dict(ListItem.KINDS)
    kinds = [{
        "kind": k, "label": labels[k], "total": v.get("total", 0), "open": v.get("open", 0) + v.get("in_progress", 0),
        "done": v.get("done", 0), "url": links["items"](kind=k),
    } for k, v in lists.get("by_kind", {}).items()]
    indices = content.get("indices", {})
    grade_url = None
    if indices.get("month"):
        try:
            grade_url = reverse("assessment:grades") + "?" + urlencode({"month": indices["month"], "node": report.node_id})
        except NoReverseMatch:  # the index pages may not be there yet
            grade_url = None
    for band in indices.get("bands", []):
        band["url"] = f"{grade_url}&band={band['band_id']}" if grade_url and band.get("band_id") else None
    return render(request, "assessment/secretary_report.html", {
        "report": report, "content": content, "assembled_at": (content.get("assembled_at") or "")[:16].replace("T", " "),
        "lists": lists, "kinds": kinds, "indices": indices, "cases": content.get("cases", {}),
        "links": links, "overdue_url": links["items"](overdue="1"), "grade_url": grade_url, "error": error,
        "can_appraise": can_appraise, "can_state": can_state, "can_redraw": can_redraw, "appraisals": SecretaryReport.APPRAISALS,
    })

