"""Organisation pages: party organisations, partner units, agreements, alliances, expanded committees,
service centres, their Excel files, coordination committees and leaders' assignments, the centres' GeoJSON.
Thin: every lookup goes through services' scoped queries."""
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from gridgov.people import roles, scoping

from . import excel, services
from .models import Agreement, Alliance, ExpandedCommittee, PartnerUnit, PartyOrg, ServiceCentre

PAGE_SIZE = 50


def _require_view(request):
    if not scoping.can(request.user, roles.VIEW):
        raise PermissionDenied


def _filters(request, kinds):
    q = (request.GET.get("q") or "").strip()
    kind = request.GET.get("kind") or ""
    # An unknown kind filters nothing rather than answering an empty page.
    return q, kind if kind in dict(kinds) else ""


def _list(request, template, qs, kinds, q, kind, **extra):
    # ?node=<pk> narrows to a subtree (the dashboards' drill-down links).
    node = request.GET.get("node") or ""
    qs = scoping.narrow(qs, request.user, node, "node__path")
    if request.GET.get("grid_branch") == "1" and hasattr(qs.model, "is_grid_branch"):
        qs = qs.filter(is_grid_branch=True)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, template, {"page": page, "q": q, "kind": kind, "kinds": kinds, "node": node,
                                      "can_export": scoping.can(request.user, roles.EXPORT),
                                      "can_import": scoping.can(request.user, roles.IMPORT), **extra})


def party_org_list(request):
    _require_view(request)
    q, kind = _filters(request, PartyOrg.KINDS)
    return _list(request, "orgs/party_org_list.html", services.party_orgs(request.user, q, kind), PartyOrg.KINDS, q, kind)


def party_org_detail(request, pk):
    org = services.party_org(request.user, pk)
    if org is None:
        raise Http404
    # The parent is shown only when the user may see it too (a community secretary sees the
    # name of the working committee above, but not its page).
    parent_visible = org.parent_id is not None and services.party_org(request.user, org.parent_id) is not None
    return render(request, "orgs/party_org_detail.html", {
        "org": org,
        "parent_visible": parent_visible,
        "children": services.children_of(request.user, org),
        "partner_units": services.partner_units(request.user).filter(party_org=org),
    })


def partner_unit_list(request):
    _require_view(request)
    q, kind = _filters(request, PartnerUnit.KINDS)
    return _list(request, "orgs/partner_unit_list.html", services.partner_units(request.user, q, kind), PartnerUnit.KINDS, q, kind)


def partner_unit_detail(request, pk):
    unit = services.partner_unit(request.user, pk)
    if unit is None:
        raise Http404
    org_visible = unit.party_org_id is not None and services.party_org(request.user, unit.party_org_id) is not None
    return render(request, "orgs/partner_unit_detail.html", {
        "unit": unit,
        "org_visible": org_visible,
        "agreements": services.agreements(request.user, unit),
        "alliances": services.alliances(request.user).filter(partner_units=unit),
    })


def service_centre_list(request):
    _require_view(request)
    q, kind = _filters(request, ServiceCentre.KINDS)
    return _list(request, "orgs/service_centre_list.html", services.service_centres(request.user, q, kind), ServiceCentre.KINDS, q, kind)


def service_centre_detail(request, pk):
    centre = services.service_centre(request.user, pk)
    if centre is None:
        raise Http404
    return render(request, "orgs/service_centre_detail.html", {"centre": centre})


def agreement_list(request):
    _require_view(request)
    # The filter menu offers the statuses (active, ended) in place of kinds.
    q, status = _filters(request, Agreement.STATUSES)
    return _list(request, "orgs/agreement_list.html", services.agreements(request.user, q=q, status=status), Agreement.STATUSES, q, status)


def alliance_list(request):
    _require_view(request)
    q, _kind = _filters(request, [])
    qs = services.alliances(request.user, q).annotate(n_units=Count("partner_units", distinct=True),
                                                      n_orgs=Count("party_orgs", distinct=True)).order_by("node__path", "name", "pk")
    return _list(request, "orgs/alliance_list.html", qs, [], q, "")


def alliance_detail(request, pk):
    alliance = services.alliance(request.user, pk)
    if alliance is None:
        raise Http404
    # Members are listed by name; only those the user may see are linked.
    visible_units = set(services.partner_units(request.user).filter(alliances=alliance).values_list("pk", flat=True))
    visible_orgs = set(services.party_orgs(request.user).filter(alliances=alliance).values_list("pk", flat=True))
    return render(request, "orgs/alliance_detail.html", {"alliance": alliance, "visible_units": visible_units,
                                                          "visible_orgs": visible_orgs})


