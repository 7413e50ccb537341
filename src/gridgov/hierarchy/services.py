"""Domain operations on the hierarchy: create districts and nodes, set boundaries, subtree queries,
bulk tree building for imports and the demo. Views, API and commands call these."""
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, F, Q
from django.db.models.functions import Substr
from django.utils.translation import gettext as _
from treebeard.mp_tree import MP_Node

from . import geo
from .codes import CodeError, validate_code
from .models import LEVEL_LABELS, District, Node

ALPHABET = MP_Node.alphabet
STEPLEN = MP_Node.steplen


class HierarchyError(ValueError):
    """A change to the hierarchy that breaks its rules; the message is for the user."""


# ---------------------------------------------------------------- subtree predicates

def path_upper(path):
    """The smallest string greater than every path that starts with `path`, or None.

    Subtree filters are `path >= p AND path < path_upper(p)`: a range both SQLite and
    PostgreSQL answer from the path index, in any collation, unlike LIKE 'p%'."""
    stripped = path.rstrip(ALPHABET[-1])
    if not stripped:
        return None
    last = stripped[-1]
    return stripped[:-1] + ALPHABET[ALPHABET.index(last) + 1]


def subtree_q(path, field="path"):
    """Q for the rows whose `field` lies in the subtree rooted at `path` (inclusive)."""
    upper = path_upper(path)
    q = Q(**{f"{field}__gte": path})
    if upper is not None:
        q &= Q(**{f"{field}__lt": upper})
    return q


def subtree(node, include_self=True):
    qs = Node.objects.filter(subtree_q(node.path))
    if not include_self:
        qs = qs.exclude(pk=node.pk)
    return qs


def ancestors(node):
    """The node's ancestors from the district down, then the node itself (for breadcrumbs)."""
    paths = [node.path[: i * STEPLEN] for i in range(1, node.depth + 1)]
    by_path = {n.path: n for n in Node.objects.filter(path__in=paths)}
    return [by_path[p] for p in paths if p in by_path]


def children_with_counts(node):
    """Children of `node` in code order, each with `.counts`: {kind: descendants of that kind}."""
    children = list(Node.objects.filter(subtree_q(node.path), depth=node.depth + 1).order_by("code"))
    if not children:
        return children
    prefix_len = (node.depth + 1) * STEPLEN
    rows = (
        Node.objects.filter(subtree_q(node.path), depth__gt=node.depth + 1)
        .annotate(prefix=Substr("path", 1, prefix_len))
        .order_by()
        .values("prefix", "kind")
        .annotate(n=Count("id"))
    )
    counts = {}
    for row in rows:
        counts.setdefault(row["prefix"], {})[row["kind"]] = row["n"]
    for child in children:
        child.counts = counts.get(child.path, {})
    return children


def count_by_kind(node):
    """{kind: number of nodes of that kind} in the subtree below `node`."""
    rows = subtree(node, include_self=False).order_by().values("kind").annotate(n=Count("id"))
    return {r["kind"]: r["n"] for r in rows}


# ---------------------------------------------------------------- creating and changing

def bump_geometry(district_id):
    """Tell every process that the district's boundaries changed (locate() rebuilds its index)."""
    District.objects.filter(pk=district_id).update(geometry_version=F("geometry_version") + 1)
    geo.mark_changed(district_id)


def check_child(parent, kind, code, polygon=None):
    """Validate a prospective child; returns the parsed geometry (or None). Raises HierarchyError."""
    district = parent.district
    expected = district.child_kind(parent.kind)
    if expected is None:
        raise HierarchyError(_("A %(kind)s has no lower level in this district.") % {"kind": LEVEL_LABELS.get(parent.kind, parent.kind)})
    if kind != expected:
        raise HierarchyError(
            _("Below a %(parent)s comes a %(expected)s, not a %(kind)s.")
            % {"parent": LEVEL_LABELS.get(parent.kind, parent.kind), "expected": LEVEL_LABELS.get(expected, expected), "kind": LEVEL_LABELS.get(kind, kind)}
        )
    try:
        validate_code(kind, code, parent.code)
    except CodeError as exc:
        raise HierarchyError(str(exc))
    geom = None
    if polygon is not None:
        geom = check_polygon(polygon, parent)
    return geom


