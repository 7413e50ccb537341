"""Dispute mediation 纠纷调处 / 矛盾联调: who sees and who mediates, opening a dispute (from a patrol's case
or not), parties with masked phones, joint mediating bodies, sessions, the agreement, closing and follow-ups."""
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.hierarchy.models import CELL_KINDS, Node
from gridgov.people import pii, roles, scoping

from ..errors import Conflict, NotAllowed, ParticipationError
from ..models import FollowUp, Mediation, MediationParty, MediationSession

PLACE_KINDS = ("community", *CELL_KINDS)
COMMUNITY_PATH = 3 * Node.steplen
# Posts that mediate in their own area besides the secretaries (EDIT): grid staff who meet the
# dispute first, and the police and judicial officers of 矛盾联调.
MEDIATOR_ROLES = {"grid_chief", "grid_worker", "community_worker", "residents_committee", "judicial_officer", "beat_officer"}
BODY_CODES = {code for code, _label in Mediation.BODIES}
TRANSITIONS = {"open": {"agreed", "failed"}, "agreed": {"closed"}, "failed": {"closed", "open"}, "closed": set()}


def mediations(user, perm=roles.VIEW):
    return scoping.scope(Mediation.objects.all(), user, "node_path", perm)


def can_mediate(user, node):
    if scoping.can(user, roles.EDIT, node):
        return True
    return any(p.role in MEDIATOR_ROLES and node.path.startswith(p.node.path) for p in scoping.active_posts(user))


def _check(user, mediation):
    if not can_mediate(user, mediation.node):
        raise NotAllowed(_("Only the mediators of this area record the mediation."))


def _clean_bodies(bodies):
    bodies = list(dict.fromkeys(b for b in (bodies or []) if b))
    unknown = [b for b in bodies if b not in BODY_CODES]
    if unknown:
        raise ParticipationError(_("Unknown mediating body: %(codes)s.") % {"codes": "、".join(unknown)})
    return bodies


def _clean_parties(parties):
    """[(name, phone, role)] with checked phones; at least two parties make a dispute."""
    rows = []
    for name, phone, role in parties:
        name = (name or "").strip()
        if not name:
            continue
        phone = (phone or "").strip()
        if phone:
            try:
                phone = pii.validate_phone(phone)
            except pii.PersonalDataError as exc:
                raise ParticipationError(f"{name}：{exc}") from None
        rows.append((name[:64], phone, (role or "").strip()[:32]))
    if len(rows) < 2:
        raise ParticipationError(_("A dispute has at least two parties: give their names."))
    return rows


def open_mediation(user, node, kind, title, summary, *, parties, place="", bodies=(), case=None, opened_on=None):
    if node is None or node.kind not in PLACE_KINDS:
        raise ParticipationError(_("Choose the grid (or community) where the dispute arose."))
    if not can_mediate(user, node):
        raise NotAllowed(_("You cannot open a mediation in this place."))
    if kind not in dict(Mediation.KINDS):
        raise ParticipationError(_("Choose the kind of dispute."))
    title, summary = (title or "").strip(), (summary or "").strip()
    if not title:
        raise ParticipationError(_("Give the dispute a title."))
    if not summary:
        raise ParticipationError(_("Summarise the dispute."))
    if case is not None and (case.district_id != node.district_id or not case.node_path.startswith(node.path[:COMMUNITY_PATH])):
        raise ParticipationError(_("The case belongs to another community."))
    rows = _clean_parties(parties)
    with transaction.atomic():
        mediation = Mediation.objects.create(
            district_id=node.district_id, node=node, node_path=node.path, kind=kind, title=title[:128], summary=summary,
            place=(place or "").strip()[:128], bodies=_clean_bodies(bodies) or ["community"], case=case,
            opened_on=opened_on or timezone.localdate())
        MediationParty.objects.bulk_create([MediationParty(mediation=mediation, name=n, phone=p, role=r) for n, p, r in rows])
    return mediation


def update_mediation(user, mediation, **fields):
    _check(user, mediation)
    if mediation.state == "closed":
        raise ParticipationError(_("The mediation is closed."))
    allowed = {"title", "summary", "place", "kind", "bodies"}
    for key, value in fields.items():
        if key not in allowed:
            raise ParticipationError(_("This cannot be changed here."))
        if key == "bodies":
            value = _clean_bodies(value) or ["community"]
        elif key == "kind" and value not in dict(Mediation.KINDS):
            raise ParticipationError(_("Choose the kind of dispute."))
        elif key in ("title", "summary") and not (value or "").strip():
            raise ParticipationError(_("The title and the summary cannot be empty."))
        setattr(mediation, key, value.strip() if isinstance(value, str) else value)
    mediation.save()
    return mediation


def add_session(user, mediation, day, mediators, notes=""):
    _check(user, mediation)
    if mediation.state == "closed":
        raise ParticipationError(_("The mediation is closed."))
    mediators = (mediators or "").strip()
    if not mediators:
        raise ParticipationError(_("Say who mediated."))
    if day is None or day > timezone.localdate():
        raise ParticipationError(_("A session is recorded on or after the day it was held."))
    if day < mediation.opened_on:
        raise ParticipationError(_("The session cannot be before the dispute was opened."))
    return MediationSession.objects.create(mediation=mediation, day=day, mediators=mediators[:255], notes=notes or "")


def conclude(user, mediation, state, *, agreement="", outcome="", day=None):
    """open → agreed (with the agreement) or failed; agreed/failed → closed (with the outcome);
    failed → open again (a new round of mediation)."""
    _check(user, mediation)
    with transaction.atomic():
        mediation = Mediation.objects.select_for_update().get(pk=mediation.pk)
        if state not in TRANSITIONS.get(mediation.state, set()):
            raise Conflict(_("A mediation that is “%(state)s” cannot become “%(new)s”.") % {
                "state": mediation.get_state_display(), "new": dict(Mediation.STATES).get(state, state)})
        if state == "agreed":
            if not (agreement or "").strip():
                raise ParticipationError(_("Write down what the parties agreed."))
            mediation.agreement = agreement.strip()
        if state == "failed" and (outcome or "").strip():
            mediation.outcome = outcome.strip()
        if state == "closed":
            if not (outcome or mediation.outcome).strip():
                raise ParticipationError(_("Describe the outcome before closing."))
            mediation.outcome = (outcome or mediation.outcome).strip()
            mediation.closed_on = day or timezone.localdate()
        if state == "open":
            mediation.closed_on = None
        mediation.state = state
        mediation.save()
    return mediation


def add_follow_up(user, mediation, day, by, notes):
    _check(user, mediation)
    if mediation.state == "open":
        raise ParticipationError(_("Follow-up visits come after the agreement or the outcome."))
    if not (by or "").strip() or not (notes or "").strip():
        raise ParticipationError(_("Say who visited and what they found."))
    if day is None or day > timezone.localdate():
        raise ParticipationError(_("A visit is recorded on or after the day it took place."))
    return FollowUp.objects.create(mediation=mediation, day=day, by=by.strip()[:128], notes=notes.strip())


def masked_parties(mediation):
    """The parties with their phones masked, as every page, answer and export shows them."""
    return [{"name": p.name, "role": p.role, "phone": pii.mask_phone(p.phone)} for p in mediation.parties.all()]


def bodies_label(mediation):
    labels = dict(Mediation.BODIES)
    return "、".join(str(labels.get(b, b)) for b in mediation.bodies or [])
