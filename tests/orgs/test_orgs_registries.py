"""Agreements, alliances, expanded committees and service centres: list and detail pages and API
endpoints, each scoped by the one scoping function (a community secretary sees only their community's
rows, a user of another district sees none, 404 outside)."""
import datetime

import pytest

from gridgov.hierarchy import services as hierarchy
from gridgov.hierarchy.models import Node
from gridgov.orgs import services
from gridgov.orgs.models import Agreement, Alliance, ExpandedCommittee, PartnerUnit, PartyOrg, ServiceCentre


def nth(kind, code="140105", n=0):
    return Node.objects.filter(district__code=code, kind=kind).order_by("code")[n]


def all_rows(client, url):
    rows, offset = [], 0
    while True:
        answer = client.get(url, {"limit": 200, "offset": offset})
        assert answer.status_code == 200, answer.content
        body = answer.json()
        rows += body["items"]
        offset += 200
        if offset >= body["count"]:
            return rows


def _unit(node):
    name = f"测试驻区单位{node.code}"
    return PartnerUnit.objects.filter(node=node, name=name).first() or services.create_partner_unit(node.district, name, "enterprise", node)


def _committee(node):
    committee = ExpandedCommittee.objects.filter(node=node).first() or services.create_expanded_committee(node.district, node)
    services.add_committee_member(committee, "测试委员", "兼职委员", unit_name="测试单位")
    return committee


def _make(registry, node):
    """A row of `registry` attached to `node` (a community: an alliance goes to its subdistrict)."""
    if registry == "agreements":
        return services.create_agreement(_unit(node), node, datetime.date(2024, 3, 1), commitments="测试承诺")
    if registry == "alliances":
        sub = next(n for n in Node.objects.filter(district=node.district, kind="subdistrict") if node.path.startswith(n.path))
        return services.create_alliance(node.district, sub, f"测试党建联盟{node.code}", partner_units=[_unit(node)],
                                        party_orgs=list(PartyOrg.objects.filter(node=node)[:1]))
    if registry == "committees":
        return _committee(node)
    return services.create_service_centre(node.district, node, f"测试党群服务中心{node.code}", "community_centre",
                                          lon=112.5, lat=37.8, opening_hours="9:00-17:00", services=["便民服务"])


REGISTRIES = [
    # registry, model, API list, page list, page detail prefix (or None)
    ("agreements", Agreement, "/api/agreements", "/orgs/agreements/", None),
    ("alliances", Alliance, "/api/alliances", "/orgs/alliances/", "/orgs/alliances/"),
    ("committees", ExpandedCommittee, "/api/expanded-committees", "/orgs/committees/", "/orgs/committees/"),
    ("service-centres", ServiceCentre, "/api/service-centres", "/orgs/centres/", "/orgs/centres/"),
]


@pytest.fixture
def rows(db):
    """For each registry: a row inside the secretary's community, one in another community of the district,
    one in Saihan."""
    own, other, saihan = nth("community"), nth("community", n=1), nth("community", "150105")
    return {registry: (_make(registry, own), _make(registry, other), _make(registry, saihan)) for registry, *_r in REGISTRIES}


@pytest.mark.parametrize("registry, model, api, page, detail", REGISTRIES)
def test_community_secretary_lists_exactly_their_communitys_rows(client_as, rows, registry, model, api, page, detail):
    community = nth("community")
    expected = set(model.objects.filter(hierarchy.subtree_q(community.path, "node__path")).values_list("pk", flat=True))
    client = client_as("community_secretary", "140105")
    assert {r["id"] for r in all_rows(client, api)} == expected
    own, other, saihan = rows[registry]

    def shown(row):
        name = row.partner_unit.name if registry == "agreements" else row.name
        # The name as a cell or link of a row (the search box echoes it as value="…").
        return f">{name}<" in client.get(page, {"q": name}).content.decode()

    assert not shown(other) and not shown(saihan)
    if registry == "alliances":
        # An alliance is formed in a subdistrict: above the community, so the secretary sees none.
        assert expected == set() and not shown(own)
    else:
        assert own.pk in expected and other.pk not in expected and shown(own)


@pytest.mark.parametrize("registry, model, api, page, detail", REGISTRIES)
def test_a_saihan_user_sees_nothing_of_xiaodian(client_as, rows, registry, model, api, page, detail):
    client = client_as("district_admin", "150105")
    ids = {r["id"] for r in all_rows(client, api)}
    assert rows[registry][2].pk in ids
    assert not ids & set(model.objects.filter(district__code="140105").values_list("pk", flat=True))
    scoped = {"agreements": services.agreements, "alliances": services.alliances, "committees": services.expanded_committees,
              "service-centres": services.service_centres}[registry]
    assert not scoped(_user("district_admin", "150105")).filter(district__code="140105").exists()


