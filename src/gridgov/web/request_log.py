"""The access log: one record per request on logger "gridgov.request" with request id, method, path,
status, duration in ms and user id; the id is echoed in the X-Request-ID response header."""
import logging
import re
import time
import uuid

from .logging import request_id

log = logging.getLogger("gridgov.request")

# A front proxy's id (nginx $request_id) is kept so that both logs join; anything odd is replaced.
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


class RequestLogMiddleware:
    """Outermost middleware: it times everything below it, including sessions and authentication."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        rid = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = rid
        token = request_id.set(rid)
        started = time.perf_counter()
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            response["X-Request-ID"] = rid
            return response
        finally:
            if log.isEnabledFor(logging.INFO):
                # request.user is set by the session middleware, or by the API's token auth (api/auth.py).
                user = getattr(request, "user", None)
                log.info("%s %s %s", request.method, request.path, status, extra={
                    "request_id": rid, "method": request.method, "path": request.path, "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "user_id": user.pk if user is not None and user.is_authenticated else None,
                })
            request_id.reset(token)
