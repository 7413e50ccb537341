"""Dual registration (双报到), the talent pool and training records, the service ledger and households:
Excel import (atomic, errors by row and column) and export (masked, scoped), list pages and API
endpoints, each scoped (a community secretary sees their community's rows, another district none)."""
import io
import re

import pytest
from openpyxl import load_workbook

from gridgov.api.models import ApiToken
from gridgov.hierarchy.models import Node
from gridgov.people import excel, services
from gridgov.people.models import DualRegistration, Household, PartyMember, Person, ServiceRecord, TalentEntry, TrainingRecord

from .helpers import id_number, sheet

CLEAR_ID = re.compile(r"(?<!\d)\d{17}[\dX](?!\d)")
CLEAR_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def assert_masked(text):
    assert not CLEAR_ID.search(text), CLEAR_ID.search(text).group()
    assert not CLEAR_MOBILE.search(text), CLEAR_MOBILE.search(text).group()


def own_path(demo_user):
    return demo_user("community_secretary").person.posts.get().node.path


def own_community(demo_user):
    return demo_user("community_secretary").person.posts.get().node


def grids_of(community):
    return list(Node.objects.filter(path__startswith=community.path, kind="grid").order_by("code"))


def in_service_members(n, start=0):
    """n in-service members of 140105 with ID numbers (their IDs usable in a workbook)."""
    qs = (PartyMember.objects.filter(district__code="140105", in_service=True).exclude(person__id_number="")
          .select_related("person").order_by("pk"))
    return list(qs[start:start + n])


# ---------------------------------------------------------------- imports

def dual_rows(_start, demo_user):
    community = own_community(demo_user)
    grid = grids_of(community)[0]
    return [[m.person.id_number, community.code, grid.code, "2024-03-01"] for m in in_service_members(3)]


def talent_rows(start, demo_user):
    grid = grids_of(own_community(demo_user))[0]
    return [[f"人才{i}", "", id_number(n=start + i), f"137{start + i:08d}", grid.code,
             "后备干部" if i == 0 else "expert", "governance", "擅长调解"] for i in range(3)]


def training_rows(_start, demo_user):
    return [[m.person.id_number, "基层治理专题培训", 8, "2024-05-10"] for m in in_service_members(3, 3)]


CASES = {
    # registry -> (columns, rows, model, the column (key) broken in the bad row, bad value)
    "dual": (excel.DUAL_COLUMNS, dual_rows, DualRegistration, "grid", "999999999"),
    "talent": (excel.TALENT_COLUMNS, talent_rows, TalentEntry, "kind", "不存在的类别"),
    "trainings": (excel.TRAINING_COLUMNS, training_rows, TrainingRecord, "hours", "abc"),
}


def run(registry, user, district, data):
    return excel.IMPORTS[registry][1](user, district, data)


@pytest.mark.parametrize("registry", list(CASES))
def test_one_bad_row_imports_nothing_and_names_row_and_column(demo, demo_user, registry):
    columns, make, model, key, bad = CASES[registry]
    rows = make(600_000, demo_user)
    index = [k for k, _h, _r in columns].index(key)
    rows[1][index] = bad
    before = model.objects.count(), Person.objects.count(), DualRegistration.objects.filter(active=True).count()
    result = run(registry, demo_user("district_admin"), demo["140105"], sheet(columns, rows))
    assert result.created == 0
    assert [(row, column[0]) for row, column, _m in result.errors] == [(3, "ABCDEFGH"[index])]
    assert str(columns[index][1]) in result.errors[0][1]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in result.errors[0][2])
    assert (model.objects.count(), Person.objects.count(), DualRegistration.objects.filter(active=True).count()) == before


@pytest.mark.parametrize("registry", list(CASES))
def test_a_clean_import_creates_the_rows(demo, demo_user, registry):
    columns, make, model, _key, _bad = CASES[registry]
    before = model.objects.count()
    result = run(registry, demo_user("district_admin"), demo["140105"], sheet(columns, make(700_000, demo_user)))
    assert result.errors == [] and result.created == 3
    assert model.objects.count() >= before + 3 - (3 if registry == "dual" else 0)
    path = own_path(demo_user)
    if registry == "dual":
        members = in_service_members(3)
        regs = DualRegistration.objects.filter(member__in=members, active=True)
        assert regs.count() == 3
        assert all(r.community == own_community(demo_user) and r.node_path.startswith(path) and r.grid_id for r in regs)
        assert all(r.since.isoformat() == "2024-03-01" for r in regs)
    if registry == "talent":
        entries = TalentEntry.objects.filter(person__id_number__in=[id_number(n=700_000 + i) for i in range(3)])
        assert sorted(entries.values_list("kind", flat=True)) == ["expert", "expert", "reserve_cadre"]
        assert all(e.node_path.startswith(path) and e.field == "governance" for e in entries)
    if registry == "trainings":
        for m in in_service_members(3, 3):
            assert TrainingRecord.objects.filter(person=m.person, course="基层治理专题培训", day="2024-05-10").count() == 1


