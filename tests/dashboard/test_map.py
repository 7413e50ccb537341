"""The party-building map: its layers are scoped (a community secretary sees their community, another
district's admin nothing of 小店区), simplified per zoom without losing a grid, cached per geometry
version, coloured from the real figures, and the page asks for tiles only when a basemap is set."""
import json

import pytest
from django.urls import reverse

from gridgov.assessment.models.index import Grade
from gridgov.cases.models import Case
from gridgov.cases.workflow import ACTIVE_STATES
from gridgov.dashboard import map as mapdata
from gridgov.hierarchy.models import Node
from gridgov.hierarchy.services import bump_geometry, subtree_q
from gridgov.orgs.models import PartnerUnit, PartyOrg, ServiceCentre
from gridgov.people import scoping


@pytest.fixture
def xd(demo):
    return demo["140105"]


@pytest.fixture(autouse=True)
def fresh_cache():
    """Each test starts with an empty map cache (the demo is rebuilt per database, ids may repeat)."""
    from django.core.cache import cache

    cache.clear()
    mapdata._memo.clear()
    yield
    mapdata._memo.clear()


def layer(client, name, **params):
    response = client.get(reverse("dashboard:map_layer", args=[name]), params)
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/geo+json")
    return json.loads(response.content)


def ids(collection):
    return {f["properties"]["id"] for f in collection["features"]}


def vertices(geometry):
    def count(c):
        return 1 if isinstance(c[0], (int, float)) else sum(count(x) for x in c)
    return count(geometry["coordinates"])


def community_of(user):
    return scoping.home_node(user)


def test_district_admin_gets_every_grid_subdistrict_and_community(client_as, xd):
    client = client_as("district_admin", "140105")
    for name, kind in [("grid", xd.cell_kind), ("community", "community"), ("subdistrict", "subdistrict")]:
        expected = set(Node.objects.filter(district=xd, kind=kind, polygon__isnull=False).values_list("pk", flat=True))
        assert expected
        got = layer(client, name, zoom=12)
        assert ids(got) == expected
        assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in got["features"])
        assert all(f["properties"]["url"] == reverse("hierarchy:node", args=[f["properties"]["id"]]) for f in got["features"][:20])


def test_community_secretary_gets_only_their_communitys_grids_cases_and_orgs(client_as, demo_user, xd):
    user = demo_user("community_secretary", "140105")
    community = community_of(user)
    assert community.kind == "community"
    client = client_as("community_secretary", "140105")
    mine = set(Node.objects.filter(subtree_q(community.path), kind=xd.cell_kind).values_list("pk", flat=True))
    assert mine
    assert ids(layer(client, "grid", zoom=15)) == mine
    assert ids(layer(client, "community", zoom=15)) == {community.pk}
    assert layer(client, "subdistrict")["features"] == []  # the subdistrict is above their post

    cases = layer(client, "cases")["features"]
    numbers = {f["properties"]["number"] for f in cases}
    paths = dict(Case.objects.filter(number__in=numbers).values_list("number", "node_path"))
    assert all(p.startswith(community.path) for p in paths.values())
    open_here = Case.objects.filter(subtree_q(community.path, "node_path"), state__in=ACTIVE_STATES).count()
    assert sum(f["properties"]["open"] for f in layer(client, "grid")["features"]) == open_here

    for name, model in [("party_orgs", PartyOrg), ("centres", ServiceCentre), ("partners", PartnerUnit)]:
        got = ids(layer(client, name))
        outside = model.objects.filter(pk__in=got).exclude(subtree_q(community.path, "node__path"))
        assert not outside.exists(), name
    assert ids(layer(client, "party_orgs")) == set(PartyOrg.objects.filter(subtree_q(community.path, "node__path"), node__centroid_lon__isnull=False).values_list("pk", flat=True))


def test_another_districts_admin_gets_nothing_of_xiaodian(client_as, xd):
    client = client_as("district_admin", "150105")
    xd_nodes = set(Node.objects.filter(district=xd).values_list("pk", flat=True))
    for name in mapdata.LAYERS:
        got = layer(client, name)
        if name in mapdata.AREA_LAYERS:
            assert got["features"] and not ids(got) & xd_nodes
    numbers = {f["properties"]["number"] for f in layer(client, "cases")["features"]}
    assert not Case.objects.filter(number__in=numbers, district=xd).exists()
    assert not PartyOrg.objects.filter(pk__in=ids(layer(client, "party_orgs")), district=xd).exists()
    # Naming a node of 小店区 does not help.
    grid = Node.objects.filter(district=xd, kind="grid").first()
    assert client.get(reverse("dashboard:map_layer", args=["grid"]), {"node": grid.pk}).status_code == 404
    assert client.get(reverse("dashboard:map"), {"node": grid.pk}).status_code == 404
    assert client.get(reverse("dashboard:screen_data"), {"node": grid.pk}).status_code == 404


