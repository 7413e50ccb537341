"""URLs of the people pages (included at "people/")."""
from django.urls import path

from . import views

app_name = "people"
urlpatterns = [
    path("members/", views.member_list, name="members"),
    path("members/export.xlsx", views.member_export, name="member_export"),
    path("members/template.xlsx", views.registry_template, {"registry": "members"}, name="member_template"),
    path("members/import/", views.registry_import, {"registry": "members"}, name="member_import"),
    path("persons/<int:pk>/", views.person_detail, name="person"),
    path("persons/<int:pk>/reveal/", views.person_reveal, name="reveal"),
    path("volunteers/", views.volunteer_list, name="volunteers"),
    path("volunteers/export.xlsx", views.volunteer_export, name="volunteer_export"),
    path("volunteers/template.xlsx", views.registry_template, {"registry": "volunteers"}, name="volunteer_template"),
    path("volunteers/import/", views.registry_import, {"registry": "volunteers"}, name="volunteer_import"),
    path("residents/", views.resident_list, name="residents"),
    path("residents/export.xlsx", views.resident_export, name="resident_export"),
    path("residents/template.xlsx", views.registry_template, {"registry": "residents"}, name="resident_template"),
    path("residents/import/", views.registry_import, {"registry": "residents"}, name="resident_import"),
    path("workers/", views.worker_list, name="workers"),
    path("workers/template.xlsx", views.registry_template, {"registry": "workers"}, name="worker_template"),
    path("workers/import/", views.registry_import, {"registry": "workers"}, name="worker_import"),
    path("talent/", views.talent_list, name="talent"),
    path("talent/export.xlsx", views.talent_export, name="talent_export"),
    path("talent/template.xlsx", views.registry_template, {"registry": "talent"}, name="talent_template"),
    path("talent/import/", views.registry_import, {"registry": "talent"}, name="talent_import"),
    path("trainings/export.xlsx", views.training_export, name="training_export"),
    path("trainings/template.xlsx", views.registry_template, {"registry": "trainings"}, name="training_template"),
    path("trainings/import/", views.registry_import, {"registry": "trainings"}, name="training_import"),
    path("dual-registrations/", views.dual_list, name="dual"),
    path("dual-registrations/export.xlsx", views.dual_export, name="dual_export"),
    path("dual-registrations/template.xlsx", views.registry_template, {"registry": "dual"}, name="dual_template"),
    path("dual-registrations/import/", views.registry_import, {"registry": "dual"}, name="dual_import"),
    path("service-records/", views.service_list, name="service"),
    path("service-records/export.xlsx", views.service_export, name="service_export"),
    path("households/", views.household_list, name="households"),
    path("persons/<int:pk>/trainings/", views.person_trainings, name="trainings"),
    path("access-log/", views.access_log, name="access_log"),
    path("reports/", views.reports, name="reports"),
    path("reports/<str:report>.xlsx", views.report_export, name="report_export"),
    path("nodes/<int:pk>/persons/", views.node_persons, name="node_persons"),
]
