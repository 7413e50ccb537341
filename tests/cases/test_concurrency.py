"""Two handlers act on one case at the same moment, on PostgreSQL: exactly one wins, the other is
told of the conflict, and the case is never left in an illegal state."""
import threading

import pytest
from django.db import connection

from gridgov.cases import services
from gridgov.cases.models import Case, Category, Transition
from gridgov.demo.build import build
from gridgov.hierarchy.models import District, Node
from tests.conftest import DEMO_PASSWORD, DEMO_VOLUME, postgres_only

pytestmark = [postgres_only(), pytest.mark.django_db(transaction=True)]


@pytest.fixture
def committed_demo():
    # A transactional test sees only committed rows, and the flush after it empties the tables:
    # build the one district it needs, committed.
    build(password=DEMO_PASSWORD, progress=False, codes=["140105"], volume=DEMO_VOLUME)
    return District.objects.get(code="140105")


def _race(fns):
    barrier = threading.Barrier(len(fns))
    results = [None] * len(fns)

    def run(i, fn):
        try:
            barrier.wait()
            results[i] = ("ok", fn())
        except services.CaseError as exc:
            results[i] = (type(exc).__name__, str(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(fns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_two_handlers_acting_at_once_one_wins(committed_demo):
    from django.contrib.auth import get_user_model

    xd = committed_demo
    users = {u.username.split(".")[0]: u for u in get_user_model().objects.filter(username__endswith=".140105")}
    community = Node.objects.filter(district=xd, kind="community").order_by("code").first()
    grid = Node.objects.filter(district=xd, kind="grid", path__startswith=community.path).order_by("code").first()
    for round_ in range(5):
        case, _ = services.intake(xd, category=Category.objects.get(district=xd, code="E0102"), lon=grid.centroid_lon,
                                  lat=grid.centroid_lat, description=f"并发测试 {round_}", source="staff", user=users["community_secretary"])
        case = services.transition(case, "register", users["community_secretary"])
        case = services.transition(case, "dispatch", users["community_secretary"])
        case = services.transition(case, "accept", users["department_handler"])
        # The handler marks it handled while, at the same instant, asks for an extension from another tab.
        results = _race([
            lambda: services.transition(Case.objects.get(pk=case.pk), "handle", users["department_handler"]),
            lambda: services.transition(Case.objects.get(pk=case.pk), "return_to_dispatcher", users["department_handler"]),
        ])
        outcomes = sorted(r[0] for r in results)
        assert outcomes.count("ok") == 1, results
        final = Case.objects.get(pk=case.pk)
        assert final.state in ("handled", "registered")
        assert Transition.objects.filter(case=case, action__in=["handle", "return_to_dispatcher"]).count() == 1
