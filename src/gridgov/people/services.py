"""Domain operations on people: persons and posts, party members, dual registration, the service
ledger, volunteers, residents, community workers' ladder and pay, talent pool, reveals, reports."""
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Count, DecimalField, Exists, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.hierarchy.models import Node
from gridgov.hierarchy.services import subtree_q

from . import pii, roles, scoping
from .models import (
    MAX_LEVEL, POST_CATEGORIES, RESIDENT_TAGS, AccessLog, CommunityWorker, DualRegistration, Household, PartyMember, PayLadder,
    Person, Post, Resident, ServiceRecord, TalentEntry, TrainingRecord, Volunteer, VolunteerTeam, WorkerPromotion,
)

ZERO = Decimal("0")
_HOURS = DecimalField(max_digits=12, decimal_places=1)


class PeopleError(ValueError):
    """An operation that breaks the rules of the people registries; the message is for the user."""


def _same_district(district, *items):
    for item in items:
        if item is not None and item.district_id != district.pk:
            raise PeopleError(_("“%(item)s” belongs to another district.") % {"item": item})


def path_of(person):
    """The scoping key of a person's rows: their home node's path, else their district's root."""
    if person.home_id:
        return person.home.path
    return Node.objects.filter(district_id=person.district_id, depth=1).values_list("path", flat=True).first()


# ---------------------------------------------------------------- persons and posts

def create_person(district, name, *, id_number="", phone="", home=None, gender="", birth_date=None):
    name = (name or "").strip()
    if not name:
        raise PeopleError(_("A person needs a name."))
    _same_district(district, home)
    if id_number:
        try:
            id_number = pii.validate_id_number(id_number)
        except pii.PersonalDataError as exc:
            raise PeopleError(str(exc))
        birth, sex = pii.birth_and_gender(id_number)
        birth_date, gender = birth_date or birth, gender or sex
    if phone:
        try:
            phone = pii.validate_phone(phone)
        except pii.PersonalDataError as exc:
            raise PeopleError(str(exc))
    return Person.objects.create(district=district, name=name, id_number=id_number, phone=phone, home=home,
                                 gender=gender, birth_date=birth_date)


def add_post(person, role, node, *, title="", start=None, end=None):
    if role not in roles.ROLES:
        raise PeopleError(_("Unknown role: %(role)s.") % {"role": role})
    _same_district(person.district, node)
    return Post.objects.create(person=person, district_id=person.district_id, role=role, node=node, title=title,
                               start=start, end=end)


def current_posts_q(prefix=""):
    today = timezone.localdate()
    return (Q(**{f"{prefix}start__isnull": True}) | Q(**{f"{prefix}start__lte": today})) & (
        Q(**{f"{prefix}end__isnull": True}) | Q(**{f"{prefix}end__gte": today}))


def posts(user, perm=roles.VIEW):
    return scoping.scope(Post.objects.filter(current_posts_q()), user, "node__path", perm)


def persons_at(user, node):
    """Persons holding a current post at `node` or below it: one person with posts at three
    nodes appears under each of them (cross-appointment, 一肩挑)."""
    ids = posts(user).filter(subtree_q(node.path, "node__path")).values("person_id")
    return Person.objects.filter(pk__in=ids).order_by("name", "pk")


def multi_post_persons(user):
    """Persons with more than one current post the user can see, with their number of posts."""
    rows = posts(user).order_by().values("person_id").annotate(n=Count("id")).filter(n__gt=1)
    counts = {r["person_id"]: r["n"] for r in rows}
    people = list(Person.objects.filter(pk__in=list(counts)).order_by("name", "pk"))
    for person in people:
        person.n_posts = counts[person.pk]
    return people


def owners_committee_shares(user):
    """Each owners' committee (the owners_committee_member posts at one node): size, party members
    among them and their share (MISSION.md §2.7)."""
    is_member = Exists(PartyMember.objects.filter(person_id=OuterRef("person_id"), status__in=["full", "probationary"]))
    rows = (posts(user).filter(role="owners_committee_member").annotate(member=is_member).order_by()
            .values("node_id", "node__name", "node__path")
            .annotate(size=Count("person_id", distinct=True), party=Count("person_id", filter=Q(member=True), distinct=True))
            .order_by("node__path"))
    return [
        {"node_id": r["node_id"], "node": r["node__name"], "size": r["size"], "party_members": r["party"],
         "share": (r["party"] / r["size"]) if r["size"] else 0.0}
        for r in rows
    ]


# ---------------------------------------------------------------- party members, dual registration

