"""Party-member points: caps per month, quarter and year hold; the yearly reset starts a new account from
the base score and leaves last year alone; automatic awards are idempotent; approvals and appeals are
scoped; and (hypothesis) every account total equals the sum of its approved ledger entries."""
import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridgov.assessment.errors import AssessmentError, NotAllowed
from gridgov.assessment.models import Attendance, Meeting, PointsAccount, PointsAppeal, PointsEntry, PointsRule
from gridgov.assessment.services import points
from gridgov.hierarchy.services import subtree_q
from gridgov.people.models import PartyMember

CODE = "140105"


def ledger(member, year):
    return PointsEntry.objects.filter(member=member, year=year, state="approved").aggregate(s=Sum("points"))["s"] or Decimal("0")


def total(member, year):
    return PointsAccount.objects.get(member=member, year=year).total


def assert_totals_match(district):
    sums = {(m, y): s for m, y, s in PointsEntry.objects.filter(district=district, state="approved")
            .values_list("member_id", "year").annotate(s=Sum("points")).values_list("member_id", "year", "s")}
    wrong = [(m, y, t, sums.get((m, y))) for m, y, t in PointsAccount.objects.filter(district=district).values_list("member_id", "year", "total")
             if t != (sums.get((m, y)) or 0)]
    assert wrong == []


@pytest.fixture
def district(demo):
    return demo[CODE]


@pytest.fixture
def secretary(demo_user):
    return demo_user("community_secretary", CODE)


@pytest.fixture
def local_member(secretary):
    """An ordinary member in the community secretary's community."""
    community = secretary.person.posts.get(role="community_secretary").node
    return (PartyMember.objects.filter(subtree_q(community.path, "node_path"), district__code=CODE, status="full", person__user__isnull=True)
            .order_by("pk").first())


@pytest.fixture
def remote_member(secretary):
    """A member of another community of the same district."""
    community = secretary.person.posts.get(role="community_secretary").node
    return PartyMember.objects.filter(district__code=CODE, status="full").exclude(subtree_q(community.path, "node_path")).order_by("pk").first()


def manual_rule(district, code, pts, cap, period):
    return PointsRule.objects.create(district=district, code=code, name=code, source="manual", points=Decimal(pts),
                                     cap=Decimal(cap) if cap is not None else None, period=period)


def approve_manual(user, member, rule, day, pts=None):
    entry = points.create_manual(user, member, rule, pts if pts is not None else abs(rule.points), day, "test")
    return points.decide_entry(user, entry, approve=True)


# ---------------------------------------------------------------- caps

@pytest.mark.parametrize("period, same, other", [
    ("month", [datetime.date(2026, 3, 2), datetime.date(2026, 3, 15), datetime.date(2026, 3, 28), datetime.date(2026, 3, 30)], datetime.date(2026, 4, 1)),
    ("quarter", [datetime.date(2026, 1, 5), datetime.date(2026, 2, 5), datetime.date(2026, 3, 5), datetime.date(2026, 3, 31)], datetime.date(2026, 4, 1)),
    ("year", [datetime.date(2025, 1, 5), datetime.date(2025, 5, 5), datetime.date(2025, 9, 5), datetime.date(2025, 12, 31)], datetime.date(2026, 1, 1)),
])
def test_entries_are_trimmed_to_the_cap_of_their_period_and_the_next_period_starts_afresh(district, secretary, local_member, period, same, other):
    rule = manual_rule(district, f"t_{period}", "4", "10", period)
    got = [approve_manual(secretary, local_member, rule, day).points for day in same]
    assert got == [Decimal("4"), Decimal("4"), Decimal("2"), Decimal("0")]
    assert approve_manual(secretary, local_member, rule, other).points == Decimal("4")
    for year in {d.year for d in same + [other]}:
        assert total(local_member, year) == ledger(local_member, year)


def test_a_negative_rule_is_capped_in_absolute_value(district, secretary, local_member):
    rule = manual_rule(district, "t_neg", "-5", "12", "year")
    got = [approve_manual(secretary, local_member, rule, datetime.date(2026, 2, d)).points for d in (1, 2, 3, 4)]
    assert got == [Decimal("-5"), Decimal("-5"), Decimal("-2"), Decimal("0")]
    assert sum(got) == Decimal("-12")
    assert total(local_member, 2026) == ledger(local_member, 2026)


def test_attendance_points_stop_at_the_monthly_cap(district, local_member):
    rule = PointsRule.objects.get(district=district, code="attendance")
    day = datetime.date(2026, 11, 2)
    for i in range(6):
        meeting = Meeting.objects.create(district=district, party_org=local_member.party_org, kind="activity", title=f"m{i}",
                                         start=datetime.datetime(2026, 11, 2 + i, 9, tzinfo=datetime.timezone.utc), node_path="x")
        Attendance.objects.create(meeting=meeting, member=local_member, status="present")
    points.award_from_activity(district, since=day)
    month = PointsEntry.objects.filter(member=local_member, rule=rule, day__gte=day, day__lt=datetime.date(2026, 12, 1))
    assert month.count() == 6
    assert month.aggregate(s=Sum("points"))["s"] == rule.cap
    assert month.filter(points=0).count() == 6 - int(rule.cap / rule.points)
    assert total(local_member, 2026) == ledger(local_member, 2026)


