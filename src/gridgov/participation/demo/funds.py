"""Demo step "funds": 2025 and 2026 budgets of every community (operating funds raised from 140,000 to
180,000 yuan, 200,000 yuan service funds) and subdistrict, allocations to projects, monthly spending; brand projects."""
import datetime as dt
from decimal import Decimal

from gridgov.demo.build import step
from gridgov.hierarchy.models import Node

from ..models import Allocation, BrandProject, Budget, Milestone, Project, Spending

COMMUNITY_OPERATING = {2025: 140_000, 2026: 180_000}
COMMUNITY_SERVICE = 200_000
SUBDISTRICT_OPERATING = 600_000
# Spending records per budget and month at full volume.
SPENDINGS_PER_MONTH = 4
MONTHS = [(2025, 11), (2025, 12)] + [(2026, m) for m in range(1, 11)]
SPEND_ON = {
    "operating": ["办公用品采购", "党群服务中心水电费", "网格员培训", "党建宣传资料印制", "会议场地布置", "信息化设备维护"],
    "service": ["困难群众走访慰问", "老年助餐补贴", "“四点半课堂”教具", "小区楼道照明维修", "文体活动器材", "志愿服务保险",
                "居民议事会场地费用", "垃圾分类宣传物料"],
}
CARRIED = "2025年1—10月支出合计"
BRANDS = ["红石榴家园", "北疆先锋", "邻里守望", "暖心365", "红色管家", "阳光驿站", "五心服务", "幸福里", "同心圆", "红帆领航",
          "和美家园", "先锋领航", "睦邻友好", "红心聚力"]
BRAND_MILESTONES = [("制定品牌创建方案", dt.date(2025, 12, 15)), ("建成品牌服务阵地", dt.date(2026, 3, 31)),
                    ("开展品牌系列活动", dt.date(2026, 7, 31)), ("品牌成效评估总结", dt.date(2026, 12, 20))]
PARTY_PLUS = [("党建+红色物业", "社区党组织领导下的物业服务，问题定期收集解决"), ("党建+志愿服务", "在职党员到社区报到，认领志愿服务岗位"),
              ("党建+新就业群体", "为快递员、外卖骑手建设暖心驿站")]


@step("funds")
def build_funds(ctx):
    district, rng = ctx.district, ctx.rng
    nodes = list(Node.objects.filter(district=district, kind__in=["subdistrict", "community"]).order_by("path"))
    budgets = []
    for node in nodes:
        for year in (2025, 2026):
            if node.kind == "community":
                budgets.append(Budget(district=district, node=node, node_path=node.path, year=year, kind="operating",
                                      amount=Decimal(COMMUNITY_OPERATING[year])))
                budgets.append(Budget(district=district, node=node, node_path=node.path, year=year, kind="service", amount=Decimal(COMMUNITY_SERVICE)))
            else:
                budgets.append(Budget(district=district, node=node, node_path=node.path, year=year, kind="operating", amount=Decimal(SUBDISTRICT_OPERATING)))
    budgets = Budget.objects.bulk_create(budgets)
    key = {(b.node_id, b.year, b.kind): b for b in budgets}

    # Service funds of 2026 are earmarked for the community's projects of the three lists.
    allocations = []
    for project in Project.objects.filter(district=district, node__kind="community").order_by("pk"):
        budget = key.get((project.node_id, 2026, "service"))
        if budget is not None:
            allocations.append(Allocation(budget=budget, project=project, amount=Decimal(int(rng.integers(20, 200)) * 100), note=project.title[:255]))
    for project in Project.objects.filter(district=district).exclude(node__kind="community").order_by("pk"):
        community_path = project.node_path[: 3 * Node.steplen]
        budget = next((b for b in budgets if b.node_path == community_path and b.year == 2026 and b.kind == "service"), None)
        if budget is not None:
            allocations.append(Allocation(budget=budget, project=project, amount=Decimal(int(rng.integers(10, 100)) * 100), note=project.title[:255]))
    allocations = Allocation.objects.bulk_create(allocations)
    alloc_of = {}
    for a in allocations:
        alloc_of.setdefault(a.budget_id, []).append(a)

    spendings = []
    spent = {b.pk: Decimal(0) for b in budgets}
    for b in budgets:
        months = [(y, m) for y, m in MONTHS if y == b.year]
        # Spread about 85 % of the year's money over the months of the demo year that fall in it.
        per_record = b.amount * Decimal("0.85") / (12 * SPENDINGS_PER_MONTH)
        if b.year == 2025:
            # The months before the demo year, kept as one summary line of the ledger.
            carried = (b.amount * Decimal(str(round(float(rng.uniform(0.6, 0.8)), 2)))).quantize(Decimal("0.01"))
            spendings.append(Spending(budget=b, day=dt.date(2025, 10, 31), amount=carried, what=CARRIED))
            spent[b.pk] += carried
        counts = [int(rng.poisson(SPENDINGS_PER_MONTH * ctx.volume)) for _m in months]
        if not sum(counts):
            counts[int(rng.integers(len(counts)))] = 1  # every budget moves, whatever the volume
        for (y, m), n in zip(months, counts):
            for _ in range(n):
                amount = (per_record * Decimal(str(round(float(rng.uniform(0.5, 1.5)), 2)))).quantize(Decimal("0.01"))
                if spent[b.pk] + amount > b.amount:
                    continue
                allocation = None
                if b.kind == "service" and alloc_of.get(b.pk) and rng.random() < 0.4:
                    allocation = alloc_of[b.pk][int(rng.integers(len(alloc_of[b.pk])))]
                what = allocation.note if allocation else SPEND_ON[b.kind][int(rng.integers(len(SPEND_ON[b.kind])))]
                spendings.append(Spending(budget=b, allocation=allocation, day=dt.date(y, m, int(rng.integers(1, 29))), amount=amount, what=what))
                spent[b.pk] += amount
    Spending.objects.bulk_create(spendings, batch_size=5000)
    for b in budgets:
        b.spent = spent[b.pk]
    Budget.objects.bulk_update(budgets, ["spent"], batch_size=2000)
    _brands(district, nodes, rng)
    return district


def _brands(district, nodes, rng):
    root = Node.objects.get(district=district, depth=1)
    subs = [n for n in nodes if n.kind == "subdistrict"]
    names = [BRANDS[i] for i in rng.permutation(len(BRANDS))]
    projects = [BrandProject(district=district, node=sub, node_path=sub.path, kind="street_brand", name=f"{sub.name}“{names[i % len(names)]}”党建品牌",
                             description="一街道一品牌：整合辖区共驻共建单位资源，打造街道党建特色品牌。",
                             results="服务阵地已建成，累计开展活动%d场" % int(rng.integers(12, 60)))
                for i, sub in enumerate(subs)]
    projects += [BrandProject(district=district, node=root, node_path=root.path, kind="party_plus", name=name, description=desc)
                 for name, desc in PARTY_PLUS]
    projects = BrandProject.objects.bulk_create(projects)
    milestones = []
    for p in projects:
        for title, due in BRAND_MILESTONES:
            done = due <= dt.date(2026, 10, 31) and rng.random() < 0.9
            milestones.append(Milestone(project=p, title=title, due=due, done_on=due - dt.timedelta(days=int(rng.integers(0, 20))) if done else None,
                                        result="按期完成" if done else ""))
    Milestone.objects.bulk_create(milestones)
