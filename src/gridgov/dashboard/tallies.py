"""The dashboards' case aggregates: per grid, cases by state now and per reported month. Refreshed
inside the transaction of every case change (a recount of one grid, under a row lock), rebuilt whole
after bulk loads; `verify` compares them with the raw rows."""
import datetime as dt
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Count, Q, Sum

from gridgov.cases import kpi
from gridgov.cases.models import Case, Evaluation
from gridgov.cases.workflow import ACTIVE_STATES
from gridgov.hierarchy.models import Node

from .models import GridCaseDay, GridCaseMonth, GridCaseState

CLOSED_STATES = ("closed", "evaluated")
SATISFIED = ("satisfied", "basic")
MONTH_FIELDS = ("reported", "closed", "on_time", "evaluations", "satisfied")
STATE_FIELDS = ("total", "open", "closed", "overdue")
DAYS_KEPT = 31  # the daily tallies are recounted over this many days back (the screen shows 30)


def month_of(district, when):
    """The first day of `when`'s month in the district's time zone."""
    local = when.astimezone(ZoneInfo(district.timezone))
    return dt.date(local.year, local.month, 1)


def _state_counts(cases):
    return cases.aggregate(
        total=Count("pk"),
        open=Count("pk", filter=Q(state__in=ACTIVE_STATES)),
        closed=Count("pk", filter=Q(state__in=CLOSED_STATES)),
        overdue=Count("pk", filter=Q(state__in=ACTIVE_STATES, overdue_at__isnull=False)),
    )


def _month_counts(cases):
    # Every case reported in the month counts (voided ones too, as the case list's date filter
    # does); only real cases get closed or evaluated.
    counts = cases.aggregate(
        reported=Count("pk"),
        closed=Count("pk", filter=Q(closed_at__isnull=False)),
        on_time=Count("pk", filter=Q(closed_on_time=True)),
    )
    rated = Evaluation.objects.filter(case__in=cases).aggregate(
        evaluations=Count("pk"), satisfied=Count("pk", filter=Q(rating__in=SATISFIED)))
    return {**counts, **rated}


def refresh_grid(district, grid_id, node_path, month):
    """Recount one grid (its state now, and `month`) from the raw rows. The tally rows are locked
    first, so that concurrent changes in one grid recount one after the other, each seeing the
    ones committed before it: the last recount is always right."""
    with transaction.atomic():
        GridCaseState.objects.bulk_create(
            [GridCaseState(district=district, grid_id=grid_id, node_path=node_path)], ignore_conflicts=True)
        GridCaseMonth.objects.bulk_create(
            [GridCaseMonth(district=district, grid_id=grid_id, node_path=node_path, month=month)], ignore_conflicts=True)
        list(GridCaseState.objects.select_for_update().filter(grid_id=grid_id))
        list(GridCaseMonth.objects.select_for_update().filter(grid_id=grid_id, month=month))
        cases = Case.objects.filter(grid_id=grid_id)
        GridCaseState.objects.filter(grid_id=grid_id).update(node_path=node_path, **_state_counts(cases))
        start, end = kpi.month_period(district, month.year, month.month)
        in_month = cases.filter(reported_at__gte=start, reported_at__lt=end)
        GridCaseMonth.objects.filter(grid_id=grid_id, month=month).update(node_path=node_path, **_month_counts(in_month))
        # The grid's days of the window, recounted whole (a handful of cases; the state row's lock
        # serialises the recounts of one grid).
        first = window_start(district)
        days = _day_counts(district, cases.filter(Q(reported_at__gte=first) | Q(closed_at__gte=first)), first)
        GridCaseDay.objects.filter(grid_id=grid_id, day__gte=first.date()).delete()
        GridCaseDay.objects.bulk_create([GridCaseDay(district=district, grid_id=grid_id, node_path=node_path, day=d, **c)
                                         for (_g, d), c in days.items()])


def window_start(district, now=None):
    """Midnight (district time) DAYS_KEPT - 1 days before today: the first day the daily tallies keep."""
    from django.utils import timezone

    tz = ZoneInfo(district.timezone)
    today = (now or timezone.now()).astimezone(tz).date()
    first = today - dt.timedelta(days=DAYS_KEPT - 1)
    return dt.datetime(first.year, first.month, first.day, tzinfo=tz)


def _day_counts(district, cases, first):
    """{(grid_id, day): {"reported", "closed"}} of `cases` on the days from `first` on."""
    tz = ZoneInfo(district.timezone)
    out = {}
    for grid_id, reported_at, closed_at in cases.values_list("grid_id", "reported_at", "closed_at"):
        for field, when in (("reported", reported_at), ("closed", closed_at)):
            if when is not None and when >= first:
                row = out.setdefault((grid_id, when.astimezone(tz).date()), {"reported": 0, "closed": 0})
                row[field] += 1
    return out


def refresh_case(case):
    district = case.district
    refresh_grid(district, case.grid_id, case.node_path, month_of(district, case.reported_at))


