"""Demo step "meetings": twelve months (2025-11 … 2026-10) of 三会一课 per party organisation with members,
with their attendance, some organisations missing meetings; a few demo logins made members of their branch."""
import contextlib
import datetime
import random
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Max

from gridgov.demo import fastinsert
from gridgov.demo.build import demo_login_nodes, step
from gridgov.hierarchy.services import subtree_q
from gridgov.orgs.models import PartyOrg
from gridgov.people.models import PartyMember, Person

from ..models import Attendance, Meeting
from ..services.meetings import ACTIVE_STATUSES, new_code

TZ = ZoneInfo("Asia/Shanghai")
MONTHS = [(2025, 11), (2025, 12)] + [(2026, m) for m in range(1, 11)]
# The demo logins that are also party members of their community's branch (sign-in and "my points").
MEMBER_LOGINS = ("community_secretary", "grid_chief", "grid_worker")
PLACES = ["社区党群服务中心二楼会议室", "网格党群服务站", "社区新时代文明实践站", "小区红色议事厅", "支部活动室", "社区党员活动室"]
THEMES = ["学习贯彻党的二十届四中全会精神", "践行“两个维护”，争做合格党员", "“我为群众办实事”实践活动", "党员“双报到”认领微心愿",
          "垃圾分类进小区志愿服务", "重温入党誓词", "红色物业服务进楼栋", "老旧小区改造议事协商", "关爱独居老人走访慰问",
          "清洁家园环境整治", "党史学习教育", "防汛安全隐患排查"]
LECTURES = ["书记讲党课：以党建引领基层治理", "党章党规专题党课", "学习《中国共产党支部工作条例》", "弘扬伟大建党精神专题党课"]
MINUTES = "会议由支部书记主持，通报了近期工作，传达学习了上级精神，讨论了下一阶段工作安排。"


def bulk_write(model, columns, rows):
    """fastinsert.insert with cheaper conversions for SQLite (decimals as their text, datetimes memoised:
    the demo's rows share few distinct ones); other databases go through fastinsert as is."""
    from django.db import models

    if connection.vendor != "sqlite":
        return fastinsert.insert(model, columns, rows)
    memo = {}

    def when(value):
        if value is None:
            return None
        out = memo.get(value)
        if out is None:
            out = memo[value] = fastinsert._sqlite_datetime(value)
        return out

    convert = []
    for i, name in enumerate(columns):
        field = model._meta.get_field(name)
        if isinstance(field, models.DateTimeField):
            convert.append((i, when))
        elif isinstance(field, models.DateField):
            convert.append((i, lambda v: None if v is None else v.isoformat()))
        elif isinstance(field, models.DecimalField):
            convert.append((i, lambda v: None if v is None else str(v)))

    fields = [model._meta.get_field(c) for c in columns]
    names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    sql = f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({names}) VALUES ({', '.join(['%s'] * len(fields))})"
    with connection.cursor() as cur:
        chunk = []
        for row in rows:
            row = list(row)
            for i, fn in convert:
                row[i] = fn(row[i])
            chunk.append(row)
            if len(chunk) >= 20000:
                cur.executemany(sql, chunk)
                chunk = []
        if chunk:
            cur.executemany(sql, chunk)


