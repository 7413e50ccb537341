"""Participation API endpoints (civic): deliberation topics and meetings (raise a topic, cast a vote),
mediations (phones masked), service-centre events (sign up, cancel). Thin: gridgov.participation.services
does the work; every query goes through scoping.scope() there."""
from typing import Literal, Optional

from django.http import Http404
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from gridgov.hierarchy.models import Node
from gridgov.participation.models import Deliberation, Event, Mediation, Motion, SignUp, Topic
from gridgov.participation.services import activities, deliberation, mediation

from .errors import ErrorOut, MAX_OFFSET, documented

router = Router()

TopicState = Literal[tuple(code for code, _label in Topic.STATES)]
MeetingKind = Literal[tuple(code for code, _label in Deliberation.KINDS)]
MediationState = Literal[tuple(code for code, _label in Mediation.STATES)]
MediationKind = Literal[tuple(code for code, _label in Mediation.KINDS)]
EventKind = Literal[tuple(code for code, _label in Event.KINDS)]
MAX_PAGE = 200
SEARCH = dict(max_length=100, pattern=r"^[^\x00-\x1f\x7f]*$")
ACTION_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut, 500: ErrorOut}


class Pagination(LimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(50, ge=1, le=MAX_PAGE)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)


def _iso(value):
    return timezone.localtime(value).isoformat() if value else None


# ---------------------------------------------------------------- topics and meetings

class TopicOut(Schema):
    id: int
    title: str
    detail: str
    node_id: int
    node_name: str
    state: TopicState
    state_label: str
    reason: str
    raised_by: str
    raised_at: str

    @staticmethod
    def resolve_node_name(obj):
        return obj.node.name

    @staticmethod
    def resolve_state_label(obj):
        return str(obj.get_state_display())

    @staticmethod
    def resolve_raised_by(obj):
        return obj.raised_by_name

    @staticmethod
    def resolve_raised_at(obj):
        return _iso(obj.raised_at)


class TopicIn(Schema):
    title: str = Field(..., min_length=1, max_length=128)
    detail: str = Field("", max_length=5000)
    node_id: Optional[int] = Field(None, description="a community or grid of your area; by default your home's")


class ResultOut(Schema):
    counts: dict[str, int]
    votes: int
    eligible: int
    passed: bool


class MotionOut(Schema):
    id: int
    question: str
    options: list[str]
    secret: bool
    state: Literal["open", "closed"]
    topic_id: Optional[int]
    may_vote: bool = Field(description="you are an eligible participant and have not voted yet")
    voted: bool
    result: Optional[ResultOut] = Field(description="totals only; null until closed and published (or for the area's staff)")


class ResolutionTaskOut(Schema):
    id: int
    title: str
    owner: Optional[str]
    due: Optional[str]
    state: Literal["open", "done"]
    done_on: Optional[str]
    outcome: str


class ResolutionOut(Schema):
    id: int
    text: str
    published: bool
    tasks: list[ResolutionTaskOut]


class DeliberationOut(Schema):
    id: int
    title: str
    kind: MeetingKind
    kind_label: str
    node_id: int
    node_name: str
    start: str
    place: str
    state: Literal["noticed", "held", "cancelled"]

    @staticmethod
    def resolve_kind_label(obj):
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_node_name(obj):
        return obj.node.name

    @staticmethod
    def resolve_start(obj):
        return _iso(obj.start)


class DeliberationDetailOut(DeliberationOut):
    notice: str
    agenda: str
    minutes: str
    topic_ids: list[int]
    participants: int
    signed_in: int
    motions: list[MotionOut]
    resolutions: list[ResolutionOut]

    @staticmethod
    def resolve_topic_ids(obj):
        return list(obj.topics.values_list("pk", flat=True))

    @staticmethod
    def resolve_participants(obj):
        return obj.participants.count()

    @staticmethod
    def resolve_signed_in(obj):
        return obj.participants.filter(signed_in_at__isnull=False).count()

    @staticmethod
    def resolve_motions(obj):
        return obj.api_motions

    @staticmethod
    def resolve_resolutions(obj):
        return obj.api_resolutions


class VoteIn(Schema):
    choice: str = Field(..., min_length=1, max_length=64, description="one of the motion's options")


@router.get("/topics", response=documented(list[TopicOut]), summary="Deliberation topics you may read (居民议事)")
@paginate(Pagination)
def topics(request, q: str = Query("", **SEARCH, description="part of the title"), state: Optional[TopicState] = Query(None)):
    qs = deliberation.topics(request.auth).select_related("node").order_by("-raised_at", "-pk")
    if state:
        qs = qs.filter(state=state)
    if q.strip():
        qs = qs.filter(title__icontains=q.strip())
    return qs


@router.get("/topics/{topic_id}", response=documented(TopicOut), summary="One deliberation topic")
def topic(request, topic_id: int):
    found = deliberation.topics(request.auth).select_related("node").filter(pk=topic_id).first()
    if found is None:
        raise Http404
    return found


