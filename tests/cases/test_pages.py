"""The case pages: reporting (located, idempotent, photos checked), the case page's actions and
conflicts, scoping of detail and map, my tasks per role, the list filters and the desk modes."""
import re
from zoneinfo import ZoneInfo

import pytest

from gridgov.cases import services
from gridgov.cases.forms import safe_name
from gridgov.cases.models import Attachment, Case, Category, Department, Transition
from gridgov.cases.workflow import ACTIVE_STATES, available
from gridgov.hierarchy.models import Node
from gridgov.people.models import Person, Post

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def web(client_as):
    """web(role) -> a test client logged in as that 小店区 demo login, reading English pages
    (assertions on messages must not depend on the Chinese catalogue)."""
    from django.utils import translation

    before = translation.get_language()

    def login(role, code="140105"):
        c = client_as(role, code)
        c.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return c

    yield login
    # LocaleMiddleware leaves the last request's language active in this thread; later tests
    # that call services directly expect the default (Chinese) messages.
    if before:
        translation.activate(before)
    else:
        translation.deactivate()


@pytest.fixture
def other_grid(xd, first_grid):
    """The first grid of 小店区's second community."""
    communities = list(Node.objects.filter(district=xd, kind="community").order_by("code")[:2])
    return Node.objects.filter(district=xd, kind="grid", path__startswith=communities[1].path).order_by("code").first()


def _upload(name, content, content_type="image/jpeg"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=content_type)


def _report_data(page, category, grid, **extra):
    data = {
        "mode": "patrol", "category": category.pk, "description": "路口有暴露垃圾，已堆放两天",
        "lon": grid.centroid_lon, "lat": grid.centroid_lat, "idem_key": page.context["form"].initial["idem_key"],
    }
    data.update(extra)
    return data


def _actions(response):
    return set(re.findall(r'<form method="post" enctype="multipart/form-data" action="[^"]+" data-action="([a-z_]+)"', response.content.decode()))


# ---------------------------------------------------------------- report a case


def test_report_page_locates_the_case_to_the_grid_and_a_double_submit_makes_one_case(web, xd, first_grid, demo_user):
    c = web("grid_worker")
    page = c.get("/cases/report/")
    assert page.status_code == 200
    assert 'id="report-map"' in page.content.decode()
    data = _report_data(page, Category.objects.get(district=xd, code="E0102"), first_grid)
    before = Case.objects.count()
    first = c.post("/cases/report/", data)
    again = c.post("/cases/report/", data)  # the same form sent twice (a double click, a resend)
    assert first.status_code == again.status_code == 302
    assert first.url == again.url
    assert Case.objects.count() == before + 1
    case = Case.objects.get(district=xd, idem_key=data["idem_key"])
    assert case.grid_id == first_grid.pk and case.node_path == first_grid.path
    assert case.source == "patrol" and case.created_by == demo_user("grid_worker") and case.state == "reported"
    done = c.get(first.url)
    assert done.status_code == 200 and case.number in done.content.decode()
    # Each rendering of the form carries a fresh key: a second report is a second case.
    assert c.get("/cases/report/").context["form"].initial["idem_key"] != data["idem_key"]


def test_report_page_shows_possible_duplicates_on_the_confirmation(web, xd, first_grid, new_case):
    earlier = new_case("E0102")
    c = web("grid_worker")
    page = c.get("/cases/report/")
    done = c.get(c.post("/cases/report/", _report_data(page, Category.objects.get(district=xd, code="E0104"), first_grid)).url)
    assert earlier.number in done.content.decode()  # same class E01, same spot


def test_report_errors_stay_in_the_form(web, xd, first_grid):
    c = web("grid_worker")
    page = c.get("/cases/report/")
    category = Category.objects.get(district=xd, code="E0102")
    before = Case.objects.count()
    outside = c.post("/cases/report/", _report_data(page, category, first_grid, lon=100.0, lat=20.0))
    assert outside.status_code == 400 and "outside the grids" in outside.content.decode()
    missing = c.post("/cases/report/", _report_data(page, category, first_grid, lon="", lat="", description=""))
    body = missing.content.decode()
    assert missing.status_code == 400 and "Choose the position" in body and "Traceback" not in body
    assert Case.objects.count() == before


