"""Case endpoints: intake (idempotent with the Idempotency-Key header), scoped lists and detail,
and transitions. Thin: gridgov.cases.services does the work and scoped_cases() decides visibility."""
import datetime as dt
import hashlib
from typing import Literal, Optional

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from gridgov.cases import permissions as case_perms
from gridgov.cases import services
from gridgov.cases.models import Case
from gridgov.cases.workflow import ACTIONS, available
from gridgov.hierarchy.models import District
from gridgov.people import scoping

from .errors import MAX_OFFSET, ErrorOut, documented

router = Router()


class Pagination(LimitOffsetPagination):
    """ninja's limit and offset (100 by default) with upper bounds: unbounded, a huge offset
    overflowed the database's integers (a 500); now a 422."""

    class Input(Schema):
        limit: int = Field(100, ge=1, le=MAX_OFFSET)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)


State = Literal[tuple(code for code, _label in Case.STATES)]
Level = Literal[tuple(code for code, _label in Case.LEVELS)]
Source = Literal["resident", "staff", "desk", "patrol", "api"]
ActionName = Literal[tuple(ACTIONS)]


class CaseIn(Schema):
    district: str = Field(pattern=r"^\d{6}$", description="division code of the district")
    category: str = Field(max_length=16, description="subclass code, e.g. E0102")
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False)
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)
    description: str = Field(min_length=1, max_length=services.MAX_DESCRIPTION)
    address: str = Field("", max_length=200)
    source: Source = "api"
    reporter_name: str = Field("", max_length=64)
    reporter_phone: str = Field("", max_length=20)


class CaseOut(Schema):
    number: str
    district: str
    category: str
    category_name: str
    state: State
    state_label: str
    level: Level
    grid_id: int
    grid_name: str
    lon: float
    lat: float
    description: str
    department: Optional[str]
    deadline: Optional[dt.datetime]
    reported_at: dt.datetime
    closed_at: Optional[dt.datetime]
    actions: list[str] = Field(description="actions you may take now")

    @staticmethod
    def resolve_district(obj):
        return obj.district.code

    @staticmethod
    def resolve_category(obj):
        return obj.category.code

    @staticmethod
    def resolve_category_name(obj):
        return obj.category.name

    @staticmethod
    def resolve_state_label(obj):
        return str(obj.get_state_display())

    @staticmethod
    def resolve_grid_name(obj):
        return obj.grid.name

    @staticmethod
    def resolve_department(obj):
        return obj.department.name if obj.department else None

    @staticmethod
    def resolve_actions(obj, context):
        return [a.name for a in available(context["request"].auth, obj)]


class IntakeOut(CaseOut):
    created: bool = Field(description="false when an identical earlier submission already made this case")
    possible_duplicates: list[str] = Field(description="numbers of open cases of the same class within 50 m")


class ActionIn(Schema):
    action: ActionName
    comment: str = Field("", max_length=services.MAX_DESCRIPTION)
    department: Optional[int] = Field(None, description="dispatch: department id")
    departments: Optional[list[int]] = Field(None, description="summon: department ids, the lead first")
    days: Optional[float] = Field(None, description="request_extension: working days")
    reason: Optional[Literal["invalid", "duplicate"]] = None
    duplicate_of: Optional[str] = None
    rating: Optional[Literal["satisfied", "basic", "unsatisfied"]] = None


def _cases(request):
    return services.scoped_cases(request.auth).select_related("district", "category", "grid", "department")


def _get(request, number):
    case = _cases(request).filter(number=number).first()
    if case is None:
        raise Http404
    return case


def _idem_key(user, key):
    """The client's Idempotency-Key, per user (as the web form's and Open311's keys are): two clients that
    choose the same key never meet, nor see each other's case; hashed, so that a long key is never cut."""
    key = key.strip()
    return "api:" + hashlib.sha256(f"{user.pk}:{key}".encode()).hexdigest()[:48] if key else ""


@router.post("/cases", response={200: IntakeOut, 201: IntakeOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut, 500: ErrorOut},
             summary="Report a case (idempotent: send an Idempotency-Key header)")
def create_case(request, payload: CaseIn):
    user = request.auth
    district = District.objects.filter(code=payload.district).first()
    if district is None or not (user.is_superuser or any(p.district_id == district.pk for p in scoping.active_posts(user))):
        raise services.NotAllowed(_("You can report cases only in your own district."))
    source = payload.source
    if source in ("staff", "desk", "patrol") and not scoping.can(user, "hierarchy.view"):
        source = "resident"
    person = getattr(user, "person", None)
    case, created = services.intake(
        district, category=payload.category, lon=payload.lon, lat=payload.lat, description=payload.description,
        source=source, user=user, reporter=person if source in ("resident", "api") else None,
        reporter_name=payload.reporter_name, reporter_phone=payload.reporter_phone, address=payload.address,
        idem_key=_idem_key(user, request.headers.get("Idempotency-Key", "")),
    )
    case = _cases(request).filter(pk=case.pk).first() or Case.objects.select_related("district", "category", "grid", "department").get(pk=case.pk)
    case.created = created
    case.possible_duplicates = [c.number for c in services.possible_duplicates(case)]
    return Status(201 if created else 200, case)


