"""Case endpoints: idempotent intake located to the grid, scoped lists and detail, transitions with
the right answer for a refused role (403), a wrong state (422) and another district (403)."""
import pytest

from gridgov.api.models import ApiToken
from gridgov.cases.models import Case

from .conftest import is_chinese


@pytest.fixture
def token(demo_user):
    def issue(role, code="140105"):
        _, raw = ApiToken.issue(demo_user(role, code))
        return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    return issue


def report(client, headers, grid, **extra):
    body = {"district": "140105", "category": "E0102", "lon": grid.centroid_lon, "lat": grid.centroid_lat,
            "description": "楼下垃圾堆积三天无人清运", **extra}
    return client.post("/api/cases", body, content_type="application/json", **headers)


def test_intake_locates_the_case_and_a_resent_request_makes_no_second_case(client, token, own_community, grid_in):
    grid = grid_in(own_community)
    headers = {**token("grid_worker"), "HTTP_IDEMPOTENCY_KEY": "phone-42-0001"}
    first = report(client, headers, grid)
    assert first.status_code == 201
    data = first.json()
    assert data["grid_id"] == grid.pk and data["state"] == "reported" and data["created"] is True
    again = report(client, headers, grid)
    assert again.status_code == 200 and again.json()["number"] == data["number"] and again.json()["created"] is False
    assert Case.objects.filter(number=data["number"]).count() == 1


def test_a_point_outside_the_district_is_refused_in_chinese(client, token):
    response = client.post("/api/cases", {"district": "140105", "category": "E0102", "lon": 100.0, "lat": 30.0, "description": "x"},
                           content_type="application/json", **token("grid_worker"))
    assert response.status_code == 422 and is_chinese(response.json()["message"])


def test_reporting_in_another_district_is_forbidden(client, token, own_community, grid_in):
    response = report(client, token("grid_worker", "150105"), grid_in(own_community))
    assert response.status_code == 403


def test_lists_and_detail_are_scoped_to_the_users_area(client, token, own_community, other_community, grid_in):
    mine = report(client, token("grid_worker"), grid_in(own_community)).json()["number"]
    theirs = report(client, token("district_admin"), grid_in(other_community)).json()["number"]
    headers = token("community_secretary")
    numbers = {c["number"] for c in client.get("/api/cases?limit=200&state=reported", **headers).json()["items"]}
    assert mine in numbers and theirs not in numbers
    assert client.get(f"/api/cases/{theirs}", **headers).status_code == 404
    assert client.get(f"/api/cases/{mine}", **headers).json()["actions"][:2] == ["register", "void"]


def test_actions_answer_403_for_the_wrong_role_and_422_for_the_wrong_state(client, token, own_community, grid_in):
    number = report(client, token("grid_worker"), grid_in(own_community)).json()["number"]
    url = f"/api/cases/{number}/actions"
    assert client.post(url, {"action": "register"}, content_type="application/json", **token("grid_worker")).status_code == 403
    ok = client.post(url, {"action": "register", "comment": "属实"}, content_type="application/json", **token("community_secretary"))
    assert ok.status_code == 200 and ok.json()["state"] == "registered"
    again = client.post(url, {"action": "register"}, content_type="application/json", **token("community_secretary"))
    assert again.status_code == 422 and again.json()["code"] == "invalid"
    assert is_chinese(again.json()["message"])


def test_grid_worker_patrols_through_the_api(client, token, own_community, grid_in):
    grid = grid_in(own_community)
    headers = token("grid_worker")
    started = client.post("/api/patrols", {"lon": grid.centroid_lon, "lat": grid.centroid_lat}, content_type="application/json", **headers)
    assert started.status_code == 201 and started.json()["grid_id"] == grid.pk
    pid = started.json()["id"]
    track = client.post(f"/api/patrols/{pid}/track", {"points": [[grid.centroid_lon, grid.centroid_lat, 1800000000]]},
                        content_type="application/json", **headers)
    assert track.json()["track_points"] == 2
    done = client.post(f"/api/patrols/{pid}/finish", {"visits": 5, "notes": "走访独居老人"}, content_type="application/json", **headers)
    assert done.json()["visits"] == 5 and done.json()["ended_at"]
    # Another person's patrol cannot be touched, and a second finish is refused.
    assert client.post(f"/api/patrols/{pid}/finish", {"visits": 1}, content_type="application/json", **token("grid_chief")).status_code == 404
    assert client.post(f"/api/patrols/{pid}/finish", {"visits": 1}, content_type="application/json", **headers).status_code == 422
    listed = client.get("/api/patrols?limit=5", **token("community_secretary")).json()["items"]
    assert pid in [p["id"] for p in listed]
    assert pid not in [p["id"] for p in client.get("/api/patrols?limit=200", **token("district_admin", "150105")).json()["items"]]


def test_patrol_outside_ones_grid_is_refused(client, token, other_community, grid_in):
    grid = grid_in(other_community)
    response = client.post("/api/patrols", {"lon": grid.centroid_lon, "lat": grid.centroid_lat}, content_type="application/json", **token("grid_worker"))
    assert response.status_code == 422
