"""Excel import of volunteers, residents and community workers: atomic (one bad row imports
nothing), every error named by row and column in Chinese, templates downloadable, pages scoped."""
import io

import pytest
from openpyxl import load_workbook

from gridgov.hierarchy.models import Node
from gridgov.people import excel
from gridgov.people.models import CommunityWorker, Household, PartyMember, Person, Resident, Volunteer

from .helpers import id_number, sheet


def codes(kind, n=3, code="140105"):
    return list(Node.objects.filter(district__code=code, kind=kind).order_by("code").values_list("code", flat=True)[:n])


def volunteer_rows(start):
    grid = codes("grid")
    return [[f"志愿者{i}", "", id_number(n=start + i), f"139{start + i:08d}", grid[i % len(grid)], "", "医疗、法律"] for i in range(3)]


def resident_rows(start):
    building = codes("building") or codes("entrance")
    return [[f"居民{i}", "女", id_number(n=start + i), "", building[0], f"9{i}01", "户主" if i == 0 else "配偶", "独居老人"]
            for i in range(3)]


def worker_rows(start):
    community = codes("community")
    return [[f"社工{i}", "", id_number(n=start + i), "", community[0], "staff", 3 + i, "2024-01-01"]
            for i in range(3)]


CASES = {
    # registry -> (columns, rows, model, the column (key) broken in the bad row, bad value)
    "volunteers": (excel.VOLUNTEER_COLUMNS, volunteer_rows, Volunteer, "team", "没有这个队"),
    "residents": (excel.RESIDENT_COLUMNS, resident_rows, Resident, "tags", "不存在的标签"),
    "workers": (excel.WORKER_COLUMNS, worker_rows, CommunityWorker, "level", 41),
}


def run(registry, user, district, data):
    return excel.IMPORTS[registry][1](user, district, data)


@pytest.mark.parametrize("registry", list(CASES))
def test_one_bad_row_imports_nothing_and_names_row_and_column(demo, demo_user, registry):
    columns, make, model, key, bad = CASES[registry]
    rows = make(200_000)
    index = [k for k, _h, _r in columns].index(key)
    rows[1][index] = bad
    before = model.objects.count(), Person.objects.count(), Household.objects.count()
    result = run(registry, demo_user("district_admin"), demo["140105"], sheet(columns, rows))
    assert result.created == 0
    assert [(row, column[0]) for row, column, _m in result.errors] == [(3, "ABCDEFGH"[index])]
    assert str(columns[index][1]) in result.errors[0][1]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in result.errors[0][2])
    assert (model.objects.count(), Person.objects.count(), Household.objects.count()) == before


@pytest.mark.parametrize("registry", list(CASES))
def test_a_clean_import_creates_the_rows(demo, demo_user, registry):
    columns, make, model, _key, _bad = CASES[registry]
    before = model.objects.count()
    result = run(registry, demo_user("district_admin"), demo["140105"], sheet(columns, make(300_000)))
    assert result.errors == [] and result.created == 3
    assert model.objects.count() == before + 3
    rows = list(model.objects.filter(person__name__endswith="0", person__id_number=id_number(n=300_000)).select_related("person"))
    assert len(rows) == 1
    row = rows[0]
    assert row.node_path and row.district.code == "140105"
    if registry == "volunteers":
        assert row.skills == ["医疗", "法律"] and row.node_path == row.person.home.path
    if registry == "residents":
        assert row.relation == "head" and row.tags == ["elderly_alone"] and row.household.number == "9001"
        assert row.node_path == row.household.node.path
    if registry == "workers":
        assert (row.post_category, row.level) == ("staff", 3) and row.node.kind == "community"


def test_every_error_of_a_row_is_reported(demo, demo_user):
    community = codes("community")[0]
    rows = [["", "X", "123", "12", "999999", "四岗", "", "昨天"]]
    result = excel.import_workers(demo_user("district_admin"), demo["140105"], sheet(excel.WORKER_COLUMNS, rows))
    found = {column[0] for _r, column, _m in result.errors}
    assert {"A", "B", "C", "D", "E", "F", "G", "H"} <= found
    rows = [["李四", "", id_number(n=300_100), "", community, "staff", "abc", ""],
            ["王五", "", id_number(n=300_100), "", codes("grid")[0], "staff", 2, ""]]
    result = excel.import_workers(demo_user("district_admin"), demo["140105"], sheet(excel.WORKER_COLUMNS, rows))
    found = {(r, column[0]) for r, column, _m in result.errors}
    assert {(2, "G"), (3, "C"), (3, "E")} <= found


def test_a_volunteer_who_is_already_a_person_of_the_district_is_linked_not_duplicated(demo, demo_user):
    member = PartyMember.objects.filter(district__code="140105", person__volunteer__isnull=True).exclude(person__id_number="").select_related("person").first()
    rows = [[member.person.name, "", member.person.id_number, "", codes("grid")[0], "", "宣讲"]]
    before = Person.objects.count()
    result = excel.import_volunteers(demo_user("district_admin"), demo["140105"], sheet(excel.VOLUNTEER_COLUMNS, rows))
    assert result.errors == [] and result.created == 1
    assert Person.objects.count() == before
    assert Volunteer.objects.get(person=member.person).skills == ["宣讲"]
    again = excel.import_volunteers(demo_user("district_admin"), demo["140105"], sheet(excel.VOLUNTEER_COLUMNS, rows))
    assert again.created == 0 and again.errors[0][1].startswith("C")


def test_a_community_secretary_cannot_import_workers_into_another_community(demo, demo_user):
    other = codes("community", 2)[1]
    rows = [["孙七", "", id_number(n=300_200), "", other, "staff", 1, ""]]
    result = excel.import_workers(demo_user("community_secretary"), demo["140105"], sheet(excel.WORKER_COLUMNS, rows))
    assert result.created == 0 and result.errors[0][1].startswith("E")


@pytest.mark.parametrize("registry, list_url", [("volunteers", "/people/volunteers/"), ("residents", "/people/residents/"),
                                                ("workers", "/people/workers/")])
def test_pages_offer_template_and_upload_and_report_errors(client_as, registry, list_url):
    client = client_as("district_admin")
    html = client.get(list_url).content.decode()
    assert f"{list_url}import/" in html and f"{list_url}template.xlsx" in html
    template = client.get(f"{list_url}template.xlsx")
    assert template.status_code == 200
    header = [c.value for c in load_workbook(io.BytesIO(template.content)).worksheets[0][1]]
    assert header[0] == "姓名" and "身份证号" in header
    columns = CASES[registry][0]
    page = client.post(f"{list_url}import/", {"file": io.BytesIO(sheet(columns, [["", "", "123"]]))}).content.decode()
    assert "必填" in page and "未导入" in page
    good = client.post(f"{list_url}import/", {"file": io.BytesIO(sheet(columns, CASES[registry][1](400_000)))})
    assert good.status_code == 302 and good["Location"] == list_url
    assert client_as("grid_worker").get(f"{list_url}import/").status_code == 403
