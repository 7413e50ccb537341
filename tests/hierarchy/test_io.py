"""Hierarchy import and export: Excel rows import all or nothing with every problem by row and
column in Chinese, GeoJSON boundaries likewise by feature, and scoped subtree exports that re-import."""
import io
import json

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from gridgov.hierarchy import io as hio
from gridgov.hierarchy import services
from gridgov.hierarchy.codes import SERIAL_DIGITS
from gridgov.hierarchy.models import District, Node

HEADER = ["层级", "代码", "名称", "上级代码"]
# The demo's community secretary of 小店区 holds the first community; the second is outside it.
HOME = "140105001001"
NEIGHBOUR = "140105001002"


def xlsx(rows, header=HEADER):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    if header:
        sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def upload(data, name="import.xlsx"):
    return SimpleUploadedFile(name, data)


def read_xlsx(data):
    sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def free_serial(parent_code, kind="grid"):
    """A code under `parent_code` that no node uses yet."""
    digits = SERIAL_DIGITS[kind]
    for serial in range(10 ** digits - 1, 0, -1):
        code = f"{parent_code}{serial:0{digits}d}"
        if not Node.objects.filter(code=code).exists():
            return code
    raise AssertionError("no free code")


def parent_of(node):
    return Node.objects.get(path=node.path[:-services.STEPLEN])


@pytest.fixture
def secretary(demo_user):
    return demo_user("community_secretary", "140105")


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("io-admin", "io@example.org", "x")


