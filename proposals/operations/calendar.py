"""Loading a year's official arrangement (the State Council's notice), and counting again every open
deadline that rests on it.

Until the notice is loaded a year falls back to the statutory holidays (workflow/calendar.py), so a
deadline counted across it is provisional; each assignment keeps the start and the number of working days
its deadlines are counted from, and loading the year counts them again, in the same transaction as the
load, with a history row on each proposal whose deadline moved. Reminders already given stay given: a
moved deadline is a new date, reminded of like an extended one.
"""

from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from workflow import LIFECYCLE, InvalidPayload, calendar
from workflow.errors import N_
from workflow.payload import Boolean, Line, message, validate

from .. import facts
from ..extensions import db
from ..models import Assignment, CalendarOverride, CalendarYear, Proposal, Reply, User
from ..settings import Date
from . import audit, clock
from .errors import NotFound
from .events import write_history_row
from .unions import authorize
from .unit import finish

# the proposals whose deadlines are open: acknowledgement and reply while handled, the rating once replied
HANDLING = LIFECYCLE.tagged("handling")
RATING = ("replied",)
FIRST_YEAR, LAST_YEAR = 2000, 2100  # the years a notice can be loaded for


def year_json(year: int, working: calendar.Calendar | None = None) -> dict:
    """A year's arrangement as the API shows it: its spans of days off and its working weekend days."""
    working = working or clock.working_calendar()
    row = db.session.scalar(select(CalendarYear).where(CalendarYear.year == year))
    if row is not None:
        holidays, workdays = list(row.holidays), list(row.workdays)
    else:
        spans = national_spans(year)
        holidays = [[a.isoformat(), b.isoformat()] for a, b, _ in spans]
        workdays = [d.isoformat() for d in national_workdays(year)]
    return {"year": year, "official": working.is_official(year), "holidays": holidays, "workdays": workdays}


def national_spans(year: int) -> list[tuple[date, date, str]]:
    """The days off of `year` beyond its weekends as the national calendar (package or fallback) has them,
    as stretches of consecutive days with the weekend days next to them (as a notice says 6月8日至10日),
    each with its festival's name."""
    import chinese_calendar

    if year in calendar.covered_years():
        names = {h.value: h.chinese for h in chinese_calendar.Holiday}
        days = {d: names.get(n, n) for d, n in chinese_calendar.holidays.items() if d.year == year}
    else:
        days = calendar.fallback_days_off(year)
    spans: list[tuple[date, date, str]] = []
    for day, name in sorted(days.items()):
        if spans and _joins(spans[-1], day, name):
            first, _, names = spans[-1]
            spans[-1] = (first, day, "、".join(dict.fromkeys([*names.split("、"), *name.split("、")])))
        else:
            spans.append((day, day, name))
    workdays = set(national_workdays(year))
    return [_with_weekends(first, last, workdays) + (name,) for first, last, name in spans]


def _with_weekends(first: date, last: date, workdays: set[date]) -> tuple[date, date]:
    """The span with the days off of the weekend just before and after it, within the year."""
    one = timedelta(days=1)
    while (first - one).year == first.year and (first - one).weekday() >= 5 and first - one not in workdays:
        first -= one
    while (last + one).year == last.year and (last + one).weekday() >= 5 and last + one not in workdays:
        last += one
    return first, last


def _joins(span: tuple[date, date, str], day: date, name: str) -> bool:
    """Whether `day` continues the stretch of days off `span`: the next day, or the same festival's after
    a weekend."""
    _, last, names = span
    if (day - last).days == 1:
        return True
    shared = set(names.split("、")) & set(name.split("、"))
    return bool(shared) and (day - last).days <= 3 and _only_weekend(last, day)


def festival_names(year: int) -> dict[date, str]:
    """The statutory holidays of `year` by date, with their Chinese names."""
    return calendar.statutory_holidays(year)


def span_name(first: date, last: date, names: dict[date, str]) -> str:
    """The name of the statutory holiday within a span of days off; empty when there is none."""
    return next((name for day, name in sorted(names.items()) if first <= day <= last), "")


def _only_weekend(last: date, day: date) -> bool:
    """Whether only weekend days lie strictly between `last` and `day`."""
    return all((last.toordinal() + i) % 7 in (6, 0) for i in range(1, (day - last).days))


def national_workdays(year: int) -> list[date]:
    import chinese_calendar

    return sorted(d for d in chinese_calendar.workdays if d.year == year) if year in calendar.covered_years() else []


