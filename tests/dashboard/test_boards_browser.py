"""End to end in Debian chromium (zh-CN): the dashboards of every level as the district admin of
小店区 (drilling down district → subdistrict → community → grid) and as a community secretary, whose
figures cover their community only; charts draw, and no request leaves 127.0.0.1."""
import re

import pytest

from tests.browser import Browser, DemoServer, require_chromium

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo_server():
    require_chromium()
    server = DemoServer().start()
    yield server
    server.stop()


@pytest.fixture
def browser(demo_server):
    b = Browser(demo_server.url)
    yield b
    b.close()


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
    for key, value in (("case", cases), ("party_member", members)):
        href = figure_link(page, key)
        assert listed(page, browser.base_url, href) == value
    # The district's dashboard is not theirs.
    response = page.goto(district_url)
    assert response.status == 404
    assert browser.foreign_requests() == []
