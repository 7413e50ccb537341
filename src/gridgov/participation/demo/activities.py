"""Demo step "activities": a year of events at community service centres with sign-ups, waiting lists
(simulated in order, so a cancellation moves the first waiting person up), attendance and ratings; party-school
classes and study sessions at subdistrict centres; 领头雁 training for secretaries, written to their training records."""
import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from gridgov.demo.build import demo_login_nodes, step
from gridgov.demo.fastinsert import insert
from gridgov.hierarchy.models import Node
from gridgov.hierarchy.services import subtree_q
from gridgov.orgs.models import ServiceCentre
from gridgov.people.models import Person, Post, TrainingRecord

from ..models import Event, SignUp
from .deliberation import TODAY, YEAR_END, YEAR_START, at, chosen_communities, residents_of

ACTIVITIES_PER_COMMUNITY = 12
UPCOMING_PER_COMMUNITY = 2
CLASSES_PER_SUBDISTRICT = 6
STUDIES_PER_SUBDISTRICT = 4
TRAININGS_PER_SUBDISTRICT = 4
ACTIVITIES = [("老年大学书法课", "书法老师现场授课，提供笔墨纸砚"), ("“四点半课堂”作业辅导", "志愿者为双职工家庭子女提供课后辅导"),
              ("社区义诊", "社区卫生服务站医生免费测血压、血糖"), ("反诈骗宣传讲座", "社区民警讲解常见电信诈骗手法"),
              ("重阳节敬老文艺汇演", "社区文艺队演出，为老人送上节日祝福"), ("亲子阅读活动", "绘本共读与手工制作"),
              ("垃圾分类知识竞赛", "趣味问答，赢取环保小礼品"), ("居民健身操培训", "专业教练带领学习健身操"),
              ("新春写春联送福字", "书法志愿者现场写春联"), ("消防安全演练", "消防员讲解灭火器使用并组织疏散演练"),
              ("智能手机使用培训", "教老年人使用健康码、网上缴费和视频通话"), ("端午包粽子", "邻里共包粽子，送给独居老人")]
CLASSES = ["学习贯彻党的二十届四中全会精神", "党章党规党纪专题辅导", "新时代基层治理专题讲座", "“枫桥经验”与矛盾纠纷化解",
           "党史学习教育专题课", "社区党组织书记讲党课"]
STUDIES = ["主题党日集中学习", "党员冬训学习", "“三会一课”专题学习", "理论学习小组集中研讨"]
TRAININGS = ["领头雁工程·社区党组织书记能力提升培训班", "领头雁工程·基层治理实务研修班", "领头雁工程·网格化服务管理专题培训",
             "领头雁工程·群众工作方法培训"]
TRAINEE_ROLES = ("community_secretary", "residents_committee", "community_worker", "grid_chief")