@router.post("/topics", response={201: TopicOut, **ACTION_ERRORS}, summary="Raise a topic for deliberation (for your home area)")
def raise_topic(request, payload: TopicIn):
    node = None
    if payload.node_id is not None:
        # The service decides whether the place is the user's (their area, or their home community).
        node = Node.objects.filter(pk=payload.node_id).first()
        if node is None:
            raise Http404
    return Status(201, deliberation.raise_topic(request.auth, payload.title, payload.detail, node=node))


@router.get("/deliberations", response=documented(list[DeliberationOut]), summary="Deliberation meetings you may read")
@paginate(Pagination)
def deliberations(request, q: str = Query("", **SEARCH, description="part of the title"), kind: Optional[MeetingKind] = Query(None)):
    qs = deliberation.deliberations(request.auth).select_related("node").order_by("-start", "-pk")
    if kind:
        qs = qs.filter(kind=kind)
    if q.strip():
        qs = qs.filter(title__icontains=q.strip())
    return qs


def _motion_out(user, motion, person):
    visible = deliberation.can_see_result(user, motion)
    voted = deliberation.has_voted(motion, person)
    eligible = deliberation.eligible_participant(motion, person) is not None
    result = motion.result if visible and motion.result else None
    return {"id": motion.pk, "question": motion.question, "options": motion.options, "secret": motion.secret, "state": motion.state,
            "topic_id": motion.topic_id, "may_vote": motion.state == "open" and eligible and not voted, "voted": voted,
            "result": result and {k: result.get(k) for k in ("counts", "votes", "eligible", "passed")}}


@router.get("/deliberations/{deliberation_id}", response=documented(DeliberationDetailOut),
            summary="One meeting with its motions (results once published) and published resolutions")
def deliberation_detail(request, deliberation_id: int):
    user = request.auth
    meeting = deliberation.deliberations(user).select_related("node").filter(pk=deliberation_id).first()
    if meeting is None:
        raise Http404
    person = deliberation.person_of(user)
    staff = deliberation.sees_area(user, meeting.node)
    resolutions = meeting.resolutions.prefetch_related("tasks", "tasks__owner").order_by("pk")
    if not staff:
        resolutions = resolutions.filter(published=True)
    # Computed for this user (eligibility, visibility of results and of unpublished resolutions).
    meeting.api_motions = [_motion_out(user, m, person) for m in meeting.motions.order_by("pk")]
    meeting.api_resolutions = [{"id": r.pk, "text": r.text, "published": r.published, "tasks": [
        {"id": t.pk, "title": t.title, "owner": t.owner.name if t.owner_id else None, "due": t.due.isoformat() if t.due else None,
         "state": t.state, "done_on": t.done_on.isoformat() if t.done_on else None, "outcome": t.outcome} for t in r.tasks.all()]}
        for r in resolutions]
    return meeting


@router.post("/motions/{motion_id}/vote", response={200: MotionOut, **ACTION_ERRORS},
             summary="Cast your vote (one per eligible participant; 409 when you already voted)")
def cast_vote(request, motion_id: int, payload: VoteIn):
    user = request.auth
    motion = Motion.objects.select_related("deliberation", "deliberation__node").filter(
        pk=motion_id, deliberation__in=deliberation.deliberations(user)).first()
    if motion is None:
        raise Http404
    deliberation.vote(user, motion, payload.choice)
    motion.refresh_from_db()
    return _motion_out(user, motion, deliberation.person_of(user))


# ---------------------------------------------------------------- mediations

class PartyOut(Schema):
    name: str
    role: str
    phone: str = Field(description="masked, like every phone in an answer")


class MediationOut(Schema):
    id: int
    title: str
    kind: MediationKind
    kind_label: str
    node_id: int
    node_name: str
    state: MediationState
    state_label: str
    bodies: list[str]
    case_number: Optional[str]
    opened_on: str
    closed_on: Optional[str]

    @staticmethod
    def resolve_kind_label(obj):
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_state_label(obj):
        return str(obj.get_state_display())

    @staticmethod
    def resolve_node_name(obj):
        return obj.node.name

    @staticmethod
    def resolve_case_number(obj):
        return obj.case.number if obj.case_id else None

    @staticmethod
    def resolve_opened_on(obj):
        return obj.opened_on.isoformat()

    @staticmethod
    def resolve_closed_on(obj):
        return obj.closed_on.isoformat() if obj.closed_on else None


class SessionOut(Schema):
    day: str
    mediators: str
    notes: str

    @staticmethod
    def resolve_day(obj):
        return obj.day.isoformat()


class FollowUpOut(Schema):
    day: str
    by: str
    notes: str

    @staticmethod
    def resolve_day(obj):
        return obj.day.isoformat()


