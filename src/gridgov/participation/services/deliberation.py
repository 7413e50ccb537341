"""Residents' deliberation 居民议事: who sees and who may act, topics raised and decided, meetings with
sign-in and minutes, one-vote-per-person motions (secret ones keep no voter), resolutions and their tasks."""
import secrets
from collections import Counter

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.hierarchy.models import CELL_KINDS, Node
from gridgov.hierarchy.services import subtree_q
from gridgov.people import roles, scoping
from gridgov.people.models import Person

from ..errors import Conflict, NotAllowed, ParticipationError
from ..models import (
    Ballot, Deliberation, Motion, Participant, Resolution, ResolutionTask, Topic, VoteReceipt,
)

STEP = Node.steplen
COMMUNITY_DEPTH = 3
PLACE_KINDS = ("community", *CELL_KINDS)
DEFAULT_OPTIONS = ["同意", "反对", "弃权"]
# Sign-in codes avoid look-alike characters: they are read out in the meeting room.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6


# ---------------------------------------------------------------- areas

def person_of(user):
    return getattr(user, "person", None) if getattr(user, "is_authenticated", False) else None


def home_community_paths(user):
    """The communities a login belongs to: those of its posts, else that of its person's home.

    Residents (no VIEW) read what is public in their own community: accepted topics, meetings,
    published results and resolutions."""
    paths = set()
    for post in scoping.active_posts(user):
        paths.add(post.node.path[:COMMUNITY_DEPTH * STEP])
    person = person_of(user)
    if person is not None and person.home_id:
        paths.add(person.home.path[:COMMUNITY_DEPTH * STEP])
    return {p for p in paths if len(p) == COMMUNITY_DEPTH * STEP}


def _community_q(user, field="node_path"):
    q = Q(pk__in=[])
    for path in home_community_paths(user):
        q |= subtree_q(path, field)
    return q


def _is_superuser(user):
    return getattr(user, "is_superuser", False) and user.is_active


def topics(user):
    """Topics the user may read: all in their VIEW area; their own; and the accepted or resolved
    topics of their community."""
    if _is_superuser(user):
        return Topic.objects.all()
    area = Q(pk__in=scoping.scope(Topic.objects.all(), user, "node_path", roles.VIEW).values("pk"))
    public = _community_q(user) & Q(state__in=("accepted", "resolved"))
    return Topic.objects.filter(area | public | Q(raised_by_id=user.pk))


def deliberations(user):
    """Meetings: all in the VIEW area, those of the user's community, those the user is invited to."""
    if _is_superuser(user):
        return Deliberation.objects.all()
    area = Q(pk__in=scoping.scope(Deliberation.objects.all(), user, "node_path", roles.VIEW).values("pk"))
    q = area | _community_q(user)
    person = person_of(user)
    if person is not None:
        q |= Q(pk__in=Participant.objects.filter(person=person).values("deliberation_id"))
    return Deliberation.objects.filter(q)


def tasks(user):
    return scoping.scope(ResolutionTask.objects.all(), user, "node_path", roles.VIEW)


def can_manage(user, node):
    return scoping.can(user, roles.EDIT, node)


def sees_area(user, node):
    return scoping.can(user, roles.VIEW, node)


def raise_place(user):
    """Where a resident's topic goes: the grid (or community) of their home."""
    person = person_of(user)
    home = person.home if person is not None and person.home_id else None
    if home is None:
        post = scoping.home_node(user)
        home = post
    if home is None:
        return None
    if home.kind in PLACE_KINDS:
        return home
    if home.depth <= COMMUNITY_DEPTH:
        return None  # a district or subdistrict post: the place must be chosen
    return Node.objects.filter(district_id=home.district_id, kind__in=CELL_KINDS, path=home.path[:4 * STEP]).first() or \
        Node.objects.filter(district_id=home.district_id, path=home.path[:COMMUNITY_DEPTH * STEP]).first()