@contextlib.contextmanager
def bigger_cache(mib=256):
    """A larger SQLite page cache while a step writes hundreds of thousands of indexed rows (the default
    2 MiB makes every index insert a page miss); the previous size is restored after."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cur:
        cur.execute("PRAGMA cache_size")
        before = cur.fetchone()[0]
        cur.execute(f"PRAGMA cache_size=-{mib * 1024}")
    try:
        yield
    finally:
        with connection.cursor() as cur:
            cur.execute(f"PRAGMA cache_size={int(before)}")


ACTIVITIES = ["敬老院慰问", "小区环境清洁", "义诊进社区", "政策宣讲", "四点半课堂", "垃圾分类宣传", "文明交通劝导", "关爱独居老人"]
COURSES = ["领头雁工程：基层党组织书记轮训", "党建引领基层治理专题培训", "党支部标准化规范化建设培训", "网格化服务管理能力提升班"]


def _appoint_secretaries(district, orgs, by_org):
    """Every organisation with members has a secretary (a group its leader); the secretaries follow the
    district's yearly training (领头雁), most of them in full, written to their training records."""
    from decimal import Decimal

    from gridgov.people.models import TrainingRecord

    members = dict(PartyMember.objects.filter(district=district).values_list("pk", "person_id"))
    missing = [o for o in orgs.values() if o.secretary_id is None and by_org.get(o.pk)]
    for org in missing:
        org.secretary_id = members[by_org[org.pk][0]]
    PartyOrg.objects.bulk_update(missing, ["secretary"], batch_size=2000)
    for group in PartyOrg.objects.filter(district=district, kind="group", secretary__isnull=True, parent_id__in=list(by_org)).order_by("pk"):
        roster = by_org[group.parent_id]
        group.secretary_id = members[roster[group.pk % len(roster)]]
        group.save(update_fields=["secretary"])
    secretaries = sorted(set(PartyOrg.objects.filter(district=district, secretary__isnull=False).values_list("secretary_id", "node__path")))
    records = []
    for n, (person_id, path) in enumerate(secretaries):
        # Four sessions a year for most, two for one in five (who then falls short of the target).
        for q, month in enumerate((1, 4, 7, 10)[: 2 if n % 5 == 4 else 4]):
            records.append(TrainingRecord(person_id=person_id, district=district, course=COURSES[(n + q) % len(COURSES)],
                                          hours=Decimal("3.5"), day=datetime.date(2026, month, 10 + n % 15), node_path=path))
    TrainingRecord.objects.bulk_create(records, batch_size=2000)


def _local(year, month, day, hour):
    return datetime.datetime(year, month, day, hour, 0, tzinfo=TZ)


def _enrol_logins(district):
    """Makes a few demo logins members of a branch in their community (when they are not members yet);
    returns the organisations they belong to."""
    from django.contrib.auth import get_user_model

    nodes = demo_login_nodes(district)
    orgs = set()
    for role in MEMBER_LOGINS:
        user = get_user_model().objects.filter(username=f"{role}.{district.code}").first()
        person = Person.objects.filter(user=user).first() if user else None
        if person is None:
            continue
        existing = PartyMember.objects.filter(person=person).first()
        if existing is not None:
            if existing.party_org_id:
                orgs.add(existing.party_org_id)
            continue
        node = nodes[role]
        community = nodes["community_secretary"]
        org = (PartyOrg.objects.filter(district=district, node=node, members__isnull=False).order_by("pk").first()
               or PartyOrg.objects.filter(subtree_q(community.path, "node__path"), district=district, kind="branch", members__isnull=False).order_by("node__path", "pk").first()
               or PartyOrg.objects.filter(subtree_q(community.path, "node__path"), district=district, members__isnull=False).order_by("node__path", "pk").first())
        if org is None:
            continue
        PartyMember.objects.create(person=person, district=district, party_org=org, joined=datetime.date(2012, 7, 1),
                                   status="full", node_path=org.node.path)
        orgs.add(org.pk)
    return orgs


@step("meetings")
def build_meetings(ctx):
    with bigger_cache():
        return _build_meetings(ctx)


