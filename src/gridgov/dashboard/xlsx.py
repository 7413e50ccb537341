"""A dashboard as an Excel workbook: the figures of each section, the children, the trends."""
import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.chart import LineChart, Reference
from openpyxl.styles import Font


def workbook(data):
    wb = Workbook()
    ws = wb.active
    ws.title = _("Figures")
    node, month = data["node"], data["month"]
    ws.append([f"{node.name} {_('dashboard')}", month.strftime("%Y-%m")])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([])
    for section in data["sections"]:
        ws.append([section.title])
        ws.cell(ws.max_row, 1).font = Font(bold=True)
        for f in section.figures:
            ws.append([f.label, "" if f.value is None else f.value, f.unit])
        ws.append([])
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 14

    kids = wb.create_sheet(_("Children"))
    kids.append([_("Name"), _("Open now"), _("Overdue now"), _("Reported this month"), _("Party members")])
    for row in data["children"]:
        kids.append([row["name"], row["open"], row["overdue"], row["reported"], row["members"]])
    kids.column_dimensions["A"].width = 24

    trend = wb.create_sheet(_("Trends"))
    trend.append([_("Month"), _("Reported"), _("Closed"), _("Average index total")])
    averages = {g["month"]: g["average"] for g in data["grade_trend"]}
    for row in data["case_trend"]:
        trend.append([row["month"], row["reported"], row["closed"], averages.get(row["month"])])
    if data["case_trend"]:
        chart = LineChart()
        chart.title = _("Cases per month")
        chart.add_data(Reference(trend, min_col=2, max_col=3, min_row=1, max_row=trend.max_row), titles_from_data=True)
        chart.set_categories(Reference(trend, min_col=1, min_row=2, max_row=trend.max_row))
        trend.add_chart(chart, "F2")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
