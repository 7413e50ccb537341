"""Standardisation and star rating (MISSION.md §5.4): the district's 达标 checklist and the yearly checks that
drive PartyOrg.meets_standard, star levels with thresholds and quotas, the yearly (re-)rating with promotion
and demotion, single ratings by hand, and weak-and-lax (软弱涣散) records with their rectification task."""
import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Avg, Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.hierarchy.models import Node
from gridgov.orgs import services as org_services
from gridgov.orgs.models import PartyOrg
from gridgov.people import roles, scoping

from ..errors import AssessmentError, NotAllowed
from ..models import Grade, ListItem, Scheme, StandardCheck, StandardItem, StarLevel, StarRating, WeakLaxRecord

# The default 达标 checklist (a proposal following published 党支部标准化规范化建设 lists; editable).
DEFAULT_ITEMS = [
    ("team", "班子健全：支部委员会按期换届，书记、委员配备齐全"),
    ("meetings", "三会一课落实：支部党员大会、支委会、党小组会和党课按期召开"),
    ("members", "党员管理规范：党员教育、发展、组织关系转接和党费收缴规范"),
    ("position", "阵地建设达标：有固定活动场所，标识、制度上墙"),
    ("records", "台账资料齐全：会议记录、党员花名册等台账完整"),
    ("themed_day", "主题党日常态化：每月开展主题党日活动"),
    ("role", "作用发挥明显：党员带头参与网格服务和基层治理，群众满意"),
]

# (stars, minimum score, quota % of the rated organisations or None, needs an innovation project)
DEFAULT_LEVELS = [
    (5, Decimal("90"), Decimal("10"), True),
    (4, Decimal("80"), Decimal("20"), False),
    (3, Decimal("70"), None, False),
    (2, Decimal("60"), None, False),
    (1, Decimal("50"), None, False),
]

STAR_NAMES = {5: "五星", 4: "四星", 3: "三星", 2: "二星", 1: "一星"}
WEAK_LAX_TITLE = "软弱涣散整顿：%s"
TWO = Decimal("0.01")


def seed_defaults(district):
    """Create the default checklist and star levels of `district` where missing; returns (items, levels)."""
    for order, (code, text) in enumerate(DEFAULT_ITEMS, start=1):
        StandardItem.objects.get_or_create(district=district, code=code, defaults={"text": text, "order": order})
    for stars, minimum, quota, innovation in DEFAULT_LEVELS:
        StarLevel.objects.get_or_create(district=district, stars=stars, defaults={
            "minimum_score": minimum, "quota_pct": quota, "needs_innovation": innovation})
    return list(StandardItem.objects.filter(district=district)), levels(district)


def levels(district):
    return list(StarLevel.objects.filter(district=district).order_by("-stars"))


def num(value):
    """A decimal as people write it: 90, 85.5 (never 9E+1)."""
    return format(Decimal(value).normalize(), "f")


def star_label(stars):
    return STAR_NAMES.get(stars, str(stars)) if stars else _("No stars")


def quota_cap(level, rated):
    """How many of `rated` organisations may hold `level`: floor(quota % × rated); None without quota."""
    if level.quota_pct is None:
        return None
    return int(Decimal(rated) * level.quota_pct / Decimal(100))


# ---------------------------------------------------------------- standardisation 达标

def _meets(items, results, org):
    # A weak and lax organisation never meets the standard (orgs.services refuses both flags at once).
    return bool(items) and all(results.get(i.code) for i in items) and not org.weak_and_lax


def _sync_meets_flag(org):
    """PartyOrg.meets_standard follows the org's check of its latest year (unchanged without checks)."""
    latest = StandardCheck.objects.filter(party_org=org).order_by("-year").first()
    if latest is None:
        return org
    meets = latest.meets and not org.weak_and_lax
    if org.meets_standard != meets:
        org.meets_standard = meets
        org.save(update_fields=["meets_standard"])
    return org


def record_check(org, year, results, user=None):
    """Record `org`'s checklist for `year` (results: item code -> met); it meets the standard when all
    items are met. When it is the org's latest checked year, PartyOrg.meets_standard follows it."""
    if user is not None and not scoping.can(user, roles.ASSESS, org.node):
        raise NotAllowed(_("You may not check organisations here."))
    items = list(StandardItem.objects.filter(district_id=org.district_id))
    if not items:
        raise AssessmentError(_("The district has no standard checklist yet."))
    codes = {i.code for i in items}
    unknown = set(results) - codes
    if unknown:
        raise AssessmentError(_("Unknown checklist item: %(codes)s.") % {"codes": "、".join(sorted(unknown))})
    clean = {i.code: bool(results.get(i.code)) for i in items}
    with transaction.atomic():
        org = PartyOrg.objects.select_for_update().get(pk=org.pk)
        check, _created = StandardCheck.objects.update_or_create(party_org=org, year=year, defaults={
            "district_id": org.district_id, "results": clean, "meets": _meets(items, clean, org),
            "checked_by": user if getattr(user, "pk", None) else None, "node_path": org.node.path})
        _sync_meets_flag(org)
    return check


