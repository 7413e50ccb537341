"""Which post roles may act on cases, and at which level. Kept here rather than in people.roles
so that each app owns the meaning of its own actions; roles are matched by their code."""
DISPATCH = "cases.dispatch"   # register, void, dispatch, approve extensions, close, summon departments
VERIFY = "cases.verify"       # verify on site or send back for rework
REPORT = "cases.report"       # report a case and whistle it up a level
VIEW = "cases.view"

CASE_PERMS = {
    "district_admin": {DISPATCH, VERIFY, REPORT, VIEW},
    "subdistrict_secretary": {DISPATCH, VERIFY, REPORT, VIEW},
    "community_secretary": {DISPATCH, VERIFY, REPORT, VIEW},
    "grid_chief": {VERIFY, REPORT, VIEW},
    "grid_worker": {VERIFY, REPORT, VIEW},
    "lane_chief": {REPORT, VIEW},
    "lane_steward": {REPORT, VIEW},
    "beat_officer": {REPORT, VIEW},
    "community_worker": {REPORT, VIEW},
    "department_handler": {VIEW},
}

# Depth of the node that owns a case at each escalation level; the community dispatches grid-level cases.
LEVEL_DEPTH = {"grid": 4, "community": 3, "subdistrict": 2, "district": 1}
LEVEL_ORDER = ["grid", "community", "subdistrict", "district"]


def posts_with(user, perm, node):
    """The user's current posts granting `perm` whose subtree contains `node`."""
    from gridgov.people.scoping import active_posts

    return [p for p in active_posts(user) if perm in CASE_PERMS.get(p.role, ()) and node.path.startswith(p.node.path)]


def can_dispatch(user, case):
    """A dispatcher of the case's current level (or above) in the case's area."""
    if getattr(user, "is_superuser", False):
        return True
    depth = min(LEVEL_DEPTH[case.level], 3)
    return any(p.node.depth <= depth for p in posts_with(user, DISPATCH, case.grid))


def can_verify(user, case):
    return bool(getattr(user, "is_superuser", False) or posts_with(user, VERIFY, case.grid))


def can_report(user, node):
    return bool(getattr(user, "is_superuser", False) or posts_with(user, REPORT, node))


def person_of(user):
    return getattr(user, "person", None) if getattr(user, "is_authenticated", False) else None


def handles_for(user, case, lead=None):
    """Assignments of the case whose department the user works in (lead only, co only, or any)."""
    departments = department_ids(user)
    if not departments:
        return []
    return [a for a in case.assignments.all() if a.department_id in departments and (lead is None or a.lead == lead)]


def department_ids(user):
    """Departments the user handles for (cached on the user object for the request)."""
    cached = getattr(user, "_gridgov_departments", None)
    if cached is None:
        person = person_of(user)
        cached = set()
        if person is not None:
            from .models import DepartmentHandler

            cached = set(DepartmentHandler.objects.filter(person=person).values_list("department_id", flat=True))
        user._gridgov_departments = cached
    return cached
