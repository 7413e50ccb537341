"""Who sees which organisations: lists, details and the admin answer from the one scoping
function, so a community secretary sees only their community's subtree and nothing of other districts."""
import pytest

from gridgov.hierarchy import services as hierarchy
from gridgov.hierarchy.models import Node
from gridgov.orgs import services
from gridgov.orgs.models import PartnerUnit, PartyOrg, ServiceCentre


def first(kind, code, n=0):
    return Node.objects.filter(district__code=code, kind=kind).order_by("code")[n]


@pytest.fixture
def community(db):
    return first("community", "140105")


@pytest.fixture
def secretary(demo_user):
    return demo_user("community_secretary", "140105")


@pytest.mark.parametrize("model, query", [
    (PartyOrg, services.party_orgs), (PartnerUnit, services.partner_units), (ServiceCentre, services.service_centres),
])
def test_community_secretary_lists_exactly_the_rows_of_their_community_subtree(secretary, community, model, query):
    visible = set(query(secretary).values_list("pk", flat=True))
    expected = set(model.objects.filter(hierarchy.subtree_q(community.path, "node__path")).values_list("pk", flat=True))
    assert visible == expected
    assert expected, f"the demo gives {community.name} some {model.__name__}"


def test_community_secretary_list_pages_show_only_their_community(client_as, community):
    client = client_as("community_secretary", "140105")
    other = first("community", "140105", 1)
    for url in ["/orgs/", "/orgs/partners/", "/orgs/centres/"]:
        page = client.get(url)
        assert page.status_code == 200, url
        html = page.content.decode()
        assert community.name in html, url
        assert other.name not in html, url


def test_community_secretary_gets_404_for_another_communitys_org_and_unit(client_as, community):
    client = client_as("community_secretary", "140105")
    other = first("community", "140105", 1)
    own_org = PartyOrg.objects.get(node=community)
    other_org = PartyOrg.objects.get(node=other)
    assert client.get(f"/orgs/{own_org.pk}/").status_code == 200
    assert client.get(f"/orgs/{other_org.pk}/").status_code == 404
    other_unit = PartnerUnit.objects.filter(node=other).first()
    own_unit = PartnerUnit.objects.filter(node=community).first()
    assert client.get(f"/orgs/partners/{own_unit.pk}/").status_code == 200
    assert client.get(f"/orgs/partners/{other_unit.pk}/").status_code == 404


def test_community_secretary_sees_the_parent_working_committee_named_but_not_linked(client_as, community):
    client = client_as("community_secretary", "140105")
    org = PartyOrg.objects.select_related("parent").get(node=community)
    html = client.get(f"/orgs/{org.pk}/").content.decode()
    assert org.parent.name in html
    assert f"/orgs/{org.parent_id}/" not in html


def test_user_of_xiaodian_sees_nothing_of_saihan(client_as, demo_user):
    admin = demo_user("district_admin", "140105")
    for query in (services.party_orgs, services.partner_units, services.service_centres, services.agreements):
        assert not query(admin).filter(district__code="150105").exists()
        assert query(admin).exists()
    client = client_as("district_admin", "140105")
    saihan_org = PartyOrg.objects.filter(district__code="150105").first()
    saihan_unit = PartnerUnit.objects.filter(district__code="150105").first()
    assert client.get(f"/orgs/{saihan_org.pk}/").status_code == 404
    assert client.get(f"/orgs/partners/{saihan_unit.pk}/").status_code == 404
    assert "赛罕区" not in client.get("/orgs/", {"q": "中共"}).content.decode()


def test_district_admin_sees_every_organisation_of_their_district(demo_user):
    admin = demo_user("district_admin", "150105")
    assert services.party_orgs(admin).count() == PartyOrg.objects.filter(district__code="150105").count()


def test_admin_changelist_of_party_orgs_is_scoped_to_the_district(client_as):
    client = client_as("district_admin", "530111")
    page = client.get("/admin/orgs/partyorg/", {"q": "中共"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "官渡区" in html and "小店区" not in html and "赛罕区" not in html


@pytest.mark.parametrize("path", ["/orgs/", "/orgs/partners/", "/orgs/centres/"])
def test_anonymous_user_is_sent_to_login_from_org_pages(client, db, path):
    response = client.get(path)
    assert response.status_code == 302 and response["Location"].startswith("/login/")
