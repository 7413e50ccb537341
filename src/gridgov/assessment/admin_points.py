"""Admin for assessment points models: district administrators edit their district's points rules; the
ledger, accounts and appeals are read-only here (only the points services change them)."""
from django.contrib import admin

from gridgov.people import roles, scoping
from gridgov.people.admin import ScopedAdmin

from .models import PointsAccount, PointsAppeal, PointsEntry, PointsRule


@admin.register(PointsRule)
class PointsRuleAdmin(ScopedAdmin):
    list_display = ["code", "name", "source", "points", "cap", "period", "active", "district"]
    list_filter = ["source", "period", "active"]
    list_editable = ["points", "cap", "period", "active"]
    search_fields = ["code", "name"]

    def get_queryset(self, request):
        qs = admin.ModelAdmin.get_queryset(self, request)
        if request.user.is_superuser:
            return qs
        # Only those who configure the district (CONFIGURE at its root) see and edit its rules.
        districts = {p.district_id for p in scoping.active_posts(request.user)
                     if roles.CONFIGURE in roles.ROLES[p.role].perms and p.node.depth == 1}
        return qs.filter(district_id__in=districts)

    def has_add_permission(self, request):
        return request.user.is_superuser or scoping.can(request.user, roles.CONFIGURE)

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser or scoping.can(request.user, roles.CONFIGURE)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "district" and not request.user.is_superuser:
            from gridgov.hierarchy.models import District

            kwargs["queryset"] = District.objects.filter(pk__in={p.district_id for p in scoping.active_posts(request.user)})
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ReadOnlyScopedAdmin(ScopedAdmin):
    scope_path = "node_path"

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PointsAccount)
class PointsAccountAdmin(ReadOnlyScopedAdmin):
    list_display = ["member", "year", "total"]
    list_filter = ["year"]
    raw_id_fields = ["member"]


@admin.register(PointsEntry)
class PointsEntryAdmin(ReadOnlyScopedAdmin):
    list_display = ["day", "member", "rule", "points", "state", "note"]
    list_filter = ["state", "year", "rule__source"]
    raw_id_fields = ["member", "reverses"]


@admin.register(PointsAppeal)
class PointsAppealAdmin(ReadOnlyScopedAdmin):
    list_display = ["filed_at", "entry", "state", "decided_at"]
    list_filter = ["state"]
    raw_id_fields = ["entry"]
