"""Read-only case queries for the pages: what a user sees, their task buckets, the open-cases map,
and the KPI table (per department, grid, community, subdistrict and period) with its Excel export."""
import datetime as dt
import io
from zoneinfo import ZoneInfo

from django.db.models import Case as SqlCase, Count, F, IntegerField, Q, Value, When
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _, gettext_lazy

from gridgov.hierarchy.models import CELL_KINDS, Node
from gridgov.hierarchy.services import STEPLEN, subtree_q
from gridgov.people import scoping

from . import permissions as perms
from . import services
from .models import Assignment, Case, Department, Evaluation
from .workflow import ACTIVE_STATES

# ---------------------------------------------------------------- what a user sees


def visible_cases(user):
    """The cases a user may read: services.scoped_cases, the one scoping rule for cases."""
    return services.scoped_cases(user)


def overdue_first(qs, now=None):
    """Order a case queryset overdue first, then by the nearest deadline, then newest."""
    now = now or timezone.now()
    late = SqlCase(When(Q(overdue_at__isnull=False) | Q(deadline__lt=now), then=Value(0)), default=Value(1), output_field=IntegerField())
    return qs.annotate(late=late).order_by("late", F("deadline").asc(nulls_last=True), "-reported_at")


# ---------------------------------------------------------------- my tasks


def _levels_dispatched_at(depth):
    """The case levels a dispatcher whose post is at `depth` works on (the community also takes grid cases)."""
    return [lvl for lvl in perms.LEVEL_ORDER if min(perms.LEVEL_DEPTH[lvl], 3) == depth]


def _posts(user, perm):
    return [p for p in scoping.active_posts(user) if perm in perms.CASE_PERMS.get(p.role, ())]


def _any(qs_list):
    q = Q()
    for item in qs_list:
        q |= item
    return q


BUCKETS = [
    # key, label, role group
    ("register", gettext_lazy("To register"), "dispatcher"),
    ("dispatch", gettext_lazy("To dispatch"), "dispatcher"),
    ("extension", gettext_lazy("Extension requests"), "dispatcher"),
    ("close", gettext_lazy("To close"), "dispatcher"),
    ("accept", gettext_lazy("To accept"), "handler"),
    ("handle", gettext_lazy("To handle"), "handler"),
    ("contribute", gettext_lazy("Joint handling: your part"), "handler"),
    ("verify", gettext_lazy("To verify"), "verifier"),
    ("evaluate", gettext_lazy("Your reports to evaluate"), "reporter"),
    ("mine", gettext_lazy("Your reports in progress"), "reporter"),
]


def task_querysets(user):
    """{bucket key: queryset} of the buckets that apply to the user's roles (unordered)."""
    base = services.scoped_cases(user)
    out = {}
    dispatch_posts = _posts(user, perms.DISPATCH)
    if dispatch_posts:
        # "At their level": a community dispatches its grid- and community-level cases, a
        # subdistrict its subdistrict-level ones, the district the district-level ones.
        area = _any(subtree_q(p.node.path, "node_path") & Q(level__in=_levels_dispatched_at(p.node.depth)) for p in dispatch_posts)
        # The district (redundant with the paths) lets the database use its (district, state) index.
        mine = base.filter(area, district_id__in={p.district_id for p in dispatch_posts})
        out["register"] = mine.filter(state="reported")
        out["dispatch"] = mine.filter(state="registered")
        out["extension"] = mine.filter(state="handling", extension_requested__isnull=False)
        out["close"] = mine.filter(state="verified")
    person = perms.person_of(user)
    departments = perms.department_ids(user)
    if departments:
        # Subqueries rather than joins: one row per case, no DISTINCT needed.
        def assigned(**kw):
            return Q(pk__in=Assignment.objects.filter(department_id__in=departments, **kw).values("case_id"))

        out["accept"] = base.filter(assigned(lead=True), state="dispatched")
        out["handle"] = base.filter(assigned(lead=True), state="handling")
        out["contribute"] = base.filter(assigned(lead=False, done=False), state="handling")
    verify_posts = [p for p in _posts(user, perms.VERIFY) if p.node.kind in CELL_KINDS]
    if verify_posts:
        out["verify"] = base.filter(_any(subtree_q(p.node.path, "node_path") for p in verify_posts),
                                    district_id__in={p.district_id for p in verify_posts}, state="handled")
    if getattr(user, "is_authenticated", False):
        own = Q(created_by_id=user.pk)
        if person is not None:
            own |= Q(reporter_id=person.pk)
        reported = visible_cases(user).filter(own)
        out["evaluate"] = reported.filter(state="closed")
        out["mine"] = reported.filter(state__in=ACTIVE_STATES)
    return out


