"""Domain operations on organisations: creating party organisations, partner units, agreements,
alliances, expanded committees and service centres with their rules, and the scoped queries."""
import datetime

from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.hierarchy.models import CELL_KINDS, Node
from gridgov.hierarchy.services import subtree_q
from gridgov.people import roles, scoping

from .models import (
    COORDINATION_LEVELS, SERVICE_FIELDS, Agreement, Alliance, CoordinationCommittee, CoordinationMember, ExpandedCommittee,
    ExpandedCommitteeMember, LeaderAssignment, PartnerUnit, PartyOrg, ServiceCentre, ServiceTeam, ServiceTeamMember,
)


class OrgError(ValueError):
    """A change to the organisations that breaks their rules; the message is for the user."""


# Which kinds may sit directly under which: a party group is the bottom, a branch holds only groups.
ALLOWED_CHILDREN = {
    "committee": {"committee", "working_committee", "general_branch", "branch", "group"},
    "working_committee": {"committee", "general_branch", "branch", "group"},
    "general_branch": {"branch", "group"},
    "branch": {"group"},
    "group": set(),
}
KIND_LABELS = dict(PartyOrg.KINDS)
# The levels at which partner units and agreements are registered and committees formed.
UNIT_LEVELS = ("community", "subdistrict")
CENTRE_LEVELS = {"subdistrict_centre": ("subdistrict",), "community_centre": ("community",)}


def _in_subtree(node, root):
    return node.path.startswith(root.path)


def _same_district(district, *objects):
    for obj in objects:
        if obj is not None and obj.district_id != district.pk:
            raise OrgError(_("“%(name)s” belongs to another district.") % {"name": obj})


# ---------------------------------------------------------------- party organisations

def check_party_org(org, check_clash=True):
    """Raise OrgError when `org` (saved or not) breaks a rule of the organisation tree.

    Bulk builders that guarantee one grid branch per cell pass check_clash=False to save a query."""
    district, node, parent = org.district, org.node, org.parent
    _same_district(district, node, parent)
    if org.kind not in KIND_LABELS:
        raise OrgError(_("Unknown kind of party organisation: %(kind)s.") % {"kind": org.kind})
    if not (org.name or "").strip():
        raise OrgError(_("A party organisation needs a name."))
    if org.is_grid_branch:
        if org.kind != "branch":
            raise OrgError(_("A grid party branch must be of the kind party branch."))
        if node.kind not in CELL_KINDS:
            raise OrgError(_("A grid party branch must be attached to a grid or residents group, not to “%(node)s”.") % {"node": node.name})
        clash = check_clash and PartyOrg.objects.filter(node=node, is_grid_branch=True).exclude(pk=org.pk).exists()
        if clash:
            raise OrgError(_("“%(node)s” already has a grid party branch.") % {"node": node.name})
    if parent is not None:
        if org.pk is not None and parent.pk == org.pk:
            raise OrgError(_("An organisation cannot be its own parent."))
        if org.kind not in ALLOWED_CHILDREN[parent.kind]:
            raise OrgError(_("A %(child)s cannot be placed under a %(parent)s.") % {
                "child": KIND_LABELS[org.kind], "parent": KIND_LABELS[parent.kind]})
        if not _in_subtree(node, parent.node):
            raise OrgError(_("“%(name)s” must be attached inside the area of its parent organisation “%(parent)s”.") % {
                "name": org.name, "parent": parent.name})
    if org.weak_and_lax and not (org.rectification_plan or "").strip():
        raise OrgError(_("A weak and lax organisation needs a rectification plan."))
    if org.weak_and_lax and org.meets_standard:
        raise OrgError(_("A weak and lax organisation cannot meet the standard."))
    if not isinstance(org.honours, list):
        raise OrgError(_("Honours must be a list."))


def create_party_org(district, kind, name, node, parent=None, *, is_grid_branch=False, meets_standard=False,
                     weak_and_lax=False, rectification_plan="", honours=None):
    org = PartyOrg(district=district, kind=kind, name=name.strip(), node=node, parent=parent,
                   is_grid_branch=is_grid_branch, meets_standard=meets_standard, weak_and_lax=weak_and_lax,
                   rectification_plan=rectification_plan, honours=list(honours or []))
    check_party_org(org)
    org.save()
    return org


