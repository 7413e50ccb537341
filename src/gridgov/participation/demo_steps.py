"""Demo steps of the participation app, in run order: resources, needs, projects and bookings; funds and
brand projects; deliberations; mediations; service-centre activities and training."""
from .demo import resources, funds, deliberation, mediation, activities  # noqa: F401  (importing registers the steps)