def square(lon, lat, size):
    return {"type": "Polygon", "coordinates": [[[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]]}


@pytest.fixture
def fresh_district(db):
    """A district of our own with a square boundary, one subdistrict and one community."""
    district = services.create_district("140106", "迎泽区", ["district", "subdistrict", "community", "grid", "building", "entrance"],
                                        polygon=square(112.5, 37.8, 0.1))
    sub = services.create_node(district.root, "subdistrict", "140106001", "柳巷街道", polygon=square(112.5, 37.8, 0.05))
    services.create_node(sub, "community", "140106001001", "桥东社区", polygon=square(112.5, 37.8, 0.02))
    return district


# ---------------------------------------------------------------- Excel import

def test_valid_workbook_creates_nested_nodes_whose_parents_are_later_rows(secretary):
    grid = free_serial(HOME)
    rows = [
        ["单元", f"{grid}00101", "1单元", f"{grid}001"],      # parent two rows below
        ["楼栋", f"{grid}001", "1号楼", grid],
        ["grid", grid, "新建网格", HOME],                      # code names work as well as 网格
    ]
    community = Node.objects.get(code=HOME)
    result = hio.import_xlsx(secretary, upload(xlsx(rows)))
    assert result.ok, result.errors
    assert result.created == 3
    created = {n.code: n for n in Node.objects.filter(code__in=[grid, f"{grid}001", f"{grid}00101"])}
    assert parent_of(created[grid]) == community and created[grid].kind == "grid"
    assert parent_of(created[f"{grid}001"]) == created[grid] and created[f"{grid}001"].name == "1号楼"
    assert parent_of(created[f"{grid}00101"]) == created[f"{grid}001"] and created[f"{grid}00101"].kind == "entrance"
    assert Node.objects.get(code=HOME).numchild == community.numchild + 1
    assert created[grid].numchild == 1 and created[f"{grid}001"].numchild == 1


def test_one_bad_code_among_valid_rows_imports_nothing_and_names_its_row_and_column(secretary):
    grid = free_serial(HOME)
    rows = [
        ["网格", grid, "新建网格", HOME],
        ["楼栋", f"{grid}01", "坏楼栋", grid],                 # a building adds 3 digits, not 2
        ["楼栋", f"{grid}002", "2号楼", grid],
    ]
    result = hio.import_xlsx(secretary, upload(xlsx(rows)))
    assert result.created == 0
    assert [(e.row, e.column) for e in result.errors] == [(3, "B")]
    assert "代码" in result.errors[0].message and grid in result.errors[0].message
    assert result.errors[0].column_label == "B（代码）"
    assert not Node.objects.filter(code__startswith=grid).exists()


def test_unknown_parent_is_reported_in_the_parent_column(secretary):
    result = hio.import_xlsx(secretary, upload(xlsx([["网格", f"{HOME}999", "网格", "140105001999"]])))
    assert [(e.row, e.column) for e in result.errors] == [(2, "D")]
    assert "140105001999" in result.errors[0].message and "上级" in result.errors[0].message
    assert not Node.objects.filter(code=f"{HOME}999").exists()


def test_parent_outside_the_users_area_is_refused(secretary):
    code = free_serial(NEIGHBOUR)
    result = hio.import_xlsx(secretary, upload(xlsx([["网格", code, "越权网格", NEIGHBOUR]])))
    assert [(e.row, e.column) for e in result.errors] == [(2, "D")]
    assert "范围" in result.errors[0].message
    assert not Node.objects.filter(code=code).exists()


def test_duplicate_codes_in_the_file_and_in_the_database_are_both_reported(secretary):
    existing = Node.objects.filter(code__startswith=HOME, kind="grid").order_by("code").first()
    grid = free_serial(HOME)
    rows = [
        ["网格", grid, "甲", HOME],
        ["网格", grid, "乙", HOME],
        ["网格", existing.code, "丙", HOME],
    ]
    result = hio.import_xlsx(secretary, upload(xlsx(rows)))
    assert [(e.row, e.column) for e in result.errors] == [(3, "B"), (4, "B")]
    assert "第 2 行" in result.errors[0].message
    assert existing.code in result.errors[1].message and "已被使用" in result.errors[1].message
    assert not Node.objects.filter(code=grid).exists()


def test_wrong_level_missing_level_and_bad_names_are_reported_by_column(secretary):
    rows = [
        ["楼栋", f"{HOME}998", "楼栋挂在社区下", HOME],
        ["", f"{HOME}997", "无层级", HOME],
        ["小区", f"{HOME}996", "未知层级", HOME],
        ["网格", f"{HOME}995", "", HOME],
        ["网格", f"{HOME}994", "长" * 129, HOME],
        ["网格", f"{HOME}993", "无上级", None],
    ]
    result = hio.import_xlsx(secretary, upload(xlsx(rows)))
    assert [(e.row, e.column) for e in result.errors] == [(2, "A"), (3, "A"), (4, "A"), (5, "C"), (6, "C"), (7, "D")]
    messages = [e.message for e in result.errors]
    assert "网格" in messages[0] and "楼栋" in messages[0]
    assert "小区" in messages[2] and "街道" in messages[2]
    assert "128" in messages[4]
    assert not Node.objects.filter(code__in=[f"{HOME}{n}" for n in range(993, 999)]).exists()


def test_wrong_header_says_which_columns_are_expected(secretary):
    data = xlsx([["网格", f"{HOME}999", "网格", HOME]], header=["层级", "编号", "名称", "上级"])
    result = hio.import_xlsx(secretary, upload(data))
    assert [(e.row, e.column) for e in result.errors] == [(1, "B"), (1, "D")]
    assert "编号" in result.errors[0].message and "层级、代码、名称、上级代码" in result.errors[0].message
    assert not Node.objects.filter(code=f"{HOME}999").exists()


@pytest.mark.parametrize("data, words", [
    (b"level,code,name\n", "xlsx"),
    (b"\xd0\xcf\x11\xe0" + b"\0" * 100, ".xls"),
    (b"PK\x03\x04broken", "xlsx"),
    (b"", "空"),
])
def test_a_file_that_is_not_a_workbook_gets_a_clear_message(secretary, data, words):
    result = hio.import_xlsx(secretary, upload(data))
    assert [(e.row, e.column) for e in result.errors] == [(None, "")]
    assert words in result.errors[0].message


@override_settings(GRIDGOV_IMPORT_MAX_BYTES=1000)
def test_a_file_over_the_size_limit_is_refused(secretary):
    result = hio.import_xlsx(secretary, upload(xlsx([["网格", f"{HOME}999", "网格", HOME]])))
    assert len(result.errors) == 1 and "过大" in result.errors[0].message


def test_a_district_row_names_the_district_and_is_not_created(fresh_district, superuser):
    rows = [["区", "140106", "迎泽区", None], ["街道", "140106002", "迎泽街道", "140106"]]
    result = hio.import_xlsx(superuser, upload(xlsx(rows)))
    assert result.ok, result.errors
    assert result.created == 1
    assert parent_of(Node.objects.get(code="140106002")) == fresh_district.root


# ---------------------------------------------------------------- the page

def test_import_page_shows_every_problem_as_a_table_and_writes_nothing(client_as):
    client = client_as("community_secretary", "140105")
    page = client.get("/hierarchy/import/").content.decode()
    assert "导入" in page and "/hierarchy/import/template.xlsx" in page
    rows = [["网格", f"{HOME}999", "好网格", HOME], ["网格", "123", "坏网格", HOME]]
    response = client.post("/hierarchy/import/", {"kind": "xlsx", "file": upload(xlsx(rows))})
    html = response.content.decode()
    assert response.status_code == 200
    assert "未导入" in html and "<th class=\"num\">行</th>" in html and "B（代码）" in html
    assert not Node.objects.filter(code=f"{HOME}999").exists()
    response = client.post("/hierarchy/import/", {"kind": "xlsx", "file": upload(b"not a workbook", "x.xlsx")})
    assert "Traceback" not in response.content.decode() and "xlsx" in response.content.decode()


def test_import_page_reports_the_count_after_success(client_as):
    client = client_as("community_secretary", "140105")
    grid = free_serial(HOME)
    response = client.post("/hierarchy/import/", {"kind": "xlsx", "file": upload(xlsx([["网格", grid, "新网格", HOME]]))}, follow=True)
    assert "已导入 1 个" in response.content.decode()
    assert Node.objects.filter(code=grid).exists()


def test_import_needs_the_import_permission(client_as):
    client = client_as("grid_worker", "140105")
    assert client.get("/hierarchy/import/").status_code == 403
    assert client.post("/hierarchy/import/", {"kind": "xlsx"}).status_code == 403
    assert client.get("/hierarchy/import/template.xlsx").status_code == 403


def test_template_downloads_with_the_chinese_header_and_the_code_rules(client_as):
    response = client_as("community_secretary", "140105").get("/hierarchy/import/template.xlsx")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert [c.value for c in workbook.worksheets[0][1]] == HEADER
    notes = "\n".join(str(r[0] or "") for r in workbook.worksheets[1].iter_rows(values_only=True))
    assert "GB/T 2260" in notes and "3 位" in notes and "2 位" in notes


# ---------------------------------------------------------------- GeoJSON import

def feature(code, geometry):
    return {"type": "Feature", "properties": {"code": code}, "geometry": geometry}


def geojson(*features):
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def test_geojson_boundaries_are_set_inside_their_parents(fresh_district, superuser):
    version = fresh_district.geometry_version
    grid = services.create_node(Node.objects.get(code="140106001001"), "grid", "140106001001001", "第一网格")
    result = hio.import_geojson(superuser, upload(geojson(
        feature("140106001001001", square(112.501, 37.801, 0.005)),
        feature("140106001001", square(112.5, 37.8, 0.03)),      # the parent grows in the same file
    ), "b.geojson"))
    assert result.ok, result.errors
    assert result.updated == 2
    grid.refresh_from_db()
    assert grid.polygon["type"] == "Polygon" and grid.centroid_lon == pytest.approx(112.5035)
    fresh_district.refresh_from_db()
    assert fresh_district.geometry_version > version


def test_geojson_polygon_outside_its_parent_reports_the_feature_and_writes_nothing(fresh_district, superuser):
    grid = services.create_node(Node.objects.get(code="140106001001"), "grid", "140106001001001", "第一网格")
    before = Node.objects.get(code="140106001").polygon
    result = hio.import_geojson(superuser, upload(geojson(
        feature("140106001", square(112.5, 37.8, 0.04)),
        feature("140106001001001", square(112.6, 37.9, 0.01)),
        feature("999999", square(112.5, 37.8, 0.01)),
    ), "b.geojson"))
    assert [(e.row, e.column) for e in result.errors] == [(2, "geometry"), (3, "properties.code")]
    assert "不在" in result.errors[0].message and "桥东社区" in result.errors[0].message
    assert Node.objects.get(code="140106001").polygon == before
    grid.refresh_from_db()
    assert grid.polygon is None


def test_geojson_that_shrinks_a_parent_around_its_children_is_refused(fresh_district, superuser):
    result = hio.import_geojson(superuser, upload(geojson(feature("140106001", square(112.52, 37.82, 0.01))), "b.geojson"))
    assert [(e.row, e.column) for e in result.errors] == [(1, "geometry")]
    assert "140106001001" in result.errors[0].message


def test_geojson_outside_the_users_area_or_malformed_is_refused(secretary):
    result = hio.import_geojson(secretary, upload(geojson(
        feature(NEIGHBOUR, square(112.5, 37.7, 0.001)),
        {"type": "Feature", "properties": {}, "geometry": None},
        feature(HOME, {"type": "Point", "coordinates": [112.5, 37.7]}),
    ), "b.geojson"))
    assert [(e.row, e.column) for e in result.errors] == [(1, "properties.code"), (2, "properties.code"), (2, "geometry"), (3, "geometry")]
    assert "范围" in result.errors[0].message
    assert hio.import_geojson(secretary, upload(b"{nope", "b.geojson")).errors[0].row is None


# ---------------------------------------------------------------- exports

def test_community_export_holds_exactly_its_subtree(client_as):
    client = client_as("community_secretary", "140105")
    community = Node.objects.get(code=HOME)
    expected = list(services.subtree(community).order_by("path").values_list("code", flat=True))
    response = client.get(f"/hierarchy/nodes/{community.pk}/export.xlsx")
    assert response.status_code == 200 and HOME in response["Content-Disposition"]
    rows = read_xlsx(b"".join(response.streaming_content))
    assert rows[0] == HEADER + ["中心经度", "中心纬度"]
    assert [r[1] for r in rows[1:]] == expected
    assert rows[1][:4] == ["社区", HOME, community.name, "140105001"]
    by_code = {n.code: n for n in services.subtree(community)}
    for level, code, name, parent, lon, lat in rows[2:]:
        assert parent_of(by_code[code]).code == parent and by_code[code].name == name
    response = client.get(f"/hierarchy/nodes/{community.pk}/export.geojson")
    assert HOME in response["Content-Disposition"]
    collection = json.loads(b"".join(response.streaming_content))
    assert collection["type"] == "FeatureCollection"
    assert [f["properties"]["code"] for f in collection["features"]] == expected
    first = collection["features"][0]
    assert first["properties"] == {"code": HOME, "name": community.name, "kind": "community", "parent_code": "140105001"}
    assert first["geometry"]["type"] in ("Polygon", "MultiPolygon")


def test_export_outside_the_users_area_is_not_found_and_needs_the_export_permission(client_as):
    client = client_as("community_secretary", "140105")
    neighbour = Node.objects.get(code=NEIGHBOUR)
    assert client.get(f"/hierarchy/nodes/{neighbour.pk}/export.xlsx").status_code == 404
    assert client.get(f"/hierarchy/nodes/{neighbour.pk}/export.geojson").status_code == 404
    client = client_as("grid_worker", "140105")
    grid = Node.objects.filter(code__startswith=HOME, kind="grid").order_by("code").first()
    assert client.get(f"/hierarchy/nodes/{grid.pk}/export.xlsx").status_code == 403


def test_exported_excel_reimports_into_an_emptied_parent(fresh_district, superuser, client):
    rows = [["网格", f"140106001001{g:03d}", f"第{g}网格", "140106001001"] for g in (1, 2)]
    rows += [["楼栋", f"140106001001001{b:03d}", f"{b}号楼", "140106001001001"] for b in (1, 2, 3)]
    rows += [["单元", "14010600100100100101", "1单元", "140106001001001001"], ["社区", "140106001002", "迎春社区", "140106001"]]
    assert hio.import_xlsx(superuser, upload(xlsx(rows))).created == 7
    sub = Node.objects.get(code="140106001")
    before = list(services.subtree(sub).order_by("path").values_list("code", "name", "kind", "depth"))
    client.force_login(superuser)
    exported = b"".join(client.get(f"/hierarchy/nodes/{sub.pk}/export.xlsx").streaming_content)
    sub.delete()
    assert not Node.objects.filter(code__startswith="140106001").exists()
    result = hio.import_xlsx(superuser, upload(exported))
    assert result.ok, result.errors
    assert result.created == len(before)
    after = list(services.subtree(Node.objects.get(code="140106001")).order_by("path").values_list("code", "name", "kind", "depth"))
    assert after == before
    assert District.objects.get(pk=fresh_district.pk).root.numchild == 1
