"""Admin for the four lists, inspections and secretaries' reports: scoped on node_path like the pages
(WorkerAppraisal is registered by the community-worker appraisal's admin, not here)."""
from django.contrib import admin

from gridgov.people.admin import ScopedAdmin

from .models import Inspection, ListItem, SecretaryReport


class NodePathAdmin(ScopedAdmin):
    scope_path = "node_path"
    exclude = ["node_path"]


@admin.register(ListItem)
class ListItemAdmin(NodePathAdmin):
    list_display = ["title", "kind", "node", "year", "owner", "due", "state"]
    list_filter = ["kind", "state", "year"]
    search_fields = ["title"]
    raw_id_fields = ["node", "owner", "party_org", "parent", "inspection"]


@admin.register(Inspection)
class InspectionAdmin(NodePathAdmin):
    list_display = ["day", "kind", "inspector", "node"]
    list_filter = ["kind"]
    raw_id_fields = ["node"]


@admin.register(SecretaryReport)
class SecretaryReportAdmin(NodePathAdmin):
    list_display = ["secretary", "node", "year", "appraisal"]
    list_filter = ["year", "appraisal"]
    raw_id_fields = ["secretary", "node", "appraised_by"]
