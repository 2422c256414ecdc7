"""The numbers the union reports, on a dataset whose answers are worked out by hand."""

from datetime import datetime, time, timedelta

import pytest

from proposals.extensions import db
from proposals.models import HistoryEntry
from proposals.models.base import utcnow
from proposals.operations import fire_event
from proposals.stats import COUNTED_STATES, on_time_replies, overdue_ids, report, session_figures

from . import datasets

LONG_AGO = timedelta(days=90)  # further back than any acknowledgement or reply deadline reaches


@pytest.fixture
def dataset(cast, make):
    return datasets.hand_checked(cast, make)


def test_the_numbers_of_one_session(cast, dataset):
    numbers = report(cast.session.id)
    assert numbers["counts"] == {
        "cosigning": 2,
        "delegation_review": 0,
        "review": 1,
        "accepted": 1,
        "rejected": 1,
        "merged": 1,
        "withdrawn": 1,
        "assigned": 1,
        "in_progress": 1,
        "replied": 1,
        "closed": 4,
        "archived": 1,
    }
    assert numbers["total"] == 15
    assert numbers["rates"] == {
        "acceptance_rate": pytest.approx(9 / 11),  # accepted or later / (those + rejected + merged)
        "reply_rate": pytest.approx(6 / 8),  # replied, closed, archived / assigned or later
        "closure_rate": pytest.approx(5 / 9),  # closed, archived / accepted or later
        "on_time_rate": pytest.approx(5 / 6),  # the one B reply came late
        "satisfaction_rate": pytest.approx(3 / 4),  # "no response" is not an evaluation
        # three co-signers' ratings, one of a closed proposal unsatisfied: the author's rates apart
        "cosigner_satisfaction_rate": pytest.approx(2 / 3),
    }
    assert numbers["outcome_counts"] == {"A": 4, "B": 1, "C": 1}
    assert numbers["outcomes"] == {"A": pytest.approx(4 / 6), "B": pytest.approx(1 / 6), "C": pytest.approx(1 / 6)}
    assert numbers["overdue"] == 2


def test_breakdowns(cast, dataset):
    numbers = report(cast.session.id)
    departments = {d["department_id"]: d for d in numbers["by_department"]}
    assert set(departments) == {cast.lead_dept.id, cast.other_dept.id}  # the lead of the active assignment
    lead = departments[cast.lead_dept.id]
    assert (lead["code"], lead["total"], lead["overdue"]) == (cast.lead_dept.code, 6, 0)
    assert lead["rates"]["reply_rate"] == 1.0
    assert lead["rates"]["on_time_rate"] == pytest.approx(5 / 6)
    assert lead["rates"]["satisfaction_rate"] == pytest.approx(3 / 4)
    assert lead["rates"]["cosigner_satisfaction_rate"] == pytest.approx(2 / 3)
    assert departments[cast.other_dept.id]["rates"]["cosigner_satisfaction_rate"] is None  # no co-signer rated
    other = departments[cast.other_dept.id]
    assert (other["total"], other["overdue"], other["rates"]["reply_rate"]) == (2, 2, 0.0)
    assert other["rates"]["on_time_rate"] is None and other["rates"]["satisfaction_rate"] is None
    assert other["outcomes"] == {"A": None, "B": None, "C": None}

    categories = {c["category"]: c for c in numbers["by_category"]}
    assert set(categories) == {"welfare", "safety"}
    assert categories["welfare"]["total"] == 14
    safety = categories["safety"]
    assert (safety["total"], safety["rates"]["satisfaction_rate"], safety["outcomes"]["C"]) == (1, 0.0, 1.0)
    assert safety["rates"]["cosigner_satisfaction_rate"] == 1.0  # its author unsatisfied, its co-signer not
    assert categories["welfare"]["rates"]["cosigner_satisfaction_rate"] == pytest.approx(1 / 2)
    assert numbers["by_session"][0]["rates"]["cosigner_satisfaction_rate"] == pytest.approx(2 / 3)

    assert [(d["delegation_id"], d["total"]) for d in numbers["by_delegation"]] == [(cast.delegation.id, 14)]
    assert [(s["session_id"], s["total"]) for s in numbers["by_session"]] == [(cast.session.id, 15)]
    everywhere = report()
    assert everywhere["total"] == 16
    assert sorted(s["total"] for s in everywhere["by_session"]) == [1, 15]


