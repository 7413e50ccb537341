"""The vanguard index report as an A4 PDF (reportlab platypus and reportlab.graphics charts) in a CJK font:
title figures, the grade distribution in band colours, subdistricts and communities, movers, lowest organisations."""
import io
import os
from functools import lru_cache
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.piecharts import Pie
from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as pdfcanvas
from reportlab.platypus import Flowable, KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

# A TrueType CJK font embeds (subset) and reads the same everywhere; the CID font needs no file but
# relies on the reader having an Asian font pack.
FONT_FILES = [
    ("WenQuanYiZenHei", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("NotoSansCJK", "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
]
CID_FONT = "STSong-Light"
LINK = "#0b5cad"
GREY = colors.HexColor("#f2f2f2")
LINE = colors.HexColor("#d0d0d0")
WIDTH = A4[0] - 36 * mm  # the frame's width


@lru_cache(maxsize=1)
def cjk_font():
    """The name of a registered font that renders Chinese (parsed once per process)."""
    for name, path, index in FONT_FILES:
        if os.path.exists(path):
            try:
                pdfmetrics.registerFont(TTFont(name, path, subfontIndex=index))
                pdfmetrics.registerFontFamily(name, normal=name, bold=name, italic=name, boldItalic=name)
                return name
            except Exception:  # noqa: BLE001 - a font the TTF parser refuses: try the next one
                continue
    pdfmetrics.registerFont(UnicodeCIDFont(CID_FONT))
    pdfmetrics.registerFontFamily(CID_FONT, normal=CID_FONT, bold=CID_FONT, italic=CID_FONT, boldItalic=CID_FONT)
    return CID_FONT


def _styles(font):
    base = ParagraphStyle("base", fontName=font, fontSize=9.5, leading=13, wordWrap="CJK")
    return {
        "base": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=10.5),
        "title": ParagraphStyle("title", parent=base, fontSize=22, leading=30, alignment=TA_CENTER, spaceAfter=6),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=12, leading=18, alignment=TA_CENTER, textColor=colors.HexColor("#555555")),
        "h2": ParagraphStyle("h2", parent=base, fontSize=14, leading=20, spaceBefore=8, spaceAfter=6, textColor=colors.HexColor("#c8102e")),
        "figure": ParagraphStyle("figure", parent=base, fontSize=18, leading=24, alignment=TA_CENTER),
        "label": ParagraphStyle("label", parent=base, fontSize=9, alignment=TA_CENTER, textColor=colors.HexColor("#666666")),
    }


class _NumberedCanvas(pdfcanvas.Canvas):
    """Draws "page n of N" and the report's title on every page once the page count is known."""

    footer = ""
    font = CID_FONT

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._pages = []

    def showPage(self):
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self.setFont(self.font, 8)
            self.setFillColor(colors.HexColor("#777777"))
            self.drawString(18 * mm, 10 * mm, self.footer)
            self.drawRightString(A4[0] - 18 * mm, 10 * mm, _("Page %(n)d of %(total)d") % {"n": self._pageNumber, "total": total})
            super().showPage()
        super().save()


class _Link(Flowable):
    """One line of text linked to a URL: what most table cells are, at a fraction of a Paragraph's cost."""

    def __init__(self, text, url, base_url, font, size=8.5):
        super().__init__()
        self.text, self.font, self.size = str(text), font, size
        self.url = (base_url + url if url.startswith("/") else url) if url else None
        self.hAlign = "LEFT"

    def wrap(self, available_width, available_height):
        self.width = pdfmetrics.stringWidth(self.text, self.font, self.size)
        return self.width, self.size * 1.25

    def draw(self):
        canv = self.canv
        canv.setFont(self.font, self.size)
        canv.setFillColor(colors.HexColor(LINK) if self.url else colors.black)
        canv.drawString(0, self.size * 0.25, self.text)
        if self.url:
            canv.linkURL(self.url, (0, 0, self.width, self.size * 1.25), relative=1)


def _a(text, url, base_url):
    """Paragraph markup: the text linked to the records behind it."""
    text = escape(str(text))
    if not url:
        return text
    href = escape(base_url + url if url.startswith("/") else url, {'"': "&quot;"})
    return f'<link href="{href}" color="{LINK}">{text}</link>'


