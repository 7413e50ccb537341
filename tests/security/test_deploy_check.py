"""`gridgov check --deploy` is clean with production settings (DEBUG off, a real SECRET_KEY, named
hosts, GRIDGOV_HTTPS=1), and without GRIDGOV_HTTPS it warns, so the switch is what secures it."""
import os
import secrets
import subprocess
import sys


def deploy_check(tmp_path, **env):
    base = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "GRIDGOV_HTTPS"}}
    base.update(DJANGO_SETTINGS_MODULE="gridgov.settings", GRIDGOV_VAR=str(tmp_path), **env)
    return subprocess.run([sys.executable, "-m", "gridgov", "check", "--deploy", "--fail-level", "WARNING"],
                          env=base, capture_output=True, text=True, timeout=300)


def test_deploy_check_is_clean_with_production_settings(tmp_path):
    result = deploy_check(tmp_path, DEBUG="0", SECRET_KEY=secrets.token_urlsafe(60), ALLOWED_HOSTS="gridgov.example.org",
                          GRIDGOV_HTTPS="1")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "no issues" in output


def test_deploy_check_warns_without_https(tmp_path):
    result = deploy_check(tmp_path, DEBUG="0", SECRET_KEY=secrets.token_urlsafe(60), ALLOWED_HOSTS="gridgov.example.org")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    for check in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert check in output
