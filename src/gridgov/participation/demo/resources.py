"""Demo step "resources": partner units' and communities' shared resources (Saihan's 人民路街道 at its
published 9/10/6/22 units), a year of needs, projects and bookings held slot by slot like the services do."""
import datetime as dt
import math
from zoneinfo import ZoneInfo

from gridgov.demo import fastinsert
from gridgov.demo.build import step
from gridgov.hierarchy.models import Node
from gridgov.orgs.models import PartnerUnit
from gridgov.people.models import Person

from ..models import BlockedPeriod, Booking, BookingSlot, Need, Project, Resource

# Partner units sharing each kind, district-wide (MISSION.md §4.1); exact at every volume.
SHARED_UNITS = {"150105": {"meeting_room": 9, "venue": 10, "counselling_room": 6, "publicity": 22}}
# Elsewhere: the chance that a partner unit shares a kind.
SHARE_CHANCE = {"meeting_room": 0.25, "venue": 0.2, "counselling_room": 0.06, "publicity": 0.35, "skill": 0.3, "funds": 0.05}
UNIT_RESOURCE_NAMES = {
    "meeting_room": ["会议室", "党员活动室", "多功能会议室"],
    "venue": ["活动场地及音响设备", "篮球场", "职工之家活动室", "报告厅"],
    "counselling_room": ["心理咨询室", "心理疏导室"],
    "publicity": ["户外电子显示屏", "宣传橱窗", "微信公众号", "LED宣传屏"],
    "skill": ["法律咨询志愿服务", "义诊服务", "家电维修志愿服务", "技能培训", "政策宣讲"],
    "funds": ["公益帮扶资金", "社区微心愿基金"],
}
WEEKDAYS_UNIT = {str(d): ["08:30", "17:30"] for d in range(5)}
WEEKDAYS_CENTRE = {str(d): ["08:00", "20:00"] for d in range(6)} | {"6": ["09:00", "17:00"]}
YEAR_START, YEAR_END = dt.date(2025, 11, 1), dt.date(2026, 10, 31)
FUTURE_END = dt.date(2026, 12, 31)
# Bookings per bookable resource and year at full volume.
BOOKINGS_PER_YEAR = {"community": 160, "subdistrict": 60, "unit": 40}
NEEDS_PER_COMMUNITY = 10
NEED_KINDS = ["venue", "meeting_room", "skill", "publicity", "counselling_room", "funds"]
NEED_WEIGHTS = [0.28, 0.22, 0.25, 0.1, 0.1, 0.05]
NEED_TITLES = {
    "meeting_room": ["居民议事协商会借用会议室", "网格员业务培训需要会议室", "业委会换届选举需要会议场所", "党员冬训集中学习场地"],
    "venue": ["重阳节敬老文艺汇演需要场地和音响", "社区运动会需要场地", "“四点半课堂”暑期活动场地", "新就业群体联谊活动场地"],
    "counselling_room": ["青少年心理健康辅导", "独居老人心理疏导服务", "家庭矛盾调解需要心理咨询室"],
    "publicity": ["垃圾分类宣传投放", "反诈宣传进小区", "创建文明城市宣传", "防汛防火安全提示"],
    "skill": ["老旧小区加装电梯法律咨询", "困难老人家电维修", "居民健康义诊", "退役军人就业技能培训", "物业纠纷法律援助"],
    "funds": ["困难家庭冬季帮扶", "社区微心愿认领", "楼道照明改造资金"],
}
PURPOSES = ["居民议事会", "党员主题党日", "网格员例会", "志愿者培训", "老年大学书法课", "四点半课堂", "业委会会议", "普法讲座",
            "健康讲座", "文艺排练", "调解会", "亲子阅读活动", "社区联席会议", "防诈骗宣讲"]
RESULTS = ["按期完成，服务居民{n}人次", "活动顺利开展，居民满意度{n}%以上", "已完成并纳入“三张清单”长效机制，惠及{n}户"]
REASONS_DENIED = ["与单位内部会议冲突", "场地检修", "申请人数超过容量"]