@transaction.atomic
def register_member(person, *, party_org=None, joined=None, status="full", in_service=False, employer=""):
    if status not in dict(PartyMember.STATUSES):
        raise PeopleError(_("Unknown member status: %(status)s.") % {"status": status})
    if party_org is not None and party_org.district_id != person.district_id:
        raise PeopleError(_("The party organisation belongs to another district."))
    if PartyMember.objects.filter(person=person).exists():
        raise PeopleError(_("%(name)s is already registered as a party member.") % {"name": person.name})
    if in_service and not employer:
        raise PeopleError(_("An in-service member needs an employer unit."))
    return PartyMember.objects.create(person=person, district_id=person.district_id, party_org=party_org, joined=joined,
                                      status=status, in_service=in_service, employer=employer, node_path=path_of(person))


@transaction.atomic
def dual_register(member, community, grid=None, since=None):
    """双报到: the member registers with `community` (and `grid` in it); an earlier active
    registration ends, so a member serves one community at a time."""
    if not member.in_service:
        raise PeopleError(_("Only in-service members register with a community (双报到)."))
    if community.kind != "community" or community.district_id != member.district_id:
        raise PeopleError(_("Registration is with a community of the member's district."))
    if grid is not None and not (grid.path.startswith(community.path) and grid.depth == community.depth + 1):
        raise PeopleError(_("The grid must lie in the community."))
    DualRegistration.objects.filter(member=member, active=True).update(active=False)
    return DualRegistration.objects.create(member=member, district_id=member.district_id, community=community, grid=grid,
                                           since=since or timezone.localdate(), active=True,
                                           node_path=(grid or community).path)


def dual_registrations(user, perm=roles.VIEW):
    return scoping.scope(DualRegistration.objects.filter(active=True), user, "node_path", perm)


def dual_registration_report(user, employer=None):
    """双报告: per employer unit, the members registered with communities the user can see and
    their hours of dual-registration service, summed from the ledger."""
    regs = dual_registrations(user)
    if employer:
        regs = regs.filter(member__employer=employer)
    members = (regs.order_by().values("member__employer")
               .annotate(members=Count("member_id", distinct=True)).order_by("member__employer"))
    hours = (scope_service(user).filter(kind="dual_registration", person__party_member__registrations__in=regs)
             .order_by().values("person__party_member__employer").annotate(h=Sum("hours")))
    by_employer = {r["person__party_member__employer"]: r["h"] for r in hours}
    return [{"employer": r["member__employer"], "members": r["members"], "hours": by_employer.get(r["member__employer"]) or ZERO}
            for r in members]


def members(user, q="", status="", in_service=None, perm=roles.VIEW):
    qs = scoping.scope(PartyMember.objects.all(), user, "node_path", perm).select_related("person", "person__home", "party_org")
    if q:
        qs = qs.filter(Q(person__name__icontains=q) | Q(employer__icontains=q))
    if status == "current":
        # Full and probationary members: those `gridgov stats` counts as party_member.
        qs = qs.exclude(status__in=["transferred_out", "deceased"])
    elif status:
        qs = qs.filter(status=status)
    if in_service is not None:
        qs = qs.filter(in_service=in_service)
    return qs.order_by("node_path", "person__name", "pk")


# ---------------------------------------------------------------- the service ledger

def record_service(person, kind, hours, what, node, day=None):
    hours = Decimal(str(hours))
    if kind not in dict(ServiceRecord.KINDS):
        raise PeopleError(_("Unknown kind of service: %(kind)s.") % {"kind": kind})
    if hours <= 0 or hours > 24:
        raise PeopleError(_("Hours of service are between 0 and 24 a day."))
    if not (what or "").strip():
        raise PeopleError(_("Say what the service was."))
    _same_district(person.district, node)
    return ServiceRecord.objects.create(person=person, district_id=person.district_id, kind=kind, hours=hours,
                                        what=what.strip(), node=node, day=day or timezone.localdate(), node_path=node.path)


def verify_service(record, verifier, user=None):
    """Staff confirm the hours; only a person with a post at or above the record's node may."""
    if user is not None and not scoping.can(user, roles.EDIT, record.node):
        raise PeopleError(_("You may not verify service in this area."))
    if verifier.pk == record.person_id:
        raise PeopleError(_("Nobody verifies their own hours."))
    record.verified_by = verifier
    record.verified_at = timezone.now()
    record.save(update_fields=["verified_by", "verified_at"])
    return record


def scope_service(user, perm=roles.VIEW):
    return scoping.scope(ServiceRecord.objects.all(), user, "node_path", perm)


def _sum(qs):
    return qs.aggregate(h=Coalesce(Sum("hours"), Value(ZERO), output_field=_HOURS))["h"]


