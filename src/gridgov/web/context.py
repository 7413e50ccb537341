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
    # The bar holds what a user opens daily; the rest goes under "More" so that it fits on one line.
    items, more = [], []
    if scoping.can(user, roles.VIEW):
        items.append((_("Dashboard"), reverse("dashboard:home")))
        items.append((_("Party-building map"), reverse("dashboard:map")))
    else:
        items.append((_("Home"), reverse("web:home")))
    # Everyone with a login may report and has a task list (a resident evaluates their reports).
    items.append((_("My tasks"), reverse("cases:tasks")))
    items.append((_("Report a case"), reverse("cases:report")))
    if any(cases_perms.REPORT in cases_perms.CASE_PERMS.get(p.role, ()) for p in posts):
        items.append((_("Patrol"), reverse("cases:patrol")))
    if scoping.can(user, roles.VIEW):
        items.append((_("Cases"), reverse("cases:list")))
        items.append((_("Party organisations"), reverse("orgs:party_orgs")))
        items.append((_("People"), reverse("people:members")))
        more.append((_("Home"), reverse("web:home")))
        more.append((_("KPIs"), reverse("cases:kpi")))
        more.append((_("Case map"), reverse("cases:map")))
        more.append((_("Search"), reverse("hierarchy:search")))
    # Every login may open it: a party member signs in to meetings and reads their own points there.
    items.append((_("Assessment"), reverse("assessment:home")))
    items.append((_("Participation"), reverse("participation:home")))
    dispatch = cases_perms.DISPATCH
    if any(dispatch in cases_perms.CASE_PERMS.get(p.role, ()) for p in posts):
        more.append((_("Hotline import"), reverse("cases:hotline_import")))
    if scoping.can(user, roles.IMPORT):
        more.append((_("Import"), reverse("hierarchy:import")))
    if scoping.can(user, roles.AUDIT):
        more.append((_("Audit trail"), reverse("audit:index")))
    if scoping.can(user, roles.ADMIN) or user.is_superuser:
        more.append((_("Administration"), reverse("admin:index")))
    return {"nav_items": items, "nav_more": more, "nav_posts": posts}
