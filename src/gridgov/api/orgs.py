"""Organisation registry endpoints: party organisations, partner units, agreements, alliances, expanded
committees, service centres and a grid's
staffing checklist. Thin: gridgov.orgs.services does the work; every query goes through scoping.scope()."""
from typing import Literal, Optional

from django.http import Http404
from ninja import Field, Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from gridgov.hierarchy.models import CELL_KINDS
from gridgov.orgs import services
from gridgov.orgs.models import Agreement, PartnerUnit, PartyOrg, ServiceCentre
from gridgov.people import pii, roles, scoping

from .errors import MAX_OFFSET, documented

router = Router()

OrgKind = Literal[tuple(code for code, _label in PartyOrg.KINDS)]
UnitKind = Literal[tuple(code for code, _label in PartnerUnit.KINDS)]
AgreementStatus = Literal[tuple(code for code, _label in Agreement.STATUSES)]
CentreKind = Literal[tuple(code for code, _label in ServiceCentre.KINDS)]
MAX_PAGE = 200
SEARCH = dict(max_length=100, pattern=r"^[^\x00-\x1f\x7f]*$")


class Pagination(LimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(50, ge=1, le=MAX_PAGE)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)


class PartyOrgOut(Schema):
    id: int
    name: str
    kind: OrgKind
    kind_label: str
    node_id: int
    node_name: str
    parent_id: Optional[int] = Field(description="the parent may lie outside your area")
    is_grid_branch: bool
    meets_standard: bool
    weak_and_lax: bool
    honours: list[str]
    secretary: Optional[str] = Field(description="the secretary's name, or null")

    @staticmethod
    def resolve_kind_label(obj):
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_node_name(obj):
        return obj.node.name

    @staticmethod
    def resolve_secretary(obj):
        return obj.secretary.name if obj.secretary_id else None


class PartyOrgDetailOut(PartyOrgOut):
    rectification_plan: str


class PartnerUnitOut(Schema):
    id: int
    name: str
    kind: UnitKind
    kind_label: str
    node_id: int
    node_name: str
    address: str
    contact_name: str
    party_org_id: Optional[int]

    @staticmethod
    def resolve_kind_label(obj):
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_node_name(obj):
        return obj.node.name


class AgreementOut(Schema):
    id: int
    node_id: int
    signed: str
    end: Optional[str]
    commitments: str
    status: str

    @staticmethod
    def resolve_signed(obj):
        return obj.signed.isoformat()

    @staticmethod
    def resolve_end(obj):
        return obj.end.isoformat() if obj.end else None


class PartnerUnitDetailOut(PartnerUnitOut):
    contact_phone: str = Field(description="masked, like every phone in an answer")
    agreements: list[AgreementOut]

    @staticmethod
    def resolve_contact_phone(obj):
        return pii.mask_phone(obj.contact_phone)

    @staticmethod
    def resolve_agreements(obj):
        return obj.visible_agreements


class ServiceCentreOut(Schema):
    id: int
    name: str
    kind: CentreKind
    kind_label: str
    node_id: int
    node_name: str
    lon: Optional[float]
    lat: Optional[float]
    opening_hours: str
    services: list[str]
    serves_firms: int

    @staticmethod
    def resolve_kind_label(obj):
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_node_name(obj):
        return obj.node.name


class AgreementListOut(AgreementOut):
    node_name: str
    partner_unit_id: int
    partner_unit_name: str
    status_label: str

    @staticmethod
    def resolve_node_name(obj):
        return obj.node.name

    @staticmethod
    def resolve_partner_unit_name(obj):
        return obj.partner_unit.name

    @staticmethod
    def resolve_status_label(obj):
        return str(obj.get_status_display())


class NamedOut(Schema):
    id: int
    name: str


class AllianceOut(Schema):
    id: int
    name: str
    node_id: int = Field(description="the subdistrict")
    node_name: str

    @staticmethod
    def resolve_node_name(obj):
        return obj.node.name


class AllianceDetailOut(AllianceOut):
    partner_units: list[NamedOut] = Field(description="member partner units (some may lie outside your area)")
    party_orgs: list[NamedOut] = Field(description="member party organisations (some may lie outside your area)")

    @staticmethod
    def resolve_partner_units(obj):
        return list(obj.partner_units.all())

    @staticmethod
    def resolve_party_orgs(obj):
        return list(obj.party_orgs.all())


class CommitteeMemberOut(Schema):
    id: int
    name: str
    role: str
    unit_name: str
    partner_unit_id: Optional[int]
    external: bool


class CommitteeOut(Schema):
    id: int
    name: str
    node_id: int
    node_name: str
    level: str = Field(description="community (大党委) or subdistrict (大工委)")

    @staticmethod
    def resolve_node_name(obj):
        return obj.node.name

    @staticmethod
    def resolve_level(obj):
        return obj.node.kind


class CommitteeDetailOut(CommitteeOut):
    members: list[CommitteeMemberOut]

    @staticmethod
    def resolve_members(obj):
        return list(obj.members.all())


class StaffingItemOut(Schema):
    code: str = Field(description="grid_chief, road_chief, beat_officer, judicial_officer, market_supervisor, secretary, service_team, venue")
    label: str
    filled: bool
    people: list[str]
    detail: str = Field(description="the venue's name, for the venue item")


class StaffingOut(Schema):
    grid_id: int
    grid_name: str
    branch_id: Optional[int]
    complete: bool
    items: list[StaffingItemOut]


# ---------------------------------------------------------------- endpoints

@router.get("/party-orgs", response=documented(list[PartyOrgOut]), summary="Party organisations in your area")
@paginate(Pagination)
def party_orgs(request, q: str = Query("", **SEARCH, description="part of the name"), kind: Optional[OrgKind] = Query(None)):
    return services.party_orgs(request.auth, q.strip(), kind or "").select_related("secretary")


