"""URLs of the hierarchy pages."""
from django.urls import path

from . import io_views, views

app_name = "hierarchy"
urlpatterns = [
    path("nodes/<int:pk>/", views.node_detail, name="node"),
    path("nodes/<int:pk>/map.geojson", views.node_map, name="node_map"),
    path("nodes/<int:pk>/export.xlsx", io_views.export_xlsx, name="export_xlsx"),
    path("nodes/<int:pk>/export.geojson", io_views.export_geojson, name="export_geojson"),
    path("search/", views.search, name="search"),
    path("import/", io_views.import_page, name="import"),
    path("import/template.xlsx", io_views.import_template, name="import_template"),
]
