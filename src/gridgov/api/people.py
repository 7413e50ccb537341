"""People registry endpoints: members, dual registration, volunteers, service ledger, residents, workers,
audited reveal and access log. Thin: services scope every query; ID numbers and phones are masked."""
import datetime as dt
from typing import Literal, Optional

from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from gridgov.people import pii, roles, scoping, services
from gridgov.people.models import POST_CATEGORIES, RESIDENT_TAGS, PartyMember, ServiceRecord, TalentEntry

from .errors import ErrorOut, MAX_OFFSET, documented

router = Router()

MAX_PAGE = 200
MemberStatus = Literal[tuple(code for code, _label in PartyMember.STATUSES)]
ServiceKind = Literal[tuple(code for code, _label in ServiceRecord.KINDS)]
Category = Literal[tuple(code for code, _label in POST_CATEGORIES)]
Tag = Literal[tuple(code for code, _label in RESIDENT_TAGS)]
TalentKind = Literal[tuple(code for code, _label in TalentEntry.KINDS)]
TalentField = Literal[tuple(code for code, _label in TalentEntry.FIELDS)]
ACTION_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut, 500: ErrorOut}


class Page(LimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(50, ge=1, le=MAX_PAGE)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)


# ---------------------------------------------------------------- schemas

class PersonOut(Schema):
    """A person as every answer shows them: ID number and phone masked."""

    id: int
    name: str
    gender: str
    id_number: str = Field(description="masked (1401**********123X); POST /api/persons/{id}/reveal for the clear value")
    phone: str = Field(description="masked (138****1234)")
    home_id: Optional[int]
    home: Optional[str] = Field(description="name of the home node")

    @staticmethod
    def resolve_id_number(obj):
        return pii.mask_id(obj.id_number)

    @staticmethod
    def resolve_phone(obj):
        return pii.mask_phone(obj.phone)

    @staticmethod
    def resolve_home(obj):
        return obj.home.name if obj.home_id else None


class MemberOut(Schema):
    id: int
    person: PersonOut
    party_org_id: Optional[int]
    party_org: Optional[str]
    joined: Optional[dt.date]
    status: MemberStatus
    status_label: str
    in_service: bool
    employer: str

    @staticmethod
    def resolve_party_org(obj):
        return obj.party_org.name if obj.party_org_id else None

    @staticmethod
    def resolve_status_label(obj):
        return str(obj.get_status_display())


class DualRegistrationOut(Schema):
    id: int
    member_id: int
    person: PersonOut
    employer: str
    community_id: int
    community: str
    grid_id: Optional[int]
    grid: Optional[str]
    since: dt.date

    @staticmethod
    def resolve_person(obj):
        return obj.member.person

    @staticmethod
    def resolve_employer(obj):
        return obj.member.employer

    @staticmethod
    def resolve_community(obj):
        return obj.community.name

    @staticmethod
    def resolve_grid(obj):
        return obj.grid.name if obj.grid_id else None


class VolunteerOut(Schema):
    id: int
    person: PersonOut
    team_id: Optional[int]
    team: Optional[str]
    skills: list[str]
    hours: float = Field(description="total hours of volunteer service: the sum of the ledger's entries")

    @staticmethod
    def resolve_team(obj):
        return obj.team.name if obj.team_id else None

    @staticmethod
    def resolve_hours(obj):
        return float(obj.hours)


class ServiceRecordOut(Schema):
    id: int
    person_id: int
    person: str = Field(description="the person's name")
    kind: ServiceKind
    hours: float
    what: str
    node_id: int
    node: str
    day: dt.date
    verified: bool
    verified_by: Optional[str] = Field(description="name of the verifying staff member")
    verified_at: Optional[dt.datetime]

    @staticmethod
    def resolve_person(obj):
        return obj.person.name

    @staticmethod
    def resolve_hours(obj):
        return float(obj.hours)

    @staticmethod
    def resolve_node(obj):
        return obj.node.name

    @staticmethod
    def resolve_verified(obj):
        return obj.verified_by_id is not None

    @staticmethod
    def resolve_verified_by(obj):
        return obj.verified_by.name if obj.verified_by_id else None


class ServiceRecordIn(Schema):
    person_id: int
    kind: ServiceKind = "volunteer"
    hours: float = Field(gt=0, le=24, allow_inf_nan=False)
    what: str = Field(min_length=1, max_length=255)
    node_id: int = Field(description="where the service was done; you need edit rights there")
    day: Optional[dt.date] = Field(None, description="default: today")


class ResidentOut(Schema):
    id: int
    person: PersonOut
    household_id: int
    household: str
    node_id: int = Field(description="the building or entrance")
    relation: str
    relation_label: str
    tags: list[str]

    @staticmethod
    def resolve_household(obj):
        return str(obj.household)

    @staticmethod
    def resolve_node_id(obj):
        return obj.household.node_id

    @staticmethod
    def resolve_relation_label(obj):
        return str(obj.get_relation_display())


