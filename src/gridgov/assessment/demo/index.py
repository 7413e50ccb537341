"""Demo step of the quality index: seed each district's default scheme, enter the manual scores
(with evidence) the platform cannot compute, and run the twelve demo months 2025-11 … 2026-10."""
import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model

from gridgov.demo.build import step
from gridgov.orgs.models import PartyOrg

from ..computations import add_months
from ..models import Indicator, ManualScore
from ..services import index as svc

FIRST_MONTH = dt.date(2025, 11, 1)
MONTHS = 12
# At test volume the last two months are enough to show a change on last month and keep set-up short.
SMALL_VOLUME_MONTHS = 2

EVIDENCE = {
    "service_three_lists": ["需求清单{n}项已办结{d}项，见社区台账第{p}页", "居民议事会会议纪要及需求办结回访记录（{n}件）",
                            "三张清单公示照片及办结情况汇总表（第{p}期）"],
    "innovation_demonstration": ["示范社区创建推进表：完成{d}/{n}项创建任务", "创建工作现场检查记录（{p}号）及整改说明",
                                 "示范点建设照片、验收意见（第{p}批）"],
}
DEFAULT_EVIDENCE = ["考核组现场查阅台账，记录编号{p}", "佐证材料汇总表（{n}项）"]
INCIDENT = "发生一起安全生产责任事故，经区委组织部核实（核查记录第{p}号），一票否决"


def demo_months(volume):
    months = [add_months(FIRST_MONTH, i) for i in range(MONTHS)]
    return months[-SMALL_VOLUME_MONTHS:] if volume < 0.1 else months


@step("index")
def build_index(ctx):
    district, rng = ctx.district, ctx.rng
    scheme = svc.seed_default_scheme(district)
    months = demo_months(ctx.volume)
    assessor = get_user_model().objects.filter(username=f"district_admin.{district.code}").first()
    orgs = list(PartyOrg.objects.filter(district=district).order_by("node__path", "pk").values_list("pk", "node__path"))
    manual = list(scheme.indicators.filter(kind=Indicator.MANUAL, computation="").order_by("order"))
    incident = scheme.indicators.filter(kind=Indicator.VETO, computation="").order_by("order").first()
    # An organisation's level of performance persists from month to month, with some noise.
    base = rng.uniform(0.55, 1.0, size=len(orgs))
    rows = []
    for month in months:
        noise = rng.normal(0, 0.08, size=(len(orgs), max(1, len(manual))))
        for i, (pk, path) in enumerate(orgs):
            for j, ind in enumerate(manual):
                share = float(min(1.0, max(0.0, base[i] + noise[i, j])))
                points = (ind.weight * Decimal(str(round(share, 2)))).quantize(Decimal("0.01"))
                texts = EVIDENCE.get(ind.code, DEFAULT_EVIDENCE)
                n = int(rng.integers(3, 12))
                text = texts[(i + j + month.month) % len(texts)].format(n=n, d=max(1, round(n * share)), p=int(rng.integers(1, 200)))
                rows.append(ManualScore(indicator=ind, party_org_id=pk, district=district, month=month, points=points,
                                        evidence=text, assessor=assessor, node_path=path))
        if incident is not None and orgs:
            # A serious incident in about one organisation in 300 each month.
            for i in rng.choice(len(orgs), size=max(1, len(orgs) // 300), replace=False).tolist():
                pk, path = orgs[i]
                rows.append(ManualScore(indicator=incident, party_org_id=pk, district=district, month=month, points=0,
                                        evidence=INCIDENT.format(p=int(rng.integers(1, 500))), assessor=assessor, node_path=path))
    ManualScore.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    shared = {}
    for month in months:
        svc.run_month(scheme, month, user=assessor, shared=shared)
    return district
