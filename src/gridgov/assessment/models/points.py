"""Party-member points (党员积分): per-district rules with caps per period, the ledger of entries
(automatic from activity, or manual with approval), the yearly accounts it sums to, and appeals."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gridgov.hierarchy.models import District


class PointsRule(models.Model):
    SOURCES = [
        ("base", _("Base score at the start of the year")),
        ("attendance", _("Meeting attendance")),
        ("absence", _("Absence without leave")),
        ("service", _("Service hours")),
        ("volunteer", _("Volunteering")),
        ("case", _("Case reported or handled")),
        ("manual", _("Entered by hand, approved")),
    ]
    PERIODS = [("month", _("Month")), ("quarter", _("Quarter")), ("year", _("Year"))]

    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="points_rules", verbose_name=_("district"))
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=128)
    source = models.CharField(_("source"), max_length=12, choices=SOURCES)
    # Points per occurrence (per hour for service and volunteering); negative rules deduct.
    points = models.DecimalField(_("points"), max_digits=6, decimal_places=2)
    # The most (in absolute value) this rule may add or deduct per member per period; null = no cap.
    cap = models.DecimalField(_("cap per period"), max_digits=7, decimal_places=2, null=True, blank=True)
    period = models.CharField(_("period"), max_length=8, choices=PERIODS, default="year")
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["district", "code"]
        unique_together = [("district", "code")]
        verbose_name = _("points rule")
        verbose_name_plural = _("points rules")

    def __str__(self):
        return self.name


class PointsAccount(models.Model):
    """A member's approved total for one year; only the points services change it, in the same
    transaction as the ledger, so that `total` always equals the sum of the approved entries."""

    # Covered by the composite indexes (district, …) and (member, year): no single-column indexes.
    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="+", db_index=False)
    member = models.ForeignKey("people.PartyMember", on_delete=models.CASCADE, related_name="points_accounts", verbose_name=_("party member"), db_index=False)
    year = models.PositiveSmallIntegerField(_("year"))
    total = models.DecimalField(_("total"), max_digits=8, decimal_places=2, default=0)
    node_path = models.CharField(max_length=255)

    class Meta:
        unique_together = [("member", "year")]
        indexes = [models.Index(fields=["district", "year", "node_path"])]
        verbose_name = _("points account")
        verbose_name_plural = _("points accounts")


class PointsEntry(models.Model):
    STATES = [("pending", _("Pending approval")), ("approved", _("Approved")), ("rejected", _("Rejected"))]

    # The ledger is the largest table of the app: district, member and rule are the leading columns
    # of the composite indexes below, so they get no single-column index of their own.
    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="+", db_index=False)
    member = models.ForeignKey("people.PartyMember", on_delete=models.CASCADE, related_name="points_entries", verbose_name=_("party member"), db_index=False)
    rule = models.ForeignKey(PointsRule, on_delete=models.PROTECT, related_name="entries", verbose_name=_("rule"), db_index=False)
    year = models.PositiveSmallIntegerField(_("year"))
    day = models.DateField(_("day"))
    points = models.DecimalField(_("points"), max_digits=6, decimal_places=2)
    state = models.CharField(_("state"), max_length=10, choices=STATES, default="approved")
    note = models.CharField(_("note"), max_length=255, blank=True)
    # What produced an automatic entry ("assessment.attendance:123"); unique so that re-running
    # the automatic pass never counts the same activity twice.
    source_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    # An entry that reverses another (an upheld appeal) points at it.
    reverses = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversals")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False)
    created_at = models.DateTimeField(auto_now_add=True)
    node_path = models.CharField(max_length=255)

    class Meta:
        ordering = ["-day", "-pk"]
        indexes = [
            models.Index(fields=["member", "year", "state"]),
            models.Index(fields=["district", "state", "node_path"]),
            models.Index(fields=["rule", "member", "day"]),
        ]
        verbose_name = _("points entry")
        verbose_name_plural = _("points entries")


class PointsAppeal(models.Model):
    STATES = [("open", _("Open")), ("upheld", _("Upheld")), ("dismissed", _("Dismissed"))]

    entry = models.ForeignKey(PointsEntry, on_delete=models.CASCADE, related_name="appeals", verbose_name=_("entry"))
    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="+")
    reason = models.TextField(_("reason"))
    state = models.CharField(_("state"), max_length=10, choices=STATES, default="open")
    decision = models.TextField(_("decision"), blank=True)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    filed_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    node_path = models.CharField(max_length=255)

    class Meta:
        ordering = ["-filed_at"]
        verbose_name = _("points appeal")
        verbose_name_plural = _("points appeals")
