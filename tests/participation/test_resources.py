"""The three lists: who publishes resources and raises needs, match suggestions (right kind, nearer
first, own subdistrict first, free ones first), need → project → done marks the need met, the
per-subdistrict report and exports, pages and API scoped, and Saihan's published sharing figures."""
import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook

from gridgov.hierarchy import services as hierarchy
from gridgov.hierarchy.models import Node
from gridgov.orgs.models import PartnerUnit
from gridgov.participation.errors import NotAllowed, ParticipationError
from gridgov.participation.models import Need, Project, Resource
from gridgov.participation.services import resources as services

CODE = "150105"


def nodes(kind, code=CODE):
    return list(Node.objects.filter(district__code=code, kind=kind).order_by("code"))


def test_stats_show_saihans_published_sharing_figures(demo, capsys):
    call_command("stats", "--json")
    out = json.loads(capsys.readouterr().out)
    saihan = next(d for d in out["districts"] if d["code"] == CODE)["counts"]
    assert (saihan["units_sharing_meeting_room"], saihan["units_sharing_venue"], saihan["units_sharing_counselling_room"],
            saihan["units_sharing_publicity"]) == (9, 10, 6, 22)
    for key in ("resource", "need", "project", "booking"):
        assert saihan[key] > 0


def test_saihans_sharing_units_are_all_in_renminlu_subdistrict(demo):
    renminlu = nodes("subdistrict")[0]
    assert renminlu.name == "人民路街道"
    shared = Resource.objects.filter(district__code=CODE, partner_unit__isnull=False, active=True)
    assert shared.exists() and not shared.exclude(hierarchy.subtree_q(renminlu.path, "node_path")).exists()


def test_every_subdistrict_has_needs_and_a_report_row(demo, demo_user):
    rows = services.subdistrict_report(demo_user("district_admin", CODE))
    assert len(rows) == len(nodes("subdistrict"))
    assert all(r["needs_raised"] > 0 for r in rows)
    first = rows[0]
    assert first["units"]["meeting_room"] == 9 and first["units"]["publicity"] == 22


def test_partner_unit_contact_publishes_for_a_unit_but_not_for_the_community(demo, demo_user):
    contact = demo_user("partner_unit_contact", CODE)
    community = nodes("community")[0]
    unit = PartnerUnit.objects.filter(district__code=CODE).first()
    made = services.publish_resource(contact, community, "skill", "法律咨询", partner_unit=unit)
    assert made.pk and made.lon is not None  # placed at the community's centroid
    with pytest.raises(NotAllowed):
        services.publish_resource(contact, community, "meeting_room", "社区会议室")
    with pytest.raises(NotAllowed):
        services.publish_resource(contact, nodes("community")[1], "skill", "义诊", partner_unit=unit)
    with pytest.raises(NotAllowed):
        services.publish_resource(demo_user("resident", CODE), community, "skill", "义诊")


def test_bookable_resource_needs_opening_hours(demo, demo_user):
    with pytest.raises(ParticipationError):
        services.publish_resource(demo_user("community_secretary", CODE), nodes("community")[0], "venue", "活动室", bookable=True)


def test_grid_chief_raises_a_need_for_their_grid_only(demo, demo_user):
    chief = demo_user("grid_chief", CODE)
    grid = next(p.node for p in chief.person.posts.all())
    need = services.raise_need(chief, grid, "venue", "广场舞场地")
    assert need.state == "open" and need.node_path == grid.path
    other = Node.objects.filter(district__code=CODE, kind="grid").exclude(pk=grid.pk).order_by("code").first()
    with pytest.raises(NotAllowed):
        services.raise_need(chief, other, "venue", "广场舞场地")


