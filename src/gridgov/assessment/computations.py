"""The registry of index computations: each `@computation("key")` scores every organisation of a
scheme for one month at once (a few grouped queries, never one per organisation) and says which records did it."""
import bisect
import datetime as dt
import functools
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db.models import Count, Max, Q, Sum
from django.utils.translation import gettext_lazy as _

from gridgov.hierarchy.services import path_upper as _path_upper

# Every organisation asks for the bounds of its subtree once per indicator: remember them.
path_upper = functools.lru_cache(maxsize=65536)(_path_upper)

REGISTRY = {}


@dataclass
class Result:
    """One organisation's outcome: the measured value (None when nothing could be measured), the
    share of the weight earned (0..1; for a veto item 1 means vetoed) and the evidence."""

    value: float | None
    ratio: float
    evidence: dict = field(default_factory=dict)


@dataclass
class Computation:
    key: str
    label: str
    fn: object


def computation(key, label=""):
    def register(fn):
        REGISTRY[key] = Computation(key, label or key, fn)
        return fn
    return register


def choices():
    return [(key, str(c.label)) for key, c in sorted(REGISTRY.items())]


# ---------------------------------------------------------------- the month and the organisations

def add_months(day, n):
    m = day.year * 12 + day.month - 1 + n
    return dt.date(m // 12, m % 12 + 1, 1)


@dataclass
class Org:
    pk: int
    kind: str
    path: str
    node_id: int
    secretary_id: int | None
    honours: list


class MonthContext:
    """What every computation of one run shares: the district, the month's bounds in the district's
    time zone, the organisations (in path order) and a cache for queries several indicators use."""

    def __init__(self, district, month, orgs, shared=None):
        self.district, self.month, self.orgs = district, month, orgs
        # Shared by the months of one batch (the demo's year): what does not depend on the month.
        self.shared = shared if shared is not None else {}
        self.tz = ZoneInfo(district.timezone)
        self.next_month = add_months(month, 1)
        self.last_day = self.next_month - dt.timedelta(days=1)
        self.start = self.at(month)
        self.end = self.at(self.next_month)
        self.cache = {}

    def at(self, day):
        return dt.datetime.combine(day, dt.time(), self.tz)

    def cached(self, key, fn):
        if key not in self.cache:
            self.cache[key] = fn()
        return self.cache[key]


@functools.lru_cache(maxsize=256)
def iso(value):
    return value.isoformat()


def subtree_filter(field_name, path):
    upper = path_upper(path)
    f = {f"{field_name}__gte": path}
    if upper is not None:
        f[f"{field_name}__lt"] = upper
    return f


class Area:
    """Sums per node path rolled up to subtrees: the rows are sorted by path once, so that a
    subtree is a contiguous slice and its sum two look-ups in prefix sums."""

    def __init__(self, rows, columns=1):
        merged = {}
        for row in rows:
            path, values = row[0], row[1:]
            acc = merged.setdefault(path, [0.0] * columns)
            for i in range(columns):
                acc[i] += float(values[i] or 0)
        self.paths = sorted(merged)
        self.prefix = [[0.0] for _ in range(columns)]
        for path in self.paths:
            for i in range(columns):
                self.prefix[i].append(self.prefix[i][-1] + merged[path][i])

    def sums(self, path):
        lo = bisect.bisect_left(self.paths, path)
        upper = path_upper(path)
        hi = len(self.paths) if upper is None else bisect.bisect_left(self.paths, upper)
        return [p[hi] - p[lo] for p in self.prefix]


# ---------------------------------------------------------------- turning a value into a ratio

def ratio_of(value, params):
    """The share of the weight a value earns: `target` (reach it for full points), or with
    `lower_is_better` `worst` (0 points at or above it). No value: `empty_ratio` (default 0)."""
    if value is None:
        return float(params.get("empty_ratio", 0))
    if params.get("lower_is_better"):
        worst = float(params.get("worst", 1)) or 1
        return max(0.0, min(1.0, 1 - value / worst))
    target = float(params.get("target", 1)) or 1
    return max(0.0, min(1.0, value / target))


def _rate(part, whole):
    return part / whole if whole else None


def _area_results(ctx, indicator, area, value_of, evidence_of):
    out = {}
    for org in ctx.orgs:
        value = value_of(area.sums(org.path))
        out[org.pk] = Result(value, ratio_of(value, indicator.params), evidence_of(org))
    return out


# ---------------------------------------------------------------- 组织建设 organisation

# 三会一课: the committee meeting and the theme party day monthly, the members' assembly and the
# party lecture at least once a quarter (the published rules); a district may change the lists.
DEFAULT_MONTHLY = ["committee", "theme_day"]
DEFAULT_QUARTERLY = ["assembly", "lecture"]
DEFAULT_GROUP_MONTHLY = ["group"]


@computation("meetings_on_time", _("Organisational-life meetings held on time"))
def meetings_on_time(ctx, indicator):
    from .models import Meeting

    monthly = indicator.params.get("monthly", DEFAULT_MONTHLY)
    quarterly = indicator.params.get("quarterly", DEFAULT_QUARTERLY)
    # A party group's organisational life is its own monthly 党小组会, not the branch's meetings.
    group_monthly = indicator.params.get("group_monthly", DEFAULT_GROUP_MONTHLY)
    quarter_start = dt.date(ctx.month.year, (ctx.month.month - 1) // 3 * 3 + 1, 1)
    quarter_end = ctx.month.month % 3 == 0
    since = ctx.at(quarter_start)
    held = {}
    for row in (Meeting.objects.filter(district=ctx.district, start__gte=since, start__lt=ctx.end, kind__in=[*monthly, *quarterly, *group_monthly])
                .values("party_org_id", "kind").annotate(last=Max("start")).order_by()):
        held.setdefault(row["party_org_id"], {})[row["kind"]] = row["last"]
    out = {}
    for org in ctx.orgs:
        kinds = held.get(org.pk, {})
        org_monthly, org_quarterly = (group_monthly, ()) if org.kind == "group" else (monthly, quarterly)
        if not quarter_end:
            # A quarterly meeting is due by the end of the quarter: before then, one already held
            # counts, one not yet held is not held against the organisation.
            org_quarterly = [k for k in org_quarterly if k in kinds]
        required = len(org_monthly) + len(org_quarterly)
        met = sum(1 for k in org_monthly if k in kinds and kinds[k] >= ctx.start) + sum(1 for k in org_quarterly if k in kinds)
        out[org.pk] = Result(met, met / required if required else 0.0, {
            "model": "assessment.meeting",
            "filter": {"party_org_id": org.pk, "start__gte": iso(since), "start__lt": iso(ctx.end)},
            "note": f"{met}/{required}",
        })
    return out


@computation("attendance_rate", _("Member attendance rate"))
def attendance_rate(ctx, indicator):
    from .models import Attendance

    rows = {r["meeting__party_org_id"]: r for r in (
        Attendance.objects.filter(meeting__district=ctx.district, meeting__start__gte=ctx.start, meeting__start__lt=ctx.end)
        .values("meeting__party_org_id")
        .annotate(n=Count("pk"), present=Count("pk", filter=Q(status="present")), leave=Count("pk", filter=Q(status="leave")))
        .order_by())}
    out = {}
    for org in ctx.orgs:
        r = rows.get(org.pk)
        # Members on approved leave are not counted against the organisation.
        value = _rate(r["present"], r["n"] - r["leave"]) if r else None
        out[org.pk] = Result(value, ratio_of(value, indicator.params), {
            "model": "assessment.attendance",
            "filter": {"meeting__party_org_id": org.pk, "meeting__start__gte": iso(ctx.start), "meeting__start__lt": iso(ctx.end)},
        })
    return out


@computation("branches_standard", _("Branches meeting the standard"))
def branches_standard(ctx, indicator):
    from gridgov.orgs.models import PartyOrg

    from .models import StandardCheck

    checks = dict(StandardCheck.objects.filter(district=ctx.district, year=ctx.month.year).values_list("party_org_id", "meets"))
    rows = []
    for pk, path, meets in PartyOrg.objects.filter(district=ctx.district, kind="branch").values_list("pk", "node__path", "meets_standard"):
        # This year's checklist when there is one, else the standing flag on the organisation.
        rows.append((path, 1, 1 if checks.get(pk, meets) else 0))
    area = Area(rows, 2)
    return _area_results(ctx, indicator, area, lambda s: _rate(s[1], s[0]), lambda org: {
        "model": "orgs.partyorg", "filter": {"kind": "branch", **subtree_filter("node__path", org.path)},
    })


# ---------------------------------------------------------------- 队伍建设 people

def _window_start(ctx, indicator):
    """First day of the measuring window: the month itself, or with `window_months` n the n months
    ending with it (service is seasonal; a yearly window is steadier)."""
    return add_months(ctx.month, 1 - int(indicator.params.get("window_months", 1)))


@computation("dual_service_hours", _("Dual-registered members' service hours per member"))
def dual_service_hours(ctx, indicator):
    from gridgov.people.models import DualRegistration, ServiceRecord

    since = _window_start(ctx, indicator)
    hours = ServiceRecord.objects.filter(district=ctx.district, kind="dual_registration", day__gte=since, day__lt=ctx.next_month)
    regs = DualRegistration.objects.filter(district=ctx.district, active=True, since__lt=ctx.next_month)
    rows = [(p, h, 0) for p, h in hours.values("node_path").annotate(h=Sum("hours")).values_list("node_path", "h").order_by()]
    rows += [(p, 0, n) for p, n in regs.values("node_path").annotate(n=Count("pk")).values_list("node_path", "n").order_by()]
    area = Area(rows, 2)
    return _area_results(ctx, indicator, area, lambda s: _rate(s[0], s[1]), lambda org: {
        "model": "people.servicerecord",
        "filter": {"kind": "dual_registration", "day__gte": iso(since), "day__lt": iso(ctx.next_month), **subtree_filter("node_path", org.path)},
    })


@computation("member_points", _("Average member points"))
def member_points(ctx, indicator):
    from .models import PointsAccount

    rows = PointsAccount.objects.filter(district=ctx.district, year=ctx.month.year).values("node_path").annotate(
        s=Sum("total"), n=Count("pk")).values_list("node_path", "s", "n").order_by()
    area = Area(rows, 2)
    return _area_results(ctx, indicator, area, lambda s: _rate(s[0], s[1]), lambda org: {
        "model": "assessment.pointsaccount", "filter": {"year": ctx.month.year, **subtree_filter("node_path", org.path)},
    })


@computation("secretary_training", _("Secretary training completed"))
def secretary_training(ctx, indicator):
    from gridgov.people.models import TrainingRecord

    year_start = dt.date(ctx.month.year, 1, 1)
    hours = dict(TrainingRecord.objects.filter(district=ctx.district, day__gte=year_start, day__lt=ctx.next_month)
                 .values("person_id").annotate(h=Sum("hours")).values_list("person_id", "h").order_by())
    # The yearly target is due pro rata: by the end of month m, m twelfths of it.
    target = float(indicator.params.get("hours_per_year", 12)) * ctx.month.month / 12
    out = {}
    for org in ctx.orgs:
        if org.secretary_id is None:
            out[org.pk] = Result(None, 0.0, {"note": "no secretary"})
            continue
        value = float(hours.get(org.secretary_id) or 0)
        out[org.pk] = Result(value, min(1.0, value / target) if target else 1.0, {
            "model": "people.trainingrecord",
            "filter": {"person_id": org.secretary_id, "day__gte": iso(year_start), "day__lt": iso(ctx.next_month)},
        })
    return out


# ---------------------------------------------------------------- 阵地建设 positions

@computation("centre_activities", _("Service-centre activities per month"))
def centre_activities(ctx, indicator):
    from gridgov.orgs.models import ServiceCentre

    from .models import Meeting

    activities = Area(Meeting.objects.filter(district=ctx.district, kind="activity", start__gte=ctx.start, start__lt=ctx.end)
                      .values("node_path").annotate(n=Count("pk")).values_list("node_path", "n").order_by())
    centre_paths = set(ServiceCentre.objects.filter(district=ctx.district).values_list("node__path", flat=True))
    centres = Area([(p, 1) for p in centre_paths])
    steplen = _steplen()
    out = {}
    for org in ctx.orgs:
        n = activities.sums(org.path)[0]
        # A position the organisation can use: a centre in its area or at one of the nodes above.
        has_centre = centres.sums(org.path)[0] > 0 or any(
            org.path[:i] in centre_paths for i in range(steplen, len(org.path), steplen))
        ratio = ratio_of(n, indicator.params) * (1.0 if has_centre else float(indicator.params.get("without_centre", 0.5)))
        out[org.pk] = Result(n, ratio, {
            "model": "assessment.meeting",
            "filter": {"kind": "activity", "start__gte": iso(ctx.start), "start__lt": iso(ctx.end), **subtree_filter("node_path", org.path)},
            "note": "centre" if has_centre else "no centre",
        })
    return out


def _steplen():
    from gridgov.hierarchy.services import STEPLEN

    return STEPLEN


@computation("grid_completeness", _("Completeness of grid staffing (five chiefs, one team, one venue)"))
def grid_completeness(ctx, indicator):
    from gridgov.hierarchy.models import Node
    from gridgov.orgs.services import staffing_many

    cell = ctx.district.cell_kind
    # The checklist of orgs.services (one fixed set of queries for all grids of the district).
    # The checklist is as the grids stand today (posts and teams have no history), so one batch
    # of months computes it once.
    key = ("staffing", ctx.district.pk)
    if key not in ctx.shared:
        checklists = staffing_many(Node.objects.filter(district=ctx.district, kind=cell).order_by("path"))
        ctx.shared[key] = [(s.grid.path, 1, 1 if s.complete else 0) for s in checklists]
    area = Area(ctx.shared[key], 2)
    return _area_results(ctx, indicator, area, lambda s: _rate(s[1], s[0]), lambda org: {
        "model": "hierarchy.node", "filter": {"kind": cell, **subtree_filter("path", org.path)}, "checklist": True,
    })


# ---------------------------------------------------------------- 治理效能 governance

def _closed_in_month(ctx):
    from gridgov.cases.models import Case

    def load():
        return Area(Case.objects.filter(district=ctx.district, closed_at__gte=ctx.start, closed_at__lt=ctx.end)
                    .values("node_path").annotate(
                        n=Count("pk"), on_time=Count("pk", filter=Q(closed_on_time=True)),
                        reworked=Count("pk", filter=Q(rework_count__gt=0)))
                    .values_list("node_path", "n", "on_time", "reworked").order_by(), 3)
    return ctx.cached("closed", load)


def _closed_evidence(ctx, org, **extra):
    return {"model": "cases.case", "filter": {"closed_at__gte": iso(ctx.start), "closed_at__lt": iso(ctx.end), **extra,
                                              **subtree_filter("node_path", org.path)}}


@computation("cases_on_time", _("On-time case closure in the area"))
def cases_on_time(ctx, indicator):
    return _area_results(ctx, indicator, _closed_in_month(ctx), lambda s: _rate(s[1], s[0]), lambda org: _closed_evidence(ctx, org))


@computation("rework_rate", _("Rework rate (lower is better)"))
def rework_rate(ctx, indicator):
    return _area_results(ctx, indicator, _closed_in_month(ctx), lambda s: _rate(s[2], s[0]),
                         lambda org: _closed_evidence(ctx, org, rework_count__gt=0))


def _outstanding(ctx, qs):
    """Cases that were open at some time in the month: reported before its end, not closed before
    its start; `resolved` = closed by its end."""
    return (qs.filter(district=ctx.district, reported_at__lt=ctx.end).exclude(state="voided")
            .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=ctx.start)))