def record_checks(district, year, results_by_org, user=None):
    """Bulk form of record_check for a whole district-year (imports, the demo): {org: {code: bool}}.
    Replaces those orgs' checks of `year` and syncs their flags; returns how many meet."""
    items = list(StandardItem.objects.filter(district=district))
    if not items:
        raise AssessmentError(_("The district has no standard checklist yet."))
    orgs = list(results_by_org)
    with transaction.atomic():
        StandardCheck.objects.filter(party_org__in=orgs, year=year).delete()
        rows = []
        for org in orgs:
            clean = {i.code: bool(results_by_org[org].get(i.code)) for i in items}
            rows.append(StandardCheck(district=district, party_org=org, year=year, results=clean,
                                      meets=_meets(items, clean, org), checked_by=user, node_path=org.node.path))
        StandardCheck.objects.bulk_create(rows, batch_size=1000)
        latest = dict(StandardCheck.objects.filter(party_org__in=orgs).values("party_org")
                      .annotate(y=Max("year")).values_list("party_org", "y"))
        changed = []
        for org, row in zip(orgs, rows):
            if latest.get(org.pk) == year and org.meets_standard != row.meets:
                org.meets_standard = row.meets
                changed.append(org)
        PartyOrg.objects.bulk_update(changed, ["meets_standard"], batch_size=1000)
    return sum(r.meets for r in rows)


def meets_in_year(district, year, orgs):
    """{org id: meets the standard in `year`}: the year's check, else the org's current flag."""
    checked = dict(StandardCheck.objects.filter(district=district, year=year, party_org__in=orgs)
                   .values_list("party_org_id", "meets"))
    return {o.pk: checked[o.pk] if o.pk in checked else (o.meets_standard and not o.weak_and_lax) for o in orgs}


# ---------------------------------------------------------------- star ratings

def yearly_scores(district, year):
    """{org id: average of its monthly index totals in `year`} from the active scheme's grades."""
    grades = Grade.objects.filter(district=district, month__year=year)
    scheme = Scheme.objects.filter(district=district, active=True).order_by("pk").first()
    if scheme is not None:
        grades = grades.filter(scheme=scheme)
    return {row["party_org"]: Decimal(row["avg"]).quantize(TWO, ROUND_HALF_UP)
            for row in grades.values("party_org").annotate(avg=Avg("total"))}


def _change(previous, stars):
    if previous is None:
        return "new"
    return "promoted" if stars > previous else "demoted" if stars < previous else "kept"


def _key(org):
    return org.pk if isinstance(org, PartyOrg) else int(org)


def rate_year(district, year, scores=None, user=None, innovations=None):
    """(Re-)rate `district`'s organisations for `year` and return {stars: count} plus "changes".

    `scores` ({org or id: score}) defaults to the average of the orgs' monthly index totals of the year;
    `innovations` ({org or id: project name}) defaults to the projects already on the year's ratings.
    Only organisations meeting the standard in that year get stars: the highest level whose threshold
    and innovation requirement they meet and that still has room under its quota (quota % of all the
    rated organisations), taken in order of score then id, so those over a quota fall to the next level."""
    if user is not None and not scoping.can(user, roles.CONFIGURE):
        raise NotAllowed(_("Only the district may rate a year."))
    if scores is None:
        scores = yearly_scores(district, year)
        if not scores:
            raise AssessmentError(_("There are no monthly index totals for %(year)s: run the index first or give the scores.") % {"year": year})
    scores = {_key(k): Decimal(str(v)).quantize(TWO, ROUND_HALF_UP) for k, v in scores.items()}
    star_levels = levels(district)
    if not star_levels:
        raise AssessmentError(_("The district has no star levels yet."))
    with transaction.atomic():
        # One rating of a district-year at a time: lock its levels.
        list(StarLevel.objects.select_for_update().filter(district=district))
        existing = {r.party_org_id: r for r in StarRating.objects.filter(district=district, year=year)}
        if innovations is None:
            innovations = {k: r.innovation_project for k, r in existing.items() if r.innovation_project}
        innovations = {_key(k): v for k, v in innovations.items() if v}
        orgs = list(PartyOrg.objects.filter(district=district, pk__in=scores).select_related("node"))
        if len(orgs) != len(scores):
            raise AssessmentError(_("Some scored organisations are not in this district."))
        meets = meets_in_year(district, year, orgs)
        room = {lv.stars: quota_cap(lv, len(orgs)) for lv in star_levels}
        previous = dict(StarRating.objects.filter(district=district, year=year - 1).values_list("party_org_id", "stars"))
        now = timezone.now()
        rows = []
        for org in sorted(orgs, key=lambda o: (-scores[o.pk], o.pk)):
            score, stars = scores[org.pk], 0
            if meets[org.pk]:
                for lv in star_levels:
                    if score >= lv.minimum_score and (innovations.get(org.pk) or not lv.needs_innovation) \
                            and (room[lv.stars] is None or room[lv.stars] > 0):
                        stars = lv.stars
                        if room[lv.stars] is not None:
                            room[lv.stars] -= 1
                        break
            rows.append(StarRating(district=district, party_org=org, year=year, stars=stars, score=score,
                                   innovation_project=innovations.get(org.pk, ""), change=_change(previous.get(org.pk), stars),
                                   decided_by=user if getattr(user, "pk", None) else None, decided_at=now, node_path=org.node.path))
        StarRating.objects.filter(district=district, year=year).delete()
        StarRating.objects.bulk_create(rows, batch_size=1000)
        _refresh_changes(district, year + 1)
    counts = {lv.stars: 0 for lv in star_levels}
    changes = {c: 0 for c, _label in StarRating.CHANGES}
    for r in rows:
        if r.stars:
            counts[r.stars] += 1
        changes[r.change] += 1
    return {"rated": len(rows), "stars": counts, "changes": changes}


