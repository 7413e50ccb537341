"""The four lists: problems spawn rectification tasks, a rectification is completed only with evidence,
a problem closes once its tasks are done, inspection findings become problems, the pages are scoped."""
import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gridgov.assessment.errors import AssessmentError, NotAllowed
from gridgov.assessment.models import Inspection, ListItem
from gridgov.assessment.services import lists as services
from gridgov.hierarchy.models import Node

XD = "140105"


@pytest.fixture
def xd(demo):
    return demo[XD]


@pytest.fixture
def community(xd):
    """The demo community secretary's community."""
    return Node.objects.filter(district=xd, kind="community").order_by("code").first()


@pytest.fixture
def other_community(xd, community):
    return Node.objects.filter(district=xd, kind="community").exclude(path__startswith=community.path[:8]).order_by("code").first()


@pytest.fixture
def problem(community, demo_user):
    return services.create_item(demo_user("community_secretary", XD), node=community, kind=ListItem.PROBLEM, year=2026,
                                title="党员活动阵地长期闲置", due=dt.date(2026, 12, 31))


def test_a_problem_spawns_rectification_tasks_with_deadline_and_owner(problem, demo_user):
    owner = demo_user("grid_chief", XD).person
    first = services.add_rectification(problem, "制定阵地开放时间表", owner, dt.date(2026, 12, 10))
    second = services.add_rectification(problem, "每月组织一次主题党日", None, dt.date(2026, 12, 20))
    problem.refresh_from_db()
    assert list(problem.children.order_by("due")) == [first, second]
    assert first.kind == ListItem.RECTIFICATION and first.owner == owner and first.due == dt.date(2026, 12, 10)
    assert second.owner == problem.owner  # no owner given: the problem's
    assert first.node == problem.node and first.node_path == problem.node_path
    assert problem.state == "in_progress"


def test_completing_a_rectification_without_evidence_is_refused_and_nothing_is_written(problem):
    task = services.add_rectification(problem, "补齐会议记录", None, dt.date(2026, 12, 1))
    with pytest.raises(AssessmentError, match="佐证|证据|evidence"):
        services.complete_item(task, evidence="   ")
    task.refresh_from_db()
    assert task.state == "open" and task.done_on is None and task.evidence == ""


def test_a_rectification_completes_with_a_text_or_with_an_attachment_alone(problem):
    by_text = services.add_rectification(problem, "补齐会议记录", None, dt.date(2026, 12, 1))
    by_file = services.add_rectification(problem, "上传整改照片", None, dt.date(2026, 12, 1))
    services.complete_item(by_text, evidence="已补齐，见档案盒", day=dt.date(2026, 11, 20))
    services.complete_item(by_file, attachment=SimpleUploadedFile("photo.txt", b"proof"), day=dt.date(2026, 11, 21))
    by_text.refresh_from_db(), by_file.refresh_from_db()
    assert (by_text.state, by_text.done_on, by_text.evidence) == ("done", dt.date(2026, 11, 20), "已补齐，见档案盒")
    assert by_file.state == "done" and by_file.attachment.name


