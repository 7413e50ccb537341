"""Hierarchy endpoints: node detail, children with counts, tree, search, locate a point.
Thin: every node comes from scoping.scoped_nodes(user, VIEW); the work is in hierarchy.services/geo."""
from typing import Literal, Optional

from django.db.models import F, OuterRef, Q, Subquery
from django.db.models.functions import Length, Substr
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from gridgov.hierarchy import geo, services
from gridgov.hierarchy.models import LEVEL_KINDS, LEVEL_LABELS, District, Node
from gridgov.people import roles, scoping

from .errors import MAX_OFFSET, documented

router = Router()

Kind = Literal[tuple(code for code, _label in LEVEL_KINDS)]
MAX_TREE_DEPTH = 3
MAX_PAGE = 200


# ---------------------------------------------------------------- schemas

class NodeOut(Schema):
    id: int
    code: str
    name: str
    kind: Kind
    kind_label: str = Field(description="the level's name in the request's language")
    district: str = Field(description="division code of the node's district")
    parent_id: Optional[int] = Field(description="null for a district; the parent may lie outside your area")
    depth: int = Field(description="1 for a district, 2 for a subdistrict, …")
    path: str = Field(description="materialized path; a subtree is every path with this prefix")
    numchild: int
    centroid: Optional[list[float]] = Field(description="[lon, lat] (WGS-84) inside the boundary, or null")
    bbox: Optional[list[float]] = Field(description="[min_lon, min_lat, max_lon, max_lat], or null")

    @staticmethod
    def resolve_kind_label(obj):
        return str(LEVEL_LABELS.get(obj.kind, obj.kind))

    @staticmethod
    def resolve_district(obj):
        return obj.district_code

    @staticmethod
    def resolve_centroid(obj):
        if obj.centroid_lon is None or obj.centroid_lat is None:
            return None
        return [obj.centroid_lon, obj.centroid_lat]


class NodeDetailOut(NodeOut):
    geometry: Optional[dict] = Field(None, description="GeoJSON boundary; only with ?geometry=true")


class ChildOut(NodeOut):
    counts: dict[str, int] = Field(description="{kind: number of nodes of that kind below this child}")


class TreeNodeOut(Schema):
    id: int
    code: str
    name: str
    kind: Kind
    kind_label: str
    depth: int
    numchild: int
    children: list["TreeNodeOut"] = Field(description="empty below the requested depth even when numchild > 0")


TreeNodeOut.model_rebuild()


class PlaceOut(Schema):
    id: int
    code: str
    name: str
    kind: Kind


class LocateOut(Schema):
    district: str
    grid: Optional[PlaceOut] = Field(description="the comprehensive grid cell containing the point, or null")
    building: Optional[PlaceOut] = Field(description="the building containing the point, or null")
    message: Optional[str] = Field(None, description="why grid is null")


class NodePagination(LimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(50, ge=1, le=MAX_PAGE)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)


# ---------------------------------------------------------------- queries

def visible(request):
    """The one way to nodes here: what the caller may view."""
    return scoping.scoped_nodes(request.auth, roles.VIEW)


def with_output_columns(queryset):
    """Adds what NodeOut needs beyond the row: the district's code and the parent's id (the node
    whose path is this path minus its last step), in the same query."""
    parent = Node.objects.filter(path=Substr(OuterRef("path"), 1, Length(OuterRef("path")) - services.STEPLEN)).values("pk")[:1]
    return queryset.annotate(district_code=F("district__code"), parent_id=Subquery(parent))


def get_visible_node(request, node_id):
    node = with_output_columns(visible(request)).filter(pk=node_id).first()
    if node is None:
        raise Http404  # missing or out of scope: the same answer
    return node


# ---------------------------------------------------------------- endpoints
# /nodes/tree comes before /nodes/{node_id}, which would otherwise take "tree" as an id.

