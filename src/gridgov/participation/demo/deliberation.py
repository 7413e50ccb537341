"""Demo step "deliberation": a year (2025-11 … 2026-10) of residents' topics, joint and four-party meetings
with sign-in, motions voted one ballot per person (some secret), published resolutions and their tasks,
mostly done; one upcoming meeting in the demo logins' community where the demo resident may vote."""
import contextlib
import datetime as dt
import math
import uuid
from collections import Counter
from zoneinfo import ZoneInfo

from gridgov.demo.build import demo_login_nodes, step
from gridgov.demo.fastinsert import insert, insert_objects
from gridgov.hierarchy.models import Node
from gridgov.hierarchy.services import subtree_q
from gridgov.people.models import Person, Post

from ..models import Ballot, Deliberation, Motion, Participant, Resolution, ResolutionTask, Topic, VoteReceipt
from ..services.deliberation import CODE_ALPHABET, DEFAULT_OPTIONS, _passed

YEAR_START, YEAR_END = dt.date(2025, 11, 1), dt.date(2026, 10, 31)
TODAY = dt.date(2026, 11, 29)
STEP = Node.steplen
# Per community and year (every community at full volume; at a small volume a few communities keep
# the full year so that every page has something to show).
TOPICS_PER_COMMUNITY = 12
MEETINGS_PER_COMMUNITY = 6
TOPICS = [
    ("小区加装电梯费用分摊", "老旧小区加装电梯，低层住户与高层住户对费用分摊意见不一，请求召开议事会协商。"),
    ("楼道堆放杂物清理", "部分楼道长期堆放杂物，存在消防隐患，建议统一清理并建立长效机制。"),
    ("电动自行车充电桩选址", "居民电动自行车飞线充电现象突出，建议增设集中充电桩，需议定选址。"),
    ("小区停车位规划调整", "小区车位紧张，乱停乱放影响消防通道，建议重新划线并实行错时停车。"),
    ("物业费调整方案", "物业公司提出调整物业服务费，需业委会、物业和居民代表共同协商。"),
    ("广场舞噪音扰民", "晚间广场舞音量过大影响周边住户休息，请求协调活动时间和音量。"),
    ("垃圾分类投放点设置", "垃圾分类投放点位置离部分楼栋较远，建议调整并增设定时定点投放。"),
    ("公共维修基金使用", "屋顶防水老化漏雨，申请动用公共维修基金，需居民表决。"),
    ("小区绿化带改造", "部分绿化带荒废，建议改造为居民休闲小广场或“口袋公园”。"),
    ("宠物管理公约", "小区犬只不拴绳、随地便溺问题较多，建议制定文明养犬公约。"),
    ("老年助餐点设立", "社区老年人较多，建议在党群服务中心设立老年助餐点。"),
    ("快递柜摆放位置", "快递柜占用消防通道，建议协调快递企业迁移。"),
    ("小区门禁系统升级", "门禁系统老化，外来人员随意进出，建议升级人脸识别门禁。"),
    ("屋顶防水维修", "顶层住户反映雨季屋顶渗漏，需确定维修方案和费用来源。"),
]
REJECT_REASONS = ["属于物业合同约定事项，已转物业公司按合同办理", "涉及个人民事纠纷，已转人民调解委员会调处", "不属于社区议事范围，已向居民解释说明"]
KIND_WEIGHTS = [("four_party", 0.35), ("joint", 0.3), ("residents", 0.25), ("hearing", 0.1)]
KIND_TITLES = {"four_party": "四方联席会议", "joint": "居民议事联席会", "residents": "居民议事会", "hearing": "居民听证会"}
PLACES = ["党群服务中心议事厅", "社区居委会会议室", "小区党群驿站", "网格党支部活动室"]
OUTCOMES = ["已按决议完成，居民满意", "已完成并公示，纳入小区长效管理", "已办结，业委会和物业共同验收", "已完成施工，居民代表参与验收"]
TASK_TEMPLATES = ["制定实施方案并公示", "组织施工（实施）并监督", "向居民公示结果并回访"]
STAFF_ROLES = ("community_secretary", "community_worker", "residents_committee", "grid_chief", "grid_worker", "owners_committee_member",
               "property_manager")
CAPACITY = {"community_secretary": "社区党组织", "grid_chief": "网格党支部", "grid_worker": "网格员", "owners_committee_member": "业委会",
            "property_manager": "物业服务企业", "community_worker": "社区工作者", "residents_committee": "居委会"}