def _check_place(node):
    if node is None or node.kind not in PLACE_KINDS:
        raise ParticipationError(_("Choose a community or a grid."))


# ---------------------------------------------------------------- topics

def raise_topic(user, title, detail="", node=None):
    """Any login raises a topic for its home area; staff with EDIT for any place of their area."""
    title = (title or "").strip()
    if not title:
        raise ParticipationError(_("Give the topic a title."))
    if len(title) > 128:
        raise ParticipationError(_("The title is too long (at most 128 characters)."))
    home = raise_place(user)
    if node is None:
        node = home
    _check_place(node)
    in_home = home is not None and (node.path.startswith(home.path[:COMMUNITY_DEPTH * STEP]))
    if not (in_home or can_manage(user, node) or sees_area(user, node)):
        raise NotAllowed(_("You can raise topics only for your own community."))
    person = person_of(user)
    return Topic.objects.create(district_id=node.district_id, node=node, node_path=node.path, title=title, detail=(detail or "").strip(),
                                raised_by=user if getattr(user, "pk", None) else None,
                                raised_by_name=person.name if person is not None else getattr(user, "username", ""))


def decide_topic(user, topic, accept, reason=""):
    if not can_manage(user, topic.node):
        raise NotAllowed(_("Only the community's or subdistrict's secretary decides on topics."))
    reason = (reason or "").strip()
    if not accept and not reason:
        raise ParticipationError(_("Give the reason for rejecting the topic."))
    with transaction.atomic():
        topic = Topic.objects.select_for_update().get(pk=topic.pk)
        if topic.state != "raised":
            raise Conflict(_("The topic has already been decided."))
        topic.state = "accepted" if accept else "rejected"
        topic.reason = reason
        topic.save(update_fields=["state", "reason"])
    return topic


# ---------------------------------------------------------------- meetings

def new_code():
    return "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))


def convene(user, node, kind, title, start, *, place="", notice="", agenda="", topics=(), participants=()):
    """A meeting at a community or grid with its notice and agenda; `participants` are (person, capacity)
    pairs or persons, all eligible to vote unless given as (person, capacity, False)."""
    _check_place(node)
    if not can_manage(user, node):
        raise NotAllowed(_("Only the community's or subdistrict's secretary convenes meetings here."))
    if kind not in dict(Deliberation.KINDS):
        raise ParticipationError(_("Unknown kind of meeting."))
    title = (title or "").strip()
    if not title:
        raise ParticipationError(_("Give the meeting a title."))
    if start is None:
        raise ParticipationError(_("Give the time of the meeting."))
    for topic in topics:
        if topic.district_id != node.district_id or not topic.node_path.startswith(node.path[:COMMUNITY_DEPTH * STEP]):
            raise ParticipationError(_("A topic belongs to another community."))
        if topic.state not in ("accepted", "resolved"):
            raise ParticipationError(_("Only accepted topics go on the agenda: “%(title)s” is not.") % {"title": topic.title})
    with transaction.atomic():
        meeting = Deliberation.objects.create(district_id=node.district_id, node=node, node_path=node.path, kind=kind, title=title,
                                              start=start, place=(place or "").strip(), notice=notice or "", agenda=agenda or "",
                                              sign_in_code=new_code())
        meeting.topics.set(list(topics))
        invite(user, meeting, participants)
    return meeting


