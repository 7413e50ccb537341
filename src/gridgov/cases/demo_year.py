"""A year of cases and patrols for a demo district, written on the bulk path: the same models,
numbering and calendar deadlines as intake and transition, with realistic outcomes."""
import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import shapely
from django.db import connection
from django.utils import timezone
from shapely.geometry import shape

from gridgov.demo import fastinsert
from gridgov.hierarchy.models import Node
from gridgov.people.models import Person, Post

from . import services
from .calendar import WORKING_DAYS
from .models import Assignment, Case, CaseCounter, Category, Department, Evaluation, Patrol, Transition

# Published scale where there is one (Xiaodian ≥150,000 a year); the others in proportion to grids.
CASES_PER_YEAR = {"140105": 150_000, "150105": 52_000, "530111": 64_000}
# Relative frequency of the classes: environment and street order dominate real intake.
CLASS_WEIGHT = {"E01": 30, "E02": 10, "E03": 6, "E04": 3, "E05": 22, "E06": 3, "C01": 6, "C02": 4, "C03": 2,
                "C04": 3, "C05": 2, "C06": 1, "G01": 4, "G02": 2, "G03": 8}
STAFF_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
STAFF_GIVEN = ["伟", "芳", "娜", "敏", "静", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超", "霞", "平", "刚", "丽", "强"]


def _rows(sql, params):
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def _sample_in(geom, n, rng):
    minx, miny, maxx, maxy = geom.bounds
    out = np.empty((0, 2))
    while len(out) < n:
        xs = rng.uniform(minx, maxx, n * 2 + 8)
        ys = rng.uniform(miny, maxy, n * 2 + 8)
        ok = shapely.contains_xy(geom, xs, ys)
        out = np.vstack([out, np.column_stack([xs[ok], ys[ok]])])
    return out[:n]


def build_year(ctx):
    district, rng = ctx.district, ctx.rng
    tz = ZoneInfo(district.timezone)
    n_cases = max(30, int(CASES_PER_YEAR.get(district.code, 40_000) * ctx.volume))
    end = timezone.now().astimezone(tz).replace(minute=0, second=0, microsecond=0)
    start = end - dt.timedelta(days=365)
    cal = services.calendar_for(district)

    cells = list(Node.objects.filter(district=district, kind=district.cell_kind).values_list("id", "path", "polygon"))
    categories = list(Category.objects.filter(district=district, parent__isnull=False).select_related("parent", "department"))
    weights = np.array([CLASS_WEIGHT.get(c.parent.code, 1) / sum(1 for x in categories if x.parent_id == c.parent_id) for c in categories])
    departments = list(Department.objects.filter(district=district))
    names = [a + b for a in STAFF_SURNAMES for b in STAFF_GIVEN]

    # When: weekdays busier, daytime hours.
    days = rng.integers(0, 365, n_cases)
    day_dates = [start.date() + dt.timedelta(days=int(d)) for d in days]
    weekend = np.array([d.weekday() >= 5 for d in day_dates])
    keep = ~weekend | (rng.random(n_cases) < 0.6)
    days = np.where(keep, days, rng.integers(0, 365, n_cases))
    seconds = rng.integers(7 * 3600, 21 * 3600, n_cases)
    reported = sorted(start.replace(hour=0) + dt.timedelta(days=int(d), seconds=int(s)) for d, s in zip(days, seconds))
    reported = [r for r in reported if r < end]
    n_cases = len(reported)

    # Where: some grids see far more than others.
    cell_weight = rng.gamma(2.0, 1.0, len(cells))
    cell_of = rng.choice(len(cells), n_cases, p=cell_weight / cell_weight.sum())
    points = np.zeros((n_cases, 2))
    for ci in np.unique(cell_of):
        idx = np.nonzero(cell_of == ci)[0]
        points[idx] = _sample_in(shape(cells[ci][2]), len(idx), rng)
    cat_of = rng.choice(len(categories), n_cases, p=weights / weights.sum())

    # What happens: most closed on time, some rework, some escalated, a few void.
    r = rng.random((n_cases, 8))
    counters = {}
    cases, plans = [], []
    for i, at in enumerate(reported):
        cat = categories[cat_of[i]]
        day = at.astimezone(tz).date()
        counters[day] = counters.get(day, 0) + 1
        number = f"{district.code}{day:%Y%m%d}{counters[day]:05d}"
        age = (end - at).total_seconds() / 86400
        plan = _plan(r[i], age)
        case = Case(district=district, number=number, idem_key=f"demo:{number}", category=cat, source=_source(r[i][7]),
                    grid_id=cells[cell_of[i]][0], node_path=cells[cell_of[i]][1], lon=round(points[i][0], 7), lat=round(points[i][1], 7),
                    description=f"{cat.name}：{_detail(cat, r[i][6])}", reporter_name="", reported_at=at, department=cat.department)
        _timeline(case, plan, cat, cal, r[i], end, departments)
        cases.append(case)
        plans.append(plan)

    fastinsert.insert_objects(Case, cases)
    CaseCounter.objects.bulk_create([CaseCounter(district=district, day=d, last=n) for d, n in counters.items()], batch_size=2000)
    ids = dict(Case.objects.filter(district=district, idem_key__startswith="demo:").values_list("number", "id"))
    evaluations, assignments = [], []
    system = {"overdue", "auto_escalate", "warn"}

    def transitions():
        for case in cases:
            case.pk = ids[case.number]
            for action, frm, to, at, data in case._steps:
                actor = "系统" if action in system else names[(case.pk * 7 + len(action)) % len(names)]
                yield (case.pk, district.pk, action, frm, to, actor, at, "", data)
                if action == "evaluate":
                    evaluations.append((case.pk, data["rating"], "", at))
            if case.department_id and case.state not in ("reported", "registered", "voided"):
                assignments.append((case.pk, case.department_id, True, case.state in ("handled", "verified", "closed", "evaluated"), ""))

    fastinsert.insert(Transition, ["case", "district", "action", "from_state", "to_state", "actor_name", "at", "comment", "data"], transitions())
    fastinsert.insert(Evaluation, ["case", "rating", "comment", "at"], evaluations)
    fastinsert.insert(Assignment, ["case", "department", "lead", "done", "note"], assignments)
    _patrols(ctx, cells, start, end)
    return len(cases)


def _source(x):
    return "patrol" if x < 0.55 else "hotline" if x < 0.75 else "resident" if x < 0.9 else "desk"


DETAILS = ["群众反映，请尽快处理", "巡查发现", "影响居民出行", "已多次出现", "现场拍照取证", "居民来电反映"]


def _detail(cat, x):
    return DETAILS[int(x * len(DETAILS)) % len(DETAILS)]


def _plan(r, age_days):
    """The path a case takes, from random draws and its age (young cases are still open)."""
    if r[0] < 0.04:
        return {"void": "duplicate" if r[1] < 0.5 else "invalid"}
    plan = {"late": r[1] < 0.08, "rework": r[2] < 0.06, "extension": r[3] < 0.04,
            "escalate": 3 if r[4] < 0.003 else 2 if r[4] < 0.01 else 1 if r[4] < 0.03 else 0,
            "rating": "satisfied" if r[5] < 0.86 else "basic" if r[5] < 0.96 else "unsatisfied"}
    if age_days < 1:
        plan["stop"] = ["reported", "registered", "dispatched", "handling"][int(r[6] * 4)]
    elif age_days < 10:
        plan["stop"] = ["dispatched", "handling", "handled", "verified", "closed", "evaluated", "evaluated"][int(r[6] * 7)]
    elif age_days < 30:
        plan["stop"] = "closed" if r[6] < 0.3 else "evaluated"
    else:
        plan["stop"] = "closed" if r[6] < 0.2 else "evaluated"
    return plan


def _timeline(case, plan, cat, cal, r, end, departments):
    """Fill the case's stage fields and its list of transitions (case._steps)."""
    steps = []
    at = case.reported_at
    case.deadline = cal.add(at, float(cat.register_limit), cat.register_unit)
    steps.append(("report", "", "reported", at, {}))
    state = "reported"

    def go(action, to, minutes, data=None):
        nonlocal at, state
        at = at + dt.timedelta(minutes=minutes)
        steps.append((action, state, to, at, data or {}))
        state = to
        return at

    levels = ["grid", "community", "subdistrict", "district"]
    for k in range(plan.get("escalate", 0)):
        go("escalate", state, 20 + 40 * r[7], {"level": levels[k + 1]})
        case.level, case.escalations = levels[k + 1], k + 1
    if "void" in plan:
        go("void", "voided", 15 + 60 * r[7], {"reason": plan["void"]})
        case.state, case.deadline = "voided", None
        case._steps = steps
        return
    stop = plan["stop"]
    if stop == "reported":
        case.state, case._steps = state, steps
        return
    case.registered_at = go("register", "registered", 5 + 50 * r[6])
    case.deadline = cal.add(at, float(cat.dispatch_limit), cat.dispatch_unit)
    if stop == "registered":
        case.state, case._steps = state, steps
        return
    case.dispatched_at = go("dispatch", "dispatched", 5 + 55 * r[7], {"departments": [case.department.name] if case.department else []})
    case.handle_deadline = cal.add(at, float(cat.handle_limit), cat.handle_unit)
    case.deadline = case.handle_deadline
    if stop == "dispatched":
        case.state, case._steps = state, steps
        return
    go("accept", "handling", 10 + 110 * r[6])
    if plan["extension"]:
        go("request_extension", "handling", 60, {"days": 2})
        go("approve_extension", "handling", 90, {"days": 2})
        case.handle_deadline = cal.add(case.handle_deadline, 2, WORKING_DAYS)
        case.deadline, case.extended = case.handle_deadline, True
    if stop == "handling":
        case.state, case._steps = state, steps
        return
    window = max(60.0, (case.handle_deadline - at).total_seconds() / 60)
    minutes = window * (1.2 + r[5]) if plan["late"] else window * (0.1 + 0.8 * r[5])
    if plan["late"]:
        steps.append(("overdue", state, state, case.handle_deadline, {}))
        case.was_overdue = True
    case.handled_at = go("handle", "handled", minutes)
    if plan["rework"]:
        go("rework", "handling", 120, {})
        case.rework_count = 1
        case.handled_at = go("handle", "handled", 240)
    case.deadline = cal.add(at, 1, WORKING_DAYS)
    for later, action in (("verified", "verify"), ("closed", "close"), ("evaluated", "evaluate")):
        if stop == "handled" or at > end:
            break
        to = later
        data = {"rating": plan["rating"]} if action == "evaluate" else {}
        go(action, to, (60 + 400 * r[7]) if action != "evaluate" else (120 + 2000 * r[7]), data)
        if action == "close":
            case.closed_at = at
            case.closed_on_time = case.handled_at <= case.handle_deadline
            case.deadline = None
        if stop == later:
            break
    # Anything generated past "now" is cut: the demo never shows the future.
    while steps and steps[-1][3] > end:
        steps.pop()
    case.state = steps[-1][2]
    if case.state not in ("closed", "evaluated"):
        case.closed_at, case.closed_on_time = None, None
        if case.state == "handling":
            case.handled_at = None
        if case.deadline is None:
            case.deadline = cal.add(at, 1, WORKING_DAYS)
        if case.deadline <= end:
            # As if the worker had been running: warned, then marked overdue at the deadline.
            case.warned_at = case.deadline - services.WARN_BEFORE
            case.overdue_at, case.was_overdue = case.deadline, True
            steps.append(("overdue", case.state, case.state, case.deadline, {}))
            steps.sort(key=lambda s: s[3])
    case._steps = steps


def _patrols(ctx, cells, start, end):
    """Each grid's worker patrols twice a week; a person and post per grid (定人定岗定责)."""
    district, rng = ctx.district, ctx.rng
    existing = dict(Post.objects.filter(district=district, role="grid_worker").values_list("node_id", "person_id"))
    new_people = []
    for cell_id, _path, _poly in cells:
        if cell_id not in existing:
            new_people.append((cell_id, Person(district=district, name=ctx.faker.name(), home_id=cell_id)))
    Person.objects.bulk_create([p for _c, p in new_people], batch_size=2000)
    Post.objects.bulk_create([Post(person=p, district=district, role="grid_worker", node_id=c, title="网格员") for c, p in new_people], batch_size=2000)
    existing.update({c: p.pk for c, p in new_people})
    per_week = 2 * ctx.volume
    weeks = 52
    patrols = []
    for cell_id, path, poly in cells:
        geom = shape(poly)
        count = int(rng.poisson(per_week * weeks))
        if not count:
            continue
        day_offsets = rng.integers(0, 365, count)
        pts = _sample_in(geom, count * 3, rng)
        for k, d in enumerate(day_offsets):
            began = (start + dt.timedelta(days=int(d))).replace(hour=8) + dt.timedelta(minutes=int(rng.integers(0, 300)))
            if began > end:
                continue
            track = [[round(x, 6), round(y, 6), int((began + dt.timedelta(minutes=15 * j)).timestamp())] for j, (x, y) in enumerate(pts[3 * k:3 * k + 3])]
            patrols.append(Patrol(district=district, person_id=existing[cell_id], grid_id=cell_id, node_path=path, day=began.date(),
                                  started_at=began, ended_at=began + dt.timedelta(minutes=45), track=track,
                                  visits=int(rng.integers(0, 8)), notes=""))
    fastinsert.insert_objects(Patrol, patrols)
