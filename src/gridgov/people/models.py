"""People models: Person (one per human, personal data masked by default) and Post (a role held at
a hierarchy node). A user acts only through the posts of the person linked to them."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from gridgov.hierarchy.models import District, Node

from .roles import ROLE_CHOICES


class Person(models.Model):
    GENDERS = [("M", _("Male")), ("F", _("Female"))]

    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="persons")
    name = models.CharField(_("name"), max_length=64)
    gender = models.CharField(_("gender"), max_length=1, choices=GENDERS, blank=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    id_number = models.CharField(_("ID number"), max_length=18, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    home = models.ForeignKey(Node, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("home"))
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="person")
    # Audit trail (gridgov.audit); the audit page masks ID number and phone.
    history = HistoricalRecords(user_related_name="+")

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")

    def __str__(self):
        return self.name


class Post(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="posts")
    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(_("role"), max_length=32, choices=ROLE_CHOICES)
    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="posts", verbose_name=_("node"))
    title = models.CharField(pgettext_lazy("post", "title"), max_length=64, blank=True)
    start = models.DateField(_("start"), null=True, blank=True)
    end = models.DateField(_("end"), null=True, blank=True)

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        indexes = [models.Index(fields=["district", "role"])]

    def __str__(self):
        return f"{self.person} · {self.get_role_display()} · {self.node.name}"


# ---------------------------------------------------------------- party members and dual registration
# Large tables carry district_id and a denormalised node_path (the scoping key): a subtree filter
# is then one range predicate on an indexed column instead of a join through Person and Node.

class PartyMember(models.Model):
    STATUSES = [
        ("full", _("Full member")),
        ("probationary", _("Probationary member")),
        ("transferred_out", _("Transferred out")),
        ("deceased", _("Deceased")),
    ]

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="party_member", verbose_name=_("person"))
    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="+")
    party_org = models.ForeignKey("orgs.PartyOrg", on_delete=models.SET_NULL, null=True, blank=True, related_name="members", verbose_name=_("party organisation"))
    joined = models.DateField(_("joined the party"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=STATUSES, default="full")
    in_service = models.BooleanField(_("in service"), default=False)
    employer = models.CharField(_("employer"), max_length=128, blank=True)
    node_path = models.CharField(max_length=255, db_index=True)
    history = HistoricalRecords(user_related_name="+")  # audit trail (gridgov.audit)

    class Meta:
        verbose_name = _("party member")
        verbose_name_plural = _("party members")
        indexes = [models.Index(fields=["district", "status"])]

    def __str__(self):
        return str(self.person)


class DualRegistration(models.Model):
    """双报到: an in-service member registered with the community (and grid) where they live."""

    member = models.ForeignKey(PartyMember, on_delete=models.CASCADE, related_name="registrations", verbose_name=_("party member"))
    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="+")
    community = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="+", verbose_name=_("community"))
    grid = models.ForeignKey(Node, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("grid"))
    since = models.DateField(_("registered on"))
    active = models.BooleanField(_("active"), default=True)
    node_path = models.CharField(max_length=255, db_index=True)  # the grid's path, else the community's

    class Meta:
        verbose_name = _("dual registration")
        verbose_name_plural = _("dual registrations")
        constraints = [
            # A member is registered with one community at a time.
            models.UniqueConstraint(fields=["member"], condition=models.Q(active=True), name="people_one_active_registration"),
        ]


class VolunteerTeam(models.Model):
    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="+")
    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="+", verbose_name=_("node"))
    name = models.CharField(_("name"), max_length=128)

    class Meta:
        ordering = ["node__path", "name"]
        verbose_name = _("volunteer team")
        verbose_name_plural = _("volunteer teams")

    def __str__(self):
        return self.name


class Volunteer(models.Model):
    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="volunteer", verbose_name=_("person"))
    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="+")
    skills = models.JSONField(_("skills"), default=list, blank=True)
    team = models.ForeignKey(VolunteerTeam, on_delete=models.SET_NULL, null=True, blank=True, related_name="volunteers", verbose_name=_("team"))
    node_path = models.CharField(max_length=255, db_index=True)

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")


class ServiceRecord(models.Model):
    """One ledger for volunteer and dual-registration service: every total is a sum over it."""

    KINDS = [("volunteer", _("Volunteer service")), ("dual_registration", _("Dual-registration service"))]

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="service_records", verbose_name=_("person"))
    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=KINDS)
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=1)
    what = models.CharField(_("service"), max_length=255)
    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="+", verbose_name=_("node"))
    day = models.DateField(_("day"))
    verified_by = models.ForeignKey(Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("verified by"))
    verified_at = models.DateTimeField(null=True, blank=True)
    node_path = models.CharField(max_length=255, db_index=True)

    class Meta:
        ordering = ["-day", "-pk"]
        verbose_name = _("service record")
        verbose_name_plural = _("service records")
        indexes = [models.Index(fields=["district", "kind", "day"])]
        constraints = [models.CheckConstraint(condition=models.Q(hours__gt=0), name="people_service_hours_positive")]


# ---------------------------------------------------------------- residents and households

RESIDENT_TAGS = [
    # Groups of GB/T 31000 (social-governance basic data) that communities keep lists of.
    ("elderly_alone", _("Elderly living alone")),
    ("elderly", _("Elderly (80+)")),
    ("special_care", _("Special-care recipient")),
    ("disabled", _("Disabled")),
    ("low_income", _("Low-income household")),
    ("left_behind_child", _("Left-behind child")),
    ("veteran", _("Veteran")),
    ("community_correction", _("Under community correction")),
    ("floating", _("Floating population")),
]


class Household(models.Model):
    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="+")
    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="+", verbose_name=_("building or entrance"))
    number = models.CharField(_("room number"), max_length=16)

    class Meta:
        ordering = ["node__path", "number"]
        verbose_name = _("household")
        verbose_name_plural = _("households")
        constraints = [models.UniqueConstraint(fields=["node", "number"], name="people_household_unique_room")]

    def __str__(self):
        return f"{self.node.name} {self.number}"


class Resident(models.Model):
    RELATIONS = [
        ("head", _("Head of household")), ("spouse", _("Spouse")), ("child", _("Child")),
        ("parent", _("Parent")), ("grandchild", _("Grandchild")), ("tenant", _("Tenant")), ("other", _("Other")),
    ]

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="resident", verbose_name=_("person"))
    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="+")
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="residents", verbose_name=_("household"))
    relation = models.CharField(_("relation to head"), max_length=12, choices=RELATIONS, default="head")
    tags = models.JSONField(_("tags"), default=list, blank=True)
    node_path = models.CharField(max_length=255, db_index=True)

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")


class AccessLog(models.Model):
    """One row per reveal of personal data in clear: who, whose, which field, why, when."""

    FIELDS = [("id_number", _("ID number")), ("phone", _("phone"))]

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("user"))
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="access_logs", verbose_name=_("person"))
    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="+")
    field = models.CharField(_("field"), max_length=16, choices=FIELDS)
    reason = models.CharField(_("reason"), max_length=255)
    at = models.DateTimeField(_("at"), auto_now_add=True)
    node_path = models.CharField(max_length=255, db_index=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")


# ---------------------------------------------------------------- community workers: 三岗四十级

POST_CATEGORIES = [
    # The three post categories of the ladder; each runs from level 1 to level 40.
    ("head", _("Head post (tier 1)")),
    ("deputy", _("Deputy post (tier 2)")),
    ("staff", _("Staff post (tier 3)")),
]
MAX_LEVEL = 40


class CommunityWorker(models.Model):
    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="community_worker", verbose_name=_("person"))
    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="+")
    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="+", verbose_name=_("community"))
    post_category = models.CharField(_("post category"), max_length=8, choices=POST_CATEGORIES)
    level = models.PositiveSmallIntegerField(_("level"), default=1)
    since = models.DateField(_("in this level since"), null=True, blank=True)
    node_path = models.CharField(max_length=255, db_index=True)

    class Meta:
        verbose_name = _("community worker")
        verbose_name_plural = _("community workers")
        constraints = [
            models.CheckConstraint(condition=models.Q(level__gte=1, level__lte=MAX_LEVEL), name="people_worker_level_range"),
        ]


class WorkerPromotion(models.Model):
    worker = models.ForeignKey(CommunityWorker, on_delete=models.CASCADE, related_name="promotions", verbose_name=_("community worker"))
    day = models.DateField(_("day"))
    from_category = models.CharField(max_length=8, choices=POST_CATEGORIES)
    from_level = models.PositiveSmallIntegerField()
    to_category = models.CharField(max_length=8, choices=POST_CATEGORIES)
    to_level = models.PositiveSmallIntegerField()
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        ordering = ["-day", "-pk"]
        verbose_name = _("promotion")
        verbose_name_plural = _("promotions")


class PayLadder(models.Model):
    """The salary table of one category for one year: monthly pay at level L is
    (base + step × (L − 1)) × (1 + adjustment_pct / 100)."""

    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="+")
    category = models.CharField(_("post category"), max_length=8, choices=POST_CATEGORIES)
    year = models.PositiveSmallIntegerField(_("year"))
    base = models.DecimalField(_("base (level 1)"), max_digits=9, decimal_places=2)
    step = models.DecimalField(_("step per level"), max_digits=9, decimal_places=2)
    adjustment_pct = models.DecimalField(_("yearly adjustment (%)"), max_digits=5, decimal_places=2, default=0)

    class Meta:
        ordering = ["district", "-year", "category"]
        verbose_name = _("pay ladder")
        verbose_name_plural = _("pay ladders")
        constraints = [models.UniqueConstraint(fields=["district", "category", "year"], name="people_one_ladder_per_year")]


# ---------------------------------------------------------------- talent pool

class TalentEntry(models.Model):
    KINDS = [("reserve_cadre", _("Reserve cadre")), ("expert", _("Expert"))]
    FIELDS = [("party_building", _("Party building")), ("governance", _("Grassroots governance"))]

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="talent_entries", verbose_name=_("person"))
    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=KINDS)
    field = models.CharField(_("field"), max_length=16, choices=FIELDS)
    note = models.CharField(_("note"), max_length=255, blank=True)
    node_path = models.CharField(max_length=255, db_index=True)

    class Meta:
        verbose_name = _("talent pool entry")
        verbose_name_plural = _("talent pool")


class TrainingRecord(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="trainings", verbose_name=_("person"))
    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="+")
    course = models.CharField(_("course"), max_length=128)
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=1)
    day = models.DateField(_("day"))
    node_path = models.CharField(max_length=255, db_index=True)

    class Meta:
        ordering = ["-day"]
        verbose_name = _("training record")
        verbose_name_plural = _("training records")
