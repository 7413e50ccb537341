"""Pages of dispute mediation 纠纷调处 / 矛盾联调: the scoped list, opening a mediation (prefilled from a
case: ?case=<id or number>), the detail page with sessions, agreement, outcome and follow-ups, the Excel export.
Parties' phones are always shown masked."""
import io

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from gridgov.cases.services import scoped_cases
from gridgov.hierarchy.models import CELL_KINDS
from gridgov.people import pii, roles, scoping

from .errors import ParticipationError
from .models import Mediation
from .services import mediation as services

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PARTY_ROWS = 4


def _require_view(request):
    if not scoping.can(request.user, roles.VIEW):
        raise PermissionDenied


def _places(user):
    nodes = scoping.scoped_nodes(user).filter(kind__in=("community", *CELL_KINDS)).order_by("path")[:2000]
    return [(n.pk, ("　" * max(0, n.depth - 3)) + n.name) for n in nodes if services.can_mediate(user, n)]


class MediationForm(forms.Form):
    node = forms.TypedChoiceField(label=gettext_lazy("Grid"), coerce=int)
    kind = forms.ChoiceField(label=gettext_lazy("Kind of dispute"), choices=Mediation.KINDS)
    title = forms.CharField(label=gettext_lazy("Title of the dispute"), max_length=128)
    place = forms.CharField(label=gettext_lazy("Place"), max_length=128, required=False)
    summary = forms.CharField(label=gettext_lazy("Summary"), widget=forms.Textarea(attrs={"rows": 4}))
    bodies = forms.MultipleChoiceField(label=gettext_lazy("Mediating bodies"), choices=Mediation.BODIES, required=False,
                                       initial=["community"], widget=forms.CheckboxSelectMultiple)

    def __init__(self, user, *args, parties=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].choices = _places(user)
        if parties:
            for i in range(PARTY_ROWS):
                self.fields[f"party{i}_name"] = forms.CharField(label=_("Party %(n)d: name") % {"n": i + 1}, max_length=64, required=False)
                self.fields[f"party{i}_phone"] = forms.CharField(label=_("Party %(n)d: phone") % {"n": i + 1}, max_length=20, required=False)
                self.fields[f"party{i}_role"] = forms.CharField(label=_("Party %(n)d: role") % {"n": i + 1}, max_length=32, required=False)

    def party_rows(self):
        return [(self[f"party{i}_name"], self[f"party{i}_phone"], self[f"party{i}_role"]) for i in range(PARTY_ROWS) if f"party{i}_name" in self.fields]

    def main_fields(self):
        return [f for f in self if not f.name.startswith("party")]

    def parties(self):
        d = self.cleaned_data
        return [(d.get(f"party{i}_name"), d.get(f"party{i}_phone"), d.get(f"party{i}_role")) for i in range(PARTY_ROWS)]


def _case(request, value):
    if not value:
        return None
    qs = scoped_cases(request.user).select_related("grid", "category")
    return (qs.filter(pk=int(value)).first() if value.isdigit() else None) or qs.filter(number=value).first()


