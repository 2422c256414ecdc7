"""From demo stories to real events.

A `Story` says what a proposal is about and where its life ends; `route()` turns it into the steps
a real proposal takes to get there (pure data), `schedule()` gives each step a moment in office hours
between the story's start and now, and `play()` fires the steps of all stories in time order through
`create_proposal` and `fire_event`, so numbers, deadlines, history and notifications are all real.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from workflow.calendar import is_working_day

from ..extensions import db
from ..models import CongressSession, Proposal, User
from ..operations import create_proposal, fire_event
from ..operations.clock import LOCAL, local_date
from .organisation import COSIGNER_POOL, DEPARTMENT_NAMES, EXTENSIONS, HANDLERS

COMMITTEE = "committee"
SUPERVISOR = "supervisor"

# typical days between a step and the one before it
GAPS = {
    "create": 0,
    "submit": 1,
    "cosign": 1,
    "close_cosigning": 20,
    "withdraw": 2,
    "send_back": 5,
    "accept": 5,
    "convert": 5,
    "reject": 5,
    "merge": 5,
    "assign": 3,
    "decline": 2,
    "acknowledge": 0.6,
    "progress": 7,
    "extend": 2,
    "request_extension": 2,
    "refuse_extension": 2,
    "request_return": 3,
    "approve_return": 2,
    "refuse_return": 2,
    "request_rehandle": 3,
    "reclass": 5,
    "urge": 2,
    "countersign": 2,
    "reply": 3,
    "evaluate": 4,
    "close_unrated": 22,
    "archive": 14,
}
OPENING, CLOSING = time(8, 30), time(17, 30)

COSIGN_COMMENTS = ("同意，这个问题职工反映较多。", None, "赞同，建议尽快落实。", None, "附议。")
RATING_COMMENTS = {
    "satisfied": "问题已经解决，感谢承办部门。",
    "basically_satisfied": "基本满意，希望后续持续跟进落实。",
    "unsatisfied": "答复比较笼统，没有具体措施和时间表，请重新办理。",
}
PROGRESS_NOTE = "已组织相关人员现场调研，正在制定落实方案。"
REHANDLE_NOTE = "根据提案人意见重新办理，已与提案人当面沟通，正在补充落实措施。"


@dataclass(frozen=True)
class Ref:
    """A proposal named by its story's key; its id is known once it exists."""

    key: str


@dataclass(frozen=True)
class Dept:
    """A department named by its code."""

    code: str


@dataclass(frozen=True)
class Later:
    """A day this many days after the step's own (a reply's planned date)."""

    days: int


@dataclass(frozen=True)
class Answer:
    """One handling round's reply and the author's rating of it (None: not rated). A reply of class B gives
    the day it is planned to be solved by, one of class C why it cannot be solved now (the text says it)."""

    outcome: str
    text: str
    rating: str | None = None

    def payload(self) -> dict:
        extra = {"B": {"planned_date": Later(90)}, "C": {"reason": self.text}}.get(self.outcome, {})
        return {"text": self.text, "outcome": self.outcome, **extra}


@dataclass(frozen=True)
class Story:
    key: str
    author: str
    title: str
    reason: str
    measures: str
    category: str
    state: str  # where the story ends
    start: int  # days before today the draft was written
    dept: str | None = None  # the lead department, and the one the author hoped for
    co: tuple[str, ...] = ()  # co-handling departments
    cosigners: tuple[str, ...] | None = None  # None: delegates from the pool
    confidential: bool = False
    suggestion: bool = False  # the committee converts it to a suggestion
    few_cosigners: bool = False  # co-signing closes with too few: reviewed as a suggestion
    note: str = ""  # the reason of a send-back, reject, withdrawal or decline
    into: str | None = None  # the key of the proposal it is merged into
    sent_back: bool = False
    withdraw_from: str = "review"
    misassigned: str | None = None  # a department first assigned by mistake, which asks to return it
    drafted: bool = False  # in progress without a reply yet: the lead's draft awaits the co-handlers
    answers: tuple[Answer, ...] = ()
    cosigner_rates: bool = False
    cosigner_rates_late: bool = False  # a co-signer rates the last reply after the author's rating closed it
    extend: int = 0  # working days the supervisor extends the deadline by
    asks_extension: bool = False  # the lead department asks first: granted with `extend`, else refused
    return_asked: str = ""  # "approved": the misassigned department asks the committee to take it back once
    # acknowledged (instead of declining); "refused": the lead department asks, the committee refuses
    committee_rehandle: str = ""  # why the committee asks for the first answer to be handled again, unrated
    reclass: tuple[str, str] | None = None  # (outcome, reason): a supervisor re-classes the last reply
    urged: int | None = None  # days before today the supervisor urged
    archive_by: str = "admin"


