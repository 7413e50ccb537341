"""Mixed load: many users reading pages and API lists and writing cases (intake, transitions) at once,
against `gridgov serve` on loopback, at 1× and 20× scale (synthetic Xiaodian-sized districts).

For each scale it builds `gridgov.demo.scale` districts into a fresh database (or reuses one named with
--reuse), starts `gridgov serve --workers W`, drives it for --seconds from --users keep-alive
connections, and prints req/s and p50/p95/p99 per kind with the error count; the anchor, in the same
run, is the bare /healthz endpoint of the same server at the same concurrency. Last line: one JSON object."""
import argparse
import asyncio
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import httpload  # noqa: E402

GRIDGOV = [sys.executable, "-m", "gridgov"]

# Share of requests per kind: reads dominate (people look at lists far more often than they file).
MIX = {
    "node_page": 15, "case_list_page": 10, "case_page": 10,
    "api_cases": 15, "api_nodes": 5, "api_members": 10,
    "intake": 25, "transition": 10,
}
WRITES = {"intake", "transition"}

# Run inside `gridgov shell`: logins' tokens and sessions, and what each kind of request needs.
SETUP = r'''
import json, os, random
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from importlib import import_module
from gridgov.api.models import ApiToken
from gridgov.cases.models import Case
from gridgov.demo.scale import synthetic_code
from gridgov.hierarchy.models import District, Node

rnd = random.Random(11)
store = import_module(settings.SESSION_ENGINE).SessionStore
backend = "django.contrib.auth.backends.ModelBackend"
out = {"cookie": settings.SESSION_COOKIE_NAME, "districts": []}
for i in range(int(os.environ["MIXED_N"])):
    d = District.objects.get(code=synthetic_code(i))
    users = {}
    for role in ("district_admin", "community_secretary", "grid_worker"):
        user = get_user_model().objects.get(username=f"{role}.{d.code}")
        _, key = ApiToken.issue(user, name="bench/mixed")
        s = store()
        s[SESSION_KEY], s[BACKEND_SESSION_KEY], s[HASH_SESSION_KEY] = str(user.pk), backend, user.get_session_auth_hash()
        s.create()
        post = user.person.posts.order_by("pk").first()
        users[role] = {"token": key, "session": s.session_key, "node": post.node_id}
    nodes = list(Node.objects.filter(district=d, kind__in=["subdistrict", "community", "grid"]).values_list("pk", flat=True))
    grids = list(Node.objects.filter(district=d, kind="grid").values_list("centroid_lon", "centroid_lat"))
    cases = list(Case.objects.filter(district=d).order_by("-reported_at").values_list("number", flat=True)[:2000])
    out["districts"].append({
        "code": d.code, "users": users, "nodes": rnd.sample(nodes, min(200, len(nodes))),
        "points": rnd.sample(grids, min(300, len(grids))), "cases": rnd.sample(cases, min(200, len(cases))),
    })
print(json.dumps(out))
'''


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def shell(env, code, extra=None):
    out = subprocess.run(GRIDGOV + ["shell", "--verbosity", "0", "-c", code], env={**env, **(extra or {})}, check=True,
                         capture_output=True, text=True)
    return out.stdout.strip()


