"""What each user may see: the union of their posts' subtrees, inside their district.
Pages, map data, search and admin all answer from the one scoping function."""
import pytest

from gridgov.hierarchy import services
from gridgov.hierarchy.models import Node
from gridgov.people import scoping


def first(kind, code, n=0):
    return Node.objects.filter(district__code=code, kind=kind).order_by("code")[n]


@pytest.fixture
def community(db):
    return first("community", "140105")


def test_community_secretary_sees_exactly_their_community_subtree(demo_user, community):
    user = demo_user("community_secretary", "140105")
    visible = set(scoping.scoped_nodes(user).values_list("pk", flat=True))
    expected = set(services.subtree(community).values_list("pk", flat=True))
    assert visible == expected
    assert len(expected) > 1


def test_community_secretary_opens_own_community_and_its_grids(client_as, community):
    client = client_as("community_secretary", "140105")
    assert client.get(f"/hierarchy/nodes/{community.pk}/").status_code == 200
    grid = services.subtree(community, include_self=False).filter(kind="grid").first()
    page = client.get(f"/hierarchy/nodes/{grid.pk}/")
    assert page.status_code == 200
    assert community.name in page.content.decode()  # breadcrumb


def test_community_secretary_gets_404_for_other_community_and_the_district(client_as):
    client = client_as("community_secretary", "140105")
    other = first("community", "140105", 1)
    root = Node.objects.get(code="140105")
    assert client.get(f"/hierarchy/nodes/{other.pk}/").status_code == 404
    assert client.get(f"/hierarchy/nodes/{root.pk}/").status_code == 404
    assert client.get(f"/hierarchy/nodes/{other.pk}/map.geojson").status_code == 404


def test_map_data_of_a_community_lists_only_its_own_grids(client_as, community):
    client = client_as("community_secretary", "140105")
    data = client.get(f"/hierarchy/nodes/{community.pk}/map.geojson").json()
    codes = {f["properties"]["code"] for f in data["features"]}
    expected = set(Node.objects.filter(services.subtree_q(community.path), depth=community.depth + 1).values_list("code", flat=True))
    assert codes == expected | {community.code}


def test_search_finds_nothing_outside_the_users_subtree(client_as, community):
    client = client_as("community_secretary", "140105")
    page = client.get("/hierarchy/search/", {"q": "网格"}).content.decode()
    other = first("community", "140105", 1)
    assert community.code in page
    assert other.code not in page
    # 小店区's whole tree has 1,240 grids; the community has a handful.
    in_scope = services.subtree(community).filter(name__contains="网格").count()
    assert page.count("/hierarchy/nodes/") == in_scope


def test_user_of_one_district_sees_nothing_of_another(client_as, demo_user):
    client = client_as("district_admin", "140105")
    saihan = Node.objects.get(code="150105")
    assert client.get(f"/hierarchy/nodes/{saihan.pk}/").status_code == 404
    assert not scoping.scoped_nodes(demo_user("district_admin", "140105")).filter(district__code="150105").exists()
    page = client.get("/hierarchy/search/", {"q": "社区"}).content.decode()
    assert "150105" not in page and "530111" not in page


def test_district_admin_sees_the_whole_district(demo_user):
    user = demo_user("district_admin", "530111")
    assert scoping.scoped_nodes(user).count() == Node.objects.filter(district__code="530111").count()


@pytest.mark.parametrize("path", ["/", "/hierarchy/search/", "/hierarchy/import/", "/admin/"])
def test_anonymous_user_is_sent_to_the_login_page(client, db, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_anonymous_user_cannot_read_a_node_page_or_map(client, community):
    for path in [f"/hierarchy/nodes/{community.pk}/", f"/hierarchy/nodes/{community.pk}/map.geojson"]:
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_login_page_is_chinese_by_default(client, db):
    page = client.get("/login/").content.decode()
    assert "登录" in page


def test_login_with_demo_password_lands_on_the_users_node(client, community):
    response = client.post("/login/", {"username": "community_secretary.140105", "password": "gridgov-demo"})
    assert response.status_code == 302
    assert client.get(response["Location"], follow=True).request["PATH_INFO"] == f"/hierarchy/nodes/{community.pk}/"


def test_expired_post_grants_nothing(demo_user, community):
    import datetime

    user = demo_user("community_secretary", "140105")
    user.person.posts.update(end=datetime.date(2020, 1, 1))
    assert not scoping.scoped_nodes(user).exists()


def test_admin_lists_only_the_admins_district(client_as):
    client = client_as("district_admin", "530111")
    page = client.get("/admin/hierarchy/node/", {"q": "社区"}).content.decode()
    assert "530111" in page and "140105" not in page


def test_community_secretary_cannot_open_admin(client_as):
    response = client_as("community_secretary", "140105").get("/admin/")
    assert response.status_code == 302
