"""Crash safety, on loopback: the app server and the worker are killed with SIGKILL while clients report
cases; after a restart every intake that was answered with success is in the database (and re-sending
an unanswered one never makes a second case), and deadlines that fell due while the worker was down
are processed by its first pass after the restart.

The server runs as `gridgov serve` (granian) in its own process group on a copy of the test database's
demo in a temporary SQLite file (GRIDGOV_VAR), so nothing here touches the other tests' data."""
import datetime as dt
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests

CODE = "140105"
CATEGORY = "E0102"
CLIENTS = 4
GRIDGOV = str(Path(sys.executable).with_name("gridgov"))

# django_db: so that pytest-django sets up the test database whose demo the module copies.
pytestmark = [pytest.mark.skipif(not hasattr(os, "killpg") or sys.platform != "linux", reason="needs POSIX process groups and kill -9"),
              pytest.mark.django_db]


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory, django_db_setup, django_db_blocker):
    """A folder with a copy of the demo database, the environment to run gridgov on it, and a grid's centre."""
    from django.conf import settings
    from django.db import connection

    if settings.IS_POSTGRES:
        pytest.skip("the crash test serves a SQLite copy of the demo; it runs in the SQLite pass")
    var = tmp_path_factory.mktemp("crash-var")
    with django_db_blocker.unblock():
        from gridgov.hierarchy.models import Node

        grids = list(Node.objects.filter(district__code=CODE, kind="grid").order_by("code")
                     .values_list("centroid_lon", "centroid_lat")[:8])
        connection.ensure_connection()
        target = sqlite3.connect(var / "gridgov.sqlite3")
        connection.connection.backup(target)  # the committed demo of the session, migrations applied
        target.close()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(GRIDGOV_VAR=str(var), DJANGO_SETTINGS_MODULE="gridgov.settings", LOG_LEVEL="ERROR")
    key = subprocess.run([GRIDGOV, "open311-key", "--district", CODE, "--name", "crash-test"], env=env, capture_output=True,
                         text=True, timeout=60, check=True).stdout.strip()
    return {"var": var, "env": env, "key": key, "grids": grids, "db": var / "gridgov.sqlite3"}


