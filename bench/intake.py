"""Case intake over HTTP: cases/s and latency against a bare JSON endpoint of the same server.

Builds the demo into a throwaway database (SQLite, and PostgreSQL when DATABASE_URL is given), starts
`gridgov serve` with several worker processes on loopback, posts cases with an asyncio client, then
checks that every case answered 201 is in the database. Last line: one JSON object."""
import argparse
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
from mixed import cpu_snapshot, cpu_used  # noqa: E402

GRIDGOV = [sys.executable, "-m", "gridgov"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(db, base_url, reuse=None):
    """A fresh database with the demo, or the PostgreSQL database named `reuse` as it is (not dropped):
    returns (env, cleanup)."""
    var = tempfile.mkdtemp(prefix=f"gridgov-bench-{db}-")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["GRIDGOV_VAR"] = var
    drop = None
    if db == "postgres":
        import psycopg

        parts = urllib.parse.urlsplit(base_url)
        name = reuse or f"gridgov_bench_{os.getpid()}"
        admin = parts._replace(path="/postgres").geturl()
        env["DATABASE_URL"] = parts._replace(path=f"/{name}").geturl()
        if not reuse:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
                conn.execute(f'CREATE DATABASE "{name}"')
            drop = (admin, name)

    if not reuse:
        subprocess.run(GRIDGOV + ["demo", "--no-serve", "--no-progress", "--volume", "0.05"], env=env, check=True, capture_output=True)

    def cleanup():
        if drop:
            import psycopg

            with psycopg.connect(drop[0], autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{drop[1]}" WITH (FORCE)')
        shutil.rmtree(var, ignore_errors=True)

    return env, cleanup


def query(env, code):
    out = subprocess.run(GRIDGOV + ["shell", "--verbosity", "0", "-c", code], env=env, check=True, capture_output=True, text=True)
    return out.stdout.strip()


def bench(db, base_url, workers, concurrency, seconds, district="140105", reuse=None):
    env, cleanup = prepare(db, base_url, reuse)
    port = free_port()
    server = None
    try:
        token = subprocess.run(GRIDGOV + ["api-token", f"district_admin.{district}"], env=env, check=True, capture_output=True, text=True).stdout.strip()
        points = json.loads(query(env, "import json; from gridgov.hierarchy.models import Node; "
                                       f"print(json.dumps(list(Node.objects.filter(district__code='{district}', kind='grid').values_list('centroid_lon','centroid_lat'))))"))
        before = int(query(env, "from gridgov.cases.models import Case; print(Case.objects.count())"))
        server = subprocess.Popen(GRIDGOV + ["serve", "--workers", str(workers), "--addr", f"127.0.0.1:{port}", "--no-migrate"],
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(200):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        rnd = random.Random(7)
        auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

        def intake(i):
            lon, lat = points[rnd.randrange(len(points))]
            body = json.dumps({"district": district, "category": rnd.choice(["E0102", "E0501", "E0201", "C0107"]),
                               "lon": lon + rnd.uniform(-2e-5, 2e-5), "lat": lat + rnd.uniform(-2e-5, 2e-5),
                               "description": f"压测工单 {db} {i}"}, ensure_ascii=False).encode()
            return "POST", "/api/cases", {**auth, "Idempotency-Key": f"bench-{db}-{os.getpid()}-{i}"}, body

        def bare(i):
            return "GET", "/healthz", {}, b""

        httpload.run("127.0.0.1", port, bare, concurrency=4, seconds=1.0)  # warm up every worker
        # …and its intake path (URL and API modules, the district's locate index, categories, calendar):
        # a per-process cost paid once, not per case. Keys of their own; their cases are counted apart.
        warm, _ = httpload.run("127.0.0.1", port, lambda i: intake(-i), concurrency=max(4, 2 * workers), seconds=3.0)
        warmed = sum(1 for r in warm if r[0] == 201)
        cpu_before = cpu_snapshot(server.pid, env.get("DATABASE_URL"))
        results, elapsed = httpload.run("127.0.0.1", port, intake, concurrency=concurrency, seconds=seconds)
        cpu = cpu_used(cpu_before, cpu_snapshot(server.pid, env.get("DATABASE_URL")))
        created = [r for r in results if r[0] == 201]
        errors = [r for r in results if r[0] not in (200, 201)]
        bare_results, bare_elapsed = httpload.run("127.0.0.1", port, bare, concurrency=concurrency, seconds=seconds)
        after = int(query(env, "from gridgov.cases.models import Case; print(Case.objects.count())"))
        latencies = [r[1] for r in created]
        row = {
            "db": db, "district": district, "workers": workers, "concurrency": concurrency,
            "cases_per_s": round(len(created) / elapsed, 1),
            "bare_rps": round(len([r for r in bare_results if r[0] == 200]) / bare_elapsed, 1),
            "p50_ms": round(httpload.percentile(latencies, 50) or 0, 1),
            "p99_ms": round(httpload.percentile(latencies, 99) or 0, 1),
            "errors": len(errors), "created": len(created), "stored": after - before - warmed,
        }
        row["ratio_to_bare"] = round(row["cases_per_s"] / row["bare_rps"], 3) if row["bare_rps"] else None
        # CPU per intake (app workers + PostgreSQL backends): the rate one core sustains, whatever the machine's load.
        row["cpu_ms_per_case"] = round((cpu["app"] + cpu["db"]) * 1000 / len(created), 1) if created else None
        row["cases_per_core_s"] = round(1000 / row["cpu_ms_per_case"], 1) if row["cpu_ms_per_case"] else None
        row["cpu_db_share"] = round(cpu["db"] / (cpu["app"] + cpu["db"]), 2) if cpu["app"] + cpu["db"] else None
        row["load_avg"] = round(os.getloadavg()[0], 1)
        print(f"{db:9} workers={workers} conc={concurrency}: {row['cases_per_s']} cases/s "
              f"(p50 {row['p50_ms']} ms, p99 {row['p99_ms']} ms, {len(errors)} errors); bare /healthz {row['bare_rps']} req/s; "
              f"answered 201: {len(created)}, stored: {row['stored']}")
        print(f"  CPU per case: {row['cpu_ms_per_case']} ms (database share {row['cpu_db_share']}) → {row['cases_per_core_s']} cases/s per core; "
              f"load average {row['load_avg']}")
        if errors:
            print("  first error:", errors[0][0], errors[0][2][:300].decode("utf-8", "replace"))
        if row["stored"] != len(created):
            print("  !! stored cases differ from those answered 201")
        return row
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=20)
        cleanup()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--only", choices=["sqlite", "postgres"], help="run one database only")
    parser.add_argument("--reuse", metavar="DBNAME", help="PostgreSQL: post into this existing database (not dropped), "
                        "e.g. one built by `gridgov demo --scale N`; with --district")
    parser.add_argument("--district", default="140105", help="district code to post into (149901: the first --scale district)")
    args = parser.parse_args()
    base_url = os.environ.get("DATABASE_URL", "")
    results = []
    if args.only != "postgres":
        results.append(bench("sqlite", "", args.workers, args.concurrency, args.seconds, args.district))
    if base_url.startswith("postgres") and args.only != "sqlite":
        results.append(bench("postgres", base_url, args.workers, args.concurrency, args.seconds, args.district, args.reuse))
    else:
        print("postgres: skipped (set DATABASE_URL=postgresql://… to include it)")
    print(json.dumps({"bench": "intake", "results": results}))


if __name__ == "__main__":
    main()
