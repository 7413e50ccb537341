"""Coordination committees (district, subdistrict, community) with members, and leaders'
assignments 挂点包片: rules, the demo, the scoped list page and the centres' GeoJSON layer."""
import pytest

from gridgov.hierarchy import services as hierarchy
from gridgov.hierarchy.models import Node
from gridgov.orgs import services
from gridgov.orgs.models import CoordinationCommittee, LeaderAssignment, ServiceCentre
from gridgov.people import services as people


def nth(kind, code="140105", n=0):
    return Node.objects.filter(district__code=code, kind=kind).order_by("code")[n]


def test_demo_has_a_committee_at_every_district_subdistrict_and_community(demo):
    for code, district in demo.items():
        expected = Node.objects.filter(district=district, kind__in=["district", "subdistrict", "community"]).count()
        assert CoordinationCommittee.objects.filter(district=district).count() == expected
        assert not CoordinationCommittee.objects.filter(district=district, members__isnull=True).exists()
        subs = Node.objects.filter(district=district, kind="subdistrict").count()
        assert LeaderAssignment.objects.filter(district=district, node__kind="subdistrict").count() == subs


def test_committee_and_assignment_rules(demo):
    district = demo["140105"]
    grid = nth("grid")
    with pytest.raises(services.OrgError):
        services.create_coordination_committee(district, grid)
    with pytest.raises(services.OrgError):  # the demo already formed one here
        services.create_coordination_committee(district, nth("community"))
    committee = CoordinationCommittee.objects.get(node=nth("community"))
    member = services.add_coordination_member(committee, "刘所长", "副主任", unit_name="派出所")
    assert member in committee.members.all()
    with pytest.raises(services.OrgError):
        services.add_coordination_member(committee, " ", "成员")
    with pytest.raises(services.OrgError):
        services.add_coordination_member(committee, "外区人", "成员", person=people.create_person(demo["150105"], "外区人"))
    leader = people.create_person(district, "陈区长", home=district.root)
    services.assign_leader(leader, nth("subdistrict"), title="副区长")
    services.assign_leader(leader, nth("community", n=1), title="副区长")
    with pytest.raises(services.OrgError):
        services.assign_leader(leader, nth("subdistrict"))
    with pytest.raises(services.OrgError):
        services.assign_leader(leader, grid)
    with pytest.raises(services.OrgError):
        services.assign_leader(leader, nth("community", code="150105"))
    assert leader.assignments.count() == 2


def test_coordination_page_is_scoped(client_as):
    community, other = nth("community"), nth("community", n=1)
    html = client_as("community_secretary", "140105").get("/orgs/coordination/").content.decode()
    assert f"{community.name}党建工作协调委员会" in html
    assert other.name not in html and "小店区党建工作协调委员会" not in html
    html = client_as("district_admin", "140105").get("/orgs/coordination/").content.decode()
    assert "小店区党建工作协调委员会" in html and "赛罕区" not in html
    assert "挂点包片" in html or "领导" in html


def test_centres_geojson_is_scoped(client_as):
    community = nth("community")
    answer = client_as("community_secretary", "140105").get("/orgs/centres.geojson")
    assert answer.status_code == 200
    features = answer.json()["features"]
    expected = set(ServiceCentre.objects.filter(hierarchy.subtree_q(community.path, "node__path"), lon__isnull=False)
                   .values_list("pk", flat=True))
    assert expected and {f["properties"]["id"] for f in features} == expected
    assert all(f["geometry"]["type"] == "Point" for f in features)
    client = client_as("district_admin", "140105")
    sub = nth("subdistrict")
    ids = {f["properties"]["id"] for f in client.get("/orgs/centres.geojson", {"node": sub.pk}).json()["features"]}
    assert ids == set(ServiceCentre.objects.filter(node__path__startswith=sub.path).values_list("pk", flat=True))
    assert client.get("/orgs/centres.geojson", {"node": nth("subdistrict", code="150105").pk}).status_code == 404
    assert not client.get("/orgs/centres.geojson").json()["features"] == []
    assert all(not ServiceCentre.objects.get(pk=f["properties"]["id"]).district.code != "140105"
               for f in client.get("/orgs/centres.geojson").json()["features"])
