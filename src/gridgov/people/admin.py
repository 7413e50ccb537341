"""Django admin for district administrators: every admin list is scoped like the pages are.
ScopedAdmin is the mixin other apps' admins use; the site admits users whose post grants admin."""
from django.contrib import admin

from . import roles, scoping
from .models import Person, Post


def _site_has_permission(request):
    user = request.user
    return user.is_active and (user.is_superuser or scoping.can(user, roles.ADMIN))


admin.site.has_permission = _site_has_permission
admin.site.site_header = "gridgov"


class ScopedAdmin(admin.ModelAdmin):
    """Restricts the changelist to the user's subtrees through scoping.scope()."""

    scope_path = "path"

    def get_queryset(self, request):
        return scoping.scope(super().get_queryset(request), request.user, self.scope_path, roles.ADMIN)

    def has_module_permission(self, request):
        return _site_has_permission(request)

    def has_view_permission(self, request, obj=None):
        return _site_has_permission(request)

    def has_change_permission(self, request, obj=None):
        return _site_has_permission(request)

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(Person)
class PersonAdmin(ScopedAdmin):
    scope_path = "home__path"
    list_display = ["name", "gender", "district", "home"]
    search_fields = ["name"]
    # Personal data is revealed through the audited reveal flow, never in the admin.
    exclude = ["id_number", "phone"]
    raw_id_fields = ["home", "user"]


@admin.register(Post)
class PostAdmin(ScopedAdmin):
    scope_path = "node__path"
    list_display = ["person", "role", "node", "start", "end"]
    list_filter = ["role"]
    raw_id_fields = ["person", "node"]

    def has_add_permission(self, request):
        return _site_has_permission(request)


# ---------------------------------------------------------------- the people registries
# Scoped on the denormalised node_path; persons' ID numbers and phones never appear in clear.
from .models import (  # noqa: E402
    AccessLog, CommunityWorker, DualRegistration, Household, PartyMember, PayLadder, Resident, ServiceRecord,
    TalentEntry, TrainingRecord, Volunteer, VolunteerTeam,
)


class NodePathAdmin(ScopedAdmin):
    scope_path = "node_path"
    raw_id_fields = ["person"]


@admin.register(PartyMember)
class PartyMemberAdmin(NodePathAdmin):
    list_display = ["person", "party_org", "status", "in_service", "employer"]
    list_filter = ["status", "in_service"]
    search_fields = ["person__name", "employer"]
    raw_id_fields = ["person", "party_org"]
    exclude = ["node_path"]


@admin.register(DualRegistration)
class DualRegistrationAdmin(ScopedAdmin):
    scope_path = "node_path"
    list_display = ["member", "community", "grid", "since", "active"]
    raw_id_fields = ["member", "community", "grid"]
    exclude = ["node_path"]


@admin.register(ServiceRecord)
class ServiceRecordAdmin(NodePathAdmin):
    list_display = ["person", "kind", "hours", "what", "day", "verified_by"]
    list_filter = ["kind"]
    raw_id_fields = ["person", "node", "verified_by"]
    exclude = ["node_path"]


@admin.register(Volunteer)
class VolunteerAdmin(NodePathAdmin):
    list_display = ["person", "team"]
    raw_id_fields = ["person", "team"]
    exclude = ["node_path"]


@admin.register(VolunteerTeam)
class VolunteerTeamAdmin(ScopedAdmin):
    scope_path = "node__path"
    list_display = ["name", "node"]
    raw_id_fields = ["node"]


@admin.register(Household)
class HouseholdAdmin(ScopedAdmin):
    scope_path = "node__path"
    list_display = ["node", "number"]
    raw_id_fields = ["node"]


@admin.register(Resident)
class ResidentAdmin(NodePathAdmin):
    list_display = ["person", "household", "relation"]
    raw_id_fields = ["person", "household"]
    exclude = ["node_path"]


@admin.register(CommunityWorker)
class CommunityWorkerAdmin(NodePathAdmin):
    list_display = ["person", "node", "post_category", "level"]
    list_filter = ["post_category"]
    raw_id_fields = ["person", "node"]
    exclude = ["node_path"]


@admin.register(PayLadder)
class PayLadderAdmin(admin.ModelAdmin):
    list_display = ["district", "category", "year", "base", "step", "adjustment_pct"]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        district = scoping.user_district(request.user)
        return qs.filter(district=district) if district and scoping.can(request.user, roles.ADMIN) else qs.none()

    def has_module_permission(self, request):
        return _site_has_permission(request)

    has_view_permission = ScopedAdmin.has_view_permission
    has_change_permission = ScopedAdmin.has_change_permission


@admin.register(TalentEntry)
class TalentEntryAdmin(NodePathAdmin):
    list_display = ["person", "kind", "field"]
    exclude = ["node_path"]


@admin.register(TrainingRecord)
class TrainingRecordAdmin(NodePathAdmin):
    list_display = ["person", "course", "hours", "day"]
    exclude = ["node_path"]


@admin.register(AccessLog)
class AccessLogAdmin(NodePathAdmin):
    """Read-only: the log is evidence, nobody edits it."""

    list_display = ["at", "user", "person", "field", "reason"]
    list_filter = ["field"]

    def get_queryset(self, request):
        return scoping.scope(admin.ModelAdmin.get_queryset(self, request), request.user, "node_path", roles.AUDIT)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