def test_photos_are_stored_under_safe_names_and_other_files_are_refused(web, xd, first_grid, media):
    c = web("grid_worker")
    category = Category.objects.get(district=xd, code="E0102")
    page = c.get("/cases/report/")
    data = _report_data(page, category, first_grid, photos=[_upload("../../etc/passwd.jpg", JPEG), _upload("现场 2.PNG", b"\x89PNG\r\n\x1a\n" + b"\x00" * 32, "image/png")])
    response = c.post("/cases/report/", data)
    assert response.status_code == 302
    case = Case.objects.get(district=xd, idem_key=data["idem_key"])
    photos = list(Attachment.objects.filter(case=case).order_by("pk"))
    assert [p.name for p in photos] == ["passwd.jpg", "现场 2.png"]
    assert [p.content_type for p in photos] == ["image/jpeg", "image/png"]
    for p in photos:
        stored = (media / p.file.name).resolve()
        assert stored.is_file() and str(stored).startswith(str(media.resolve()))
        assert ".." not in p.file.name and "passwd" not in p.file.name
    assert photos[0].transition.action == "report"
    served = c.get(f"/cases/{case.number}/photos/{photos[0].pk}/")
    assert served.status_code == 200 and b"".join(served.streaming_content) == JPEG

    before = Case.objects.count()
    for name, content, message in [
        ("virus.exe", b"MZ\x90\x00" + b"\x00" * 60, "is not a JPEG, PNG or WebP photo"),
        ("disguised.exe", JPEG, "is not a JPEG, PNG or WebP photo"),  # the content is a photo, the name is not
        ("photo.jpg", b"<?php system($_GET['c']); ?>", "is not a JPEG, PNG or WebP photo"),
        ("huge.jpg", JPEG + b"\x00" * (10 * 1024 * 1024), "larger than 10 MB"),
    ]:
        page = c.get("/cases/report/")
        refused = c.post("/cases/report/", _report_data(page, category, first_grid, photos=[_upload(name, content)]))
        assert refused.status_code == 400, name
        assert message in refused.content.decode(), name
    assert Case.objects.count() == before


@pytest.mark.parametrize("original,expected", [
    ("../../etc/passwd.jpg", "passwd.jpg"),
    ("..\\..\\windows\\win.ini.jpg", "win.ini.jpg"),
    (".htaccess.png", "htaccess.png"),
    ("a\x00b<script>.jpeg", "abscript.jpg"),
    ("", "photo.jpg"),
])
def test_safe_name_drops_directories_and_odd_characters(original, expected):
    assert safe_name(original, ".png" if expected.endswith(".png") else ".jpg") == expected


def test_staff_report_for_a_resident_needs_the_residents_name(web, xd, first_grid):
    c = web("grid_worker")
    page = c.get("/cases/report/")
    category = Category.objects.get(district=xd, code="E0102")
    nameless = c.post("/cases/report/", _report_data(page, category, first_grid, mode="staff"))
    assert nameless.status_code == 400 and "Give the name of the resident" in nameless.content.decode()
    ok = c.post("/cases/report/", _report_data(page, category, first_grid, mode="staff", reporter_name="王芳", reporter_phone="13812345678"))
    assert ok.status_code == 302
    case = Case.objects.get(district=xd, idem_key=page.context["form"].initial["idem_key"])
    assert (case.source, case.reporter_name, case.reporter_phone, case.reporter) == ("staff", "王芳", "13812345678", None)


