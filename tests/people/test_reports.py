"""Reports page and its Excel exports: persons with more than one post (交叉任职/一肩挑), party-member
share of each owners' committee, and the dual-registration report (双报告) for one employer."""
import io

import pytest
from openpyxl import load_workbook

from gridgov.hierarchy.models import Node
from gridgov.people import services

from .helpers import id_number
from .test_pages import CLEAR_ID, CLEAR_MOBILE


def cells(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    assert not any(CLEAR_ID.fullmatch(str(c)) or CLEAR_MOBILE.fullmatch(str(c)) for r in rows for c in r if c is not None)
    return rows


@pytest.fixture
def grids(db):
    return list(Node.objects.filter(district__code="140105", kind="grid").order_by("code")[:25])


def test_persons_with_several_posts_are_on_the_page_and_in_the_export(demo, client_as, grids):
    person = services.create_person(demo["140105"], "交叉任职者", id_number=id_number(n=500_001), phone="13912345678", home=grids[0])
    for role, grid in [("grid_chief", grids[0]), ("owners_committee_member", grids[1]), ("lane_chief", grids[2])]:
        services.add_post(person, role, grid)
    client = client_as("district_admin")
    assert "交叉任职者" in client.get("/people/reports/").content.decode()
    rows = cells(client.get("/people/reports/multi.xlsx"))
    row = next(r for r in rows if r[0] == "交叉任职者")
    assert row[1] == 3 and all(g.name in row[2] for g in grids[:3])


def test_owners_committee_share_export(demo, client_as, grids):
    grid = grids[-1]
    people = [services.create_person(demo["140105"], f"业委会{i}", home=grid) for i in range(5)]
    for p in people:
        services.add_post(p, "owners_committee_member", grid)
    services.register_member(people[0])
    services.register_member(people[1], status="probationary")
    rows = cells(client_as("district_admin").get("/people/reports/committees.xlsx"))
    assert len(rows[0]) == 4
    assert [grid.name, 5, 2, 40.0] in rows


def test_dual_registration_report_for_one_employer_and_its_export(demo, client_as, grids):
    grid = grids[0]
    community = Node.objects.filter(kind="community", district__code="140105",
                                    path__in=[grid.path[:i] for i in range(1, len(grid.path))]).get()
    for i, employer in enumerate(["报告单位甲", "报告单位乙"]):
        person = services.create_person(demo["140105"], f"在职{i}", home=grid)
        member = services.register_member(person, in_service=True, employer=employer)
        services.dual_register(member, community, grid)
        services.record_service(person, "dual_registration", 2 + i, "入户走访", grid)
    client = client_as("district_admin")
    page = client.get("/people/reports/", {"employer": "报告单位甲"})
    assert [r["employer"] for r in page.context["dual"]] == ["报告单位甲"]
    rows = cells(client.get("/people/reports/dual.xlsx", {"employer": "报告单位甲"}))
    assert rows[1:] == [["报告单位甲", 1, 2.0]]
    everyone = cells(client.get("/people/reports/dual.xlsx"))
    assert ["报告单位乙", 1, 3.0] in everyone


def test_report_exports_need_the_export_permission_and_a_known_report(client_as):
    assert client_as("grid_worker").get("/people/reports/multi.xlsx").status_code == 403
    assert client_as("district_admin").get("/people/reports/nothing.xlsx").status_code == 404


def test_reports_are_scoped(demo, client_as, grids):
    person = services.create_person(demo["140105"], "小店兼职者", home=grids[0])
    services.add_post(person, "grid_chief", grids[0])
    services.add_post(person, "lane_chief", grids[1])
    rows = cells(client_as("district_admin", "150105").get("/people/reports/multi.xlsx"))
    assert "小店兼职者" not in [r[0] for r in rows]
