"""A second open session under the strict preset (proposals/presets.py), with a few proposals that show its
rules at work: a worker's draft that only a delegate could submit, co-signers from one delegation who are
not enough, a proposal through to its delegation's pre-review, a delegation proposal (代表团提案) awaiting
its delegation's share, a proposal whose author invited two delegates, and one handled under the session's
approval of replies (答复审核, `reply_approval`: the supervisor): the lead's draft, a co-handler's
disagreement, the revision, its countersignature, the supervisor's return, the next revision approved; the
author unsatisfied with reason, the second round approved, the author satisfied, then a co-signer's rating.

Made through the real operations (create_proposal, fire_event), at moments of the last few days.
"""

from datetime import datetime, timedelta

from sqlalchemy import select

from ..extensions import db
from ..models import OrgUnit, User
from ..operations import create_proposal, create_session, fire_event

SESSION = ("10-3Y", "第十届职工代表大会第三次会议·严格规则试点")

# (key, author, title, reason, measures, category, fields, co-signers in order)
STORIES = (
    (
        "worker_draft",
        "worker",
        "关于在车间增设饮水点的提案",
        "车间饮水点少，夏季取水需往返五分钟以上。",
        "在机加车间东西两端各增设一处饮水点。",
        "welfare",
        {},
        (),  # a worker, no delegate: the strict session lets only delegates submit; the draft stays hers
    ),
    (
        "one_delegation",
        "delegate2",
        "关于完善夜班交接班记录的提案",
        "夜班交接记录不完整，白班难以掌握设备状况。",
        "统一交接班记录表，纳入班组考核。",
        "production",
        {},
        ("zhaojun", "fengxue", "delegate"),  # three co-signers, all of 第一代表团: a second delegation is wanted
    ),
    (
        "pre_review",
        "delegate",
        "关于设立职工技能等级补贴的提案",
        "技能等级提升后待遇没有变化，职工参加培训积极性不高。",
        "按技能等级设立月度补贴，纳入薪酬制度。",
        "training",
        {},
        ("qianjin", "liming", "zhaojun"),  # three, from three delegations: on to its delegation's pre-review
    ),
    (
        "delegation_proposal",
        "head",
        "关于机加车间通风除尘改造的提案",
        "机加车间粉尘浓度偏高，现有除尘设备老化。",
        "更换除尘设备，增设局部排风装置。",
        "safety",
        {"delegation_proposal": True},
        ("zhaojun",),  # 第一代表团's proposal: half of its three delegates (two) must co-sign; one has
    ),
    (
        "invited",
        "delegate3",
        "关于铸造车间高温岗位轮岗的提案",
        "高温岗位连续作业时间长，职工身体负担重。",
        "高温季节实行两小时轮岗制度。",
        "safety",
        {"invitees": ("delegate2", "qianjin")},
        (),  # the two invited are told, and find it first among their tasks
    ),
)