# ---------------------------------------------------------------- yearly reset

def test_a_new_year_starts_from_the_base_score_and_last_year_is_unchanged(district, local_member):
    base = PointsRule.objects.get(district=district, source="base").points
    before = total(local_member, 2026)
    assert before != base  # the demo year has activity
    created = points.award_due(now=datetime.datetime(2027, 1, 2, 8, tzinfo=datetime.timezone.utc))
    assert created >= PartyMember.objects.filter(district=district, status__in=("full", "probationary")).count()
    assert total(local_member, 2027) == base
    entries = PointsEntry.objects.filter(member=local_member, year=2027)
    assert [(e.rule.source, e.day, e.points) for e in entries] == [("base", datetime.date(2027, 1, 1), base)]
    assert total(local_member, 2026) == before == ledger(local_member, 2026)
    # Running the pass again opens nothing twice.
    points.award_due(now=datetime.datetime(2027, 1, 3, 8, tzinfo=datetime.timezone.utc))
    assert PointsEntry.objects.filter(member=local_member, year=2027).count() == 1


# ---------------------------------------------------------------- automatic awards

def test_award_from_activity_is_idempotent(district):
    before = (PointsEntry.objects.filter(district=district).count(),
              PointsAccount.objects.filter(district=district).aggregate(s=Sum("total"))["s"])
    assert points.award_from_activity(district) == 0
    assert points.award_from_activity(district, since=datetime.date(2026, 9, 1)) == 0
    after = (PointsEntry.objects.filter(district=district).count(),
             PointsAccount.objects.filter(district=district).aggregate(s=Sum("total"))["s"])
    assert after == before


def test_the_demo_ledger_has_every_kind_of_entry_and_sums_to_the_totals(district):
    sources = set(PointsEntry.objects.filter(district=district).values_list("rule__source", flat=True))
    assert {"base", "attendance", "absence", "service", "case", "manual"} <= sources
    assert PointsEntry.objects.filter(district=district, state="pending").exists()
    assert PointsAppeal.objects.filter(district=district, state="open").exists()
    assert_totals_match(district)


# ---------------------------------------------------------------- approvals and appeals

def test_a_community_secretary_cannot_approve_another_communitys_entry(district, demo_user, secretary, remote_member, client_as):
    admin = demo_user("district_admin", CODE)
    rule = PointsRule.objects.get(district=district, code="honour")
    entry = points.create_manual(admin, remote_member, rule, 5, datetime.date(2026, 11, 1), "先进事迹")
    with pytest.raises(NotAllowed):
        points.decide_entry(secretary, entry, approve=True)
    client = client_as("community_secretary", CODE)
    page = client.get(reverse("assessment:points_approvals"))
    assert f'data-entry="{entry.pk}"' not in page.content.decode()
    response = client.post(reverse("assessment:points_approvals"), {"action": "approve", "entry": entry.pk})
    assert response.status_code == 200 and 'id="form-error"' in response.content.decode()
    entry.refresh_from_db()
    assert entry.state == "pending"
    before = total(remote_member, 2026)
    points.decide_entry(admin, entry, approve=True)
    assert total(remote_member, 2026) == before + 5


def test_a_rejected_entry_never_counts(district, secretary, local_member):
    rule = PointsRule.objects.get(district=district, code="honour")
    before = total(local_member, 2026)
    entry = points.create_manual(secretary, local_member, rule, 5, datetime.date(2026, 11, 1), "x")
    assert total(local_member, 2026) == before
    points.decide_entry(secretary, entry, approve=False, note="材料不全")
    assert total(local_member, 2026) == before == ledger(local_member, 2026)
    with pytest.raises(AssessmentError):
        points.decide_entry(secretary, entry, approve=True)


def test_a_member_cannot_appeal_someone_elses_entry(demo_user, local_member, client_as):
    worker = demo_user("grid_worker", CODE)
    entry = PointsEntry.objects.filter(member=local_member, state="approved").exclude(rule__source="base").exclude(points=0).first()
    with pytest.raises(NotAllowed):
        points.file_appeal(worker, entry, "不是我的")
    client = client_as("grid_worker", CODE)
    response = client.post(reverse("assessment:my_points"), {"entry": entry.pk, "reason": "不是我的"})
    assert 'id="form-error"' in response.content.decode()
    assert not PointsAppeal.objects.filter(entry=entry).exists()


