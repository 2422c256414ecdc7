"""What generated proposals say: titles, reasons, measures and the words of each step, in Chinese."""

import random

# (what to do, about what): "关于" + do + place + what + "的提案"
SUBJECTS = (
    ("改善", "职工食堂就餐环境"),
    ("增设", "职工休息室"),
    ("提高", "一线职工高温津贴标准"),
    ("改善", "夜间道路照明"),
    ("增加", "通勤班车线路"),
    ("建设", "职工健身房"),
    ("完善", "职工带薪休假制度"),
    ("规范", "现场5S管理"),
    ("更换", "老旧照明灯具"),
    ("开通", "网上费用报销系统"),
    ("建立", "合理化建议奖励制度"),
    ("加强", "新员工岗前培训"),
    ("改造", "职工浴室"),
    ("增设", "电动自行车充电桩"),
    ("完善", "职工体检项目"),
    ("优化", "倒班作息安排"),
    ("提高", "夜班津贴标准"),
    ("加强", "危险化学品管理"),
    ("增加", "劳动防护用品配发"),
    ("设立", "职工子女暑期托管班"),
    ("改善", "职工宿舍住宿条件"),
    ("完善", "技能等级认定办法"),
    ("推行", "班组民主管理"),
    ("加强", "设备预防性维护"),
    ("建设", "职工书屋"),
    ("增设", "母婴室"),
    ("改善", "车间通风降温条件"),
    ("规范", "加班审批和调休管理"),
    ("开展", "职工心理健康服务"),
    ("降低", "车间噪声"),
    ("完善", "困难职工帮扶机制"),
    ("加快", "老旧设备更新改造"),
    ("优化", "物料配送流程"),
    ("推进", "厂务公开"),
    ("提高", "工作餐补贴标准"),
    ("增加", "停车位"),
    ("改进", "工作服款式和面料"),
    ("加强", "消防通道管理"),
    ("开展", "职工技能竞赛"),
    ("完善", "职工疗休养制度"),
)
PLACES = ("", "", "", "机加车间", "装配车间", "铸造车间", "物流中心", "机关", "厂区北区", "热处理车间", "仓储中心")
WHY = (
    "职工反映强烈，问题已存在多年。",
    "影响职工的正常工作和生活，存在一定安全隐患。",
    "与兄弟单位相比差距较大，职工意见较多。",
    "现行做法不适应生产发展的需要，效率不高。",
    "高峰时段矛盾突出，职工多次通过班组会议提出。",
)
HOW = (
    "建议由相关部门牵头调研，制定方案并限期落实。",
    "建议纳入明年预算，分步实施，先行试点。",
    "建议参照兄弟单位的做法，制定具体办法并公开征求职工意见。",
    "建议明确责任部门和完成时间，定期向职工代表通报进展。",
)
COSIGN_COMMENTS = ("同意，这个问题职工反映较多。", "赞同，建议尽快落实。", "附议。")
REJECT_REASONS = (
    "属个人诉求，不符合提案立案条件，请通过相关渠道反映。",
    "超出职代会提案受理范围，已作为意见转有关部门参考。",
    "内容不具体，缺少可操作的措施，建议修改后作为意见建议提出。",
)
SEND_BACK_REASONS = ("一案多事，请拆分后重新提交。", "建议措施不够具体，请补充后重新提交。")
DECLINE_REASON = "此事不属本部门职责，请重新交办。"
EXTEND_REASON = "涉及预算调整，需报公司审批，申请延期答复。"
URGE_COMMENT = "已超过答复期限，请抓紧办理。"
COUNTERSIGN_COMMENT = "同意主办部门的答复意见。"
PROGRESS_NOTE = "已组织相关人员现场调研，正在制定落实方案。"
REHANDLE_NOTE = "根据提案人意见重新办理，已与提案人当面沟通，正在补充落实措施。"
REPLIES = {
    "A": ("经研究，提案所提问题已解决，相关措施已落实到位。", "提案建议已采纳，已于本季度完成整改。"),
    "B": ("提案所提问题正在解决，已列入明年工作计划，预计年底前完成。", "已制定实施方案，正在分步推进。"),
    "C": ("因受资金和场地条件限制，暂不能解决，留作参考。", "该事项需统筹考虑，目前暂不具备条件，留作参考。"),
}
RATINGS = ("satisfied", "basically_satisfied", "unsatisfied")
RATING_COMMENTS = {
    "satisfied": "问题已经解决，感谢承办部门。",
    "basically_satisfied": "基本满意，希望后续持续跟进落实。",
    "unsatisfied": "答复比较笼统，没有具体措施和时间表，请重新办理。",
}
ESCALATE_REASONS = (
    "涉及公司层面统筹，超出本单位职权范围，提请公司工会研究。",
    "需公司职能部门协调解决，本单位无权处理。",
)
GENERIC = {"comment": ("请尽快处理。", "同意。"), "reason": ("情况已有变化。", "已通过其他渠道解决。")}


def proposal(rng: random.Random) -> tuple[str, str, str]:
    """A title, the reasons and the measures of one proposal."""
    do, what = rng.choice(SUBJECTS)
    place = rng.choice(PLACES)
    title = f"关于{do}{place}{what}的提案"
    reason = f"{place or '公司'}{what}方面{rng.choice(WHY)}"
    measures = f"{do}{what}：{rng.choice(HOW)}"
    return title, reason, measures


def maybe(rng: random.Random, key: str, choices=None) -> dict:
    """An optional payload field: given half the time."""
    if rng.random() < 0.5:
        return {}
    return {key: rng.choice(choices or GENERIC[key])}


def send_back(rng: random.Random) -> dict:
    return {"reason": rng.choice(SEND_BACK_REASONS)}


def contact(rng: random.Random) -> str:
    return f"联系电话 6{rng.randint(0, 999):03d}"
