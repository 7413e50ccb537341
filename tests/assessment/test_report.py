"""The vanguard index report 先锋指数报告: its figures equal what the Grade rows say, it is scoped to the
reader's area, and the page, Excel and PDF show the charts and link every figure to its records."""
import datetime
import io
import random
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db.models import Avg
from django.urls import reverse

from gridgov.assessment.models.index import Grade, GradeBand, Indicator, IndicatorCategory, Scheme, Score
from gridgov.assessment.services import report as reports
from gridgov.hierarchy.models import Node
from gridgov.orgs.models import PartyOrg
from gridgov.people import scoping

SAIHAN = "150105"
OCT, SEP = datetime.date(2026, 10, 1), datetime.date(2026, 9, 1)
# Longquan-style: red is the best band. RED_WORST below puts red at the bottom (Qimen, Rongxian).
RED_BEST = [("红", "#c8102e", 90), ("橙", "#f39800", 80), ("蓝", "#1f6fd1", 70), ("绿", "#2e9e44", 60), ("黄", "#f5d300", 0)]
RED_WORST = [("绿", "#2e9e44", 85), ("黄", "#f5d300", 65), ("红", "#c8102e", 0)]
INDICATORS = [  # code, name, kind, weight
    ("A1", "三会一课开展", Indicator.COMPUTED, 30),
    ("A2", "党员双报到服务时长", Indicator.COMPUTED, 25),
    ("B1", "案件按期办结率", Indicator.COMPUTED, 25),
    ("C1", "示范社区创建", Indicator.MANUAL, 20),
    ("V1", "重大违纪违法", Indicator.VETO, 0),
]


def make_grades(district, months=(SEP, OCT), bands=RED_BEST, seed=5, orgs=None):
    """A scheme with bands and indicators, and a Score per organisation and indicator and a Grade per
    organisation for each month: what the index helper's monthly run writes, made up deterministically."""
    rng = random.Random(seed)
    Scheme.objects.filter(district=district, active=True).update(active=False)
    scheme = Scheme.objects.create(district=district, name="测试指数方案", active=True)
    band_rows = [GradeBand.objects.create(scheme=scheme, name=n, colour=c, minimum=Decimal(m), rank=i)
                 for i, (n, c, m) in enumerate(bands, 1)]
    category = IndicatorCategory.objects.create(scheme=scheme, name="基础工作", order=1)
    indicators = [Indicator.objects.create(scheme=scheme, category=category, code=code, name=name, kind=kind,
                                           weight=Decimal(w), maximum=Decimal(w), order=i)
                  for i, (code, name, kind, w) in enumerate(INDICATORS)]
    orgs = list(orgs if orgs is not None else PartyOrg.objects.filter(district=district).select_related("node").order_by("pk"))
    previous = {}
    for month in months:
        scores, grades = [], []
        for org in orgs:
            total = Decimal(0)
            vetoed = rng.random() < 0.01
            for ind in indicators:
                evidence = {"model": "test"}
                if ind.kind == Indicator.VETO:
                    points, value = Decimal(0), 1.0 if vetoed else 0.0
                    evidence["struck"] = vetoed
                else:
                    value = rng.uniform(0.35, 1.0)
                    points = (ind.weight * Decimal(str(round(value, 2)))).quantize(Decimal("0.01"))
                total += points
                scores.append(Score(district=district, indicator=ind, party_org=org, month=month, value=value,
                                    points=points, evidence=evidence, node_path=org.node.path))
            band = band_rows[-1] if vetoed else next(b for b in band_rows if total >= b.minimum)
            change = total - previous[org.pk] if org.pk in previous else None
            previous[org.pk] = total
            grades.append(Grade(district=district, scheme=scheme, party_org=org, month=month, total=total, band=band,
                                vetoed=vetoed, rank=0, change=change, node_path=org.node.path))
        grades.sort(key=lambda g: (g.vetoed, -g.total, g.party_org_id))  # as the monthly run: vetoed last
        for rank, g in enumerate(grades, 1):
            g.rank = rank
        Score.objects.bulk_create(scores, batch_size=2000)
        Grade.objects.bulk_create(grades, batch_size=2000)
    return scheme


def q2(value):
    """Rounded as the report rounds: half up, to cents."""
    return Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@pytest.fixture
