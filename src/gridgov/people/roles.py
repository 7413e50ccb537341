"""Roles of posts and what each may do. What a user may *see* is the union of the subtrees of
their posts' nodes (scoping.py); what they may *change* is the permissions of the posts' roles."""
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Role:
    code: str
    label: str
    level: str  # the hierarchy level a post of this role is usually held at
    perms: frozenset


VIEW = "hierarchy.view"
EDIT = "hierarchy.edit"
IMPORT = "hierarchy.import"
EXPORT = "hierarchy.export"
ADMIN = "admin.access"
REVEAL = "people.reveal"
AUDIT = "audit.read"
# Assessment (MISSION.md §5): ASSESS enters manual scores, approves points, rates stars, keeps the
# four lists and appraises workers in the post's area; CONFIGURE edits the district's schemes, rules
# and bands and runs the monthly index.
ASSESS = "assessment.assess"
CONFIGURE = "assessment.configure"

ROLES = {
    r.code: r
    for r in [
        Role("district_admin", _("District administrator"), "district", frozenset({VIEW, EDIT, IMPORT, EXPORT, ADMIN, REVEAL, AUDIT, ASSESS, CONFIGURE})),
        Role("subdistrict_secretary", _("Subdistrict party secretary"), "subdistrict", frozenset({VIEW, EDIT, IMPORT, EXPORT, REVEAL, ASSESS})),
        Role("community_secretary", _("Community party secretary"), "community", frozenset({VIEW, EDIT, IMPORT, EXPORT, REVEAL, ASSESS})),
        Role("grid_chief", _("Grid chief"), "grid", frozenset({VIEW, EXPORT})),
        Role("grid_worker", _("Grid worker"), "grid", frozenset({VIEW})),
        Role("department_handler", _("Department handler"), "district", frozenset({VIEW})),
        Role("partner_unit_contact", _("Partner-unit contact"), "community", frozenset({VIEW})),
        Role("resident", _("Resident"), "building", frozenset()),
    ]
}
# The roles that the demo creates one login for, in the order they are printed. Fixed here, before
# the staffing roles below are added: trainers hand out exactly these eight logins.
DEMO_ROLES = list(ROLES)

# Staffing and cross-appointment roles (MISSION.md §1.6, §2.3, §2.7). They let a post be recorded;
# the people in them read their own area at most, they never reveal personal data.
ROLES.update({
    r.code: r
    for r in [
        Role("lane_chief", _("Lane chief"), "grid", frozenset({VIEW})),
        Role("lane_steward", _("Lane steward"), "grid", frozenset({VIEW})),
        Role("road_chief", _("Road chief"), "grid", frozenset({VIEW})),
        Role("beat_officer", _("Police-station chief or beat officer"), "grid", frozenset({VIEW})),
        Role("judicial_officer", _("Judicial office"), "grid", frozenset({VIEW})),
        Role("market_supervisor", _("Market-supervision office"), "grid", frozenset({VIEW})),
        Role("residents_committee", _("Residents' committee member"), "community", frozenset({VIEW})),
        Role("owners_committee_member", _("Owners' committee member"), "grid", frozenset()),
        Role("property_manager", _("Property company"), "grid", frozenset()),
        Role("community_worker", _("Community worker"), "community", frozenset({VIEW})),
        Role("volunteer", _("Volunteer"), "grid", frozenset()),
    ]
})
ROLE_CHOICES = [(r.code, r.label) for r in ROLES.values()]
# 街巷长 and 小巷管家 are counted together in the published figure (Xiaodian: 296).
LANE_ROLES = ("lane_chief", "lane_steward")
