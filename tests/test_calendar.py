"""Deadlines across years: the national calendar against the State Council's notices (2024-2026), the
statutory fallback for a year without a notice (2027), loading a year's official arrangement (API, page,
command line), and counting the open deadlines again when it is loaded."""

import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import holidays as holiday_library
import pytest
from flask_babel import gettext
from markupsafe import escape
from sqlalchemy import func, inspect, select, text

from proposals.calendar_status import next_year_official
from proposals.extensions import db
from proposals.models import AuditEntry, CalendarOverride, CalendarYear, HistoryEntry, Proposal, Reminder
from proposals.operations import clock, fire_event, load_year
from proposals.web.admin.calendar import uncovered_years
from proposals.web.deadlines import next_year_warning
from workflow import InvalidPayload, calendar

from . import databases
from .admin.conftest import field_error, login
from .conftest import Cast
from .helpers import api_client

# -- the notices (国务院办公厅关于节假日安排的通知): days off as spans, and the working weekend days ---------

NOTICES = {
    2024: (  # 国办发明电〔2023〕7号
        [
            ("2024-01-01", "2024-01-01"),
            ("2024-02-10", "2024-02-17"),
            ("2024-04-04", "2024-04-06"),
            ("2024-05-01", "2024-05-05"),
            ("2024-06-08", "2024-06-10"),
            ("2024-09-15", "2024-09-17"),
            ("2024-10-01", "2024-10-07"),
        ],
        [
            "2024-02-04",
            "2024-02-18",
            "2024-04-07",
            "2024-04-28",
            "2024-05-11",
            "2024-09-14",
            "2024-09-29",
            "2024-10-12",
        ],
    ),
    2025: (  # 国办发明电〔2024〕12号
        [
            ("2025-01-01", "2025-01-01"),
            ("2025-01-28", "2025-02-04"),
            ("2025-04-04", "2025-04-06"),
            ("2025-05-01", "2025-05-05"),
            ("2025-05-31", "2025-06-02"),
            ("2025-10-01", "2025-10-08"),
        ],
        ["2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"],
    ),
    2026: (  # 国办发明电〔2025〕7号
        [
            ("2026-01-01", "2026-01-03"),
            ("2026-02-15", "2026-02-23"),
            ("2026-04-04", "2026-04-06"),
            ("2026-05-01", "2026-05-05"),
            ("2026-06-19", "2026-06-21"),
            ("2026-09-25", "2026-09-27"),
            ("2026-10-01", "2026-10-07"),
        ],
        ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"],
    ),
}

# 2027 without a notice: the statutory holidays of the amended 《全国年节及纪念日放假办法》, and 补假 for
# those on a Saturday or Sunday (春节 2-06/2-07 -> 2-09/2-10, 劳动节 -> 5-03/5-04, 国庆节 -> 10-04/10-05)
FALLBACK_2027 = {
    date(2027, 1, 1): "元旦",
    **{date(2027, 2, d): "春节" for d in (5, 6, 7, 8, 9, 10)},
    date(2027, 4, 5): "清明节",
    **{date(2027, 5, d): "劳动节" for d in (1, 2, 3, 4)},
    date(2027, 6, 9): "端午节",
    date(2027, 9, 15): "中秋节",
    **{date(2027, 10, d): "国庆节" for d in (1, 2, 3, 4, 5)},
}
# a notice for 2027 as the tests load it (made up: the real one is not published yet)
NOTICE_2027 = {
    "holidays": [["2027-01-01", "2027-01-03"], ["2027-02-05", "2027-02-13"], ["2027-04-03", "2027-04-05"]],
    "workdays": ["2027-02-20"],
}


def days(first: str, last: str):
    day, end = date.fromisoformat(first), date.fromisoformat(last)
    while day <= end:
        yield day
        day += timedelta(days=1)


def notice_working(day: date, spans, workdays) -> bool:
    off = {d for first, last in spans for d in days(first, last)}
    return day.isoformat() in workdays or (day.weekday() < 5 and day not in off)


def counted(start: date, n: int, working) -> date:
    """`n` working days after `start`, counted here by hand on `working` (not by the service)."""
    day = start
    while n:
        day += timedelta(days=1)
        n -= working(day)
    return day


def year_of(day: date):
    return days(f"{day.year}-01-01", f"{day.year}-12-31")


