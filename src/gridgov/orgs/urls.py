"""URLs of the organisation pages: party organisations, partner units, agreements, alliances, expanded
committees, service centres, Excel,
coordination committees and leaders' assignments, and the centres' GeoJSON layer."""
from django.urls import path

from . import views

app_name = "orgs"
urlpatterns = [
    path("", views.party_org_list, name="party_orgs"),
    path("<int:pk>/", views.party_org_detail, name="party_org"),
    path("partners/", views.partner_unit_list, name="partner_units"),
    path("partners/<int:pk>/", views.partner_unit_detail, name="partner_unit"),
    path("centres/", views.service_centre_list, name="service_centres"),
    path("centres/<int:pk>/", views.service_centre_detail, name="service_centre"),
    path("agreements/", views.agreement_list, name="agreements"),
    path("alliances/", views.alliance_list, name="alliances"),
    path("alliances/<int:pk>/", views.alliance_detail, name="alliance"),
    path("committees/", views.committee_list, name="committees"),
    path("committees/<int:pk>/", views.committee_detail, name="committee"),
    path("centres.geojson", views.centres_geojson, name="centres_geojson"),
    path("coordination/", views.coordination, name="coordination"),
    path("excel/<slug:registry>/template/", views.excel_template, name="excel_template"),
    path("excel/<slug:registry>/export/", views.excel_export, name="excel_export"),
    path("excel/<slug:registry>/import/", views.excel_import, name="excel_import"),
]
