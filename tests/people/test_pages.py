"""People pages: masked lists, exports and detail; reveal writes the access log and is refused
without a reason or the permission; the access log is for district admins only."""
import io
import re

import pytest
from openpyxl import load_workbook

from gridgov.people.models import AccessLog, PartyMember, Resident

CLEAR_ID = re.compile(r"\b\d{17}[\dX]\b")
CLEAR_MOBILE = re.compile(r"\b1[3-9]\d{9}\b")


@pytest.mark.parametrize("url", ["/people/members/", "/people/volunteers/", "/people/residents/", "/people/workers/",
                                 "/people/reports/"])
def test_lists_show_personal_data_masked(client_as, url):
    page = client_as("district_admin").get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert not CLEAR_ID.search(html) and not CLEAR_MOBILE.search(html)
    if url != "/people/workers/" and url != "/people/reports/":
        assert "****" in html


@pytest.mark.parametrize("url", ["/people/members/export.xlsx", "/people/volunteers/export.xlsx", "/people/residents/export.xlsx"])
def test_exports_carry_personal_data_masked(client_as, url):
    response = client_as("district_admin").get(url)
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    cells = [str(c) for row in ws.iter_rows(values_only=True) for c in row if c is not None]
    assert len(cells) > 10
    assert not any(CLEAR_ID.fullmatch(c) or CLEAR_MOBILE.fullmatch(c) for c in cells)
    assert any("****" in c for c in cells)


def test_member_list_of_a_community_secretary_is_their_community_and_searchable(client_as, demo_user):
    client = client_as("community_secretary")
    member = PartyMember.objects.filter(node_path__startswith=demo_user("community_secretary").person.posts.get().node.path).select_related("person").first()
    html = client.get("/people/members/", {"q": member.person.name}).content.decode()
    assert member.person.name in html
    outsider = PartyMember.objects.filter(district__code="150105").select_related("person").first()
    assert client.get(f"/people/persons/{outsider.person_id}/").status_code == 404


def test_reveal_shows_the_clear_value_and_writes_the_access_log(client_as, demo_user):
    resident = Resident.objects.filter(district__code="140105").select_related("person").first()
    client = client_as("community_secretary")
    page = client.get(f"/people/persons/{resident.person_id}/").content.decode()
    assert resident.person.id_number not in page and "reveal" in page
    response = client.post(f"/people/persons/{resident.person_id}/reveal/", {"field": "id_number", "reason": "核实低保申请"})
    assert response.status_code == 200 and resident.person.id_number in response.content.decode()
    entry = AccessLog.objects.get(person=resident.person)
    assert (entry.user.username, entry.field, entry.reason) == ("community_secretary.140105", "id_number", "核实低保申请")


def test_reveal_is_refused_without_a_reason_or_without_the_permission(client_as):
    resident = Resident.objects.filter(district__code="140105").select_related("person").first()
    response = client_as("community_secretary").post(f"/people/persons/{resident.person_id}/reveal/", {"field": "phone", "reason": "  "})
    assert response.status_code == 302 and resident.person.phone not in response.content.decode()
    response = client_as("grid_chief").post(f"/people/persons/{resident.person_id}/reveal/", {"field": "phone", "reason": "想看"})
    assert response.status_code in (403, 404)
    assert not AccessLog.objects.filter(person=resident.person).exists()


def test_access_log_page_is_for_district_admins(client_as):
    resident = Resident.objects.filter(district__code="140105").select_related("person").first()
    client_as("district_admin").post(f"/people/persons/{resident.person_id}/reveal/", {"field": "phone", "reason": "回访"})
    html = client_as("district_admin").get("/people/access-log/").content.decode()
    assert "回访" in html
    assert client_as("community_secretary").get("/people/access-log/").status_code == 403


def test_member_import_page_reports_errors_and_template_downloads(client_as):
    from .helpers import workbook

    client = client_as("district_admin")
    assert client.get("/people/members/template.xlsx").status_code == 200
    data = workbook([["", "", "123", "", "nowhere", "", "", "", "否", ""]])
    html = client.post("/people/members/import/", {"file": io.BytesIO(data)}).content.decode()
    assert "必填" in html and "未导入" in html


def test_admin_never_shows_id_numbers_or_phones_in_clear(client_as):
    html = client_as("district_admin").get("/admin/people/person/").content.decode()
    assert not CLEAR_ID.search(html) and not CLEAR_MOBILE.search(html)
