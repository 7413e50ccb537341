"""The vanguard index report as an Excel workbook (openpyxl): summary, units, distribution, movers and the
lowest organisations, with native bar and pie charts, band-coloured cells and links to the records."""
import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.chart import BarChart, PieChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.chart.series import DataPoint
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

HEAD_FILL = PatternFill("solid", fgColor="F2F2F2")
BOLD = Font(bold=True)


def _fill(colour):
    return PatternFill("solid", fgColor=(colour or "#FFFFFF").lstrip("#").upper())


def _band_cell(cell, band):
    """Writes the band name on the band colour (the colour means what the district says it means)."""
    if band is None:
        return
    cell.value = band.name
    cell.fill = _fill(band.colour)
    cell.font = Font(color=band.text_colour.lstrip("#").upper(), bold=True)


def _link(cell, url, base_url):
    if url:
        cell.hyperlink = base_url + url if url.startswith("/") else url
        cell.font = Font(color="0B5CAD", underline="single")


def _num(value):
    return None if value is None else float(value)


def _header(ws, row, titles, widths=None):
    for col, title in enumerate(titles, 1):
        cell = ws.cell(row, col, str(title))
        cell.font = BOLD
        cell.fill = HEAD_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for col, width in enumerate(widths or [], 1):
        ws.column_dimensions[get_column_letter(col)].width = width


def report_workbook(report, base_url=""):
    """The report's .xlsx bytes. `base_url` ("https://host") makes the links absolute."""
    wb = Workbook()
    _summary(wb.active, report, base_url)
    _distribution(wb.create_sheet(_("Grade distribution")), report, base_url)
    _units(wb.create_sheet(_("Subdistricts")), report.subdistricts, report, base_url, chart=True)
    _units(wb.create_sheet(_("Communities")), report.communities, report, base_url, chart=not report.subdistricts, parent=True)
    _movers(wb.create_sheet(_("Risers and fallers")), report, base_url)
    _lowest(wb.create_sheet(_("Lowest organisations")), report, base_url)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _summary(ws, report, base_url):
    ws.title = _("Summary")
    ws["A1"] = str(report.title)
    ws["A1"].font = Font(bold=True, size=14)
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 40
    rows = [
        (_("District"), report.district.name, None),
        (_("Area"), report.node.name if report.node is not None else report.district.name, None),
        (_("Month"), report.month_label, None),
        (_("Index scheme"), report.scheme.name if report.scheme else "—", None),
        (_("Organisations graded"), report.orgs, report.urls.get("orgs")),
        (_("Average total"), _num(report.average), report.urls.get("average")),
        (_("Average last month"), _num(report.previous_average), report.urls.get("previous")),
        (_("Change on last month"), _num(report.average_change), report.urls.get("previous")),
        (_("Vetoed"), report.vetoed, report.urls.get("vetoed")),
    ]
    for i, (label, value, url) in enumerate(rows, 3):
        ws.cell(i, 1, str(label)).font = BOLD
        _link(ws.cell(i, 2, value), url, base_url)
    if report.empty:
        ws.cell(len(rows) + 4, 1, _("No organisation has been graded for this month."))


def _distribution(ws, report, base_url):
    _header(ws, 1, [_("Grade"), _("Rank"), _("Organisations"), _("Share (%)")], [16, 8, 14, 12])
    for i, band in enumerate(report.bands, 2):
        _band_cell(ws.cell(i, 1), band)
        ws.cell(i, 2, band.rank)
        _link(ws.cell(i, 3, band.count), band.url, base_url)
        ws.cell(i, 4, band.percent)
    last = len(report.bands) + 1
    if not report.bands:
        return
    labels = Reference(ws, min_col=1, min_row=2, max_row=last)
    counts = Reference(ws, min_col=3, min_row=1, max_row=last)

    bar = BarChart()
    bar.type = "col"
    bar.title = _("Grade distribution")
    bar.y_axis.title = _("Organisations")
    bar.legend = None
    bar.add_data(counts, titles_from_data=True)
    bar.set_categories(labels)
    pie = PieChart()
    pie.title = _("Grade distribution")
    pie.add_data(counts, titles_from_data=True)
    pie.set_categories(labels)
    pie.dataLabels = DataLabelList()
    pie.dataLabels.showPercent = True
    for chart in (bar, pie):
        series = chart.series[0]
        for idx, band in enumerate(report.bands):
            point = DataPoint(idx=idx)
            point.graphicalProperties.solidFill = band.colour.lstrip("#").upper()
            point.graphicalProperties.line.solidFill = "FFFFFF"
            series.dPt.append(point)
        chart.width, chart.height = 14, 8
    ws.add_chart(bar, "F2")
    ws.add_chart(pie, "F19")


