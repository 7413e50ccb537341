"""Web shell views: home sends each user to the node of their first post."""
import logging

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render

from gridgov.people import roles, scoping

logger = logging.getLogger(__name__)


def home(request):
    node = scoping.home_node(request.user)
    if node is not None and scoping.can(request.user, roles.VIEW):
        return redirect("hierarchy:node", pk=node.pk)
    return render(request, "web/home.html", {"posts": scoping.active_posts(request.user)})


def healthz(request):
    """Liveness: the process answers. Touches nothing (also the bare endpoint of the benchmarks)."""
    return JsonResponse({"ok": True})


def readyz(request):
    """Readiness: the database answers, and Redis too when REDIS_URL configures it (503 naming the part
    that failed, so that a load balancer stops sending work here and an operator sees why)."""
    parts = {"database": _answers(_database)}
    if settings.REDIS_URL:
        parts["redis"] = _answers(_redis)
    ok = all(parts.values())
    return JsonResponse({"ok": ok, **parts}, status=200 if ok else 503)


def _answers(check):
    try:
        check()
        return True
    except Exception:
        logger.warning("readiness check %s failed", check.__name__.lstrip("_"), exc_info=True)
        return False


def _database():
    with connection.cursor() as cur:
        cur.execute("SELECT 1")
        cur.fetchone()


def _redis():
    # Through the configured cache, so that the check uses the same URL, timeouts and client.
    cache.set("readyz", "1", timeout=10)
    if cache.get("readyz") != "1":
        raise RuntimeError("Redis did not return what was written")
