"""The quality index: Saihan's run grades every organisation over 17 scored indicators, bands map totals
to the right colour whether red is best or worst, a veto sends an organisation to the lowest band,
bonus points are capped, a re-run is identical, manual scores need evidence, the evidence page lists the
records behind a score and is scoped, and a queued run is claimed once."""
import datetime as dt
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.urls import reverse
from hypothesis import given, settings, strategies as st

from gridgov.assessment import computations as comp
from gridgov.assessment.errors import AssessmentError
from gridgov.assessment.models import Grade, IndexRun, Indicator, ManualScore, Meeting, Score
from gridgov.assessment.services import index as svc
from gridgov.hierarchy.models import Node
from gridgov.orgs.models import PartyOrg
from gridgov.people import scoping

SAIHAN, XIAODIAN, GUANDU = "150105", "140105", "530111"
MONTH = dt.date(2026, 10, 1)
TZ = ZoneInfo("Asia/Shanghai")


def scheme_of(district):
    return svc.active_scheme(district)


def meeting(org, kind, day, title="会议"):
    return Meeting.objects.create(district=org.district, party_org=org, kind=kind, title=title, node_path=org.node.path,
                                  start=dt.datetime.combine(day, dt.time(9), TZ))


def grade_of(org, month=MONTH):
    return Grade.objects.select_related("band").get(party_org=org, month=month)


def score_of(org, code, month=MONTH):
    return Score.objects.get(party_org=org, indicator__code=code, month=month)


@pytest.fixture
def saihan(demo):
    return demo[SAIHAN]


@pytest.fixture
def community_branch(saihan, demo_user):
    """A party branch in the community of the demo's community secretary of Saihan."""
    community = scoping.home_node(demo_user("community_secretary", SAIHAN))
    return (PartyOrg.objects.filter(district=saihan, kind="branch", node__path__startswith=community.path)
            .select_related("node").order_by("node__path", "pk").first())


# ---------------------------------------------------------------- the Saihan run


def test_a_saihan_run_grades_every_organisation_over_seventeen_scored_indicators(saihan):
    scheme = scheme_of(saihan)
    scored = scheme.indicators.filter(kind__in=svc.SCORED_KINDS)
    assert scored.count() == 17
    assert sum(i.weight for i in scored) == 100
    assert scheme.categories.exclude(indicators__kind__in=["bonus", "veto"]).count() == 6
    assert scheme.indicators.filter(kind="bonus").exists() and scheme.indicators.filter(kind="veto").count() == 2
    run = svc.run_month(scheme, "2026-10")
    orgs = PartyOrg.objects.filter(district=saihan).count()
    assert run.state == "done" and run.orgs == orgs
    assert Grade.objects.filter(scheme=scheme, month=MONTH).count() == orgs
    per_org = Score.objects.filter(indicator__in=scored, month=MONTH).values("party_org").distinct().count()
    assert per_org == orgs
    assert Score.objects.filter(indicator__in=scored, month=MONTH).count() == 17 * orgs
    # Ranks start at 1 and every grade has a band.
    assert Grade.objects.filter(scheme=scheme, month=MONTH, band__isnull=True).count() == 0
    assert Grade.objects.filter(scheme=scheme, month=MONTH).order_by("rank").first().rank == 1


def test_rerunning_a_month_replaces_it_with_identical_grades(saihan):
    scheme = scheme_of(saihan)

    def snapshot():
        grades = list(Grade.objects.filter(scheme=scheme, month=MONTH).order_by("party_org_id")
                      .values_list("party_org_id", "total", "band_id", "rank", "vetoed", "change"))
        scores = list(Score.objects.filter(indicator__scheme=scheme, month=MONTH).order_by("party_org_id", "indicator_id")
                      .values_list("party_org_id", "indicator_id", "points", "value"))
        return grades, scores

    svc.run_month(scheme, MONTH)
    first = snapshot()
    svc.run_month(scheme, MONTH)
    assert snapshot() == first
    assert Grade.objects.filter(scheme=scheme, month=MONTH).count() == PartyOrg.objects.filter(district=saihan).count()


def test_change_is_against_last_months_total(saihan):
    scheme = scheme_of(saihan)
    grade = Grade.objects.filter(scheme=scheme, month=MONTH).order_by("rank").first()
    before = Grade.objects.get(scheme=scheme, party_org_id=grade.party_org_id, month=dt.date(2026, 9, 1))
    assert grade.change == grade.total - before.total