def check_polygon(polygon, parent):
    """Parse and validate a boundary against its parent's boundary; returns the geometry."""
    try:
        geom = polygon if hasattr(polygon, "geom_type") else geo.parse_polygon(polygon)
    except geo.GeometryError as exc:
        raise HierarchyError(str(exc))
    if parent is not None and parent.polygon:
        if not geo.inside(geom, geo.parse_polygon(parent.polygon)):
            raise HierarchyError(_("The boundary is not inside the boundary of %(parent)s.") % {"parent": parent.name})
    return geom


def _geometry_columns(geom):
    if geom is None:
        return {"polygon": None, "centroid_lon": None, "centroid_lat": None, "bbox": None}
    return {"polygon": geo.to_geojson(geom), **geo.geometry_fields(geom)}


@transaction.atomic
def create_district(code, name, levels, polygon=None, settings=None):
    try:
        validate_code("district", code)
    except CodeError as exc:
        raise HierarchyError(str(exc))
    if not levels or levels[0] != "district":
        raise HierarchyError(_("The level scheme must start with the district."))
    unknown = [k for k in levels if k not in LEVEL_LABELS]
    if unknown:
        raise HierarchyError(_("Unknown levels: %(levels)s.") % {"levels": ", ".join(unknown)})
    if District.objects.filter(code=code).exists():
        raise HierarchyError(_("District %(code)s already exists.") % {"code": code})
    geom = check_polygon(polygon, None) if polygon is not None else None
    district = District.objects.create(code=code, name=name, levels=list(levels), settings=settings or {})
    Node.objects.add_root(dict(district=district, kind="district", code=code, name=name, **_geometry_columns(geom)))
    return district


@transaction.atomic
def create_node(parent, kind, code, name, polygon=None):
    geom = check_child(parent, kind, code, polygon)
    if Node.objects.filter(code=code).exists():
        raise HierarchyError(_("Code %(code)s is already in use.") % {"code": code})
    parent = Node.objects.get(pk=parent.pk)  # fresh numchild/path for treebeard
    return Node.objects.add_child(parent, dict(district_id=parent.district_id, kind=kind, code=code, name=name, **_geometry_columns(geom)))


@transaction.atomic
def set_polygon(node, polygon):
    parent = node.get_parent()
    geom = check_polygon(polygon, parent)
    for key, value in _geometry_columns(geom).items():
        setattr(node, key, value)
    node.save(update_fields=["polygon", "centroid_lon", "centroid_lat", "bbox"])
    return node


# ---------------------------------------------------------------- bulk building

@dataclass
class _Pending:
    path: str
    depth: int
    kind: str
    code: str
    geom: object = None
    numchild: int = 0
    obj: Node | None = None
    children: list = field(default_factory=list)


