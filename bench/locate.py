"""Benchmark of geo.locate(): builds a synthetic district of 100,000 grid polygons in a throwaway
SQLite database and times single and batch lookups against a bare shapely STRtree on the same polygons."""
# Run: .venv/bin/python bench/locate.py [--polygons N] [--single N] [--batch N] [--seed S]
# Prints human-readable lines, then as the last line one JSON object (see bench/README.md).
import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

# Layout: every community is a 10 x 10 block of square grids, every subdistrict 10 x 5 communities,
# subdistricts in rows of 5: 100,000 grids = 20 subdistricts x 50 communities x 100 grids.
GRID_DEG = 0.001  # ~110 m x 85 m at 40°N
GRIDS_PER_ROW, GRIDS_PER_COMMUNITY = 10, 100
COMMUNITIES_PER_ROW, COMMUNITIES_PER_SUB = 10, 50
SUBS_PER_ROW = 5
ORIGIN = (111.5, 40.6)
DISTRICT_CODE = "110101"  # a real GB/T 2260 code; the database is thrown away afterwards


def setup_django(var_dir):
    """Point gridgov at a private var/ and a fresh SQLite database, then migrate it."""
    os.environ["GRIDGOV_VAR"] = str(var_dir)
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")
    src = Path(__file__).resolve().parent.parent / "src"
    if src.is_dir() and str(src) not in sys.path:
        sys.path.insert(0, str(src))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def layout(polygons):
    """Grids per community, grouped by subdistrict: [[100, 100, …], …] summing to `polygons`."""
    communities = -(-polygons // GRIDS_PER_COMMUNITY)
    grids = [GRIDS_PER_COMMUNITY] * communities
    grids[-1] = polygons - GRIDS_PER_COMMUNITY * (communities - 1)
    if -(-communities // COMMUNITIES_PER_SUB) > 999:
        raise SystemExit("at most 999 subdistricts (99,900,000 polygons)")
    return [grids[i:i + COMMUNITIES_PER_SUB] for i in range(0, communities, COMMUNITIES_PER_SUB)]


def block(col, row, size_x, size_y, x0=ORIGIN[0], y0=ORIGIN[1]):
    from shapely.geometry import box

    return box(x0 + col * size_x, y0 + row * size_y, x0 + (col + 1) * size_x, y0 + (row + 1) * size_y)


def build(polygons):
    """Create the district through services.create_district and TreeBuilder (one flush per subdistrict)."""
    from gridgov.hierarchy import services

    per_sub = layout(polygons)
    comm_w = GRIDS_PER_ROW * GRID_DEG
    comm_h = GRIDS_PER_COMMUNITY // GRIDS_PER_ROW * GRID_DEG
    sub_w = COMMUNITIES_PER_ROW * comm_w
    sub_h = COMMUNITIES_PER_SUB // COMMUNITIES_PER_ROW * comm_h
    cols = min(SUBS_PER_ROW, len(per_sub))
    rows = -(-len(per_sub) // SUBS_PER_ROW)
    outline = block(0, 0, cols * sub_w, rows * sub_h)
    district = services.create_district(DISTRICT_CODE, "基准区", ["district", "subdistrict", "community", "grid"], polygon=outline)
    root = district.root
    squares = []
    for s, communities in enumerate(per_sub):
        sx, sy = s % SUBS_PER_ROW, s // SUBS_PER_ROW
        builder = services.TreeBuilder(district)
        sub_geom = block(sx, sy, sub_w, sub_h)
        sub = builder.add(root, "subdistrict", f"{DISTRICT_CODE}{s + 1:03d}", f"第{s + 1}街道", sub_geom)
        for c, grids in enumerate(communities):
            cx, cy = c % COMMUNITIES_PER_ROW, c // COMMUNITIES_PER_ROW
            x0, y0 = ORIGIN[0] + sx * sub_w + cx * comm_w, ORIGIN[1] + sy * sub_h + cy * comm_h
            comm = builder.add(sub, "community", f"{sub.code}{c + 1:03d}", f"第{c + 1}社区", block(0, 0, comm_w, comm_h, x0, y0))
            for g in range(grids):
                geom = block(g % GRIDS_PER_ROW, g // GRIDS_PER_ROW, GRID_DEG, GRID_DEG, x0, y0)
                builder.add(comm, "grid", f"{comm.code}{g + 1:03d}", f"第{g + 1}网格", geom)
                squares.append(geom.bounds)
        builder.flush()
    return district, squares


def random_points(squares, n, rng):
    """`n` points uniformly inside randomly chosen grids (so every point hits exactly one grid)."""
    import numpy as np

    bounds = np.asarray(squares)[rng.integers(0, len(squares), size=n)]
    u, v = rng.uniform(0.001, 0.999, size=(2, n))
    lons = bounds[:, 0] + u * (bounds[:, 2] - bounds[:, 0])
    lats = bounds[:, 1] + v * (bounds[:, 3] - bounds[:, 1])
    return lons, lats


def per_call_us(fn, lons, lats):
    started = time.perf_counter()
    for x, y in zip(lons.tolist(), lats.tolist()):
        fn(x, y)
    return (time.perf_counter() - started) / len(lons) * 1e6


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--polygons", type=int, default=100_000, help="number of grid polygons (default 100000)")
    parser.add_argument("--single", type=int, default=20_000, help="points for the single-lookup loops")
    parser.add_argument("--batch", type=int, default=200_000, help="points for the batch lookups")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    if args.polygons < 1:
        parser.error("--polygons must be positive")

    with tempfile.TemporaryDirectory(prefix="gridgov-bench-") as var_dir:
        t0 = time.perf_counter()
        setup_django(var_dir)
        import numpy as np
        import shapely

        from gridgov.hierarchy import geo
        from gridgov.hierarchy.models import Node

        print(f"database: throwaway SQLite in {var_dir} (migrated in {time.perf_counter() - t0:.1f} s)")
        t0 = time.perf_counter()
        district, squares = build(args.polygons)
        build_s = time.perf_counter() - t0
        grids = Node.objects.filter(district=district, kind="grid").count()
        assert grids == args.polygons, (grids, args.polygons)
        print(f"build: {grids:,} grid polygons (+{Node.objects.filter(district=district).count() - grids:,} other nodes) "
              f"through create_district + TreeBuilder in {build_s:.1f} s")

        t0 = time.perf_counter()
        index = geo.get_index(district)
        print(f"index: loaded and STRtree built in {time.perf_counter() - t0:.2f} s")
        rng = np.random.default_rng(args.seed)

        # Same polygons, same order, a bare STRtree: what locate() costs on top of shapely.
        geoms = index.cells.geoms
        tree = shapely.STRtree(geoms)

        # Single lookups: warm up, then time. Both loops build a shapely Point per call.
        lons, lats = random_points(squares, 1_000, rng)
        for x, y in zip(lons, lats):
            geo.locate(district, x, y)
            tree.query(shapely.Point(x, y), predicate="intersects")
        lons, lats = random_points(squares, args.single, rng)
        single_us = per_call_us(lambda x, y: geo.locate(district, x, y), lons, lats)
        raw_single_us = per_call_us(lambda x, y: tree.query(shapely.Point(x, y), predicate="intersects"), lons, lats)
        # Correctness on a sample: locate() and the bare tree agree.
        for x, y in zip(lons[:200], lats[:200]):
            hit = tree.query(shapely.Point(x, y), predicate="intersects")
            assert len(hit) == 1 and geo.locate(district, x, y).grid_id == index.cells.ids[hit[0]]
        print(f"single: geo.locate() {single_us:.1f} µs per point; bare STRtree.query(point) {raw_single_us:.1f} µs "
              f"({args.single:,} random points inside the district)")

        # Batch lookups: both include making the shapely points from coordinate arrays.
        lons, lats = random_points(squares, args.batch, rng)
        geo.locate_many(district, lons[:1000], lats[:1000])
        started = time.perf_counter()
        found = geo.locate_many(district, lons, lats)
        batch_s = time.perf_counter() - started
        started = time.perf_counter()
        pidx, gidx = tree.query(shapely.points(lons, lats), predicate="intersects")
        raw_batch_s = time.perf_counter() - started
        assert sum(f is not None for f in found) == args.batch == len(pidx)
        batch_pps = args.batch / batch_s
        raw_batch_pps = args.batch / raw_batch_s
        print(f"batch: geo.locate_many() {batch_pps:,.0f} points/s; bare STRtree.query(points) {raw_batch_pps:,.0f} points/s "
              f"({args.batch:,} points)")
        print(f"total: {time.perf_counter() - T_START:.1f} s")
        from django.db import connections

        connections.close_all()

    print(json.dumps(separators=(",", ":"), obj={
        "bench": "locate",
        "polygons": args.polygons,
        "single_us": round(single_us, 2),
        "raw_single_us": round(raw_single_us, 2),
        "batch_pps": round(batch_pps),
        "raw_batch_pps": round(raw_batch_pps),
    }))


T_START = time.perf_counter()

if __name__ == "__main__":
    main()
