"""Residents' deliberation 居民议事: topics raised and accepted or rejected, meetings (joint, four-party…)
with notice, agenda, sign-in and minutes, motions voted one ballot per eligible person (secret where
set: the ballot then carries no voter, a separate receipt records who voted), resolutions and their tasks."""
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gridgov.hierarchy.models import District, Node


class Topic(models.Model):
    STATES = [("raised", _("Raised")), ("accepted", _("Accepted")), ("rejected", _("Rejected")), ("resolved", _("Resolved"))]

    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="+")
    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="+", verbose_name=_("community or grid"))
    title = models.CharField(_("title"), max_length=128)
    detail = models.TextField(_("detail"), blank=True)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    raised_by_name = models.CharField(_("raised by"), max_length=64, blank=True)
    raised_at = models.DateTimeField(auto_now_add=True)
    state = models.CharField(_("state"), max_length=10, choices=STATES, default="raised")
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    node_path = models.CharField(max_length=255, db_index=True)

    class Meta:
        ordering = ["-raised_at"]
        verbose_name = _("deliberation topic")
        verbose_name_plural = _("deliberation topics")

    def __str__(self):
        return self.title


class Deliberation(models.Model):
    """A deliberation meeting."""

    KINDS = [
        ("joint", _("Joint meeting")),  # 联席会
        ("four_party", _("Four-party meeting")),  # 社区党组织、网格党支部、业委会、物业
        ("residents", _("Residents' council")),
        ("hearing", _("Hearing")),
    ]
    STATES = [("noticed", _("Noticed")), ("held", _("Held")), ("cancelled", _("Cancelled"))]

    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="+")
    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="+", verbose_name=_("community or grid"))
    kind = models.CharField(_("kind"), max_length=12, choices=KINDS)
    title = models.CharField(_("title"), max_length=128)
    topics = models.ManyToManyField(Topic, blank=True, related_name="deliberations", verbose_name=_("topics"))
    notice = models.TextField(_("notice"), blank=True)
    agenda = models.TextField(_("agenda"), blank=True)
    start = models.DateTimeField(_("starts at"))
    place = models.CharField(_("place"), max_length=128, blank=True)
    sign_in_code = models.CharField(_("sign-in code"), max_length=8, blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    state = models.CharField(_("state"), max_length=10, choices=STATES, default="noticed")
    node_path = models.CharField(max_length=255, db_index=True)

    class Meta:
        ordering = ["-start"]
        verbose_name = _("deliberation")
        verbose_name_plural = _("deliberations")

    def __str__(self):
        return self.title


class Participant(models.Model):
    """Who is invited to (and eligible to vote at) a deliberation, and whether they signed in."""

    deliberation = models.ForeignKey(Deliberation, on_delete=models.CASCADE, related_name="participants")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+", verbose_name=_("person"))
    capacity = models.CharField(_("attends as"), max_length=64, blank=True)
    eligible = models.BooleanField(_("may vote"), default=True)
    signed_in_at = models.DateTimeField(_("signed in at"), null=True, blank=True)

    class Meta:
        unique_together = [("deliberation", "person")]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")


class Motion(models.Model):
    STATES = [("open", _("Voting open")), ("closed", _("Closed"))]

    deliberation = models.ForeignKey(Deliberation, on_delete=models.CASCADE, related_name="motions")
    topic = models.ForeignKey(Topic, on_delete=models.SET_NULL, null=True, blank=True, related_name="motions")
    question = models.CharField(_("question"), max_length=255)
    options = models.JSONField(_("options"), default=list)  # ["同意", "反对", "弃权"]
    secret = models.BooleanField(_("secret ballot"), default=False)
    state = models.CharField(_("state"), max_length=8, choices=STATES, default="open")
    result = models.JSONField(_("result"), default=dict, blank=True)
    published = models.BooleanField(_("result published"), default=False)

    class Meta:
        verbose_name = _("motion")
        verbose_name_plural = _("motions")


class VoteReceipt(models.Model):
    """That a person voted on a motion (never what): one per person, enforced by the database."""

    motion = models.ForeignKey(Motion, on_delete=models.CASCADE, related_name="receipts")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["motion", "person"], name="participation_one_vote_per_person")]


class Ballot(models.Model):
    """What was voted; `voter` stays empty on a secret motion."""

    # A random key, not a sequence: on a secret motion the order of the ballots must not line up
    # with the order of the receipts (which say who voted, and when).
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    motion = models.ForeignKey(Motion, on_delete=models.CASCADE, related_name="ballots")
    choice = models.CharField(max_length=64)
    voter = models.ForeignKey("people.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")


class Resolution(models.Model):
    deliberation = models.ForeignKey(Deliberation, on_delete=models.CASCADE, related_name="resolutions")
    motion = models.ForeignKey(Motion, on_delete=models.SET_NULL, null=True, blank=True, related_name="resolutions")
    text = models.TextField(_("resolution"))
    published = models.BooleanField(_("published"), default=False)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("resolution")
        verbose_name_plural = _("resolutions")


class ResolutionTask(models.Model):
    STATES = [("open", _("Open")), ("done", _("Done"))]

    resolution = models.ForeignKey(Resolution, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("task"), max_length=255)
    owner = models.ForeignKey("people.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("owner"))
    due = models.DateField(_("due"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=8, choices=STATES, default="open")
    done_on = models.DateField(_("done on"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    node_path = models.CharField(max_length=255, db_index=True)

    class Meta:
        ordering = ["due", "pk"]
        verbose_name = _("resolution task")
        verbose_name_plural = _("resolution tasks")
