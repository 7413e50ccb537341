"""Behaviour of the people registries: cross-appointment, reports, the service ledger, the pay
ladder, dual registration and the demo's published figures in `gridgov stats`."""
import datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridgov.hierarchy.management.commands.stats import collect
from gridgov.hierarchy.models import Node
from gridgov.people import services
from gridgov.people.models import CommunityWorker, PartyMember, ServiceRecord, Volunteer

from .helpers import id_number


def nodes(kind, code="140105", n=3):
    return list(Node.objects.filter(district__code=code, kind=kind).order_by("code")[:n])


def test_a_person_with_three_posts_appears_under_all_three_nodes(demo, demo_user):
    district = demo["140105"]
    grid_a, grid_b = nodes("grid", n=2)
    community = nodes("community", n=2)[1]
    person = services.create_person(district, "一肩挑", id_number=id_number(n=200_001), home=grid_a)
    services.add_post(person, "community_secretary", community)
    services.add_post(person, "owners_committee_member", grid_a)
    services.add_post(person, "property_manager", grid_b)
    admin = demo_user("district_admin")
    for node in (community, grid_a, grid_b):
        assert person in services.persons_at(admin, node)
    assert person.pk in {p.pk for p in services.multi_post_persons(admin)}
    assert next(p for p in services.multi_post_persons(admin) if p.pk == person.pk).n_posts == 3


def test_party_member_share_of_an_owners_committee(demo, demo_user):
    district = demo["140105"]
    grid = nodes("grid", n=20)[-1]
    people = [services.create_person(district, f"业主{i}", home=grid) for i in range(4)]
    for p in people:
        services.add_post(p, "owners_committee_member", grid)
    services.register_member(people[0])
    row = next(r for r in services.owners_committee_shares(demo_user("district_admin")) if r["node_id"] == grid.pk)
    assert (row["size"], row["party_members"], row["share"]) == (4, 1, 0.25)


def test_pay_follows_the_ladder_after_an_adjustment(demo):
    district = demo["140105"]
    community = nodes("community", n=1)[0]
    worker = services.add_worker(services.create_person(district, "社工", home=community), community, "staff", level=10)
    services.set_ladder(district, "staff", 2030, base=4000, step=50)
    assert services.monthly_pay(worker, 2030) == Decimal("4450.00")
    services.adjust_pay(district, 2031, Decimal("5"))
    assert services.monthly_pay(worker, 2031) == Decimal("4672.50")  # (4000 + 9 × 50) × 1.05
    assert services.monthly_pay(worker, 2030) == Decimal("4450.00")  # last year's table is unchanged
    services.promote(worker, 11)
    assert services.monthly_pay(worker, 2031) == Decimal("4725.00")
    assert worker.promotions.get().from_level == 10


def test_dual_registration_report_sums_the_ledger_per_employer(demo, demo_user):
    district = demo["140105"]
    community = nodes("community", n=1)[0]
    grid = Node.objects.filter(path__startswith=community.path, kind="grid").first()
    person = services.create_person(district, "在职党员", home=grid)
    member = services.register_member(person, in_service=True, employer="测试单位甲")
    services.dual_register(member, community, grid)
    services.record_service(person, "dual_registration", 2, "入户走访", grid)
    services.record_service(person, "dual_registration", "1.5", "网格巡查", grid)
    report = {r["employer"]: r for r in services.dual_registration_report(demo_user("district_admin"))}
    assert report["测试单位甲"]["members"] == 1 and report["测试单位甲"]["hours"] == Decimal("3.5")
    with pytest.raises(services.PeopleError):
        services.dual_register(services.register_member(services.create_person(district, "退休党员", home=grid)), community)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.decimals(min_value=Decimal("0.5"), max_value=Decimal("8"), places=1), min_size=1, max_size=8))
def test_volunteer_totals_always_equal_the_sum_of_their_entries(demo, hours):
    volunteer = Volunteer.objects.filter(district__code="150105", team__isnull=False).select_related("person", "team").first()
    node = volunteer.person.home
    before_person = services.person_hours(volunteer.person, "volunteer")
    before_team = services.team_hours(volunteer.team)
    before_comm = services.community_hours(volunteer.team.node, "volunteer")
    for h in hours:
        services.record_service(volunteer.person, "volunteer", h, "测试服务", node)
    added = sum(hours)
    assert services.person_hours(volunteer.person, "volunteer") == before_person + added
    assert services.team_hours(volunteer.team) == before_team + added
    assert services.community_hours(volunteer.team.node, "volunteer") == before_comm + added
    ledger = sum(ServiceRecord.objects.filter(person=volunteer.person, kind="volunteer").values_list("hours", flat=True))
    assert services.person_hours(volunteer.person, "volunteer") == ledger
    ServiceRecord.objects.filter(person=volunteer.person, what="测试服务").delete()


def test_verification_is_by_someone_else_with_a_post_above(demo, demo_user):
    record = ServiceRecord.objects.filter(district__code="140105", verified_by__isnull=True).first()
    with pytest.raises(services.PeopleError):
        services.verify_service(record, record.person)
    other = services.create_person(demo["140105"], "核验人")
    with pytest.raises(services.PeopleError):
        services.verify_service(record, other, user=demo_user("grid_worker"))
    services.verify_service(record, other, user=demo_user("district_admin"))
    assert ServiceRecord.objects.get(pk=record.pk).verified_by == other


@pytest.mark.parametrize("registry", ["members", "volunteers", "residents", "workers"])
def test_community_secretary_sees_only_their_communitys_rows_of_each_registry(demo_user, registry):
    community = nodes("community", n=1)[0]
    user = demo_user("community_secretary")
    rows = list(getattr(services, registry)(user).values_list("node_path", flat=True))
    assert rows, registry
    assert all(path.startswith(community.path) for path in rows)
    admin_rows = getattr(services, registry)(demo_user("district_admin")).count()
    assert admin_rows > len(rows) or registry == "residents"
    assert not getattr(services, registry)(demo_user("district_admin", "150105")).filter(district__code="140105").exists()


def test_grid_worker_sees_only_the_members_of_their_grid(demo_user):
    user = demo_user("grid_worker")
    grid = user.person.posts.get().node
    paths = set(services.members(user).values_list("node_path", flat=True))
    assert paths and all(p.startswith(grid.path) for p in paths)


def test_demo_stats_show_the_published_figures(demo):
    counts = {d["code"]: d["counts"] for d in collect()["districts"]}
    keys = {"party_member", "dual_registered", "volunteer", "lane_chief", "community_worker", "resident"}
    assert keys <= set(counts["150105"])
    assert counts["150105"]["party_member"] >= 20_000
    assert counts["150105"]["dual_registered"] == 1_910
    assert counts["150105"]["volunteer"] == 5_000
    assert counts["140105"]["dual_registered"] == 6_488
    assert counts["140105"]["lane_chief"] == 296
    assert counts["140105"]["community_worker"] >= 1_200
    assert all(counts[c]["resident"] > 0 for c in counts)


def test_every_demo_id_number_is_valid_and_carries_the_district_code(demo):
    from gridgov.people import pii
    from gridgov.people.models import Person

    sample = Person.objects.filter(district__code="150105").exclude(id_number="").values_list("id_number", flat=True)[:2000]
    assert sample and all(pii.is_valid_id_number(v) and v.startswith("150105") for v in sample)
    assert PartyMember.objects.filter(district__code="150105", party_org__isnull=False).exists()
    assert CommunityWorker.objects.filter(district__code="140105", promotions__isnull=False).exists()
    _ = datetime
