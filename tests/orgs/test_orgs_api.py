"""The organisation API: party organisations, partner units, service centres and a grid's staffing,
each scoped by the one scoping function (own community only, nothing of another district, 404 outside)."""
import pytest

from gridgov.hierarchy import services as hierarchy
from gridgov.hierarchy.models import Node
from gridgov.orgs.models import PartnerUnit, PartyOrg, ServiceCentre


def nth(kind, code="140105", n=0):
    return Node.objects.filter(district__code=code, kind=kind).order_by("code")[n]


def all_rows(client, url, **params):
    rows, offset = [], 0
    while True:
        answer = client.get(url, {**params, "limit": 200, "offset": offset})
        assert answer.status_code == 200, answer.content
        body = answer.json()
        rows += body["items"]
        offset += 200
        if offset >= body["count"]:
            return rows


LISTS = [("/api/party-orgs", PartyOrg), ("/api/partner-units", PartnerUnit), ("/api/service-centres", ServiceCentre)]


@pytest.mark.parametrize("url, model", LISTS)
def test_community_secretary_lists_exactly_their_communitys_rows(client_as, url, model):
    community = nth("community")
    rows = all_rows(client_as("community_secretary", "140105"), url)
    expected = set(model.objects.filter(hierarchy.subtree_q(community.path, "node__path")).values_list("pk", flat=True))
    assert expected and {r["id"] for r in rows} == expected


@pytest.mark.parametrize("url, model", LISTS)
def test_another_districts_user_sees_nothing_of_xiaodian(client_as, url, model):
    ids = {r["id"] for r in all_rows(client_as("district_admin", "150105"), url)}
    assert not ids & set(model.objects.filter(district__code="140105").values_list("pk", flat=True))


@pytest.mark.parametrize("url, model", [("/api/party-orgs", PartyOrg), ("/api/partner-units", PartnerUnit)])
def test_detail_in_scope_200_out_of_scope_404(client_as, url, model):
    client = client_as("community_secretary", "140105")
    own = model.objects.filter(node=nth("community")).first()
    other = model.objects.filter(node=nth("community", n=1)).first()
    saihan = model.objects.filter(district__code="150105").first()
    answer = client.get(f"{url}/{own.pk}")
    assert answer.status_code == 200 and answer.json()["name"] == own.name
    for row in (other, saihan):
        answer = client.get(f"{url}/{row.pk}")
        assert answer.status_code == 404 and answer.json()["code"] == "not_found"
    assert client.get(f"{url}/999999999").status_code == 404


def test_party_orgs_search_kind_and_pagination(client_as):
    client = client_as("district_admin", "150105")
    body = client.get("/api/party-orgs", {"kind": "working_committee"}).json()
    assert body["count"] == PartyOrg.objects.filter(district__code="150105", kind="working_committee").count()
    assert {r["kind"] for r in body["items"]} == {"working_committee"}
    body = client.get("/api/party-orgs", {"q": "人民路街道"}).json()
    assert [r["name"] for r in body["items"]] == ["中共赛罕区人民路街道工作委员会"]
    body = client.get("/api/party-orgs", {"q": "党支部", "limit": 5, "offset": 5}).json()
    assert len(body["items"]) == 5 and body["count"] > 300 and all("党支部" in r["name"] for r in body["items"])
    assert client.get("/api/party-orgs", {"kind": "nonsense"}).status_code == 422


def test_partner_unit_detail_masks_the_contact_phone_and_lists_agreements(client_as):
    client = client_as("district_admin", "140105")
    unit = PartnerUnit.objects.filter(district__code="140105").exclude(contact_phone="").first()
    body = client.get(f"/api/partner-units/{unit.pk}").json()
    assert body["contact_phone"] != unit.contact_phone and "*" in body["contact_phone"]
    assert len(body["agreements"]) == unit.agreements.count() >= 1


def test_grid_staffing_is_scoped(client_as):
    own_grid = Node.objects.filter(hierarchy.subtree_q(nth("community").path), kind="grid").order_by("code").first()
    other_grid = Node.objects.filter(hierarchy.subtree_q(nth("community", n=1).path), kind="grid").order_by("code").first()
    client = client_as("community_secretary", "140105")
    body = client.get(f"/api/grids/{own_grid.pk}/staffing").json()
    assert body["grid_id"] == own_grid.pk
    assert [i["code"] for i in body["items"]] == ["grid_chief", "road_chief", "beat_officer", "judicial_officer",
                                                  "market_supervisor", "secretary", "service_team", "venue"]
    assert client.get(f"/api/grids/{other_grid.pk}/staffing").status_code == 404
    assert client.get(f"/api/grids/{nth('community').pk}/staffing").status_code == 404  # not a grid
    assert client_as("district_admin", "150105").get(f"/api/grids/{own_grid.pk}/staffing").status_code == 404


def test_saihan_grid_staffing_names_the_chiefs(client_as):
    grid = Node.objects.filter(district__code="150105", kind="grid").order_by("code")[3]
    body = client_as("district_admin", "150105").get(f"/api/grids/{grid.pk}/staffing").json()
    chief = next(i for i in body["items"] if i["code"] == "grid_chief")
    assert chief["label"] == "网格长"
    assert chief["filled"] == bool(chief["people"])


def test_endpoints_are_in_the_openapi_schema(client, db):
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in ["/api/party-orgs", "/api/party-orgs/{org_id}", "/api/partner-units", "/api/partner-units/{unit_id}",
                 "/api/service-centres", "/api/grids/{node_id}/staffing"]:
        assert path in paths


def test_coordination_committees_and_leader_assignments_are_scoped(client_as):
    from gridgov.orgs.models import CoordinationCommittee, LeaderAssignment

    secretary = client_as("community_secretary", "140105")
    committees = secretary.get("/api/coordination-committees?limit=200").json()["items"]
    community = secretary.get("/api/nodes/tree").json()[0]
    assert committees and {c["node_id"] for c in committees} <= set(
        CoordinationCommittee.objects.filter(node__path__startswith=_path(community["id"])).values_list("node_id", flat=True))
    assert all(c["level"] in ("community", "grid") for c in committees) and committees[0]["members"]
    other = client_as("district_admin", "150105")
    ids = {c["id"] for c in other.get("/api/coordination-committees?limit=200").json()["items"]}
    assert not ids & set(CoordinationCommittee.objects.filter(district__code="140105").values_list("id", flat=True))
    assert not {a["id"] for a in other.get("/api/leader-assignments?limit=200").json()["items"]} & set(
        LeaderAssignment.objects.filter(district__code="140105").values_list("id", flat=True))
    # client_as logs the one test client in again: the 150105 checks above come first.
    admin_view = client_as("district_admin", "140105").get("/api/leader-assignments?limit=200").json()
    assert admin_view["count"] == LeaderAssignment.objects.filter(district__code="140105").count() > 0


def _path(node_id):
    from gridgov.hierarchy.models import Node

    return Node.objects.get(pk=node_id).path
