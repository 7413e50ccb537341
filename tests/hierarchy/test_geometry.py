"""Boundaries of the hierarchy: every demo polygon is valid and inside its parent, a community's grids
tile it, and create_node / set_polygon refuse boundaries outside the parent or invalid, writing nothing."""
import pytest
import shapely
from shapely import affinity
from shapely.geometry import box, shape

from gridgov.hierarchy import geo, services
from gridgov.hierarchy.models import CELL_KINDS, District, Node

DISTRICTS = ["150105", "140105", "530111"]
BOWTIE = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}


@pytest.mark.parametrize("code", DISTRICTS)
def test_every_demo_polygon_is_valid_and_inside_its_parent(db, code):
    nodes = list(Node.objects.filter(district__code=code).order_by("path").values_list("path", "code", "polygon"))
    geoms = {}
    outside = []
    for path, node_code, polygon in nodes:
        geom = geo.parse_polygon(polygon)  # raises GeometryError unless a valid (Multi)Polygon
        assert geom.geom_type == "Polygon" and geom.is_valid, node_code
        geoms[path] = geom
        parent = geoms.get(path[: -services.STEPLEN])
        if len(path) > services.STEPLEN and not geo.inside(geom, parent):
            outside.append(node_code)
    assert len(geoms) == len(nodes) > 400
    assert outside == []


# Stored coordinates are rounded to 7 decimals, so vertices that a partition put on the parent's
# edge move off it by up to ~7e-8 degrees: tiling is exact only to about that width times the
# perimeter (the demo's worst is a third of it; relative to area that is up to ~1e-5).
ROUNDING = 1e-7


def tiling_gaps(parent, children):
    """(|sum of child areas - parent area|, total pairwise overlap area) of `children` in `parent`."""
    area = sum(c.area for c in children)
    tree = shapely.STRtree(children)
    left, right = tree.query(children, predicate="intersects")
    overlap = sum(children[i].intersection(children[j]).area for i, j in zip(left, right) if i < j)
    return abs(area - parent.area), overlap


@pytest.mark.parametrize("code", DISTRICTS)
@pytest.mark.parametrize("kind", ["district", "subdistrict", "community"])
def test_children_of_every_district_subdistrict_and_community_tile_it(db, code, kind):
    rows = Node.objects.filter(district__code=code, kind__in=[kind, *CELL_KINDS, "community", "subdistrict"]).values_list("path", "kind", "polygon")
    parents = {path: shape(polygon) for path, node_kind, polygon in rows if node_kind == kind}
    children = {}
    for path, _, polygon in rows:
        if path[: -services.STEPLEN] in parents:
            children.setdefault(path[: -services.STEPLEN], []).append(shape(polygon))
    assert len(parents) >= 1 and set(children) == set(parents)
    bad = {}
    for path, parent in parents.items():
        area_error, overlap = tiling_gaps(parent, children[path])
        if area_error > ROUNDING * parent.length or overlap > ROUNDING * parent.length:
            bad[path] = (area_error / parent.area, overlap / parent.area)
    assert bad == {}


def test_tiling_check_notices_overlap_and_gaps():
    # The helper above must be able to fail: a gap and an overlap of a quarter of the square each.
    square = box(0, 0, 2, 2)
    assert tiling_gaps(square, [box(0, 0, 1, 2), box(1, 0, 2, 2)]) == (0, 0)
    assert tiling_gaps(square, [box(0, 0, 1, 2), box(1, 0, 2, 1)])[0] == pytest.approx(1)
    assert tiling_gaps(square, [box(0, 0, 1.5, 2), box(1, 0, 2, 2)])[1] == pytest.approx(1)


def community_and_next_code():
    community = Node.objects.filter(district__code="150105", kind="community").order_by("code").last()
    last = Node.objects.filter(services.subtree_q(community.path), depth=community.depth + 1).order_by("-code").first()
    return community, f"{community.code}{int(last.code[-3:]) + 1:03d}"


@pytest.mark.parametrize("where", ["far away", "straddling the border", "a larger copy"])
def test_create_node_refuses_a_boundary_outside_its_parent_and_writes_nothing(db, where):
    community, code = community_and_next_code()
    own = shape(community.polygon)
    minx, miny, maxx, maxy = own.bounds
    polygon = {
        "far away": box(0, 0, 0.01, 0.01),
        "straddling the border": affinity.translate(own, xoff=(maxx - minx) / 2),
        "a larger copy": affinity.scale(own, 1.01, 1.01),
    }[where]
    before = (Node.objects.count(), District.objects.get(pk=community.district_id).geometry_version, community.numchild)
    with pytest.raises(services.HierarchyError) as raised:
        services.create_node(community, "grid", code, "越界网格", polygon=geo.to_geojson(polygon))
    assert str(raised.value)
    community.refresh_from_db()
    after = (Node.objects.count(), District.objects.get(pk=community.district_id).geometry_version, community.numchild)
    assert after == before
    assert not Node.objects.filter(code=code).exists()


def test_create_node_accepts_a_boundary_inside_its_parent(db):
    # The counterpart of the refusals: the same call with a boundary inside goes through.
    community, code = community_and_next_code()
    inner = affinity.scale(shape(community.polygon), 0.1, 0.1)
    node = services.create_node(community, "grid", code, "新网格", polygon=geo.to_geojson(inner))
    assert Node.objects.get_parent(node).pk == community.pk and node.code == code


def test_set_polygon_refuses_a_self_intersecting_bowtie_and_keeps_the_old_boundary(db):
    grid = Node.objects.filter(district__code="140105", kind="grid").order_by("code").last()
    # The bowtie sits inside the grid, so only its invalidity can be the reason for the refusal.
    minx, miny, maxx, maxy = shape(grid.polygon).representative_point().buffer(1e-4).bounds
    bowtie = {"type": "Polygon", "coordinates": [[[minx, miny], [maxx, maxy], [maxx, miny], [minx, maxy], [minx, miny]]]}
    assert not shape(bowtie).is_valid and shape(grid.polygon).covers(shape(bowtie).envelope)
    before = (grid.polygon, District.objects.get(pk=grid.district_id).geometry_version)
    with pytest.raises(services.HierarchyError) as raised:
        services.set_polygon(grid, bowtie)
    assert str(raised.value)
    grid = Node.objects.get(pk=grid.pk)
    assert (grid.polygon, District.objects.get(pk=grid.district_id).geometry_version) == before


@pytest.mark.parametrize("polygon", [BOWTIE, {"type": "Point", "coordinates": [1, 1]}, {"type": "Polygon", "coordinates": []},
                                     {"type": "Polygon", "coordinates": [[[200, 0], [201, 0], [201, 1], [200, 0]]]}, {"type": "Nonsense"}, None])
def test_parse_polygon_refuses_what_cannot_be_a_boundary(polygon):
    with pytest.raises(geo.GeometryError):
        geo.parse_polygon(polygon)


def test_inside_allows_stored_rounding_but_not_more():
    parent = box(0, 0, 1, 1)
    assert geo.inside(box(0, 0, 1 + geo.TOLERANCE / 2, 1), parent)
    assert not geo.inside(box(0, 0, 1 + geo.TOLERANCE * 10, 1), parent)
