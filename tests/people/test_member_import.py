"""Excel import of party members: atomic (any error writes nothing), every error named by row and
column in Chinese, 20,000 rows within 30 s, scoped to the area the importer may import into."""
import io

import pytest
from openpyxl import load_workbook

from gridgov.hierarchy.models import Node
from gridgov.people import excel
from gridgov.people.models import PartyMember, Person

from .helpers import id_number, member_rows, workbook


@pytest.fixture
def grid_codes(db):
    return list(Node.objects.filter(district__code="140105", kind="grid").order_by("code").values_list("code", flat=True)[:50])


def test_twenty_thousand_rows_with_one_bad_id_number_import_nothing_and_name_the_row(demo, demo_user, grid_codes):
    rows = list(member_rows(20_000, "140105", grid_codes))
    rows[12_344][2] = rows[12_344][2][:17] + ("0" if rows[12_344][2][17] != "0" else "1")
    before = PartyMember.objects.count(), Person.objects.count()
    result = excel.import_members(demo_user("district_admin"), demo["140105"], workbook(rows))
    assert result.created == 0
    assert [(row, column[0]) for row, column, _msg in result.errors] == [(12_346, "C")]  # header is row 1
    assert "校验码" in result.errors[0][2]
    assert (PartyMember.objects.count(), Person.objects.count()) == before


def test_a_clean_import_of_twenty_thousand_members_writes_them_all(demo, demo_user, grid_codes):
    # How long it takes is measured by bench/import_members.py, not asserted here.
    data = workbook(member_rows(20_000, "140105", grid_codes))
    before = PartyMember.objects.filter(district=demo["140105"]).count()
    result = excel.import_members(demo_user("district_admin"), demo["140105"], data)
    assert result.errors == [] and result.created == 20_000
    assert PartyMember.objects.filter(district=demo["140105"]).count() == before + 20_000
    member = PartyMember.objects.select_related("person__home").filter(person__name="测试7").get()
    assert member.node_path == member.person.home.path


def test_every_error_is_reported_by_row_and_column_in_chinese(demo, demo_user, grid_codes):
    existing = Person.objects.filter(district=demo["140105"]).exclude(id_number="").first().id_number
    rows = [
        ["", "", id_number(n=100_001), "", grid_codes[0], "", "", "", "否", ""],                 # row 2: no name
        ["李四", "", existing, "", grid_codes[0], "", "", "", "否", ""],                    # row 3: ID taken
        ["王五", "", id_number(n=100_002), "", "999999", "", "", "", "否", ""],                   # row 4: unknown node
        ["赵六", "", id_number(n=100_002), "123", grid_codes[0], "不存在的支部", "昨天", "", "也许", ""],  # row 5: many
    ]
    result = excel.import_members(demo_user("district_admin"), demo["140105"], workbook(rows))
    found = {(row, column[0]) for row, column, _m in result.errors}
    assert {(2, "A"), (3, "C"), (4, "E"), (5, "C"), (5, "D"), (5, "F"), (5, "G"), (5, "I")} <= found
    messages = " ".join(m for _r, _c, m in result.errors)
    assert "必填" in messages and "已" in messages and "未知" in messages
    assert result.created == 0


def test_a_community_secretary_cannot_import_into_another_community(demo, demo_user):
    other = Node.objects.filter(district__code="140105", kind="community").order_by("code")[1]
    grid = Node.objects.filter(path__startswith=other.path, kind="grid").first()
    rows = [["孙七", "", id_number(n=100_003), "", grid.code, "", "", "", "否", ""]]
    result = excel.import_members(demo_user("community_secretary"), demo["140105"], workbook(rows))
    assert result.created == 0 and result.errors[0][1].startswith("E")


def test_template_downloads_and_its_example_row_imports(demo, demo_user):
    wb = load_workbook(io.BytesIO(excel.member_template()))
    header = [c.value for c in wb.worksheets[0][1]]
    assert header[0] == "姓名" and "身份证号" in header
