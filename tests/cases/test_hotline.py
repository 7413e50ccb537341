"""Hotline CSV import: UTF-8 (with or without BOM) and GBK files, all or nothing with every error listed
by row and column, re-importing adds nothing, and rows only in the importing user's area."""
import csv
import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import pytest

from gridgov.cases.hotline import COLUMNS, import_hotline_csv
from gridgov.cases.models import Case
from gridgov.hierarchy.models import Node

TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def other_grid(xd, first_grid):
    """A grid of 小店区 outside the first community (the demo community secretary's)."""
    community = Node.objects.filter(district=xd, kind="community").order_by("code").first()
    assert first_grid.path.startswith(community.path)
    return Node.objects.filter(district=xd, kind="grid").exclude(path__startswith=community.path).order_by("code").first()


def ticket(grid, number, **overrides):
    row = {"工单号": number, "受理时间": "2026-03-02 09:15:00", "诉求类别编码": "E0102", "诉求内容": f"市民来电反映小区门口垃圾堆积 {number}",
           "地址": "平阳路1号", "经度": f"{grid.centroid_lon:.7f}", "纬度": f"{grid.centroid_lat:.7f}", "来电人": "李四", "联系电话": "13900001111"}
    row.update(overrides)
    return row


def csv_file(rows, encoding="utf-8", columns=COLUMNS):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns])
    return io.BytesIO(buffer.getvalue().encode(encoding))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_tickets_become_cases_in_every_encoding(xd, first_grid, demo_user, encoding):
    rows = [ticket(first_grid, f"RX2026030200{i}") for i in range(1, 4)]
    result = import_hotline_csv(xd, demo_user("district_admin"), csv_file(rows, encoding))
    assert result.ok and (result.created, result.duplicates) == (3, 0), result.errors
    assert result.encoding == encoding
    case = Case.objects.get(district=xd, idem_key="hotline:RX20260302001")
    assert case.source == "hotline" and case.category.code == "E0102" and case.grid == first_grid
    assert case.reported_at == dt.datetime(2026, 3, 2, 9, 15, tzinfo=TZ)
    assert case.number.startswith("14010520260302")
    assert (case.reporter_name, case.reporter_phone, case.address) == ("李四", "13900001111", "平阳路1号")
    assert case.description == "市民来电反映小区门口垃圾堆积 RX20260302001" and case.state == "reported"


@pytest.mark.parametrize("written,expected", [
    ("2026/3/2 9:15", dt.datetime(2026, 3, 2, 9, 15, tzinfo=TZ)),
    ("2026-03-02T09:15:30+08:00", dt.datetime(2026, 3, 2, 9, 15, 30, tzinfo=TZ)),
    ("20260302091500", dt.datetime(2026, 3, 2, 9, 15, tzinfo=TZ)),
])
def test_acceptance_times_as_hotline_systems_write_them(xd, first_grid, demo_user, written, expected):
    result = import_hotline_csv(xd, demo_user("district_admin"), csv_file([ticket(first_grid, "TIME-1", 受理时间=written)]))
    assert result.ok, result.errors
    assert result.cases[0].reported_at == expected


def test_importing_the_same_file_again_creates_nothing(xd, first_grid, demo_user):
    rows = [ticket(first_grid, f"RX-{i}") for i in range(5)]
    user = demo_user("district_admin")
    first = import_hotline_csv(xd, user, csv_file(rows))
    before = Case.objects.count()
    again = import_hotline_csv(xd, user, csv_file(rows, "gbk"))
    assert (first.created, again.created, again.duplicates) == (5, 0, 5)
    assert Case.objects.count() == before
    assert [c.pk for c in again.cases] == [c.pk for c in first.cases]
    # A file with one new ticket among known ones adds only that one.
    more = import_hotline_csv(xd, user, csv_file(rows + [ticket(first_grid, "RX-new")]))
    assert (more.created, more.duplicates) == (1, 5)


