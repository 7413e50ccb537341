"""Pages of the vanguard index report 先锋指数报告: the month's web page (ECharts charts, tables, links to the
records behind every figure) and its Excel and PDF downloads. Thin: the figures come from services.report."""
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render

from gridgov.people import roles, scoping

from .errors import AssessmentError
from .services import report as reports


def _request_scope(request):
    """(district, node or None) of a report request; 403 without VIEW, 404 for a node outside the user's area."""
    user = request.user
    if not scoping.can(user, roles.VIEW):
        raise PermissionDenied
    district = scoping.user_district(user)
    if district is None:
        raise Http404
    node = None
    raw = request.GET.get("node")
    if raw:
        if not raw.isdigit():
            raise Http404
        node = scoping.scoped_nodes(user).filter(district=district, pk=int(raw)).first()
        if node is None:
            raise Http404
    return district, node


def _month(value):
    try:
        return reports.parse_month(value)
    except AssessmentError:
        raise Http404 from None


def _page(request, district, node, month):
    months = reports.graded_months(district, request.user, node)
    report = reports.build_report(district, month, user=request.user, node=node) if month else None
    query = f"?node={node.pk}" if node is not None else ""
    return render(request, "assessment/report_page.html", {
        "district": district, "node": node, "report": report, "month": month, "months": months[:24],
        "query": query, "charts": _charts(report) if report is not None and not report.empty else None,
    })


def report_latest(request):
    """The latest month with grades; a clear message when no month has been graded yet."""
    district, node = _request_scope(request)
    return _page(request, district, node, reports.latest_month(district, request.user, node))


def report(request, month):
    district, node = _request_scope(request)
    return _page(request, district, node, _month(month))


def report_xlsx(request, month):
    from .xlsx_report import report_workbook

    district, node = _request_scope(request)
    report = reports.build_report(district, _month(month), user=request.user, node=node)
    body = report_workbook(report, base_url=request.build_absolute_uri("/")[:-1])
    response = HttpResponse(body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="vanguard-{district.code}-{report.month_label}.xlsx"'
    return response


def report_pdf(request, month):
    from .pdf import report_pdf as render_pdf

    district, node = _request_scope(request)
    report = reports.build_report(district, _month(month), user=request.user, node=node)
    body = render_pdf(report, base_url=request.build_absolute_uri("/")[:-1])
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="vanguard-{district.code}-{report.month_label}.pdf"'
    return response


def _charts(report):
    """The ECharts options' data (json_script): every point carries the URL of its records."""
    units = report.subdistricts or report.communities
    return {
        "distribution": [
            {"name": b.name, "value": b.count, "url": b.url, "itemStyle": {"color": b.colour}} for b in report.bands
        ],
        "units": {
            "names": [u.name for u in units],
            "averages": [{"value": float(u.average), "url": u.url} for u in units],
            "bands": [
                {"name": b.name, "color": b.colour,
                 "data": [{"value": u.bands[i].count, "url": u.bands[i].url} for u in units]}
                for i, b in enumerate(report.bands)
            ],
        },
    }