def mark_weak_and_lax(org, plan):
    """Flag `org` as weak and lax (软弱涣散) with its rectification plan; it no longer meets the standard."""
    org.weak_and_lax, org.rectification_plan, org.meets_standard = True, plan, False
    check_party_org(org)
    org.save(update_fields=["weak_and_lax", "rectification_plan", "meets_standard"])
    return org


# ---------------------------------------------------------------- partner units and agreements

def _check_unit_node(district, node):
    _same_district(district, node)
    if node.kind not in UNIT_LEVELS:
        raise OrgError(_("This must be registered with a community or subdistrict, not with “%(node)s”.") % {"node": node.name})


def create_partner_unit(district, name, kind, node, *, address="", contact_name="", contact_phone="", party_org=None):
    _check_unit_node(district, node)
    _same_district(district, party_org)
    if kind not in dict(PartnerUnit.KINDS):
        raise OrgError(_("Unknown kind of partner unit: %(kind)s.") % {"kind": kind})
    if not name.strip():
        raise OrgError(_("A partner unit needs a name."))
    if contact_phone and not contact_phone.replace("-", "").isdigit():
        raise OrgError(_("The contact phone may contain only digits and hyphens."))
    return PartnerUnit.objects.create(district=district, name=name.strip(), kind=kind, node=node, address=address,
                                      contact_name=contact_name, contact_phone=contact_phone, party_org=party_org)


def agreement_status(end, today=None):
    today = today or datetime.date.today()
    return "ended" if end is not None and end < today else "active"


def create_agreement(partner_unit, node, signed, *, end=None, commitments="", today=None):
    district = partner_unit.district
    _check_unit_node(district, node)
    if end is not None and end < signed:
        raise OrgError(_("An agreement cannot end before it is signed."))
    return Agreement.objects.create(district=district, partner_unit=partner_unit, node=node, signed=signed, end=end,
                                    commitments=commitments, status=agreement_status(end, today))


# ---------------------------------------------------------------- alliances and expanded committees

def create_alliance(district, node, name, partner_units=(), party_orgs=()):
    _same_district(district, node, *partner_units, *party_orgs)
    if node.kind != "subdistrict":
        raise OrgError(_("A party-building alliance is formed in a subdistrict."))
    for member in list(partner_units) + list(party_orgs):
        if not _in_subtree(member.node, node):
            raise OrgError(_("“%(name)s” is outside the alliance's subdistrict.") % {"name": member})
    alliance = Alliance.objects.create(district=district, node=node, name=name)
    alliance.partner_units.set(partner_units)
    alliance.party_orgs.set(party_orgs)
    return alliance


def create_expanded_committee(district, node, name=""):
    _check_unit_node(district, node)
    if ExpandedCommittee.objects.filter(node=node).exists():
        raise OrgError(_("“%(node)s” already has an expanded committee.") % {"node": node.name})
    # A community forms a 大党委, a subdistrict a 大工委.
    default = _("Expanded party committee") if node.kind == "community" else _("Expanded working committee")
    return ExpandedCommittee.objects.create(district=district, node=node, name=name or f"{node.name}{default}")


def add_committee_member(committee, name, role, *, unit_name="", partner_unit=None, external=None):
    _same_district(committee.district, partner_unit)
    if not name.strip() or not role.strip():
        raise OrgError(_("A committee member needs a name and a role."))
    if partner_unit is not None:
        unit_name = unit_name or partner_unit.name
    # A member from a partner unit is external unless said otherwise.
    external = partner_unit is not None if external is None else external
    return ExpandedCommitteeMember.objects.create(committee=committee, name=name.strip(), role=role.strip(),
                                                  unit_name=unit_name, partner_unit=partner_unit, external=external)