def chosen_communities(ctx, per_thousand=1.0):
    """The communities that get a year of activity: all at full volume; at a small volume the demo
    logins' community first and a few more (at least two), so that every page is meaningful."""
    communities = list(Node.objects.filter(district=ctx.district, kind="community").order_by("code"))
    if not communities:
        return []
    login = demo_login_nodes(ctx.district)["community_secretary"]
    n = len(communities) if ctx.volume >= 1 else max(2, math.ceil(len(communities) * ctx.volume * per_thousand))
    rest = [c for c in communities if c.pk != login.pk]
    picks = sorted(ctx.rng.choice(len(rest), size=min(n - 1, len(rest)), replace=False).tolist()) if n > 1 and rest else []
    return [login] + [rest[i] for i in picks]


def staff_of(community):
    """Current post holders in the community's subtree: (person, role)."""
    posts = Post.objects.filter(subtree_q(community.path, "node__path"), role__in=STAFF_ROLES).select_related("person").order_by("node__path", "pk")
    seen, out = set(), []
    for post in posts:
        if post.person_id not in seen:
            seen.add(post.person_id)
            out.append((post.person, post.role))
    return out


def residents_of(community, limit=400):
    """People living in the community who hold no post (the post holders are invited as such)."""
    return list(Person.objects.filter(subtree_q(community.path, "home__path"), district_id=community.district_id)
                .exclude(pk__in=Post.objects.filter(district_id=community.district_id).values("person_id"))
                .select_related("home").order_by("pk")[:limit])


@contextlib.contextmanager
def given_times(model, name):
    """Let bulk_create keep the times the demo gives instead of stamping "now" (auto_now_add)."""
    field = model._meta.get_field(name)
    field.auto_now_add = False
    try:
        yield
    finally:
        field.auto_now_add = True


def random_day(rng, start=YEAR_START, end=YEAR_END):
    return start + dt.timedelta(days=int(rng.integers(0, (end - start).days + 1)))


def at(day, hour, minute, tz):
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)


def _code(rng):
    return "".join(CODE_ALPHABET[int(i)] for i in rng.integers(0, len(CODE_ALPHABET), 6))


@step("deliberation")
def build_deliberation(ctx):
    district, rng = ctx.district, ctx.rng
    tz = ZoneInfo(district.timezone)
    logins = demo_login_nodes(district)
    resident_login = Person.objects.filter(user__username=f"resident.{district.code}").first()
    for community in chosen_communities(ctx):
        _community_year(ctx, community, tz, resident_login if community.pk == logins["community_secretary"].pk else None)
    return district


