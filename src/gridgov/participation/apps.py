"""App config for the participation app."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParticipationConfig(AppConfig):
    name = "gridgov.participation"
    verbose_name = _("Participation")
