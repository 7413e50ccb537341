"""The three lists 资源、需求、项目 and booking: shared resources of partner units and communities, the
needs of communities and grids, projects that match them, bookings held slot by slot so that the
database itself refuses a double booking (a unique slot row per resource and start)."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gridgov.hierarchy.models import District, Node

RESOURCE_KINDS = [
    ("meeting_room", _("Meeting room")),
    ("venue", _("Venue or equipment")),
    ("counselling_room", _("Counselling room")),
    ("publicity", _("Publicity platform")),
    ("skill", _("Skill or service")),
    ("funds", _("Funds")),
]


class Resource(models.Model):
    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="+")
    partner_unit = models.ForeignKey("orgs.PartnerUnit", on_delete=models.CASCADE, null=True, blank=True, related_name="resources", verbose_name=_("partner unit"))
    # Where the resource is offered (the unit's or the centre's community or subdistrict): decides who sees it.
    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="+", verbose_name=_("node"))
    kind = models.CharField(_("kind"), max_length=20, choices=RESOURCE_KINDS)
    name = models.CharField(_("name"), max_length=128)
    description = models.TextField(_("description"), blank=True)
    capacity = models.PositiveIntegerField(_("capacity (people)"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    bookable = models.BooleanField(_("bookable"), default=False)
    slot_minutes = models.PositiveSmallIntegerField(_("slot (minutes)"), default=60)
    min_slots = models.PositiveSmallIntegerField(_("minimum slots per booking"), default=1)
    max_slots = models.PositiveSmallIntegerField(_("maximum slots per booking"), default=8)
    # {"0": ["08:30", "17:30"], …} by ISO weekday (0 = Monday); a missing day is closed.
    opening_hours = models.JSONField(_("opening hours"), default=dict, blank=True)
    needs_confirmation = models.BooleanField(_("owner confirms bookings"), default=False)
    contact = models.ForeignKey("people.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("contact"))
    active = models.BooleanField(_("active"), default=True)
    node_path = models.CharField(max_length=255, db_index=True)

    class Meta:
        ordering = ["node_path", "kind", "name"]
        indexes = [models.Index(fields=["district", "kind", "active"])]
        verbose_name = _("resource")
        verbose_name_plural = _("resources")

    def __str__(self):
        return self.name


class BlockedPeriod(models.Model):
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="blocked", verbose_name=_("resource"))
    start = models.DateTimeField(_("from"))
    end = models.DateTimeField(_("until"))
    reason = models.CharField(_("reason"), max_length=255)

    class Meta:
        ordering = ["start"]
        verbose_name = _("blocked period")
        verbose_name_plural = _("blocked periods")


class Booking(models.Model):
    STATES = [("requested", _("Requested")), ("confirmed", _("Confirmed")), ("denied", _("Denied")), ("cancelled", _("Cancelled"))]
    HOLDING = ("requested", "confirmed")

    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="+")
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="bookings", verbose_name=_("resource"))
    start = models.DateTimeField(_("from"))
    end = models.DateTimeField(_("until"))
    state = models.CharField(_("state"), max_length=12, choices=STATES, default="requested")
    purpose = models.CharField(_("purpose"), max_length=255)
    attendees = models.PositiveIntegerField(_("attendees"), null=True, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    requester_name = models.CharField(_("requested by"), max_length=128, blank=True)
    # Bookings made together as one weekly/daily series share a series id.
    series = models.UUIDField(null=True, blank=True, db_index=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    node_path = models.CharField(max_length=255, db_index=True)

    class Meta:
        ordering = ["start"]
        indexes = [models.Index(fields=["resource", "start"]), models.Index(fields=["district", "state"])]
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")


class BookingSlot(models.Model):
    """One slot held by a requested or confirmed booking; deleted when it is denied or cancelled.
    The unique (resource, start) is what makes a double booking impossible under concurrency."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="slots")
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="+")
    start = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["resource", "start"], name="participation_one_booking_per_slot")]


class Need(models.Model):
    STATES = [("open", _("Open")), ("matched", _("Matched")), ("met", _("Met")), ("closed", _("Closed"))]

    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="+")
    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="+", verbose_name=_("community or grid"))
    kind = models.CharField(_("resource wanted"), max_length=20, choices=RESOURCE_KINDS)
    title = models.CharField(_("title"), max_length=128)
    detail = models.TextField(_("detail"), blank=True)
    wanted_from = models.DateField(_("wanted from"), null=True, blank=True)
    wanted_until = models.DateField(_("wanted until"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=STATES, default="open")
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    raised_at = models.DateTimeField(auto_now_add=True)
    node_path = models.CharField(max_length=255, db_index=True)

    class Meta:
        ordering = ["-raised_at"]
        indexes = [models.Index(fields=["district", "state"])]
        verbose_name = _("need")
        verbose_name_plural = _("needs")

    def __str__(self):
        return self.title


class Project(models.Model):
    STATES = [("planned", _("Planned")), ("running", _("Running")), ("done", _("Done")), ("cancelled", _("Cancelled"))]

    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="+")
    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="+", verbose_name=_("node"))
    need = models.ForeignKey(Need, on_delete=models.SET_NULL, null=True, blank=True, related_name="projects", verbose_name=_("need"))
    resources = models.ManyToManyField(Resource, blank=True, related_name="projects", verbose_name=_("resources"))
    partner_units = models.ManyToManyField("orgs.PartnerUnit", blank=True, related_name="projects", verbose_name=_("partner units"))
    title = models.CharField(_("title"), max_length=128)
    owner = models.ForeignKey("people.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("owner"))
    start = models.DateField(_("start"), null=True, blank=True)
    end = models.DateField(_("end"), null=True, blank=True)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    state = models.CharField(_("state"), max_length=10, choices=STATES, default="planned")
    result = models.TextField(_("result"), blank=True)
    node_path = models.CharField(max_length=255, db_index=True)

    class Meta:
        ordering = ["-start", "pk"]
        indexes = [models.Index(fields=["district", "state"])]
        verbose_name = _("project")
        verbose_name_plural = _("projects")

    def __str__(self):
        return self.title
