"""App config for the people app.
Persons, posts, roles and scoping live here."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "gridgov.people"
    verbose_name = _("People")
