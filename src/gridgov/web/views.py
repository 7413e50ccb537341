"""Web shell views: home sends each user to the node of their first post."""
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render

from gridgov.people import roles, scoping


def home(request):
    node = scoping.home_node(request.user)
    if node is not None and scoping.can(request.user, roles.VIEW):
        return redirect("hierarchy:node", pk=node.pk)
    return render(request, "web/home.html", {"posts": scoping.active_posts(request.user)})


def healthz(request):
    """Liveness: the process answers. Touches nothing (also the bare endpoint of the benchmarks)."""
    return JsonResponse({"ok": True})


def readyz(request):
    """Readiness: the database answers."""
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
            cur.fetchone()
    except Exception:
        return JsonResponse({"ok": False, "database": False}, status=503)
    return JsonResponse({"ok": True, "database": True})
