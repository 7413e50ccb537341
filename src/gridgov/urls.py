"""Root URL configuration: the web shell, each app's pages, the API under /api/, the admin."""
from django.contrib import admin
from django.urls import include, path

from gridgov.api.api import api

urlpatterns = [
    path("", include("gridgov.web.urls")),
    path("hierarchy/", include("gridgov.hierarchy.urls")),
    path("orgs/", include("gridgov.orgs.urls")),
    path("people/", include("gridgov.people.urls")),
    path("cases/", include("gridgov.cases.urls")),
    path("assessment/", include("gridgov.assessment.urls")),
    path("participation/", include("gridgov.participation.urls")),
    path("dashboard/", include("gridgov.dashboard.urls")),
    path("open311/v2/", include("gridgov.cases.open311_urls")),
    path("audit/", include("gridgov.audit.urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]
