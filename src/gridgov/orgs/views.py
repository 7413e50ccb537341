"""Organisation pages: party organisations (list, detail), partner units (list, detail with their
agreements) and service centres (list). Thin: every lookup goes through services' scoped queries."""
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from gridgov.people import roles, scoping

from . import services
from .models import PartnerUnit, PartyOrg, ServiceCentre

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
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, template, {"page": page, "q": q, "kind": kind, "kinds": kinds, **extra})


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