# Totals are always sums over the ledger: no counter is stored that could drift from its entries.
def person_hours(person, kind=None, verified_only=False):
    qs = ServiceRecord.objects.filter(person=person)
    if kind:
        qs = qs.filter(kind=kind)
    if verified_only:
        qs = qs.filter(verified_by__isnull=False)
    return _sum(qs)


def team_hours(team):
    return _sum(ServiceRecord.objects.filter(kind="volunteer", person__volunteer__team=team))


def community_hours(community, kind=None):
    qs = ServiceRecord.objects.filter(subtree_q(community.path, "node_path"))
    if kind:
        qs = qs.filter(kind=kind)
    return _sum(qs)


def volunteers(user, q="", team=None, perm=roles.VIEW):
    hours = Coalesce(Sum("person__service_records__hours", filter=Q(person__service_records__kind="volunteer")),
                     Value(ZERO), output_field=_HOURS)
    qs = scoping.scope(Volunteer.objects.all(), user, "node_path", perm).select_related("person", "team")
    if q:
        qs = qs.filter(person__name__icontains=q)
    if team:
        qs = qs.filter(team_id=team)
    return qs.annotate(hours=hours).order_by("node_path", "person__name", "pk")


def add_volunteer(person, skills=(), team=None):
    _same_district(person.district, team)
    return Volunteer.objects.create(person=person, district_id=person.district_id, skills=list(skills), team=team,
                                    node_path=path_of(person))


def create_team(district, node, name):
    _same_district(district, node)
    return VolunteerTeam.objects.create(district=district, node=node, name=name)


# ---------------------------------------------------------------- residents

def add_resident(person, household, relation="head", tags=()):
    unknown = set(tags) - {code for code, _label in RESIDENT_TAGS}
    if unknown:
        raise PeopleError(_("Unknown resident tags: %(tags)s.") % {"tags": ", ".join(sorted(unknown))})
    _same_district(person.district, household)
    return Resident.objects.create(person=person, district_id=person.district_id, household=household, relation=relation,
                                   tags=list(tags), node_path=household.node.path)


def residents(user, q="", tag="", perm=roles.VIEW):
    qs = scoping.scope(Resident.objects.all(), user, "node_path", perm).select_related("person", "household", "household__node")
    if q:
        qs = qs.filter(person__name__icontains=q)
    if tag:
        # JSON containment is not portable to SQLite; the tag codes are plain words, so a quoted
        # substring match on the JSON text is exact.
        qs = qs.filter(tags__icontains=f'"{tag}"')
    return qs.order_by("node_path", "household__number", "pk")


def households(user, perm=roles.VIEW):
    return scoping.scope(Household.objects.all(), user, "node__path", perm)


# ---------------------------------------------------------------- community workers: ladder and pay

def set_ladder(district, category, year, base, step, adjustment_pct=0):
    if category not in dict(POST_CATEGORIES):
        raise PeopleError(_("Unknown post category: %(category)s.") % {"category": category})
    ladder, _created = PayLadder.objects.update_or_create(
        district=district, category=category, year=year,
        defaults={"base": Decimal(str(base)), "step": Decimal(str(step)), "adjustment_pct": Decimal(str(adjustment_pct))})
    return ladder


def ladder_for(district_id, category, year):
    """The table in force in `year`: that year's, else the latest earlier one."""
    return (PayLadder.objects.filter(district_id=district_id, category=category, year__lte=year)
            .order_by("-year").first())


def ladder_pay(ladder, level):
    raw = (ladder.base + ladder.step * (level - 1)) * (1 + ladder.adjustment_pct / 100)
    return raw.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@transaction.atomic
def adjust_pay(district, year, pct):
    """The yearly dynamic adjustment: each category's table for `year` starts from last year's
    adjusted pay (so adjustments compound) and is raised by `pct` per cent."""
    rows = []
    for category, _label in POST_CATEGORIES:
        previous = ladder_for(district.pk, category, year - 1)
        if previous is None:
            continue
        factor = 1 + previous.adjustment_pct / 100
        rows.append(set_ladder(district, category, year, (previous.base * factor).quantize(Decimal("0.01")),
                               (previous.step * factor).quantize(Decimal("0.01")), pct))
    if not rows:
        raise PeopleError(_("There is no pay ladder before %(year)s to adjust.") % {"year": year})
    return rows


def monthly_pay(worker, year=None):
    year = year or timezone.localdate().year
    ladder = ladder_for(worker.district_id, worker.post_category, year)
    return ladder_pay(ladder, worker.level) if ladder else None


def pay_table(district_id, year):
    """{category: ladder} in force in `year` (for a list page: one query per category)."""
    return {c: ladder_for(district_id, c, year) for c, _label in POST_CATEGORIES}