def _refresh_changes(district, year):
    """After re-rating year-1, the changes recorded for `year` are recomputed against it."""
    later = list(StarRating.objects.filter(district=district, year=year))
    if not later:
        return
    previous = dict(StarRating.objects.filter(district=district, year=year - 1).values_list("party_org_id", "stars"))
    for r in later:
        r.change = _change(previous.get(r.party_org_id), r.stars)
    StarRating.objects.bulk_update(later, ["change"], batch_size=1000)


def set_rating(org, year, stars, score=None, innovation_project=None, user=None):
    """Rate one organisation by hand. Refused (AssessmentError) when the org does not meet the standard
    that year, the score is under the level's threshold, an innovation project is missing, or the
    level's quota of the year's rated organisations is full."""
    if user is not None and not scoping.can(user, roles.ASSESS, org.node):
        raise NotAllowed(_("You may not rate organisations here."))
    stars = int(stars)
    with transaction.atomic():
        star_levels = {lv.stars: lv for lv in StarLevel.objects.select_for_update().filter(district_id=org.district_id)}
        existing = StarRating.objects.filter(party_org=org, year=year).first()
        if score is None:
            score = existing.score if existing and existing.score is not None else yearly_scores(org.district, year).get(org.pk)
        if score is not None:
            score = Decimal(str(score)).quantize(TWO, ROUND_HALF_UP)
        if innovation_project is None:
            innovation_project = existing.innovation_project if existing else ""
        innovation_project = (innovation_project or "").strip()
        if stars:
            level = star_levels.get(stars)
            if level is None:
                raise AssessmentError(_("The district has no %(stars)s-star level.") % {"stars": stars})
            if not meets_in_year(org.district, year, [org])[org.pk]:
                raise AssessmentError(_("“%(org)s” does not meet the standard in %(year)s and cannot be given stars.") % {
                    "org": org.name, "year": year})
            if score is None:
                raise AssessmentError(_("Give the organisation's score for the year."))
            if score < level.minimum_score:
                raise AssessmentError(_("%(level)s needs a score of at least %(min)s; “%(org)s” has %(score)s.") % {
                    "level": star_label(stars), "min": num(level.minimum_score), "org": org.name, "score": num(score)})
            if level.needs_innovation and not innovation_project:
                raise AssessmentError(_("%(level)s needs an innovation project.") % {"level": star_label(stars)})
            rated = StarRating.objects.filter(district_id=org.district_id, year=year).exclude(party_org=org).count() + 1
            cap = quota_cap(level, rated)
            held = StarRating.objects.filter(district_id=org.district_id, year=year, stars=stars).exclude(party_org=org).count()
            if cap is not None and held + 1 > cap:
                raise AssessmentError(_(
                    "The quota of %(level)s is %(pct)s%% of the %(rated)s rated organisations, at most %(cap)s; "
                    "%(held)s already hold it.") % {"level": star_label(stars), "pct": num(level.quota_pct),
                                                     "rated": rated, "cap": cap, "held": held})
        previous = StarRating.objects.filter(party_org=org, year=year - 1).values_list("stars", flat=True).first()
        rating, _created = StarRating.objects.update_or_create(party_org=org, year=year, defaults={
            "district_id": org.district_id, "stars": stars, "score": score, "innovation_project": innovation_project,
            "change": _change(previous, stars), "decided_by": user if getattr(user, "pk", None) else None,
            "node_path": org.node.path})
        nxt = StarRating.objects.filter(party_org=org, year=year + 1).first()
        if nxt is not None:
            nxt.change = _change(stars, nxt.stars)
            nxt.save(update_fields=["change"])
    return rating


