"""Demo steps "orgs" (party organisations, partner units, agreements, alliances, expanded committees, service
centres at MISSION.md §1.5–1.9 figures), "staffing" (五长一队一阵地) and "coordination" (committees, 挂点包片)."""
import datetime
from dataclasses import dataclass

import numpy as np

from gridgov.demo.build import step
from gridgov.demo.districts import chinese_number
from gridgov.hierarchy.models import Node

from . import services
from .models import (
    SERVICE_FIELDS, Agreement, Alliance, CoordinationCommittee, CoordinationMember, ExpandedCommittee,
    ExpandedCommitteeMember, LeaderAssignment, PartnerUnit, PartyOrg, ServiceCentre, ServiceTeam, ServiceTeamMember,
)


@dataclass(frozen=True)
class OrgFigures:
    """The published figures a district's demo reproduces; None where the district published none."""

    # Party organisations at grid level (grid branches, joint branches); None = one branch per cell.
    grid_orgs: int | None = None
    party_groups: bool = False  # give every grid branch one or two party groups (Saihan: 900+ in total)
    party_org_total: int | None = None  # checked after building
    partner_units: int = 0
    partner_subdistrict: int | None = None  # all partner units in this subdistrict (1-based), else spread
    agreements: bool = False  # one agreement per partner unit
    partner_branches: int = 0  # partner units with their own party branch
    meets_standard: int | None = None  # branches meeting the standard; None = about 90 %
    alliances: bool = False  # one per subdistrict
    expanded_committees: bool = False  # one 大党委 per community
    red_positions: int = 0
    business_district_firms: int = 0  # a business-district centre serving this many firms


FIGURES = {
    # 337 grid party branches, 900+ organisations, 87 red positions, 61 units in 人民路街道.
    "150105": OrgFigures(party_groups=True, partner_units=61, partner_subdistrict=1, agreements=True, red_positions=5),
    # 635 organisations over 1,240 grids: 1 + 7 + 123 above grid level leaves 504 joint grid branches.
    "140105": OrgFigures(grid_orgs=504, party_org_total=635, partner_units=187, agreements=True,
                         business_district_firms=30000),
    # 441 residents-group branches + 300 partner-unit branches, 724 of them meeting the standard;
    # 660 units + 63 community committees = 723 organisations joined the alliances.
    "530111": OrgFigures(partner_units=660, partner_branches=300, meets_standard=724, alliances=True,
                         expanded_committees=True),
}

HONOURS = ["全国先进基层党组织", "自治区先进基层党组织", "五星级党支部", "红旗党支部", "过硬党支部"]
SERVICES = ["党员教育", "政务代办", "法律咨询", "志愿服务", "老年助餐", "四点半课堂", "就业指导", "心理疏导",
            "医疗义诊", "图书阅览", "议事协商", "矛盾调解", "新就业群体驿站", "文体活动"]
HOURS = ["周一至周五 8:30-17:30", "周一至周日 8:30-18:00", "周一至周六 9:00-17:00；节假日值班"]
COMMITMENTS = ["资源共享：开放会议室、活动场地", "党员到社区报到并认领服务岗位", "结对帮扶困难群众",
               "共同开展主题党日活动", "参与网格巡查和环境整治", "提供就业岗位和技能培训", "支持社区公益项目"]
GOVERNMENT = ["派出所", "司法所", "市场监督管理所", "城管执法中队", "税务所", "消防救援站", "供电所"]
PUBLIC = ["第{n}小学", "第{n}中学", "社区卫生服务中心", "人民医院分院", "第{n}幼儿园", "供水服务站"]
SOCIAL = ["社会工作服务中心", "志愿者协会", "慈善协会", "商会", "物业服务企业党建联盟"]
KIND_CYCLE = ["enterprise", "non_public", "non_public", "government", "social_org", "public_institution", "enterprise"]
WEAK_PLAN = "一、调整配强支部班子；二、落实“三会一课”制度；三、街道党工委班子成员包联整顿，限期六个月验收。"


