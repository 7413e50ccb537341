"""Organisational life (三会一课) and other activities of party organisations, with attendance signed in
by code or QR on the page, or recorded by the secretary."""
from django.db import models
from django.utils.translation import gettext_lazy as _

from gridgov.hierarchy.models import District


class Meeting(models.Model):
    KINDS = [
        ("assembly", _("Branch members' assembly")),  # 支部党员大会
        ("committee", _("Branch committee meeting")),  # 支委会
        ("group", _("Party group meeting")),  # 党小组会
        ("lecture", _("Party lecture")),  # 党课
        ("theme_day", _("Theme party day")),  # 主题党日
        ("activity", _("Activity")),
    ]

    # The composite indexes below start with these columns: no single-column index of their own.
    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="+", db_index=False)
    party_org = models.ForeignKey("orgs.PartyOrg", on_delete=models.CASCADE, related_name="meetings", verbose_name=_("party organisation"), db_index=False)
    kind = models.CharField(_("kind"), max_length=16, choices=KINDS)
    title = models.CharField(_("title"), max_length=128)
    start = models.DateTimeField(_("starts at"))
    place = models.CharField(_("place"), max_length=128, blank=True)
    summary = models.TextField(_("minutes"), blank=True)
    # Attendees type this code (or scan the QR that carries it) to sign in; unique per meeting.
    sign_in_code = models.CharField(_("sign-in code"), max_length=8, blank=True)
    sign_in_open = models.BooleanField(_("sign-in open"), default=True)
    node_path = models.CharField(max_length=255, db_index=True)

    class Meta:
        ordering = ["-start"]
        indexes = [models.Index(fields=["district", "start"]), models.Index(fields=["party_org", "start"])]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")

    def __str__(self):
        return self.title


class Attendance(models.Model):
    STATUSES = [("present", _("Present")), ("leave", _("On leave")), ("absent", _("Absent"))]
    METHODS = [("code", _("Sign-in code")), ("qr", _("QR code")), ("manual", _("Recorded by the secretary"))]

    # Covered by the (meeting, member) unique index; fewer indexes keep the demo's bulk insert quick.
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance", verbose_name=_("meeting"), db_index=False)
    member = models.ForeignKey("people.PartyMember", on_delete=models.CASCADE, related_name="attendance", verbose_name=_("party member"))
    status = models.CharField(_("status"), max_length=8, choices=STATUSES, default="present")
    method = models.CharField(_("method"), max_length=8, choices=METHODS, default="manual")
    at = models.DateTimeField(_("signed at"), null=True, blank=True)

    class Meta:
        unique_together = [("meeting", "member")]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
