"""Funds and brand projects: per-community and per-subdistrict budgets (operating and service funds),
allocations to projects and spending that never takes a balance below zero without an approval; the
一街道一品牌 / 党建+ brand projects with milestones and results."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gridgov.hierarchy.models import District, Node


class Budget(models.Model):
    KINDS = [("operating", _("Operating funds")), ("service", _("Service funds for the people"))]

    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="+")
    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="+", verbose_name=_("community or subdistrict"))
    year = models.PositiveSmallIntegerField(_("year"))
    kind = models.CharField(_("kind"), max_length=10, choices=KINDS)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)
    # Kept by the services in the same transaction as each spending: amount − spent.
    spent = models.DecimalField(_("spent (yuan)"), max_digits=12, decimal_places=2, default=0)
    node_path = models.CharField(max_length=255, db_index=True)

    class Meta:
        unique_together = [("node", "year", "kind")]
        verbose_name = _("budget")
        verbose_name_plural = _("budgets")


class Allocation(models.Model):
    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="allocations", verbose_name=_("budget"))
    project = models.ForeignKey("participation.Project", on_delete=models.SET_NULL, null=True, blank=True, related_name="allocations", verbose_name=_("project"))
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")


class Spending(models.Model):
    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="spendings", verbose_name=_("budget"))
    allocation = models.ForeignKey(Allocation, on_delete=models.SET_NULL, null=True, blank=True, related_name="spendings", verbose_name=_("allocation"))
    day = models.DateField(_("day"))
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)
    what = models.CharField(_("for"), max_length=255)
    # Set when spending past the balance was approved (by a user with the right at a level above).
    overdraft_approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["-day", "-pk"]
        verbose_name = _("spending")
        verbose_name_plural = _("spending")


class BrandProject(models.Model):
    KINDS = [("street_brand", _("One subdistrict, one brand")), ("party_plus", _("Party building +"))]

    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="+")
    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="+", verbose_name=_("node"))
    kind = models.CharField(_("kind"), max_length=12, choices=KINDS)
    name = models.CharField(_("name"), max_length=128)
    description = models.TextField(_("description"), blank=True)
    results = models.TextField(_("results"), blank=True)
    node_path = models.CharField(max_length=255, db_index=True)

    class Meta:
        ordering = ["node_path", "name"]
        verbose_name = _("brand project")
        verbose_name_plural = _("brand projects")

    def __str__(self):
        return self.name


class Milestone(models.Model):
    project = models.ForeignKey(BrandProject, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("milestone"), max_length=255)
    due = models.DateField(_("due"))
    done_on = models.DateField(_("done on"), null=True, blank=True)
    result = models.CharField(_("result"), max_length=255, blank=True)

    class Meta:
        ordering = ["due", "pk"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
