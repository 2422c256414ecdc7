"""Random events by random people; after every step the records must still agree with each other."""

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import event as hypothesis_event
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from sqlalchemy import func, select

from proposals import create_app
from proposals.access import can_view
from proposals.extensions import db
from proposals.models import Cosignature, HistoryEntry, Proposal
from proposals.operations import NotFound, available_events, fire_event, seed_default_categories, update_session
from workflow import LIFECYCLE, WorkflowError

from . import databases
from .conftest import Cast, Factory, app_config

EVENTS = sorted(LIFECYCLE.events)
PAYLOADS = st.fixed_dictionaries(
    {},
    optional={
        "reason": st.sampled_from(["理由", "  ", "说明情况"]),
        "comment": st.sampled_from(["好", ""]),
        "note": st.just("进展"),
        "text": st.just("答复内容"),
        "outcome": st.sampled_from(["A", "B", "C", "D"]),
        "rating": st.sampled_from(["satisfied", "basically_satisfied", "unsatisfied", "bad"]),
        "attitude": st.sampled_from(["satisfied", "unsatisfied"]),
        "days": st.integers(min_value=-1, max_value=20),
    },
)


class Lifecycle(RuleBasedStateMachine):
    """Each example gets its own database, a cast of one person per role and a few proposals."""

    @initialize(min_cosigners=st.integers(0, 3), delegation_review=st.booleans(), max_rehandle=st.integers(0, 2))
    def setup(self, min_cosigners, delegation_review, max_rehandle):
        self.tmp = tempfile.TemporaryDirectory()
        self.app = create_app(app_config(databases.fresh_url(Path(self.tmp.name))))
        self.ctx = self.app.app_context()
        self.ctx.push()
        databases.reset(db)
        seed_default_categories()  # as `flask db upgrade` seeds them
        self.cast = Cast(Factory())
        update_session(
            self.cast.session,
            {"min_cosigners": min_cosigners, "delegation_review": delegation_review, "max_rehandle": max_rehandle},
        )
        self.people = list(self.cast.people().values())
        self.proposals: list[int] = []

    def teardown(self):
        if hasattr(self, "ctx"):
            db.session.remove()
            databases.dispose(db)
            self.ctx.pop()
            self.tmp.cleanup()

    @precondition(lambda self: len(self.proposals) < 4)
    @rule(author=st.integers(0, 12))
    def write(self, author):
        self.proposals.append(self.cast.make.proposal(author=self.people[author], session=self.cast.session).id)

    @precondition(lambda self: self.proposals)
    @rule(data=st.data(), event=st.sampled_from(EVENTS), payload=PAYLOADS)
    def fire(self, data, event, payload):
        proposal_id = data.draw(st.sampled_from(self.proposals))
        user = data.draw(st.sampled_from([*self.people, None]))
        if event == "merge":
            payload = {"into_id": data.draw(st.sampled_from(self.proposals))}
        elif event == "assign":
            depts = [self.cast.lead_dept.id, self.cast.co_dept.id, self.cast.other_dept.id]
            lead = data.draw(st.sampled_from(depts))
            payload = {
                "lead_department_id": lead,
                "cohandler_department_ids": data.draw(st.lists(st.sampled_from(depts), max_size=2, unique=True)),
            }
        try:
            fire_event(proposal_id, event, user, payload)
            hypothesis_event(f"fired {event}")
        except (WorkflowError, NotFound) as exc:
            hypothesis_event(f"refused: {type(exc).__name__}")

    @precondition(lambda self: self.proposals)
    @rule(data=st.data())
    def fire_available(self, data):
        """Drive proposals deep into the lifecycle: someone fires what they may fire now."""
        proposal_id = data.draw(st.sampled_from(self.proposals))
        proposal = db.session.get(Proposal, proposal_id)
        choices = [(u, e) for u in self.people if can_view(u, proposal) for e in available_events(proposal, u)]
        onward = [(u, e) for u, e in choices if e != "withdraw"]  # withdrawing ends the walk: rarely
        if onward and data.draw(st.integers(0, 9)):
            choices = onward
        if not choices:
            return
        user, event = data.draw(st.sampled_from(choices))
        valid = {
            "reject": {"reason": "不予立案"},
            "send_back": {"reason": "请补充"},
            "decline": {"reason": "非本部门职责"},
            "progress": {"note": "进展"},
            "reply": {"text": "答复", "outcome": data.draw(st.sampled_from(["A", "B", "C"]))},
            "evaluate": {
                "rating": data.draw(st.sampled_from(["satisfied", "basically_satisfied", "unsatisfied"])),
                "comment": "理由",
            },
            "extend": {"days": 3, "reason": "协调"},
            "merge": {"into_id": data.draw(st.sampled_from(self.proposals))},
            "assign": {
                "lead_department_id": self.cast.lead_dept.id,
                "cohandler_department_ids": [self.cast.co_dept.id],
            },
        }
        try:
            fire_event(proposal_id, event, user, valid.get(event))
            hypothesis_event(f"fired {event}")
        except WorkflowError as exc:  # a merge into an unsuitable target, say
            hypothesis_event(f"refused available {event}: {type(exc).__name__}")

    @invariant()
    def records_agree(self):
        if not hasattr(self, "ctx"):
            return
        db.session.expire_all()
        for p in db.session.scalars(select(Proposal)):
            assert p.state in LIFECYCLE.states
            assert p.history[-1].to_state == p.state, f"{p.id}: {p.state} but history says {p.history[-1]}"
            assert [h.seq for h in p.history] == list(range(1, len(p.history) + 1))
            # the co-signatures in force are those given since the last submission (a send-back ends them,
            # the resubmission starts co-signing again); each of them signed that submission's version
            submits = [h for h in p.history if h.event == "submit"]
            since = [h for h in p.history if submits and h.seq > submits[-1].seq]
            in_force = 0 if any(h.event == "send_back" for h in since) else sum(h.event == "cosign" for h in since)
            assert in_force == len(p.cosignatures)
            version = submits[-1].payload["version"] if submits else None
            assert all(c.version == version and c.ended_at is None for c in p.cosignatures)
            assert [h.payload["version"] for h in submits] == list(range(1, len(submits) + 1))
            assert (p.state == "merged") == (p.merged_into_id is not None)
        numbers = db.session.execute(
            select(Proposal.session_id, Proposal.number).where(Proposal.number.is_not(None))
        ).all()
        assert len(numbers) == len(set(numbers))
        if numbers:
            assert sorted(n for _, n in numbers) == list(range(1, len(numbers) + 1))
        total = db.session.scalar(select(func.count()).select_from(Cosignature))
        assert total == db.session.scalar(
            select(func.count()).select_from(HistoryEntry).where(HistoryEntry.event == "cosign")
        )


Lifecycle.TestCase.settings = settings(
    max_examples=15, stateful_step_count=50, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
TestLifecycle = Lifecycle.TestCase
