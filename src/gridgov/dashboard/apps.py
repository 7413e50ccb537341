"""App config for the dashboard app: the party-building map, the per-level dashboards and the
district command centre's big screen."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    name = "gridgov.dashboard"
    verbose_name = _("Dashboards")

    def ready(self):
        from . import receivers  # connects the tallies to the cases' changes

        receivers.connect_watched()