@step("resources")
def build_resources(ctx):
    district, rng, faker = ctx.district, ctx.rng, ctx.faker
    tz = ZoneInfo(district.timezone)
    nodes = list(Node.objects.filter(district=district, kind__in=["district", "subdistrict", "community"]).order_by("path"))
    by_path = {n.path: n for n in nodes}
    subs = [n for n in nodes if n.kind == "subdistrict"]
    communities = [n for n in nodes if n.kind == "community"]
    resources = _unit_resources(district, rng) + _centre_resources(district, subs, communities, rng)
    resources = Resource.objects.bulk_create(resources)
    for r in resources:
        r.node = by_path.get(r.node_path) or r.node
    _blocked(resources)
    _bookings(ctx, district, resources, tz, rng, faker)
    _needs_and_projects(ctx, district, subs, communities, resources, rng)
    return district


def _jitter(node, rng, spread=0.004):
    if node.centroid_lon is None:
        return None, None
    return (round(node.centroid_lon + float(rng.uniform(-spread, spread)), 6),
            round(node.centroid_lat + float(rng.uniform(-spread, spread)), 6))


def _unit_resource(district, unit, kind, rng, serial=0):
    names = UNIT_RESOURCE_NAMES[kind]
    lon, lat = _jitter(unit.node, rng)
    bookable = kind in ("meeting_room", "venue", "counselling_room")
    capacity = {"meeting_room": int(rng.integers(12, 60)), "venue": int(rng.integers(50, 300)), "counselling_room": int(rng.integers(2, 8))}.get(kind)
    return Resource(
        district=district, partner_unit=unit, node=unit.node, node_path=unit.node.path, kind=kind,
        name=f"{unit.name}{names[(serial + int(rng.integers(len(names)))) % len(names)]}",
        description="共驻共建单位向社区开放共享", capacity=capacity, lon=lon, lat=lat, bookable=bookable,
        slot_minutes=60, min_slots=1, max_slots=4 if kind != "venue" else 8,
        opening_hours=dict(WEEKDAYS_UNIT) if bookable else {}, needs_confirmation=bookable,
    )


def _unit_resources(district, rng):
    units = list(PartnerUnit.objects.filter(district=district).select_related("node").order_by("pk"))
    if not units:
        return []
    out = []
    exact = SHARED_UNITS.get(district.code)
    for kind in SHARE_CHANCE:
        if exact and kind in exact:
            # Exactly the published number of distinct units, chosen at random among the district's.
            chosen = sorted(rng.choice(len(units), size=min(exact[kind], len(units)), replace=False).tolist())
        else:
            chosen = [i for i in range(len(units)) if rng.random() < SHARE_CHANCE[kind]]
        for i in chosen:
            out.append(_unit_resource(district, units[i], kind, rng))
    return out


def _centre_resources(district, subs, communities, rng):
    """Each community's party-mass service centre lends its meeting room and activity room; each
    subdistrict centre its hall. Bookable without confirmation, except the hall."""
    out = []
    for comm in communities:
        lon, lat = _jitter(comm, rng, 0.001)
        out.append(Resource(district=district, node=comm, node_path=comm.path, kind="meeting_room", name=f"{comm.name}党群服务中心会议室",
                            capacity=int(rng.integers(20, 40)), lon=lon, lat=lat, bookable=True, slot_minutes=60, min_slots=1, max_slots=4,
                            opening_hours=dict(WEEKDAYS_CENTRE), needs_confirmation=False, description="社区党群服务中心，居民和驻区单位均可预约"))
        out.append(Resource(district=district, node=comm, node_path=comm.path, kind="venue", name=f"{comm.name}多功能活动室",
                            capacity=int(rng.integers(40, 90)), lon=lon, lat=lat, bookable=True, slot_minutes=30, min_slots=2, max_slots=8,
                            opening_hours=dict(WEEKDAYS_CENTRE), needs_confirmation=False, description="文体活动、四点半课堂、老年大学"))
    for sub in subs:
        lon, lat = _jitter(sub, rng, 0.001)
        out.append(Resource(district=district, node=sub, node_path=sub.path, kind="venue", name=f"{sub.name}党群服务中心报告厅",
                            capacity=int(rng.integers(120, 300)), lon=lon, lat=lat, bookable=True, slot_minutes=60, min_slots=1, max_slots=8,
                            opening_hours=dict(WEEKDAYS_UNIT), needs_confirmation=True, description="街道党群服务中心"))
        out.append(Resource(district=district, node=sub, node_path=sub.path, kind="publicity", name=f"{sub.name}“红色宣传阵地”电子屏",
                            lon=lon, lat=lat, description="街道主干道户外LED屏"))
    return out


