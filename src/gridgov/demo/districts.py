"""The three seed districts: real GB/T 2260 codes, true locations, published counts (MISSION.md)
and plausible Chinese names for the levels below."""
from dataclasses import dataclass, field

SAIHAN_LEVELS = ["district", "subdistrict", "community", "grid", "building", "entrance"]
GUANDU_LEVELS = ["district", "subdistrict", "community", "residents_group", "building"]


@dataclass
class DistrictSpec:
    code: str
    name: str
    city: str
    levels: list
    lon: float
    lat: float
    radius: float
    subdistricts: list
    communities: int
    cells: int
    known_communities: list = field(default_factory=list)
    thematic_layers: bool = False
    # Communities whose grids get buildings (and entrances where the scheme has them).
    detailed_communities: int = 1


SPECS = [
    DistrictSpec(
        code="150105", name="赛罕区", city="呼和浩特市", levels=SAIHAN_LEVELS,
        lon=111.70, lat=40.80, radius=0.11,
        subdistricts=["人民路街道", "大学西路街道", "乌兰察布东路街道", "大学东路街道", "中专路街道",
                      "敕勒川路街道", "昭乌达路街道", "巴彦街道", "中环路街道", "金桥街道"],
        communities=72, cells=337,
        known_communities=["创业社区", "金宇文苑社区", "达尔登社区"],
    ),
    DistrictSpec(
        code="140105", name="小店区", city="太原市", levels=SAIHAN_LEVELS,
        lon=112.56, lat=37.74, radius=0.13,
        subdistricts=["坞城街道", "营盘街道", "北营街道", "龙城街道", "平阳路街道", "黄陵街道", "小店街道"],
        communities=123, cells=1240, thematic_layers=True,
    ),
    DistrictSpec(
        code="530111", name="官渡区", city="昆明市", levels=GUANDU_LEVELS,
        lon=102.75, lat=25.02, radius=0.10,
        subdistricts=["关上街道", "太和街道", "吴井街道", "金马街道", "小板桥街道", "官渡街道", "矣六街道", "六甲街道"],
        communities=63, cells=441,
    ),
]
SPEC_BY_CODE = {s.code: s for s in SPECS}

_FIRST = list("锦绣和平幸福光明春华丰泽绿苑青城文苑民族兴安康乐南湖北苑东升西山金秋翠林新华朝阳阳光滨河友谊永安宏达泰和瑞祥嘉园清风明珠")
_SECOND = list("园苑里湾城坊庭居街路")


def community_names(count, rng, known=()):
    """`count` distinct community names, the known ones (from the seed text) first."""
    names = list(known)
    seen = set(names)
    while len(names) < count:
        a, b = rng.choice(len(_FIRST), size=2, replace=False)
        name = f"{_FIRST[a]}{_FIRST[b]}{_SECOND[rng.integers(len(_SECOND))]}社区"
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names[:count]


_NUMERALS = "零一二三四五六七八九十"


def chinese_number(n):
    if n <= 10:
        return _NUMERALS[n]
    if n < 20:
        return "十" + _NUMERALS[n - 10]
    tens, ones = divmod(n, 10)
    return _NUMERALS[tens] + "十" + (_NUMERALS[ones] if ones else "")


def cell_name(kind, serial):
    if kind == "residents_group":
        return f"第{chinese_number(serial)}居民小组"
    return f"第{chinese_number(serial)}网格"