class Proc:
    """A gridgov command in its own process group (so that kill -9 takes its worker processes too)."""

    def __init__(self, site, *args, name):
        self.log = open(site["var"] / f"{name}.log", "ab")
        self.p = subprocess.Popen([GRIDGOV, *args], env=site["env"], stdout=self.log, stderr=subprocess.STDOUT,
                                  start_new_session=True)

    def kill9(self):
        try:
            os.killpg(self.p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.p.wait(timeout=10)
        self.log.close()

    def stop(self):
        if self.p.poll() is None:
            os.killpg(self.p.pid, signal.SIGTERM)
            try:
                self.p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                pass
        self.kill9()


def serve(site, port):
    proc = Proc(site, "serve", "--addr", f"127.0.0.1:{port}", "--workers", "1", "--threads", "4", "--no-migrate", name="serve")
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.p.poll() is not None:
            raise AssertionError("gridgov serve exited: " + (site["var"] / "serve.log").read_text(errors="replace")[-2000:])
        try:
            if requests.get(f"{url}/open311/v2/services.json", params={"jurisdiction_id": CODE}, timeout=5).status_code == 200:
                return proc, url
        except requests.RequestException:
            pass
        time.sleep(0.3)
    proc.kill9()
    raise AssertionError("gridgov serve did not answer within 60 s")


def rows(db, sql, params=()):
    con = sqlite3.connect(db, timeout=30)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def sqlite_time(moment):
    # Django stores aware datetimes in SQLite as naive UTC text.
    return moment.astimezone(dt.timezone.utc).replace(tzinfo=None).isoformat(sep=" ")


def test_intakes_answered_before_kill_9_survive_and_the_worker_catches_up(site):
    port = free_port()
    worker = Proc(site, "worker", "--interval", "1", name="worker")
    server, url = serve(site, port)
    answered, unanswered, refused = {}, [], []
    lock = threading.Lock()
    stop = threading.Event()

    def body(i, n):
        lon, lat = site["grids"][(i + n) % len(site["grids"])]
        return {"jurisdiction_id": CODE, "api_key": site["key"], "service_code": CATEGORY, "long": f"{lon:.6f}",
                "lat": f"{lat:.6f}", "description": f"崩溃测试 客户{i} 第{n}条 {uuid.uuid4().hex[:8]}"}

    def client(i):
        session = requests.Session()
        n = 0
        while not stop.is_set():
            n += 1
            data, idem = body(i, n), uuid.uuid4().hex
            try:
                answer = session.post(f"{url}/open311/v2/requests.json", data=data, headers={"Idempotency-Key": idem}, timeout=10)
            except requests.RequestException:
                with lock:
                    unanswered.append((data, idem))
                session = requests.Session()
                time.sleep(0.05)
                continue
            with lock:
                if answer.status_code == 201:
                    answered[answer.json()[0]["service_request_id"]] = (data, idem)
                else:
                    refused.append((answer.status_code, answer.text[:200]))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    # Load until a good number of intakes were answered, then pull the plug on both processes mid-stream.
    until = time.monotonic() + 20
    while len(answered) < 40 and time.monotonic() < until:
        time.sleep(0.1)
    server.kill9()
    worker.kill9()
    time.sleep(0.5)  # the clients see the dead server (connection refused) and note what went unanswered
    stop.set()
    for t in threads:
        t.join(timeout=30)
    assert refused == []
    assert len(answered) >= 10, f"too few intakes answered before the kill ({len(answered)}): see {site['var']}/serve.log"

    # Every answered intake is in the database, once.
    numbers = list(answered)
    found = rows(site["db"], f"SELECT number, description FROM cases_case WHERE number IN ({','.join('?' * len(numbers))})", numbers)
    assert sorted(n for n, _d in found) == sorted(numbers)
    assert all(answered[n][0]["description"] == d for n, d in found)

    server, url = serve(site, port)
    try:
        # The restarted server serves them, and re-sending any intake (answered or not) with its key makes no second case.
        one = numbers[0]
        got = requests.get(f"{url}/open311/v2/requests/{one}.json", params={"jurisdiction_id": CODE}, timeout=10)
        assert got.status_code == 200 and got.json()[0]["service_request_id"] == one
        for number, (data, idem) in list(answered.items())[:5]:
            again = requests.post(f"{url}/open311/v2/requests.json", data=data, headers={"Idempotency-Key": idem}, timeout=10)
            assert again.status_code == 200 and again.json()[0]["service_request_id"] == number
        for data, idem in unanswered[:10]:
            again = requests.post(f"{url}/open311/v2/requests.json", data=data, headers={"Idempotency-Key": idem}, timeout=10)
            assert again.status_code in (200, 201), again.text
        sent = [d["description"] for d, _k in list(answered.values()) + unanswered[:10]]
        counts = rows(site["db"], f"SELECT description, COUNT(*) FROM cases_case WHERE description IN ({','.join('?' * len(sent))}) "
                                  "GROUP BY description", sent)
        assert all(c == 1 for _d, c in counts) and len(counts) == len(set(sent))
    finally:
        server.kill9()

    # Deadlines fall due while the worker is down: some of the new cases' deadlines passed a minute ago,
    # others come within the warning window (two hours).
    now = dt.datetime.now(dt.timezone.utc)
    due, near = numbers[: len(numbers) // 2], numbers[len(numbers) // 2:]
    con = sqlite3.connect(site["db"], timeout=30)
    with con:
        con.executemany("UPDATE cases_case SET deadline = ?, warned_at = NULL, overdue_at = NULL WHERE number = ?",
                        [(sqlite_time(now - dt.timedelta(minutes=1)), n) for n in due]
                        + [(sqlite_time(now + dt.timedelta(minutes=30)), n) for n in near])
    con.close()

    worker = Proc(site, "worker", "--interval", "1", name="worker-restarted")
    try:
        until = time.monotonic() + 45
        marks = "','".join(due)
        while time.monotonic() < until:
            done = rows(site["db"], f"SELECT COUNT(DISTINCT c.id) FROM cases_case c JOIN cases_transition t ON t.case_id = c.id "
                                    f"WHERE c.number IN ('{marks}') AND t.action = 'overdue'")[0][0]
            if done == len(due) or worker.p.poll() is not None:
                break
            time.sleep(0.5)
    finally:
        worker.stop()
    log = (site["var"] / "worker-restarted.log").read_text(errors="replace")
    overdue = rows(site["db"], f"SELECT number, was_overdue, escalations, level FROM cases_case WHERE number IN ('{marks}')")
    assert all(was and esc == 1 and level == "community" for _n, was, esc, level in overdue), (overdue, log[-2000:])
    escalated = rows(site["db"], "SELECT COUNT(*) FROM cases_transition t JOIN cases_case c ON t.case_id = c.id "
                                 f"WHERE c.number IN ('{marks}') AND t.action = 'auto_escalate'")[0][0]
    assert escalated == len(due)
    warned = rows(site["db"], "SELECT COUNT(*) FROM cases_case WHERE warned_at IS NOT NULL AND number IN ({})".format(
        ",".join("?" * len(near))), near)[0][0]
    assert warned == len(near), log[-2000:]
