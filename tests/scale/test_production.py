"""The production path's plumbing: the access log (JSON lines with a request id), Redis as the cache when
REDIS_URL is set, and /readyz naming the part that fails."""
import json
import logging
import os
import subprocess
import sys

import pytest
from django.core.cache import caches
from django.test import override_settings

from gridgov.web import logging as gridlog

pytestmark = pytest.mark.django_db
REDIS = "redis://127.0.0.1:6379/15"


def access_records(caplog):
    return [r for r in caplog.records if r.name == "gridgov.request"]


def test_every_request_is_logged_with_an_id_that_the_answer_carries(client_as, caplog):
    client = client_as("district_admin", "140105")
    with caplog.at_level(logging.INFO, logger="gridgov.request"):
        response = client.get("/cases/")
    assert response.status_code == 200
    [record] = access_records(caplog)
    assert record.request_id == response["X-Request-ID"] and len(record.request_id) == 32
    assert (record.method, record.path, record.status) == ("GET", "/cases/", 200)
    assert record.user_id == response.wsgi_request.user.pk
    assert record.duration_ms >= 0


def test_a_proxy_request_id_is_kept_and_a_strange_one_replaced(client, caplog):
    with caplog.at_level(logging.INFO, logger="gridgov.request"):
        kept = client.get("/healthz", HTTP_X_REQUEST_ID="nginx-0af3c1")
        replaced = client.get("/healthz", HTTP_X_REQUEST_ID="a b\nc")
    assert kept["X-Request-ID"] == "nginx-0af3c1"
    assert replaced["X-Request-ID"] != "a b\nc" and len(replaced["X-Request-ID"]) == 32
    first, second = access_records(caplog)
    assert first.user_id is None and first.status == 200


def test_api_token_requests_log_the_token_user(client, demo_user, caplog):
    from gridgov.api.models import ApiToken

    user = demo_user("district_admin", "140105")
    _, key = ApiToken.issue(user)
    with caplog.at_level(logging.INFO, logger="gridgov.request"):
        response = client.get("/api/cases?limit=1", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200
    assert access_records(caplog)[-1].user_id == user.pk


def test_json_lines_carry_the_fields_and_keep_chinese_readable():
    record = logging.LogRecord("gridgov.request", logging.INFO, __file__, 1, "%s %s", ("GET", "/案件/"), None)
    record.status, record.request_id = 200, "abc"
    line = gridlog.JsonFormatter().format(record)
    data = json.loads(line)
    assert data["msg"] == "GET /案件/" and "案件" in line
    assert data["status"] == 200 and data["request_id"] == "abc" and data["logger"] == "gridgov.request"


def test_other_records_get_the_id_of_the_request_being_served():
    token = gridlog.request_id.set("r-1")
    try:
        record = logging.LogRecord("gridgov.cases", logging.WARNING, __file__, 1, "late", (), None)
        gridlog.RequestIdFilter().filter(record)
    finally:
        gridlog.request_id.reset(token)
    assert record.request_id == "r-1"


def _settings_with(env):
    code = ("import json, django; django.setup(); from django.conf import settings; "
            "print(json.dumps({'cache': settings.CACHES['default']['BACKEND'], "
            "'formatter': settings.LOGGING['handlers']['console']['formatter'], "
            "'access': settings.LOGGING['loggers']['gridgov.request']['level']}))")
    base = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "GRIDGOV_LOG_FORMAT")}
    out = subprocess.run([sys.executable, "-c", code], env={**base, "DJANGO_SETTINGS_MODULE": "gridgov.settings", **env},
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def test_redis_is_the_cache_and_json_the_log_format_only_when_configured():
    assert _settings_with({}) == {"cache": "django.core.cache.backends.locmem.LocMemCache", "formatter": "text", "access": "WARNING"}
    assert _settings_with({"REDIS_URL": REDIS, "GRIDGOV_LOG_FORMAT": "json"}) == {
        "cache": "django.core.cache.backends.redis.RedisCache", "formatter": "json", "access": "INFO"}


def _redis_up():
    try:
        import redis

        return redis.Redis.from_url(REDIS, socket_connect_timeout=0.5).ping()
    except Exception:
        return False


REDIS_CACHE = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS,
                           "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}}
DEAD_CACHE = {"default": {**REDIS_CACHE["default"], "LOCATION": "redis://127.0.0.1:1/0"}}


@pytest.mark.skipif(not _redis_up(), reason="needs Redis on 127.0.0.1:6379 (.ci/run starts it)")
def test_the_redis_cache_is_shared_through_the_server():
    with override_settings(CACHES=REDIS_CACHE):
        caches["default"].set("scale-test", {"n": 1}, 5)
        import redis

        assert redis.Redis.from_url(REDIS).keys("*scale-test*")
        assert caches["default"].get("scale-test") == {"n": 1}
        caches["default"].delete("scale-test")


def _readyz_checks_redis():
    from gridgov.web import views

    return hasattr(views, "_redis")


@pytest.mark.skipif(not _readyz_checks_redis(), reason="web/views.py readiness patch (helper scale's report) not applied yet")
def test_readyz_names_redis_when_it_does_not_answer(client):
    with override_settings(REDIS_URL="redis://127.0.0.1:1/0", CACHES=DEAD_CACHE):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"ok": False, "database": True, "redis": False}
    assert client.get("/readyz").json() == {"ok": True, "database": True}  # without REDIS_URL Redis is not asked


@pytest.mark.skipif(not _redis_up() or not _readyz_checks_redis(), reason="needs Redis and the readiness patch")
def test_readyz_is_ready_with_a_live_redis(client):
    with override_settings(REDIS_URL=REDIS, CACHES=REDIS_CACHE):
        response = client.get("/readyz")
    assert response.status_code == 200 and response.json() == {"ok": True, "database": True, "redis": True}
