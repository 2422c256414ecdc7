"""The group of unions (两级工会) at work: three grassroots unions hold congresses of their own beside the
company's, one of them under the strict preset, each with its own committee (people who hold roles there,
organisation.GRASSROOTS_ROLES).

- 机加车间工会 (JJ-5-2): a proposal beyond the workshop's authority (a commuter bus line for the whole
  company) escalated (上报) to the company's open session, accepted and handled there and rated by its
  author, the grassroots committee following it to the end; one of its own handled by its own department
  (机加车间设备科) and closed; one under its committee's review.
- 装配车间工会 (ZP-4-1), strict: a proposal through three co-signers and its delegation's pre-review, now
  under the grassroots committee's review.
- 物流中心工会 (WL-3-2): a proposal accepted by the grassroots committee and assigned to a company
  department.

Made through the real operations, at moments of the last weeks; the company's part of the escalated one
comes after every other decision of the company's session, which numbers proposals in decision order.
"""

from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from ..extensions import db
from ..models import HistoryEntry, OrgUnit, Proposal, User
from ..operations import create_proposal, create_session, fire_event

# (code, name, union, preset and settings of its own)
SESSIONS = (
    ("JJ-5-2", "机加车间第五届职工代表大会第二次会议", "GH-JJ", {}),
    ("ZP-4-1", "装配车间第四届职工代表大会第一次会议", "GH-ZP", {"preset": "strict", "min_cosigner_delegations": 0}),
    ("WL-3-2", "物流中心第三届职工代表大会第二次会议", "GH-WL", {}),
)
CODES = tuple(s[0] for s in SESSIONS)

ESCALATION_REASON = "通勤班车由公司统一规划和出资，超出车间工会职权范围，报送公司工会提案工作委员会。"
_BUS = "已与市公交公司签订定制公交协议，下月一日起开通厂区至城东新区早晚各两班通勤班车，时刻表已在公司门户公布。"
_CABINET = "已在机加车间三条产线旁各增设一组带锁刀具柜，刀具按班组定置存放。"

# (union, author, title, reason, measures, category, co-signers, steps: (event, who, payload) in the union's
# own session, and for the escalated one the company's steps after it)
STORIES = (
    (
        "GH-JJ",
        "jiangtao",
        "关于开通厂区至城东新区通勤班车的提案",
        "居住在城东新区的职工已超过三百人，乘公交上班需换乘两次，单程一个多小时。",
        "由公司统一规划，开通厂区至城东新区早晚各两班通勤班车。",
        "welfare",
        ("zhaojun", "fengxue"),
        (("escalate", "jj-committee", {"reason": ESCALATION_REASON}),),
    ),
    (
        "GH-JJ",
        "delegate",
        "关于机加车间增设刀具柜的提案",
        "刀具随手摆放在机床旁，容易磕碰损坏，交接班时也常找不到。",
        "在每条产线旁增设带锁刀具柜，刀具定置存放、交接登记。",
        "production",
        ("zhaojun", "head"),
        (
            ("accept", "jj-committee", {"comment": "属于车间职权范围，予以立案。"}),
            ("assign", "jj-committee", {"lead": "JJ-SB", "comment": "请车间设备科办理。"}),
            ("acknowledge", "jj-handler", None),
            ("reply", "jj-handler", {"text": _CABINET, "outcome": "A", "contact": "机加车间设备科，内线 6521"}),
            ("evaluate", "delegate", {"rating": "basically_satisfied", "comment": "希望设备科定期检查刀具柜。"}),
        ),
    ),
    (
        "GH-JJ",
        "fengxue",
        "关于车间休息室增设微波炉的提案",
        "夜班职工自带饭菜没有地方加热，只能吃凉饭。",
        "在车间休息室配置两台微波炉，由班组轮流负责清洁。",
        "welfare",
        ("zhaojun", "jiangtao"),
        (),
    ),
    (
        "GH-ZP",
        "delegate2",
        "关于装配线工位照明改造的提案",
        "装配线部分工位照度不足，精细装配时职工需自带手电。",
        "对装配线工位照明进行改造，照度达到国家标准要求。",
        "safety",
        ("qianjin", "chengang", "sunli"),
        (("forward", "sunli", {"comment": "同意报送车间工会提案工作委员会。"}),),
    ),
    (
        "GH-WL",
        "songyu",
        "关于物流中心叉车充电区增设遮雨棚的提案",
        "叉车充电区露天设置，雨天充电存在安全隐患。",
        "在叉车充电区增设遮雨棚和防水插座。",
        "safety",
        ("wanglei", "zhulin"),
        (
            ("accept", "wl-committee", {"comment": "予以立案。"}),
            ("assign", "wl-committee", {"lead": "SAFETY", "comment": "涉及公司安全设施，请安全环保部办理。"}),
        ),
    ),
)

# the escalated proposal at the company: accepted, handled and rated, after the company's other decisions
AT_THE_COMPANY = (
    ("accept", "committee", {"comment": "属于公司职权范围，予以立案。"}),
    ("assign", "committee", {"lead": "LOGISTICS", "comment": "请后勤保障部牵头办理。"}),
    ("acknowledge", "handler", None),
    ("reply", "handler", {"text": _BUS, "outcome": "A", "contact": "后勤保障部，内线 6288"}),
    ("evaluate", "jiangtao", {"rating": "satisfied", "attitude": "satisfied", "comment": "感谢公司和车间工会。"}),
)


def seed(today: date, now: datetime, company_session_id: int) -> None:
    """Open the grassroots sessions and play their stories (the company's session is open already)."""
    units = {u.code: u.id for u in db.session.scalars(select(OrgUnit))}
    people = {u.username: u for u in db.session.scalars(select(User))}
    sessions = {}
    for code, name, union, settings in SESSIONS:
        data = {
            "code": code,
            "name": name,
            "union_id": units[union],
            "collection_start": (today - timedelta(days=40)).isoformat(),
            "collection_end": (today + timedelta(days=20)).isoformat(),
            "cosign_deadline": (today + timedelta(days=27)).isoformat(),
        }
        sessions[union] = create_session(data | settings).id
    moment = now - timedelta(days=30)
    escalated = None
    for union, author, title, reason, measures, category, cosigners, steps in STORIES:
        moment += timedelta(days=1)
        data = {"session_id": sessions[union], "title": title, "reason": reason, "measures": measures}
        proposal = create_proposal(people[author], data | {"category": category}, now=moment)
        opening = [("submit", author, None), *(("cosign", name, None) for name in cosigners)]
        moment = _play(proposal.id, [*opening, *steps], moment, units, people)
        if steps and steps[0][0] == "escalate":
            escalated = proposal.id
    # the company decides it after every other decision of its session, which numbers them in that order
    decided = db.session.scalar(
        select(func.max(HistoryEntry.at)).join(Proposal).where(Proposal.session_id == company_session_id)
    )
    start = max(decided or moment, moment)
    step = min(timedelta(hours=1), (now - start) / (len(AT_THE_COMPANY) + 1))
    _play(escalated, AT_THE_COMPANY, start, units, people, step=step)


def _play(proposal_id, steps, moment, units, people, step=timedelta(hours=2)) -> datetime:
    """Fire the steps `step` apart after `moment`; give the last one's moment."""
    for event, who, payload in steps:
        moment += step
        payload = dict(payload or {})
        if "lead" in payload:
            payload["lead_department_id"] = units[payload.pop("lead")]
        fire_event(proposal_id, event, people[who], payload or None, now=moment)
    return moment
