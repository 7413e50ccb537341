"""Demo step "mediation": a year of disputes per community (neighbours, family, property, wages…) mediated
jointly by the community, police station and judicial office, with sessions, agreements, outcomes and
follow-up visits; about a third opened from a case that a patrol or a resident reported."""
import datetime as dt

from gridgov.demo.build import step
from gridgov.demo.fastinsert import insert_objects
from gridgov.hierarchy.models import Node
from gridgov.hierarchy.services import subtree_q
from gridgov.cases.models import Case

from ..models import FollowUp, Mediation, MediationParty, MediationSession
from .deliberation import TODAY, YEAR_END, YEAR_START, chosen_communities, random_day

MEDIATIONS_PER_COMMUNITY = 10
DISPUTES = {
    "neighbour": [("楼上漏水致楼下天花板受损", "楼上住户卫生间漏水，致楼下住户天花板及墙面受损，双方就赔偿金额发生争执。", ("受损住户", "楼上住户")),
                  ("邻里噪音纠纷", "楼上住户夜间噪音较大，楼下住户多次沟通未果，矛盾升级。", ("投诉人", "被投诉人")),
                  ("公共通道占用纠纷", "一楼住户在公共通道搭建储物间，影响其他住户通行。", ("相邻住户", "搭建住户"))],
    "family": [("赡养老人费用分担纠纷", "兄妹三人就母亲赡养费用及轮流照料安排产生矛盾。", ("申请人", "被申请人")),
               ("婚姻家庭矛盾", "夫妻因家庭琐事长期争吵，女方向社区求助。", ("女方", "男方"))],
    "property": [("物业服务质量纠纷", "业主以物业服务不到位为由拒交物业费，物业公司催缴未果。", ("业主", "物业服务企业")),
                 ("车位使用权纠纷", "业主与物业就地下车位租用期限及费用发生争议。", ("业主", "物业服务企业"))],
    "labour": [("装修工人工资拖欠", "装修队负责人拖欠工人工资，工人到社区求助。", ("工人代表", "装修队负责人")),
               ("商铺员工工资纠纷", "临街商铺未按约定支付员工两个月工资。", ("员工", "商铺经营者"))],
    "consumer": [("预付卡退费纠纷", "健身房停业，会员要求退还预付卡余额。", ("消费者", "经营者"))],
    "other": [("宠物伤人赔偿纠纷", "小区犬只咬伤儿童，双方就医疗费用赔偿协商不一。", ("受害方家长", "犬主"))],
}
KIND_WEIGHTS = {"neighbour": 0.35, "family": 0.15, "property": 0.2, "labour": 0.12, "consumer": 0.08, "other": 0.1}
BODY_SETS = [["community"], ["community", "police"], ["community", "justice"], ["community", "police", "justice"],
             ["community", "justice", "lawyer"], ["community", "labour"], ["community", "justice", "court"]]
MEDIATORS = {"community": "社区调委会", "police": "派出所社区民警", "justice": "司法所调解员", "court": "法官工作室", "labour": "劳动监察员",
             "lawyer": "法律顾问"}
AGREEMENTS = ["双方自愿达成调解协议：由责任方一次性赔偿{n}元，并于十日内修复。", "双方同意按协商方案分担费用，签订书面调解协议。",
              "被申请方于{m}月底前付清欠款{n}元，申请方不再追究。", "双方互谅互让，约定今后相互尊重、和睦相处。"]
OUTCOMES = ["协议已履行完毕，双方关系缓和", "已按协议赔偿到位，纠纷化解", "协议履行完毕，当事人表示满意", "经回访未再发生矛盾"]
FAILED = "双方分歧较大未能达成协议，已告知当事人通过诉讼途径解决并提供法律援助指引"
PLACES = ["社区人民调解室", "党群服务中心调解室", "网格服务站", "派出所警务室"]