def test_an_upheld_appeal_reverses_the_entry_and_a_dismissed_one_changes_nothing(district, demo_user):
    worker, admin = demo_user("grid_worker", CODE), demo_user("district_admin", CODE)
    member = worker.person.party_member
    own = list(PointsEntry.objects.filter(member=member, state="approved", reverses__isnull=True).exclude(rule__source="base")
               .exclude(points=0).exclude(appeals__state="open"))
    if len(own) < 2:
        rule = PointsRule.objects.get(district=district, code="honour")
        own += [approve_manual(admin, member, rule, datetime.date(2026, 11, d)) for d in (3, 4)]
    first, second = own[:2]
    with pytest.raises(AssessmentError):
        points.file_appeal(worker, first, "  ")
    a1 = points.file_appeal(worker, first, "记录有误")
    a2 = points.file_appeal(worker, second, "记录有误")
    year = first.year
    before = total(member, year)
    points.decide_appeal(admin, a1, True, "申诉成立")
    reversal = PointsEntry.objects.get(reverses=first)
    assert reversal.points == -first.points and reversal.state == "approved"
    assert total(member, year) == before - first.points == ledger(member, year)
    before = total(member, second.year)
    points.decide_appeal(admin, a2, False, "原记录无误")
    assert total(member, second.year) == before
    assert PointsAppeal.objects.get(pk=a2.pk).state == "dismissed"
    with pytest.raises(AssessmentError):
        points.file_appeal(worker, first, "再次申诉")


# ---------------------------------------------------------------- pages

def test_my_points_shows_the_members_accounts_and_a_non_member_gets_a_message(client_as, demo_user):
    page = client_as("grid_worker", CODE).get(reverse("assessment:my_points")).content.decode()
    assert 'id="accounts"' in page and 'data-year="2026"' in page
    page = client_as("resident", CODE).get(reverse("assessment:my_points")).content.decode()
    assert 'id="not-member"' in page


def test_ranking_and_member_ledger_pages_are_scoped(client_as, remote_member, local_member):
    client = client_as("community_secretary", CODE)
    page = client.get(reverse("assessment:points_ranking"), {"year": 2026}).content.decode()
    assert 'id="branch-ranking"' in page and 'id="member-ranking"' in page
    assert client.get(reverse("assessment:points_member", args=[local_member.pk])).status_code == 200
    assert client.get(reverse("assessment:points_member", args=[remote_member.pk])).status_code == 404
    page = client_as("district_admin", CODE).get(reverse("assessment:points_ranking"), {"year": 2026}).content.decode()
    assert 'id="community-ranking"' in page


# ---------------------------------------------------------------- the invariant, under random operations

OPS = st.lists(st.tuples(
    st.sampled_from(["attend", "absent", "award", "manual_ok", "manual_no", "deduct", "appeal_up", "appeal_down"]),
    st.integers(0, 3),  # which member
    st.integers(1, 28),  # day of November 2026 (or of a month of 2025 for the older year)
    st.booleans(),  # last year instead
), min_size=1, max_size=12)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=OPS)
def test_every_points_total_equals_its_ledger_after_any_sequence_of_operations(district, secretary, ops):
    community = secretary.person.posts.get(role="community_secretary").node
    members = list(PartyMember.objects.filter(subtree_q(community.path, "node_path"), district=district, status="full").order_by("pk")[:4])
    honour = PointsRule.objects.get(district=district, code="honour")
    discipline = PointsRule.objects.get(district=district, code="discipline")
    with transaction.atomic():
        for op, who, day_n, last_year in ops:
            member = members[who % len(members)]
            day = datetime.date(2025, 6, day_n) if last_year else datetime.date(2026, 11, day_n)
            if op in ("attend", "absent"):
                meeting = Meeting.objects.create(district=district, party_org=member.party_org, kind="activity", title="t",
                                                 start=datetime.datetime(day.year, day.month, day.day, 2, tzinfo=datetime.timezone.utc), node_path="x")
                for m in members:
                    if m.party_org_id == member.party_org_id:
                        Attendance.objects.create(meeting=meeting, member=m, status="present" if op == "attend" else "absent")
                points.award_from_activity(district, since=day)
            elif op == "award":
                points.award_from_activity(district, since=datetime.date(2025, 6, 1))
                assert points.award_from_activity(district, since=datetime.date(2025, 6, 1)) == 0
            elif op in ("manual_ok", "manual_no", "deduct"):
                rule = discipline if op == "deduct" else honour
                entry = points.create_manual(secretary, member, rule, day_n % 7 + 1, day, "t")
                points.decide_entry(secretary, entry, approve=op != "manual_no")
            else:
                entry = (PointsEntry.objects.filter(member=member, state="approved", reverses__isnull=True, reversals__isnull=True)
                         .exclude(points=0).exclude(rule__source="base").exclude(appeals__state="open").order_by("-pk").first())
                if entry is not None:
                    appeal = PointsAppeal.objects.create(entry=entry, district=district, reason="r", node_path=entry.node_path)
                    points.decide_appeal(secretary, appeal, op == "appeal_up", "d")
            for m in members:
                for account in PointsAccount.objects.filter(member=m):
                    assert account.total == ledger(m, account.year), (op, m.pk, account.year)
        transaction.set_rollback(True)
