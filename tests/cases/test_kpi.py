"""KPIs: the aggregate figures per grid, community, subdistrict and department equal counts made
case by case in the test; weights come from the district; the page is scoped; Excel says the same."""
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest

from gridgov.cases import kpi, services
from gridgov.cases.models import Case, Category, Evaluation
from gridgov.hierarchy.models import Node

TZ = ZoneInfo("Asia/Shanghai")
# A month long before the demo's year of cases, so that only this test's cases are in it.
MONTH = (2024, 3)
T0 = dt.datetime(2024, 3, 4, 9, 0, tzinfo=TZ)  # a Monday


@pytest.fixture
def other_grid(xd):
    communities = list(Node.objects.filter(district=xd, kind="community").order_by("code")[:2])
    return Node.objects.filter(district=xd, kind="grid", path__startswith=communities[1].path).order_by("code").first()


@pytest.fixture
def cohort(xd, first_grid, other_grid, demo_user, act):
    """Seven cases of March 2024 with known outcomes, and one of February that must not count."""
    resident = demo_user("resident")
    serial = iter(range(1000))

    def report(grid, at, code="E0102"):
        case, created = services.intake(
            xd, category=Category.objects.get(district=xd, code=code), lon=grid.centroid_lon, lat=grid.centroid_lat,
            description=f"KPI 测试案件 {next(serial)}", source="resident", user=resident, reporter=resident.person, at=at)
        assert created
        return case

    def walk(case, start, steps):
        at = start
        for action, role, minutes, params in steps:
            at = at + dt.timedelta(minutes=minutes)
            case = act(case, action, role, at=at, **params)
        return case

    head = [("register", "community_secretary", 10, {}), ("dispatch", "community_secretary", 10, {}), ("accept", "department_handler", 10, {})]
    close = [("verify", "grid_worker", 60, {}), ("close", "community_secretary", 60, {})]
    cases = {}
    cases["on_time"] = walk(report(first_grid, T0), T0, head + [("handle", "department_handler", 90, {})] + close
                            + [("evaluate", "resident", 60, {"rating": "satisfied"})])
    cases["reworked"] = walk(report(first_grid, T0), T0, head + [("handle", "department_handler", 60, {}), ("rework", "grid_worker", 30, {}),
                                                              ("handle", "department_handler", 60, {})] + close
                             + [("evaluate", "resident", 60, {"rating": "basic"})])
    cases["late"] = walk(report(first_grid, T0), T0, head + [("handle", "department_handler", 10 * 24 * 60, {})] + close
                         + [("evaluate", "resident", 60, {"rating": "unsatisfied"})])
    # The worker would have marked it overdue on the way.
    Case.objects.filter(pk=cases["late"].pk).update(was_overdue=True)
    cases["extended"] = walk(report(first_grid, T0), T0, head + [("request_extension", "department_handler", 60, {"days": 2}),
                                                              ("approve_extension", "community_secretary", 60, {})])
    cases["waiting"] = report(first_grid, T0, code="E0105")  # 水域不洁: 水务, never registered
    cases["voided"] = walk(report(first_grid, T0), T0, [("void", "community_secretary", 10, {"reason": "invalid"})])
    admin = [("register", "district_admin", 10, {}), ("dispatch", "district_admin", 10, {}), ("accept", "department_handler", 10, {}),
             ("handle", "department_handler", 60, {}), ("verify", "district_admin", 60, {}), ("close", "district_admin", 60, {}),
             ("evaluate", "resident", 60, {"rating": "satisfied"})]
    cases["elsewhere"] = walk(report(other_grid, T0 + dt.timedelta(days=3)), T0 + dt.timedelta(days=3), admin)
    before = T0 - dt.timedelta(days=20)
    cases["february"] = walk(report(first_grid, before), before, head + [("handle", "department_handler", 60, {})] + close)
    return {k: Case.objects.get(pk=c.pk) for k, c in cases.items()}


def expected_row(cases, cutoff):
    """The KPI definitions applied case by case, in plain Python."""
    cases = [c for c in cases if c.state != "voided"]
    ratings = [e.rating for e in Evaluation.objects.filter(case__in=[c.pk for c in cases])]
    registered = sum(c.registered_at is not None for c in cases)
    dispatched = sum(c.dispatched_at is not None for c in cases)
    due = sum(c.closed_at is not None or (c.handle_deadline is not None and c.handle_deadline < cutoff) for c in cases)
    closed = sum(c.closed_at is not None for c in cases)
    on_time = sum(c.closed_on_time is True for c in cases)
    rework = sum(c.rework_count > 0 for c in cases)
    overdue = sum(c.was_overdue for c in cases)
    extended = sum(c.extended for c in cases)
    satisfied = sum(r in ("satisfied", "basic") for r in ratings)

    def rate(a, b):
        return a / b if b else None

    return {
        "registered": registered, "due": due, "closed": closed, "on_time": on_time, "overdue": overdue,
        "closure_rate": rate(closed, due), "on_time_rate": rate(on_time, due), "rework_rate": rate(rework, dispatched),
        "extension_rate": rate(extended, dispatched), "overdue_rate": rate(overdue, registered),
        "satisfaction_rate": rate(satisfied, len(ratings)),
    }


