"""URLs of the Open311 GeoReport v2 endpoint, mounted at /open311/v2/: each resource ends in its
format (.json or .xml); any other ending is answered in the spec's XML error format."""
from django.urls import re_path

from . import open311

app_name = "open311"
FORMAT = r"\.(?P<fmt>[A-Za-z0-9]+)$"

urlpatterns = [
    re_path(r"^services" + FORMAT, open311.service_list, name="services"),
    re_path(r"^services/(?P<code>[^/]+?)" + FORMAT, open311.service_definition, name="service"),
    re_path(r"^requests" + FORMAT, open311.service_requests, name="requests"),
    re_path(r"^requests/(?P<number>[^/]+?)" + FORMAT, open311.service_request, name="request"),
    re_path(r"^tokens/(?P<token>[^/]+?)" + FORMAT, open311.token, name="token"),
]
