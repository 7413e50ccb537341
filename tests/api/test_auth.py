"""Who may call the API: a session or a bearer token (ApiToken); anyone else gets a JSON 401
with a Chinese message. Tokens come from `gridgov api-token`."""
import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from gridgov.api.models import ApiToken, hash_token

from .conftest import is_chinese


@pytest.mark.parametrize("path", ["/api/nodes", "/api/nodes/1", "/api/nodes/1/children", "/api/nodes/tree", "/api/locate?district=140105&lon=112.5&lat=37.8"])
def test_anonymous_caller_gets_401_json_with_a_chinese_message(client, db, path):
    response = client.get(path)
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == "unauthenticated"
    assert is_chinese(body["message"])
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_anonymous_caller_is_not_redirected_to_the_login_page(client, db):
    assert client.get("/api/nodes/tree").status_code == 401


def test_session_login_works(client_as, own_community):
    response = client_as("community_secretary").get(f"/api/nodes/{own_community.pk}")
    assert response.status_code == 200
    assert response.json()["code"] == own_community.code


def test_bearer_token_authenticates_as_its_user(client, demo_user, own_community, other_community):
    _, key = ApiToken.issue(demo_user("community_secretary"))
    headers = {"Authorization": f"Bearer {key}"}
    assert client.get(f"/api/nodes/{own_community.pk}", headers=headers).status_code == 200
    # ...and is scoped like that user.
    assert client.get(f"/api/nodes/{other_community.pk}", headers=headers).status_code == 404


@pytest.mark.parametrize("header", ["Bearer wrong-key", "Bearer ", "bearer nope"])
def test_wrong_bearer_token_gets_401(client, db, header):
    response = client.get("/api/nodes/tree", headers={"Authorization": header})
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "unauthenticated"
    assert is_chinese(body["message"])


def test_wrong_bearer_token_is_refused_even_with_a_session(client_as):
    client = client_as("district_admin")
    response = client.get("/api/nodes/tree", headers={"Authorization": "Bearer wrong-key"})
    assert response.status_code == 401


def test_token_of_an_inactive_user_gets_401(client, demo_user):
    user = demo_user("grid_worker")
    _, key = ApiToken.issue(user)
    user.is_active = False
    user.save()
    assert client.get("/api/nodes/tree", headers={"Authorization": f"Bearer {key}"}).status_code == 401


def test_only_the_hash_of_a_token_is_stored(demo_user):
    token, key = ApiToken.issue(demo_user("grid_worker"))
    token.refresh_from_db()
    assert token.key_hash == hash_token(key) and key not in (token.key_hash, token.prefix)


def test_last_used_is_written_at_most_once_a_minute(client, demo_user):
    token, key = ApiToken.issue(demo_user("grid_worker"))
    headers = {"Authorization": f"Bearer {key}"}
    client.get("/api/nodes/tree", headers=headers)
    token.refresh_from_db()
    first = token.last_used
    assert first is not None
    client.get("/api/nodes/tree", headers=headers)
    token.refresh_from_db()
    assert token.last_used == first
    stale = timezone.now() - datetime.timedelta(minutes=2)
    ApiToken.objects.filter(pk=token.pk).update(last_used=stale)
    client.get("/api/nodes/tree", headers=headers)
    token.refresh_from_db()
    assert token.last_used > stale + datetime.timedelta(minutes=1)


def test_api_token_command_prints_a_key_that_works(client, demo_user, own_community):
    out, err = io.StringIO(), io.StringIO()
    call_command("api-token", "community_secretary.140105", "--name", "手机端", stdout=out, stderr=err)
    key = out.getvalue().strip()
    token = ApiToken.objects.get(key_hash=hash_token(key))
    assert token.user == demo_user("community_secretary") and token.name == "手机端"
    assert client.get(f"/api/nodes/{own_community.pk}", headers={"Authorization": f"Bearer {key}"}).status_code == 200


def test_api_token_command_refuses_an_unknown_user(db):
    with pytest.raises(CommandError):
        call_command("api-token", "nobody.000000", stdout=io.StringIO(), stderr=io.StringIO())
