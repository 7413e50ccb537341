"""Demo step "lists": the four lists of 2025 and 2026 for the district, every subdistrict and a sample of
communities, inspections whose findings became problems with rectification tasks (some done with
evidence, some overdue), through the same services the pages use."""
import datetime as dt

from gridgov.demo.build import step
from gridgov.hierarchy.models import Node
from gridgov.hierarchy.services import subtree_q
from gridgov.people.models import Person, Post
from gridgov.people.roles import ROLES

from ..services import lists as services

# When the demo's inspections and deadlines are judged: the alerts step evaluates at this day.
CUTOFF = dt.date(2026, 11, 1)
COMMUNITIES_PER_SUBDISTRICT = 2

RESPONSIBILITIES = {
    "district": ["全面从严治党主体责任落实", "基层党建工作责任制考核", "党建引领网格化治理统筹推进", "意识形态工作责任制落实"],
    "subdistrict": ["街道党工委抓基层党建述职", "网格党支部全覆盖", "双报到党员管理", "“一街道一品牌”党建品牌创建"],
    "community": ["三会一课按期召开", "网格员定人定岗定责", "社区大党委议事协调", "红色物业联席会议"],
}
PROJECTS = {
    "district": ["智慧党建数据中心建设", "党群服务中心提档升级", "领头雁工程书记培训"],
    "subdistrict": ["党群服务阵地改造", "街道党建联盟共建项目", "老旧小区红色物业引入"],
    "community": ["“党建+”社区服务项目", "居民议事厅建设", "党员志愿服务队组建"],
}
FINDINGS = [
    "三会一课记录不完整", "党员活动阵地利用率低", "网格党支部书记培训未完成", "双报到党员服务时长未登记",
    "党费收缴台账不规范", "红色物业联席会议未按季度召开", "党务公开栏内容未更新", "网格员巡查轨迹缺失",
    "整改台账未建立", "主题党日活动流于形式",
]
TASKS = ["补齐会议记录并由支部书记签字", "制定阵地开放时间表并公示", "组织集中培训并考试", "逐人核对登记服务时长",
         "建立规范台账并专人管理", "召开联席会议形成纪要", "更新党务公开内容", "补录巡查记录并说明原因"]
EVIDENCE = ["已补齐全年会议记录，见支部档案盒", "整改照片及签字记录已上传", "培训签到表和考试成绩存档",
            "台账已建立，经街道党工委核查", "会议纪要已印发"]
SUPERVISORS = ["党建监督员", "区委组织部督查组"]
THIRD_PARTY = "第三方评估机构"


def level_nodes(district, rng):
    """The district, every subdistrict and a sample of communities in each (deterministic)."""
    root = district.root
    subs = list(Node.objects.filter(district=district, kind="subdistrict").order_by("path"))
    nodes = [root] + subs
    for sub in subs:
        comms = list(Node.objects.filter(subtree_q(sub.path), district=district, kind="community").order_by("path"))
        if comms:
            picks = rng.choice(len(comms), size=min(COMMUNITIES_PER_SUBDISTRICT, len(comms)), replace=False)
            nodes += [comms[i] for i in sorted(picks)]
    # The demo logins' community is always among them, so that its secretary has lists to look at.
    login = Node.objects.filter(district=district, kind="community").order_by("code").first()
    if login is not None and login not in nodes:
        nodes.append(login)
    return nodes


def ensure_secretary(ctx, node):
    """The level's secretary, recorded as a post when the demo has none yet."""
    person = services.secretary_of(node)
    if person is not None:
        return person
    role = services.SECRETARY_ROLES[node.kind]
    person = Person.objects.create(district=ctx.district, name=ctx.faker.name(), home=node)
    Post.objects.create(person=person, district=ctx.district, role=role, node=node, title=str(ROLES[role].label))
    return person


def _day(rng, year, first_month=1, last_month=12):
    month = int(rng.integers(first_month, last_month + 1))
    return dt.date(year, month, int(rng.integers(1, 29)))