# ---------------------------------------------------------------- bands, veto, bonus


def test_red_is_the_best_band_in_saihan_and_the_worst_in_xiaodian(demo):
    saihan_bands = list(scheme_of(demo[SAIHAN]).bands.all())
    assert [(b.name, b.colour) for b in [svc.band_for(saihan_bands, Decimal(t)) for t in (95, 90, 85, 75, 65, 59.99)]] == [
        ("红色", "#c0392b"), ("红色", "#c0392b"), ("橙色", "#e67e22"), ("蓝色", "#2e86c1"), ("绿色", "#27ae60"), ("黄色", "#f1c40f")]
    xiaodian_bands = list(scheme_of(demo[XIAODIAN]).bands.all())
    best, worst = svc.band_for(xiaodian_bands, Decimal(99)), svc.band_for(xiaodian_bands, Decimal(50))
    assert (best.name, best.rank) == ("绿色", 1)
    assert (worst.name, worst.colour, worst.rank) == ("红色", "#c0392b", 3)
    assert svc.band_for(xiaodian_bands, Decimal("84.99")).name == "黄色"


@settings(max_examples=60, deadline=None)
@given(total=st.decimals(min_value=0, max_value=110, places=2), vetoed=st.booleans())
def test_band_is_the_best_whose_minimum_the_total_reaches_and_a_veto_is_the_lowest(total, vetoed):
    from gridgov.assessment.models import GradeBand

    bands = [GradeBand(name=n, colour="#000000", minimum=Decimal(m), rank=r) for r, (n, m) in enumerate([("a", 90), ("b", 80), ("c", 70), ("d", 60), ("e", 0)], 1)]
    band = svc.band_for(bands, total, vetoed)
    if vetoed:
        assert band.rank == 5
    else:
        assert total >= band.minimum
        assert all(total < b.minimum for b in bands if b.rank < band.rank)


def test_a_veto_puts_the_organisation_in_the_lowest_band_whatever_its_score(saihan, demo_user):
    scheme = scheme_of(saihan)
    svc.run_month(scheme, MONTH)
    best = Grade.objects.filter(scheme=scheme, month=MONTH, vetoed=False).order_by("rank").select_related("party_org__node").first()
    assert best is not None
    incident = scheme.indicators.get(code="veto_incident")
    svc.enter_manual_score(demo_user("district_admin", SAIHAN), incident, best.party_org, MONTH, 0, "重大安全事故，核查记录第1号")
    svc.run_month(scheme, MONTH)
    after = grade_of(best.party_org)
    lowest = scheme.bands.order_by("-rank").first()
    assert after.vetoed and after.band == lowest
    assert after.total == best.total  # the score itself is kept; only the grade falls
    assert after.rank > Grade.objects.filter(scheme=scheme, month=MONTH, vetoed=False).order_by("-rank").first().rank


def test_a_branch_with_members_but_no_meeting_for_three_months_is_lapsed_and_vetoed(saihan):
    from gridgov.people.models import PartyMember

    scheme = scheme_of(saihan)
    branch = PartyOrg.objects.filter(district=saihan, kind="branch", members__status="full").select_related("node").order_by("pk").first()
    Meeting.objects.filter(party_org=branch).delete()
    svc.run_month(scheme, MONTH)
    assert grade_of(branch).vetoed and grade_of(branch).band.rank == 5
    meeting(branch, "committee", dt.date(2026, 8, 20))
    svc.run_month(scheme, MONTH)
    assert not grade_of(branch).vetoed
    # Without any member on record an organisation is not judged lapsed.
    Meeting.objects.filter(party_org=branch).delete()
    PartyMember.objects.filter(party_org=branch).update(party_org=None)
    svc.run_month(scheme, MONTH)
    assert not grade_of(branch).vetoed


def test_bonus_for_honours_is_capped_at_the_items_maximum(saihan, community_branch):
    scheme = scheme_of(saihan)
    bonus = scheme.indicators.get(kind="bonus")
    community_branch.honours = ["全国先进基层党组织", "五星级党支部", "红旗党支部", "过硬党支部", "自治区先进基层党组织"]
    community_branch.save(update_fields=["honours"])
    svc.run_month(scheme, MONTH)
    assert score_of(community_branch, bonus.code).points == bonus.maximum == 5
    scored = sum(s.points for s in Score.objects.filter(party_org=community_branch, month=MONTH, indicator__kind__in=svc.SCORED_KINDS))
    assert grade_of(community_branch).total == scored + 5