class TreeBuilder:
    """Adds many nodes with precomputed treebeard paths and writes them with bulk_create.

    Used by imports and the demo: thousands of nodes in a few statements instead of several
    queries per node. Every add() is checked like create_node(): level, code, boundary inside
    the parent's; flush() refuses codes already in the database."""

    def __init__(self, district):
        self.district = district
        self.pending = []
        self._existing = {}
        self._codes = set()

    def _handle(self, parent):
        if isinstance(parent, _Pending):
            return parent
        handle = self._existing.get(parent.pk)
        if handle is None:
            fresh = Node.objects.get(pk=parent.pk)
            last = Node.objects.filter(subtree_q(fresh.path), depth=fresh.depth + 1).order_by("-path").values_list("path", flat=True).first()
            geom = geo.parse_polygon(fresh.polygon) if fresh.polygon else None
            handle = _Pending(path=fresh.path, depth=fresh.depth, kind=fresh.kind, code=fresh.code, geom=geom,
                              numchild=_decode(last[-STEPLEN:]) if last else 0, obj=fresh)
            self._existing[parent.pk] = handle
        return handle

    def add(self, parent, kind, code, name, geom=None):
        """Queue a child of `parent` (a Node or a handle returned by add); returns its handle."""
        handle = self._handle(parent)
        expected = self.district.child_kind(handle.kind)
        if kind != expected:
            raise HierarchyError(
                _("Below a %(parent)s comes a %(expected)s, not a %(kind)s.")
                % {"parent": LEVEL_LABELS.get(handle.kind, handle.kind), "expected": LEVEL_LABELS.get(expected, expected or "-"), "kind": LEVEL_LABELS.get(kind, kind)}
            )
        try:
            validate_code(kind, code, handle.code)
        except CodeError as exc:
            raise HierarchyError(str(exc))
        if code in self._codes:
            raise HierarchyError(_("Code %(code)s appears twice.") % {"code": code})
        if geom is not None and not hasattr(geom, "geom_type"):
            geom = check_polygon(geom, None)
        if geom is not None and handle.geom is not None and not geo.inside(geom, handle.geom):
            raise HierarchyError(_("The boundary of %(code)s is not inside its parent %(parent)s.") % {"code": code, "parent": handle.code})
        self._codes.add(code)
        handle.numchild += 1
        path = handle.path + _encode(handle.numchild)
        child = _Pending(path=path, depth=handle.depth + 1, kind=kind, code=code, geom=geom)
        child.obj = Node(district=self.district, kind=kind, code=code, name=name, path=path, depth=child.depth, numchild=0, **_geometry_columns(geom))
        handle.children.append(child)
        self.pending.append(child)
        return child

    def taken_codes(self):
        """Codes queued here that already exist in the database."""
        codes = [p.code for p in self.pending]
        taken = set()
        for i in range(0, len(codes), 900):
            taken.update(Node.objects.filter(code__in=codes[i:i + 900]).values_list("code", flat=True))
        return taken

    @transaction.atomic
    def flush(self, batch_size=2000):
        taken = self.taken_codes()
        if taken:
            raise HierarchyError(_("Codes already in use: %(codes)s.") % {"codes": ", ".join(sorted(taken)[:20])})
        for item in self.pending:
            item.obj.numchild = len(item.children)
        Node.objects.bulk_create([item.obj for item in self.pending], batch_size=batch_size)
        for handle in self._existing.values():
            if handle.children:
                Node.objects.filter(pk=handle.obj.pk).update(numchild=F("numchild") + len(handle.children))
        created = len(self.pending)
        if created:
            bump_geometry(self.district.pk)
        self.pending = []
        self._existing = {}
        self._codes = set()
        return created


def _encode(number):
    digits = []
    while number:
        number, rem = divmod(number, len(ALPHABET))
        digits.append(ALPHABET[rem])
    return "".join(reversed(digits)).rjust(STEPLEN, ALPHABET[0])


def _decode(step):
    return int(step, len(ALPHABET))


# ---------------------------------------------------------------- thematic layers (多网合一)

@transaction.atomic
def create_thematic_grids(layer, items):
    """Create thematic grids from (code, name, polygon or list of polygons) and map each onto
    the comprehensive grids it overlaps, with the share of its area in each."""
    import shapely
    from shapely.geometry import shape

    from .models import CELL_KINDS, ThematicGrid, ThematicMapping

    cells = list(Node.objects.filter(district_id=layer.district_id, kind__in=CELL_KINDS, polygon__isnull=False).values_list("id", "polygon"))
    cell_geoms = [shape(p) for _, p in cells]
    tree = shapely.STRtree(cell_geoms)
    grids, mappings = [], []
    for code, name, polygons in items:
        parts = polygons if isinstance(polygons, list) else [polygons]
        geom = shapely.union_all([shape(p) if isinstance(p, dict) else p for p in parts])
        grid = ThematicGrid(layer=layer, code=code, name=name, polygon=geo.to_geojson(geom))
        grids.append(grid)
        area = geom.area or 1.0
        for i in tree.query(geom, predicate="intersects"):
            share = cell_geoms[i].intersection(geom).area / area
            if share > 1e-6:
                mappings.append((grid, cells[i][0], round(share, 6)))
    ThematicGrid.objects.bulk_create(grids, batch_size=1000)
    ThematicMapping.objects.bulk_create([ThematicMapping(thematic=g, grid_id=c, share=s) for g, c, s in mappings], batch_size=2000)
    return grids
