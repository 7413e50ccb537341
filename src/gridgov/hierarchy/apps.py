"""App config for the hierarchy app.
Connects the signals that keep the in-memory locate index fresh."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HierarchyConfig(AppConfig):
    name = "gridgov.hierarchy"
    verbose_name = _("Hierarchy")

    def ready(self):
        from . import signals  # noqa: F401
