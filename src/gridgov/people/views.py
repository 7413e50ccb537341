"""People pages: members, person detail with audited reveal, volunteers with hours, residents, workers
with pay, access log, reports, Excel import/export. Thin: every query comes from services (scoped)."""
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gridgov.hierarchy.views import scoped_node

from . import excel, pii, roles, scoping, services
from .models import POST_CATEGORIES, RESIDENT_TAGS, PartyMember, ServiceRecord, TalentEntry

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE = 50


def _need(request, perm):
    if not scoping.can(request.user, perm):
        raise PermissionDenied


def _xlsx(data, filename):
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _render(request, template, context):
    context["perms_audit"] = scoping.can(request.user, roles.AUDIT)
    return render(request, template, context)


def _page(request, qs):
    return Paginator(qs, PAGE).get_page(request.GET.get("page"))


def _mask_all(people):
    for person in people:
        person.masked_id = pii.mask_id(person.id_number)
        person.masked_phone = pii.mask_phone(person.phone)


def member_list(request):
    _need(request, roles.VIEW)
    q, status, service = request.GET.get("q", "").strip(), request.GET.get("status", ""), request.GET.get("in_service", "")
    node = request.GET.get("node", "")
    qs = services.members(request.user, q=q, status=status, in_service={"1": True, "0": False}.get(service))
    qs = scoping.narrow(qs, request.user, node, "node_path")
    page = _page(request, qs)
    _mask_all(m.person for m in page)
    return _render(request, "people/member_list.html", {
        "page": page, "q": q, "status": status, "in_service": service, "statuses": PartyMember.STATUSES,
        "can_export": scoping.can(request.user, roles.EXPORT), "can_import": scoping.can(request.user, roles.IMPORT),
        "query": urlencode({"q": q, "status": status, "in_service": service, "node": node}),
    })


def member_export(request):
    _need(request, roles.EXPORT)
    qs = services.members(request.user, q=request.GET.get("q", "").strip(), status=request.GET.get("status", ""),
                          perm=roles.EXPORT)
    return _xlsx(excel.export_members(qs), "party-members.xlsx")


# The import pages: one view over excel.IMPORTS; each list page carries the upload form too.
IMPORT_PAGES = {
    # registry -> (title, list page, URL-name prefix of its import and template)
    "members": (gettext_lazy("Import party members"), "people:members", "people:member"),
    "volunteers": (gettext_lazy("Import volunteers"), "people:volunteers", "people:volunteer"),
    "residents": (gettext_lazy("Import residents"), "people:residents", "people:resident"),
    "workers": (gettext_lazy("Import community workers"), "people:workers", "people:worker"),
    "dual": (gettext_lazy("Import dual registrations"), "people:dual", "people:dual"),
    "talent": (gettext_lazy("Import the talent pool"), "people:talent", "people:talent"),
    "trainings": (gettext_lazy("Import training records"), "people:talent", "people:training"),
}


def registry_template(request, registry):
    _need(request, roles.IMPORT)
    template, _import, filename = excel.IMPORTS[registry]
    return _xlsx(template(), f"{filename}-template.xlsx")


def registry_import(request, registry):
    _need(request, roles.IMPORT)
    _template, run_import, _filename = excel.IMPORTS[registry]
    title, list_url, url_prefix = IMPORT_PAGES[registry]
    result = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        district = scoping.user_district(request.user)
        if upload is None or district is None:
            messages.error(request, _("Choose an Excel file."))
        else:
            # The upload itself, not its bytes: its size is checked before it is read into memory.
            result = run_import(request.user, district, upload)
            if result.ok:
                messages.success(request, _("%(n)d rows imported.") % {"n": result.created})
                return redirect(list_url)
    return _render(request, "people/import.html", {
        "result": result, "title": title, "registry": registry,
        "import_url": f"{url_prefix}_import", "template_url": f"{url_prefix}_template"})


def person_detail(request, pk):
    _need(request, roles.VIEW)
    person = services.persons(request.user).select_related("home", "district").filter(pk=pk).first()
    if person is None:
        raise Http404
    _mask_all([person])
    node = services.person_node(person)
    year = timezone.localdate().year
    worker = services.CommunityWorker.objects.filter(person=person).first()
    return _render(request, "people/person_detail.html", {
        "person": person,
        "member": PartyMember.objects.filter(person=person).select_related("party_org").first(),
        "posts": person.posts.select_related("node").order_by("node__path"),
        "hours": {"volunteer": services.person_hours(person, "volunteer"),
                  "dual_registration": services.person_hours(person, "dual_registration")},
        "records": person.service_records.select_related("node", "verified_by")[:20],
        "worker": worker, "pay": services.monthly_pay(worker, year) if worker else None,
        "can_reveal": scoping.can(request.user, roles.REVEAL, node),
        "fields": [("id_number", _("ID number")), ("phone", _("Phone"))],
    })


