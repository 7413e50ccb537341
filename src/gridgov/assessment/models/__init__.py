"""The assessment models, one module per area (index, meetings, points, stars, lists, alerts);
importing them here is what Django needs to find them."""
from .alerts import Alert, AlertRule, Talk  # noqa: F401
from .index import (  # noqa: F401
    Grade, GradeBand, Indicator, IndicatorCategory, IndexRun, ManualScore, Scheme, Score,
)
from .lists import Inspection, ListItem, SecretaryReport, WorkerAppraisal  # noqa: F401
from .meetings import Attendance, Meeting  # noqa: F401
from .points import PointsAccount, PointsAppeal, PointsEntry, PointsRule  # noqa: F401
from .stars import StandardCheck, StandardItem, StarLevel, StarRating, WeakLaxRecord  # noqa: F401
