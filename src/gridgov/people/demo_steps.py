"""Demo step "people": party members, dual registration, the service ledger, volunteers, lane chiefs,
community workers on the ladder, residents and households, talent pool, at MISSION.md §2 figures."""
import datetime
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from gridgov.demo.build import step
from gridgov.hierarchy.models import Node
from gridgov.hierarchy.services import STEPLEN

from . import pii, services
from .models import (
    CommunityWorker, DualRegistration, Household, PartyMember, Person, Post, Resident, ServiceRecord,
    TalentEntry, TrainingRecord, Volunteer, VolunteerTeam, WorkerPromotion,
)

try:
    # Members link to their party organisation, so the orgs step must run first; importing its
    # module here registers it before ours (steps register in import order).
    import gridgov.orgs.demo_steps  # noqa: F401
except ModuleNotFoundError as exc:  # the orgs app is optional for this step
    if exc.name not in ("gridgov.orgs", "gridgov.orgs.demo_steps"):
        raise


@dataclass(frozen=True)
class PeopleFigures:
    members: int
    dual_registered: int
    volunteers: int
    workers: int
    lane_posts: int = 0


FIGURES = {
    # Saihan: 20,000+ members, 1,910 in-service members sunk into grids, ~5,000 resident volunteers.
    "150105": PeopleFigures(members=20_600, dual_registered=1_910, volunteers=5_000, workers=520),
    # Xiaodian: 6,488 members reported to communities, 296 lane chiefs/stewards, 1,200+ workers.
    "140105": PeopleFigures(members=8_200, dual_registered=6_488, volunteers=1_500, workers=1_236, lane_posts=296),
    "530111": PeopleFigures(members=4_000, dual_registered=600, volunteers=1_000, workers=400),
}
DEFAULT_FIGURES = PeopleFigures(members=500, dual_registered=50, volunteers=100, workers=30)

SURNAMES = list("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文")
GIVEN = list("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红文斌辉宇浩鹏飞玉兰俊峰晨欣怡子涵梓轩雨萱思远佳琪瑞海燕春梅宏亮")
EMPLOYERS = ["区委办公室", "区政府办公室", "区委组织部", "区委宣传部", "区纪委监委", "区发展和改革委员会", "区教育局",
             "区财政局", "区人力资源和社会保障局", "区住房和城乡建设局", "区卫生健康委员会", "区民政局", "区司法局",
             "区市场监督管理局", "区城市管理局", "区应急管理局", "区退役军人事务局", "区税务局", "区人民法院", "区人民检察院",
             "区公安分局", "区医疗保障局", "区统计局", "区审计局", "区商务局"]
PRIVATE = ["个体经营", "退休", "自由职业", "企业职工", "灵活就业"]
SKILLS = ["助老服务", "环境整治", "文明劝导", "法律咨询", "心理疏导", "医疗义诊", "课业辅导", "应急救援", "文艺宣传", "家电维修"]
DUAL_WORK = ["网格巡查", "入户走访", "环境整治", "疫情防控值守", "政策宣讲", "帮扶困难群众", "文明创建", "矛盾调解"]
VOL_WORK = ["助老陪伴", "垃圾分类引导", "楼道清理", "义诊服务", "四点半课堂", "文明交通劝导", "防诈宣传", "社区巡逻"]
COURSES = ["社区工作者全科业务培训", "基层党建实务", "网格化管理与服务", "矛盾纠纷调处", "社区治理创新", "领头雁工程专题班"]
MOBILE_PREFIXES = ["130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "152", "155", "158", "159",
                   "176", "177", "180", "181", "186", "187", "188", "189", "199"]
TAG_CODES = ["elderly_alone", "elderly", "special_care", "disabled", "low_income", "left_behind_child", "veteran", "floating"]
TAG_P = [0.03, 0.06, 0.01, 0.02, 0.03, 0.01, 0.02, 0.05]
LADDER = {"head": (5200, 90), "deputy": (4600, 75), "staff": (3800, 60)}  # base, step: CNY per month
LADDER_YEAR = 2024
# The demo year of the activity ledgers (the index and points read 2025-11 … 2026-10), and how many
# service records a dual-registered member or a volunteer has at most in it.
YEAR_START = datetime.date(2025, 11, 1)
DUAL_MAX = 12
VOL_MAX = 10


