"""`gridgov api-token USERNAME [--name NAME]`: issue an API token and print its key once.
Only the key's hash is stored (api.models.ApiToken), so a lost key is replaced, not recovered."""
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from gridgov.api.models import ApiToken


class Command(BaseCommand):
    help = "Issue an API token for a user and print the key (shown once; send it as 'Authorization: Bearer <key>')."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="what the token is for, e.g. the client's name")

    def handle(self, *args, username, name, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("No user named %(username)s.") % {"username": username})
        if not user.is_active:
            raise CommandError(_("User %(username)s is inactive.") % {"username": username})
        if len(name) > ApiToken._meta.get_field("name").max_length:
            raise CommandError(_("The name is too long."))
        token, key = ApiToken.issue(user, name=name)
        # The key alone on stdout, so that scripts can capture it; the note goes to stderr.
        self.stdout.write(key)
        self.stderr.write(_("Token %(prefix)s… issued for %(username)s; it is shown only this once.") % {"prefix": token.prefix, "username": username})
