"""Bad input gets a clear Chinese error and writes nothing: every import page (hierarchy, people and
organisation registries, hotline CSV) against files of the wrong kind, encoding, size or columns and
against bad rows (ID check digits, unknown parents, duplicates, 100,000 rows); case photos of the wrong
type or size or with path tricks in their names; positions outside the district and overlong text on
the report form, the API and Open311. Never a 500, and the row counts of every table stay the same."""
import csv
import io
import re
import zipfile

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.html import escape
from django.utils.translation import gettext as _
from openpyxl import Workbook

from gridgov.cases.models import Case, Category, Open311Key
from gridgov.hierarchy.models import Node
from gridgov.people import pii
from gridgov.people.excel import MAX_ROWS, MEMBER_COLUMNS

CODE = "140105"
CJK = re.compile(r"[\u4e00-\u9fff]")
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"

XLSX_IMPORTS = [
    ("/hierarchy/import/", {"kind": "xlsx"}),
    *[(f"/people/{slug}/import/", {}) for slug in
      ("members", "volunteers", "residents", "workers", "talent", "trainings", "dual-registrations")],
    *[(f"/orgs/excel/{slug}/import/", {}) for slug in
      ("party-orgs", "partner-units", "agreements", "alliances", "committees", "service-centres")],
]
HOTLINE = "/cases/hotline/import/"
HOTLINE_HEADER = ["工单号", "受理时间", "诉求类别编码", "诉求内容", "地址", "经度", "纬度", "来电人", "联系电话"]


# ---------------------------------------------------------------- helpers

def snapshot():
    """Row counts of every table of the apps an import or a report writes to (history and access logs aside)."""
    counts = {}
    for label in ("hierarchy", "people", "orgs", "cases"):
        for model in apps.get_app_config(label).get_models():
            name = model.__name__
            if name.startswith("Historical") or name.endswith("Log"):
                continue
            counts[f"{label}.{name}"] = model.objects.count()
    return counts


def chinese(msgid, **params):
    """The message as the user reads it; fails when the catalogue has no Chinese for it."""
    text = _(msgid)
    assert CJK.search(text), f"no Chinese translation of {msgid!r}"
    return text % params if params else text


def fragment(msgid, before):
    """The translated message up to the placeholder `before` (for messages whose values vary)."""
    return chinese(msgid).split(f"%({before})s")[0]


def assert_refused(response, *texts):
    """Not a 5xx, not a success redirect, and the page (or JSON) shows one of `texts`."""
    assert response.status_code < 500, response.status_code
    assert response.status_code != 302, "the bad input was accepted"
    body = response.content.decode()
    assert "Traceback" not in body
    assert any(escape(t) in body or t in body for t in texts), (texts, body[:3000])


