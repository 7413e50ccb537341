"""Counts of the assessment app for `gridgov stats`: scored indicators of the active scheme, organisations
graded in the last month, star ratings of the latest year, points entries and meetings."""
from django.db.models import Max

from .models import Grade, Indicator, Meeting, PointsEntry, Scheme, StarRating


def counts(district):
    # The key names are a contract read by other tools: never rename them.
    scheme = Scheme.objects.filter(district=district, active=True).order_by("pk").first()
    indicators = graded = 0
    if scheme is not None:
        indicators = scheme.indicators.filter(kind__in=(Indicator.COMPUTED, Indicator.MANUAL)).count()
        last = Grade.objects.filter(scheme=scheme).aggregate(m=Max("month"))["m"]
        if last is not None:
            graded = Grade.objects.filter(scheme=scheme, month=last).count()
    ratings = StarRating.objects.filter(district=district)
    year = ratings.aggregate(y=Max("year"))["y"]
    latest = ratings.filter(year=year)
    return {
        "index_indicator": indicators,
        "index_scored_org": graded,
        "star_four": latest.filter(stars=4).count(),
        "star_five": latest.filter(stars=5).count(),
        "points_entry": PointsEntry.objects.filter(district=district).count(),
        "meeting": Meeting.objects.filter(district=district).count(),
    }