@router.get("/nodes/tree", response=documented(list[TreeNodeOut]), summary="Nested tree below a node, or below your own nodes")
def tree(
    request,
    root: Optional[int] = Query(None, description="node id; default: the nodes of your posts (all districts for a superuser)"),
    depth: int = Query(1, ge=1, le=MAX_TREE_DEPTH, description="levels below each root"),
):
    nodes = visible(request)
    if root is not None:
        roots = list(nodes.filter(pk=root))
        if not roots:
            raise Http404
    else:
        paths = scoping.visible_paths(request.auth, roles.VIEW)
        roots = list((nodes.filter(depth=1) if paths is None else nodes.filter(path__in=paths)).order_by("code"))
    if not roots:
        return []
    below = Q()
    for node in roots:
        below |= services.subtree_q(node.path) & Q(depth__gt=node.depth, depth__lte=node.depth + depth)
    rows = nodes.filter(below).order_by("depth", "code").values("id", "path", "code", "name", "kind", "depth", "numchild")

    def item(row):
        return {
            "id": row["id"], "code": row["code"], "name": row["name"], "kind": row["kind"],
            "kind_label": str(LEVEL_LABELS.get(row["kind"], row["kind"])), "depth": row["depth"],
            "numchild": row["numchild"], "children": [],
        }

    by_path = {}
    result = []
    for node in roots:
        by_path[node.path] = entry = item({f: getattr(node, f) for f in ("id", "path", "code", "name", "kind", "depth", "numchild")})
        result.append(entry)
    # Rows come by depth, then code: each parent is placed before its children, and each
    # parent's children arrive in code order.
    for row in rows:
        parent = by_path.get(row["path"][: -services.STEPLEN])
        if parent is not None:
            by_path[row["path"]] = entry = item(row)
            parent["children"].append(entry)
    return result


@router.get("/nodes", response=documented(list[NodeOut]), summary="Search nodes by name or code prefix")
@paginate(NodePagination)
def search(
    request,
    # No control characters: PostgreSQL refuses NUL in a query (a 500), and no name has them.
    q: str = Query("", max_length=100, pattern=r"^[^\x00-\x1f\x7f]*$", description="part of the name, or the start of the code"),
    kind: Optional[Kind] = Query(None),
    district: Optional[str] = Query(None, pattern=r"^\d{6}$", description="division code"),
):
    nodes = visible(request)
    q = q.strip()
    if q:
        nodes = nodes.filter(Q(name__icontains=q) | Q(code__startswith=q))
    if kind:
        nodes = nodes.filter(kind=kind)
    if district:
        nodes = nodes.filter(district__code=district)
    return with_output_columns(nodes).order_by("depth", "code")


@router.get("/nodes/{node_id}", response=documented(NodeDetailOut), exclude_unset=True, summary="One node")
def detail(request, node_id: int, geometry: bool = Query(False, description="add the GeoJSON boundary")):
    node = get_visible_node(request, node_id)
    if geometry:
        node.geometry = node.polygon
    return node


@router.get("/nodes/{node_id}/children", response=documented(list[ChildOut]), summary="Children of a node with counts by level")
def children(request, node_id: int):
    node = get_visible_node(request, node_id)
    # No second scoping pass: what a user sees is a union of whole subtrees, so every
    # descendant of a visible node is visible.
    result = services.children_with_counts(node)
    for child in result:
        child.parent_id = node.pk
        child.district_code = node.district_code
    return result


@router.get("/locate", response=documented(LocateOut), exclude_unset=True, summary="The grid (and building) containing a point")
def locate(
    request,
    district: str = Query(..., pattern=r"^\d{6}$", description="division code"),
    lon: float = Query(..., ge=-180, le=180, allow_inf_nan=False, description="longitude, WGS-84"),
    lat: float = Query(..., ge=-90, le=90, allow_inf_nan=False, description="latitude, WGS-84"),
):
    found = District.objects.filter(code=district).first()
    # A district where the caller sees nothing answers like an unknown one.
    if found is None or not visible(request).filter(district=found).exists():
        raise Http404
    location = geo.locate(found, lon, lat)
    answer = {"district": found.code, "grid": None, "building": None}
    if location is None:
        answer["message"] = _("The point lies outside every grid of the district.")
        return answer
    ids = [location.grid_id] + ([location.building_id] if location.building_id else [])
    places = {n.pk: n for n in visible(request).filter(pk__in=ids).only("id", "code", "name", "kind")}
    if location.grid_id not in places:
        # geo.locate() searches the whole district; the caller learns only that the grid is not theirs.
        answer["message"] = _("The point lies in a grid outside your area.")
        return answer
    answer["grid"] = places[location.grid_id]
    answer["building"] = places.get(location.building_id)
    return answer
