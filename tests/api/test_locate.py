"""GET /api/locate: the grid (and building) whose polygon contains a point, through geo.locate();
null outside every grid; unknown districts and districts without a post of the caller are 404."""
import pytest

from gridgov.hierarchy import services
from gridgov.hierarchy.models import Node

from .conftest import is_chinese, nth


def locate(client, district, lon, lat):
    return client.get("/api/locate", {"district": district, "lon": lon, "lat": lat})


@pytest.mark.parametrize("code, n", [("140105", 0), ("140105", 700), ("150105", 100), ("530111", 50)])
def test_locate_returns_the_grid_containing_its_centroid(client_as, code, n):
    cell = Node.objects.get(district__code=code, depth=1).district.cell_kind
    grid = nth(cell, code, n)
    body = locate(client_as("district_admin", code), code, grid.centroid_lon, grid.centroid_lat).json()
    assert body["district"] == code
    assert body["grid"] == {"id": grid.pk, "code": grid.code, "name": grid.name, "kind": cell}
    assert "message" not in body


def test_locate_returns_the_building_too(client_as):
    building = nth("building", "140105")
    body = locate(client_as("district_admin"), "140105", building.centroid_lon, building.centroid_lat).json()
    assert body["building"]["id"] == building.pk
    assert body["grid"]["id"] == Node.objects.get(path=building.path[: -services.STEPLEN]).pk


def test_community_secretary_locates_in_own_community(client_as, own_community, grid_in):
    grid = grid_in(own_community)
    body = locate(client_as("community_secretary"), "140105", grid.centroid_lon, grid.centroid_lat).json()
    assert body["grid"]["id"] == grid.pk
    assert services.subtree(own_community).filter(pk=body["grid"]["id"]).exists()


def test_point_outside_every_grid_gives_null_and_a_chinese_message(client_as):
    response = locate(client_as("district_admin"), "140105", 0.0, 0.0)
    assert response.status_code == 200
    body = response.json()
    assert body["grid"] is None and body["building"] is None
    assert is_chinese(body["message"])


def test_unknown_district_is_404(client_as):
    response = locate(client_as("district_admin"), "999999", 112.5, 37.8)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("lon, lat, field", [(181, 37.8, "lon"), (-180.5, 37.8, "lon"), (112.5, 91, "lat"), (112.5, -90.01, "lat"), ("nan", 37.8, "lon"), ("east", 37.8, "lon")])
def test_coordinates_out_of_range_are_422_with_a_chinese_message(client_as, lon, lat, field):
    response = locate(client_as("district_admin"), "140105", lon, lat)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert is_chinese(body["message"]) and field in body["message"]
    assert body["detail"][0]["loc"] == ["query", field]


def test_missing_coordinates_are_422(client_as):
    response = client_as("district_admin").get("/api/locate", {"district": "140105"})
    assert response.status_code == 422
    assert {tuple(d["loc"]) for d in response.json()["detail"]} == {("query", "lon"), ("query", "lat")}