@pytest.mark.parametrize("year", sorted(NOTICES))
def test_the_national_calendar_is_the_notice_day_by_day(year):
    spans, workdays = NOTICES[year]
    national = calendar.Calendar.build()
    assert national.is_official(year)
    wrong = [d for d in year_of(date(year, 1, 1)) if national.is_working_day(d) != notice_working(d, spans, workdays)]
    assert wrong == []


@pytest.mark.parametrize("year", sorted(NOTICES))
def test_a_notice_loaded_for_a_covered_year_gives_the_same_days(year):
    spans, workdays = NOTICES[year]
    loaded = calendar.Year(
        year,
        tuple((date.fromisoformat(a), date.fromisoformat(b)) for a, b in spans),
        tuple(date.fromisoformat(d) for d in workdays),
    )
    working = calendar.Calendar.build([loaded])
    assert working.off == frozenset() and working.on == frozenset()  # nothing differs from the package
    assert all(working.is_working_day(d) == notice_working(d, spans, workdays) for d in year_of(date(year, 1, 1)))


# -- the fallback ------------------------------------------------------------------------------------


def test_2027_falls_back_to_the_statutory_holidays_with_make_up_days():
    national = calendar.Calendar.build()
    assert not national.is_official(2027) and 2027 not in calendar.covered_years()
    assert calendar.fallback_days_off(2027) == FALLBACK_2027
    off = [d for d in year_of(date(2027, 1, 1)) if d.weekday() < 5 and not national.is_working_day(d)]
    assert off == sorted(d for d in FALLBACK_2027 if d.weekday() < 5)
    assert all(not national.is_working_day(d) for d in year_of(date(2027, 1, 1)) if d.weekday() >= 5)  # no 调休


@pytest.mark.parametrize("year", [2027, 2028, 2031])
def test_the_fallback_has_the_amended_statutory_days(year):
    """元旦 1, 春节 4 (with 除夕), 清明 1, 劳动节 2, 端午 1, 中秋 1, 国庆 3: 13 days, dated by the library,
    and the make-up days are those the library gives as observed."""
    names = [n for joined in calendar.statutory_holidays(year).values() for n in joined.split("、")]
    assert {n: names.count(n) for n in set(names)} == {
        "元旦": 1,
        "春节": 4,
        "清明节": 1,
        "劳动节": 2,
        "端午节": 1,
        "中秋节": 1,
        "国庆节": 3,
    }
    assert set(calendar.fallback_days_off(year)) == set(holiday_library.China(years=year))


def test_a_deadline_across_new_year_counts_new_years_day_off():
    national = calendar.Calendar.build()
    due = national.add(date(2026, 12, 1), 30)
    assert due == date(2027, 1, 13)  # Monday to Friday would give 2027-01-12
    assert national.is_provisional(date(2026, 12, 1), due)
    assert not national.is_provisional(date(2026, 11, 1), date(2026, 12, 11))
    assert national.add(date(2027, 1, 29), 5) == date(2027, 2, 11)  # over the Spring Festival and its 补假


def test_the_unions_days_apply_on_top_of_a_loaded_year():
    year = load_arrangement(2027, NOTICE_2027)
    working = calendar.Calendar.build([year], extra_off={date(2027, 2, 20)}, extra_on={date(2027, 1, 2)})
    assert working.is_official(2027) and not working.is_provisional(date(2026, 12, 1), date(2027, 3, 1))
    assert not working.is_working_day(date(2027, 2, 20))  # the notice's working Saturday, the union's day off
    assert working.is_working_day(date(2027, 1, 2))  # inside the notice's holiday, the union's working day
    assert not working.is_working_day(date(2027, 2, 12)) and working.is_working_day(date(2027, 2, 15))


def load_arrangement(year: int, body: dict) -> calendar.Year:
    return calendar.Year(
        year,
        tuple((date.fromisoformat(a), date.fromisoformat(b)) for a, b in body["holidays"]),
        tuple(date.fromisoformat(d) for d in body.get("workdays", [])),
    )


def test_next_year_is_warned_of_from_november(app):
    assert next_year_official(date(2025, 12, 1))  # 2026: the package's
    assert not next_year_official(date(2026, 12, 1))
    assert next_year_warning(date(2026, 10, 31)) is None
    assert next_year_warning(date(2026, 11, 1)) == 2027
    assert uncovered_years(date(2026, 12, 1)) == [2027]
    load_year(2027, NOTICE_2027)
    assert next_year_official(date(2026, 12, 1)) and next_year_warning(date(2026, 12, 1)) is None
    assert uncovered_years(date(2026, 12, 1)) == []


# -- the API -----------------------------------------------------------------------------------------


@pytest.fixture
def api(client, make):
    return api_client(client)


