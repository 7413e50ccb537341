"""End to end in Debian chromium (zh-CN): the party-building map and the big screen as the district
admin of 小店区 and as a community secretary; the layers load, switch and link to their pages, the
screen refreshes its figures without reloading; the dashboards of every level (drilling down district →
subdistrict → community → grid), a community secretary's covering their community only; and no request
leaves 127.0.0.1. The demo server is the session's (tests/web/conftest.py)."""
import re

import pytest


pytestmark = pytest.mark.browser


def fetch_json(page, url):
    return page.evaluate("u => fetch(u, {credentials: 'same-origin'}).then(r => r.json())", url)


def open_map(browser):
    page = browser.page
    page.goto(browser.base_url + "/dashboard/map/")
    page.wait_for_selector("#party-map.ready", timeout=30000)
    return page


def test_district_admin_map_and_screen(browser):
    browser.login("district_admin.140105")
    page = open_map(browser)
    grids = fetch_json(page, "/dashboard/map/layers/grid.geojson?zoom=12")
    assert len(grids["features"]) >= 1000  # 小店区's 1,240 grids, all of them
    assert int(page.get_attribute("#party-map", "data-features-grid")) == len(grids["features"])
    assert int(page.get_attribute("#party-map", "data-features-subdistrict")) >= 5
    assert page.locator("#party-map .leaflet-tile").count() == 0  # no basemap configured: no tiles
    assert page.locator("#party-map .leaflet-control-layers").count() == 1
    assert "2026-" in page.locator(".map-legend").inner_text()  # the grade legend names its month
    browser.screenshot("dashboard-map-district-admin")

    # Switching a layer on fetches it.
    party = page.locator(".leaflet-control-layers-overlays label", has_text="党组织")
    if party.count() == 0:  # before the catalogue is compiled the label is English
        party = page.locator(".leaflet-control-layers-overlays label", has_text="Party organisations")
    party.locator("input").check()
    page.wait_for_selector("#party-map[data-features-party-orgs]", timeout=15000)
    assert int(page.get_attribute("#party-map", "data-features-party-orgs")) > 0

    page.select_option("#colour-by", "open")
    page.wait_for_selector("#party-map[data-mode=open]")
    # A click in the middle of the district opens a popup that links to a page.
    box = page.locator("#party-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.45, box["y"] + box["height"] * 0.55)
    page.wait_for_selector(".leaflet-popup-content a", timeout=5000)
    href = page.get_attribute(".leaflet-popup-content a", "href")
    assert href.startswith(("/hierarchy/nodes/", "/cases/", "/orgs/"))
    browser.screenshot("dashboard-map-district-admin-open-cases")

    # Zooming in to another bucket fetches the boundaries again, still all of them.
    page.evaluate("window.gridgovMap.map.setZoom(15)")
    page.wait_for_function("document.getElementById('party-map').dataset.loaded.includes('grid')")
    page.wait_for_timeout(1500)
    assert int(page.get_attribute("#party-map", "data-features-grid")) == len(grids["features"])

    page.goto(browser.base_url + "/dashboard/screen/")
    page.wait_for_selector("#screen.ready", timeout=30000)
    page.wait_for_selector("#screen-map.ready", timeout=30000)
    data = fetch_json(page, "/dashboard/screen/data.json")
    assert page.inner_text("#screen-open") == str(data["open"])
    assert page.inner_text("#screen-overdue") == str(data["overdue_now"])
    assert page.locator("#chart-trend canvas").count() == 1 and page.locator("#chart-grades canvas").count() == 1
    # The refresh fetches the JSON again without reloading the page.
    page.evaluate("window.__kept = 1")
    page.evaluate("window.gridgovScreen.refresh()")
    page.wait_for_selector("#screen[data-refreshes='2']", timeout=15000)
    assert page.evaluate("window.__kept") == 1
    page.wait_for_timeout(800)  # the charts' entry animation
    browser.screenshot("dashboard-screen-district-admin")
    assert browser.foreign_requests() == []


def test_community_secretary_sees_their_community(browser):
    browser.login("community_secretary.140105")
    page = open_map(browser)
    grids = fetch_json(page, "/dashboard/map/layers/grid.geojson?zoom=14")
    community = fetch_json(page, "/dashboard/map/layers/community.geojson?zoom=14")
    assert len(community["features"]) == 1
    assert 0 < len(grids["features"]) < 100  # one community's grids, not the district's 1,240
    assert int(page.get_attribute("#party-map", "data-features-grid")) == len(grids["features"])
    assert int(page.get_attribute("#party-map", "data-features-subdistrict")) == 0
    assert page.locator("#party-map .leaflet-tile").count() == 0
    browser.screenshot("dashboard-map-community-secretary")

    page.goto(browser.base_url + "/dashboard/screen/")
    page.wait_for_selector("#screen.ready", timeout=30000)
    page.wait_for_selector("#screen-map.ready", timeout=30000)
    data = fetch_json(page, "/dashboard/screen/data.json")
    assert data["scope"]["name"] == community["features"][0]["properties"]["name"]
    assert page.inner_text("#screen-open") == str(data["open"])
    page.wait_for_timeout(800)
    browser.screenshot("dashboard-screen-community-secretary")
    assert browser.foreign_requests() == []


def test_a_configured_basemap_is_drawn_under_the_layers(browser, demo_server):
    # 官渡区 gets a tile basemap served by gridgov itself (any local image stands for the tiles).
    import subprocess
    import sys

    script = ("from gridgov.hierarchy.models import District; d = District.objects.get(code='530111'); "
              "d.settings['basemap'] = {'type': 'tiles', 'url': '/static/vendor/leaflet/images/layers.png?{z}/{x}/{y}', "
              "'attribution': '本地底图'}; d.save(update_fields=['settings'])")
    subprocess.run([sys.executable, "-m", "gridgov", "shell", "-c", script], env=demo_server.env, check=True, capture_output=True)
    browser.login("district_admin.530111")
    page = open_map(browser)
    page.wait_for_selector("#party-map img.leaflet-tile", timeout=15000)
    assert page.get_attribute("#party-map", "data-basemap") == "tiles"
    assert page.locator(".leaflet-control-layers-base input[type=radio]").count() == 2  # the basemap, or none
    assert "本地底图" in page.locator(".leaflet-control-attribution").inner_text()
    assert any("/static/vendor/leaflet/images/layers.png?" in u for u in browser.requests)
    browser.screenshot("dashboard-map-basemap")
    assert browser.foreign_requests() == []


# ---------------------------------------------------------------- dashboards per level

def figure(page, key):
    return page.inner_text(f'.figure[data-key="{key}"] .value').strip()


def figure_link(page, key):
    return page.get_attribute(f'.figure[data-key="{key}"] a', "href")


def listed(page, base_url, href):
    """The "共 N 条 / N found" count of the list page a figure links to."""
    page.goto(base_url + href)
    text = page.inner_text("main")
    match = re.search(r"(\d+)\s*(?:found|条|个|项|名|件)", text)
    assert match, text[:300]
    return int(match.group(1))


def open_board(page, url):
    page.goto(url)
    page.wait_for_selector("#chart-cases canvas", timeout=30000)


def test_district_admin_drills_down_every_level(browser):
    browser.login("district_admin.140105")
    page = browser.page
    open_board(page, browser.base_url + "/dashboard/")
    assert "小店区" in page.inner_text("h1")
    district_cases = int(figure(page, "case"))
    assert district_cases > 0
    browser.screenshot("dashboard-district")
    titles = []
    for level in ("subdistrict", "community", "grid"):
        link = page.locator("table.children a").first
        name = link.inner_text()
        link.click()
        page.wait_for_selector("#chart-cases canvas", timeout=30000)
        assert name in page.inner_text("h1")
        titles.append(name)
        assert int(figure(page, "case")) <= district_cases
        browser.screenshot(f"dashboard-{level}")
    # The grid's breadcrumb leads back up.
    assert all(t in page.inner_text("nav.crumbs") for t in titles[:-1])
    assert browser.foreign_requests() == []


def test_community_secretary_figures_cover_their_community_only(browser):
    browser.login("district_admin.140105")
    page = browser.page
    open_board(page, browser.base_url + "/dashboard/")
    district_members = int(figure(page, "party_member"))
    district_cases = int(figure(page, "case"))
    district_url = page.url
    page.click("form[action$='/logout/'] button")
    browser.login("community_secretary.140105")
    open_board(page, browser.base_url + "/dashboard/")
    heading = page.inner_text("h1")
    assert "社区" in heading
    browser.screenshot("dashboard-community-secretary")
    cases, members = int(figure(page, "case")), int(figure(page, "party_member"))
    assert cases < district_cases and members < district_members
    # Every figure equals the (scoped) list behind it.
    links = {key: figure_link(page, key) for key in ("case", "party_member")}
    for key, value in (("case", cases), ("party_member", members)):
        assert listed(page, browser.base_url, links[key]) == value, key
    # The district's dashboard is not theirs.
    response = page.goto(district_url)
    assert response.status == 404
    assert browser.foreign_requests() == []
