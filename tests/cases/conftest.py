"""Fixtures of the case tests: a fresh case in the first grid of 小店区's first community,
reported by the demo resident, and the demo logins who act on it."""
import pytest

from gridgov.cases import services
from gridgov.cases.models import Category, Department
from gridgov.hierarchy.models import Node


@pytest.fixture
def xd(demo):
    return demo["140105"]


@pytest.fixture
def first_grid(xd):
    community = Node.objects.filter(district=xd, kind="community").order_by("code").first()
    return Node.objects.filter(district=xd, kind="grid", path__startswith=community.path).order_by("code").first()


@pytest.fixture
def new_case(xd, first_grid, demo_user):
    """new_case(code="E0102", **kw) -> a freshly reported case in the first grid."""
    counter = iter(range(1, 10_000))

    def make(code="E0102", **kw):
        resident = demo_user("resident", "140105")
        kw.setdefault("description", f"小区门口有暴露垃圾 #{next(counter)}")
        case, created = services.intake(
            xd, category=Category.objects.get(district=xd, code=code), lon=first_grid.centroid_lon, lat=first_grid.centroid_lat,
            source="resident", user=resident, reporter=resident.person, **kw,
        )
        assert created
        return case

    return make


@pytest.fixture
def dept(xd):
    return lambda code: Department.objects.get(district=xd, code=code)


@pytest.fixture
def act(demo_user):
    """act(case, action, role, **params): the transition as that demo login of 小店区."""

    def run(case, action, role, **params):
        return services.transition(case, action, demo_user(role, "140105"), **params)

    return run