@router.get("/cases", response=documented(list[CaseOut]), summary="Cases in your area")
@paginate(Pagination)
def list_cases(request, state: Optional[State] = Query(None), level: Optional[Level] = Query(None),
               overdue: Optional[bool] = Query(None)):
    qs = _cases(request)
    user = request.auth
    if not user.is_superuser and not case_perms.department_ids(user):
        # Redundant with the scope, but lets PostgreSQL walk its (district, reported_at) index instead of
        # sorting the whole scope: 260 ms → under 1 ms for a district admin at 150,000 cases (bench/mixed.py).
        districts = {post.district_id for post in scoping.active_posts(user)}
        if districts:
            qs = qs.filter(district_id__in=districts)
    if state:
        qs = qs.filter(state=state)
    if level:
        qs = qs.filter(level=level)
    if overdue is not None:
        qs = qs.filter(was_overdue=overdue)
    return qs.order_by("-reported_at")


@router.get("/cases/{number}", response=documented(CaseOut), summary="One case")
def get_case(request, number: str):
    return _get(request, number)


@router.post("/cases/{number}/actions", response={200: CaseOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut, 500: ErrorOut},
             summary="Take an action on a case (409 when someone else changed it first)")
def act(request, number: str, payload: ActionIn):
    case = _get(request, number)
    params = payload.dict(exclude={"action", "comment"}, exclude_none=True)
    if "rating" in params:
        params["rating_comment"] = payload.comment
    services.transition(case, payload.action, request.auth, comment=payload.comment, **params)
    return _get(request, number)


# ---------------------------------------------------------------- patrols 巡查

class PatrolStartIn(Schema):
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False)
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)


class TrackIn(Schema):
    points: list[list[float]] = Field(max_length=500, description="[[lon, lat, unix seconds], …]")


class FinishIn(Schema):
    visits: int = Field(0, ge=0, le=500, description="household visits 入户走访")
    notes: str = Field("", max_length=services.MAX_DESCRIPTION)


class PatrolOut(Schema):
    id: int
    grid_id: int
    grid_name: str
    day: dt.date
    started_at: dt.datetime
    ended_at: Optional[dt.datetime]
    visits: int
    notes: str
    track_points: int

    @staticmethod
    def resolve_grid_name(obj):
        return obj.grid.name

    @staticmethod
    def resolve_track_points(obj):
        return len(obj.track)


def _own_patrol(request, patrol_id):
    from gridgov.cases.models import Patrol

    person = getattr(request.auth, "person", None)
    patrol = Patrol.objects.select_related("grid").filter(pk=patrol_id, person=person).first() if person else None
    if patrol is None:
        raise Http404
    return patrol


@router.post("/patrols", response={201: PatrolOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut, 500: ErrorOut},
             summary="Start a patrol at your position (每日巡)")
def start_patrol(request, payload: PatrolStartIn):
    patrol = services.start_patrol(request.auth, payload.lon, payload.lat)
    return Status(201, patrol)


@router.post("/patrols/{patrol_id}/track", response=documented(PatrolOut), summary="Add GPS points to your patrol's track")
def add_track(request, patrol_id: int, payload: TrackIn):
    patrol = _own_patrol(request, patrol_id)
    if any(len(p) != 3 for p in payload.points):
        raise services.CaseError(_("Each track point is [longitude, latitude, unix seconds]."))
    return services.add_track_points(patrol, payload.points)


@router.post("/patrols/{patrol_id}/finish", response=documented(PatrolOut), summary="End your patrol with visits and notes")
def finish_patrol(request, patrol_id: int, payload: FinishIn):
    return services.finish_patrol(_own_patrol(request, patrol_id), payload.visits, payload.notes)


@router.get("/patrols", response=documented(list[PatrolOut]), summary="Patrols in your area, newest first")
@paginate(Pagination)
def list_patrols(request, day: Optional[dt.date] = Query(None)):
    from gridgov.cases.models import Patrol

    qs = scoping.scope(Patrol.objects.select_related("grid"), request.auth, "node_path")
    if day:
        qs = qs.filter(day=day)
    return qs.order_by("-started_at")