def _build_meetings(ctx):
    district, rng, volume = ctx.district, ctx.rng, ctx.volume
    login_orgs = _enrol_logins(district)
    months = MONTHS if volume >= 0.5 else MONTHS[-max(2, round(24 * volume)):]
    by_org = {}
    for pk, org_id in PartyMember.objects.filter(district=district, status__in=ACTIVE_STATUSES, party_org__isnull=False).order_by("pk").values_list("pk", "party_org_id"):
        by_org.setdefault(org_id, []).append(pk)
    orgs = {o.pk: o for o in PartyOrg.objects.filter(pk__in=list(by_org)).select_related("node")}
    org_ids = sorted(orgs)
    community = demo_login_nodes(district)["community_secretary"]
    if volume < 0.25:
        # A sample of the organisations, always with every one in the demo logins' community.
        share = max(0.15, 4 * volume)
        org_ids = [pk for pk in org_ids if pk in login_orgs or orgs[pk].node.path.startswith(community.path) or rng.random() < share]
    py = random.Random(int(rng.integers(1 << 31)))
    _appoint_secretaries(district, orgs, by_org)
    # Party groups (党小组) hold their own monthly 党小组会 with a share of their branch's members.
    group_rows = list(PartyOrg.objects.filter(district=district, kind="group", parent_id__in=list(by_org)).order_by("pk")
                      .select_related("node"))
    sampled = set(org_ids)
    groups_of = {}
    for g in group_rows:
        if g.parent_id in sampled:
            groups_of.setdefault(g.parent_id, []).append(g)
    meetings, attendees = [], []
    for org_id in org_ids:
        org, roster = orgs[org_id], by_org[org_id]
        # How regularly the organisation holds its meetings: most keep them all, a share misses some.
        if org.weak_and_lax:
            miss, present = 0.45, 0.7
        else:
            r = py.random()
            miss, present = (0.02, 0.9) if r < 0.7 else (0.15, 0.85) if r < 0.9 else (0.4, 0.75)
        committee = roster[:min(5, len(roster))]
        groups = [roster[i:i + 10] for i in range(0, len(roster), 10)]
        own_groups = groups_of.get(org_id, [])
        for n, (year, month) in enumerate(months):
            for k, group in enumerate(own_groups):
                share = roster[k::len(own_groups)]
                if share and py.random() >= miss:
                    start = _local(year, month, py.randint(1, 28), py.choice((9, 15, 19)))
                    meetings.append([district.pk, group.pk, "group", f"{group.name}{month}月党小组会"[:128], start, py.choice(PLACES),
                                     MINUTES, f"{py.randrange(10**6):06d}", False, group.node.path])
                    attendees.append((share, present, start))
            # Service activities at the position (阵地): one or two a month, none in a missed month.
            for _ in range(py.choice((1, 2, 2))):
                if py.random() >= miss:
                    start = _local(year, month, py.randint(1, 28), py.choice((9, 15)))
                    meetings.append([district.pk, org_id, "activity", f"{month}月志愿服务活动：{ACTIVITIES[(month + org_id) % len(ACTIVITIES)]}",
                                     start, py.choice(PLACES), "", f"{py.randrange(10**6):06d}", False, org.node.path])
                    attendees.append(([], present, start))
            planned = [("theme_day", f"{month}月主题党日：{THEMES[(month + org_id) % len(THEMES)]}", roster)]
            if len(roster) >= 3:
                planned.append(("committee", f"{year}年{month}月支委会", committee))
            if len(roster) >= 20:
                g = (n + org_id) % len(groups)
                planned.append(("group", f"第{g + 1}党小组{month}月党小组会", groups[g]))
            if month % 3 == 0:
                planned.append(("assembly", f"{year}年第{month // 3}季度支部党员大会", roster))
                planned.append(("lecture", LECTURES[(month // 3 + org_id) % len(LECTURES)], roster))
            for kind, title, who in planned:
                if py.random() < miss:
                    continue
                start = _local(year, month, py.randint(1, 28), py.choice((9, 15, 19)))
                meetings.append([district.pk, org_id, kind, title[:128], start, py.choice(PLACES), MINUTES,
                                 f"{py.randrange(10**6):06d}", False, org.node.path])
                attendees.append((who, present, start))
    columns = ["district", "party_org", "kind", "title", "start", "place", "summary", "sign_in_code", "sign_in_open", "node_path"]
    if connection.vendor == "sqlite":
        # Keys given in advance (the step's transaction is the only writer): the attendance needs them.
        first = (Meeting.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
        for n, row in enumerate(meetings):
            row.append(first + n)
        bulk_write(Meeting, columns + ["id"], meetings)
        ids = [row[-1] for row in meetings]
    else:
        objs = Meeting.objects.bulk_create([Meeting(**{Meeting._meta.get_field(c).attname: v for c, v in zip(columns, row)})
                                            for row in meetings], batch_size=2000)
        ids = [m.pk for m in objs]
    rows = []
    for meeting_id, (who, present, start) in zip(ids, attendees):
        at = start + datetime.timedelta(minutes=5)
        for member_id in who:
            r = py.random()
            if r < present:
                rows.append((meeting_id, member_id, "present", "code" if r < present / 2 else "qr" if r < present * 0.7 else "manual", at))
            elif r < present + (1 - present) / 2:
                rows.append((meeting_id, member_id, "leave", "manual", None))
            else:
                rows.append((meeting_id, member_id, "absent", "manual", None))
    bulk_write(Attendance, ["meeting", "member", "status", "method", "at"], rows)
    # Next meeting of the demo logins' branches, sign-in open: the sign-in page can be tried with them.
    for org_id in sorted(login_orgs):
        org = orgs.get(org_id) or PartyOrg.objects.select_related("node").get(pk=org_id)
        Meeting.objects.create(district=district, party_org=org, kind="theme_day", title="11月主题党日：学习贯彻党的二十届四中全会精神",
                               start=_local(2026, 11, 30, 15), place=PLACES[0], sign_in_code=new_code(), sign_in_open=True,
                               node_path=org.node.path)
    return district