# ---------------------------------------------------------------- scheme validation


def test_weights_of_scored_indicators_must_add_up_to_100():
    with pytest.raises(AssessmentError, match="100"):
        svc.check_weights([50, 40])
    svc.check_weights([Decimal("33.34"), Decimal("33.33"), Decimal("33.33")])


def test_band_minimums_must_fall_strictly_with_rank():
    with pytest.raises(AssessmentError):
        svc.check_bands([(1, 80), (2, 80)])
    with pytest.raises(AssessmentError):
        svc.check_bands([(1, 60), (2, 70)])
    svc.check_bands([(1, 85), (2, 70), (3, 0)])


def test_a_scheme_whose_weights_are_wrong_is_refused_by_the_run_and_keeps_the_month(saihan):
    scheme = scheme_of(saihan)
    before = Grade.objects.filter(scheme=scheme, month=MONTH).count()
    Indicator.objects.filter(scheme=scheme, code="org_meetings").update(weight=20)
    with pytest.raises(AssessmentError):
        svc.run_month(scheme, MONTH)
    assert IndexRun.objects.filter(scheme=scheme).order_by("-pk").first().state == "failed"
    assert Grade.objects.filter(scheme=scheme, month=MONTH).count() == before


def test_the_admin_refuses_weights_that_do_not_add_up_to_100(saihan, client_as):
    client = client_as("district_admin", SAIHAN)
    scheme = scheme_of(saihan)
    url = reverse("admin:assessment_scheme_change", args=[scheme.pk])
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update({"name": scheme.name, "district": scheme.district_id, "active": "on"})
    for formset in page.context["inline_admin_formsets"]:
        fs = formset.formset
        data.update({f"{fs.prefix}-TOTAL_FORMS": len(fs.forms), f"{fs.prefix}-INITIAL_FORMS": len(fs.forms),
                     f"{fs.prefix}-MIN_NUM_FORMS": 0, f"{fs.prefix}-MAX_NUM_FORMS": 1000})
        for f in fs.forms:
            for name, field in f.fields.items():
                value = f.initial.get(name, field.initial)
                if hasattr(value, "pk"):
                    value = value.pk
                if name == "params":
                    value = __import__("json").dumps(value or {})
                if isinstance(value, bool):
                    if value:
                        data[f"{f.prefix}-{name}"] = "on"
                    continue
                if value is not None:
                    data[f"{f.prefix}-{name}"] = value
    key = next(k for k, v in data.items() if k.endswith("-code") and v == "org_meetings")
    data[key.replace("-code", "-weight")] = "20"
    answer = client.post(url, data)
    assert answer.status_code == 200
    assert "100" in answer.content.decode()
    assert Indicator.objects.get(scheme=scheme, code="org_meetings").weight == 8


# ---------------------------------------------------------------- manual scores


def test_a_manual_score_without_evidence_is_refused_with_a_message(saihan, client_as, community_branch):
    client = client_as("community_secretary", SAIHAN)
    indicator = scheme_of(saihan).indicators.get(code="service_three_lists")
    ManualScore.objects.filter(indicator=indicator, party_org=community_branch, month=MONTH).delete()
    url = reverse("assessment:manual_score")
    answer = client.post(url, {"org": community_branch.pk, "indicator": indicator.pk, "month": "2026-10", "points": "4", "evidence": "  "})
    assert answer.status_code == 422
    assert "佐证" in answer.content.decode() or "evidence" in answer.content.decode()
    assert not ManualScore.objects.filter(indicator=indicator, party_org=community_branch, month=MONTH).exists()
    answer = client.post(url, {"org": community_branch.pk, "indicator": indicator.pk, "month": "2026-10", "points": "9", "evidence": "台账"})
    assert answer.status_code == 422
    assert not ManualScore.objects.filter(indicator=indicator, party_org=community_branch, month=MONTH).exists()
    answer = client.post(url, {"org": community_branch.pk, "indicator": indicator.pk, "month": "2026-10", "points": "4.5",
                               "evidence": "三张清单办结台账第3页"})
    assert answer.status_code == 302
    score = ManualScore.objects.get(indicator=indicator, party_org=community_branch, month=MONTH)
    assert score.points == Decimal("4.5") and score.assessor.username == f"community_secretary.{SAIHAN}"


