"""geo.locate() over the demo districts: interior points find their own grid (and building), points
outside the district find nothing, and the index follows boundary changes through geometry_version."""
import math

import pytest
import shapely
from django.db import transaction
from django.db.models import F
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from shapely import affinity
from shapely.geometry import shape

from gridgov.hierarchy import geo, services
from gridgov.hierarchy.models import CELL_KINDS, District, Node

DISTRICTS = ["150105", "140105", "530111"]
HYPOTHESIS = settings(deadline=None, max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
# Barycentric fractions kept away from 0 and 1, so that points rarely fall on a triangle's edge.
FRACTION = st.floats(min_value=0.01, max_value=0.99)


def load_cells(code):
    """[(node id, stored geometry)] of a district's comprehensive cells, in code order."""
    rows = Node.objects.filter(district__code=code, kind__in=CELL_KINDS).order_by("code").values_list("id", "polygon")
    return [(pk, shape(polygon)) for pk, polygon in rows]


@pytest.fixture
def cells(db):
    """{district code: [(cell id, geometry)]}, read once per test (not once per example)."""
    return {code: load_cells(code) for code in DISTRICTS}


@pytest.fixture
def outlines(db):
    return {code: shape(Node.objects.get(district__code=code, depth=1).polygon) for code in DISTRICTS}


@pytest.fixture
def fresh_index(db):
    """Tests that change boundaries leave this process's index built from rolled-back rows; forget it."""
    geo.invalidate()
    yield
    geo.invalidate()


def interior_point(geom, triangle, u, v):
    """A point of `geom`: barycentric (u, v) in one triangle of its triangulation (the caller checks
    that it is off the boundary)."""
    triangles = shapely.get_parts(shapely.constrained_delaunay_triangles(geom))
    tri = triangles[triangle % len(triangles)]
    (ax, ay), (bx, by), (cx, cy) = list(tri.exterior.coords)[:3]
    if u + v > 1:
        u, v = 1 - u, 1 - v  # fold the far half of the unit square back into the triangle
    w = 1 - u - v
    return shapely.Point(w * ax + u * bx + v * cx, w * ay + u * by + v * cy)


@HYPOTHESIS
@given(data=st.data(), code=st.sampled_from(DISTRICTS), triangle=st.integers(0, 100), u=FRACTION, v=FRACTION)
def test_point_strictly_inside_a_grid_locates_to_that_grid(cells, data, code, triangle, u, v):
    pk, geom = data.draw(st.sampled_from(cells[code]), label="cell")
    point = interior_point(geom, triangle, u, v)
    # Interior only: cells share borders, and a border point may belong to either neighbour.
    assume(geom.contains(point) and geom.boundary.distance(point) > 1e-9)
    found = geo.locate(code, point.x, point.y)
    assert found is not None and found.grid_id == pk


@pytest.mark.parametrize("code", DISTRICTS)
def test_every_cells_representative_point_and_stored_centroid_locate_to_itself(cells, code):
    district = District.objects.get(code=code)
    ids = [pk for pk, _ in cells[code]]
    points = [geom.representative_point() for _, geom in cells[code]]
    found = geo.locate_many(district, [p.x for p in points], [p.y for p in points])
    assert [f.grid_id if f else None for f in found] == ids
    centroids = Node.objects.filter(pk__in=ids).order_by("code").values_list("centroid_lon", "centroid_lat")
    found = geo.locate_many(district, [c[0] for c in centroids], [c[1] for c in centroids])
    assert [f.grid_id if f else None for f in found] == ids


@pytest.mark.parametrize("code", DISTRICTS)
def test_point_on_a_shared_corner_locates_to_the_lowest_code_alike_in_locate_and_locate_many(cells, code):
    # Corners where three or more cells meet, taken from the stored coordinates.
    owners = {}
    for pk, geom in cells[code]:
        for xy in geom.exterior.coords[:-1]:
            owners.setdefault(xy, []).append(pk)
    corners = [xy for xy, pks in owners.items() if len(pks) >= 3][:50]
    assert len(corners) >= 10
    rank = {pk: i for i, (pk, _) in enumerate(cells[code])}  # cells are in code order
    geoms = dict(cells[code])
    expected = []
    for x, y in corners:
        touching = [pk for pk in geoms if geoms[pk].intersects(shapely.Point(x, y))]
        expected.append(min(touching, key=rank.get))
    assert [geo.locate(code, x, y).grid_id for x, y in corners] == expected
    assert [f.grid_id for f in geo.locate_many(code, [x for x, _ in corners], [y for _, y in corners])] == expected


@HYPOTHESIS
@given(code=st.sampled_from(DISTRICTS), lon=st.floats(-180, 180), lat=st.floats(-90, 90))
def test_point_far_outside_the_district_bbox_locates_to_nothing(outlines, code, lon, lat):
    minx, miny, maxx, maxy = outlines[code].bounds
    assume(not (minx - 0.01 <= lon <= maxx + 0.01 and miny - 0.01 <= lat <= maxy + 0.01))
    assert geo.locate(code, lon, lat) is None


@HYPOTHESIS
@given(code=st.sampled_from(DISTRICTS), along=st.floats(0, 1), distance=st.floats(1e-5, 1e-2))
def test_point_just_outside_the_district_outline_locates_to_nothing(outlines, code, along, distance):
    outline = outlines[code]
    on_border = outline.exterior.interpolate(along, normalized=True)
    centre = outline.centroid
    dx, dy = on_border.x - centre.x, on_border.y - centre.y
    norm = math.hypot(dx, dy)
    # The demo outlines are convex: moving away from the centroid leaves the polygon.
    point = shapely.Point(on_border.x + distance * dx / norm, on_border.y + distance * dy / norm)
    assume(outline.distance(point) > 1e-6)
    assert geo.locate(code, point.x, point.y) is None


@HYPOTHESIS
@given(code=st.sampled_from(DISTRICTS), fractions=st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1)), min_size=1, max_size=40))
def test_locate_many_agrees_with_locate_point_by_point(outlines, code, fractions):
    # Points over the district's bbox widened by a fifth: inside, outside, near borders alike.
    minx, miny, maxx, maxy = outlines[code].bounds
    w, h = maxx - minx, maxy - miny
    xs = [minx - 0.1 * w + fx * 1.2 * w for fx, _ in fractions]
    ys = [miny - 0.1 * h + fy * 1.2 * h for _, fy in fractions]
    assert geo.locate_many(code, xs, ys) == [geo.locate(code, x, y) for x, y in zip(xs, ys)]


