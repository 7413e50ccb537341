"""The audit page: who changed which case, person, party member or score, and when (roles.AUDIT)."""
import datetime as dt

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.dateparse import parse_datetime

from . import services


def _day(value):
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def index(request):
    if not services.may_read(request.user):
        raise PermissionDenied
    model = request.GET.get("model", "")
    model = model if model in services.AUDITED else ""
    username = request.GET.get("user", "").strip()[:150]
    day_from, day_to = _day(request.GET.get("from", "")), _day(request.GET.get("to", ""))
    before = parse_datetime(request.GET.get("before", "") or "") if request.GET.get("before") else None
    page, next_before = services.changes(request.user, model=model, username=username, day_from=day_from,
                                         day_to=day_to, before=before)
    query = request.GET.copy()
    query.pop("before", None)
    if next_before:
        query["before"] = next_before.isoformat()
    return render(request, "audit/index.html", {
        "changes": page, "models": [(a.code, a.label) for a in services.AUDITED.values()],
        "model": model, "username": username, "day_from": day_from, "day_to": day_to,
        "next_query": query.urlencode() if next_before else "",
    })