@step("orgs")
def build_orgs(ctx):
    district, spec, rng, faker = ctx.district, ctx.spec, ctx.rng, ctx.faker
    figures = FIGURES.get(spec.code, OrgFigures())
    tree = _Tree(district)
    orgs = _party_orgs(district, spec, tree, figures)
    units = _partner_units(district, spec, tree, figures, orgs, rng, faker)
    _flag_branches(district, figures, rng)
    if figures.agreements:
        _agreements(district, units, rng)
    if figures.alliances:
        _alliances(district, tree, orgs, units)
    if figures.expanded_committees:
        _expanded_committees(district, tree, orgs, units, rng, faker)
    _service_centres(district, tree, figures, rng)
    if figures.party_org_total is not None:
        assert PartyOrg.objects.filter(district=district).count() == figures.party_org_total
    return district


class _Tree:
    """The district's nodes down to the cells, in code order, with each one's parent at hand."""

    def __init__(self, district):
        nodes = list(Node.objects.filter(district=district, kind__in=["district", "subdistrict", "community", district.cell_kind]).order_by("path"))
        self.root = next(n for n in nodes if n.kind == "district")
        self.subdistricts = [n for n in nodes if n.kind == "subdistrict"]
        self.communities = [n for n in nodes if n.kind == "community"]
        self.cells = [n for n in nodes if n.kind == district.cell_kind]
        by_path = {n.path: n for n in nodes}
        self.parent = {n.pk: by_path.get(n.path[: len(n.path) - Node.steplen]) for n in nodes}
        self.cells_of = {c.pk: [] for c in self.communities}
        for cell in self.cells:
            self.cells_of[self.parent[cell.pk].pk].append(cell)
        self.communities_of = {s.pk: [c for c in self.communities if self.parent[c.pk].pk == s.pk] for s in self.subdistricts}


def apportion(total, weights, lo=1, hi=None):
    """Split `total` into integers proportional to `weights`, each within [lo, hi[i]] (largest remainder)."""
    weights = np.asarray(weights, dtype=float)
    hi = np.asarray(hi if hi is not None else [total] * len(weights))
    quota = total * weights / weights.sum()
    parts = np.clip(np.floor(quota).astype(int), lo, hi)
    while parts.sum() < total:
        room = np.where(parts < hi, quota - parts, -np.inf)
        parts[int(np.argmax(room))] += 1
    while parts.sum() > total:
        room = np.where(parts > lo, parts - quota, -np.inf)
        parts[int(np.argmax(room))] -= 1
    return parts.tolist()


def _bulk(orgs):
    for org in orgs:
        services.check_party_org(org, check_clash=False)
    return PartyOrg.objects.bulk_create(orgs)


def _party_orgs(district, spec, tree, figures):
    """The tree level by level (each bulk_create gives the parents' keys to the next level)."""
    top = _bulk([PartyOrg(district=district, kind="committee", node=tree.root, name=f"中共{spec.city}{district.name}委员会")])[0]
    working = _bulk([
        PartyOrg(district=district, kind="working_committee", node=s, parent=top, name=f"中共{district.name}{s.name}工作委员会")
        for s in tree.subdistricts
    ])
    working_of = {o.node_id: o for o in working}
    community_orgs = []
    for comm in tree.communities:
        # Larger communities have a party committee, smaller ones a general branch.
        big = len(tree.cells_of[comm.pk]) >= 5 or figures.expanded_committees
        kind, suffix = ("committee", "委员会") if big else ("general_branch", "总支部委员会")
        community_orgs.append(PartyOrg(district=district, kind=kind, node=comm, parent=working_of[tree.parent[comm.pk].pk],
                                       name=f"中共{comm.name}{suffix}"))
    community_orgs = _bulk(community_orgs)
    community_org_of = {o.node_id: o for o in community_orgs}

    branches = []
    for comm in tree.communities:
        cells = tree.cells_of[comm.pk]
        if figures.grid_orgs is None:  # one grid party branch per cell
            for cell in cells:
                branches.append(PartyOrg(district=district, kind="branch", node=cell, parent=community_org_of[comm.pk],
                                         is_grid_branch=True, name=f"{comm.name}{cell.name}党支部"))
    if figures.grid_orgs is not None:
        # Fewer organisations than grids (Xiaodian): each community's grids are split into runs of
        # neighbouring grids, one joint branch (联合党支部) per run, attached to its first grid.
        sizes = [len(tree.cells_of[c.pk]) for c in tree.communities]
        for comm, k in zip(tree.communities, apportion(figures.grid_orgs, sizes, hi=sizes)):
            cells = tree.cells_of[comm.pk]
            for run in np.array_split(np.arange(len(cells)), k):
                first, last = int(run[0]), int(run[-1])
                if first == last:
                    name = f"{comm.name}{cells[first].name}党支部"
                else:
                    name = f"{comm.name}第{chinese_number(first + 1)}至第{chinese_number(last + 1)}网格联合党支部"
                branches.append(PartyOrg(district=district, kind="branch", node=cells[first], parent=community_org_of[comm.pk],
                                         is_grid_branch=True, name=name))
    branches = _bulk(branches)
    if figures.party_groups:
        groups = []
        for i, branch in enumerate(branches):
            for g in range(1, 3 if i % 2 == 0 else 2):
                groups.append(PartyOrg(district=district, kind="group", node=branch.node, parent=branch,
                                       name=f"{branch.name}第{chinese_number(g)}党小组"))
        _bulk(groups)
    return {"top": top, "working": working_of, "community": community_org_of}


