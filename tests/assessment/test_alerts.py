"""Alerts: each rule fires on the records it is about and not below its threshold, evaluating again never
duplicates, evaluate_due runs a district at most once an hour, the inbox is scoped, talks follow."""
import datetime as dt
import itertools
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from gridgov.assessment.models import (
    Alert, AlertRule, Attendance, Grade, GradeBand, ListItem, Meeting, Scheme, Talk,
)
from gridgov.assessment.services import alerts as services
from gridgov.assessment.services import lists as list_services
from gridgov.cases.models import Case
from gridgov.hierarchy.models import District, Node
from gridgov.orgs.models import PartyOrg
from gridgov.people.models import PartyMember, Person

XD = "140105"
TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 1, 8, 0, tzinfo=TZ)
# The index tests grade months after the demo's, so that no demo alert shares their keys.
SEP, OCT = dt.date(2027, 9, 1), dt.date(2027, 10, 1)
INDEX_NOW = dt.datetime(2027, 11, 1, 8, 0, tzinfo=TZ)
_serial = itertools.count(1)


@pytest.fixture
def xd(demo):
    return demo[XD]


@pytest.fixture
def community(xd):
    return Node.objects.filter(district=xd, kind="community").order_by("code").first()


@pytest.fixture
def only(xd):
    """only("kind") -> the district's rule of that kind, every other rule switched off."""

    def switch(kind, **params):
        services.seed_default_rules(xd)
        AlertRule.objects.filter(district=xd).update(active=False)
        rule = AlertRule.objects.get(district=xd, kind=kind)
        rule.active = True
        rule.params = {**services.DEFAULT_PARAMS[kind], **params}
        rule.save()
        return rule

    return switch


def alerts_about(subject, kind=None):
    qs = Alert.objects.filter(subject=subject)
    return qs.filter(kind=kind) if kind else qs


# ---------------------------------------------------------------- rectification overdue


def test_an_overdue_rectification_raises_exactly_one_alert_even_when_evaluated_twice(xd, community, only):
    only("rectification_overdue")
    problem = list_services.create_item(None, node=community, kind="problem", year=2026, title="台账不规范")
    task = list_services.add_rectification(problem, "建立规范台账", None, dt.date(2026, 10, 15))
    on_time = list_services.add_rectification(problem, "按期任务", None, dt.date(2026, 11, 15))
    services.evaluate(xd, NOW)
    services.evaluate(xd, NOW + dt.timedelta(hours=2))
    assert alerts_about(f"assessment.listitem:{task.pk}").count() == 1
    assert not alerts_about(f"assessment.listitem:{on_time.pk}").exists()
    alert = alerts_about(f"assessment.listitem:{task.pk}").get()
    assert alert.node == community and alert.kind == "rectification_overdue" and "建立规范台账" in alert.message


def test_a_done_rectification_raises_no_alert(xd, community, only):
    only("rectification_overdue")
    problem = list_services.create_item(None, node=community, kind="problem", year=2026, title="台账不规范")
    task = list_services.add_rectification(problem, "建立规范台账", None, dt.date(2026, 10, 15))
    list_services.complete_item(task, evidence="已建立")
    services.evaluate(xd, NOW)
    assert not alerts_about(f"assessment.listitem:{task.pk}").exists()


# ---------------------------------------------------------------- the index rules


@pytest.fixture
def scheme(xd):
    """A fresh active scheme with three bands (rank 3 the lowest) and the district's others switched off."""
    Scheme.objects.filter(district=xd).update(active=False)
    s = Scheme.objects.create(district=xd, name="测试指数", active=True)
    bands = [GradeBand.objects.create(scheme=s, name=n, colour=c, minimum=m, rank=r)
             for n, c, m, r in [("绿", "#2e7d32", 80, 1), ("黄", "#f9a825", 60, 2), ("红", "#c62828", 0, 3)]]
    s.band = {b.rank: b for b in bands}
    return s


def grade(scheme, org, month, total, rank_band, change=None):
    return Grade.objects.create(district=scheme.district, scheme=scheme, party_org=org, month=month, total=Decimal(total),
                                band=scheme.band[rank_band], rank=1, change=None if change is None else Decimal(change),
                                node_path=org.node.path)


@pytest.fixture
def branches(xd):
    return list(PartyOrg.objects.filter(district=xd, kind="branch").order_by("pk")[:4])


def test_index_drop_fires_at_the_threshold_and_not_below_it(xd, scheme, branches, only):
    only("index_drop", points=10)
    fell, slipped, rose, _ = branches
    sep, oct_ = SEP, OCT
    for org in branches:
        grade(scheme, org, sep, "85", 1)
    grade(scheme, fell, oct_, "73", 2, change="-12")
    grade(scheme, slipped, oct_, "75.01", 2, change="-9.99")
    grade(scheme, rose, oct_, "90", 1, change="5")
    raised = services.evaluate(xd, INDEX_NOW)
    assert raised == 1
    assert alerts_about(f"orgs.partyorg:{fell.pk}", "index_drop").filter(key__endswith=":2027-10").count() == 1
    assert not alerts_about(f"orgs.partyorg:{slipped.pk}").filter(key__endswith=":2027-10").exists()
    assert not alerts_about(f"orgs.partyorg:{rose.pk}").filter(key__endswith=":2027-10").exists()
    assert services.evaluate(xd, INDEX_NOW) == 0


