"""Assessment services: alerts."""


def evaluate_due(now=None):
    """Evaluate the districts' alert rules when due; returns the number of alerts raised."""
    return 0
