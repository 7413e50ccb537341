"""Pages of funds and brand projects: budgets with balances, allocations and spending (overdraft only
with approval from above), the Excel export; brand projects with milestones. Thin: services decide."""
import io

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import F, Sum
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.shortcuts import render as django_render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from gridgov.hierarchy.models import Node
from gridgov.people import roles, scoping

from .errors import ParticipationError
from .models import BrandProject, Budget, Milestone
from .services import funds as services
from .services import resources as three_lists

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def render(request, template, context=None, status=None):
    # The section menu offers the staff lists only to logins that may read them (residents book).
    context = {**(context or {}), "staff": scoping.can(request.user, roles.VIEW)}
    return django_render(request, template, context, status=status)

def _require_view(request):
    if not scoping.can(request.user, roles.VIEW):
        raise PermissionDenied


def _nodes(user, kinds):
    return [(n.pk, ("　" * max(0, n.depth - 2)) + n.name) for n in scoping.scoped_nodes(user, roles.EDIT).filter(kind__in=kinds).order_by("path")[:2000]]


def _year(request):
    value = request.GET.get("year") or ""
    return int(value) if value.isdigit() and 2000 <= int(value) <= 2100 else None


# ---------------------------------------------------------------- budgets

def budget_list(request):
    _require_view(request)
    year = _year(request)
    qs = services.balance_rows(request.user, year).annotate(balance=F("amount") - F("spent"))
    totals = qs.aggregate(amount=Sum("amount"), spent=Sum("spent"))
    page = Paginator(qs, 100).get_page(request.GET.get("page"))
    return render(request, "participation/funds_list.html", {
        "page": page, "year": year, "totals": totals, "can_create": scoping.can(request.user, roles.EDIT),
        "can_export": scoping.can(request.user, roles.EXPORT)})


class BudgetForm(forms.Form):
    node = forms.TypedChoiceField(label=gettext_lazy("Community or subdistrict"), coerce=int)
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=Budget.KINDS)
    amount = forms.DecimalField(label=gettext_lazy("Amount (yuan)"), max_digits=12, decimal_places=2, min_value=0)

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].choices = _nodes(user, services.BUDGET_LEVELS)


def budget_new(request):
    form = BudgetForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        node = scoping.scoped_nodes(request.user).filter(pk=d["node"]).first()
        try:
            if node is None:
                raise ParticipationError(_("Choose a place in your area."))
            budget = services.create_budget(request.user, node, d["year"], d["kind"], d["amount"])
        except ParticipationError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Saved."))
            return redirect("participation:budget", budget.pk)
    return render(request, "participation/funds_form.html", {"form": form, "title": _("New budget")})


