"""Imports by a grassroots union's administrators (reports/import_scope.py): the rows of a roster or of paper
proposals may name only what lies in their union or the unions below it; a row naming a sibling's unit,
session or role is a problem of its row, in the reader's language, and nothing is written. Their queued
jobs are seen by them and the administrators above, never by a sibling's."""

import csv
import io

import flask_babel
import pytest
from sqlalchemy import func, select

from proposals.extensions import db
from proposals.i18n import compile_translations
from proposals.models import AuditEntry, OrgUnit, Proposal, UnionRole, User
from proposals.operations import create_union, create_unit, update_user
from proposals.reports import import_jobs

from .conftest import get_user
from .helpers import api_client, login


@pytest.fixture(scope="module", autouse=True)
def catalogs():
    compile_translations(force=True)


def zh(msgid: str, **params) -> str:
    with flask_babel.force_locale("zh_Hans_CN"):
        return flask_babel.gettext(msgid, **params)


@pytest.fixture
def group(make):
    """The company union with two grassroots unions (the first with a project's union below it), a delegation,
    a department and an open session in each, and the administrators of the first and of the second."""
    root = create_unit("union", {"code": "GH", "name": "集团公司工会"})
    first = create_union({"code": "FGS1", "name": "第一分公司工会", "parent_id": root.id})
    second = create_union({"code": "FGS2", "name": "第二分公司工会", "parent_id": root.id})
    project = create_union({"code": "XMB1", "name": "某项目部工会", "parent_id": first.id})
    units = {"root": root, "first": first, "second": second, "project": project}
    delegations, departments, sessions = {}, {}, {}
    for name, union in units.items():
        delegations[name] = create_unit(
            "delegation", {"code": f"D-{name}", "name": f"{name}代表团", "parent_id": union.id}
        )
        departments[name] = create_unit(
            "department", {"code": f"B-{name}", "name": f"{name}部门", "parent_id": union.id}
        )
        union_id = None if name == "root" else union.id
        sessions[name] = make.new_session(union_id=union_id, min_cosigners=0)
    admins = {}
    for name in ("first", "second"):
        admin = make.user("worker", username=f"admin-{name}", delegation_id=delegations[name].id)
        update_user(admin, {"roles": ["worker", {"role": "union_admin", "union_id": units[name].id}]})
        admins[name] = admin
    make.user("worker", username="p-second", delegation_id=delegations["second"].id)
    db.session.commit()
    return {"units": units, "delegations": delegations, "departments": departments, "sessions": sessions, **admins}


def csv_bytes(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def upload(client, kind: str, data: bytes):
    return client.post(
        f"/imports/{kind}", data={f"{kind}-file": (io.BytesIO(data), "file.csv")}, content_type="multipart/form-data"
    )


def counts() -> tuple[int, ...]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(m)) for m in (User, UnionRole, OrgUnit, Proposal, AuditEntry)
    )


ROSTER = ["username", "name", "roles", "department", "delegation"]


def test_a_grassroots_administrator_imports_a_roster_into_their_union_and_below(client, group):
    rows = [
        ROSTER,
        ["new-first", "新甲", "worker, committee@FGS1", "B-first", "D-first"],
        ["new-project", "新乙", "职工、职工代表@XMB1", "", "D-project"],
    ]
    login(client, group["first"])
    assert client.get("/imports/").status_code == 200
    response = upload(client, "roster", csv_bytes(rows))
    assert response.status_code == 200, response.text
    first, project = get_user("new-first"), get_user("new-project")
    assert first.roles == {"worker"} and first.scoped_roles == [("committee", group["units"]["first"].id)]
    assert project.delegation_id == group["delegations"]["project"].id
    assert project.scoped_roles == [("delegate", group["units"]["project"].id)]
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "user.create", AuditEntry.target_id == first.id)
    )
    assert entry.actor_id == group["first"].id
    assert entry.details["union_roles"] == [{"role": "committee", "union_id": group["units"]["first"].id}]
    assert (
        db.session.scalar(select(AuditEntry).where(AuditEntry.action == "import.roster")).actor_id == group["first"].id
    )


