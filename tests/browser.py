"""Browser-test support: a real gridgov server with the demo, run as a user would run it
(`gridgov demo --no-serve`, then `gridgov runserver`), and Debian's chromium through Playwright."""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

import pytest

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
CHROMIUM_ARGS = [
    "--no-sandbox", "--headless=new", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def require_chromium():
    if CHROMIUM:
        return
    message = "Debian chromium not installed (apt-get install chromium); .ci/run installs it"
    if os.environ.get("GRIDGOV_REQUIRE_BROWSER"):
        pytest.fail(message)
    pytest.skip(message)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_env():
    """A database of the server's own: a temp SQLite file, or a fresh PostgreSQL database."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return {}, lambda: None
    import psycopg

    parts = urllib.parse.urlsplit(url)
    name = f"gridgov_e2e_{os.getpid()}"
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return {"DATABASE_URL": parts._replace(path=f"/{name}").geturl()}, drop


class DemoServer:
    def __init__(self):
        self.var = tempfile.mkdtemp(prefix="gridgov-e2e-")
        db_env, self._drop = _database_env()
        self.env = {**os.environ, "GRIDGOV_VAR": self.var, **db_env}
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = None

    def start(self):
        gridgov = [sys.executable, "-m", "gridgov"]
        built = subprocess.run(gridgov + ["demo", "--no-serve", "--no-progress", "--volume", "0.01"], env=self.env, capture_output=True, text=True)
        if built.returncode:
            raise RuntimeError("gridgov demo failed:\n" + built.stdout + built.stderr)
        log = open(os.path.join(self.var, "server.log"), "w")
        self.proc = subprocess.Popen(gridgov + ["runserver", f"127.0.0.1:{self.port}", "--noreload"], env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url + "/login/", timeout=2)
                return self
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.3)
        raise RuntimeError("gridgov server did not start:\n" + open(os.path.join(self.var, "server.log")).read())

    def stop(self):
        if self.proc:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self._drop()
        shutil.rmtree(self.var, ignore_errors=True)


class Browser:
    """One chromium page that records every request it makes."""

    def __init__(self, base_url):
        from playwright.sync_api import sync_playwright

        self.base_url = base_url
        self._pw = sync_playwright().start()
        self._browser = self._pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        self.context = self._browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
        self.page = self.context.new_page()
        self.requests = []
        self.page.on("request", lambda r: self.requests.append(r.url))

    def login(self, username, password="gridgov-demo"):
        page = self.page
        page.goto(self.base_url + "/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")

    def foreign_requests(self):
        """Requests to any host other than 127.0.0.1 (there must be none)."""
        return [u for u in self.requests if urllib.parse.urlsplit(u).hostname not in ("127.0.0.1",) and not u.startswith(("data:", "blob:", "about:"))]

    def screenshot(self, name):
        folder = os.environ.get("GRIDGOV_SCREENSHOTS") or tempfile.gettempdir()
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, f"{name}.png")
        self.page.screenshot(path=path, full_page=True)
        return path

    def close(self):
        self.context.close()
        self._browser.close()
        self._pw.stop()
