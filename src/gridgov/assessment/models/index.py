"""Quality-index models (晴雨表): schemes of categories and indicators, colour bands, monthly runs,
scores per organisation and indicator with their evidence, manual scores and the grades."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from gridgov.hierarchy.models import District


class Scheme(models.Model):
    """A district's index: weights, bands and colours are data, never code (DESIGN.md)."""

    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="index_schemes", verbose_name=_("district"))
    name = models.CharField(_("name"), max_length=128)
    active = models.BooleanField(_("active"), default=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["district", "name"]
        verbose_name = _("index scheme")
        verbose_name_plural = _("index schemes")

    def __str__(self):
        return self.name


class GradeBand(models.Model):
    """A colour grade: an organisation whose total is at least `minimum` (and below the next band)
    gets it. `rank` 1 is the best band; which colour is best differs per district."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="bands", verbose_name=_("scheme"))
    name = models.CharField(_("name"), max_length=32)
    colour = models.CharField(_("colour"), max_length=7, help_text=_("#rrggbb"))
    minimum = models.DecimalField(_("minimum total"), max_digits=6, decimal_places=2)
    rank = models.PositiveSmallIntegerField(_("rank (1 = best)"))

    class Meta:
        ordering = ["scheme", "rank"]
        unique_together = [("scheme", "rank")]
        verbose_name = _("grade band")
        verbose_name_plural = _("grade bands")

    def __str__(self):
        return self.name


class IndicatorCategory(models.Model):
    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="categories", verbose_name=_("scheme"))
    name = models.CharField(_("name"), max_length=64)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["scheme", "order"]
        verbose_name = _("indicator category")
        verbose_name_plural = _("indicator categories")

    def __str__(self):
        return self.name


class Indicator(models.Model):
    COMPUTED, MANUAL, BONUS, VETO = "computed", "manual", "bonus", "veto"
    KINDS = [
        (COMPUTED, _("Computed from platform data")),
        (MANUAL, _("Scored by an assessor with evidence")),
        (BONUS, _("Bonus item")),
        (VETO, _("Veto item")),
    ]

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("scheme"))
    category = models.ForeignKey(IndicatorCategory, on_delete=models.CASCADE, null=True, blank=True, related_name="indicators", verbose_name=_("category"))
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=128)
    kind = models.CharField(_("kind"), max_length=12, choices=KINDS, default=COMPUTED)
    # The key of a registered computation (assessment.computations) for computed, bonus and veto items.
    computation = models.CharField(_("computation"), max_length=48, blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    weight = models.DecimalField(_("weight (points)"), max_digits=6, decimal_places=2, default=0)
    maximum = models.DecimalField(_("maximum points"), max_digits=6, decimal_places=2, default=0)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    description = models.TextField(_("how it is scored"), blank=True)

    class Meta:
        ordering = ["scheme", "category__order", "order"]
        unique_together = [("scheme", "code")]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self):
        return self.name


class IndexRun(models.Model):
    """One computation of one month for one scheme; a re-run replaces the month's scores."""

    STATES = [("queued", _("Queued")), ("running", _("Running")), ("done", _("Done")), ("failed", _("Failed"))]

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="runs", verbose_name=_("scheme"))
    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("month"))  # always the first day of the month
    state = models.CharField(_("state"), max_length=12, choices=STATES, default="queued")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    orgs = models.PositiveIntegerField(_("organisations graded"), default=0)
    seconds = models.FloatField(_("seconds"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-month", "-requested_at"]
        indexes = [models.Index(fields=["state", "requested_at"])]
        verbose_name = _("index run")
        verbose_name_plural = _("index runs")


class ManualScore(models.Model):
    """An assessor's score of a manual (or bonus/veto) indicator; the evidence is required."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="manual_scores", verbose_name=_("indicator"))
    party_org = models.ForeignKey("orgs.PartyOrg", on_delete=models.CASCADE, related_name="manual_scores", verbose_name=_("party organisation"))
    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("month"))
    points = models.DecimalField(_("points"), max_digits=6, decimal_places=2)
    evidence = models.TextField(_("evidence"))
    attachment = models.FileField(_("attachment"), upload_to="assessment/evidence/%Y/%m/", blank=True)
    assessor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("assessor"))
    at = models.DateTimeField(_("at"), auto_now=True)
    node_path = models.CharField(max_length=255, db_index=True)
    history = HistoricalRecords(user_related_name="+")  # audit trail (gridgov.audit): assessors' edits

    class Meta:
        unique_together = [("indicator", "party_org", "month")]
        verbose_name = _("manual score")
        verbose_name_plural = _("manual scores")


class Score(models.Model):
    """The points one organisation earned on one indicator in one month, with what produced them:
    `value` is the measured quantity, `evidence` says which records (model and ids or a filter)."""

    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="+")
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="scores", verbose_name=_("indicator"))
    party_org = models.ForeignKey("orgs.PartyOrg", on_delete=models.CASCADE, related_name="index_scores", verbose_name=_("party organisation"))
    month = models.DateField(_("month"))
    value = models.FloatField(_("measured value"), null=True, blank=True)
    points = models.DecimalField(_("points"), max_digits=6, decimal_places=2)
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    node_path = models.CharField(max_length=255)
    # Audit trail (gridgov.audit) of edits to a score row; the monthly run replaces rows in bulk and
    # is recorded by its IndexRun (who asked, when).
    history = HistoricalRecords(user_related_name="+")

    class Meta:
        unique_together = [("party_org", "indicator", "month")]
        indexes = [models.Index(fields=["district", "month", "indicator"])]
        verbose_name = _("score")
        verbose_name_plural = _("scores")


class Grade(models.Model):
    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="+")
    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="grades", verbose_name=_("scheme"))
    party_org = models.ForeignKey("orgs.PartyOrg", on_delete=models.CASCADE, related_name="grades", verbose_name=_("party organisation"))
    month = models.DateField(_("month"))
    total = models.DecimalField(_("total"), max_digits=6, decimal_places=2)
    band = models.ForeignKey(GradeBand, on_delete=models.SET_NULL, null=True, related_name="grades", verbose_name=_("grade"))
    vetoed = models.BooleanField(_("vetoed"), default=False)
    rank = models.PositiveIntegerField(_("rank"))
    change = models.DecimalField(_("change on last month"), max_digits=6, decimal_places=2, null=True, blank=True)
    node_path = models.CharField(max_length=255)

    class Meta:
        unique_together = [("party_org", "scheme", "month")]
        indexes = [models.Index(fields=["district", "month", "node_path"]), models.Index(fields=["scheme", "month", "rank"])]
        ordering = ["month", "rank"]
        verbose_name = _("grade")
        verbose_name_plural = _("grades")