def _community_year(ctx, community, tz, resident_login):
    district, rng, faker = ctx.district, ctx.rng, ctx.faker
    cells = list(Node.objects.filter(subtree_q(community.path), kind=district.cell_kind).order_by("path"))
    places = [community] + cells
    staff = staff_of(community)
    residents = residents_of(community)
    if resident_login is not None:
        residents = [resident_login] + [r for r in residents if r.pk != resident_login.pk]

    # Topics: raised through the year; most accepted, a few rejected with a reason, the latest still waiting.
    topics = []
    for i in range(TOPICS_PER_COMMUNITY):
        title, detail = TOPICS[(i + int(rng.integers(len(TOPICS)))) % len(TOPICS)]
        node = places[int(rng.integers(len(places)))]
        day = random_day(rng)
        raiser = residents[int(rng.integers(len(residents)))] if residents else None
        roll = rng.random()
        state = "rejected" if roll < 0.1 else "raised" if day > YEAR_END - dt.timedelta(days=20) else "accepted"
        topics.append(Topic(district=district, node=node, node_path=node.path, title=f"{node.name}{title}" if node.kind != "community" else title,
                            detail=detail, raised_by=raiser.user if raiser is not None and raiser.user_id else None,
                            raised_by_name=raiser.name if raiser else faker.name(), state=state,
                            reason=REJECT_REASONS[int(rng.integers(len(REJECT_REASONS)))] if state == "rejected" else "",
                            raised_at=at(day, int(rng.integers(8, 20)), int(rng.integers(0, 60)), tz)))
    topics.sort(key=lambda t: t.raised_at)
    with given_times(Topic, "raised_at"):
        topics = Topic.objects.bulk_create(topics)
    accepted = [t for t in topics if t.state == "accepted"]

    # Meetings: spread over the year, each taking up to three accepted topics raised before it.
    meetings, agenda_of = [], []
    kinds, weights = zip(*KIND_WEIGHTS)
    for i in range(MEETINGS_PER_COMMUNITY):
        day = YEAR_START + dt.timedelta(days=int((i + 0.5 + rng.uniform(-0.3, 0.3)) * 365 / MEETINGS_PER_COMMUNITY))
        start = at(day, int(rng.choice([9, 14, 15, 19])), 0 if rng.random() < 0.7 else 30, tz)
        on_agenda = [t for t in accepted if t.raised_at < start and t not in sum(agenda_of, [])][:3]
        kind = str(rng.choice(kinds, p=weights))
        node = community if kind in ("four_party", "joint") or not cells else cells[int(rng.integers(len(cells)))]
        meetings.append(Deliberation(district=district, node=node, node_path=node.path, kind=kind, title=f"{node.name}{KIND_TITLES[kind]}（{day:%Y年%-m月}）",
                                     notice=f"定于{day:%-m月%-d日}{start:%H:%M}在{PLACES[i % len(PLACES)]}召开{KIND_TITLES[kind]}，请参会人员准时参加。",
                                     agenda="\n".join(f"{k + 1}. 协商议定：{t.title}" for k, t in enumerate(on_agenda)) or "1. 通报近期社区工作\n2. 听取居民意见建议",
                                     start=start, place=PLACES[i % len(PLACES)], sign_in_code=_code(rng), state="held",
                                     minutes=f"会议由社区党组织书记主持，参会人员围绕{'、'.join(t.title for t in on_agenda) or '社区近期工作'}充分协商，形成决议并明确责任人和完成时限。"))
        agenda_of.append(on_agenda)
    # The upcoming meeting where the demo logins take part (the resident votes there).
    if resident_login is not None:
        start = at(TODAY + dt.timedelta(days=4), 15, 0, tz)
        pending = [t for t in topics if t.state == "raised"][:1]
        for t in pending:
            t.state = "accepted"
        Topic.objects.filter(pk__in=[t.pk for t in pending]).update(state="accepted")
        meetings.append(Deliberation(district=district, node=community, node_path=community.path, kind="four_party",
                                     title=f"{community.name}四方联席会议（{start:%Y年%-m月}）", start=start, place=PLACES[0], sign_in_code=_code(rng),
                                     notice=f"定于{start:%-m月%-d日%H:%M}召开四方联席会议，请社区党组织、网格党支部、业委会、物业服务企业代表及居民代表参加。",
                                     agenda="\n".join(f"{k + 1}. 协商议定：{t.title}" for k, t in enumerate(pending)) or "1. 冬季供暖保障协商",
                                     state="noticed"))
        agenda_of.append(pending)
    meetings = Deliberation.objects.bulk_create(meetings)
    through = Deliberation.topics.through
    through.objects.bulk_create([through(deliberation_id=m.pk, topic_id=t.pk) for m, ts in zip(meetings, agenda_of) for t in ts])

    participants, receipts, ballots, motions_meta = [], [], [], []
    for m, on_agenda in zip(meetings, agenda_of):
        invited = [(p, CAPACITY.get(role, "")) for p, role in _pick_staff(staff, m.kind, rng)]
        n_res = int(rng.integers(5, 16))
        picks = residents[:1] if (resident_login is not None and m.state == "noticed") else []
        if residents:
            picks += [residents[int(i)] for i in rng.choice(len(residents), size=min(n_res, len(residents)), replace=False)]
        seen = {p.pk for p, _c in invited}
        for p in picks:
            if p.pk not in seen:
                seen.add(p.pk)
                invited.append((p, "居民代表"))
        signed = []
        for p, cap in invited:
            came = m.state == "held" and rng.random() < 0.85
            when = m.start - dt.timedelta(minutes=int(rng.integers(0, 20))) if came else None
            participants.append(Participant(deliberation=m, person=p, capacity=cap, eligible=True, signed_in_at=when))
            if came:
                signed.append(p)
        for k, topic in enumerate(on_agenda or [None]):
            secret = rng.random() < 0.3
            question = f"是否同意关于“{topic.title}”的协商方案？" if topic else "是否同意社区近期工作安排？"
            motions_meta.append((m, topic, question, secret, signed if m.state == "held" else [], len(invited)))

    insert_objects(Participant, participants)
    # Votes are drawn first so that each motion is created with its result.
    motions, votes = [], []
    for m, topic, question, secret, voters, eligible in motions_meta:
        drawn = [(p, str(rng.choice(DEFAULT_OPTIONS, p=[0.78, 0.12, 0.10]))) for p in voters if rng.random() < 0.92] if m.state == "held" else []
        choices = Counter(c for _p, c in drawn)
        motion = Motion(deliberation=m, topic=topic, question=question, options=list(DEFAULT_OPTIONS), secret=secret,
                        state="closed" if m.state == "held" else "open", published=m.state == "held")
        if m.state == "held":
            motion.result = {"counts": {o: choices.get(o, 0) for o in DEFAULT_OPTIONS}, "votes": len(drawn), "eligible": eligible,
                             "passed": _passed(DEFAULT_OPTIONS, choices, eligible)}
        motions.append(motion)
        votes.append(drawn)
    motions = Motion.objects.bulk_create(motions)
    resolutions, task_rows = [], []
    for motion, drawn, (m, topic, question, secret, voters, eligible) in zip(motions, votes, motions_meta):
        for p, choice in drawn:
            receipts.append(VoteReceipt(motion=motion, person=p, at=m.start + dt.timedelta(minutes=int(rng.integers(30, 90)))))
            ballots.append((uuid.uuid4().hex, motion.pk, choice, None if secret else p.pk))
        if motion.state == "closed" and motion.result["passed"]:
            resolutions.append(Resolution(deliberation=m, motion=motion, published=True, published_at=m.start + dt.timedelta(days=1),
                                          text=f"会议表决通过：{topic.title if topic else '社区近期工作安排'}按协商方案实施，由社区党组织牵头，网格党支部、业委会、物业服务企业分工落实。"))
    # The ballots' order must not follow the receipts' order: shuffled before inserting.
    order = rng.permutation(len(ballots))
    insert(Ballot, ["id", "motion", "choice", "voter"], [ballots[int(i)] for i in order])
    insert_objects(VoteReceipt, receipts)
    resolutions = Resolution.objects.bulk_create(resolutions)
    owners = [p for p, _role in staff] or residents[:3]
    for r in resolutions:
        meeting_day = timezone_date(r.deliberation.start, tz)
        for k in range(int(rng.integers(1, 3))):
            due = meeting_day + dt.timedelta(days=int(rng.integers(20, 90)))
            done = due <= TODAY and rng.random() < 0.9 or due > TODAY and rng.random() < 0.3
            done_on = min(TODAY, due - dt.timedelta(days=int(rng.integers(0, 15)))) if done else None
            task_rows.append(ResolutionTask(resolution=r, title=TASK_TEMPLATES[k % len(TASK_TEMPLATES)], owner=owners[int(rng.integers(len(owners)))] if owners else None,
                                            due=due, state="done" if done else "open", done_on=done_on,
                                            outcome=OUTCOMES[int(rng.integers(len(OUTCOMES)))] if done else "", node_path=r.deliberation.node_path))
    ResolutionTask.objects.bulk_create(task_rows)
    _settle_topics(topics, resolutions, task_rows)


