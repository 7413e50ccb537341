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