def joined_organisations(district):
    """Distinct organisations that joined an alliance or an expanded committee (Guandu's "700+")."""
    units = set(PartnerUnit.objects.filter(district=district).filter(
        Q(alliances__isnull=False) | Q(committee_seats__isnull=False)).values_list("pk", flat=True))
    orgs = set(PartyOrg.objects.filter(district=district, alliances__isnull=False).values_list("pk", flat=True))
    return len(units) + len(orgs)


# ---------------------------------------------------------------- service centres

def create_service_centre(district, node, name, kind, *, lon=None, lat=None, opening_hours="", services=(), serves_firms=0):
    _same_district(district, node)
    if kind not in dict(ServiceCentre.KINDS):
        raise OrgError(_("Unknown kind of service centre: %(kind)s.") % {"kind": kind})
    if kind in CENTRE_LEVELS and node.kind not in CENTRE_LEVELS[kind]:
        raise OrgError(_("This kind of centre belongs to a node of another level than “%(node)s”.") % {"node": node.name})
    if (lon is None) != (lat is None) or (lon is not None and not (-180 <= lon <= 180 and -90 <= lat <= 90)):
        raise OrgError(_("The location needs a valid longitude and latitude."))
    if serves_firms < 0:
        raise OrgError(_("The number of firms served cannot be negative."))
    return ServiceCentre.objects.create(district=district, node=node, name=name, kind=kind, lon=lon, lat=lat,
                                        opening_hours=opening_hours, services=list(services), serves_firms=serves_firms)


# ---------------------------------------------------------------- scoped queries
# Every read for a user goes through scoping.scope() on the row's node path.

def scoped(model, user, perm=roles.VIEW):
    return scoping.scope(model.objects.all(), user, "node__path", perm)


def party_orgs(user, q="", kind=""):
    qs = scoped(PartyOrg, user).select_related("node", "parent")
    if q:
        qs = qs.filter(name__icontains=q)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def party_org(user, pk):
    """The organisation `pk` if the user may see it, else None."""
    return scoped(PartyOrg, user).select_related("node", "parent", "district").filter(pk=pk).first()


def children_of(user, org):
    # An aggregate drops Meta.ordering, so the order is restated for stable pages.
    return (scoped(PartyOrg, user).filter(parent=org).select_related("node")
            .annotate(n_children=Count("children")).order_by("node__path", "kind", "name"))


def partner_units(user, q="", kind=""):
    qs = (scoped(PartnerUnit, user).select_related("node", "party_org")
          .annotate(n_agreements=Count("agreements")).order_by("node__path", "name", "pk"))
    if q:
        qs = qs.filter(name__icontains=q)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def partner_unit(user, pk):
    return scoped(PartnerUnit, user).select_related("node", "party_org", "district").filter(pk=pk).first()


def agreements(user, partner_unit=None, q="", status=""):
    qs = scoped(Agreement, user).select_related("node", "partner_unit")
    if partner_unit is not None:
        qs = qs.filter(partner_unit=partner_unit)
    if q:
        qs = qs.filter(partner_unit__name__icontains=q)
    if status:
        qs = qs.filter(status=status)
    return qs


def agreement(user, pk):
    return scoped(Agreement, user).select_related("node", "partner_unit").filter(pk=pk).first()


def service_centres(user, q="", kind=""):
    qs = scoped(ServiceCentre, user).select_related("node")
    if q:
        qs = qs.filter(name__icontains=q)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def service_centre(user, pk):
    return scoped(ServiceCentre, user).select_related("node").filter(pk=pk).first()


def alliances(user, q=""):
    qs = scoped(Alliance, user).select_related("node")
    if q:
        qs = qs.filter(name__icontains=q)
    return qs


def alliance(user, pk):
    return scoped(Alliance, user).select_related("node").prefetch_related("partner_units", "party_orgs").filter(pk=pk).first()


def expanded_committees(user, q=""):
    qs = scoped(ExpandedCommittee, user).select_related("node")
    if q:
        qs = qs.filter(name__icontains=q)
    return qs


def expanded_committee(user, pk):
    return (scoped(ExpandedCommittee, user).select_related("node")
            .prefetch_related("members__partner_unit").filter(pk=pk).first())


