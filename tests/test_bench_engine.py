"""bench/engine.py compares like with like: its three variants leave the same rows behind.

Each variant takes one proposal from draft to closed; the history must match row for row, and the
hand-written SQL must write exactly what the operations write (notifications, co-signatures,
assignments, countersignatures, replies, evaluations, the proposal's columns). The peer writes no
notifications and no handling rows (bench/engine.py says why), but the same history and state.
"""

import importlib.util
import json
from pathlib import Path

import pytest
from sqlalchemy import text

from proposals.extensions import db

from . import databases

BENCH = Path(__file__).resolve().parent.parent / "bench" / "engine.py"


def _load_bench():
    spec = importlib.util.spec_from_file_location("bench_engine", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bench = _load_bench()


@pytest.fixture
def org(tmp_path):
    app = bench.make_app(databases.fresh_url(tmp_path))
    with app.app_context():
        databases.reset(db)
        bench.drop_peer_table()
        bench.add_peer_table()
        bench.add_categories()
        yield bench.Organisation()
        db.session.remove()
        bench.drop_peer_table()
        databases.dispose(db)


def rows(sql: str, **params) -> list[tuple]:
    return [tuple(r) for r in db.session.execute(text(sql), params)]


def history(proposal_id: int) -> list[tuple]:
    found = rows(
        "SELECT seq, event, actor_id, from_state, to_state, comment, payload FROM history "
        "WHERE proposal_id = :p ORDER BY seq",
        p=proposal_id,
    )
    number = rows("SELECT number FROM proposals WHERE id = :p", p=proposal_id)[0][0]
    result = []
    for *head, payload in found:
        payload = json.loads(payload) if isinstance(payload, str) else payload
        if "number" in payload:  # each proposal gets the session's next number: check it is its own
            assert payload["number"] == number
            payload["number"] = "its number"
        result.append((*head, payload))
    return result


def proposal_columns(proposal_id: int) -> tuple:
    return rows(
        "SELECT state, kind, version, rehandle_round, final_rating, delegation_id, author_id, "
        "submitted_at IS NOT NULL, decided_at IS NOT NULL, closed_at IS NOT NULL, number IS NOT NULL "
        "FROM proposals WHERE id = :p",
        p=proposal_id,
    )[0]


def handling(proposal_id: int) -> dict[str, list]:
    """Everything besides the history that a lifecycle writes, without ids and timestamps."""
    p = {"p": proposal_id}
    return {
        "notifications": sorted(
            rows(
                "SELECT h.seq, n.user_id, n.event, n.email_state, n.attempts, n.read_at, n.sent_at "
                "FROM notifications n JOIN history h ON h.id = n.history_id WHERE n.proposal_id = :p",
                **p,
            )
        ),
        "proposal_versions": rows(
            "SELECT number, title, reason, measures FROM proposal_versions WHERE proposal_id = :p ORDER BY number",
            **p,
        ),
        "cosignatures": rows(
            "SELECT user_id, comment, version, ended_at FROM cosignatures WHERE proposal_id = :p ORDER BY id", **p
        ),
        "assignments": rows(
            "SELECT department_id, role, ack_deadline, reply_deadline, acknowledged_at IS NOT NULL, extended_days, "
            "ended_at FROM assignments WHERE proposal_id = :p ORDER BY id",
            **p,
        ),
        "countersignatures": rows(
            "SELECT a.department_id, c.round, c.user_id, c.comment FROM countersignatures c "
            "JOIN assignments a ON a.id = c.assignment_id WHERE a.proposal_id = :p",
            **p,
        ),
        "replies": rows(
            "SELECT round, department_id, user_id, text, outcome, contact, deadline FROM replies "
            "WHERE proposal_id = :p",
            **p,
        ),
        "evaluations": rows(
            "SELECT round, user_id, by_author, rating, attitude, comment FROM evaluations WHERE proposal_id = :p",
            **p,
        ),
    }


def run_each(org) -> dict[str, int]:
    sql, spiff = bench.RawWriter(org), bench.SpiffRunner(org)
    try:
        return {"ours": bench.ours_lifecycle(org), "sql": sql.lifecycle(), "spiff": spiff.lifecycle()}
    finally:
        sql.close()
        spiff.close()


def test_the_three_variants_leave_the_same_history_and_state(org):
    made = run_each(org)
    ours = made["ours"]
    assert len({*made.values()}) == 3
    expected = history(ours)
    assert [(h[1], h[3], h[4]) for h in expected] == [
        ("create", None, "draft"),
        *(
            (event, a, b)
            for (event, *_), a, b in zip(bench.STEPS, bench.SQL_STATES[:-1], bench.SQL_STATES[1:], strict=True)
        ),
    ]
    for name in ("sql", "spiff"):
        assert history(made[name]) == expected, name
        assert proposal_columns(made[name]) == proposal_columns(ours), name
    assert proposal_columns(ours)[0] == "closed"
    numbers = rows("SELECT number FROM proposals ORDER BY number")
    assert numbers == [(1,), (2,), (3,)]  # the session's counter, shared and gapless


def test_hand_written_sql_writes_what_the_operations_write(org):
    made = run_each(org)
    ours = handling(made["ours"])
    assert all(ours.values())  # every kind of row is there to compare
    assert handling(made["sql"]) == ours
    # the peer keeps its process in its own table instead
    assert handling(made["spiff"]) == {name: [] for name in ours}
    stored = rows(f"SELECT serialization FROM {bench.SPIFF_TABLE} WHERE proposal_id = :p", p=made["spiff"])[0][0]
    workflow = bench.BpmnWorkflowSerializer().deserialize_json(stored)
    assert workflow.is_completed()


def test_the_report_prints_rates_ratios_and_verdicts():
    lines = bench.report("SQLite", {"ours": (10.0, 0.05), "sql": (40.0, 0.005), "spiff": (2.0, 0.1)}, 30)
    text_ = "\n".join(lines)
    ours = next(line for line in lines if line.split()[0] == "ours")
    assert ours.split() == "ours 10.0 lifecycles/s 110 steps/s 100.00 ms/lifecycle 50.00 ms CPU/lifecycle".split()
    assert "ours/sql   =  0.25 wall  0.10 CPU  (the limit: no target)" in text_
    assert "ours/spiff =  5.00 wall PASS,  2.00 CPU PASS  (target >= 1.0)" in text_
    slower = bench.report("SQLite", {"ours": (1.5, 0.05), "sql": (40.0, 0.005), "spiff": (2.0, 0.04)}, 30)
    assert "ours/spiff =  0.75 wall MISS,  0.80 CPU MISS  (target >= 1.0)" in "\n".join(slower)


def test_no_step_sends_a_statement_per_recipient(org):
    before = bench.ours_statements(org)
    bench.more_recipients(org, 3)
    after = bench.ours_statements(org)
    assert [name for name, _ in before] == ["create", *(step[0] for step in bench.STEPS)]
    assert after == before
    lines = bench.statements_report(before, after, 3)
    assert lines[1] == "  with 3 more recipients per audience: the same"
