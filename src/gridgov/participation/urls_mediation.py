"""URLs of dispute mediation: the list, opening one (?case= prefill), its page and forms, the Excel export."""
from django.urls import path

from . import views_mediation as v

urlpatterns = [
    path("mediations/", v.mediation_list, name="mediations"),
    path("mediations/new/", v.mediation_new, name="mediation_new"),
    path("mediations/export.xlsx", v.mediation_export, name="mediation_export"),
    path("mediations/<int:pk>/", v.mediation_detail, name="mediation"),
    path("mediations/<int:pk>/edit/", v.mediation_edit, name="mediation_edit"),
    path("mediations/<int:pk>/<str:action>/", v.mediation_action, name="mediation_action"),
]
