"""The community-worker annual appraisal: at most 30 % (configurable per district) of a unit's workers rated
excellent; the one over is refused with a message stating the quota and nothing is written; the demo
appraises every worker within the rule; the page is scoped to the appraiser's units."""
import re

import pytest

from gridgov.assessment.errors import AssessmentError
from gridgov.assessment.models import WorkerAppraisal
from gridgov.assessment.services import appraisal
from gridgov.hierarchy.models import Node
from gridgov.people.models import CommunityWorker, Person

pytestmark = pytest.mark.django_db

YEAR = 2026  # the demo appraises 2025


def _unit_of(district, size):
    """A community of `district` with exactly `size` workers (added or removed as needed)."""
    unit = Node.objects.filter(district=district, kind="community").order_by("path").first()
    workers = list(CommunityWorker.objects.filter(node=unit).order_by("pk"))
    for w in workers[size:]:
        w.delete()
    for i in range(len(workers), size):
        person = Person.objects.create(district=district, name=f"测试社工{i}", home=unit)
        workers.append(CommunityWorker.objects.create(person=person, district=district, node=unit, post_category="staff",
                                                      level=1, node_path=unit.path))
    return unit, workers[:size]


def test_in_a_unit_of_ten_the_fourth_excellent_is_refused_and_nothing_is_written(demo):
    district = demo["140105"]
    unit, workers = _unit_of(district, 10)
    for w in workers[:3]:
        appraisal.appraise(w, YEAR, "excellent")
    before = list(WorkerAppraisal.objects.filter(unit=unit, year=YEAR).values_list("worker_id", "grade"))
    with pytest.raises(AssessmentError) as exc:
        appraisal.appraise(workers[3], YEAR, "excellent")
    message = str(exc.value)
    # "本单位共 10 名社区工作者，优秀最多 3 名，已评 3 名" (or its English msgid before the catalogue is merged)
    assert re.findall(r"\d+", message) == ["10", "3", "3"]
    assert list(WorkerAppraisal.objects.filter(unit=unit, year=YEAR).values_list("worker_id", "grade")) == before
    assert not WorkerAppraisal.objects.filter(worker=workers[3], year=YEAR).exists()
    # Other grades are not limited.
    assert appraisal.appraise(workers[3], YEAR, "competent").grade == "competent"


def test_lowering_an_excellent_frees_its_place(demo):
    unit, workers = _unit_of(demo["140105"], 10)
    for w in workers[:3]:
        appraisal.appraise(w, YEAR, "excellent")
    appraisal.appraise(workers[0], YEAR, "competent")
    assert appraisal.appraise(workers[4], YEAR, "excellent").grade == "excellent"
    # Re-saving an excellent worker's own grade is not a new excellent.
    assert appraisal.appraise(workers[4], YEAR, "excellent", comment="年度表现突出").comment == "年度表现突出"


def test_the_quota_is_floor_of_the_percentage_and_configurable_per_district(demo):
    district = demo["140105"]
    unit, workers = _unit_of(district, 9)
    assert appraisal.quota(district, 9) == 2  # 30 % of 9 = 2.7
    district.settings = {**district.settings, appraisal.SETTING: 20}
    district.save(update_fields=["settings"])
    unit.district.refresh_from_db()
    appraisal.appraise(workers[0], YEAR, "excellent")
    with pytest.raises(AssessmentError) as exc:
        appraisal.appraise(workers[1], YEAR, "excellent")
    assert re.findall(r"\d+", str(exc.value)) == ["9", "1", "1"]


def test_a_batch_over_the_quota_is_refused_whole(demo):
    unit, workers = _unit_of(demo["140105"], 10)
    grades = {w: "excellent" for w in workers[:4]}
    grades.update({w: "competent" for w in workers[4:]})
    with pytest.raises(AssessmentError):
        appraisal.appraise_many(unit, YEAR, grades)
    assert not WorkerAppraisal.objects.filter(unit=unit, year=YEAR).exists()
    grades[workers[3]] = "basic"
    assert len(appraisal.appraise_many(unit, YEAR, grades)) == 10
    assert WorkerAppraisal.objects.filter(unit=unit, year=YEAR, grade="excellent").count() == 3


def test_workers_of_another_unit_cannot_be_graded_in_this_one(demo):
    unit, workers = _unit_of(demo["140105"], 10)
    stranger = CommunityWorker.objects.filter(district=demo["140105"]).exclude(node=unit).first()
    with pytest.raises(AssessmentError):
        appraisal.appraise_many(unit, YEAR, {stranger: "excellent"})


def test_the_demo_appraises_every_worker_within_the_rule(demo):
    from django.db.models import Count, Q

    for district in demo.values():
        workers = CommunityWorker.objects.filter(district=district).count()
        assert WorkerAppraisal.objects.filter(district=district, year=2025).count() == workers
        units = (CommunityWorker.objects.filter(district=district).values("node")
                 .annotate(n=Count("id", distinct=True),
                           exc=Count("appraisals", filter=Q(appraisals__year=2025, appraisals__grade="excellent"))))
        assert units and all(u["exc"] <= appraisal.quota(district, u["n"]) for u in units)


def test_the_page_shows_the_quota_and_refuses_the_one_over(demo, client_as, demo_user):
    from gridgov.people import scoping

    district = demo["140105"]
    user = demo_user("community_secretary", "140105")
    unit = scoping.scoped_nodes(user).filter(kind="community").first()
    workers = list(CommunityWorker.objects.filter(node=unit).order_by("pk"))
    cap = appraisal.quota(district, len(workers))
    client = client_as("community_secretary", "140105")
    page = client.get(f"/assessment/appraisals/?year={YEAR}&unit={unit.pk}")
    assert page.status_code == 200 and str(cap) in page.content.decode()
    data = {"year": YEAR, "unit": unit.pk}
    data.update({f"grade_{w.pk}": "excellent" if i <= cap else "competent" for i, w in enumerate(workers)})
    response = client.post("/assessment/appraisals/", data)
    assert response.status_code == 200 and 'role="alert"' in response.content.decode()
    assert not WorkerAppraisal.objects.filter(unit=unit, year=YEAR).exists()
    data[f"grade_{workers[cap].pk}"] = "competent"
    assert client.post("/assessment/appraisals/", data).status_code == 302
    assert WorkerAppraisal.objects.filter(unit=unit, year=YEAR, grade="excellent").count() == cap


def test_the_page_is_scoped_to_the_appraisers_units(demo, client_as, demo_user):
    from gridgov.people import scoping

    user = demo_user("community_secretary", "140105")
    mine = set(scoping.scoped_nodes(user).filter(kind="community").values_list("pk", flat=True))
    other = Node.objects.filter(district=demo["140105"], kind="community").exclude(pk__in=mine).first()
    client = client_as("community_secretary", "140105")
    assert client.get(f"/assessment/appraisals/?unit={other.pk}").status_code == 403
    assert client.post("/assessment/appraisals/", {"year": YEAR, "unit": other.pk}).status_code == 403
    assert client_as("grid_worker", "140105").get("/assessment/appraisals/").status_code == 403
