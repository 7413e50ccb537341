"""Demo steps "stars" (the 达标 checklist and checks of 2025 and 2026 agreeing with the orgs demo's
meets_standard, weak-and-lax records with their rectification tasks, star ratings of 2025 and 2026 with
Guandu's latest year at 38 four-star and 24 five-star) and "appraisals" (every community worker, 2025)."""
import datetime
from decimal import Decimal

from gridgov.demo.build import step
from gridgov.hierarchy.models import Node
from gridgov.orgs.models import PartyOrg
from gridgov.people.models import CommunityWorker

from ..models import ListItem, StarRating
from ..services import appraisal, stars

YEARS = (2025, 2026)
# Published (Guandu, MISSION.md §5.4): the latest year's five- and four-star branches. Other districts
# get the same shares of their branches meeting the standard.
PUBLISHED = {"530111": (24, 38)}
FIVE_SHARE, FOUR_SHARE = 24 / 724, 38 / 724
INNOVATIONS = ["红色物业提质增效工程", "网格党建+志愿服务", "“小巷管家”共治项目", "党建引领老旧小区改造", "新就业群体暖心驿站",
               "“红色议事厅”协商议事", "党员“双报到”认领微心愿", "一街道一品牌示范点", "社区大党委资源共享清单", "“党建+”智慧养老"]
REASONS = ["班子不健全，书记长期空缺，支委会难以正常运转", "组织生活不正常，“三会一课”长期不落实",
           "党员教育管理松散，党费收缴和组织关系转接不规范", "服务群众意识淡薄，群众反映的问题长期得不到解决"]
LIFTED_PLAN = "一、选派第一书记驻点指导；二、重建支部台账；三、每月开展主题党日，半年后验收。"


def _branches(district):
    return list(PartyOrg.objects.filter(district=district, kind="branch").select_related("node").order_by("pk"))


def _failing(codes, rng):
    """Results with one to three items not met."""
    bad = set(rng.choice(len(codes), size=int(rng.integers(1, 4)), replace=False).tolist())
    return {c: i not in bad for i, c in enumerate(codes)}


@step("stars")
def build_stars(ctx):
    district, rng = ctx.district, ctx.rng
    items, _levels = stars.seed_defaults(district)
    codes = [i.code for i in items]
    branches = _branches(district)
    published_meeting = sum(b.meets_standard for b in branches)
    # 2026 agrees with the orgs demo's flags; in 2025 a few of today's standard branches were still below
    # it, and some of today's failing ones met it then.
    met26 = {b.pk: b.meets_standard for b in branches}
    met25 = {pk: (m and rng.random() >= 0.05) or (not m and rng.random() < 0.3) for pk, m in met26.items()}
    all_met = dict.fromkeys(codes, True)
    for year, met in ((2025, met25), (2026, met26)):
        stars.record_checks(district, year, {b: (all_met if met[b.pk] else _failing(codes, rng)) for b in branches})
    _weak_lax(district, branches, met25, met26, rng)
    assert PartyOrg.objects.filter(district=district, meets_standard=True).count() == published_meeting

    meeting = [b for b in branches if met26[b.pk]]
    n5, n4 = PUBLISHED.get(district.code, (round(len(meeting) * FIVE_SHARE), round(len(meeting) * FOUR_SHARE)))
    order = rng.permutation(len(meeting))
    scores26, innov26 = {}, {}
    for rank, i in enumerate(order):
        org = meeting[i]
        if rank < n5:
            scores26[org.pk] = rng.uniform(90, 98)
            innov26[org.pk] = INNOVATIONS[rank % len(INNOVATIONS)]
        elif rank < n5 + n4:
            # Some score 90+ but have no innovation project: four stars all the same.
            scores26[org.pk] = rng.uniform(90, 93) if rank % 5 == 0 else rng.uniform(80, 89.9)
        else:
            score = rng.normal(69, 6)
            scores26[org.pk] = score if score < 80 else rng.uniform(70, 80)
    for org in branches:
        if org.pk not in scores26:
            scores26[org.pk] = rng.uniform(45, 88)  # high scores alone earn nothing below the standard
    scores25 = {pk: min(max(s - rng.normal(1.5, 4.0), 40.0), 99.0) for pk, s in scores26.items()}
    innov25 = {pk: p for pk, p in innov26.items() if rng.random() < 0.7}
    for year, scores, innov in ((2025, scores25, innov25), (2026, scores26, innov26)):
        stars.rate_year(district, year, {pk: Decimal(f"{s:.2f}") for pk, s in scores.items()}, innovations=innov)
    latest = StarRating.objects.filter(district=district, year=YEARS[-1])
    assert (latest.filter(stars=5).count(), latest.filter(stars=4).count()) == (n5, n4)
    return district


def _weak_lax(district, branches, met25, met26, rng):
    """Records for the branches the orgs demo flagged (open, tasks under way, some overdue), and a few
    rectified last year whose flag was lifted."""
    for n, org in enumerate(b for b in branches if b.weak_and_lax):
        flagged = datetime.date(2026, 3, 1) + datetime.timedelta(days=int(rng.integers(0, 200)))
        record = stars.flag_weak_lax(org, REASONS[n % len(REASONS)], org.rectification_plan, flagged + datetime.timedelta(days=182),
                                     today=flagged)
        ListItem.objects.filter(pk=record.task_id).update(state="in_progress")
    lifted = [b for b in branches if met26[b.pk] and not met25[b.pk]][:3]
    for org in lifted:
        flagged = datetime.date(2025, 3, 1) + datetime.timedelta(days=int(rng.integers(0, 60)))
        record = stars.flag_weak_lax(org, REASONS[org.pk % len(REASONS)], LIFTED_PLAN, flagged + datetime.timedelta(days=182),
                                     today=flagged)
        done = record.due - datetime.timedelta(days=int(rng.integers(5, 40)))
        ListItem.objects.filter(pk=record.task_id).update(state="done", done_on=done, evidence="整顿验收报告已归档")
        stars.lift_weak_lax(record, note="", today=done + datetime.timedelta(days=10))


@step("appraisals")
def build_appraisals(ctx):
    district, rng = ctx.district, ctx.rng
    by_unit = {}
    for worker_id, node_id in CommunityWorker.objects.filter(district=district).order_by("pk").values_list("pk", "node_id"):
        by_unit.setdefault(node_id, []).append(worker_id)
    units = Node.objects.in_bulk(list(by_unit))
    for node_id, workers in sorted(by_unit.items()):
        unit = units[node_id]
        cap = appraisal.quota(district, len(workers))
        excellent = int(rng.integers(max(cap - 1, 0), cap + 1))
        picks = rng.permutation(len(workers))
        grades = {}
        for rank, i in enumerate(picks):
            if rank < excellent:
                grades[workers[i]] = appraisal.EXCELLENT
            else:
                grades[workers[i]] = str(rng.choice(["competent", "basic", "incompetent"], p=[0.86, 0.11, 0.03]))
        appraisal.appraise_many(unit, 2025, grades)
    return district
