"""The hostile-input battery's shared parts: one application and cast per module, the hostile values,
a dump of the whole database, and `Probe.send`, which makes one request and checks what every
request must satisfy:

- never a 5xx;
- a refusal (4xx) carries a clear message in the caller's language (Chinese by default) and leaves
  the database exactly as it was (every row of every table, compared before and after);
- an accepted hostile text is stored exactly as sent;
- no HTML answer ever contains a hostile markup value unescaped;
- a GET changes nothing.
"""

import re
from collections.abc import Iterable

import pytest
from lxml import html as lxml_html
from sqlalchemy import select

from proposals import create_app
from proposals.extensions import db
from proposals.models import User
from proposals.operations import seed_default_categories

from .. import databases
from ..authz_world import kept_columns
from ..conftest import PASSWORD, Cast, Factory, app_config

MEGABYTE = 1024 * 1024

# hostile texts: some are legitimate text (stored exactly, shown escaped), others must be refused
TEXTS = {
    "script": "<script>alert(1)</script>",
    "attribute": '"><img src=x onerror=alert(1)>',
    "sql_or": "' OR 1=1 --",
    "sql_drop": "'; DROP TABLE users; --",
    "emoji": "提案😀",
    "rare_cjk": "𠀀龘",
    "bidi": "abc\u202edef",
    "nul": "a\x00b",
    "escape": "a\x1b[31mb",
    "crlf": "第一行\r\n第二行",  # multi-line text keeps it; single-line text (an <input>) refuses it
    "delete": "a\x7fb",
    "c1_control": "a\x9bb",
    "megabyte": "x" * MEGABYTE,
}
# what must never come back unescaped in a page
MARKUP = ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>")
# numbers as they are typed into a form or a query string
NUMBER_TEXTS = {
    "huge": str(10**30),
    "beyond_int64": str(2**63),
    "twenty_digits": str(10**20),
    "two_to_seventy": str(2**70),
    "minus_one": "-1",
    "zero": "0",
    "overflow_float": "1e309",
    "nan": "NaN",
    "fraction": "1.5",
}
# ids in a path that name nothing: too large for any integer column, zero
PATH_IDS = ("0", str(2**31), str(2**63), "99999999999999999999")

# a refused login is recorded (the lock-out counts failures): rows may be appended there, nothing else
RECORDS_OF_REFUSALS = ("login_attempts",)

# the values no single-line text may hold (what an <input> sends), and those no text at all may hold
NOT_ONE_LINE = ("nul", "escape", "crlf", "delete", "c1_control")
NOT_TEXT = ("nul", "escape", "delete", "c1_control")

CJK = re.compile(r"[\u4e00-\u9fff]")