def _signed(value):
    if value is None:
        return "—"
    return f"+{value}" if value > 0 else str(value)


def _band_style(col, row, band):
    if band is None:
        return []
    return [("BACKGROUND", (col, row), (col, row), colors.HexColor(band.colour)),
            ("TEXTCOLOR", (col, row), (col, row), colors.HexColor(band.text_colour))]


def _table(data, widths, extra=(), font=CID_FONT, header_rows=1):
    table = Table(data, colWidths=widths, repeatRows=header_rows)
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), font),
        ("FONTSIZE", (0, 0), (-1, -1), 8.5),
        ("BACKGROUND", (0, 0), (-1, header_rows - 1), GREY),
        ("GRID", (0, 0), (-1, -1), 0.4, LINE),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (1, 0), (-1, -1), "CENTER"),
        *extra,
    ]))
    return table


def report_pdf(report, base_url=""):
    """The report's PDF bytes. `base_url` ("https://host") makes the links absolute."""
    font = cjk_font()
    st = _styles(font)
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm, bottomMargin=18 * mm,
                            title=str(report.title), author=report.district.name, subject=_("Vanguard index report"))
    story = _title_page(report, st, font, base_url)
    if not report.empty:
        story += _units_pages(report, st, font, base_url)
        story += _movers_page(report, st, font, base_url)
        story += _lowest_page(report, st, font, base_url)

    class Canvas(_NumberedCanvas):
        pass

    Canvas.footer = str(report.title)
    Canvas.font = font
    doc.build(story, canvasmaker=Canvas)
    return out.getvalue()


def _title_page(report, st, font, base_url):
    where = [report.district.name]
    if report.node is not None and report.node.depth > 1:
        where.append(report.node.name)
    story = [
        Spacer(1, 10 * mm),
        Paragraph(escape(_("Vanguard index report")), st["title"]),
        Paragraph(escape(" · ".join(where + [report.month_label])), st["subtitle"]),
        Paragraph(escape(_("Index scheme: %(scheme)s · generated %(at)s") % {
            "scheme": report.scheme.name if report.scheme else "—",
            "at": timezone.localtime().strftime("%Y-%m-%d %H:%M")}), st["subtitle"]),
        Spacer(1, 8 * mm),
    ]
    if report.empty:
        story.append(Paragraph(escape(_("No organisation has been graded for %(month)s yet, so there is no report for that month.") % {"month": report.month_label}), st["base"]))
        return story
    figures = [
        (report.orgs, _("Organisations graded"), report.urls.get("orgs")),
        (report.average, _("Average total"), report.urls.get("average")),
        (_signed(report.average_change), _("Change on last month"), report.urls.get("previous")),
        (report.vetoed, _("Vetoed"), report.urls.get("vetoed")),
    ]
    cells = [[Paragraph(_a(v if v is not None else "—", url, base_url), st["figure"]) for v, _label, url in figures],
             [Paragraph(escape(str(label)), st["label"]) for _v, label, _url in figures]]
    box = Table(cells, colWidths=[WIDTH / 4] * 4)
    box.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.6, LINE), ("INNERGRID", (0, 0), (-1, 0), 0, colors.white),
                             ("LINEBEFORE", (1, 0), (-1, -1), 0.4, LINE), ("TOPPADDING", (0, 0), (-1, 0), 8)]))
    story += [box, Spacer(1, 8 * mm), Paragraph(escape(_("Grade distribution")), st["h2"])]
    story.append(_distribution_drawing(report, font))
    head = [_("Grade"), _("Rank (1 = best)"), _("Organisations"), _("Share")]
    rows = [[Paragraph(escape(str(h)), st["small"]) for h in head]]
    extra = []
    for i, band in enumerate(report.bands, 1):
        rows.append([band.name, band.rank or "—", Paragraph(_a(band.count, band.url, base_url), st["base"]), f"{band.percent}%"])
        extra += _band_style(0, i, band)
    story.append(_table(rows, [WIDTH * 0.3, WIDTH * 0.2, WIDTH * 0.25, WIDTH * 0.25], extra, font))
    return story


