"""The organisation pages: search by name, filter by kind, paginate; details show the node, parent,
children, flags and a partner unit's agreements, in Chinese by default."""
import re

from gridgov.orgs.models import PartnerUnit, PartyOrg, ServiceCentre


def test_party_org_list_filters_by_kind_and_searches_by_name(client_as):
    client = client_as("district_admin", "150105")
    html = client.get("/orgs/", {"kind": "working_committee"}).content.decode()
    assert "人民路街道工作委员会" in html
    assert "党小组</a>" not in html  # the kind menu names 党小组, the rows do not
    html = client.get("/orgs/", {"q": "人民路街道"}).content.decode()
    assert "中共赛罕区人民路街道工作委员会" in html
    assert "大学西路街道" not in html


def test_party_org_list_is_paginated_and_says_how_many(client_as):
    client = client_as("district_admin", "150105")
    total = PartyOrg.objects.filter(district__code="150105").count()
    first = client.get("/orgs/").content.decode()
    assert f"{total}" in first
    # One link per organisation row (the navigation links to /orgs/ itself, not to a detail page).
    assert len(set(re.findall(r'href="/orgs/(\d+)/"', first))) == 50
    assert "page=2" in first
    assert client.get("/orgs/", {"page": 2}).status_code == 200


def test_party_org_detail_shows_node_parent_children_and_flags_in_chinese(client_as):
    client = client_as("district_admin", "150105")
    branch = PartyOrg.objects.filter(district__code="150105", is_grid_branch=True).select_related("node", "parent").first()
    html = client.get(f"/orgs/{branch.pk}/").content.decode()
    assert branch.node.name in html and f"/hierarchy/nodes/{branch.node_id}/" in html
    assert f"/orgs/{branch.parent_id}/" in html
    for child in branch.children.all():
        assert child.name in html
    assert "网格党支部" in html and "达标" in html


def test_weak_and_lax_org_page_shows_its_rectification_plan(client_as):
    org = PartyOrg.objects.filter(district__code="530111", weak_and_lax=True).first()
    html = client_as("district_admin", "530111").get(f"/orgs/{org.pk}/").content.decode()
    assert "软弱涣散" in html and org.rectification_plan in html


def test_partner_unit_detail_lists_its_agreements(client_as):
    unit = PartnerUnit.objects.filter(district__code="150105").first()
    agreement = unit.agreements.get()
    html = client_as("district_admin", "150105").get(f"/orgs/partners/{unit.pk}/").content.decode()
    assert unit.name in html
    assert agreement.signed.strftime("%Y-%m-%d") in html and agreement.commitments in html


def test_service_centre_list_filters_the_business_district_centre(client_as):
    html = client_as("district_admin", "140105").get("/orgs/centres/", {"kind": "business_district"}).content.decode()
    assert "商圈党群服务中心" in html and "30000" in html
    community_centre = ServiceCentre.objects.filter(district__code="140105", kind="community_centre").first()
    assert community_centre.name not in html