def _outstanding_evidence(ctx, org, **extra):
    return {"model": "cases.case", "filter": {"reported_at__lt": iso(ctx.end), **extra, **subtree_filter("node_path", org.path)},
            "exclude": {"state": "voided", "closed_at__lt": iso(ctx.start)}}


@computation("escalations_resolved", _("Escalated cases resolved"))
def escalations_resolved(ctx, indicator):
    from gridgov.cases.models import Case

    area = Area(_outstanding(ctx, Case.objects.filter(escalations__gt=0)).values("node_path")
                .annotate(n=Count("pk"), done=Count("pk", filter=Q(closed_at__lt=ctx.end)))
                .values_list("node_path", "n", "done").order_by(), 2)
    return _area_results(ctx, indicator, area, lambda s: _rate(s[1], s[0]),
                         lambda org: _outstanding_evidence(ctx, org, escalations__gt=0))


# 红色物业: the cases about property management. The case catalogue has no property flag, so the
# categories are chosen by words in their own or their parent's name (default 物业).
DEFAULT_PROPERTY_WORDS = ["物业"]


def _property_q(words):
    q = Q(pk__in=[])
    for word in words:
        q |= Q(name__contains=word) | Q(parent__name__contains=word)
    return q


@computation("red_property_solved", _("Red-property problems solved"))
def red_property_solved(ctx, indicator):
    from gridgov.cases.models import Case, Category

    words = indicator.params.get("category_words", DEFAULT_PROPERTY_WORDS)
    categories = sorted(Category.objects.filter(district=ctx.district).filter(_property_q(words)).values_list("pk", flat=True))
    area = Area(_outstanding(ctx, Case.objects.filter(category_id__in=categories)).values("node_path")
                .annotate(n=Count("pk"), done=Count("pk", filter=Q(closed_at__lt=ctx.end)))
                .values_list("node_path", "n", "done").order_by(), 2)
    return _area_results(ctx, indicator, area, lambda s: _rate(s[1], s[0]),
                         lambda org: _outstanding_evidence(ctx, org, category_id__in=categories))


