"""Anonymous users see only the login page: every other page redirects to it.
The API and Open311 answer 401 in JSON themselves; static files are public."""
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse

PUBLIC_PREFIXES = ("/static/", "/api/", "/open311/", "/healthz", "/readyz", "/i18n/")


class LoginRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.user.is_authenticated:
            path = request.path_info
            login = reverse(settings.LOGIN_URL)
            if path != login and not path.startswith(PUBLIC_PREFIXES):
                return redirect_to_login(request.get_full_path(), login)
        return self.get_response(request)
