"""Django admin of the case set-up a district edits: departments and their handlers, categories with
time limits and closing conditions, and calendar exceptions; scoped to the admin's district."""
from django.contrib import admin

from gridgov.people.admin import ScopedAdmin

from .models import CalendarDay, Category, Department, DepartmentHandler


class DistrictScopedAdmin(ScopedAdmin):
    """For rows that belong to a whole district: visible when the district's nodes are in scope."""

    scope_path = "district__nodes__path"

    def get_queryset(self, request):
        return super().get_queryset(request).distinct()

    def has_add_permission(self, request):
        return self.has_change_permission(request)


class HandlerInline(admin.TabularInline):
    model = DepartmentHandler
    raw_id_fields = ["person"]
    extra = 1


@admin.register(Department)
class DepartmentAdmin(DistrictScopedAdmin):
    list_display = ["name", "code", "district", "active"]
    search_fields = ["name", "code"]
    raw_id_fields = ["node"]
    inlines = [HandlerInline]


@admin.register(Category)
class CategoryAdmin(DistrictScopedAdmin):
    list_display = ["code", "name", "kind", "department", "register_limit", "register_unit", "dispatch_limit",
                    "dispatch_unit", "handle_limit", "handle_unit", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent", "department"]


@admin.register(CalendarDay)
class CalendarDayAdmin(DistrictScopedAdmin):
    list_display = ["day", "kind", "name", "district"]
    list_filter = ["kind"]
    date_hierarchy = "day"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        from .services import forget_calendar

        forget_calendar(obj.district_id)  # this process's deadlines follow at once