@require_POST
def person_reveal(request, pk):
    person = services.persons(request.user).filter(pk=pk).first()
    if person is None:
        raise Http404
    field = request.POST.get("field", "")
    try:
        value = services.reveal(request.user, person, field, request.POST.get("reason", ""))
    except PermissionError:
        raise PermissionDenied
    except services.PeopleError as exc:
        messages.error(request, str(exc))
        return redirect("people:person", pk=pk)
    # Shown once on this response only: never stored in the session or a message.
    return _render(request, "people/revealed.html", {"person": person, "field": field, "value": value})


def volunteer_list(request):
    _need(request, roles.VIEW)
    q, node = request.GET.get("q", "").strip(), request.GET.get("node", "")
    page = _page(request, scoping.narrow(services.volunteers(request.user, q=q), request.user, node, "node_path"))
    _mask_all(v.person for v in page)
    return _render(request, "people/volunteer_list.html", {"page": page, "q": q, "query": urlencode({"q": q, "node": node}),
                                                          "can_export": scoping.can(request.user, roles.EXPORT),
                                                          "can_import": scoping.can(request.user, roles.IMPORT)})


def volunteer_export(request):
    _need(request, roles.EXPORT)
    return _xlsx(excel.export_volunteers(services.volunteers(request.user, perm=roles.EXPORT)), "volunteers.xlsx")


def resident_list(request):
    _need(request, roles.VIEW)
    q, tag = request.GET.get("q", "").strip(), request.GET.get("tag", "")
    page = _page(request, services.residents(request.user, q=q, tag=tag))
    _mask_all(r.person for r in page)
    labels = dict(RESIDENT_TAGS)
    for r in page:
        r.tag_labels = [labels.get(t, t) for t in r.tags]
    return _render(request, "people/resident_list.html", {"page": page, "q": q, "tag": tag, "tags": RESIDENT_TAGS,
                                                         "query": urlencode({"q": q, "tag": tag}),
                                                         "can_export": scoping.can(request.user, roles.EXPORT),
                                                         "can_import": scoping.can(request.user, roles.IMPORT)})


def resident_export(request):
    _need(request, roles.EXPORT)
    qs = services.residents(request.user, perm=roles.EXPORT).select_related("person", "household__node")
    return _xlsx(excel.export_residents(qs), "residents.xlsx")


def worker_list(request):
    _need(request, roles.VIEW)
    q, category = request.GET.get("q", "").strip(), request.GET.get("category", "")
    page = _page(request, services.workers(request.user, q=q, category=category))
    year = timezone.localdate().year
    tables = {}
    for w in page:
        # Not setdefault(): its default argument, pay_table's queries, would be evaluated for every row.
        if w.district_id not in tables:
            tables[w.district_id] = services.pay_table(w.district_id, year)
        ladder = tables[w.district_id].get(w.post_category)
        w.pay = services.ladder_pay(ladder, w.level) if ladder else None
    return _render(request, "people/worker_list.html", {"page": page, "q": q, "category": category,
                                                       "categories": POST_CATEGORIES, "year": year,
                                                       "query": urlencode({"q": q, "category": category}),
                                                       "can_import": scoping.can(request.user, roles.IMPORT)})


def talent_list(request):
    """The talent pool: reserve cadres and experts, filtered by kind and field."""
    _need(request, roles.VIEW)
    q, kind, field = request.GET.get("q", "").strip(), request.GET.get("kind", ""), request.GET.get("field", "")
    page = _page(request, services.talent(request.user, kind=kind, field=field, q=q))
    return _render(request, "people/talent_list.html", {
        "page": page, "q": q, "kind": kind, "field": field, "kinds": TalentEntry.KINDS, "fields": TalentEntry.FIELDS,
        "query": urlencode({"q": q, "kind": kind, "field": field}),
        "can_export": scoping.can(request.user, roles.EXPORT), "can_import": scoping.can(request.user, roles.IMPORT),
    })


def talent_export(request):
    _need(request, roles.EXPORT)
    return _xlsx(excel.export_talent(services.talent(request.user, perm=roles.EXPORT)), "talent-pool.xlsx")


def training_export(request):
    _need(request, roles.EXPORT)
    return _xlsx(excel.export_trainings(services.trainings(request.user, perm=roles.EXPORT)), "training-records.xlsx")