@step("mediation")
def build_mediation(ctx):
    district, rng, faker = ctx.district, ctx.rng, ctx.faker
    kinds = list(KIND_WEIGHTS)
    weights = [KIND_WEIGHTS[k] for k in kinds]
    rows, meta = [], []
    for community in chosen_communities(ctx):
        cells = list(Node.objects.filter(subtree_q(community.path), kind=district.cell_kind).order_by("path"))
        cases = list(Case.objects.filter(district=district).filter(subtree_q(community.path, "node_path")).order_by("pk")[:200])
        for i in range(MEDIATIONS_PER_COMMUNITY):
            kind = str(rng.choice(kinds, p=weights))
            title, summary, roles = DISPUTES[kind][int(rng.integers(len(DISPUTES[kind])))]
            case = cases[int(rng.integers(len(cases)))] if cases and rng.random() < 0.33 else None
            node = case.grid if case is not None else (cells[int(rng.integers(len(cells)))] if cells else community)
            opened = max(YEAR_START, case.reported_at.date()) if case is not None and getattr(case, "reported_at", None) else random_day(rng)
            opened = min(opened, YEAR_END)
            if case is None and rng.random() < 0.15:
                # Disputes of the current month, still being mediated.
                opened = TODAY - dt.timedelta(days=int(rng.integers(1, 28)))
            age = (TODAY - opened).days
            roll = rng.random()
            state = ("open" if roll < 0.6 else "agreed") if age < 30 else ("closed" if roll < 0.85 else "failed" if roll < 0.93 else "agreed")
            sets = [b for b in BODY_SETS if ("labour" in b) == (kind == "labour")]
            bodies = sets[int(rng.integers(len(sets)))]
            n = int(rng.integers(5, 80)) * 100
            agreement = AGREEMENTS[int(rng.integers(len(AGREEMENTS)))].format(n=n, m=(opened.month % 12) + 1) if state in ("agreed", "closed") else ""
            closed_on = min(TODAY, opened + dt.timedelta(days=int(rng.integers(7, 45)))) if state == "closed" else None
            rows.append(Mediation(district=district, node=node, node_path=node.path, kind=kind, title=f"{node.name}{title}", summary=summary,
                                  place=PLACES[int(rng.integers(len(PLACES)))], bodies=bodies, case=case, state=state, agreement=agreement,
                                  outcome=OUTCOMES[int(rng.integers(len(OUTCOMES)))] if state == "closed" else FAILED if state == "failed" else "",
                                  opened_on=opened, closed_on=closed_on))
            meta.append((roles, bodies, opened, state, closed_on))
    rows = Mediation.objects.bulk_create(rows)
    parties, sessions, visits = [], [], []
    for m, (roles, bodies, opened, state, closed_on) in zip(rows, meta):
        for role in roles:
            parties.append(MediationParty(mediation=m, name=faker.name(), phone=faker.phone_number(), role=role))
        if rng.random() < 0.2:
            parties.append(MediationParty(mediation=m, name=faker.name(), phone=faker.phone_number(), role="第三人"))
        last = closed_on or min(TODAY, opened + dt.timedelta(days=30))
        for k in range(int(rng.integers(1, 4))):
            day = min(last, opened + dt.timedelta(days=int(rng.integers(0, 10)) + 7 * k))
            sessions.append(MediationSession(mediation=m, day=day, mediators="、".join(MEDIATORS[b] for b in bodies),
                                             notes="分别听取双方陈述，释法明理，引导双方换位思考。" if k == 0 else "面对面协商，逐条确认协议内容。"))
        if state == "closed":
            for k in range(int(rng.integers(1, 3))):
                day = closed_on + dt.timedelta(days=15 + 30 * k)
                if day <= TODAY:
                    visits.append(FollowUp(mediation=m, day=day, by="网格员、社区调委会", notes=OUTCOMES[int(rng.integers(len(OUTCOMES)))]))
    insert_objects(MediationParty, parties)
    insert_objects(MediationSession, sessions)
    insert_objects(FollowUp, visits)
    return district