def saihan(demo):
    district = demo[SAIHAN]
    make_grades(district)
    return district


def test_the_report_figures_equal_the_grade_rows(saihan):
    report = reports.build_report(saihan, "2026-10")
    grades = Grade.objects.filter(district=saihan, month=OCT, scheme__active=True)
    assert report.orgs == grades.count() == PartyOrg.objects.filter(district=saihan).count()
    for band in report.bands:
        assert band.count == grades.filter(band_id=band.band_id).count()
    assert sum(b.count for b in report.bands) == report.orgs
    assert report.average == q2(grades.aggregate(a=Avg("total"))["a"])
    assert report.vetoed == grades.filter(vetoed=True).count()
    assert [b.name for b in report.bands] == ["红", "橙", "蓝", "绿", "黄"]


def test_subdistrict_and_community_rows_add_up_to_their_grades(saihan):
    report = reports.build_report(saihan, "2026-10")
    assert len(report.subdistricts) == Node.objects.filter(district=saihan, kind="subdistrict").count()
    for unit in report.subdistricts + report.communities:
        node = Node.objects.get(pk=unit.node_id)
        inside = Grade.objects.filter(district=saihan, month=OCT, scheme__active=True, node_path__startswith=node.path)
        assert unit.orgs == inside.count()
        assert unit.average == q2(inside.aggregate(a=Avg("total"))["a"])
        assert [b.count for b in unit.bands] == [inside.filter(band_id=b.band_id).count() for b in report.bands]
        before = Grade.objects.filter(district=saihan, month=SEP, scheme__active=True, node_path__startswith=node.path).aggregate(a=Avg("total"))["a"]
        assert unit.change == unit.average - q2(before)


def test_risers_and_fallers_are_the_biggest_changes_in_order(saihan):
    report = reports.build_report(saihan, "2026-10")
    changes = sorted(Grade.objects.filter(district=saihan, month=OCT, scheme__active=True).values_list("change", flat=True))
    assert [o.change for o in report.risers] == sorted(changes, reverse=True)[:reports.MOVERS]
    assert [o.change for o in report.fallers] == changes[:reports.MOVERS]
    assert all(o.change > 0 for o in report.risers) and all(o.change < 0 for o in report.fallers)


def test_the_lowest_organisations_show_their_weakest_indicators(saihan):
    report = reports.build_report(saihan, "2026-10")
    worst_rank = max(b.rank for b in report.bands)
    assert len(report.lowest) == reports.LOWEST
    assert all(o.band.rank == worst_rank for o in report.lowest)
    assert [o.rank for o in report.lowest] == sorted((o.rank for o in report.lowest), reverse=True)
    vetoed = Grade.objects.filter(district=saihan, month=OCT, scheme__active=True, vetoed=True).count()
    assert [o.vetoed for o in report.lowest[:vetoed]] == [True] * min(vetoed, reports.LOWEST)
    non_vetoed = [o.total for o in report.lowest if not o.vetoed]
    assert non_vetoed == sorted(non_vetoed)
    for org in report.lowest:
        assert 1 <= len(org.weakest) <= reports.WEAKEST
        if org.vetoed:
            assert org.weakest[0].kind == Indicator.VETO
        ratios = [Score.objects.get(pk=w.score_id).points / w.weight for w in org.weakest if w.kind != Indicator.VETO]
        assert ratios == sorted(ratios)


def test_red_worst_bands_are_ranked_by_band_rank_not_colour(demo):
    district = demo[SAIHAN]
    make_grades(district, bands=RED_WORST)
    report = reports.build_report(district, "2026-10")
    assert [(b.name, b.rank) for b in report.bands] == [("绿", 1), ("黄", 2), ("红", 3)]
    assert all(o.band.name == "红" for o in report.lowest)


def test_a_subdistrict_secretary_sees_only_their_subdistrict(saihan, demo_user):
    user = demo_user("subdistrict_secretary", SAIHAN)
    area = scoping.home_node(user)
    report = reports.build_report(saihan, "2026-10", user=user)
    inside = Grade.objects.filter(district=saihan, month=OCT, scheme__active=True, node_path__startswith=area.path)
    assert report.orgs == inside.count() < PartyOrg.objects.filter(district=saihan).count()
    assert [u.node_id for u in report.subdistricts] == [area.pk]
    assert all(u.path.startswith(area.path) for u in report.communities)
    assert all(o.org_id in set(inside.values_list("party_org_id", flat=True)) for o in report.risers + report.fallers + report.lowest)
    assert report.node == area


