"""Pages of organisational life 三会一课: the scoped list of meetings (by organisation, kind, month), holding
a meeting, a meeting with its attendance, sign-in code and QR, and the members' sign-in by code."""
import datetime

import segno
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from gridgov.orgs.models import PartyOrg
from gridgov.people import roles, scoping

from .errors import AssessmentError
from .models import Attendance, Meeting
from .services import meetings as services

PAGE_SIZE = 50


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _month(value):
    try:
        year, month = (int(x) for x in (value or "").split("-"))
        return datetime.date(year, month, 1)
    except (TypeError, ValueError):
        return None


def _managed_orgs(user):
    """The organisations the user may hold meetings for (ASSESS or EDIT in scope), with members."""
    orgs = PartyOrg.objects.filter(members__isnull=False).distinct().select_related("node").order_by("node__path", "name")
    paths = set()
    for perm in (roles.ASSESS, roles.EDIT):
        found = scoping.visible_paths(user, perm)
        if found is None:
            return orgs
        paths.update(found)
    if not paths:
        return orgs.none()
    q = Q()
    from gridgov.hierarchy.services import subtree_q

    for path in paths:
        q |= subtree_q(path, "node__path")
    return orgs.filter(q)


def meeting_list(request):
    if not scoping.can(request.user, roles.VIEW):
        raise PermissionDenied
    qs = scoping.scope(Meeting.objects.all(), request.user, "node_path").select_related("party_org")
    org_id, kind, month = _int(request.GET.get("org")), request.GET.get("kind", ""), request.GET.get("month", "")
    org = None
    if org_id:
        org = scoping.scope(PartyOrg.objects.filter(pk=org_id), request.user, "node__path").first()
        qs = qs.filter(party_org_id=org_id)
    if kind in dict(Meeting.KINDS):
        qs = qs.filter(kind=kind)
    first = _month(month)
    if first:
        qs = qs.filter(start__date__gte=first, start__date__lt=(first + datetime.timedelta(days=32)).replace(day=1))
    qs = qs.annotate(present=Count("attendance", filter=Q(attendance__status="present")),
                     recorded=Count("attendance")).order_by("-start", "-pk")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "assessment/meetings_list.html", {
        "page": page, "kinds": Meeting.KINDS, "kind": kind, "month": month, "org": org, "org_id": org_id or "",
        "can_create": scoping.can(request.user, roles.ASSESS) or scoping.can(request.user, roles.EDIT),
    })


def meeting_new(request):
    if not (scoping.can(request.user, roles.ASSESS) or scoping.can(request.user, roles.EDIT)):
        raise PermissionDenied
    orgs = _managed_orgs(request.user)
    selected = _int(request.POST.get("org") or request.GET.get("org"))
    many = orgs.count() > 400
    error = None
    values = {"kind": request.POST.get("kind", "theme_day"), "title": request.POST.get("title", ""),
              "start": request.POST.get("start", ""), "place": request.POST.get("place", "")}
    if request.method == "POST":
        org = orgs.filter(pk=selected).first() if selected else None
        start = parse_datetime(values["start"]) if values["start"] else None
        if start is not None and timezone.is_naive(start):
            start = timezone.make_aware(start)
        try:
            if org is None:
                raise AssessmentError(_("Choose one of your organisations."))
            meeting = services.create_meeting(request.user, org, values["kind"], values["title"], start, values["place"])
        except AssessmentError as exc:
            error = str(exc)
        else:
            messages.success(request, _("Meeting created; members can sign in with code %(code)s.") % {"code": meeting.sign_in_code})
            return redirect("assessment:meeting", meeting.pk)
    return render(request, "assessment/meetings_form.html", {
        "orgs": None if many else orgs, "many": many, "selected": selected, "kinds": Meeting.KINDS, "values": values, "error": error,
        "selected_org": orgs.filter(pk=selected).first() if selected else None,
    })


def _sign_in_url(request, meeting, via=None):
    url = request.build_absolute_uri(reverse("assessment:sign_in")) + f"?code={meeting.sign_in_code}"
    return url + ("&via=qr" if via else "")


def meeting_detail(request, pk):
    if not scoping.can(request.user, roles.VIEW):
        raise PermissionDenied
    meeting = scoping.scope(Meeting.objects.select_related("party_org", "party_org__node"), request.user, "node_path").filter(pk=pk).first()
    if meeting is None:
        raise Http404
    can_manage = services.can_manage(request.user, meeting.party_org)
    error = None
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        action = request.POST.get("action")
        try:
            if action in ("open", "close"):
                services.set_sign_in(request.user, meeting, action == "open")
                messages.success(request, _("Sign-in opened.") if action == "open" else _("Sign-in closed."))
            else:
                statuses = {}
                for key, value in request.POST.items():
                    if key.startswith("status_") and _int(key[7:]):
                        statuses[int(key[7:])] = value
                n = services.record_attendance(request.user, meeting, statuses)
                messages.success(request, _("Attendance saved (%(n)s changed).") % {"n": n})
        except AssessmentError as exc:
            error = str(exc)
        else:
            return redirect("assessment:meeting", meeting.pk)
    roster = list(services.members(meeting.party_org))
    rows = {a.member_id: a for a in Attendance.objects.filter(meeting=meeting)}
    for m in roster:
        m.att = rows.get(m.pk)
    counts = [(label, sum(1 for a in rows.values() if a.status == code)) for code, label in Attendance.STATUSES]
    qr = None
    if meeting.sign_in_open and meeting.sign_in_code and can_manage:
        qr = segno.make(_sign_in_url(request, meeting, via="qr"), error="m").svg_inline(scale=4, title=_("Sign-in QR code"))
    return render(request, "assessment/meetings_detail.html", {
        "meeting": meeting, "roster": roster, "counts": counts, "statuses": Attendance.STATUSES, "can_manage": can_manage,
        "qr": qr, "sign_in_url": _sign_in_url(request, meeting), "error": error, "unrecorded": len(roster) - len(rows),
    })


def sign_in(request):
    """Any logged-in member of the meeting's organisation: GET shows the meeting for the code, POST signs in."""
    code = (request.POST.get("code") or request.GET.get("code") or "").strip()
    via = "qr" if (request.POST.get("via") or request.GET.get("via")) == "qr" else "code"
    meeting = error = done = None
    if code:
        try:
            meeting, _member = services.check_sign_in(request.user, code)
        except AssessmentError as exc:
            error = str(exc)
    if request.method == "POST" and meeting is not None:
        try:
            done = services.sign_in(request.user, code, via)
        except AssessmentError as exc:
            error, meeting = str(exc), None
    already = None
    if meeting is not None and done is None:
        already = Attendance.objects.filter(meeting=meeting, member__person__user=request.user, status="present").first()
    return render(request, "assessment/meetings_sign_in.html", {
        "code": code, "via": via, "meeting": meeting, "error": error, "done": done, "already": already,
    })
