"""Secretaries' annual reports (述职评议): the figures equal the records behind them (list items, grades,
cases), the statement is the secretary's, the appraisal comes from a level above."""
import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from gridgov.assessment.errors import NotAllowed
from gridgov.assessment.models import Grade, GradeBand, ListItem, Scheme, SecretaryReport
from gridgov.assessment.services import lists as services
from gridgov.cases.models import Case
from gridgov.hierarchy.models import Node
from gridgov.hierarchy.services import subtree_q
from gridgov.orgs.models import PartyOrg
from gridgov.people.models import Person

XD = "140105"
TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def xd(demo):
    return demo[XD]


@pytest.fixture
def community(xd):
    return Node.objects.filter(district=xd, kind="community").order_by("code").first()


@pytest.fixture
def secretary(demo_user):
    return demo_user("community_secretary", XD).person


def test_the_report_figures_equal_the_list_items_and_cases_of_the_area(xd, community, secretary):
    year = 2026
    # A few items of our own on top of the demo's, one overdue, one done late.
    services.create_item(None, node=community, kind="project", year=year, title="逾期项目", due=dt.date(2026, 2, 1))
    late = services.create_item(None, node=community, kind="project", year=year, title="迟办项目", due=dt.date(2026, 3, 1))
    services.complete_item(late, evidence="完成", day=dt.date(2026, 3, 20))
    now = dt.datetime(2026, 11, 29, 12, 0, tzinfo=TZ)
    report = services.assemble_report(secretary, community, year, now=now)
    lists = report.content["lists"]
    items = ListItem.objects.filter(node=community, year=year)
    assert lists["total"] == items.count()
    for kind, _label in ListItem.KINDS:
        assert lists["by_kind"][kind]["total"] == items.filter(kind=kind).count()
    today = now.date()
    assert lists["overdue"] == items.filter(state__in=("open", "in_progress"), due__lt=today).count() >= 1
    assert lists["done_late"] >= 1
    cases = Case.objects.filter(subtree_q(community.path, "node_path"), district=xd,
                                reported_at__gte=dt.datetime(year, 1, 1, tzinfo=TZ),
                                reported_at__lt=dt.datetime(year + 1, 1, 1, tzinfo=TZ)).exclude(state="voided")
    figures = report.content["cases"]
    assert figures["reported"] == cases.count()
    assert figures["closed"] == cases.filter(closed_at__isnull=False).count()
    assert figures["on_time"] == cases.filter(closed_on_time=True).count()


def test_the_report_shows_the_grades_of_the_latest_month_in_the_area(xd, community, secretary):
    Scheme.objects.filter(district=xd).update(active=False)
    scheme = Scheme.objects.create(district=xd, name="测试指数")
    good = GradeBand.objects.create(scheme=scheme, name="红", colour="#c62828", minimum=80, rank=1)
    poor = GradeBand.objects.create(scheme=scheme, name="黄", colour="#f9a825", minimum=0, rank=2)
    orgs = list(PartyOrg.objects.filter(district=xd).filter(subtree_q(community.path, "node__path")).order_by("pk")[:3])
    assert len(orgs) == 3
    outside = PartyOrg.objects.filter(district=xd).exclude(subtree_q(community.path, "node__path")).first()
    for org, total, band in zip(orgs, ("90", "84", "50"), (good, good, poor)):
        Grade.objects.create(district=xd, scheme=scheme, party_org=org, month=dt.date(2031, 12, 1), total=Decimal(total), band=band, rank=1, node_path=org.node.path)
        Grade.objects.create(district=xd, scheme=scheme, party_org=org, month=dt.date(2031, 11, 1), total=Decimal("10"), band=poor, rank=1, node_path=org.node.path)
    Grade.objects.create(district=xd, scheme=scheme, party_org=outside, month=dt.date(2031, 12, 1), total=Decimal("0"), band=poor, rank=1, node_path=outside.node.path)
    report = services.assemble_report(secretary, community, 2031, now=dt.datetime(2032, 1, 10, tzinfo=TZ))
    indices = report.content["indices"]
    assert indices["month"] == "2031-12" and indices["orgs"] == 3
    assert indices["average"] == round((90 + 84 + 50) / 3, 2)
    assert {b["name"]: b["count"] for b in indices["bands"]} == {"红": 2, "黄": 1}


def test_the_appraisal_comes_from_a_level_above(xd, community, secretary, demo_user):
    report = services.assemble_report(secretary, community, 2026)
    with pytest.raises(NotAllowed):
        services.appraise(demo_user("community_secretary", XD), report, "excellent")
    services.appraise(demo_user("subdistrict_secretary", XD), report, "good")
    report.refresh_from_db()
    assert report.appraisal == "good" and report.appraised_by == demo_user("subdistrict_secretary", XD)


def test_the_report_page_shows_the_figures_with_links_and_takes_the_statement(xd, community, secretary, client_as):
    report = services.assemble_report(secretary, community, 2026)
    client = client_as("community_secretary", XD)
    page = client.get(f"/assessment/secretary-reports/{report.pk}/").content.decode()
    assert str(report.content["lists"]["total"]) in page
    assert "/assessment/lists/?year=2026&amp;level=community" in page
    assert "/cases/?date_from=2026-01-01" in page
    client.post(f"/assessment/secretary-reports/{report.pk}/", {"action": "statement", "statement": "一年来认真履职。"})
    report.refresh_from_db()
    assert report.statement == "一年来认真履职。"
    listing = client.get("/assessment/secretary-reports/").content.decode()
    assert secretary.name in listing


def test_a_community_secretary_does_not_see_another_communitys_report(xd, community, client_as):
    other = Node.objects.filter(district=xd, kind="community").exclude(path__startswith=community.path).order_by("-code").first()
    person = services.secretary_of(other) or Person.objects.create(district=xd, name="某书记", home=other)
    report = services.assemble_report(person, other, 2026)
    assert client_as("community_secretary", XD).get(f"/assessment/secretary-reports/{report.pk}/").status_code == 404
    assert client_as("district_admin", XD).get(f"/assessment/secretary-reports/{report.pk}/").status_code == 200


def test_the_demo_has_appraised_reports_for_2025(xd):
    reports = SecretaryReport.objects.filter(district=xd, year=2025)
    assert reports.filter(node__kind="subdistrict").exists() and reports.filter(node__kind="community").exists()
    assert reports.exclude(appraisal="").exists()
    assert all(r.content["lists"]["total"] > 0 for r in reports)
