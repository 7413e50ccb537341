"""The audit trail: changes to cases (also those the services make with conditional UPDATEs),
persons, party members and scores are recorded with who and when, and a district administrator
reads those of their own district on /audit/ — nobody else does."""
import datetime as dt

import pytest
from django.urls import reverse

from gridgov.assessment.models import ManualScore
from gridgov.assessment.services import index as assessment
from gridgov.cases import services as cases
from gridgov.cases.models import Case, Category
from gridgov.hierarchy.models import Node
from gridgov.orgs.models import PartyOrg
from gridgov.people import scoping
from gridgov.people.models import PartyMember, Person

XD, SAIHAN = "140105", "150105"
URL = "/audit/"


@pytest.fixture
def new_case(demo, demo_user):
    xd = demo[XD]
    community = Node.objects.filter(district=xd, kind="community").order_by("code").first()
    grid = Node.objects.filter(district=xd, kind="grid", path__startswith=community.path).order_by("code").first()
    resident = demo_user("resident", XD)
    case, created = cases.intake(xd, category=Category.objects.get(district=xd, code="E0102"), lon=grid.centroid_lon,
                                 lat=grid.centroid_lat, source="resident", user=resident, reporter=resident.person,
                                 description="审计测试：楼道堆物")
    assert created
    return case


def test_the_page_is_for_district_admins_only(client_as):
    assert client_as("district_admin", XD).get(URL).status_code == 200
    for role in ("community_secretary", "grid_worker", "resident"):
        assert client_as(role, XD).get(URL).status_code == 403
    assert reverse("audit:index") == URL


def test_a_workflow_step_by_the_services_is_in_the_case_history(new_case, demo_user):
    secretary = demo_user("community_secretary", XD)
    cases.transition(new_case, "register", secretary)
    history = list(Case.history.filter(id=new_case.pk).order_by("history_date", "history_id"))
    assert [h.history_type for h in history] == ["+", "~"]
    step = history[-1]
    assert step.history_user == secretary
    assert step.history_change_reason == "register"
    assert step.state == "registered" and history[0].state == "reported"
    assert step.version == Case.objects.get(pk=new_case.pk).version


def test_the_worker_marking_a_case_overdue_is_recorded_without_a_user(new_case):
    now = new_case.deadline + dt.timedelta(minutes=1)
    cases.tick(now=now)
    last = Case.history.filter(id=new_case.pk).latest("history_date", "history_id")
    assert last.history_user is None
    assert last.history_change_reason in {"overdue", "auto_escalate"}
    assert last.was_overdue


def test_the_admin_reads_who_changed_a_case_and_what(new_case, demo_user, client_as):
    cases.transition(new_case, "register", demo_user("community_secretary", XD))
    page = client_as("district_admin", XD).get(URL, {"model": "case"})
    body = page.content.decode()
    assert new_case.number in body
    assert "community_secretary.140105" in body
    row = next(c for c in page.context["changes"] if c.object == new_case.number and c.reason == "register")
    changed = {name for name, old, new in row.fields}
    assert any("state" in n or "状态" in n for n in changed)
    # Another district's administrator does not see it.
    other = client_as("district_admin", SAIHAN).get(URL, {"model": "case"})
    assert new_case.number not in other.content.decode()


def test_person_changes_are_listed_with_personal_data_masked(demo, client_as, demo_user):
    admin = demo_user("district_admin", XD)
    person = Person.objects.filter(district=demo[XD], home__isnull=False).order_by("pk").first()
    person.phone = "13912345678"
    person._history_user = admin
    person.save()
    page = client_as("district_admin", XD).get(URL, {"model": "person", "user": admin.username})
    body = page.content.decode()
    assert person.name in body
    assert "13912345678" not in body
    assert "••••" in body
    assert all(c.user == admin for c in page.context["changes"])


def test_party_member_and_manual_score_changes_are_recorded(demo, demo_user, client_as):
    member = PartyMember.objects.filter(district=demo[XD]).order_by("pk").first()
    member.employer = "审计测试单位"
    member.save()
    assert member.history.count() >= 1
    # A manual score entered through the assessment service names its assessor.
    secretary = demo_user("community_secretary", SAIHAN)
    community = scoping.home_node(secretary)
    org = PartyOrg.objects.filter(district=demo[SAIHAN], kind="branch", node__path__startswith=community.path).order_by("pk").first()
    indicator = assessment.active_scheme(demo[SAIHAN]).indicators.get(code="innovation_demonstration")
    score = assessment.enter_manual_score(secretary, indicator, org, dt.date(2026, 10, 1), "4.5", "验收意见第1号")
    page = client_as("district_admin", SAIHAN).get(URL, {"model": "manual_score"})
    assert any(c.record.id == score.pk for c in page.context["changes"])
    assert ManualScore.history.filter(id=score.pk).exists()


def test_filters_by_date(new_case, client_as):
    client = client_as("district_admin", XD)
    tomorrow = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    assert client.get(URL, {"from": tomorrow}).context["changes"] == []
    assert client.get(URL, {"model": "nonsense", "from": "not-a-date"}).status_code == 200
