"""Service-centre activities and education: who sees events, publishing them, sign-up with a waiting list
that moves up on a cancellation (the event row is locked, so capacity holds under concurrency), attendance
and feedback, and training records written once per person for party-school, study and 领头雁 events."""
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.hierarchy.models import Node
from gridgov.hierarchy.services import subtree_q
from gridgov.people import roles, scoping
from gridgov.people.models import TrainingRecord
from gridgov.people.services import path_of

from ..errors import Conflict, NotAllowed, ParticipationError
from ..models import Event, SignUp

STEP = Node.steplen
# Events whose attendance counts as training: written to people.TrainingRecord.
EDUCATION_KINDS = ("party_school", "study", "training")
HOLDING = ("confirmed", "waiting")


def person_of(user):
    return getattr(user, "person", None) if getattr(user, "is_authenticated", False) else None


def events(user):
    """Events the user may read: their VIEW area's, and for everyone with a post or a home, the events
    of their community and of the centres above it (a subdistrict centre serves its communities)."""
    if getattr(user, "is_superuser", False) and user.is_active:
        return Event.objects.all()
    q = Q(pk__in=scoping.scope(Event.objects.all(), user, "node_path", roles.VIEW).values("pk"))
    places = [p.node.path for p in scoping.active_posts(user)]
    person = person_of(user)
    if person is not None and person.home_id:
        places.append(person.home.path)
    for path in places:
        community = path[:3 * STEP]
        q |= subtree_q(community, "node_path")
        q |= Q(node_path__in=[path[:k * STEP] for k in range(1, min(3, len(path) // STEP) + 1)])
    return Event.objects.filter(q)


def can_manage(user, node):
    return scoping.can(user, roles.EDIT, node)


def _check_manage(user, event):
    if not can_manage(user, event.node):
        raise NotAllowed(_("Only the centre's community or subdistrict secretary manages this event."))


def _clean(kind, title, start, end, capacity, hours):
    if kind not in dict(Event.KINDS):
        raise ParticipationError(_("Choose the kind of event."))
    if not (title or "").strip():
        raise ParticipationError(_("Give the event a title."))
    if start is None or end is None or end <= start:
        raise ParticipationError(_("The event must end after it starts."))
    if capacity is None or capacity < 1:
        raise ParticipationError(_("An event has at least one place."))
    hours = Decimal(str(hours or 0))
    if hours < 0:
        raise ParticipationError(_("Training hours cannot be negative."))
    if kind in EDUCATION_KINDS and hours == 0:
        raise ParticipationError(_("Give the training hours of a class or training session."))
    return hours


def publish_event(user, centre, kind, title, start, end, capacity, *, description="", hours=0, node=None):
    """An event at a service centre (or, for a class without a centre, at a node)."""
    node = centre.node if centre is not None else node
    if node is None:
        raise ParticipationError(_("Choose the service centre."))
    if not can_manage(user, node):
        raise NotAllowed(_("Only the centre's community or subdistrict secretary publishes events here."))
    hours = _clean(kind, title, start, end, capacity, hours)
    return Event.objects.create(district_id=node.district_id, node=node, node_path=node.path, centre=centre, kind=kind,
                                title=title.strip()[:128], description=description or "", start=start, end=end,
                                capacity=capacity, hours=hours)


def update_event(user, event, *, title=None, description=None, start=None, end=None, capacity=None, hours=None):
    """Changes an event; more places move the waiting list up, fewer than the confirmed are refused."""
    _check_manage(user, event)
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        title = event.title if title is None else title
        start, end = start or event.start, end or event.end
        capacity = event.capacity if capacity is None else capacity
        hours = _clean(event.kind, title, start, end, capacity, event.hours if hours is None else hours)
        confirmed = event.signups.filter(state="confirmed").count()
        if capacity < confirmed:
            raise ParticipationError(_("%(n)d people are already confirmed: the event needs at least as many places.") % {"n": confirmed})
        event.title, event.start, event.end, event.capacity, event.hours = title.strip()[:128], start, end, capacity, hours
        if description is not None:
            event.description = description
        event.save()
        _promote(event)
    return event


def cancel_event(user, event):
    _check_manage(user, event)
    Event.objects.filter(pk=event.pk).update(cancelled=True)
    event.cancelled = True
    return event


def _locked(event):
    """The event row locked for the transaction: sign-ups and cancellations of one event queue up."""
    return Event.objects.select_for_update().get(pk=event.pk)


def _promote(event):
    """Fill free places from the waiting list, first come first served."""
    free = event.capacity - event.signups.filter(state="confirmed").count()
    if free <= 0:
        return []
    moved = list(event.signups.filter(state="waiting").order_by("signed_up_at", "pk")[:free])
    if moved:
        SignUp.objects.filter(pk__in=[s.pk for s in moved]).update(state="confirmed")
    return moved


def sign_up(user, event, person=None):
    """Sign the user's person up (staff managing the event may sign someone else up). A free place
    confirms; a full event puts the person on the waiting list."""
    own = person_of(user)
    person = person or own
    if person is None:
        raise NotAllowed(_("Only logins with a person record sign up."))
    if person != own and not can_manage(user, event.node):
        raise NotAllowed(_("You can sign up only yourself."))
    if person.district_id != event.district_id:
        raise ParticipationError(_("The event is in another district."))
    with transaction.atomic():
        event = _locked(event)
        if event.cancelled:
            raise ParticipationError(_("The event is cancelled."))
        if event.start <= timezone.now():
            raise ParticipationError(_("Sign-up is closed: the event has started."))
        confirmed = event.signups.filter(state="confirmed").count()
        state = "confirmed" if confirmed < event.capacity else "waiting"
        existing = SignUp.objects.filter(event=event, person=person).first()
        if existing is not None:
            if existing.state in HOLDING:
                raise Conflict(_("You are already signed up.") if person == own else _("%(name)s is already signed up.") % {"name": person.name})
            existing.state, existing.signed_up_at = state, timezone.now()
            existing.save(update_fields=["state", "signed_up_at"])
            return existing
        return SignUp.objects.create(event=event, person=person, state=state)


def cancel_signup(user, signup):
    """Cancel a place; when it was a confirmed one, the first on the waiting list moves up in the same
    transaction. Returns the sign-up moved up, if any."""
    own = person_of(user)
    if signup.person_id != getattr(own, "pk", None) and not can_manage(user, signup.event.node):
        raise NotAllowed(_("You can cancel only your own sign-up."))
    with transaction.atomic():
        event = _locked(signup.event)
        signup = SignUp.objects.get(pk=signup.pk)
        if signup.state == "cancelled":
            raise Conflict(_("The sign-up is already cancelled."))
        if signup.attended:
            raise ParticipationError(_("Attendance has been recorded: the sign-up cannot be cancelled."))
        was = signup.state
        signup.state = "cancelled"
        signup.save(update_fields=["state"])
        moved = _promote(event) if was == "confirmed" and not event.cancelled else []
    return moved[0] if moved else None


def waiting_position(signup):
    if signup.state != "waiting":
        return None
    earlier = SignUp.objects.filter(event_id=signup.event_id, state="waiting").filter(
        Q(signed_up_at__lt=signup.signed_up_at) | Q(signed_up_at=signup.signed_up_at, pk__lt=signup.pk)).count()
    return earlier + 1


def mark_attendance(user, event, signups, attended=True):
    """Record who came. For a class or training, a training record (course, hours, day) is written for
    each attendee once: marking again changes nothing."""
    _check_manage(user, event)
    if event.start > timezone.now():
        raise ParticipationError(_("Attendance is recorded once the event has started."))
    written = 0
    with transaction.atomic():
        event = _locked(event)
        rows = list(SignUp.objects.filter(event=event, pk__in=[getattr(s, "pk", s) for s in signups]).select_related("person", "person__home"))
        for signup in rows:
            if signup.state != "confirmed":
                raise ParticipationError(_("%(name)s has no confirmed place.") % {"name": signup.person.name})
            if signup.attended == attended:
                continue
            signup.attended = attended
            signup.save(update_fields=["attended"])
            if attended and event.kind in EDUCATION_KINDS and event.hours > 0:
                written += _write_training(event, signup.person)
    return written


def _course(event):
    return event.title[:128]


def _write_training(event, person):
    day = timezone.localtime(event.start).date()
    _record, created = TrainingRecord.objects.get_or_create(
        person=person, district_id=person.district_id, course=_course(event), day=day,
        defaults={"hours": event.hours, "node_path": path_of(person)})
    return int(created)


def give_feedback(user, signup, rating, comment=""):
    person = person_of(user)
    if person is None or signup.person_id != person.pk:
        raise NotAllowed(_("Only the participant gives feedback."))
    if not signup.attended:
        raise ParticipationError(_("Feedback comes from those who attended."))
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise ParticipationError(_("The rating is from 1 to 5."))
    signup.rating, signup.feedback = rating, (comment or "").strip()[:255]
    signup.save(update_fields=["rating", "feedback"])
    return signup


def counts(qs):
    """Each event of `qs` with its confirmed, waiting and attended numbers."""
    return qs.annotate(
        n_confirmed=Count("signups", filter=Q(signups__state="confirmed")),
        n_waiting=Count("signups", filter=Q(signups__state="waiting")),
        n_attended=Count("signups", filter=Q(signups__attended=True)),
    )


def trainings_of(person):
    return TrainingRecord.objects.filter(person=person).order_by("-day", "pk")