@dataclass(frozen=True)
class Step:
    event: str
    who: str | None  # a user name; None: the system
    payload: dict | None = None
    ago: float | None = None  # days before today it happens (else GAPS after the step before)


def cosigners(story: Story, index: int) -> tuple[str, ...]:
    if story.cosigners is not None:
        return story.cosigners
    turn = (2 * index) % len(COSIGNER_POOL)
    pool = COSIGNER_POOL[turn:] + COSIGNER_POOL[:turn]
    return tuple(u for u in pool if u != story.author)[:2]


def route(story: Story, index: int, titles: dict[str, str]) -> list[Step]:
    """The steps from writing the draft to the story's end state."""
    s = story
    steps = [Step("create", s.author)]
    if s.state == "draft" and not s.sent_back:
        return steps
    steps.append(Step("submit", s.author))
    signers = cosigners(s, index)
    if s.state == "cosigning":
        return steps + _cosign(signers)
    if s.state == "withdrawn" and s.withdraw_from == "cosigning":
        return steps + _cosign(signers[:1]) + [Step("withdraw", s.author, {"reason": s.note})]
    if s.few_cosigners:
        steps += [*_cosign(signers[:1]), Step("close_cosigning", None)]
    else:
        steps += _cosign(signers[:2])
    if s.sent_back:
        return steps + [Step("send_back", COMMITTEE, {"reason": s.note})]
    if s.state == "review":
        return steps
    if s.state == "withdrawn":
        return steps + [Step("withdraw", s.author, {"reason": s.note})]
    if s.state == "rejected":
        return steps + [Step("reject", COMMITTEE, {"reason": s.note})]
    if s.state == "merged":
        comment = f"与《{titles[s.into]}》反映的是同一问题，并案办理。"
        return steps + [Step("merge", COMMITTEE, {"into_id": Ref(s.into), "comment": comment})]
    if s.suggestion:
        steps.append(Step("convert", COMMITTEE, {"reason": "该事项属日常管理工作，转为意见建议交相关部门办理。"}))
    else:
        steps.append(Step("accept", COMMITTEE, {"comment": "符合立案条件，予以立案。"}))
    if s.misassigned and s.return_asked == "approved":
        handler = HANDLERS[s.misassigned]
        steps += [
            _assign(s.misassigned, ()),
            Step("acknowledge", handler),
            Step("request_return", handler, {"reason": s.note}),
            Step("approve_return", COMMITTEE, {"comment": "同意退回，重新交办。"}),
        ]
    elif s.misassigned:
        steps += [_assign(s.misassigned, ()), Step("decline", HANDLERS[s.misassigned], {"reason": s.note})]
    if s.state == "accepted":
        return steps
    steps.append(_assign(s.dept, s.co))
    if s.state == "assigned":
        return steps + _urge(s)
    steps += [Step("acknowledge", HANDLERS[d]) for d in (s.dept, *s.co)]
    steps.append(Step("progress", HANDLERS[s.dept], {"note": PROGRESS_NOTE}))
    if s.return_asked == "refused":
        steps += [
            Step("request_return", HANDLERS[s.dept], {"reason": "该事项涉及多个部门，建议由综合部门牵头办理。"}),
            Step("refuse_return", COMMITTEE, {"reason": "该事项主要属本部门职责，请继续办理，其他部门予以配合。"}),
        ]
    if s.asks_extension:
        asked = {"days": s.extend or 10, "reason": "需协调相关单位并走采购流程，申请延长办理期限。"}
        steps.append(Step("request_extension", HANDLERS[s.dept], asked))
        if not s.extend:
            steps.append(Step("refuse_extension", SUPERVISOR, {"reason": "办理期限尚充足，请按期答复。"}))
    if s.extend:
        reason = "该事项涉及下一年度预算安排，需待公司预算会审议后答复。"
        steps.append(Step("extend", SUPERVISOR, {"days": s.extend, "reason": reason}))
    steps += _urge(s)
    return steps + _handling(s, signers)