def test_point_inside_a_demo_building_locates_to_the_building_and_its_grid(db):
    community = Node.objects.filter(district__code="150105", kind="community").order_by("code").first()
    buildings = list(Node.objects.filter(services.subtree_q(community.path), kind="building").order_by("code"))
    assert len(buildings) >= 5
    for building in buildings:
        point = shape(building.polygon).representative_point()
        found = geo.locate("150105", point.x, point.y)
        assert found is not None
        assert (found.building_id, found.building_code) == (building.pk, building.code)
        assert found.grid_path == building.path[: -services.STEPLEN]


def test_point_in_a_grid_but_outside_its_buildings_has_no_building(db):
    community = Node.objects.filter(district__code="150105", kind="community").order_by("code").first()
    grid = Node.objects.filter(services.subtree_q(community.path), kind="grid").order_by("code").first()
    footprints = shapely.union_all([shape(b.polygon) for b in Node.objects.filter(services.subtree_q(grid.path), kind="building")])
    free = shape(grid.polygon).difference(footprints.buffer(1e-5)).representative_point()
    found = geo.locate("150105", free.x, free.y)
    assert found.grid_id == grid.pk and found.building_id is None


def quiet_grid(code="150105"):
    """A grid without buildings below it: the last one of the district (buildings are in the first community)."""
    grid = Node.objects.filter(district__code=code, kind__in=CELL_KINDS).order_by("-code").first()
    assert not grid.numchild
    return grid


def test_set_polygon_moves_the_index_with_the_new_boundary(fresh_index):
    grid = quiet_grid()
    district = grid.district
    old = shape(grid.polygon)
    centre = old.representative_point()
    # A point near a corner, in the old boundary but outside the shrunk one.
    corner = shapely.Point(old.exterior.coords[0])
    near_corner = shapely.Point(corner.x + 0.02 * (centre.x - corner.x), corner.y + 0.02 * (centre.y - corner.y))
    shrunk = affinity.scale(old, 0.5, 0.5, origin=centre)
    assert old.contains(near_corner) and not shrunk.covers(near_corner)
    assert geo.locate(district, near_corner.x, near_corner.y).grid_id == grid.pk
    version = District.objects.get(pk=district.pk).geometry_version

    services.set_polygon(grid, geo.to_geojson(shrunk))

    assert District.objects.get(pk=district.pk).geometry_version > version
    assert geo.locate(district, near_corner.x, near_corner.y) is None
    assert geo.locate(district, centre.x, centre.y).grid_id == grid.pk

    services.set_polygon(grid, geo.to_geojson(old))
    assert geo.locate(district, near_corner.x, near_corner.y).grid_id == grid.pk


def test_index_rebuilds_when_another_process_bumps_geometry_version(fresh_index, monkeypatch):
    grid = quiet_grid("140105")
    district = grid.district
    old = shape(grid.polygon)
    centre = old.representative_point()
    assert geo.locate(district, centre.x, centre.y).grid_id == grid.pk
    monkeypatch.setattr(geo, "RECHECK_SECONDS", 0.0)
    # Another process moves the grid far away: its rows change, then it bumps the version.
    moved = affinity.translate(old, xoff=1.0)
    Node.objects.filter(pk=grid.pk).update(polygon=geo.to_geojson(moved))
    assert geo.locate(district, centre.x, centre.y).grid_id == grid.pk  # same version: index kept
    District.objects.filter(pk=district.pk).update(geometry_version=F("geometry_version") + 1)
    assert geo.locate(district, centre.x, centre.y) is None
    moved_centre = moved.representative_point()
    assert geo.locate(district, moved_centre.x, moved_centre.y).grid_id == grid.pk


class Rollback(Exception):
    pass


def test_an_index_built_inside_a_rolled_back_change_is_not_kept(fresh_index, monkeypatch):
    monkeypatch.setattr(geo, "RECHECK_SECONDS", 0.0)  # as if the 2 s had passed between the steps
    grid = quiet_grid("530111")
    district = grid.district
    old = shape(grid.polygon)
    centre = old.representative_point()
    corner = shapely.Point(old.exterior.coords[0])
    near_corner = shapely.Point(corner.x + 0.02 * (centre.x - corner.x), corner.y + 0.02 * (centre.y - corner.y))
    with pytest.raises(Rollback), transaction.atomic():
        services.set_polygon(grid, geo.to_geojson(affinity.scale(old, 0.5, 0.5, origin=centre)))
        assert geo.locate(district, near_corner.x, near_corner.y) is None  # this transaction's view
        raise Rollback
    # Another process commits some other boundary change: the version moves to the same number.
    District.objects.filter(pk=district.pk).update(geometry_version=F("geometry_version") + 1)
    found = geo.locate(district, near_corner.x, near_corner.y)
    assert found is not None and found.grid_id == grid.pk
