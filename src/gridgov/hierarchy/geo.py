"""Geometry of the hierarchy: GeoJSON parsing and validation, and the in-memory locate() index.
One shapely STRtree per district and process, rebuilt when the district's geometry_version moves."""
import threading
import time
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import mapping, shape
from django.utils.translation import gettext as _

# Coordinates are rounded to 7 decimals (~1 cm) when stored; containment allows for that.
TOLERANCE = 1e-6
# How long a process trusts its index before checking the district's geometry_version again.
RECHECK_SECONDS = 2.0


class GeometryError(ValueError):
    """A boundary that cannot be stored; the message is for the user."""


def parse_polygon(geojson):
    """Return a valid shapely (Multi)Polygon from a GeoJSON geometry or Feature, or raise GeometryError."""
    if geojson is None:
        raise GeometryError(_("The boundary is empty."))
    if isinstance(geojson, dict) and geojson.get("type") == "Feature":
        geojson = geojson.get("geometry")
    try:
        geom = shape(geojson)
    except Exception:
        raise GeometryError(_("The boundary is not a valid GeoJSON geometry."))
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        raise GeometryError(_("The boundary must be a Polygon or MultiPolygon, not %(type)s.") % {"type": geom.geom_type})
    if geom.is_empty:
        raise GeometryError(_("The boundary is empty."))
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise GeometryError(_("The boundary has coordinates outside longitude/latitude range (WGS-84 expected)."))
    if not geom.is_valid:
        raise GeometryError(_("The boundary is not a valid polygon: %(reason)s.") % {"reason": shapely.is_valid_reason(geom)})
    return geom


def to_geojson(geom):
    """GeoJSON geometry dict with coordinates rounded to 7 decimals."""
    return _as_lists(mapping(shapely.transform(geom, lambda xy: np.round(xy, 7))))


def _as_lists(value):
    if isinstance(value, (tuple, list)):
        return [_as_lists(v) for v in value]
    if isinstance(value, dict):
        return {k: _as_lists(v) for k, v in value.items()}
    return value


def inside(child, parent):
    """True when `child` lies inside `parent` (allowing for stored rounding)."""
    return parent.buffer(TOLERANCE, join_style="mitre").covers(child)


def geometry_fields(geom):
    """The denormalised columns of a node for a geometry: centroid and bbox."""
    c = geom.representative_point() if not geom.centroid.within(geom) else geom.centroid
    return {
        "centroid_lon": round(c.x, 7),
        "centroid_lat": round(c.y, 7),
        "bbox": [round(v, 7) for v in geom.bounds],
    }


@dataclass(frozen=True)
class Location:
    """Where a point falls: the comprehensive grid cell and, where one contains it, the building."""

    grid_id: int
    grid_code: str
    grid_name: str
    grid_path: str
    building_id: int | None = None
    building_code: str | None = None
    building_name: str | None = None


class _Layer:
    """Polygons of one kind in one district with their STRtree; rows sorted by code."""

    def __init__(self, rows):
        rows = sorted(rows, key=lambda r: r[1])
        self.ids = [r[0] for r in rows]
        self.codes = [r[1] for r in rows]
        self.names = [r[2] for r in rows]
        self.paths = [r[3] for r in rows]
        self.geoms = np.array([shape(r[4]) for r in rows], dtype=object)
        for g in self.geoms:
            shapely.prepare(g)
        self.tree = shapely.STRtree(self.geoms) if rows else None

    def hit(self, point):
        if self.tree is None:
            return None
        found = self.tree.query(point, predicate="intersects")
        return int(found.min()) if len(found) else None

    def hits(self, points):
        """Index of the first (lowest code) polygon for each point, -1 where none."""
        out = np.full(len(points), -1, dtype=np.int64)
        if self.tree is None or not len(points):
            return out
        pidx, gidx = self.tree.query(points, predicate="intersects")
        # Sorted by point, then polygon index: the first row of each point is its lowest code.
        # (Assigning every row and relying on the last write to win is unspecified in NumPy.)
        order = np.lexsort((gidx, pidx))
        pidx, gidx = pidx[order], gidx[order]
        first = np.ones(len(pidx), dtype=bool)
        first[1:] = pidx[1:] != pidx[:-1]
        out[pidx[first]] = gidx[first]
        return out


