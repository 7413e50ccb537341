"""Pages of party-member points 党员积分: a member's own accounts and ledger with appeals, the rankings, the
approval list (pending manual entries and open appeals), and a member's ledger for secretaries with the
manual entry form."""
import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from gridgov.hierarchy.models import Node
from gridgov.people import roles, scoping
from gridgov.people.models import PartyMember

from .errors import AssessmentError
from .models import PointsAccount, PointsAppeal, PointsEntry, PointsRule
from .services import points as services
from .services.meetings import member_of

PAGE_SIZE = 50


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _year(request, years):
    year = _int(request.GET.get("year"))
    if year and 2000 <= year <= 2100:
        return year
    return years[0] if years else timezone.localdate().year


def _ledger(member, year):
    entries = list(PointsEntry.objects.filter(member=member, year=year).select_related("rule", "reverses")
                   .prefetch_related("appeals", "reversals").order_by("-day", "-pk"))
    for e in entries:
        e.open_appeal = any(a.state == "open" for a in e.appeals.all())
        e.reversed = bool(e.reversals.all())
        e.can_appeal = services.appealable(e) and not e.open_appeal and not e.reversed and e.rule.source != "base"
    return entries


def my_points(request):
    member = member_of(request.user)
    if member is None:
        return render(request, "assessment/points_my.html", {"member": None})
    error = None
    if request.method == "POST":
        entry = PointsEntry.objects.filter(pk=_int(request.POST.get("entry"))).first()
        try:
            if entry is None:
                raise AssessmentError(_("No such entry."))
            services.file_appeal(request.user, entry, request.POST.get("reason", ""))
        except AssessmentError as exc:
            error = str(exc)
        else:
            messages.success(request, _("Your appeal has been filed."))
            return redirect(f"{request.path}?year={entry.year}")
    accounts = list(PointsAccount.objects.filter(member=member).order_by("-year"))
    years = [a.year for a in accounts]
    year = _year(request, years)
    account = next((a for a in accounts if a.year == year), None)
    appeals = PointsAppeal.objects.filter(entry__member=member).select_related("entry", "entry__rule").order_by("-filed_at")[:20]
    return render(request, "assessment/points_my.html", {
        "member": member, "accounts": accounts, "year": year, "account": account, "entries": _ledger(member, year),
        "appeals": appeals, "error": error, "appeal_entry": _int(request.POST.get("entry")) if error else None,
    })


def _node(request):
    pk = _int(request.GET.get("node"))
    node = scoping.scoped_nodes(request.user).filter(pk=pk).first() if pk else None
    return node or scoping.home_node(request.user)


def points_ranking(request):
    if not scoping.can(request.user, roles.VIEW):
        raise PermissionDenied
    accounts_all = scoping.scope(PointsAccount.objects.all(), request.user, "node_path")
    years = sorted(set(accounts_all.values_list("year", flat=True).distinct()), reverse=True)
    year = _year(request, years)
    node = _node(request)
    accounts = accounts_all.filter(year=year)
    org_id = _int(request.GET.get("org"))
    communities, branches = services.rankings(accounts, node)
    names = {n.path: n for n in Node.objects.filter(path__in=[c["community"] for c in communities], depth=3)}
    communities = [dict(c, node=names.get(c["community"])) for c in communities]
    members = accounts.select_related("member__person", "member__party_org").order_by("-total", "member__person__name")
    if node is not None:
        from gridgov.hierarchy.services import subtree_q

        members = members.filter(subtree_q(node.path, "node_path"))
    org_name = None
    if org_id:
        members = members.filter(member__party_org_id=org_id)
        org_name = next((b["member__party_org__name"] for b in branches if b["member__party_org"] == org_id), None)
    page = Paginator(members, PAGE_SIZE).get_page(request.GET.get("page"))
    offset = (page.number - 1) * PAGE_SIZE
    return render(request, "assessment/points_ranking.html", {
        "years": years, "year": year, "node": node, "communities": communities if (node is None or node.depth < 3) else [],
        "branches": list(branches[:50]), "page": page, "offset": offset, "org_id": org_id or "", "org_name": org_name,
    })


def points_approvals(request):
    if not scoping.can(request.user, roles.ASSESS):
        raise PermissionDenied
    error = None
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action in ("approve", "reject"):
                pending, _appeals = services.open_entries(request.user)
                entry = pending.filter(pk=_int(request.POST.get("entry"))).first()
                if entry is None:
                    raise AssessmentError(_("This entry is not waiting for your approval."))
                services.decide_entry(request.user, entry, action == "approve", request.POST.get("note", "").strip())
                messages.success(request, _("Entry approved.") if action == "approve" else _("Entry rejected."))
            elif action in ("uphold", "dismiss"):
                _pending, appeals = services.open_entries(request.user)
                appeal = appeals.filter(pk=_int(request.POST.get("appeal"))).first()
                if appeal is None:
                    raise AssessmentError(_("This appeal is not waiting for your decision."))
                services.decide_appeal(request.user, appeal, action == "uphold", request.POST.get("decision", ""))
                messages.success(request, _("Appeal upheld; the entry is reversed.") if action == "uphold" else _("Appeal dismissed."))
            else:
                raise AssessmentError(_("Unknown action."))
        except AssessmentError as exc:
            error = str(exc)
        else:
            return redirect("assessment:points_approvals")
    pending, appeals = services.open_entries(request.user)
    return render(request, "assessment/points_approvals.html", {
        "pending": pending.select_related("member__person", "rule", "created_by").order_by("day", "pk")[:200],
        "pending_count": pending.count(),
        "appeals": appeals.select_related("entry", "entry__rule", "entry__member__person").order_by("filed_at", "pk")[:200],
        "appeals_count": appeals.count(), "error": error,
    })


def points_member(request, pk):
    if not scoping.can(request.user, roles.VIEW):
        raise PermissionDenied
    member = scoping.scope(PartyMember.objects.select_related("person", "party_org"), request.user, "node_path").filter(pk=pk).first()
    if member is None:
        raise Http404
    can_assess = services.can_assess(request.user, member.node_path)
    rules = PointsRule.objects.filter(district_id=member.district_id, source="manual", active=True)
    error = None
    values = {"rule": request.POST.get("rule", ""), "points": request.POST.get("points", ""),
              "day": request.POST.get("day", timezone.localdate().isoformat()), "note": request.POST.get("note", "")}
    if request.method == "POST":
        if not can_assess:
            raise PermissionDenied
        rule = rules.filter(pk=_int(values["rule"])).first()
        try:
            if rule is None:
                raise AssessmentError(_("Choose a rule."))
            day = parse_date(values["day"]) if values["day"] else None
            entry = services.create_manual(request.user, member, rule, values["points"], day, values["note"])
        except (AssessmentError, ValueError) as exc:
            error = str(exc) if isinstance(exc, AssessmentError) else _("Enter a valid day.")
        else:
            messages.success(request, _("Entry saved; it counts once approved."))
            return redirect(f"{request.path}?year={entry.year}")
    accounts = list(PointsAccount.objects.filter(member=member).order_by("-year"))
    year = _year(request, [a.year for a in accounts])
    return render(request, "assessment/points_member.html", {
        "member": member, "accounts": accounts, "year": year, "account": next((a for a in accounts if a.year == year), None),
        "entries": _ledger(member, year), "can_assess": can_assess, "rules": rules, "values": values, "error": error,
        "today": timezone.localdate(), "min_day": datetime.date(timezone.localdate().year - 1, 1, 1),
    })
