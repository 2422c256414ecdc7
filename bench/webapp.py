"""The application exactly as served, plus the bare routes bench/web.py compares each page with.

    gunicorn --config gunicorn.conf.py 'bench.webapp:create_app()'

Only the benchmark serves this factory. Its extra routes are the limit a page is measured against: the same
SQL the page's main query sends, run on the same workers, its rows returned as JSON with no login, no
access check, no template.

- A request carrying `X-Bench-Capture: <kind>` is served as usual while every statement it sends is recorded;
  its main query (see MAIN) is kept in BENCH_QUERIES (a JSON file every worker reads).
- GET /bench/bare/<kind> sends that statement with the same parameters and answers its rows.
- POST /bench/bare/event/<id> is the least an event's transaction writes: one UPDATE of the proposal's row
  (what takes the row's lock) and the COMMIT.
"""

import json
import os
import re
from datetime import date, datetime
from pathlib import Path

from flask import Flask, abort, g, has_app_context, jsonify, request
from sqlalchemy import event, update

from proposals import create_app as create_proposals_app
from proposals.extensions import csrf, db
from proposals.models import Proposal

# which of a page's statements is its main query, by kind
MAIN = {
    "list": re.compile(r"^SELECT .*\sFROM proposals\s.*\bLIMIT\b", re.S),
    "detail": re.compile(r"^SELECT proposals\.id\b.*\sFROM proposals\b.*\sWHERE proposals\.id = ", re.S),
    # the one scan of the statistics (proposals/stats.py report): every count of each group at once
    "stats": re.compile(r"^SELECT .*\bcount\(\*\) AS total\b.*\sFROM proposals\b", re.S),
}


def create_app() -> Flask:
    app = create_proposals_app()
    store = Path(os.environ["BENCH_QUERIES"])
    loaded: dict = {}

    with app.app_context():

        @event.listens_for(db.engine, "before_cursor_execute")
        def _record(conn, cursor, statement, parameters, context, executemany):
            sent = g.get("bench_sent") if has_app_context() else None
            if sent is not None:
                sent.append((statement, parameters))

    @app.before_request
    def _start_capture():
        if request.headers.get("X-Bench-Capture") in MAIN:
            g.bench_sent = []

    @app.after_request
    def _keep_capture(response):
        kind = request.headers.get("X-Bench-Capture")
        if kind in MAIN and response.status_code == 200:
            main = next((s for s in g.bench_sent if MAIN[kind].search(s[0])), None)
            if main is None:
                raise RuntimeError(f"no main query for {kind} among:\n" + "\n".join(s for s, _ in g.bench_sent))
            kept = json.loads(store.read_text()) if store.exists() else {}
            kept[kind] = {"sql": main[0], "parameters": _encode(main[1]), "statements": len(g.bench_sent)}
            store.write_text(json.dumps(kept, ensure_ascii=False, indent=1))
        return response

    @app.get("/bench/bare/<kind>")
    def bare(kind: str):
        """The page's main query alone, its rows as JSON."""
        if kind not in loaded:
            kept = json.loads(store.read_text())
            if kind not in kept:
                abort(404)
            loaded[kind] = (kept[kind]["sql"], _decode(kept[kind]["parameters"]))
        sql, parameters = loaded[kind]
        rows = db.session.connection().exec_driver_sql(sql, parameters).all()
        db.session.commit()
        return jsonify([[_plain(value) for value in row] for row in rows])

    @app.post("/bench/bare/event/<int:proposal_id>")
    @csrf.exempt
    def bare_event(proposal_id: int):
        """One write to the proposal's row, committed."""
        db.session.execute(update(Proposal).where(Proposal.id == proposal_id).values(version=Proposal.version))
        db.session.commit()
        return jsonify({"id": proposal_id})

    return app


def _plain(value):
    return value.isoformat() if isinstance(value, date | datetime) else value


def _encode(parameters):
    """Parameters as JSON: a dict (PostgreSQL) or a list (SQLite), dates and times tagged."""

    def one(value):
        if isinstance(value, datetime):
            return {"datetime": value.isoformat()}
        if isinstance(value, date):
            return {"date": value.isoformat()}
        if isinstance(value, list | tuple):
            return {"list": [one(v) for v in value]}
        return value

    if isinstance(parameters, dict):
        return {"dict": {k: one(v) for k, v in parameters.items()}}
    return {"tuple": [one(v) for v in parameters]}


def _decode(encoded):
    def one(value):
        if isinstance(value, dict):
            (tag, inner), *_ = value.items()
            if tag == "datetime":
                return datetime.fromisoformat(inner)
            if tag == "date":
                return date.fromisoformat(inner)
            return [one(v) for v in inner]
        return value

    if "dict" in encoded:
        return {k: one(v) for k, v in encoded["dict"].items()}
    return tuple(one(v) for v in encoded["tuple"])