def prepare(base_url, scale, volume, reuse):
    """(env, cleanup, build seconds or None): a database with `scale` synthetic districts."""
    var = tempfile.mkdtemp(prefix=f"gridgov-mixed-{scale}-")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["GRIDGOV_VAR"] = var
    drop = None
    if base_url.startswith("postgres"):
        import psycopg

        parts = urllib.parse.urlsplit(base_url)
        admin = parts._replace(path="/postgres").geturl()
        name = reuse or f"gridgov_mixed_{os.getpid()}_{scale}"
        if not reuse:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
                conn.execute(f'CREATE DATABASE "{name}"')
            drop = (admin, name)
        env["DATABASE_URL"] = parts._replace(path=f"/{name}").geturl()
    elif reuse:
        env["GRIDGOV_VAR"] = reuse  # a SQLite demo lives in GRIDGOV_VAR/gridgov.sqlite3
    seconds = None
    if not reuse:
        started = time.monotonic()
        subprocess.run(GRIDGOV + ["migrate", "--verbosity", "0"], env=env, check=True)
        shell(env, f"from gridgov.demo.scale import build_scale; build_scale({scale}, volume={volume}, progress=False)")
        seconds = time.monotonic() - started

    def cleanup():
        if drop:
            import psycopg

            with psycopg.connect(drop[0], autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{drop[1]}" WITH (FORCE)')
        shutil.rmtree(var, ignore_errors=True)

    return env, cleanup, seconds


def _cpu_of(pid):
    """User + system CPU seconds of one process (Linux /proc), or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_snapshot(server_pid, database_url=None):
    """{"app": {pid: cpu s}, "db": {pid: cpu s}}: the server and all its worker processes, and the
    PostgreSQL backends connected to the database. Differences of two snapshots give the CPU a load
    cost, whatever else the machine is running (the wall-clock rates depend on that, this does not)."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parents[int(entry)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                pass
    tree, todo = set(), [server_pid]
    while todo:
        pid = todo.pop()
        tree.add(pid)
        todo.extend(p for p, parent in parents.items() if parent == pid and p not in tree)
    snap = {"app": {p: _cpu_of(p) for p in tree}, "db": {}}
    if database_url and database_url.startswith("postgres"):
        import psycopg

        name = urllib.parse.urlsplit(database_url).path.lstrip("/")
        with psycopg.connect(database_url, autocommit=True) as conn:
            pids = [r[0] for r in conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [name])]
        snap["db"] = {p: _cpu_of(p) for p in pids}
    return snap


def cpu_used(before, after):
    """CPU seconds spent between two snapshots: {"app": s, "db": s}."""
    return {part: round(sum(v - (before[part].get(p) or 0.0) for p, v in after[part].items() if v is not None), 2) for part in ("app", "db")}


class Load:
    """Makes the requests of each kind and learns, from intake answers, cases to move on."""

    def __init__(self, fixture, seed=5):
        self.fx, self.rnd, self.cookie = fixture["districts"], random.Random(seed), fixture["cookie"]
        self.kinds, self.weights = list(MIX), list(MIX.values())
        self.fresh = {d["code"]: [] for d in self.fx}  # numbers of cases this run reported, per district
        self.serial = 0

    def next(self):
        rnd = self.rnd
        d = rnd.choice(self.fx)
        kind = rnd.choices(self.kinds, self.weights)[0]
        if kind == "transition" and not self.fresh[d["code"]]:
            kind = "intake"
        admin = d["users"]["district_admin"]
        user = d["users"][rnd.choice(["district_admin", "community_secretary", "grid_worker"])]
        session = {"Cookie": f"{self.cookie}={admin['session']}"}
        token = {"Authorization": f"Bearer {user['token']}"}
        if kind == "node_page":
            if rnd.random() < 0.7:
                return kind, d, ("GET", f"/hierarchy/nodes/{rnd.choice(d['nodes'])}/", session, b"")
            return kind, d, ("GET", f"/hierarchy/nodes/{user['node']}/", {"Cookie": f"{self.cookie}={user['session']}"}, b"")
        if kind == "case_list_page":
            return kind, d, ("GET", "/cases/", {"Cookie": f"{self.cookie}={user['session']}"}, b"")
        if kind == "case_page":
            return kind, d, ("GET", f"/cases/{rnd.choice(d['cases'])}/", session, b"")
        if kind == "api_cases":
            return kind, d, ("GET", f"/api/cases?limit=20&offset={rnd.randrange(0, 200)}", token, b"")
        if kind == "api_nodes":
            return kind, d, ("GET", f"/api/nodes?q={d['code']}{rnd.randrange(1, 8):03d}", token, b"")
        if kind == "api_members":
            return kind, d, ("GET", f"/api/party-members?limit=20&offset={rnd.randrange(0, 500)}", token, b"")
        auth = {"Authorization": f"Bearer {admin['token']}", "Content-Type": "application/json"}
        if kind == "transition":
            number = self.fresh[d["code"]].pop(rnd.randrange(len(self.fresh[d["code"]])))
            return kind, d, ("POST", f"/api/cases/{number}/actions", auth, b'{"action": "register"}')
        self.serial += 1
        lon, lat = rnd.choice(d["points"])
        body = json.dumps({"district": d["code"], "category": rnd.choice(["E0102", "E0501", "E0201", "C0107"]),
                           "lon": lon + rnd.uniform(-2e-5, 2e-5), "lat": lat + rnd.uniform(-2e-5, 2e-5),
                           "description": f"混合负载 {self.serial}"}, ensure_ascii=False).encode()
        return kind, d, ("POST", "/api/cases", {**auth, "Idempotency-Key": f"mixed-{os.getpid()}-{self.serial}"}, body)

    def learn(self, kind, d, status, body):
        if kind == "intake" and status == 201:
            try:
                self.fresh[d["code"]].append(json.loads(body)["number"])
            except (ValueError, KeyError):
                pass


