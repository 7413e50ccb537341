"""URLs of the four lists, inspections and the secretaries' annual reports."""
from django.urls import path

from . import views_lists as views

urlpatterns = [
    path("lists/", views.list_page, name="lists"),
    path("lists/new/", views.item_new, name="list_item_new"),
    path("lists/<int:pk>/", views.item_detail, name="list_item"),
    path("lists/<int:pk>/edit/", views.item_edit, name="list_item_edit"),
    path("inspections/", views.inspection_list, name="inspections"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection"),
    path("secretary-reports/", views.secretary_report_list, name="secretary_reports"),
    path("secretary-reports/<int:pk>/", views.secretary_report_detail, name="secretary_report"),
]