def xlsx(header, rows=(), title="data"):
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title)
    ws.append(header)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(name, content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def gbk_csv(rows):
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("gbk")


def not_xlsx_zip():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("readme.txt", "这不是工作簿")
    return out.getvalue()


NOT_XLSX = "The file is not an Excel workbook (.xlsx). Use the template and save it as .xlsx."
BAD_FILES = {
    # name: (file name, content, message id)
    "gbk csv renamed .xlsx": ("党员名册.xlsx", gbk_csv([["姓名", "身份证号"], ["张三", "140105199001011234"]]), NOT_XLSX),
    "zip that is no workbook": ("名册.xlsx", not_xlsx_zip(), NOT_XLSX),
    "empty file": ("空.xlsx", b"", "The file is empty."),
    "old .xls": ("名册.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600,
                 "This is an old Excel 97–2003 (.xls) file. Open it in Excel or WPS and save it as .xlsx, then upload it again."),
    "path trick in the name": ("../../etc/passwd", not_xlsx_zip(), NOT_XLSX),
    "NUL byte in the name": ("a\x00b.xlsx", b"MZ\x90\x00\x00binary", NOT_XLSX),
}


@pytest.fixture
def admin(client_as):
    return client_as("district_admin", CODE)


# ---------------------------------------------------------------- files of the wrong kind

@pytest.mark.parametrize("url,extra", XLSX_IMPORTS, ids=[u for u, _e in XLSX_IMPORTS])
def test_files_that_are_no_workbook_are_refused_in_chinese(admin, url, extra):
    for label, (name, content, msgid) in BAD_FILES.items():
        before = snapshot()
        response = admin.post(url, {**extra, "file": upload(name, content)})
        assert_refused(response, chinese(msgid))
        assert snapshot() == before, label


@pytest.mark.parametrize("url,extra", XLSX_IMPORTS + [(HOTLINE, {})], ids=[u for u, _e in XLSX_IMPORTS] + [HOTLINE])
def test_a_post_without_a_file_says_so(admin, url, extra):
    before = snapshot()
    response = admin.post(url, extra, follow=True)
    assert response.status_code < 500
    body = response.content.decode()
    assert any(escape(t) in body for t in (chinese("Choose a file to upload."), chinese("Choose an Excel file."))), body[:3000]
    assert snapshot() == before


@pytest.mark.parametrize("url,extra", XLSX_IMPORTS, ids=[u for u, _e in XLSX_IMPORTS])
def test_a_workbook_with_the_wrong_columns_is_refused_by_column(admin, url, extra):
    before = snapshot()
    data = xlsx(["工单号", "受理时间", "诉求内容"], [["A1", "2024-05-01", "噪音扰民"]] * 3)
    response = admin.post(url, {**extra, "file": upload("热线.xlsx", data)})
    wrong = fragment("Column %(letter)s must be “%(expected)s”, not “%(found)s”. The header row must be: %(columns)s.", "expected")
    assert_refused(response, wrong % {"letter": "A"})
    assert "工单号" in response.content.decode()
    assert snapshot() == before


def _template_header(url):
    """The header row of the import template of `url` (as a user would download it)."""
    from openpyxl import load_workbook

    from gridgov.hierarchy.io import HEADER
    from gridgov.orgs import views as org_views
    from gridgov.people import excel as people_excel

    if url.startswith("/hierarchy/"):
        return HEADER
    if url.startswith("/people/"):
        slug = url.split("/")[2]
        template = people_excel.IMPORTS[{"dual-registrations": "dual"}.get(slug, slug)][0]
    else:
        template = org_views.REGISTRIES[url.split("/")[3]][1]
    return [c.value for c in load_workbook(io.BytesIO(template())).worksheets[0][1]]


@pytest.mark.parametrize("url,extra", XLSX_IMPORTS, ids=[u for u, _e in XLSX_IMPORTS])
def test_a_header_without_rows_is_refused(admin, url, extra):
    before = snapshot()
    response = admin.post(url, {**extra, "file": upload("空表.xlsx", xlsx(_template_header(url)))})
    assert_refused(response, chinese("The sheet has no rows below the header."))
    assert snapshot() == before


@pytest.mark.parametrize("url,extra", XLSX_IMPORTS + [(HOTLINE, {})], ids=[u for u, _e in XLSX_IMPORTS] + [HOTLINE])
def test_a_file_over_the_size_limit_is_refused(admin, settings, url, extra):
    settings.GRIDGOV_IMPORT_MAX_BYTES = 1024 * 1024
    before = snapshot()
    response = admin.post(url, {**extra, "file": upload("大文件.xlsx", b"PK\x03\x04" + b"\x00" * (1024 * 1024 + 10))})
    assert_refused(response, fragment("The file is too large (%(size)s MB); at most %(limit)s MB can be imported at once. "
                                      "Split it into several files.", "size"),
                   chinese("The file is larger than %(mb)d MB.", mb=1))
    assert snapshot() == before


# ---------------------------------------------------------------- hotline CSV

def test_hotline_csv_of_the_wrong_kind_or_columns_is_refused(admin):
    missing = chinese("The column is missing from the header row.")
    for name, content, texts in [
        ("工单.csv", b"", [chinese("The file is empty.")]),
        ("工单.csv", gbk_csv([["编号", "时间", "内容"], ["1", "2024-05-01 08:00", "噪音"]]), [missing]),
        ("工单.xlsx", xlsx(HOTLINE_HEADER, [["T1"] * 9]), [missing, chinese("The file is neither UTF-8 nor GBK text. Save it from Excel as “CSV UTF-8”.")]),
        ("../../etc/passwd", b"\xff\xfe\x00\x00" + "工单号".encode("utf-32-le"), [missing, chinese("The file is neither UTF-8 nor GBK text. Save it from Excel as “CSV UTF-8”.")]),
        # A NUL byte (UTF-16 "Unicode text", or a binary file): no database column may hold it.
        ("工单.csv", ",".join(HOTLINE_HEADER).encode() + b"\nT1,2024-05-01 08:00,E0102,a\x00b,,112.56,37.74,,\n",
         [chinese("The file is neither UTF-8 nor GBK text. Save it from Excel as “CSV UTF-8”.")]),
        ("工单.csv", "\n".join([",".join(HOTLINE_HEADER), "T1,2024-05-01 08:00,E0102,噪音,,112.56,37.74,,"]).encode("utf-16"),
         [chinese("The file is neither UTF-8 nor GBK text. Save it from Excel as “CSV UTF-8”.")]),
    ]:
        before = snapshot()
        response = admin.post(HOTLINE, {"file": upload(name, content, "text/csv")})
        assert_refused(response, *texts)
        assert snapshot() == before, name


def test_hotline_rows_with_bad_values_write_nothing(admin, demo):
    xd = demo[CODE]
    grid = Node.objects.filter(district=xd, kind="grid").order_by("code").first()
    saihan = Node.objects.filter(district__code="150105", kind="grid").order_by("code").first()
    good = ["H-OK-1", "2024-05-01 08:00:00", "E0102", "路灯不亮", "", grid.centroid_lon, grid.centroid_lat, "", ""]
    rows = [
        HOTLINE_HEADER, good,
        ["H-OK-1", "2024-05-01 08:00:00", "E0102", "重复工单", "", grid.centroid_lon, grid.centroid_lat, "", ""],  # duplicate ticket
        ["H-2", "2024-05-01 08:00:00", "E0102", "在别的区", "", saihan.centroid_lon, saihan.centroid_lat, "", ""],  # outside
        ["H-3", "2024-05-01 08:00:00", "E0102", "x" * 2001, "地" * 201, grid.centroid_lon, grid.centroid_lat, "名" * 65, "1" * 21],
        ["H-4", "明天", "Z9999", "类别不存在", "", "东经", "北纬", "", ""],
    ]
    before = snapshot()
    response = admin.post(HOTLINE, {"file": upload("工单.csv", gbk_csv(rows), "text/csv")})
    html = response.content.decode()
    assert_refused(response, chinese("The ticket number already appears in row %(row)d.", row=2))
    for text in [chinese("The position is outside the grids of %(district)s.", district=xd.name),
                 chinese("Too long: at most %(n)d characters.", n=2000), chinese("Too long: at most %(n)d characters.", n=200),
                 chinese("Not a longitude in degrees."), chinese("Not a date and time; write it like 2024-05-01 08:30:00.")]:
        assert escape(text) in html or text in html, text
    assert snapshot() == before


# ---------------------------------------------------------------- bad rows in the registries and the hierarchy

def _id(n):
    import datetime

    return pii.make_id_number(CODE, datetime.date(1901, 1, 1) + datetime.timedelta(days=n), n % 1000)


def test_member_rows_with_bad_check_digits_unknown_homes_and_duplicates_write_nothing(admin):
    grid = Node.objects.filter(district__code=CODE, kind="grid").order_by("code").first()
    good = _id(7)
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    header = [str(h) for _k, h, _r in MEMBER_COLUMNS]
    rows = [
        ["甲", "", good, "", grid.code, "", "", "", "否", ""],
        ["乙", "", good, "", grid.code, "", "", "", "否", ""],          # the same person twice
        ["丙", "", bad, "", grid.code, "", "", "", "否", ""],           # check digit wrong
        ["丁", "", _id(8), "", "999999999999", "", "", "", "否", ""],   # unknown home node
        ["戊" * 300, "", _id(9), "1" * 40, grid.code, "", "", "", "否", "单位" * 200],  # overlong text
    ]
    before = snapshot()
    response = admin.post("/people/members/import/", {"file": upload("党员.xlsx", xlsx(header, rows))})
    assert_refused(response, "校验码")
    assert "999999999999" in response.content.decode()
    assert snapshot() == before


def test_hierarchy_rows_with_unknown_parents_and_duplicate_codes_write_nothing(admin):
    from gridgov.hierarchy.io import HEADER

    community = Node.objects.filter(district__code=CODE, kind="community").order_by("code").first()
    rows = [
        ["网格", f"{community.code}901", "新网格一", community.code],
        ["网格", f"{community.code}901", "新网格一（重复）", community.code],
        ["网格", f"{community.code}902", "孤儿网格", "999999999999999"],
        ["网格", f"{community.code}903", "名" * 300, community.code],
    ]
    before = snapshot()
    response = admin.post("/hierarchy/import/", {"kind": "xlsx", "file": upload("层级.xlsx", xlsx(HEADER, rows))})
    html = response.content.decode()
    assert response.status_code < 500 and response.status_code != 302
    assert CJK.search(html) and "901" in html and "999999999999999" in html
    assert snapshot() == before


def test_party_org_rows_with_unknown_nodes_and_parents_write_nothing(admin):
    from openpyxl import load_workbook

    from gridgov.orgs import excel as org_excel

    header = [c.value for c in load_workbook(io.BytesIO(org_excel.party_org_template())).worksheets[0][1]]
    community = Node.objects.filter(district__code=CODE, kind="community").order_by("code").first()
    rows = [
        ["新支部一", "党支部", community.code, "", "否", "否", "否", "", ""],
        ["新支部二", "党支部", "999999999999", "", "否", "否", "否", "", ""],
        ["新支部三", "党支部", community.code, "并不存在的党委", "也许", "否", "否", "", ""],
    ]
    before = snapshot()
    response = admin.post("/orgs/excel/party-orgs/import/", {"file": upload("组织.xlsx", xlsx(header, rows))})
    assert_refused(response, "999999999999")
    assert snapshot() == before


def test_one_hundred_thousand_member_rows_are_refused_with_a_row_limit(admin, tmp_path):
    grid = Node.objects.filter(district__code=CODE, kind="grid").order_by("code").first()
    path = tmp_path / "十万党员.xlsx"
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("members")
    ws.append([str(h) for _k, h, _r in MEMBER_COLUMNS])
    for i in range(100_000):
        ws.append([f"测试{i}", "", _id(i), "", grid.code, "", "", "", "否", ""])
    wb.save(path)
    before = snapshot()
    with open(path, "rb") as f:
        response = admin.post("/people/members/import/", {"file": f})
    assert_refused(response, chinese("The sheet has more than %(n)d rows; split it into several files.", n=MAX_ROWS))
    assert snapshot() == before


# ---------------------------------------------------------------- case photos

def _report_data(client, grid, **extra):
    page = client.get("/cases/report/")
    data = {"mode": "patrol", "category": Category.objects.get(district__code=CODE, code="E0102").pk,
            "description": "路口有暴露垃圾", "lon": grid.centroid_lon, "lat": grid.centroid_lat,
            "idem_key": page.context["form"].initial["idem_key"]}
    data.update(extra)
    return data


@pytest.fixture
def first_grid(db):
    community = Node.objects.filter(district__code=CODE, kind="community").order_by("code").first()
    return Node.objects.filter(district__code=CODE, kind="grid", path__startswith=community.path).order_by("code").first()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def test_photos_of_the_wrong_kind_size_or_number_are_refused_in_chinese(client_as, first_grid, media):
    c = client_as("grid_worker", CODE)
    not_photo = "“%(name)s” is not a JPEG, PNG or WebP photo."
    for photos, text in [
        ([upload("../../etc/passwd", b"root:x:0:0:root:/root:/bin/bash\n", "image/jpeg")], chinese(not_photo, name="passwd")),
        ([upload("a\x00b.jpg", b"<svg onload=alert(1)>", "image/jpeg")], fragment(not_photo, "name")),
        ([upload("图.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/svg+xml")], fragment(not_photo, "name")),
        ([upload("大图.jpg", JPEG + b"\x00" * (10 * 1024 * 1024), "image/jpeg")], chinese("“%(name)s” is larger than 10 MB.", name="大图.jpg")),
        ([upload(f"{i}.jpg", JPEG, "image/jpeg") for i in range(10)], chinese("At most %(n)d photos at once.", n=9)),
    ]:
        before = snapshot()
        response = c.post("/cases/report/", _report_data(c, first_grid, photos=photos))
        assert response.status_code == 400
        assert_refused(response, text)
        assert snapshot() == before
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_photo_names_with_path_tricks_are_stored_under_random_names(client_as, first_grid, media):
    from gridgov.cases.models import Attachment

    c = client_as("grid_worker", CODE)
    data = _report_data(c, first_grid, photos=[upload("../../../etc/cron.d/x.jpg", JPEG, "image/jpeg"),
                                               upload("..\\..\\boot.ini\x00.jpg", JPEG, "image/jpeg")])
    response = c.post("/cases/report/", data)
    assert response.status_code == 302
    for item in Attachment.objects.filter(case__idem_key=data["idem_key"]):
        stored = (media / item.file.name).resolve()
        assert str(stored).startswith(str(media.resolve())) and ".." not in item.file.name and "\x00" not in item.name
        assert "/" not in item.name and "\\" not in item.name


# ---------------------------------------------------------------- positions outside the district

@pytest.fixture
def elsewhere(db):
    """A point in another demo district, and one far from any district (the Gulf of Guinea)."""
    saihan = Node.objects.filter(district__code="150105", kind="grid").order_by("code").first()
    return [(saihan.centroid_lon, saihan.centroid_lat), (0.0, 0.0)]


def test_positions_outside_the_district_are_refused_on_the_report_form(client_as, demo, first_grid, elsewhere):
    c = client_as("community_secretary", CODE)
    for lon, lat in elsewhere:
        before = snapshot()
        response = c.post("/cases/report/", _report_data(c, first_grid, lon=lon, lat=lat, mode="desk", reporter_name="王芳"))
        assert response.status_code == 400
        assert_refused(response, chinese("The position is outside the grids of %(district)s.", district=demo[CODE].name))
        assert snapshot() == before


def test_positions_outside_the_district_are_refused_by_the_api(client_as, demo, elsewhere):
    c = client_as("community_secretary", CODE)
    for lon, lat in elsewhere + [(200.0, 95.0)]:
        before = snapshot()
        response = c.post("/api/cases", {"district": CODE, "category": "E0102", "lon": lon, "lat": lat, "description": "井盖缺失"},
                          content_type="application/json")
        assert response.status_code in (400, 422), response.content
        assert CJK.search(response.json()["message"]), response.json()
        assert snapshot() == before


def test_positions_outside_the_district_are_refused_by_open311(client, demo, elsewhere):
    _key, raw = Open311Key.issue(demo[CODE], name="bad-input")
    for lon, lat in elsewhere + [("abc", "北纬"), ("nan", "inf")]:
        before = snapshot()
        response = client.post("/open311/v2/requests.json", {"jurisdiction_id": CODE, "api_key": raw, "service_code": "E0102",
                                                             "long": lon, "lat": lat, "description": "井盖缺失"})
        assert response.status_code == 400, response.content
        assert CJK.search(response.json()[0]["description"]), response.json()
        assert snapshot() == before


# ---------------------------------------------------------------- overlong text

def too_long(value, limit):
    """Django's own message for a text over `limit` characters, as the form shows it (in Chinese)."""
    from django import forms

    with pytest.raises(forms.ValidationError) as refused:
        forms.CharField(max_length=limit).clean(value)
    message = refused.value.messages[0]
    assert CJK.search(message)
    return message

def test_overlong_text_in_the_report_form_is_refused_per_field(client_as, first_grid):
    c = client_as("community_secretary", CODE)
    for field, limit in [("description", 2000), ("address", 200), ("reporter_name", 64), ("reporter_phone", 20)]:
        before = snapshot()
        data = _report_data(c, first_grid, mode="desk", reporter_name="王芳")
        data[field] = "长" * (limit + 1) if field != "reporter_phone" else "1" * (limit + 1)
        response = c.post("/cases/report/", data)
        assert response.status_code == 400, field
        assert_refused(response, too_long(data[field], limit))
        assert snapshot() == before


def test_overlong_text_in_the_case_api_is_refused_per_field(client_as):
    c = client_as("community_secretary", CODE)
    grid = Node.objects.filter(district__code=CODE, kind="grid").order_by("code").first()
    base = {"district": CODE, "category": "E0102", "lon": grid.centroid_lon, "lat": grid.centroid_lat, "description": "井盖缺失"}
    for field, limit in [("description", 2000), ("address", 200), ("reporter_name", 64), ("reporter_phone", 20), ("category", 16)]:
        before = snapshot()
        response = c.post("/api/cases", {**base, field: "长" * (limit + 1)}, content_type="application/json")
        assert response.status_code == 422, (field, response.content)
        assert CJK.search(response.json()["message"]), response.json()
        assert snapshot() == before
    before = snapshot()
    response = c.post("/api/cases", base, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k" * 300)
    assert response.status_code < 500
    if response.status_code >= 400:
        assert CJK.search(response.json()["message"])


def test_overlong_text_on_open311_is_refused(client, demo):
    _key, raw = Open311Key.issue(demo[CODE], name="bad-input")
    grid = Node.objects.filter(district__code=CODE, kind="grid").order_by("code").first()
    base = {"jurisdiction_id": CODE, "api_key": raw, "service_code": "E0102", "long": grid.centroid_lon, "lat": grid.centroid_lat,
            "description": "井盖缺失"}
    for field, value in [("description", "长" * 2001), ("address_string", "地" * 201), ("first_name", "名" * 65),
                         ("phone", "1" * 21), ("media_url", "https://example.org/" + "a" * 600), ("service_code", "E" * 5000),
                         ("jurisdiction_id", "1" * 5000), ("api_key", "k" * 5000)]:
        before = snapshot()
        response = client.post("/open311/v2/requests.json", {**base, field: value})
        assert 400 <= response.status_code < 500, (field, response.content)
        assert CJK.search(response.json()[0]["description"]), (field, response.json())
        assert snapshot() == before


def test_overlong_comment_on_a_case_action_is_refused(client_as, first_grid):
    from gridgov.cases import services

    c = client_as("community_secretary", CODE)
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username=f"community_secretary.{CODE}")
    case, _created = services.intake(first_grid.district, category="E0102", lon=first_grid.centroid_lon, lat=first_grid.centroid_lat,
                                     description="过长备注测试", source="staff", user=user)
    before = snapshot()
    response = c.post(f"/cases/{case.number}/", {"action": "register", "version": case.version, "comment": "长" * 2001})
    assert response.status_code == 400
    assert_refused(response, too_long("长" * 2001, 2000))
    assert snapshot() == before
    assert Case.objects.get(pk=case.pk).state == "reported"


def _api_bodies():
    """(method, path, field, limit) of every string field with a length limit in the API's request bodies,
    read from the OpenAPI spec so that a new endpoint is covered without anyone remembering."""
    from gridgov.api.api import api

    spec = api.get_openapi_schema(path_prefix="/api")
    schemas = spec.get("components", {}).get("schemas", {})

    def resolve(schema):
        while "$ref" in schema:
            schema = schemas[schema["$ref"].rsplit("/", 1)[-1]]
        return schema

    found = []
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            content = (op.get("requestBody") or {}).get("content", {})
            if method not in ("post", "put", "patch") or "application/json" not in content:
                continue
            for name, prop in resolve(content["application/json"]["schema"]).get("properties", {}).items():
                prop = resolve(prop)
                if prop.get("type") == "string" and prop.get("maxLength"):
                    found.append((method, re.sub(r"\{[^}]+\}", "1", path), name, prop["maxLength"]))
    return found


def test_overlong_text_in_every_api_body_is_refused_in_chinese(client_as):
    c = client_as("district_admin", CODE)
    checked = _api_bodies()
    assert len(checked) >= 10
    for method, path, field, limit in checked:
        before = snapshot()
        response = getattr(c, method)(path, {field: "长" * (limit + 1)}, content_type="application/json")
        assert response.status_code == 422, (method, path, field, response.status_code)
        answer = response.json()
        assert CJK.search(answer["message"]) and any(field in item["loc"] for item in answer.get("detail", [])), answer
        assert snapshot() == before


def test_nul_characters_in_text_never_reach_the_database(client, client_as, demo, first_grid):
    """PostgreSQL refuses a NUL character in any text column, failing the whole request: each entry point
    must refuse it first (the report form through Django's own check)."""
    _key, raw = Open311Key.issue(demo[CODE], name="nul")
    before = snapshot()
    for field in ("description", "address_string", "first_name", "phone"):
        response = client.post("/open311/v2/requests.json", {"jurisdiction_id": CODE, "api_key": raw, "service_code": "E0102",
                                                             "long": first_grid.centroid_lon, "lat": first_grid.centroid_lat,
                                                             "description": "井盖缺失", field: "井盖\x00缺失"})
        assert response.status_code == 400, (field, response.content)
        assert CJK.search(response.json()[0]["description"])
    c = client_as("community_secretary", CODE)
    form = c.post("/cases/report/", _report_data(c, first_grid, description="垃圾\x00堆放"))
    assert form.status_code == 400
    api = c.post("/api/cases", {"district": CODE, "category": "E0102", "lon": first_grid.centroid_lon, "lat": first_grid.centroid_lat,
                                "description": "井盖\x00缺失"}, content_type="application/json")
    assert api.status_code < 500
    assert snapshot() == before or api.status_code in (200, 201)


def test_an_open311_body_over_the_upload_limit_is_a_413_not_a_500(client, settings, demo):
    # The message is checked against the catalogue's text (robust.po adds its Chinese), not for CJK.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    before = snapshot()
    response = client.post("/open311/v2/requests.json", {"jurisdiction_id": CODE, "service_code": "E0102",
                                                         "description": "长" * (1024 * 1024)})
    assert response.status_code == 413
    assert response.json()[0]["description"] == _("The request is too large (at most %(mb)d MB).") % {"mb": 1}
    assert snapshot() == before


def test_an_api_body_over_the_upload_limit_is_a_413_not_a_500(client_as, settings):
    # Needs the api/errors.py handler of RequestDataTooBig (see robust's report) .
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    c = client_as("community_secretary", CODE)
    before = snapshot()
    response = c.post("/api/cases", {"district": CODE, "description": "长" * (1024 * 1024)}, content_type="application/json")
    assert response.status_code == 413, response.content[:300]
    assert response.json()["message"] == _("The request is too large (at most %(mb)d MB).") % {"mb": 1}
    assert snapshot() == before
