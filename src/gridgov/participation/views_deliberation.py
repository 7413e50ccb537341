"""Pages of residents' deliberation 居民议事: topics, meetings (notice, agenda, participants, QR sign-in,
minutes), motions and their votes and results, resolutions and their tasks, the Excel export. Thin: services decide."""
import io

import segno
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from gridgov.hierarchy.models import CELL_KINDS, Node
from gridgov.hierarchy.services import subtree_q
from gridgov.people import roles, scoping
from gridgov.people.models import Person, Post

from .errors import ParticipationError
from .models import Deliberation, Motion, Resolution, ResolutionTask, Topic
from .services import deliberation as services

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_CANDIDATES = 400


def _page(request, qs):
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


def _places(user, perm=None):
    nodes = scoping.scoped_nodes(user, perm).filter(kind__in=("community", *CELL_KINDS)).order_by("path")[:2000]
    return [(n.pk, ("　" * max(0, n.depth - 3)) + n.name) for n in nodes]


def _local(value):
    return timezone.localtime(value) if value else value


# ---------------------------------------------------------------- topics

class TopicForm(forms.Form):
    node = forms.TypedChoiceField(label=gettext_lazy("Community or grid"), coerce=int, required=False, empty_value=None)
    title = forms.CharField(label=gettext_lazy("Topic title"), max_length=128)
    detail = forms.CharField(label=gettext_lazy("Detail"), required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        places = _places(user) if scoping.can(user, roles.VIEW) else []
        if places:
            self.fields["node"].choices = [("", _("— my home area —"))] + places
        else:
            del self.fields["node"]


def topic_list(request):
    state = request.GET.get("state") or ""
    q = (request.GET.get("q") or "").strip()
    qs = services.topics(request.user).select_related("node").annotate(n_meetings=Count("deliberations"))
    if state in dict(Topic.STATES):
        qs = qs.filter(state=state)
    if q:
        qs = qs.filter(title__icontains=q)
    return render(request, "participation/deliberation_topics.html", {
        "page": _page(request, qs.order_by("-raised_at", "-pk")), "states": Topic.STATES, "state": state, "q": q,
    })


def topic_new(request):
    form = TopicForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        node_pk = form.cleaned_data.get("node")
        node = scoping.scoped_nodes(request.user).filter(pk=node_pk).first() if node_pk else None
        try:
            if node_pk and node is None:
                raise ParticipationError(_("Choose a place in your area."))
            topic = services.raise_topic(request.user, form.cleaned_data["title"], form.cleaned_data["detail"], node=node)
        except ParticipationError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Your topic is raised; the community will answer it."))
            return redirect("participation:topic", topic.pk)
    return render(request, "participation/deliberation_form.html", {"form": form, "title": _("Raise a topic for deliberation")},
                  status=422 if form.errors else 200)


class DecideForm(forms.Form):
    decision = forms.ChoiceField(label=gettext_lazy("Decision"), choices=[("accept", gettext_lazy("Accept")), ("reject", gettext_lazy("Reject"))])
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=255, required=False)


def topic_detail(request, pk):
    topic = services.topics(request.user).select_related("node").filter(pk=pk).first()
    if topic is None:
        raise Http404
    can_decide = services.can_manage(request.user, topic.node) and topic.state == "raised"
    form = DecideForm(request.POST or None)
    if request.method == "POST":
        if not can_decide:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.decide_topic(request.user, topic, form.cleaned_data["decision"] == "accept", form.cleaned_data["reason"])
            except ParticipationError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Saved."))
                return redirect("participation:topic", pk)
    staff = services.sees_area(request.user, topic.node)
    resolutions = services.resolutions_of(topic).select_related("deliberation").prefetch_related("tasks", "tasks__owner")
    if not staff:
        resolutions = resolutions.filter(published=True)
    return render(request, "participation/deliberation_topic.html", {
        "topic": topic, "form": form, "can_decide": can_decide,
        "meetings": services.deliberations(request.user).filter(topics=topic).order_by("-start"),
        "resolutions": resolutions,
    }, status=422 if form.errors else 200)


# ---------------------------------------------------------------- meetings