def test_a_community_secretary_cannot_score_another_communitys_organisation(saihan, demo_user, community_branch):
    user = demo_user("community_secretary", SAIHAN)
    other = PartyOrg.objects.filter(district=saihan, kind="branch").exclude(node__path__startswith=community_branch.node.path[:12]).first()
    indicator = scheme_of(saihan).indicators.get(code="service_three_lists")
    with pytest.raises(AssessmentError):
        svc.enter_manual_score(user, indicator, other, MONTH, 3, "台账")


def test_a_manual_score_counts_in_the_next_run_and_its_evidence_is_shown(saihan, client_as, community_branch, demo_user):
    scheme = scheme_of(saihan)
    indicator = scheme.indicators.get(code="innovation_demonstration")
    svc.enter_manual_score(demo_user("community_secretary", SAIHAN), indicator, community_branch, MONTH, "5.5", "示范社区创建验收意见第7号")
    svc.run_month(scheme, MONTH)
    score = score_of(community_branch, indicator.code)
    assert score.points == Decimal("5.5")
    page = client_as("community_secretary", SAIHAN).get(reverse("assessment:score", args=[score.pk]))
    assert page.status_code == 200
    assert "示范社区创建验收意见第7号" in page.content.decode()


# ---------------------------------------------------------------- drill-through and scoping


def test_the_evidence_page_lists_the_meetings_behind_the_score(saihan, client_as, community_branch):
    scheme = scheme_of(saihan)
    Meeting.objects.filter(party_org=community_branch).delete()
    meeting(community_branch, "committee", dt.date(2026, 10, 8), "十月支委会（测试）")
    meeting(community_branch, "theme_day", dt.date(2026, 10, 15), "十月主题党日（测试）")
    meeting(community_branch, "lecture", dt.date(2026, 10, 3), "四季度党课（测试）")
    meeting(community_branch, "assembly", dt.date(2026, 9, 3), "三季度党员大会（上一季度，不计）")
    svc.run_month(scheme, MONTH)
    score = score_of(community_branch, "org_meetings")
    # October: both monthly meetings and the lecture held; the quarter's assembly is not due before December.
    assert score.value == 3 and score.points == Decimal("8.00")
    svc.run_month(scheme, "2026-12")
    december = Score.objects.get(party_org=community_branch, indicator__code="org_meetings", month=dt.date(2026, 12, 1))
    assert december.value == 1 and december.points == Decimal("2.00")  # 1 of 4: only the lecture, in December still missing the rest
    client = client_as("community_secretary", SAIHAN)
    card = client.get(reverse("assessment:org_month", args=[community_branch.pk, "2026-10"]))
    assert card.status_code == 200
    assert reverse("assessment:score", args=[score.pk]) in card.content.decode()
    page = client.get(reverse("assessment:score", args=[score.pk]))
    body = page.content.decode()
    assert "十月支委会（测试）" in body and "十月主题党日（测试）" in body and "四季度党课（测试）" in body


def test_a_community_secretary_cannot_open_another_communitys_score(saihan, client_as, community_branch):
    other = (PartyOrg.objects.filter(district=saihan, kind="branch").exclude(node__path__startswith=community_branch.node.path[:12])
             .order_by("pk").first())
    score = Score.objects.filter(party_org=other, month=MONTH).first()
    client = client_as("community_secretary", SAIHAN)
    assert client.get(reverse("assessment:score", args=[score.pk])).status_code == 404
    assert client.get(reverse("assessment:org_month", args=[other.pk, "2026-10"])).status_code == 404
    mine = Score.objects.filter(party_org=community_branch, month=MONTH).first()
    assert client.get(reverse("assessment:score", args=[mine.pk])).status_code == 200