def test_grid_staff_report_only_in_their_grids_but_the_desk_takes_any_request(web, client, xd, first_grid, other_grid, demo_user):
    c = web("grid_worker")
    page = c.get("/cases/report/")
    assert "desk" not in dict(page.context["form"].fields["mode"].choices)
    category = Category.objects.get(district=xd, code="G0301")
    refused = c.post("/cases/report/", _report_data(page, category, other_grid))
    assert refused.status_code == 400 and "outside the grids you serve" in refused.content.decode()

    # A community worker at the one-window desk 百通岗 of the first community takes a request
    # from a resident of another community.
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create(username="desk.worker")
    person = Person.objects.create(district=xd, name="窗口工作人员", user=user)
    Post.objects.create(person=person, district=xd, role="community_worker", node=Node.objects.get(path=first_grid.path[:12]))
    client.force_login(user)
    page = client.get("/cases/report/")
    assert "desk" in dict(page.context["form"].fields["mode"].choices)
    done = client.post("/cases/report/", _report_data(page, category, other_grid, mode="desk", reporter_name="李强"))
    assert done.status_code == 302
    case = Case.objects.get(district=xd, idem_key=page.context["form"].initial["idem_key"])
    assert case.source == "desk" and case.grid_id == other_grid.pk and case.reporter_name == "李强"
    assert client.get(done.url).status_code == 200  # the desk follows the request it took


def test_a_resident_reports_and_follows_their_own_case(web, xd, first_grid, other_grid):
    c = web("resident")
    page = c.get("/cases/report/")
    assert list(dict(page.context["form"].fields["mode"].choices)) == ["resident"]
    assert "/cases/report/area.geojson" in page.content.decode()  # residents may not open node pages
    area = c.get("/cases/report/area.geojson").json()
    assert [f["properties"]["role"] for f in area["features"]] == ["self"]
    data = _report_data(page, Category.objects.get(district=xd, code="E0501"), other_grid, mode="resident")
    assert c.post("/cases/report/", data).status_code == 302
    case = Case.objects.get(district=xd, idem_key=data["idem_key"])
    assert case.source == "resident" and case.reporter.user.username == "resident.140105"
    assert c.get(f"/cases/{case.number}/").status_code == 200
    tasks = c.get("/cases/tasks/").content.decode()
    assert 'data-bucket="mine"' in tasks and case.number in tasks


# ---------------------------------------------------------------- case detail and actions


def test_case_page_offers_only_the_users_actions_and_a_post_moves_the_state(web, new_case, demo_user):
    case = new_case()
    secretary = web("community_secretary")
    page = secretary.get(f"/cases/{case.number}/")
    assert page.status_code == 200
    offered = _actions(page)
    assert offered == {a.name for a in available(demo_user("community_secretary"), case)}
    assert "register" in offered and "accept" not in offered
    worker = web("grid_worker")
    assert "register" not in _actions(worker.get(f"/cases/{case.number}/"))

    secretary = web("community_secretary")
    moved = secretary.post(f"/cases/{case.number}/", {"action": "register", "version": case.version, "comment": "属实，立案"})
    assert moved.status_code == 302
    case.refresh_from_db()
    assert case.state == "registered"
    page = secretary.get(moved.url)
    assert "属实，立案" in page.content.decode() and "dispatch" in _actions(page)


def test_a_stale_page_gets_the_conflict_message_and_changes_nothing(web, new_case):
    case = new_case()
    c = web("community_secretary")
    stale_version = case.version
    assert c.post(f"/cases/{case.number}/", {"action": "register", "version": stale_version}).status_code == 302
    # The same button pressed again from the page read before the change (or by a colleague).
    late = c.post(f"/cases/{case.number}/", {"action": "void", "version": stale_version, "reason": "invalid"})
    body = late.content.decode()
    assert late.status_code == 409
    assert 'data-kind="conflict"' in body and "Someone else changed this case just now" in body
    case.refresh_from_db()
    assert case.state == "registered"
    assert Transition.objects.filter(case=case, action__in=["register", "void"]).count() == 1


