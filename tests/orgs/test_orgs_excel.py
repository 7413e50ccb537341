"""Excel for party organisations and partner units: templates, export of the user's scope, and an
atomic import (a bad row imports nothing and is named by row and column), round trips included."""
import io

from openpyxl import Workbook, load_workbook

from gridgov.hierarchy import services as hierarchy
from gridgov.hierarchy.models import Node
from gridgov.orgs import excel
from gridgov.orgs.models import PartnerUnit, PartyOrg


def nth(kind, code="140105", n=0):
    return Node.objects.filter(district__code=code, kind=kind).order_by("code")[n]


def xlsx(rows, columns):
    wb = Workbook()
    ws = wb.active
    ws.append([str(h) for _k, h, _r in columns])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def sheet_rows(data):
    return [list(r) for r in load_workbook(io.BytesIO(data)).worksheets[0].iter_rows(min_row=2, values_only=True)]


def test_templates_have_the_headers_in_chinese(client_as):
    client = client_as("community_secretary", "140105")
    for registry, first in (("party-orgs", "名称"), ("partner-units", "名称")):
        answer = client.get(f"/orgs/excel/{registry}/template/")
        assert answer.status_code == 200 and answer["Content-Type"].startswith("application/vnd.openxmlformats")
        header = next(load_workbook(io.BytesIO(answer.content)).worksheets[0].iter_rows(values_only=True))
        assert header[0] == first and "节点编码" in header


def test_export_holds_exactly_the_users_scope(client_as):
    community = nth("community")
    client = client_as("community_secretary", "140105")
    rows = sheet_rows(client.get("/orgs/excel/party-orgs/export/").content)
    expected = set(PartyOrg.objects.filter(hierarchy.subtree_q(community.path, "node__path")).values_list("name", flat=True))
    assert {r[0] for r in rows} == expected
    rows = sheet_rows(client.get("/orgs/excel/partner-units/export/").content)
    expected = set(PartnerUnit.objects.filter(hierarchy.subtree_q(community.path, "node__path")).values_list("name", flat=True))
    assert {r[0] for r in rows} == expected


def test_a_grid_worker_may_neither_export_nor_import(client_as):
    client = client_as("grid_worker", "140105")
    assert client.get("/orgs/excel/party-orgs/export/").status_code == 403
    assert client.get("/orgs/excel/partner-units/import/").status_code == 403
    assert "/orgs/excel/" not in client.get("/orgs/").content.decode()


def test_list_pages_link_the_excel_files(client_as):
    client = client_as("community_secretary", "140105")
    html = client.get("/orgs/").content.decode()
    for link in ("/orgs/excel/party-orgs/export/", "/orgs/excel/party-orgs/template/", "/orgs/excel/party-orgs/import/"):
        assert link in html
    assert "/orgs/excel/partner-units/import/" in client.get("/orgs/partners/").content.decode()


def test_a_bad_party_org_row_imports_nothing_and_is_named_by_row_and_column(demo, demo_user):
    community = nth("community")
    org = PartyOrg.objects.get(node=community)
    grid = Node.objects.filter(hierarchy.subtree_q(community.path), kind="grid").order_by("code").last()
    before = PartyOrg.objects.count()
    data = xlsx([
        ["新建党小组甲", "党小组", grid.code, org.name, "否", "否", "否", "", ""],
        ["新建党小组乙", "党小队", grid.code, org.name, "否", "否", "否", "", ""],  # unknown kind
        ["新建党小组丙", "党小组", nth("community", n=1).code, org.name, "否", "否", "否", "", ""],  # out of scope
        ["", "党小组", grid.code, "", "也许", "否", "否", "", ""],  # no name, bad yes/no
    ], excel.ORG_COLUMNS)
    result = excel.import_party_orgs(demo_user("community_secretary", "140105"), demo["140105"], data)
    assert PartyOrg.objects.count() == before and result.created == 0
    where = {(row, column[0]) for row, column, _m in result.errors}
    assert where == {(3, "B"), (4, "C"), (5, "A"), (5, "E")}
    messages = {(row, column): message for row, column, message in result.errors}
    assert messages[(3, "B（类型）")] == "未知的类型“党小队”。"


