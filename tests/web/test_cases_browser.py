"""End to end in Debian chromium: a grid worker reports a case by clicking on the tile-less map of
their grid, lands on the confirmation, opens the case page; every request went to 127.0.0.1."""
import pytest

pytestmark = pytest.mark.browser


def test_grid_worker_reports_a_case_by_clicking_on_the_map(browser):
    browser.login("grid_worker.140105")
    page = browser.page
    page.goto(browser.base_url + "/cases/report/")
    page.wait_for_selector("#report-map.ready", timeout=15000)
    assert int(page.get_attribute("#report-map", "data-features")) >= 1  # the grid outline (and its buildings)
    assert page.locator("#report-map .leaflet-tile").count() == 0

    page.select_option("#category-class", index=1)
    subclasses = page.locator("select[name=category] option").all_inner_texts()
    assert subclasses[1].startswith("E01")  # the class filter left only 市容环境's subclasses
    assert all(text.startswith("E01") for text in subclasses[1:])
    page.select_option("select[name=category]", index=2)
    page.fill("textarea[name=description]", "小区东门垃圾桶满溢，周边有散落垃圾")
    page.fill("input[name=address]", "东门垃圾站旁")

    box = page.locator("#report-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # the demo grids are convex
    page.wait_for_selector("#report-map[data-picked='1']", timeout=5000)
    assert page.input_value("input[name=lon]") and page.input_value("input[name=lat]")
    assert page.locator("#report-map path.leaflet-interactive").count() >= 2  # the outline and the picked point
    browser.screenshot("case-report")

    page.click("#report-submit")
    page.wait_for_selector("#report-done", timeout=15000)
    number = page.get_attribute("#report-done", "data-number")
    assert number.startswith("140105")

    page.click(f"#report-done a[href='/cases/{number}/']")
    page.wait_for_selector("#case-map.ready", timeout=15000)
    assert number in page.locator("h1").inner_text()
    assert page.get_attribute("#case-state", "data-state") == "reported"
    assert "小区东门垃圾桶满溢" in page.content()
    assert page.locator("#timeline li[data-action=report]").count() == 1
    assert page.locator("#actions details[data-action=escalate]").count() == 1  # grid staff may whistle it up
    assert page.locator("#actions details[data-action=register]").count() == 0  # but not register it
    browser.screenshot("case-detail")

    page.goto(browser.base_url + "/cases/map/")
    page.wait_for_selector("#cases-map.ready", timeout=15000)
    assert int(page.get_attribute("#cases-map", "data-features")) >= 1  # the new case is open
    assert browser.foreign_requests() == []


def test_use_my_location_takes_the_browsers_position(browser):
    browser.login("grid_worker.140105")
    page = browser.page
    page.goto(browser.base_url + "/cases/report/")
    page.wait_for_selector("#report-map.ready", timeout=15000)
    area = page.evaluate("src => fetch(src, {credentials: 'same-origin'}).then(r => r.json())", page.get_attribute("#report-map", "data-src"))
    grid = next(f for f in area["features"] if f["properties"]["role"] == "self")
    geometry = grid["geometry"]
    ring = geometry["coordinates"][0] if geometry["type"] == "Polygon" else geometry["coordinates"][0][0]
    # The mean of a convex ring's corners lies inside it (the demo's grids are convex).
    lon = sum(p[0] for p in ring[:-1]) / (len(ring) - 1)
    lat = sum(p[1] for p in ring[:-1]) / (len(ring) - 1)
    browser.context.grant_permissions(["geolocation"], origin=browser.base_url)
    browser.context.set_geolocation({"latitude": lat, "longitude": lon, "accuracy": 10})

    page.click("#locate-me")
    page.wait_for_selector("#report-map[data-picked='1']", timeout=10000)
    assert float(page.input_value("input[name=lon]")) == pytest.approx(lon, abs=1e-6)
    assert float(page.input_value("input[name=lat]")) == pytest.approx(lat, abs=1e-6)
    page.select_option("select[name=category]", index=1)
    page.fill("textarea[name=description]", "井盖缺失，有行人跌倒风险")
    page.click("#report-submit")
    page.wait_for_selector("#report-done", timeout=15000)
    assert grid["properties"]["name"] in page.locator("#report-done").inner_text()
    assert browser.foreign_requests() == []