# How many of each post a meeting invites: a four-party meeting needs the owners' committee and the property company.
INVITE = {"community_secretary": 1, "residents_committee": 2, "community_worker": 2, "grid_chief": 2, "grid_worker": 2,
          "owners_committee_member": 2, "property_manager": 1}


def _pick_staff(staff, kind, rng):
    out = []
    for role, n in INVITE.items():
        if kind in ("residents", "hearing") and role in ("owners_committee_member", "property_manager") and rng.random() < 0.5:
            continue
        holders = [(p, r) for p, r in staff if r == role]
        if holders:
            out += [holders[int(i)] for i in rng.choice(len(holders), size=min(n, len(holders)), replace=False)]
    return out


def timezone_date(moment, tz):
    return moment.astimezone(tz).date()


def _settle_topics(topics, resolutions, tasks):
    """A topic whose resolutions' tasks are all done is resolved (what services.update_topic_state does)."""
    by_resolution = {}
    for t in tasks:
        by_resolution.setdefault(t.resolution_id, []).append(t.state)
    states = {}
    for r in resolutions:
        topic_id = r.motion.topic_id if r.motion_id else None
        if topic_id:
            states.setdefault(topic_id, []).extend(by_resolution.get(r.pk, []))
    resolved = [tid for tid, s in states.items() if s and all(x == "done" for x in s)]
    Topic.objects.filter(pk__in=resolved, state="accepted").update(state="resolved")