# ---------------------------------------------------------------- grid staffing: 五长一队一阵地

# The five chiefs 五长, in the order of the checklist, by the Post role that fills each.
CHIEF_ROLES = ("grid_chief", "road_chief", "beat_officer", "judicial_officer", "market_supervisor")


@dataclass
class StaffingItem:
    code: str  # a chief's role code, or "secretary", "service_team", "venue"
    label: str
    people: list = field(default_factory=list)  # names (chiefs, secretary, team members "name（field）")
    detail: str = ""

    @property
    def filled(self):
        return bool(self.people or self.detail)


@dataclass
class Staffing:
    grid: object
    branch: object
    items: list

    @property
    def complete(self):
        return all(item.filled for item in self.items)

    @property
    def missing(self):
        return [item for item in self.items if not item.filled]


def _active(qs, prefix=""):
    today = timezone.localdate()
    return qs.filter(Q(**{f"{prefix}start__isnull": True}) | Q(**{f"{prefix}start__lte": today})).filter(
        Q(**{f"{prefix}end__isnull": True}) | Q(**{f"{prefix}end__gte": today}))


def staffing_many(grids):
    """The 五长一队一阵地 checklist of each grid in `grids`, in a fixed number of queries."""
    from gridgov.people import roles as role_defs
    from gridgov.people.models import Post

    grids = list(grids)
    ids = [g.pk for g in grids]
    chiefs = {}
    posts = _active(Post.objects.filter(node_id__in=ids, role__in=CHIEF_ROLES)).select_related("person").order_by("pk")
    for post in posts:
        chiefs.setdefault((post.node_id, post.role), []).append(post.person.name)
    branches = {o.node_id: o for o in PartyOrg.objects.filter(node_id__in=ids, is_grid_branch=True).select_related("secretary")}
    teams = {t.node_id: t for t in ServiceTeam.objects.filter(node_id__in=ids).select_related("centre")}
    members = {}
    field_labels = dict(SERVICE_FIELDS)
    for m in ServiceTeamMember.objects.filter(team__in=teams.values()).select_related("person").order_by("team_id", "field", "pk"):
        members.setdefault(m.team_id, []).append(f"{m.person.name}（{field_labels[m.field]}）")
    result = []
    for grid in grids:
        items = [StaffingItem(role, str(role_defs.ROLES[role].label), chiefs.get((grid.pk, role), [])) for role in CHIEF_ROLES]
        branch = branches.get(grid.pk)
        items.append(StaffingItem("secretary", _("Branch secretary"),
                                  [branch.secretary.name] if branch is not None and branch.secretary_id else []))
        team = teams.get(grid.pk)
        items.append(StaffingItem("service_team", _("Comprehensive service team"), members.get(team.pk, []) if team else []))
        venue = ""
        if team is not None:
            venue = team.centre.name if team.centre_id else team.venue
        items.append(StaffingItem("venue", _("Service venue"), detail=venue))
        result.append(Staffing(grid=grid, branch=branch, items=items))
    return result


def staffing(grid):
    """The checklist of one grid: each of the five chiefs, the branch secretary, the service team
    and the venue, filled or not, with the people."""
    return staffing_many([grid])[0]


def community_grids(community):
    return Node.objects.filter(subtree_q(community.path), kind=community.district.cell_kind).order_by("code")


def community_completeness(community):
    """The share of the community's grids whose checklist is complete, and the incomplete ones."""
    checklists = staffing_many(community_grids(community))
    complete = sum(1 for s in checklists if s.complete)
    total = len(checklists)
    return {"total": total, "complete": complete, "share": complete / total if total else 0.0,
            "incomplete": [s for s in checklists if not s.complete]}


def _check_grid(district, grid):
    _same_district(district, grid)
    if grid.kind not in CELL_KINDS:
        raise OrgError(_("A comprehensive service team belongs to a grid, not to “%(node)s”.") % {"node": grid.name})


