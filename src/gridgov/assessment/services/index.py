"""Assessment services: the quality index (晴雨表) — seeding the default schemes, validating them,
the monthly run (scores, grades, bands, vetoes, ranks), the run queue, manual scores and the evidence behind a score."""
import datetime as dt
import json
import logging
import time
from decimal import Decimal

from django.apps import apps
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.demo import fastinsert
from gridgov.hierarchy.services import subtree_q
from gridgov.people import roles, scoping

from .. import computations as comp
from ..errors import AssessmentError, NotAllowed
from ..models import Grade, GradeBand, IndexRun, Indicator, IndicatorCategory, ManualScore, Scheme, Score

log = logging.getLogger(__name__)

CENT = Decimal("0.01")
SCORED_KINDS = (Indicator.COMPUTED, Indicator.MANUAL)


# ---------------------------------------------------------------- months

def parse_month(text):
    """"2026-10" (or a date) -> date(2026, 10, 1); AssessmentError when it is not a month."""
    if isinstance(text, dt.date):
        return text.replace(day=1)
    try:
        year, month = str(text).strip().split("-")[:2]
        return dt.date(int(year), int(month), 1)
    except (TypeError, ValueError):
        raise AssessmentError(_("“%(month)s” is not a month (YYYY-MM).") % {"month": text}) from None


def month_label(day):
    return f"{day.year:04d}-{day.month:02d}"


# ---------------------------------------------------------------- schemes

def seed_default_scheme(district, data=None):
    """Create the district's default scheme from schemes.py (once: an existing scheme of the same
    name is returned untouched, since the district may have edited it)."""
    from .. import schemes

    data = data or schemes.DEFAULTS.get(district.code, schemes.FALLBACK)
    existing = Scheme.objects.filter(district=district, name=data["name"]).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        scheme = Scheme.objects.create(district=district, name=data["name"], description=data.get("description", ""))
        GradeBand.objects.bulk_create([GradeBand(scheme=scheme, name=name, colour=colour, minimum=Decimal(str(minimum)), rank=i)
                                       for i, (name, colour, minimum) in enumerate(data["bands"], start=1)])
        indicators, order = [], 0
        for c, (cat_name, items) in enumerate(data["categories"], start=1):
            category = IndicatorCategory.objects.create(scheme=scheme, name=cat_name, order=c)
            for code, name, kind, key, weight, params, description in items:
                order += 1
                indicators.append(Indicator(scheme=scheme, category=category, code=code, name=name, kind=kind, computation=key,
                                            params=params, weight=Decimal(str(weight)), maximum=Decimal(str(weight)),
                                            order=order, description=description))
        extra = IndicatorCategory.objects.create(scheme=scheme, name="加分项与否决项", order=len(data["categories"]) + 1)
        for item in [*data.get("bonus", []), *data.get("veto", [])]:
            code, name, kind, key, weight, params, description = item[:7]
            maximum = item[7] if len(item) > 7 else 0
            order += 1
            indicators.append(Indicator(scheme=scheme, category=extra, code=code, name=name, kind=kind, computation=key,
                                        params=params, weight=Decimal(0), maximum=Decimal(str(maximum)), order=order,
                                        description=description))
        Indicator.objects.bulk_create(indicators)
        validate_scheme(scheme)
    return scheme


def check_weights(weights):
    """Weights (of the scored indicators) must sum to 100."""
    total = sum((Decimal(str(w or 0)) for w in weights), Decimal(0))
    if total != Decimal(100):
        raise AssessmentError(_("The weights of the scored indicators add up to %(total)s; they must add up to 100.")
                              % {"total": total.normalize()})


def check_bands(bands):
    """[(rank, minimum)]: ranks distinct, and the better the rank the higher the minimum, strictly."""
    bands = sorted((int(r), Decimal(str(m))) for r, m in bands)
    if not bands:
        raise AssessmentError(_("A scheme needs at least one grade band."))
    for (r1, m1), (r2, m2) in zip(bands, bands[1:]):
        if r1 == r2:
            raise AssessmentError(_("Two grade bands have rank %(rank)s.") % {"rank": r1})
        if not m1 > m2:
            raise AssessmentError(_("The minimum of the band ranked %(better)s (%(m1)s) must be higher than that of the band ranked %(worse)s (%(m2)s).")
                                  % {"better": r1, "m1": m1.normalize(), "worse": r2, "m2": m2.normalize()})