class MeetingForm(forms.Form):
    node = forms.TypedChoiceField(label=gettext_lazy("Community or grid"), coerce=int)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=Deliberation.KINDS)
    title = forms.CharField(label=gettext_lazy("Meeting title"), max_length=128)
    start = forms.DateTimeField(label=gettext_lazy("Starts at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    place = forms.CharField(label=gettext_lazy("Place"), max_length=128, required=False)
    notice = forms.CharField(label=gettext_lazy("Notice"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    agenda = forms.CharField(label=gettext_lazy("Agenda"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    topics = forms.TypedMultipleChoiceField(label=gettext_lazy("Topics"), coerce=int, required=False)
    invite_posts = forms.BooleanField(label=gettext_lazy("Invite the post holders of the place (secretary, grid staff, owners' committee, property company)"),
                                      required=False, initial=True)

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].choices = _places(user, roles.EDIT)
        accepted = scoping.scope(Topic.objects.filter(state="accepted"), user, "node_path", roles.EDIT).order_by("-raised_at")[:300]
        self.fields["topics"].choices = [(t.pk, t.title) for t in accepted]


def _post_holders(node):
    """Current post holders at the place and, for a grid, at its community: the natural invitees of a
    joint or four-party meeting (community party organisation, grid branch, owners' committee, property)."""
    today = timezone.localdate()
    community = node.path[:3 * Node.steplen]
    paths = [community] if node.kind == "community" else [community, node.path]
    posts = Post.objects.filter(node__path__in=paths).filter(Q(start__isnull=True) | Q(start__lte=today)).filter(
        Q(end__isnull=True) | Q(end__gte=today)).exclude(role="resident").select_related("person").order_by("node__depth", "role", "pk")
    seen, out = set(), []
    for post in posts:
        if post.person_id not in seen:
            seen.add(post.person_id)
            out.append((post.person, str(post.get_role_display())))
    if node.kind != "community":
        grid_posts = Post.objects.filter(subtree_q(node.path, "node__path"), role__in=("owners_committee_member", "property_manager"))
        for post in grid_posts.select_related("person"):
            if post.person_id not in seen:
                seen.add(post.person_id)
                out.append((post.person, str(post.get_role_display())))
    return out


def deliberation_list(request):
    kind = request.GET.get("kind") or ""
    state = request.GET.get("state") or ""
    q = (request.GET.get("q") or "").strip()
    qs = services.deliberations(request.user).select_related("node").annotate(
        n_participants=Count("participants", distinct=True), n_motions=Count("motions", distinct=True))
    if kind in dict(Deliberation.KINDS):
        qs = qs.filter(kind=kind)
    if state in dict(Deliberation.STATES):
        qs = qs.filter(state=state)
    if q:
        qs = qs.filter(title__icontains=q)
    return render(request, "participation/deliberation_list.html", {
        "page": _page(request, qs.order_by("-start", "-pk")), "kinds": Deliberation.KINDS, "kind": kind, "states": Deliberation.STATES,
        "state": state, "q": q, "can_convene": scoping.can(request.user, roles.EDIT), "can_export": scoping.can(request.user, roles.EXPORT),
    })


def deliberation_new(request):
    if not scoping.can(request.user, roles.EDIT):
        raise PermissionDenied
    form = MeetingForm(request.user, request.POST or None, initial={"kind": "joint"})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        node = scoping.scoped_nodes(request.user).filter(pk=d["node"]).first()
        chosen = list(scoping.scope(Topic.objects.filter(pk__in=d["topics"]), request.user, "node_path"))
        try:
            if node is None:
                raise ParticipationError(_("Choose a place in your area."))
            meeting = services.convene(request.user, node, d["kind"], d["title"], d["start"], place=d["place"], notice=d["notice"],
                                       agenda=d["agenda"], topics=chosen, participants=_post_holders(node) if d["invite_posts"] else ())
        except ParticipationError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The meeting is noticed."))
            return redirect("participation:deliberation", meeting.pk)
    return render(request, "participation/deliberation_form.html", {"form": form, "title": _("Convene a deliberation meeting")},
                  status=422 if form.errors else 200)


def deliberation_edit(request, pk):
    meeting = _meeting(request, pk)
    if not services.can_manage(request.user, meeting.node):
        raise PermissionDenied
    initial = {"node": meeting.node_id, "kind": meeting.kind, "title": meeting.title, "place": meeting.place, "notice": meeting.notice,
               "agenda": meeting.agenda, "start": _local(meeting.start).strftime("%Y-%m-%dT%H:%M"),
               "topics": list(meeting.topics.values_list("pk", flat=True))}
    form = MeetingForm(request.user, request.POST or None, initial=initial)
    form.fields["node"].disabled = True
    form.fields["node"].choices = [(meeting.node_id, meeting.node.name)]
    del form.fields["invite_posts"]
    current = [(t.pk, t.title) for t in meeting.topics.all()]
    form.fields["topics"].choices = current + [c for c in form.fields["topics"].choices if c[0] not in dict(current)]
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        chosen = list(scoping.scope(Topic.objects.filter(pk__in=d["topics"]), request.user, "node_path"))
        try:
            services.update_meeting(request.user, meeting, title=d["title"], kind=d["kind"], start=d["start"], place=d["place"],
                                    notice=d["notice"], agenda=d["agenda"], topics=chosen)
        except ParticipationError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Saved."))
            return redirect("participation:deliberation", pk)
    return render(request, "participation/deliberation_form.html", {"form": form, "title": _("Edit %(name)s") % {"name": meeting.title}},
                  status=422 if form.errors else 200)


def _meeting(request, pk):
    meeting = services.deliberations(request.user).select_related("node", "district").filter(pk=pk).first()
    if meeting is None:
        raise Http404
    return meeting


def _candidates(meeting):
    """Who may be invited: post holders of the place, then residents living in it."""
    invited = set(meeting.participants.values_list("person_id", flat=True))
    rows = [(p, cap) for p, cap in _post_holders(meeting.node) if p.pk not in invited]
    residents = Person.objects.filter(subtree_q(meeting.node.path, "home__path"), district_id=meeting.district_id).exclude(
        pk__in=invited).order_by("name", "pk")[:MAX_CANDIDATES]
    seen = {p.pk for p, _c in rows}
    rows += [(p, _("resident")) for p in residents if p.pk not in seen]
    return rows[:MAX_CANDIDATES]


class AnyPersonField(forms.TypedMultipleChoiceField):
    """The list offers the first candidates; any person of the meeting's community may be sent (the view checks)."""

    def valid_value(self, value):
        return str(value).isdigit()


class InviteForm(forms.Form):
    persons = AnyPersonField(label=gettext_lazy("Invite"), coerce=int, widget=forms.SelectMultiple(attrs={"size": 8}))
    eligible = forms.BooleanField(label=gettext_lazy("May vote"), required=False, initial=True)


class MotionForm(forms.Form):
    question = forms.CharField(label=gettext_lazy("Question put to the vote"), max_length=255)
    options = forms.CharField(label=gettext_lazy("Options (one a line)"), initial="同意\n反对\n弃权", widget=forms.Textarea(attrs={"rows": 3}))
    secret = forms.BooleanField(label=gettext_lazy("Secret ballot"), required=False)
    topic = forms.TypedChoiceField(label=gettext_lazy("Topic"), coerce=int, required=False, empty_value=None)


class ResolutionForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("Resolution"), widget=forms.Textarea(attrs={"rows": 3}))
    motion = forms.TypedChoiceField(label=gettext_lazy("Motion"), coerce=int, required=False, empty_value=None)
    publish = forms.BooleanField(label=gettext_lazy("Publish now"), required=False, initial=True)


class TaskForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Task"), max_length=255)
    owner = forms.TypedChoiceField(label=gettext_lazy("Owner"), coerce=int, required=False, empty_value=None)
    due = forms.DateField(label=gettext_lazy("Due"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class MinutesForm(forms.Form):
    minutes = forms.CharField(label=gettext_lazy("Minutes"), required=False, widget=forms.Textarea(attrs={"rows": 6}))


class SignInForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Sign-in code"), max_length=8)


def _forms(meeting, data=None, which=None):
    def bound(name):
        return data if which == name else None

    invite = InviteForm(bound("invite"))
    invite.fields["persons"].choices = [(p.pk, f"{p.name}（{cap}）" if cap else p.name) for p, cap in _candidates(meeting)]
    motion = MotionForm(bound("motion"))
    motion.fields["topic"].choices = [("", "—")] + [(t.pk, t.title) for t in meeting.topics.all()]
    resolution = ResolutionForm(bound("resolution"))
    resolution.fields["motion"].choices = [("", "—")] + [(m.pk, m.question) for m in meeting.motions.filter(state="closed")]
    task = TaskForm(bound("task"))
    task.fields["owner"].choices = [("", "—")] + [(p.person_id, p.person.name) for p in meeting.participants.select_related("person")]
    minutes = MinutesForm(bound("minutes"), initial={"minutes": meeting.minutes})
    return {"invite_form": invite, "motion_form": motion, "resolution_form": resolution, "task_form": task, "minutes_form": minutes}


def _qr_svg(url):
    return segno.make(url, error="m").svg_inline(scale=4, border=2)


def deliberation_detail(request, pk, forms_=None):
    meeting = _meeting(request, pk)
    user = request.user
    manager = services.can_manage(user, meeting.node)
    staff = services.sees_area(user, meeting.node)
    person = services.person_of(user)
    me = meeting.participants.filter(person=person).first() if person else None
    motions = list(meeting.motions.select_related("topic").order_by("pk"))
    for m in motions:
        m.voted = services.has_voted(m, person)
        m.can_vote = m.state == "open" and me is not None and me.eligible and not m.voted
        m.visible_result = services.can_see_result(user, m)
    resolutions = meeting.resolutions.select_related("motion").prefetch_related("tasks", "tasks__owner").order_by("pk")
    if not staff:
        resolutions = resolutions.filter(published=True)
    context = {
        "meeting": meeting, "manager": manager, "staff": staff, "me": me, "motions": motions, "resolutions": resolutions,
        "participants": meeting.participants.select_related("person").order_by("-eligible", "person__name") if staff else None,
        "n_participants": meeting.participants.count(), "n_signed_in": meeting.participants.filter(signed_in_at__isnull=False).count(),
        "topics": meeting.topics.all(), "signin_form": SignInForm(),
    }
    if manager:
        url = request.build_absolute_uri(reverse("participation:deliberation_signin", args=[meeting.pk])) + f"?code={meeting.sign_in_code}"
        context.update({"qr_svg": _qr_svg(url), "signin_url": url})
        context.update(forms_ or _forms(meeting))
    return render(request, "participation/deliberation_detail.html", context,
                  status=422 if forms_ and any(f.errors for f in forms_.values()) else 200)


def deliberation_signin(request, pk):
    meeting = _meeting(request, pk)
    form = SignInForm(request.POST or None, initial={"code": request.GET.get("code") or ""})
    if request.method == "POST" and form.is_valid():
        try:
            services.sign_in(request.user, meeting, form.cleaned_data["code"])
        except ParticipationError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("You are signed in."))
            return redirect("participation:deliberation", pk)
    return render(request, "participation/deliberation_signin.html", {"meeting": meeting, "form": form}, status=422 if form.errors else 200)


def deliberation_action(request, pk, action):
    """The organiser's forms on the meeting page: invite, minutes, motion, resolution, cancel."""
    meeting = _meeting(request, pk)
    if request.method != "POST":
        return redirect("participation:deliberation", pk)
    if not services.can_manage(request.user, meeting.node):
        raise PermissionDenied
    user = request.user
    all_forms = _forms(meeting, request.POST, action)
    try:
        if action == "invite":
            form = all_forms["invite_form"]
            if form.is_valid():
                community = meeting.node.path[:3 * Node.steplen]
                people = list(Person.objects.filter(pk__in=form.cleaned_data["persons"], district_id=meeting.district_id).filter(
                    subtree_q(community, "home__path") | Q(pk__in=Post.objects.filter(subtree_q(community, "node__path")).values("person_id"))))
                if len(people) != len(set(form.cleaned_data["persons"])):
                    raise ParticipationError(_("Only people of the meeting's community can be invited."))
                services.invite(user, meeting, [(p, "", form.cleaned_data["eligible"]) for p in people])
        elif action == "minutes":
            form = all_forms["minutes_form"]
            if form.is_valid():
                services.record_minutes(user, meeting, form.cleaned_data["minutes"])
        elif action == "motion":
            form = all_forms["motion_form"]
            if form.is_valid():
                d = form.cleaned_data
                topic = meeting.topics.filter(pk=d["topic"]).first() if d["topic"] else None
                services.add_motion(user, meeting, d["question"], d["options"].splitlines(), d["secret"], topic)
        elif action == "resolution":
            form = all_forms["resolution_form"]
            if form.is_valid():
                d = form.cleaned_data
                motion = meeting.motions.filter(pk=d["motion"]).first() if d["motion"] else None
                services.resolve(user, meeting, d["text"], motion, d["publish"])
        elif action == "cancel":
            form = None
            try:
                services.cancel_meeting(user, meeting)
            except ParticipationError as exc:
                messages.error(request, str(exc))
                return redirect("participation:deliberation", pk)
        else:
            raise Http404
    except ParticipationError as exc:
        form = form or all_forms["minutes_form"]
        form.add_error(None, str(exc))
    if form is not None and form.errors:
        return deliberation_detail(request, pk, forms_=all_forms)
    messages.success(request, _("Saved."))
    return redirect("participation:deliberation", pk)


# ---------------------------------------------------------------- motions

def _motion(request, pk):
    motion = Motion.objects.select_related("deliberation", "deliberation__node", "topic").filter(
        pk=pk, deliberation__in=services.deliberations(request.user)).first()
    if motion is None:
        raise Http404
    return motion


class VoteForm(forms.Form):
    choice = forms.ChoiceField(label=gettext_lazy("Your vote"), widget=forms.RadioSelect)


def motion_detail(request, pk):
    """The motion with the vote form for an eligible participant, and its result once it may be seen:
    totals only; who voted what only for an open (not secret) vote and only to the area's staff."""
    motion = _motion(request, pk)
    user = request.user
    person = services.person_of(user)
    form = VoteForm(request.POST or None)
    form.fields["choice"].choices = [(o, o) for o in motion.options]
    if request.method == "POST":
        if form.is_valid():
            try:
                services.vote(user, motion, form.cleaned_data["choice"])
            except ParticipationError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Your vote is cast."))
                return redirect("participation:motion", pk)
    eligible = services.eligible_participant(motion, person) is not None
    voted = services.has_voted(motion, person)
    visible = services.can_see_result(user, motion)
    staff = services.sees_area(user, motion.deliberation.node)
    result = motion.result if visible else None
    rows = [(o, (result or {}).get("counts", {}).get(o, 0)) for o in motion.options] if result else []
    return render(request, "participation/deliberation_motion.html", {
        "motion": motion, "meeting": motion.deliberation, "form": form, "can_vote": motion.state == "open" and eligible and not voted,
        "eligible": eligible, "voted": voted, "result": result, "rows": rows,
        "manager": services.can_manage(user, motion.deliberation.node),
        "ballots": services.open_ballots(motion) if visible and staff else None,
        "n_receipts": motion.receipts.count(),
    }, status=422 if form.errors else 200)


def motion_action(request, pk, action):
    motion = _motion(request, pk)
    if request.method != "POST":
        return redirect("participation:motion", pk)
    try:
        if action == "close":
            services.close_motion(request.user, motion, publish=bool(request.POST.get("publish")))
        elif action == "publish":
            services.publish_result(request.user, motion)
        else:
            raise Http404
    except ParticipationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Saved."))
    return redirect("participation:motion", pk)


# ---------------------------------------------------------------- resolutions and tasks

def resolution_action(request, pk, action):
    resolution = Resolution.objects.select_related("deliberation", "deliberation__node").filter(
        pk=pk, deliberation__in=services.deliberations(request.user)).first()
    if resolution is None:
        raise Http404
    if request.method != "POST":
        return redirect("participation:deliberation", resolution.deliberation_id)
    meeting = resolution.deliberation
    try:
        if action == "publish":
            services.publish_resolution(request.user, resolution)
        elif action == "task":
            form = _forms(meeting, request.POST, "task")["task_form"]
            if not form.is_valid():
                raise ParticipationError("；".join(str(e) for errs in form.errors.values() for e in errs))
            d = form.cleaned_data
            owner = Person.objects.filter(pk=d["owner"], district_id=meeting.district_id).first() if d["owner"] else None
            services.add_task(request.user, resolution, d["title"], owner, d["due"])
        else:
            raise Http404
    except ParticipationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Saved."))
    return redirect("participation:deliberation", meeting.pk)


def _visible_tasks(user):
    person = services.person_of(user)
    q = Q(pk__in=services.tasks(user).values("pk"))
    if person is not None:
        q |= Q(owner=person)
    return ResolutionTask.objects.filter(q)


def task_list(request):
    state = request.GET.get("state") or ""
    qs = _visible_tasks(request.user).select_related("resolution", "resolution__deliberation", "owner")
    if state in dict(ResolutionTask.STATES):
        qs = qs.filter(state=state)
    return render(request, "participation/deliberation_tasks.html", {
        "page": _page(request, qs.order_by("-state", "due", "pk")), "states": ResolutionTask.STATES, "state": state,
        "today": timezone.localdate(),
    })


class DoneForm(forms.Form):
    outcome = forms.CharField(label=gettext_lazy("Outcome"), widget=forms.Textarea(attrs={"rows": 3}))


def task_done(request, pk):
    task = _visible_tasks(request.user).select_related("resolution", "resolution__deliberation", "resolution__deliberation__node").filter(pk=pk).first()
    if task is None:
        raise Http404
    if not services.can_finish_task(request.user, task):
        raise PermissionDenied
    form = DoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.finish_task(request.user, task, form.cleaned_data["outcome"])
        except ParticipationError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The task is done."))
            return redirect("participation:deliberation", task.resolution.deliberation_id)
    return render(request, "participation/deliberation_form.html", {"form": form, "title": _("Report “%(task)s” done") % {"task": task.title}},
                  status=422 if form.errors else 200)


# ---------------------------------------------------------------- Excel

def deliberation_export(request):
    if not scoping.can(request.user, roles.EXPORT):
        raise PermissionDenied
    qs = scoping.scope(Deliberation.objects.all(), request.user, "node_path", roles.EXPORT).select_related("node").annotate(
        n_participants=Count("participants", distinct=True),
        n_signed=Count("participants", filter=Q(participants__signed_in_at__isnull=False), distinct=True),
        n_motions=Count("motions", distinct=True), n_resolutions=Count("resolutions", distinct=True),
    ).order_by("-start", "pk")
    wb = Workbook()
    ws = wb.active
    ws.title = str(_("Deliberations"))[:31]
    ws.append([str(h) for h in (_("Meeting title"), _("Kind"), _("Community or grid"), _("Starts at"), _("Place"), _("State"), _("Participants"),
                                 _("Signed in"), _("Motions"), _("Resolutions"), _("Topics"))])
    topics = {}
    for meeting_id, title in Deliberation.topics.through.objects.filter(deliberation__in=qs.values("pk")).values_list("deliberation_id", "topic__title"):
        topics.setdefault(meeting_id, []).append(title)
    for m in qs.iterator():
        ws.append([m.title, str(m.get_kind_display()), m.node.name, _local(m.start).strftime("%Y-%m-%d %H:%M"), m.place, str(m.get_state_display()),
                   m.n_participants, m.n_signed, m.n_motions, m.n_resolutions, "；".join(topics.get(m.pk, []))])
    ws2 = wb.create_sheet(str(_("Resolution tasks"))[:31])
    ws2.append([str(h) for h in (_("Meeting"), _("Resolution"), _("Task"), _("Owner"), _("Due"), _("State"), _("Done on"), _("Outcome"))])
    tasks = scoping.scope(ResolutionTask.objects.all(), request.user, "node_path", roles.EXPORT).select_related(
        "resolution", "resolution__deliberation", "owner").order_by("resolution__deliberation__start", "pk")
    for t in tasks.iterator():
        ws2.append([t.resolution.deliberation.title, t.resolution.text, t.title, t.owner.name if t.owner_id else "", t.due,
                    str(t.get_state_display()), t.done_on, t.outcome])
    buf = io.BytesIO()
    wb.save(buf)
    response = HttpResponse(buf.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="deliberations.xlsx"'
    return response

