"""Every error is JSON {"code", "message", ...} with a Chinese message by default (English on
request), never an HTML page or a traceback."""
import logging

import pytest

from gridgov.api import hierarchy as api_hierarchy

from .conftest import is_chinese


def test_validation_error_is_422_json_with_field_locations(client_as):
    response = client_as("district_admin").get("/api/nodes", {"limit": 1000, "kind": "castle"})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert is_chinese(body["message"])
    assert {tuple(d["loc"]) for d in body["detail"]} == {("query", "limit"), ("query", "kind")}
    assert all(is_chinese(d["msg"]) for d in body["detail"])


def test_non_numeric_node_id_is_422(client_as):
    body = client_as("district_admin").get("/api/nodes/abc").json()
    assert body["code"] == "validation_error" and body["detail"][0]["loc"] == ["path", "node_id"]


def test_tree_depth_above_three_is_422(client_as):
    assert client_as("district_admin").get("/api/nodes/tree", {"depth": 4}).status_code == 422


def test_not_found_is_json_with_a_chinese_message(client_as):
    response = client_as("district_admin").get("/api/nodes/999999999")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert is_chinese(response.json()["message"])


@pytest.mark.parametrize("path", ["/api/no-such-thing", "/api/nodes/1/parents", "/api/", "/api/nodes/1/"])
def test_unknown_api_path_is_a_json_404(client_as, path):
    response = client_as("district_admin").get(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "not_found"


def test_wrong_method_is_a_json_405(client_as):
    response = client_as("district_admin").delete("/api/nodes/tree")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert "GET" in response["Allow"]


def test_english_on_request(client_as):
    body = client_as("district_admin").get("/api/nodes/999999999", headers={"Accept-Language": "en"}).json()
    assert body["message"] == "Not found, or outside your area."


@pytest.mark.parametrize("debug", [False, True])
def test_unexpected_exception_is_a_500_json_without_traceback(client_as, own_community, monkeypatch, settings, caplog, debug):
    settings.DEBUG = debug

    def broken(node):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(api_hierarchy.services, "children_with_counts", broken)
    with caplog.at_level(logging.ERROR, logger="gridgov.api"):
        response = client_as("community_secretary").get(f"/api/nodes/{own_community.pk}/children")
    assert response.status_code == 500
    body = response.json()
    assert body["code"] == "server_error" and is_chinese(body["message"])
    text = response.content.decode()
    assert "Traceback" not in text and "secret internals" not in text and "RuntimeError" not in text
    # The operators get the whole story in the log.
    assert any(r.exc_info and "secret internals" in str(r.exc_info[1]) for r in caplog.records)


def test_nul_in_the_search_text_is_422_not_a_database_error(client_as):
    # PostgreSQL refuses NUL bytes in a query; the API turns them away first.
    response = client_as("district_admin").get("/api/nodes", {"q": "社区\x00"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "q"]


def test_unsafe_method_with_csrf_enforced_still_gets_json(demo_user, db):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(demo_user("district_admin"))
    for path, status in [("/api/nodes/tree", 405), ("/api/no-such-thing", 404)]:
        response = client.post(path, {})
        assert response.status_code == status
        assert response.json()["code"] in ("method_not_allowed", "not_found")
