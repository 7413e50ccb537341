"""Hierarchy pages: node page (breadcrumb, children with counts, map), search, map data.
Thin: every lookup goes through scoping and services."""
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, JsonResponse
from django.shortcuts import render

from gridgov.extensions import app_modules
from gridgov.people import roles, scoping

from . import services
from .models import LEVEL_LABELS


def scoped_node(request, pk, perm=roles.VIEW):
    """The node `pk` if the user may see it with `perm`; 404 otherwise (no hint that it exists)."""
    node = scoping.scoped_nodes(request.user, perm).select_related("district").filter(pk=pk).first()
    if node is None:
        raise Http404
    return node


def node_panels(request, node):
    """Panels other apps add to the node page: each installed gridgov app may define
    `node_panels.panels(request, node) -> [(template name, context dict), …]`."""
    return [panel for module in app_modules("node_panels") for panel in module.panels(request, node)]


def node_detail(request, pk):
    node = scoped_node(request, pk)
    children = services.children_with_counts(node)
    levels = node.district.levels
    below = levels[levels.index(node.kind) + 2:] if node.kind in levels else []
    crumbs = services.ancestors(node)[:-1]
    visible = set(scoping.scoped_nodes(request.user, roles.VIEW).filter(pk__in=[c.pk for c in crumbs]).values_list("pk", flat=True))
    for crumb in crumbs:
        crumb.linkable = crumb.pk in visible  # ancestors above the user's posts are named, not linked
    return render(request, "hierarchy/node.html", {
        "node": node,
        "crumbs": crumbs,
        "children": children,
        "child_kind": LEVEL_LABELS.get(node.district.child_kind(node.kind) or "", ""),
        "count_kinds": [(k, LEVEL_LABELS[k]) for k in below],
        "totals": services.count_by_kind(node),
        "levels": [(k, LEVEL_LABELS[k]) for k in node.district.levels],
        "can_export": scoping.can(request.user, roles.EXPORT, node),
        "panels": node_panels(request, node),
    })


def node_map(request, pk):
    """GeoJSON of the node and its children, for the node page's map."""
    node = scoped_node(request, pk)
    features = []
    for item, role in [(node, "self")] + [(c, "child") for c in services.subtree(node, include_self=False).filter(depth=node.depth + 1).order_by("code")]:
        if not item.polygon:
            continue
        features.append({
            "type": "Feature",
            "geometry": item.polygon,
            "properties": {"id": item.pk, "code": item.code, "name": item.name, "kind": item.kind, "role": role, "url": f"/hierarchy/nodes/{item.pk}/"},
        })
    return JsonResponse({"type": "FeatureCollection", "features": features})


def search(request):
    if not scoping.can(request.user, roles.VIEW):
        raise PermissionDenied
    q = (request.GET.get("q") or "").strip()
    results = None
    if q:
        qs = scoping.scoped_nodes(request.user, roles.VIEW).filter(Q(name__icontains=q) | Q(code__startswith=q)).order_by("depth", "code")
        results = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "hierarchy/search.html", {"q": q, "results": results})