def clean_arrangement(year: int, data) -> calendar.Year:
    """The notice's arrangement of `year`, or InvalidPayload naming what is wrong with it."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidPayload({"year": message(N_("No such year."))})
    if not isinstance(data, dict):
        raise InvalidPayload({"_": message(N_("The payload must be an object."))})
    errors: dict = {name: message(N_("Unknown field.")) for name in data if name not in ("holidays", "workdays")}
    spans = _spans(year, data.get("holidays"), errors)
    days_off = calendar.Year(year, tuple(spans), ()).days_off()
    workdays = _workdays(year, data.get("workdays", []), days_off, errors)
    if errors:
        raise InvalidPayload(errors)
    return calendar.Year(year, tuple(sorted(spans)), tuple(sorted(workdays)))


def _day(value, year: int) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    return day if len(value) == 10 else None


def _spans(year: int, value, errors: dict) -> list[tuple[date, date]]:
    if not isinstance(value, list):
        errors["holidays"] = message(N_("A list of [first, last] dates."))
        return []
    spans = []
    for item in value:
        pair = item if isinstance(item, list) and len(item) == 2 else None
        first, last = (_day(pair[0], year), _day(pair[1], year)) if pair else (None, None)
        if first is None or last is None:
            errors["holidays"] = message(N_("A list of [first, last] dates."))
            return []
        if last < first:
            errors["holidays"] = message(N_("%(day)s: the last day is before the first."), {"day": first.isoformat()})
            return []
        if first.year != year or last.year != year:
            errors["holidays"] = message(
                N_("%(day)s is not in %(year)s."), {"day": first.isoformat(), "year": str(year)}
            )
            return []
        spans.append((first, last))
    if not spans:
        errors["holidays"] = message(N_("Give the holidays of the notice."))
        return []
    spans.sort()
    for (_, last), (first, _) in zip(spans, spans[1:], strict=False):
        if first <= last:
            errors["holidays"] = message(N_("The holidays overlap on %(day)s."), {"day": first.isoformat()})
            return []
    return spans


def _workdays(year: int, value, days_off: frozenset[date], errors: dict) -> list[date]:
    if not isinstance(value, list):
        errors["workdays"] = message(N_("A list of dates."))
        return []
    days = []
    for item in value:
        day = _day(item, year)
        if day is None:
            errors["workdays"] = message(N_("A list of dates."))
            return []
        if day.year != year:
            errors["workdays"] = message(N_("%(day)s is not in %(year)s."), {"day": day.isoformat(), "year": str(year)})
            return []
        if day.weekday() < 5:
            errors["workdays"] = message(N_("%(day)s is not a Saturday or Sunday."), {"day": day.isoformat()})
            return []
        if day in days_off:
            errors["workdays"] = message(N_("%(day)s lies inside a holiday."), {"day": day.isoformat()})
            return []
        days.append(day)
    if len(set(days)) != len(days):
        errors["workdays"] = message(N_("A day is listed twice."))
        return []
    return days


def load_year(year: int, data, actor: User | None = None, now: datetime | None = None) -> dict:
    """Load the official arrangement of `year` (replacing what the package or an earlier load had), count
    every open deadline that rests on it again, and commit; the GET body of the year comes back."""
    arrangement = clean_arrangement(year, data)
    now = now or clock.utcnow()
    before = clock.working_calendar()
    row = db.session.scalar(select(CalendarYear).where(CalendarYear.year == year).with_for_update())
    replaced = row is not None
    if row is None:
        row = CalendarYear(year=year)
        db.session.add(row)
    row.holidays = [[a.isoformat(), b.isoformat()] for a, b in arrangement.holidays]
    row.workdays = [d.isoformat() for d in arrangement.workdays]
    row.loaded_at = now
    row.loaded_by_id = actor.id if actor is not None else None
    db.session.flush()
    after = clock.working_calendar()
    moved = recount(year, before, after, actor, now)
    recount_reply_days(date(year, 1, 1))
    audit.record(
        "calendar.load",
        row,
        {"year": year, "replaced": replaced, "holidays": row.holidays, "workdays": row.workdays, "moved": moved},
        actor=actor,
        now=now,
    )
    finish()
    return year_json(year)


def _touches(year: int, start: date, *dues: date) -> bool:
    """Whether counting from `start` to any of `dues` passes through `year`."""
    return start.year <= year <= max(dues).year


def recount(year: int, before: calendar.Calendar, after: calendar.Calendar, actor, now) -> list[int]:
    """Count again, on `after`, every open deadline that `before` counted across `year`; write a history
    row on each proposal whose deadline moved. The ids of those proposals."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    # a count that ends before the year or starts after it does not pass through it: it cannot move
    handled = exists().where(
        Assignment.proposal_id == Proposal.id,
        Assignment.ended_at.is_(None),
        or_(
            and_(Assignment.ack_start <= last, Assignment.ack_deadline >= first),
            and_(Assignment.reply_start <= last, Assignment.reply_deadline >= first),
        ),
    )
    # the rating's count (a few weeks) from a reply sent in the year or the one before
    rated = exists().where(
        Reply.proposal_id == Proposal.id,
        Reply.created_at >= datetime(year - 1, 1, 1),
        Reply.created_at < datetime(year + 1, 1, 1),
    )
    proposals = db.session.scalars(
        select(Proposal)
        .where(or_(and_(Proposal.state.in_(HANDLING), handled), and_(Proposal.state.in_(RATING), rated)))
        .order_by(Proposal.id)
        .with_for_update(of=Proposal)
        .options(joinedload(Proposal.session), selectinload(Proposal.assignments), selectinload(Proposal.replies))
    ).all()
    moved: list[int] = []
    for proposal in proposals:
        changes: dict = {}
        if proposal.state in HANDLING:
            for a in proposal.active_assignments:
                _recount_assignment(a, year, after, changes)
        else:
            _feedback(proposal, year, before, after, changes)
        if changes:
            moved.append(proposal.id)
            payload = {"year": year, **changes}
            write_history_row(proposal, "calendar", actor, now, proposal.state, proposal.state, payload)
    facts.refresh_facts(moved)
    return moved