class HouseholdOut(Schema):
    id: int
    node_id: int = Field(description="the building or entrance")
    node: str
    number: str = Field(description="room number")
    residents: int = Field(description="number of residents registered in the household")

    @staticmethod
    def resolve_node(obj):
        return obj.node.name

    @staticmethod
    def resolve_residents(obj):
        return obj.n_residents


class TalentOut(Schema):
    id: int
    person: PersonOut
    kind: TalentKind
    kind_label: str
    field: TalentField
    field_label: str
    note: str
    training_hours: float = Field(description="the person's total hours of training: the sum of their records")

    @staticmethod
    def resolve_kind_label(obj):
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_field_label(obj):
        return str(obj.get_field_display())

    @staticmethod
    def resolve_training_hours(obj):
        return float(obj.training_hours)


class TrainingOut(Schema):
    id: int
    person_id: int
    person: str = Field(description="the person's name")
    course: str
    hours: float
    day: dt.date

    @staticmethod
    def resolve_person(obj):
        return obj.person.name

    @staticmethod
    def resolve_hours(obj):
        return float(obj.hours)


class WorkerOut(Schema):
    id: int
    person: PersonOut
    community_id: int
    community: str
    post_category: Category
    level: int
    since: Optional[dt.date]
    monthly_pay: Optional[float] = Field(description="this year's pay from the district's ladder; null without a ladder")

    @staticmethod
    def resolve_community_id(obj):
        return obj.node_id

    @staticmethod
    def resolve_community(obj):
        return obj.node.name

    @staticmethod
    def resolve_monthly_pay(obj, context):
        # One ladder lookup per district and request, not per row.
        request = context["request"]
        tables = request.__dict__.setdefault("_gridgov_pay_tables", {})
        if obj.district_id not in tables:
            tables[obj.district_id] = services.pay_table(obj.district_id, timezone.localdate().year)
        ladder = tables[obj.district_id].get(obj.post_category)
        return float(services.ladder_pay(ladder, obj.level)) if ladder else None


class AccessLogOut(Schema):
    id: int
    user: str = Field(description="username of who revealed")
    person_id: int
    person: str
    field: Literal["id_number", "phone"]
    reason: str
    at: dt.datetime

    @staticmethod
    def resolve_user(obj):
        return obj.user.get_username()

    @staticmethod
    def resolve_person(obj):
        return obj.person.name


class RevealIn(Schema):
    field: Literal["id_number", "phone"]
    reason: str = Field(max_length=255, description="why you need the clear value; written to the access log")


class RevealOut(Schema):
    person_id: int
    field: str
    value: str = Field(description="the clear value; this reveal is now in the access log")


# ---------------------------------------------------------------- helpers

def _invalid(message):
    return Status(422, {"code": "invalid", "message": str(message)})


def _one(queryset, pk):
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise Http404  # missing or out of scope: the same answer
    return found


def _need(request, perm):
    if not scoping.can(request.auth, perm):
        raise PermissionDenied


# ---------------------------------------------------------------- party members, dual registration

@router.get("/party-members", response=documented(list[MemberOut]), summary="Party members in your area")
@paginate(Page)
def list_members(
    request,
    q: str = Query("", max_length=100, pattern=r"^[^\x00-\x1f\x7f]*$", description="part of the name or employer"),
    status: Optional[MemberStatus] = Query(None),
    in_service: Optional[bool] = Query(None),
):
    return services.members(request.auth, q=q.strip(), status=status or "", in_service=in_service)


@router.get("/party-members/{member_id}", response=documented(MemberOut), summary="One party member")
def get_member(request, member_id: int):
    return _one(services.members(request.auth), member_id)


@router.get("/dual-registrations", response=documented(list[DualRegistrationOut]),
            summary="Active dual registrations (双报到) with communities in your area")
@paginate(Page)
def list_dual_registrations(request, employer: str = Query("", max_length=128, pattern=r"^[^\x00-\x1f\x7f]*$")):
    qs = services.dual_registrations(request.auth).select_related("member__person__home", "community", "grid")
    if employer.strip():
        qs = qs.filter(member__employer=employer.strip())
    return qs.order_by("node_path", "pk")


# ---------------------------------------------------------------- volunteers and the service ledger

@router.get("/volunteers", response=documented(list[VolunteerOut]), summary="Volunteers in your area with their hours")
@paginate(Page)
def list_volunteers(request, q: str = Query("", max_length=100, pattern=r"^[^\x00-\x1f\x7f]*$"),
                    team: Optional[int] = Query(None)):
    return services.volunteers(request.auth, q=q.strip(), team=team).select_related("person__home")