# ---------------------------------------------------------------- 服务群众 service

@computation("satisfaction", _("Resident satisfaction"))
def satisfaction(ctx, indicator):
    from gridgov.cases.models import Evaluation

    area = Area(Evaluation.objects.filter(case__district=ctx.district, at__gte=ctx.start, at__lt=ctx.end)
                .values("case__node_path").annotate(n=Count("pk"), ok=Count("pk", filter=Q(rating__in=("satisfied", "basic"))))
                .values_list("case__node_path", "n", "ok").order_by(), 2)
    return _area_results(ctx, indicator, area, lambda s: _rate(s[1], s[0]), lambda org: {
        "model": "cases.evaluation",
        "filter": {"at__gte": iso(ctx.start), "at__lt": iso(ctx.end), **subtree_filter("case__node_path", org.path)},
    })


@computation("volunteer_hours", _("Volunteer hours per thousand residents"))
def volunteer_hours(ctx, indicator):
    from gridgov.people.models import Resident, ServiceRecord

    since = _window_start(ctx, indicator)
    rows = [(p, h, 0) for p, h in ServiceRecord.objects.filter(
        district=ctx.district, kind="volunteer", day__gte=since, day__lt=ctx.next_month)
        .values("node_path").annotate(h=Sum("hours")).values_list("node_path", "h").order_by()]
    rows += [(p, 0, n) for p, n in Resident.objects.filter(district=ctx.district)
             .values("node_path").annotate(n=Count("pk")).values_list("node_path", "n").order_by()]
    area = Area(rows, 2)
    return _area_results(ctx, indicator, area, lambda s: s[0] * 1000 / s[1] if s[1] else None, lambda org: {
        "model": "people.servicerecord",
        "filter": {"kind": "volunteer", "day__gte": iso(since), "day__lt": iso(ctx.next_month), **subtree_filter("node_path", org.path)},
    })