def _expected(district):
    """The tallies of a district counted from the raw rows: ({grid_id: state row}, {(grid_id, month): month row})."""
    from django.db.models.functions import TruncMonth

    tz = ZoneInfo(district.timezone)
    cases = Case.objects.filter(district=district)
    states = {
        r["grid_id"]: r
        for r in cases.values("grid_id", "node_path").annotate(
            total=Count("pk"),
            open=Count("pk", filter=Q(state__in=ACTIVE_STATES)),
            closed=Count("pk", filter=Q(state__in=CLOSED_STATES)),
            overdue=Count("pk", filter=Q(state__in=ACTIVE_STATES, overdue_at__isnull=False)),
        ).order_by()
    }
    live = cases
    months = {}
    for r in live.annotate(m=TruncMonth("reported_at", tzinfo=tz)).values("grid_id", "node_path", "m").annotate(
            reported=Count("pk"), closed=Count("pk", filter=Q(closed_at__isnull=False)),
            on_time=Count("pk", filter=Q(closed_on_time=True))).order_by():
        months[(r["grid_id"], _as_date(r["m"], tz))] = {
            "node_path": r["node_path"], "reported": r["reported"], "closed": r["closed"], "on_time": r["on_time"],
            "evaluations": 0, "satisfied": 0}
    for r in Evaluation.objects.filter(case__in=live).annotate(m=TruncMonth("case__reported_at", tzinfo=tz)).values(
            "case__grid_id", "m").annotate(n=Count("pk"), ok=Count("pk", filter=Q(rating__in=SATISFIED))).order_by():
        row = months.get((r["case__grid_id"], _as_date(r["m"], tz)))
        if row is not None:
            row["evaluations"], row["satisfied"] = r["n"], r["ok"]
    return states, months


def _expected_days(district):
    first = window_start(district)
    cases = Case.objects.filter(district=district)
    recent = cases.filter(reported_at__gte=first) | cases.filter(closed_at__gte=first)
    paths = dict(Node.objects.filter(district=district, pk__in=recent.values("grid_id")).values_list("pk", "path"))
    return first, paths, _day_counts(district, recent, first)


def rebuild(district):
    """Every tally of the district from the raw rows (after the demo or a bulk import): a few
    grouped queries, one bulk write."""
    states, months = _expected(district)
    first, paths, days = _expected_days(district)
    with transaction.atomic():
        GridCaseState.objects.filter(district=district).delete()
        GridCaseMonth.objects.filter(district=district).delete()
        GridCaseDay.objects.filter(district=district).delete()
        GridCaseDay.objects.bulk_create([GridCaseDay(district=district, grid_id=g, node_path=paths[g], day=d, **c)
                                         for (g, d), c in days.items()], batch_size=2000)
        GridCaseState.objects.bulk_create(
            [GridCaseState(district=district, grid_id=g, **{k: r[k] for k in ("node_path", *STATE_FIELDS)})
             for g, r in states.items()], batch_size=2000)
        GridCaseMonth.objects.bulk_create(
            [GridCaseMonth(district=district, grid_id=g, month=m, **r) for (g, m), r in months.items()], batch_size=2000)


def _as_date(value, tz):
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        value = value.astimezone(tz)
    return dt.date(value.year, value.month, 1)


def verify(district):
    """Where the stored tallies differ from a fresh count: [] when they agree (zero rows count as absent)."""
    states, months = _expected(district)
    problems = []
    stored = {t.grid_id: {k: getattr(t, k) for k in STATE_FIELDS} for t in GridCaseState.objects.filter(district=district)}
    for grid_id in set(states) | set(stored):
        want = {k: states[grid_id][k] for k in STATE_FIELDS} if grid_id in states else dict.fromkeys(STATE_FIELDS, 0)
        have = stored.get(grid_id, dict.fromkeys(STATE_FIELDS, 0))
        if want != have:
            problems.append(("state", grid_id, None, want, have))
    stored = {(t.grid_id, t.month): {k: getattr(t, k) for k in MONTH_FIELDS} for t in GridCaseMonth.objects.filter(district=district)}
    for key in set(months) | set(stored):
        want = {k: months[key][k] for k in MONTH_FIELDS} if key in months else dict.fromkeys(MONTH_FIELDS, 0)
        have = stored.get(key, dict.fromkeys(MONTH_FIELDS, 0))
        if want != have:
            problems.append(("month", key[0], key[1], want, have))
    first, _paths, days = _expected_days(district)
    zero = {"reported": 0, "closed": 0}
    stored = {(t.grid_id, t.day): {"reported": t.reported, "closed": t.closed}
              for t in GridCaseDay.objects.filter(district=district, day__gte=first.date())}
    for key in set(days) | set(stored):
        if days.get(key, zero) != stored.get(key, zero):
            problems.append(("day", key[0], key[1], days.get(key, zero), stored.get(key, zero)))
    return problems


def totals(district, path=None, month=None):
    """Sums over the grids of a subtree: the state tallies, and a month's tallies when given."""
    from gridgov.hierarchy.services import subtree_q

    where = Q(district=district)
    if path:
        where &= subtree_q(path, "node_path")
    state = GridCaseState.objects.filter(where).aggregate(**{k: Sum(k) for k in STATE_FIELDS})
    result = {k: state[k] or 0 for k in STATE_FIELDS}
    if month is not None:
        m = GridCaseMonth.objects.filter(where, month=month).aggregate(**{k: Sum(k) for k in MONTH_FIELDS})
        result.update({f"month_{k}": m[k] or 0 for k in MONTH_FIELDS})
    return result