def test_exactly_n_points_down_counts_as_a_drop(xd, scheme, branches, only):
    only("index_drop", points=10)
    grade(scheme, branches[0], OCT, "70", 2, change="-10")
    services.evaluate(xd, INDEX_NOW)
    assert alerts_about(f"orgs.partyorg:{branches[0].pk}", "index_drop").filter(key__endswith=":2027-10").count() == 1


def test_lowest_grade_two_months_running_raises_an_alert_that_offers_the_talk(xd, scheme, branches, only, client_as):
    only("lowest_twice")
    twice, once, recovered, _ = branches
    sep, oct_ = SEP, OCT
    grade(scheme, twice, sep, "50", 3), grade(scheme, twice, oct_, "52", 3)
    grade(scheme, once, sep, "65", 2), grade(scheme, once, oct_, "55", 3)
    grade(scheme, recovered, sep, "55", 3), grade(scheme, recovered, oct_, "66", 2)
    assert services.evaluate(xd, INDEX_NOW) == 1
    alert = alerts_about(f"orgs.partyorg:{twice.pk}", "lowest_twice").filter(key__endswith=":2027-10").get()
    client = client_as("district_admin", XD)
    inbox = client.get("/assessment/alerts/", {"kind": "lowest_twice"}).content.decode()
    assert f"/assessment/talks/new/?alert={alert.pk}" in inbox
    form = client.get("/assessment/talks/new/", {"alert": alert.pk})
    assert form.status_code == 200 and twice.name in form.content.decode()
    response = client.post(f"/assessment/talks/new/?alert={alert.pk}", {
        "party_org": twice.pk, "day": "2026-11-05", "with_whom": "张书记", "by": "组织部", "notes": "指出问题，限期整改。"})
    assert response.status_code == 302
    talk = Talk.objects.get(alert=alert)
    assert talk.party_org == twice and talk.node_path == twice.node.path
    alert.refresh_from_db()
    assert alert.state == "acknowledged"


# ---------------------------------------------------------------- overdue cases clustering


def overdue_case(template, grid, deadline, state="handling"):
    case = Case.objects.get(pk=template.pk)
    n = next(_serial)
    case.pk, case.number, case.idem_key = None, f"T{n:08d}", f"test-alert-{n}"
    case.grid, case.node_path, case.state = grid, grid.path, state
    case.deadline, case.handle_deadline, case.overdue_at, case.was_overdue = deadline, deadline, None, False
    case.closed_at, case.closed_on_time = None, None
    case.save()
    return case


def test_overdue_cases_clustering_in_one_grid_raise_an_alert_for_that_grid(xd, only):
    only("overdue_cluster", cases=3, days=30)
    template = Case.objects.filter(district=xd).first()
    grids = list(Node.objects.filter(district=xd, kind="grid").order_by("code")[:3])
    later = dt.datetime(2027, 6, 1, 8, 0, tzinfo=TZ)  # past the demo's cases: only these count
    for days in (2, 10, 20):
        overdue_case(template, grids[0], later - dt.timedelta(days=days))
    for days in (3, 12):  # two only
        overdue_case(template, grids[1], later - dt.timedelta(days=days))
    overdue_case(template, grids[2], later - dt.timedelta(days=1))
    overdue_case(template, grids[2], later - dt.timedelta(days=2))
    overdue_case(template, grids[2], later - dt.timedelta(days=45))  # outside the 30 days
    assert services.evaluate(xd, later) == 1
    alert = Alert.objects.get(kind="overdue_cluster", subject=f"hierarchy.node:{grids[0].pk}")
    assert alert.node == grids[0] and "3" in alert.message
    assert services.evaluate(xd, later + dt.timedelta(days=1)) == 0  # still open: not raised again


# ---------------------------------------------------------------- inactive members


def new_member(xd, node, org, name):
    person = Person.objects.create(district=xd, name=name, home=node)
    return PartyMember.objects.create(person=person, district=xd, party_org=org, joined=dt.date(2015, 7, 1), status="full", node_path=node.path)


