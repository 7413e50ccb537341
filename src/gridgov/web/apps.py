"""App config for the web shell."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "gridgov.web"
    verbose_name = _("Web shell")