class SpendForm(forms.Form):
    day = forms.DateField(label=gettext_lazy("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    amount = forms.DecimalField(label=gettext_lazy("Amount (yuan)"), max_digits=12, decimal_places=2)
    what = forms.CharField(label=gettext_lazy("For"), max_length=255)
    allocation = forms.TypedChoiceField(label=gettext_lazy("Allocation"), coerce=int, required=False, empty_value=None)
    approve_overdraft = forms.BooleanField(label=gettext_lazy("I approve spending past the balance (right at a level above)"), required=False)


class AllocateForm(forms.Form):
    project = forms.TypedChoiceField(label=gettext_lazy("Project"), coerce=int, required=False, empty_value=None)
    amount = forms.DecimalField(label=gettext_lazy("Amount (yuan)"), max_digits=12, decimal_places=2)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=255, required=False)


def budget_detail(request, pk):
    budget = services.budgets(request.user).select_related("node").filter(pk=pk).first()
    if budget is None:
        raise Http404
    can_edit = scoping.can(request.user, roles.EDIT, budget.node)
    allocations = list(budget.allocations.select_related("project").annotate(used=Sum("spendings__amount")))
    spend_form = SpendForm(request.POST if request.POST.get("form") == "spend" else None, prefix="spend")
    spend_form.fields["allocation"].choices = [("", "—")] + [(a.pk, a.note or str(a.project or a.pk)) for a in allocations]
    projects = three_lists.projects(request.user).filter(node_path__startswith=budget.node_path).exclude(state="cancelled").order_by("-start")[:200]
    alloc_form = AllocateForm(request.POST if request.POST.get("form") == "allocate" else None, prefix="alloc")
    alloc_form.fields["project"].choices = [("", "—")] + [(p.pk, p.title) for p in projects]
    if request.method == "POST":
        try:
            if request.POST.get("form") == "spend" and spend_form.is_valid():
                d = spend_form.cleaned_data
                allocation = next((a for a in allocations if a.pk == d["allocation"]), None)
                services.spend(request.user, budget, d["amount"], d["what"], day=d["day"], allocation=allocation,
                               approved_by=request.user if d["approve_overdraft"] else None)
                messages.success(request, _("The spending is recorded."))
                return redirect("participation:budget", pk)
            if request.POST.get("form") == "allocate" and alloc_form.is_valid():
                d = alloc_form.cleaned_data
                project = projects.model.objects.filter(pk=d["project"]).first() if d["project"] else None
                services.allocate(request.user, budget, d["amount"], project=project, note=d["note"])
                messages.success(request, _("The allocation is recorded."))
                return redirect("participation:budget", pk)
        except ParticipationError as exc:
            (spend_form if request.POST.get("form") == "spend" else alloc_form).add_error(None, str(exc))
    return render(request, "participation/funds_detail.html", {
        "budget": budget, "balance": budget.amount - budget.spent, "allocated": services.allocated(budget), "allocations": allocations,
        "spendings": budget.spendings.select_related("allocation", "overdraft_approved_by")[:200], "can_edit": can_edit,
        "spend_form": spend_form, "alloc_form": alloc_form,
        "can_approve": services.can_approve_overdraft(request.user, budget.node),
    })


def funds_xlsx(request):
    if not scoping.can(request.user, roles.EXPORT):
        raise PermissionDenied
    qs = scoping.scope(Budget.objects.all(), request.user, "node_path", roles.EXPORT).select_related("node").order_by("node_path", "year", "kind")
    year = _year(request)
    if year:
        qs = qs.filter(year=year)
    wb = Workbook()
    ws = wb.active
    ws.title = str(_("Budgets"))
    ws.append([str(h) for h in (_("Place"), _("Code"), _("Year"), _("Kind"), _("Amount (yuan)"), _("Spent (yuan)"), _("Balance (yuan)"))])
    for b in qs:
        ws.append([b.node.name, b.node.code, b.year, str(b.get_kind_display()), float(b.amount), float(b.spent), float(b.amount - b.spent)])
    spend = wb.create_sheet(str(_("Spending")))
    spend.append([str(h) for h in (_("Place"), _("Year"), _("Kind"), _("Day"), _("Amount (yuan)"), _("For"), _("Overdraft approved"))])
    from .models import Spending

    for s in Spending.objects.filter(budget__in=qs).select_related("budget", "budget__node").order_by("budget__node_path", "day", "pk").iterator():
        spend.append([s.budget.node.name, s.budget.year, str(s.budget.get_kind_display()), s.day, float(s.amount), s.what,
                      _("yes") if s.overdraft_approved_by_id else ""])
    buf = io.BytesIO()
    wb.save(buf)
    response = HttpResponse(buf.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="funds.xlsx"'
    return response


# ---------------------------------------------------------------- brand projects

def brand_list(request):
    _require_view(request)
    kind = request.GET.get("kind") or ""
    qs = services.brand_projects(request.user).select_related("node").order_by("node_path", "name")
    if kind in dict(BrandProject.KINDS):
        qs = qs.filter(kind=kind)
    return render(request, "participation/brand_list.html", {"projects": qs, "kinds": BrandProject.KINDS, "kind": kind,
                                                             "can_create": scoping.can(request.user, roles.EDIT)})


class BrandForm(forms.Form):
    node = forms.TypedChoiceField(label=gettext_lazy("Place"), coerce=int)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=BrandProject.KINDS)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=128)
    description = forms.CharField(label=gettext_lazy("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].choices = _nodes(user, services.BRAND_LEVELS)


def brand_new(request):
    form = BrandForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        node = Node.objects.filter(pk=d["node"]).first()
        try:
            project = services.create_brand_project(request.user, node, d["kind"], d["name"], description=d["description"])
        except ParticipationError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("participation:brand", project.pk)
    return render(request, "participation/funds_form.html", {"form": form, "title": _("New brand project")})


class MilestoneForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Milestone"), max_length=255)
    due = forms.DateField(label=gettext_lazy("Due"), widget=forms.DateInput(attrs={"type": "date"}))


def brand_detail(request, pk):
    project = services.brand_projects(request.user).select_related("node").filter(pk=pk).first()
    if project is None:
        raise Http404
    can_edit = scoping.can(request.user, roles.EDIT, project.node)
    form = MilestoneForm(request.POST or None)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        try:
            if request.POST.get("done"):
                milestone = Milestone.objects.filter(project=project, pk=request.POST.get("done")).first()
                if milestone is None:
                    raise Http404
                services.complete_milestone(request.user, milestone, request.POST.get("result", ""))
                return redirect("participation:brand", pk)
            if request.POST.get("results") is not None:
                project.results = request.POST.get("results", "")
                project.save(update_fields=["results"])
                return redirect("participation:brand", pk)
            if form.is_valid():
                services.add_milestone(request.user, project, form.cleaned_data["title"], form.cleaned_data["due"])
                return redirect("participation:brand", pk)
        except ParticipationError as exc:
            messages.error(request, str(exc))
    return render(request, "participation/brand_detail.html", {"project": project, "milestones": project.milestones.all(),
                                                               "can_edit": can_edit, "form": form})
