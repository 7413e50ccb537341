"""URLs of the people pages (included at "people/")."""
from django.urls import path

from . import views

app_name = "people"
urlpatterns = [
    path("members/", views.member_list, name="members"),
    path("members/export.xlsx", views.member_export, name="member_export"),
    path("members/template.xlsx", views.member_template, name="member_template"),
    path("members/import/", views.member_import, name="member_import"),
    path("persons/<int:pk>/", views.person_detail, name="person"),
    path("persons/<int:pk>/reveal/", views.person_reveal, name="reveal"),
    path("volunteers/", views.volunteer_list, name="volunteers"),
    path("volunteers/export.xlsx", views.volunteer_export, name="volunteer_export"),
    path("residents/", views.resident_list, name="residents"),
    path("residents/export.xlsx", views.resident_export, name="resident_export"),
    path("workers/", views.worker_list, name="workers"),
    path("access-log/", views.access_log, name="access_log"),
    path("reports/", views.reports, name="reports"),
    path("nodes/<int:pk>/persons/", views.node_persons, name="node_persons"),
]
