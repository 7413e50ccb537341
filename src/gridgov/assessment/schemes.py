"""The default index schemes per district, as data: categories, indicators (computed from platform
data, or manual with evidence), bonus and veto items, and the colour bands. The district edits them after seeding."""

# An indicator: (code, name, kind, computation key or "", weight, params, how it is scored).
# Bands: (name, colour, minimum total) from the best (rank 1) down.

SCORED_TARGETS = "目标值达到即得满分，按比例得分"
NO_CASE_FULL = "当月无相关案件得满分"

SAIHAN = {
    "name": "赛罕区党建引领网格化治理晴雨表",
    "description": "六大类十七项指标，满分100分，另设加分项和一票否决项；五色评价（红色最优）。",
    # Longquan's five colours: red is the best.
    "bands": [("红色", "#c0392b", 90), ("橙色", "#e67e22", 80), ("蓝色", "#2e86c1", 70), ("绿色", "#27ae60", 60), ("黄色", "#f1c40f", 0)],
    "categories": [
        ("组织建设", [
            ("org_meetings", "“三会一课”按时召开", "computed", "meetings_on_time", 8, {},
             "支委会、主题党日每月一次，党员大会、党课每季度至少一次；按已召开项数比例得分"),
            ("org_attendance", "党员参会率", "computed", "attendance_rate", 6, {"target": 0.9},
             "当月会议出席人次/应到人次（请假不计），达到90%得满分"),
            ("org_standard", "党支部达标率", "computed", "branches_standard", 6, {"target": 1},
             "辖区内达标党支部占比（以当年达标检查为准）"),
        ]),
        ("队伍建设", [
            ("people_dual_hours", "双报到党员人均服务时长", "computed", "dual_service_hours", 5, {"target": 24, "window_months": 12},
             "近12个月双报到服务时长/在册双报到党员数，人均24小时得满分"),
            ("people_points", "党员平均积分", "computed", "member_points", 5, {"target": 80},
             "辖区党员年度积分平均值，达到80分得满分"),
            ("people_training", "书记培训完成情况", "computed", "secretary_training", 5, {"hours_per_year": 12},
             "书记年度培训12学时，按月累计进度得分"),
        ]),
        ("阵地建设", [
            ("position_activities", "党群服务中心月活动次数", "computed", "centre_activities", 6, {"target": 2, "without_centre": 0.5},
             "辖区当月开展活动2次得满分；无可用阵地减半"),
            ("position_completeness", "“五长一队一阵地”配齐率", "computed", "grid_completeness", 6, {"target": 1},
             "辖区网格中五长、书记、综合服务队和阵地全部配齐的比例"),
        ]),
        ("治理效能", [
            ("gov_on_time", "案件按期办结率", "computed", "cases_on_time", 7, {"target": 0.95, "empty_ratio": 1},
             "当月办结案件中按期办结的比例，95%得满分；" + NO_CASE_FULL),
            ("gov_rework", "案件返工率", "computed", "rework_rate", 5, {"lower_is_better": True, "worst": 0.2, "empty_ratio": 1},
             "当月办结案件中返工的比例，越低越好，20%及以上不得分；" + NO_CASE_FULL),
            ("gov_escalations", "上报事项解决率", "computed", "escalations_resolved", 6, {"target": 0.9, "empty_ratio": 1},
             "当月在办的逐级上报案件中月末已办结的比例；" + NO_CASE_FULL),
            ("gov_red_property", "红色物业问题解决率", "computed", "red_property_solved", 6,
             {"target": 0.8, "empty_ratio": 1, "category_words": ["物业"]},
             "名称含“物业”的案件类别，当月在办案件中月末已办结的比例；" + NO_CASE_FULL),
        ]),
        ("服务群众", [
            ("service_satisfaction", "群众满意度", "computed", "satisfaction", 7, {"target": 0.95, "empty_ratio": 1},
             "当月案件评价中满意和基本满意的比例；当月无评价得满分"),
            ("service_volunteer", "每千名居民志愿服务时长", "computed", "volunteer_hours", 5, {"target": 1200, "window_months": 12},
             "近12个月志愿服务时长×1000/辖区居民数，1200小时得满分"),
            ("service_three_lists", "“三张清单”群众需求办结情况", "manual", "", 5, {},
             "需求、资源、项目三张清单尚未上线（议题6），由考核人员凭佐证材料打分"),
        ]),
        ("特色创新", [
            ("innovation_demonstration", "示范社区创建进度", "manual", "", 6, {},
             "由考核人员依据创建台账和佐证材料打分"),
            ("innovation_committee", "社区“大党委”运行和品牌项目", "computed", "committee_activity", 6, {"target": 10},
             "所在（或上级）大党委委员席位数，兼职委员按2计，达到10得满分"),
        ]),
    ],
    "bonus": [("bonus_honours", "获得表彰", "bonus", "honours", 0, {"points_per_honour": 2}, "每项表彰加2分，最多加5分", 5)],
    "veto": [
        ("veto_incident", "发生重大责任事件", "veto", "", 0, {}, "由考核人员凭佐证材料认定，一票否决"),
        ("veto_lapsed", "组织涣散（连续三个月未开展组织生活）", "veto", "lapsed", 0, {"months": 3, "org_kinds": ["branch", "general_branch"]},
         "有在册党员的党支部、党总支连续三个月无任何会议记录，一票否决"),
    ],
}

