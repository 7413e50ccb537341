"""Excel for agreements, alliances, expanded committees and service centres: templates, export of the
user's scope, and the shared atomic import (a bad row imports nothing and is named by row and column)."""
import datetime
import io

import pytest
from openpyxl import Workbook, load_workbook

from gridgov.hierarchy import services as hierarchy
from gridgov.hierarchy.models import Node
from gridgov.orgs import excel, services
from gridgov.orgs.models import Agreement, Alliance, ExpandedCommittee, ExpandedCommitteeMember, PartnerUnit, PartyOrg, ServiceCentre


def nth(kind, code="140105", n=0):
    return Node.objects.filter(district__code=code, kind=kind).order_by("code")[n]


def subdistrict_of(node):
    return next(n for n in Node.objects.filter(district=node.district, kind="subdistrict") if node.path.startswith(n.path))


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


def unit_at(node, name=None):
    name = name or f"测试单位{node.code}"
    return PartnerUnit.objects.filter(node=node, name=name).first() or services.create_partner_unit(node.district, name, "enterprise", node)


REGISTRIES = ["agreements", "alliances", "committees", "service-centres"]


@pytest.mark.parametrize("registry", REGISTRIES)
def test_templates_have_the_headers_in_chinese(client_as, registry):
    client = client_as("community_secretary", "140105")
    answer = client.get(f"/orgs/excel/{registry}/template/")
    assert answer.status_code == 200 and answer["Content-Type"].startswith("application/vnd.openxmlformats")
    header = next(load_workbook(io.BytesIO(answer.content)).worksheets[0].iter_rows(values_only=True))
    assert any("编码" in h for h in header)


@pytest.mark.parametrize("registry, path", [("agreements", "/orgs/agreements/"), ("alliances", "/orgs/alliances/"),
                                            ("committees", "/orgs/committees/"), ("service-centres", "/orgs/centres/")])
def test_list_pages_link_the_excel_files(client_as, registry, path):
    html = client_as("community_secretary", "140105").get(path).content.decode()
    for action in ("export", "template", "import"):
        assert f"/orgs/excel/{registry}/{action}/" in html
    html = client_as("grid_worker", "140105").get(path).content.decode()
    assert "/orgs/excel/" not in html
    assert client_as("grid_worker", "140105").get(f"/orgs/excel/{registry}/import/").status_code == 403


def test_exports_hold_exactly_the_users_scope(client_as):
    own, other = nth("community"), nth("community", n=1)
    for node in (own, other):
        services.create_agreement(unit_at(node), node, datetime.date(2024, 5, 1))
        services.create_service_centre(node.district, node, f"测试中心{node.code}", "red_position")
        if not ExpandedCommittee.objects.filter(node=node).exists():
            services.create_expanded_committee(node.district, node)
    client = client_as("community_secretary", "140105")
    in_scope = hierarchy.subtree_q(own.path, "node__path")
    rows = sheet_rows(client.get("/orgs/excel/agreements/export/").content)
    assert sorted((r[0], r[2]) for r in rows) == sorted(
        (a.partner_unit.name, a.signed.isoformat()) for a in Agreement.objects.filter(in_scope).select_related("partner_unit"))
    rows = sheet_rows(client.get("/orgs/excel/service-centres/export/").content)
    assert {r[0] for r in rows} == set(ServiceCentre.objects.filter(in_scope).values_list("name", flat=True))
    rows = sheet_rows(client.get("/orgs/excel/committees/export/").content)
    assert {r[0] for r in rows} == set(ExpandedCommittee.objects.filter(in_scope).values_list("name", flat=True))
    assert sheet_rows(client.get("/orgs/excel/alliances/export/").content) == []  # alliances sit above the community
    rows = sheet_rows(client_as("district_admin", "150105").get("/orgs/excel/service-centres/export/").content)
    assert rows and all(r[2].startswith("150105") for r in rows)  # node codes: none of Xiaodian's