def test_get_a_year_then_load_it(api, make):
    admin = api.as_(make.user("union_admin"))
    body = admin.get("/calendar/2027").json
    assert body["official"] is False and body["workdays"] == []
    assert body["holidays"][:3] == [
        ["2027-01-01", "2027-01-03"],
        ["2027-02-05", "2027-02-10"],
        ["2027-04-03", "2027-04-05"],
    ]
    for year, (spans, workdays) in NOTICES.items():  # the package's years, as the notices have them
        assert admin.get(f"/calendar/{year}").json == {
            "year": year,
            "official": True,
            "holidays": [list(span) for span in spans],
            "workdays": workdays,
        }

    response = admin.request("PUT", "/calendar/2027", json=NOTICE_2027)
    assert response.status_code == 200
    assert response.json == {"year": 2027, "official": True, **NOTICE_2027}
    assert admin.get("/calendar/2027").json == response.json
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "calendar.load"))
    assert entry.details["year"] == 2027 and entry.details["replaced"] is False and entry.actor_id is not None


def test_a_covered_year_can_be_replaced(api, make):
    admin = api.as_(make.user("union_admin"))
    changed = {"holidays": [list(span) for span in NOTICES[2026][0]] + [["2026-12-31", "2026-12-31"]]}
    response = admin.request("PUT", "/calendar/2026", json=changed)
    assert response.status_code == 200 and response.json["workdays"] == []
    working = clock.working_calendar()
    assert not working.is_working_day(date(2026, 12, 31)) and not working.is_working_day(date(2026, 1, 4))


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"holidays": [["2026-12-31", "2027-01-02"]]}, "holidays"),  # outside the year
        ({"holidays": [["2027-02-05", "2027-02-11"], ["2027-02-10", "2027-02-12"]]}, "holidays"),  # overlap
        ({"holidays": [["2027-02-11", "2027-02-05"]]}, "holidays"),  # backwards
        ({"holidays": [["2027-02-30", "2027-03-01"]]}, "holidays"),  # no such day
        ({"holidays": []}, "holidays"),
        ({"holidays": "2027-01-01"}, "holidays"),
        ({"holidays": [["2027-01-01", "2027-01-01"]], "workdays": ["2027-02-22"]}, "workdays"),  # a Monday
        ({"holidays": [["2027-02-05", "2027-02-11"]], "workdays": ["2027-02-06"]}, "workdays"),  # in a holiday
        ({"holidays": [["2027-01-01", "2027-01-01"]], "workdays": ["2028-01-08"]}, "workdays"),  # next year
        ({"holidays": [["2027-01-01", "2027-01-01"]], "workdays": ["2027-02-20", "2027-02-20"]}, "workdays"),
    ],
)
def test_bad_arrangements_are_refused_and_change_nothing(api, make, body, field):
    admin = api.as_(make.user("union_admin"))
    admin.request("PUT", "/calendar/2027", json=NOTICE_2027)
    before = admin.get("/calendar/2027").json
    audits = db.session.scalar(select(func.count()).select_from(AuditEntry))
    response = admin.request("PUT", "/calendar/2027", json=body)
    assert response.status_code == 422 and field in response.json["fields"]
    assert admin.get("/calendar/2027").json == before
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == audits


def test_only_union_administrators_read_or_load_a_year(api, make):
    for role in ("committee", "supervisor", "leader", "worker"):
        other = api.as_(make.user(role))
        assert other.get("/calendar/2027").status_code == 403
        assert other.request("PUT", "/calendar/2027", json=NOTICE_2027).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(CalendarYear)) == 0
    assert api.as_(make.user("union_admin")).get("/calendar/1999").status_code == 404


# -- counting the open deadlines again -----------------------------------------------------------------


def at(day: str, hour: int = 9) -> datetime:
    local = datetime.fromisoformat(f"{day}T{hour:02d}:00").replace(tzinfo=clock.LOCAL)
    return local.astimezone(UTC).replace(tzinfo=None)


def walk(cast: Cast, state: str, when: datetime) -> Proposal:
    proposal = cast.make.proposal(author=cast.author, session=cast.session)
    for event, who, payload in cast.path(state):
        proposal = fire_event(proposal.id, event, getattr(cast, who), payload, now=when)
    return proposal


def fallback_working(day: date) -> bool:
    return day.weekday() < 5 and day not in FALLBACK_2027


def loaded_working(day: date) -> bool:
    return notice_working(day, NOTICE_2027["holidays"], NOTICE_2027["workdays"])


