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

ROLES = {
    r.code: r
    for r in [
        Role("district_admin", _("District administrator"), "district", frozenset({VIEW, EDIT, IMPORT, EXPORT, ADMIN, REVEAL, AUDIT})),
        Role("subdistrict_secretary", _("Subdistrict party secretary"), "subdistrict", frozenset({VIEW, EDIT, IMPORT, EXPORT, REVEAL})),
        Role("community_secretary", _("Community party secretary"), "community", frozenset({VIEW, EDIT, IMPORT, EXPORT, REVEAL})),
        Role("grid_chief", _("Grid chief"), "grid", frozenset({VIEW, EXPORT})),
        Role("grid_worker", _("Grid worker"), "grid", frozenset({VIEW})),
        Role("department_handler", _("Department handler"), "district", frozenset({VIEW})),
        Role("partner_unit_contact", _("Partner-unit contact"), "community", frozenset({VIEW})),
        Role("resident", _("Resident"), "building", frozenset()),
    ]
}
ROLE_CHOICES = [(r.code, r.label) for r in ROLES.values()]
# The roles that the demo creates one login for, in the order they are printed.
DEMO_ROLES = list(ROLES)