def test_party_org_import_creates_parents_before_children(demo, demo_user):
    community = nth("community")
    grid = Node.objects.filter(hierarchy.subtree_q(community.path), kind="grid").order_by("code").last()
    parent = PartyOrg.objects.get(node=community)
    data = xlsx([
        ["新建两新组织党支部", "党支部", community.code, parent.name, "否", "是", "否", "", "红旗党支部"],
        ["新建两新组织党支部第一党小组", "党小组", grid.code, "新建两新组织党支部", "否", "否", "否", "", ""],
    ], excel.ORG_COLUMNS)
    result = excel.import_party_orgs(demo_user("community_secretary", "140105"), demo["140105"], data)
    assert result.ok and result.created == 2
    child = PartyOrg.objects.select_related("parent").get(name="新建两新组织党支部第一党小组")
    assert child.parent.name == "新建两新组织党支部" and child.parent.parent_id == parent.pk
    assert child.parent.honours == ["红旗党支部"] and child.parent.meets_standard


def test_party_org_round_trip(client_as, demo, demo_user):
    community = nth("community")
    client = client_as("community_secretary", "140105")

    def snapshot():
        return sorted((o.name, o.kind, o.node_id, o.parent.name if o.parent_id else "", o.is_grid_branch, o.meets_standard,
                       o.weak_and_lax, o.rectification_plan, tuple(o.honours))
                      for o in PartyOrg.objects.filter(hierarchy.subtree_q(community.path, "node__path")).select_related("parent"))

    before = snapshot()
    data = client.get("/orgs/excel/party-orgs/export/").content
    PartyOrg.objects.get(node=community).delete()  # the community's organisation and all below it
    assert snapshot() == []
    result = excel.import_party_orgs(demo_user("community_secretary", "140105"), demo["140105"], data)
    assert result.ok, result.errors
    assert snapshot() == before


def test_partner_unit_bad_row_and_round_trip(client_as, demo, demo_user):
    community = nth("community")
    user = demo_user("community_secretary", "140105")
    client = client_as("community_secretary", "140105")
    units = PartnerUnit.objects.filter(node__path__startswith=community.path)

    def snapshot():
        return sorted((u.name, u.kind, u.node_id, u.address, u.contact_name, u.contact_phone, u.party_org_id) for u in units.all())

    before = snapshot()
    data = client.get("/orgs/excel/partner-units/export/").content
    # Importing the export again: every row already exists, nothing is written.
    result = excel.import_partner_units(user, demo["140105"], data)
    assert not result.ok and result.created == 0 and {c[0] for _r, c, _m in result.errors} == {"A"}
    units.delete()
    result = excel.import_partner_units(user, demo["140105"], data)
    assert result.ok and result.created == len(before)
    assert snapshot() == before

    bad = xlsx([["新驻区单位", "企业", community.code, "", "", "电话号码", ""]], excel.UNIT_COLUMNS)
    result = excel.import_partner_units(user, demo["140105"], bad)
    assert [(r, c) for r, c, _m in result.errors] == [(2, "F（联系电话）")] and units.count() == len(before)


def test_import_page_shows_the_errors_and_writes_nothing(client_as):
    client = client_as("community_secretary", "140105")
    data = xlsx([["新驻区单位", "外星机构", nth("community").code, "", "", "", ""]], excel.UNIT_COLUMNS)
    before = PartnerUnit.objects.count()
    upload = io.BytesIO(data)
    upload.name = "units.xlsx"
    html = client.post("/orgs/excel/partner-units/import/", {"file": upload}).content.decode()
    assert PartnerUnit.objects.count() == before
    assert "B（类型）" in html and "外星机构" in html


def test_not_an_excel_file(demo, demo_user):
    result = excel.import_party_orgs(demo_user("community_secretary", "140105"), demo["140105"], b"not a workbook")
    assert not result.ok and result.errors[0][0] == 0
