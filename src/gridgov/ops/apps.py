"""App config for the ops app (backup and restore commands)."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "gridgov.ops"
    verbose_name = _("Operations")
