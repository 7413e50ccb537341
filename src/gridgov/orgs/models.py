"""Organisation models: party organisations (a tree attached to hierarchy nodes), partner units and
their co-building agreements, alliances, expanded committees and service centres."""
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gridgov.hierarchy.models import District, Node


class PartyOrg(models.Model):
    KINDS = [
        ("committee", _("Party committee")),
        ("working_committee", _("Party working committee")),
        ("general_branch", _("General party branch")),
        ("branch", _("Party branch")),
        ("group", _("Party group")),
    ]

    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="party_orgs", verbose_name=_("district"))
    kind = models.CharField(_("kind"), max_length=24, choices=KINDS)
    name = models.CharField(_("name"), max_length=128)
    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="party_orgs", verbose_name=_("node"))
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="children", verbose_name=_("parent organisation"))
    is_grid_branch = models.BooleanField(_("grid party branch"), default=False)
    meets_standard = models.BooleanField(_("meets the standard"), default=False)
    weak_and_lax = models.BooleanField(_("weak and lax"), default=False)
    rectification_plan = models.TextField(_("rectification plan"), blank=True)
    honours = models.JSONField(_("honours"), default=list, blank=True)
    secretary = models.ForeignKey("people.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("secretary"))

    class Meta:
        ordering = ["node__path", "kind", "name"]
        verbose_name = _("party organisation")
        verbose_name_plural = _("party organisations")
        indexes = [models.Index(fields=["district", "kind"])]
        constraints = [
            # A grid has one grid party branch ("支部建在网格上"); the service checks it first
            # with a readable message, the database guarantees it under concurrent writes.
            models.UniqueConstraint(fields=["node"], condition=Q(is_grid_branch=True), name="orgs_one_grid_branch_per_cell"),
        ]

    def __str__(self):
        return self.name


class PartnerUnit(models.Model):
    KINDS = [
        ("government", _("Government body")),
        ("enterprise", _("Enterprise")),
        ("non_public", _("Non-public firm")),
        ("social_org", _("Social organisation")),
        ("public_institution", _("Public institution")),
    ]

    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="partner_units", verbose_name=_("district"))
    name = models.CharField(_("name"), max_length=128)
    kind = models.CharField(_("kind"), max_length=24, choices=KINDS)
    address = models.CharField(_("address"), max_length=255, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=64, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    party_org = models.ForeignKey(PartyOrg, on_delete=models.SET_NULL, null=True, blank=True, related_name="partner_units", verbose_name=_("party organisation"))
    # The community or subdistrict the unit sits in: it decides who sees the unit.
    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="partner_units", verbose_name=_("node"))

    class Meta:
        ordering = ["node__path", "name"]
        verbose_name = _("partner unit")
        verbose_name_plural = _("partner units")
        indexes = [models.Index(fields=["district", "kind"])]

    def __str__(self):
        return self.name


class Agreement(models.Model):
    STATUSES = [("active", _("Active")), ("ended", _("Ended"))]

    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="agreements", verbose_name=_("district"))
    partner_unit = models.ForeignKey(PartnerUnit, on_delete=models.CASCADE, related_name="agreements", verbose_name=_("partner unit"))
    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="agreements", verbose_name=_("node"))
    signed = models.DateField(_("signed on"))
    end = models.DateField(_("ends on"), null=True, blank=True)
    commitments = models.TextField(_("commitments"), blank=True)
    status = models.CharField(_("status"), max_length=12, choices=STATUSES, default="active")

    class Meta:
        ordering = ["-signed", "pk"]
        verbose_name = _("co-building agreement")
        verbose_name_plural = _("co-building agreements")
        indexes = [models.Index(fields=["district", "status"])]

    def __str__(self):
        return f"{self.partner_unit} · {self.node.name}"


class Alliance(models.Model):
    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="alliances", verbose_name=_("district"))
    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="alliances", verbose_name=_("subdistrict"))
    name = models.CharField(_("name"), max_length=128)
    partner_units = models.ManyToManyField(PartnerUnit, blank=True, related_name="alliances", verbose_name=_("member partner units"))
    party_orgs = models.ManyToManyField(PartyOrg, blank=True, related_name="alliances", verbose_name=_("member party organisations"))

    class Meta:
        ordering = ["node__path"]
        verbose_name = _("party-building alliance")
        verbose_name_plural = _("party-building alliances")

    def __str__(self):
        return self.name


class ExpandedCommittee(models.Model):
    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="expanded_committees", verbose_name=_("district"))
    # A community's is a 大党委, a subdistrict's a 大工委.
    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="expanded_committees", verbose_name=_("node"))
    name = models.CharField(_("name"), max_length=128)

    class Meta:
        ordering = ["node__path"]
        verbose_name = _("expanded committee")
        verbose_name_plural = _("expanded committees")

    def __str__(self):
        return self.name


class ExpandedCommitteeMember(models.Model):
    committee = models.ForeignKey(ExpandedCommittee, on_delete=models.CASCADE, related_name="members", verbose_name=_("expanded committee"))
    name = models.CharField(_("name"), max_length=64)
    unit_name = models.CharField(_("unit"), max_length=128, blank=True)
    # Set when the member comes from a registered partner unit: lets us count joined units.
    partner_unit = models.ForeignKey(PartnerUnit, on_delete=models.SET_NULL, null=True, blank=True, related_name="committee_seats", verbose_name=_("partner unit"))
    role = models.CharField(_("role"), max_length=32)
    external = models.BooleanField(_("external member"), default=False)

    class Meta:
        ordering = ["committee", "pk"]
        verbose_name = _("expanded committee member")
        verbose_name_plural = _("expanded committee members")

    def __str__(self):
        return f"{self.name} · {self.role}"


