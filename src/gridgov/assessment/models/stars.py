"""Branch standardisation and star rating (Guandu): the 达标 checklist, star levels with thresholds
and quotas per district, yearly ratings with promotion and demotion, weak-and-lax rectification."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gridgov.hierarchy.models import District


class StandardItem(models.Model):
    """One line of the district's 达标 checklist."""

    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="standard_items", verbose_name=_("district"))
    code = models.CharField(_("code"), max_length=32)
    text = models.CharField(_("requirement"), max_length=255)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["district", "order"]
        unique_together = [("district", "code")]
        verbose_name = _("standard checklist item")
        verbose_name_plural = _("standard checklist items")

    def __str__(self):
        return self.text


class StandardCheck(models.Model):
    """An organisation's checklist for a year: which items it meets; `meets` when all do."""

    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="+")
    party_org = models.ForeignKey("orgs.PartyOrg", on_delete=models.CASCADE, related_name="standard_checks", verbose_name=_("party organisation"))
    year = models.PositiveSmallIntegerField(_("year"))
    results = models.JSONField(_("results"), default=dict)  # item code -> bool
    meets = models.BooleanField(_("meets the standard"), default=False)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    checked_at = models.DateTimeField(auto_now=True)
    node_path = models.CharField(max_length=255)

    class Meta:
        unique_together = [("party_org", "year")]
        verbose_name = _("standard check")
        verbose_name_plural = _("standard checks")


class StarLevel(models.Model):
    """Stars given for a yearly score of at least `minimum_score`, to at most `quota_pct` percent of
    the rated organisations; `needs_innovation` asks for an innovation project (five stars)."""

    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="star_levels", verbose_name=_("district"))
    stars = models.PositiveSmallIntegerField(_("stars"))
    minimum_score = models.DecimalField(_("minimum score"), max_digits=6, decimal_places=2)
    quota_pct = models.DecimalField(_("quota (%)"), max_digits=5, decimal_places=2, null=True, blank=True)
    needs_innovation = models.BooleanField(_("needs an innovation project"), default=False)

    class Meta:
        ordering = ["district", "-stars"]
        unique_together = [("district", "stars")]
        verbose_name = _("star level")
        verbose_name_plural = _("star levels")


class StarRating(models.Model):
    CHANGES = [("new", _("First rating")), ("promoted", _("Promoted")), ("kept", _("Kept")), ("demoted", _("Demoted"))]

    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="+")
    party_org = models.ForeignKey("orgs.PartyOrg", on_delete=models.CASCADE, related_name="star_ratings", verbose_name=_("party organisation"))
    year = models.PositiveSmallIntegerField(_("year"))
    stars = models.PositiveSmallIntegerField(_("stars"), default=0)
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2, null=True, blank=True)
    innovation_project = models.CharField(_("innovation project"), max_length=255, blank=True)
    change = models.CharField(_("change"), max_length=10, choices=CHANGES, default="new")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(auto_now=True)
    node_path = models.CharField(max_length=255)

    class Meta:
        unique_together = [("party_org", "year")]
        indexes = [models.Index(fields=["district", "year", "stars"])]
        verbose_name = _("star rating")
        verbose_name_plural = _("star ratings")


class WeakLaxRecord(models.Model):
    """An organisation flagged weak and lax (软弱涣散): why, the rectification plan, when lifted."""

    STATES = [("open", _("Being rectified")), ("lifted", _("Lifted"))]

    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="+")
    party_org = models.ForeignKey("orgs.PartyOrg", on_delete=models.CASCADE, related_name="weak_lax_records", verbose_name=_("party organisation"))
    reasons = models.TextField(_("reasons"))
    plan = models.TextField(_("rectification plan"))
    flagged_on = models.DateField(_("flagged on"))
    due = models.DateField(_("rectify by"))
    state = models.CharField(_("state"), max_length=8, choices=STATES, default="open")
    lifted_on = models.DateField(_("lifted on"), null=True, blank=True)
    # The rectification task in the four lists (整改清单) that tracks the plan; lifting needs it done
    # or an acceptance note.
    task = models.ForeignKey("assessment.ListItem", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("rectification task"))
    lift_note = models.TextField(_("acceptance note"), blank=True)
    node_path = models.CharField(max_length=255)

    class Meta:
        ordering = ["-flagged_on"]
        verbose_name = _("weak-and-lax record")
        verbose_name_plural = _("weak-and-lax records")
