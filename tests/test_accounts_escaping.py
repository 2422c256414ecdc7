"""Whatever people type is shown as text: markup in a title, a reason, a comment, a reply or a
person's or unit's name is escaped on every page that shows it, never run."""

import re

import pytest

from proposals.operations import fire_event

from .conftest import PASSWORD

SCRIPT = "<script>alert(1)</script>"
IMAGE = '"><img src=x onerror=alert(2)>'
RAW = re.compile(r"<script>alert|<img src=x", re.I)
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def hostile(label: str) -> str:
    return f"{label}{SCRIPT}{IMAGE}"


@pytest.fixture
def world(make):
    """A proposal closed after a reply, where every free text and name carries markup."""
    department = make.unit("department", name=hostile("部门"))
    delegation = make.unit("delegation", name=hostile("代表团"))
    session = make.new_session(name=hostile("第十届"))
    author = make.user("delegate", username="author", name=hostile("作者"), delegation_id=delegation.id)
    cosigners = [make.user("delegate", username=f"cosigner{n}", name=hostile(f"附议人{n}")) for n in (1, 2)]
    committee = make.user("committee", "leader", "supervisor", username="committee", name=hostile("委员"))
    handler = make.user("department_handler", username="handler", department_id=department.id, name=hostile("联络人"))
    make.user("union_admin", username="admin", name=hostile("管理员"))
    proposal = make.proposal(
        author=author, session=session, title=hostile("标题"), reason=hostile("理由"), measures=hostile("措施")
    )
    steps = [
        ("submit", author, None),
        ("cosign", cosigners[0], {"comment": hostile("附议意见")}),
        ("cosign", cosigners[1], None),
        ("accept", committee, {"comment": hostile("立案意见")}),
        ("assign", committee, {"lead_department_id": department.id}),
        ("acknowledge", handler, None),
        ("progress", handler, {"note": hostile("办理进展")}),
        ("reply", handler, {"text": hostile("答复"), "outcome": "A"}),
        ("evaluate", author, {"rating": "satisfied", "comment": hostile("评价")}),
    ]
    for event, who, payload in steps:
        proposal = fire_event(proposal.id, event, who, payload)
    # a second one still in review, for the review page and the author's tasks
    other = make.proposal(author=author, session=session, title=hostile("待审标题"))
    for event, who in (("submit", author), ("cosign", cosigners[0]), ("cosign", cosigners[1])):
        fire_event(other.id, event, who, None)
    return proposal, session


def pages(proposal, session) -> dict[str, list[str]]:
    """Who looks at which pages."""
    return {
        "author": ["/", f"/proposals/{proposal.id}", "/proposals/", "/notifications", "/public", "/votes/"],
        "committee": [
            "/",
            "/review",
            "/proposals/",
            f"/proposals/{proposal.id}",
            "/dashboard/",
            f"/dashboard/?session_id={session.id}",
            "/reports/",
            f"/reports/sessions/{session.id}/compilation",
            "/notifications",
        ],
        "handler": ["/", f"/proposals/{proposal.id}", "/proposals/"],
        "admin": ["/admin/users", "/admin/units/department", "/admin/units/delegation", "/admin/sessions"],
    }


def test_markup_is_shown_escaped_everywhere(app, world):
    proposal, session = world
    shown = 0
    for username, paths in pages(proposal, session).items():
        client = app.test_client()
        assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, (username, path)
            page = response.get_data(as_text=True)
            assert RAW.findall(page) == [], (username, path)
            assert ESCAPED in page, f"{path} shows none of the texts, so proves nothing"
            shown += page.count(ESCAPED)
    assert shown > 50


def test_the_proposal_page_shows_each_text_as_typed(app, world):
    proposal, _ = world
    client = app.test_client()
    client.post("/login", data={"username": "committee", "password": PASSWORD})
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    for label in ("标题", "理由", "措施", "作者", "附议意见", "办理进展", "答复"):
        assert f"{label}{ESCAPED}&#34;&gt;&lt;img src=x onerror=alert(2)&gt;" in page, label
