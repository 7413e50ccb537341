"""The dashboard of one node (district, subdistrict, community or grid): the figures that matter at
that level, each with the list behind it, its children one click away; read from aggregates."""
import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.db.models import Avg, Count, Max, Q, Sum
from django.db.models.functions import Substr
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from gridgov.hierarchy.models import Node
from gridgov.hierarchy.services import subtree_q
from gridgov.people import roles, scoping

from . import tallies
from .models import GridCaseMonth, GridCaseState

TREND_MONTHS = 12
LEADERS = 5
UPCOMING_DAYS = 14


class NotAllowed(Exception):
    pass


@dataclass
class Figure:
    key: str  # stable name (Excel, tests); the `gridgov stats` key where there is one
    label: str
    value: object
    url: str = ""
    unit: str = ""
    stats_key: str = ""  # equals `gridgov stats --json` counts[stats_key] on a district's dashboard


@dataclass
class Section:
    key: str
    title: str
    figures: list = field(default_factory=list)


def _url(name, args=None, **params):
    base = reverse(name, args=args)
    params = {k: v for k, v in params.items() if v not in (None, "")}
    return f"{base}?{urlencode(params)}" if params else base


def local_month(district, today=None):
    today = today or timezone.now().astimezone(ZoneInfo(district.timezone)).date()
    return dt.date(today.year, today.month, 1)


def parse_month(value):
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        if 2000 <= year <= 2100 and 1 <= month <= 12:
            return dt.date(year, month, 1)
    except ValueError:
        pass
    return None


def _months_back(month, n):
    out = []
    y, m = month.year, month.month
    for _i in range(n):
        out.append(dt.date(y, m, 1))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out[::-1]


def node_for(user, pk=None):
    """The node a dashboard is about: `pk` if the user may read it, else their home node."""
    if pk is None:
        node = scoping.home_node(user)
        if node is None or not scoping.can(user, roles.VIEW, node):
            raise NotAllowed
        return node
    node = scoping.scoped_nodes(user, roles.VIEW).select_related("district").filter(pk=pk).first()
    if node is None:
        raise NotAllowed
    return node


def _within(node, field="node_path"):
    return Q(district_id=node.district_id) & subtree_q(node.path, field)


def board(user, node, month=None):
    """Everything the dashboard of `node` shows, as plain data (the page, the Excel and the print
    view render it). The caller has checked that the user may read `node`, hence its whole subtree:
    nothing below depends on who asks. Case figures are read live from the tallies; the rest is
    recomputed when its district's data changes (freshness.py)."""
    district = node.district
    month = month or local_month(district)
    slow = _slow_figures(node, month)
    t = tallies.totals(district, node.path, month)
    pk = node.pk
    first, last = month, _month_end(month)
    month_params = {"node": pk, "date_from": first.isoformat(), "date_to": last.isoformat()}
    kpi = _url("cases:kpi", month=month.strftime("%Y-%m"))
    cases = Section("cases", _("Cases"), [
        Figure("case", _("All cases"), t["total"], _url("cases:list", node=pk), stats_key="case"),
        Figure("case_open", _("Open now"), t["open"], _url("cases:list", node=pk, phase="open"), stats_key="case_open"),
        Figure("case_closed", pgettext("case", "Closed"), t["closed"], _url("cases:list", node=pk, phase="closed"), stats_key="case_closed"),
        Figure("case_overdue", _("Overdue now"), t["overdue"], _url("cases:list", node=pk, phase="overdue")),
        Figure("month_reported", _("Reported this month"), t["month_reported"], _url("cases:list", **month_params)),
        Figure("month_closed", _("Of these closed"), t["month_closed"], _url("cases:list", phase="closed", **month_params)),
        Figure("month_on_time_rate", _("Closed on time"), _pct(t["month_on_time"], t["month_closed"]), kpi, unit="%"),
        Figure("month_satisfaction_rate", _("Satisfaction"), _pct(t["month_satisfied"], t["month_evaluations"]), kpi, unit="%"),
    ])
    sections = list(slow["sections"])
    sections.insert(slow["cases_at"], cases)
    return {
        "node": node, "district": district, "month": month, "sections": sections,
        "children": _children_cases(node, month, slow["children"]), "case_trend": _case_trend(node, month),
        "grade_trend": slow["grade_trend"], "bands": slow["bands"], "grade_month": slow["grade_month"],
        "leaders": slow["leaders"], "alerts": slow["alerts"], "meetings": slow["meetings"],
        "deliberations": slow["deliberations"], "computed_at": slow["computed_at"],
    }