def _units(ws, units, report, base_url, chart=False, parent=False):
    titles = [_("Name")] + ([_("Subdistrict")] if parent else []) + [_("Organisations"), _("Average total"), _("Average last month"), _("Change on last month")]
    first_band_col = len(titles) + 1
    _header(ws, 1, titles + [b.name for b in report.bands], [24] + ([18] if parent else []) + [12, 12, 12, 12] + [9] * len(report.bands))
    for col, band in enumerate(report.bands, first_band_col):
        _band_cell(ws.cell(1, col), band)
    for i, u in enumerate(units, 2):
        values = [u.name] + ([u.parent_name] if parent else []) + [u.orgs, _num(u.average), _num(u.previous_average), _num(u.change)]
        for col, value in enumerate(values, 1):
            ws.cell(i, col, value)
        c = 2 if parent else 1
        _link(ws.cell(i, 1), u.report_url, base_url)
        _link(ws.cell(i, c + 1), u.url, base_url)
        _link(ws.cell(i, c + 2), u.url, base_url)
        _link(ws.cell(i, c + 4), u.previous_url, base_url)
        for col, band in enumerate(u.bands, first_band_col):
            _link(ws.cell(i, col, band.count), band.url, base_url)
    ws.freeze_panes = "B2"
    if not chart or not units:
        return
    last = len(units) + 1
    names = Reference(ws, min_col=1, min_row=2, max_row=last)
    avg_col = 4 if parent else 3  # the "Average total" column
    averages = BarChart()
    averages.type = "col"
    averages.title = _("Average total by subdistrict") if not parent else _("Average total by community")
    averages.y_axis.title = _("Average total")
    averages.legend = None
    averages.add_data(Reference(ws, min_col=avg_col, min_row=1, max_row=last), titles_from_data=True)
    averages.set_categories(names)
    averages.series[0].graphicalProperties.solidFill = "C8102E"
    averages.width, averages.height = max(14, 1.2 * len(units)), 8

    stacked = BarChart()
    stacked.type = "col"
    stacked.grouping = "stacked"
    stacked.overlap = 100
    stacked.title = _("Grades by subdistrict") if not parent else _("Grades by community")
    stacked.y_axis.title = _("Organisations")
    stacked.add_data(Reference(ws, min_col=first_band_col, max_col=first_band_col + len(report.bands) - 1, min_row=1, max_row=last), titles_from_data=True)
    stacked.set_categories(names)
    for series, band in zip(stacked.series, report.bands):
        series.graphicalProperties.solidFill = band.colour.lstrip("#").upper()
    stacked.width, stacked.height = averages.width, 9
    anchor_row = last + 3
    ws.add_chart(averages, f"A{anchor_row}")
    ws.add_chart(stacked, f"A{anchor_row + 18}")


def _movers(ws, report, base_url):
    titles = [_("Organisation"), _("Attached to"), _("Grade"), _("Total"), _("Change on last month"), _("Rank")]
    widths = [30, 18, 10, 10, 10, 8]
    row = 1
    for title, rows in ((_("Biggest risers"), report.risers), (_("Biggest fallers"), report.fallers)):
        ws.cell(row, 1, str(title)).font = Font(bold=True, size=12)
        _header(ws, row + 1, titles, widths)
        row += 2
        for o in rows:
            _org_cells(ws, row, o, base_url)
            row += 1
        if not rows:
            ws.cell(row, 1, _("None this month."))
            row += 1
        row += 1


def _org_cells(ws, row, o, base_url):
    _link(ws.cell(row, 1, o.name), o.url, base_url)
    ws.cell(row, 2, o.node_name)
    _band_cell(ws.cell(row, 3), o.band)
    _link(ws.cell(row, 4, _num(o.total)), o.url, base_url)
    ws.cell(row, 5, _num(o.change))
    ws.cell(row, 6, o.rank)


def _lowest(ws, report, base_url):
    titles = [_("Organisation"), _("Attached to"), _("Grade"), _("Total"), _("Change on last month"), _("Rank"), _("Vetoed")]
    for n in range(1, 4):
        titles += [_("Weak indicator %(n)d") % {"n": n}, _("Points / weight")]
    _header(ws, 1, titles, [30, 18, 10, 10, 10, 8, 8] + [22, 12] * 3)
    for row, o in enumerate(report.lowest, 2):
        _org_cells(ws, row, o, base_url)
        ws.cell(row, 7, _("yes") if o.vetoed else "")
        for n, ind in enumerate(o.weakest):
            col = 8 + 2 * n
            _link(ws.cell(row, col, ind.name), ind.url, base_url)
            ws.cell(row, col + 1, _("Veto item") if ind.kind == "veto" else f"{ind.points} / {ind.weight}")
    ws.freeze_panes = "B2"
