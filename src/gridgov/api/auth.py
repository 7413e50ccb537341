"""Who is calling the API: a bearer token (api.models.ApiToken) or the Django session.
Both return the User, which ninja puts on request.auth; handlers scope their queries by it."""
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from .errors import InvalidToken
from .models import ApiToken, hash_token

# last_used is for "which tokens are still in use": a minute's precision is plenty, and it saves
# a write (on SQLite, a database-wide lock) on every request of a busy client.
LAST_USED_PRECISION = timedelta(minutes=1)


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <key>`; a key that matches nothing is a 401 even with a session."""

    def authenticate(self, request, token):
        token = token.strip()
        found = None
        if token:
            found = ApiToken.objects.select_related("user").filter(key_hash=hash_token(token)).first()
        if found is None or not found.user.is_active:
            raise InvalidToken()
        now = timezone.now()
        if found.last_used is None or now - found.last_used >= LAST_USED_PRECISION:
            # Conditional, so that concurrent requests of one client write once.
            ApiToken.objects.filter(pk=found.pk).filter(
                Q(last_used__isnull=True) | Q(last_used__lt=now - LAST_USED_PRECISION)
            ).update(last_used=now)
        # Code below the API (services, the personal-data access log) reads request.user; with a
        # token the session middleware left it anonymous.
        request.user = found.user
        return found.user


class SessionUserAuth(SessionAuth):
    """The browser's session (the htmx pages call the API too); ninja checks CSRF on unsafe methods."""

    def __call__(self, request):
        # Without a logged-in session there is nothing for CSRF to protect: answer 401, not 403.
        if not self._logged_in(request):
            return None
        return super().__call__(request)

    def authenticate(self, request, key):
        return request.user if self._logged_in(request) else None

    @staticmethod
    def _logged_in(request):
        user = getattr(request, "user", None)
        return bool(user is not None and user.is_authenticated and user.is_active)


# Token first: a request carrying a valid token needs no CSRF token, whatever cookies it has.
AUTH = [TokenAuth(), SessionUserAuth(csrf=True)]