def test_a_month_without_grades_gives_an_empty_report(saihan):
    report = reports.build_report(saihan, "2026-05")
    assert report.empty and report.bands and all(b.count == 0 for b in report.bands)
    assert report.lowest == [] and report.subdistricts == []


def test_malformed_months_are_refused_with_a_message():
    from gridgov.assessment.errors import AssessmentError

    for bad in ("2026-13", "26-10", "", "2026/10"):
        with pytest.raises(AssessmentError):
            reports.parse_month(bad)


# ---------------------------------------------------------------- Excel and PDF

def test_the_workbook_has_the_sheets_rows_and_charts(saihan):
    from openpyxl import load_workbook

    from gridgov.assessment.xlsx_report import report_workbook

    report = reports.build_report(saihan, "2026-10")
    wb = load_workbook(io.BytesIO(report_workbook(report, base_url="http://testserver")))
    assert len(wb.sheetnames) == 6
    summary, dist, subs, comms, movers, lowest = (wb[name] for name in wb.sheetnames)
    assert [c.value for c in dist["C"][1:len(report.bands) + 1]] == [b.count for b in report.bands]
    assert [c.value for c in dist["A"][1:len(report.bands) + 1]] == ["红", "橙", "蓝", "绿", "黄"]
    assert dist["A2"].fill.fgColor.rgb.endswith("C8102E")  # the band cell in the band colour
    assert dist["C2"].hyperlink is not None or reverse_or_none("assessment:grades") is None
    assert subs.max_row >= len(report.subdistricts) + 1 and comms.max_row == len(report.communities) + 1
    assert lowest.max_row == len(report.lowest) + 1
    chart_kinds = {type(c).__name__ for c in dist._charts} | {type(c).__name__ for c in subs._charts}
    assert {"BarChart", "PieChart"} <= chart_kinds
    assert len(subs._charts) == 2
    # The distribution's bars and slices are in the band colours, the best band first.
    for chart in dist._charts:
        fills = [getattr(p.graphicalProperties.solidFill.srgbClr, "val", p.graphicalProperties.solidFill.srgbClr) for p in chart.series[0].dPt]
        assert fills == [c.lstrip("#").upper() for _n, c, _m in RED_BEST]
    assert summary["B7"].value == report.orgs


def reverse_or_none(name, *args):
    from django.urls import NoReverseMatch

    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def test_the_pdf_is_a4_in_chinese_with_the_district_and_bands(saihan):
    from pypdf import PdfReader

    from gridgov.assessment.pdf import report_pdf

    report = reports.build_report(saihan, "2026-10")
    body = report_pdf(report, base_url="http://testserver")
    assert body.startswith(b"%PDF")
    pdf = PdfReader(io.BytesIO(body))
    assert len(pdf.pages) >= 5  # title, subdistricts, communities, movers, lowest
    assert round(float(pdf.pages[0].mediabox.width)) == 595
    text = "".join(page.extract_text() for page in pdf.pages)
    assert saihan.name in text
    for band in ("红", "橙", "蓝", "绿", "黄"):
        assert band in text
    assert report.lowest[0].name in text


def test_an_empty_month_still_gives_a_one_page_pdf(saihan):
    from pypdf import PdfReader

    from gridgov.assessment.pdf import report_pdf

    body = report_pdf(reports.build_report(saihan, "2026-05"))
    assert body.startswith(b"%PDF") and len(PdfReader(io.BytesIO(body)).pages) == 1


def test_without_a_chinese_ttf_the_pdf_falls_back_to_the_builtin_cid_font(saihan, monkeypatch):
    from pypdf import PdfReader

    from gridgov.assessment import pdf

    monkeypatch.setattr(pdf, "FONT_FILES", [])
    pdf.cjk_font.cache_clear()
    try:
        assert pdf.cjk_font() == pdf.CID_FONT
        body = pdf.report_pdf(reports.build_report(saihan, "2026-10"))
    finally:
        pdf.cjk_font.cache_clear()
    text = PdfReader(io.BytesIO(body)).pages[0].extract_text()
    assert saihan.name in text and "红" in text
