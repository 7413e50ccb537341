"""The secretaries' four lists (责任/项目/问题/整改清单) at district, subdistrict and community level,
inspections by supervisors and third parties whose findings become problems, the secretaries'
annual reports (述职评议) and the community-worker yearly appraisal (at most 30 % excellent)."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gridgov.hierarchy.models import District, Node


class Inspection(models.Model):
    KINDS = [("supervisor", _("Party-building supervisor")), ("third_party", _("Third-party inspection"))]

    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="+")
    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="+", verbose_name=_("inspected area"))
    kind = models.CharField(_("kind"), max_length=12, choices=KINDS)
    inspector = models.CharField(_("inspector"), max_length=128)
    day = models.DateField(_("day"))
    summary = models.TextField(_("summary"), blank=True)
    node_path = models.CharField(max_length=255, db_index=True)

    class Meta:
        ordering = ["-day"]
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")


class ListItem(models.Model):
    RESPONSIBILITY, PROJECT, PROBLEM, RECTIFICATION = "responsibility", "project", "problem", "rectification"
    KINDS = [
        (RESPONSIBILITY, _("Responsibility list")),
        (PROJECT, _("Project list")),
        (PROBLEM, _("Problem list")),
        (RECTIFICATION, _("Rectification list")),
    ]
    STATES = [("open", _("Open")), ("in_progress", _("In progress")), ("done", _("Done")), ("cancelled", _("Cancelled"))]

    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("list"), max_length=16, choices=KINDS)
    # The district, subdistrict or community whose secretary owns the list.
    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="+", verbose_name=_("level"))
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=255)
    detail = models.TextField(_("detail"), blank=True)
    owner = models.ForeignKey("people.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="list_items", verbose_name=_("owner"))
    party_org = models.ForeignKey("orgs.PartyOrg", on_delete=models.SET_NULL, null=True, blank=True, related_name="list_items", verbose_name=_("party organisation"))
    due = models.DateField(_("due"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=12, choices=STATES, default="open")
    # A rectification task points at its problem; a problem may come from an inspection.
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="children", verbose_name=_("problem"))
    inspection = models.ForeignKey(Inspection, on_delete=models.SET_NULL, null=True, blank=True, related_name="findings", verbose_name=_("inspection"))
    evidence = models.TextField(_("evidence"), blank=True)
    attachment = models.FileField(_("attachment"), upload_to="assessment/lists/%Y/%m/", blank=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    node_path = models.CharField(max_length=255)

    class Meta:
        ordering = ["kind", "due", "pk"]
        indexes = [models.Index(fields=["district", "kind", "state", "node_path"]), models.Index(fields=["state", "due"])]
        verbose_name = _("list item")
        verbose_name_plural = _("list items")

    def __str__(self):
        return self.title


class SecretaryReport(models.Model):
    APPRAISALS = [("excellent", _("Excellent")), ("good", _("Good")), ("fair", _("Fair")), ("poor", _("Poor"))]

    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="+")
    secretary = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="secretary_reports", verbose_name=_("secretary"))
    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="+", verbose_name=_("level"))
    year = models.PositiveSmallIntegerField(_("year"))
    # Figures assembled from the four lists, the indices and the cases when the report was drawn up.
    content = models.JSONField(_("content"), default=dict)
    statement = models.TextField(_("secretary's statement"), blank=True)
    appraisal = models.CharField(_("appraisal"), max_length=10, choices=APPRAISALS, blank=True)
    appraised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    appraised_at = models.DateTimeField(null=True, blank=True)
    node_path = models.CharField(max_length=255)

    class Meta:
        unique_together = [("secretary", "node", "year")]
        verbose_name = _("secretary's annual report")
        verbose_name_plural = _("secretaries' annual reports")


class WorkerAppraisal(models.Model):
    GRADES = [
        ("excellent", _("Excellent")),
        ("competent", _("Competent")),
        ("basic", _("Basically competent")),
        ("incompetent", _("Not competent")),
    ]

    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="+")
    worker = models.ForeignKey("people.CommunityWorker", on_delete=models.CASCADE, related_name="appraisals", verbose_name=_("community worker"))
    # The unit whose quota applies: the worker's community.
    unit = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="+", verbose_name=_("unit"))
    year = models.PositiveSmallIntegerField(_("year"))
    grade = models.CharField(_("grade"), max_length=12, choices=GRADES)
    comment = models.CharField(_("comment"), max_length=255, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(auto_now=True)
    node_path = models.CharField(max_length=255)

    class Meta:
        unique_together = [("worker", "year")]
        indexes = [models.Index(fields=["unit", "year", "grade"])]
        verbose_name = _("community-worker appraisal")
        verbose_name_plural = _("community-worker appraisals")
