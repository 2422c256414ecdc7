"""proposals/scale: generated proposals are what real walks through the lifecycle would have left."""

from collections import Counter, defaultdict
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from proposals import stats
from proposals.extensions import db
from proposals.models import (
    NUMBERED_STATES,
    Assignment,
    CongressSession,
    Cosignature,
    Countersignature,
    Evaluation,
    HistoryEntry,
    Proposal,
    Reply,
    User,
)
from proposals.operations import available_events, fire_event
from proposals.scale.generate import PASSWORD
from workflow import LIFECYCLE

COUNT = 300
HANDLED = ("assigned", "in_progress", "replied", "closed", "archived")


@pytest.fixture
def generated(app):
    """A database with COUNT generated proposals, made through the command."""
    result = app.test_cli_runner().invoke(args=["generate", "--proposals", str(COUNT), "--seed", "7"])
    assert result.exit_code == 0, result.output + repr(result.exception)
    assert f"Added {COUNT} generated proposals" in result.output
    return db.session.scalars(select(Proposal).order_by(Proposal.id)).all()


def history_of() -> dict[int, list[HistoryEntry]]:
    rows = defaultdict(list)
    for entry in db.session.scalars(select(HistoryEntry).order_by(HistoryEntry.proposal_id, HistoryEntry.seq)):
        rows[entry.proposal_id].append(entry)
    return rows


def is_transition(event: str, from_state: str, to_state: str) -> bool:
    if event == "edit":  # a draft's edit: recorded, no lifecycle event
        return from_state == to_state == "draft"
    return any(
        from_state in t.sources and to_state == (t.dest or from_state) for t in LIFECYCLE.event(event).transitions
    )


def test_every_state_and_several_sessions_are_there(generated):
    states = Counter(p.state for p in generated)
    assert set(states) == set(LIFECYCLE.states)
    assert len({p.session_id for p in generated}) == 5
    assert {p.kind for p in generated} == {"proposal", "suggestion"}


def test_each_history_is_a_walk_through_the_lifecycle_ending_in_the_state(generated):
    histories = history_of()
    for p in generated:
        rows = histories[p.id]
        assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
        assert (rows[0].event, rows[0].from_state, rows[0].to_state) == ("create", None, "draft")
        for before, after in zip(rows, rows[1:], strict=False):
            assert after.from_state == before.to_state, (p.id, after.event)
            assert is_transition(after.event, after.from_state, after.to_state), (p.id, after.event)
            assert after.at >= before.at
        assert rows[-1].to_state == p.state
        assert p.updated_at == rows[-1].at
        assert p.created_at == rows[0].at


def test_numbers_are_gapless_per_session_and_only_on_accepted_ones(generated):
    for congress in db.session.scalars(select(CongressSession)):
        numbers = sorted(p.number for p in generated if p.session_id == congress.id and p.number is not None)
        assert numbers == list(range(1, congress.last_number + 1))
    for p in generated:
        assert (p.number is not None) == (p.state in NUMBERED_STATES)


def test_the_rows_beside_each_history_agree_with_it(generated):
    histories = history_of()
    cosigned = Counter(db.session.scalars(select(Cosignature.proposal_id)))
    replies = defaultdict(list)
    for reply in db.session.scalars(select(Reply)):
        replies[reply.proposal_id].append(reply)
    evaluations = Counter(db.session.scalars(select(Evaluation.proposal_id)))
    countersigned = Counter(
        db.session.scalars(
            select(Assignment.proposal_id).join(Countersignature, Countersignature.assignment_id == Assignment.id)
        )
    )
    for p in generated:
        events = Counter(r.event for r in histories[p.id])
        assert cosigned[p.id] == events["cosign"]
        assert len(replies[p.id]) == events["reply"]
        assert evaluations[p.id] == events["evaluate"]
        assert countersigned[p.id] == events["countersign"]
        assert p.rehandle_round == sum(
            1 for r in histories[p.id] if r.event == "evaluate" and r.to_state == "in_progress"
        )
        leads = [a for a in p.active_assignments if a.role == "lead"]
        assert len(leads) == (1 if p.state in HANDLED else 0), p.id
        if p.state in ("replied", "closed", "archived") and p.final_rating != "no_response":
            assert p.current_reply is not None
        assert (p.final_rating is not None) == (p.state in ("closed", "archived"))
        assert (p.merged_into_id is not None) == (p.state == "merged")
        if p.merged_into_id:
            assert db.session.get(Proposal, p.merged_into_id).session_id == p.session_id
        if p.state not in ("draft", "cosigning", "withdrawn") and p.kind == "proposal":
            assert cosigned[p.id] >= p.session.min_cosigners
        for reply in replies[p.id]:
            # released by the lead's reply itself, or by the last co-handler's countersignature of the draft
            released = next(r for r in histories[p.id] if r.payload.get("released") and r.at == reply.created_at)
            drafted = [r for r in histories[p.id] if r.event == "reply" and r.at <= reply.created_at][-1]
            on_time = (reply.created_at + timedelta(hours=8)).date() <= reply.deadline
            assert released.payload["on_time"] == on_time and drafted.payload["outcome"] == reply.outcome


