"""Participation API endpoints (resources): the three lists (resources, needs, projects) and bookings —
list a resource's bookings, book, cancel. Thin: gridgov.participation.services does the work; every query
goes through scoping.scope() (resources through their sharing rule, services.resources.visible_resources)."""
import datetime as dt
from typing import Literal, Optional

from django.http import Http404
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from gridgov.participation.models import Booking, Need, Project
from gridgov.participation.models.resources import RESOURCE_KINDS
from gridgov.participation.services import resources as services

from .errors import ErrorOut, MAX_OFFSET, documented

router = Router()

Kind = Literal[tuple(code for code, _label in RESOURCE_KINDS)]
NeedState = Literal[tuple(code for code, _label in Need.STATES)]
ProjectState = Literal[tuple(code for code, _label in Project.STATES)]
MAX_PAGE = 200


class Pagination(LimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(50, ge=1, le=MAX_PAGE)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)


class ResourceOut(Schema):
    id: int
    name: str
    kind: Kind
    kind_label: str
    node_id: int
    node_name: str
    partner_unit_id: Optional[int]
    partner_unit_name: Optional[str]
    capacity: Optional[int]
    lon: Optional[float]
    lat: Optional[float]
    bookable: bool
    active: bool

    @staticmethod
    def resolve_kind_label(obj):
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_node_name(obj):
        return obj.node.name

    @staticmethod
    def resolve_partner_unit_name(obj):
        return obj.partner_unit.name if obj.partner_unit_id else None


class BlockedOut(Schema):
    start: dt.datetime
    end: dt.datetime
    reason: str


class ResourceDetailOut(ResourceOut):
    description: str
    slot_minutes: int
    min_slots: int
    max_slots: int
    opening_hours: dict = Field(description='{"0": ["08:30", "17:30"], …} by weekday, 0 = Monday; local time of the district')
    needs_confirmation: bool
    blocked: list[BlockedOut] = Field(description="blocked periods that have not ended")

    @staticmethod
    def resolve_blocked(obj):
        return list(obj.blocked.filter(end__gte=timezone.now()))


class NeedOut(Schema):
    id: int
    title: str
    kind: Kind
    node_id: int
    node_name: str
    state: NeedState
    wanted_from: Optional[dt.date]
    wanted_until: Optional[dt.date]
    raised_at: dt.datetime

    @staticmethod
    def resolve_node_name(obj):
        return obj.node.name


class NeedDetailOut(NeedOut):
    detail: str
    project_ids: list[int]

    @staticmethod
    def resolve_project_ids(obj):
        return list(obj.projects.values_list("pk", flat=True))


class ProjectOut(Schema):
    id: int
    title: str
    node_id: int
    node_name: str
    need_id: Optional[int]
    owner: Optional[str] = Field(description="the owner's name")
    start: Optional[dt.date]
    end: Optional[dt.date]
    progress: int
    state: ProjectState

    @staticmethod
    def resolve_node_name(obj):
        return obj.node.name

    @staticmethod
    def resolve_owner(obj):
        return obj.owner.name if obj.owner_id else None


class ProjectDetailOut(ProjectOut):
    result: str
    resource_ids: list[int]
    partner_units: list[str]

    @staticmethod
    def resolve_resource_ids(obj):
        return list(obj.resources.values_list("pk", flat=True))

    @staticmethod
    def resolve_partner_units(obj):
        return list(obj.partner_units.values_list("name", flat=True))


class BookingOut(Schema):
    id: int
    resource_id: int
    start: dt.datetime
    end: dt.datetime
    state: Literal["requested", "confirmed", "denied", "cancelled"]
    series: Optional[str]
    mine: bool
    purpose: Optional[str] = Field(description="shown to the requester, the owner and staff of the area; null to others")

    @staticmethod
    def resolve_series(obj):
        return str(obj.series) if obj.series else None


class BookingIn(Schema):
    start: dt.datetime = Field(description="with its time zone, e.g. 2026-12-01T09:30:00+08:00; aligned to the slots from the opening time")
    end: dt.datetime
    purpose: str = Field(min_length=1, max_length=255)
    attendees: Optional[int] = Field(None, ge=1, le=100000)
    repeat: Literal["", "daily", "weekly"] = Field("", description="a series, all or nothing")
    count: int = Field(1, ge=1, le=services.MAX_OCCURRENCES, description="occurrences of the series")


class CancelIn(Schema):
    reason: str = Field("", max_length=255)


