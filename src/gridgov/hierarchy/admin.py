"""Django admin of the hierarchy for district administrators, scoped to their subtrees.
Structure changes go through the import page (validated); here names can be corrected."""
from django.contrib import admin

from gridgov.people import roles, scoping
from gridgov.people.admin import ScopedAdmin

from .models import District, GridLayer, Node, ThematicGrid


@admin.register(Node)
class NodeAdmin(ScopedAdmin):
    list_display = ["name", "kind", "code", "district"]
    list_filter = ["kind"]  # no district filter: its choices would name other districts
    search_fields = ["name", "code"]
    fields = ["district", "kind", "code", "name", "centroid_lon", "centroid_lat"]
    readonly_fields = ["district", "kind", "code", "centroid_lon", "centroid_lat"]
    ordering = ["path"]


@admin.register(District)
class DistrictAdmin(ScopedAdmin):
    scope_path = "nodes__path"
    list_display = ["name", "code", "timezone"]
    readonly_fields = ["code", "geometry_version"]

    def get_queryset(self, request):
        # The districts where the user holds an admin post (a join through every node of the
        # district, as the path scope would do, takes minutes on the thematic grids).
        return _in_admin_districts(request, admin.ModelAdmin.get_queryset(self, request), "pk__in")


def _in_admin_districts(request, qs, field):
    if request.user.is_superuser:
        return qs
    ids = {p.district_id for p in scoping.active_posts(request.user) if roles.ADMIN in roles.ROLES[p.role].perms}
    return qs.filter(**{field: ids})


@admin.register(GridLayer)
class GridLayerAdmin(ScopedAdmin):
    scope_path = "district__nodes__path"
    list_display = ["name", "kind", "district"]

    def get_queryset(self, request):
        # The districts where the user holds an admin post (a join through every node of the
        # district, as the path scope would do, takes minutes on the thematic grids).
        return _in_admin_districts(request, admin.ModelAdmin.get_queryset(self, request), "district_id__in")


@admin.register(ThematicGrid)
class ThematicGridAdmin(ScopedAdmin):
    scope_path = "layer__district__nodes__path"
    list_display = ["name", "code", "layer"]
    search_fields = ["name", "code"]
    exclude = ["polygon"]

    def get_queryset(self, request):
        # The districts where the user holds an admin post (a join through every node of the
        # district, as the path scope would do, takes minutes on the thematic grids).
        return _in_admin_districts(request, admin.ModelAdmin.get_queryset(self, request), "layer__district_id__in")
