"""Funds and brand projects: spending keeps the budget's spent in step, an overdraft is refused without
an approval from a level above (the community's own secretary cannot approve it), allocations stay within
the budget; pages and the Excel export show balances; brand projects with milestones; demo budgets."""
import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from gridgov.hierarchy.models import Node
from gridgov.participation.errors import NotAllowed, ParticipationError
from gridgov.participation.models import BrandProject, Budget, Spending
from gridgov.participation.services import funds as services

CODE = "150105"


def community():
    return Node.objects.filter(district__code=CODE, kind="community").order_by("code").first()


@pytest.fixture
def budget(demo, demo_user):
    return services.create_budget(demo_user("community_secretary", CODE), community(), 2030, "service", "1000")


def test_spending_raises_spent_and_lowers_the_balance(budget, demo_user):
    secretary = demo_user("community_secretary", CODE)
    services.spend(secretary, budget, "300.50", "慰问困难群众")
    services.spend(secretary, budget, 199.5, "楼道照明")
    budget.refresh_from_db()
    assert budget.spent == Decimal("500.00") and budget.amount - budget.spent == Decimal("500.00")
    assert Spending.objects.filter(budget=budget).count() == 2


def test_overdraft_is_refused_without_approval_and_nothing_is_written(budget, demo_user):
    secretary = demo_user("community_secretary", CODE)
    services.spend(secretary, budget, "900", "活动器材")
    with pytest.raises(ParticipationError) as refused:
        services.spend(secretary, budget, "200", "文体活动")
    assert "100.00" in str(refused.value)
    # The community's own secretary holds EDIT at the budget's level, not above it.
    with pytest.raises(NotAllowed):
        services.spend(secretary, budget, "200", "文体活动", approved_by=secretary)
    budget.refresh_from_db()
    assert budget.spent == Decimal("900.00") and Spending.objects.filter(budget=budget).count() == 1


def test_overdraft_is_allowed_with_approval_from_the_subdistrict(budget, demo_user):
    secretary = demo_user("community_secretary", CODE)
    above = demo_user("subdistrict_secretary", CODE)
    services.spend(secretary, budget, "900", "活动器材")
    made = services.spend(secretary, budget, "200", "文体活动", approved_by=above)
    budget.refresh_from_db()
    assert made.overdraft_approved_by == above and budget.spent == Decimal("1100.00")
    assert budget.amount - budget.spent == Decimal("-100.00")


def test_allocations_stay_within_the_budget(budget, demo_user):
    secretary = demo_user("community_secretary", CODE)
    services.allocate(secretary, budget, "600", note="四点半课堂")
    with pytest.raises(ParticipationError):
        services.allocate(secretary, budget, "500", note="助餐")
    assert services.allocated(budget) == Decimal("600.00")


def test_only_edit_at_the_node_records_spending(budget, demo_user):
    for role in ("grid_chief", "resident", "partner_unit_contact"):
        with pytest.raises(NotAllowed):
            services.spend(demo_user(role, CODE), budget, "10", "x")


def test_bad_amounts_are_refused(budget, demo_user):
    for amount in ("-5", "0", "abc"):
        with pytest.raises(ParticipationError):
            services.spend(demo_user("community_secretary", CODE), budget, amount, "x")


def test_overdraft_through_the_page_needs_the_tick_of_someone_above(budget, client_as, demo_user):
    services.spend(demo_user("community_secretary", CODE), budget, "950", "器材")
    client = client_as("community_secretary", CODE)
    page = client.post(f"/participation/funds/{budget.pk}/", {"form": "spend", "spend-day": "2030-03-01", "spend-amount": "100",
                                                               "spend-what": "活动", "spend-approve_overdraft": "on"})
    assert page.status_code == 200 and Spending.objects.filter(budget=budget).count() == 1
    client = client_as("subdistrict_secretary", CODE)
    ok = client.post(f"/participation/funds/{budget.pk}/", {"form": "spend", "spend-day": "2030-03-01", "spend-amount": "100",
                                                             "spend-what": "活动", "spend-approve_overdraft": "on"})
    assert ok.status_code == 302
    budget.refresh_from_db()
    assert budget.spent == Decimal("1050.00")


def test_demo_budgets_are_consistent_with_their_spending(demo):
    from django.db.models import Sum

    budgets = Budget.objects.filter(district__code=CODE)
    assert budgets.filter(kind="service", amount=200000).exists() and budgets.filter(year=2026, kind="operating", amount=180000).exists()
    sums = dict(Spending.objects.filter(budget__district__code=CODE).values_list("budget").annotate(s=Sum("amount")))
    for b in budgets:
        assert b.spent == sums.get(b.pk, Decimal(0))
        assert b.spent <= b.amount


def test_funds_pages_and_export(demo, client_as):
    client = client_as("district_admin", CODE)
    assert client.get("/participation/funds/").status_code == 200
    budget = Budget.objects.filter(district__code=CODE).first()
    assert client.get(f"/participation/funds/{budget.pk}/").status_code == 200
    answer = client.get("/participation/funds/export.xlsx")
    book = load_workbook(io.BytesIO(answer.content))
    assert book.active.max_row == 1 + Budget.objects.filter(district__code=CODE).count()
    other = Budget.objects.filter(district__code="140105").first()
    assert client.get(f"/participation/funds/{other.pk}/").status_code == 404


def test_one_brand_per_subdistrict_with_milestones(demo, demo_user, client_as):
    subs = Node.objects.filter(district__code=CODE, kind="subdistrict")
    assert BrandProject.objects.filter(district__code=CODE, kind="street_brand").count() == subs.count()
    sub = subs.order_by("code").first()
    with pytest.raises(ParticipationError):
        services.create_brand_project(demo_user("subdistrict_secretary", CODE), sub, "street_brand", "第二个品牌")
    plus = services.create_brand_project(demo_user("community_secretary", CODE), community(), "party_plus", "党建+助餐")
    milestone = services.add_milestone(demo_user("community_secretary", CODE), plus, "助餐点开业", datetime.date(2030, 1, 1))
    services.complete_milestone(demo_user("community_secretary", CODE), milestone, "开业")
    client = client_as("community_secretary", CODE)
    assert client.get("/participation/brands/").status_code == 200
    page = client.get(f"/participation/brands/{plus.pk}/")
    assert page.status_code == 200 and "助餐点开业" in page.content.decode()
