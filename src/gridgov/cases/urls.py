"""URLs of the case pages, mounted at /cases/: report, tasks, list, map, KPIs, and a case by number
(last, so that the fixed words above never read as case numbers)."""
from django.urls import path

from . import views

app_name = "cases"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("report/", views.report, name="report"),
    path("report/area.geojson", views.report_area, name="report_area"),
    path("report/done/<slug:number>/", views.report_done, name="report_done"),
    path("tasks/", views.tasks, name="tasks"),
    path("patrol/", views.patrol, name="patrol"),
    path("map/", views.case_map, name="map"),
    path("map/open.geojson", views.case_map_geojson, name="map_geojson"),
    path("kpi/", views.kpi_page, name="kpi"),
    path("hotline/import/", views.hotline_import, name="hotline_import"),
    path("kpi/export.xlsx", views.kpi_export, name="kpi_export"),
    path("<slug:number>/", views.detail, name="detail"),
    path("<slug:number>/photos/<int:pk>/", views.attachment, name="attachment"),
]
