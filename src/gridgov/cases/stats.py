"""Counts of the cases app for `gridgov stats`: cases (all, open, closed), patrols, categories."""
from .models import Case, Category, Patrol
from .workflow import ACTIVE_STATES


def counts(district):
    cases = Case.objects.filter(district=district)
    return {
        "case": cases.count(),
        "case_open": cases.filter(state__in=ACTIVE_STATES).count(),
        "case_closed": cases.filter(state__in=("closed", "evaluated")).count(),
        "patrol": Patrol.objects.filter(district=district).count(),
        "category": Category.objects.filter(district=district, parent__isnull=False).count(),
    }
