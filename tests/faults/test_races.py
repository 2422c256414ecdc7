"""Many connections firing events on one proposal at the same moment: one outcome, recorded once."""

import threading

from sqlalchemy import func, select

from proposals.extensions import db
from proposals.models import CongressSession, Cosignature, HistoryEntry, Notification, Proposal, User
from proposals.operations import events, fire_event
from tests.conftest import Cast
from workflow import InvalidPayload, StateConflict

from .conftest import PATIENCE, connection_budget


def race(app, calls: list[tuple[int, str, dict | None, int]]) -> list:
    """Fire each (proposal_id, event, payload, user_id) from its own thread and connection, released
    together; return the state each call moved the proposal to, or the exception it raised.

    The state is read from the call's own history row: the returned proposal reloads on first use
    after the commit, and by then a later call may have moved it on."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, proposal_id, event, payload, user_id):
        barrier.wait()
        with app.app_context():
            try:
                fire_event(proposal_id, event, db.session.get(User, user_id), payload)
                results[i] = db.session.scalar(
                    select(HistoryEntry.to_state)
                    .where(
                        HistoryEntry.proposal_id == proposal_id,
                        HistoryEntry.actor_id == user_id,
                        HistoryEntry.event == event,
                    )
                    .order_by(HistoryEntry.seq.desc())
                    .limit(1)
                )
            except Exception as exc:  # every outcome is reported to the assertions, none swallowed
                results[i] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, *call)) for i, call in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=PATIENCE)
    assert not any(t.is_alive() for t in threads), "a thread is still waiting"
    return results


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_fifty_conflicting_decisions_leave_one_winner_one_history_row_and_one_set_of_notices(app, make, pool_app):
    cast = Cast(make)
    proposal = cast.proposal_in("review")
    target = cast.proposal_in("review", title="关于延长食堂供餐时间的提案")
    committee = [make.user("committee") for _ in range(50)]
    decisions = [
        ("accept", None),
        ("reject", {"reason": "不属于职代会职权范围。"}),
        ("convert", {"reason": "作为意见建议处理。"}),
        ("merge", {"into_id": target.id}),
    ]
    calls = [(proposal.id, *decisions[i % 4], member.id) for i, member in enumerate(committee)]
    seq_before = max(h.seq for h in proposal.history)
    version_before = proposal.version
    notices_before = count(Notification)

    results = race(pool_app(connection_budget(app, len(calls))), calls)

    winners = [i for i, r in enumerate(results) if isinstance(r, str)]
    assert len(winners) == 1, results
    losers = [r for r in results if not isinstance(r, str)]
    assert all(isinstance(r, StateConflict) for r in losers), {repr(r) for r in losers}
    _, event, _, winner_id = calls[winners[0]]
    db.session.expire_all()
    final = db.session.get(Proposal, proposal.id)
    assert final.state == results[winners[0]]
    new = [h for h in final.history if h.seq > seq_before]
    assert [(h.seq, h.event, h.actor_id, h.to_state) for h in new] == [(seq_before + 1, event, winner_id, final.state)]
    # one set of notices, for the winning event: the author and both co-signers
    notices = db.session.scalars(select(Notification)).all()
    assert len(notices) == notices_before + 3
    told = sorted(n.user_id for n in notices if n.history_id == new[0].id)
    assert told == sorted([cast.author.id, cast.delegate1.id, cast.delegate2.id])
    numbered = event in ("accept", "convert")
    assert final.number == (1 if numbered else None)
    assert db.session.get(CongressSession, final.session_id).last_number == (1 if numbered else 0)
    assert final.merged_into_id == (target.id if event == "merge" else None)
    # the losers moved the version no further than the same decision does when nobody else acts
    control = cast.proposal_in("review", title="对照提案")
    control_before = control.version
    control = fire_event(control.id, event, cast.committee, calls[winners[0]][2])
    assert final.version - version_before == control.version - control_before


def test_a_hundred_delegates_cosigning_at_once_give_a_hundred_cosignatures_and_one_move(app, make, pool_app):
    congress = make.new_session(min_cosigners=100)
    author = make.user("worker", delegation_id=make.unit("delegation").id)
    proposal = make.proposal(author=author, session=congress)
    fire_event(proposal.id, "submit", author)
    delegates = [make.user("delegate") for _ in range(100)]
    version_before = db.session.get(Proposal, proposal.id).version

    results = race(
        pool_app(connection_budget(app, len(delegates))),
        [(proposal.id, "cosign", None, delegate.id) for delegate in delegates],
    )

    assert sorted(results) == ["cosigning"] * 99 + ["review"], {repr(r) for r in results}
    db.session.expire_all()
    final = db.session.get(Proposal, proposal.id)
    assert final.state == "review" and final.version == version_before + 100
    cosigners = db.session.scalars(select(Cosignature.user_id).where(Cosignature.proposal_id == proposal.id)).all()
    assert sorted(cosigners) == sorted(d.id for d in delegates)
    history = [(h.event, h.to_state) for h in final.history]
    assert history == [("create", "draft"), ("submit", "cosigning")] + [("cosign", "cosigning")] * 99 + [
        ("cosign", "review")
    ]
    assert [h.seq for h in final.history] == list(range(1, 103))
    assert count(HistoryEntry, HistoryEntry.to_state == "review") == 1
    # each co-signature tells the author once; nobody else hears of it, nobody hears twice
    cosigns = {h.id for h in final.history if h.event == "cosign"}
    notices = db.session.execute(select(Notification.user_id, Notification.history_id)).all()
    assert sorted(history_id for _, history_id in notices) == sorted(cosigns)
    assert {user_id for user_id, _ in notices} == {author.id}


def meet_after_locking(monkeypatch, parties: int) -> None:
    """Make the next `parties` events each take their proposal's lock, then wait for the others to have
    theirs: the interleaving where each has locked its own proposal and reads the other's."""
    gate = threading.Barrier(parties)
    take_lock = events.lock_proposal

    def lock_then_meet(proposal_id, *args, **kwargs):
        proposal = take_lock(proposal_id, *args, **kwargs)
        gate.wait(timeout=PATIENCE)
        return proposal

    monkeypatch.setattr(events, "lock_proposal", lock_then_meet)


