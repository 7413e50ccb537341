"""Patrols: check-in inside one's own grid with a GPS track, household visits and notes, things
fixed on the spot (a case created closed) and real-time reports (an open case)."""
import pytest

from gridgov.cases import services
from gridgov.cases.models import Category, Transition


def test_grid_worker_patrols_fixes_one_thing_and_reports_another(xd, first_grid, demo_user):
    user = demo_user("grid_worker", "140105")
    lon, lat = first_grid.centroid_lon, first_grid.centroid_lat
    patrol = services.start_patrol(user, lon, lat)
    assert patrol.grid_id == first_grid.pk
    services.add_track_points(patrol, [[lon + 0.0001, lat, 1_800_000_000], [lon + 0.0002, lat, 1_800_000_060]])
    category = Category.objects.get(district=xd, code="E0201")
    fixed = services.fixed_on_the_spot(user, district=xd, category=category, lon=lon, lat=lat, description="清除小广告")
    assert fixed.state == "closed" and fixed.closed_on_time and fixed.source == "patrol"
    assert list(Transition.objects.filter(case=fixed).values_list("action", flat=True)) == ["report", "fix_on_spot"]
    reported, created = services.intake(xd, category=category, lon=lon, lat=lat, description="墙面大面积涂鸦", source="patrol", user=user)
    assert created and reported.state == "reported"
    patrol = services.finish_patrol(patrol, visits=6, notes="走访6户")
    assert len(patrol.track) == 3 and patrol.visits == 6


def test_patrol_outside_ones_grids_is_refused(xd, demo_user):
    from gridgov.hierarchy.models import Node

    far = Node.objects.filter(district=xd, kind="grid").order_by("-code").first()
    with pytest.raises(services.CaseError):
        services.start_patrol(demo_user("grid_worker", "140105"), far.centroid_lon, far.centroid_lat)


def test_resident_cannot_fix_on_the_spot(xd, first_grid, demo_user):
    category = Category.objects.get(district=xd, code="E0201")
    with pytest.raises(services.NotAllowed):
        services.fixed_on_the_spot(demo_user("resident", "140105"), district=xd, category=category,
                                   lon=first_grid.centroid_lon, lat=first_grid.centroid_lat, description="小广告")


def test_a_refused_fix_leaves_no_case_behind(xd, first_grid, demo_user):
    from gridgov.cases.models import Case

    before = Case.objects.count()
    with pytest.raises(services.NotAllowed):
        services.fixed_on_the_spot(demo_user("resident", "140105"), district=xd, category=Category.objects.get(district=xd, code="E0201"),
                                   lon=first_grid.centroid_lon, lat=first_grid.centroid_lat, description="另一处小广告")
    assert Case.objects.count() == before


def test_patrol_page_shows_the_active_patrol_to_its_worker(client_as, first_grid, demo_user):
    services.start_patrol(demo_user("grid_worker", "140105"), first_grid.centroid_lon, first_grid.centroid_lat)
    page = client_as("grid_worker").get("/cases/patrol/").content.decode()
    assert first_grid.name in page and "finish-form" in page
    assert client_as("resident").get("/cases/patrol/").status_code == 403
