"""Fixtures shared by every test: an app on a fresh database, clients, and factories.

The database is a fresh SQLite file per test unless TEST_DATABASE_URL names another server
(tests/databases.py starts a throw-away PostgreSQL for `make test`).
"""

import itertools

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from proposals import create_app
from proposals.extensions import babel, db
from proposals.i18n import compile_translations
from proposals.models import OrgUnit, Proposal, User
from proposals.operations import (
    create_proposal,
    create_session,
    create_unit,
    create_user,
    fire_event,
    seed_default_categories,
)

from . import databases
from .ldap_server import directory, slapd  # noqa: F401  (a real OpenLDAP server and the app signing in through it)
from .mailbox import smtp  # noqa: F401  (the fixture: a real SMTP server the app sends through)
from .oidc_provider import oidc_provider  # noqa: F401  (the fixture: a real OpenID Connect provider)
from .service_double import service  # noqa: F401  (the fixture: a messenger platform's double, tests/service_double.py)

PASSWORD = "Tiaoli#2026"
_counter = itertools.count(1)


def app_config(url: str, **overrides) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test",
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False,
        "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",  # cheap: tests create thousands of users
        **overrides,
    }


@pytest.fixture(scope="session", autouse=True)
def _catalogs():
    """Compile the message catalogs (with their parts) if no build step did."""
    compile_translations()
    domain = vars(babel).get("domain_instance")  # Flask-Babel caches a locale's translations per process
    if domain is not None:
        domain.cache.clear()


class FreshContextClient(FlaskClient):
    """A test client that runs each request in an application context of its own, as a server does.

    The app fixture keeps one application context open for the factories; a request pushed inside it
    would share `g` with every other request of the test, so the locale and the logged-in user,
    looked up once, would stick.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def app_overrides() -> dict:
    """Settings a test module gives its app (override this fixture): none by default."""
    return {}


@pytest.fixture
def app(tmp_path, app_overrides):
    url = databases.fresh_url(tmp_path)
    app = create_app(app_config(url, **app_overrides))
    app.test_client_class = FreshContextClient
    with app.app_context():
        databases.reset(db)
        seed_default_categories()  # as `flask db upgrade` seeds them
        yield app
        db.session.remove()
        databases.dispose(db)


@pytest.fixture
def files(app, tmp_path):
    """Attachments of this test go to a folder of its own."""
    app.config["ATTACHMENTS_DIR"] = str(tmp_path / "attachments")
    return tmp_path / "attachments"


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class Factory:
    """Makes users, units, sessions and proposals in any state through the real operations."""

    def __init__(self):
        self._session = None

    def unit(self, kind: str = "department", code: str | None = None, name: str | None = None) -> OrgUnit:
        n = next(_counter)
        return create_unit(kind, {"code": code or f"{kind[:4].upper()}{n}", "name": name or f"{kind} {n}"})

    def user(self, *roles: str, username: str | None = None, **fields) -> User:
        n = next(_counter)
        data = {"username": username or f"user{n}", "name": fields.pop("name", f"用户{n}"), "password": PASSWORD}
        if "department_handler" in roles and "department_id" not in fields:  # a liaison has a department
            fields["department_id"] = self.unit("department").id
        return create_user({**data, "roles": list(roles or ("worker",)), **fields})

    def session(self):
        """The default session of this test, created on first use."""
        if self._session is None:
            self._session = self.new_session()
        return self._session

    def new_session(self, **settings):
        n = next(_counter)
        return create_session({"code": f"S{n}", "name": f"第十届职代会第{n}次会议", **settings})

    def proposal(self, author: User | None = None, session=None, **fields) -> Proposal:
        author = author or self.user("worker")
        session = session or self.session()
        data = {
            "session_id": session.id,
            "title": fields.pop("title", "关于改善职工食堂就餐环境的提案"),
            "reason": "食堂座位不足，高峰期排队时间长。",
            "measures": "增加座位，错峰就餐。",
            "category": "welfare",
            **fields,
        }
        return create_proposal(author, data)


@pytest.fixture
def make(app):
    return Factory()


class Cast:
    """One person per role around one proposal, and a way to walk it to any state."""

    def __init__(self, make: Factory, session=None):
        self.make = make
        self.delegation = make.unit("delegation")
        self.lead_dept = make.unit("department")
        self.co_dept = make.unit("department")
        self.other_dept = make.unit("department")
        self.author = make.user("worker", delegation_id=self.delegation.id, name="提案人甲")
        self.delegate1 = make.user("delegate", delegation_id=self.delegation.id)
        self.delegate2 = make.user("delegate")
        self.delegate3 = make.user("delegate")
        self.head = make.user("delegation_head", "delegate", delegation_id=self.delegation.id)
        self.committee = make.user("committee")
        self.lead = make.user("department_handler", department_id=self.lead_dept.id)
        self.cohandler = make.user("department_handler", department_id=self.co_dept.id)
        self.other_handler = make.user("department_handler", department_id=self.other_dept.id)
        self.supervisor = make.user("supervisor")
        self.admin = make.user("union_admin")
        self.leader = make.user("leader")
        self.worker = make.user("worker")
        self.session = session or make.session()

    def people(self) -> dict[str, User]:
        return {
            name: getattr(self, name)
            for name in (
                "author",
                "delegate1",
                "delegate2",
                "delegate3",
                "head",
                "committee",
                "lead",
                "cohandler",
                "other_handler",
                "supervisor",
                "admin",
                "leader",
                "worker",
            )
        }

    # the shortest way from draft to each state, as (event, who, payload)
    def path(self, state: str) -> list[tuple[str, str, dict | None]]:
        assign = {"lead_department_id": self.lead_dept.id, "cohandler_department_ids": [self.co_dept.id]}
        to_review = [("submit", "author", None), ("cosign", "delegate1", None), ("cosign", "delegate2", None)]
        to_accepted = [*to_review, ("accept", "committee", None)]
        to_in_progress = [*to_accepted, ("assign", "committee", assign), ("acknowledge", "lead", None)]
        to_replied = [
            *to_in_progress,
            ("acknowledge", "cohandler", None),
            ("reply", "lead", {"text": "已解决。", "outcome": "A"}),  # the draft ...
            ("countersign", "cohandler", None),  # ... the co-handler agrees to: it goes out
        ]
        to_closed = [*to_replied, ("evaluate", "author", {"rating": "satisfied"})]
        return {
            "draft": [],
            "cosigning": to_review[:1],
            "review": to_review,
            "withdrawn": [("withdraw", "author", None)],
            "accepted": to_accepted,
            "rejected": [*to_review, ("reject", "committee", {"reason": "不属于职代会职权范围。"})],
            "merged": None,  # needs a target: see proposal_in()
            "assigned": [*to_accepted, ("assign", "committee", assign)],
            "in_progress": to_in_progress,
            "replied": to_replied,
            "closed": to_closed,
            "archived": [*to_closed, ("archive", "committee", None)],
        }[state]

    def proposal_in(self, state: str, **fields) -> Proposal:
        proposal = self.make.proposal(author=self.author, session=self.session, **fields)
        if state == "merged":
            target = self.proposal_in("review", title="另一件同类提案")
            steps = [*self.path("review"), ("merge", "committee", {"into_id": target.id})]
        else:
            steps = self.path(state)
        for event, who, payload in steps:
            proposal = fire_event(proposal.id, event, getattr(self, who), payload)
        assert proposal.state == state
        return proposal


@pytest.fixture
def cast(make):
    return Cast(make)


def get_user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))