def _unit_name(kind, comm, n, faker):
    if kind == "government":
        return f"{comm.name[:2]}{GOVERNMENT[n % len(GOVERNMENT)]}"
    if kind == "public_institution":
        return f"{comm.name[:2]}{PUBLIC[n % len(PUBLIC)].format(n=chinese_number(n % 9 + 1))}"
    if kind == "social_org":
        return f"{comm.name[:2]}{SOCIAL[n % len(SOCIAL)]}"
    return faker.company()


def _partner_units(district, spec, tree, figures, orgs, rng, faker):
    if not figures.partner_units:
        return []
    if figures.partner_subdistrict is not None:
        sub = tree.subdistricts[figures.partner_subdistrict - 1]
        places = [sub] + tree.communities_of[sub.pk]
    else:
        places = tree.communities
    per_place = apportion(figures.partner_units, [1.0] * len(places))
    units = []
    for place, k in zip(places, per_place):
        comm = place
        for n in range(k):
            # Every place's first unit is the police station, whose chief joins the 大党委.
            kind = "government" if n == 0 else KIND_CYCLE[(n + int(rng.integers(7))) % len(KIND_CYCLE)]
            units.append(PartnerUnit(
                district=district, node=place, kind=kind, name=_unit_name(kind, comm, n, faker),
                address=f"{spec.city}{district.name}{faker.street_name()}{int(rng.integers(1, 400))}号",
                contact_name=faker.name(), contact_phone=faker.phone_number(),
            ))
    units = PartnerUnit.objects.bulk_create(units)
    if figures.partner_branches:
        # The units with their own branch (non-public firms and social organisations first).
        ranked = sorted(units, key=lambda u: (u.kind not in ("non_public", "social_org", "enterprise"), u.pk))
        chosen = sorted(ranked[: figures.partner_branches], key=lambda u: u.pk)
        unit_branches = _bulk([
            PartyOrg(district=district, kind="branch", node=u.node, parent=orgs["community"].get(u.node_id) or orgs["working"][u.node_id],
                     name=f"{u.name}党支部")
            for u in chosen
        ])
        for unit, branch in zip(chosen, unit_branches):
            unit.party_org = branch
        PartnerUnit.objects.bulk_update(chosen, ["party_org"])
    return units