def _user(role, code):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=f"{role}.{code}")


@pytest.mark.parametrize("registry, model, api, page, detail", REGISTRIES)
def test_api_detail_in_scope_200_out_of_scope_404(client_as, rows, registry, model, api, page, detail):
    own, other, saihan = rows[registry]
    # The alliance of the secretary's subdistrict is seen by the subdistrict secretary.
    role = "subdistrict_secretary" if registry == "alliances" else "community_secretary"
    client = client_as(role, "140105")
    answer = client.get(f"{api}/{own.pk}")
    assert answer.status_code == 200 and answer.json()["id"] == own.pk
    for row in ([saihan] if registry == "alliances" else [other, saihan]):
        answer = client.get(f"{api}/{row.pk}")
        assert answer.status_code == 404 and answer.json()["code"] == "not_found"
    assert client.get(f"{api}/999999999").status_code == 404
    if detail:
        assert client.get(f"{detail}{own.pk}/").status_code == 200
        for row in ([saihan] if registry == "alliances" else [other, saihan]):
            assert client.get(f"{detail}{row.pk}/").status_code == 404


def test_pages_show_their_rows(client_as, rows):
    client = client_as("community_secretary", "140105")
    agreement = rows["agreements"][0]
    html = client.get("/orgs/agreements/").content.decode()
    assert agreement.partner_unit.name in html and "测试承诺" in html
    assert client.get("/orgs/agreements/", {"kind": "ended", "q": agreement.partner_unit.name}).status_code == 200
    committee = rows["committees"][0]
    assert committee.name in client.get("/orgs/committees/").content.decode()
    html = client.get(f"/orgs/committees/{committee.pk}/").content.decode()
    assert "测试委员" in html and "兼职委员" in html
    centre = rows["service-centres"][0]
    assert f"/orgs/centres/{centre.pk}/" in client.get("/orgs/centres/").content.decode()
    assert "便民服务" in client.get(f"/orgs/centres/{centre.pk}/").content.decode()
    alliance = rows["alliances"][0]
    html = client_as("subdistrict_secretary", "140105").get(f"/orgs/alliances/{alliance.pk}/").content.decode()
    assert alliance.name in html and alliance.partner_units.get().name in html


def test_alliance_and_committee_api_carry_their_members(client_as, rows):
    alliance = rows["alliances"][0]
    body = client_as("subdistrict_secretary", "140105").get(f"/api/alliances/{alliance.pk}").json()
    assert [u["id"] for u in body["partner_units"]] == [alliance.partner_units.get().pk]
    assert len(body["party_orgs"]) == alliance.party_orgs.count()
    committee = rows["committees"][0]
    body = client_as("community_secretary", "140105").get(f"/api/expanded-committees/{committee.pk}").json()
    assert body["level"] == "community" and "测试委员" in {m["name"] for m in body["members"]}
    body = client_as("community_secretary", "140105").get("/api/agreements", {"status": "active"}).json()
    assert body["items"] and {r["status"] for r in body["items"]} == {"active"}


@pytest.mark.parametrize("path", ["/orgs/agreements/", "/orgs/alliances/", "/orgs/committees/"])
def test_anonymous_user_is_sent_to_login(client, db, path):
    response = client.get(path)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_endpoints_are_in_the_openapi_schema(client, db):
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in ["/api/agreements", "/api/agreements/{agreement_id}", "/api/alliances", "/api/alliances/{alliance_id}",
                 "/api/expanded-committees", "/api/expanded-committees/{committee_id}", "/api/service-centres/{centre_id}"]:
        assert path in paths


@pytest.mark.parametrize("api, model", [("/api/agreements", Agreement), ("/api/alliances", Alliance),
                                        ("/api/expanded-committees", ExpandedCommittee), ("/api/service-centres", ServiceCentre)])
def test_a_district_admin_gets_every_row_of_the_district(client_as, api, model):
    body = client_as("district_admin", "530111").get(api, {"limit": 1}).json()
    assert body["count"] == model.objects.filter(district__code="530111").count()


@pytest.mark.parametrize("path", ["/orgs/agreements/", "/orgs/alliances/", "/orgs/committees/", "/orgs/centres/"])
def test_the_demo_pages_answer(client_as, path):
    assert client_as("district_admin", "530111").get(path).status_code == 200