def history_of(proposal_id: int, event: str = "calendar") -> list[HistoryEntry]:
    return list(
        db.session.scalars(
            select(HistoryEntry).where(HistoryEntry.proposal_id == proposal_id, HistoryEntry.event == event)
        )
    )


def test_loading_a_year_counts_its_open_deadlines_again(app, cast):
    assigned = walk(cast, "assigned", at("2027-01-20"))
    in_progress = walk(cast, "in_progress", at("2027-01-20"))
    fire_event(in_progress.id, "extend", cast.supervisor, {"days": 10, "reason": "需协调。"}, now=at("2027-01-25"))
    replied = walk(cast, "replied", at("2027-01-27"))
    untouched = walk(cast, "assigned", at("2026-11-02"))  # due in 2026: nothing to count again
    start = date(2027, 1, 20)
    old_reply = counted(start, 30, fallback_working)
    assert assigned.lead_assignment.reply_deadline == old_reply
    assert in_progress.lead_assignment.reply_deadline == counted(start, 40, fallback_working)
    assert clock.calendar_provisional(assigned) and clock.calendar_provisional(replied)
    before_untouched = (untouched.lead_assignment.ack_deadline, untouched.lead_assignment.reply_deadline)
    reminders = db.session.scalar(select(func.count()).select_from(Reminder))

    load_year(2027, NOTICE_2027, cast.admin, now=at("2027-01-28"))

    db.session.expire_all()
    new_reply = counted(start, 30, loaded_working)
    assert new_reply != old_reply
    lead, co = assigned.lead_assignment, next(a for a in assigned.active_assignments if a.role == "cohandler")
    assert lead.reply_deadline == co.reply_deadline == new_reply
    assert lead.ack_deadline == counted(start, 5, loaded_working)
    assert db.session.get(Proposal, assigned.id).lead_reply_deadline == new_reply  # the statistics' facts
    assert in_progress.lead_assignment.reply_deadline == counted(start, 40, loaded_working)
    (entry,) = history_of(assigned.id)
    assert entry.payload["reply_deadline"] == [old_reply.isoformat(), new_reply.isoformat()]
    assert entry.actor_id == cast.admin.id and entry.from_state == entry.to_state == "assigned"
    (entry,) = history_of(replied.id)
    sent = date(2027, 1, 27)
    assert entry.payload["feedback_deadline"] == [
        counted(sent, 15, fallback_working).isoformat(),
        counted(sent, 15, loaded_working).isoformat(),
    ]
    assert history_of(untouched.id) == []
    assert (untouched.lead_assignment.ack_deadline, untouched.lead_assignment.reply_deadline) == before_untouched
    assert not clock.calendar_provisional(assigned) and not clock.calendar_provisional(replied)
    assert db.session.scalar(select(func.count()).select_from(Reminder)) == reminders
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "calendar.load"))
    assert sorted(audit.details["moved"]) == sorted([assigned.id, in_progress.id, replied.id])


def test_loading_the_same_arrangement_again_moves_nothing(app, cast):
    proposal = walk(cast, "assigned", at("2027-01-20"))
    load_year(2027, NOTICE_2027, cast.admin)
    load_year(2027, NOTICE_2027, cast.admin)
    assert len(history_of(proposal.id)) == 1


def test_the_proposal_json_says_when_a_deadline_is_provisional(app, cast, client):
    proposal = walk(cast, "assigned", at("2026-12-01"))
    committee = api_client(client).as_(cast.committee)
    body = committee.get(f"/proposals/{proposal.id}").json
    assert body["calendar_provisional"] is True and body["reply_deadline"] == "2027-01-13"
    assert committee.get("/proposals?limit=100").json["items"][0]["calendar_provisional"] is True
    load_year(2027, NOTICE_2027, cast.admin)
    assert committee.get(f"/proposals/{proposal.id}").json["calendar_provisional"] is False
    closed = walk(cast, "closed", at("2026-12-01"))
    assert committee.get(f"/proposals/{closed.id}").json["calendar_provisional"] is False


def test_a_rehandled_deadline_counts_from_the_new_round(app, cast):
    proposal = walk(cast, "replied", at("2026-11-02"))
    fire_event(
        proposal.id,
        "evaluate",
        cast.author,
        {"rating": "unsatisfied", "comment": "答复没有具体措施。"},
        now=at("2026-12-15"),
    )
    lead = db.session.get(Proposal, proposal.id).lead_assignment
    assert (lead.reply_start, lead.reply_working_days) == (date(2026, 12, 15), 30)
    assert lead.reply_deadline == counted(date(2026, 12, 15), 30, lambda d: clock.working_calendar().is_working_day(d))


