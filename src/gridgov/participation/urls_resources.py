"""URLs of the three lists and booking: resources, their calendar and .ics, bookings, needs, projects,
the per-subdistrict report and the Excel exports."""
from django.urls import path

from . import views_resources as v

urlpatterns = [
    path("resources/", v.resource_list, name="resources"),
    path("resources/new/", v.resource_new, name="resource_new"),
    path("resources/report/", v.report, name="resources_report"),
    path("resources/report.xlsx", v.report_xlsx, name="resources_report_xlsx"),
    path("resources/export/<str:what>.xlsx", v.export_xlsx, name="three_lists_export"),
    path("resources/<int:pk>/", v.resource_detail, name="resource"),
    path("resources/<int:pk>/edit/", v.resource_edit, name="resource_edit"),
    path("resources/<int:pk>/active/", v.resource_deactivate, name="resource_deactivate"),
    path("resources/<int:pk>/block/", v.resource_block, name="resource_block"),
    path("resources/<int:pk>/book/", v.resource_book, name="resource_book"),
    path("resources/<int:pk>/calendar/", v.resource_calendar, name="resource_calendar"),
    path("resources/<int:pk>/bookings.ics", v.resource_ics, name="resource_ics"),
    path("bookings/", v.booking_list, name="bookings"),
    path("bookings/<int:pk>/<str:action>/", v.booking_action, name="booking_action"),
    path("needs/", v.need_list, name="needs"),
    path("needs/new/", v.need_new, name="need_new"),
    path("needs/<int:pk>/", v.need_detail, name="need"),
    path("needs/<int:pk>/close/", v.need_close, name="need_close"),
    path("projects/", v.project_list, name="projects"),
    path("projects/<int:pk>/", v.project_detail, name="project"),
]