def mediation_list(request):
    _require_view(request)
    state = request.GET.get("state") or ""
    kind = request.GET.get("kind") or ""
    q = (request.GET.get("q") or "").strip()
    qs = services.mediations(request.user).select_related("node", "case")
    if state in dict(Mediation.STATES):
        qs = qs.filter(state=state)
    if kind in dict(Mediation.KINDS):
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(title__icontains=q)
    page = Paginator(qs.order_by("-opened_on", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    for m in page:
        m.bodies_label = services.bodies_label(m)
    return render(request, "participation/mediation_list.html", {
        "page": page, "states": Mediation.STATES, "state": state, "kinds": Mediation.KINDS, "kind": kind, "q": q,
        "can_open": bool(_places(request.user)), "can_export": scoping.can(request.user, roles.EXPORT),
    })


def mediation_new(request):
    _require_view(request)
    case = _case(request, request.GET.get("case") or request.POST.get("case") or "")
    initial = {"bodies": ["community"]}
    if case is not None:
        node = case.grid
        initial.update({"node": node.pk, "title": (case.description or "")[:60], "summary": case.description, "place": case.address,
                        # The reporter's phone is not copied: the form would show it in clear (it is masked on the case).
                        "party0_name": case.reporter.name if case.reporter_id else case.reporter_name, "party0_role": _("reporter")})
    form = MediationForm(request.user, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        node = scoping.scoped_nodes(request.user).filter(pk=d["node"]).first()
        try:
            if node is None:
                raise ParticipationError(_("Choose a place in your area."))
            mediation = services.open_mediation(request.user, node, d["kind"], d["title"], d["summary"], parties=form.parties(),
                                                place=d["place"], bodies=d["bodies"], case=case)
        except ParticipationError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The mediation is opened."))
            return redirect("participation:mediation", mediation.pk)
    return render(request, "participation/mediation_form.html", {"form": form, "case": case, "title": _("Open a mediation")},
                  status=422 if form.errors else 200)


def _mediation(request, pk):
    _require_view(request)
    mediation = services.mediations(request.user).select_related("node", "case", "district").filter(pk=pk).first()
    if mediation is None:
        raise Http404
    return mediation


class SessionForm(forms.Form):
    day = forms.DateField(label=gettext_lazy("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    mediators = forms.CharField(label=gettext_lazy("Mediators"), max_length=255)
    notes = forms.CharField(label=gettext_lazy("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ConcludeForm(forms.Form):
    state = forms.ChoiceField(label=gettext_lazy("New state"), choices=Mediation.STATES)
    agreement = forms.CharField(label=gettext_lazy("Agreement"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    outcome = forms.CharField(label=gettext_lazy("Outcome"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class FollowUpForm(forms.Form):
    day = forms.DateField(label=gettext_lazy("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    by = forms.CharField(label=gettext_lazy("Visited by"), max_length=128)
    notes = forms.CharField(label=gettext_lazy("Notes"), widget=forms.Textarea(attrs={"rows": 3}))


def _forms(mediation, data=None, which=None):
    def bound(name):
        return data if which == name else None

    conclude = ConcludeForm(bound("conclude"))
    conclude.fields["state"].choices = [(s, label) for s, label in Mediation.STATES if s in services.TRANSITIONS.get(mediation.state, set())]
    today = timezone.localdate()
    return {"session_form": SessionForm(bound("session"), initial={"day": today}), "conclude_form": conclude,
            "follow_form": FollowUpForm(bound("follow"), initial={"day": today})}


def mediation_detail(request, pk, forms_=None):
    mediation = _mediation(request, pk)
    can = services.can_mediate(request.user, mediation.node)
    context = {
        "mediation": mediation, "can": can, "parties": services.masked_parties(mediation), "bodies": services.bodies_label(mediation),
        "sessions": mediation.sessions.all(), "follow_ups": mediation.follow_ups.all(),
        "case_visible": mediation.case_id and scoped_cases(request.user).filter(pk=mediation.case_id).exists(),
    }
    if can:
        context.update(forms_ or _forms(mediation))
    return render(request, "participation/mediation_detail.html", context,
                  status=422 if forms_ and any(f.errors for f in forms_.values()) else 200)


def mediation_edit(request, pk):
    mediation = _mediation(request, pk)
    if not services.can_mediate(request.user, mediation.node):
        raise PermissionDenied
    form = MediationForm(request.user, request.POST or None, parties=False, initial={
        "node": mediation.node_id, "kind": mediation.kind, "title": mediation.title, "place": mediation.place,
        "summary": mediation.summary, "bodies": mediation.bodies})
    form.fields["node"].disabled = True
    form.fields["node"].choices = [(mediation.node_id, mediation.node.name)]
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.update_mediation(request.user, mediation, kind=d["kind"], title=d["title"], place=d["place"], summary=d["summary"],
                                      bodies=d["bodies"])
        except ParticipationError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Saved."))
            return redirect("participation:mediation", pk)
    return render(request, "participation/mediation_form.html", {"form": form, "title": _("Edit %(name)s") % {"name": mediation.title}},
                  status=422 if form.errors else 200)


def mediation_action(request, pk, action):
    mediation = _mediation(request, pk)
    if request.method != "POST":
        return redirect("participation:mediation", pk)
    if not services.can_mediate(request.user, mediation.node):
        raise PermissionDenied
    all_forms = _forms(mediation, request.POST, action)
    names = {"session": "session_form", "conclude": "conclude_form", "follow": "follow_form"}
    if action not in names:
        raise Http404
    form = all_forms[names[action]]
    if form.is_valid():
        d = form.cleaned_data
        try:
            if action == "session":
                services.add_session(request.user, mediation, d["day"], d["mediators"], d["notes"])
            elif action == "conclude":
                services.conclude(request.user, mediation, d["state"], agreement=d["agreement"], outcome=d["outcome"])
            else:
                services.add_follow_up(request.user, mediation, d["day"], d["by"], d["notes"])
        except ParticipationError as exc:
            form.add_error(None, str(exc))
    if form.errors:
        return mediation_detail(request, pk, forms_=all_forms)
    messages.success(request, _("Saved."))
    return redirect("participation:mediation", pk)


def mediation_export(request):
    if not scoping.can(request.user, roles.EXPORT):
        raise PermissionDenied
    qs = services.mediations(request.user, roles.EXPORT).select_related("node", "case").prefetch_related("parties", "sessions", "follow_ups")
    wb = Workbook()
    ws = wb.active
    ws.title = str(_("Mediations"))[:31]
    ws.append([str(h) for h in (_("Title of the dispute"), _("Kind of dispute"), _("Grid"), _("Place"), _("Parties"), _("Mediating bodies"), _("Case"),
                                 _("Opened on"), _("Sessions"), _("State"), _("Agreement"), _("Outcome"), _("Closed on"), _("Follow-up visits"))])
    for m in qs.order_by("-opened_on", "pk"):
        parties = "；".join(f"{p.name}（{p.role}）{pii.mask_phone(p.phone)}".replace("（）", "") for p in m.parties.all())
        ws.append([m.title, str(m.get_kind_display()), m.node.name, m.place, parties, services.bodies_label(m), m.case.number if m.case_id else "",
                   m.opened_on, len(m.sessions.all()), str(m.get_state_display()), m.agreement, m.outcome, m.closed_on, len(m.follow_ups.all())])
    buf = io.BytesIO()
    wb.save(buf)
    response = HttpResponse(buf.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="mediations.xlsx"'
    return response

