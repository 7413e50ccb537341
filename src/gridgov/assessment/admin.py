"""Admin of the assessment app: one module per area registers its models (scoped like the rest)."""
from . import admin_index, admin_lists, admin_points, admin_stars, admin_alerts  # noqa: F401
