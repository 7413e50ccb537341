"""The monthly vanguard index report 先锋指数报告: one plain data structure built from the month's Grade
and Score rows (set-based, scoped), shared by the web page, the Excel workbook and the PDF."""
import datetime
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import quote

from django.db.models import Avg, Count, Q, Sum
from django.db.models.functions import Substr
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.translation import gettext as _

from gridgov.hierarchy.models import Node
from gridgov.hierarchy.services import STEPLEN, subtree_q
from gridgov.people import scoping

from ..errors import AssessmentError
from ..models.index import Grade, GradeBand, Indicator, Scheme, Score

MOVERS = 10  # risers and fallers shown
LOWEST = 10  # lowest organisations shown
WEAKEST = 3  # weakest indicators shown per lowest organisation
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_CENT = Decimal("0.01")


def parse_month(value):
    """'2026-10' (or a date) -> datetime.date(2026, 10, 1); AssessmentError when malformed."""
    if isinstance(value, datetime.date):
        return value.replace(day=1)
    match = _MONTH.match(str(value or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise AssessmentError(_("A month is written YYYY-MM, e.g. 2026-10."))
    return datetime.date(int(match.group(1)), int(match.group(2)), 1)


def month_label(month):
    if isinstance(month, str):
        return month
    return f"{month.year:04d}-{month.month:02d}"


def previous_month(month):
    return (month - datetime.timedelta(days=1)).replace(day=1)


def active_scheme(district):
    return Scheme.objects.filter(district=district, active=True).order_by("pk").first()


def scoped_grades(district, user=None, node=None, scheme=None):
    """The district's grades of its active scheme that `user` may read, inside `node`'s subtree."""
    scheme = scheme or active_scheme(district)
    qs = Grade.objects.filter(district=district, scheme=scheme)
    if user is not None:
        qs = scoping.scope(qs, user, "node_path")
    if node is not None:
        qs = qs.filter(subtree_q(node.path, "node_path"))
    return qs


def graded_months(district, user=None, node=None):
    """The months with grades the user can see, latest first."""
    scheme = active_scheme(district)
    if scheme is None:
        return []
    return list(scoped_grades(district, user, node, scheme).order_by("-month").values_list("month", flat=True).distinct())


def latest_month(district, user=None, node=None):
    months = graded_months(district, user, node)
    return months[0] if months else None


# ---------------------------------------------------------------- the data structure

@dataclass
class BandCount:
    band_id: int | None
    name: str
    colour: str
    rank: int | None
    count: int = 0
    percent: float = 0.0
    url: str | None = None

    @property
    def text_colour(self):
        return text_colour(self.colour)


@dataclass
class UnitRow:
    """One subdistrict or community: its organisations' grades this month."""
    node_id: int
    name: str
    kind: str
    path: str
    orgs: int
    average: Decimal | None
    previous_average: Decimal | None
    change: Decimal | None
    bands: list  # [BandCount] in band order
    url: str | None = None
    previous_url: str | None = None
    report_url: str | None = None
    parent_name: str = ""


@dataclass
class OrgRow:
    grade_id: int
    org_id: int
    name: str
    node_name: str
    total: Decimal
    change: Decimal | None
    rank: int
    vetoed: bool
    band: BandCount | None
    url: str | None = None
    weakest: list = field(default_factory=list)  # [IndicatorRow]


@dataclass
class IndicatorRow:
    score_id: int
    code: str
    name: str
    kind: str
    points: Decimal
    weight: Decimal
    ratio: float | None
    value: float | None
    url: str | None = None

    @property
    def label(self):
        """What the report prints: a struck veto by name, any other item with its points of the weight."""
        if self.kind == Indicator.VETO:
            return _("%(name)s (veto)") % {"name": self.name}
        return f"{self.name} {self.points} / {self.weight}"


@dataclass
class Report:
    district: object
    month: datetime.date
    scheme: Scheme | None
    node: Node | None  # the subtree the report covers (the user's area or the chosen node)
    orgs: int = 0
    average: Decimal | None = None
    previous_average: Decimal | None = None
    average_change: Decimal | None = None
    vetoed: int = 0
    bands: list = field(default_factory=list)  # [BandCount]: the grade distribution
    subdistricts: list = field(default_factory=list)  # [UnitRow]
    communities: list = field(default_factory=list)  # [UnitRow]
    risers: list = field(default_factory=list)  # [OrgRow]
    fallers: list = field(default_factory=list)  # [OrgRow]
    lowest: list = field(default_factory=list)  # [OrgRow] with weakest indicators
    urls: dict = field(default_factory=dict)  # orgs, average, vetoed, previous: the records behind the totals

    @property
    def empty(self):
        return self.orgs == 0

    @property
    def month_label(self):
        return month_label(self.month)

    @property
    def title(self):
        where = self.node.name if self.node is not None and self.node.depth > 1 else self.district.name
        return _("%(where)s vanguard index report, %(month)s") % {"where": where, "month": self.month_label}


def text_colour(colour):
    """Black or white, whichever reads better on the band colour."""
    try:
        r, g, b = (int(colour.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4))
    except (ValueError, AttributeError):
        return "#000000"
    return "#000000" if 0.299 * r + 0.587 * g + 0.114 * b > 150 else "#ffffff"


def _q2(value):
    return None if value is None else Decimal(value).quantize(_CENT, rounding=ROUND_HALF_UP)


_REVERSED = {}


def _reverse(name, args):
    """reverse(), remembered: a report links ~700 figures to a handful of pages."""
    key = (get_urlconf(), get_script_prefix(), name, args)
    if key not in _REVERSED:
        try:
            _REVERSED[key] = reverse(name, args=args)
        except NoReverseMatch:
            _REVERSED[key] = None
    return _REVERSED[key]


def _url(name, *args, **query):
    """The URL of a named page with a query; None while the page does not exist yet."""
    url = _reverse(name, args)
    if url is None:
        return None
    query = "&".join(f"{k}={v if isinstance(v, int) else quote(str(v))}" for k, v in query.items() if v is not None)
    return f"{url}?{query}" if query else url


def grades_url(month, node=None, band=None, **extra):
    """The colour-grades list (assessment:grades) filtered to the month, the node's subtree and the band."""
    return _url("assessment:grades", month=month_label(month), node=getattr(node, "pk", node), band=band, **extra)


def report_scope_node(district, user=None, node=None):
    """The node the report is about: the one asked for, else the user's single area, else the district."""
    if node is not None:
        return node
    if user is not None:
        paths = scoping.visible_paths(user)
        if paths and len(paths) == 1:
            found = Node.objects.filter(district=district, path=paths[0]).first()
            if found is not None:
                return found
    return Node.objects.filter(district=district, depth=1).first()


def build_report(district, month, user=None, node=None, movers=MOVERS, lowest=LOWEST):
    """The report of `month` for the grades `user` may read (all when None), inside `node`'s subtree."""
    month = parse_month(month)
    scheme = active_scheme(district)
    scope_node = report_scope_node(district, user, node)
    report = Report(district=district, month=month, scheme=scheme, node=scope_node)
    if scheme is None:
        return report
    base = scoped_grades(district, user, node, scheme)
    current = base.filter(month=month)
    previous = base.filter(month=previous_month(month))
    bands = list(GradeBand.objects.filter(scheme=scheme).order_by("rank"))
    band_by_id = {b.pk: b for b in bands}

    def band_counts(counts, node_for_url):
        """[BandCount] in band order from {band_id: n}; grades without a band come last."""
        total = sum(counts.values())
        rows = [BandCount(b.pk, b.name, b.colour, b.rank, counts.get(b.pk, 0)) for b in bands]
        if counts.get(None):
            rows.append(BandCount(None, _("No grade"), "#bbbbbb", None, counts[None]))
        for row in rows:
            row.percent = round(100.0 * row.count / total, 1) if total else 0.0
            row.url = grades_url(month, node_for_url, row.band_id) if row.band_id else grades_url(month, node_for_url)
        return rows

    # Totals and the distribution: one grouped query.
    by_band = {r["band_id"]: r for r in current.values("band_id").annotate(n=Count("pk"), s=Sum("total"), v=Count("pk", filter=Q(vetoed=True))).order_by()}
    report.orgs = sum(r["n"] for r in by_band.values())
    if report.orgs:
        report.average = _q2(sum(r["s"] for r in by_band.values()) / report.orgs)
    report.vetoed = sum(r["v"] for r in by_band.values())
    report.previous_average = _q2(previous.aggregate(a=Avg("total"))["a"])
    if report.average is not None and report.previous_average is not None:
        report.average_change = report.average - report.previous_average
    report.bands = band_counts({k: r["n"] for k, r in by_band.items()}, scope_node)
    report.urls = {
        "orgs": grades_url(month, scope_node),
        "average": grades_url(month, scope_node),
        "vetoed": grades_url(month, scope_node, vetoed=1),
        "previous": grades_url(previous_month(month), scope_node),
    }
    if not report.orgs:
        return report

    report.subdistricts = _units(district, "subdistrict", current, previous, band_counts, month)
    report.communities = _units(district, "community", current, previous, band_counts, month)
    parents = {u.path: u.name for u in report.subdistricts}
    for unit in report.communities:
        unit.parent_name = next((name for path, name in parents.items() if unit.path.startswith(path)), "")

    rows = current.select_related("party_org", "party_org__node", "band")
    report.risers = [_org_row(g, band_by_id, month) for g in rows.filter(change__gt=0).order_by("-change", "rank", "pk")[:movers]]
    report.fallers = [_org_row(g, band_by_id, month) for g in rows.filter(change__lt=0).order_by("change", "-rank", "pk")[:movers]]
    # The worst band first, then the official rank from the bottom (the monthly run ranks vetoed
    # organisations after all others), then the lowest totals.
    worst = rows.order_by("-band__rank", "-rank", "total", "pk")[:lowest]
    report.lowest = [_org_row(g, band_by_id, month) for g in worst]
    _attach_weakest(report.lowest, scheme, month)
    return report


def _units(district, kind, current, previous, band_counts, month):
    """Rows of the subdistricts (or communities) in the report: grouped on the path prefix, in SQL."""
    depths = list(Node.objects.filter(district=district, kind=kind).values_list("depth", flat=True).order_by().distinct())
    rows = []
    for depth in depths:
        width = depth * STEPLEN
        prefix = Substr("node_path", 1, width)
        now = {}
        for r in current.annotate(unit=prefix).values("unit", "band_id").annotate(n=Count("pk"), s=Sum("total")).order_by():
            unit = now.setdefault(r["unit"], {"n": 0, "s": Decimal(0), "bands": {}})
            unit["n"] += r["n"]
            unit["s"] += r["s"]
            unit["bands"][r["band_id"]] = r["n"]
        before = {r["unit"]: r["a"] for r in previous.annotate(unit=prefix).values("unit").annotate(a=Avg("total")).order_by()}
        # Organisations attached above this level have shorter paths: they are not in any unit.
        nodes = Node.objects.filter(district=district, kind=kind, depth=depth, path__in=[p for p in now if len(p) == width])
        for node in nodes.order_by("path"):
            unit = now[node.path]
            average = _q2(unit["s"] / unit["n"])
            prev = _q2(before.get(node.path))
            rows.append(UnitRow(
                node_id=node.pk, name=node.name, kind=kind, path=node.path, orgs=unit["n"], average=average,
                previous_average=prev, change=None if prev is None else average - prev,
                bands=band_counts(unit["bands"], node), url=grades_url(month, node),
                previous_url=grades_url(previous_month(month), node),
                report_url=_url("assessment:report", month_label(month), node=node.pk),
            ))
    rows.sort(key=lambda r: r.path)
    return rows


def _org_row(grade, band_by_id, month):
    band = band_by_id.get(grade.band_id)
    org = grade.party_org
    return OrgRow(
        grade_id=grade.pk, org_id=org.pk, name=org.name, node_name=org.node.name, total=grade.total,
        change=grade.change, rank=grade.rank, vetoed=grade.vetoed,
        band=BandCount(band.pk, band.name, band.colour, band.rank) if band else None,
        url=_url("assessment:org_month", org.pk, month_label(month)),
    )


def _attach_weakest(rows, scheme, month):
    """Each organisation's weakest indicators: the lowest share of the weight earned (one query for all);
    a veto that struck comes first whatever its points."""
    if not rows:
        return
    scores = (Score.objects.filter(indicator__scheme=scheme, month=month, party_org_id__in=[r.org_id for r in rows])
              .select_related("indicator").order_by("party_org_id", "indicator__category__order", "indicator__order"))
    vetoed = {r.org_id for r in rows if r.vetoed}
    by_org = {}
    for s in scores:
        ind = s.indicator
        if ind.kind == Indicator.VETO:
            if s.party_org_id not in vetoed or not _veto_struck(s.evidence or {}):
                continue
            ratio = -1.0  # a veto outranks every weak score
        elif ind.weight and ind.weight > 0:
            ratio = float(s.points / ind.weight)
        else:
            continue  # a bonus without a weight is never "weak"
        by_org.setdefault(s.party_org_id, []).append(IndicatorRow(
            score_id=s.pk, code=ind.code, name=ind.name, kind=ind.kind, points=s.points, weight=ind.weight,
            ratio=ratio, value=s.value, url=_url("assessment:score", s.pk),
        ))
    for row in rows:
        row.weakest = sorted(by_org.get(row.org_id, []), key=lambda i: (i.ratio, i.code))[:WEAKEST]


def _veto_struck(evidence):
    """Whether a vetoed organisation's veto item is one that struck. The run says so with "struck" when
    it can; otherwise an item is a candidate when it was evaluated: an assessor entered it
    (evidence "manual" set) or it was computed from records ("model"); an unentered manual item was not."""
    if "struck" in evidence:
        return bool(evidence["struck"])
    return evidence.get("manual") is not None or "model" in evidence