@computation("rectification_done", _("Rectification tasks completed on time"))
def rectification_done(ctx, indicator):
    from .models import ListItem

    # The tasks due by the end of the month; done means done by then.
    area = Area(ListItem.objects.filter(district=ctx.district, kind=ListItem.RECTIFICATION, due__lt=ctx.next_month)
                .exclude(state="cancelled").values("node_path")
                .annotate(n=Count("pk"), done=Count("pk", filter=Q(state="done", done_on__lt=ctx.next_month)))
                .values_list("node_path", "n", "done").order_by(), 2)
    return _area_results(ctx, indicator, area, lambda s: _rate(s[1], s[0]), lambda org: {
        "model": "assessment.listitem",
        "filter": {"kind": "rectification", "due__lt": iso(ctx.next_month), **subtree_filter("node_path", org.path)},
        "exclude": {"state": "cancelled"},
    })


# ---------------------------------------------------------------- 特色创新 innovation

@computation("committee_activity", _("Expanded party committee (大党委) in place and active"))
def committee_activity(ctx, indicator):
    """The organisation's expanded committee is the nearest one at its node or above (a grid
    branch works under its community's 大党委); the measure is its seats, external seats counting
    double since co-building is what the committee is for. No activity log exists for committees yet."""
    from gridgov.orgs.models import ExpandedCommitteeMember

    seats = {}
    for cid, path, external, n in (ExpandedCommitteeMember.objects.filter(committee__district=ctx.district)
                                   .values("committee_id", "committee__node__path", "external")
                                   .annotate(n=Count("pk")).values_list("committee_id", "committee__node__path", "external", "n").order_by()):
        entry = seats.setdefault(path, [cid, 0.0])
        entry[0] = min(entry[0], cid)
        entry[1] += n * (2 if external else 1)
    steplen = _steplen()
    out = {}
    for org in ctx.orgs:
        found = None
        for i in range(len(org.path), 0, -steplen):
            if org.path[:i] in seats:
                found = seats[org.path[:i]]
                break
        value = found[1] if found else None
        out[org.pk] = Result(value, ratio_of(value, indicator.params),
                             {"model": "orgs.expandedcommitteemember", "filter": {"committee_id": found[0]}} if found else {"note": "no committee"})
    return out


