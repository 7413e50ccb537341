"""Case models: departments and their handlers, categories with time limits, the district calendar,
cases with their transitions, assignments (joint handling), attachments, patrols and evaluations."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from gridgov.hierarchy.models import District, Node

from .calendar import URGENT_HOURS, WORKING_DAYS, WORKING_HOURS

UNIT_CHOICES = [
    (URGENT_HOURS, _("hours (urgent)")),
    (WORKING_HOURS, _("working hours")),
    (WORKING_DAYS, _("working days")),
]


class Department(models.Model):
    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="departments")
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=64)
    # Departments answer to the district unless they are a subdistrict's own office.
    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="+", verbose_name=_("node"))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        unique_together = [("district", "code")]
        ordering = ["district", "code"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self):
        return self.name


class DepartmentHandler(models.Model):
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="handlers")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="department_posts")

    class Meta:
        unique_together = [("department", "person")]
        verbose_name = _("department handler")
        verbose_name_plural = _("department handlers")


class Category(models.Model):
    KINDS = [("event", _("Event")), ("component", _("Component")), ("governance", _("Governance"))]

    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="categories")
    kind = models.CharField(_("kind"), max_length=16, choices=KINDS)
    code = models.CharField(_("code"), max_length=16)
    name = models.CharField(_("name"), max_length=64)
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="children")
    department = models.ForeignKey(Department, on_delete=models.SET_NULL, null=True, blank=True, related_name="categories")
    register_limit = models.DecimalField(_("time to register"), max_digits=6, decimal_places=2, default=2)
    register_unit = models.CharField(max_length=16, choices=UNIT_CHOICES, default=WORKING_HOURS)
    dispatch_limit = models.DecimalField(_("time to dispatch"), max_digits=6, decimal_places=2, default=2)
    dispatch_unit = models.CharField(max_length=16, choices=UNIT_CHOICES, default=WORKING_HOURS)
    handle_limit = models.DecimalField(_("time to handle"), max_digits=6, decimal_places=2, default=3)
    handle_unit = models.CharField(max_length=16, choices=UNIT_CHOICES, default=WORKING_DAYS)
    closing_conditions = models.TextField(_("closing conditions"), blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        unique_together = [("district", "code")]
        ordering = ["district", "code"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self):
        return f"{self.code} {self.name}"


class CalendarDay(models.Model):
    """An exception to the weekly rhythm: a public holiday, or a weekend day worked (调休)."""

    KINDS = [("holiday", _("Public holiday")), ("workday", _("Adjusted working day"))]
    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="calendar_days")
    day = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=8, choices=KINDS)
    name = models.CharField(_("name"), max_length=32, blank=True)

    class Meta:
        unique_together = [("district", "day")]
        ordering = ["district", "day"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")


class Case(models.Model):
    STATES = [
        ("reported", _("Reported")),
        ("registered", _("Registered")),
        ("voided", _("Voided")),
        ("dispatched", _("Dispatched")),
        ("handling", _("Handling")),
        ("handled", _("Handled")),
        ("verified", _("Verified")),
        ("closed", pgettext_lazy("case", "Closed")),
        ("evaluated", _("Evaluated")),
    ]
    LEVELS = [("grid", _("Grid")), ("community", _("Community")), ("subdistrict", _("Subdistrict")), ("district", _("District"))]
    SOURCES = [
        ("patrol", _("Patrol")),
        ("resident", _("Resident")),
        ("staff", _("Staff on behalf of a resident")),
        ("desk", _("One-window desk")),
        ("hotline", _("Hotline")),
        ("api", _("API")),
        ("open311", _("Open311")),
    ]

    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="cases")
    number = models.CharField(_("number"), max_length=32, unique=True)
    idem_key = models.CharField(max_length=64)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="cases", verbose_name=_("category"))
    source = models.CharField(_("source"), max_length=16, choices=SOURCES)
    grid = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="cases", verbose_name=_("grid"))
    node_path = models.CharField(max_length=255)  # the grid's path: the scoping key
    building = models.ForeignKey(Node, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    lon = models.FloatField()
    lat = models.FloatField()
    address = models.CharField(_("address"), max_length=200, blank=True)
    description = models.TextField(_("description"))
    reporter = models.ForeignKey("people.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="reported_cases")
    reporter_name = models.CharField(_("reporter"), max_length=64, blank=True)
    reporter_phone = models.CharField(_("reporter's phone"), max_length=20, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    state = models.CharField(_("state"), max_length=16, choices=STATES, default="reported")
    level = models.CharField(_("level"), max_length=16, choices=LEVELS, default="grid")
    department = models.ForeignKey(Department, on_delete=models.SET_NULL, null=True, blank=True, related_name="cases", verbose_name=_("department"))
    joint = models.BooleanField(_("joint handling"), default=False)
    # Deadline of the current stage; the worker warns, marks overdue and escalates on it.
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    handle_deadline = models.DateTimeField(null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    overdue_at = models.DateTimeField(null=True, blank=True)
    was_overdue = models.BooleanField(default=False)
    extended = models.BooleanField(default=False)
    extension_requested = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    rework_count = models.PositiveSmallIntegerField(default=0)
    escalations = models.PositiveSmallIntegerField(default=0)
    reported_at = models.DateTimeField()
    registered_at = models.DateTimeField(null=True, blank=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_on_time = models.BooleanField(null=True)
    version = models.PositiveIntegerField(default=0)
    # Audit trail (gridgov.audit): who changed what, when; service updates are recorded from Transition.
    history = HistoricalRecords(user_related_name="+")

    class Meta:
        ordering = ["-reported_at"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        constraints = [models.UniqueConstraint(fields=["district", "idem_key"], name="case_idem_key_unique")]
        indexes = [
            models.Index(fields=["node_path"]),
            models.Index(fields=["district", "state"]),
            models.Index(fields=["deadline"]),
            models.Index(fields=["district", "reported_at"]),
            models.Index(fields=["department", "state"]),
            # The big screen's "closed today" and its 30-day trend of closures.
            models.Index(fields=["district", "closed_at"]),
        ]

    def __str__(self):
        return self.number


class Assignment(models.Model):
    """A department working on a case: the lead, and the others summoned for joint handling 联办."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assignments")
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="assignments")
    lead = models.BooleanField(default=False)
    done = models.BooleanField(default=False)
    note = models.TextField(blank=True)

    class Meta:
        unique_together = [("case", "department")]


