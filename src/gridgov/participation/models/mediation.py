"""Dispute mediation 纠纷调处 / 矛盾联调: the dispute with its parties, the bodies mediating jointly,
sessions, the agreement and outcome, follow-up visits; linked to the case a patrol raised, if any."""
from django.db import models
from django.utils.translation import gettext_lazy as _

from gridgov.hierarchy.models import District, Node


class Mediation(models.Model):
    KINDS = [
        ("neighbour", _("Neighbours")),
        ("family", _("Family")),
        ("property", _("Property management")),
        ("labour", _("Labour and wages")),
        ("consumer", _("Consumer")),
        ("other", _("Other")),
    ]
    STATES = [("open", _("Being mediated")), ("agreed", _("Agreement reached")), ("failed", _("No agreement")), ("closed", _("Closed"))]
    BODIES = [
        ("community", _("Community")),
        ("police", _("Police station")),
        ("justice", _("Judicial office")),
        ("court", _("People's court")),
        ("labour", _("Labour inspection")),
        ("lawyer", _("Lawyer")),
    ]

    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="+")
    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="+", verbose_name=_("grid"))
    kind = models.CharField(_("kind"), max_length=12, choices=KINDS)
    title = models.CharField(_("title"), max_length=128)
    place = models.CharField(_("place"), max_length=128, blank=True)
    summary = models.TextField(_("summary"))
    bodies = models.JSONField(_("mediating bodies"), default=list)  # codes of BODIES
    case = models.ForeignKey("cases.Case", on_delete=models.SET_NULL, null=True, blank=True, related_name="mediations", verbose_name=_("case"))
    state = models.CharField(_("state"), max_length=8, choices=STATES, default="open")
    agreement = models.TextField(_("agreement"), blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    opened_on = models.DateField(_("opened on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    node_path = models.CharField(max_length=255, db_index=True)

    class Meta:
        ordering = ["-opened_on", "-pk"]
        indexes = [models.Index(fields=["district", "state"])]
        verbose_name = _("mediation")
        verbose_name_plural = _("mediations")

    def __str__(self):
        return self.title


class MediationParty(models.Model):
    mediation = models.ForeignKey(Mediation, on_delete=models.CASCADE, related_name="parties")
    name = models.CharField(_("name"), max_length=64)
    phone = models.CharField(_("phone"), max_length=20, blank=True)  # masked like every phone
    role = models.CharField(_("role"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("party to the dispute")
        verbose_name_plural = _("parties to the dispute")


class MediationSession(models.Model):
    mediation = models.ForeignKey(Mediation, on_delete=models.CASCADE, related_name="sessions")
    day = models.DateField(_("day"))
    mediators = models.CharField(_("mediators"), max_length=255)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["day", "pk"]
        verbose_name = _("mediation session")
        verbose_name_plural = _("mediation sessions")


class FollowUp(models.Model):
    mediation = models.ForeignKey(Mediation, on_delete=models.CASCADE, related_name="follow_ups")
    day = models.DateField(_("day"))
    by = models.CharField(_("visited by"), max_length=128)
    notes = models.TextField(_("notes"))

    class Meta:
        ordering = ["day", "pk"]
        verbose_name = _("follow-up visit")
        verbose_name_plural = _("follow-up visits")