def _slow_figures(node, month):
    """The figures that move slowly, cached per node, month, language and district version."""
    from django.core.cache import cache
    from django.utils.translation import get_language

    from . import freshness

    key = f"dashboard:board:{node.pk}:{month:%Y%m}:{get_language()}:{freshness.version(node.district_id)}"
    found = cache.get(key)
    if found is None:
        found = _compute_slow(node, month)
        cache.set(key, found, freshness.TTL)
    return found


def _compute_slow(node, month):
    from gridgov.assessment.models import Alert, Grade, Meeting, PointsAccount
    from gridgov.orgs.models import PartnerUnit, PartyOrg, ServiceCentre
    from gridgov.participation.models import Deliberation, Need, Resource
    from gridgov.people.models import PartyMember, Volunteer

    pk = node.pk
    sections = []

    # Organisations and members.
    orgs = PartyOrg.objects.filter(_within(node, "node__path")).aggregate(
        n=Count("pk"), grid=Count("pk", filter=Q(is_grid_branch=True)))
    members = PartyMember.objects.filter(_within(node)).exclude(status__in=["transferred_out", "deceased"]).count()
    sections.append(Section("orgs", _("Organisations and members"), [
        Figure("party_org", _("Party organisations"), orgs["n"], _url("orgs:party_orgs", node=pk), stats_key="party_org"),
        Figure("grid_party_branch", _("Grid party branches"), orgs["grid"], _url("orgs:party_orgs", node=pk, grid_branch=1), stats_key="grid_party_branch"),
        Figure("party_member", _("Party members"), members, _url("people:members", node=pk, status="current"), stats_key="party_member"),
        Figure("volunteer", _("Volunteers"), Volunteer.objects.filter(_within(node)).count(), _url("people:volunteers", node=pk), stats_key="volunteer"),
        Figure("service_centre", _("Service centres"), ServiceCentre.objects.filter(_within(node, "node__path")).count(),
               _url("orgs:service_centres", node=pk), stats_key="service_centre"),
        Figure("partner_unit", _("Partner units"), PartnerUnit.objects.filter(_within(node, "node__path")).count(),
               _url("orgs:partner_units", node=pk), stats_key="partner_unit"),
    ]))

    # Staffing 五长一队一阵地: grids whose five chiefs, secretary, team and venue are all there.
    from gridgov.orgs.services import staffing_summary

    staffing = staffing_summary(node)
    if staffing is not None:
        sections.append(Section("staffing", _("Five chiefs, one team, one venue"), [
            Figure("grids", _("Grids"), staffing["grids"]),
            Figure("grids_complete", _("Grids fully staffed"), staffing["complete"]),
            Figure("staffing_rate", _("Coverage"), staffing["rate"], unit="%"),
        ]))
    cases_at = len(sections)

    # Index grades: the latest graded month's distribution and the trend of the average.
    grades = Grade.objects.filter(_within(node))
    latest = grades.filter(month__lte=month).aggregate(m=Max("month"))["m"]
    bands = []
    if latest:
        rows = (grades.filter(month=latest).values("band_id", "band__name", "band__colour", "band__rank")
                .annotate(n=Count("pk")).order_by("band__rank"))
        bands = [{"name": r["band__name"] or _("No grade"), "colour": r["band__colour"] or "#999999", "n": r["n"],
                  "url": _url("assessment:grades", node=pk, month=latest.strftime("%Y-%m"), band=r["band_id"] or "")} for r in rows]
    months = _months_back(month, TREND_MONTHS)
    trend_rows = {r["month"]: r for r in grades.filter(month__gte=months[0], month__lte=month)
                  .values("month").annotate(avg=Avg("total")).order_by()}
    grade_trend = [{"month": m.strftime("%Y-%m"), "average": round(float(trend_rows[m]["avg"]), 1) if m in trend_rows else None}
                   for m in months]
    sections.append(Section("index", _("Index grades"), [
        Figure("graded", _("Organisations graded"), sum(b["n"] for b in bands),
               _url("assessment:grades", node=pk, month=latest.strftime("%Y-%m") if latest else "")),
        Figure("grade_month", _("Latest graded month"), latest.strftime("%Y-%m") if latest else "—"),
    ]))

    leaders = [
        {"name": a["member__person__name"], "org": a["member__party_org__name"] or "", "total": a["total"],
         "url": reverse("assessment:points_member", args=[a["member_id"]])}
        for a in PointsAccount.objects.filter(_within(node), year=month.year).order_by("-total", "member_id")
        .values("member_id", "member__person__name", "member__party_org__name", "total")[:LEADERS]
    ]

    alerts = Alert.objects.filter(_within(node), state="open")
    recent_alerts = [{"message": a.message, "at": a.raised_at, "url": reverse("assessment:alerts")}
                     for a in alerts.order_by("-raised_at", "-pk").only("message", "raised_at")[:5]]
    needs = Need.objects.filter(_within(node)).aggregate(n=Count("pk"), met=Count("pk", filter=Q(state__in=("met", "closed"))))
    sections.append(Section("participation", _("Sharing and needs"), [
        Figure("alerts_open", _("Open alerts"), alerts.count(), _url("assessment:alerts", state="open")),
        Figure("resources_active", _("Resources shared"), Resource.objects.filter(_within(node), active=True).count(),
               _url("participation:resources", node=pk)),
        Figure("needs", _("Needs raised"), needs["n"], _url("participation:needs", node=pk)),
        Figure("needs_met", _("Needs met"), needs["met"], _url("participation:needs", node=pk, state="met")),
    ]))

    now = timezone.now()
    soon = now + dt.timedelta(days=UPCOMING_DAYS)
    meetings = [{"title": m.title, "start": m.start, "where": m.party_org.name, "url": reverse("assessment:meeting", args=[m.pk])}
                for m in Meeting.objects.filter(_within(node), start__gte=now, start__lt=soon).select_related("party_org")
                .only("title", "start", "party_org__name").order_by("start")[:6]]
    deliberations = [{"title": d.title, "start": d.start, "where": d.node.name, "url": reverse("participation:deliberation", args=[d.pk])}
                     for d in Deliberation.objects.filter(_within(node, "node__path"), start__gte=now, start__lt=soon)
                     .select_related("node").only("title", "start", "node__name").order_by("start")[:6]]
    return {
        "sections": sections, "cases_at": cases_at, "bands": bands, "grade_month": latest, "grade_trend": grade_trend,
        "leaders": leaders, "alerts": recent_alerts, "meetings": meetings, "deliberations": deliberations,
        "children": _children_static(node), "computed_at": now,
    }