def _handling(s: Story, signers: tuple[str, ...]) -> list[Step]:
    """Replies and ratings, round after round, then what follows the last one."""
    steps = []
    for n, answer in enumerate(s.answers):
        if n:
            steps.append(Step("progress", HANDLERS[s.dept], {"note": REHANDLE_NOTE}))
        # the lead drafts the reply; the co-handlers countersign that draft, and the last one sends it out
        steps.append(Step("reply", HANDLERS[s.dept], {**answer.payload(), **_contact(s)}))
        steps += _countersign(s)
        if n == 0 and s.committee_rehandle:  # before the author rates it
            steps.append(Step("request_rehandle", COMMITTEE, {"reason": s.committee_rehandle}))
            continue
        if answer.rating is None:
            if s.state in ("closed", "archived"):
                steps.append(Step("close_unrated", None))
            break
        if s.cosigner_rates:
            steps.append(_evaluate(signers[0], answer.rating))
        steps.append(_evaluate(s.author, answer.rating))
    if s.cosigner_rates_late and s.answers:  # within the working days to rate, though the author's rating closed it
        steps.append(_evaluate(signers[-1], "unsatisfied"))
    if s.state == "in_progress" and s.answers:
        steps.append(Step("progress", HANDLERS[s.dept], {"note": REHANDLE_NOTE}))
    elif s.state == "in_progress" and s.drafted:
        draft = "经与配合部门初步协商，拟于下季度内完成整改，具体方案正在征求配合部门意见。"
        steps.append(Step("reply", HANDLERS[s.dept], {"text": draft, "outcome": "B", "planned_date": Later(60)}))
    if s.reclass:
        outcome, reason = s.reclass
        steps.append(Step("reclass", SUPERVISOR, {"outcome": outcome, "reason": reason}))
    if s.state == "archived":
        steps.append(Step("archive", s.archive_by))
    return steps


def _cosign(users) -> list[Step]:
    return [Step("cosign", u, {"comment": c} if (c := COSIGN_COMMENTS[n % 5]) else None) for n, u in enumerate(users)]


def _assign(lead: str, co: tuple[str, ...]) -> Step:
    payload = {"lead_department_id": Dept(lead), "cohandler_department_ids": [Dept(c) for c in co]}
    return Step("assign", COMMITTEE, {**payload, "comment": "请按期办理，并及时与提案人沟通。"})


def _urge(s: Story) -> list[Step]:
    if s.urged is None:
        return []
    if s.state == "assigned":
        comment = "该提案交办后一直未签收，已超过签收期限，请尽快签收办理。"
    else:
        comment = "该提案已超过办理期限，请抓紧办理并尽快答复。"
    return [Step("urge", SUPERVISOR, {"comment": comment}, ago=s.urged)]


def _countersign(s: Story) -> list[Step]:
    return [
        Step("countersign", HANDLERS[c], {"agree": True, "comment": "同意答复意见，本部门配合落实。"}) for c in s.co
    ]


def _contact(s: Story) -> dict:
    return {"contact": f"{DEPARTMENT_NAMES[s.dept]}，内线 {EXTENSIONS[s.dept]}"}


def _evaluate(user: str, rating: str) -> Step:
    """A rating with its reason; the attitude too, which play() leaves out where the session rates the result only."""
    attitude = "basically_satisfied" if rating == "unsatisfied" else "satisfied"
    return Step("evaluate", user, {"rating": rating, "attitude": attitude, "comment": RATING_COMMENTS[rating]})


# -- time -----------------------------------------------------------------------------------------


