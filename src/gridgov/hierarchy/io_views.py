"""Import and export pages of the hierarchy (Excel and GeoJSON). Placeholder, being written."""
from django.http import HttpResponse


def export_xlsx(request, pk):
    return HttpResponse(status=501)


def export_geojson(request, pk):
    return HttpResponse(status=501)


def import_page(request):
    return HttpResponse(status=501)


def import_template(request):
    return HttpResponse(status=501)