class _People:
    """Generates persons in bulk: names, unique valid ID numbers with the district's code, phones."""

    def __init__(self, district, rng):
        self.district, self.rng = district, rng
        self.ids = set(Person.objects.filter(district=district).values_list("id_number", flat=True))

    def make(self, n, homes, age=(20, 80)):
        rng = self.rng
        today = datetime.date(2025, 6, 30)
        surname = rng.integers(len(SURNAMES), size=n)
        given1 = rng.integers(len(GIVEN), size=n)
        given2 = rng.integers(-len(GIVEN) // 2, len(GIVEN), size=n)  # negative: a one-character given name
        days = rng.integers(age[0] * 365, age[1] * 365, size=n)
        phones = rng.integers(0, 10**8, size=n)
        prefixes = rng.integers(len(MOBILE_PREFIXES), size=n)
        serials = rng.integers(0, 1000, size=n)
        people = []
        for i in range(n):
            birth = today - datetime.timedelta(days=int(days[i]))
            serial = int(serials[i])
            number = pii.make_id_number(self.district.code, birth, serial)
            while number in self.ids:
                serial = (serial + 2) % 1000  # +2 keeps the gender digit's parity
                number = pii.make_id_number(self.district.code, birth, serial)
            self.ids.add(number)
            name = SURNAMES[surname[i]] + GIVEN[given1[i]] + (GIVEN[given2[i]] if given2[i] >= 0 else "")
            people.append(Person(district=self.district, name=name, gender="M" if serial % 2 else "F", birth_date=birth,
                                 id_number=number, phone=f"{MOBILE_PREFIXES[prefixes[i]]}{int(phones[i]):08d}",
                                 home_id=homes[i]))
        return Person.objects.bulk_create(people, batch_size=2000)


def _ancestor(path, depth):
    return path[: depth * STEPLEN]


def _org_lookup(district):
    """cell path -> the party organisation a resident member there belongs to: the grid branch if
    the cell has one, else the nearest organisation above (joint branch, community organisation)."""
    try:
        from gridgov.orgs.models import PartyOrg
    except ImportError:
        return None
    rows = list(PartyOrg.objects.filter(district=district, kind__in=["branch", "general_branch", "committee"])
                .order_by("-is_grid_branch", "pk").values_list("pk", "node__path", "is_grid_branch"))
    if not rows:
        return None
    by_path = {}
    for pk, path, _grid in rows:
        by_path.setdefault(path, pk)

    def lookup(path):
        while path:
            if path in by_path:
                return by_path[path]
            path = path[:-STEPLEN]
        return None

    return lookup


@step("people")
def build_people(ctx):
    district, spec, rng = ctx.district, ctx.spec, ctx.rng
    figures = FIGURES.get(spec.code, DEFAULT_FIGURES)
    gen = _People(district, rng)
    cells = list(Node.objects.filter(district=district, kind=district.cell_kind).order_by("path").values_list("pk", "path"))
    communities = list(Node.objects.filter(district=district, kind="community").order_by("path").values_list("pk", "path"))
    community_of_path = {path: pk for pk, path in communities}
    comm_depth = len(communities[0][1]) // STEPLEN
    path_of = dict(cells)
    org_for = _org_lookup(district)

    # ---- community workers on the 三岗四十级 ladder
    comm_pks = [pk for pk, _path in communities]
    worker_comms = [comm_pks[i % len(comm_pks)] for i in range(figures.workers)]
    wpersons = gen.make(figures.workers, worker_comms, age=(22, 58))
    cat_draw = rng.choice(["head", "deputy", "staff"], p=[0.1, 0.25, 0.65], size=figures.workers)
    levels = np.clip(rng.gamma(2.0, 6.0, size=figures.workers).astype(int) + 1, 1, 40)
    comm_path = dict(communities)
    wobjs = [CommunityWorker(person=p, district=district, node_id=p.home_id, post_category=str(cat_draw[i]), level=int(levels[i]),
                             since=datetime.date(2024, 7, 1), node_path=comm_path[p.home_id]) for i, p in enumerate(wpersons)]
    wobjs = CommunityWorker.objects.bulk_create(wobjs, batch_size=2000)
    WorkerPromotion.objects.bulk_create([
        WorkerPromotion(worker=w, day=datetime.date(2024, 7, 1), from_category=w.post_category, from_level=w.level - 1,
                        to_category=w.post_category, to_level=w.level, note="年度考核晋级")
        for w in wobjs if w.level > 1], batch_size=2000)
    Post.objects.bulk_create([Post(person=p, district=district, role="community_worker", node_id=p.home_id, title="社区工作者")
                              for p in wpersons], batch_size=2000)
    for category, (base, step_) in LADDER.items():
        services.set_ladder(district, category, LADDER_YEAR, base, step_)
    services.adjust_pay(district, LADDER_YEAR + 1, Decimal("3.5"))
    TrainingRecord.objects.bulk_create([
        TrainingRecord(person=p, district=district, course=COURSES[i % len(COURSES)], hours=Decimal("16.0"),
                       day=datetime.date(2025, 3, 1) + datetime.timedelta(days=i % 200), node_path=comm_path[p.home_id])
        for i, p in enumerate(wpersons)], batch_size=2000)
    verifier_of = {}
    for w in wobjs:
        verifier_of.setdefault(w.node_id, w.person_id)
    verified_at = datetime.datetime(2025, 12, 31, 18, 0, tzinfo=datetime.timezone.utc)

    def verifier(path, i):
        # A worker of the community verifies about two thirds of the entries.
        return (verifier_of.get(community_of_path[_ancestor(path, comm_depth)]), verified_at) if i % 3 else (None, None)

    # ---- party members: homes spread over the cells
    homes = [cells[i][0] for i in rng.integers(len(cells), size=figures.members)]
    persons = gen.make(figures.members, homes, age=(20, 85))
    in_service = np.zeros(figures.members, dtype=bool)
    in_service[rng.choice(figures.members, size=max(figures.dual_registered, figures.members // 3), replace=False)] = True
    statuses = rng.choice(["full", "probationary", "transferred_out", "deceased"], p=[0.94, 0.03, 0.02, 0.01], size=figures.members)
    joined = rng.integers(365, 50 * 365, size=figures.members)
    employers = rng.integers(len(EMPLOYERS), size=figures.members)
    members = []
    for i, person in enumerate(persons):
        path = path_of[person.home_id]
        members.append(PartyMember(
            person=person, district=district, party_org_id=org_for(path) if org_for else None,
            joined=datetime.date(2025, 6, 30) - datetime.timedelta(days=int(joined[i])),
            status=str(statuses[i]) if not in_service[i] else "full", in_service=bool(in_service[i]),
            employer=EMPLOYERS[employers[i]] if in_service[i] else PRIVATE[i % len(PRIVATE)], node_path=path))
    members = PartyMember.objects.bulk_create(members, batch_size=2000)

    # ---- dual registration (双报到) and its service in the ledger
    serving = [m for m in members if m.in_service][: figures.dual_registered]
    regs, records = [], []
    # Service over the demo year (2025-11 … 2026-10): most members serve monthly or so, a few rarely.
    # The ledgers grow with the activity volume (tests build 1 %): a year's worth only at full volume.
    full = ctx.volume >= 0.5
    days = rng.integers(0, 365, size=DUAL_MAX * len(serving))
    hours = rng.choice([1.0, 1.5, 2.0, 2.5, 3.0, 4.0], size=DUAL_MAX * len(serving))
    for i, member in enumerate(serving):
        path = member.node_path
        community = community_of_path[_ancestor(path, comm_depth)]
        regs.append(DualRegistration(member=member, district=district, community_id=community, grid_id=member.person.home_id,
                                     since=datetime.date(2024, 1, 1) + datetime.timedelta(days=int(days[i]) % 180),
                                     active=True, node_path=path))
        for k in range(2 + (i * 7) % (DUAL_MAX - 1) if full else 1 + i % 2):
            records.append(ServiceRecord(person_id=member.person_id, district=district, kind="dual_registration",
                                         hours=Decimal(str(hours[DUAL_MAX * i + k])), what=DUAL_WORK[(i + k) % len(DUAL_WORK)],
                                         node_id=member.person.home_id, day=YEAR_START + datetime.timedelta(days=int(days[DUAL_MAX * i + k])),
                                         node_path=path, verified_by_id=verifier(path, i + k)[0], verified_at=verifier(path, i + k)[1]))
    DualRegistration.objects.bulk_create(regs, batch_size=2000)

    # ---- volunteers: residents (new persons), one team per community
    teams = VolunteerTeam.objects.bulk_create(
        [VolunteerTeam(district=district, node_id=pk, name=f"{name}志愿服务队") for pk, name in
         Node.objects.filter(district=district, kind="community").order_by("path").values_list("pk", "name")])
    team_of = {t.node_id: t.pk for t in teams}
    vhomes = [cells[i][0] for i in rng.integers(len(cells), size=figures.volunteers)]
    vpersons = gen.make(figures.volunteers, vhomes, age=(18, 75))
    skills = rng.integers(len(SKILLS), size=(figures.volunteers, 2))
    vols = []
    vhours = rng.choice([0.5, 1.0, 1.5, 2.0, 3.0], size=VOL_MAX * figures.volunteers)
    vdays = rng.integers(0, 365, size=VOL_MAX * figures.volunteers)
    for i, person in enumerate(vpersons):
        path = path_of[person.home_id]
        vols.append(Volunteer(person=person, district=district, skills=sorted({SKILLS[skills[i][0]], SKILLS[skills[i][1]]}),
                              team_id=team_of[community_of_path[_ancestor(path, comm_depth)]], node_path=path))
        for k in range(1 + (i * 5) % VOL_MAX if full else 1 + i % 3):
            records.append(ServiceRecord(person=person, district=district, kind="volunteer", hours=Decimal(str(vhours[VOL_MAX * i + k])),
                                         what=VOL_WORK[(i + k) % len(VOL_WORK)], node_id=person.home_id,
                                         day=YEAR_START + datetime.timedelta(days=int(vdays[VOL_MAX * i + k])), node_path=path,
                                         verified_by_id=verifier(path, i + k)[0], verified_at=verifier(path, i + k)[1]))
    Volunteer.objects.bulk_create(vols, batch_size=2000)
    ServiceRecord.objects.bulk_create(records, batch_size=2000)

    _talent(district, members, wobjs, rng)
    _lane_posts(district, figures, cells, members, rng)
    _residents_and_committees(district, gen, rng, members)
    return district


def _talent(district, members, workers, rng):
    rows = []
    for i in rng.choice(len(members), size=max(1, len(members) // 100), replace=False):
        m = members[int(i)]
        rows.append(TalentEntry(person_id=m.person_id, district=district, kind="reserve_cadre",
                                field="party_building" if i % 2 else "governance", note="后备干部", node_path=m.node_path))
    for i, w in enumerate(workers[: max(1, len(workers) // 20)]):
        rows.append(TalentEntry(person_id=w.person_id, district=district, kind="expert",
                                field="governance" if i % 2 else "party_building", note="社区治理专家库", node_path=w.node_path))
    TalentEntry.objects.bulk_create(rows, batch_size=2000)


def _lane_posts(district, figures, cells, members, rng):
    """街巷长 and 小巷管家: one team per road; here members who live in the cell take the posts."""
    if not figures.lane_posts:
        return
    chosen = rng.choice(len(members), size=figures.lane_posts, replace=False)
    Post.objects.bulk_create([
        Post(person_id=members[int(i)].person_id, district=district, role="lane_chief" if k % 2 == 0 else "lane_steward",
             node_id=members[int(i)].person.home_id, title="街巷长" if k % 2 == 0 else "小巷管家")
        for k, i in enumerate(chosen)])


def _residents_and_committees(district, gen, rng, members):
    """Households and residents in every building (entrance) of the detailed community, and in each
    of its cells an owners' committee whose members partly are party members (交叉任职)."""
    unit_kind = "entrance" if "entrance" in district.levels else "building"
    units = list(Node.objects.filter(district=district, kind=unit_kind).order_by("path").values_list("pk", "path"))
    if not units:
        return
    households = []
    for pk, _path in units:
        floors = int(rng.integers(3, 7))
        for floor in range(1, floors + 1):
            for door in (1, 2):
                households.append(Household(district=district, node_id=pk, number=f"{floor}0{door}"))
    households = Household.objects.bulk_create(households, batch_size=2000)
    sizes = rng.integers(1, 5, size=len(households))
    homes = [h.node_id for h, s in zip(households, sizes) for _ in range(int(s))]
    persons = gen.make(len(homes), homes, age=(1, 95))
    path_of = dict(units)
    tags = rng.random(size=(len(persons), len(TAG_CODES))) < np.array(TAG_P)
    relations = ["head", "spouse", "child", "parent"]
    rows, k = [], 0
    for h, s in zip(households, sizes):
        for j in range(int(s)):
            p = persons[k]
            rows.append(Resident(person=p, district=district, household=h, relation=relations[j] if j < 4 else "other",
                                 tags=[TAG_CODES[t] for t in np.flatnonzero(tags[k])], node_path=path_of[p.home_id]))
            k += 1
    Resident.objects.bulk_create(rows, batch_size=2000)

    # Owners' committees: five seats per cell of the detailed community, party members preferred.
    cell_depth = len(units[0][1]) // STEPLEN - (2 if unit_kind == "entrance" else 1)
    cells = sorted({_ancestor(path, cell_depth) for _pk, path in units})
    cell_pk = dict(Node.objects.filter(path__in=cells).values_list("path", "pk"))
    by_cell = {}
    for m in members:
        by_cell.setdefault(m.node_path, []).append(m.person_id)
    res_by_cell = {}
    for p in persons:
        res_by_cell.setdefault(_ancestor(path_of[p.home_id], cell_depth), []).append(p.pk)
    posts = []
    for path in cells:
        party = by_cell.get(path, [])[: int(rng.integers(1, 4))]
        others = res_by_cell.get(path, [])[: 5 - len(party)]
        for person_id in party + others:
            posts.append(Post(person_id=person_id, district=district, role="owners_committee_member", node_id=cell_pk[path],
                              title="业委会委员"))
        if party:
            # "一肩挑": the first party member on the committee also sits on the residents' committee
            # and works for the property company — three posts for one person.
            posts.append(Post(person_id=party[0], district=district, role="residents_committee",
                              node_id=cell_pk[path], title="居委会委员"))
            posts.append(Post(person_id=party[0], district=district, role="property_manager", node_id=cell_pk[path],
                              title="物业公司党支部书记"))
    Post.objects.bulk_create(posts, batch_size=2000)
