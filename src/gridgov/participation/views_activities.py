"""Pages of service-centre activities and education: the event list and page (sign up, cancel, waiting
list, attendance, feedback), publishing an event, my sign-ups and training, the training records of a
person and of the area (领头雁), the Excel export. Thin: services decide."""
import io

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Avg, Count, Q, Sum
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from gridgov.orgs.models import ServiceCentre
from gridgov.people import roles, scoping
from gridgov.people import services as people
from gridgov.people.models import TrainingRecord

from .errors import ParticipationError
from .models import Event, SignUp
from .services import activities as services

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _local(value):
    return timezone.localtime(value) if value else value


def _centres(user):
    qs = scoping.scope(ServiceCentre.objects.all(), user, "node__path", roles.EDIT).select_related("node").order_by("node__path", "name")
    return [(c.pk, c.name) for c in qs[:2000]]


class EventForm(forms.Form):
    centre = forms.TypedChoiceField(label=gettext_lazy("Service centre"), coerce=int)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=Event.KINDS)
    title = forms.CharField(label=gettext_lazy("Event title"), max_length=128)
    description = forms.CharField(label=gettext_lazy("About the event"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    start = forms.DateTimeField(label=gettext_lazy("Starts at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    end = forms.DateTimeField(label=gettext_lazy("Ends at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    capacity = forms.IntegerField(label=gettext_lazy("Places"), min_value=1, max_value=100000)
    hours = forms.DecimalField(label=gettext_lazy("Training hours"), required=False, min_value=0, max_value=999, decimal_places=1,
                               help_text=gettext_lazy("For party-school classes, study sessions and secretaries' training: written to each attendee's training record."))

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["centre"].choices = _centres(user)


def event_list(request):
    kind = request.GET.get("kind") or ""
    when = request.GET.get("when") or "upcoming"
    q = (request.GET.get("q") or "").strip()
    qs = services.counts(services.events(request.user).select_related("centre", "node"))
    if kind in dict(Event.KINDS):
        qs = qs.filter(kind=kind)
    now = timezone.now()
    if when == "upcoming":
        qs = qs.filter(end__gte=now).order_by("start", "pk")
    else:
        when = "past"
        qs = qs.filter(end__lt=now).order_by("-start", "-pk")
    if q:
        qs = qs.filter(title__icontains=q)
    return render(request, "participation/events_list.html", {
        "page": Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page")), "kinds": Event.KINDS, "kind": kind, "when": when, "q": q,
        "can_publish": bool(_centres(request.user)), "can_export": scoping.can(request.user, roles.EXPORT),
    })


def event_new(request):
    form = EventForm(request.user, request.POST or None, initial={"kind": request.GET.get("kind") or "activity", "capacity": 30})
    if not form.fields["centre"].choices:
        raise PermissionDenied
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        centre = scoping.scope(ServiceCentre.objects.filter(pk=d["centre"]), request.user, "node__path").select_related("node").first()
        try:
            if centre is None:
                raise ParticipationError(_("Choose a service centre in your area."))
            event = services.publish_event(request.user, centre, d["kind"], d["title"], d["start"], d["end"], d["capacity"],
                                           description=d["description"], hours=d["hours"] or 0)
        except ParticipationError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The event is published."))
            return redirect("participation:event", event.pk)
    return render(request, "participation/events_form.html", {"form": form, "title": _("Publish an event")}, status=422 if form.errors else 200)


def _event(request, pk):
    event = services.events(request.user).select_related("centre", "node").filter(pk=pk).first()
    if event is None:
        raise Http404
    return event


class FeedbackForm(forms.Form):
    rating = forms.TypedChoiceField(label=gettext_lazy("Rating"), coerce=int, choices=[(i, "★" * i) for i in range(5, 0, -1)])
    feedback = forms.CharField(label=gettext_lazy("Comment"), max_length=255, required=False)


def event_detail(request, pk, feedback_form=None):
    event = _event(request, pk)
    user = request.user
    person = services.person_of(user)
    manager = services.can_manage(user, event.node)
    mine = SignUp.objects.filter(event=event, person=person).first() if person else None
    signups = event.signups.select_related("person")
    stats = signups.aggregate(confirmed=Count("pk", filter=Q(state="confirmed")), waiting=Count("pk", filter=Q(state="waiting")),
                              attended=Count("pk", filter=Q(attended=True)), rating=Avg("rating"))
    now = timezone.now()
    return render(request, "participation/events_detail.html", {
        "event": event, "manager": manager, "mine": mine, "position": services.waiting_position(mine) if mine else None,
        "stats": stats, "free": max(0, event.capacity - stats["confirmed"]),
        "confirmed": signups.filter(state="confirmed").order_by("signed_up_at", "pk") if manager else None,
        "waiting": signups.filter(state="waiting").order_by("signed_up_at", "pk") if manager else None,
        "feedback": signups.exclude(rating__isnull=True).order_by("-pk")[:50] if manager else None,
        "can_sign_up": person is not None and not event.cancelled and event.start > now and (mine is None or mine.state == "cancelled"),
        "started": event.start <= now, "education": event.kind in services.EDUCATION_KINDS,
        "feedback_form": feedback_form or (FeedbackForm(initial={"rating": mine.rating or 5, "feedback": mine.feedback}) if mine and mine.attended else None),
    }, status=422 if feedback_form is not None and feedback_form.errors else 200)


def event_action(request, pk, action):
    event = _event(request, pk)
    if request.method != "POST":
        return redirect("participation:event", pk)
    user = request.user
    try:
        if action == "signup":
            signup = services.sign_up(user, event)
            messages.success(request, _("You have a place.") if signup.state == "confirmed" else
                             _("The event is full: you are number %(n)d on the waiting list.") % {"n": services.waiting_position(signup)})
        elif action == "cancel":
            target = request.POST.get("signup")
            qs = SignUp.objects.filter(event=event)
            signup = qs.filter(pk=target).first() if target and target.isdigit() else qs.filter(person=services.person_of(user)).first()
            if signup is None:
                raise ParticipationError(_("There is no such sign-up."))
            moved = services.cancel_signup(user, signup)
            messages.success(request, _("The sign-up is cancelled.") if moved is None else
                             _("The sign-up is cancelled; %(name)s moves up from the waiting list.") % {"name": moved.person.name})
        elif action == "attendance":
            ids = [int(x) for x in request.POST.getlist("attended") if x.isdigit()]
            present = set(ids)
            confirmed = list(SignUp.objects.filter(event=event, state="confirmed"))
            written = services.mark_attendance(user, event, [s for s in confirmed if s.pk in present], True)
            services.mark_attendance(user, event, [s for s in confirmed if s.pk not in present and s.attended], False)
            messages.success(request, _("Attendance saved.") if not written else
                             _("Attendance saved; %(n)d training records written.") % {"n": written})
        elif action == "feedback":
            form = FeedbackForm(request.POST)
            mine = SignUp.objects.filter(event=event, person=services.person_of(user)).first()
            if mine is None:
                raise ParticipationError(_("Only the participant gives feedback."))
            if not form.is_valid():
                return event_detail(request, pk, feedback_form=form)
            services.give_feedback(user, mine, form.cleaned_data["rating"], form.cleaned_data["feedback"])
            messages.success(request, _("Thank you for your feedback."))
        elif action == "cancel-event":
            services.cancel_event(user, event)
            messages.success(request, _("The event is cancelled."))
        else:
            raise Http404
    except ParticipationError as exc:
        messages.error(request, str(exc))
    return redirect("participation:event", pk)


def event_edit(request, pk):
    event = _event(request, pk)
    if not services.can_manage(request.user, event.node):
        raise PermissionDenied
    form = EventForm(request.user, request.POST or None, initial={
        "centre": event.centre_id, "kind": event.kind, "title": event.title, "description": event.description,
        "start": _local(event.start).strftime("%Y-%m-%dT%H:%M"), "end": _local(event.end).strftime("%Y-%m-%dT%H:%M"),
        "capacity": event.capacity, "hours": event.hours})
    form.fields["centre"].disabled = form.fields["kind"].disabled = True
    form.fields["centre"].choices = [(event.centre_id, event.centre.name if event.centre_id else "—")]
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.update_event(request.user, event, title=d["title"], description=d["description"], start=d["start"], end=d["end"],
                                  capacity=d["capacity"], hours=d["hours"] or 0)
        except ParticipationError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Saved."))
            return redirect("participation:event", pk)
    return render(request, "participation/events_form.html", {"form": form, "title": _("Edit %(name)s") % {"name": event.title}},
                  status=422 if form.errors else 200)


def my_events(request):
    person = services.person_of(request.user)
    signups = SignUp.objects.filter(person=person).select_related("event", "event__centre").order_by("-event__start")[:200] if person else []
    for s in signups:
        s.position = services.waiting_position(s)
    records = services.trainings_of(person) if person else TrainingRecord.objects.none()
    return render(request, "participation/events_mine.html", {
        "person": person, "signups": signups, "records": records, "hours": records.aggregate(h=Sum("hours"))["h"] or 0,
    })


def person_training(request, pk):
    """The training record of one person in the user's area: courses, hours, days; events attended."""
    if not scoping.can(request.user, roles.VIEW):
        raise PermissionDenied
    person = people.persons(request.user).filter(pk=pk).first()
    if person is None:
        raise Http404
    records = services.trainings_of(person)
    attended = SignUp.objects.filter(person=person, attended=True).select_related("event").order_by("-event__start")[:200]
    return render(request, "participation/events_person.html", {
        "person": person, "records": records, "hours": records.aggregate(h=Sum("hours"))["h"] or 0, "attended": attended,
    })


def training_overview(request):
    """领头雁: hours of training per person in the area this year, secretaries first."""
    if not scoping.can(request.user, roles.VIEW):
        raise PermissionDenied
    year = request.GET.get("year") or ""
    year = int(year) if year.isdigit() and 2000 <= int(year) <= 2100 else timezone.localdate().year
    qs = people.trainings(request.user).filter(day__year=year).values("person_id", "person__name").annotate(
        hours=Sum("hours"), courses=Count("pk")).order_by("-hours", "person__name")
    secretaries = set(people.posts(request.user).filter(role__in=("community_secretary", "subdistrict_secretary")).values_list("person_id", flat=True))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for row in page:
        row["secretary"] = row["person_id"] in secretaries
    trainings = services.counts(services.events(request.user).filter(kind="training", start__year=year)).order_by("-start")[:50]
    return render(request, "participation/events_training.html", {"page": page, "year": year, "trainings": trainings})


def event_export(request):
    if not scoping.can(request.user, roles.EXPORT):
        raise PermissionDenied
    qs = services.counts(scoping.scope(Event.objects.all(), request.user, "node_path", roles.EXPORT).select_related("centre", "node")).annotate(
        rating=Avg("signups__rating")).order_by("-start", "pk")
    wb = Workbook()
    ws = wb.active
    ws.title = str(_("Events"))[:31]
    ws.append([str(h) for h in (_("Event title"), _("Kind"), _("Service centre"), _("Starts at"), _("Ends at"), _("Places"), _("Confirmed"),
                                 _("Waiting list"), _("Attended"), _("Average rating"), _("Training hours"), _("Cancelled"))])
    for e in qs.iterator():
        ws.append([e.title, str(e.get_kind_display()), e.centre.name if e.centre_id else e.node.name, _local(e.start).strftime("%Y-%m-%d %H:%M"),
                   _local(e.end).strftime("%Y-%m-%d %H:%M"), e.capacity, e.n_confirmed, e.n_waiting, e.n_attended,
                   round(e.rating, 1) if e.rating else None, float(e.hours), _("yes") if e.cancelled else _("no")])
    buf = io.BytesIO()
    wb.save(buf)
    response = HttpResponse(buf.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="events.xlsx"'
    return response
