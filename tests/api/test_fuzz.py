"""Whatever the query string, the API answers JSON with a known code and never a 500
(a property test over the endpoints' parameters, in the spirit of schemathesis)."""
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

CODES = {"validation_error", "not_found"}
anything = st.text(max_size=30) | st.integers(-10**6, 10**6).map(str) | st.floats(allow_nan=True).map(str)
fuzz = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def admin(client_as):
    return client_as("district_admin", "140105")


def check(response):
    assert response.status_code in (200, 404, 422), response.content[:300]
    body = response.json()
    if response.status_code != 200:
        assert body["code"] in CODES and body["message"]


@fuzz
@given(q=anything, kind=anything, district=anything, limit=anything, offset=anything)
def test_search_never_fails(admin, q, kind, district, limit, offset):
    check(admin.get("/api/nodes", {"q": q, "kind": kind, "district": district, "limit": limit, "offset": offset}))


@fuzz
@given(q=st.text(max_size=30))
def test_search_by_any_text_never_fails(admin, q):
    response = admin.get("/api/nodes", {"q": q})
    check(response)


@fuzz
@given(district=anything | st.sampled_from(["140105", "150105"]), lon=anything, lat=anything)
def test_locate_never_fails(admin, district, lon, lat):
    check(admin.get("/api/locate", {"district": district, "lon": lon, "lat": lat}))


@fuzz
@given(node_id=anything, root=anything, depth=anything, geometry=anything)
def test_nodes_never_fail(admin, node_id, root, depth, geometry):
    from urllib.parse import quote

    path = quote(node_id, safe="")
    check(admin.get(f"/api/nodes/{path}", {"geometry": geometry}))
    check(admin.get(f"/api/nodes/{path}/children"))
    check(admin.get("/api/nodes/tree", {"root": root, "depth": depth}))
