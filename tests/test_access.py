"""Who sees a proposal's handling records (access.can_see_handling), on the proposal's page and in the API.

Written by hand from the decision in the security issue, never computed by proposals.access:
disclosure (企务公开) shows the proposal, its released reply, the reply's class and the ratings to
everyone; progress notes also to the author and the co-signers; countersign comments, reasons for
returning an assignment and the names of the handling staff only to the assigned departments, the
committee, supervisors and union administrators.
"""

import json

import pytest

from proposals.access import INTERNAL, PROGRESS, can_see_handling
from proposals.operations import fire_event, update_user

from .conftest import PASSWORD, Cast
from .helpers import api_client

NOTE = "已与供应商洽谈〔进展〕"
COUNTERSIGN = "同意答复意见〔会签〕"
DECLINE = "不属于本部门职责〔退回〕"
REPLY = "已增设座位〔答复〕"
LEAD_NAME, COHANDLER_NAME, EARLIER_NAME = "承办人丙", "协办人丁", "原承办人戊"

PROGRESS_READERS = {"author", "delegate1", "delegate2", "lead", "cohandler", "committee", "supervisor", "admin"}
# the departments assigned now: not one whose assignment was returned ("earlier")
INTERNAL_READERS = {"lead", "cohandler", "committee", "supervisor", "admin"}
EVERYONE = [
    "author", "delegate1", "delegate2", "delegate3", "head", "lead", "cohandler", "earlier", "other_handler",
    "committee", "supervisor", "admin", "leader", "worker",
]  # fmt: skip


@pytest.fixture
def handled(make):
    """A replied proposal whose handling left a note, a countersign comment and a returned assignment."""
    cast = Cast(make)
    cast.earlier_dept = make.unit("department")
    cast.earlier = make.user("department_handler", department_id=cast.earlier_dept.id)
    for user, name in ((cast.lead, LEAD_NAME), (cast.cohandler, COHANDLER_NAME), (cast.earlier, EARLIER_NAME)):
        update_user(user, {"name": name})
    proposal = cast.proposal_in("accepted")
    co = cast.co_dept.id
    steps = [
        ("assign", "committee", {"lead_department_id": cast.earlier_dept.id}),
        ("decline", "earlier", {"reason": DECLINE}),
        ("assign", "committee", {"lead_department_id": cast.lead_dept.id, "cohandler_department_ids": [co]}),
        ("acknowledge", "lead", None),
        ("acknowledge", "cohandler", None),
        ("progress", "lead", {"note": NOTE}),
        ("reply", "lead", {"text": REPLY, "outcome": "B", "planned_date": "2027-06-30"}),
        ("countersign", "cohandler", {"comment": COUNTERSIGN}),
    ]  # fmt: skip
    for event, who, payload in steps:
        proposal = fire_event(proposal.id, event, getattr(cast, who), payload)
    assert proposal.state == "replied"
    return cast, proposal


@pytest.mark.parametrize("person", EVERYONE)
def test_the_predicate_by_role(handled, person):
    cast, proposal = handled
    user = getattr(cast, person)
    assert can_see_handling(user, proposal, PROGRESS) == (person in PROGRESS_READERS | INTERNAL_READERS)
    assert can_see_handling(user, proposal, INTERNAL) == (person in INTERNAL_READERS)


def test_nobody_sees_the_handling_of_what_they_may_not_view(make):
    cast = Cast(make)
    proposal = cast.proposal_in("review")
    assert not can_see_handling(cast.worker, proposal, PROGRESS)
    assert not can_see_handling(None, proposal, PROGRESS)
    assert can_see_handling(cast.committee, proposal, INTERNAL)


def shown(text: str, reader) -> dict[str, bool]:
    """What `text` shows; the reader's own name is on every page (the header), so it does not count."""
    staff = [name for name in (LEAD_NAME, COHANDLER_NAME, EARLIER_NAME) if name != reader.name]
    return {
        "note": NOTE in text,
        "countersign": COUNTERSIGN in text,
        "decline": DECLINE in text,
        "staff": any(name in text for name in staff),
        "reply": REPLY in text,
    }


def expected(person: str) -> dict[str, bool]:
    internal = person in INTERNAL_READERS
    return {
        "note": person in PROGRESS_READERS or internal,
        "countersign": internal,
        "decline": internal,
        "staff": internal,
        "reply": True,  # released: disclosed to all
    }


@pytest.mark.parametrize("person", EVERYONE)
def test_the_proposal_page_by_role(app, handled, person):
    cast, proposal = handled
    client = app.test_client()
    login = client.post("/login", data={"username": getattr(cast, person).username, "password": PASSWORD})
    assert login.status_code == 302
    page = client.get(f"/proposals/{proposal.id}")
    assert page.status_code == 200
    assert shown(page.text, getattr(cast, person)) == expected(person)


@pytest.mark.parametrize("person", EVERYONE)
def test_the_api_by_role(client, handled, person):
    cast, proposal = handled
    body = api_client(client).as_(getattr(cast, person)).get(f"/proposals/{proposal.id}").json
    assert shown(json.dumps(body, ensure_ascii=False), getattr(cast, person)) == expected(person)
    assert [n["note"] for n in body["progress"]] == ([NOTE] if expected(person)["note"] else [])
    staff = {h["event"]: h["actor"] for h in body["history"] if h["event"] in ("progress", "countersign", "reply")}
    assert all((actor is not None) == expected(person)["staff"] for actor in staff.values())
    # the released reply, its class and the handling's dates are everyone's
    assert body["reply"]["text"] == REPLY and body["reply"]["outcome"] == "B"
    assert [a["department_id"] for a in body["assignments"]] == [cast.lead_dept.id, cast.co_dept.id]