def test_node_parameter_keeps_that_subtree(client_as, xd):
    client = client_as("district_admin", "140105")
    subdistrict = Node.objects.filter(district=xd, kind="subdistrict").order_by("path")[1]
    expected = set(Node.objects.filter(subtree_q(subdistrict.path), kind="grid").values_list("pk", flat=True))
    assert ids(layer(client, "grid", node=subdistrict.pk)) == expected
    page = client.get(reverse("dashboard:map"), {"node": subdistrict.pk})
    assert page.status_code == 200
    assert page.context["map_config"]["node"] == subdistrict.pk
    assert page.context["map_config"]["bbox"] == subdistrict.bbox


def test_simplification_drops_vertices_at_low_zoom_but_keeps_every_grid(client_as, xd):
    client = client_as("district_admin", "140105")
    low, high = layer(client, "grid", zoom=10), layer(client, "grid", zoom=18)
    assert low["zoom_bucket"] == 0 and high["zoom_bucket"] == len(mapdata.ZOOM_BUCKETS) - 1
    assert ids(low) == ids(high) == set(Node.objects.filter(district=xd, kind="grid", polygon__isnull=False).values_list("pk", flat=True))
    low_v = sum(vertices(f["geometry"]) for f in low["features"])
    high_v = sum(vertices(f["geometry"]) for f in high["features"])
    assert low_v < high_v
    # Every simplified ring is still a polygon, with coordinates rounded to 4 decimals.
    for f in low["features"]:
        ring = f["geometry"]["coordinates"][0] if f["geometry"]["type"] == "Polygon" else f["geometry"]["coordinates"][0][0]
        assert len(ring) >= 4
        assert all(round(x, 4) == x for x in ring[0])
    # Same for the subdistricts, whose boundaries carry the most vertices.
    assert sum(vertices(f["geometry"]) for f in layer(client, "subdistrict", zoom=10)["features"]) < \
        sum(vertices(f["geometry"]) for f in layer(client, "subdistrict", zoom=18)["features"])


def test_geometry_is_cached_per_geometry_version(client_as, xd):
    client = client_as("district_admin", "140105")
    grid = Node.objects.filter(district=xd, kind="grid").order_by("path").first()
    before = next(f for f in layer(client, "grid", zoom=18)["features"] if f["id"] == grid.pk)
    moved = json.loads(json.dumps(grid.polygon))
    ring = moved["coordinates"][0] if moved["type"] == "Polygon" else moved["coordinates"][0][0]
    for point in ring:
        point[0] += 0.001
    Node.objects.filter(pk=grid.pk).update(polygon=moved)
    # Without a geometry change recorded, the cached boundary stands...
    assert next(f for f in layer(client, "grid", zoom=18)["features"] if f["id"] == grid.pk)["geometry"] == before["geometry"]
    # ...and a bumped geometry_version brings the new one.
    bump_geometry(xd.pk)
    after = next(f for f in layer(client, "grid", zoom=18)["features"] if f["id"] == grid.pk)
    first = after["geometry"]["coordinates"][0][0] if after["geometry"]["type"] == "Polygon" else after["geometry"]["coordinates"][0][0][0]
    assert first[0] == pytest.approx(ring[0][0], abs=1e-6)


def test_grids_carry_open_cases_density_and_the_grade_of_the_latest_month(client_as, xd):
    client = client_as("district_admin", "140105")
    got = layer(client, "grid")
    open_by_path = {}
    for path in Case.objects.filter(district=xd, state__in=ACTIVE_STATES).values_list("node_path", flat=True):
        open_by_path[path] = open_by_path.get(path, 0) + 1
    paths = dict(Node.objects.filter(district=xd, kind="grid").values_list("pk", "path"))
    for f in got["features"]:
        p = f["properties"]
        assert p["open"] == open_by_path.get(paths[p["id"]], 0)
        assert p["area_km2"] > 0
        assert p["density"] == pytest.approx(p["open"] / p["area_km2"], abs=0.01)
    assert sum(f["properties"]["open"] for f in got["features"]) == sum(open_by_path.values())

    month = Grade.objects.filter(district=xd).order_by("-month").values_list("month", flat=True).first()
    assert got["month"] == month.strftime("%Y-%m")
    assert [b["colour"] for b in got["bands"]]
    branch = PartyOrg.objects.filter(district=xd, is_grid_branch=True, grades__month=month).select_related("node").first()
    grade = Grade.objects.select_related("band").get(party_org=branch, month=month)
    feature = next(f for f in got["features"] if f["id"] == branch.node_id)
    assert feature["properties"]["grade"]["colour"] == grade.band.colour
    assert feature["properties"]["grade"]["total"] == pytest.approx(float(grade.total))
    assert feature["properties"]["grade"]["org"] == branch.pk


