"""Data of the party-building map 党建地图 and the command centre's big screen 大屏: boundary layers
simplified per zoom and cached per geometry version, point layers, colouring figures, live figures.

Everything is read through gridgov.people.scoping: a user gets only their subtrees, in their district."""
import datetime as dt
import hashlib
import json
import math
import re
import threading
from collections import OrderedDict, defaultdict
from zoneinfo import ZoneInfo

import numpy as np
import shapely
from django.core.cache import cache
from django.db.models import Count, Max, Sum
from django.db.models.functions import Length, Substr
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _, gettext_lazy
from shapely.geometry import LineString, mapping, shape

from gridgov.assessment.models.index import Grade, GradeBand, Scheme
from gridgov.cases import kpi
from gridgov.cases.models import Case, Patrol
from gridgov.cases.workflow import ACTIVE_STATES
from gridgov.hierarchy.models import LEVEL_LABELS, District, Node
from gridgov.hierarchy.services import STEPLEN, subtree_q
from gridgov.orgs import services as org_services
from gridgov.orgs.models import PartnerUnit, PartyOrg, ServiceCentre
from gridgov.people import roles, scoping

from .models import GridCaseDay, GridCaseMonth, GridCaseState


class MapError(ValueError):
    """A request the map cannot answer (unknown layer); the message is for the user."""


# ---------------------------------------------------------------- layers

AREA_LAYERS = ("subdistrict", "community", "grid")  # "grid" means the district's cell level
POINT_LAYERS = ("centres", "party_orgs", "partners", "cases", "patrols")
LAYERS = AREA_LAYERS + POINT_LAYERS
LAYER_LABELS = {
    "subdistrict": gettext_lazy("Subdistricts"),
    "community": gettext_lazy("Communities"),
    "grid": gettext_lazy("Grids"),
    "centres": gettext_lazy("Service centres"),
    "party_orgs": gettext_lazy("Party organisations"),
    "partners": gettext_lazy("Partner units"),
    "cases": gettext_lazy("Open cases"),
    "patrols": gettext_lazy("Patrol tracks"),
}
COLOUR_MODES = [
    ("grade", gettext_lazy("Index grade")),
    ("open", gettext_lazy("Open cases")),
    ("density", gettext_lazy("Case density (per km²)")),
]

# Zoom buckets: (highest Leaflet zoom of the bucket, simplification tolerance in degrees, decimals
# kept). About one screen pixel at the bucket's zoom: a grid never looks different, the district
# at zoom 11 carries a fraction of the vertices.
ZOOM_BUCKETS = [(11, 0.0006, 4), (13, 0.00015, 5), (15, 0.00004, 5), (99, 0.0, 6)]
CACHE_SECONDS = 24 * 3600
_MEMO_SIZE = 24
_memo = OrderedDict()  # the cached tables this process used last, saving the cache's unpickling
_memo_lock = threading.Lock()

_GEOM_MARK = re.compile(r'"geometry":"@@GEOM:(\d+)@@"')
# Layers whose whole answer is cached for a short while (see layer_json).
CACHED_ANSWERS = AREA_LAYERS + ("centres", "party_orgs", "partners")
ANSWER_SECONDS = 30
PATROL_DAYS = 7
PATROL_LIMIT = 300
POINT_LIMIT = 5000
KM_PER_DEGREE = 111.32


def zoom_bucket(zoom):
    """Index of the bucket of Leaflet zoom `zoom` (anything unparseable counts as 12)."""
    try:
        zoom = int(float(zoom))
    except (TypeError, ValueError):
        zoom = 12
    for i, (top, _tol, _dec) in enumerate(ZOOM_BUCKETS):
        if zoom <= top:
            return i
    return len(ZOOM_BUCKETS) - 1


def level_kind(district, layer):
    """The node kind a boundary layer draws: "grid" is the district's cell level."""
    return district.cell_kind if layer == "grid" else layer


def level_depth(district, kind):
    """Tree depth of the nodes of `kind` (the district root is 1)."""
    levels = list(district.levels)
    if "district" not in levels:
        levels = ["district"] + levels
    return levels.index(kind) + 1 if kind in levels else None


def _km2(geom):
    """Area in km² of a lon/lat geometry (equirectangular at its centroid: plenty for a density)."""
    lat = geom.centroid.y if not geom.is_empty else 0.0
    return geom.area * KM_PER_DEGREE * KM_PER_DEGREE * math.cos(math.radians(lat))


