"""The demo's organisations reproduce the districts' published figures (MISSION.md §1.5–1.9),
as `gridgov stats` reports them."""
import pytest
from django.db.models import Count

from gridgov.hierarchy.management.commands.stats import collect
from gridgov.hierarchy.models import Node
from gridgov.orgs import services
from gridgov.orgs.models import PartnerUnit, PartyOrg, ServiceCentre

KEYS = {"party_org", "grid_party_branch", "service_centre", "partner_unit", "agreement", "alliance",
        "expanded_committee", "org_meets_standard"}


@pytest.fixture
def counts(db):
    return {d["code"]: d["counts"] for d in collect()["districts"]}


def test_stats_carry_every_orgs_key_for_every_district(counts):
    for code in ("150105", "140105", "530111"):
        assert KEYS <= set(counts[code])


def test_saihan_has_900_plus_organisations_337_grid_branches_87_centres_61_partner_units(counts):
    c = counts["150105"]
    assert c["party_org"] >= 900
    assert c["grid_party_branch"] == 337
    assert c["service_centre"] == 87
    assert c["partner_unit"] == 61 and c["agreement"] == 61


def test_saihans_partner_units_all_sit_in_renmin_road_subdistrict(db):
    sub = Node.objects.get(code="150105001")
    assert sub.name == "人民路街道"
    units = PartnerUnit.objects.filter(district__code="150105")
    assert units.count() == 61
    assert all(u.node.path.startswith(sub.path) for u in units.select_related("node"))


def test_every_saihan_grid_has_exactly_one_grid_party_branch(db):
    grids = Node.objects.filter(district__code="150105", kind="grid")
    branches = PartyOrg.objects.filter(district__code="150105", is_grid_branch=True)
    assert sorted(branches.values_list("node_id", flat=True)) == sorted(grids.values_list("pk", flat=True))


def test_xiaodian_has_635_organisations_187_agreements_and_7_plus_123_plus_1_centres(counts):
    c = counts["140105"]
    assert c["party_org"] == 635
    assert c["partner_unit"] == 187 and c["agreement"] == 187
    kinds = dict(ServiceCentre.objects.filter(district__code="140105").order_by().values_list("kind").annotate(n=Count("id")))
    assert kinds == {"subdistrict_centre": 7, "community_centre": 123, "business_district": 1}
    business = ServiceCentre.objects.get(district__code="140105", kind="business_district")
    assert business.serves_firms == 30000


def test_xiaodian_every_community_has_an_organisation_and_every_grid_a_joint_branch_nearby(db):
    communities = Node.objects.filter(district__code="140105", kind="community")
    with_org = set(PartyOrg.objects.filter(node__in=communities).values_list("node_id", flat=True))
    assert with_org == set(communities.values_list("pk", flat=True))
    for org in PartyOrg.objects.filter(district__code="140105", is_grid_branch=True).select_related("node", "parent__node")[:50]:
        assert org.node.kind == "grid" and org.node.path.startswith(org.parent.node.path)


def test_guandu_has_724_branches_meeting_the_standard_8_alliances_63_committees_700_joined(counts, demo):
    c = counts["530111"]
    assert c["org_meets_standard"] == 724
    assert PartyOrg.objects.filter(district__code="530111", meets_standard=True).exclude(kind="branch").count() == 0
    assert c["alliance"] == 8 and c["expanded_committee"] == 63
    assert services.joined_organisations(demo["530111"]) >= 700


def test_guandu_expanded_committees_have_an_external_deputy_secretary(db):
    from gridgov.orgs.models import ExpandedCommittee

    for committee in ExpandedCommittee.objects.filter(district__code="530111").prefetch_related("members"):
        roles = {(m.role, m.external) for m in committee.members.all()}
        assert ("兼职副书记", True) in roles


def test_weak_and_lax_organisations_all_have_a_rectification_plan(db):
    weak = PartyOrg.objects.filter(weak_and_lax=True)
    assert weak.exists()
    assert not weak.filter(rectification_plan="").exists()
    assert not weak.filter(meets_standard=True).exists()


def test_rerunning_the_demo_adds_no_organisations(db):
    from gridgov.demo.build import build

    before = PartyOrg.objects.count(), PartnerUnit.objects.count(), ServiceCentre.objects.count()
    build(progress=False)
    assert (PartyOrg.objects.count(), PartnerUnit.objects.count(), ServiceCentre.objects.count()) == before
