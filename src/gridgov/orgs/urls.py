"""URLs of the organisation pages: party organisations, partner units, service centres."""
from django.urls import path

from . import views

app_name = "orgs"
urlpatterns = [
    path("", views.party_org_list, name="party_orgs"),
    path("<int:pk>/", views.party_org_detail, name="party_org"),
    path("partners/", views.partner_unit_list, name="partner_units"),
    path("partners/<int:pk>/", views.partner_unit_detail, name="partner_unit"),
    path("centres/", views.service_centre_list, name="service_centres"),
]