def expected_numbers(proposals, today) -> dict:
    """The report's overall figures, counted here in Python from the rows."""
    counted = [p for p in proposals if p.state != "draft"]
    states = Counter(p.state for p in counted)

    def among(names):
        return sum(states[s] for s in names)

    first_on_time, latest = 0, Counter()
    replied = 0
    overdue = 0
    for p in counted:
        if p.replies:
            replied += 1
            first = min(p.replies, key=lambda r: r.round)
            first_on_time += (first.created_at + timedelta(hours=8)).date() <= first.deadline
            latest[max(p.replies, key=lambda r: r.round).outcome] += 1
        lead = p.lead_assignment
        if lead and (
            (p.state == "assigned" and lead.ack_deadline < today)
            or (p.state in ("assigned", "in_progress") and lead.reply_deadline < today)
        ):
            overdue += 1
    rated = [p for p in counted if p.final_rating in ("satisfied", "basically_satisfied", "unsatisfied")]
    accepted = among(NUMBERED_STATES)
    return {
        "total": len(counted),
        "acceptance_rate": accepted / among((*NUMBERED_STATES, "rejected", "merged")),
        "reply_rate": among(("replied", "closed", "archived")) / among(HANDLED),
        "closure_rate": among(("closed", "archived")) / accepted,
        "on_time_rate": first_on_time / replied,
        "satisfaction_rate": sum(p.final_rating != "unsatisfied" for p in rated) / len(rated),
        "outcome_counts": {o: latest[o] for o in ("A", "B", "C")},
        "overdue": overdue,
    }


def test_the_report_agrees_with_counts_made_from_the_rows(generated):
    today = stats.local_today()
    report = stats.report(today=today)
    expected = expected_numbers(generated, today)
    assert report["total"] == expected["total"]
    for rate in ("acceptance_rate", "reply_rate", "closure_rate", "on_time_rate", "satisfaction_rate"):
        assert report["rates"][rate] == pytest.approx(expected[rate]), rate
    assert report["outcome_counts"] == expected["outcome_counts"]
    assert report["overdue"] == expected["overdue"] > 0
    for breakdown in ("by_session", "by_category", "by_delegation"):
        assert sum(row["total"] for row in report[breakdown]) == expected["total"], breakdown
    with_lead = [p for p in generated if p.lead_assignment is not None]
    assert sum(row["total"] for row in report["by_department"]) == len(with_lead)
    for row in report["by_session"]:
        session_report = stats.report(row["session_id"], today=today)
        mine = [p for p in generated if p.session_id == row["session_id"]]
        assert session_report["total"] == row["total"] == expected_numbers(mine, today)["total"]
        assert session_report["rates"] == row["rates"]


def test_the_engine_works_on_generated_proposals(generated):
    committee = db.session.scalar(select(User).where(User.username == "gen-c0"))
    by_state = {p.state: p for p in generated}
    assert "accept" in available_events(by_state["review"], committee)
    assert "assign" in available_events(by_state["accepted"], committee)
    replied = by_state["replied"]
    assert "evaluate" in available_events(replied, replied.author)
    handler = db.session.scalar(
        select(User).where(User.department_id == by_state["in_progress"].lead_assignment.department_id)
    )
    assert "progress" in available_events(by_state["in_progress"], handler)
    for p in generated:  # every row gives the engine what it needs
        available_events(p, committee)
        available_events(p, p.author)
    # and a real event on a generated proposal takes the session's next number and the next history row
    review = by_state["review"]
    last_number = review.session.last_number
    seq = db.session.scalar(select(func.max(HistoryEntry.seq)).where(HistoryEntry.proposal_id == review.id))
    fire_event(review.id, "accept", committee)
    accepted = db.session.get(Proposal, review.id)
    assert (accepted.state, accepted.number) == ("accepted", last_number + 1)
    assert accepted.history[-1].seq == seq + 1


def test_pages_show_generated_proposals(generated, client):
    committee = db.session.scalar(select(User).where(User.username == "gen-c0"))
    response = client.post("/login", data={"username": committee.username, "password": PASSWORD})
    assert response.status_code == 302, response.text
    shown = {}
    for p in generated:
        if p.state != "draft" and p.state not in shown:
            shown[p.state] = p
    for p in shown.values():
        response = client.get(f"/proposals/{p.id}")
        assert response.status_code == 200, (p.state, response.status_code)
        assert p.title in response.text
    assert client.get("/proposals/").status_code == 200
    assert client.get("/").status_code == 200


def test_running_again_adds_more_and_numbers_go_on(generated, app):
    before = {s.id: s.last_number for s in db.session.scalars(select(CongressSession))}
    result = app.test_cli_runner().invoke(args=["generate", "--proposals", "50"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Proposal.id))) == COUNT + 50
    for congress in db.session.scalars(select(CongressSession)):
        assert congress.last_number >= before[congress.id]
        numbers = sorted(
            db.session.scalars(
                select(Proposal.number).where(Proposal.session_id == congress.id, Proposal.number.is_not(None))
            )
        )
        assert numbers == list(range(1, congress.last_number + 1))
    # the new rows took ids after the old ones: the sequences went on
    last = db.session.scalar(select(func.max(HistoryEntry.id)))
    assert db.session.scalar(select(func.count(HistoryEntry.id))) == last


def test_a_bad_count_is_refused(app):
    result = app.test_cli_runner().invoke(args=["generate", "--proposals", "0"])
    assert result.exit_code == 2
    assert "--proposals" in result.output
    assert db.session.scalar(select(func.count(Proposal.id))) == 0