def march(xd):
    return kpi.month_period(xd, *MONTH)


def by_key(rows):
    return {r["key"]: r for r in rows}


def assert_same(row, expected):
    for key, value in expected.items():
        assert row[key] == pytest.approx(value), key


def test_grid_figures_equal_the_counts_case_by_case(xd, cohort, first_grid, other_grid):
    start, end = march(xd)
    rows = by_key(kpi.kpi_table(xd, "grid", start, end))
    assert set(rows) == {first_grid.path, other_grid.path}
    mine = [c for k, c in cohort.items() if k not in ("elsewhere", "february")]
    expected = expected_row(mine, end)
    assert_same(rows[first_grid.path], expected)
    # And the same figures stated by hand: on time 1 of 4 registered, one rework, one extension…
    assert (expected["registered"], expected["due"], expected["closed"], expected["on_time"]) == (4, 4, 3, 2)
    assert expected["rework_rate"] == pytest.approx(1 / 4) and expected["extension_rate"] == pytest.approx(1 / 4)
    assert expected["satisfaction_rate"] == pytest.approx(2 / 3) and expected["overdue"] == 1
    assert rows[first_grid.path]["name"] == first_grid.name
    assert_same(rows[other_grid.path], expected_row([cohort["elsewhere"]], end))


def test_community_subdistrict_and_department_rows_group_the_same_cases(xd, cohort, first_grid, other_grid):
    start, end = march(xd)
    march_cases = [c for k, c in cohort.items() if k != "february"]
    communities = by_key(kpi.kpi_table(xd, "community", start, end))
    assert set(communities) == {first_grid.path[:12], other_grid.path[:12]}
    assert_same(communities[first_grid.path[:12]], expected_row([c for c in march_cases if c.grid_id == first_grid.pk], end))
    subdistricts = by_key(kpi.kpi_table(xd, "subdistrict", start, end))
    for path, row in subdistricts.items():
        assert_same(row, expected_row([c for c in march_cases if c.node_path.startswith(path)], end))
        assert row["name"] == Node.objects.get(path=path).name
    departments = {r["code"]: r for r in kpi.kpi_table(xd, "department", start, end)}
    assert set(departments) == {"cgj", "swj"}
    assert_same(departments["cgj"], expected_row([c for c in march_cases if c.department and c.department.code == "cgj"], end))
    assert departments["swj"]["registered"] == 0 and departments["swj"]["due"] == 0


def test_the_composite_score_uses_the_districts_weights_and_ranks(xd, cohort, first_grid, other_grid):
    start, end = march(xd)
    xd.settings["kpi_weights"] = {"closure_rate": 1, "on_time_rate": 1, "satisfaction_rate": 2, "rework_rate": 0,
                                  "overdue_rate": 0, "extension_rate": 0, "bogus": 5}
    xd.save(update_fields=["settings"])
    rows = kpi.kpi_table(xd, "grid", start, end)
    assert [r["key"] for r in rows] == [other_grid.path, first_grid.path]
    assert [r["rank"] for r in rows] == [1, 2]
    assert rows[0]["score"] == 100.0
    assert rows[1]["score"] == pytest.approx(round(100 * (3 / 4 + 2 / 4 + 2 * (2 / 3)) / 4, 1))


def test_kpi_page_is_scoped_to_the_users_area(client_as, xd, cohort, first_grid, other_grid):
    query = "group=grid&date_from=2024-03-01&date_to=2024-03-31"
    secretary = client_as("community_secretary").get("/cases/kpi/?" + query)
    assert secretary.status_code == 200
    assert [r["key"] for r in secretary.context["rows"]] == [first_grid.path]
    admin = client_as("district_admin").get("/cases/kpi/?" + query)
    assert {r["key"] for r in admin.context["rows"]} == {first_grid.path, other_grid.path}
    assert client_as("resident").get("/cases/kpi/").status_code == 403
    for group in ("department", "grid", "community", "subdistrict"):
        assert client_as("district_admin").get(f"/cases/kpi/?group={group}").status_code == 200  # the current month, demo data


def test_excel_export_has_the_same_rows_as_the_table(client_as, xd, cohort):
    from openpyxl import load_workbook

    response = client_as("district_admin").get("/cases/kpi/export.xlsx?group=community&month=2024-03")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    header, body = values[1], values[2:]
    assert len(header) == 3 + len(kpi.COLUMNS)
    start, end = march(xd)
    rows = kpi.kpi_table(xd, "community", start, end)
    assert len(body) == len(rows) == 2
    for line, row in zip(body, rows):
        assert list(line[:3]) == [row["rank"], row["name"], row["code"]]
        for cell, (key, _label, _kind) in zip(line[3:], kpi.COLUMNS):
            assert cell == pytest.approx(row[key]) if row[key] is not None else cell is None, key


def test_a_bad_period_falls_back_to_the_month_and_says_why(client_as):
    response = client_as("district_admin").get("/cases/kpi/?date_from=2024-03-05&date_to=2024-03-01")
    assert response.status_code == 200
    assert response.context["form"].errors
    assert response.context["month"]  # the current month is shown instead
