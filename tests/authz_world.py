"""The world the authorization matrix looks at: one person per role and relationship, proposals in
every representative state (three with a confidential author), each with an attachment, and a
logged-in page client and API token per person. Built once per test module, then only read.

Every proposal's title carries a marker (〔key〕) that no other text contains, so a page can be
searched for the proposals it shows.
"""

import copy
import io
from dataclasses import dataclass, field

from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from proposals.extensions import db
from proposals.models import ApiToken, Attachment, Proposal, User
from proposals.operations import edit_draft, fire_event
from proposals.operations.attachments import add_attachments

from .conftest import PASSWORD, Cast, Factory

PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
SECRET_NAME = "保密人乙"
SECRET_USERNAME = "secretauthor"

# key -> (owner, how it got there); the owner is "author" (提案人甲) or "secret" (a confidential author)
PROPOSALS = {
    "draft": ("author", []),
    "withdrawn_draft": ("author", [("withdraw", "author")]),  # withdrawn before anyone saw it
    "cosigning": ("author", [("submit", "author")]),
    "withdrawn": ("author", [("submit", "author"), ("cosign", "delegate1"), ("withdraw", "author")]),
    "review": ("author", "review"),
    "rejected": ("author", "rejected"),
    "merge_target": ("author", "review"),
    "merged": ("author", "merged"),
    "assigned": ("author", "assigned"),
    "in_progress": ("author", "in_progress"),
    "replied": ("author", "replied"),
    "closed": ("author", "closed"),
    "secret_cosigning": ("secret", [("submit", "author")]),
    "secret_review": ("secret", "review"),
    "secret_assigned": ("secret", "assigned"),
    "secret_closed": ("secret", "closed"),
    # sent back for revision from review, then retitled by the author: a draft again, its new title the
    # marker (the title it was submitted with has none); and one of them withdrawn from there
    "sent_back": ("author", "sent_back"),
    "withdrawn_sent_back": ("author", "withdrawn_sent_back"),
}
# the text on record was never submitted: the author's alone, whatever its state (written by hand, not
# read from the proposal, so that an item the application wrongly treats as submitted fails the matrix)
UNSUBMITTED = {"draft", "withdrawn_draft", "sent_back", "withdrawn_sent_back"}
SENT_BACK = {"reason": "请补充具体措施。"}


@dataclass
class Item:
    key: str
    id: int
    state: str
    owner: str
    confidential: bool
    submitted: bool
    cosigners: frozenset[str]
    attachment_id: int
    title: str

    @property
    def marker(self) -> str:
        return f"〔{self.key}〕"


@dataclass
class World:
    app: object
    cast: Cast
    people: dict[str, User]
    items: dict[str, Item]
    clients: dict[str, FlaskClient] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def secret(self) -> User:
        return self.people["secret"]


def title_of(key: str) -> str:
    return f"关于改善职工食堂就餐环境的提案〔{key}〕"


def build(app) -> World:
    make = Factory()
    cast = Cast(make)
    people = cast.people()
    people["secret"] = make.user("worker", username=SECRET_USERNAME, name=SECRET_NAME, delegation_id=cast.delegation.id)
    people["colleague"] = make.user("worker", delegation_id=cast.delegation.id)  # same delegation, no role in it
    other_delegation = make.unit("delegation")
    people["other_head"] = make.user("delegation_head", "delegate", delegation_id=other_delegation.id)
    secret_cast = copy.copy(cast)
    secret_cast.author = people["secret"]
    items: dict[str, Item] = {}
    for key, (owner, how) in PROPOSALS.items():
        walker = secret_cast if owner == "secret" else cast
        sent_back = how in ("sent_back", "withdrawn_sent_back")
        proposal = make.proposal(
            author=walker.author,
            session=cast.session,
            title=f"退回前的标题《{key}》" if sent_back else title_of(key),
            confidential=owner == "secret",
        )
        add_attachments(proposal.id, walker.author, [FileStorage(io.BytesIO(PDF), filename=f"材料{key}.pdf")])
        if how == "merged":
            steps = [*walker.path("review"), ("merge", "committee", {"into_id": items["merge_target"].id})]
        elif sent_back:
            steps = [*walker.path("review"), ("send_back", "committee", SENT_BACK)]
        elif isinstance(how, str):
            steps = walker.path(how)
        else:
            steps = [(event, who, None) for event, who in how]
        for event, who, payload in steps:
            proposal = fire_event(proposal.id, event, getattr(walker, who), payload)
        if sent_back:
            proposal = edit_draft(proposal.id, walker.author, {"title": title_of(key)})
        if how == "withdrawn_sent_back":
            proposal = fire_event(proposal.id, "withdraw", walker.author)
        attachment = db.session.scalar(select(Attachment).where(Attachment.proposal_id == proposal.id))
        items[key] = Item(
            key=key,
            id=proposal.id,
            state=proposal.state,
            owner=owner,
            confidential=proposal.confidential,
            submitted=key not in UNSUBMITTED,
            cosigners=frozenset(n for n, u in people.items() if u.id in {c.user_id for c in proposal.cosignatures}),
            attachment_id=attachment.id,
            title=proposal.title,
        )
    for name, user in people.items():  # an address for each, so that every notification makes an email
        user.email = f"{name}@union.example.cn"
    world = World(app=app, cast=cast, people=people, items=items)
    for name, user in people.items():
        client = app.test_client()
        response = client.post("/login", data={"username": user.username, "password": PASSWORD})
        assert response.status_code == 302, name
        world.clients[name] = client
        _, world.tokens[name] = ApiToken.issue(user, 2)
    world.clients["anonymous"] = app.test_client()
    db.session.commit()
    return world


def missing_id() -> int:
    return (db.session.scalar(select(db.func.max(Proposal.id))) or 0) + 1000


def snapshot() -> dict[str, list[str]]:
    """Every row of every table: what a read-only walk must leave exactly as it found it."""
    db.session.expire_all()
    return {
        table.name: sorted(repr(tuple(row)) for row in db.session.execute(select(*kept_columns(table))))
        for table in db.metadata.sorted_tables
    }


# bookkeeping that a read writes: when a login was last used (its idle time, proposals/auth/sessions.py)
BOOKKEEPING = {("login_sessions", "last_seen_at")}


def kept_columns(table) -> list:
    """The columns of `table` a read must leave as they are."""
    return [column for column in table.columns if (table.name, column.name) not in BOOKKEEPING]
