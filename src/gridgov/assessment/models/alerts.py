"""Alerts (预警): rules configurable per district, the alerts they raise at a hierarchy node (one per
subject and period, so re-evaluation never duplicates), and the talks (约谈) that follow."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gridgov.hierarchy.models import District, Node


class AlertRule(models.Model):
    KINDS = [
        ("index_drop", _("Index fell by more than N points")),
        ("lowest_twice", _("Lowest grade two months running")),
        ("overdue_cluster", _("Overdue cases clustering in a grid")),
        ("rectification_overdue", _("Rectification overdue")),
        ("member_inactive", _("Member inactive for months")),
    ]

    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="alert_rules", verbose_name=_("district"))
    kind = models.CharField(_("kind"), max_length=24, choices=KINDS)
    # e.g. {"points": 10} for index_drop, {"cases": 3} for overdue_cluster, {"months": 6} for member_inactive
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["district", "kind"]
        unique_together = [("district", "kind")]
        verbose_name = _("alert rule")
        verbose_name_plural = _("alert rules")

    def __str__(self):
        return self.get_kind_display()


class Alert(models.Model):
    STATES = [("open", _("Open")), ("acknowledged", _("Acknowledged")), ("closed", _("Closed"))]

    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="+")
    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="alerts", verbose_name=_("rule"))
    kind = models.CharField(_("kind"), max_length=24, choices=AlertRule.KINDS)
    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="+", verbose_name=_("where"))
    # What the alert is about, as "app.model:pk" (a party organisation, a member, a list item, a grid).
    subject = models.CharField(_("subject"), max_length=64)
    subject_label = models.CharField(_("about"), max_length=255)
    message = models.TextField(_("message"))
    # Unique per rule, subject and period: evaluating again never raises the same alert twice.
    key = models.CharField(max_length=128, unique=True)
    state = models.CharField(_("state"), max_length=12, choices=STATES, default="open")
    raised_at = models.DateTimeField(_("raised at"), auto_now_add=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    handled_at = models.DateTimeField(null=True, blank=True)
    node_path = models.CharField(max_length=255)

    class Meta:
        ordering = ["-raised_at"]
        indexes = [models.Index(fields=["district", "state", "node_path"])]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")


class Talk(models.Model):
    """A talk (约谈) with an organisation's secretary after an alert."""

    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="+")
    alert = models.ForeignKey(Alert, on_delete=models.SET_NULL, null=True, blank=True, related_name="talks", verbose_name=_("alert"))
    party_org = models.ForeignKey("orgs.PartyOrg", on_delete=models.CASCADE, related_name="talks", verbose_name=_("party organisation"))
    day = models.DateField(_("day"))
    with_whom = models.CharField(_("with"), max_length=128)
    by = models.CharField(_("held by"), max_length=128)
    notes = models.TextField(_("notes"))
    node_path = models.CharField(max_length=255)

    class Meta:
        ordering = ["-day"]
        verbose_name = _("talk")
        verbose_name_plural = _("talks")
