"""Fixtures of the browser tests: one demo server per session, a fresh chromium page per test."""
import pytest

from tests.browser import Browser, DemoServer, require_chromium


@pytest.fixture(scope="session")
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
