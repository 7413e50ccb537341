"""Assessment services: meetings 三会一课 of party organisations and their attendance, recorded by the
secretary or signed in by the members themselves with the meeting's code (typed, or read from the QR)."""
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.people import roles, scoping
from gridgov.people.models import PartyMember

from ..errors import AssessmentError, NotAllowed
from ..models import Attendance, Meeting

# Members who still take part in organisational life (the transferred and deceased do not).
ACTIVE_STATUSES = ("full", "probationary")
CODE_DIGITS = 6


def can_manage(user, org):
    """The secretary's right over an organisation's meetings: ASSESS or EDIT at its node."""
    return scoping.can(user, roles.ASSESS, org.node) or scoping.can(user, roles.EDIT, org.node)


def new_code():
    """A short numeric code no meeting with open sign-in uses: the code alone finds the meeting."""
    for _attempt in range(50):
        code = "".join(secrets.choice("0123456789") for _i in range(CODE_DIGITS))
        if not Meeting.objects.filter(sign_in_code=code, sign_in_open=True).exists():
            return code
    raise AssessmentError(_("No free sign-in code; try again."))


def members(org):
    return PartyMember.objects.filter(party_org=org, status__in=ACTIVE_STATUSES).select_related("person").order_by("person__name", "pk")


def create_meeting(user, org, kind, title, start, place=""):
    if not can_manage(user, org):
        raise NotAllowed(_("You may not hold meetings for this organisation."))
    if kind not in dict(Meeting.KINDS):
        raise AssessmentError(_("Choose the kind of meeting."))
    title = (title or "").strip()
    if not title:
        raise AssessmentError(_("The meeting needs a title."))
    if start is None:
        raise AssessmentError(_("The meeting needs a start time."))
    with transaction.atomic():
        return Meeting.objects.create(
            district=org.district, party_org=org, kind=kind, title=title, start=start, place=(place or "").strip(),
            sign_in_code=new_code(), sign_in_open=True, node_path=org.node.path,
        )


def set_sign_in(user, meeting, open_):
    if not can_manage(user, meeting.party_org):
        raise NotAllowed(_("You may not change this meeting."))
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if open_ and not meeting.sign_in_open:
            meeting.sign_in_code = new_code()
        meeting.sign_in_open = bool(open_)
        meeting.save(update_fields=["sign_in_open", "sign_in_code"])
    return meeting


def record_attendance(user, meeting, statuses):
    """The secretary records {member pk: "present"|"leave"|"absent"|""} ("" leaves a member unrecorded);
    members signed in by code keep their method. Returns how many rows changed."""
    if not can_manage(user, meeting.party_org):
        raise NotAllowed(_("You may not record attendance for this meeting."))
    allowed = dict(Attendance.STATUSES)
    roster = set(members(meeting.party_org).values_list("pk", flat=True))
    changed = 0
    with transaction.atomic():
        existing = {a.member_id: a for a in Attendance.objects.select_for_update().filter(meeting=meeting)}
        for member_id, status in statuses.items():
            if member_id not in roster:
                raise AssessmentError(_("Only the organisation's members can be recorded."))
            if status == "":
                continue
            if status not in allowed:
                raise AssessmentError(_("Unknown attendance status."))
            row = existing.get(member_id)
            if row is None:
                Attendance.objects.create(meeting=meeting, member_id=member_id, status=status, method="manual",
                                          at=timezone.now() if status == "present" else None)
                changed += 1
            elif row.status != status:
                row.status, row.method = status, "manual"
                row.save(update_fields=["status", "method"])
                changed += 1
    return changed


def find_by_code(code):
    """The meeting a code belongs to: one with open sign-in first, else the latest that had it."""
    code = (code or "").strip()
    if not code:
        return None
    return (Meeting.objects.filter(sign_in_code=code).select_related("party_org", "party_org__node")
            .order_by("-sign_in_open", "-start").first())


def member_of(user):
    person = getattr(user, "person", None) if getattr(user, "is_authenticated", False) else None
    if person is None:
        return None
    return PartyMember.objects.filter(person=person).select_related("party_org").first()


def check_sign_in(user, code):
    """The meeting `user` may sign in to with `code`, or AssessmentError saying why not."""
    meeting = find_by_code(code)
    if meeting is None:
        raise AssessmentError(_("No meeting has this sign-in code. Check the code and try again."))
    if not meeting.sign_in_open:
        raise AssessmentError(_("Sign-in for this meeting is closed."))
    member = member_of(user)
    if member is None or member.party_org_id != meeting.party_org_id or member.status not in ACTIVE_STATUSES:
        raise AssessmentError(_("You are not a member of %(org)s, so you cannot sign in to its meeting.")
                              % {"org": meeting.party_org.name})
    return meeting, member


def sign_in(user, code, method="code"):
    """Marks the user present at the meeting of `code`; signing in twice is harmless."""
    method = method if method in ("code", "qr") else "code"
    with transaction.atomic():
        meeting, member = check_sign_in(user, code)
        row, created = Attendance.objects.select_for_update().get_or_create(
            meeting=meeting, member=member, defaults={"status": "present", "method": method, "at": timezone.now()})
        if not created and row.status != "present":
            row.status, row.method, row.at = "present", method, timezone.now()
            row.save(update_fields=["status", "method", "at"])
    return row
