"""Pages of the alerts inbox (预警, scoped to the user's subtree) and the talks (约谈): a lowest-grade
alert offers the talk form, prefilled with the organisation and its secretary."""
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _, gettext_lazy

from gridgov.orgs.models import PartyOrg
from gridgov.people import roles, scoping

from .errors import AssessmentError
from .models import Alert, AlertRule, Grade
from .services import alerts as services

PAGE_SIZE = 50


def _require_view(request):
    if not scoping.can(request.user, roles.VIEW):
        raise PermissionDenied


def org_month_url(org_id, month):
    """The organisation's scorecard for a month, or its organisation page while the index pages are missing."""
    try:
        return reverse("assessment:org_month", args=[org_id, month])
    except NoReverseMatch:
        return reverse("orgs:party_org", args=[org_id])


def subject_url(alert):
    model, pk = services.subject_of(alert)
    if pk is None:
        return None
    if model == "orgs.partyorg":
        month = alert.key.rsplit(":", 1)[-1]
        return org_month_url(pk, month)
    if model == "assessment.listitem":
        return reverse("assessment:list_item", args=[pk])
    if model == "hierarchy.node":
        # The grid's overdue cases (the grid filter of the case list; ignored by older versions).
        return "/cases/?" + urlencode({"overdue": "ever", "grid": pk})
    if model == "people.partymember":
        return reverse("people:person", args=[alert.person_id]) if getattr(alert, "person_id", None) else None
    return None


def alert_list(request):
    _require_view(request)
    kinds, states = dict(AlertRule.KINDS), dict(Alert.STATES)
    kind = request.GET.get("kind") if request.GET.get("kind") in kinds else ""
    state = request.GET.get("state", "open")
    state = state if state in states else ""
    base = services.visible_alerts(request.user)
    qs = base
    if kind:
        qs = qs.filter(kind=kind)
    if state:
        qs = qs.filter(state=state)
    counts = dict((base.filter(state=state) if state else base).values_list("kind").annotate(n=Count("pk")).order_by())
    page = Paginator(qs.select_related("node").order_by("-raised_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    _decorate(request.user, page.object_list)
    return render(request, "assessment/alerts_index.html", {
        "page": page, "kind": kind, "state": state, "kinds": [(k, label, counts.get(k, 0)) for k, label in AlertRule.KINDS],
        "states": Alert.STATES, "query": urlencode({"kind": kind, "state": state}),
    })


def _decorate(user, alerts):
    from gridgov.people.models import PartyMember

    alerts = list(alerts)
    members = [pk for a in alerts for model, pk in [services.subject_of(a)] if model == "people.partymember"]
    person_of = dict(PartyMember.objects.filter(pk__in=members).values_list("pk", "person_id"))
    for a in alerts:
        model, pk = services.subject_of(a)
        if model == "people.partymember":
            a.person_id = person_of.get(pk)
        a.url = subject_url(a)
        a.can_act = scoping.can(user, roles.ASSESS, a.node)
        a.offer_talk = a.kind == "lowest_twice" and model == "orgs.partyorg"


def alert_action(request, pk):
    if request.method != "POST":
        raise Http404
    alert = services.visible_alerts(request.user).select_related("node").filter(pk=pk).first()
    if alert is None:
        raise Http404
    action = request.POST.get("action")
    try:
        if action == "acknowledge":
            services.acknowledge(request.user, alert)
        elif action == "close":
            services.close(request.user, alert)
        else:
            raise Http404
    except AssessmentError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, _("Alert updated."))
    back = request.POST.get("next") or ""
    return redirect(back if back.startswith("/assessment/") else reverse("assessment:alerts"))


class TalkForm(forms.Form):
    party_org = forms.IntegerField(widget=forms.HiddenInput)
    day = forms.DateField(label=gettext_lazy("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    with_whom = forms.CharField(label=gettext_lazy("With"), max_length=128)
    by = forms.CharField(label=gettext_lazy("Held by"), max_length=128)
    notes = forms.CharField(label=gettext_lazy("Notes"), widget=forms.Textarea(attrs={"rows": 6}),
                            help_text=gettext_lazy("What was found, what the secretary committed to, by when."))


def talk_list(request):
    _require_view(request)
    qs = services.visible_talks(request.user).select_related("party_org", "alert").order_by("-day", "-pk")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "assessment/alerts_talks.html", {"page": page})


def talk_new(request):
    _require_view(request)
    alert = None
    alert_id = request.GET.get("alert") or request.POST.get("alert")
    if alert_id:
        alert = services.visible_alerts(request.user).select_related("node").filter(pk=alert_id).first()
        if alert is None:
            raise Http404
    org_id = request.GET.get("org") or request.POST.get("party_org")
    if alert is not None and services.subject_of(alert)[0] == "orgs.partyorg":
        org_id = services.subject_of(alert)[1]
    org = scoping.scope(PartyOrg.objects.select_related("node", "secretary"), request.user, "node__path").filter(pk=org_id).first() if org_id else None
    if org is None:
        raise Http404
    if not scoping.can(request.user, roles.ASSESS, org.node):
        raise PermissionDenied
    person = getattr(request.user, "person", None)
    initial = {"party_org": org.pk, "day": timezone.localdate(), "with_whom": org.secretary.name if org.secretary else "",
               "by": person.name if person else request.user.get_username()}
    form = TalkForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.record_talk(request.user, party_org=org, day=d["day"], with_whom=d["with_whom"], by=d["by"], notes=d["notes"], alert=alert)
        except AssessmentError as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, _("Talk recorded."))
            return redirect("assessment:talks")
    grades = list(Grade.objects.filter(party_org=org).select_related("band").order_by("-month")[:3])
    return render(request, "assessment/alerts_talk_form.html", {"form": form, "org": org, "alert": alert, "grades": grades})