class DistrictIndex:
    def __init__(self, district_id, version, cells, buildings):
        self.district_id = district_id
        self.version = version
        self.checked_at = time.monotonic()
        self.cells = _Layer(cells)
        self.buildings = _Layer(buildings)

    def _location(self, ci, bi):
        if ci is None or ci < 0:
            return None
        c = self.cells
        if bi is not None and bi >= 0:
            b = self.buildings
            return Location(c.ids[ci], c.codes[ci], c.names[ci], c.paths[ci], b.ids[bi], b.codes[bi], b.names[bi])
        return Location(c.ids[ci], c.codes[ci], c.names[ci], c.paths[ci])

    def locate(self, lon, lat):
        point = shapely.Point(lon, lat)
        ci = self.cells.hit(point)
        if ci is None:
            return None
        return self._location(ci, self.buildings.hit(point))

    def locate_many(self, lons, lats):
        points = shapely.points(np.asarray(lons, dtype=float), np.asarray(lats, dtype=float))
        cis = self.cells.hits(points)
        bis = self.buildings.hits(points)
        return [self._location(int(ci), int(bi)) for ci, bi in zip(cis, bis)]


_indexes: dict[int, DistrictIndex] = {}
_lock = threading.Lock()


def _district_id(district):
    from .models import District

    if isinstance(district, District):
        return district.pk
    if isinstance(district, int):
        return district
    return District.objects.values_list("pk", flat=True).get(code=str(district))


def get_index(district):
    """The current locate index of a district (a District, its id or its code)."""
    from .models import CELL_KINDS, District, Node

    district_id = _district_id(district)
    index = _indexes.get(district_id)
    now = time.monotonic()
    if index is not None and now - index.checked_at < RECHECK_SECONDS:
        return index
    version = District.objects.values_list("geometry_version", flat=True).get(pk=district_id)
    if index is not None and index.version == version:
        index.checked_at = now
        return index
    with _lock:
        rows = Node.objects.filter(district_id=district_id, polygon__isnull=False)
        cells = list(rows.filter(kind__in=CELL_KINDS).values_list("id", "code", "name", "path", "polygon"))
        buildings = list(rows.filter(kind="building").values_list("id", "code", "name", "path", "polygon"))
        index = DistrictIndex(district_id, version, cells, buildings)
        # Built from rows this transaction changed but has not committed: use it, do not keep it
        # (a rollback would otherwise leave it cached under a version number that gets reused).
        if not _uncommitted(district_id):
            _indexes[district_id] = index
    return index


def invalidate(district_id=None):
    """Forget this process's index (all districts when None); the next locate() rebuilds it."""
    with _lock:
        if district_id is None:
            _indexes.clear()
        else:
            _indexes.pop(district_id, None)


class _CommitInvalidation:
    """The on_commit callback of mark_changed(); while it is pending, the district has uncommitted
    boundary changes on this connection (Django drops it from run_on_commit on rollback)."""

    def __init__(self, district_id):
        self.district_id = district_id

    def __call__(self):
        invalidate(self.district_id)


def mark_changed(district_id):
    """The district's boundaries changed in the current transaction: forget the index now and again
    at commit; until the transaction ends, get_index() builds indexes without caching them."""
    from django.db import transaction

    invalidate(district_id)
    transaction.on_commit(_CommitInvalidation(district_id))


def _uncommitted(district_id):
    from django.db import connection

    return any(isinstance(item[1], _CommitInvalidation) and item[1].district_id == district_id for item in connection.run_on_commit)


def locate(district, lon, lat):
    """The comprehensive grid (and building) containing (lon, lat), or None outside every grid."""
    return get_index(district).locate(float(lon), float(lat))


def locate_many(district, lons, lats):
    """locate() for many points at once; a list of Location or None, in input order."""
    return get_index(district).locate_many(lons, lats)