def update_meeting(user, meeting, *, title, kind, start, place="", notice="", agenda="", topics=None):
    """Change the notice of a meeting not yet held; the place (community or grid) stays."""
    if not can_manage(user, meeting.node):
        raise NotAllowed(_("Only the meeting's organiser changes it."))
    if meeting.state != "noticed":
        raise ParticipationError(_("Only a meeting not yet held can be changed."))
    if kind not in dict(Deliberation.KINDS):
        raise ParticipationError(_("Unknown kind of meeting."))
    if not (title or "").strip():
        raise ParticipationError(_("Give the meeting a title."))
    if start is None:
        raise ParticipationError(_("Give the time of the meeting."))
    for topic in topics or []:
        if not topic.node_path.startswith(meeting.node_path[:COMMUNITY_DEPTH * STEP]) or topic.state not in ("accepted", "resolved"):
            raise ParticipationError(_("Only accepted topics go on the agenda: “%(title)s” is not.") % {"title": topic.title})
    with transaction.atomic():
        meeting.title, meeting.kind, meeting.start = title.strip()[:128], kind, start
        meeting.place, meeting.notice, meeting.agenda = (place or "").strip()[:128], notice or "", agenda or ""
        meeting.save()
        if topics is not None:
            meeting.topics.set(list(topics))
    return meeting


def _check_meeting_open(meeting):
    if meeting.state == "cancelled":
        raise ParticipationError(_("The meeting is cancelled."))


def invite(user, meeting, participants):
    """Add participants (eligible voters unless marked otherwise); already invited people are skipped."""
    if not can_manage(user, meeting.node):
        raise NotAllowed(_("Only the meeting's organiser invites participants."))
    rows = []
    for item in participants:
        item = (item,) if isinstance(item, Person) else tuple(item)
        person, capacity, eligible = item + (None, "", True)[len(item):]
        if person.district_id != meeting.district_id:
            raise ParticipationError(_("“%(name)s” lives in another district.") % {"name": person.name})
        rows.append(Participant(deliberation=meeting, person=person, capacity=capacity or "", eligible=eligible))
    Participant.objects.bulk_create(rows, ignore_conflicts=True)


def sign_in(user, meeting, code):
    """A participant signs in with the code read out or shown as a QR code in the room."""
    person = person_of(user)
    if person is None:
        raise NotAllowed(_("Only invited participants sign in."))
    _check_meeting_open(meeting)
    if (code or "").strip().upper() != meeting.sign_in_code:
        raise ParticipationError(_("The sign-in code is wrong."))
    with transaction.atomic():
        participant = Participant.objects.select_for_update().filter(deliberation=meeting, person=person).first()
        if participant is None:
            raise NotAllowed(_("You are not on the list of participants of this meeting."))
        if participant.signed_in_at is None:
            participant.signed_in_at = timezone.now()
            participant.save(update_fields=["signed_in_at"])
    return participant


def record_minutes(user, meeting, minutes, held=True):
    if not can_manage(user, meeting.node):
        raise NotAllowed(_("Only the meeting's organiser keeps the minutes."))
    _check_meeting_open(meeting)
    meeting.minutes = minutes or ""
    if held:
        meeting.state = "held"
    meeting.save(update_fields=["minutes", "state"])
    return meeting


def cancel_meeting(user, meeting):
    if not can_manage(user, meeting.node):
        raise NotAllowed(_("Only the meeting's organiser cancels it."))
    if meeting.state == "held":
        raise ParticipationError(_("A meeting that was held cannot be cancelled."))
    meeting.state = "cancelled"
    meeting.save(update_fields=["state"])
    Motion.objects.filter(deliberation=meeting, state="open").update(state="closed")
    return meeting


# ---------------------------------------------------------------- motions and votes

def add_motion(user, meeting, question, options=None, secret=False, topic=None):
    if not can_manage(user, meeting.node):
        raise NotAllowed(_("Only the meeting's organiser puts motions to the vote."))
    _check_meeting_open(meeting)
    question = (question or "").strip()
    if not question:
        raise ParticipationError(_("Give the question put to the vote."))
    options = [o.strip() for o in (options or DEFAULT_OPTIONS) if o and o.strip()]
    if len(options) < 2:
        raise ParticipationError(_("A vote needs at least two options."))
    if len(set(options)) != len(options):
        raise ParticipationError(_("The options must differ from each other."))
    if any(len(o) > 64 for o in options):
        raise ParticipationError(_("An option is too long (at most 64 characters)."))
    if topic is not None and not meeting.topics.filter(pk=topic.pk).exists():
        raise ParticipationError(_("The topic is not on this meeting's agenda."))
    return Motion.objects.create(deliberation=meeting, topic=topic, question=question[:255], options=options, secret=bool(secret))


