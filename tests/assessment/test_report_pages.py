"""The vanguard index report's pages: the month's page links every figure to its records, the latest month
opens without a month, a month without grades says so, and the Excel and PDF downloads open."""
import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from gridgov.assessment.models.index import Grade, Scheme
from gridgov.people import scoping

from .test_report import SAIHAN, make_grades


@pytest.fixture
def saihan(demo):
    district = demo[SAIHAN]
    make_grades(district)
    return district


def _hrefs(html, section_id):
    """The hrefs inside the element with the given id (a table or a block)."""
    start = html.index(f'id="{section_id}"')
    end = html.index("</table>", start) if "<table" in html[start - 10:start] else html.index("</section>", start)
    return re.findall(r'href="([^"]+)"', html[start:end])


def test_every_distribution_count_links_to_the_grades_of_its_band(saihan, client_as):
    client = client_as("district_admin", SAIHAN)
    html = client.get(reverse("assessment:report", args=["2026-10"])).content.decode()
    scheme = Scheme.objects.get(district=saihan, active=True)
    table = html[html.index('id="distribution"'):]
    links = re.findall(r'<a href="([^"]+)">(\d+)</a>', table[:table.index("</table>")])
    assert len(links) == scheme.bands.count()
    for (link, shown), band in zip(links, scheme.bands.order_by("rank")):
        url = urlsplit(link.replace("&amp;", "&"))
        assert url.path == reverse("assessment:grades")
        query = parse_qs(url.query)
        assert query["band"] == [str(band.pk)] and query["month"] == ["2026-10"]
        assert int(shown) == Grade.objects.filter(scheme=scheme, month="2026-10-01", band=band).count()


def test_every_figure_on_the_page_links_to_its_records(saihan, client_as):
    client = client_as("district_admin", SAIHAN)
    response = client.get(reverse("assessment:report", args=["2026-10"]))
    assert response.status_code == 200
    html = response.content.decode()
    summary = _hrefs(html, "summary")
    assert len(summary) == 4 + Scheme.objects.get(district=saihan, active=True).bands.count()
    assert all(h.startswith(reverse("assessment:grades")) for h in summary)
    # Every cell of every table that shows a figure (a count, a total, a change, a share, a rank) is a link.
    for table in ("distribution", "subdistricts", "communities", "risers", "fallers", "lowest"):
        body = html[html.index(f'id="{table}"'):]
        body = body[:body.index("</table>")]
        cells = re.findall(r"<td.*?</td>", body, re.S)
        figures = [c for c in cells if re.fullmatch(r"\s*[+-]?\d+(\.\d+)?%?\s*", re.sub(r"<[^>]+>", "", c))]
        assert figures, table
        assert all("href=" in c for c in figures), (table, [c for c in figures if "href=" not in c][:3])
    for table in ("risers", "fallers", "lowest"):
        body = html[html.index(f'id="{table}"'):]
        assert "/index/org/" in body[:body.index("</table>")]
    lowest = html[html.index('id="lowest"'):]
    assert "/index/score/" in lowest[:lowest.index("</table>")]
    # The charts are drawn by the vendored ECharts, no CDN, and carry the same links.
    assert "vendor/echarts/echarts.min.js" in html and "cdn" not in html.lower()
    assert 'id="chart-distribution"' in html and 'id="chart-units"' in html
    assert '"url": "/assessment/index/?' in html


def test_the_latest_report_opens_without_a_month(saihan, client_as):
    html = client_as("district_admin", SAIHAN).get(reverse("assessment:report_latest")).content.decode()
    assert "2026-10" in html and 'id="distribution"' in html


def test_before_any_run_the_report_says_there_are_no_grades(demo, client_as):
    Scheme.objects.filter(district=demo[SAIHAN]).update(active=False)
    Scheme.objects.create(district=demo[SAIHAN], name="新方案", active=True)
    response = client_as("district_admin", SAIHAN).get(reverse("assessment:report_latest"))
    assert response.status_code == 200
    assert 'id="no-grades"' in response.content.decode()


def test_a_month_without_grades_shows_a_message_not_an_error(saihan, client_as):
    client = client_as("district_admin", SAIHAN)
    response = client.get(reverse("assessment:report", args=["2026-04"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="no-grades"' in html and "2026-04" in html
    assert reverse("assessment:report", args=["2026-10"]) in html  # the months that do have a report
    assert client.get("/assessment/report/2026-13/").status_code == 404


def test_a_subdistrict_secretary_gets_their_own_subdistrict(saihan, client_as, demo_user):
    user = demo_user("subdistrict_secretary", SAIHAN)
    area = scoping.home_node(user)
    html = client_as("subdistrict_secretary", SAIHAN).get(reverse("assessment:report", args=["2026-10"])).content.decode()
    subdistrict_rows = re.findall(r'<tr data-node="(\d+)"', html[html.index('id="subdistricts"'):html.index('id="communities"')])
    assert subdistrict_rows == [str(area.pk)]
    assert area.name in html


def test_a_node_outside_the_readers_area_is_not_found(saihan, client_as, demo_user):
    from gridgov.hierarchy.models import Node

    area = scoping.home_node(demo_user("subdistrict_secretary", SAIHAN))
    other = Node.objects.filter(district=saihan, kind="subdistrict").exclude(pk=area.pk).first()
    client = client_as("subdistrict_secretary", SAIHAN)
    assert client.get(reverse("assessment:report", args=["2026-10"]), {"node": other.pk}).status_code == 404
    assert client.get(reverse("assessment:report", args=["2026-10"]), {"node": area.pk}).status_code == 200


def test_a_resident_may_not_read_the_report(saihan, client_as):
    assert client_as("resident", SAIHAN).get(reverse("assessment:report", args=["2026-10"])).status_code == 403


def test_the_downloads_open_as_excel_and_pdf(saihan, client_as):
    from openpyxl import load_workbook
    from pypdf import PdfReader

    client = client_as("district_admin", SAIHAN)
    xlsx = client.get(reverse("assessment:report_xlsx", args=["2026-10"]))
    assert xlsx.status_code == 200 and "spreadsheetml" in xlsx["Content-Type"]
    wb = load_workbook(io.BytesIO(xlsx.content))
    assert sum(len(ws._charts) for ws in wb.worksheets) >= 4
    link = wb.worksheets[1]["C2"].hyperlink.target
    assert link.startswith("http://testserver/assessment/index/?")
    pdf = client.get(reverse("assessment:report_pdf", args=["2026-10"]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert saihan.name in text
