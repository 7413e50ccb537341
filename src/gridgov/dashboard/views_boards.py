"""Views of the per-level dashboards: the page, its Excel workbook and its printable page, all
rendered from services.board."""
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from . import services, xlsx


def _board(request, pk):
    try:
        node = services.node_for(request.user, pk)
    except services.NotAllowed:
        raise Http404
    month = services.parse_month(request.GET.get("month"))
    return services.board(request.user, node, month)


@require_GET
def board(request, pk=None):
    if pk is None:
        try:
            node = services.node_for(request.user)
        except services.NotAllowed:
            raise Http404
        return redirect("dashboard:board", pk=node.pk)
    data = _board(request, pk)
    from gridgov.people import roles, scoping

    return render(request, "dashboard/board.html", {**data, "month_value": data["month"].strftime("%Y-%m"),
                                                    "ancestors": _ancestors(request.user, data["node"]),
                                                    "can_export": scoping.can(request.user, roles.EXPORT)})


@require_GET
def board_print(request, pk):
    data = _board(request, pk)
    return render(request, "dashboard/board_print.html", data)


@require_GET
def board_xlsx(request, pk):
    # Every download needs EXPORT (a grid worker reads the dashboard but does not download it).
    from gridgov.people import roles, scoping

    if not scoping.can(request.user, roles.EXPORT):
        raise PermissionDenied
    data = _board(request, pk)
    response = HttpResponse(xlsx.workbook(data), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="dashboard-{data["node"].code or data["node"].pk}-{data["month"]:%Y-%m}.xlsx"'
    return response


def _ancestors(user, node):
    """The breadcrumb: ancestors the user may read are links, the ones above their posts names only."""
    from gridgov.hierarchy.services import ancestors
    from gridgov.people import roles, scoping

    return [{"node": a, "linked": scoping.can(user, roles.VIEW, a)} for a in ancestors(node)[:-1]]
