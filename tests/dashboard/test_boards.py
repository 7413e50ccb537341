"""The per-level dashboards: the district's figures equal `gridgov stats --json` and the lists they
link to; a community secretary sees their community only; drill-down, Excel and print work; the case
tallies follow every change the services make."""
import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from gridgov.cases import services as case_services
from gridgov.cases.models import Case, Category
from gridgov.dashboard import tallies
from gridgov.hierarchy.management.commands.stats import collect
from gridgov.hierarchy.models import Node

pytestmark = pytest.mark.django_db


def figures(response):
    """{figure key: (value text, link)} from a dashboard page."""
    html = response.content.decode()
    found = {}
    for key, body in re.findall(r'<div class="figure" data-key="([a-z_]+)">(.*?)</div>', html, re.S):
        link = re.search(r'href="([^"]+)"', body)
        value = re.search(r'<span class="value">([^<]*)</span>', body).group(1)
        found[key] = (value, link.group(1).replace("&amp;", "&") if link else None)
    return found


def listed(client, url):
    """The "N found" count of a list page."""
    response = client.get(url)
    assert response.status_code == 200, url
    match = re.search(r"(\d+)\s*(?:found|条|个|项|名|件)", response.content.decode())
    assert match, f"no count on {url}"
    return int(match.group(1))


@pytest.mark.parametrize("code", ["140105", "150105"])
def test_district_dashboard_equals_stats_and_the_lists_behind_it(client_as, demo, code):
    client = client_as("district_admin", code)
    district = demo[code]
    response = client.get(reverse("dashboard:board", args=[district.root.pk]))
    assert response.status_code == 200
    shown = figures(response)
    stats = next(d["counts"] for d in collect()["districts"] if d["code"] == code)
    keyed = [f for s in response.context["sections"] for f in s.figures if f.stats_key]
    assert len(keyed) >= 9
    for f in keyed:
        assert f.value == stats[f.stats_key], f.stats_key
        assert shown[f.key][0] == str(stats[f.stats_key]), f.key
        assert listed(client, shown[f.key][1]) == stats[f.stats_key], (f.key, shown[f.key][1])
    # Figures without a stats key still equal the list they link to.
    for key in ("case_overdue", "month_reported", "month_closed", "needs", "resources_active"):
        value, link = shown[key]
        assert listed(client, link) == int(value), (key, link)


def test_community_secretary_sees_only_their_community(client_as, demo_user):
    user = demo_user("community_secretary", "140105")
    client = client_as("community_secretary", "140105")
    response = client.get(reverse("dashboard:home"))
    assert response.status_code == 302
    community = user.person.posts.first().node
    assert response.url == reverse("dashboard:board", args=[community.pk])
    shown = figures(client.get(response.url))
    own = Case.objects.filter(node_path__startswith=community.path)
    assert shown["case"][0] == str(own.count())
    assert int(shown["case"][0]) < Case.objects.filter(district=community.district).count()
    # The district's dashboard and a neighbouring community's are not theirs to open.
    assert client.get(reverse("dashboard:board", args=[community.district.root.pk])).status_code == 404
    neighbour = Node.objects.filter(depth=community.depth, path__startswith=community.path[:-4]).exclude(pk=community.pk).first()
    assert client.get(reverse("dashboard:board", args=[neighbour.pk])).status_code == 404
    # Another district's admin gets nothing either.
    other = client_as("district_admin", "150105")
    assert other.get(reverse("dashboard:board", args=[community.pk])).status_code == 404


def test_children_link_to_their_own_dashboards_and_add_up(client_as, demo):
    client = client_as("district_admin", "140105")
    root = demo["140105"].root
    response = client.get(reverse("dashboard:board", args=[root.pk]))
    rows = response.context["children"]
    assert rows and all(Node.objects.get(pk=r["pk"]).depth == root.depth + 1 for r in rows)
    assert sum(r["open"] for r in rows) == int(figures(response)["case_open"][0])
    assert sum(r["members"] for r in rows) == int(figures(response)["party_member"][0])
    child = client.get(rows[0]["url"])
    assert child.status_code == 200 and child.context["node"].pk == rows[0]["pk"]


def test_excel_and_print_carry_the_same_figures(client_as, demo):
    client = client_as("subdistrict_secretary", "140105")
    node = client.get(reverse("dashboard:home")).url
    pk = int(node.rstrip("/").split("/")[-1])
    page = figures(client.get(node))
    response = client.get(reverse("dashboard:board_xlsx", args=[pk]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    values = {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row and row[0]}
    assert str(values["全部案卷"]) == page["case"][0]
    printed = client.get(reverse("dashboard:board_print", args=[pk])).content.decode()
    assert "全部案卷" in printed and f">{page['case'][0]}<" in printed


def test_tallies_follow_intake_transitions_and_evaluations(demo, demo_user):
    district = demo["140105"]
    admin = demo_user("district_admin", "140105")
    before = tallies.totals(district, None, tallies.month_of(district, timezone.now()))
    grid = district.root.get_descendants().filter(kind=district.cell_kind).exclude(polygon=None).first()
    from shapely.geometry import shape

    point = shape(grid.polygon).representative_point()
    category = Category.objects.filter(district=district, parent__isnull=False).first()
    case, _created = case_services.intake(district, category=category, lon=point.x, lat=point.y, description="测试看板",
                                          source="staff", user=admin)
    assert tallies.verify(district) == []
    after = tallies.totals(district, None, tallies.month_of(district, case.reported_at))
    assert after["total"] == before["total"] + 1 and after["open"] == before["open"] + 1
    # The deadline worker marks it overdue with a conditional UPDATE: the tally follows.
    case = case_services.transition(case, "register", admin)
    Case.objects.filter(pk=case.pk).update(deadline=timezone.now() - dt.timedelta(hours=1))
    case_services.tick(now=timezone.now())
    assert tallies.verify(district) == []
    assert Case.objects.get(pk=case.pk).was_overdue
    case_services.transition(Case.objects.get(pk=case.pk), "void", admin, comment="无效", reason="invalid")
    assert tallies.verify(district) == []
    assert tallies.totals(district)["open"] == before["open"]
    assert tallies.totals(district)["total"] == before["total"] + 1


def test_worker_rebuilds_tallies_that_a_bulk_write_left_behind(demo):
    from gridgov.dashboard import jobs
    from gridgov.dashboard.models import GridCaseState

    district = demo["530111"]
    row = GridCaseState.objects.filter(district=district).first()
    GridCaseState.objects.filter(pk=row.pk).update(open=row.open + 7)
    assert tallies.verify(district) != []
    assert jobs.tick(now=timezone.now())["tally districts rebuilt"] >= 1
    assert tallies.verify(district) == []


def test_a_grid_worker_reads_the_dashboard_but_does_not_download_it(client_as):
    client = client_as("grid_worker", "140105")
    board = client.get(reverse("dashboard:home"))
    pk = int(board.url.rstrip("/").split("/")[-1])
    page = client.get(board.url)
    assert page.status_code == 200 and "export.xlsx" not in page.content.decode()
    assert client.get(reverse("dashboard:board_xlsx", args=[pk])).status_code == 403