def committee_list(request):
    _require_view(request)
    q, _kind = _filters(request, [])
    qs = services.expanded_committees(request.user, q).annotate(n_members=Count("members")).order_by("node__path", "name", "pk")
    return _list(request, "orgs/committee_list.html", qs, [], q, "")


def committee_detail(request, pk):
    committee = services.expanded_committee(request.user, pk)
    if committee is None:
        raise Http404
    return render(request, "orgs/committee_detail.html", {"committee": committee})


# ---------------------------------------------------------------- Excel: templates, export, import

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REGISTRIES = {
    # registry: (model, template, export, import, file name, list page, title)
    "party-orgs": (PartyOrg, excel.party_org_template, excel.export_party_orgs, excel.import_party_orgs, "party-orgs",
                   "orgs:party_orgs"),
    "partner-units": (PartnerUnit, excel.partner_unit_template, excel.export_partner_units, excel.import_partner_units,
                      "partner-units", "orgs:partner_units"),
    "agreements": (Agreement, excel.agreement_template, excel.export_agreements, excel.import_agreements, "agreements",
                   "orgs:agreements"),
    "alliances": (Alliance, excel.alliance_template, excel.export_alliances, excel.import_alliances, "alliances",
                  "orgs:alliances"),
    "committees": (ExpandedCommittee, excel.committee_template, excel.export_committees, excel.import_committees,
                   "expanded-committees", "orgs:committees"),
    "service-centres": (ServiceCentre, excel.service_centre_template, excel.export_service_centres,
                        excel.import_service_centres, "service-centres", "orgs:service_centres"),
}


def _registry(registry, request, perm):
    if registry not in REGISTRIES:
        raise Http404
    if not scoping.can(request.user, perm):
        raise PermissionDenied
    return REGISTRIES[registry]


def _xlsx(data, filename):
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def excel_template(request, registry):
    _model, template, _export, _import, name, _list_url = _registry(registry, request, roles.IMPORT)
    return _xlsx(template(), f"{name}-template.xlsx")


def excel_export(request, registry):
    model, _template, export, _import, name, _list_url = _registry(registry, request, roles.EXPORT)
    return _xlsx(export(services.scoped(model, request.user, roles.EXPORT)), f"{name}.xlsx")


def excel_import(request, registry):
    model, _template, _export, do_import, _name, list_url = _registry(registry, request, roles.IMPORT)
    result = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        district = scoping.user_district(request.user)
        if upload is None or district is None:
            messages.error(request, _("Choose an Excel file."))
        else:
            # The upload itself, not its bytes: its size is checked before it is read into memory.
            result = do_import(request.user, district, upload)
            if result.ok:
                messages.success(request, _("%(n)d rows imported.") % {"n": result.created})
                return redirect(list_url)
    return render(request, "orgs/import.html", {"result": result, "registry": registry,
                                                "title": model._meta.verbose_name_plural, "list_url": list_url})


# ---------------------------------------------------------------- coordination, 挂点包片, the centres' map layer

def coordination(request):
    _require_view(request)
    return render(request, "orgs/coordination.html", {
        "committees": services.coordination_committees(request.user).prefetch_related("members"),
        "assignments": services.leader_assignments(request.user),
    })


def centres_geojson(request):
    """The service centres the user may see as GeoJSON points (for the map); ?node=<id> keeps the
    ones in that node's subtree."""
    _require_view(request)
    qs = services.service_centres(request.user).filter(lon__isnull=False, lat__isnull=False)
    node_id = request.GET.get("node")
    if node_id:
        node = scoping.scoped_nodes(request.user, roles.VIEW).filter(pk=node_id).first() if node_id.isdigit() else None
        if node is None:
            raise Http404
        qs = qs.filter(node__path__startswith=node.path)
    features = [{
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [c.lon, c.lat]},
        "properties": {"id": c.pk, "name": c.name, "kind": c.kind, "kind_label": str(c.get_kind_display()),
                       "node_id": c.node_id, "opening_hours": c.opening_hours, "services": c.services, "role": "centre"},
    } for c in qs]
    return JsonResponse({"type": "FeatureCollection", "features": features}, json_dumps_params={"ensure_ascii": False})