def test_two_proposals_merged_into_each_other_at_once_leave_one_merge(app, cast, monkeypatch):
    a = cast.proposal_in("review", title="关于增加班车的提案")
    b = cast.proposal_in("review", title="关于增开班车线路的提案")
    meet_after_locking(monkeypatch, 2)
    results = race(
        app,
        [(a.id, "merge", {"into_id": b.id}, cast.committee.id), (b.id, "merge", {"into_id": a.id}, cast.committee.id)],
    )
    # each waits for the other's lock: the database sees the deadlock and refuses one, as a conflict
    assert sorted(r if isinstance(r, str) else type(r).__name__ for r in results) == ["StateConflict", "merged"]
    db.session.expire_all()
    merged, kept = sorted((db.session.get(Proposal, a.id), db.session.get(Proposal, b.id)), key=lambda p: p.state)
    assert (merged.state, merged.merged_into_id, kept.state) == ("merged", kept.id, "review")


def test_a_proposal_withdrawn_while_another_is_merged_into_it_refuses_the_merge(app, cast, monkeypatch):
    source = cast.proposal_in("review", title="关于增加班车的提案")
    target = cast.proposal_in("review", title="关于增开班车线路的提案")
    meet_after_locking(monkeypatch, 2)
    results = race(
        app,
        [
            (target.id, "withdraw", None, cast.author.id),
            (source.id, "merge", {"into_id": target.id}, cast.committee.id),
        ],
    )
    assert results[0] == "withdrawn" and isinstance(results[1], InvalidPayload), results
    db.session.expire_all()
    assert db.session.get(Proposal, source.id).state == "review"
