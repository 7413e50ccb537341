"""Demo steps of the assessment app, registered in the order they must run: meetings and attendance,
points, standard checks and stars, the four lists and appraisals, twelve monthly index runs, alerts."""
# Importing a module registers its steps, so the import order is the run order: keep it, never sort it.
from .demo import meetings  # noqa: F401, I001
from .demo import points  # noqa: F401
from .demo import stars  # noqa: F401
from .demo import lists  # noqa: F401
from .demo import index  # noqa: F401
from .demo import alerts  # noqa: F401