def test_the_grades_page_shows_colour_badges_and_only_the_users_area(saihan, client_as, community_branch):
    client = client_as("community_secretary", SAIHAN)
    page = client.get(reverse("assessment:grades"), {"month": "2026-10"})
    assert page.status_code == 200
    shown = list(page.context["page"].object_list)
    assert shown and all(g.node_path.startswith(community_branch.node.path[:12]) for g in shown)
    body = page.content.decode()
    assert shown[0].band.colour in body
    band = shown[0].band
    filtered = client.get(reverse("assessment:grades"), {"month": "2026-10", "band": band.pk})
    assert all(g.band_id == band.pk for g in filtered.context["page"].object_list)
    node = community_branch.node
    by_node = client.get(reverse("assessment:grades"), {"month": "2026-10", "node": node.pk})
    assert all(g.node_path.startswith(node.path) for g in by_node.context["page"].object_list)


# ---------------------------------------------------------------- the queue


def test_a_queued_run_is_claimed_once_and_run_by_the_worker(saihan, demo_user):
    scheme = scheme_of(saihan)
    run = svc.queue_run(demo_user("district_admin", SAIHAN), scheme, "2026-10")
    assert svc.claim(run.pk) is True
    assert svc.claim(run.pk) is False
    IndexRun.objects.filter(pk=run.pk).update(state="queued")
    assert svc.run_queued() == 1
    assert svc.run_queued() == 0
    run.refresh_from_db()
    assert run.state == "done" and run.orgs == PartyOrg.objects.filter(district=saihan).count() and run.seconds is not None


def test_a_failing_queued_run_is_marked_failed_and_keeps_the_previous_results(saihan, demo_user, monkeypatch):
    scheme = scheme_of(saihan)
    before = list(Grade.objects.filter(scheme=scheme, month=MONTH).order_by("pk").values_list("pk", "total"))

    def broken(ctx, indicator):
        raise RuntimeError("数据源不可用")

    monkeypatch.setitem(comp.REGISTRY, "satisfaction", comp.Computation("satisfaction", "x", broken))
    run = svc.queue_run(demo_user("district_admin", SAIHAN), scheme, "2026-10")
    assert svc.run_queued() == 1
    run.refresh_from_db()
    assert run.state == "failed" and "数据源不可用" in run.error
    assert list(Grade.objects.filter(scheme=scheme, month=MONTH).order_by("pk").values_list("pk", "total")) == before


def test_only_configure_may_queue_a_run_from_the_page(saihan, client_as):
    scheme = scheme_of(saihan)
    assert client_as("community_secretary", SAIHAN).post(reverse("assessment:runs"), {"scheme": scheme.pk, "month": "2026-10"}).status_code == 403
    client = client_as("district_admin", SAIHAN)
    answer = client.post(reverse("assessment:runs"), {"scheme": scheme.pk, "month": "2026-10"})
    assert answer.status_code == 302
    assert IndexRun.objects.filter(scheme=scheme, state="queued", month=MONTH).exists()
    refused = client.post(reverse("assessment:runs"), {"scheme": scheme.pk, "month": "2027-05"})
    assert refused.status_code == 200 and IndexRun.objects.filter(month=dt.date(2027, 5, 1)).count() == 0


def test_the_index_run_command_runs_a_month_and_prints_the_count(saihan):
    out = io.StringIO()
    call_command("index-run", "--district", SAIHAN, "--month", "2026-10", stdout=out)
    assert str(PartyOrg.objects.filter(district=saihan).count()) in out.getvalue()
    out = io.StringIO()
    call_command("index-run", "--district", SAIHAN, "--month", "2026-10", "--queue", stdout=out)
    assert IndexRun.objects.filter(scheme__district=saihan, state="queued").count() == 1


# ---------------------------------------------------------------- computations read the other areas' data


def test_area_indicators_roll_up_the_subtree_of_the_organisations_node(saihan, community_branch):
    """The community's organisation counts the cases of all its grids; a grid branch only its own."""
    from gridgov.cases.models import Case

    scheme = scheme_of(saihan)
    community = Node.objects.get(path=community_branch.node.path[:12])
    community_org = PartyOrg.objects.filter(node=community).order_by("pk").first()
    svc.run_month(scheme, MONTH)
    closed = Case.objects.filter(district=saihan, closed_at__gte=dt.datetime(2026, 10, 1, tzinfo=TZ),
                                 closed_at__lt=dt.datetime(2026, 11, 1, tzinfo=TZ))
    in_community = closed.filter(node_path__startswith=community.path)
    score = score_of(community_org, "gov_on_time")
    if in_community.exists():
        assert score.value == pytest.approx(in_community.filter(closed_on_time=True).count() / in_community.count())
    else:
        assert score.value is None and score.points == 7