def test_the_case_page_walks_a_case_to_evaluation_with_parameters_and_photos(web, client, new_case, xd):
    from django.contrib.auth import get_user_model

    from gridgov.cases.models import DepartmentHandler

    case = new_case()
    water = get_user_model().objects.create(username="water.handler")
    DepartmentHandler.objects.create(department=Department.objects.get(district=xd, code="swj"),
                                     person=Person.objects.create(district=xd, name="水务承办人", user=water))

    def act(role, action, **data):
        case.refresh_from_db()
        if role == "water":
            client.force_login(water)
            c = client
        else:
            c = web(role)
        response = c.post(f"/cases/{case.number}/", {"action": action, "version": case.version, **data})
        assert response.status_code == 302, (action, response.content.decode()[:2000])
        case.refresh_from_db()

    act("community_secretary", "register")
    cgj = Department.objects.get(district=xd, code="cgj")
    swj = Department.objects.get(district=xd, code="swj")
    act("community_secretary", "dispatch", department=swj.pk)
    assert case.department == swj
    # 城管's handler may not accept for 水务, nor a resident register: the page says so.
    for role, action in [("department_handler", "accept"), ("resident", "register")]:
        refused = web(role).post(f"/cases/{case.number}/", {"action": action, "version": case.version})
        assert refused.status_code == 403 and 'data-kind="forbidden"' in refused.content.decode()
    act("water", "return_to_dispatcher", comment="不属于水务职责")
    assert case.state == "registered" and case.department is None
    act("community_secretary", "dispatch", department=cgj.pk)
    act("department_handler", "accept")
    act("department_handler", "request_extension", days=2)
    act("community_secretary", "approve_extension")
    assert case.extended
    act("department_handler", "handle", comment="已清运", photos=[_upload("after.jpg", JPEG)])
    handled = Transition.objects.get(case=case, action="handle")
    assert [a.name for a in handled.attachments.all()] == ["after.jpg"]
    act("grid_worker", "verify")
    act("community_secretary", "close")
    act("resident", "evaluate", rating="basic", comment="还行")
    assert case.state == "evaluated"
    assert case.evaluations.get().rating == "basic"
    page = web("resident").get(f"/cases/{case.number}/").content.decode()
    assert "已清运" in page and "Basically satisfied" in page


def test_a_refused_action_shows_the_rule_in_its_form(web, new_case):
    case = new_case()
    c = web("community_secretary")
    response = c.post(f"/cases/{case.number}/", {"action": "void", "version": case.version, "reason": "duplicate"})
    assert response.status_code == 400
    assert "Give the number of the case this one duplicates" in response.content.decode()
    case.refresh_from_db()
    assert case.state == "reported"


# ---------------------------------------------------------------- scoping


def test_a_community_secretary_sees_no_case_of_another_community(web, xd, other_grid, first_grid, new_case):
    mine = new_case()
    theirs, _ = services.intake(xd, category=Category.objects.get(district=xd, code="E0102"), lon=other_grid.centroid_lon,
                                lat=other_grid.centroid_lat, description="别的社区的案件", source="hotline")
    photo = Attachment.objects.create(case=theirs, file="cases/x.jpg", name="x.jpg", content_type="image/jpeg", size=1)
    c = web("community_secretary")
    assert c.get(f"/cases/{mine.number}/").status_code == 200
    for url in [f"/cases/{theirs.number}/", f"/cases/report/done/{theirs.number}/", f"/cases/{theirs.number}/photos/{photo.pk}/"]:
        assert c.get(url).status_code == 404, url
    assert c.post(f"/cases/{theirs.number}/", {"action": "register", "version": theirs.version}).status_code == 404

    community = first_grid.path[:12]
    geo = c.get("/cases/map/open.geojson").json()
    numbers = {f["properties"]["number"] for f in geo["features"]}
    expected = set(Case.objects.filter(node_path__startswith=community, state__in=ACTIVE_STATES).values_list("number", flat=True))
    assert mine.number in numbers and theirs.number not in numbers
    assert numbers == expected
    assert all(f["geometry"]["type"] == "Point" for f in geo["features"])
    assert f'data-number="{theirs.number}"' not in c.get("/cases/?q=" + theirs.number).content.decode()
    assert f'data-number="{mine.number}"' in c.get("/cases/?q=" + mine.number).content.decode()