def _simplify(geom, bucket):
    _top, tolerance, decimals = ZOOM_BUCKETS[bucket]
    out = geom.simplify(tolerance, preserve_topology=True) if tolerance else geom
    out = shapely.transform(out, lambda xy: np.round(xy, decimals))
    if out.is_empty:  # never drop a unit: at worst it is drawn unsimplified
        out = shapely.transform(geom, lambda xy: np.round(xy, 6))
    return out


def geometry_table(district, kind, bucket):
    """{node pk: (GeoJSON geometry text, area km², vertices)} of the district's `kind` nodes at a zoom
    bucket, from Django's cache under (district, geometry_version, kind, bucket)."""
    key = f"gridgov:map:geom:{district.pk}:{district.geometry_version}:{kind}:{bucket}"
    with _memo_lock:
        table = _memo.get(key)
        if table is not None:
            _memo.move_to_end(key)
            return table
    table = cache.get(key)
    if table is None:
        table = {}
        rows = Node.objects.filter(district=district, kind=kind, polygon__isnull=False).values_list("pk", "polygon")
        for pk, polygon in rows.iterator(chunk_size=500):
            try:
                geom = shape(polygon)
            except Exception:  # a malformed boundary is left off the map, not a 500
                continue
            simple = _simplify(geom, bucket)
            table[pk] = (json.dumps(mapping(simple), separators=(",", ":")), round(_km2(geom), 4), int(shapely.get_num_coordinates(simple)))
        cache.set(key, table, CACHE_SECONDS)
    with _memo_lock:
        _memo[key] = table
        while len(_memo) > _MEMO_SIZE:
            _memo.popitem(last=False)
    return table


def _url_pattern(name, arg=0):
    """reverse(name, args=[arg]) split around the argument: rows are then linked by formatting a
    string, not by a reverse() each (which would cost more than the rest of a large layer)."""
    url = reverse(name, args=[arg])
    head, tail = url.rsplit(str(arg), 1)
    return head + "{}" + tail


# ---------------------------------------------------------------- scope

def user_district(user, district=None):
    """The district the map shows: the user's own (a superuser may name one)."""
    if district is not None:
        return district
    found = scoping.user_district(user)
    if found is None and getattr(user, "is_superuser", False):
        found = District.objects.order_by("code").first()
    return found


def visible_node(user, pk):
    """The node `pk` if the user may see it, else None."""
    if pk in (None, ""):
        return None
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return scoping.scoped_nodes(user, roles.VIEW).select_related("district").filter(pk=pk).first()


def _within(qs, node, field):
    return qs.filter(subtree_q(node.path, field)) if node is not None else qs


def scope_root(user, district, node=None):
    """The node the figures are about: `node`, else the user's highest visible node in the district."""
    if node is not None:
        return node
    paths = scoping.visible_paths(user, roles.VIEW)
    if paths is None:
        return district.root
    nodes = Node.objects.filter(district=district, path__in=paths).order_by("depth", "path")
    return nodes.first()


# ---------------------------------------------------------------- boundary layers

PARTY_KIND_ORDER = {k: i for i, (k, _l) in enumerate(PartyOrg.KINDS)}


def active_scheme(district):
    return Scheme.objects.filter(district=district, active=True).order_by("pk").first()


def bands(scheme):
    if scheme is None:
        return []
    return [{"id": b.pk, "name": b.name, "colour": b.colour, "minimum": float(b.minimum), "rank": b.rank}
            for b in GradeBand.objects.filter(scheme=scheme).order_by("rank")]


def latest_grade_month(district, scheme):
    if scheme is None:
        return None
    return Grade.objects.filter(district=district, scheme=scheme).aggregate(m=Max("month"))["m"]


