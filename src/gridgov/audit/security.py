"""Account and browser hardening that settings alone cannot express: the Content-Security-Policy
header, the login page shown on a lock-out (django-axes) and the client address behind proxies."""
import base64
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import render

from axes.helpers import get_cool_off

# Inline event handlers the templates still carry, allowed one by one by their hash ('unsafe-hashes');
# any other inline handler is refused by the browser. base.html: the language switcher.
ALLOWED_INLINE_HANDLERS = ["this.form.submit()"]


def _sha256(source):
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


_HANDLER_HASHES = " ".join(_sha256(h) for h in ALLOWED_INLINE_HANDLERS)


def policy(nonce):
    """The policy: only our own origin. Inline <script> needs the request's nonce
    (`nonce="{{ request.csp_nonce }}"`); inline styles stay allowed because colours of grades and
    map legends come from data (style attributes), and styles cannot run code."""
    return "; ".join([
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce}' 'unsafe-hashes' {_HANDLER_HASHES}",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


class ContentSecurityPolicyMiddleware:
    """Sets Content-Security-Policy (or -Report-Only with GRIDGOV_CSP_REPORT_ONLY=1) on every
    response that does not set its own, with a fresh nonce per request in request.csp_nonce."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = "Content-Security-Policy-Report-Only" if getattr(settings, "GRIDGOV_CSP_REPORT_ONLY", False) else "Content-Security-Policy"

    def __call__(self, request):
        request.csp_nonce = secrets.token_urlsafe(16)
        response = self.get_response(request)
        if "Content-Security-Policy" not in response and "Content-Security-Policy-Report-Only" not in response:
            response[self.header] = policy(request.csp_nonce)
        return response


def lockout_response(request, original_response=None, credentials=None):
    """The login page again, with a Chinese message instead of axes' bare 429 text (status 429)."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    cool_off = get_cool_off(request)
    minutes = max(1, int(cool_off.total_seconds() // 60)) if cool_off else None
    form = AuthenticationForm(request, initial={"username": username})
    context = {
        "form": form, "locked_out": True, "lockout_minutes": minutes,
        "next": request.POST.get("next") or request.GET.get("next", ""),
    }
    return render(request, "web/login.html", context, status=429)


def client_ip(request):
    """REMOTE_ADDR, or behind GRIDGOV_PROXY_COUNT trusted proxies the address the first of them saw."""
    count = getattr(settings, "GRIDGOV_PROXY_COUNT", 0)
    if count:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR")