def _flag_branches(district, figures, rng):
    """Standard 达标, weak and lax 软弱涣散 (with a plan) and honours, on the district's branches."""
    branches = list(PartyOrg.objects.filter(district=district, kind="branch").order_by("pk"))
    meeting = figures.meets_standard if figures.meets_standard is not None else round(len(branches) * 0.9)
    chosen = set(rng.choice(len(branches), size=meeting, replace=False).tolist())
    for i, branch in enumerate(branches):
        branch.meets_standard = i in chosen
        if branch.meets_standard and i % 17 == 0:
            branch.honours = [HONOURS[(i // 17) % len(HONOURS)]]
    # A third of the branches below the standard are weak and lax and under rectification.
    for n, branch in enumerate(b for b in branches if not b.meets_standard):
        if n % 3 == 0:
            branch.weak_and_lax, branch.rectification_plan = True, WEAK_PLAN
        services.check_party_org(branch, check_clash=False)
    PartyOrg.objects.bulk_update(branches, ["meets_standard", "honours", "weak_and_lax", "rectification_plan"], batch_size=500)


def _agreements(district, units, rng):
    start = datetime.date(2021, 1, 1)
    rows = []
    for unit in units:
        signed = start + datetime.timedelta(days=int(rng.integers(0, 4 * 365)))
        try:
            end = signed.replace(year=signed.year + 3)
        except ValueError:  # signed on 29 February
            end = signed.replace(year=signed.year + 3, day=28)
        picks = rng.choice(len(COMMITMENTS), size=3, replace=False)
        rows.append(Agreement(district=district, partner_unit=unit, node=unit.node, signed=signed, end=end,
                              commitments="；".join(COMMITMENTS[i] for i in sorted(picks)),
                              status=services.agreement_status(end)))
    Agreement.objects.bulk_create(rows)


def _alliances(district, tree, orgs, units):
    alliances = Alliance.objects.bulk_create([
        Alliance(district=district, node=s, name=f"{s.name}党建联盟") for s in tree.subdistricts
    ])
    alliance_of = {a.node_id: a for a in alliances}
    sub_of = {c.pk: tree.parent[c.pk].pk for c in tree.communities}
    sub_of.update({s.pk: s.pk for s in tree.subdistricts})
    Alliance.partner_units.through.objects.bulk_create([
        Alliance.partner_units.through(alliance_id=alliance_of[sub_of[u.node_id]].pk, partnerunit_id=u.pk) for u in units
    ])
    Alliance.party_orgs.through.objects.bulk_create([
        Alliance.party_orgs.through(alliance_id=alliance_of[sub_of[node_id]].pk, partyorg_id=o.pk)
        for node_id, o in orgs["community"].items()
    ])


def _expanded_committees(district, tree, orgs, units, rng, faker):
    committees = ExpandedCommittee.objects.bulk_create([
        ExpandedCommittee(district=district, node=c, name=f"{c.name}大党委") for c in tree.communities
    ])
    units_of = {}
    for unit in units:
        units_of.setdefault(unit.node_id, []).append(unit)
    members = []
    for committee in committees:
        local = units_of.get(committee.node_id, [])
        members.append(ExpandedCommitteeMember(committee=committee, name=faker.name(), role="书记", unit_name=f"{committee.node.name}党委"))
        members.append(ExpandedCommitteeMember(committee=committee, name=faker.name(), role="委员", unit_name=f"{committee.node.name}居民委员会"))
        for n, unit in enumerate(local[: int(rng.integers(4, 8))]):
            # The police-station chief serves as deputy secretary (MISSION.md §1.7).
            role = "兼职副书记" if n == 0 else "兼职委员"
            members.append(ExpandedCommitteeMember(committee=committee, name=faker.name(), role=role, unit_name=unit.name,
                                                   partner_unit=unit, external=True))
    ExpandedCommitteeMember.objects.bulk_create(members)


def _service_centres(district, tree, figures, rng):
    def centre(node, name, kind, firms=0):
        lon = (node.centroid_lon or 0) + float(rng.normal(0, 0.001))
        lat = (node.centroid_lat or 0) + float(rng.normal(0, 0.001))
        picks = sorted(rng.choice(len(SERVICES), size=int(rng.integers(4, 8)), replace=False))
        return ServiceCentre(district=district, node=node, name=name, kind=kind, lon=round(lon, 6), lat=round(lat, 6),
                             opening_hours=HOURS[int(rng.integers(len(HOURS)))], services=[SERVICES[i] for i in picks],
                             serves_firms=firms)

    rows = [centre(s, f"{s.name}党群服务中心", "subdistrict_centre") for s in tree.subdistricts]
    rows += [centre(c, f"{c.name}党群服务中心", "community_centre") for c in tree.communities]
    for i in range(figures.red_positions):
        comm = tree.communities[int(i * len(tree.communities) / max(figures.red_positions, 1))]
        rows.append(centre(comm, f"{comm.name}红色驿站", "red_position"))
    if figures.business_district_firms:
        sub = tree.subdistricts[0]
        rows.append(centre(sub, f"{district.name}商圈党群服务中心", "business_district", figures.business_district_firms))
    ServiceCentre.objects.bulk_create(rows)


# ---------------------------------------------------------------- step "staffing": 五长一队一阵地

# Districts whose grids are staffed in the demo, with the share of grids left incomplete.
STAFFING_INCOMPLETE = {"150105": 0.12}
TEAM_TITLES = {"grid_chief": "网格长", "road_chief": "路长", "beat_officer": "社区民警", "judicial_officer": "司法所干部",
               "market_supervisor": "市场监管所干部"}
# What an incomplete grid lacks (one or two of these): the realistic gaps are the offices' staff.
GAPS = ["market_supervisor", "judicial_officer", "road_chief", "secretary", "venue", "service_team", "beat_officer"]


@step("staffing")
def build_staffing(ctx):
    """Saihan's grid party branches: the five chiefs as posts at each grid, the secretary, a
    comprehensive service team with its venue; a minority of grids are left with gaps."""
    from gridgov.people.models import Person, Post

    district, rng, faker = ctx.district, ctx.rng, ctx.faker
    share = STAFFING_INCOMPLETE.get(district.code)
    if share is None:
        return district
    tree = _Tree(district)
    cells = tree.cells
    incomplete = set(rng.choice(len(cells), size=round(len(cells) * share), replace=False).tolist())
    gaps = {}
    for i in sorted(incomplete):
        picks = rng.choice(len(GAPS), size=1 + int(rng.random() < 0.3), replace=False)
        gaps[cells[i].pk] = {GAPS[int(k)] for k in picks}
    existing = set(Post.objects.filter(node__in=cells, role__in=services.CHIEF_ROLES).values_list("node_id", "role"))
    centre_of = {c.node_id: c for c in ServiceCentre.objects.filter(district=district, kind="community_centre")}
    branch_of = {o.node_id: o for o in PartyOrg.objects.filter(district=district, is_grid_branch=True)}

    persons, posts, teams, members, secretaries = [], [], [], [], []

    def person(home):
        p = Person(district=district, name=faker.name(), home=home)
        persons.append(p)
        return p

    for comm in tree.communities:
        # The offices' staff each serve all grids of a community: one person, a post at each grid.
        shared = {role: person(comm) for role in ("beat_officer", "judicial_officer", "market_supervisor")}
        for n, cell in enumerate(tree.cells_of[comm.pk]):
            lacks = gaps.get(cell.pk, set())
            chief = None
            for role in services.CHIEF_ROLES:
                if role in lacks or (cell.pk, role) in existing:
                    continue
                holder = shared.get(role) or person(cell)
                chief = holder if role == "grid_chief" else chief
                posts.append((holder, role, cell))
            branch = branch_of.get(cell.pk)
            if branch is not None and "secretary" not in lacks:
                # 一肩挑: in most grids the grid chief is also the branch secretary.
                secretaries.append((branch, chief if chief is not None and n % 3 else person(cell)))
            if "service_team" in lacks:
                continue
            venue_centre = None if "venue" in lacks or n % 4 == 3 else centre_of.get(comm.pk)
            venue = "" if "venue" in lacks or venue_centre else f"{cell.name}党群服务站"
            team = ServiceTeam(district=district, node=cell, name=f"{comm.name}{cell.name}综合服务队", centre=venue_centre, venue=venue)
            teams.append(team)
            picks = sorted(rng.choice(len(SERVICE_FIELDS), size=int(rng.integers(5, 8)), replace=False).tolist())
            for k in picks:
                members.append((team, person(cell), SERVICE_FIELDS[k][0]))
    Person.objects.bulk_create(persons, batch_size=2000)
    Post.objects.bulk_create([Post(person=p, district=district, role=role, node=node, title=TEAM_TITLES[role])
                              for p, role, node in posts], batch_size=2000)
    for branch, secretary in secretaries:
        branch.secretary = secretary
    PartyOrg.objects.bulk_update([b for b, _s in secretaries], ["secretary"], batch_size=1000)
    ServiceTeam.objects.bulk_create(teams)
    ServiceTeamMember.objects.bulk_create([ServiceTeamMember(team=t, person=p, field=f) for t, p, f in members], batch_size=2000)
    return district


# ---------------------------------------------------------------- step "coordination": committees, 挂点包片

LEADER_TITLES = ["区委书记", "区长", "区委副书记", "区委常委、组织部部长", "区委常委、宣传部部长", "区委常委、政法委书记",
                 "区委常委、常务副区长", "区人大常委会主任", "区政协主席", "副区长"]
DISTRICT_SEATS = [("主任", "区委"), ("常务副主任", "区委组织部"), ("副主任", "区政府办公室"), ("成员", "区公安分局"),
                  ("成员", "区司法局"), ("成员", "区市场监督管理局"), ("成员", "区城市管理局"), ("成员", "区民政局")]


@step("coordination")
def build_coordination(ctx):
    """党建工作协调委员会 at district, subdistrict and community level with their members, and the
    district leaders' assignments 挂点包片 to subdistricts and communities."""
    from gridgov.people.models import Person

    district, rng, faker = ctx.district, ctx.rng, ctx.faker
    tree = _Tree(district)
    places = [tree.root] + tree.subdistricts + tree.communities
    committees = CoordinationCommittee.objects.bulk_create([
        CoordinationCommittee(district=district, node=n, name=f"{n.name}党建工作协调委员会") for n in places
    ])
    units_of = {}
    for unit in PartnerUnit.objects.filter(district=district).order_by("pk"):
        units_of.setdefault(unit.node_id, []).append(unit)
    members = []
    for committee in committees:
        node = committee.node
        if node.kind == "district":
            seats = [(role, f"{district.name}{unit[1:]}") for role, unit in DISTRICT_SEATS]  # 区委 -> 赛罕区委
        elif node.kind == "subdistrict":
            seats = [("主任", f"{node.name}党工委"), ("副主任", f"{node.name}办事处"), ("成员", f"{node.name}派出所"),
                     ("成员", f"{node.name}司法所"), ("成员", f"{node.name}市场监管所")]
        else:
            seats = [("主任", f"{node.name}党委"), ("副主任", f"{node.name}居民委员会"), ("成员", f"{node.name}物业服务企业")]
        for role, unit in seats:
            members.append(CoordinationMember(committee=committee, name=faker.name(), role=role, unit_name=unit))
        for unit in units_of.get(node.pk, [])[: int(rng.integers(1, 4))]:
            members.append(CoordinationMember(committee=committee, name=faker.name(), role="成员", unit_name=unit.name, partner_unit=unit))
    CoordinationMember.objects.bulk_create(members)

    # Each district leader answers for one subdistrict and one or two of its communities.
    leaders = Person.objects.bulk_create([
        Person(district=district, name=faker.name(), home=tree.root) for _s in tree.subdistricts
    ])
    start = datetime.date(2024, 1, 1)
    assignments = []
    for i, (leader, sub) in enumerate(zip(leaders, tree.subdistricts)):
        title = LEADER_TITLES[i % len(LEADER_TITLES)]
        assignments.append(LeaderAssignment(district=district, leader=leader, node=sub, title=title, since=start))
        for comm in tree.communities_of[sub.pk][: 1 + i % 2]:
            assignments.append(LeaderAssignment(district=district, leader=leader, node=comm, title=title, since=start))
    LeaderAssignment.objects.bulk_create(assignments)
    return district
