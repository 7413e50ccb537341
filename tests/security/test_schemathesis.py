"""Schemathesis over the whole OpenAPI spec, in process through Django's WSGI handler, signed in
with API tokens of several demo logins: no answer is a 5xx, and every answer matches the spec
(status code declared, content type, body schema). A short pass; bench/fuzz.py runs the long one."""
import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from gridgov.api.api import api
from gridgov.api.models import ApiToken

CODE = "140105"
# A login with everything in its district, one with a community, one with nothing but a home:
# the same operation answers each of them differently (full page, scoped page, refusal).
ROLES = ["district_admin", "community_secretary", "resident"]
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
APP = get_wsgi_application()

schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
schema.app = APP
# Short: every operation with a few examples per login; bench/fuzz.py asks thousands.
SHORT = settings(max_examples=3, deadline=None, derandomize=True, database=None, phases=[Phase.explicit, Phase.generate],
                 suppress_health_check=list(HealthCheck))


@pytest.fixture
def in_process(db):
    """Django closes "old" connections when a request starts and finishes; inside the test's
    transaction that would close the connection under the test. The test client does the same."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(in_process, django_user_model):
    """role -> a bearer key of that demo login (created in the test's transaction)."""
    keys = {}
    for role in ROLES:
        user = django_user_model.objects.get(username=f"{role}.{CODE}")
        keys[role] = ApiToken.issue(user, name="schemathesis")[1]
    return keys


@pytest.mark.fuzz
@schema.parametrize()
@SHORT
def test_api_conforms(case, tokens):
    for role in ROLES:
        case.call_and_validate(headers={"Authorization": f"Bearer {tokens[role]}"}, checks=CHECKS)