def dual_list(request):
    """Active dual registrations (双报到) with communities in the user's area."""
    _need(request, roles.VIEW)
    employer = request.GET.get("employer", "").strip()
    qs = services.dual_registrations(request.user).select_related("member__person", "community", "grid")
    if employer:
        qs = qs.filter(member__employer__icontains=employer)
    page = _page(request, qs.order_by("node_path", "pk"))
    _mask_all(d.member.person for d in page)
    return _render(request, "people/dual_list.html", {
        "page": page, "employer": employer, "query": urlencode({"employer": employer}),
        "can_export": scoping.can(request.user, roles.EXPORT), "can_import": scoping.can(request.user, roles.IMPORT),
    })


def dual_export(request):
    _need(request, roles.EXPORT)
    qs = services.dual_registrations(request.user, perm=roles.EXPORT).order_by("node_path", "pk")
    return _xlsx(excel.export_dual_registrations(qs), "dual-registrations.xlsx")


def service_list(request):
    """The service ledger (volunteer and dual-registration hours) in the user's area."""
    _need(request, roles.VIEW)
    kind = request.GET.get("kind", "")
    qs = services.scope_service(request.user).select_related("person", "node", "verified_by")
    if kind:
        qs = qs.filter(kind=kind)
    page = _page(request, qs.order_by("-day", "-pk"))
    return _render(request, "people/service_list.html", {
        "page": page, "kind": kind, "kinds": ServiceRecord.KINDS, "query": urlencode({"kind": kind}),
        "can_export": scoping.can(request.user, roles.EXPORT),
    })


def service_export(request):
    _need(request, roles.EXPORT)
    qs = services.scope_service(request.user, perm=roles.EXPORT)
    kind = request.GET.get("kind", "")
    if kind:
        qs = qs.filter(kind=kind)
    return _xlsx(excel.export_service_records(qs.order_by("-day", "-pk")), "service-ledger.xlsx")


def household_list(request):
    """Households (rooms of a building or entrance) in the user's area, with their number of residents."""
    _need(request, roles.VIEW)
    q = request.GET.get("q", "").strip()
    qs = services.households(request.user).select_related("node").annotate(n_residents=Count("residents"))
    if q:
        qs = qs.filter(Q(node__name__icontains=q) | Q(number__icontains=q))
    page = _page(request, qs.order_by("node__path", "number", "pk"))
    return _render(request, "people/household_list.html", {"page": page, "q": q, "query": urlencode({"q": q})})


def person_trainings(request, pk):
    _need(request, roles.VIEW)
    person = services.persons(request.user).filter(pk=pk).first()
    if person is None:
        raise Http404
    records = list(services.trainings(request.user, person))
    return _render(request, "people/trainings.html", {
        "person": person, "records": records, "total": sum((r.hours for r in records), services.ZERO),
        "entries": services.talent(request.user).filter(person=person),
    })


def access_log(request):
    _need(request, roles.AUDIT)
    page = _page(request, services.access_log(request.user))
    return _render(request, "people/access_log.html", {"page": page, "query": ""})


def _report_rows(request, report):
    user = request.user
    if report == "multi":
        people = services.multi_post_persons(user)
        posts_of = {}
        for post in services.posts(user).filter(person_id__in=[p.pk for p in people]).select_related("node").order_by("node__path"):
            posts_of.setdefault(post.person_id, []).append(post)
        return people, posts_of
    if report == "committees":
        return services.owners_committee_shares(user)
    return services.dual_registration_report(user, employer=request.GET.get("employer", "").strip() or None)


def reports(request):
    _need(request, roles.VIEW)
    employer = request.GET.get("employer", "").strip()
    multi, _posts_of = _report_rows(request, "multi")
    return _render(request, "people/reports.html", {
        "multi": multi[:200],
        "committees": _report_rows(request, "committees"),
        "dual": _report_rows(request, "dual"),
        "employer": employer, "query": urlencode({"employer": employer}),
        "can_export": scoping.can(request.user, roles.EXPORT),
    })


def report_export(request, report):
    """Each report of the reports page as .xlsx (no personal data in them)."""
    _need(request, roles.EXPORT)
    if report not in ("multi", "committees", "dual"):
        raise Http404
    if report == "multi":
        return _xlsx(excel.export_multi_post(*_report_rows(request, report)), "multi-post-persons.xlsx")
    if report == "committees":
        return _xlsx(excel.export_committee_shares(_report_rows(request, report)), "owners-committees.xlsx")
    return _xlsx(excel.export_dual_report(_report_rows(request, report)), "dual-registration-report.xlsx")


def node_persons(request, pk):
    """Everyone holding a post at the node or below: cross-appointed people appear under each node."""
    node = scoped_node(request, pk)
    people = list(services.persons_at(request.user, node)[:500])
    _mask_all(people)
    return _render(request, "people/node_persons.html", {"node": node, "people": people})