def latest_year(district):
    return StarRating.objects.filter(district=district).aggregate(y=Max("year"))["y"]


def year_summary(ratings, star_levels):
    """Counts per level and per change of a (scoped) queryset of one year's ratings."""
    by_stars = dict(ratings.values("stars").annotate(n=Count("id")).values_list("stars", "n"))
    by_change = dict(ratings.values("change").annotate(n=Count("id")).values_list("change", "n"))
    return {"levels": [(lv, by_stars.get(lv.stars, 0)) for lv in star_levels], "unstarred": by_stars.get(0, 0),
            "rated": sum(by_stars.values()), "changes": by_change}


# ---------------------------------------------------------------- weak and lax 软弱涣散

def list_node(org):
    """The community (else subdistrict, else the org's own node) whose secretary owns the rectification."""
    node = org.node
    for kind in ("community", "subdistrict"):
        if node.kind == kind:
            return node
        found = Node.objects.filter(district_id=org.district_id, kind=kind, path__in=[
            node.path[:i] for i in range(Node.steplen, len(node.path), Node.steplen)]).first()
        if found is not None:
            return found
    return node


def flag_weak_lax(org, reasons, plan, due, user=None, today=None):
    """Flag `org` weak and lax with its reasons and rectification plan due by `due`: the record, the
    org's flags (it no longer meets the standard) and a rectification task in the four lists."""
    if user is not None and not scoping.can(user, roles.ASSESS, org.node):
        raise NotAllowed(_("You may not flag organisations here."))
    reasons, plan = (reasons or "").strip(), (plan or "").strip()
    today = today or timezone.localdate()
    if not reasons:
        raise AssessmentError(_("Give the reasons for the flag."))
    if not plan:
        raise AssessmentError(_("A weak and lax organisation needs a rectification plan."))
    if due is None or due < today:
        raise AssessmentError(_("The rectification must be due on a day after the flag."))
    with transaction.atomic():
        org = PartyOrg.objects.select_for_update(of=("self",)).select_related("node").get(pk=org.pk)
        if WeakLaxRecord.objects.filter(party_org=org, state="open").exists():
            raise AssessmentError(_("“%(org)s” is already flagged weak and lax.") % {"org": org.name})
        node = list_node(org)
        task = ListItem.objects.create(
            district_id=org.district_id, kind=ListItem.RECTIFICATION, node=node, year=today.year,
            title=WEAK_LAX_TITLE % org.name, detail=f"{reasons}\n{plan}", owner_id=org.secretary_id, party_org=org,
            due=due, state="open", node_path=node.path)
        record = WeakLaxRecord.objects.create(district_id=org.district_id, party_org=org, reasons=reasons, plan=plan,
                                              flagged_on=today, due=due, task=task, node_path=org.node.path)
        org_services.mark_weak_and_lax(org, plan)
        latest = StandardCheck.objects.filter(party_org=org).order_by("-year").first()
        if latest is not None and latest.meets:
            latest.meets = False
            latest.save(update_fields=["meets"])
    return record


def lift_weak_lax(record, user=None, note="", today=None):
    """Lift the flag once rectified: the rectification task is done, or an acceptance note says why.
    The latest standard check (its items) decides again whether the org meets the standard."""
    org = record.party_org
    if user is not None and not scoping.can(user, roles.ASSESS, org.node):
        raise NotAllowed(_("You may not lift flags here."))
    note = (note or "").strip()
    with transaction.atomic():
        record = WeakLaxRecord.objects.select_for_update(of=("self",)).select_related("task").get(pk=record.pk)
        if record.state != "open":
            raise AssessmentError(_("This flag has already been lifted."))
        if not note and (record.task is None or record.task.state != "done"):
            raise AssessmentError(_("The rectification task is not done yet: write an acceptance note to lift the flag."))
        record.state, record.lifted_on, record.lift_note = "lifted", today or timezone.localdate(), note
        record.save(update_fields=["state", "lifted_on", "lift_note"])
        org = PartyOrg.objects.select_for_update().get(pk=org.pk)
        org.weak_and_lax, org.rectification_plan = False, ""
        org.save(update_fields=["weak_and_lax", "rectification_plan"])
        latest = StandardCheck.objects.filter(party_org=org).order_by("-year").first()
        if latest is not None:
            items = list(StandardItem.objects.filter(district_id=org.district_id))
            latest.meets = _meets(items, latest.results, org)
            latest.save(update_fields=["meets"])
        _sync_meets_flag(org)
    return record


def default_due(today=None):
    today = today or timezone.localdate()
    return today + datetime.timedelta(days=182)