def eligible_participant(motion, person):
    if person is None:
        return None
    return Participant.objects.filter(deliberation_id=motion.deliberation_id, person=person, eligible=True).first()


def vote(user, motion, choice):
    """One vote per eligible participant: the receipt (who voted) is unique per motion and person in
    the database; the ballot (what) carries the voter only when the motion is not secret."""
    person = person_of(user)
    if person is None or eligible_participant(motion, person) is None:
        raise NotAllowed(_("You are not entitled to vote on this motion."))
    if choice not in motion.options:
        raise ParticipationError(_("Choose one of the options."))
    try:
        with transaction.atomic():
            current = Motion.objects.select_for_update().get(pk=motion.pk)
            if current.state != "open":
                raise ParticipationError(_("Voting on this motion is closed."))
            VoteReceipt.objects.create(motion=current, person=person)
            ballot = Ballot.objects.create(motion=current, choice=choice, voter=None if current.secret else person)
            if current.secret:
                _shuffle_in(current, ballot)
    except IntegrityError:
        raise Conflict(_("You have already voted on this motion.")) from None
    return True


def _shuffle_in(motion, ballot):
    """Swap the new secret ballot's choice with that of a ballot drawn at random among the motion's (itself
    included): an inside-out Fisher–Yates shuffle, so the storage order of the choices (row ids, physical
    order) says nothing about the order of the receipts, and so nothing about who voted what."""
    ids = list(Ballot.objects.filter(motion=motion).values_list("pk", flat=True))
    other = ids[secrets.randbelow(len(ids))]
    if other != ballot.pk:
        other_choice = Ballot.objects.get(pk=other).choice
        Ballot.objects.filter(pk=other).update(choice=ballot.choice)
        Ballot.objects.filter(pk=ballot.pk).update(choice=other_choice)


def has_voted(motion, person):
    return person is not None and VoteReceipt.objects.filter(motion=motion, person=person).exists()


def tally(motion):
    counts = Counter(Ballot.objects.filter(motion=motion).values_list("choice", flat=True))
    eligible = Participant.objects.filter(deliberation_id=motion.deliberation_id, eligible=True).count()
    return {
        "counts": {o: counts.get(o, 0) for o in motion.options},
        "votes": sum(counts.values()),
        "eligible": eligible,
        "passed": _passed(motion.options, counts, eligible),
    }


def _passed(options, counts, eligible):
    # Passed when the first option ("同意") has more than half of the eligible voters.
    return bool(options) and eligible > 0 and counts.get(options[0], 0) * 2 > eligible


def close_motion(user, motion, publish=False):
    if not can_manage(user, motion.deliberation.node):
        raise NotAllowed(_("Only the meeting's organiser closes the vote."))
    with transaction.atomic():
        motion = Motion.objects.select_for_update().get(pk=motion.pk)
        if motion.state == "closed":
            raise Conflict(_("The vote is already closed."))
        motion.state = "closed"
        motion.result = tally(motion)
        motion.published = bool(publish)
        motion.save(update_fields=["state", "result", "published"])
    return motion


def publish_result(user, motion):
    if not can_manage(user, motion.deliberation.node):
        raise NotAllowed(_("Only the meeting's organiser publishes the result."))
    with transaction.atomic():
        motion = Motion.objects.select_for_update().get(pk=motion.pk)
        if motion.state != "closed":
            raise ParticipationError(_("Close the vote before publishing its result."))
        motion.published = True
        motion.save(update_fields=["published"])
    return motion


def can_see_result(user, motion):
    return motion.state == "closed" and (motion.published or sees_area(user, motion.deliberation.node))


