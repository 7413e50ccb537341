"""App config for the demo generator (it owns the `gridgov demo` command)."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    name = "gridgov.demo"
    verbose_name = _("Demo data")
