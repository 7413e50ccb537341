"""Shared fixtures: the demo districts are built once per test database (session), and every
test runs in a transaction on top of them. Logins are the demo's `<role>.<district code>`."""

import pytest
from django.contrib.auth import get_user_model

from gridgov.demo.build import build

DEMO_PASSWORD = "gridgov-demo"
DEMO_VOLUME = 0.01


def pytest_addoption(parser):
    parser.addoption(
        "--transactional", choices=("all", "skip", "only"), default="all",
        help="run the transactional tests (races on PostgreSQL, which flush the database) too, not, or alone; "
             "`make test` runs the others on two workers first, then these in one process without the demo")


def _transactional(item):
    marker = item.get_closest_marker("django_db")
    if marker is not None and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])):
        return True
    return "transactional_db" in getattr(item, "fixturenames", ())


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    # Under `--dist loadgroup` (make test) a file runs on one worker (its module fixtures are built
    # once), and all the browser tests run on one worker, sharing one demo server.
    for item in items:
        group = "browser" if item.get_closest_marker("browser") else item.nodeid.split("::", 1)[0]
        item.add_marker(pytest.mark.xdist_group(group))
    mode = config.getoption("--transactional")
    if mode == "all":
        return
    keep = [i for i in items if _transactional(i) == (mode == "only")]
    dropped = [i for i in items if _transactional(i) != (mode == "only")]
    items[:] = keep
    if dropped:
        config.hook.pytest_deselected(items=dropped)


def pytest_report_header(config):
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    return f"gridgov database: {engine}"


@pytest.fixture(scope="session")
def django_db_setup(request, django_db_setup, django_db_blocker):
    if request.config.getoption("--transactional") == "only":
        return  # the transactional tests build what they need (their flush would empty a demo anyway)
    with django_db_blocker.unblock():
        # One percent of a year's activity (cases, patrols): every path is there, quickly built.
        build(password=DEMO_PASSWORD, progress=False, volume=DEMO_VOLUME)


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in the default language (a request with Accept-Language: en must not
    leave English active for the tests after it)."""
    from django.utils import translation

    yield
    translation.activate("zh-hans")


@pytest.fixture
def demo(db):
    """The demo districts by code: {"150105": District, "140105": ..., "530111": ...}."""
    from gridgov.hierarchy.models import District

    return {d.code: d for d in District.objects.all()}


@pytest.fixture
def demo_user(db):
    """demo_user("community_secretary", "140105") -> the demo login's User."""

    def get(role, code="140105"):
        return get_user_model().objects.get(username=f"{role}.{code}")

    return get


@pytest.fixture
def client_as(client, demo_user):
    """client_as("community_secretary", "140105") -> a test client logged in as that demo login."""

    def login(role, code="140105"):
        client.force_login(demo_user(role, code))
        return client

    return login


def postgres_only():
    from django.conf import settings

    return pytest.mark.skipif(not settings.IS_POSTGRES, reason="needs PostgreSQL: set DATABASE_URL=postgresql://… (.ci/run does)")