def open_ballots(motion):
    """Who voted what, for a motion that is not secret (None for a secret one: nobody may know)."""
    if motion.secret:
        return None
    return Ballot.objects.filter(motion=motion).select_related("voter").order_by("voter__name")


# ---------------------------------------------------------------- resolutions and tasks

def resolve(user, meeting, text, motion=None, publish=False):
    if not can_manage(user, meeting.node):
        raise NotAllowed(_("Only the meeting's organiser records resolutions."))
    _check_meeting_open(meeting)
    text = (text or "").strip()
    if not text:
        raise ParticipationError(_("Write the text of the resolution."))
    if motion is not None:
        if motion.deliberation_id != meeting.pk:
            raise ParticipationError(_("The motion belongs to another meeting."))
        if motion.state != "closed":
            raise ParticipationError(_("Close the vote before recording its resolution."))
    return Resolution.objects.create(deliberation=meeting, motion=motion, text=text, published=bool(publish),
                                     published_at=timezone.now() if publish else None)


def publish_resolution(user, resolution):
    if not can_manage(user, resolution.deliberation.node):
        raise NotAllowed(_("Only the meeting's organiser publishes resolutions."))
    if not resolution.published:
        resolution.published = True
        resolution.published_at = timezone.now()
        resolution.save(update_fields=["published", "published_at"])
    return resolution


def add_task(user, resolution, title, owner=None, due=None):
    meeting = resolution.deliberation
    if not can_manage(user, meeting.node):
        raise NotAllowed(_("Only the meeting's organiser assigns tasks."))
    title = (title or "").strip()
    if not title:
        raise ParticipationError(_("Say what is to be done."))
    if owner is not None and owner.district_id != meeting.district_id:
        raise ParticipationError(_("“%(name)s” lives in another district.") % {"name": owner.name})
    return ResolutionTask.objects.create(resolution=resolution, title=title[:255], owner=owner, due=due, node_path=meeting.node_path)


def can_finish_task(user, task):
    person = person_of(user)
    return (person is not None and task.owner_id == person.pk) or can_manage(user, task.resolution.deliberation.node)


def finish_task(user, task, outcome, day=None):
    """The owner (or the organiser) reports the task done; a topic is resolved once every task of its
    resolutions is done."""
    if not can_finish_task(user, task):
        raise NotAllowed(_("Only the task's owner or the meeting's organiser reports it done."))
    outcome = (outcome or "").strip()
    if not outcome:
        raise ParticipationError(_("Describe the outcome."))
    with transaction.atomic():
        task = ResolutionTask.objects.select_for_update().get(pk=task.pk)
        if task.state == "done":
            raise Conflict(_("The task is already done."))
        task.state, task.outcome, task.done_on = "done", outcome, day or timezone.localdate()
        task.save(update_fields=["state", "outcome", "done_on"])
        for topic in topics_of(task.resolution):
            update_topic_state(topic)
    return task


def topics_of(resolution):
    """The topics a resolution answers: its motion's topic, else the meeting's topics."""
    if resolution.motion_id and resolution.motion.topic_id:
        return [resolution.motion.topic]
    return list(resolution.deliberation.topics.all())


def resolutions_of(topic):
    return Resolution.objects.filter(Q(motion__topic=topic) | Q(Q(motion__isnull=True) | Q(motion__topic__isnull=True),
                                                                 deliberation__topics=topic)).distinct()


def update_topic_state(topic):
    """Resolved when the topic has resolution tasks and all are done."""
    states = list(ResolutionTask.objects.filter(resolution__in=resolutions_of(topic)).values_list("state", flat=True))
    resolved = bool(states) and all(s == "done" for s in states)
    if resolved and topic.state == "accepted":
        Topic.objects.filter(pk=topic.pk).update(state="resolved")
    elif not resolved and topic.state == "resolved":
        Topic.objects.filter(pk=topic.pk).update(state="accepted")
