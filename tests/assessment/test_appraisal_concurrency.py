"""Two appraisers give the last excellent place of a unit at the same moment, on PostgreSQL: exactly one
wins, the other is told the quota, and the unit never holds more excellent grades than its quota."""
import threading

import pytest
from django.db import connection

from gridgov.assessment.errors import AssessmentError
from gridgov.assessment.models import WorkerAppraisal
from gridgov.assessment.services import appraisal
from gridgov.demo.build import build
from gridgov.hierarchy.models import District, Node
from gridgov.people.models import CommunityWorker, Person
from tests.conftest import DEMO_PASSWORD, DEMO_VOLUME, postgres_only

pytestmark = [postgres_only(), pytest.mark.django_db(transaction=True)]


@pytest.fixture
def committed_demo():
    build(password=DEMO_PASSWORD, progress=False, codes=["140105"], volume=DEMO_VOLUME)
    return District.objects.get(code="140105")


def _race(fns):
    barrier = threading.Barrier(len(fns))
    results = [None] * len(fns)

    def run(i, fn):
        try:
            barrier.wait()
            results[i] = ("ok", fn())
        except AssessmentError as exc:
            results[i] = ("refused", str(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(fns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_two_appraisers_racing_for_the_last_excellent_place_one_wins(committed_demo):
    district = committed_demo
    unit = Node.objects.filter(district=district, kind="community").order_by("path").first()
    workers = list(CommunityWorker.objects.filter(node=unit).order_by("pk"))
    for w in workers[10:]:
        w.delete()
    for i in range(len(workers), 10):
        person = Person.objects.create(district=district, name=f"并发社工{i}", home=unit)
        workers.append(CommunityWorker.objects.create(person=person, district=district, node=unit, post_category="staff",
                                                      level=1, node_path=unit.path))
    workers = workers[:10]
    for year in (2030, 2031, 2032):
        appraisal.appraise(workers[0], year, "excellent")
        appraisal.appraise(workers[1], year, "excellent")
        results = _race([
            lambda y=year: appraisal.appraise(CommunityWorker.objects.get(pk=workers[2].pk), y, "excellent"),
            lambda y=year: appraisal.appraise(CommunityWorker.objects.get(pk=workers[3].pk), y, "excellent"),
        ])
        assert sorted(r[0] for r in results) == ["ok", "refused"], results
        assert WorkerAppraisal.objects.filter(unit=unit, year=year, grade="excellent").count() == 3
