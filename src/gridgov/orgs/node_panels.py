"""Panels of the organisations on the node page: a grid's 五长一队一阵地 staffing checklist, and a
community's share of completely staffed grids with the incomplete ones listed."""
from gridgov.hierarchy.models import CELL_KINDS

from . import services


def panels(request, node):
    # The node page has already checked that the user may see `node` (and so its whole subtree).
    if node.kind in CELL_KINDS:
        return [("orgs/panels/staffing.html", {"staffing": services.staffing(node)})]
    if node.kind == "community":
        return [("orgs/panels/community_staffing.html", services.community_completeness(node))]
    return []