@router.get("/party-orgs/{org_id}", response=documented(PartyOrgDetailOut), summary="One party organisation")
def party_org(request, org_id: int):
    org = services.scoped(PartyOrg, request.auth).select_related("node", "secretary").filter(pk=org_id).first()
    if org is None:
        raise Http404  # missing or out of scope: the same answer
    return org


@router.get("/partner-units", response=documented(list[PartnerUnitOut]), summary="Partner units in your area")
@paginate(Pagination)
def partner_units(request, q: str = Query("", **SEARCH, description="part of the name"), kind: Optional[UnitKind] = Query(None)):
    return services.partner_units(request.auth, q.strip(), kind or "")


@router.get("/partner-units/{unit_id}", response=documented(PartnerUnitDetailOut), summary="One partner unit with its agreements")
def partner_unit(request, unit_id: int):
    unit = services.partner_unit(request.auth, unit_id)
    if unit is None:
        raise Http404
    unit.visible_agreements = list(services.agreements(request.auth, unit))
    return unit


@router.get("/service-centres", response=documented(list[ServiceCentreOut]), summary="Party-mass service centres in your area")
@paginate(Pagination)
def service_centres(request, q: str = Query("", **SEARCH, description="part of the name"), kind: Optional[CentreKind] = Query(None)):
    return services.service_centres(request.auth, q.strip(), kind or "")


@router.get("/service-centres/{centre_id}", response=documented(ServiceCentreOut), summary="One party-mass service centre")
def service_centre(request, centre_id: int):
    centre = services.service_centre(request.auth, centre_id)
    if centre is None:
        raise Http404
    return centre


@router.get("/agreements", response=documented(list[AgreementListOut]), summary="Co-building agreements in your area")
@paginate(Pagination)
def agreements(request, q: str = Query("", **SEARCH, description="part of the partner unit's name"),
               status: Optional[AgreementStatus] = Query(None)):
    return services.agreements(request.auth, q=q.strip(), status=status or "").order_by("-signed", "pk")


@router.get("/agreements/{agreement_id}", response=documented(AgreementListOut), summary="One co-building agreement")
def agreement(request, agreement_id: int):
    found = services.agreement(request.auth, agreement_id)
    if found is None:
        raise Http404
    return found


@router.get("/alliances", response=documented(list[AllianceOut]), summary="Party-building alliances in your area")
@paginate(Pagination)
def alliances(request, q: str = Query("", **SEARCH, description="part of the name")):
    return services.alliances(request.auth, q.strip()).order_by("node__path", "name", "pk")


@router.get("/alliances/{alliance_id}", response=documented(AllianceDetailOut), summary="One party-building alliance with its members")
def alliance(request, alliance_id: int):
    found = services.alliance(request.auth, alliance_id)
    if found is None:
        raise Http404
    return found


@router.get("/expanded-committees", response=documented(list[CommitteeOut]), summary="Expanded committees (大党委/大工委) in your area")
@paginate(Pagination)
def expanded_committees(request, q: str = Query("", **SEARCH, description="part of the name")):
    return services.expanded_committees(request.auth, q.strip()).order_by("node__path", "name", "pk")


@router.get("/expanded-committees/{committee_id}", response=documented(CommitteeDetailOut), summary="One expanded committee with its members")
def expanded_committee(request, committee_id: int):
    found = services.expanded_committee(request.auth, committee_id)
    if found is None:
        raise Http404
    return found


@router.get("/grids/{node_id}/staffing", response=documented(StaffingOut), summary="A grid's staffing checklist (五长一队一阵地)")
def grid_staffing(request, node_id: int):
    grid = scoping.scoped_nodes(request.auth, roles.VIEW).select_related("district").filter(pk=node_id, kind__in=CELL_KINDS).first()
    if grid is None:
        raise Http404
    checklist = services.staffing(grid)
    return {
        "grid_id": grid.pk, "grid_name": grid.name, "branch_id": checklist.branch.pk if checklist.branch else None,
        "complete": checklist.complete,
        "items": [{"code": i.code, "label": str(i.label), "filled": i.filled, "people": i.people, "detail": i.detail}
                  for i in checklist.items],
    }


# ---------------------------------------------------------------- coordination committees and 挂点包片

class CoordinationMemberOut(Schema):
    name: str
    unit_name: str
    role: str


class CoordinationCommitteeOut(Schema):
    id: int
    name: str
    node_id: int
    node_name: str
    level: str = Field(description="the node's level: district, subdistrict or community")
    members: list[CoordinationMemberOut]

    @staticmethod
    def resolve_node_name(obj):
        return obj.node.name

    @staticmethod
    def resolve_level(obj):
        return obj.node.kind

    @staticmethod
    def resolve_members(obj):
        return list(obj.members.all())


class LeaderAssignmentOut(Schema):
    id: int
    leader_name: str
    title: str
    node_id: int
    node_name: str
    since: Optional[str]

    @staticmethod
    def resolve_leader_name(obj):
        return obj.leader.name

    @staticmethod
    def resolve_node_name(obj):
        return obj.node.name

    @staticmethod
    def resolve_since(obj):
        return obj.since.isoformat() if obj.since else None


@router.get("/coordination-committees", response=documented(list[CoordinationCommitteeOut]),
            summary="Party-building coordination committees 党建工作协调委员会 in your area")
@paginate(Pagination)
def coordination_committees(request):
    return services.coordination_committees(request.auth).prefetch_related("members")


@router.get("/leader-assignments", response=documented(list[LeaderAssignmentOut]), summary="Leaders' assignments 挂点包片 in your area")
@paginate(Pagination)
def leader_assignments(request):
    return services.leader_assignments(request.auth)
