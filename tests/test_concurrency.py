"""Conflicting events fired at the same moment from separate threads, each with its own connection."""

import threading

from sqlalchemy import func, select

from proposals.extensions import db
from proposals.models import Cosignature, HistoryEntry, Proposal, User
from proposals.operations import fire_event
from workflow import InvalidPayload, StateConflict


def race(app, calls):
    """Run each (proposal_id, event, user_id, payload) in its own thread, released together."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, proposal_id, event, user_id, payload):
        with app.app_context():
            user = db.session.get(User, user_id)
            # the state this call left, not the one a later call may have made since: kept past the commit
            db.session().expire_on_commit = False
            barrier.wait()
            try:
                results[i] = fire_event(proposal_id, event, user, payload).state
            except StateConflict as exc:
                results[i] = exc
            except Exception as exc:  # reported by the assertion below, not swallowed
                results[i] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, *call)) for i, call in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def history_of(proposal_id, event):
    return db.session.scalar(
        select(func.count())
        .select_from(HistoryEntry)
        .where(HistoryEntry.proposal_id == proposal_id, HistoryEntry.event == event)
    )


def test_accept_and_reject_at_once_leave_one_winner(app, cast):
    for _ in range(3):
        p = cast.proposal_in("review")
        results = race(
            app,
            [(p.id, "accept", cast.committee.id, None), (p.id, "reject", cast.committee.id, {"reason": "不予立案"})],
        )
        winners = [r for r in results if isinstance(r, str)]
        losers = [r for r in results if isinstance(r, StateConflict)]
        assert len(winners) == 1 and len(losers) == 1, results
        db.session.expire_all()
        final = db.session.get(Proposal, p.id)
        assert final.state == winners[0]
        decisions = history_of(p.id, "accept") + history_of(p.id, "reject")
        assert decisions == 1
        assert final.history[-1].to_state == final.state


def test_two_last_cosignatures_at_once_move_the_proposal_once(app, cast, make):
    # two delegates who still see the proposal once it is under review, so the loser hears "conflict"
    deputy_head = make.user("delegation_head", "delegate", delegation_id=cast.delegation.id)
    p = cast.proposal_in("cosigning")
    fire_event(p.id, "cosign", cast.delegate1)
    results = race(app, [(p.id, "cosign", deputy_head.id, None), (p.id, "cosign", cast.head.id, None)])
    assert sorted(map(str, results)).count("review") == 1
    assert sum(isinstance(r, StateConflict) for r in results) == 1, results
    db.session.expire_all()
    assert db.session.get(Proposal, p.id).state == "review"
    assert db.session.scalar(select(func.count()).select_from(Cosignature).where(Cosignature.proposal_id == p.id)) == 2
    moves = db.session.scalars(
        select(HistoryEntry.to_state).where(HistoryEntry.proposal_id == p.id, HistoryEntry.event == "cosign")
    ).all()
    assert sorted(moves) == ["cosigning", "review"]


def test_concurrent_acceptances_get_distinct_consecutive_numbers(app, cast):
    proposals = [cast.proposal_in("review") for _ in range(4)]
    results = race(app, [(p.id, "accept", cast.committee.id, None) for p in proposals])
    assert results == ["accepted"] * 4
    db.session.expire_all()
    numbers = sorted(db.session.get(Proposal, p.id).number for p in proposals)
    assert numbers == [1, 2, 3, 4]


def test_two_proposals_merged_into_each_other_at_once_leave_one_merge(app, cast):
    for _ in range(3):
        a = cast.proposal_in("review", title="关于增加班车的提案")
        b = cast.proposal_in("review", title="关于增开班车线路的提案")
        results = race(
            app,
            [
                (a.id, "merge", cast.committee.id, {"into_id": b.id}),
                (b.id, "merge", cast.committee.id, {"into_id": a.id}),
            ],
        )
        assert sorted(map(str, results)).count("merged") == 1, results
        # the other is refused: its target is merged by now (or, on a server, the two locked each other)
        assert sum(isinstance(r, InvalidPayload | StateConflict) for r in results) == 1, results
        db.session.expire_all()
        states = {
            p.id: (p.state, p.merged_into_id) for p in (db.session.get(Proposal, a.id), db.session.get(Proposal, b.id))
        }
        assert sorted(states.values(), key=str) in (
            [("merged", b.id), ("review", None)],
            [("merged", a.id), ("review", None)],
        ), states
