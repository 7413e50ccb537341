"""The API's error format: every failure is JSON {"code", "message", ...} with a translated message
(Chinese by default), never a stack trace. install(api) registers the handlers on a NinjaAPI."""
import logging

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, RequestDataTooBig
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

logger = logging.getLogger("gridgov.api")


class ErrorOut(Schema):
    code: str = Field(description="stable, for programs: unauthenticated, forbidden, not_found, validation_error, server_error, …")
    message: str = Field(description="for people, in the request's language (Chinese by default)")


class ErrorItem(Schema):
    loc: list = Field(description='where: the source then the field, e.g. ["query", "lon"]')
    type: str = Field(description="pydantic's error type, e.g. less_than_equal")
    msg: str


class ValidationErrorOut(ErrorOut):
    detail: list[ErrorItem]


# The largest offset a list accepts: beyond any table, below the databases' 64-bit integers (an
# unbounded offset made PostgreSQL fail with "bigint out of range", a 500 found by schemathesis).
MAX_OFFSET = 1_000_000_000


def documented(ok):
    """An endpoint's `response=`: its answer plus the errors every endpoint may give (OpenAPI only;
    the handlers below produce them)."""
    return {200: ok, 401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut, 500: ErrorOut}


class InvalidToken(AuthenticationError):
    """A bearer token was sent but matches no active token: refused even when a session exists."""


def error_response(api, request, status, code, message, **extra):
    response = api.create_response(request, {"code": code, "message": str(message), **extra}, status=status)
    if status == 401:
        # RFC 9110: a 401 names the scheme the client should use.
        response["WWW-Authenticate"] = 'Bearer realm="gridgov"'
    return response


# ---------------------------------------------------------------- validation errors

# Where a parameter came from (ninja puts the source first in `loc`).
def _source_label(source):
    return {
        "query": _("query parameter"),
        "path": _("path parameter"),
        "body": _("request body"),
        "header": _("header"),
        "cookie": _("cookie"),
        "form": _("form field"),
        "file": _("file"),
    }.get(source, source)


def _number(value):
    """180.0 -> 180: a float parameter's limits come back as floats."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _problem(error):
    """A translated sentence for one pydantic error; pydantic's English text when the type is unknown."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("is required")
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return _("must be an integer")
    if kind in ("float_parsing", "float_type"):
        return _("must be a number")
    if kind == "finite_number":
        return _("must be a finite number")
    if kind in ("bool_parsing", "bool_type"):
        return _("must be true or false")
    if kind == "less_than_equal":
        return _("must be at most %(limit)s") % {"limit": _number(ctx.get("le"))}
    if kind == "less_than":
        return _("must be less than %(limit)s") % {"limit": _number(ctx.get("lt"))}
    if kind == "greater_than_equal":
        return _("must be at least %(limit)s") % {"limit": _number(ctx.get("ge"))}
    if kind == "greater_than":
        return _("must be greater than %(limit)s") % {"limit": _number(ctx.get("gt"))}
    if kind == "string_too_short":
        return _("must have at least %(n)s characters") % {"n": ctx.get("min_length")}
    if kind == "string_too_long":
        return _("must have at most %(n)s characters") % {"n": ctx.get("max_length")}
    if kind == "string_pattern_mismatch":
        return _("has the wrong format")
    if kind in ("literal_error", "enum"):
        return _("must be one of: %(choices)s") % {"choices": str(ctx.get("expected", "")).replace(" or ", ", ")}
    if kind == "json_invalid":
        return _("is not valid JSON")
    return error.get("msg", _("is invalid"))


def _field_name(loc):
    return ".".join(str(part) for part in loc[1:]) or str(loc[0] if loc else "")


def validation_detail(errors):
    """ninja's error list with each `msg` translated; `loc` kept, e.g. ["query", "lon"]."""
    detail = []
    for error in errors:
        loc = list(error.get("loc") or [])
        problem = _problem(error)
        where = _source_label(loc[0]) if loc else ""
        detail.append({
            "loc": loc,
            "type": error.get("type", ""),
            "msg": _("%(where)s %(field)s %(problem)s") % {"where": where, "field": _field_name(loc), "problem": problem},
        })
    return detail


# ---------------------------------------------------------------- handlers

def install(api):
    """Replace ninja's default handlers (plain-text tracebacks under DEBUG, {"detail"} otherwise)."""

    @api.exception_handler(ValidationError)
    def on_validation_error(request, exc):
        detail = validation_detail(exc.errors)
        message = _("The request is invalid: %(first)s.") % {"first": detail[0]["msg"]} if detail else _("The request is invalid.")
        return error_response(api, request, 422, "validation_error", message, detail=detail)

    def on_not_found(request, exc):
        # Missing and out of scope give the same answer: no hint that a node exists elsewhere.
        return error_response(api, request, 404, "not_found", _("Not found, or outside your area."))

    api.add_exception_handler(Http404, on_not_found)
    api.add_exception_handler(ObjectDoesNotExist, on_not_found)

    @api.exception_handler(PermissionDenied)
    def on_forbidden(request, exc):
        return error_response(api, request, 403, "forbidden", _("You do not have permission to do this."))

    @api.exception_handler(AuthenticationError)
    def on_unauthenticated(request, exc):
        if isinstance(exc, InvalidToken):
            message = _("The API token is invalid or has been revoked.")
        else:
            message = _("Authentication required: log in, or send an API token as 'Authorization: Bearer <key>'.")
        return error_response(api, request, 401, "unauthenticated", message)

    @api.exception_handler(HttpError)
    def on_http_error(request, exc):
        # ninja raises these itself: the CSRF check of session auth (403), throttling (429).
        status = exc.status_code
        if status == 403:
            if "csrf" in str(exc).lower():
                return error_response(api, request, 403, "csrf_failed", _("CSRF check failed: send the X-CSRFToken header, or use an API token."))
            return error_response(api, request, 403, "forbidden", _("You do not have permission to do this."))
        if status == 404:
            return on_not_found(request, exc)
        if status == 400:
            # ninja's "Cannot parse request body" (not JSON, not UTF-8): the documented 422, as
            # for any other invalid body, so that a client needs one error shape.
            detail = [{"loc": ["body"], "type": "json_invalid",
                       "msg": _("%(where)s %(field)s %(problem)s") % {"where": _source_label("body"), "field": "", "problem": _problem({"type": "json_invalid"})}}]
            message = _("The request is invalid: %(first)s.") % {"first": detail[0]["msg"]}
            return error_response(api, request, 422, "validation_error", message, detail=detail)
        if status == 429:
            return error_response(api, request, 429, "throttled", _("Too many requests; try again later."))
        return error_response(api, request, status, "http_error", _("The request could not be handled."))

    @api.exception_handler(RequestDataTooBig)
    def on_too_large(request, exc):
        # A body over DATA_UPLOAD_MAX_MEMORY_SIZE is the client's fault, not a server error.
        mb = max(1, settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024))
        return error_response(api, request, 413, "too_large", _("The request is too large (at most %(mb)d MB).") % {"mb": mb})

    @api.exception_handler(Exception)
    def on_server_error(request, exc):
        # Logged with the traceback for the operators; the client gets no internals, even under DEBUG.
        logger.exception("API error on %s %s", request.method, request.get_full_path())
        return error_response(api, request, 500, "server_error", _("Internal server error. It has been logged; please try again later."))

    return api