def test_a_bad_agreement_row_imports_nothing_and_is_named(demo, demo_user):
    community = nth("community")
    unit = unit_at(community)
    user = demo_user("community_secretary", "140105")
    before = Agreement.objects.count()
    data = xlsx([
        [unit.name, community.code, "2024-01-15", "2026-12-31", "共建"],
        [unit.name, community.code, "2024-13-01", "", ""],  # bad date
        ["不存在的单位", nth("community", n=1).code, "2024-01-15", "", ""],  # unknown unit, out of scope
        [unit.name, community.code, "2024-06-01", "2024-01-01", ""],  # ends before it is signed
    ], excel.AGREEMENT_COLUMNS)
    result = excel.import_agreements(user, demo["140105"], data)
    assert Agreement.objects.count() == before and result.created == 0
    assert {(row, column[0]) for row, column, _m in result.errors} == {(3, "C"), (4, "A"), (4, "B"), (5, "D")}
    messages = {(row, column): message for row, column, message in result.errors}
    assert messages[(3, "C（签订日期（YYYY-MM-DD））")] == "日期请写成 YYYY-MM-DD。"


def test_a_clean_agreement_import_creates_rows_and_round_trips(client_as, demo, demo_user):
    community = nth("community")
    unit = unit_at(community)
    user = demo_user("community_secretary", "140105")
    data = xlsx([[unit.name, community.code, "2024-01-15", "2025-01-14", "共建文明社区"],
                 [unit.name, community.code, datetime.datetime(2024, 2, 1), None, ""]], excel.AGREEMENT_COLUMNS)
    result = excel.import_agreements(user, demo["140105"], data)
    assert result.ok and result.created == 2, result.errors
    assert Agreement.objects.get(partner_unit=unit, signed=datetime.date(2024, 1, 15)).status == "ended"
    assert Agreement.objects.get(partner_unit=unit, signed=datetime.date(2024, 2, 1)).status == "active"
    agreements = Agreement.objects.filter(node__path__startswith=community.path)

    def snapshot():
        return sorted((a.partner_unit_id, a.node_id, a.signed, a.end, a.commitments, a.status) for a in agreements.all())

    before = snapshot()
    exported = client_as("community_secretary", "140105").get("/orgs/excel/agreements/export/").content
    assert not excel.import_agreements(user, demo["140105"], exported).ok  # all exist already
    agreements.delete()
    result = excel.import_agreements(user, demo["140105"], exported)
    assert result.ok and snapshot() == before


def test_alliance_import_bad_row_then_clean(demo, demo_user):
    community = nth("community")
    sub = subdistrict_of(community)
    other_sub = nth("subdistrict", n=1) if nth("subdistrict").pk == sub.pk else nth("subdistrict")
    unit = unit_at(community)
    org = PartyOrg.objects.get(node=community)
    user = demo_user("subdistrict_secretary", "140105")
    before = Alliance.objects.count()
    bad = xlsx([
        ["测试联盟甲", sub.code, unit.name, org.name],
        ["测试联盟乙", community.code, "", ""],  # not a subdistrict
        ["测试联盟丙", sub.code, "不存在的单位", ""],
        ["测试联盟丁", other_sub.code, "", ""],  # out of scope
    ], excel.ALLIANCE_COLUMNS)
    result = excel.import_alliances(user, demo["140105"], bad)
    assert Alliance.objects.count() == before and result.created == 0
    assert {(row, column[0]) for row, column, _m in result.errors} == {(3, "B"), (4, "C"), (5, "B")}
    clean = xlsx([["测试联盟甲", sub.code, unit.name, org.name]], excel.ALLIANCE_COLUMNS)
    result = excel.import_alliances(user, demo["140105"], clean)
    assert result.ok and result.created == 1
    alliance = Alliance.objects.get(name="测试联盟甲")
    assert list(alliance.partner_units.all()) == [unit] and list(alliance.party_orgs.all()) == [org]
    rows = sheet_rows(excel.export_alliances(Alliance.objects.filter(pk=alliance.pk)))
    assert rows == [["测试联盟甲", sub.code, unit.name, org.name]]


