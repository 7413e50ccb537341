"""Pages and data of the party-building map 党建地图 and the command centre's big screen 大屏.
Thin: the data comes from map.py, every query there is scoped to the user."""
import os
import re

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _, pgettext
from django.views.decorators.http import require_GET

from gridgov.people import roles, scoping

from . import map as mapdata

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _context(request):
    """(district, node) of a map request: the user's district and the visible ?node, if any."""
    if not scoping.can(request.user, roles.VIEW):
        raise PermissionDenied
    node = None
    if request.GET.get("node"):
        node = mapdata.visible_node(request.user, request.GET["node"])
        if node is None:
            raise Http404
    district = node.district if node is not None else mapdata.user_district(request.user)
    return district, node


def _page_context(request, district, node):
    base = reverse("dashboard:map_layer", args=["grid"]).rsplit("grid", 1)[0]
    root = mapdata.scope_root(request.user, district, node) if district else None
    return {
        "district": district,
        "node": node,
        "root": root,
        "map_config": {
            "layers": base,
            "node": node.pk if node else None,
            "bbox": (node or root).bbox if (node or root) else None,
            "basemap": mapdata.basemap(district),
            "labels": {k: str(v) for k, v in mapdata.LAYER_LABELS.items()},
            "cell_kind": district.cell_kind if district else "grid",
            "modes": {k: str(v) for k, v in mapdata.COLOUR_MODES},
            "i18n": {
                "open_page": _("Open its page"), "open_cases": _("Open cases"), "density": _("Cases per km²"),
                "grade": _("Grade"), "no_grade": _("Not graded"), "overdue": _("Overdue"), "weak": _("Weak and lax"),
                "visits": _("Household visits"), "basemap": _("Basemap"), "no_basemap": _("No basemap"),
            },
        },
        "colour_modes": mapdata.COLOUR_MODES,
    }


@require_GET
def map_page(request):
    district, node = _context(request)
    return render(request, "dashboard/map.html", _page_context(request, district, node))


@require_GET
def map_layer(request, layer):
    """GeoJSON of one layer: ?zoom=N picks the simplification, ?node=<pk> keeps that subtree."""
    district, node = _context(request)
    if layer not in mapdata.LAYERS:
        raise Http404
    text = mapdata.layer_json(request.user, district, layer, request.GET.get("zoom"), node)
    response = HttpResponse(text, content_type="application/geo+json; charset=utf-8")
    response["Cache-Control"] = "private, max-age=30"
    return response


@require_GET
def map_basemap(request):
    """The district's local PMTiles file (settings["basemap"]["path"]), with HTTP range requests:
    PMTiles reads its archive by byte ranges."""
    if not scoping.can(request.user, roles.VIEW):
        raise PermissionDenied
    path = mapdata.basemap_file(mapdata.user_district(request.user))
    if not path or not os.path.isfile(path):
        raise Http404
    size = os.path.getsize(path)
    match = _RANGE.match(request.headers.get("Range", "").strip())
    if not match:
        response = FileResponse(open(path, "rb"), content_type="application/octet-stream")
        response["Accept-Ranges"] = "bytes"
        return response
    first, last = match.groups()
    if first == "":  # the last N bytes
        first, last = max(0, size - int(last or 0)), size - 1
    else:
        first, last = int(first), min(int(last) if last else size - 1, size - 1)
    if first > last or first >= size:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    with open(path, "rb") as f:
        f.seek(first)
        body = f.read(last - first + 1)
    response = HttpResponse(body, status=206, content_type="application/octet-stream")
    response["Content-Range"] = f"bytes {first}-{last}/{size}"
    response["Accept-Ranges"] = "bytes"
    return response


@require_GET
def screen_page(request):
    district, node = _context(request)
    context = _page_context(request, district, node)
    context["data_url"] = reverse("dashboard:screen_data") + (f"?node={node.pk}" if node else "")
    context["screen_i18n"] = {"reported": pgettext("screen", "Reported"), "closed": pgettext("screen", "Closed"), "open": _("Open cases"),
                              "orgs": _("organisations"), "ungraded": _("Not graded")}
    return render(request, "dashboard/screen.html", context)


@require_GET
def screen_data(request):
    district, node = _context(request)
    if district is None:
        raise Http404
    return JsonResponse(mapdata.screen_data(request.user, district, node), json_dumps_params={"ensure_ascii": False})