async def _user(host, port, load, deadline, results):
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.monotonic() < deadline:
            kind, d, (method, path, headers, body) = load.next()
            head = f"{method} {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: keep-alive\r\n"
            head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + f"Content-Length: {len(body)}\r\n\r\n"
            started = time.perf_counter()
            writer.write(head.encode() + body)
            await writer.drain()
            status, payload = await httpload._read_response(reader)
            results.append((kind, status, (time.perf_counter() - started) * 1000, payload[:300]))
            load.learn(kind, d, status, payload)
    finally:
        writer.close()


def drive(port, load, users, seconds):
    async def main():
        results = []
        deadline = time.monotonic() + seconds
        started = time.perf_counter()
        await asyncio.gather(*[_user("127.0.0.1", port, load, deadline, results) for _ in range(users)])
        return results, time.perf_counter() - started

    return asyncio.run(main())


def ok(kind, status):
    return status in ((200, 201) if kind == "intake" else (200,))


def bench(base_url, scale, volume, reuse, workers, users, seconds):
    db = "postgres" if base_url.startswith("postgres") else "sqlite"
    env, cleanup, built = prepare(base_url, scale, volume, reuse)
    server = None
    try:
        counts = json.loads(shell(env, "import json; from gridgov.cases.models import Case; from gridgov.people.models import PartyMember; "
                                       "from gridgov.hierarchy.models import Node; print(json.dumps({'cases': Case.objects.count(), "
                                       "'members': PartyMember.objects.count(), 'grids': Node.objects.filter(kind='grid').count()}))"))
        fixture = json.loads(shell(env, SETUP, {"MIXED_N": str(scale)}))
        port = free_port()
        server = subprocess.Popen(GRIDGOV + ["serve", "--workers", str(workers), "--addr", f"127.0.0.1:{port}", "--no-migrate"],
                                  env={**env, "GRIDGOV_LOG_FORMAT": "text"}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(300):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        load = Load(fixture)
        drive(port, Load(fixture, seed=99), min(users, 8), 3.0)  # warm up: every worker loads its locate index
        cpu_before = cpu_snapshot(server.pid, env.get("DATABASE_URL"))
        results, elapsed = drive(port, load, users, seconds)
        cpu = cpu_used(cpu_before, cpu_snapshot(server.pid, env.get("DATABASE_URL")))
        bare, bare_elapsed = httpload.run("127.0.0.1", port, lambda i: ("GET", "/healthz", {}, b""), concurrency=users, seconds=min(10.0, seconds))
        bare_rps = round(sum(1 for r in bare if r[0] == 200) / bare_elapsed, 1)
        kinds = {}
        for kind in MIX:
            mine = [r for r in results if r[0] == kind]
            good = [r[2] for r in mine if ok(kind, r[1])]
            bad = [r for r in mine if not ok(kind, r[1])]
            kinds[kind] = {"n": len(mine), "rps": round(len(good) / elapsed, 1), "p50_ms": round(httpload.percentile(good, 50) or 0, 1),
                           "p95_ms": round(httpload.percentile(good, 95) or 0, 1), "p99_ms": round(httpload.percentile(good, 99) or 0, 1),
                           "errors": len(bad)}
            if bad:
                kinds[kind]["first_error"] = f"{bad[0][1]} {bad[0][3][:160].decode('utf-8', 'replace')}"
        total_ok = sum(1 for r in results if ok(r[0], r[1]))
        row = {"db": db, "scale": scale, "volume": None if reuse else volume, "load_avg": round(os.getloadavg()[0], 1), "workers": workers, "users": users, "seconds": round(elapsed, 1),
               **counts, "build_s": round(built, 1) if built is not None else None,
               "rps": round(total_ok / elapsed, 1), "errors": len(results) - total_ok, "bare_rps": bare_rps,
               "ratio_to_bare": round(total_ok / elapsed / bare_rps, 3) if bare_rps else None,
               "reads_rps": round(sum(k["rps"] for n, k in kinds.items() if n not in WRITES), 1),
               "writes_rps": round(sum(k["rps"] for n, k in kinds.items() if n in WRITES), 1),
               "cpu_app_s": cpu["app"], "cpu_db_s": cpu["db"],
               "cpu_ms_per_req": round((cpu["app"] + cpu["db"]) * 1000 / total_ok, 1) if total_ok else None, "kinds": kinds}
        # What one core sustains of this mix when the app and the database have it to themselves.
        row["rps_per_core"] = round(1000 / row["cpu_ms_per_req"], 1) if row["cpu_ms_per_req"] else None
        print(f"\n{db} scale {scale}× ({'reused database' if reuse else f'volume {volume}'}): {counts['grids']:,} grids, {counts['members']:,} members, {counts['cases']:,} cases"
              + (f"; built in {built:.0f} s" if built is not None else " (reused)"))
        print(f"  {users} users, {workers} workers, {elapsed:.0f} s: {row['rps']} req/s ({row['reads_rps']} reads, {row['writes_rps']} writes), "
              f"{row['errors']} errors; anchor: bare /healthz {bare_rps} req/s (ratio {row['ratio_to_bare']}); load average {row['load_avg']}")
        print(f"  CPU: app {cpu['app']} s + database {cpu['db']} s for {total_ok} requests = {row['cpu_ms_per_req']} CPU-ms a request "
              f"→ {row['rps_per_core']} req/s per core of this mix")
        print(f"  {'kind':16}{'n':>7}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}")
        for kind, k in kinds.items():
            print(f"  {kind:16}{k['n']:>7}{k['rps']:>8}{k['p50_ms']:>9}{k['p95_ms']:>9}{k['p99_ms']:>9}{k['errors']:>8}")
            if k.get("first_error"):
                print(f"    first error: {k['first_error']}")
        return row
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        cleanup()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,20", help="comma-separated numbers of synthetic districts")
    parser.add_argument("--volume", type=float, default=1.0, help="share of a year's cases to generate (1 = 150,000 per district)")
    parser.add_argument("--reuse", default="", help="SCALE=DBNAME,… databases already built by gridgov.demo.scale (not dropped)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--users", type=int, default=32, help="simultaneous users (keep-alive connections, no think time)")
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    base_url = os.environ.get("DATABASE_URL", "")
    if not base_url.startswith("postgres"):
        print("note: DATABASE_URL is not PostgreSQL; running on SQLite (the figures that matter are PostgreSQL's)")
    reuse = dict(item.split("=", 1) for item in args.reuse.split(",") if item)
    results = [bench(base_url, int(s), args.volume, reuse.get(s), args.workers, args.users, args.seconds) for s in args.scales.split(",")]
    print(json.dumps({"bench": "mixed", "results": results}, ensure_ascii=False))


if __name__ == "__main__":
    main()
