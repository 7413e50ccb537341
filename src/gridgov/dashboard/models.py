"""Aggregates the dashboards read instead of raw rows: per grid, its cases by state now and its
cases of each reported month. Kept up to date by the cases services (tallies.py)."""
from django.db import models
from django.utils.translation import gettext_lazy as _

from gridgov.hierarchy.models import District, Node


class GridCaseState(models.Model):
    """A grid's cases as they stand: every case, the open ones, the closed ones, the overdue open ones."""

    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="+")
    grid = models.OneToOneField(Node, on_delete=models.CASCADE, related_name="+")
    node_path = models.CharField(max_length=255)
    total = models.PositiveIntegerField(default=0)
    open = models.PositiveIntegerField(default=0)
    closed = models.PositiveIntegerField(default=0)
    overdue = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["district", "node_path"])]
        verbose_name = _("grid case tally")


class GridCaseMonth(models.Model):
    """The cases of a grid reported in one month (the KPI cohort): how many, closed, closed on
    time, evaluated and satisfied (satisfied or basically satisfied)."""

    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="+")
    grid = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="+")
    node_path = models.CharField(max_length=255)
    month = models.DateField()  # first day of the month, district time
    reported = models.PositiveIntegerField(default=0)
    closed = models.PositiveIntegerField(default=0)
    on_time = models.PositiveIntegerField(default=0)
    evaluations = models.PositiveIntegerField(default=0)
    satisfied = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["grid", "month"], name="grid_case_month_unique")]
        indexes = [models.Index(fields=["district", "month", "node_path"])]
        verbose_name = _("grid case month")


class GridCaseDay(models.Model):
    """A grid's cases reported and closed on each day of the last DAYS_KEPT days (the big screen's
    trend and today's figures); older days are left as they were last counted."""

    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="+")
    grid = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="+")
    node_path = models.CharField(max_length=255)
    day = models.DateField()  # district time
    reported = models.PositiveIntegerField(default=0)
    closed = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["grid", "day"], name="grid_case_day_unique")]
        indexes = [models.Index(fields=["district", "day", "node_path"])]
        verbose_name = _("grid case day")