def check_indicator(kind, computation, weight, maximum):
    if kind in (Indicator.COMPUTED, Indicator.BONUS) and computation not in comp.REGISTRY and not (kind == Indicator.BONUS and not computation):
        raise AssessmentError(_("Unknown computation “%(key)s”.") % {"key": computation})
    if kind == Indicator.VETO and computation and computation not in comp.REGISTRY:
        raise AssessmentError(_("Unknown computation “%(key)s”.") % {"key": computation})
    if weight is not None and Decimal(str(weight)) < 0:
        raise AssessmentError(_("A weight cannot be negative."))
    if kind == Indicator.BONUS and not (maximum and Decimal(str(maximum)) > 0):
        raise AssessmentError(_("A bonus item needs a maximum (the cap of its points)."))


def validate_scheme(scheme):
    indicators = list(scheme.indicators.all())
    for ind in indicators:
        check_indicator(ind.kind, ind.computation, ind.weight, ind.maximum)
    check_weights([i.weight for i in indicators if i.kind in SCORED_KINDS])
    check_bands(scheme.bands.values_list("rank", "minimum"))


def active_scheme(district):
    return Scheme.objects.filter(district=district, active=True).order_by("pk").first()


def band_for(bands, total, vetoed=False):
    """The band of a total: the best one whose minimum it reaches; a vetoed organisation (or a
    total below every minimum) gets the lowest band. `bands` are GradeBand rows in any order."""
    ordered = sorted(bands, key=lambda b: b.rank)
    if not ordered:
        return None
    if vetoed:
        return ordered[-1]
    for band in ordered:
        if total >= band.minimum:
            return band
    return ordered[-1]


# ---------------------------------------------------------------- the monthly run

