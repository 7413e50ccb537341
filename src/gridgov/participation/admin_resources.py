"""Admin for the three lists and booking: resources with their blocked periods, needs, projects and
bookings, scoped like the pages (ScopedAdmin on the denormalised node path). Booking slots are not edited
here: a booking's state changes go through the services, which keep the slot rows."""
from django.contrib import admin

from gridgov.people.admin import ScopedAdmin

from .models import BlockedPeriod, Booking, Need, Project, Resource


class NodePathScoped(ScopedAdmin):
    scope_path = "node_path"


class BlockedInline(admin.TabularInline):
    model = BlockedPeriod
    extra = 0


@admin.register(Resource)
class ResourceAdmin(NodePathScoped):
    list_display = ["name", "kind", "node", "partner_unit", "bookable", "needs_confirmation", "active"]
    list_filter = ["kind", "bookable", "active"]
    search_fields = ["name"]
    raw_id_fields = ["node", "partner_unit", "contact"]
    readonly_fields = ["district", "node_path"]
    inlines = [BlockedInline]


@admin.register(Need)
class NeedAdmin(NodePathScoped):
    list_display = ["title", "kind", "node", "state", "raised_at"]
    list_filter = ["kind", "state"]
    search_fields = ["title"]
    raw_id_fields = ["node", "raised_by"]
    readonly_fields = ["district", "node_path"]


@admin.register(Project)
class ProjectAdmin(NodePathScoped):
    list_display = ["title", "node", "state", "progress", "start", "end"]
    list_filter = ["state"]
    search_fields = ["title"]
    raw_id_fields = ["node", "need", "owner", "resources", "partner_units"]
    readonly_fields = ["district", "node_path"]


@admin.register(Booking)
class BookingAdmin(NodePathScoped):
    list_display = ["resource", "start", "end", "state", "requester_name"]
    list_filter = ["state"]
    raw_id_fields = ["resource", "requested_by", "decided_by"]
    # Read-only: a change of state or time must go through the services (slot rows, clash checks).
    readonly_fields = ["district", "resource", "start", "end", "state", "series", "requested_by", "decided_by", "node_path"]
