"""The standard case categories seeded for each district: event and component classes after
CJ/T 214 / GB/T 30428.2 (2-digit class + 2-digit subclass), plus governance classes."""

# department code -> name
DEPARTMENTS = {
    "cgj": "区城市管理局", "zjj": "区住房和城乡建设局", "scj": "区市场监督管理局", "gaj": "公安分局",
    "jtj": "区交通运输局", "ylj": "区园林绿化中心", "swj": "区水务局", "rlgs": "热力公司", "rqgs": "燃气公司",
    "gdgs": "供电公司", "hbj": "生态环境分局", "mzj": "区民政局", "rsj": "区人力资源和社会保障局",
    "sfj": "区司法局", "yjj": "区应急管理局", "wjj": "区卫生健康委员会", "zfj": "区自然资源分局",
}

# Limits as (register, dispatch, handle): each (value, unit); u = urgent hours, h = working hours, d = working days.
NORMAL = ((1, "h"), (1, "h"), (3, "d"))
QUICK = ((1, "h"), (1, "h"), (1, "d"))
URGENT = ((0.5, "u"), (0.5, "u"), (4, "u"))
COMPLEX = ((2, "h"), (2, "h"), (10, "d"))

# (kind, class code, class name, [(subclass name, department, limits, closing condition)])
TREE = [
    ("event", "E01", "市容环境", [
        ("私搭乱建", "cgj", COMPLEX, "违建拆除或补办手续"), ("暴露垃圾", "cgj", QUICK, "垃圾清运完毕"),
        ("积存垃圾渣土", "cgj", NORMAL, "渣土清运完毕"), ("道路不洁", "cgj", QUICK, "路面清扫干净"),
        ("水域不洁", "swj", NORMAL, "水面漂浮物清理完毕"), ("绿地脏乱", "ylj", QUICK, "绿地清理干净"),
        ("焚烧垃圾树叶", "hbj", QUICK, "明火熄灭、现场清理"), ("油烟污染", "hbj", NORMAL, "安装净化设施或停止排放"),
    ]),
    ("event", "E02", "宣传广告", [
        ("非法小广告", "cgj", QUICK, "小广告清除"), ("违章张贴悬挂广告牌匾", "cgj", NORMAL, "违规牌匾拆除"),
        ("占道广告牌", "cgj", NORMAL, "广告牌移除"), ("街头散发广告", "cgj", QUICK, "行为制止"),
    ]),
    ("event", "E03", "施工管理", [
        ("施工扰民", "zjj", QUICK, "夜间施工停止或取得许可"), ("工地扬尘", "zjj", QUICK, "覆盖、洒水到位"),
        ("道路遗撒", "cgj", QUICK, "遗撒清理完毕"), ("施工废弃料", "zjj", NORMAL, "废料清运完毕"),
        ("施工占道", "jtj", NORMAL, "恢复通行或取得占道许可"), ("无证掘路", "jtj", NORMAL, "停止挖掘、恢复路面"),
    ]),
    ("event", "E04", "突发事件", [
        ("路面塌陷", "jtj", URGENT, "围挡警示并修复"), ("自来水管破裂", "swj", URGENT, "关阀止水并修复"),
        ("燃气管道破裂", "rqgs", URGENT, "切断气源并修复"), ("下水道堵塞或破损", "swj", URGENT, "疏通或修复"),
        ("热力管道破裂", "rlgs", URGENT, "止漏并修复"), ("道路积水", "swj", URGENT, "积水排除"),
        ("道路积雪结冰", "cgj", URGENT, "除雪除冰完成"), ("火灾隐患", "yjj", URGENT, "隐患消除"),
    ]),
    ("event", "E05", "街面秩序", [
        ("无照经营游商", "scj", QUICK, "劝离或查处"), ("流浪乞讨", "mzj", QUICK, "救助或劝离"),
        ("占道废品收购", "cgj", QUICK, "占道清除"), ("店外经营", "cgj", QUICK, "经营物品撤回店内"),
        ("机动车乱停放", "gaj", QUICK, "车辆挪走或处罚"), ("非机动车乱停放", "cgj", QUICK, "车辆规整"),
        ("露天烧烤", "cgj", QUICK, "烧烤停止"), ("占道堆物", "cgj", QUICK, "堆物清除"),
    ]),
    ("event", "E06", "扩展事件", [
        ("违规饲养家禽家畜", "cgj", NORMAL, "清理完毕"), ("群租房隐患", "gaj", COMPLEX, "整改到位"),
        ("食品安全隐患", "scj", NORMAL, "查处到位"),
    ]),
    ("component", "C01", "公用设施", [
        ("上水井盖", "swj", URGENT, "井盖补齐或更换"), ("污水井盖", "swj", URGENT, "井盖补齐或更换"),
        ("雨水井盖", "swj", URGENT, "井盖补齐或更换"), ("电力井盖", "gdgs", URGENT, "井盖补齐或更换"),
        ("燃气井盖", "rqgs", URGENT, "井盖补齐或更换"), ("消防栓", "yjj", NORMAL, "消防栓完好可用"),
        ("路灯", "cgj", NORMAL, "路灯恢复照明"), ("公共厕所", "cgj", NORMAL, "设施恢复使用"),
        ("垃圾箱", "cgj", QUICK, "垃圾箱修复或更换"),
    ]),
    ("component", "C02", "道路交通", [
        ("交通信号灯", "gaj", URGENT, "信号灯恢复"), ("交通标志牌", "jtj", NORMAL, "标志牌修复"),
        ("道路护栏", "jtj", NORMAL, "护栏修复"), ("公交站亭", "jtj", NORMAL, "站亭修复"),
        ("人行道破损", "jtj", NORMAL, "铺装修复"), ("隔离墩", "jtj", NORMAL, "隔离墩复位"),
    ]),
    ("component", "C03", "市容环境", [
        ("广告牌匾破损", "cgj", NORMAL, "牌匾修复或拆除"), ("垃圾楼站", "cgj", NORMAL, "设施修复"),
        ("公共健身设施", "mzj", NORMAL, "设施修复"),
    ]),
    ("component", "C04", "园林绿化", [
        ("行道树", "ylj", NORMAL, "树木扶正或补植"), ("绿地破坏", "ylj", NORMAL, "绿地恢复"),
        ("花坛花箱", "ylj", NORMAL, "花坛修复"), ("古树名木", "ylj", NORMAL, "养护到位"),
    ]),
    ("component", "C05", "房屋土地", [
        ("危旧房屋", "zjj", COMPLEX, "鉴定并处置"), ("违法占地", "zfj", COMPLEX, "查处到位"),
        ("楼道设施损坏", "zjj", NORMAL, "设施修复"),
    ]),
    ("component", "C06", "其他设施", [
        ("通信线缆", "gdgs", NORMAL, "线缆规整"), ("监控设施", "gaj", NORMAL, "设备恢复"),
    ]),
    ("governance", "G01", "矛盾纠纷", [
        ("邻里纠纷", "sfj", NORMAL, "调解达成或转办"), ("家庭纠纷", "sfj", NORMAL, "调解达成或转办"),
        ("物业纠纷", "zjj", COMPLEX, "调解达成或转办"), ("劳资纠纷", "rsj", COMPLEX, "调解达成或转仲裁"),
    ]),
    ("governance", "G02", "治安隐患与线索（网格+警格）", [
        ("治安隐患", "gaj", QUICK, "隐患消除"), ("消防隐患", "yjj", QUICK, "隐患消除"),
        ("可疑线索", "gaj", URGENT, "核查完毕"), ("电信诈骗线索", "gaj", QUICK, "核查并劝阻"),
    ]),
    ("governance", "G03", "居民服务（百通岗）", [
        ("证明开具", "mzj", QUICK, "证明出具"), ("社保咨询", "rsj", QUICK, "答复到位"),
        ("养老服务", "mzj", NORMAL, "服务落实"), ("残疾人服务", "mzj", NORMAL, "服务落实"),
        ("就业援助", "rsj", NORMAL, "援助落实"), ("医疗卫生咨询", "wjj", QUICK, "答复到位"),
    ]),
]

UNIT = {"u": "urgent_hours", "h": "working_hours", "d": "working_days"}


def subclass_count():
    return sum(len(subs) for *_x, subs in TREE)