def _points(amount_cents, ratio):
    """amount × ratio in cents, rounded half up on a ratio kept to six decimals (integer arithmetic:
    exact, so that a re-run gives the same points)."""
    r = round(max(0.0, min(1.0, float(ratio))) * 1_000_000)
    if r == 0:
        return Decimal("0.00")
    return Decimal((amount_cents * r + 500_000) // 1_000_000).scaleb(-2)


def _orgs(district):
    from gridgov.orgs.models import PartyOrg

    rows = (PartyOrg.objects.filter(district=district).order_by("node__path", "pk")
            .values_list("pk", "kind", "node__path", "node_id", "secretary_id", "honours"))
    return [comp.Org(pk, kind, path, node_id, secretary_id, honours or []) for pk, kind, path, node_id, secretary_id, honours in rows]


# The rows compute_month produces, in the order of these columns (written with one executemany).
SCORE_COLUMNS = ["district", "indicator", "party_org", "month", "value", "points", "evidence", "node_path"]
GRADE_COLUMNS = ["district", "scheme", "party_org", "month", "total", "band", "vetoed", "rank", "change", "node_path"]


def compute_month(scheme, month, shared=None):
    """(score rows, grade rows) of every organisation of the scheme's district for `month`, as
    tuples in SCORE_COLUMNS and GRADE_COLUMNS order (18,000 model instances cost more than the queries)."""
    month = parse_month(month)
    district = scheme.district
    validate_scheme(scheme)
    orgs = _orgs(district)
    ctx = comp.MonthContext(district, month, orgs, shared)
    indicators = list(scheme.indicators.all().order_by("order", "pk"))
    bands = list(scheme.bands.all())
    manual = {}
    for ms in ManualScore.objects.filter(indicator__scheme=scheme, month=month).order_by("pk"):
        manual[(ms.indicator_id, ms.party_org_id)] = ms
    results = {}
    for ind in indicators:
        if ind.computation:
            results[ind.pk] = comp.REGISTRY[ind.computation].fn(ctx, ind)
    totals = {o.pk: Decimal(0) for o in orgs}
    bonus = {o.pk: Decimal(0) for o in orgs}
    vetoed = {o.pk: False for o in orgs}
    scores = []
    district_id = district.pk
    for ind in indicators:
        ind_id = ind.pk
        computed = results.get(ind_id)
        amount = int((ind.maximum if ind.kind == Indicator.BONUS else ind.weight) * 100)
        for org in orgs:
            ms = manual.get((ind_id, org.pk)) if manual else None
            if computed is not None and not (ms is not None and ind.kind == Indicator.VETO):
                r = computed[org.pk]
                value, evidence = r.value, r.evidence
                if ind.kind == Indicator.VETO:
                    points, veto = Decimal(0), r.ratio >= 1
                else:
                    points, veto = _points(amount, r.ratio), False
            elif ms is not None:
                value = float(ms.points)
                evidence = {"model": "assessment.manualscore", "filter": {"pk": ms.pk}, "manual": ms.pk}
                veto = ind.kind == Indicator.VETO
                cap = ind.maximum if ind.kind == Indicator.BONUS else ind.weight
                points = Decimal(0) if veto else min(Decimal(ms.points), Decimal(cap))
            else:
                value, points, veto, evidence = None, Decimal(0), False, {"manual": None}
            if ind.kind == Indicator.BONUS:
                bonus[org.pk] += points
            elif ind.kind in SCORED_KINDS:
                totals[org.pk] += points
            vetoed[org.pk] = vetoed[org.pk] or veto
            scores.append((district_id, ind_id, org.pk, month, value, points, evidence, org.path))
    # Bonus points: each item is capped by its own maximum above; the sum by the largest maximum
    # of the bonus items, so honours cannot buy more than the scheme allows.
    cap = max((i.maximum for i in indicators if i.kind == Indicator.BONUS), default=Decimal(0))
    final = {pk: totals[pk] + min(bonus[pk], cap) for pk in totals}
    previous = dict(Grade.objects.filter(scheme=scheme, month=comp.add_months(month, -1)).values_list("party_org_id", "total"))
    # Rank: vetoed organisations after all others; equal totals share a rank (1, 2, 2, 4); the
    # listing order of ties is the organisation's place in the tree, so a re-run is identical.
    order = sorted(orgs, key=lambda o: (vetoed[o.pk], -final[o.pk], o.path, o.pk))
    grades, rank, last_key = [], 0, None
    for i, org in enumerate(order, start=1):
        key = (vetoed[org.pk], final[org.pk])
        if key != last_key:
            rank, last_key = i, key
        total = final[org.pk]
        band = band_for(bands, total, vetoed[org.pk])
        before = previous.get(org.pk)
        grades.append((district.pk, scheme.pk, org.pk, month, total, band.pk if band else None, vetoed[org.pk], rank,
                       (total - before) if before is not None else None, org.path))
    return scores, grades


def _insert(model, columns, rows):
    """Write computed rows: on SQLite one executemany with the values converted here (decimals as
    text, dates ISO, JSON serialised once), elsewhere demo.fastinsert's adapters."""
    if connection.vendor != "sqlite":
        return fastinsert.insert(model, columns, rows)
    fields = [model._meta.get_field(c) for c in columns]
    convert = []
    for i, f in enumerate(fields):
        if isinstance(f, models.JSONField):
            convert.append((i, lambda v: None if v is None else json.dumps(v, ensure_ascii=False, separators=(",", ":"))))
        elif isinstance(f, models.DecimalField):
            convert.append((i, lambda v: None if v is None else str(v)))
        elif isinstance(f, models.DateField) and not isinstance(f, models.DateTimeField):
            convert.append((i, lambda v: None if v is None else v.isoformat()))

    def adapted():
        for row in rows:
            row = list(row)
            for i, fn in convert:
                row[i] = fn(row[i])
            yield row

    names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    sql = f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({names}) VALUES ({', '.join(['%s'] * len(fields))})"
    with connection.cursor() as cur:
        cur.executemany(sql, list(adapted()))


def _save_month(scheme, month, scores, grades):
    with transaction.atomic():
        # district and month first: the (district, month, indicator) index finds the rows.
        # Raw deletes: nothing refers to these rows, and the model signals (the audit history of Score,
        # the dashboards' version) would turn a replace of thousands of rows into one write per row.
        # The run itself is the record of the change (IndexRun: who, when).
        old_scores = Score.objects.filter(district_id=scheme.district_id, month=month, indicator__scheme=scheme)
        old_scores._raw_delete(old_scores.db)
        old_grades = Grade.objects.filter(scheme=scheme, month=month)
        old_grades._raw_delete(old_grades.db)
        from gridgov.dashboard import freshness

        freshness.bump(scheme.district_id)
        _insert(Score, SCORE_COLUMNS, scores)
        _insert(Grade, GRADE_COLUMNS, grades)
        # Next month's change is against this month: keep it consistent when a past month is re-run.
        following = comp.add_months(month, 1)
        later = list(Grade.objects.filter(scheme=scheme, month=following))
        if later:
            totals = {row[2]: row[4] for row in grades}
            for g in later:
                g.change = g.total - totals[g.party_org_id] if g.party_org_id in totals else None
            Grade.objects.bulk_update(later, ["change"], batch_size=2000)


def run_month(scheme, month, user=None, run=None, shared=None):
    """Compute and store one month for every organisation of the district, replacing that month's
    scores and grades in one transaction; records an IndexRun (or finishes `run`). Returns the run."""
    month = parse_month(month)
    now = timezone.now()
    if run is None:
        run = IndexRun.objects.create(scheme=scheme, district_id=scheme.district_id, month=month, state="running",
                                      requested_by=user if getattr(user, "is_authenticated", False) else None, started_at=now)
    began = time.perf_counter()
    try:
        scores, grades = compute_month(scheme, month, shared)
        _save_month(scheme, month, scores, grades)
    except Exception as exc:
        run.state, run.error, run.finished_at = "failed", str(exc) or exc.__class__.__name__, timezone.now()
        run.seconds = time.perf_counter() - began
        run.save(update_fields=["state", "error", "finished_at", "seconds"])
        if isinstance(exc, AssessmentError):
            raise
        log.exception("index run %s failed", run.pk)
        raise
    run.state, run.orgs, run.finished_at, run.error = "done", len(grades), timezone.now(), ""
    run.seconds = time.perf_counter() - began
    run.save(update_fields=["state", "orgs", "finished_at", "seconds", "error"])
    return run


def queue_run(user, scheme, month):
    """Queue a run for the worker (CONFIGURE in the district)."""
    month = parse_month(month)
    if not scoping.can(user, roles.CONFIGURE, scheme.district.root):
        raise NotAllowed(_("You may not run the index of this district."))
    if month >= comp.add_months(timezone.localdate().replace(day=1), 1):
        raise AssessmentError(_("%(month)s has not begun yet.") % {"month": month_label(month)})
    return IndexRun.objects.create(scheme=scheme, district_id=scheme.district_id, month=month, requested_by=user)


def claim(run_id):
    """Take a queued run for this worker: the conditional UPDATE succeeds for one worker only."""
    return IndexRun.objects.filter(pk=run_id, state="queued").update(state="running", started_at=timezone.now()) == 1


def run_queued(limit=None):
    """Run the queued IndexRuns (claimed with a conditional UPDATE); returns how many ran. A failed
    run is marked failed with its error and leaves the month's previous results in place."""
    ran = 0
    while limit is None or ran < limit:
        pending = list(IndexRun.objects.filter(state="queued").order_by("requested_at", "pk").values_list("pk", flat=True)[:5])
        if not pending:
            break
        progressed = False
        for pk in pending:
            if not claim(pk):
                continue
            progressed = True
            run = IndexRun.objects.select_related("scheme__district").get(pk=pk)
            try:
                run_month(run.scheme, run.month, run=run)
            except Exception:  # recorded on the run; the worker goes on with the next one
                pass
            ran += 1
            break
        if not progressed:
            break
    return ran


# ---------------------------------------------------------------- manual scores

def manual_indicators(scheme):
    return scheme.indicators.filter(kind__in=[Indicator.MANUAL, Indicator.VETO, Indicator.BONUS], computation="").order_by("order")


def enter_manual_score(user, indicator, party_org, month, points, evidence, attachment=None):
    """An assessor's score with its evidence (ASSESS at the organisation's node); replaces the
    assessor's earlier score of the same organisation, indicator and month."""
    month = parse_month(month)
    if indicator.computation or indicator.kind == Indicator.COMPUTED:
        raise AssessmentError(_("“%(name)s” is computed from platform data; it cannot be scored by hand.") % {"name": indicator.name})
    if indicator.scheme.district_id != party_org.district_id:
        raise AssessmentError(_("The organisation is not in the scheme's district."))
    if not scoping.can(user, roles.ASSESS, party_org.node):
        raise NotAllowed(_("You may not score organisations outside your area."))
    evidence = (evidence or "").strip()
    if not evidence:
        raise AssessmentError(_("A manual score needs evidence: say what the score rests on."))
    try:
        points = Decimal(str(points if points not in (None, "") else "0")).quantize(CENT)
    except ArithmeticError:
        raise AssessmentError(_("The points must be a number.")) from None
    cap = indicator.maximum if indicator.kind == Indicator.BONUS else indicator.weight
    if indicator.kind == Indicator.VETO:
        points = Decimal(0)
    elif points < 0 or points > cap:
        raise AssessmentError(_("The points must be between 0 and %(max)s.") % {"max": Decimal(cap).normalize()})
    with transaction.atomic():
        score, _created = ManualScore.objects.update_or_create(
            indicator=indicator, party_org=party_org, month=month,
            defaults={"district_id": party_org.district_id, "points": points, "evidence": evidence,
                      "assessor": user if getattr(user, "is_authenticated", False) else None, "node_path": party_org.node.path},
        )
        if attachment:
            score.attachment = attachment
            score.save(update_fields=["attachment"])
    return score


# ---------------------------------------------------------------- reading: grades, scorecards, evidence

def grades(user, month=None, node=None, band=None, q=""):
    """(month, queryset of Grade) in the user's scope; month defaults to the latest graded one."""
    qs = scoping.scope(Grade.objects.all(), user, "node_path")
    if month is None:
        month = qs.aggregate(m=Max("month"))["m"]
    qs = qs.filter(month=month) if month else qs.none()
    if node is not None:
        qs = qs.filter(subtree_q(node.path, "node_path"))
    if band:
        qs = qs.filter(band_id=band)
    if q:
        qs = qs.filter(party_org__name__contains=q)
    return month, qs.select_related("party_org", "party_org__node", "band", "scheme").order_by("scheme_id", "rank", "node_path", "party_org_id")


def scorecard(user, org, month):
    """(grade or None, [Score]) of one organisation and month, when the user may see it."""
    if not scoping.scope(type(org).objects.filter(pk=org.pk), user, "node__path").exists():
        return None
    grade = Grade.objects.filter(party_org=org, month=month).select_related("band", "scheme").order_by("scheme_id").first()
    scores = list(Score.objects.filter(party_org=org, month=month).select_related("indicator", "indicator__category")
                  .order_by("indicator__category__order", "indicator__order", "indicator_id"))
    return grade, scores


# The path column that scopes each evidence model (what the evidence page may show a user).
EVIDENCE_PATHS = {
    "assessment.meeting": "node_path",
    "assessment.attendance": "meeting__node_path",
    "assessment.pointsaccount": "node_path",
    "assessment.listitem": "node_path",
    "assessment.manualscore": "node_path",
    "orgs.partyorg": "node__path",
    "orgs.expandedcommitteemember": "committee__node__path",
    "people.servicerecord": "node_path",
    "people.trainingrecord": "node_path",
    "hierarchy.node": "path",
    "cases.case": "node_path",
    "cases.evaluation": "case__node_path",
}


def score_for(user, pk):
    return scoping.scope(Score.objects.select_related("indicator", "party_org", "party_org__node"), user, "node_path").filter(pk=pk).first()


def evidence_records(user, score):
    """The records behind a score, scoped to the user: a queryset (or None for a score with no
    records, e.g. an unscored manual item)."""
    ev = score.evidence or {}
    label = ev.get("model")
    if label not in EVIDENCE_PATHS:
        return None
    model = apps.get_model(label)
    qs = model.objects.filter(**ev.get("filter", {}))
    for key, value in (ev.get("exclude") or {}).items():
        qs = qs.exclude(**{key: value})
    return scoping.scope(qs, user, EVIDENCE_PATHS[label]).order_by("pk")