def create_service_team(district, grid, name="", *, centre=None, venue=""):
    _check_grid(district, grid)
    _same_district(district, centre)
    if ServiceTeam.objects.filter(node=grid).exists():
        raise OrgError(_("“%(node)s” already has a comprehensive service team.") % {"node": grid.name})
    return ServiceTeam.objects.create(district=district, node=grid, name=name or f"{grid.name}综合服务队", centre=centre,
                                      venue=venue.strip())


def add_team_member(team, person, field_code):
    if field_code not in dict(SERVICE_FIELDS):
        raise OrgError(_("Unknown field of service: %(field)s.") % {"field": field_code})
    _same_district(team.district, person)
    return ServiceTeamMember.objects.create(team=team, person=person, field=field_code)


def set_secretary(org, person):
    _same_district(org.district, person)
    org.secretary = person
    org.save(update_fields=["secretary"])
    return org


# ---------------------------------------------------------------- coordination committees, 挂点包片

def create_coordination_committee(district, node, name=""):
    _same_district(district, node)
    if node.kind not in COORDINATION_LEVELS:
        raise OrgError(_("A coordination committee is formed at a district, subdistrict or community, not at “%(node)s”.") % {"node": node.name})
    if CoordinationCommittee.objects.filter(node=node).exists():
        raise OrgError(_("“%(node)s” already has a coordination committee.") % {"node": node.name})
    return CoordinationCommittee.objects.create(district=district, node=node, name=name or f"{node.name}党建工作协调委员会")


def add_coordination_member(committee, name, role, *, unit_name="", person=None, partner_unit=None):
    _same_district(committee.district, person, partner_unit)
    if not (name or "").strip() or not (role or "").strip():
        raise OrgError(_("A committee member needs a name and a role."))
    if partner_unit is not None:
        unit_name = unit_name or partner_unit.name
    return CoordinationMember.objects.create(committee=committee, name=name.strip(), role=role.strip(), unit_name=unit_name,
                                             person=person, partner_unit=partner_unit)


def assign_leader(leader, node, *, title="", since=None):
    """挂点包片: `leader` (a person of the district) answers for a subdistrict or community."""
    district = leader.district
    _same_district(district, node)
    if node.kind not in ("subdistrict", "community"):
        raise OrgError(_("A leader is assigned to a subdistrict or community, not to “%(node)s”.") % {"node": node.name})
    if LeaderAssignment.objects.filter(leader=leader, node=node).exists():
        raise OrgError(_("%(name)s is already assigned to “%(node)s”.") % {"name": leader.name, "node": node.name})
    return LeaderAssignment.objects.create(district=district, leader=leader, node=node, title=title, since=since)


def coordination_committees(user):
    return scoped(CoordinationCommittee, user).select_related("node").annotate(n_members=Count("members")).order_by("node__path")


def leader_assignments(user):
    return scoped(LeaderAssignment, user).select_related("node", "leader")


def staffing_summary(node):
    """How many grids under `node` have the whole 五长一队一阵地 checklist (the same rule as
    staffing_many, counted set-wise for the dashboards): {"grids", "complete", "rate" (%)}."""
    from gridgov.people.models import Post

    district = node.district
    grids = Node.objects.filter(subtree_q(node.path), district=district, kind__in=CELL_KINDS)
    grid_ids = set(grids.values_list("pk", flat=True))
    if not grid_ids:
        return None
    inside = subtree_q(node.path, "node__path")
    chiefs = {r["node_id"] for r in _active(Post.objects.filter(inside, district=district, role__in=CHIEF_ROLES))
              .values("node_id").annotate(n=Count("role", distinct=True)).order_by() if r["n"] == len(CHIEF_ROLES)}
    secretaries = set(PartyOrg.objects.filter(inside, district=district, is_grid_branch=True, secretary__isnull=False)
                      .values_list("node_id", flat=True))
    teams = set(ServiceTeam.objects.filter(inside, members__isnull=False).filter(Q(centre__isnull=False) | ~Q(venue=""))
                .values_list("node_id", flat=True).distinct())
    complete = len(grid_ids & chiefs & secretaries & teams)
    return {"grids": len(grid_ids), "complete": complete, "rate": round(100.0 * complete / len(grid_ids), 1)}