class MediationDetailOut(MediationOut):
    place: str
    summary: str
    agreement: str
    outcome: str
    parties: list[PartyOut]
    sessions: list[SessionOut]
    follow_ups: list[FollowUpOut]

    @staticmethod
    def resolve_parties(obj):
        return mediation.masked_parties(obj)

    @staticmethod
    def resolve_sessions(obj):
        return list(obj.sessions.all())

    @staticmethod
    def resolve_follow_ups(obj):
        return list(obj.follow_ups.all())


@router.get("/mediations", response=documented(list[MediationOut]), summary="Dispute mediations in your area (纠纷调处)")
@paginate(Pagination)
def mediations(request, q: str = Query("", **SEARCH, description="part of the title"), state: Optional[MediationState] = Query(None),
               kind: Optional[MediationKind] = Query(None)):
    qs = mediation.mediations(request.auth).select_related("node", "case").order_by("-opened_on", "-pk")
    if state:
        qs = qs.filter(state=state)
    if kind:
        qs = qs.filter(kind=kind)
    if q.strip():
        qs = qs.filter(title__icontains=q.strip())
    return qs


@router.get("/mediations/{mediation_id}", response=documented(MediationDetailOut), summary="One mediation with parties (phones masked)")
def mediation_detail(request, mediation_id: int):
    found = mediation.mediations(request.auth).select_related("node", "case").filter(pk=mediation_id).first()
    if found is None:
        raise Http404
    return found


# ---------------------------------------------------------------- events

class EventOut(Schema):
    id: int
    title: str
    kind: EventKind
    kind_label: str
    centre_id: Optional[int]
    centre_name: Optional[str]
    start: str
    end: str
    capacity: int
    confirmed: int
    waiting: int
    hours: float
    cancelled: bool

    @staticmethod
    def resolve_kind_label(obj):
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_centre_name(obj):
        return obj.centre.name if obj.centre_id else None

    @staticmethod
    def resolve_start(obj):
        return _iso(obj.start)

    @staticmethod
    def resolve_end(obj):
        return _iso(obj.end)

    @staticmethod
    def resolve_confirmed(obj):
        return obj.n_confirmed

    @staticmethod
    def resolve_waiting(obj):
        return obj.n_waiting

    @staticmethod
    def resolve_hours(obj):
        return float(obj.hours)


class EventDetailOut(EventOut):
    description: str
    my_state: Optional[Literal["confirmed", "waiting", "cancelled"]] = Field(description="your sign-up, if any")
    my_position: Optional[int] = Field(description="your place on the waiting list")


class SignUpOut(Schema):
    event_id: int
    state: Literal["confirmed", "waiting", "cancelled"]
    position: Optional[int] = Field(description="place on the waiting list")
    moved_up: bool = Field(False, description="on a cancellation: someone moved up from the waiting list")


@router.get("/events", response=documented(list[EventOut]), summary="Service-centre events, classes and trainings open to you")
@paginate(Pagination)
def events(request, q: str = Query("", **SEARCH, description="part of the title"), kind: Optional[EventKind] = Query(None),
           upcoming: bool = Query(False, description="only events not yet ended")):
    qs = activities.counts(activities.events(request.auth).select_related("centre")).order_by("-start", "-pk")
    if kind:
        qs = qs.filter(kind=kind)
    if upcoming:
        qs = qs.filter(end__gte=timezone.now()).order_by("start", "pk")
    if q.strip():
        qs = qs.filter(title__icontains=q.strip())
    return qs


def _event(request, event_id):
    found = activities.counts(activities.events(request.auth).select_related("centre", "node")).filter(pk=event_id).first()
    if found is None:
        raise Http404
    return found


@router.get("/events/{event_id}", response=documented(EventDetailOut), summary="One event with your sign-up")
def event(request, event_id: int):
    found = _event(request, event_id)
    person = activities.person_of(request.auth)
    mine = SignUp.objects.filter(event=found, person=person).first() if person else None
    found.my_state = mine.state if mine else None
    found.my_position = activities.waiting_position(mine) if mine else None
    return found


@router.post("/events/{event_id}/signup", response={201: SignUpOut, **ACTION_ERRORS},
             summary="Sign up (a full event puts you on the waiting list; 409 when already signed up)")
def sign_up(request, event_id: int):
    signup = activities.sign_up(request.auth, _event(request, event_id))
    return Status(201, {"event_id": event_id, "state": signup.state, "position": activities.waiting_position(signup)})


@router.post("/events/{event_id}/cancel", response={200: SignUpOut, **ACTION_ERRORS},
             summary="Cancel your sign-up (the first on the waiting list moves up)")
def cancel(request, event_id: int):
    found = _event(request, event_id)
    person = activities.person_of(request.auth)
    signup = SignUp.objects.filter(event=found, person=person).first() if person else None
    if signup is None:
        raise Http404
    moved = activities.cancel_signup(request.auth, signup)
    return {"event_id": event_id, "state": "cancelled", "position": None, "moved_up": moved is not None}
