"""Template context: the navigation a user sees, built from the roles of their posts."""
from django.urls import reverse
from django.utils.translation import gettext as _

from gridgov.people import roles, scoping


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    posts = scoping.active_posts(user)
    items = [(_("Home"), reverse("web:home"))]
    if scoping.can(user, roles.VIEW):
        items.append((_("Search"), reverse("hierarchy:search")))
        items.append((_("Party organisations"), reverse("orgs:party_orgs")))
    if scoping.can(user, roles.IMPORT):
        items.append((_("Import"), reverse("hierarchy:import")))
    if scoping.can(user, roles.ADMIN) or user.is_superuser:
        items.append((_("Administration"), reverse("admin:index")))
    return {"nav_items": items, "nav_posts": posts}