def node_grades(user, district, depth, node=None):
    """{node path: {band, colour, total, org}} of the latest month for nodes at `depth`: the grade
    of the node's own organisation (its grid party branch, else the highest-ranking kind)."""
    scheme = active_scheme(district)
    month = latest_grade_month(district, scheme)
    if month is None:
        return {}, scheme, None
    qs = Grade.objects.filter(district=district, scheme=scheme, month=month).annotate(n=Length("node_path")).filter(n=depth * STEPLEN)
    qs = _within(scoping.scope(qs, user, "node_path", roles.VIEW), node, "node_path")
    band_info = {b["id"]: b for b in bands(scheme)}
    best = {}
    for path, org_id, kind, grid_branch, total, band_id in qs.values_list(
            "node_path", "party_org_id", "party_org__kind", "party_org__is_grid_branch", "total", "band_id"):
        rank = (0 if grid_branch else 1, PARTY_KIND_ORDER.get(kind, 9), org_id)
        if path not in best or rank < best[path][0]:
            band = band_info.get(band_id)
            best[path] = (rank, {"band": band["name"] if band else None, "colour": band["colour"] if band else None,
                                 "total": float(total), "org": org_id})
    return {p: v for p, (_r, v) in best.items()}, scheme, month


def open_counts(user, district, depth, node=None):
    """{path prefix of `depth` levels: open cases} in the user's area, from the per-grid case tallies."""
    qs = GridCaseState.objects.filter(district=district)
    qs = _within(scoping.scope(qs, user, "node_path", roles.VIEW), node, "node_path")
    rows = qs.annotate(key=Substr("node_path", 1, depth * STEPLEN)).values("key").annotate(n=Sum("open")).order_by()
    return {r["key"]: r["n"] or 0 for r in rows}


def area_layer(user, district, layer, zoom=None, node=None):
    """The boundary layer as GeoJSON text (assembled from the cached geometry strings), with each
    unit's open cases, case density and grade of the latest month in its properties."""
    kind = level_kind(district, layer)
    depth = level_depth(district, kind)
    bucket = zoom_bucket(zoom)
    table = geometry_table(district, kind, bucket)
    nodes = scoping.scope(Node.objects.filter(district=district, kind=kind), user, "path", roles.VIEW)
    nodes = _within(nodes, node, "path").order_by("path")
    counts = open_counts(user, district, depth, node) if depth else {}
    grades, scheme, month = node_grades(user, district, depth, node) if depth else ({}, None, None)
    node_url = _url_pattern("hierarchy:node")
    features = []
    for pk, name, code, path in nodes.values_list("pk", "name", "code", "path"):
        geom = table.get(pk)
        if geom is None:
            continue
        _text, area, _n = geom
        n = counts.get(path, 0)
        features.append({"type": "Feature", "id": pk, "geometry": f"@@GEOM:{pk}@@", "properties": {
            "id": pk, "name": name, "code": code, "kind": kind, "url": node_url.format(pk),
            "open": n, "area_km2": area, "density": round(n / area, 2) if area > 0 else None, "grade": grades.get(path)}})
    data = {"type": "FeatureCollection", "layer": layer, "kind": kind, "kind_label": str(LEVEL_LABELS.get(kind, kind)),
            "zoom_bucket": bucket, "month": month.strftime("%Y-%m") if month else None, "bands": bands(scheme),
            "features": features}
    # One encoder pass for the whole collection, then the cached geometry texts spliced in for their
    # placeholders (a quote inside a name is escaped, so a name can never look like one).
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return _GEOM_MARK.sub(lambda m: '"geometry":' + table[int(m.group(1))][0], text)


# ---------------------------------------------------------------- point and line layers

def _point(lon, lat, props):
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]}, "properties": props}