def test_a_talent_row_of_a_known_person_links_to_them(demo, demo_user):
    member = in_service_members(1, 6)[0]
    grid = grids_of(own_community(demo_user))[0]
    before = Person.objects.count()
    rows = [[member.person.name, "", member.person.id_number, "", grid.code, "expert", "party_building", ""]]
    result = excel.import_talent(demo_user("district_admin"), demo["140105"], sheet(excel.TALENT_COLUMNS, rows))
    assert result.errors == [] and result.created == 1
    assert Person.objects.count() == before
    assert TalentEntry.objects.filter(person=member.person, kind="expert").exists()


def test_dual_registration_needs_an_in_service_member_and_a_grid_of_the_community(demo, demo_user):
    community = own_community(demo_user)
    other_grid = Node.objects.filter(district__code="140105", kind="grid").exclude(path__startswith=community.path).first()
    retired = PartyMember.objects.filter(district__code="140105", in_service=False).exclude(person__id_number="").first()
    rows = [[retired.person.id_number, community.code, "", ""],
            [in_service_members(1)[0].person.id_number, community.code, other_grid.code, ""],
            [id_number(n=800_000), community.code, "", ""]]
    result = excel.import_dual_registrations(demo_user("district_admin"), demo["140105"], sheet(excel.DUAL_COLUMNS, rows))
    assert result.created == 0
    assert {(r, column[0]) for r, column, _m in result.errors} == {(2, "A"), (3, "C"), (4, "A")}


def test_a_community_secretary_cannot_import_into_another_community(demo, demo_user):
    community = own_community(demo_user)
    other = Node.objects.filter(district__code="140105", kind="community").exclude(pk=community.pk).first()
    rows = [[in_service_members(1)[0].person.id_number, other.code, "", ""]]
    result = excel.import_dual_registrations(demo_user("community_secretary"), demo["140105"], sheet(excel.DUAL_COLUMNS, rows))
    assert result.created == 0 and result.errors[0][1].startswith("B")
    outsider = Person.objects.filter(district__code="140105", home__isnull=False).exclude(id_number="").exclude(
        home__path__startswith=community.path).first()
    rows = [[outsider.id_number, "培训", 2, "2024-01-01"]]
    result = excel.import_trainings(demo_user("community_secretary"), demo["140105"], sheet(excel.TRAINING_COLUMNS, rows))
    assert result.created == 0 and result.errors[0][1].startswith("A")


@pytest.mark.parametrize("list_url, prefix, registry", [
    ("/people/dual-registrations/", "/people/dual-registrations/", "dual"),
    ("/people/talent/", "/people/talent/", "talent"),
    ("/people/talent/", "/people/trainings/", "trainings"),
])
def test_pages_offer_template_and_upload(client_as, demo_user, list_url, prefix, registry):
    client = client_as("district_admin")
    html = client.get(list_url).content.decode()
    assert f"{prefix}import/" in html and f"{prefix}template.xlsx" in html
    template = client.get(f"{prefix}template.xlsx")
    assert template.status_code == 200
    header = [c.value for c in load_workbook(io.BytesIO(template.content)).worksheets[0][1]]
    assert header == [str(h) for _k, h, _r in CASES[registry][0]]
    columns = CASES[registry][0]
    bad = [""] * (len(columns) - 1) + ["x"]
    page = client.post(f"{prefix}import/", {"file": io.BytesIO(sheet(columns, [bad]))}).content.decode()
    assert "必填" in page and "未导入" in page
    good = client.post(f"{prefix}import/", {"file": io.BytesIO(sheet(columns, CASES[registry][1](900_000, demo_user)))})
    assert good.status_code == 302 and good["Location"] == list_url
    assert client_as("grid_worker").get(f"{prefix}import/").status_code == 403


# ---------------------------------------------------------------- exports

def cells(response):
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).worksheets[0]
    return [list(row) for row in ws.iter_rows(min_row=2, values_only=True)]


def ensure_registration(demo_user):
    community = own_community(demo_user)
    if not DualRegistration.objects.filter(node_path__startswith=community.path, active=True).exists():
        services.dual_register(in_service_members(1)[0], community, grids_of(community)[0])


