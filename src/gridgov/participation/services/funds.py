"""Funds and brand projects: budgets per community and subdistrict, allocations to projects, spending
that keeps Budget.spent in step and refuses an overdraft without approval from a level above; brand projects."""
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.people import roles, scoping

from ..errors import Conflict, NotAllowed, ParticipationError
from ..models import Allocation, BrandProject, Budget, Milestone, Spending

BUDGET_LEVELS = ("community", "subdistrict")
BRAND_LEVELS = ("district", "subdistrict", "community")


def budgets(user):
    return scoping.scope(Budget.objects.all(), user, "node_path", roles.VIEW)


def brand_projects(user):
    return scoping.scope(BrandProject.objects.all(), user, "node_path", roles.VIEW)


def money(value):
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError, TypeError):
        raise ParticipationError(_("Give an amount in yuan, like 1200.50.")) from None
    if amount <= 0:
        raise ParticipationError(_("The amount must be more than zero."))
    return amount


def can_approve_overdraft(user, node):
    """EDIT granted by a post at a level strictly above the budget's node (the node's own secretary may not)."""
    if getattr(user, "is_superuser", False) and user.is_active:
        return True
    return any(roles.EDIT in roles.ROLES[p.role].perms and node.path.startswith(p.node.path) and len(p.node.path) < len(node.path)
               for p in scoping.active_posts(user))


def create_budget(user, node, year, kind, amount):
    if not scoping.can(user, roles.EDIT, node):
        raise NotAllowed(_("You may not set budgets here."))
    if node.kind not in BUDGET_LEVELS:
        raise ParticipationError(_("Budgets are kept for communities and subdistricts."))
    if kind not in dict(Budget.KINDS):
        raise ParticipationError(_("Unknown kind of budget."))
    try:
        with transaction.atomic():
            return Budget.objects.create(district_id=node.district_id, node=node, node_path=node.path, year=int(year), kind=kind,
                                         amount=money(amount))
    except IntegrityError:
        raise Conflict(_("This place already has a budget of this kind for that year.")) from None


def allocated(budget):
    return budget.allocations.aggregate(s=Sum("amount"))["s"] or Decimal("0")


def allocate(user, budget, amount, *, project=None, note=""):
    """Earmark part of a budget for a project; refused beyond what is not yet allocated."""
    amount = money(amount)
    with transaction.atomic():
        budget = Budget.objects.select_for_update(of=("self",)).select_related("node").get(pk=budget.pk)
        if not scoping.can(user, roles.EDIT, budget.node):
            raise NotAllowed(_("You may not change this budget."))
        if project is not None and project.district_id != budget.district_id:
            raise ParticipationError(_("The project belongs to another district."))
        free = budget.amount - allocated(budget)
        if amount > free:
            raise ParticipationError(_("Only %(free)s yuan of this budget is not yet allocated.") % {"free": free})
        return Allocation.objects.create(budget=budget, project=project, amount=amount, note=(note or "")[:255])


def spend(user, budget, amount, what, *, day=None, allocation=None, approved_by=None):
    """Record spending and raise Budget.spent in the same transaction, the budget row locked.

    A spending that would take the balance below zero needs `approved_by`: a user with EDIT at a
    level above the budget's node. Without it nothing is written and the message says so."""
    amount = money(amount)
    if not (what or "").strip():
        raise ParticipationError(_("Say what the money was spent on."))
    with transaction.atomic():
        budget = Budget.objects.select_for_update(of=("self",)).select_related("node").get(pk=budget.pk)
        if not scoping.can(user, roles.EDIT, budget.node):
            raise NotAllowed(_("You may not record spending on this budget."))
        if allocation is not None and allocation.budget_id != budget.pk:
            raise ParticipationError(_("The allocation belongs to another budget."))
        balance = budget.amount - budget.spent
        approver = None
        if amount > balance:
            if approved_by is None:
                raise ParticipationError(_("This spending of %(amount)s yuan exceeds the balance of %(balance)s yuan: it needs an overdraft approval from a level above.") % {
                    "amount": amount, "balance": balance})
            if not can_approve_overdraft(approved_by, budget.node):
                raise NotAllowed(_("An overdraft is approved only by someone with the right at a level above this budget."))
            approver = approved_by
        spending = Spending.objects.create(budget=budget, allocation=allocation, day=day or timezone.localdate(), amount=amount,
                                           what=what.strip()[:255], overdraft_approved_by=approver, recorded_by=user)
        Budget.objects.filter(pk=budget.pk).update(spent=F("spent") + amount)
    budget.refresh_from_db()
    return spending


def balance_rows(user, year=None):
    qs = budgets(user).select_related("node").order_by("node_path", "kind", "-year")
    if year:
        qs = qs.filter(year=year)
    return qs


# ---------------------------------------------------------------- brand projects

def create_brand_project(user, node, kind, name, *, description="", results=""):
    if not scoping.can(user, roles.EDIT, node):
        raise NotAllowed(_("You may not create brand projects here."))
    if node.kind not in BRAND_LEVELS:
        raise ParticipationError(_("Brand projects belong to a district, subdistrict or community."))
    if kind not in dict(BrandProject.KINDS):
        raise ParticipationError(_("Unknown kind of brand project."))
    if not (name or "").strip():
        raise ParticipationError(_("A brand project needs a name."))
    if kind == "street_brand" and node.kind == "subdistrict" and BrandProject.objects.filter(node=node, kind="street_brand").exists():
        raise Conflict(_("This subdistrict already has its brand (one subdistrict, one brand)."))
    return BrandProject.objects.create(district_id=node.district_id, node=node, node_path=node.path, kind=kind, name=name.strip()[:128],
                                       description=description, results=results)


def add_milestone(user, project, title, due):
    if not scoping.can(user, roles.EDIT, project.node):
        raise NotAllowed(_("You may not change this brand project."))
    if not (title or "").strip() or due is None:
        raise ParticipationError(_("A milestone needs a title and a due date."))
    return Milestone.objects.create(project=project, title=title.strip()[:255], due=due)


def complete_milestone(user, milestone, result="", day=None):
    if not scoping.can(user, roles.EDIT, milestone.project.node):
        raise NotAllowed(_("You may not change this brand project."))
    if milestone.done_on:
        raise ParticipationError(_("This milestone is already done."))
    milestone.done_on = day or timezone.localdate()
    milestone.result = (result or "")[:255]
    milestone.save(update_fields=["done_on", "result"])
    return milestone
