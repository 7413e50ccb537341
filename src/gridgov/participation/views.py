"""The participation home page: the sections of the app a user may open. Residents raise topics, vote,
book and sign up; staff with VIEW also read needs, projects, funds, mediations and training records."""
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gridgov.people import roles, scoping

# (group, [(label, url name, permission needed or None for any login)])
SECTIONS = [
    (_("Resources, needs and projects"), [
        (_("Resources"), "participation:resources", None),
        (_("My bookings"), "participation:bookings", None),
        (_("Needs"), "participation:needs", roles.VIEW),
        (_("Projects"), "participation:projects", roles.VIEW),
        (_("Three lists by subdistrict"), "participation:resources_report", roles.VIEW),
        (_("Funds and budgets"), "participation:funds", roles.VIEW),
        (_("Brand projects"), "participation:brands", roles.VIEW),
    ]),
    (_("Residents' deliberation"), [
        (_("Topics"), "participation:topics", None),
        (_("Raise a topic"), "participation:topic_new", None),
        (_("Deliberation meetings"), "participation:deliberations", None),
        (_("Resolution tasks"), "participation:resolution_tasks", None),
    ]),
    (_("Mediation"), [
        (_("Mediations"), "participation:mediations", roles.VIEW),
    ]),
    (_("Service-centre events"), [
        (_("Events"), "participation:events", None),
        (_("My sign-ups and training"), "participation:my_events", None),
        (_("Training records"), "participation:training", roles.VIEW),
    ]),
]


def home(request):
    user = request.user
    sections = []
    for title, links in SECTIONS:
        allowed = [(label, reverse(name)) for label, name, perm in links if perm is None or scoping.can(user, perm)]
        if allowed:
            sections.append((title, allowed))
    return render(request, "participation/home.html", {"sections": sections})
