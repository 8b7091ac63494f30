"""The words of the sample incidents: descriptions per category, notes per step (Chinese).

Descriptions are templates with ``{street}`` (a street's name) or ``{building}`` (a registry
address, e.g. 静淑苑住宅3号楼); `STREET_SHARE` says how often a category happens on a street
rather than at a building. Invented for the demo: no real report, person or phone number.
"""

from __future__ import annotations

STREET_SHARE = {
    "hazard": 0.5,
    "dispute": 0.0,
    "sanitation": 0.7,
    "repair": 0.6,
    "livelihood": 0.0,
    "public_order": 0.6,
    "fire": 0.2,
}
DESCRIPTIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "hazard": {
        "street": (
            "{street}人行道旁树木枝干断裂悬挂，可能砸伤行人",
            "{street}施工围挡倾斜，存在倒塌隐患",
            "{street}路边广告牌松动，大风天有坠落危险",
            "{street}配电箱箱门损坏，电线外露",
        ),
        "building": (
            "{building}外墙瓷砖松动，有坠落风险",
            "{building}楼道内电线私拉乱接，存在安全隐患",
            "{building}地下室有燃气异味，请尽快排查",
            "{building}阳台花盆摆放在护栏外，有坠物隐患",
        ),
    },
    "dispute": {
        "street": (),
        "building": (
            "{building}楼上住户夜间噪音扰民，多次沟通无果",
            "{building}邻里因楼道堆物发生纠纷，请求调解",
            "{building}装修在午休时间施工，噪音扰民",
            "{building}楼上漏水殃及楼下，双方就赔偿协商不成",
            "{building}租户与房东因押金退还发生纠纷",
        ),
    },
    "sanitation": {
        "street": (
            "{street}路边垃圾桶满溢，无人清运",
            "{street}雨水篦子堵塞，积水有异味",
            "{street}人行道上有建筑垃圾堆放多日",
            "{street}共享单车乱停乱放，堵塞盲道",
            "{street}路面有油污，行人易滑倒",
        ),
        "building": (
            "{building}楼下垃圾分类桶站脏乱，异味明显",
            "{building}单元门口堆放大件垃圾多日未清",
            "{building}化粪池返味，污水外溢",
            "{building}楼道内小广告较多，影响环境卫生",
        ),
    },
    "repair": {
        "street": (
            "{street}路灯不亮，夜间出行不便",
            "{street}井盖破损松动，车辆经过有响声",
            "{street}人行道地砖破损翘起，易绊倒行人",
            "{street}交通护栏被撞歪，尚未修复",
        ),
        "building": (
            "{building}单元门门禁损坏，无法关闭",
            "{building}楼道声控灯损坏，夜间漆黑",
            "{building}电梯频繁故障停运，老人上下楼困难",
            "{building}屋顶防水层老化，顶层住户家中漏雨",
            "{building}楼前健身器材损坏，存在安全隐患",
        ),
    },
    "livelihood": {
        "street": (),
        "building": (
            "{building}独居老人反映行动不便，希望提供助餐服务",
            "{building}居民反映供暖温度不达标，室温偏低",
            "{building}居民咨询医保报销和社保卡办理流程",
            "{building}困难家庭申请临时救助",
            "{building}居民反映家中自来水水压不足",
            "{building}残疾居民希望协调加装楼道扶手",
        ),
    },
    "public_order": {
        "street": (
            "{street}夜间有人聚集饮酒喧哗",
            "{street}路口有人散发小广告并尾随推销",
            "{street}有车辆长期占用人行道停放",
            "{street}有流动摊贩占道经营",
        ),
        "building": (
            "{building}楼下电动自行车电瓶被盗",
            "{building}单元门口发现可疑人员多次徘徊",
            "{building}地下室有人私自留宿",
        ),
    },
    "fire": {
        "street": (
            "{street}消火栓被车辆和杂物遮挡",
            "{street}消防车通道被私家车占用",
        ),
        "building": (
            "{building}楼道内有人给电动自行车充电，飞线充电存在火灾隐患",
            "{building}楼道堆放纸箱杂物，堵塞消防通道",
            "{building}楼内灭火器过期未更换",
            "{building}安全出口指示灯不亮，疏散通道门被锁闭",
        ),
    },
}
UNKNOWN_PLACES = (
    "来电人未说明具体位置（称在小区东门附近）",
    "某居民楼楼道内，楼号待核实",
    "公交站旁，来电人未说明站名",
    "一处路口附近，位置待回访确认",
)
"""Addresses no registry knows: such reports wait in the needs-location queue."""
NOTES: dict[str, tuple[str, ...]] = {
    "triaged": (
        "街道派单员分拣：情况属实，转交处理",
        "已电话回访核实，属于受理范围",
        "网格员现场核实，情况属实",
    ),
    "dispatched": ("派单至{to}",),
    "in_progress": (
        "已到场处置",
        "网格员已现场核实，正在协调处理",
        "已联系物业共同处理",
        "已约定上门时间，正在处理",
    ),
    "reopened": (
        "回访时居民反映问题仍未解决，重新办理",
        "居民反映问题复发，重新打开",
    ),
    "rejected": (
        "经核实不属于受理范围，已向居民解释",
        "现场核实未发现所述问题，已告知居民",
    ),
    "duplicate": ("与此前上报的同一问题重复，合并处理",),
    "transferred": ("不属于街道职责，转办至{to}",),
}
RESOLUTIONS: dict[str, tuple[str, ...]] = {
    "hazard": ("隐患已排除", "已设置警示并完成加固", "已协调产权单位完成整改"),
    "dispute": ("经调解双方达成一致", "已组织双方协商，签订调解协议", "已告知当事人合法维权途径"),
    "sanitation": ("已清理完毕", "已通知环卫清运并加密频次", "已疏通并消毒"),
    "repair": ("已完成维修", "已更换损坏部件", "已报修并由维修单位修复"),
    "livelihood": ("已对接相关服务", "已协助办理完毕", "已纳入社区关爱服务名单"),
    "public_order": ("已加强巡逻并处置", "已劝离相关人员", "已移交派出所依法处理"),
    "fire": ("已清理楼道杂物，通道畅通", "已更换灭火器", "已劝导并拆除飞线，引导至充电桩充电"),
}


def feedback_note(score: int) -> str:
    """The note of a closure with the resident's score (1–5).

    Examples
    --------
    >>> feedback_note(5), feedback_note(3), feedback_note(1)
    ('回访：居民表示满意（5分）', '回访：居民基本满意（3分）', '回访：居民不满意（1分）')
    """
    if score >= 4:
        return f"回访：居民表示满意（{score}分）"
    if score == 3:
        return f"回访：居民基本满意（{score}分）"
    return f"回访：居民不满意（{score}分）"