@router.get("/service-records", response=documented(list[ServiceRecordOut]), summary="The service ledger in your area")
@paginate(Page)
def list_service_records(request, kind: Optional[ServiceKind] = Query(None), person: Optional[int] = Query(None),
                         verified: Optional[bool] = Query(None)):
    qs = services.scope_service(request.auth).select_related("person", "node", "verified_by")
    if kind:
        qs = qs.filter(kind=kind)
    if person is not None:
        qs = qs.filter(person_id=person)
    if verified is not None:
        qs = qs.filter(verified_by__isnull=not verified)
    return qs.order_by("-day", "-pk")


def _record(request, record_id):
    return _one(services.scope_service(request.auth).select_related("person", "node", "verified_by"), record_id)


@router.post("/service-records", response={201: ServiceRecordOut, **ACTION_ERRORS},
             summary="Record hours of service (you need edit rights where it was done)")
def create_service_record(request, payload: ServiceRecordIn):
    user = request.auth
    person = _one(services.persons(user), payload.person_id)
    node = _one(scoping.scoped_nodes(user), payload.node_id)
    if not scoping.can(user, roles.EDIT, node):
        raise PermissionDenied
    try:
        record = services.record_service(person, payload.kind, payload.hours, payload.what, node, payload.day)
    except services.PeopleError as exc:
        return _invalid(exc)
    return Status(201, _record(request, record.pk))


@router.post("/service-records/{record_id}/verify", response={200: ServiceRecordOut, **ACTION_ERRORS},
             summary="Verify the hours of a record (staff with edit rights there; never your own)")
def verify_service_record(request, record_id: int):
    user = request.auth
    record = _record(request, record_id)
    verifier = getattr(user, "person", None)
    if verifier is None or not scoping.can(user, roles.EDIT, record.node):
        raise PermissionDenied
    try:
        services.verify_service(record, verifier, user)
    except services.PeopleError as exc:
        return _invalid(exc)
    return _record(request, record_id)


# ---------------------------------------------------------------- residents, community workers

@router.get("/residents", response=documented(list[ResidentOut]), summary="Residents (实有人口) in your area")
@paginate(Page)
def list_residents(request, q: str = Query("", max_length=100, pattern=r"^[^\x00-\x1f\x7f]*$"),
                   tag: Optional[Tag] = Query(None)):
    return services.residents(request.auth, q=q.strip(), tag=tag or "").select_related("person__home")


@router.get("/households", response=documented(list[HouseholdOut]), summary="Households in your area")
@paginate(Page)
def list_households(request, node: Optional[int] = Query(None, description="only this building or entrance")):
    qs = services.households(request.auth).select_related("node").annotate(n_residents=Count("residents"))
    if node is not None:
        qs = qs.filter(node_id=node)
    return qs.order_by("node__path", "number", "pk")


@router.get("/community-workers", response=documented(list[WorkerOut]),
            summary="Community workers (三岗四十级) in your area with their computed pay")
@paginate(Page)
def list_workers(request, q: str = Query("", max_length=100, pattern=r"^[^\x00-\x1f\x7f]*$"),
                 category: Optional[Category] = Query(None)):
    return services.workers(request.auth, q=q.strip(), category=category or "").select_related("person__home")


# ---------------------------------------------------------------- talent pool

@router.get("/talent", response=documented(list[TalentOut]),
            summary="The talent pool in your area: reserve cadres and experts with their hours of training")
@paginate(Page)
def list_talent(request, q: str = Query("", max_length=100, pattern=r"^[^\x00-\x1f\x7f]*$"),
                kind: Optional[TalentKind] = Query(None), field: Optional[TalentField] = Query(None)):
    return services.talent(request.auth, kind=kind or "", field=field or "", q=q.strip())


@router.get("/training-records", response=documented(list[TrainingOut]), summary="Training records in your area")
@paginate(Page)
def list_trainings(request, person: Optional[int] = Query(None)):
    qs = services.trainings(request.auth)
    if person is not None:
        qs = qs.filter(person_id=person)
    return qs.order_by("-day", "-pk")


# ---------------------------------------------------------------- personal data: reveal and audit

@router.post("/persons/{person_id}/reveal", response={200: RevealOut, **ACTION_ERRORS},
             summary="Reveal an ID number or phone in clear (needs a reason; written to the access log)")
def reveal(request, person_id: int, payload: RevealIn):
    person = _one(services.persons(request.auth).select_related("home"), person_id)
    try:
        value = services.reveal(request.auth, person, payload.field, payload.reason)
    except PermissionError:
        raise PermissionDenied
    except services.PeopleError as exc:
        return _invalid(exc)
    return {"person_id": person.pk, "field": payload.field, "value": value}


@router.get("/access-log", response={200: list[AccessLogOut], **ACTION_ERRORS},
            summary="Who revealed whose personal data, and why (district administrators)")
@paginate(Page)
def list_access_log(request):
    _need(request, roles.AUDIT)
    return services.access_log(request.auth)
