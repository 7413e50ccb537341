"""Admin for residents' deliberation: topics, meetings with their participants, motions (read-only
results), resolutions with their tasks; scoped like the pages. Ballots and vote receipts are not shown:
a vote is cast and counted only through the services, and a secret ballot must stay secret here too."""
from django.contrib import admin

from gridgov.people.admin import ScopedAdmin

from .models import Deliberation, Motion, Participant, Resolution, ResolutionTask, Topic


class NodePathScoped(ScopedAdmin):
    scope_path = "node_path"


class ParticipantInline(admin.TabularInline):
    model = Participant
    extra = 0
    raw_id_fields = ["person"]
    readonly_fields = ["signed_in_at"]


@admin.register(Topic)
class TopicAdmin(NodePathScoped):
    list_display = ["title", "node", "state", "raised_by_name", "raised_at"]
    list_filter = ["state"]
    search_fields = ["title"]
    raw_id_fields = ["node", "raised_by"]
    readonly_fields = ["district", "node_path", "raised_at"]


@admin.register(Deliberation)
class DeliberationAdmin(NodePathScoped):
    list_display = ["title", "kind", "node", "start", "state"]
    list_filter = ["kind", "state"]
    search_fields = ["title"]
    raw_id_fields = ["node", "topics"]
    readonly_fields = ["district", "node_path", "sign_in_code"]
    inlines = [ParticipantInline]


class ScopedByMeeting(ScopedAdmin):
    scope_path = "deliberation__node_path"


@admin.register(Motion)
class MotionAdmin(ScopedByMeeting):
    list_display = ["question", "deliberation", "secret", "state", "published"]
    list_filter = ["state", "secret", "published"]
    search_fields = ["question"]
    raw_id_fields = ["deliberation", "topic"]
    # Votes and results come from the services only (one receipt per person, secret ballots).
    readonly_fields = ["deliberation", "options", "secret", "state", "result"]


class TaskInline(admin.TabularInline):
    model = ResolutionTask
    extra = 0
    raw_id_fields = ["owner"]
    readonly_fields = ["node_path"]


@admin.register(Resolution)
class ResolutionAdmin(ScopedByMeeting):
    list_display = ["deliberation", "published", "published_at"]
    list_filter = ["published"]
    raw_id_fields = ["deliberation", "motion"]
    inlines = [TaskInline]