class ServiceCentre(models.Model):
    KINDS = [
        ("subdistrict_centre", _("Subdistrict party-mass service centre")),
        ("community_centre", _("Community party-mass service centre")),
        ("business_district", _("Business-district party-mass service centre")),
        ("red_position", _("Red position")),
    ]

    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="service_centres", verbose_name=_("district"))
    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="service_centres", verbose_name=_("node"))
    name = models.CharField(_("name"), max_length=128)
    kind = models.CharField(_("kind"), max_length=24, choices=KINDS)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=128, blank=True)
    services = models.JSONField(_("services"), default=list, blank=True)
    serves_firms = models.PositiveIntegerField(_("firms served"), default=0)

    class Meta:
        ordering = ["node__path", "kind", "name"]
        verbose_name = _("service centre")
        verbose_name_plural = _("service centres")
        indexes = [models.Index(fields=["district", "kind"])]

    def __str__(self):
        return self.name


# ---------------------------------------------------------------- grid staffing: 五长一队一阵地

SERVICE_FIELDS = [
    ("urban_management", _("Urban management")),
    ("police", _("Police")),
    ("market_supervision", _("Market supervision")),
    ("emergency_management", _("Emergency management")),
    ("utilities", _("Water, power and heating")),
    ("property", _("Property management")),
    ("sanitation", _("Sanitation")),
    ("social_org", _("Social organisations")),
    ("volunteers", _("Volunteers")),
]


class ServiceTeam(models.Model):
    """A grid's comprehensive service team 综合服务队 and its service venue 阵地."""

    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="service_teams", verbose_name=_("district"))
    node = models.OneToOneField(Node, on_delete=models.CASCADE, related_name="service_team", verbose_name=_("grid"))
    name = models.CharField(_("name"), max_length=128)
    # The venue is a registered service centre, or a place named here (a room of a building).
    centre = models.ForeignKey(ServiceCentre, on_delete=models.SET_NULL, null=True, blank=True, related_name="teams", verbose_name=_("service centre"))
    venue = models.CharField(_("service venue"), max_length=128, blank=True)

    class Meta:
        ordering = ["node__path"]
        verbose_name = _("comprehensive service team")
        verbose_name_plural = _("comprehensive service teams")

    def __str__(self):
        return self.name


class ServiceTeamMember(models.Model):
    team = models.ForeignKey(ServiceTeam, on_delete=models.CASCADE, related_name="members", verbose_name=_("comprehensive service team"))
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+", verbose_name=_("person"))
    field = models.CharField(_("field"), max_length=24, choices=SERVICE_FIELDS)

    class Meta:
        ordering = ["team", "field", "pk"]
        verbose_name = _("service team member")
        verbose_name_plural = _("service team members")
        constraints = [models.UniqueConstraint(fields=["team", "person", "field"], name="orgs_team_member_once_per_field")]


# ---------------------------------------------------------------- coordination committees, 挂点包片

COORDINATION_LEVELS = ("district", "subdistrict", "community")


class CoordinationCommittee(models.Model):
    """党建工作协调委员会 of a district, subdistrict or community."""

    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="coordination_committees", verbose_name=_("district"))
    node = models.OneToOneField(Node, on_delete=models.CASCADE, related_name="coordination_committee", verbose_name=_("node"))
    name = models.CharField(_("name"), max_length=128)

    class Meta:
        ordering = ["node__path"]
        verbose_name = _("coordination committee")
        verbose_name_plural = _("coordination committees")

    def __str__(self):
        return self.name


class CoordinationMember(models.Model):
    committee = models.ForeignKey(CoordinationCommittee, on_delete=models.CASCADE, related_name="members", verbose_name=_("coordination committee"))
    name = models.CharField(_("name"), max_length=64)
    unit_name = models.CharField(_("unit"), max_length=128, blank=True)
    role = models.CharField(_("role"), max_length=32)
    person = models.ForeignKey("people.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("person"))
    partner_unit = models.ForeignKey(PartnerUnit, on_delete=models.SET_NULL, null=True, blank=True, related_name="coordination_seats", verbose_name=_("partner unit"))

    class Meta:
        ordering = ["committee", "pk"]
        verbose_name = _("coordination committee member")
        verbose_name_plural = _("coordination committee members")

    def __str__(self):
        return f"{self.name} · {self.role}"


class LeaderAssignment(models.Model):
    """挂点包片: a district leader answers for a subdistrict or community."""

    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="leader_assignments", verbose_name=_("district"))
    leader = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="assignments", verbose_name=_("leader"))
    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="leader_assignments", verbose_name=_("assigned area"))
    title = models.CharField(_("leader's title"), max_length=64, blank=True)
    since = models.DateField(_("since"), null=True, blank=True)

    class Meta:
        ordering = ["node__path", "pk"]
        verbose_name = _("leader's assignment")
        verbose_name_plural = _("leaders' assignments")
        constraints = [models.UniqueConstraint(fields=["leader", "node"], name="orgs_assign_leader_once_per_node")]

    def __str__(self):
        return f"{self.leader} · {self.node.name}"