def task_buckets(user, limit=50, now=None):
    """[{key, label, count, overdue, cases}] in a fixed order, each list overdue first."""
    now = now or timezone.now()
    querysets = task_querysets(user)
    buckets = []
    for key, label, _group in BUCKETS:
        qs = querysets.get(key)
        if qs is None:
            continue
        counts = qs.aggregate(n=Count("pk"), late=Count("pk", filter=Q(overdue_at__isnull=False) | Q(deadline__lt=now)))
        cases = list(overdue_first(qs.select_related("category", "category__parent", "grid", "department"), now)[:limit])
        buckets.append({"key": key, "label": label, "count": counts["n"], "overdue": counts["late"], "cases": cases})
    return buckets


# ---------------------------------------------------------------- the open-cases map

MAP_LIMIT = 5000


def open_cases_geojson(user, limit=None, now=None, district=None):
    """Open cases the user may see (in `district`, when given) as GeoJSON points, newest first,
    at most `limit` (MAP_LIMIT)."""
    now, limit = now or timezone.now(), limit or MAP_LIMIT
    qs = visible_cases(user).filter(state__in=ACTIVE_STATES)
    if district is not None:
        qs = qs.filter(district=district)
    rows = list(
        qs.order_by("-reported_at", "-pk")
        .values_list("number", "lon", "lat", "state", "level", "category__name", "deadline", "overdue_at")[:limit + 1]
    )
    truncated = len(rows) > limit
    states = dict(Case.STATES)
    features = [{
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {
            "number": number, "state": state, "state_label": str(states.get(state, state)), "level": level,
            "category": category, "overdue": bool(overdue_at or (deadline and deadline < now)),
            "url": f"/cases/{number}/",
        },
    } for number, lon, lat, state, level, category, deadline, overdue_at in rows[:limit]]
    return {"type": "FeatureCollection", "features": features, "truncated": truncated, "limit": limit}


# ---------------------------------------------------------------- KPIs

GROUPS = [
    ("department", gettext_lazy("Department")),
    ("grid", gettext_lazy("Grid")),
    ("community", gettext_lazy("Community")),
    ("subdistrict", gettext_lazy("Subdistrict")),
]
# Depth of the node a path prefix of that many levels names (the district is depth 1).
GROUP_DEPTH = {"subdistrict": 2, "community": 3}

# Composite score: weight of each rate; for rework, overdue and extension lower is better.
DEFAULT_WEIGHTS = {"closure_rate": 20, "on_time_rate": 30, "rework_rate": 10, "overdue_rate": 5,
                   "extension_rate": 5, "satisfaction_rate": 30}
LOWER_IS_BETTER = {"rework_rate", "overdue_rate", "extension_rate"}

COLUMNS = [
    # key, label, kind (count | rate | score)
    ("registered", gettext_lazy("Registered"), "count"),
    ("due", gettext_lazy("Due"), "count"),
    ("closed", gettext_lazy("Closed"), "count"),
    ("closure_rate", gettext_lazy("Closure rate"), "rate"),
    ("on_time", gettext_lazy("On time"), "count"),
    ("on_time_rate", gettext_lazy("On-time rate"), "rate"),
    ("rework_rate", gettext_lazy("Rework rate"), "rate"),
    ("overdue", gettext_lazy("Overdue"), "count"),
    ("extension_rate", gettext_lazy("Extension rate"), "rate"),
    ("satisfaction_rate", gettext_lazy("Satisfaction rate"), "rate"),
    ("score", gettext_lazy("Composite score"), "score"),
]


def weights_for(district):
    """The district's KPI weights (settings["kpi_weights"]) over the defaults; bad values are ignored."""
    weights = dict(DEFAULT_WEIGHTS)
    for key, value in (district.settings.get("kpi_weights") or {}).items():
        if key in weights:
            try:
                value = float(value)
            except (TypeError, ValueError):
                continue
            if value >= 0:
                weights[key] = value
    return weights


def month_period(district, year, month):
    """[start, end) of a calendar month in the district's time zone."""
    tz = ZoneInfo(district.timezone)
    start = dt.datetime(year, month, 1, tzinfo=tz)
    end = dt.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=tz)
    return start, end


def date_period(district, first, last):
    """[start, end) from the first to the last date inclusive, in the district's time zone."""
    tz = ZoneInfo(district.timezone)
    return dt.datetime.combine(first, dt.time(), tz), dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tz)


def _key_expression(group, prefix=""):
    if group == "department":
        return F(f"{prefix}department_id")
    if group == "grid":
        return F(f"{prefix}node_path")
    return Substr(f"{prefix}node_path", 1, GROUP_DEPTH[group] * STEPLEN)


def cohort(district, start, end, user=None):
    """The cases a KPI period is about: reported in [start, end), not voided, in the user's scope."""
    qs = Case.objects.filter(district=district, reported_at__gte=start, reported_at__lt=end).exclude(state="voided")
    return scoping.scope(qs, user, "node_path") if user is not None else qs


def _rate(part, whole):
    return part / whole if whole else None


