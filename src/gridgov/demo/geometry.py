"""Synthetic but plausible geometry: a convex district outline at the district's true location,
split into nested convex cells by relaxed Voronoi partitions; small buildings inside grids."""
import math

import numpy as np
import shapely
from shapely.geometry import Polygon, box


def outline(lon, lat, radius_deg, rng, corners=14):
    """A convex, irregular outline around (lon, lat); longitude stretched by 1/cos(lat)."""
    stretch = 1 / math.cos(math.radians(lat))
    pts = []
    for i in range(corners):
        a = 2 * math.pi * i / corners + rng.uniform(-0.1, 0.1)
        r = radius_deg * rng.uniform(0.75, 1.0)
        pts.append((lon + r * stretch * math.cos(a), lat + r * 0.8 * math.sin(a)))
    return shapely.convex_hull(shapely.MultiPoint(pts))


def sample_points(geom, n, rng):
    minx, miny, maxx, maxy = geom.bounds
    out = []
    shapely.prepare(geom)
    while len(out) < n:
        xs = rng.uniform(minx, maxx, size=max(16, n * 2))
        ys = rng.uniform(miny, maxy, size=max(16, n * 2))
        ok = shapely.contains_xy(geom, xs, ys)
        out.extend(zip(xs[ok], ys[ok]))
    return out[:n]


def partition(geom, n, rng, relax=2):
    """Split convex `geom` into `n` convex cells ordered north-west to south-east."""
    if n <= 1:
        return [geom]
    pts = sample_points(geom, n, rng)
    cells = []
    for step in range(relax + 1):
        diagram = shapely.voronoi_polygons(shapely.MultiPoint(pts), extend_to=geom, ordered=True)
        cells = [c.intersection(geom) for c in diagram.geoms]
        if step < relax:
            pts = [(c.centroid.x, c.centroid.y) for c in cells]
    cells = [c if c.geom_type == "Polygon" else max(getattr(c, "geoms", [c]), key=lambda g: g.area) for c in cells]
    band = (geom.bounds[3] - geom.bounds[1]) / max(2, round(math.sqrt(n)))
    return sorted(cells, key=lambda c: (-math.floor(c.centroid.y / band), c.centroid.x))


def buildings(geom, n, rng, size=(0.00040, 0.00016)):
    """Up to `n` small rectangular footprints inside `geom`, not overlapping each other."""
    placed = []
    inner = geom.buffer(-0.0001)
    if inner.is_empty:
        return placed
    for x, y in sample_points(inner, n * 4, rng):
        w, h = size if rng.random() < 0.6 else (size[1], size[0])
        rect = box(x - w / 2, y - h / 2, x + w / 2, y + h / 2)
        if geom.covers(rect) and not any(rect.buffer(0.00005).intersects(p) for p in placed):
            placed.append(rect)
            if len(placed) == n:
                break
    return placed


def split_rect(rect, parts):
    """Split a rectangle along its long side into `parts` equal rectangles (entrance units)."""
    minx, miny, maxx, maxy = rect.bounds
    out = []
    for i in range(parts):
        if maxx - minx >= maxy - miny:
            step = (maxx - minx) / parts
            out.append(box(minx + i * step, miny, minx + (i + 1) * step, maxy))
        else:
            step = (maxy - miny) / parts
            out.append(box(minx, miny + i * step, maxx, miny + (i + 1) * step))
    return out


def spread(total, parts, rng, minimum=1):
    """Split `total` into `parts` positive integers that vary but sum exactly to `total`."""
    weights = rng.uniform(0.6, 1.4, size=parts)
    raw = weights / weights.sum() * (total - minimum * parts)
    counts = np.floor(raw).astype(int) + minimum
    for i in np.argsort(-(raw - np.floor(raw)))[: total - counts.sum()]:
        counts[i] += 1
    return [int(c) for c in counts]


__all__ = ["outline", "partition", "buildings", "split_rect", "spread", "Polygon"]
