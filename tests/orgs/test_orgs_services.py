"""The rules of the organisation services: a grid branch sits on a cell, a child sits inside its
parent's area, agreements and centres are registered at the right level; errors speak Chinese."""
import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from gridgov.hierarchy.models import Node
from gridgov.orgs import services
from gridgov.orgs.models import PartyOrg
from gridgov.orgs.services import OrgError


def node(kind, code="150105", n=0):
    return Node.objects.filter(district__code=code, kind=kind).order_by("code")[n]


@pytest.fixture
def saihan(demo):
    return demo["150105"]


def community_org(community):
    return PartyOrg.objects.get(node=community)


def test_a_grid_party_branch_must_attach_to_a_grid(saihan):
    community = node("community")
    with pytest.raises(OrgError):
        services.create_party_org(saihan, "branch", "错误网格支部", community, community_org(community), is_grid_branch=True)


def test_the_error_message_is_chinese_by_default(saihan):
    community = node("community")
    with translation.override("zh-hans"), pytest.raises(OrgError, match="网格"):
        services.create_party_org(saihan, "branch", "错误网格支部", community, community_org(community), is_grid_branch=True)


def test_a_second_grid_branch_on_the_same_grid_is_refused(saihan):
    grid = node("grid")
    parent = community_org(Node.objects.get(path=grid.path[: -Node.steplen]))
    with pytest.raises(OrgError):
        services.create_party_org(saihan, "branch", "重复支部", grid, parent, is_grid_branch=True)


def test_the_database_also_refuses_a_second_grid_branch(saihan):
    grid = node("grid")
    with pytest.raises(IntegrityError), transaction.atomic():
        PartyOrg.objects.create(district=saihan, kind="branch", name="重复", node=grid, is_grid_branch=True)


def test_a_child_must_sit_inside_its_parents_area(saihan):
    parent = community_org(node("community", n=0))
    elsewhere = node("community", n=1)
    with pytest.raises(OrgError):
        services.create_party_org(saihan, "branch", "越界支部", elsewhere, parent)


def test_a_party_group_cannot_hold_a_branch(saihan):
    group = PartyOrg.objects.filter(district=saihan, kind="group").select_related("node").first()
    with pytest.raises(OrgError):
        services.create_party_org(saihan, "branch", "倒挂支部", group.node, group)


def test_an_organisation_of_another_district_cannot_be_the_parent(saihan):
    foreign = PartyOrg.objects.filter(district__code="140105", kind="committee").first()
    with pytest.raises(OrgError):
        services.create_party_org(saihan, "branch", "跨区支部", node("grid"), foreign)


def test_a_valid_branch_with_a_group_is_created(saihan):
    community = node("community")
    org = services.create_party_org(saihan, "branch", "某物业公司党支部", community, community_org(community))
    group = services.create_party_org(saihan, "group", "第一党小组", community, org)
    assert group.parent == org and org.children.get() == group


def test_weak_and_lax_needs_a_rectification_plan_and_drops_the_standard(saihan):
    branch = PartyOrg.objects.filter(district=saihan, is_grid_branch=True, meets_standard=True).first()
    with pytest.raises(OrgError):
        services.mark_weak_and_lax(branch, "  ")
    services.mark_weak_and_lax(branch, "限期整顿")
    branch.refresh_from_db()
    assert branch.weak_and_lax and not branch.meets_standard


def test_partner_units_and_agreements_are_registered_with_a_community_or_subdistrict(saihan):
    with pytest.raises(OrgError):
        services.create_partner_unit(saihan, "某公司", "enterprise", node("grid"))
    unit = services.create_partner_unit(saihan, "某公司", "enterprise", node("community"), contact_phone="0471-1234567")
    with pytest.raises(OrgError):
        services.create_agreement(unit, node("grid"), datetime.date(2024, 1, 1))


def test_an_agreement_cannot_end_before_it_is_signed_and_past_ones_are_ended(saihan):
    unit = services.create_partner_unit(saihan, "某公司", "enterprise", node("community"))
    with pytest.raises(OrgError):
        services.create_agreement(unit, unit.node, datetime.date(2024, 1, 1), end=datetime.date(2023, 1, 1))
    ended = services.create_agreement(unit, unit.node, datetime.date(2020, 1, 1), end=datetime.date(2022, 1, 1),
                                      today=datetime.date(2025, 1, 1))
    assert ended.status == "ended"


def test_an_alliance_is_formed_in_a_subdistrict_with_members_inside_it(saihan):
    sub0, sub1 = node("subdistrict", n=0), node("subdistrict", n=1)
    inside = services.create_partner_unit(saihan, "内部单位", "enterprise", sub0)
    outside = services.create_partner_unit(saihan, "外部单位", "enterprise", sub1)
    with pytest.raises(OrgError):
        services.create_alliance(saihan, node("community"), "联盟")
    with pytest.raises(OrgError):
        services.create_alliance(saihan, sub0, "联盟", partner_units=[inside, outside])
    alliance = services.create_alliance(saihan, sub0, "联盟", partner_units=[inside])
    assert list(alliance.partner_units.all()) == [inside]


def test_an_expanded_committee_counts_external_members_as_joined(saihan):
    community = node("community")
    unit = services.create_partner_unit(saihan, "派出所", "government", community)
    before = services.joined_organisations(saihan)
    committee = services.create_expanded_committee(saihan, community)
    assert committee.name.endswith("大党委") or "Expanded" in committee.name
    member = services.add_committee_member(committee, "张三", "兼职副书记", partner_unit=unit)
    assert member.external and member.unit_name == "派出所"
    assert services.joined_organisations(saihan) == before + 1
    with pytest.raises(OrgError):
        services.create_expanded_committee(saihan, community)


def test_a_service_centre_needs_a_valid_location_and_the_right_level(saihan):
    with pytest.raises(OrgError):
        services.create_service_centre(saihan, node("grid"), "中心", "community_centre", lon=111.7, lat=40.8)
    with pytest.raises(OrgError):
        services.create_service_centre(saihan, node("community"), "中心", "community_centre", lon=211.7, lat=40.8)
    centre = services.create_service_centre(saihan, node("community"), "中心", "red_position", lon=111.7, lat=40.8,
                                            services=["党员教育"])
    assert centre.services == ["党员教育"]
