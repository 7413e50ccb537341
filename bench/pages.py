"""bench/pages.py — server time of the demo's pages for a user of each role: p50/p95 per page.

Every page is requested in-process through Django's test client (the whole request: middleware,
scoping, queries, template), so the figure is server time without the network. By default it builds
the full-volume demo in a temporary directory first (several minutes); `--var DIR` reuses the demo in
DIR (as `GRIDGOV_VAR=DIR gridgov demo --no-serve` builds it). Last line: one JSON object
{"bench": "pages", "pages": [{"path", "role", "p50_ms", "p95_ms"}, ...]}.
"""
import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time

ROLES = ["district_admin", "subdistrict_secretary", "community_secretary", "grid_chief", "grid_worker",
         "department_handler", "partner_unit_contact", "resident"]


def setup(var, volume, build):
    os.environ["GRIDGOV_VAR"] = var
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from gridgov.demo.build import build as build_demo

    # Builds the demo, or only the steps a reused demo lacks (e.g. one built before an app existed).
    started = time.monotonic()
    build_demo(progress=False, volume=volume, out=lambda *a, **k: None)
    if build:
        print(f"built the demo (volume {volume}) in {time.monotonic() - started:.0f} s")


def pages_for(user, district):
    """The pages this user's menu leads to, with the dashboard of every level they can open."""
    from django.urls import reverse

    from gridgov.hierarchy.models import Node
    from gridgov.people import roles, scoping

    home = scoping.home_node(user)
    paths = ["/"]
    if home is not None and scoping.can(user, roles.VIEW):
        paths += [reverse("hierarchy:node", args=[home.pk]), reverse("dashboard:board", args=[home.pk])]
        # One dashboard of each level below the user's node (the drill-down).
        for kind in district.levels:
            below = scoping.scoped_nodes(user).filter(district=district, kind=kind, depth__gt=home.depth).order_by("path").first()
            if below is not None and kind in ("subdistrict", "community", district.cell_kind):
                paths.append(reverse("dashboard:board", args=[below.pk]))
        paths += [
            reverse("dashboard:map"),
            reverse("dashboard:map_layer", args=["subdistrict"]) + "?zoom=12",
            reverse("dashboard:map_layer", args=["community"]) + "?zoom=13",
            reverse("dashboard:map_layer", args=["grid"]) + "?zoom=14",
            reverse("dashboard:map_layer", args=["cases"]),
            reverse("dashboard:map_layer", args=["centres"]),
            reverse("dashboard:map_layer", args=["party_orgs"]),
            reverse("cases:list"), reverse("cases:kpi"),
            reverse("orgs:party_orgs"), reverse("people:members"),
            reverse("assessment:grades"), reverse("participation:resources"),
        ]
        if home.kind in ("district", "subdistrict"):
            paths += [reverse("dashboard:screen"), reverse("dashboard:screen_data")]
    paths += [reverse("cases:tasks"), reverse("assessment:home"), reverse("participation:home")]
    seen, out = set(), []
    for p in paths:
        if p not in seen:
            seen.add(p)
            out.append(p)
    return out


def measure(client, path, repeat):
    times = []
    for i in range(repeat + 1):
        started = time.perf_counter()
        response = client.get(path)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code >= 500:
            raise SystemExit(f"{path}: HTTP {response.status_code}")
        if i:  # the first request warms caches (templates, the locate index, map geometry)
            times.append(elapsed)
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    return response.status_code, statistics.median(times), p95


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--var", help="reuse the demo in this GRIDGOV_VAR directory (else build one in a temp dir)")
    parser.add_argument("--volume", type=float, default=1.0, help="demo volume when building (1.0 = the full demo)")
    parser.add_argument("--district", default="140105", help="district whose logins are measured")
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per page (after one warm-up)")
    parser.add_argument("--roles", default=",".join(ROLES))
    args = parser.parse_args()

    tmp = None
    if args.var:
        var = args.var
    else:
        tmp = tempfile.mkdtemp(prefix="gridgov-bench-pages-")
        var = tmp
    try:
        setup(var, args.volume, build=not args.var)
        from django.contrib.auth import get_user_model
        from django.test import Client
        from django.test.utils import setup_test_environment

        from gridgov.hierarchy.models import District

        setup_test_environment()  # lets the test client run against the real (demo) database
        district = District.objects.get(code=args.district)
        results = []
        print(f"district {district.code} {district.name}; {args.repeat} timed requests per page after one warm-up")
        print(f"{'role':<22} {'status':>6} {'p50 ms':>8} {'p95 ms':>8}  path")
        for role in args.roles.split(","):
            user = get_user_model().objects.filter(username=f"{role}.{district.code}").first()
            if user is None:
                continue
            client = Client(HTTP_HOST="127.0.0.1")
            client.force_login(user)
            for path in pages_for(user, district):
                status, p50, p95 = measure(client, path, args.repeat)
                print(f"{role:<22} {status:>6} {p50:>8.1f} {p95:>8.1f}  {path}")
                results.append({"path": path, "role": role, "status": status, "p50_ms": round(p50, 1), "p95_ms": round(p95, 1)})
        slow = [r for r in results if r["p95_ms"] > 150 and "/dashboard/" in r["path"]]
        print(f"{len(results)} pages; dashboard and map pages over 150 ms p95: {len(slow)}")
        for r in slow:
            print(f"  {r['role']} {r['path']} p95 {r['p95_ms']} ms")
        print(json.dumps({"bench": "pages", "district": district.code, "repeat": args.repeat, "pages": results}, ensure_ascii=False))
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