def test_the_open_cases_map_is_newest_first_and_capped(web, new_case, monkeypatch):
    from gridgov.cases import kpi

    new_case()
    newest = new_case()
    monkeypatch.setattr(kpi, "MAP_LIMIT", 1)
    geo = web("community_secretary").get("/cases/map/open.geojson").json()
    assert [f["properties"]["number"] for f in geo["features"]] == [newest.number]
    assert geo["truncated"] is True


# ---------------------------------------------------------------- my tasks


def _bucket(response, key):
    body = response.content.decode()
    match = re.search(rf'<section class="card" id="bucket-{key}">(.*?)</section>', body, re.S)
    return match.group(1) if match else None


def test_my_tasks_lists_each_roles_work(web, new_case, act):
    case = new_case()
    assert case.number in _bucket(web("community_secretary").get("/cases/tasks/"), "register")
    assert _bucket(web("grid_worker").get("/cases/tasks/"), "register") is None  # grid staff do not dispatch
    act(case, "register", "community_secretary")
    assert case.number in _bucket(web("community_secretary").get("/cases/tasks/"), "dispatch")
    case = act(case, "dispatch", "community_secretary")
    assert case.number in _bucket(web("department_handler").get("/cases/tasks/"), "accept")
    case = act(case, "accept", "department_handler")
    case = act(case, "request_extension", "department_handler", days=1)
    assert case.number in _bucket(web("community_secretary").get("/cases/tasks/"), "extension")
    assert case.number in _bucket(web("department_handler").get("/cases/tasks/"), "handle")
    case = act(case, "deny_extension", "community_secretary")
    case = act(case, "handle", "department_handler")
    assert case.number in _bucket(web("grid_worker").get("/cases/tasks/"), "verify")
    case = act(case, "verify", "grid_worker")
    assert case.number in _bucket(web("community_secretary").get("/cases/tasks/"), "close")
    assert case.number in _bucket(web("resident").get("/cases/tasks/"), "mine")
    case = act(case, "close", "community_secretary")
    assert case.number in _bucket(web("resident").get("/cases/tasks/"), "evaluate")
    # A subdistrict dispatches only what was whistled up to it.
    grid_level, whistled = new_case(), act(new_case(), "escalate", "grid_worker")
    whistled = act(whistled, "escalate", "community_secretary")
    register = _bucket(web("subdistrict_secretary").get("/cases/tasks/"), "register")
    assert whistled.number in register and grid_level.number not in register


def test_my_tasks_puts_overdue_cases_first(web, new_case, act):
    import datetime as dt

    from django.utils import timezone

    fresh, late = new_case(), new_case()
    Case.objects.filter(pk=late.pk).update(deadline=timezone.now() - dt.timedelta(hours=3), reported_at=timezone.now() - dt.timedelta(days=1))
    register = _bucket(web("community_secretary").get("/cases/tasks/"), "register")
    assert register.index(late.number) < register.index(fresh.number)
    assert 'class="is-late"' in register


# ---------------------------------------------------------------- list


def test_case_list_filters_by_state_class_level_and_date(web, new_case, act):
    registered = act(new_case("E0102"), "register", "community_secretary")
    reported = new_case("C0107")
    c = web("community_secretary")

    def rows(query):
        response = c.get("/cases/?" + query)
        assert response.status_code == 200
        return set(re.findall(r'<tr class="[^"]*" data-number="(\d+)"', response.content.decode()))

    assert registered.number in rows("state=registered") and reported.number not in rows("state=registered")
    assert rows("category_class=C01&state=reported") >= {reported.number}
    assert registered.number not in rows("category_class=C01")
    assert not {reported.number, registered.number} & rows("level=district")
    day = reported.reported_at.astimezone(ZoneInfo("Asia/Shanghai")).date()
    assert reported.number in rows(f"date_from={day}&date_to={day}&state=reported")
    assert reported.number not in rows(f"date_to={day.replace(year=day.year - 1)}")
    assert rows(f"q={reported.number}") == {reported.number}
    assert reported.number in rows("date_from=notadate&state=reported")  # a bad filter is shown, not applied
