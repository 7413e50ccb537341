"""The OpenAPI schema lists the endpoints and both auth schemes; the docs page at /api/docs
works offline: its scripts and styles come from /api/docs/assets/, not from a CDN."""
import re


def test_openapi_json_lists_the_endpoints(client, db):
    schema = client.get("/api/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    for path in ["/api/nodes", "/api/nodes/{node_id}", "/api/nodes/{node_id}/children", "/api/nodes/tree", "/api/locate"]:
        assert "get" in paths[path], path
    schemes = schema["components"]["securitySchemes"]
    assert {"http", "apiKey"} <= {s["type"] for s in schemes.values()}
    limit = next(p for p in paths["/api/nodes"]["get"]["parameters"] if p["name"] == "limit")
    assert limit["schema"]["maximum"] == 200


def test_docs_page_loads_no_external_assets(client, db):
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    for url in re.findall(r"""(?:src|href)="(/api/docs/assets/[^"]+)\"""", html):
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert not b"cdn.jsdelivr" in b"".join(asset.streaming_content)


def test_docs_assets_serve_only_the_known_files(client, db):
    assert client.get("/api/docs/assets/swagger-ui-bundle.js").status_code == 200
    assert client.get("/api/docs/assets/..%2F..%2F__init__.py").status_code == 404
    assert client.get("/api/docs/assets/redoc.standalone.js").status_code == 404