def module_app(tmp_path_factory):
    """An application on a fresh database, for a whole test module."""
    folder = tmp_path_factory.mktemp("hostile")
    app = create_app(
        app_config(
            databases.fresh_url(folder),
            ATTACHMENTS_DIR=str(folder / "attachments"),
            MAX_CONTENT_LENGTH=3 * MEGABYTE,  # room for the 1 MB values; test_too_large goes beyond it
            # the battery logs in wrongly on purpose, many times: no lock-out in the middle of it
            LOGIN_FAILURES_PER_ACCOUNT=10**6,
            LOGIN_FAILURES_PER_ADDRESS=10**6,
        )
    )
    from ..conftest import FreshContextClient

    app.test_client_class = FreshContextClient
    return app


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The application and a cast of people of every role, built once per module."""
    app = module_app(tmp_path_factory)
    with app.app_context():
        databases.reset(db)
        seed_default_categories()  # as `flask db upgrade` seeds them
        cast = Cast(Factory())
        db.session.commit()
        world = World(app, cast)
        yield world
        world.snapshots.close()
        db.session.remove()
        databases.dispose(db)


class World:
    def __init__(self, app, cast: Cast):
        self.app = app
        self.cast = cast
        self.make = cast.make
        self.snapshots = Snapshots()
        self._clients: dict[str, object] = {}

    def client(self, who: str | None):
        """A logged-in page client of one of the cast (None: anonymous); kept for the module."""
        if who is None:
            return self.app.test_client()
        if who not in self._clients:
            client = self.app.test_client()
            user = getattr(self.cast, who)
            response = client.post("/login", data={"username": user.username, "password": PASSWORD})
            assert response.status_code == 302, response.get_data(as_text=True)[:300]
            self._clients[who] = client
        return self._clients[who]

    def user(self, who: str) -> User:
        return db.session.scalar(select(User).where(User.id == getattr(self.cast, who).id))


def dump() -> dict[str, list[tuple]]:
    """Every row of every table, ordered by primary key, read on a connection of its own."""
    out = {}
    with db.engine.connect() as conn:
        for name in sorted(db.metadata.tables):
            table = db.metadata.tables[name]
            order = list(table.primary_key.columns) or list(table.columns)
            out[name] = [tuple(row) for row in conn.execute(select(*kept_columns(table)).order_by(*order))]
    return out


class Snapshots:
    """The dump of the database as it is now, taken again only when something was committed since.

    The database itself says whether anything was written. SQLite: `PRAGMA data_version` (on a
    connection of our own) changes whenever another connection commits to this file. PostgreSQL has
    no such counter for one database (the next transaction id and the WAL position are the whole
    cluster's, which the other xdist workers' databases move), so the stamp is, for every table of
    ours, its number of rows and the newest `xmin` among them: a committed insert or update brings a
    row with a newer `xmin`, a committed delete lowers the count, and a rolled-back write changes
    neither. While that stamp stands still, the last dump IS the database, so a refused request that
    wrote nothing costs no dump; when it moves, the dump is taken and compared.
    """

    def __init__(self):
        self._raw = None
        self._stamp = object()
        self._dump: dict | None = None

    def _stamp_query(self) -> str:
        if db.engine.dialect.name == "sqlite":
            return "PRAGMA data_version"
        preparer = db.engine.dialect.identifier_preparer
        parts = [
            f"(SELECT count(*) || ':' || coalesce(max(xmin::text::bigint), 0) FROM {preparer.quote(name)})"
            for name in sorted(db.metadata.tables)
        ]
        return "SELECT " + " || '/' || ".join(parts)

    def _look(self):
        if self._raw is None:
            self._raw = db.engine.raw_connection()
        cursor = self._raw.cursor()
        try:
            cursor.execute(self._stamp_query())
            stamp = cursor.fetchone()[0]
        finally:
            cursor.close()
        self._raw.commit()  # never sit in a transaction: the next look must see the latest commits
        return stamp

    def now(self) -> dict:
        """Every row of every table as the database holds them now."""
        stamp = self._look()
        if stamp != self._stamp or self._dump is None:
            self._dump = dump()
            self._stamp = stamp
        return self._dump

    def close(self):
        if self._raw is not None:
            self._raw.close()
            self._raw = None


def differences(before: dict, after: dict) -> str:
    lines = []
    for name in before:
        old, new = set(map(repr, before[name])), set(map(repr, after.get(name, [])))
        for row in sorted(new - old)[:3]:
            lines.append(f"{name} + {_short(row)}")
        for row in sorted(old - new)[:3]:
            lines.append(f"{name} - {_short(row)}")
    return "\n".join(lines)


def _short(row: str) -> str:
    return row if len(row) < 300 else row[:300] + "…"


def cells(snapshot: dict) -> set:
    """Every text value stored anywhere."""
    return {v for rows in snapshot.values() for row in rows for v in row if isinstance(v, str)}


def message_of(response) -> str:
    """The message a refusal carries: the API's `error`, or a page's alerts, field errors and error heading."""
    if response.is_json:
        body = response.get_json(silent=True)
        assert isinstance(body, dict), f"a JSON refusal must be an object: {response.get_data()[:200]!r}"
        assert isinstance(body.get("code"), str) and body["code"], body
        return body.get("error") or ""
    assert response.mimetype == "text/html", f"{response.status_code} as {response.mimetype}"
    tree = lxml_html.fromstring(response.get_data(as_text=True))
    parts = tree.xpath(
        "//*[contains(concat(' ', @class, ' '), ' alert-error ')]"
        " | //*[contains(@class, 'field-error') or contains(@class, 'error-message')]"
        " | //main//h1"
    )
    return " ".join(p.text_content().strip() for p in parts)


class Probe:
    """Sends requests and checks the invariants; `subtests` keeps one failure from hiding the others."""

    def __init__(self, world: World, subtests):
        self.world = world
        self.subtests = subtests

    def send(
        self,
        client,
        method: str,
        url: str,
        *,
        stored: Iterable[str] = (),
        may_change: bool = True,
        **kwargs,
    ):
        """One request; `stored`: texts that must be found exactly in the database if it is accepted."""
        db.session.commit()
        snapshots = self.world.snapshots
        before = snapshots.now()
        response = client.open(url, method=method, **kwargs)
        db.session.expire_all()
        status = response.status_code
        where = f"{method} {url[:120]} -> {status}"
        assert status < 500, f"{where}\n{response.get_data(as_text=True)[:800]}"
        if response.mimetype == "text/html":
            page = response.get_data(as_text=True)
            for markup in MARKUP:
                assert markup not in page, f"{where}: unescaped {markup!r} in the page"
        if 400 <= status < 500 or method == "GET" or not may_change:
            after = dict(snapshots.now())
            for name in RECORDS_OF_REFUSALS:
                if name in after and after[name][: len(before[name])] == before[name]:
                    after[name] = before[name]
            assert after == before, f"{where} changed the database:\n{differences(before, after)}"
        if 400 <= status < 500:
            text = message_of(response)
            assert CJK.search(text), f"{where}: no clear message in Chinese: {text[:300]!r}"
        elif status < 400 and stored:
            found = cells(snapshots.now())
            for value in stored:
                assert value in found, f"{where}: accepted, but {value[:60]!r} was not stored exactly"
        return response


@pytest.fixture
def probe(world, subtests):
    return Probe(world, subtests)


# -- proposals to act on ----------------------------------------------------------------------------

DRAFT = {"text": "拟答复。", "outcome": "A"}
# event -> (who fires it, the state to start from, steps after reaching that state)
EVENT_SETUP = {
    "submit": ("author", "draft", []),
    "withdraw": ("author", "draft", []),
    "cosign": ("delegate3", "cosigning", []),
    "forward": ("head", "delegation_review", []),
    "send_back": ("committee", "review", []),
    "accept": ("committee", "review", []),
    "convert": ("committee", "review", []),
    "reject": ("committee", "review", []),
    "merge": ("committee", "review", []),
    "assign": ("committee", "accepted", []),
    "acknowledge": ("lead", "assigned", []),
    "decline": ("lead", "assigned", []),
    "progress": ("lead", "in_progress", []),
    "countersign": ("cohandler", "in_progress", [("acknowledge", "cohandler"), ("reply", "lead", DRAFT)]),
    "reply": ("lead", "in_progress", [("acknowledge", "cohandler")]),
    # in a session whose replies the supervisor approves (Supply.new), the draft countersigned
    "approve_reply": ("supervisor", "awaiting_approval", []),
    "return_reply": ("supervisor", "awaiting_approval", []),
    "evaluate": ("author", "replied", []),
    "urge": ("supervisor", "assigned", []),
    "extend": ("supervisor", "assigned", []),
    "archive": ("committee", "closed", []),
    "request_return": ("lead", "in_progress", []),
    "approve_return": ("committee", "in_progress", [("request_return", "lead", {"reason": "不属本部门。"})]),
    "refuse_return": ("committee", "in_progress", [("request_return", "lead", {"reason": "不属本部门。"})]),
    "request_rehandle": ("committee", "replied", []),
    "reclass": ("supervisor", "replied", []),
    "request_extension": ("lead", "in_progress", []),
    "refuse_extension": (
        "supervisor",
        "in_progress",
        [("request_extension", "lead", {"days": 5, "reason": "需协调。"})],
    ),
    "mark_key": ("committee", "accepted", []),
    "unmark_key": ("committee", "accepted", [("mark_key", "committee", {"reason": "涉及全体职工。"})]),
    # in a grassroots union's session (Supply.new), whose committee the cast's committee sits on too
    "escalate": ("committee", "grassroots_review", []),
}


def reclass_outcome(supply) -> str:
    """A class other than the one the reply to re-class has now (re-classing to the same class is refused)."""
    from proposals.models import Proposal

    current = db.session.get(Proposal, supply.for_event("reclass")).latest_outcome
    return "B" if current != "B" else "A"


class Supply:
    """A proposal on which a person may fire an event now: the same one while it still can, a new
    one once an accepted request has moved it on."""

    def __init__(self, world: World):
        self.world = world
        self._current: dict[str, int] = {}
        self._review_session = None
        self._approval_session = None
        self._grassroots_session = None

    def company_union(self) -> int:
        """The company union's id (named first when the battery has not yet done so)."""
        from proposals.models import root_union
        from proposals.operations import rename_union

        root = root_union() or rename_union({"name": "某某公司工会"})
        db.session.commit()
        return root.id

    def grassroots(self):
        """A grassroots union below the company union (named first when the battery has not yet done so)."""
        from proposals.operations import create_union

        return create_union({"code": "HOSTILE-G", "name": "基层工会", "parent_id": self.company_union()})

    def for_event(self, event: str) -> int:
        from proposals.models import Proposal
        from proposals.operations import available_events

        who, _state, _steps = EVENT_SETUP[event]
        proposal_id = self._current.get(event)
        if proposal_id is not None:
            proposal = db.session.get(Proposal, proposal_id)
            db.session.refresh(proposal)
            if event in available_events(proposal, self.world.user(who)):
                return proposal_id
        proposal = self.new(event)
        db.session.commit()
        assert event in available_events(proposal, self.world.user(who)), (event, proposal.state)
        self._current[event] = proposal.id
        return proposal.id

    def new(self, event: str):
        from proposals.operations import fire_event, update_user

        cast = self.world.cast
        _who, state, steps = EVENT_SETUP[event]
        if state == "delegation_review":
            if self._review_session is None:
                self._review_session = cast.make.new_session(delegation_review=True, min_cosigners=0)
            proposal = cast.make.proposal(author=cast.author, session=self._review_session)
            return fire_event(proposal.id, "submit", cast.author)
        if state == "grassroots_review":  # (the company's session is open: there the proposal can go up)
            if self._grassroots_session is None:
                union = self.grassroots()
                roles = [*sorted(cast.committee.roles), {"role": "committee", "union_id": union.id}]
                update_user(cast.committee, {"roles": roles})
                self._grassroots_session = cast.make.new_session(union_id=union.id, min_cosigners=0)
            proposal = cast.make.proposal(author=cast.author, session=self._grassroots_session)
            return fire_event(proposal.id, "submit", cast.author)
        if state == "awaiting_approval":
            if self._approval_session is None:
                self._approval_session = cast.make.new_session(reply_approval="supervisor")
            proposal = cast.make.proposal(author=cast.author, session=self._approval_session)
            walk = [*cast.path("in_progress"), ("acknowledge", "cohandler", None), ("reply", "lead", DRAFT)]
            for step, person, payload in [*walk, ("countersign", "cohandler", None)]:
                proposal = fire_event(proposal.id, step, getattr(cast, person), payload)
            return proposal
        proposal = cast.proposal_in(state)
        for step, person, *payload in steps:
            proposal = fire_event(proposal.id, step, getattr(cast, person), *payload)
        return proposal

    def merge_target(self) -> int:
        if "_merge_target" not in self._current:
            self._current["_merge_target"] = self.world.cast.proposal_in("review", title="并案目标").id
        return self._current["_merge_target"]


@pytest.fixture(scope="module")
def supply(world):
    return Supply(world)