class Transition(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="transitions")
    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="+")
    action = models.CharField(_("action"), max_length=32)
    from_state = models.CharField(max_length=16)
    to_state = models.CharField(max_length=16)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    actor_name = models.CharField(max_length=64, blank=True)
    at = models.DateTimeField()
    comment = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["district", "at"])]


class Attachment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    transition = models.ForeignKey(Transition, on_delete=models.SET_NULL, null=True, blank=True, related_name="attachments")
    file = models.FileField(upload_to="cases/%Y/%m/")
    name = models.CharField(max_length=128)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(auto_now_add=True)


class Evaluation(models.Model):
    RATINGS = [("satisfied", _("Satisfied")), ("basic", _("Basically satisfied")), ("unsatisfied", _("Unsatisfied"))]
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="evaluations")
    rating = models.CharField(_("rating"), max_length=16, choices=RATINGS)
    comment = models.TextField(_("comment"), blank=True)
    at = models.DateTimeField()


class Patrol(models.Model):
    """A patrol check-in 巡查: 每日巡、经常访、及时记、随手做、实时报."""

    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="patrols")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="patrols")
    grid = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="patrols")
    node_path = models.CharField(max_length=255)
    day = models.DateField(_("day"))
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    track = models.JSONField(default=list, blank=True)  # [[lon, lat, unix seconds], …]
    visits = models.PositiveSmallIntegerField(_("household visits"), default=0)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["node_path"]), models.Index(fields=["district", "day"]),
            # GET /api/patrols lists a scope newest first: without it PostgreSQL sorts the whole scope.
            models.Index(fields=["started_at"]),
        ]
        verbose_name = _("patrol")
        verbose_name_plural = _("patrols")


class CaseCounter(models.Model):
    """Per district and day, the last serial used in case numbers."""

    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        unique_together = [("district", "day")]


from .models_open311 import Open311Key  # noqa: E402,F401