def _resources(request):
    return services.visible_resources(request.auth).select_related("node", "partner_unit")


def _resource(request, resource_id):
    found = _resources(request).select_related("district").filter(pk=resource_id).first()
    if found is None:
        raise Http404
    return found


@router.get("/resources", response=documented(list[ResourceOut]), summary="Shared resources offered to you (资源清单)")
@paginate(Pagination)
def list_resources(request, kind: Optional[Kind] = Query(None), bookable: Optional[bool] = Query(None),
                   active: bool = Query(True, description="false lists the withdrawn ones")):
    qs = _resources(request).filter(active=active)
    if kind:
        qs = qs.filter(kind=kind)
    if bookable is not None:
        qs = qs.filter(bookable=bookable)
    return qs.order_by("node_path", "kind", "pk")


@router.get("/resources/{resource_id}", response=documented(ResourceDetailOut), summary="One shared resource")
def get_resource(request, resource_id: int):
    return _resource(request, resource_id)


@router.get("/needs", response=documented(list[NeedOut]), summary="Needs in your area (需求清单)")
@paginate(Pagination)
def list_needs(request, state: Optional[NeedState] = Query(None), kind: Optional[Kind] = Query(None)):
    qs = services.needs(request.auth).select_related("node")
    if state:
        qs = qs.filter(state=state)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-raised_at", "-pk")


@router.get("/needs/{need_id}", response=documented(NeedDetailOut), summary="One need")
def get_need(request, need_id: int):
    need = services.needs(request.auth).select_related("node").filter(pk=need_id).first()
    if need is None:
        raise Http404
    return need


@router.get("/projects", response=documented(list[ProjectOut]), summary="Projects in your area (项目清单)")
@paginate(Pagination)
def list_projects(request, state: Optional[ProjectState] = Query(None)):
    qs = services.projects(request.auth).select_related("node", "owner")
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("-start", "-pk")


@router.get("/projects/{project_id}", response=documented(ProjectDetailOut), summary="One project")
def get_project(request, project_id: int):
    project = services.projects(request.auth).select_related("node", "owner").filter(pk=project_id).first()
    if project is None:
        raise Http404
    return project


def _booking_out(request, booking, manager):
    user = request.auth
    mine = booking.requested_by_id == user.pk
    booking.mine = mine
    booking.purpose = booking.purpose if (mine or manager) else None
    return booking


@router.get("/resources/{resource_id}/bookings", response=documented(list[BookingOut]),
            summary="A resource's bookings that hold slots (requested or confirmed), from a day on")
@paginate(Pagination)
def resource_bookings(request, resource_id: int, since: Optional[dt.date] = Query(None, description="default: today")):
    resource = _resource(request, resource_id)
    manager = services.can_manage_resource(request.auth, resource.node, resource.partner_unit)
    day = since or timezone.localdate()
    start = dt.datetime.combine(day, dt.time(0), tzinfo=services.tz_of(resource))
    # Others see when the resource is taken, not what for.
    area = None if manager else set(services.bookings(request.auth).filter(resource=resource).values_list("pk", flat=True))
    qs = Booking.objects.filter(resource=resource, state__in=Booking.HOLDING, end__gt=start).order_by("start", "pk")
    return [_booking_out(request, b, manager or b.pk in area) for b in qs[:1000]]


@router.post("/resources/{resource_id}/bookings", response={201: list[BookingOut], 401: ErrorOut, 403: ErrorOut, 404: ErrorOut,
                                                           409: ErrorOut, 422: ErrorOut, 500: ErrorOut},
             summary="Book a resource (409 when the slot is taken; a series is all or nothing)")
def create_booking(request, resource_id: int, payload: BookingIn):
    resource = _resource(request, resource_id)
    made = services.book(request.auth, resource, payload.start, payload.end, payload.purpose, attendees=payload.attendees,
                         repeat=payload.repeat, count=payload.count)
    return Status(201, [_booking_out(request, b, True) for b in made])


@router.post("/bookings/{booking_id}/cancel", response={200: BookingOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut,
                                                       422: ErrorOut, 500: ErrorOut},
             summary="Cancel a booking (the requester or the owner); its slots become free")
def cancel_booking(request, booking_id: int, payload: CancelIn = None):
    booking = services.bookings(request.auth).filter(pk=booking_id).first()
    if booking is None:
        raise Http404
    booking = services.cancel(request.auth, booking, payload.reason if payload else "")
    return _booking_out(request, booking, True)
