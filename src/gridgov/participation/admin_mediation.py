"""Admin for dispute mediation: mediations with their parties (phones masked, as everywhere), sessions
and follow-up visits; scoped like the pages."""
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from gridgov.people import pii
from gridgov.people.admin import ScopedAdmin

from .models import FollowUp, Mediation, MediationParty, MediationSession


class PartyInline(admin.TabularInline):
    model = MediationParty
    extra = 0
    fields = ["name", "role", "masked_phone"]
    readonly_fields = ["masked_phone"]

    @admin.display(description=_("phone"))
    def masked_phone(self, obj):
        return pii.mask_phone(obj.phone)


class SessionInline(admin.TabularInline):
    model = MediationSession
    extra = 0


class FollowUpInline(admin.TabularInline):
    model = FollowUp
    extra = 0


@admin.register(Mediation)
class MediationAdmin(ScopedAdmin):
    scope_path = "node_path"
    list_display = ["title", "kind", "node", "state", "opened_on", "closed_on"]
    list_filter = ["kind", "state"]
    search_fields = ["title"]
    raw_id_fields = ["node", "case"]
    readonly_fields = ["district", "node_path"]
    inlines = [PartyInline, SessionInline, FollowUpInline]