def test_the_page_refuses_a_completion_without_evidence_with_a_message(problem, client_as):
    task = services.add_rectification(problem, "补齐会议记录", None, dt.date(2026, 12, 1))
    client = client_as("community_secretary", XD)
    response = client.post(f"/assessment/lists/{task.pk}/", {"action": "complete", "done-evidence": ""})
    assert response.status_code == 200
    assert "证据" in response.content.decode() or "evidence" in response.content.decode()
    task.refresh_from_db()
    assert task.state == "open"
    response = client.post(f"/assessment/lists/{task.pk}/", {"action": "complete", "done-evidence": "已补齐"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.state == "done"


def test_a_problem_closes_only_when_all_its_tasks_are_done(problem):
    one = services.add_rectification(problem, "任务一", None, dt.date(2026, 12, 1))
    two = services.add_rectification(problem, "任务二", None, dt.date(2026, 12, 1))
    services.complete_item(one, evidence="完成")
    with pytest.raises(AssessmentError):
        services.close_problem(problem)
    problem.refresh_from_db()
    assert problem.state == "in_progress"
    services.complete_item(two, evidence="完成")
    services.close_problem(problem)
    problem.refresh_from_db()
    assert problem.state == "done" and problem.done_on is not None


def test_an_inspection_finding_becomes_a_problem_on_the_inspected_level(community, demo_user):
    inspection = services.record_inspection(
        demo_user("subdistrict_secretary", XD), node=community, kind="supervisor", inspector="党建监督员·王敏", day=dt.date(2026, 6, 3),
        findings=services.parse_findings("三会一课记录不完整 | 2026-09-30\n党务公开栏未更新"),
    )
    problems = list(ListItem.objects.filter(inspection=inspection).order_by("pk"))
    assert [p.title for p in problems] == ["三会一课记录不完整", "党务公开栏未更新"]
    assert all(p.kind == ListItem.PROBLEM and p.node == community and p.year == 2026 for p in problems)
    assert problems[0].due == dt.date(2026, 9, 30) and problems[1].due is None


def test_an_inspection_recorded_on_the_page_puts_its_findings_on_the_problem_list(community, client_as):
    client = client_as("community_secretary", XD)
    response = client.post("/assessment/inspections/", {
        "node": community.pk, "kind": "third_party", "inspector": "第三方评估机构", "day": "2026-07-01",
        "findings": "网格员巡查轨迹缺失 | 2026-10-01",
    })
    assert response.status_code == 302
    inspection = Inspection.objects.get(node=community, inspector="第三方评估机构")
    problem = inspection.findings.get()
    assert problem.kind == "problem" and problem.title == "网格员巡查轨迹缺失"
    page = client.get("/assessment/lists/", {"kind": "problem", "year": 2026}).content.decode()
    assert "网格员巡查轨迹缺失" in page


def test_a_secretary_may_not_keep_the_lists_of_another_community(other_community, demo_user):
    with pytest.raises(NotAllowed):
        services.create_item(demo_user("community_secretary", XD), node=other_community, kind="project", year=2026, title="越权")


def test_the_lists_page_shows_only_the_users_subtree_and_marks_overdue_items(community, other_community, demo_user, client_as):
    admin = demo_user("district_admin", XD)
    mine = services.create_item(admin, node=community, kind="project", year=2026, title="本社区项目甲", due=dt.date(2026, 1, 5))
    services.create_item(admin, node=other_community, kind="project", year=2026, title="别的社区项目乙")
    page = client_as("community_secretary", XD).get("/assessment/lists/", {"kind": "project", "overdue": "1"}).content.decode()
    assert mine.title in page and "别的社区项目乙" not in page
    assert client_as("community_secretary", XD).get(f"/assessment/lists/{mine.pk}/").status_code == 200
    other = ListItem.objects.get(title="别的社区项目乙")
    assert client_as("community_secretary", XD).get(f"/assessment/lists/{other.pk}/").status_code == 404


def test_a_new_item_is_added_through_the_form(community, client_as):
    client = client_as("community_secretary", XD)
    assert client.get("/assessment/lists/new/").status_code == 200
    response = client.post("/assessment/lists/new/", {"kind": "responsibility", "node": community.pk, "year": 2026,
                                                      "title": "网格党支部全覆盖", "due": "2026-12-31"})
    assert response.status_code == 302
    item = ListItem.objects.get(title="网格党支部全覆盖")
    assert item.node == community and item.owner == services.secretary_of(community)


def test_the_demo_has_lists_inspections_and_overdue_rectifications(xd):
    items = ListItem.objects.filter(district=xd)
    for kind in ("responsibility", "project", "problem", "rectification"):
        assert items.filter(kind=kind, year=2026).exists(), kind
    assert items.filter(kind="rectification", state="done").exclude(evidence="").exists()
    assert items.filter(kind="rectification", state__in=("open", "in_progress"), due__lt=dt.date(2026, 11, 1)).exists()
    assert Inspection.objects.filter(district=xd).exists()
