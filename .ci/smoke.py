"""CI smoke of the production path: `gridgov serve` with 2 workers on a fresh PostgreSQL database and
Redis, one district built, then over HTTP: /readyz 200, an intake (201), the case read back, a JSON log line.

Usage: .venv/bin/python .ci/smoke.py   (DATABASE_URL names the server, default postgres@127.0.0.1:5432;
REDIS_URL defaults to redis://127.0.0.1:6379/14). Exits non-zero on the first failure; about a minute."""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

import psycopg

GRIDGOV = [sys.executable, "-m", "gridgov"]
BASE = os.environ.get("DATABASE_URL", "").strip() or "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS = os.environ.get("SMOKE_REDIS_URL", "redis://127.0.0.1:6379/14")
BUILD = ("from gridgov.demo.scale import build_scale; "
         "build_scale(1, volume=0.001, progress=False, steps=('hierarchy', 'logins', 'case_setup'))")


def say(msg):
    print(f"smoke: {msg}", flush=True)


def fail(msg):
    print(f"smoke: FAILED: {msg}", flush=True)
    sys.exit(1)


def http(port, method, path, body=None, headers=None):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.read(), resp.headers  # case-insensitive look-ups
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), exc.headers


def main():
    started = time.monotonic()
    parts = urllib.parse.urlsplit(BASE)
    admin = parts._replace(path="/postgres").geturl()
    name = f"gridgov_smoke_{os.getpid()}"
    var = tempfile.mkdtemp(prefix="gridgov-smoke-")
    env = {**os.environ, "GRIDGOV_VAR": var, "DATABASE_URL": parts._replace(path=f"/{name}").geturl(),
           "REDIS_URL": REDIS, "GRIDGOV_LOG_FORMAT": "json", "LOG_LEVEL": "WARNING"}
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    server, log = None, open(os.path.join(var, "serve.log"), "w+")
    try:
        subprocess.run(GRIDGOV + ["migrate", "--verbosity", "0"], env=env, check=True)
        subprocess.run(GRIDGOV + ["shell", "--verbosity", "0", "-c", BUILD], env=env, check=True)
        token = subprocess.run(GRIDGOV + ["api-token", "district_admin.149901"], env=env, check=True, capture_output=True,
                               text=True).stdout.strip()
        say(f"database {name} migrated, district 149901 built ({time.monotonic() - started:.0f} s)")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = subprocess.Popen(GRIDGOV + ["serve", "--workers", "2", "--addr", f"127.0.0.1:{port}", "--no-migrate"],
                                  env=env, stdout=log, stderr=log)
        deadline = time.monotonic() + 60
        while True:
            try:
                status, body, _ = http(port, "GET", "/readyz")
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    fail(f"gridgov serve did not come up:\n{log.read()[-2000:]}")
                time.sleep(0.2)
        ready = json.loads(body)
        if status != 200 or not ready.get("ok"):
            fail(f"/readyz answered {status} {ready}")
        if "redis" in ready and not ready["redis"]:
            fail(f"/readyz: Redis not ready {ready}")
        say(f"/readyz 200 {ready}")

        point = json.loads(subprocess.run(GRIDGOV + ["shell", "--verbosity", "0", "-c",
            "import json; from gridgov.hierarchy.models import Node; g = Node.objects.filter(district__code='149901', kind='grid').order_by('code').first(); "
            "print(json.dumps([g.centroid_lon, g.centroid_lat]))"], env=env, check=True, capture_output=True, text=True).stdout)
        auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        body = json.dumps({"district": "149901", "category": "E0102", "lon": point[0], "lat": point[1], "description": "冒烟测试"},
                          ensure_ascii=False).encode()
        status, answer, headers = http(port, "POST", "/api/cases", body, {**auth, "Idempotency-Key": "smoke-1"})
        if status != 201:
            fail(f"intake answered {status}: {answer[:500]!r}")
        number = json.loads(answer)["number"]
        if not headers.get("X-Request-ID"):
            fail("no X-Request-ID header on the answer")
        say(f"intake 201: case {number} (request id {headers['X-Request-ID']})")
        reads = {}
        for path in (f"/api/cases/{number}", "/api/cases?limit=5"):
            status, answer, _ = http(port, "GET", path, headers=auth)
            if status != 200 or number.encode() not in answer:
                fail(f"GET {path} answered {status}: {answer[:500]!r}")
            reads[path] = status
        say(f"reads 200: {', '.join(reads)}")
        status, _, _ = http(port, "GET", "/healthz")
        if status != 200:
            fail(f"/healthz answered {status}")

        server.terminate()
        server.wait(timeout=30)
        server = None
        log.seek(0)
        lines = [json.loads(line) for line in log if line.startswith("{")]
        access = [r for r in lines if r.get("logger") == "gridgov.request" and r.get("path") == "/api/cases" and r.get("status") == 201]
        if not access:
            fail("no JSON access-log line for the intake on stderr")
        if not {"request_id", "method", "duration_ms", "user_id"} <= set(access[0]):
            fail(f"access-log line lacks fields: {access[0]}")
        say(f"JSON access log: {len(lines)} lines, e.g. {json.dumps(access[0], ensure_ascii=False)}")
        say(f"passed in {time.monotonic() - started:.0f} s")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        try:
            import redis

            redis.Redis.from_url(REDIS).flushdb()
        except Exception as exc:  # the smoke has passed or failed by now; a dirty scratch db is no failure
            say(f"could not flush {REDIS}: {exc}")
        log.close()
        shutil.rmtree(var, ignore_errors=True)


if __name__ == "__main__":
    main()