# the handled one: (event, who, payload), an hour apart, after its submission and co-signing
HANDLED = (
    "handled",
    "delegate",
    "关于更新机加车间劳保手套的提案",
    "现发劳保手套防割性能差，一个月磨破两三副，职工只能自费购买。",
    "改发防割等级更高的手套，按岗位磨损情况核定发放周期。",
    "safety",
    ("qianjin", "liming", "zhaojun"),
)
_FIRST = "已选定防割三级手套，拟于下月起按岗位核定发放周期。"
_SECOND = "已选定防割三级手套，十二月起按岗位核定发放周期；首批已到货，由各班组领用登记。"
_THIRD = "根据职工意见，高磨损岗位的发放周期由一个月缩短为半个月，已于本周起执行，并在车间公示。"
HANDLING = (
    ("forward", "head", {"comment": "同意报送提案工作委员会。"}),
    ("accept", "committee", {"comment": "符合立案条件，予以立案。"}),
    ("assign", "committee", {"lead": "LOGISTICS", "co": ["HR"], "comment": "请后勤保障部牵头，人力资源部配合。"}),
    ("acknowledge", "handler", None),
    ("acknowledge", "handler2", None),
    ("reply", "handler", {"text": _FIRST, "outcome": "B", "planned": 30, "contact": "后勤保障部，内线 6288"}),
    ("countersign", "handler2", {"agree": False, "reason": "发放周期涉及劳保费用标准，需写明按岗位核定的依据。"}),
    ("reply", "handler", {"text": _SECOND, "outcome": "B", "planned": 20, "contact": "后勤保障部，内线 6288"}),
    ("countersign", "handler2", {"agree": True, "comment": "同意。"}),
    ("return_reply", "supervisor", {"reason": "请写明首批到货数量和领用方式，便于职工查询。"}),
    ("reply", "handler", {"text": _SECOND + "首批两千副，凭工号领用。", "outcome": "B", "planned": 20}),
    ("countersign", "handler2", {"agree": True}),
    ("approve_reply", "supervisor", {"comment": "同意答复。"}),
    (
        "evaluate",
        "delegate",
        {"rating": "unsatisfied", "attitude": "satisfied", "comment": "高磨损岗位一个月仍不够用。"},
    ),
    ("reply", "handler", {"text": _THIRD, "outcome": "A", "contact": "后勤保障部，内线 6288"}),
    ("countersign", "handler2", {"agree": True, "comment": "同意，人力资源部已调整劳保费用标准。"}),
    ("approve_reply", "supervisor", None),
    ("evaluate", "delegate", {"rating": "satisfied", "attitude": "satisfied", "comment": "问题已经解决，感谢。"}),
    # a co-signer rates when it suits, after the author's rating closed it (within the feedback days)
    ("evaluate", "qianjin", {"rating": "basically_satisfied", "attitude": "satisfied", "comment": "希望长期坚持。"}),
)


def _handled(session_id: int, people: dict, moment: datetime) -> None:
    """The proposal handled under the approval of replies, step by step through the real operations."""
    key, author, title, reason, measures, category, cosigners = HANDLED
    units = {u.code: u.id for u in db.session.scalars(select(OrgUnit))}
    data = {"session_id": session_id, "title": title, "reason": reason, "measures": measures, "category": category}
    proposal = create_proposal(people[author], data, now=moment)
    moment += timedelta(hours=1)
    fire_event(proposal.id, "submit", people[author], now=moment)
    for name in cosigners:
        moment += timedelta(hours=1)
        fire_event(proposal.id, "cosign", people[name], now=moment)
    for event, who, payload in HANDLING:
        moment += timedelta(hours=1)
        payload = dict(payload or {})
        if "lead" in payload:
            payload["lead_department_id"] = units[payload.pop("lead")]
            payload["cohandler_department_ids"] = [units[c] for c in payload.pop("co")]
        if "planned" in payload:
            payload["planned_date"] = (moment + timedelta(days=payload.pop("planned"))).date().isoformat()
        fire_event(proposal.id, event, people[who], payload or None, now=moment)


def seed(today, now: datetime) -> int:
    """Open the session and play its stories; give the session's id."""
    session = create_session(
        {
            "code": SESSION[0],
            "name": SESSION[1],
            "preset": "strict",
            "collection_start": (today - timedelta(days=20)).isoformat(),
            "collection_end": (today + timedelta(days=25)).isoformat(),
            "cosign_deadline": (today + timedelta(days=32)).isoformat(),
            "reply_approval": "supervisor",
        }
    )
    people = {u.username: u for u in db.session.scalars(select(User))}
    moment = now - timedelta(days=3)
    for key, author, title, reason, measures, category, fields, cosigners in STORIES:
        moment += timedelta(hours=2)
        data = {"session_id": session.id, "title": title, "reason": reason, "measures": measures, "category": category}
        extra = dict(fields)
        if "invitees" in extra:
            extra["invitees"] = [people[name].id for name in extra["invitees"]]
        proposal = create_proposal(people[author], data | extra, now=moment)
        if key == "worker_draft":
            continue
        moment += timedelta(hours=1)
        fire_event(proposal.id, "submit", people[author], now=moment)
        for name in cosigners:
            moment += timedelta(hours=1)
            fire_event(proposal.id, "cosign", people[name], now=moment)
    _handled(session.id, people, now - timedelta(days=2, hours=20))
    return session.id
