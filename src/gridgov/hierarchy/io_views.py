"""Import and export pages of the hierarchy (Excel and GeoJSON): permission checks, upload and
download plumbing. The import, template and export logic lives in hierarchy/io.py."""
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from gridgov.people import roles, scoping

from . import io

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# How many problems the page lists; the rest are counted (the import is refused either way).
ERRORS_SHOWN = 500


def _exportable_node(request, pk):
    """The node if the user sees it (404 otherwise, no hint that it exists) and may export it (403)."""
    node = scoping.scoped_nodes(request.user, roles.VIEW).select_related("district").filter(pk=pk).first()
    if node is None:
        raise Http404
    if not scoping.can(request.user, roles.EXPORT, node):
        raise PermissionDenied
    return node


@require_GET
def export_xlsx(request, pk):
    node = _exportable_node(request, pk)
    return FileResponse(io.export_xlsx(node), as_attachment=True, filename=io.export_filename(node, "xlsx"), content_type=XLSX_TYPE)


@require_GET
def export_geojson(request, pk):
    node = _exportable_node(request, pk)
    response = StreamingHttpResponse(io.iter_geojson(node), content_type="application/geo+json; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, io.export_filename(node, "geojson"))
    return response


@require_http_methods(["GET", "POST"])
def import_page(request):
    if not scoping.can(request.user, roles.IMPORT):
        raise PermissionDenied
    result, kind = None, None
    if request.method == "POST":
        kind = "geojson" if request.POST.get("kind") == "geojson" else "xlsx"
        upload = request.FILES.get("file")
        if kind == "geojson":
            result = io.import_geojson(request.user, upload)
            if result.ok:
                messages.success(request, _("Boundaries updated: %(n)d nodes.") % {"n": result.updated})
        else:
            result = io.import_xlsx(request.user, upload)
            if result.ok:
                messages.success(request, _("Imported %(n)d nodes.") % {"n": result.created})
        if result.ok:
            return redirect("hierarchy:import")
    return render(request, "hierarchy/import.html", {
        "kind": kind,
        "result": result,
        "errors": result.errors[:ERRORS_SHOWN] if result else [],
        "more_errors": max(0, len(result.errors) - ERRORS_SHOWN) if result else 0,
        "roots": io.import_roots(request.user),
        "max_mb": round(settings.GRIDGOV_IMPORT_MAX_BYTES / 1048576),
    })


@require_GET
def import_template(request):
    if not scoping.can(request.user, roles.IMPORT):
        raise PermissionDenied
    response = HttpResponse(io.template_xlsx(scoping.user_district(request.user)), content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, "层级导入模板.xlsx")
    return response
