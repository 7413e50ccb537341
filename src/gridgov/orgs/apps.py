"""App config for the organisations app."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "gridgov.orgs"
    verbose_name = _("Organisations")
