"""Admin of the participation app: one module per area registers its models (scoped like the rest)."""
from . import admin_activities, admin_deliberation, admin_funds, admin_mediation, admin_resources  # noqa: F401
