"""Demo step "alerts" (the last assessment step, after the monthly index runs): the secretaries'
reports for 2025 with their appraisals (they need the grades), the default alert rules evaluated
at 2026-11-01, and talks recorded for some organisations graded lowest twice."""
import datetime as dt
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model

from gridgov.demo.build import step
from gridgov.hierarchy.models import Node
from gridgov.orgs.models import PartyOrg

from ..models import Alert, ListItem
from ..services import alerts as alert_services
from ..services import lists as list_services

EVALUATED_AT = (2026, 11, 1, 8, 0)
APPRAISALS = ["excellent", "good", "fair", "poor"]
TALKS = 8  # talks recorded per district; the other lowest-grade alerts still wait for theirs
STATEMENTS = [
    "一年来，认真履行党建第一责任人职责，推动网格党支部全覆盖，三会一课按期召开。不足之处是党员教育管理方式较为单一，下一步将加强培训。",
    "围绕党建引领基层治理，落实四张清单，问题整改按期完成。存在问题：红色物业推进不平衡，双报到党员服务时长登记不及时。",
    "坚持书记抓、抓书记，完成年度重点项目，整改督查反馈问题。下一步将强化考核结果运用，推动软弱涣散组织整顿提升。",
]
TALK_NOTES = "指出连续两个月评为最低等级的主要问题：组织生活不规范、党员参与度低。书记表态一个月内制定整改方案，按月报告进展。"


def _appraiser(district, node):
    """The demo login one level above: the subdistrict secretary for its communities, else the district admin."""
    User = get_user_model()
    sub = User.objects.filter(username=f"subdistrict_secretary.{district.code}").first()
    if node.kind == "community" and sub is not None:
        posts = sub.person.posts.select_related("node")
        if any(node.path.startswith(p.node.path) for p in posts):
            return sub
    return User.objects.filter(username=f"district_admin.{district.code}").first()


@step("alerts")
def build_alerts(ctx):
    district, rng = ctx.district, ctx.rng
    tz = ZoneInfo(district.timezone)
    now = dt.datetime(*EVALUATED_AT, tzinfo=tz)
    # Reports of the subdistrict and community secretaries whose levels keep lists (demo step "lists").
    levels = Node.objects.filter(pk__in=ListItem.objects.filter(district=district, year=2025).values("node_id"),
                                 kind__in=("subdistrict", "community")).order_by("path")
    for i, node in enumerate(levels):
        secretary = list_services.secretary_of(node)
        if secretary is None:
            continue
        report = list_services.assemble_report(secretary, node, 2025, statement=STATEMENTS[i % len(STATEMENTS)],
                                               now=dt.datetime(2026, 1, 15, 9, 0, tzinfo=tz))
        appraiser = _appraiser(district, node)
        # Most are appraised; a few still wait for the level above.
        if appraiser is not None and rng.random() < 0.85:
            appraisal = APPRAISALS[int(rng.choice(4, p=[0.3, 0.45, 0.2, 0.05]))]
            list_services.appraise(appraiser, report, appraisal, now=dt.datetime(2026, 1, 25, 10, 0, tzinfo=tz))

    alert_services.seed_default_rules(district)
    alert_services.evaluate(district, now)
    # Talks were held with a few of the organisations graded lowest twice running.
    admin = get_user_model().objects.filter(username=f"district_admin.{district.code}").first()
    by = admin.person.name if admin is not None and hasattr(admin, "person") else "区委组织部"
    lowest = list(Alert.objects.filter(district=district, kind="lowest_twice").order_by("pk"))
    for alert in lowest[:TALKS]:
        org = PartyOrg.objects.select_related("node", "secretary").get(pk=alert_services.subject_of(alert)[1])
        alert_services.record_talk(None, party_org=org, day=now.date() + dt.timedelta(days=int(rng.integers(2, 10))),
                                   with_whom=org.secretary.name if org.secretary else f"{org.name}书记", by=by, notes=TALK_NOTES, alert=alert)
    return district
