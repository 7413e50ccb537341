"""Demo steps of the assessment app, registered in the order they must run: meetings and attendance,
points, standard checks and stars, the four lists and appraisals, twelve monthly index runs, alerts."""
from .demo import alerts, index, lists, meetings, points, stars  # noqa: F401  (importing registers the steps)
