"""The big screen: its JSON figures equal counts made case by case from the Case table, for the
district admin (the district) and a subdistrict secretary (their subtree); the page is dark and
standalone and refreshes by fetching the JSON."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from gridgov.assessment.models.index import Grade
from gridgov.cases import services
from gridgov.cases.models import Case, Category
from gridgov.cases.workflow import ACTIVE_STATES
from gridgov.dashboard import map as mapdata
from gridgov.hierarchy.models import Node
from gridgov.people import scoping


@pytest.fixture
def xd(demo):
    return demo["140105"]


@pytest.fixture
def reported_now(xd, demo_user):
    """Two cases reported a minute ago in the first grid, so that "today" is never empty."""
    resident = demo_user("resident", "140105")
    grid = Node.objects.filter(district=xd, kind="grid").order_by("path").first()
    out = []
    for i in range(2):
        case, _ = services.intake(xd, category=Category.objects.get(district=xd, code="E0102"), lon=grid.centroid_lon,
                                  lat=grid.centroid_lat, description=f"大屏测试案件 {i}", source="resident", user=resident,
                                  reporter=resident.person, at=timezone.now() - dt.timedelta(minutes=1))
        out.append(case)
    return out


def expected(district, prefix, now):
    """The screen's figures computed row by row in Python from the Case table."""
    tz = ZoneInfo(district.timezone)
    today = now.astimezone(tz).date()
    rows = [c for c in Case.objects.filter(district=district) if c.node_path.startswith(prefix)]
    day = lambda t: t.astimezone(tz).date() if t else None  # noqa: E731
    month_start = dt.datetime(today.year, today.month, 1, tzinfo=tz)
    month_end = dt.datetime(today.year + (today.month == 12), today.month % 12 + 1, 1, tzinfo=tz)
    cohort = [c for c in rows if month_start <= c.reported_at < month_end]
    # As on the dashboards: of the cases reported this month, those closed, and of them on time.
    due = [c for c in cohort if c.closed_at is not None]
    days = [today - dt.timedelta(days=29 - i) for i in range(30)]
    return {
        "open": sum(c.state in ACTIVE_STATES for c in rows),
        "reported_today": sum(day(c.reported_at) == today for c in rows),
        "closed_today": sum(day(c.closed_at) == today for c in rows),
        "overdue_now": sum(c.state in ACTIVE_STATES and c.overdue_at is not None for c in rows),
        "due": len(due),
        "on_time": sum(c.closed_on_time is True for c in cohort),
        "reported": [sum(day(c.reported_at) == d for c in rows) for d in days],
        "closed": [sum(day(c.closed_at) == d for c in rows) for d in days],
        "days": [d.isoformat() for d in days],
    }


def check(data, exp):
    assert data["open"] == exp["open"]
    assert data["reported_today"] == exp["reported_today"]
    assert data["closed_today"] == exp["closed_today"]
    assert data["overdue_now"] == exp["overdue_now"]
    assert data["month"]["due"] == exp["due"]
    assert data["month"]["on_time"] == exp["on_time"]
    assert data["month"]["on_time_rate"] == (pytest.approx(exp["on_time"] / exp["due"], abs=1e-4) if exp["due"] else None)
    assert data["trend"]["days"] == exp["days"]
    assert data["trend"]["reported"] == exp["reported"]
    assert data["trend"]["closed"] == exp["closed"]


def test_district_admin_figures_equal_the_case_table(client_as, demo_user, xd, reported_now):
    now = timezone.now()
    user = demo_user("district_admin", "140105")
    data = mapdata.screen_data(user, xd, now=now)
    exp = expected(xd, xd.root.path, now)
    assert exp["open"] > 0 and exp["reported_today"] >= 2 and sum(exp["reported"]) > 0
    check(data, exp)
    # One bar per subdistrict, adding up to the open cases.
    subdistricts = list(Node.objects.filter(district=xd, kind="subdistrict").order_by("path"))
    assert data["open_by_area"]["kind"] == "subdistrict"
    assert [a["node_id"] for a in data["open_by_area"]["areas"]] == [s.pk for s in subdistricts]
    for area, sub in zip(data["open_by_area"]["areas"], subdistricts):
        assert area["open"] == Case.objects.filter(district=xd, node_path__startswith=sub.path, state__in=ACTIVE_STATES).count()
    # Grades of the latest month per band.
    month = Grade.objects.filter(district=xd).order_by("-month").values_list("month", flat=True).first()
    assert data["grades"]["month"] == month.strftime("%Y-%m")
    for band in data["grades"]["bands"]:
        assert band["count"] == Grade.objects.filter(district=xd, month=month, band_id=band["id"]).count()
    assert sum(b["count"] for b in data["grades"]["bands"]) + data["grades"]["ungraded"] == Grade.objects.filter(district=xd, month=month).count()


def test_the_json_endpoint_answers_the_same(client_as, demo_user, xd, reported_now):
    response = client_as("district_admin", "140105").get(reverse("dashboard:screen_data"))
    assert response.status_code == 200
    data = response.json()
    now = dt.datetime.fromisoformat(data["generated_at"])
    check(data, expected(xd, xd.root.path, now))
    assert data["district"] == {"code": "140105", "name": xd.name}
    assert data["scope"]["node_id"] == xd.root.pk


def test_subdistrict_secretary_sees_their_subtree(client_as, demo_user, xd, reported_now):
    user = demo_user("subdistrict_secretary", "140105")
    sub = scoping.home_node(user)
    assert sub.kind == "subdistrict"
    response = client_as("subdistrict_secretary", "140105").get(reverse("dashboard:screen_data"))
    data = response.json()
    check(data, expected(xd, sub.path, dt.datetime.fromisoformat(data["generated_at"])))
    assert data["scope"]["node_id"] == sub.pk
    assert data["open_by_area"]["kind"] == "community"
    communities = set(Node.objects.filter(district=xd, kind="community", path__startswith=sub.path).values_list("pk", flat=True))
    assert {a["node_id"] for a in data["open_by_area"]["areas"]} == communities
    graded = Grade.objects.filter(district=xd, node_path__startswith=sub.path, month=Grade.objects.filter(district=xd).order_by("-month").values_list("month", flat=True).first())
    assert sum(b["count"] for b in data["grades"]["bands"]) + data["grades"]["ungraded"] == graded.count()


def test_other_district_sees_none_of_xiaodian(client_as, demo, reported_now):
    data = client_as("district_admin", "150105").get(reverse("dashboard:screen_data")).json()
    assert data["district"]["code"] == "150105"
    check(data, expected(demo["150105"], demo["150105"].root.path, dt.datetime.fromisoformat(data["generated_at"])))


def test_screen_page_is_dark_standalone_and_polls_the_json(client_as):
    response = client_as("district_admin", "140105").get(reverse("dashboard:screen"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="screen"' in html and 'class="topbar"' not in html
    assert f'data-src="{reverse("dashboard:screen_data")}"' in html
    assert "vendor/echarts/echarts.min.js" in html and "dashboard/screen.js" in html
    assert response.context["map_config"]["basemap"] is None
