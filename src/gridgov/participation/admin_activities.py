"""Admin for service-centre activities: events with their sign-ups, scoped like the pages. Sign-ups are
read-only here: the waiting list and training records move only through the services."""
from django.contrib import admin

from gridgov.people.admin import ScopedAdmin

from .models import Event, SignUp


class SignUpInline(admin.TabularInline):
    model = SignUp
    extra = 0
    can_delete = False
    fields = ["person", "state", "signed_up_at", "attended", "rating", "feedback"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Event)
class EventAdmin(ScopedAdmin):
    scope_path = "node_path"
    list_display = ["title", "kind", "centre", "start", "capacity", "cancelled"]
    list_filter = ["kind", "cancelled"]
    search_fields = ["title"]
    raw_id_fields = ["node", "centre"]
    readonly_fields = ["district", "node_path"]
    inlines = [SignUpInline]
