"""Counts of the participation app for `gridgov stats`: the three lists, bookings, deliberations,
mediations, events, and the partner units of the district sharing each kind of room or platform."""
from django.db.models import Count, Q

from .models import Booking, Deliberation, Event, Mediation, Need, Project, Resource


def counts(district):
    # The key names are a contract read by other tools: never rename them.
    shared = Resource.objects.filter(district=district, active=True, partner_unit__isnull=False).aggregate(**{
        f"units_sharing_{key}": Count("partner_unit", filter=Q(kind=kind), distinct=True)
        for key, kind in [("meeting_room", "meeting_room"), ("venue", "venue"),
                          ("counselling_room", "counselling_room"), ("publicity", "publicity")]
    })
    return {
        "resource": Resource.objects.filter(district=district).count(),
        "need": Need.objects.filter(district=district).count(),
        "project": Project.objects.filter(district=district).count(),
        "booking": Booking.objects.filter(district=district).count(),
        "deliberation": Deliberation.objects.filter(district=district).count(),
        "mediation": Mediation.objects.filter(district=district).count(),
        "event": Event.objects.filter(district=district).count(),
        **shared,
    }
