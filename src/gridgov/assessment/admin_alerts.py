"""Admin for alerts: the district's alert rules (edited by users with CONFIGURE at the district),
the alerts and the talks (scoped on node_path like the inbox)."""
from django.contrib import admin

from gridgov.people import roles, scoping
from gridgov.people.admin import ScopedAdmin

from .models import Alert, AlertRule, Talk


def _configured_districts(user):
    """Districts where one of the user's posts grants CONFIGURE at the district's root."""
    return {p.district_id for p in scoping.active_posts(user) if roles.CONFIGURE in roles.ROLES[p.role].perms and p.node.depth == 1}


@admin.register(AlertRule)
class AlertRuleAdmin(ScopedAdmin):
    list_display = ["kind", "district", "params", "active"]
    list_filter = ["kind", "active"]
    readonly_fields = ["district", "kind"]

    def get_queryset(self, request):
        qs = admin.ModelAdmin.get_queryset(self, request)
        if request.user.is_superuser:
            return qs
        return qs.filter(district_id__in=_configured_districts(request.user))

    def has_change_permission(self, request, obj=None):
        if request.user.is_superuser:
            return True
        allowed = _configured_districts(request.user)
        return bool(allowed) and (obj is None or obj.district_id in allowed)


@admin.register(Alert)
class AlertAdmin(ScopedAdmin):
    scope_path = "node_path"
    list_display = ["raised_at", "kind", "subject_label", "node", "state"]
    list_filter = ["kind", "state"]
    search_fields = ["subject_label", "message"]
    raw_id_fields = ["node", "rule", "handled_by"]
    readonly_fields = ["key", "subject", "node_path"]


@admin.register(Talk)
class TalkAdmin(ScopedAdmin):
    scope_path = "node_path"
    list_display = ["day", "party_org", "with_whom", "by"]
    raw_id_fields = ["party_org", "alert"]
    exclude = ["node_path"]
