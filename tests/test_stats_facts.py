"""The statistics' facts kept on the proposal row (proposals/facts.py) always equal what the assignments and
replies say: after random walks through the lifecycle at random times, after generate, after the migration."""

import importlib.util
import tempfile
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from sqlalchemy import select, text, update

from proposals import create_app, facts
from proposals.access import can_view
from proposals.extensions import db
from proposals.models import Proposal
from proposals.operations import available_events, clock, fire_event, seed_default_categories, update_session
from workflow import WorkflowError

from . import databases
from .conftest import Cast, Factory, app_config

MIGRATION = next((Path(__file__).parent.parent / "migrations" / "versions").glob("*_19736a3b7eff_*.py"))


def from_the_rows() -> dict[int, tuple]:
    """The facts of every proposal worked out in Python from its loaded assignments and replies."""
    db.session.expire_all()
    found = {}
    for p in db.session.scalars(select(Proposal)):
        leads = [a for a in p.assignments if a.role == "lead" and a.ended_at is None]
        lead = min(leads, key=lambda a: a.id) if leads else None
        replies = sorted(p.replies, key=lambda r: r.round)
        found[p.id] = (
            lead.department_id if lead else None,
            lead.ack_deadline if lead else None,
            lead.reply_deadline if lead else None,
            clock.local_date(replies[0].created_at) <= replies[0].deadline if replies else None,
            replies[-1].outcome if replies else None,
            min(
                (
                    a.countersign_deadline
                    for a in p.assignments
                    if a.role == "cohandler" and a.ended_at is None and a.countersign_deadline
                ),
                default=None,
            ),
        )
    return found


def assert_facts_hold():
    expected = from_the_rows()
    assert facts.recomputed() == expected
    assert facts.stored() == expected


class Walks(RuleBasedStateMachine):
    """A few proposals driven through what their people may do, with time passing between the steps."""

    @initialize(max_rehandle=st.integers(0, 2))
    def setup(self, max_rehandle):
        self.tmp = tempfile.TemporaryDirectory()
        self.app = create_app(app_config(databases.fresh_url(Path(self.tmp.name))))
        self.ctx = self.app.app_context()
        self.ctx.push()
        databases.reset(db)
        seed_default_categories()  # as `flask db upgrade` seeds them
        self.cast = Cast(Factory())
        update_session(self.cast.session, {"min_cosigners": 0, "max_rehandle": max_rehandle})
        self.people = list(self.cast.people().values())
        self.depts = [self.cast.lead_dept.id, self.cast.co_dept.id, self.cast.other_dept.id]
        self.proposals = [self.cast.make.proposal(author=self.cast.author, session=self.cast.session).id for _ in "abc"]
        self.now = clock.utcnow()

    def teardown(self):
        if hasattr(self, "ctx"):
            db.session.remove()
            databases.dispose(db)
            self.ctx.pop()
            self.tmp.cleanup()

    @rule(data=st.data(), days=st.integers(0, 40))
    def step(self, data, days):
        self.now += timedelta(days=days, hours=data.draw(st.integers(0, 23)))
        proposal = db.session.get(Proposal, data.draw(st.sampled_from(self.proposals)))
        choices = [
            (u, e)
            for u in self.people
            if can_view(u, proposal)
            for e in available_events(proposal, u)
            if e not in ("withdraw", "merge")
        ]
        if not choices:
            return
        user, event = data.draw(st.sampled_from(sorted(choices, key=lambda c: (c[0].id, c[1]))))
        lead = data.draw(st.sampled_from(self.depts))
        payloads = {
            "reject": {"reason": "不予立案"},
            "send_back": {"reason": "请补充"},
            "decline": {"reason": "非本部门职责"},
            "progress": {"note": "进展"},
            "reply": {
                "text": "答复",
                "outcome": data.draw(st.sampled_from(["A", "B", "C"])),
                "planned_date": "2027-06-30",
                "reason": "暂无条件。",
            },
            "countersign": data.draw(st.sampled_from([None, {"agree": False, "reason": "请补充"}])),
            "evaluate": {
                "rating": data.draw(st.sampled_from(["satisfied", "basically_satisfied", "unsatisfied"])),
                "comment": "理由",
            },
            "extend": {"days": data.draw(st.integers(1, 10)), "reason": "协调"},
            "assign": {
                "lead_department_id": lead,
                "cohandler_department_ids": data.draw(st.sampled_from([[], [d for d in self.depts if d != lead][:1]])),
            },
        }
        try:
            fire_event(proposal.id, event, user, payloads.get(event), now=self.now)
        except WorkflowError:
            db.session.rollback()

    @invariant()
    def facts_hold(self):
        if hasattr(self, "ctx"):
            assert_facts_hold()


Walks.TestCase.settings = settings(
    max_examples=12, stateful_step_count=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
TestWalks = Walks.TestCase


def test_a_late_reply_a_decline_and_a_second_round_are_kept(cast):
    """The cases the random walks may miss, on purpose: reassigned after a decline, a late first reply
    with another outcome in the second round."""
    proposal = cast.proposal_in("assigned")
    at = clock.utcnow()
    fire_event(proposal.id, "decline", cast.lead, {"reason": "非本部门职责"}, now=at)
    assert facts.stored()[proposal.id] == (None,) * 6
    assign = {"lead_department_id": cast.co_dept.id, "cohandler_department_ids": []}
    fire_event(proposal.id, "assign", cast.committee, assign, now=at)
    deadline = db.session.get(Proposal, proposal.id).lead_reply_deadline
    assert facts.stored()[proposal.id][0] == cast.co_dept.id and deadline is not None
    fire_event(proposal.id, "acknowledge", cast.cohandler, None, now=at)
    late = at + timedelta(days=90)
    fire_event(proposal.id, "reply", cast.cohandler, {"text": "答复", "outcome": "C", "reason": "暂无条件。"}, now=late)
    assert facts.stored()[proposal.id][3:] == (False, "C", None)
    fire_event(
        proposal.id, "evaluate", cast.author, {"rating": "unsatisfied", "comment": "答复没有具体措施。"}, now=late
    )
    fire_event(proposal.id, "reply", cast.cohandler, {"text": "再答复", "outcome": "A"}, now=late)
    assert facts.stored()[proposal.id][3:] == (False, "A", None)  # the first reply's lateness, the latest's outcome
    assert_facts_hold()


def test_generated_proposals_carry_their_facts(app):
    result = app.test_cli_runner().invoke(args=["generate", "--proposals", "200", "--seed", "3"])
    assert result.exit_code == 0, result.output + repr(result.exception)
    expected = from_the_rows()
    assert sum(1 for f in expected.values() if f[0] is not None) > 50  # handled ones are there
    assert sum(1 for f in expected.values() if f[3] is False) > 0  # and late first replies
    assert facts.stored() == expected


def test_the_migration_fills_the_facts_as_refresh_does(app):
    """The migration's hand-written backfill is facts_update() for every proposal."""
    app.test_cli_runner().invoke(args=["generate", "--proposals", "120", "--seed", "5"])
    expected = facts.stored()
    db.session.execute(update(Proposal.__table__).values(dict.fromkeys(facts.COLUMNS)))
    assert set(facts.stored().values()) == {(None,) * 6}
    spec = importlib.util.spec_from_file_location("facts_migration", MIGRATION)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    db.session.execute(text(migration.FACTS_UPDATE[db.engine.dialect.name]))
    db.session.commit()
    assert facts.stored() == expected == from_the_rows()
