"""The grid party branch staffing checklist 五长一队一阵地: which chiefs are filled, the secretary,
the service team and its venue; a community's share of complete grids; the panels on the node page."""
import datetime

import pytest

from gridgov.hierarchy import services as hierarchy
from gridgov.hierarchy.models import Node
from gridgov.orgs import services
from gridgov.orgs.models import PartyOrg, ServiceCentre, ServiceTeam
from gridgov.people import services as people
from gridgov.people.models import Post


def saihan_cells():
    return Node.objects.filter(district__code="150105", kind="grid").order_by("code")


@pytest.fixture
def bare_grid(demo):
    """A Saihan grid stripped of its staffing, to be filled by the test."""
    grid = saihan_cells()[5]
    Post.objects.filter(node=grid, role__in=services.CHIEF_ROLES).delete()
    ServiceTeam.objects.filter(node=grid).delete()
    PartyOrg.objects.filter(node=grid, is_grid_branch=True).update(secretary=None)
    return grid


def filled(checklist):
    return {item.code: item.filled for item in checklist.items}


def test_checklist_of_a_grid_with_missing_chiefs(demo, bare_grid):
    district = demo["150105"]
    chief = people.create_person(district, "王网格", home=bare_grid)
    officer = people.create_person(district, "李片警", home=bare_grid)
    retired = people.create_person(district, "赵路长", home=bare_grid)
    people.add_post(chief, "grid_chief", bare_grid)
    people.add_post(officer, "beat_officer", bare_grid)
    # A post that has ended fills nothing.
    people.add_post(retired, "road_chief", bare_grid, end=datetime.date(2020, 1, 1))
    checklist = services.staffing(bare_grid)
    assert filled(checklist) == {
        "grid_chief": True, "road_chief": False, "beat_officer": True, "judicial_officer": False,
        "market_supervisor": False, "secretary": False, "service_team": False, "venue": False,
    }
    items = {i.code: i for i in checklist.items}
    assert items["grid_chief"].people == ["王网格"] and items["beat_officer"].people == ["李片警"]
    assert not checklist.complete
    assert [i.code for i in checklist.missing] == ["road_chief", "judicial_officer", "market_supervisor", "secretary",
                                                   "service_team", "venue"]

    # Filling the rest completes it; the secretary may be the grid chief (一肩挑).
    for role in ("road_chief", "judicial_officer", "market_supervisor"):
        people.add_post(people.create_person(district, f"{role}某", home=bare_grid), role, bare_grid)
    services.set_secretary(PartyOrg.objects.get(node=bare_grid, is_grid_branch=True), chief)
    team = services.create_service_team(district, bare_grid, venue="三号楼一层活动室")
    services.add_team_member(team, people.create_person(district, "孙城管", home=bare_grid), "urban_management")
    checklist = services.staffing(bare_grid)
    assert checklist.complete
    items = {i.code: i for i in checklist.items}
    assert items["secretary"].people == ["王网格"]
    assert items["service_team"].people == ["孙城管（城市管理）"]
    assert items["venue"].detail == "三号楼一层活动室"


def test_a_team_may_use_a_service_centre_as_its_venue(demo, bare_grid):
    district = demo["150105"]
    centre = ServiceCentre.objects.filter(district=district).first()
    services.create_service_team(district, bare_grid, centre=centre)
    item = next(i for i in services.staffing(bare_grid).items if i.code == "venue")
    assert item.filled and item.detail == centre.name


def test_service_team_rules(demo, bare_grid):
    district = demo["150105"]
    with pytest.raises(services.OrgError):
        services.create_service_team(district, Node.objects.filter(district=district, kind="community").first())
    team = services.create_service_team(district, bare_grid)
    with pytest.raises(services.OrgError):
        services.create_service_team(district, bare_grid)
    with pytest.raises(services.OrgError):
        services.add_team_member(team, people.create_person(district, "某"), "astrology")


def independent_complete(grid):
    today = datetime.date.today()
    posts = Post.objects.filter(node=grid).exclude(end__lt=today).exclude(start__gt=today)
    roles = set(posts.values_list("role", flat=True))
    chiefs = {"grid_chief", "road_chief", "beat_officer", "judicial_officer", "market_supervisor"} <= roles
    secretary = PartyOrg.objects.filter(node=grid, is_grid_branch=True, secretary__isnull=False).exists()
    team = ServiceTeam.objects.filter(node=grid).first()
    return chiefs and secretary and team is not None and team.members.exists() and bool(team.centre_id or team.venue)


def test_community_share_equals_an_independent_count(demo):
    checked = 0
    for community in Node.objects.filter(district__code="150105", kind="community").order_by("code")[:6]:
        grids = list(Node.objects.filter(hierarchy.subtree_q(community.path), kind="grid"))
        complete = sum(independent_complete(g) for g in grids)
        result = services.community_completeness(community)
        assert result["total"] == len(grids)
        assert result["complete"] == complete
        assert result["share"] == pytest.approx(complete / len(grids))
        assert {s.grid.pk for s in result["incomplete"]} == {g.pk for g in grids if not independent_complete(g)}
        checked += 1
    assert checked


def test_demo_staffs_most_saihan_grids_and_leaves_a_minority_incomplete(demo):
    checklists = services.staffing_many(saihan_cells())
    assert len(checklists) == 337
    share = sum(s.complete for s in checklists) / len(checklists)
    assert 0.8 <= share < 0.95


def test_grid_page_shows_the_checklist(client_as, demo, bare_grid):
    people.add_post(people.create_person(demo["150105"], "王网格", home=bare_grid), "grid_chief", bare_grid)
    html = client_as("district_admin", "150105").get(f"/hierarchy/nodes/{bare_grid.pk}/").content.decode()
    assert 'id="staffing"' in html
    assert 'data-item="grid_chief" data-filled="1"' in html and "王网格" in html
    assert 'data-item="road_chief" data-filled="0"' in html
    assert "网格长" in html and "路长" in html


def test_community_page_shows_the_share_and_the_incomplete_grids(client_as, demo, bare_grid):
    community = Node.objects.filter(district__code="150105", kind="community", path=bare_grid.path[: -hierarchy.STEPLEN]).get()
    result = services.community_completeness(community)
    html = client_as("district_admin", "150105").get(f"/hierarchy/nodes/{community.pk}/").content.decode()
    assert 'id="staffing"' in html
    assert f"/hierarchy/nodes/{bare_grid.pk}/" in html  # the stripped grid is listed as incomplete
    assert f"{result['complete']}" in html and f"{result['total']}" in html
