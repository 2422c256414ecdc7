"""The working days to the first reply kept on the proposal row (facts.py, first_reply_working_days) equal
what the assignments, the replies and the calendar say: after the events, after the union changes one of
its days, after generate, after the migration."""

import importlib.util
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, update

from proposals import facts, stats
from proposals.extensions import db
from proposals.models import CalendarOverride, Proposal
from proposals.operations import add_calendar_override, clock, fire_event, load_year, remove_calendar_override
from workflow import calendar

MIGRATION = next((Path(__file__).parent.parent / "migrations" / "versions").glob("*_8e4b2f6a1d93_*.py"))


def from_the_rows() -> dict[int, int]:
    """Each proposal's working days to its first reply worked out in Python from its loaded rows."""
    db.session.expire_all()
    off, on = clock.overrides()
    found = {}
    for p in db.session.scalars(select(Proposal).where(Proposal.state != "draft")):
        first = next((r for r in p.replies if r.round == 0), None)
        if first is None:
            continue
        answered = [a.assigned_at for a in p.assignments if a.role == "lead" and a.assigned_at <= first.created_at]
        if answered:
            start, end = clock.local_date(max(answered)), clock.local_date(first.created_at)
            found[p.id] = max(calendar.working_days_between(start, end, off, on), 0)
    return found


def test_the_reply_event_keeps_the_working_days_and_a_second_round_leaves_them(cast):
    """Assigned Friday 25 September 2026, replied Friday 9 October: five working days (the National Day
    holiday is off); the second round's reply changes nothing."""
    proposal = cast.proposal_in("accepted")
    at = datetime(2026, 9, 25, 2)
    assign = {"lead_department_id": cast.lead_dept.id, "cohandler_department_ids": []}
    fire_event(proposal.id, "assign", cast.committee, assign, now=at)
    fire_event(proposal.id, "acknowledge", cast.lead, None, now=at)
    assert proposal.id not in facts.stored_reply_days()
    replied = datetime(2026, 10, 9, 2)
    fire_event(proposal.id, "reply", cast.lead, {"text": "答复", "outcome": "C", "reason": "暂无条件。"}, now=replied)
    assert facts.stored_reply_days()[proposal.id] == 5 == db.session.get(Proposal, proposal.id).first_reply_working_days
    fire_event(proposal.id, "evaluate", cast.author, {"rating": "unsatisfied", "comment": "没有措施。"}, now=replied)
    fire_event(proposal.id, "reply", cast.lead, {"text": "再答复", "outcome": "A"}, now=replied + timedelta(days=30))
    assert facts.stored_reply_days()[proposal.id] == 5
    assert facts.stored_reply_days() == from_the_rows()
    assert stats.report(cast.session.id)["avg_working_days_to_reply"] == 5


def test_a_day_the_union_changes_counts_again(cast):
    proposal = cast.proposal_in("accepted")
    assign = {"lead_department_id": cast.lead_dept.id, "cohandler_department_ids": []}
    fire_event(proposal.id, "assign", cast.committee, assign, now=datetime(2026, 9, 25, 2))
    fire_event(proposal.id, "acknowledge", cast.lead, None, now=datetime(2026, 9, 25, 2))
    fire_event(proposal.id, "reply", cast.lead, {"text": "答复", "outcome": "A"}, now=datetime(2026, 9, 28, 2))
    assert facts.stored_reply_days()[proposal.id] == 1
    add_calendar_override({"day": "2026-09-28", "working": False, "note": "厂休"}, actor=cast.admin)
    db.session.commit()
    assert facts.stored_reply_days()[proposal.id] == 0 == from_the_rows()[proposal.id]
    day = db.session.scalar(select(CalendarOverride.id))
    remove_calendar_override(day, actor=cast.admin)
    db.session.commit()
    assert facts.stored_reply_days()[proposal.id] == 1 == from_the_rows()[proposal.id]


def test_generated_proposals_carry_their_working_days_to_reply(app):
    result = app.test_cli_runner().invoke(args=["generate", "--proposals", "200", "--seed", "3"])
    assert result.exit_code == 0, result.output + repr(result.exception)
    expected = from_the_rows()
    assert len(expected) > 30 and any(days > 0 for days in expected.values())
    assert facts.stored_reply_days() == expected
    assert facts.stored_reply_days() == {pid: days for pid, (days,) in facts.reply_days().items()}


def test_the_migration_fills_the_working_days_as_refresh_does(app):
    app.test_cli_runner().invoke(args=["generate", "--proposals", "120", "--seed", "5"])
    expected = facts.stored_reply_days()
    assert expected
    db.session.execute(update(Proposal.__table__).values(first_reply_working_days=None))
    assert facts.stored_reply_days() == {}
    spec = importlib.util.spec_from_file_location("reply_days_migration", MIGRATION)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    migration.backfill(db.session.connection())
    db.session.commit()
    assert facts.stored_reply_days() == expected == from_the_rows()


def test_loading_a_years_arrangement_counts_its_replies_again(cast):
    """Assigned Monday 1 February 2027, replied Friday 19 February: before the year's notice is loaded the
    days are counted on the statutory holidays; the notice's Spring Festival (5-13 February) counts again."""
    proposal = cast.proposal_in("accepted")
    assign = {"lead_department_id": cast.lead_dept.id, "cohandler_department_ids": []}
    fire_event(proposal.id, "assign", cast.committee, assign, now=datetime(2027, 2, 1, 2))
    fire_event(proposal.id, "acknowledge", cast.lead, None, now=datetime(2027, 2, 1, 2))
    fire_event(proposal.id, "reply", cast.lead, {"text": "答复", "outcome": "A"}, now=datetime(2027, 2, 19, 2))
    before = facts.stored_reply_days()[proposal.id]
    notice = {"holidays": [["2027-02-05", "2027-02-13"]], "workdays": []}
    load_year(2027, notice, cast.admin)
    db.session.commit()
    after = facts.stored_reply_days()[proposal.id]
    assert after == clock.working_calendar().between(date(2027, 2, 1), date(2027, 2, 19)) == 8
    assert after != before