@transaction.atomic
def promote(worker, to_level, to_category=None, day=None, note=""):
    to_category = to_category or worker.post_category
    if to_category not in dict(POST_CATEGORIES):
        raise PeopleError(_("Unknown post category: %(category)s.") % {"category": to_category})
    if not 1 <= to_level <= MAX_LEVEL:
        raise PeopleError(_("Levels run from 1 to %(max)d.") % {"max": MAX_LEVEL})
    if (to_category, to_level) == (worker.post_category, worker.level):
        raise PeopleError(_("The worker is already at this category and level."))
    day = day or timezone.localdate()
    WorkerPromotion.objects.create(worker=worker, day=day, from_category=worker.post_category, from_level=worker.level,
                                   to_category=to_category, to_level=to_level, note=note)
    worker.post_category, worker.level, worker.since = to_category, to_level, day
    worker.save(update_fields=["post_category", "level", "since"])
    return worker


def add_worker(person, node, category, level=1, since=None):
    if node.kind != "community":
        raise PeopleError(_("A community worker is posted to a community."))
    _same_district(person.district, node)
    if not 1 <= level <= MAX_LEVEL or category not in dict(POST_CATEGORIES):
        raise PeopleError(_("Levels run from 1 to %(max)d.") % {"max": MAX_LEVEL})
    return CommunityWorker.objects.create(person=person, district_id=person.district_id, node=node, post_category=category,
                                          level=level, since=since, node_path=node.path)


def workers(user, q="", category="", perm=roles.VIEW):
    qs = scoping.scope(CommunityWorker.objects.all(), user, "node_path", perm).select_related("person", "node")
    if q:
        qs = qs.filter(person__name__icontains=q)
    if category:
        qs = qs.filter(post_category=category)
    return qs.order_by("node_path", "post_category", "-level", "pk")


# ---------------------------------------------------------------- talent pool

def add_talent(person, kind, field, note=""):
    if kind not in dict(TalentEntry.KINDS) or field not in dict(TalentEntry.FIELDS):
        raise PeopleError(_("Unknown kind or field of talent."))
    return TalentEntry.objects.create(person=person, district_id=person.district_id, kind=kind, field=field, note=note,
                                      node_path=path_of(person))


def add_training(person, course, hours, day):
    return TrainingRecord.objects.create(person=person, district_id=person.district_id, course=course,
                                         hours=Decimal(str(hours)), day=day, node_path=path_of(person))


def talent(user, kind="", field="", q="", perm=roles.VIEW):
    """Reserve cadres and experts the user can see, with each person's total hours of training."""
    qs = scoping.scope(TalentEntry.objects.all(), user, "node_path", perm).select_related("person", "person__home")
    if kind:
        qs = qs.filter(kind=kind)
    if field:
        qs = qs.filter(field=field)
    if q:
        qs = qs.filter(person__name__icontains=q)
    trained = TrainingRecord.objects.filter(person_id=OuterRef("person_id")).order_by().values("person_id").annotate(
        h=Sum("hours")).values("h")
    return qs.annotate(training_hours=Coalesce(Subquery(trained, output_field=_HOURS), Value(ZERO), output_field=_HOURS)
                       ).order_by("node_path", "person__name", "pk")


def trainings(user, person=None, perm=roles.VIEW):
    qs = scoping.scope(TrainingRecord.objects.all(), user, "node_path", perm).select_related("person")
    return qs.filter(person=person) if person is not None else qs


# ---------------------------------------------------------------- personal data: reveal and audit

def persons(user, perm=roles.VIEW):
    return scoping.scope(Person.objects.all(), user, "home__path", perm)


def person_node(person):
    return person.home or Node.objects.get(district_id=person.district_id, depth=1)


def reveal(user, person, field, reason):
    """The clear value of `field` ("id_number" or "phone"), for a user allowed to reveal at the
    person's node who gives a reason; the reveal is written to the access log first."""
    if field not in pii.MASKERS:
        raise PeopleError(_("Only the ID number and the phone can be revealed."))
    reason = (reason or "").strip()
    if not reason:
        raise PeopleError(_("Give a reason for viewing personal data."))
    node = person_node(person)
    if person.district_id != node.district_id or not scoping.can(user, roles.REVEAL, node):
        raise PermissionError(_("You may not view this person's personal data."))
    AccessLog.objects.create(user=user, person=person, district_id=person.district_id, field=field, reason=reason[:255],
                             node_path=node.path)
    return getattr(person, field)


def access_log(user):
    return scoping.scope(AccessLog.objects.all(), user, "node_path", roles.AUDIT).select_related("user", "person")


def masked(person):
    """The person's personal data as shown by default."""
    return {"id_number": pii.mask_id(person.id_number), "phone": pii.mask_phone(person.phone)}