# -- the pages ---------------------------------------------------------------------------------------


@pytest.fixture
def zh(app):
    """The Chinese of a message as a page shows it; failing when the message has no translation."""

    def translate(msgid: str, **params) -> str:
        with app.app_context(), app.test_request_context("/"):
            text = gettext(msgid, **params)
        assert text != (msgid % params if params else msgid), f"no Chinese for {msgid!r}"
        return str(escape(text))

    return translate


def test_the_page_loads_a_pasted_notice(app, make, client, zh):
    admin = login(client, make.user("union_admin", username="admin", name="徐丽"))
    page = admin.get("/admin/calendar?year=2027").text
    assert "补假" in page and "2027年2月5日" in page  # the fallback, provisional
    pasted = "2027-01-01 至 2027-01-03\n2027-02-05至2027-02-13\n\n2027-04-03 至 2027-04-05\n"
    response = admin.post("/admin/calendar/2027/load", data={"holidays": pasted, "workdays": "2027-02-20\n"})
    assert response.status_code == 302 and response.location.endswith("/admin/calendar?year=2027")
    shown = admin.get(response.location).text
    assert zh("The official calendar of %(year)s is loaded.", year="2027") in shown
    assert "2027年2月20日" in shown and "春节" in shown
    row = db.session.scalar(select(CalendarYear))
    assert (row.holidays, row.workdays) == (NOTICE_2027["holidays"], NOTICE_2027["workdays"])


def test_a_line_that_is_no_date_is_refused_on_the_page(app, make, client, zh):
    admin = login(client, make.user("union_admin"))
    response = admin.post("/admin/calendar/2027/load", data={"holidays": "2027-01-01\n二月五日\n", "workdays": ""})
    assert response.status_code == 422
    assert field_error(response.text, "holidays") == zh("Line %(n)s is not a date or a span of dates.", n="2")
    assert "二月五日" in response.text  # what was typed stays
    response = admin.post("/admin/calendar/2027/load", data={"holidays": "2027-02-05", "workdays": "2027-02-22"})
    assert field_error(response.text, "workdays") == zh("%(day)s is not a Saturday or Sunday.", day="2027-02-22")
    assert db.session.scalar(select(func.count()).select_from(CalendarYear)) == 0


def test_the_assign_form_and_the_lists_say_provisional(app, cast, client, zh):
    accepted = walk(cast, "accepted", datetime.now(UTC).replace(tzinfo=None))
    committee = login(client, cast.committee)
    today = clock.local_date(clock.utcnow())
    next_year = date(today.year + 1, 1, 1)
    page = committee.get(f"/proposals/{accepted.id}").text
    warned = zh(
        "The official holiday arrangement for %(year)s is not loaded yet: deadlines set now that reach it are "
        "provisional. The union administrator loads it in the working-day calendar.",
        year=next_year.year,
    )
    assert (warned in page) == (today.month >= 11 and not next_year_official(today))
    preview = clock.working_calendar().is_provisional(
        today, clock.working_calendar().add(today, cast.session.reply_days)
    )
    assert ('class="tag tag-provisional"' in page) == preview

    assigned = walk(cast, "assigned", at("2026-12-01"))
    assert 'class="tag tag-provisional"' in committee.get(f"/proposals/{assigned.id}").text
    walk(cast, "in_progress", at("2026-12-01"))  # the lists show the deadline that runs: here the reply's
    lead = login(app.test_client(), cast.lead)
    assert 'class="tag tag-provisional"' in lead.get("/").text
    staff = login(app.test_client(), cast.leader)
    assert "calendar-provisional" in staff.get("/dashboard/").text
    load_year(next_year.year, {"holidays": [[f"{next_year.year}-01-01", f"{next_year.year}-01-01"]]})
    load_year(2027, NOTICE_2027)
    assert 'class="tag tag-provisional"' not in committee.get(f"/proposals/{assigned.id}").text
    assert warned not in committee.get(f"/proposals/{accepted.id}").text
    assert "calendar-provisional" not in staff.get("/dashboard/").text


# -- the command line --------------------------------------------------------------------------------