def _distribution_drawing(report, font):
    """A bar chart and a pie of the bands, each in its band's colour."""
    bands = report.bands
    drawing = Drawing(WIDTH, 66 * mm)
    bar = VerticalBarChart()
    bar.x, bar.y, bar.width, bar.height = 12 * mm, 10 * mm, WIDTH * 0.5 - 20 * mm, 50 * mm
    bar.data = [[b.count for b in bands]]
    bar.categoryAxis.categoryNames = [b.name for b in bands]
    bar.categoryAxis.labels.fontName = font
    bar.categoryAxis.labels.fontSize = 8
    bar.valueAxis.labels.fontName = font
    bar.valueAxis.labels.fontSize = 7
    bar.valueAxis.valueMin = 0
    bar.barLabelFormat = "%d"
    bar.barLabels.fontName = font
    bar.barLabels.fontSize = 7
    bar.barLabels.nudge = 6
    bar.strokeColor = None
    for i, b in enumerate(bands):
        bar.bars[(0, i)].fillColor = colors.HexColor(b.colour)
        bar.bars[(0, i)].strokeColor = None
    drawing.add(bar)
    if sum(b.count for b in bands):
        pie = Pie()
        pie.x, pie.y, pie.width, pie.height = WIDTH * 0.62, 8 * mm, 50 * mm, 50 * mm
        shown = [b for b in bands if b.count]
        pie.data = [b.count for b in shown]
        pie.labels = [f"{b.name} {b.percent}%" for b in shown]
        pie.slices.fontName = font
        pie.slices.fontSize = 8
        pie.slices.strokeColor = colors.white
        pie.sideLabels = True
        for i, b in enumerate(shown):
            pie.slices[i].fillColor = colors.HexColor(b.colour)
        drawing.add(pie)
    return drawing


def _units_drawing(units, bands, font, title):
    """Horizontal bars: each unit's organisations stacked by band, with its average written at the end."""
    # Many units (a district without subdistricts lists its communities) squeeze onto one page.
    row_h = min(6.5 * mm, 190 * mm / max(1, len(units)))
    label_size = min(7.5, row_h / mm * 1.3)
    height = max(44 * mm, row_h * len(units) + 28 * mm)
    drawing = Drawing(WIDTH, height)
    drawing.add(String(0, height - 5 * mm, title, fontName=font, fontSize=10))
    chart = HorizontalBarChart()
    chart.x, chart.y = 34 * mm, 14 * mm  # room below for the value axis and the legend
    chart.width, chart.height = WIDTH - 60 * mm, height - 24 * mm
    ordered = list(reversed(units))  # the first unit at the top
    chart.data = [[u.bands[i].count for u in ordered] for i in range(len(bands))]
    chart.categoryAxis.categoryNames = [u.name for u in ordered]
    chart.categoryAxis.style = "stacked"
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = label_size
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.strokeColor = None
    for i, b in enumerate(bands):
        chart.bars[i].fillColor = colors.HexColor(b.colour)
        chart.bars[i].strokeColor = None
    drawing.add(chart)
    step = chart.height / max(1, len(ordered))
    for j, u in enumerate(ordered):
        y = chart.y + step * (j + 0.5) - 2.5
        drawing.add(String(chart.x + chart.width + 3 * mm, y, _("avg %(avg)s") % {"avg": u.average}, fontName=font, fontSize=label_size))
    # The legend: band colours and names.
    x = 34 * mm
    for b in bands:
        drawing.add(Rect(x, 1 * mm, 3 * mm, 3 * mm, fillColor=colors.HexColor(b.colour), strokeColor=None))
        drawing.add(String(x + 4 * mm, 1.3 * mm, b.name, fontName=font, fontSize=7.5))
        x += 6 * mm + pdfmetrics.stringWidth(b.name, font, 7.5) + 4 * mm
    return drawing