EXPORTS = {
    # export URL -> queryset of the registry (for counting what a user may see)
    "/people/dual-registrations/export.xlsx": lambda: DualRegistration.objects.filter(active=True),
    "/people/service-records/export.xlsx": lambda: ServiceRecord.objects.all(),
    "/people/talent/export.xlsx": lambda: TalentEntry.objects.all(),
    "/people/trainings/export.xlsx": lambda: TrainingRecord.objects.all(),
}


@pytest.mark.parametrize("url", list(EXPORTS))
def test_exports_are_masked_and_scoped(client_as, demo_user, url):
    ensure_registration(demo_user)
    path = own_path(demo_user)
    rows = cells(client_as("community_secretary").get(url))
    assert rows
    assert len(rows) == EXPORTS[url]().filter(node_path__startswith=path).count()
    assert_masked(repr(rows))
    admin_rows = cells(client_as("district_admin").get(url))
    assert len(admin_rows) == EXPORTS[url]().filter(district__code="140105").count()
    assert_masked(repr(admin_rows))
    other = cells(client_as("district_admin", "150105").get(url))
    assert len(other) == EXPORTS[url]().filter(district__code="150105").count()
    if "dual" in url:
        assert all(str(row[4]).startswith("150105") for row in other)
    assert client_as("grid_worker").get(url).status_code == 403


# ---------------------------------------------------------------- pages

PAGES = {
    # page -> (the registry's queryset, the path field it is scoped by)
    "/people/dual-registrations/": (lambda: DualRegistration.objects.filter(active=True), "node_path"),
    "/people/service-records/": (lambda: ServiceRecord.objects.all(), "node_path"),
    "/people/households/": (lambda: Household.objects.all(), "node__path"),
}


@pytest.mark.parametrize("url", list(PAGES))
def test_pages_are_scoped_and_masked(client_as, demo_user, url):
    ensure_registration(demo_user)
    path = own_path(demo_user)
    queryset, field = PAGES[url]
    response = client_as("community_secretary").get(url)
    assert response.status_code == 200
    shown = {row.pk for row in response.context["page"]}
    inside = set(queryset().filter(**{f"{field}__startswith": path}).values_list("pk", flat=True))
    assert shown and shown <= inside
    assert len(shown) == min(len(inside), 50)
    assert_masked(response.content.decode())
    admin = client_as("district_admin").get(url)
    assert_masked(admin.content.decode())
    other = {row.pk for row in client_as("district_admin", "150105").get(url).context["page"]}
    assert not other & set(queryset().filter(district__code="140105").values_list("pk", flat=True))


# ---------------------------------------------------------------- API

@pytest.fixture
def token(demo_user):
    def issue(role, code="140105"):
        _, raw = ApiToken.issue(demo_user(role, code))
        return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    return issue


API = {
    "/api/talent": (lambda: TalentEntry.objects.all(), "node_path"),
    "/api/training-records": (lambda: TrainingRecord.objects.all(), "node_path"),
    "/api/households": (lambda: Household.objects.all(), "node__path"),
}


@pytest.mark.parametrize("url", list(API))
def test_api_lists_are_scoped_and_masked(client, token, demo_user, url):
    path = own_path(demo_user)
    queryset, field = API[url]
    response = client.get(url, {"limit": 200}, **token("community_secretary"))
    assert response.status_code == 200
    assert_masked(response.content.decode())
    ids = {i["id"] for i in response.json()["items"]}
    inside = set(queryset().filter(**{f"{field}__startswith": path}).values_list("pk", flat=True))
    assert ids and ids <= inside
    if len(inside) <= 200:
        assert ids == inside
    admin = client.get(url, {"limit": 200}, **token("district_admin"))
    assert admin.json()["count"] == queryset().filter(district__code="140105").count()
    assert_masked(admin.content.decode())
    other = {i["id"] for i in client.get(url, {"limit": 200}, **token("district_admin", "150105")).json()["items"]}
    assert not other & set(queryset().filter(district__code="140105").values_list("pk", flat=True))


def test_talent_api_shows_masked_persons_and_training_totals(client, token):
    items = client.get("/api/talent", {"kind": "expert", "limit": 20}, **token("district_admin")).json()["items"]
    assert items and all(i["kind"] == "expert" for i in items)
    for item in items[:10]:
        person = Person.objects.get(pk=item["person"]["id"])
        assert item["training_hours"] == float(sum(r.hours for r in TrainingRecord.objects.filter(person=person)))
        if person.id_number:
            assert item["person"]["id_number"] != person.id_number and "*" in item["person"]["id_number"]


def test_new_endpoints_are_in_the_openapi_spec(client, db):
    paths = client.get("/api/openapi.json").json()["paths"]
    assert {"/api/talent", "/api/training-records", "/api/households"} <= set(paths)
