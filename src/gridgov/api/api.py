"""The NinjaAPI instance: authentication, JSON error format, and the routers of each app.
Mounted at /api/ by gridgov.urls; docs at /api/docs, the OpenAPI schema at /api/openapi.json."""
import functools

from django.http import Http404, HttpResponseNotAllowed
from django.urls import URLPattern, path, re_path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI

from gridgov.assessment.errors import AssessmentError
from gridgov.assessment.errors import NotAllowed as AssessmentNotAllowed
from gridgov.cases.services import CaseError, Conflict, NotAllowed
from gridgov.participation import errors as participation_errors

from . import docs, errors
from .auth import AUTH
from .cases import router as cases_router
from .hierarchy import router as hierarchy_router
from .orgs import router as orgs_router
from .participation_civic import router as participation_civic_router
from .participation_resources import router as participation_resources_router
from .people import router as people_router


class GridgovAPI(NinjaAPI):
    """NinjaAPI plus the URLs ninja does not make: the docs' offline assets, and a JSON 404 for
    every other path under /api/ (otherwise Django's HTML 404 page would answer). The answers
    ninja gives outside its exception handlers (405, and the 404 of /api/ itself) become JSON too."""

    def _get_urls(self):
        urls = super()._get_urls()
        urls.insert(0, path("docs/assets/<str:name>", docs.asset_view, name="docs-asset"))
        urls.append(re_path(r"^.*$", self._unknown_path_view(), name="unknown"))
        for pattern in urls:
            if isinstance(pattern, URLPattern):
                pattern.callback = self._json_errors(pattern.callback)
        return urls

    def _json_errors(self, view):
        @functools.wraps(view)  # keeps csrf_exempt and the rest of the view's attributes
        def wrapped(request, *args, **kwargs):
            try:
                response = view(request, *args, **kwargs)
            except Http404:
                return errors.error_response(self, request, 404, "not_found", _("There is no such API endpoint."))
            if isinstance(response, HttpResponseNotAllowed):
                allowed = response["Allow"]
                response = errors.error_response(self, request, 405, "method_not_allowed", _("This endpoint does not accept %(method)s.") % {"method": request.method})
                response["Allow"] = allowed
            return response

        return wrapped

    def _unknown_path_view(self):
        # csrf_exempt like ninja's own views, so that a POST to a wrong path gets this JSON 404
        # and not Django's HTML CSRF page.
        @csrf_exempt
        def unknown_path(request, *args, **kwargs):
            return errors.error_response(self, request, 404, "not_found", _("There is no such API endpoint."))

        return unknown_path


api = GridgovAPI(
    title="gridgov API",
    version="1",
    description="党建引领网格化基层治理平台 REST API. Auth: session cookie, or `Authorization: Bearer <key>` "
    "(`gridgov api-token USERNAME`). Errors: JSON {code, message}.",
    urls_namespace="api",
    auth=AUTH,
    docs=docs.OfflineSwagger(),
)
errors.install(api)
api.add_router("/", hierarchy_router, tags=["hierarchy"])
api.add_router("/", cases_router, tags=["cases"])
api.add_router("/", orgs_router, tags=["orgs"])
api.add_router("/", people_router, tags=["people"])
api.add_router("/", participation_resources_router, tags=["participation"])
api.add_router("/", participation_civic_router, tags=["participation"])


def _case_error(status, code):
    def handler(request, exc):
        return errors.error_response(api, request, status, code, str(exc))

    return handler


# The case rules' refusals: their messages are already for the user (translated in services).
api.add_exception_handler(CaseError, _case_error(422, "invalid"))
api.add_exception_handler(NotAllowed, _case_error(403, "forbidden"))
api.add_exception_handler(Conflict, _case_error(409, "conflict"))
api.add_exception_handler(AssessmentError, _case_error(422, "invalid"))
api.add_exception_handler(AssessmentNotAllowed, _case_error(403, "forbidden"))
api.add_exception_handler(participation_errors.ParticipationError, _case_error(422, "invalid"))
api.add_exception_handler(participation_errors.NotAllowed, _case_error(403, "forbidden"))
api.add_exception_handler(participation_errors.Conflict, _case_error(409, "conflict"))