def kpi_table(district, group, start, end, user=None, weights=None, now=None):
    """Ranked KPI rows of `group` for the cases reported in [start, end), as they stand now.

    registered: registered (立案); due (应结案): closed, or handling deadline passed by the period's
    end; closed (结案); on time (按期结案): closed_on_time; rework, overdue and extension count the
    cases with rework_count > 0, was_overdue and extended; closure and on-time rates are over due,
    rework and extension rates over dispatched cases, the overdue rate over registered ones; the
    satisfaction rate is satisfied + basically satisfied over all evaluations of those cases."""
    if group not in dict(GROUPS):
        raise ValueError(group)
    now = now or timezone.now()
    cutoff = min(end, now)
    weights = weights if weights is not None else weights_for(district)
    cases = cohort(district, start, end, user)
    if group == "department":
        cases = cases.filter(department__isnull=False)
    counted = {
        row["key"]: row
        for row in cases.annotate(key=_key_expression(group)).values("key").annotate(
            total=Count("pk"),
            registered=Count("pk", filter=Q(registered_at__isnull=False)),
            dispatched=Count("pk", filter=Q(dispatched_at__isnull=False)),
            due=Count("pk", filter=Q(closed_at__isnull=False) | Q(handle_deadline__lt=cutoff)),
            closed=Count("pk", filter=Q(closed_at__isnull=False)),
            on_time=Count("pk", filter=Q(closed_on_time=True)),
            reworked=Count("pk", filter=Q(rework_count__gt=0)),
            overdue=Count("pk", filter=Q(was_overdue=True)),
            extended=Count("pk", filter=Q(extended=True)),
        ).order_by()
    }
    evaluations = Evaluation.objects.filter(case__in=cases)
    rated = {
        row["key"]: row
        for row in evaluations.annotate(key=_key_expression(group, "case__")).values("key").annotate(
            evaluations=Count("pk"), satisfied=Count("pk", filter=Q(rating__in=("satisfied", "basic"))),
        ).order_by()
    }
    names = _names(district, group, counted.keys())
    rows = []
    for key, c in counted.items():
        e = rated.get(key, {"evaluations": 0, "satisfied": 0})
        row = {
            "key": key, **names.get(key, {"name": str(key), "code": ""}),
            "reported": c["total"], "registered": c["registered"], "dispatched": c["dispatched"], "due": c["due"],
            "closed": c["closed"], "on_time": c["on_time"], "reworked": c["reworked"], "overdue": c["overdue"],
            "extended": c["extended"], "evaluations": e["evaluations"], "satisfied": e["satisfied"],
        }
        row.update(
            closure_rate=_rate(c["closed"], c["due"]),
            on_time_rate=_rate(c["on_time"], c["due"]),
            rework_rate=_rate(c["reworked"], c["dispatched"]),
            overdue_rate=_rate(c["overdue"], c["registered"]),
            extension_rate=_rate(c["extended"], c["dispatched"]),
            satisfaction_rate=_rate(e["satisfied"], e["evaluations"]),
        )
        row["score"] = score(row, weights)
        rows.append(row)
    return rank(rows)


def score(row, weights):
    """0–100: the weighted mean of the rates present (lower-is-better rates inverted)."""
    total = weight_sum = 0.0
    for key, weight in weights.items():
        value = row.get(key)
        if value is None or not weight:
            continue
        total += weight * ((1 - value) if key in LOWER_IS_BETTER else value)
        weight_sum += weight
    return round(100 * total / weight_sum, 1) if weight_sum else None


def rank(rows):
    """Sort by score (none last), then by volume; equal scores share a rank (1, 2, 2, 4)."""
    rows.sort(key=lambda r: (r["score"] is None, -(r["score"] or 0), -r["registered"], r["code"], str(r["key"])))
    previous = None
    for i, row in enumerate(rows, start=1):
        row["rank"] = previous["rank"] if previous and previous["score"] == row["score"] else i
        previous = row
    return rows


def _names(district, group, keys):
    keys = [k for k in keys if k is not None]
    if group == "department":
        return {d.pk: {"name": d.name, "code": d.code} for d in Department.objects.filter(district=district, pk__in=keys)}
    return {path: {"name": name, "code": code, "node_id": pk}
            for path, name, code, pk in Node.objects.filter(district=district, path__in=keys).values_list("path", "name", "code", "pk")}


def kpi_workbook(rows, title, group_label):
    """The KPI table as .xlsx bytes: one header row, then one row per ranked unit."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = _("KPIs")[:31]
    ws.append([title])
    ws.append([_("Rank"), str(group_label), _("Code")] + [str(label) for _k, label, _t in COLUMNS])
    for row in rows:
        ws.append([row["rank"], row["name"], row["code"]] + [row[key] for key, _l, _t in COLUMNS])
    for col, (_key, _label, kind) in enumerate(COLUMNS, start=4):
        if kind == "rate":
            for cell in ws.iter_cols(min_col=col, max_col=col, min_row=3):
                for c in cell:
                    c.number_format = "0.0%"
    ws.column_dimensions["B"].width = 28
    ws.freeze_panes = "D3"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
