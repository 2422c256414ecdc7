"""A second open session under the strict preset (proposals/presets.py), with a few proposals that show its
rules at work: a worker's draft that only a delegate could submit, co-signers from one delegation who are
not enough, a proposal through to its delegation's pre-review, a delegation proposal (代表团提案) awaiting
its delegation's share, and a proposal whose author invited two delegates.

Made through the real operations (create_proposal, fire_event), at moments of the last few days.
"""

from datetime import datetime, timedelta

from sqlalchemy import select

from ..extensions import db
from ..models import User
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
    return session.id