def _recount_assignment(a: Assignment, year: int, after: calendar.Calendar, changes: dict) -> None:
    if a.acknowledged_at is None:
        due = after.add(a.ack_start, a.ack_working_days)
        if due != a.ack_deadline and _touches(year, a.ack_start, a.ack_deadline, due):
            if a.role == "lead":
                changes["ack_deadline"] = [a.ack_deadline.isoformat(), due.isoformat()]
            a.ack_deadline = due
    due = after.add(a.reply_start, a.reply_working_days)
    if due != a.reply_deadline and _touches(year, a.reply_start, a.reply_deadline, due):
        changes["reply_deadline"] = [a.reply_deadline.isoformat(), due.isoformat()]
        a.reply_deadline = due


def _feedback(proposal: Proposal, year: int, before, after, changes: dict) -> None:
    """The rating deadline is counted from the reply each time it is read; it moved if the two counts differ."""
    reply = proposal.current_reply
    if reply is None:
        return
    start, days = clock.local_date(reply.created_at), proposal.session.feedback_days
    old, new = before.add(start, days), after.add(start, days)
    if old != new and _touches(year, start, old, new):
        changes["feedback_deadline"] = [old.isoformat(), new.isoformat()]


# -- the union's own days off and working days -----------------------------------------------------

OVERRIDE_FIELDS = {"day": Date(required=True), "working": Boolean(required=True), "note": Line(max_length=200)}


def add_calendar_override(data, *, actor: User | None = None) -> CalendarOverride:
    """Add an extra day off or an extra working day to the union's calendar; deadlines counted from
    now on use it."""
    authorize(actor)
    clean = validate(OVERRIDE_FIELDS, data)
    day, working = clean["day"], clean["working"]
    if db.session.scalar(select(CalendarOverride.id).where(CalendarOverride.day == day)):
        raise InvalidPayload({"day": message(N_("This day is already in the list; remove it first."))})
    if calendar.is_working_day(day) == working:
        already = N_("This day is already a working day.") if working else N_("This day is already a day off.")
        raise InvalidPayload({"day": message(already)})
    override = CalendarOverride(**clean)
    db.session.add(override)
    try:
        audit.record("calendar.add", override, clean, actor=actor)  # flushes: a duplicate day fails here
        recount_reply_days(day)
        finish()
    except IntegrityError:  # another administrator added the same day at the same moment
        db.session.rollback()
        raise InvalidPayload({"day": message(N_("This day is already in the list; remove it first."))}) from None
    return override


def remove_calendar_override(override_id: int, *, actor: User | None = None) -> CalendarOverride:
    """Take a day out of the union's calendar: the national calendar applies to it again."""
    authorize(actor)
    override = db.session.get(CalendarOverride, override_id)
    if override is None:
        raise NotFound(N_("No such day in the calendar."))
    audit.record("calendar.remove", override, {"day": override.day, "working": override.working}, actor=actor)
    db.session.delete(override)
    db.session.flush()
    recount_reply_days(override.day)
    finish()
    return override


def recount_reply_days(day: date) -> None:
    """The working days to the first reply kept on the rows (facts.py) count the union's days: count them
    again for the first replies a changed day may lie within (sent since the day before it)."""
    since = datetime.combine(day - timedelta(days=1), time())
    first_since = select(Reply.proposal_id).where(Reply.round == 0, Reply.created_at >= since)
    facts.refresh_reply_days(Proposal.id.in_(first_since))
