"""Accounts hardening as a user meets it: the login locks after repeated failures (per username and
address) with a message on the login page, strong passwords, an 8-hour session, security headers
and a Content-Security-Policy that the templates actually satisfy."""
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

import gridgov
from gridgov.audit.security import ALLOWED_INLINE_HANDLERS

from ..conftest import DEMO_PASSWORD

LOGIN = "/login/"
USER = "grid_worker.140105"


def attempt(client, password, username=USER, ip="10.1.2.3"):
    return client.post(LOGIN, {"username": username, "password": password, "next": "/"}, REMOTE_ADDR=ip)


@pytest.mark.django_db
def test_wrong_password_shows_the_form_again(client):
    response = attempt(client, "not-the-password")
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not response.context.get("locked_out")


@pytest.mark.django_db
def test_login_locks_after_the_failure_limit(client):
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        assert attempt(client, "wrong-password").status_code == 200
    locked = attempt(client, "wrong-password")
    assert locked.status_code == 429
    assert locked.context["locked_out"] is True
    body = locked.content.decode()
    assert 'role="alert"' in body and 'name="password"' in body  # the login page, not a bare error
    assert "Traceback" not in body
    # Even the right password is refused while locked.
    again = attempt(client, DEMO_PASSWORD)
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_lock_is_per_username_and_address(client):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "wrong-password")
    assert attempt(client, DEMO_PASSWORD).status_code == 429
    # Same office address, another colleague: not locked out.
    other = attempt(client, DEMO_PASSWORD, username="grid_chief.140105")
    assert other.status_code == 302
    client.logout()
    # Same username from another address: not locked out either.
    assert attempt(client, DEMO_PASSWORD, ip="10.9.9.9").status_code == 302


@pytest.mark.django_db
def test_success_resets_the_failure_count(client):
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        attempt(client, "wrong-password")
    assert attempt(client, DEMO_PASSWORD).status_code == 302
    client.logout()
    for _ in range(limit - 1):
        assert attempt(client, "wrong-password").status_code == 200


@pytest.mark.django_db
def test_force_login_is_not_throttled(client, demo_user):
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        attempt(client, "wrong-password")
    client.force_login(demo_user("grid_worker", "140105"))
    response = client.get(reverse("web:home"), follow=True)
    assert response.status_code == 200
    assert not any(url.startswith(LOGIN) for url, _status in response.redirect_chain)


@pytest.mark.parametrize("password", ["short1!", "Xq7#mPz2w", "1234567890123", "password1234", "grid_worker.140105x"])
def test_weak_passwords_are_refused(password, django_user_model):
    user = django_user_model(username="grid_worker.140105")
    with pytest.raises(ValidationError):
        validate_password(password, user)


def test_strong_password_is_accepted(django_user_model):
    validate_password("Lantern-river-42-cedar", django_user_model(username="someone"))


def test_four_validators_with_minimum_ten():
    names = [v["NAME"].rsplit(".", 1)[-1] for v in settings.AUTH_PASSWORD_VALIDATORS]
    assert names == ["UserAttributeSimilarityValidator", "MinimumLengthValidator", "CommonPasswordValidator", "NumericPasswordValidator"]
    assert settings.AUTH_PASSWORD_VALIDATORS[1]["OPTIONS"]["min_length"] == 10


@pytest.mark.django_db
def test_session_lasts_eight_hours(client):
    assert attempt(client, DEMO_PASSWORD).status_code == 302
    assert client.session.get_expiry_age() == 8 * 3600
    assert settings.SESSION_COOKIE_HTTPONLY
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert int(cookie["max-age"]) == 8 * 3600


@pytest.mark.django_db
def test_security_headers(client_as):
    client = client_as("district_admin", "150105")
    for url in (LOGIN, reverse("web:home")):
        response = client.get(url)
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"
        csp = response["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
        assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";", 1)[0]


@pytest.mark.django_db
def test_csp_nonce_is_fresh_per_request(client):
    first = client.get(LOGIN)["Content-Security-Policy"]
    second = client.get(LOGIN)["Content-Security-Policy"]
    nonce = re.compile(r"'nonce-([^']+)'")
    assert nonce.search(first).group(1) != nonce.search(second).group(1)


TEMPLATES = Path(gridgov.__file__).parent
SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.I | re.S)
HANDLER = re.compile(r"""\son[a-z]+\s*=\s*(["'])(.*?)\1""", re.I | re.S)


def test_templates_satisfy_the_csp():
    """Inline <script> needs nonce="{{ request.csp_nonce }}" (else the browser drops it under the
    policy); inline event handlers must be among the hashed ones. JSON data blocks are fine."""
    problems = []
    for path in sorted(TEMPLATES.glob("**/templates/**/*.html")):
        text = path.read_text(encoding="utf-8")
        name = str(path.relative_to(TEMPLATES))
        for m in SCRIPT.finditer(text):
            attrs, body = m.group(1), m.group(2)
            if "src=" in attrs or "application/json" in attrs or not body.strip():
                continue
            if "request.csp_nonce" not in attrs:
                problems.append(f"{name}:{text.count(chr(10), 0, m.start()) + 1} inline <script> without nonce")
        for m in HANDLER.finditer(text):
            if m.group(2) not in ALLOWED_INLINE_HANDLERS:
                problems.append(f"{name}:{text.count(chr(10), 0, m.start()) + 1} inline handler {m.group(2)!r}")
    assert not problems, "; ".join(problems)
