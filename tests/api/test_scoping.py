"""Every endpoint answers from scoping.scoped_nodes: a community secretary sees their community's
subtree and nothing else; a user of one district sees nothing of another; out of scope = missing."""
import pytest
from django.utils import translation

from gridgov.hierarchy import services
from gridgov.hierarchy.models import LEVEL_LABELS, Node

from .conftest import nth


@pytest.fixture
def secretary(client_as):
    return client_as("community_secretary", "140105")


def test_community_secretary_reads_own_community_and_a_grid_in_it(secretary, own_community, grid_in):
    body = secretary.get(f"/api/nodes/{own_community.pk}").json()
    assert body["code"] == own_community.code and body["kind"] == "community"
    assert body["district"] == "140105" and body["depth"] == own_community.depth
    with translation.override("zh-hans"):
        assert body["kind_label"] == str(LEVEL_LABELS["community"])  # the level's name in Chinese
    assert body["centroid"] == [own_community.centroid_lon, own_community.centroid_lat]
    assert "geometry" not in body
    grid = grid_in(own_community)
    assert secretary.get(f"/api/nodes/{grid.pk}").json()["parent_id"] == own_community.pk


def test_detail_with_geometry_adds_the_geojson_boundary(secretary, own_community):
    body = secretary.get(f"/api/nodes/{own_community.pk}", {"geometry": "true"}).json()
    assert body["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert body["geometry"] == own_community.polygon


def test_detail_of_a_node_in_another_community_is_404_like_a_missing_node(secretary, other_community, grid_in):
    root = Node.objects.get(code="140105")
    missing = secretary.get("/api/nodes/999999999")
    assert missing.status_code == 404
    for node in [other_community, grid_in(other_community), root]:
        response = secretary.get(f"/api/nodes/{node.pk}")
        assert response.status_code == 404
        assert response.json() == missing.json()  # no hint that the node exists


def test_children_of_own_community_are_its_children_with_counts(secretary, own_community):
    items = secretary.get(f"/api/nodes/{own_community.pk}/children").json()
    expected = list(Node.objects.filter(services.subtree_q(own_community.path), depth=own_community.depth + 1).order_by("code"))
    assert [i["code"] for i in items] == [n.code for n in expected]
    assert all(i["parent_id"] == own_community.pk for i in items)
    first = expected[0]
    assert items[0]["counts"] == services.count_by_kind(first)
    assert "geometry" not in items[0]


def test_children_of_another_community_is_404(secretary, other_community):
    assert secretary.get(f"/api/nodes/{other_community.pk}/children").status_code == 404


def test_tree_without_root_starts_at_the_users_own_community(secretary, own_community):
    roots = secretary.get("/api/nodes/tree", {"depth": 3}).json()
    assert [r["id"] for r in roots] == [own_community.pk]

    def walk(items):
        for item in items:
            yield item
            yield from walk(item["children"])

    in_scope = set(services.subtree(own_community).values_list("pk", flat=True))
    ids = [item["id"] for item in walk(roots)]
    assert set(ids) <= in_scope
    # Three levels below a community: grids, buildings, entrances - the whole demo subtree.
    assert len(ids) == len(in_scope)


def test_tree_depth_limits_the_levels(secretary, own_community):
    root = secretary.get("/api/nodes/tree").json()[0]
    assert root["children"] and all(child["children"] == [] for child in root["children"])
    assert [c["code"] for c in root["children"]] == sorted(c["code"] for c in root["children"])


def test_tree_rooted_in_another_community_is_404(secretary, other_community):
    assert secretary.get("/api/nodes/tree", {"root": other_community.pk}).status_code == 404


def test_search_returns_only_nodes_in_the_users_subtree(secretary, own_community):
    body = secretary.get("/api/nodes", {"q": "网格", "limit": 200}).json()
    in_scope = services.subtree(own_community).filter(name__contains="网格")
    assert body["count"] == in_scope.count() > 0
    assert {i["code"] for i in body["items"]} == set(in_scope.values_list("code", flat=True))
    assert all(i["path"].startswith(own_community.path) for i in body["items"])
    # 小店区 has 1,240 grids; a code prefix of the district finds only the secretary's.
    by_code = secretary.get("/api/nodes", {"q": "140105", "kind": "grid", "limit": 200}).json()
    assert by_code["count"] == services.subtree(own_community).filter(kind="grid").count()


def test_search_paginates(secretary, own_community):
    total = services.subtree(own_community).count()
    page = secretary.get("/api/nodes", {"limit": 5, "offset": 5}).json()
    assert page["count"] == total and len(page["items"]) == 5
    everything = secretary.get("/api/nodes", {"limit": 200}).json()["items"]
    assert [i["id"] for i in page["items"]] == [i["id"] for i in everything[5:10]]


def test_locate_in_another_community_does_not_name_its_grid(secretary, other_community, grid_in):
    grid = grid_in(other_community)
    body = secretary.get("/api/locate", {"district": "140105", "lon": grid.centroid_lon, "lat": grid.centroid_lat}).json()
    assert body["grid"] is None and body["building"] is None
    assert grid.name not in str(body) and body["message"]


def test_user_of_140105_cannot_read_150105_nodes(client_as):
    client = client_as("district_admin", "140105")
    saihan_root = Node.objects.get(code="150105")
    saihan_grid = nth("grid", "150105")
    for path in [f"/api/nodes/{saihan_root.pk}", f"/api/nodes/{saihan_grid.pk}", f"/api/nodes/{saihan_root.pk}/children"]:
        assert client.get(path).status_code == 404
    assert client.get("/api/nodes/tree", {"root": saihan_root.pk}).status_code == 404
    assert client.get("/api/nodes", {"district": "150105"}).json()["count"] == 0
    found = client.get("/api/nodes", {"q": "社区", "limit": 200}).json()
    assert found["count"] > 0 and {i["district"] for i in found["items"]} == {"140105"}
    roots = client.get("/api/nodes/tree").json()
    assert [r["code"] for r in roots] == ["140105"]


def test_user_of_140105_cannot_locate_in_150105(client_as):
    client = client_as("district_admin", "140105")
    grid = nth("grid", "150105")
    response = client.get("/api/locate", {"district": "150105", "lon": grid.centroid_lon, "lat": grid.centroid_lat})
    assert response.status_code == 404
    assert response.json() == client.get("/api/locate", {"district": "999999", "lon": 1, "lat": 1}).json()


def test_role_without_view_permission_sees_nothing(client_as, own_community):
    client = client_as("resident", "140105")
    assert client.get("/api/nodes/tree").json() == []
    assert client.get("/api/nodes").json()["count"] == 0
    assert client.get(f"/api/nodes/{own_community.pk}").status_code == 404


def test_superuser_sees_every_district(client, db, django_user_model):
    admin = django_user_model.objects.create_superuser("root-api-test", password="x")
    client.force_login(admin)
    roots = client.get("/api/nodes/tree").json()
    assert [r["code"] for r in roots] == ["140105", "150105", "530111"]
    grid = nth("grid", "150105")
    body = client.get("/api/locate", {"district": "150105", "lon": grid.centroid_lon, "lat": grid.centroid_lat}).json()
    assert body["grid"]["id"] == grid.pk