def test_committee_import_groups_member_rows_by_node(client_as, demo, demo_user):
    community = nth("community")
    ExpandedCommittee.objects.filter(node=community).delete()
    unit = unit_at(community)
    user = demo_user("community_secretary", "140105")
    bad = xlsx([
        ["测试大党委", community.code, "张三", "兼职副书记", "", unit.name, ""],
        ["测试大党委", community.code, "李四", "", "", "", ""],  # member without a role
        ["测试大党委", community.code, "王五", "委员", "", "", "也许"],  # bad yes/no
    ], excel.COMMITTEE_COLUMNS)
    result = excel.import_committees(user, demo["140105"], bad)
    assert not ExpandedCommittee.objects.filter(node=community).exists() and result.created == 0
    assert {(row, column[0]) for row, column, _m in result.errors} == {(3, "D"), (4, "G")}
    clean = xlsx([
        ["测试大党委", community.code, "张三", "兼职副书记", "", unit.name, ""],
        ["测试大党委", community.code, "王五", "委员", "社区居委会", "", "否"],
    ], excel.COMMITTEE_COLUMNS)
    result = excel.import_committees(user, demo["140105"], clean)
    assert result.ok and result.created == 2, result.errors
    committee = ExpandedCommittee.objects.get(node=community)
    assert committee.name == "测试大党委"
    members = [(m.name, m.role, m.unit_name, m.partner_unit_id, m.external) for m in committee.members.all()]
    assert members == [("张三", "兼职副书记", unit.name, unit.pk, True), ("王五", "委员", "社区居委会", None, False)]
    # The export imports back to the same committee and members.
    exported = client_as("community_secretary", "140105").get("/orgs/excel/committees/export/").content
    assert not excel.import_committees(user, demo["140105"], exported).ok  # the members are there already
    ExpandedCommittee.objects.filter(node__path__startswith=community.path).delete()
    result = excel.import_committees(user, demo["140105"], exported)
    assert result.ok
    assert [(m.name, m.role, m.unit_name, m.partner_unit_id, m.external)
            for m in ExpandedCommitteeMember.objects.filter(committee__node=community)] == members


def test_service_centre_import_bad_row_then_clean_round_trip(client_as, demo, demo_user):
    community = nth("community")
    user = demo_user("community_secretary", "140105")
    before = ServiceCentre.objects.count()
    bad = xlsx([
        ["测试中心甲", "社区党群服务中心", community.code, 112.5, 37.8, "9:00-17:00", "便民服务、党员活动", 3],
        ["测试中心乙", "社区党群服务中心", community.code, 250, 37.8, "", "", ""],  # longitude out of range
        ["测试中心丙", "星际服务站", community.code, "", "", "", "", "很多"],  # unknown kind, not a number
        ["测试中心丁", "红色阵地", nth("community", n=1).code, "", "", "", "", ""],  # out of scope
    ], excel.CENTRE_COLUMNS)
    result = excel.import_service_centres(user, demo["140105"], bad)
    assert ServiceCentre.objects.count() == before and result.created == 0
    assert {(row, column[0]) for row, column, _m in result.errors} == {(3, "D"), (4, "B"), (4, "H"), (5, "C")}
    clean = xlsx([["测试中心甲", "社区党群服务中心", community.code, 112.5, 37.8, "9:00-17:00", "便民服务、党员活动", 3]],
                 excel.CENTRE_COLUMNS)
    result = excel.import_service_centres(user, demo["140105"], clean)
    assert result.ok and result.created == 1
    centre = ServiceCentre.objects.get(name="测试中心甲")
    assert (centre.kind, centre.lon, centre.lat, centre.services, centre.serves_firms) == ("community_centre", 112.5, 37.8, ["便民服务", "党员活动"], 3)
    centres = ServiceCentre.objects.filter(node__path__startswith=community.path)

    def snapshot():
        return sorted((c.name, c.kind, c.node_id, c.lon, c.lat, c.opening_hours, tuple(c.services), c.serves_firms) for c in centres.all())

    before = snapshot()
    exported = client_as("community_secretary", "140105").get("/orgs/excel/service-centres/export/").content
    centres.delete()
    result = excel.import_service_centres(user, demo["140105"], exported)
    assert result.ok and snapshot() == before


def test_import_page_of_a_new_registry_shows_errors(client_as):
    client = client_as("community_secretary", "140105")
    upload = io.BytesIO(xlsx([["测试中心", "外星机构", nth("community").code]], excel.CENTRE_COLUMNS))
    upload.name = "centres.xlsx"
    before = ServiceCentre.objects.count()
    html = client.post("/orgs/excel/service-centres/import/", {"file": upload}).content.decode()
    assert ServiceCentre.objects.count() == before and "B（类型）" in html and "外星机构" in html