def test_a_report_counts_only_what_its_reader_may_see(cast, dataset):
    # a worker sees what was accepted (and later), and their own proposals
    assert report(cast.session.id, user=cast.worker)["total"] == 9 + 1
    # the committee sees everything submitted: not the draft, nor the draft withdrawn before submission
    assert report(cast.session.id, user=cast.committee)["total"] == 14
    assert report(cast.session.id, user=cast.author)["counts"]["cosigning"] == 1


def test_empty_denominators_give_no_rate(make):
    numbers = report(make.new_session().id)
    assert numbers["total"] == 0 and numbers["overdue"] == 0
    assert set(numbers["counts"]) == set(COUNTED_STATES) and not any(numbers["counts"].values())
    assert all(rate is None for rate in numbers["rates"].values())
    assert numbers["outcomes"] == {"A": None, "B": None, "C": None}
    assert numbers["by_department"] == numbers["by_category"] == numbers["by_delegation"] == []


def test_rates_with_some_denominators_empty(cast):
    cast.proposal_in("rejected")
    rates = report(cast.session.id)["rates"]
    assert rates["acceptance_rate"] == 0.0
    assert rates["reply_rate"] is rates["closure_rate"] is rates["on_time_rate"] is rates["satisfaction_rate"] is None


def test_overdue_is_one_definition(cast, dataset):
    late = {dataset["late_ack"].id, dataset["late_reply"].id}
    assert overdue_ids([p.id for p in dataset.values()]) == late
    # before the deadlines passed, nothing was overdue
    assert report(cast.session.id, today=(utcnow() - LONG_AGO).date())["overdue"] == 0


@pytest.mark.parametrize("china_clock, on_time", [(time(23, 59), True), (time(0, 0), False)])
def test_on_time_means_by_the_deadline_in_china(cast, china_clock, on_time):
    """Judged by the release, the moment the author receives the reply: not by when the lead drafted it."""
    proposal = cast.proposal_in("in_progress")
    fire_event(proposal.id, "acknowledge", cast.cohandler)
    deadline = proposal.lead_assignment.reply_deadline
    drafted = datetime.combine(deadline - timedelta(days=3), time(9))  # in time
    fire_event(proposal.id, "reply", cast.lead, {"text": "答复", "outcome": "A"}, now=drafted)
    china_day = deadline if on_time else deadline + timedelta(days=1)
    sent = datetime.combine(china_day, china_clock) - timedelta(hours=8)  # naive UTC
    fire_event(proposal.id, "countersign", cast.cohandler, now=sent)  # the last countersignature releases it
    assert list(on_time_replies(proposal.id).values()) == [on_time]
    # the same verdict as the one the releasing event wrote in the history
    entry = db.session.scalar(db.select(HistoryEntry).filter_by(proposal_id=proposal.id, event="countersign"))
    assert entry.payload["on_time"] is on_time
    assert report(cast.session.id)["rates"]["on_time_rate"] == (1.0 if on_time else 0.0)


def test_a_delegations_figure_counts_what_its_list_shows_even_with_confidential_authors(cast):
    from proposals import queries
    from proposals.stats import local_today, report

    cast.proposal_in("accepted")
    cast.proposal_in("accepted", confidential=True)
    today = local_today()
    for viewer, expected in ((cast.leader, 1), (cast.committee, 2), (cast.head, 2)):
        figure = {row["delegation_id"]: row["total"] for row in report(cast.session.id, user=viewer)["by_delegation"]}
        listed = queries.count(
            viewer, queries.Filters(session_id=cast.session.id, delegation_id=cast.delegation.id), today
        )
        assert figure.get(cast.delegation.id, 0) == listed == expected, viewer.roles


@pytest.mark.parametrize("reader", [None, "worker", "committee"])
def test_the_figures_by_session_alone_are_the_report_s(cast, dataset, reader):
    """session_figures (the trend, the group's figures) counts by session only: the report's own by_session
    and by_union rows."""
    user = getattr(cast, reader) if reader else None
    numbers, alone = report(user=user), session_figures(user=user)
    assert len(numbers["by_session"]) >= 1
    assert alone == {"by_session": numbers["by_session"], "by_union": numbers["by_union"]}
