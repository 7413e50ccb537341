"""Demo steps of the participation app, in run order: resources, needs, projects and bookings; funds and
brand projects; deliberations; mediations; service-centre activities and training."""
# Importing a module registers its steps, so the import order is the run order: keep it, never sort it.
from .demo import resources  # noqa: F401, I001
from .demo import funds  # noqa: F401
from .demo import deliberation  # noqa: F401
from .demo import mediation  # noqa: F401
from .demo import activities  # noqa: F401
