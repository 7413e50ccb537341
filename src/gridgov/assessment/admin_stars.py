"""Admin of standardisation and star rating: the district's checklist and star levels are edited here by
those with CONFIGURE (their own district only); checks, ratings and weak-and-lax records are read-only
here, scoped, because the services keep PartyOrg's flags and the four lists in step with them."""
from django.contrib import admin

from gridgov.people import roles, scoping
from gridgov.people.admin import ScopedAdmin

from .models import StandardCheck, StandardItem, StarLevel, StarRating, WeakLaxRecord


class DistrictConfigAdmin(admin.ModelAdmin):
    """Per-district configuration rows: a user sees and edits their district's only, with CONFIGURE."""

    exclude = ["district"]

    def _allowed(self, request):
        user = request.user
        return user.is_active and (user.is_superuser or (scoping.can(user, roles.ADMIN) and scoping.can(user, roles.CONFIGURE)))

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        district = scoping.user_district(request.user)
        return qs.filter(district=district) if district and self._allowed(request) else qs.none()

    def get_exclude(self, request, obj=None):
        return [] if request.user.is_superuser else self.exclude

    def save_model(self, request, obj, form, change):
        if not change and not request.user.is_superuser:
            obj.district = scoping.user_district(request.user)
        super().save_model(request, obj, form, change)

    def has_module_permission(self, request):
        return self._allowed(request)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request)

    def has_change_permission(self, request, obj=None):
        return self._allowed(request)

    def has_add_permission(self, request):
        return self._allowed(request)

    def has_delete_permission(self, request, obj=None):
        return self._allowed(request)


@admin.register(StandardItem)
class StandardItemAdmin(DistrictConfigAdmin):
    list_display = ["order", "code", "text", "district"]
    list_display_links = ["code", "text"]


@admin.register(StarLevel)
class StarLevelAdmin(DistrictConfigAdmin):
    list_display = ["stars", "minimum_score", "quota_pct", "needs_innovation", "district"]


class ReadOnlyScopedAdmin(ScopedAdmin):
    scope_path = "node_path"

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StandardCheck)
class StandardCheckAdmin(ReadOnlyScopedAdmin):
    list_display = ["party_org", "year", "meets", "checked_at"]
    list_filter = ["year", "meets"]
    search_fields = ["party_org__name"]


@admin.register(StarRating)
class StarRatingAdmin(ReadOnlyScopedAdmin):
    list_display = ["party_org", "year", "stars", "score", "change", "innovation_project"]
    list_filter = ["year", "stars", "change"]
    search_fields = ["party_org__name"]


@admin.register(WeakLaxRecord)
class WeakLaxRecordAdmin(ReadOnlyScopedAdmin):
    list_display = ["party_org", "flagged_on", "due", "state", "lifted_on"]
    list_filter = ["state"]
    search_fields = ["party_org__name"]