def test_point_layers_link_to_their_pages(client_as, xd):
    client = client_as("district_admin", "140105")
    centre = layer(client, "centres")["features"][0]["properties"]
    assert centre["url"] == reverse("orgs:service_centre", args=[centre["id"]])
    org = layer(client, "party_orgs")["features"][0]["properties"]
    assert org["url"] == reverse("orgs:party_org", args=[org["id"]])
    partner = layer(client, "partners")["features"][0]["properties"]
    assert partner["url"] == reverse("orgs:partner_unit", args=[partner["id"]])
    cases = layer(client, "cases")["features"]
    assert {c["properties"]["number"] for c in cases} == set(Case.objects.filter(district=xd, state__in=ACTIVE_STATES).values_list("number", flat=True))
    assert all(c["properties"]["url"] == reverse("cases:detail", args=[c["properties"]["number"]]) for c in cases)
    tracks = layer(client, "patrols")["features"]
    assert tracks and all(t["geometry"]["type"] == "LineString" for t in tracks)
    assert len({t["properties"]["day"] for t in tracks}) <= mapdata.PATROL_DAYS


def test_unknown_layer_and_anonymous(client, client_as):
    assert client.get(reverse("dashboard:map")).status_code == 302
    assert client.get(reverse("dashboard:map_layer", args=["grid"])).status_code == 302
    assert client_as("district_admin", "140105").get(reverse("dashboard:map_layer", args=["nothing"])).status_code == 404
    # A resident's post grants no view of the hierarchy.
    assert client_as("resident", "140105").get(reverse("dashboard:map")).status_code == 403


def map_config(response):
    assert response.status_code == 200
    return response.context["map_config"]


def test_no_basemap_means_no_tile_layer(client_as, xd):
    response = client_as("district_admin", "140105").get(reverse("dashboard:map"))
    assert map_config(response)["basemap"] is None
    html = response.content.decode()
    assert "pmtiles.js" not in html and "tile" not in json.dumps(map_config(response))
    assert 'id="party-map"' in html


def test_a_configured_tile_basemap_is_added(client_as, xd):
    xd.settings["basemap"] = {"type": "tiles", "url": "/static/tiles/{z}/{x}/{y}.png", "attribution": "小店区自然资源局"}
    xd.save(update_fields=["settings"])
    cfg = map_config(client_as("district_admin", "140105").get(reverse("dashboard:map")))
    assert cfg["basemap"] == {"type": "tiles", "url": "/static/tiles/{z}/{x}/{y}.png", "attribution": "小店区自然资源局", "max_zoom": 19}
    screen = client_as("district_admin", "140105").get(reverse("dashboard:screen"))
    assert screen.context["map_config"]["basemap"]["type"] == "tiles"


def test_a_pmtiles_basemap_loads_the_vendored_reader_and_serves_byte_ranges(client_as, xd, tmp_path):
    archive = tmp_path / "xiaodian.pmtiles"
    archive.write_bytes(bytes(range(256)) * 4)
    xd.settings["basemap"] = {"type": "pmtiles", "path": str(archive), "attribution": "测试底图"}
    xd.save(update_fields=["settings"])
    client = client_as("district_admin", "140105")
    response = client.get(reverse("dashboard:map"))
    cfg = map_config(response)
    assert cfg["basemap"]["type"] == "pmtiles" and cfg["basemap"]["url"] == reverse("dashboard:map_basemap")
    html = response.content.decode()
    assert "vendor/pmtiles/pmtiles.js" in html and "vendor/protomaps-leaflet/protomaps-leaflet.js" in html
    part = client.get(cfg["basemap"]["url"], HTTP_RANGE="bytes=10-19")
    assert part.status_code == 206
    assert part.content == bytes(range(10, 20))
    assert part["Content-Range"] == "bytes 10-19/1024"
    assert client.get(cfg["basemap"]["url"], HTTP_RANGE="bytes=2000-2010").status_code == 416
    # Another district's users cannot read 小店区's archive.
    assert client_as("district_admin", "150105").get(cfg["basemap"]["url"]).status_code == 404


def test_a_broken_basemap_setting_is_ignored(client_as, xd):
    xd.settings["basemap"] = {"type": "tiles"}
    xd.save(update_fields=["settings"])
    assert map_config(client_as("district_admin", "140105").get(reverse("dashboard:map")))["basemap"] is None
