"""Demo step "points": the default rules, accounts of 2025 and 2026 opened with their base score, entries
awarded from the demo's activity (attendance, service hours, cases), a few manual entries and appeals."""
import datetime

from django.contrib.auth import get_user_model
from django.db import connection

from gridgov.demo.build import step
from gridgov.people.models import PartyMember

from ..models import PointsAppeal, PointsEntry, PointsRule
from ..services import points as services
from ..services.meetings import ACTIVE_STATUSES
from .meetings import bigger_cache, bulk_write

YEARS = (2025, 2026)
HONOURS = ["疫情防控志愿服务表现突出，社区通报表扬", "带头调解邻里纠纷，群众来信表扬", "获评街道“优秀共产党员”",
           "牵头组建楼栋志愿服务队", "积极参与老旧小区改造议事协商并提出被采纳的建议"]
DISCIPLINE = ["连续三个月未按规定交纳党费", "无正当理由不参加支部组织的集中学习"]
APPEALS = ["当天因单位值班向支部书记请过假，不应按无故缺席扣分", "当次活动已签到，系统未记录，请核实",
           "服务时长登记有误，实际服务时间更长"]
DECISIONS_UPHELD = "经核实请假手续齐全，申诉成立，撤销该条扣分。"
DECISIONS_DISMISSED = "经核查签到记录及支部台账，原记录无误，申诉不成立。"


def _case_reporters(district, rng, volume):
    """Some closed cases were reported by a party member living in the grid: they earn case points.
    (The cases demo leaves reporters anonymous.)"""
    from gridgov.cases.models import Case

    members = {}
    for pk, path in PartyMember.objects.filter(district=district, status__in=ACTIVE_STATUSES).order_by("pk").values_list("pk", "node_path"):
        members.setdefault(path, []).append(pk)
    cases = list(Case.objects.filter(district=district, state__in=("closed", "evaluated"), reporter__isnull=True)
                 .order_by("pk").values_list("pk", "node_path"))
    persons = dict(PartyMember.objects.filter(district=district).values_list("pk", "person_id"))
    rows = []
    for pk, path in cases:
        here = members.get(path)
        if here and rng.random() < 0.12:
            rows.append((persons[here[int(rng.integers(len(here)))]], pk))
    if rows:
        table = connection.ops.quote_name(Case._meta.db_table)
        with connection.cursor() as cur:
            cur.executemany(f"UPDATE {table} SET reporter_id = %s WHERE id = %s", rows)
    return len(rows)


@step("points")
def build_points(ctx):
    district, rng = ctx.district, ctx.rng
    services.seed_default_rules(district)
    _case_reporters(district, rng, ctx.volume)
    with bigger_cache():
        services.open_years(district, YEARS, bulk_insert=bulk_write)
        services.award_from_activity(district, bulk_insert=bulk_write)
    _manual_and_appeals(district, rng, ctx.volume)
    assert services.recompute_totals(district) == 0, "a points total differs from its ledger"
    return district


def _user(role, district):
    return get_user_model().objects.get(username=f"{role}.{district.code}")


def _manual_and_appeals(district, rng, volume):
    from gridgov.demo.build import demo_login_nodes
    from gridgov.hierarchy.services import subtree_q

    admin = _user("district_admin", district)
    secretary = _user("community_secretary", district)
    community = demo_login_nodes(district)["community_secretary"]
    honour = PointsRule.objects.get(district=district, code="honour")
    discipline = PointsRule.objects.get(district=district, code="discipline")
    members = PartyMember.objects.filter(district=district, status__in=ACTIVE_STATUSES).order_by("pk")
    local = list(members.filter(subtree_q(community.path, "node_path"))[:40])
    elsewhere = list(members.exclude(subtree_q(community.path, "node_path"))[:4000:97])
    day = datetime.date(2026, 10, 1)
    n_manual = max(8, round(60 * volume))
    for i in range(n_manual):
        pool, user = (local, secretary) if i % 2 == 0 and local else (elsewhere, admin)
        member = pool[int(rng.integers(len(pool)))]
        rule, text = (discipline, DISCIPLINE[i % len(DISCIPLINE)]) if i % 5 == 4 else (honour, HONOURS[i % len(HONOURS)])
        entry = services.create_manual(user, member, rule, abs(rule.points), day + datetime.timedelta(days=i % 28), text)
        # About half are approved or rejected already; the rest wait in the approval list.
        if i % 4 == 1:
            services.decide_entry(admin, entry, approve=True)
        elif i % 8 == 3:
            services.decide_entry(admin, entry, approve=False, note="材料不全，退回补充")
    # Appeals against absence deductions and service entries: some open, one upheld, one dismissed.
    appealed = list(PointsEntry.objects.filter(district=district, state="approved", rule__source__in=("absence", "service"), year=2026)
                    .exclude(points=0).order_by("-day", "pk")[:max(6, round(40 * volume))])
    for i, entry in enumerate(appealed):
        appeal = PointsAppeal.objects.create(entry=entry, district=district, reason=APPEALS[i % len(APPEALS)], node_path=entry.node_path)
        if i == 0:
            services.decide_appeal(admin, appeal, True, DECISIONS_UPHELD)
        elif i == 1:
            services.decide_appeal(admin, appeal, False, DECISIONS_DISMISSED)
    # The demo grid worker has appealed one of their own deductions (or entries), still open.
    worker = get_user_model().objects.filter(username=f"grid_worker.{district.code}").first()
    member = PartyMember.objects.filter(person__user=worker).first() if worker else None
    if member is not None:
        own = (PointsEntry.objects.filter(member=member, state="approved", reverses__isnull=True).exclude(points=0)
               .exclude(rule__source="base").order_by("points", "-day").first())
        if own is not None:
            services.file_appeal(worker, own, APPEALS[0])