def test_suggestions_rank_nearer_resources_of_the_wanted_kind_first(demo, demo_user):
    admin = demo_user("district_admin", CODE)
    community = nodes("community")[0]
    sub = nodes("subdistrict")[0]
    lon, lat = community.centroid_lon, community.centroid_lat
    # A kind nobody in the demo shares, so only these compete.
    near = services.publish_resource(admin, sub, "funds", "近处基金", lon=lon + 0.001, lat=lat)
    far = services.publish_resource(admin, sub, "funds", "远处基金", lon=lon + 0.05, lat=lat)
    services.publish_resource(admin, sub, "skill", "最近的技能", lon=lon, lat=lat)
    other_sub = nodes("subdistrict")[1]
    elsewhere = services.publish_resource(admin, other_sub, "funds", "别的街道但很近", lon=lon, lat=lat)
    Resource.objects.filter(district__code=CODE, kind="funds").exclude(pk__in=[near.pk, far.pk, elsewhere.pk]).update(active=False)
    need = services.raise_need(demo_user("community_secretary", CODE), community, "funds", "困难家庭帮扶")
    ranked = [s.resource.pk for s in services.suggest(admin, need)]
    assert ranked == [near.pk, far.pk, elsewhere.pk]  # own subdistrict first, then by distance


def test_a_fully_booked_room_ranks_after_a_free_one(demo, demo_user):
    admin = demo_user("district_admin", CODE)
    community = nodes("community")[0]
    lon, lat = community.centroid_lon, community.centroid_lat
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    hours = {str(tomorrow.weekday()): ["09:00", "10:00"]}
    busy = services.publish_resource(admin, community, "counselling_room", "近但已约满", lon=lon, lat=lat, bookable=True, opening_hours=hours)
    free = services.publish_resource(admin, community, "counselling_room", "远但空闲", lon=lon + 0.02, lat=lat, bookable=True, opening_hours=hours)
    Resource.objects.filter(district__code=CODE, kind="counselling_room").exclude(pk__in=[busy.pk, free.pk]).update(active=False)
    start = dt.datetime.combine(tomorrow, dt.time(9), tzinfo=services.tz_of(busy))
    services.book(admin, busy, start, start + dt.timedelta(hours=1), "心理辅导")
    need = services.raise_need(admin, community, "counselling_room", "心理辅导", wanted_from=tomorrow, wanted_until=tomorrow)
    ranked = services.suggest(admin, need)
    assert [s.resource.pk for s in ranked] == [free.pk, busy.pk]
    assert ranked[0].available and not ranked[1].available


def test_need_becomes_a_project_and_is_met_when_the_project_is_done(demo, demo_user):
    secretary = demo_user("community_secretary", CODE)
    community = nodes("community")[0]
    need = services.raise_need(secretary, community, "venue", "重阳节文艺汇演场地", wanted_from=timezone.localdate())
    resource = services.suggest(secretary, need)[0].resource
    project = services.start_project(secretary, need, [resource], owner=secretary.person, start=timezone.localdate())
    need.refresh_from_db()
    assert need.state == "matched" and project.state == "running"
    if resource.partner_unit_id:
        assert list(project.partner_units.values_list("pk", flat=True)) == [resource.partner_unit_id]
    services.update_project(secretary, project, progress=60)
    with pytest.raises(ParticipationError):
        services.update_project(secretary, project, state="done")  # no result recorded yet
    services.update_project(secretary, project, result="汇演顺利举行，300名居民参加", state="done")
    need.refresh_from_db()
    project.refresh_from_db()
    assert need.state == "met" and project.progress == 100 and project.end == timezone.localdate()


def test_cancelled_project_sends_the_need_back_to_open(demo, demo_user):
    secretary = demo_user("community_secretary", CODE)
    need = services.raise_need(secretary, nodes("community")[0], "venue", "篮球赛场地")
    project = services.start_project(secretary, need, [services.suggest(secretary, need)[0].resource])
    services.update_project(secretary, project, state="cancelled")
    need.refresh_from_db()
    assert need.state == "open"


def test_community_secretary_sees_no_needs_of_another_subdistrict(demo, demo_user, client_as):
    secretary = demo_user("community_secretary", CODE)
    community = nodes("community")[0]
    other = Need.objects.filter(district__code=CODE).exclude(hierarchy.subtree_q(nodes("subdistrict")[0].path, "node_path")).first()
    assert other is not None
    visible = set(services.needs(secretary).values_list("pk", flat=True))
    assert other.pk not in visible
    assert all(p.startswith(community.path) for p in services.needs(secretary).values_list("node_path", flat=True))
    client = client_as("community_secretary", CODE)
    assert client.get(f"/participation/needs/{other.pk}/").status_code == 404
    assert client.get(f"/api/needs/{other.pk}").status_code == 404
    listed = client.get("/api/needs", {"limit": 200}).json()
    assert other.pk not in {n["id"] for n in listed["items"]}
    page = client.get("/participation/needs/")
    assert page.status_code == 200 and f"/participation/needs/{other.pk}/" not in page.content.decode()