@pytest.mark.parametrize(
    "row, column, msgid, params",
    [
        (
            ["x", "某甲", "worker", "B-second", ""],
            "department",
            "The unit %(code)s lies in a union you do not administer.",
            {"code": "B-second"},
        ),
        (
            ["x", "某甲", "worker", "", "D-root"],
            "delegation",
            "The unit %(code)s lies in a union you do not administer.",
            {"code": "D-root"},
        ),
        (
            ["x", "某甲", "worker, committee@FGS2", "", "D-first"],
            "roles",
            "The union %(code)s is not one you administer.",
            {"code": "FGS2"},
        ),
        (
            ["x", "某甲", "worker, committee", "", "D-first"],
            "roles",
            "Only the company union's administrators may give or take the company union's roles.",
            {},
        ),
        (
            ["x", "某甲", "worker", "", ""],
            "delegation",
            "Give a delegation or a department of a union you administer.",
            {},
        ),
        (["p-second", "", "", "", "D-first"], "username", "This user belongs to a union you do not administer.", {}),
        (
            ["x", "某甲", "worker", "", "D-new"],
            "delegation",
            "No unit of the unions you administer has the code %(code)s; create it on the units page first.",
            {"code": "D-new"},
        ),
        (["x", "某甲", "worker@NOPE", "", "D-first"], "roles", "No union has the code %(code)s.", {"code": "NOPE"}),
    ],
)
def test_a_roster_row_beyond_their_unions_refuses_the_file(client, group, row, column, msgid, params):
    good = ["fine", "好人", "worker", "", "D-first"]
    before = counts()
    api = api_client(client).as_(group["first"], language="en")
    data = {"file": (io.BytesIO(csv_bytes([ROSTER, good, row])), "roster.csv")}
    response = api.post("/imports/roster", data=data, content_type="multipart/form-data")
    assert response.status_code == 422, response.text
    assert [(p["row"], p["column"]) for p in response.json["problems"]] == [(3, column)]
    assert response.json["problems"][0]["message"] == msgid % params
    assert counts() == before and get_user("fine") is None  # not even the good row
    login(client, group["first"])
    page = upload(client, "roster", csv_bytes([ROSTER, good, row]))
    assert page.status_code == 422 and zh(msgid, **params) in page.text
    assert counts() == before


PAPER = ["session_code", "author_username", "title", "reason", "measures", "category", "desired_department"]


def paper(session, author, department="") -> list[str]:
    return [session.code, author.username, "关于增设车棚的提案", "车棚不够。", "新建车棚。", "welfare", department]


def test_a_grassroots_administrator_imports_paper_proposals_into_their_sessions(client, group):
    author = update_user(
        group["first"],
        {
            "roles": [
                "worker",
                "delegate",
                {"role": "union_admin", "union_id": group["units"]["first"].id},
                {"role": "delegate", "union_id": group["units"]["first"].id},
            ]
        },
    )
    db.session.commit()
    api = api_client(client).as_(group["first"])
    rows = [PAPER, paper(group["sessions"]["first"], author, "B-first")]
    data = {"file": (io.BytesIO(csv_bytes(rows)), "paper.csv")}
    response = api.post("/imports/proposals", data=data, content_type="multipart/form-data")
    assert response.status_code == 201, response.text
    proposal = db.session.scalar(select(Proposal))
    assert proposal.session_id == group["sessions"]["first"].id and proposal.author_id == author.id


@pytest.mark.parametrize("where", ["session", "department", "author"])
def test_a_paper_proposal_beyond_their_unions_refuses_the_file(client, group, where):
    sibling = get_user("p-second")
    session = group["sessions"]["second" if where == "session" else "first"]
    author = sibling if where == "author" else group["first"]
    department = "B-second" if where == "department" else ""
    good = paper(group["sessions"]["first"], group["first"])
    before = counts()
    login(client, group["first"])
    response = upload(client, "proposals", csv_bytes([PAPER, good, paper(session, author, department)]))
    assert response.status_code == 422
    expected = {
        "session": zh("This session belongs to a union you do not administer."),
        "department": zh("The unit %(code)s lies in a union you do not administer.", code="B-second"),
        "author": zh("%(name)s belongs to a union you do not administer.", name="p-second"),
    }[where]
    assert expected in response.text
    assert counts() == before


def test_a_grassroots_import_job_is_seen_by_its_union_and_above_never_a_sibling(app, files, client, group, make):
    rows = [ROSTER, ["job-1", "甲", "worker", "", "D-first"], ["job-2", "乙", "worker", "", "D-sibling"]]
    job = import_jobs.create("roster", "big.csv", csv_bytes(rows), group["first"], rows=2)
    api = api_client(client)
    assert api.as_(group["first"]).get(f"/imports/jobs/{job.id}").status_code == 200
    assert api.as_(make.user("union_admin")).get(f"/imports/jobs/{job.id}").status_code == 200
    for outsider in (group["second"], make.user("worker")):
        assert api.as_(outsider).get(f"/imports/jobs/{job.id}").status_code == 403
        login(client, outsider)
        assert client.get(f"/imports/jobs/{job.id}").status_code == 403
    below = make.user("worker", delegation_id=group["delegations"]["project"].id)
    update_user(below, {"roles": ["worker", {"role": "union_admin", "union_id": group["units"]["project"].id}]})
    db.session.commit()
    assert api.as_(below).get(f"/imports/jobs/{job.id}").status_code == 403  # a union below: not theirs
    before = counts()
    import_jobs.run(job.id)  # the worker checks the rows in its author's scope: D-sibling is none of theirs
    db.session.expire_all()
    job = db.session.get(type(job), job.id)
    assert job.state == "failed" and [(e["row"], e["column"]) for e in job.errors] == [(3, "delegation")]
    assert counts() == before
