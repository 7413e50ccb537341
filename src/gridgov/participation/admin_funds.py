"""Admin for funds and brand projects, scoped like the pages. Budget.spent is read-only here: only the
spending services move it, in the same transaction as the spending they record."""
from django.contrib import admin

from gridgov.people.admin import ScopedAdmin

from .models import Allocation, BrandProject, Budget, Milestone, Spending


class NodePathScoped(ScopedAdmin):
    scope_path = "node_path"


class AllocationInline(admin.TabularInline):
    model = Allocation
    extra = 0
    raw_id_fields = ["project"]


@admin.register(Budget)
class BudgetAdmin(NodePathScoped):
    list_display = ["node", "year", "kind", "amount", "spent"]
    list_filter = ["year", "kind"]
    raw_id_fields = ["node"]
    readonly_fields = ["district", "spent", "node_path"]
    inlines = [AllocationInline]


@admin.register(Spending)
class SpendingAdmin(ScopedAdmin):
    scope_path = "budget__node_path"
    list_display = ["budget", "day", "amount", "what", "overdraft_approved_by"]
    readonly_fields = ["budget", "allocation", "day", "amount", "overdraft_approved_by", "recorded_by"]


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0


@admin.register(BrandProject)
class BrandProjectAdmin(NodePathScoped):
    list_display = ["name", "kind", "node"]
    list_filter = ["kind"]
    search_fields = ["name"]
    raw_id_fields = ["node"]
    readonly_fields = ["district", "node_path"]
    inlines = [MilestoneInline]
