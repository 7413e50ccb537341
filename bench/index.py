"""Monthly quality-index run: gridgov's run_month against the same aggregation written in DuckDB.

Generates a Saihan-sized district (~900 organisations) and one ten times larger (~9,000) with a light
generator (fastinsert), times computing one month with `services.index.compute_month` (queries and
scoring, no writes) and with `run_month` (also replacing the month's rows), then exports the tables
to CSV and times the same aggregation in DuckDB (in memory, loading excluded). Last line: one JSON object."""
import argparse
import datetime as dt
import json
import os
import shutil
import sys
import tempfile
import time

SCALES = (1, 10)
MONTH = dt.date(2026, 10, 1)


def setup_django(var):
    os.environ.pop("DATABASE_URL", None)
    os.environ["GRIDGOV_VAR"] = var
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


# ---------------------------------------------------------------- the generator

def generate(code, name, scale, seed):
    """A district of 6×scale subdistricts × 10 communities × 6 grids; per grid a party branch and a
    party group, per community the community's organisation and two partner-unit branches; members,
    residents, three months of meetings and attendance, a month of cases, evaluations, service,
    points, training, rectification tasks, committees and centres. Returns the district."""
    import numpy as np
    from django.db import transaction

    from gridgov.assessment.models import Attendance, ListItem, Meeting, PointsAccount
    from gridgov.cases.models import Case, Category, Evaluation
    from gridgov.demo import fastinsert

    def insert(model, columns, rows):
        """fastinsert.insert, filling the other NOT NULL columns with their field defaults."""
        from django.utils import timezone

        extra = [f for f in model._meta.concrete_fields if not f.primary_key and not f.null and f.name not in columns]
        defaults = tuple(timezone.now() if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) else f.get_default()
                         for f in extra)
        fastinsert.insert(model, [*columns, *(f.name for f in extra)], (tuple(r) + defaults for r in rows))
    from gridgov.hierarchy import services as hierarchy
    from gridgov.hierarchy.models import Node
    from gridgov.orgs.models import ExpandedCommittee, ExpandedCommitteeMember, PartyOrg, ServiceCentre
    from gridgov.people.models import DualRegistration, Household, PartyMember, Person, Resident, ServiceRecord, TrainingRecord
    from zoneinfo import ZoneInfo

    rng = np.random.default_rng(seed)
    tz = ZoneInfo("Asia/Shanghai")
    with transaction.atomic():
        district = hierarchy.create_district(code, name, ["district", "subdistrict", "community", "grid"])
        root = district.root
        step = Node._get_path

        def node_rows():
            for s in range(1, 6 * scale + 1):
                sp = step(root.path, 2, s)
                yield (sp, 2, 10, district.pk, "subdistrict", f"{code}{s:03d}", f"街道{s}")
                for c in range(1, 11):
                    cp = step(sp, 3, c)
                    yield (cp, 3, 6, district.pk, "community", f"{code}{s:03d}{c:03d}", f"社区{s}-{c}")
                    for g in range(1, 7):
                        yield (step(cp, 4, g), 4, 0, district.pk, "grid", f"{code}{s:03d}{c:03d}{g:03d}", f"第{g}网格")
        insert(Node, ["path", "depth", "numchild", "district", "kind", "code", "name"], node_rows())
        Node.objects.filter(pk=root.pk).update(numchild=6 * scale)
        nodes = list(Node.objects.filter(district=district).values_list("pk", "path", "kind").order_by("path"))
        by_kind = {k: [(pk, p) for pk, p, kk in nodes if kk == k] for k in ("district", "subdistrict", "community", "grid")}

        # Organisations.
        top = PartyOrg.objects.create(district=district, kind="committee", name=f"中共{name}委员会", node_id=root.pk)
        orgs = [(district.pk, "working_committee", f"工委{i}", pk, top.pk) for i, (pk, _p) in enumerate(by_kind["subdistrict"])]
        insert(PartyOrg, ["district", "kind", "name", "node", "parent"], orgs)
        working = {p[:8]: pk for pk, p in PartyOrg.objects.filter(district=district, kind="working_committee").values_list("pk", "node__path")}
        insert(PartyOrg, ["district", "kind", "name", "node", "parent"],
               [(district.pk, "committee", f"社区党委{i}", pk, working[p[:8]]) for i, (pk, p) in enumerate(by_kind["community"])])
        community_org = {p: pk for pk, p in PartyOrg.objects.filter(district=district, kind="committee", node__depth=3).values_list("pk", "node__path")}
        honours = ["先进基层党组织", "五星级党支部", "红旗党支部"]
        branch_rows = []
        for i, (pk, p) in enumerate(by_kind["grid"]):
            branch_rows.append((district.pk, "branch", f"网格党支部{i}", pk, community_org[p[:12]], True, bool(rng.random() < 0.85),
                                honours[: i % 4] if i % 11 == 0 else []))
        for i, (pk, p) in enumerate(by_kind["community"]):
            for u in range(2):
                branch_rows.append((district.pk, "branch", f"驻区单位党支部{i}-{u}", pk, community_org[p], False, bool(rng.random() < 0.8), []))
        insert(PartyOrg, ["district", "kind", "name", "node", "parent", "is_grid_branch", "meets_standard", "honours"], branch_rows)
        branches = list(PartyOrg.objects.filter(district=district, kind="branch").values_list("pk", "node_id", "node__path").order_by("pk"))
        insert(PartyOrg, ["district", "kind", "name", "node", "parent"],
               [(district.pk, "group", f"党小组{i}", node_id, pk) for i, (pk, node_id, _p) in enumerate(branches) if i % 4 != 3])
        all_orgs = list(PartyOrg.objects.filter(district=district).values_list("pk", "node__path", "kind").order_by("pk"))

        # People: members (8 per branch, one of them the secretary), residents (40 per grid).
        person_rows, member_spec = [], []
        for pk, node_id, p in branches:
            for m in range(8):
                person_rows.append((district.pk, f"党员{pk}-{m}", node_id))
                member_spec.append((pk, p, m))
        first_person = (Person.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        insert(Person, ["district", "name", "home"], person_rows)
        member_person = list(range(first_person, first_person + len(person_rows)))
        insert(PartyMember, ["person", "district", "party_org", "status", "in_service", "node_path"],
               [(person, district.pk, org, "full", m < 3, p) for person, (org, p, m) in zip(member_person, member_spec)])
        members = list(PartyMember.objects.filter(district=district).values_list("pk", "person_id", "party_org_id", "node_path").order_by("pk"))
        secretary = {org: person for _pk, person, org, _p in members[::8]}
        PartyOrg.objects.bulk_update([PartyOrg(pk=org, secretary_id=person) for org, person in secretary.items()], ["secretary"], batch_size=2000)
        by_org = {}
        for mpk, person, org, p in members:
            by_org.setdefault(org, []).append((mpk, person, p))

        insert(Household, ["district", "node", "number"], [(district.pk, pk, f"{h:03d}") for pk, _p in by_kind["grid"] for h in range(20)])
        households = list(Household.objects.filter(district=district).values_list("pk", "node__path").order_by("pk"))
        first_person = (Person.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        insert(Person, ["district", "name"], [(district.pk, f"居民{h}-{r}") for h, _p in households for r in range(2)])
        insert(Resident, ["person", "district", "household", "relation", "tags", "node_path"],
               [(first_person + 2 * i + r, district.pk, h, "head", [], p) for i, (h, p) in enumerate(households) for r in range(2)])

        # Three months of meetings (the quarter and the lapse window) with attendance. Party groups hold
        # only their own monthly 党小组会 (what the index judges them on), attended by their branch's members.
        kinds = ["committee", "theme_day", "assembly", "lecture", "group", "activity"]
        probs = [0.9, 0.85, 0.4, 0.35, 0.5, 0.5]
        group_prob = 0.8
        meeting_rows = []
        for m in range(3):
            month = dt.date(2026, 8 + m, 1)
            for pk, p, kind in all_orgs:
                for k, prob in ([("group", group_prob)] if kind == "group" else zip(kinds, probs)):
                    if rng.random() < prob:
                        start = dt.datetime(month.year, month.month, int(rng.integers(1, 28)), 9, tzinfo=tz)
                        meeting_rows.append((district.pk, pk, k, f"{k}{m}", start, p))
        insert(Meeting, ["district", "party_org", "kind", "title", "start", "node_path"], meeting_rows)
        roster_org = dict(PartyOrg.objects.filter(district=district, kind="group").values_list("pk", "parent_id"))
        pairs = [(mid, mpk) for mid, org in Meeting.objects.filter(district=district).values_list("pk", "party_org_id").order_by("pk")
                 for mpk, _person, _p in by_org.get(roster_org.get(org, org), [])]
        drawn = rng.choice(["present", "leave", "absent"], size=len(pairs), p=[0.85, 0.08, 0.07]).tolist()
        insert(Attendance, ["meeting", "member", "status", "method"], ((mid, mpk, st, "manual") for (mid, mpk), st in zip(pairs, drawn)))

        # A month of cases (and those open from before), evaluations.
        Category.objects.bulk_create([Category(district=district, kind="event", code="E01", name="市容环境"),
                                      Category(district=district, kind="governance", code="G01", name="物业纠纷")])
        cats = list(Category.objects.filter(district=district).values_list("pk", flat=True).order_by("pk"))
        case_rows, n = [], 0
        start, end = dt.datetime(2026, 10, 1, tzinfo=tz), dt.datetime(2026, 11, 1, tzinfo=tz)
        for pk, p in by_kind["grid"]:
            for _c in range(10):
                n += 1
                reported = start + dt.timedelta(hours=float(rng.uniform(-240, 700)))
                closed = reported + dt.timedelta(hours=float(rng.uniform(2, 200)))
                is_closed = closed < end
                case_rows.append((district.pk, f"B{code}{n:08d}", f"k{n}", cats[int(rng.random() < 0.15)], "patrol", pk, p, 111.7, 40.8,
                                  "案件", "closed" if is_closed else "handling", reported, closed if is_closed else None,
                                  bool(rng.random() < 0.9) if is_closed else None, int(rng.random() < 0.08), int(rng.random() < 0.1)))
        insert(Case, ["district", "number", "idem_key", "category", "source", "grid", "node_path", "lon", "lat", "description", "state",
                      "reported_at", "closed_at", "closed_on_time", "rework_count", "escalations"], case_rows)
        ratings = ["satisfied", "basic", "unsatisfied"]
        insert(Evaluation, ["case", "rating", "at"],
               [(pk, ratings[int(rng.choice(3, p=[0.8, 0.15, 0.05]))], closed + dt.timedelta(hours=5))
                for pk, closed in Case.objects.filter(district=district, closed_at__isnull=False).values_list("pk", "closed_at")
                if rng.random() < 0.5 and closed + dt.timedelta(hours=5) < end])

        # Service, dual registration, points, training, rectification, committees, centres.
        grid_node = {p: pk for pk, p in by_kind["grid"]}
        dual = [(mpk, person, p) for mpk, person, _org, p in members if p in grid_node][::4]
        insert(DualRegistration, ["member", "district", "community", "grid", "since", "active", "node_path"],
               [(mpk, district.pk, grid_node[p] - 0, grid_node[p], dt.date(2025, 1, 1), True, p) for mpk, _person, p in dual])
        svc_rows = []
        for mpk, person, p in dual:
            svc_rows.append((person, district.pk, "dual_registration", float(rng.integers(1, 5)), "服务", grid_node[p], dt.date(2026, 10, int(rng.integers(1, 29))), p))
        for _mpk, person, _org, p in members[::3]:
            if p in grid_node:
                svc_rows.append((person, district.pk, "volunteer", float(rng.integers(1, 6)), "志愿服务", grid_node[p], dt.date(2026, 10, int(rng.integers(1, 29))), p))
        insert(ServiceRecord, ["person", "district", "kind", "hours", "what", "node", "day", "node_path"], svc_rows)
        insert(PointsAccount, ["district", "member", "year", "total", "node_path"],
               [(district.pk, mpk, 2026, float(rng.integers(50, 100)), p) for mpk, _person, _org, p in members])
        insert(TrainingRecord, ["person", "district", "course", "hours", "day", "node_path"],
               [(person, district.pk, "书记培训", float(rng.integers(2, 9)), dt.date(2026, int(rng.integers(1, 11)), 5), "")
                for person in secretary.values() for _t in range(2)])
        list_rows = []
        for pk, p in by_kind["community"]:
            for t in range(3):
                done = rng.random() < 0.7
                list_rows.append((district.pk, "rectification", pk, 2026, f"整改{t}", dt.date(2026, 9 + t % 2, 15), "done" if done else "open",
                                  dt.date(2026, 9, 10) if done else None, p))
        insert(ListItem, ["district", "kind", "node", "year", "title", "due", "state", "done_on", "node_path"], list_rows)
        insert(ExpandedCommittee, ["district", "node", "name"], [(district.pk, pk, f"大党委{pk}") for pk, _p in by_kind["community"]])
        insert(ExpandedCommitteeMember, ["committee", "name", "unit_name", "role", "external"],
               [(cid, f"委员{i}", "单位", "委员", i % 3 == 0) for cid in ExpandedCommittee.objects.filter(district=district).values_list("pk", flat=True)
                for i in range(int(rng.integers(4, 12)))])
        insert(ServiceCentre, ["district", "node", "name", "kind", "services", "serves_firms"],
               [(district.pk, pk, f"党群服务中心{pk}", "community_centre", [], 0) for pk, _p in by_kind["community"]])
    return district


# ---------------------------------------------------------------- DuckDB

# What DuckDB gets: one CSV per table, only the district's rows and the columns the index reads.
EXPORTS = {
    "orgs": "SELECT o.id, o.kind, n.path, o.secretary_id, o.meets_standard, json_array_length(o.honours) AS honours_n "
            "FROM orgs_partyorg o JOIN hierarchy_node n ON n.id = o.node_id WHERE o.district_id = %s",
    "meetings": "SELECT id, party_org_id, kind, start, node_path FROM assessment_meeting WHERE district_id = %s",
    "attendance": "SELECT m.party_org_id, m.start, a.status FROM assessment_attendance a "
                  "JOIN assessment_meeting m ON m.id = a.meeting_id WHERE m.district_id = %s",
    "cases": "SELECT c.node_path, c.reported_at, c.closed_at, c.closed_on_time, c.rework_count, c.escalations, c.state, k.name AS category "
             "FROM cases_case c JOIN cases_category k ON k.id = c.category_id WHERE c.district_id = %s",
    "evaluations": "SELECT c.node_path, e.at AS rated_at, e.rating FROM cases_evaluation e JOIN cases_case c ON c.id = e.case_id WHERE c.district_id = %s",
    "service": "SELECT kind, hours, day, node_path FROM people_servicerecord WHERE district_id = %s",
    "dual": "SELECT node_path, since, active FROM people_dualregistration WHERE district_id = %s",
    "residents": "SELECT node_path FROM people_resident WHERE district_id = %s",
    "points": "SELECT node_path, year, total FROM assessment_pointsaccount WHERE district_id = %s",
    "training": "SELECT person_id, day, hours FROM people_trainingrecord WHERE district_id = %s",
    "rect": "SELECT node_path, kind, due, state, done_on FROM assessment_listitem WHERE district_id = %s",
    "members": "SELECT party_org_id FROM people_partymember WHERE district_id = %s AND status IN ('full', 'probationary')",
}


def export_csv(district, folder):
    """One CSV per table of the district (datetimes as SQLite stores them: naive UTC)."""
    import csv

    from django.db import connection

    paths = {}
    with connection.cursor() as cur:
        for name, sql in EXPORTS.items():
            cur.execute(sql, [district.pk])
            path = os.path.join(folder, f"{name}.csv")
            with open(path, "w", newline="") as fh:
                w = csv.writer(fh)
                w.writerow([d[0] for d in cur.description])
                w.writerows(cur.fetchall())
            paths[name] = path
    return paths


# The Saihan scheme's computed indicators (less the grid checklist, the centre factor and the
# committee seats) with the same formulas, weights and bands, as one SQL statement. Area figures are
# summed per node path, expanded to every ancestor path (prefixes of 4 characters) and joined to
# the organisations' paths by equality. No measured value (no case in the area) scores the
# indicator's empty_ratio (1 here); the coalesce is inside least/greatest because DuckDB's
# least/greatest skip NULLs (greatest(0, NULL) is 0, not NULL).
DUCK_SQL = """
WITH o AS (SELECT * FROM orgs),
anc AS (SELECT DISTINCT path AS p FROM o),
m AS (SELECT party_org_id, kind, max(start) AS last FROM meetings
      WHERE start >= TIMESTAMP '{q_start}' AND start < TIMESTAMP '{end}' AND kind IN ({monthly}, {quarterly}, {group_monthly}) GROUP BY ALL),
-- 三会一课: the monthly kinds held this month and the quarterly ones held this quarter; a quarterly
-- kind is required only at the quarter's end (before then one not yet held is not counted against the
-- organisation). A party group is judged on its own monthly 党小组会 only.
meet AS (SELECT o.id, coalesce(CASE WHEN o.kind = 'group'
           THEN count(m.kind) FILTER (WHERE m.kind IN ({group_monthly}) AND m.last >= TIMESTAMP '{start}') / nullif({n_group_monthly}, 0)
           ELSE (count(m.kind) FILTER (WHERE m.kind IN ({monthly}) AND m.last >= TIMESTAMP '{start}')
                 + count(m.kind) FILTER (WHERE m.kind IN ({quarterly})))
                / nullif({n_monthly} + CASE WHEN {quarter_end} THEN {n_quarterly} ELSE count(m.kind) FILTER (WHERE m.kind IN ({quarterly})) END, 0)
           END, 0) AS r
         FROM o LEFT JOIN m ON m.party_org_id = o.id GROUP BY o.id, o.kind),
att AS (SELECT party_org_id AS id, (count(*) FILTER (WHERE status='present')) / nullif(count(*) - count(*) FILTER (WHERE status='leave'), 0) AS v
        FROM attendance WHERE start >= TIMESTAMP '{start}' AND start < TIMESTAMP '{end}' GROUP BY 1),
x AS (
    SELECT path AS node_path, 'std' AS metric, 1.0 AS a, CASE WHEN meets_standard = 1 THEN 1.0 ELSE 0 END AS b FROM o WHERE kind='branch'
    UNION ALL SELECT node_path, 'dual', sum(hours), 0 FROM service WHERE kind='dual_registration' AND day >= DATE '{window}' AND day < DATE '{next}' GROUP BY 1
    UNION ALL SELECT node_path, 'dual', 0, count(*) FROM dual WHERE active = 1 AND since < DATE '{next}' GROUP BY 1
    UNION ALL SELECT node_path, 'pts', sum(total), count(*) FROM points WHERE year = {year} GROUP BY 1
    UNION ALL SELECT node_path, 'act', count(*), 0 FROM meetings WHERE kind='activity' AND start >= TIMESTAMP '{start}' AND start < TIMESTAMP '{end}' GROUP BY 1
    UNION ALL SELECT node_path, 'closed', count(*), count(*) FILTER (WHERE closed_on_time = 1) FROM cases WHERE closed_at >= TIMESTAMP '{start}' AND closed_at < TIMESTAMP '{end}' GROUP BY 1
    UNION ALL SELECT node_path, 'rework', count(*), count(*) FILTER (WHERE rework_count > 0) FROM cases WHERE closed_at >= TIMESTAMP '{start}' AND closed_at < TIMESTAMP '{end}' GROUP BY 1
    UNION ALL SELECT node_path, 'esc', count(*), count(*) FILTER (WHERE closed_at < TIMESTAMP '{end}') FROM cases
      WHERE escalations > 0 AND reported_at < TIMESTAMP '{end}' AND state <> 'voided' AND (closed_at IS NULL OR closed_at >= TIMESTAMP '{start}') GROUP BY 1
    UNION ALL SELECT node_path, 'prop', count(*), count(*) FILTER (WHERE closed_at < TIMESTAMP '{end}') FROM cases
      WHERE category LIKE '%物业%' AND reported_at < TIMESTAMP '{end}' AND state <> 'voided' AND (closed_at IS NULL OR closed_at >= TIMESTAMP '{start}') GROUP BY 1
    UNION ALL SELECT node_path, 'sat', count(*), count(*) FILTER (WHERE rating IN ('satisfied','basic')) FROM evaluations WHERE rated_at >= TIMESTAMP '{start}' AND rated_at < TIMESTAMP '{end}' GROUP BY 1
    UNION ALL SELECT node_path, 'vol', sum(hours), 0 FROM service WHERE kind='volunteer' AND day >= DATE '{window}' AND day < DATE '{next}' GROUP BY 1
    UNION ALL SELECT node_path, 'vol', 0, count(*) FROM residents GROUP BY 1),
roll AS (
  SELECT anc.p,
    sum(a) FILTER (WHERE metric='std') AS std_a, sum(b) FILTER (WHERE metric='std') AS std_b,
    sum(a) FILTER (WHERE metric='dual') AS dual_a, sum(b) FILTER (WHERE metric='dual') AS dual_b,
    sum(a) FILTER (WHERE metric='pts') AS pts_a, sum(b) FILTER (WHERE metric='pts') AS pts_b,
    sum(a) FILTER (WHERE metric='act') AS act_a,
    sum(a) FILTER (WHERE metric='closed') AS cl_a, sum(b) FILTER (WHERE metric='closed') AS cl_b,
    sum(a) FILTER (WHERE metric='rework') AS rw_a, sum(b) FILTER (WHERE metric='rework') AS rw_b,
    sum(a) FILTER (WHERE metric='esc') AS esc_a, sum(b) FILTER (WHERE metric='esc') AS esc_b,
    sum(a) FILTER (WHERE metric='prop') AS prop_a, sum(b) FILTER (WHERE metric='prop') AS prop_b,
    sum(a) FILTER (WHERE metric='sat') AS sat_a, sum(b) FILTER (WHERE metric='sat') AS sat_b,
    sum(a) FILTER (WHERE metric='vol') AS vol_a, sum(b) FILTER (WHERE metric='vol') AS vol_b
  FROM x CROSS JOIN range(1, 8) t(k) JOIN anc ON anc.p = substr(x.node_path, 1, 4 * k)
  WHERE length(x.node_path) >= 4 * k
  GROUP BY anc.p),
tr AS (SELECT person_id, sum(hours) AS h FROM training WHERE day >= DATE '{year}-01-01' AND day < DATE '{next}' GROUP BY 1),
lap AS (SELECT DISTINCT party_org_id AS id FROM meetings WHERE start >= TIMESTAMP '{lapse}' AND start < TIMESTAMP '{end}'),
staffed AS (SELECT DISTINCT party_org_id AS id FROM members),
scored AS (
  SELECT o.id, o.path,
    round(8 * coalesce(meet.r, 0), 2)
    + round(6 * least(1, coalesce(att.v, 0) / 0.9), 2)
    + round(6 * coalesce(std_b / nullif(std_a, 0), 0), 2)
    + round(5 * least(1, coalesce(dual_a / nullif(dual_b, 0), 0) / 24), 2)
    + round(5 * least(1, coalesce(pts_a / nullif(pts_b, 0), 0) / 80), 2)
    + round(5 * CASE WHEN o.secretary_id IS NULL THEN 0 ELSE least(1, coalesce(tr.h, 0) / (12.0 * {mon} / 12)) END, 2)
    + round(6 * least(1, coalesce(act_a, 0) / 2), 2)
    + round(7 * least(1, coalesce((cl_b / nullif(cl_a, 0)) / 0.95, 1)), 2)
    + round(5 * greatest(0, coalesce(1 - (rw_b / nullif(rw_a, 0)) / 0.2, 1)), 2)
    + round(6 * least(1, coalesce((esc_b / nullif(esc_a, 0)) / 0.9, 1)), 2)
    + round(6 * least(1, coalesce((prop_b / nullif(prop_a, 0)) / 0.8, 1)), 2)
    + round(7 * least(1, coalesce((sat_b / nullif(sat_a, 0)) / 0.95, 1)), 2)
    + round(5 * least(1, coalesce(vol_a * 1000 / nullif(vol_b, 0), 0) / 1200), 2)
    + least(5, 2 * coalesce(o.honours_n, 0)) AS total,
    o.kind IN ('branch', 'general_branch') AND lap.id IS NULL AND o.id IN (SELECT id FROM staffed) AS vetoed
  FROM o LEFT JOIN roll ON roll.p = o.path LEFT JOIN meet ON meet.id = o.id LEFT JOIN att ON att.id = o.id
  LEFT JOIN tr ON tr.person_id = o.secretary_id LEFT JOIN lap ON lap.id = o.id)
SELECT id, total, vetoed,
  CASE WHEN vetoed THEN 5 WHEN total >= 90 THEN 1 WHEN total >= 80 THEN 2 WHEN total >= 70 THEN 3 WHEN total >= 60 THEN 4 ELSE 5 END AS band,
  rank() OVER (ORDER BY vetoed, total DESC) AS rank
FROM scored ORDER BY vetoed, total DESC, path, id
"""


def duck_run(paths):
    import duckdb

    from gridgov.assessment.computations import DEFAULT_GROUP_MONTHLY, DEFAULT_MONTHLY, DEFAULT_QUARTERLY, add_months

    con = duckdb.connect()
    for name, path in paths.items():
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM read_csv_auto('{path}', header=true)")
    # The month's bounds in UTC as SQLite stores them (Asia/Shanghai is UTC+8, no DST).
    utc = lambda d: (dt.datetime.combine(d, dt.time()) - dt.timedelta(hours=8)).isoformat(" ")  # noqa: E731
    nxt = add_months(MONTH, 1)
    lists = {"monthly": DEFAULT_MONTHLY, "quarterly": DEFAULT_QUARTERLY, "group_monthly": DEFAULT_GROUP_MONTHLY}
    sql = DUCK_SQL.format(start=utc(MONTH), end=utc(nxt), q_start=utc(dt.date(MONTH.year, (MONTH.month - 1) // 3 * 3 + 1, 1)),
                          month=MONTH.isoformat(), next=nxt.isoformat(), window=add_months(MONTH, -11).isoformat(), year=MONTH.year, mon=MONTH.month,
                          lapse=utc(add_months(MONTH, -2)), quarter_end=str(MONTH.month % 3 == 0).upper(),
                          # Saihan's org_meetings has no params: the computation's default meeting kinds.
                          **{name: ", ".join(f"'{k}'" for k in kinds) or "NULL" for name, kinds in lists.items()},
                          **{f"n_{name}": len(kinds) for name, kinds in lists.items()})
    began = time.perf_counter()
    rows = con.execute(sql).fetchall()
    return time.perf_counter() - began, rows


# ---------------------------------------------------------------- main

def main():
    global MONTH
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", default="1,10", help="comma-separated multiples of the Saihan-sized district")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--month", default=MONTH.strftime("%Y-%m"),
                        help="the month computed (YYYY-MM; the data covers 2026-08..10, e.g. 2026-09 checks a quarter's end)")
    args = parser.parse_args()
    MONTH = dt.date.fromisoformat(f"{args.month}-01")
    var = tempfile.mkdtemp(prefix="gridgov-bench-index-")
    try:
        setup_django(var)
        from gridgov.assessment.models import Grade, Score
        from gridgov.assessment.services import index as svc

        results = []
        codes = {1: "150105", 10: "150102", 2: "150103", 5: "150104"}
        for scale in [int(s) for s in args.scales.split(",")]:
            began = time.perf_counter()
            district = generate(codes.get(scale, f"1501{scale:02d}"), f"基准区×{scale}", scale, args.seed + scale)
            scheme = svc.seed_default_scheme(district, __import__("gridgov.assessment.schemes", fromlist=["SAIHAN"]).SAIHAN)
            print(f"scale {scale}: generated in {time.perf_counter() - began:.1f} s")
            began = time.perf_counter()
            scores, grades = svc.compute_month(scheme, MONTH)
            compute_s = time.perf_counter() - began
            run = svc.run_month(scheme, MONTH)
            orgs = run.orgs
            print(f"  gridgov compute_month: {compute_s:.2f} s for {orgs} organisations × {len(scores) // orgs} indicators "
                  f"({len(scores)} scores); run_month with writes: {run.seconds:.2f} s")
            folder = os.path.join(var, f"csv{scale}")
            os.makedirs(folder)
            paths = export_csv(district, folder)
            duck_s, rows = duck_run(paths)
            ours = {g.party_org_id: g for g in Grade.objects.filter(scheme=scheme, month=MONTH)}
            # The DuckDB statement leaves out the grid checklist, the committee seats and the
            # manual items: compare with gridgov's points on the same indicators.
            partial = {}
            for org_id, points in Score.objects.filter(indicator__scheme=scheme, month=MONTH).exclude(
                    indicator__code__in=["position_completeness", "innovation_committee"]).values_list("party_org_id", "points"):
                partial[org_id] = partial.get(org_id, 0) + points
            same_total = sum(1 for r in rows if abs(float(partial[r[0]]) - float(r[1])) < 0.015)
            same_veto = sum(1 for r in rows if ours[r[0]].vetoed == r[2])
            print(f"  duckdb aggregation: {duck_s:.3f} s for {len(rows)} organisations; same points on the shared indicators for "
                  f"{same_total}/{len(rows)}, same vetoes for {same_veto}/{len(rows)}")
            results.append({"scale": scale, "orgs": orgs, "gridgov_s": round(compute_s, 3), "duckdb_s": round(duck_s, 3)})
        print(json.dumps({"bench": "index", "results": results}, ensure_ascii=False, separators=(",", ":")))
    finally:
        shutil.rmtree(var, ignore_errors=True)


if __name__ == "__main__":
    main()