def test_another_districts_admin_sees_none_of_saihans_lists(demo, client_as):
    client = client_as("district_admin", "140105")
    saihan_resources = set(Resource.objects.filter(district__code=CODE).values_list("pk", flat=True))
    rows = client.get("/api/resources", {"limit": 200}).json()
    assert not saihan_resources & {r["id"] for r in rows["items"]}
    project = Project.objects.filter(district__code=CODE).first()
    assert client.get(f"/api/projects/{project.pk}").status_code == 404
    assert client.get(f"/participation/projects/{project.pk}/").status_code == 404


def test_resident_sees_the_shared_resources_of_their_subdistrict_to_book(demo, client_as):
    answer = client_as("resident", CODE).get("/api/resources", {"bookable": "true", "limit": 200})
    assert answer.status_code == 200
    sub = nodes("subdistrict")[0]
    items = answer.json()["items"]
    assert items and all(Resource.objects.get(pk=r["id"]).node_path.startswith(sub.path[:8]) for r in items)


def test_pages_of_the_three_lists_render(demo, client_as):
    client = client_as("community_secretary", CODE)
    resource = Resource.objects.filter(district__code=CODE, bookable=True).first()
    need = Need.objects.filter(district__code=CODE, node_path__startswith=nodes("community")[0].path).first()
    urls = ["/participation/resources/", "/participation/resources/?kind=meeting_room&bookable=1", f"/participation/resources/{resource.pk}/",
            f"/participation/resources/{resource.pk}/calendar/", "/participation/needs/", "/participation/projects/",
            "/participation/bookings/", "/participation/resources/report/", "/participation/resources/new/", "/participation/needs/new/"]
    if need:
        urls.append(f"/participation/needs/{need.pk}/")
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_publishing_through_the_page_shows_a_rule_as_a_form_error(demo, client_as):
    client = client_as("community_secretary", CODE)
    community = nodes("community")[0]
    answer = client.post("/participation/resources/new/", {"node": community.pk, "kind": "venue", "name": "活动室", "bookable": "on",
                                                          "slot_minutes": 60, "min_slots": 1, "max_slots": 4})
    assert answer.status_code == 200 and services._("A bookable resource needs opening hours.") in answer.content.decode()
    ok = client.post("/participation/resources/new/", {"node": community.pk, "kind": "venue", "name": "新活动室", "bookable": "on",
                                                      "slot_minutes": 60, "min_slots": 1, "max_slots": 4, "opens": "08:00",
                                                      "closes": "18:00", "days": ["0", "1"]})
    assert ok.status_code == 302
    assert Resource.objects.get(name="新活动室").opening_hours == {"0": ["08:00", "18:00"], "1": ["08:00", "18:00"]}


def test_report_and_lists_export_to_excel(demo, client_as):
    client = client_as("district_admin", CODE)
    answer = client.get("/participation/resources/report.xlsx")
    assert answer.status_code == 200
    sheet = load_workbook(io.BytesIO(answer.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 1 + len(nodes("subdistrict")) and rows[1][0] == "人民路街道"
    assert rows[1][5:9] == (9, 10, 6, 22)
    for what in ("resources", "needs", "projects"):
        exported = client.get(f"/participation/resources/export/{what}.xlsx")
        assert exported.status_code == 200
        assert load_workbook(io.BytesIO(exported.content)).active.max_row > 1
    assert client_as("resident", CODE).get("/participation/resources/report.xlsx").status_code == 403


def test_a_still_open_need_whose_period_has_passed_gets_suggestions(demo, demo_user):
    secretary = demo_user("community_secretary", CODE)
    last_year = timezone.localdate() - dt.timedelta(days=365)
    need = services.raise_need(secretary, nodes("community")[0], "meeting_room", "去年的需求", wanted_from=last_year,
                               wanted_until=last_year + dt.timedelta(days=10))
    suggestions = services.suggest(secretary, need)
    assert suggestions and any(s.available for s in suggestions)
