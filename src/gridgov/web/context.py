"""Template context: the navigation a user sees, built from the roles of their posts."""
from django.urls import reverse
from django.utils.translation import gettext as _

from gridgov.cases import permissions as cases_perms
from gridgov.people import roles, scoping


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    posts = scoping.active_posts(user)
    items = [(_("Home"), reverse("web:home"))]
    # Everyone with a login may report and has a task list (a resident evaluates their reports).
    items.append((_("My tasks"), reverse("cases:tasks")))
    items.append((_("Report a case"), reverse("cases:report")))
    if any(cases_perms.REPORT in cases_perms.CASE_PERMS.get(p.role, ()) for p in posts):
        items.append((_("Patrol"), reverse("cases:patrol")))
    if scoping.can(user, roles.VIEW):
        items.append((_("Cases"), reverse("cases:list")))
        items.append((_("Case map"), reverse("cases:map")))
        items.append((_("KPIs"), reverse("cases:kpi")))
        items.append((_("Party organisations"), reverse("orgs:party_orgs")))
        items.append((_("People"), reverse("people:members")))
        items.append((_("Search"), reverse("hierarchy:search")))
    # Every login may open it: a party member signs in to meetings and reads their own points there.
    items.append((_("Assessment"), reverse("assessment:home")))
    items.append((_("Participation"), reverse("participation:home")))
    dispatch = cases_perms.DISPATCH
    if any(dispatch in cases_perms.CASE_PERMS.get(p.role, ()) for p in posts):
        items.append((_("Hotline import"), reverse("cases:hotline_import")))
    if scoping.can(user, roles.IMPORT):
        items.append((_("Import"), reverse("hierarchy:import")))
    if scoping.can(user, roles.ADMIN) or user.is_superuser:
        items.append((_("Administration"), reverse("admin:index")))
    return {"nav_items": items, "nav_posts": posts}