def test_a_member_with_no_activity_for_six_months_is_found_and_one_who_attended_is_not(xd, only):
    only("member_inactive", months=6)
    org = PartyOrg.objects.filter(district=xd, kind="branch").order_by("pk").first()
    idle = new_member(xd, org.node, org, "赵闲")
    active = new_member(xd, org.node, org, "钱勤")
    meeting = Meeting.objects.create(district=xd, party_org=org, kind="theme_day", title="主题党日",
                                     start=dt.datetime(2026, 9, 10, 15, 0, tzinfo=TZ), node_path=org.node.path)
    Attendance.objects.create(meeting=meeting, member=active, status="present")
    since = dt.date(2026, 5, 1)
    found = set(services.inactive_members(xd, since).values_list("pk", flat=True))
    assert idle.pk in found and active.pk not in found
    services.evaluate(xd, NOW)
    assert alerts_about(f"people.partymember:{idle.pk}", "member_inactive").count() == 1
    assert not alerts_about(f"people.partymember:{active.pk}").exists()


def test_attendance_older_than_six_months_does_not_count(xd):
    org = PartyOrg.objects.filter(district=xd, kind="branch").order_by("pk").first()
    member = new_member(xd, org.node, org, "孙旧")
    meeting = Meeting.objects.create(district=xd, party_org=org, kind="assembly", title="党员大会",
                                     start=dt.datetime(2026, 3, 10, 15, 0, tzinfo=TZ), node_path=org.node.path)
    Attendance.objects.create(meeting=meeting, member=member, status="present")
    assert services.inactive_members(xd, dt.date(2026, 5, 1)).filter(pk=member.pk).exists()


# ---------------------------------------------------------------- the worker, the inbox


def test_evaluate_due_runs_a_district_at_most_once_an_hour(xd, community):
    for d in District.objects.all():
        services.seed_default_rules(d)
    AlertRule.objects.exclude(kind="rectification_overdue").update(active=False)
    problem = list_services.create_item(None, node=community, kind="problem", year=2026, title="问题")
    list_services.add_rectification(problem, "整改", None, dt.date(2026, 10, 1))
    District.objects.update(settings={})
    first = services.evaluate_due(NOW)
    assert first >= 1
    xd.refresh_from_db()
    assert xd.settings[services.LAST_RUN] == NOW.isoformat()
    task2 = list_services.add_rectification(problem, "整改二", None, dt.date(2026, 10, 2))
    assert services.evaluate_due(NOW + dt.timedelta(minutes=30)) == 0
    assert not alerts_about(f"assessment.listitem:{task2.pk}").exists()
    assert services.evaluate_due(NOW + dt.timedelta(minutes=61)) == 1
    assert alerts_about(f"assessment.listitem:{task2.pk}").count() == 1


def test_the_inbox_shows_a_community_secretary_only_their_subtree(xd, community, only, client_as):
    only("rectification_overdue")
    other = Node.objects.filter(district=xd, kind="community").exclude(path__startswith=community.path).order_by("-code").first()
    for node, title in ((community, "本社区逾期整改"), (other, "外社区逾期整改")):
        problem = list_services.create_item(None, node=node, kind="problem", year=2026, title="问题")
        list_services.add_rectification(problem, title, None, dt.date(2026, 10, 1))
    services.evaluate(xd, NOW)
    page = client_as("community_secretary", XD).get("/assessment/alerts/", {"kind": "rectification_overdue"}).content.decode()
    assert "本社区逾期整改" in page and "外社区逾期整改" not in page
    page = client_as("district_admin", XD).get("/assessment/alerts/", {"kind": "rectification_overdue"}).content.decode()
    assert "本社区逾期整改" in page and "外社区逾期整改" in page


def test_an_alert_is_acknowledged_then_closed_from_the_inbox(xd, community, only, client_as):
    only("rectification_overdue")
    problem = list_services.create_item(None, node=community, kind="problem", year=2026, title="问题")
    task = list_services.add_rectification(problem, "整改", None, dt.date(2026, 10, 1))
    services.evaluate(xd, NOW)
    alert = alerts_about(f"assessment.listitem:{task.pk}").get()
    client = client_as("community_secretary", XD)
    page = client.get("/assessment/alerts/").content.decode()
    assert f"/assessment/lists/{task.pk}/" in page  # links to its subject
    client.post(f"/assessment/alerts/{alert.pk}/action/", {"action": "acknowledge"})
    alert.refresh_from_db()
    assert alert.state == "acknowledged"
    client.post(f"/assessment/alerts/{alert.pk}/action/", {"action": "close"})
    alert.refresh_from_db()
    assert alert.state == "closed"
    grid_worker = client_as("grid_worker", XD)
    assert grid_worker.post(f"/assessment/alerts/{alert.pk}/action/", {"action": "close"}).status_code in (302, 404)


def test_the_demo_inbox_has_alerts_and_the_rules_are_seeded(xd):
    kinds = set(AlertRule.objects.filter(district=xd).values_list("kind", flat=True))
    assert kinds == set(services.DEFAULT_PARAMS)
    assert Alert.objects.filter(district=xd, kind="rectification_overdue").exists()
    assert ListItem.objects.filter(district=xd, kind="rectification").exists()