def _plain_items(ctx, node, owner, year):
    rng = ctx.rng
    made = []
    for kind, titles in (("responsibility", RESPONSIBILITIES[node.kind]), ("project", PROJECTS[node.kind])):
        for title in titles[: int(rng.integers(2, len(titles) + 1))]:
            due = _day(rng, year, 3, 12)
            item = services.create_item(None, node=node, kind=kind, year=year, title=f"{year}年{title}", owner=owner, due=due,
                                        detail=f"{node.name}{title}，按年度计划推进。")
            # 2025 is over: most of it done; 2026 partly done, some late (due before the cutoff).
            finished = rng.random() < (0.85 if year == 2025 else 0.45)
            if finished and due <= CUTOFF + dt.timedelta(days=60):
                late = rng.random() < 0.2
                done_on = min(due + dt.timedelta(days=int(rng.integers(1, 20))) if late else due - dt.timedelta(days=int(rng.integers(0, 30))), CUTOFF)
                services.complete_item(item, evidence="工作台账及相关材料已归档", day=done_on)
            elif due > CUTOFF or rng.random() < 0.5:
                item.state = "in_progress"
                item.save(update_fields=["state"])
            made.append(item)
    return made


def _inspection(ctx, node, owner):
    rng = ctx.rng
    day = _day(rng, 2026, 3, 8)
    kind = "supervisor" if rng.random() < 0.6 else "third_party"
    who = SUPERVISORS[int(rng.integers(2))] if kind == "supervisor" else THIRD_PARTY
    inspector = f"{who}·{ctx.faker.name()}"
    picks = rng.choice(len(FINDINGS), size=int(rng.integers(2, 4)), replace=False)
    findings = [{"title": FINDINGS[i], "detail": f"{day:%Y年%m月}检查发现：{FINDINGS[i]}。", "due": day + dt.timedelta(days=90)} for i in picks]
    inspection = services.record_inspection(None, node=node, kind=kind, inspector=inspector, day=day,
                                            summary=f"对{node.name}党建工作开展{'督查' if kind == 'supervisor' else '第三方评估'}。", findings=findings)
    for problem in inspection.findings.all():
        tasks = []
        for _t in range(int(rng.integers(1, 3))):
            due = problem.due - dt.timedelta(days=int(rng.integers(0, 60)))
            tasks.append(services.add_rectification(problem, TASKS[int(rng.integers(len(TASKS)))], owner, due))
        for task in tasks:
            roll = rng.random()
            if roll < 0.55:  # done on time, with evidence
                done_on = min(task.due - dt.timedelta(days=int(rng.integers(0, 20))), CUTOFF - dt.timedelta(days=1))
                services.complete_item(task, evidence=EVIDENCE[int(rng.integers(len(EVIDENCE)))], day=max(done_on, day))
            elif roll < 0.8 and task.due < CUTOFF:
                pass  # left open past its deadline: the overdue rectification the alerts step finds
            else:  # still running, due after the demo's today (2026-11-29)
                task.due = CUTOFF + dt.timedelta(days=int(rng.integers(35, 90)))
                task.state = "in_progress"
                task.save(update_fields=["due", "state"])
        problem.refresh_from_db()
        if all(t.state == "done" for t in problem.children.all()) and rng.random() < 0.8:
            services.close_problem(problem, day=max(t.done_on for t in problem.children.all()))
    return inspection


@step("lists")
def build_lists(ctx):
    district, rng = ctx.district, ctx.rng
    nodes = level_nodes(district, rng)
    for node in nodes:
        owner = ensure_secretary(ctx, node)
        for year in (2025, 2026):
            _plain_items(ctx, node, owner, year)
        # Every subdistrict and about half the sampled communities were inspected in 2026.
        if node.kind == "subdistrict" or (node.kind == "community" and rng.random() < 0.5):
            _inspection(ctx, node, owner)
    return district
