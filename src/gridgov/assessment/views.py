"""The assessment home page: the sections of the app a user may open, grouped, by the roles of their
posts (reading needs VIEW; entering scores, approvals and ratings ASSESS; running the index CONFIGURE)."""
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gridgov.people import roles, scoping

# (group, [(label, url name, permission needed or None for any login)])
SECTIONS = [
    (_("Quality index"), [
        (_("Colour grades"), "assessment:grades", roles.VIEW),
        (_("Vanguard index report"), "assessment:report_latest", roles.VIEW),
        (_("Enter a manual score"), "assessment:manual_score", roles.ASSESS),
        (_("Index runs"), "assessment:runs", roles.CONFIGURE),
    ]),
    (_("Organisational life and points"), [
        (_("Meetings"), "assessment:meetings", roles.VIEW),
        (_("Sign in to a meeting"), "assessment:sign_in", None),
        (_("My points"), "assessment:my_points", None),
        (_("Points ranking"), "assessment:points_ranking", roles.VIEW),
        (_("Points approvals and appeals"), "assessment:points_approvals", roles.ASSESS),
    ]),
    (_("Standardisation and ratings"), [
        (_("Star ratings"), "assessment:stars", roles.VIEW),
        (_("Weak and lax organisations"), "assessment:weak_lax", roles.VIEW),
        (_("Community-worker appraisal"), "assessment:appraisals", roles.ASSESS),
    ]),
    (_("Four lists and supervision"), [
        (_("Four lists"), "assessment:lists", roles.VIEW),
        (_("Inspections"), "assessment:inspections", roles.VIEW),
        (_("Secretaries' annual reports"), "assessment:secretary_reports", roles.VIEW),
        (_("Alerts"), "assessment:alerts", roles.VIEW),
        (_("Talks"), "assessment:talks", roles.VIEW),
    ]),
]


def home(request):
    user = request.user
    sections = []
    for title, links in SECTIONS:
        allowed = [(label, reverse(name)) for label, name, perm in links if perm is None or scoping.can(user, perm)]
        if allowed:
            sections.append((title, allowed))
    return render(request, "assessment/home.html", {"sections": sections})
