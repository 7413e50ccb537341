"""End to end in Debian chromium: log in, open a community page, see its map drawn without tiles,
and every request the page made went to 127.0.0.1."""
import pytest

pytestmark = pytest.mark.browser


def test_community_secretary_logs_in_and_sees_the_community_map(browser):
    browser.login("community_secretary.140105")
    page = browser.page
    assert "/hierarchy/nodes/" in page.url
    page.wait_for_selector("#map.ready", timeout=15000)
    features = int(page.get_attribute("#map", "data-features"))
    centres = int(page.get_attribute("#map", "data-centres"))
    drawn = page.locator("#map path.leaflet-interactive").count()
    assert features > 1 and centres >= 1  # 小店区 has a service centre in every community
    assert drawn == features + centres  # the outline, every grid, and the centres as points
    assert "社区" in page.locator("h1").inner_text()
    rows = page.locator("#children tbody tr").count()
    assert rows == features - 1  # one table row per grid on the map
    browser.screenshot("community-page")
    assert browser.foreign_requests() == []


def test_clicking_a_grid_on_the_map_opens_the_grid_page(browser):
    browser.login("community_secretary.140105")
    page = browser.page
    page.wait_for_selector("#map.ready", timeout=15000)
    page.locator("#map path.leaflet-interactive").nth(1).click(force=True)
    page.wait_for_load_state("networkidle")
    assert "网格" in page.locator("h1").inner_text()
    assert browser.foreign_requests() == []


def test_wrong_password_shows_a_chinese_error(browser):
    browser.login("community_secretary.140105", password="wrong")
    assert "/login/" in browser.page.url
    assert "用户名或密码" in browser.page.content()