def schedule(steps: list[Step], start_days: int, index: int, local_now: datetime) -> list[datetime]:
    """Local moments for the steps: in order, in office hours where possible, all before now."""
    start = datetime.combine(local_now.date() - timedelta(days=start_days), time(9)) + timedelta(
        minutes=(index * 17) % 240
    )
    limit = local_now - timedelta(minutes=20)
    start = min(start, limit - timedelta(hours=1))
    offsets, offset = [], 0.0
    for step in steps:
        offset += GAPS[step.event]
        if step.ago is not None:
            offset = max(offset, start_days - step.ago)
        offsets.append(offset)
    span = (limit - start) / timedelta(days=1)
    scale = min(1.0, span / offsets[-1]) if offsets[-1] else 1.0
    moments: list[datetime] = []
    for n, offset in enumerate(offsets):
        raw = start + timedelta(days=offset * scale)
        moment = _office_hours(raw, 3 * index + n)
        if moment > limit:
            moment = raw
        if moments and moment <= moments[-1]:
            moment = moments[-1] + timedelta(minutes=7)
        moments.append(moment)
    return moments


def _office_hours(moment: datetime, n: int) -> datetime:
    """The moment itself when the office is open, else the next opening (plus a little)."""
    day = moment.date()
    if is_working_day(day) and OPENING <= moment.time() <= CLOSING:
        return moment
    if not (is_working_day(day) and moment.time() < OPENING):
        day += timedelta(days=1)
        while not is_working_day(day):
            day += timedelta(days=1)
    return datetime.combine(day, OPENING) + timedelta(minutes=(n * 53) % 150)


def _utc(local: datetime) -> datetime:
    return local.replace(tzinfo=LOCAL).astimezone(UTC).replace(tzinfo=None)


# -- playing --------------------------------------------------------------------------------------


def play(sessions: list[tuple[int, tuple[Story, ...]]], units: dict[str, int], now: datetime) -> int:
    """Walk every story of every session, all steps in time order; return how many steps were fired."""
    local_now = now.replace(tzinfo=UTC).astimezone(LOCAL).replace(tzinfo=None)
    titles = {s.key: s.title for _, stories in sessions for s in stories}
    timeline = []
    for session_id, stories in sessions:
        for index, story in enumerate(stories):
            steps = route(story, index, titles)
            for moment, step in zip(schedule(steps, story.start, index, local_now), steps, strict=True):
                timeline.append((_utc(moment), len(timeline), session_id, story, step))
    timeline.sort(key=lambda item: item[:2])
    users = {u.username: u for u in db.session.scalars(select(User))}
    two_axis = {sid: db.session.get(CongressSession, sid).two_axis_rating for sid, _ in sessions}
    ids: dict[str, int] = {}
    for moment, _, session_id, story, step in timeline:
        if step.event == "create":
            ids[story.key] = create_proposal(users[story.author], _draft(story, session_id, units), now=moment).id
            continue
        payload = _resolve(step.payload, ids, units, local_date(moment))
        if step.event == "evaluate" and not two_axis[session_id]:
            payload.pop("attitude")
        fire_event(ids[story.key], step.event, users[step.who] if step.who else None, payload, now=moment)
    for _, stories in sessions:
        for story in stories:
            state = db.session.get(Proposal, ids[story.key]).state
            if state != story.state:
                raise RuntimeError(f"demo story {story.key!r} ended {state}, not {story.state}")
    return len(timeline)


def _draft(story: Story, session_id: int, units: dict[str, int]) -> dict:
    data = {
        "session_id": session_id,
        "title": story.title,
        "reason": story.reason,
        "measures": story.measures,
        "category": story.category,
        "confidential": story.confidential,
    }
    if story.dept:
        data["desired_department_id"] = units[story.dept]
    return data


def _resolve(value, ids: dict[str, int], units: dict[str, int], day: date):
    if isinstance(value, Ref):
        return ids[value.key]
    if isinstance(value, Dept):
        return units[value.code]
    if isinstance(value, Later):
        return (day + timedelta(days=value.days)).isoformat()
    if isinstance(value, list):
        return [_resolve(v, ids, units, day) for v in value]
    if isinstance(value, dict):
        return {k: _resolve(v, ids, units, day) for k, v in value.items()}
    return value
