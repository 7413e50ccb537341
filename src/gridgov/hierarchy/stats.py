"""Counts of the hierarchy for `gridgov stats`: nodes of each level of the district."""
from django.db.models import Count

from .models import Node


def counts(district):
    rows = Node.objects.filter(district=district).exclude(kind="district").order_by().values("kind").annotate(n=Count("id"))
    found = {r["kind"]: r["n"] for r in rows}
    return {kind: found.get(kind, 0) for kind in district.levels if kind != "district"}