def test_the_command_loads_a_file(app, runner, tmp_path, cast):
    proposal = walk(cast, "assigned", at("2027-01-20"))
    path = tmp_path / "2027.json"
    path.write_text(json.dumps(NOTICE_2027))
    result = runner.invoke(args=["calendar", "load", str(path)])
    assert result.exit_code == 0, result.output
    assert "loaded 2027" in result.output
    assert len(history_of(proposal.id)) == 1
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "calendar.load"))
    assert entry.actor_id is None  # the system
    path.write_text(json.dumps({"holidays": [["2027-02-05", "2027-02-30"]]}))
    result = runner.invoke(args=["calendar", "load", str(path)])
    assert result.exit_code != 0 and "holidays" in result.output
    path.write_text(json.dumps({"year": 2027, "official": False, **NOTICE_2027}))  # a GET body
    result = runner.invoke(args=["calendar", "load", "--year", "2027", str(path)])
    assert result.exit_code == 0, result.output
    path.write_text("not json")
    assert runner.invoke(args=["calendar", "load", str(path)]).exit_code != 0


def test_an_override_still_wins_over_a_loaded_year(app, cast):
    load_year(2027, NOTICE_2027)
    db.session.add(CalendarOverride(day=date(2027, 2, 20), working=False))
    db.session.commit()
    assert not clock.working_calendar().is_working_day(date(2027, 2, 20))


def test_a_wrong_year_is_refused_by_the_operation(app):
    with pytest.raises(InvalidPayload):
        load_year(1800, NOTICE_2027)


# -- the deadlines stored before -----------------------------------------------------------------------


def test_the_migration_keeps_what_each_stored_deadline_counts_from(app, cast, runner):
    """Deadlines stored before the change were counted Monday to Friday in 2027: the migration keeps
    their start and count as the stored deadline gives them, and they move when 2027 is loaded."""
    proposal = walk(cast, "assigned", at("2026-12-01"))
    rehandled = walk(cast, "replied", at("2026-10-12"))
    fire_event(
        rehandled.id,
        "evaluate",
        cast.author,
        {"rating": "unsatisfied", "comment": "答复没有具体措施。"},
        now=at("2026-11-05"),
    )
    proposal_id, rehandled_id = proposal.id, rehandled.id  # (read now: after a commit a read opens a transaction)
    db.session.commit()
    # no read of the test may stay open while a migration runs: on PostgreSQL it alters the tables read
    flask_db(runner, "stamp", "head")
    db.session.rollback()
    flask_db(runner, "downgrade", BEFORE)
    # as the application stored it then: 30 working days, New Year's Day among them
    with db.engine.begin() as conn:
        conn.execute(
            text("UPDATE assignments SET reply_deadline = :due WHERE proposal_id = :id"),
            {"due": "2027-01-12", "id": proposal_id},
        )
    db.session.rollback()
    flask_db(runner, "upgrade")
    db.session.expire_all()
    lead = db.session.get(Proposal, proposal_id).lead_assignment
    assert (lead.ack_start, lead.ack_working_days) == (date(2026, 12, 1), 5)
    assert (lead.reply_start, lead.reply_working_days) == (date(2026, 12, 1), 30)
    assert lead.reply_deadline == date(2027, 1, 12)  # as stored, until 2027 is loaded
    again = db.session.get(Proposal, rehandled_id).lead_assignment
    assert (again.reply_start, again.reply_working_days) == (date(2026, 11, 5), 30)  # the new round's day

    load_year(2027, NOTICE_2027)
    db.session.expire_all()
    lead = db.session.get(Proposal, proposal_id).lead_assignment
    assert lead.reply_deadline == counted(date(2026, 12, 1), 30, lambda d: clock.working_calendar().is_working_day(d))
    assert lead.reply_deadline == date(2027, 1, 13)
    (entry,) = history_of(proposal_id)
    assert entry.payload["reply_deadline"] == ["2027-01-12", "2027-01-13"]


def _before_this_change() -> str:
    """The revision before the one that keeps what each deadline counts from."""
    path = Path(__file__).resolve().parent.parent / "migrations/versions"
    (found,) = path.glob("*_5c0d7e2a91b4_*.py")
    return re.search(r'^down_revision = "([0-9a-f]+)"', found.read_text(), re.M).group(1)


BEFORE = _before_this_change()


@pytest.fixture(autouse=True)
def _rebuilt_afterwards(app):
    """A test here that migrates the database leaves it to be built afresh for the next test."""
    yield
    if "alembic_version" in inspect(db.engine).get_table_names():
        db.session.remove()
        databases.wipe(db)


def flask_db(runner, *args: str) -> None:
    result = runner.invoke(args=["db", *args])
    assert result.exit_code == 0, result.output + repr(result.exception)
