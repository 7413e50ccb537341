"""App config for the audit app: connects the recording of service-made case changes."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "gridgov.audit"
    verbose_name = _("Audit")

    def ready(self):
        from . import receivers  # noqa: F401