def _blocked(resources):
    # The centres close for the Spring Festival; unit rooms are not lent in their own year-end week.
    rows = []
    tz = ZoneInfo("Asia/Shanghai")
    for r in resources:
        if not r.bookable:
            continue
        if r.partner_unit_id is None:
            rows.append(BlockedPeriod(resource=r, start=dt.datetime(2026, 2, 16, tzinfo=tz), end=dt.datetime(2026, 2, 23, tzinfo=tz), reason="春节闭馆"))
        else:
            rows.append(BlockedPeriod(resource=r, start=dt.datetime(2026, 12, 28, tzinfo=tz), end=dt.datetime(2027, 1, 2, tzinfo=tz), reason="单位年终盘点，暂停外借"))
    BlockedPeriod.objects.bulk_create(rows)


def _open_days(resource):
    return {int(d) for d in resource.opening_hours}


def _bookings(ctx, district, resources, tz, rng, faker):
    """A year (and the coming month) of bookings that never share a slot, written in bulk with their slot rows."""
    from django.contrib.auth import get_user_model

    resident = get_user_model().objects.filter(username=f"resident.{district.code}").select_related("person__home").first()
    # The demo resident books only what is offered to them: the rooms of their own subdistrict.
    near = resident.person.home.path[: 2 * Node.steplen] if resident and resident.person.home_id else None
    days = (FUTURE_END - YEAR_START).days + 1
    plan = []  # (resource, start, end, state, reason, by_resident)
    for r in resources:
        if not r.bookable:
            continue
        level = "unit" if r.partner_unit_id else ("community" if r.node.kind == "community" else "subdistrict")
        n = int(rng.poisson(BOOKINGS_PER_YEAR[level] * ctx.volume * 14 / 12))
        taken = set()
        open_days = _open_days(r)
        step = dt.timedelta(minutes=r.slot_minutes)
        for _ in range(n):
            for _try in range(6):
                day = YEAR_START + dt.timedelta(days=int(rng.integers(days)))
                if day.weekday() not in open_days or dt.date(2026, 2, 16) <= day < dt.date(2026, 2, 23):
                    continue
                opens, closes = r.opening_hours[str(day.weekday())]
                open_at = dt.datetime.combine(day, dt.time.fromisoformat(opens), tzinfo=tz)
                close_at = dt.datetime.combine(day, dt.time.fromisoformat(closes), tzinfo=tz)
                total = int((close_at - open_at) / step)
                k = int(rng.integers(r.min_slots, min(r.max_slots, r.min_slots + 3) + 1))
                if k > total:
                    continue
                first = int(rng.integers(0, total - k + 1))
                slots = [open_at + (first + i) * step for i in range(k)]
                if any(s in taken for s in slots):
                    continue
                future = day >= dt.date(2026, 11, 30)
                roll = rng.random()
                if future:
                    state = "requested" if r.needs_confirmation and roll < 0.5 else "confirmed"
                else:
                    state = "cancelled" if roll < 0.06 else ("denied" if r.needs_confirmation and roll < 0.12 else "confirmed")
                if state in Booking.HOLDING:
                    taken.update(slots)
                reason = REASONS_DENIED[int(rng.integers(len(REASONS_DENIED)))] if state == "denied" else ("活动取消" if state == "cancelled" else "")
                mine = near is not None and r.node_path.startswith(near) and rng.random() < 0.3
                plan.append((r, slots, slots[-1] + step, state, reason, mine))
                break
    rows = []
    for r, slots, end, state, reason, by_resident in plan:
        rows.append(Booking(district=district, resource=r, start=slots[0], end=end, state=state,
                            purpose=PURPOSES[int(rng.integers(len(PURPOSES)))], attendees=int(rng.integers(5, max(6, min(r.capacity or 30, 60)))),
                            requested_by=resident if by_resident else None,
                            requester_name=(resident.person.name if by_resident else faker.name()), reason=reason, node_path=r.node_path))
    made = Booking.objects.bulk_create(rows, batch_size=2000)
    # The same slot rows book() writes; the planner above never let two holding bookings share one.
    fastinsert.insert(BookingSlot, ["booking", "resource", "start"], (
        (booking.pk, r.pk, s) for booking, (r, slots, _end, state, _reason, _res) in zip(made, plan) if state in Booking.HOLDING for s in slots))