@step("activities")
def build_activities(ctx):
    district, rng = ctx.district, ctx.rng
    tz = ZoneInfo(district.timezone)
    communities = chosen_communities(ctx)
    login_community = demo_login_nodes(district)["community_secretary"]
    resident_login = Person.objects.filter(user__username=f"resident.{district.code}").first()
    centres = {c.node_id: c for c in ServiceCentre.objects.filter(district=district, kind__in=("community_centre", "subdistrict_centre")).order_by("pk")}
    plan = []  # (event, candidates, demand factor, special)
    residents = {}
    for community in communities:
        centre = centres.get(community.pk)
        people = residents[community.pk] = residents_of(community, 300)
        if resident_login is not None and community.pk == login_community.pk:
            people = [resident_login] + [p for p in people if p.pk != resident_login.pk]
        for i in range(ACTIVITIES_PER_COMMUNITY + UPCOMING_PER_COMMUNITY):
            upcoming = i >= ACTIVITIES_PER_COMMUNITY
            if upcoming:
                day = TODAY + dt.timedelta(days=3 + 7 * (i - ACTIVITIES_PER_COMMUNITY) + int(rng.integers(0, 5)))
            else:
                day = YEAR_START + dt.timedelta(days=int((i + rng.uniform(0.1, 0.9)) * (YEAR_END - YEAR_START).days / ACTIVITIES_PER_COMMUNITY))
            title, description = ACTIVITIES[(i + int(rng.integers(len(ACTIVITIES)))) % len(ACTIVITIES)]
            hour = int(rng.choice([9, 10, 14, 15, 16]))
            capacity = int(rng.integers(10, 41))
            node = centre.node if centre else community
            event = Event(district=district, node=node, node_path=node.path, centre=centre, kind="activity", title=title, description=description,
                          start=at(day, hour, 0, tz), end=at(day, hour + 2, 0, tz), capacity=capacity, hours=Decimal(0))
            # A few popular events fill up and keep a waiting list.
            plan.append((event, people, float(rng.uniform(0.5, 1.35)), i == ACTIVITIES_PER_COMMUNITY and community.pk == login_community.pk))
    subdistricts = sorted({c.path[:2 * Node.steplen] for c in communities})
    for sub in Node.objects.filter(district=district, path__in=subdistricts).order_by("path"):
        centre = centres.get(sub.pk)
        node = centre.node if centre else sub
        staff = _trainees(sub)
        learners = staff + [p for c in communities if c.path.startswith(sub.path) for p in residents.get(c.pk, [])[:60]]
        for kind, titles, count, hours in (("party_school", CLASSES, CLASSES_PER_SUBDISTRICT, (2, 4)), ("study", STUDIES, STUDIES_PER_SUBDISTRICT, (2, 3)),
                                           ("training", TRAININGS, TRAININGS_PER_SUBDISTRICT, (6, 17))):
            for i in range(count + 1):
                upcoming = i == count
                day = TODAY + dt.timedelta(days=10 + int(rng.integers(0, 20))) if upcoming else \
                    YEAR_START + dt.timedelta(days=int((i + rng.uniform(0.1, 0.9)) * (YEAR_END - YEAR_START).days / count))
                h = int(rng.integers(*hours))
                days = 2 if h > 8 else 1
                start = at(day, 9, 0, tz)
                end = at(day + dt.timedelta(days=days - 1), 17 if h > 3 else 9 + h, 0, tz)
                title = f"{titles[i % len(titles)]}（第{i + 1}期）" if kind == "training" else titles[i % len(titles)]
                capacity = max(len(staff), 20) + 10 if kind == "training" else int(rng.integers(30, 61))
                event = Event(district=district, node=node, node_path=node.path, centre=centre, kind=kind, title=title,
                              description=f"{sub.name}党群服务中心{dict(Event.KINDS)[kind]}", start=start, end=end, capacity=capacity, hours=Decimal(h))
                plan.append((event, staff if kind == "training" else learners, 0.95 if kind == "training" else float(rng.uniform(0.6, 1.1)), False))
    events = Event.objects.bulk_create([e for e, *_rest in plan])
    signups, records = [], []
    root_path = district.root.path
    now = dt.datetime(TODAY.year, TODAY.month, TODAY.day, 12, tzinfo=tz)
    for event, (_e, people, demand, showcase) in zip(events, plan):
        if not people:
            continue
        wanted = min(len(people), max(1, int(event.capacity * demand)))
        if showcase:
            wanted = min(len(people), event.capacity + 3)
        chosen = [people[0]] + [people[int(i)] for i in rng.choice(range(1, len(people)), size=wanted - 1, replace=False)] if showcase and len(people) > 1 \
            else [people[int(i)] for i in rng.choice(len(people), size=wanted, replace=False)]
        opened = event.start - dt.timedelta(days=14)
        span_hours = max(1.0, (min(event.start - dt.timedelta(hours=12), now) - opened).total_seconds() / 3600 - 2)
        rows = []
        for k, person in enumerate(chosen):
            # Spread over the fortnight before the event (or until now), in the daytime.
            when = opened + dt.timedelta(hours=k * span_hours / max(1, len(chosen)) + float(rng.uniform(0, 2)))
            if not 8 <= when.astimezone(tz).hour < 22:
                when = when.astimezone(tz).replace(hour=int(rng.integers(8, 22)))
            rows.append(_Row(person, min(when, now - dt.timedelta(minutes=1))))
        if showcase and resident_login is not None and rows and rows[0].person.pk == resident_login.pk:
            # The demo resident signed up last: on the waiting list of the showcase event.
            rows.append(rows.pop(0))
            if len(rows) > 1:
                rows[-1].signed_up_at = min(now - dt.timedelta(minutes=1), max(r.signed_up_at for r in rows[:-1]) + dt.timedelta(minutes=5))
        _simulate(rows, event.capacity, rng)
        past = event.end < now
        for r in rows:
            if past and r.state == "confirmed" and rng.random() < 0.88:
                r.attended = True
                if event.kind == "activity" and rng.random() < 0.6:
                    r.rating = int(rng.choice([5, 5, 5, 4, 4, 3]))
                    r.feedback = str(rng.choice(["活动很有意义", "希望多举办", "组织得很好", "时间安排合理", ""]))
                if event.kind in ("party_school", "study", "training"):
                    records.append((r.person.pk, district.pk, event.title[:128], event.hours, event.start.astimezone(tz).date(),
                                    r.person.home.path if r.person.home_id else root_path))
            signups.append((event.pk, r.person.pk, r.state, r.signed_up_at, r.attended, r.rating, r.feedback))
    insert(SignUp, ["event", "person", "state", "signed_up_at", "attended", "rating", "feedback"], signups)
    insert(TrainingRecord, ["person", "district", "course", "hours", "day", "node_path"], records)
    return district


class _Row:
    """A sign-up being simulated (lighter than a model instance: the demo makes tens of thousands)."""

    __slots__ = ("person", "signed_up_at", "state", "attended", "rating", "feedback")

    def __init__(self, person, signed_up_at):
        self.person, self.signed_up_at, self.state, self.attended, self.rating, self.feedback = person, signed_up_at, "waiting", False, None, ""


def _simulate(rows, capacity, rng):
    """Sign-ups in time order: confirmed while there is room, then waiting; some confirmed people cancel
    and the first waiting person moves up, as services.activities does."""
    confirmed = 0
    for s in sorted(rows, key=lambda r: r.signed_up_at):
        if confirmed < capacity:
            s.state = "confirmed"
            confirmed += 1
        else:
            s.state = "waiting"
    for s in rows:
        if s.state == "confirmed" and rng.random() < 0.07:
            s.state = "cancelled"
            waiting = sorted((r for r in rows if r.state == "waiting"), key=lambda r: r.signed_up_at)
            if waiting:
                waiting[0].state = "confirmed"


def _trainees(sub):
    """Secretaries and community staff under the subdistrict: the 领头雁 programme's trainees."""
    posts = Post.objects.filter(subtree_q(sub.path, "node__path"), role__in=TRAINEE_ROLES).select_related("person", "person__home").order_by("role", "pk")
    seen, out = set(), []
    for post in posts:
        if post.person_id not in seen and len(out) < 60:
            seen.add(post.person_id)
            out.append(post.person)
    return out