XIAODIAN = {
    "name": "小店区网格党建三色预警评价",
    "description": "四类十二项指标，满分100分；绿黄红三色（红色最差，需整改）。",
    # Red is the worst here, as in Qimen and Rongxian.
    "bands": [("绿色", "#27ae60", 85), ("黄色", "#f1c40f", 70), ("红色", "#c0392b", 0)],
    "categories": [
        ("组织建设", [
            ("org_meetings", "“三会一课”按时召开", "computed", "meetings_on_time", 10, {}, "按已召开项数比例得分"),
            ("org_attendance", "党员参会率", "computed", "attendance_rate", 10, {"target": 0.9}, "达到90%得满分"),
            ("org_standard", "党支部达标率", "computed", "branches_standard", 10, {"target": 1}, "辖区内达标党支部占比"),
        ]),
        ("队伍建设", [
            ("people_dual_hours", "双报到党员人均服务时长", "computed", "dual_service_hours", 10, {"target": 24, "window_months": 12},
             "近12个月人均24小时得满分"),
            ("people_points", "党员平均积分", "computed", "member_points", 10, {"target": 80}, "达到80分得满分"),
        ]),
        ("治理效能", [
            ("gov_on_time", "案件按期办结率", "computed", "cases_on_time", 10, {"target": 0.95, "empty_ratio": 1}, NO_CASE_FULL),
            ("gov_rework", "案件返工率", "computed", "rework_rate", 5, {"lower_is_better": True, "worst": 0.2, "empty_ratio": 1}, NO_CASE_FULL),
            ("gov_satisfaction", "群众满意度", "computed", "satisfaction", 10, {"target": 0.95, "empty_ratio": 1}, "当月无评价得满分"),
            ("gov_rectification", "整改任务按期完成率", "computed", "rectification_done", 5, {"target": 1, "empty_ratio": 1},
             "到期整改任务中已完成的比例；无到期任务得满分"),
        ]),
        ("服务群众", [
            ("service_volunteer", "每千名居民志愿服务时长", "computed", "volunteer_hours", 10, {"target": 1200, "window_months": 12},
             "近12个月每千名居民1200小时得满分"),
            ("service_three_lists", "“三张清单”群众需求办结情况", "manual", "", 10, {}, "三张清单尚未上线，由考核人员凭佐证材料打分"),
        ]),
    ],
    "bonus": [("bonus_honours", "获得表彰", "bonus", "honours", 0, {"points_per_honour": 2}, "每项表彰加2分，最多加4分", 4)],
    "veto": [
        ("veto_incident", "发生重大责任事件", "veto", "", 0, {}, "由考核人员凭佐证材料认定"),
        ("veto_lapsed", "组织涣散（连续三个月未开展组织生活）", "veto", "lapsed", 0, {"months": 3}, "连续三个月无会议记录"),
    ],
}

GUANDU = {
    "name": "官渡区基层党组织月度考评",
    "description": "与星级评定衔接的月度考评：四类九项，满分100分；优秀、良好、一般、较差四档。",
    "bands": [("优秀", "#c0392b", 90), ("良好", "#e67e22", 75), ("一般", "#2e86c1", 60), ("较差", "#7f8c8d", 0)],
    "categories": [
        ("组织建设", [
            ("org_meetings", "“三会一课”按时召开", "computed", "meetings_on_time", 15, {}, "按已召开项数比例得分"),
            ("org_attendance", "党员参会率", "computed", "attendance_rate", 10, {"target": 0.9}, "达到90%得满分"),
            ("org_standard", "党支部达标率", "computed", "branches_standard", 15, {"target": 1}, "辖区内达标党支部占比"),
        ]),
        ("队伍建设", [
            ("people_training", "书记培训完成情况", "computed", "secretary_training", 10, {"hours_per_year": 12}, "年度12学时按月累计"),
            ("people_points", "党员平均积分", "computed", "member_points", 10, {"target": 80}, "达到80分得满分"),
        ]),
        ("阵地建设", [
            # Guandu's cells are residents' groups, not grids with 五长一队一阵地 staffing: its positions
            # are judged by what happens there.
            ("position_activities", "阵地月活动次数", "computed", "centre_activities", 15, {"target": 2, "without_centre": 0.5},
             "辖区当月开展活动2次得满分；无可用阵地减半"),
        ]),
        ("治理效能", [
            ("gov_on_time", "案件按期办结率", "computed", "cases_on_time", 10, {"target": 0.95, "empty_ratio": 1}, NO_CASE_FULL),
            ("gov_rectification", "整改任务按期完成率", "computed", "rectification_done", 10, {"target": 1, "empty_ratio": 1}, "无到期任务得满分"),
            ("gov_satisfaction", "群众满意度", "computed", "satisfaction", 5, {"target": 0.95, "empty_ratio": 1}, "当月无评价得满分"),
        ]),
    ],
    "bonus": [("bonus_honours", "获得表彰", "bonus", "honours", 0, {"points_per_honour": 2}, "每项表彰加2分，最多加5分", 5)],
    "veto": [("veto_incident", "发生重大责任事件", "veto", "", 0, {}, "由考核人员凭佐证材料认定")],
}

DEFAULTS = {"150105": SAIHAN, "140105": XIAODIAN, "530111": GUANDU}
# A district without its own default gets Saihan's structure.
FALLBACK = SAIHAN