def test_one_bad_row_writes_nothing_and_every_error_is_listed(xd, first_grid, demo_user):
    future = (dt.datetime.now(TZ) + dt.timedelta(days=2)).strftime("%Y-%m-%d %H:%M:%S")
    rows = [
        ticket(first_grid, "OK-1"),                                   # row 2: fine
        ticket(first_grid, "BAD-2", 诉求类别编码="Z9999"),              # row 3
        ticket(first_grid, "BAD-3", 经度="东经112度"),                  # row 4
        ticket(first_grid, "BAD-4", 诉求内容=""),                      # row 5
        ticket(first_grid, "BAD-5", 受理时间="昨天下午"),                # row 6
        ticket(first_grid, "BAD-6", 经度="0", 纬度="0"),                # row 7: outside the district's grids
        ticket(first_grid, "OK-1"),                                   # row 8: ticket repeated
        ticket(first_grid, "BAD-8", 受理时间=future, 来电人="名" * 65),  # row 9: two errors
        ticket(first_grid, "", 纬度="91"),                             # row 10: two errors
    ]
    before = Case.objects.count()
    result = import_hotline_csv(xd, demo_user("district_admin"), csv_file(rows))
    assert not result.ok and result.created == 0 and result.cases == []
    assert Case.objects.count() == before
    assert [(row, column) for row, column, _ in result.errors] == [
        (3, "诉求类别编码"), (4, "经度"), (5, "诉求内容"), (6, "受理时间"), (7, "经度"), (8, "工单号"),
        (9, "受理时间"), (9, "来电人"), (10, "工单号"), (10, "纬度"),
    ]
    chinese = re.compile(r"[\u4e00-\u9fff]")
    assert all(chinese.search(message) for _, _, message in result.errors), result.errors


def test_a_missing_column_is_named(xd, first_grid, demo_user):
    columns = [c for c in COLUMNS if c != "纬度"]
    result = import_hotline_csv(xd, demo_user("district_admin"), csv_file([ticket(first_grid, "T1")], columns=columns))
    assert [(row, column) for row, column, _ in result.errors] == [(1, "纬度")]


@pytest.mark.parametrize("content", [b"\xff\xfe\xff\xff\x00\x81", b"", "工单号,受理时间,诉求类别编码,诉求内容,地址,经度,纬度,来电人,联系电话\n".encode()])
def test_unreadable_or_empty_files_are_refused(xd, demo_user, content):
    result = import_hotline_csv(xd, demo_user("district_admin"), io.BytesIO(content))
    assert not result.ok and len(result.errors) == 1 and result.created == 0


def test_text_files_are_read_too(xd, first_grid, demo_user):
    buffer = io.StringIO(csv_file([ticket(first_grid, "TXT-1")]).getvalue().decode())
    result = import_hotline_csv(xd, demo_user("district_admin"), buffer)
    assert result.ok and result.created == 1


def test_only_tickets_in_the_users_area_are_imported(xd, first_grid, other_grid, demo_user):
    mine, theirs = ticket(first_grid, "AREA-1"), ticket(other_grid, "AREA-2")
    result = import_hotline_csv(xd, demo_user("community_secretary"), csv_file([mine, theirs]))
    assert [(row, column) for row, column, _ in result.errors] == [(3, "经度")]
    assert import_hotline_csv(xd, demo_user("community_secretary"), csv_file([mine])).created == 1
    # Grid staff report cases but do not take in hotline tickets.
    refused = import_hotline_csv(xd, demo_user("grid_worker"), csv_file([ticket(first_grid, "AREA-3")]))
    assert [(row, column) for row, column, _ in refused.errors] == [(2, "经度")]


def test_hotline_callers_stay_private_on_open311(xd, first_grid, demo_user, client):
    result = import_hotline_csv(xd, demo_user("district_admin"), csv_file([ticket(first_grid, "PII-1", 诉求内容="李四来电：楼道堆物，电话13900001111")]))
    number = result.cases[0].number
    text = client.get(f"/open311/v2/requests/{number}.json?jurisdiction_id=140105").content.decode()
    assert number in text and "楼道堆物" in text and "李四" not in text and "13900001111" not in text


def test_dispatcher_imports_tickets_from_the_page_and_a_bad_file_shows_row_errors(client_as, xd, first_grid):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from gridgov.cases.models import Case

    client = client_as("community_secretary")
    good = ("工单号,受理时间,诉求类别编码,诉求内容,地址,经度,纬度,来电人,联系电话\n"
            f"PAGE-1,2026-11-20 09:00:00,E0102,楼下垃圾未清运,,{first_grid.centroid_lon},{first_grid.centroid_lat},张三,13800000000\n")
    response = client.post("/cases/hotline/import/", {"file": SimpleUploadedFile("t.csv", good.encode("utf-8"))}, follow=True)
    assert response.status_code == 200 and Case.objects.filter(idem_key="hotline:PAGE-1").exists()
    bad = good.replace("PAGE-1", "PAGE-2").replace("E0102", "X9999")
    page = client.post("/cases/hotline/import/", {"file": SimpleUploadedFile("t.csv", bad.encode("utf-8"))}).content.decode()
    assert "X9999" in page and not Case.objects.filter(idem_key="hotline:PAGE-2").exists()


def test_grid_worker_cannot_open_the_hotline_import(client_as):
    assert client_as("grid_worker").get("/cases/hotline/import/").status_code == 403