def _needs_and_projects(ctx, district, subs, communities, resources, rng):
    cells_of = {}
    for cell in Node.objects.filter(district=district, kind=district.cell_kind).only("id", "path").order_by("path"):
        cells_of.setdefault(cell.path[: 3 * Node.steplen], []).append(cell)
    sub_of = {c.pk: c.path[: 2 * Node.steplen] for c in communities}
    # Every subdistrict gets needs, whatever the volume: its report row and list are never empty.
    total = max(2 * len(subs), int(round(NEEDS_PER_COMMUNITY * len(communities) * ctx.volume)))
    comms_by_sub = {}
    for c in communities:
        comms_by_sub.setdefault(sub_of[c.pk], []).append(c)
    places = [comms_by_sub[s.path][int(rng.integers(len(comms_by_sub[s.path])))] for s in subs if s.path in comms_by_sub] * 2
    while len(places) < total:
        places.append(communities[int(rng.integers(len(communities)))])
    by_kind = {}
    for r in resources:
        if r.active:
            by_kind.setdefault(r.kind, []).append(r)
    persons = list(Person.objects.filter(district=district, user__isnull=False).order_by("pk")[:20]) or [None]
    span = (YEAR_END - YEAR_START).days
    needs, raised = [], []
    for comm in places:
        node = comm
        cells = cells_of.get(comm.path, [])
        if cells and rng.random() < 0.3:
            node = cells[int(rng.integers(len(cells)))]  # a grid's own need
        kind = NEED_KINDS[int(rng.choice(len(NEED_KINDS), p=NEED_WEIGHTS))]
        day = YEAR_START + dt.timedelta(days=int(rng.integers(span)))
        titles = NEED_TITLES[kind]
        needs.append(Need(district=district, node=node, node_path=node.path, kind=kind, title=titles[int(rng.integers(len(titles)))],
                          detail=f"{comm.name}居民提出，经网格员收集、社区“两委”研究后列入需求清单。",
                          wanted_from=day + dt.timedelta(days=7), wanted_until=day + dt.timedelta(days=int(rng.integers(14, 60)))))
        raised.append(dt.datetime.combine(day, dt.time(9), tzinfo=ZoneInfo(district.timezone)) + dt.timedelta(minutes=int(rng.integers(480))))
    needs = Need.objects.bulk_create(needs)
    for need, when in zip(needs, raised):
        need.raised_at = when
    projects, links = [], []
    for need, when in zip(needs, raised):
        sub_path = need.node_path[: 2 * Node.steplen]
        pool = [r for r in by_kind.get(need.kind, []) if r.node_path.startswith(sub_path)] or by_kind.get(need.kind, [])
        if not pool or rng.random() < 0.3:
            continue
        # The nearest resources of the kind, like the suggestions a secretary would follow.
        cx, cy = need.node.centroid_lon or 0, need.node.centroid_lat or 0
        pool = sorted(pool, key=lambda r: math.hypot((r.lon or 0) - cx, (r.lat or 0) - cy))[:3]
        chosen = pool[: int(rng.integers(1, min(2, len(pool)) + 1))]
        start = need.wanted_from
        age = (YEAR_END - when.date()).days
        done = age > 45 and rng.random() < 0.8
        end = start + dt.timedelta(days=int(rng.integers(10, 60)))
        state = "done" if done else ("running" if start <= YEAR_END else "planned")
        need.state = "met" if done else "matched"
        projects.append(Project(district=district, node=need.node, node_path=need.node_path, need=need, title=need.title,
                                owner=persons[int(rng.integers(len(persons)))], start=start, end=end if done else None,
                                progress=100 if done else int(rng.integers(10, 90)), state=state,
                                result=RESULTS[int(rng.integers(len(RESULTS)))].format(n=int(rng.integers(30, 400))) if done else ""))
        links.append(chosen)
    Need.objects.bulk_update(needs, ["raised_at", "state"], batch_size=2000)
    projects = Project.objects.bulk_create(projects)
    res_through, unit_through = Project.resources.through, Project.partner_units.through
    res_links, unit_links = [], []
    for project, chosen in zip(projects, links):
        res_links += [res_through(project_id=project.pk, resource_id=r.pk) for r in chosen]
        unit_links += [unit_through(project_id=project.pk, partnerunit_id=u) for u in sorted({r.partner_unit_id for r in chosen if r.partner_unit_id})]
    res_through.objects.bulk_create(res_links)
    unit_through.objects.bulk_create(unit_links)