def _units_table(units, report, st, font, base_url, parent=False):
    head = [_("Name")] + ([_("Subdistrict")] if parent else []) + [_("Organisations"), _("Average total"), _("Change on last month")]
    rows = [[Paragraph(escape(str(h)), st["small"]) for h in head] + [b.name for b in report.bands]]
    first_band = len(head)
    extra = []
    for col, band in enumerate(report.bands, first_band):
        extra += _band_style(col, 0, band)
    for u in units:
        row = [_Link(u.name, u.report_url, base_url, font, 8)]
        if parent:
            row.append(_Link(u.parent_name, None, base_url, font, 8))
        row += [_Link(u.orgs, u.url, base_url, font, 8), _Link(u.average, u.url, base_url, font, 8),
                _Link(_signed(u.change), u.previous_url, base_url, font, 8)]
        row += [_Link(b.count, b.url, base_url, font, 8) for b in u.bands]
        rows.append(row)
    fixed = [WIDTH * (0.22 if parent else 0.3)] + ([WIDTH * 0.16] if parent else []) + [WIDTH * 0.1, WIDTH * 0.1, WIDTH * 0.11]
    rest = (WIDTH - sum(fixed)) / max(1, len(report.bands))
    return _table(rows, fixed + [rest] * len(report.bands), extra, font)


def _units_pages(report, st, font, base_url):
    story = []
    if report.subdistricts:
        story += [PageBreak(), Paragraph(escape(_("By subdistrict")), st["h2"]),
                  _units_drawing(report.subdistricts, report.bands, font, _("Organisations by grade and average total per subdistrict")),
                  Spacer(1, 4 * mm), _units_table(report.subdistricts, report, st, font, base_url)]
    if report.communities:
        story += [PageBreak(), Paragraph(escape(_("By community")), st["h2"])]
        if not report.subdistricts:
            story += [_units_drawing(report.communities, report.bands, font, _("Organisations by grade and average total per community")), Spacer(1, 4 * mm)]
        story.append(_units_table(report.communities, report, st, font, base_url, parent=bool(report.subdistricts)))
    return story


def _org_table(rows, st, font, base_url):
    head = [_("Organisation"), _("Attached to"), _("Grade"), _("Total"), _("Change on last month"), _("Rank")]
    data = [[Paragraph(escape(str(h)), st["small"]) for h in head]]
    extra = []
    for i, o in enumerate(rows, 1):
        data.append([Paragraph(_a(o.name, o.url, base_url), st["small"]), Paragraph(escape(o.node_name), st["small"]),
                     o.band.name if o.band else "—", Paragraph(_a(o.total, o.url, base_url), st["small"]), _signed(o.change), o.rank])
        extra += _band_style(2, i, o.band)
    return _table(data, [WIDTH * 0.36, WIDTH * 0.22, WIDTH * 0.1, WIDTH * 0.11, WIDTH * 0.11, WIDTH * 0.1], extra, font)


def _movers_page(report, st, font, base_url):
    story = [PageBreak()]
    for title, rows in ((_("Biggest risers"), report.risers), (_("Biggest fallers"), report.fallers)):
        part = [Paragraph(escape(title), st["h2"])]
        part.append(_org_table(rows, st, font, base_url) if rows else Paragraph(escape(_("None this month.")), st["base"]))
        story += [KeepTogether(part), Spacer(1, 4 * mm)]
    return story


def _lowest_page(report, st, font, base_url):
    head = [_("Organisation"), _("Grade"), _("Total"), _("Weakest indicators (points / weight)")]
    data = [[Paragraph(escape(str(h)), st["small"]) for h in head]]
    extra = []
    for i, o in enumerate(report.lowest, 1):
        name = _a(o.name, o.url, base_url) + f'<br/><font color="#777777">{escape(o.node_name)}</font>'
        if o.vetoed:
            name += f' <font color="#b00020">{escape(_("Vetoed"))}</font>'
        weak = "<br/>".join(_a(w.label, w.url, base_url) for w in o.weakest) or "—"
        data.append([Paragraph(name, st["small"]), o.band.name if o.band else "—", Paragraph(_a(o.total, o.url, base_url), st["small"]), Paragraph(weak, st["small"])])
        extra += _band_style(1, i, o.band)
    return [PageBreak(), Paragraph(escape(_("Lowest organisations and their weakest indicators")), st["h2"]),
            _table(data, [WIDTH * 0.33, WIDTH * 0.1, WIDTH * 0.1, WIDTH * 0.47], extra, font)]
