"""Service-centre activities and education: events with capacity and sign-up (a waiting list that moves
up when someone cancels), attendance and feedback; party schools, study sessions and the 领头雁
training programme for secretaries, whose attendance is written to the person's training record."""
from django.db import models
from django.utils.translation import gettext_lazy as _

from gridgov.hierarchy.models import District, Node


class Event(models.Model):
    KINDS = [
        ("activity", _("Centre activity")),
        ("party_school", _("Party school class")),  # 党校 near the people
        ("study", _("Study session")),
        ("training", _("Secretaries' training (领头雁)")),
    ]

    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="+")
    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="+", verbose_name=_("node"))
    centre = models.ForeignKey("orgs.ServiceCentre", on_delete=models.SET_NULL, null=True, blank=True, related_name="events", verbose_name=_("service centre"))
    kind = models.CharField(_("kind"), max_length=14, choices=KINDS, default="activity")
    title = models.CharField(_("title"), max_length=128)
    description = models.TextField(_("description"), blank=True)
    start = models.DateTimeField(_("starts at"))
    end = models.DateTimeField(_("ends at"))
    capacity = models.PositiveIntegerField(_("places"))
    hours = models.DecimalField(_("training hours"), max_digits=5, decimal_places=1, default=0)
    cancelled = models.BooleanField(_("cancelled"), default=False)
    node_path = models.CharField(max_length=255, db_index=True)

    class Meta:
        ordering = ["-start"]
        indexes = [models.Index(fields=["district", "start"])]
        verbose_name = _("event")
        verbose_name_plural = _("events")

    def __str__(self):
        return self.title


class SignUp(models.Model):
    STATES = [("confirmed", _("Confirmed")), ("waiting", _("On the waiting list")), ("cancelled", _("Cancelled"))]

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="signups", verbose_name=_("event"))
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+", verbose_name=_("person"))
    state = models.CharField(_("state"), max_length=10, choices=STATES)
    signed_up_at = models.DateTimeField(_("signed up at"), auto_now_add=True)
    attended = models.BooleanField(_("attended"), default=False)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    feedback = models.CharField(_("feedback"), max_length=255, blank=True)

    class Meta:
        unique_together = [("event", "person")]
        ordering = ["signed_up_at", "pk"]
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