def _spread(rows):
    """Several points on one node's centroid: set them on a small ring around it (deterministic)."""
    by_node = defaultdict(list)
    for row in rows:
        by_node[row[0]].append(row)
    out = []
    for items in by_node.values():
        for i, row in enumerate(items):
            if len(items) == 1:
                out.append((row, 0.0, 0.0))
            else:
                a = 2 * math.pi * i / len(items)
                r = 0.00025 * (1 + i // 12)
                out.append((row, r * math.cos(a), r * math.sin(a)))
    return out


def centres_layer(user, district, node=None):
    qs = org_services.service_centres(user).filter(district=district, lon__isnull=False, lat__isnull=False)
    qs = _within(qs, node, "node__path").order_by("node__path", "pk")
    kinds = {k: str(v) for k, v in ServiceCentre.KINDS}
    url = _url_pattern("orgs:service_centre")
    rows = qs.values_list("pk", "lon", "lat", "name", "kind", "node__name", "opening_hours")[:POINT_LIMIT]
    return [_point(lon, lat, {"id": pk, "name": name, "kind_label": kinds.get(kind, kind), "node": node_name,
                              "hours": hours, "url": url.format(pk)})
            for pk, lon, lat, name, kind, node_name, hours in rows]


def party_orgs_layer(user, district, node=None):
    qs = org_services.party_orgs(user).filter(district=district, node__centroid_lon__isnull=False)
    qs = _within(qs, node, "node__path").order_by("node__path", "kind", "pk")
    kinds = {k: str(v) for k, v in PartyOrg.KINDS}
    url = _url_pattern("orgs:party_org")
    rows = qs.values_list("node_id", "pk", "name", "kind", "node__name", "node__centroid_lon", "node__centroid_lat", "weak_and_lax")[:POINT_LIMIT]
    return [_point(lon + dx, lat + dy, {"id": pk, "name": name, "kind": kind, "kind_label": kinds.get(kind, kind), "node": node_name,
                                        "weak": weak, "url": url.format(pk)})
            for (_n, pk, name, kind, node_name, lon, lat, weak), dx, dy in _spread(rows)]


def partners_layer(user, district, node=None):
    qs = org_services.scoped(PartnerUnit, user).filter(district=district, node__centroid_lon__isnull=False)
    qs = _within(qs, node, "node__path").order_by("node__path", "pk")
    kinds = {k: str(v) for k, v in PartnerUnit.KINDS}
    url = _url_pattern("orgs:partner_unit")
    rows = qs.values_list("node_id", "pk", "name", "kind", "node__name", "node__centroid_lon", "node__centroid_lat")[:POINT_LIMIT]
    return [_point(lon + dx, lat + dy, {"id": pk, "name": name, "kind_label": kinds.get(kind, kind), "node": node_name,
                                        "url": url.format(pk)})
            for (_n, pk, name, kind, node_name, lon, lat), dx, dy in _spread(rows)]


def cases_layer(user, district, node=None, now=None):
    """Open cases the user may open (kpi.visible_cases), newest first, at most POINT_LIMIT."""
    now = now or timezone.now()
    qs = _within(kpi.visible_cases(user).filter(district=district, state__in=ACTIVE_STATES), node, "node_path")
    states = {k: str(v) for k, v in Case.STATES}
    url = _url_pattern("cases:detail", "N0")
    # Sorted here, not by the database: ORDER BY reported_at walks the (district, reported_at) index
    # through every case of the year, while the open ones are a few thousand on the (district, state) index.
    rows = sorted(qs.order_by().values_list("number", "lon", "lat", "state", "category__name", "deadline", "overdue_at",
                                            "reported_at", "pk"), key=lambda r: (r[7], r[8]), reverse=True)[:POINT_LIMIT]
    rows = [r[:7] for r in rows]
    return [_point(lon, lat, {"number": number, "state": state, "state_label": states.get(state, state), "category": category,
                              "overdue": bool(overdue_at or (deadline and deadline < now)), "url": url.format(number)})
            for number, lon, lat, state, category, deadline, overdue_at in rows]


def patrols_layer(user, district, node=None, zoom=None, today=None):
    """Patrol tracks of the last PATROL_DAYS days up to the latest patrol day (so a quiet week still
    shows the last rounds), newest first, at most PATROL_LIMIT, simplified like the boundaries."""
    qs = _within(scoping.scope(Patrol.objects.filter(district=district), user, "node_path", roles.VIEW), node, "node_path")
    today = today or timezone.localdate()
    last = qs.filter(day__lte=today).aggregate(d=Max("day"))["d"]
    if last is None:
        return []
    bucket = zoom_bucket(zoom)
    node_url = _url_pattern("hierarchy:node")
    rows = (qs.filter(day__gt=last - dt.timedelta(days=PATROL_DAYS), day__lte=last).order_by("-day", "-started_at")
            .values_list("pk", "day", "track", "visits", "person__name", "grid_id", "grid__name")[:PATROL_LIMIT])
    out = []
    for pk, day, track, visits, person, grid_id, grid_name in rows:
        coords = [(p[0], p[1]) for p in (track or []) if len(p) >= 2]
        if len(coords) < 2:
            continue
        line = _simplify(LineString(coords), bucket)
        out.append({"type": "Feature", "geometry": mapping(line),
                    "properties": {"id": pk, "day": day.isoformat(), "person": person, "visits": visits, "grid": grid_name,
                                   "url": node_url.format(grid_id)}})
    return out


def point_layer(user, district, layer, zoom=None, node=None):
    """A point/line layer as a GeoJSON dict."""
    if layer == "centres":
        features = centres_layer(user, district, node)
    elif layer == "party_orgs":
        features = party_orgs_layer(user, district, node)
    elif layer == "partners":
        features = partners_layer(user, district, node)
    elif layer == "cases":
        features = cases_layer(user, district, node)
    elif layer == "patrols":
        features = patrols_layer(user, district, node, zoom)
    else:
        raise MapError(_("Unknown map layer."))
    return {"type": "FeatureCollection", "layer": layer, "features": features,
            "truncated": len(features) >= (PATROL_LIMIT if layer == "patrols" else POINT_LIMIT)}


def _answer_key(user, district, layer, bucket, node):
    """Cache key of a whole answer: the same for every user who sees the same subtrees."""
    paths = scoping.visible_paths(user, roles.VIEW)
    scope_id = "*" if paths is None else hashlib.sha1("|".join(paths).encode()).hexdigest()[:16]
    return f"gridgov:map:answer:{district.pk}:{district.geometry_version}:{layer}:{bucket}:{node.pk if node else 0}:{scope_id}"


def layer_json(user, district, layer, zoom=None, node=None):
    """The layer as JSON text, whichever kind it is.

    Boundaries and organisations change slowly: their whole answer is kept ANSWER_SECONDS per
    (district, geometry version, layer, zoom bucket, node, visible subtrees), so a wall of screens
    and a district's worth of users cost one computation. Cases and patrols are always fresh."""
    if district is None:
        return json.dumps({"type": "FeatureCollection", "layer": layer, "features": []})
    if layer not in LAYERS:
        raise MapError(_("Unknown map layer."))
    if node is not None and node.district_id != district.pk:
        node = None
    key = None
    if layer in CACHED_ANSWERS and ANSWER_SECONDS:
        key = _answer_key(user, district, layer, zoom_bucket(zoom), node)
        text = cache.get(key)
        if text is not None:
            return text
    if layer in AREA_LAYERS:
        text = area_layer(user, district, layer, zoom, node)
    else:
        text = json.dumps(point_layer(user, district, layer, zoom, node), ensure_ascii=False, separators=(",", ":"))
    if key is not None:
        cache.set(key, text, ANSWER_SECONDS)
    return text


# ---------------------------------------------------------------- basemap

def basemap(district):
    """The district's optional basemap (settings["basemap"]), checked: {"type": "tiles", "url", "attribution",
    "max_zoom"} or {"type": "pmtiles", "url" | "path", "attribution"}; None when absent or unusable."""
    conf = (district.settings or {}).get("basemap") if district is not None else None
    if not isinstance(conf, dict) or conf.get("type") not in ("tiles", "pmtiles"):
        return None
    url = conf.get("url") if isinstance(conf.get("url"), str) else ""
    path = conf.get("path") if isinstance(conf.get("path"), str) else ""
    if conf["type"] == "tiles" and not url:
        return None
    if conf["type"] == "pmtiles":
        if path:
            url = reverse("dashboard:map_basemap")
        if not url:
            return None
    out = {"type": conf["type"], "url": url, "attribution": str(conf.get("attribution") or "")}
    try:
        out["max_zoom"] = int(conf.get("max_zoom") or 19)
    except (TypeError, ValueError):
        out["max_zoom"] = 19
    if conf.get("flavor") in ("light", "dark", "white", "grayscale", "black"):
        out["flavor"] = conf["flavor"]
    return out


def basemap_file(district):
    """The local PMTiles file the district's basemap names (settings["basemap"]["path"]), or None."""
    conf = (district.settings or {}).get("basemap") if district is not None else None
    if isinstance(conf, dict) and conf.get("type") == "pmtiles" and isinstance(conf.get("path"), str) and conf["path"]:
        return conf["path"]
    return None


# ---------------------------------------------------------------- the big screen

def _local_day_bounds(district, day):
    tz = ZoneInfo(district.timezone)
    start = dt.datetime.combine(day, dt.time(), tz)
    return start, start + dt.timedelta(days=1)


def screen_data(user, district, node=None, now=None):
    """The big screen's live figures for the user's area (or `node`'s subtree) in the district.

    open / overdue_now / open by area: the per-grid case tallies, as on the dashboards (open: an
    active state; overdue: open and marked overdue by the deadline worker); on-time rate this month:
    as on the dashboards (cases reported this month: closed on time / closed); reported_today /
    closed_today and the 30-day trend: the cases of the last 30 days; grades: the latest month's
    organisations per band."""
    now = now or timezone.now()
    tz = ZoneInfo(district.timezone)
    today = now.astimezone(tz).date()
    root = scope_root(user, district, node)
    tallied = _within(scoping.scope(GridCaseState.objects.filter(district=district), user, "node_path", roles.VIEW), node, "node_path")
    figures = tallied.aggregate(open=Sum("open"), overdue_now=Sum("overdue"))
    # Reported and closed per day: the daily tallies of the last 30 days (today's figures included).
    first = today - dt.timedelta(days=29)
    per_day = {r["day"]: r for r in _within(scoping.scope(GridCaseDay.objects.filter(district=district, day__gte=first, day__lte=today),
                                                         user, "node_path", roles.VIEW), node, "node_path")
               .values("day").annotate(reported=Sum("reported"), closed=Sum("closed")).order_by()}
    figures["reported_today"] = (per_day.get(today) or {}).get("reported") or 0
    figures["closed_today"] = (per_day.get(today) or {}).get("closed") or 0
    # On-time rate of the month, as the dashboards count it.
    this_month = dt.date(today.year, today.month, 1)
    month = _within(scoping.scope(GridCaseMonth.objects.filter(district=district, month=this_month), user, "node_path", roles.VIEW),
                    node, "node_path").aggregate(closed=Sum("closed"), on_time=Sum("on_time"))
    month = {"due": month["closed"] or 0, "on_time": month["on_time"] or 0}
    # By area: one level below the root (subdistricts for the district, communities for a subdistrict).
    areas, area_kind = [], None
    if root is not None:
        child_depth = root.depth + 1
        children = list(Node.objects.filter(subtree_q(root.path), district=district, depth=child_depth).order_by("path").values_list("pk", "name", "path", "kind"))
        by_prefix = {r["key"]: r["n"] or 0 for r in tallied.annotate(key=Substr("node_path", 1, child_depth * STEPLEN)).values("key").annotate(n=Sum("open")).order_by()}
        areas = [{"node_id": pk, "name": name, "open": by_prefix.get(path, 0)} for pk, name, path, _k in children]
        area_kind = children[0][3] if children else None
    days = [first + dt.timedelta(days=i) for i in range(30)]
    reported = {d: r["reported"] or 0 for d, r in per_day.items()}
    closed = {d: r["closed"] or 0 for d, r in per_day.items()}
    # Grades of the latest month by band.
    scheme = active_scheme(district)
    g_month = latest_grade_month(district, scheme)
    band_list = bands(scheme)
    grade_counts = {}
    if g_month is not None:
        grades = _within(scoping.scope(Grade.objects.filter(district=district, scheme=scheme, month=g_month), user, "node_path", roles.VIEW), node, "node_path")
        grade_counts = dict(grades.values("band_id").annotate(n=Count("pk")).order_by().values_list("band_id", "n"))
    return {
        "district": {"code": district.code, "name": district.name},
        "scope": {"node_id": root.pk if root else None, "name": root.name if root else "", "kind": root.kind if root else None},
        "generated_at": now.isoformat(),
        "today": today.isoformat(),
        "open": figures["open"] or 0,
        "reported_today": figures["reported_today"],
        "closed_today": figures["closed_today"],
        "overdue_now": figures["overdue_now"] or 0,
        "month": {"month": today.strftime("%Y-%m"), "due": month["due"], "on_time": month["on_time"],
                  "on_time_rate": round(month["on_time"] / month["due"], 4) if month["due"] else None},
        "open_by_area": {"kind": area_kind, "kind_label": str(LEVEL_LABELS.get(area_kind, "")) if area_kind else "", "areas": areas},
        "trend": {"days": [d.isoformat() for d in days], "reported": [reported.get(d, 0) for d in days],
                  "closed": [closed.get(d, 0) for d in days]},
        "grades": {"month": g_month.strftime("%Y-%m") if g_month else None,
                   "bands": [{**b, "count": grade_counts.get(b["id"], 0)} for b in band_list],
                   "ungraded": grade_counts.get(None, 0)},
    }