# ---------------------------------------------------------------- bonus and veto

@computation("honours", _("Honours won"))
def honours(ctx, indicator):
    per = float(indicator.params.get("points_per_honour", 2))
    maximum = float(indicator.maximum or 0)
    out = {}
    for org in ctx.orgs:
        n = len(org.honours or [])
        earned = min(maximum, n * per)
        out[org.pk] = Result(n, earned / maximum if maximum else 0.0,
                             {"model": "orgs.partyorg", "filter": {"pk": org.pk}, "honours": list(org.honours or [])})
    return out


@computation("lapsed", _("Lapsed organisation (no meeting for three months)"))
def lapsed(ctx, indicator):
    from .models import Meeting

    from gridgov.people.models import PartyMember

    months = int(indicator.params.get("months", 3))
    kinds = indicator.params.get("org_kinds", ["branch", "general_branch"])
    since = ctx.at(add_months(ctx.month, 1 - months))
    met = set(Meeting.objects.filter(district=ctx.district, start__gte=since, start__lt=ctx.end)
              .values_list("party_org_id", flat=True).distinct().order_by())
    # An organisation with no member on record cannot hold organisational life on the platform:
    # it is not judged lapsed (its roll is what is missing), unless the scheme says otherwise.
    staffed = None
    if indicator.params.get("needs_members", True):
        staffed = set(PartyMember.objects.filter(district=ctx.district, status__in=("full", "probationary"))
                      .values_list("party_org_id", flat=True).distinct().order_by())
    out = {}
    for org in ctx.orgs:
        applies = org.kind in kinds and (staffed is None or org.pk in staffed)
        vetoed = applies and org.pk not in met
        out[org.pk] = Result(None if not applies else (0 if vetoed else 1), 1.0 if vetoed else 0.0, {
            "model": "assessment.meeting", "filter": {"party_org_id": org.pk, "start__gte": iso(since), "start__lt": iso(ctx.end)},
        })
    return out
