"""Django admin for the organisation registries, scoped like the pages through ScopedAdmin
(every changelist answers from scoping.scope() on the row's node path)."""
from django.contrib import admin

from gridgov.people.admin import ScopedAdmin

from .models import (
    Agreement, Alliance, CoordinationCommittee, CoordinationMember, ExpandedCommittee, ExpandedCommitteeMember,
    LeaderAssignment, PartnerUnit, PartyOrg, ServiceCentre, ServiceTeam, ServiceTeamMember,
)


class NodeScoped(ScopedAdmin):
    scope_path = "node__path"
    raw_id_fields = ["node"]


@admin.register(PartyOrg)
class PartyOrgAdmin(NodeScoped):
    list_display = ["name", "kind", "node", "is_grid_branch", "meets_standard", "weak_and_lax"]
    list_filter = ["kind", "is_grid_branch", "meets_standard", "weak_and_lax"]
    search_fields = ["name"]
    raw_id_fields = ["node", "parent", "secretary"]


@admin.register(PartnerUnit)
class PartnerUnitAdmin(NodeScoped):
    list_display = ["name", "kind", "node", "contact_name"]
    list_filter = ["kind"]
    search_fields = ["name"]
    raw_id_fields = ["node", "party_org"]


@admin.register(Agreement)
class AgreementAdmin(NodeScoped):
    list_display = ["partner_unit", "node", "signed", "end", "status"]
    list_filter = ["status"]
    raw_id_fields = ["node", "partner_unit"]


@admin.register(Alliance)
class AllianceAdmin(NodeScoped):
    list_display = ["name", "node"]
    filter_horizontal = []
    raw_id_fields = ["node", "partner_units", "party_orgs"]


class MemberInline(admin.TabularInline):
    model = ExpandedCommitteeMember
    raw_id_fields = ["partner_unit"]
    extra = 0


@admin.register(ExpandedCommittee)
class ExpandedCommitteeAdmin(NodeScoped):
    list_display = ["name", "node"]
    inlines = [MemberInline]


@admin.register(ServiceCentre)
class ServiceCentreAdmin(NodeScoped):
    list_display = ["name", "kind", "node", "opening_hours"]
    list_filter = ["kind"]
    search_fields = ["name"]


class TeamMemberInline(admin.TabularInline):
    model = ServiceTeamMember
    raw_id_fields = ["person"]
    extra = 0


@admin.register(ServiceTeam)
class ServiceTeamAdmin(NodeScoped):
    list_display = ["name", "node", "centre", "venue"]
    raw_id_fields = ["node", "centre"]
    inlines = [TeamMemberInline]


class CoordinationMemberInline(admin.TabularInline):
    model = CoordinationMember
    raw_id_fields = ["person", "partner_unit"]
    extra = 0


@admin.register(CoordinationCommittee)
class CoordinationCommitteeAdmin(NodeScoped):
    list_display = ["name", "node"]
    inlines = [CoordinationMemberInline]


@admin.register(LeaderAssignment)
class LeaderAssignmentAdmin(NodeScoped):
    list_display = ["leader", "title", "node", "since"]
    raw_id_fields = ["node", "leader"]