def _month_end(month):
    nxt = dt.date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def _pct(part, whole):
    return round(100.0 * part / whole, 1) if whole else None


def _case_trend(node, month):
    months = _months_back(month, TREND_MONTHS)
    rows = {r["month"]: r for r in GridCaseMonth.objects.filter(_within(node), month__gte=months[0], month__lte=month)
            .values("month").annotate(reported=Sum("reported"), closed=Sum("closed"), on_time=Sum("on_time")).order_by()}
    return [{"month": m.strftime("%Y-%m"), "reported": rows.get(m, {}).get("reported") or 0,
             "closed": rows.get(m, {}).get("closed") or 0} for m in months]


def _children_static(node):
    """The node's children (all readable: the caller may read the whole subtree) with their members."""
    from gridgov.people.models import PartyMember

    kids = list(Node.objects.filter(subtree_q(node.path), district_id=node.district_id, depth=node.depth + 1)
                .only("pk", "path", "name", "kind", "code").order_by("path"))
    if not kids:
        return []
    key = Substr("node_path", 1, len(kids[0].path))
    members = dict(PartyMember.objects.filter(_within(node)).exclude(status__in=["transferred_out", "deceased"])
                   .annotate(k=key).values("k").annotate(n=Count("pk")).values_list("k", "n").order_by())
    return [{"pk": k.pk, "path": k.path, "name": k.name, "kind": k.kind, "members": members.get(k.path, 0)} for k in kids]


def _children_cases(node, month, kids):
    """Each child with its case figures, read live from the tallies grouped by the child's path."""
    if not kids:
        return []
    key = Substr("node_path", 1, len(kids[0]["path"]))
    where = _within(node)
    state = {r["k"]: r for r in GridCaseState.objects.filter(where).annotate(k=key).values("k").annotate(
        open=Sum("open"), overdue=Sum("overdue")).order_by()}
    monthly = dict(GridCaseMonth.objects.filter(where, month=month).annotate(k=key).values("k").annotate(
        n=Sum("reported")).values_list("k", "n").order_by())
    return [{**kid, "url": reverse("dashboard:board", args=[kid["pk"]]),
             "open": (state.get(kid["path"]) or {}).get("open") or 0,
             "overdue": (state.get(kid["path"]) or {}).get("overdue") or 0,
             "reported": monthly.get(kid["path"]) or 0} for kid in kids]
