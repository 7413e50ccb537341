"""Background work of the assessment app, run by `gridgov worker` on every pass: queued index runs,
points from recent activity and the alert evaluation. Each returns how much it did; all are safe to
run from several workers (runs are claimed, points entries are unique per activity, alerts per key)."""
import time

# Awarding points scans two months of activity: every five minutes is soon enough for a ledger.
POINTS_EVERY_S = 300
_last_points = [float("-inf")]


def tick(now=None):
    from .services import alerts, index, points

    counts = {"index runs": index.run_queued()}
    if now is not None or time.monotonic() - _last_points[0] >= POINTS_EVERY_S:
        counts["points entries"] = points.award_due(now)
        _last_points[0] = time.monotonic()
    counts["alerts raised"] = alerts.evaluate_due(now)
    return counts
