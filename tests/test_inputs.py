"""What every input is checked for (proposals/inputs.py, workflow/payload.py): single-line and multi-line
text, whole numbers within the 64-bit range, on pages and in the API, on SQLite and PostgreSQL alike."""

import os
import stat

import pytest
from sqlalchemy import func, select

from proposals.extensions import db
from proposals.models import AuditEntry, LoginAttempt, Proposal, User
from workflow.payload import Line, Text, validate, whole_number

from .conftest import PASSWORD
from .helpers import login


def rows() -> tuple[int, ...]:
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (Proposal, User, AuditEntry))


# -- the two kinds of text ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["a\nb", "a\r\nb", "a\tb", "a\x00b", "a\x1bb", "a\x7fb", "a\x85b", "a\u2028b"])
def test_single_line_text_refuses_line_breaks_and_control_characters(value):
    with pytest.raises(ValueError):
        Line().clean(value)


@pytest.mark.parametrize("value", ["第一行\n第二行", "a\r\nb", "列\t列"])
def test_multi_line_text_keeps_line_breaks_and_tabs(value):
    assert Text().clean(value) == value


@pytest.mark.parametrize("value", ["a\x00b", "a\x1bb", "a\x0bb", "a\x7fb", "a\x9bb"])
def test_multi_line_text_refuses_other_control_characters(value):
    with pytest.raises(ValueError):
        Text().clean(value)


@pytest.mark.parametrize(
    "raw, number",
    [("12", 12), ("-3", -3), (" 7 ", 7), (str(2**63 - 1), 2**63 - 1), (str(2**63), None), (str(10**20), None)]
    + [("1.5", None), ("1e3", None), ("١٢", None), ("²", None), ("", None), ("NaN", None)],
)
def test_whole_numbers_are_read_within_64_bits(raw, number):
    assert whole_number(raw) == number


def test_a_refusal_names_at_most_ten_unknown_fields():
    from workflow import InvalidPayload

    with pytest.raises(InvalidPayload) as refused:
        validate({"title": Line()}, {f"k{n}": 1 for n in range(100_000)})
    assert len(refused.value.fields) == 11 and refused.value.fields["_"][1] == {"count": 99_990}


def test_the_api_answer_to_many_unknown_keys_stays_short(client, make):
    from proposals.models import ApiToken

    _, secret = ApiToken.issue(make.user("worker"), 2)
    db.session.commit()
    body = {f"unknown{n}": 1 for n in range(100_000)}
    response = client.post("/api/v1/proposals", json=body, headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 422
    assert len(response.get_data()) < 3000 and "99" in response.get_json()["fields"]["_"]


@pytest.mark.parametrize("field", ["title", "category"])
def test_the_api_refuses_a_line_break_in_a_single_line_field(client, cast, field):
    from proposals.models import ApiToken

    _, secret = ApiToken.issue(cast.author, 2)
    db.session.commit()
    body = {
        "session_id": cast.session.id,
        "title": "题目",
        "reason": "理由\n第二行",
        "measures": "措施",
        "category": "welfare",
    }
    before = rows()
    response = client.post(
        "/api/v1/proposals", json={**body, field: "一\r\n二"}, headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.status_code == 422 and field in response.get_json()["fields"]
    assert rows() == before
    response = client.post("/api/v1/proposals", json=body, headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 201 and response.get_json()["reason"] == "理由\n第二行"


# -- pages: numbers beyond the database's range, NUL and control characters -------------------------

HUGE = {"1e20": str(10**20), "2^70": str(2**70), "25 digits": "9" * 25}


@pytest.mark.parametrize("huge", list(HUGE.values()), ids=list(HUGE))
@pytest.mark.parametrize(
    "who, url",
    [
        ("delegate1", "/votes/?session={}"),
        ("committee", "/votes/results?session={}"),
        ("author", "/notifications?page={}"),
        ("committee", "/proposals/{review}?merge_q={}"),
        ("admin", "/admin/audit?after=2026-01-01T00:00:00%2B00:00|audit|{}"),
        ("admin", "/admin/audit?session={}"),
        ("admin", "/admin/calendar?year={}"),
        ("committee", "/proposals/?session={}"),
    ],
)
def test_numbers_beyond_the_database_are_refused_or_name_nothing(client, cast, who, url, huge):
    login(client, getattr(cast, who))
    url = url.replace("{review}", str(cast.proposal_in("review").id)).format(huge)
    before = rows()
    response = client.get(url)
    assert response.status_code < 500, response.status_code
    assert rows() == before


@pytest.mark.parametrize(
    "who, url",
    [
        ("committee", "/proposals/?q=a%00b"),
        ("committee", "/proposals/?after=a%00b"),
        ("committee", "/review?q=a%00b"),
        ("committee", "/proposals/{review}?merge_q=a%00b"),
        ("admin", "/admin/users?q=a%00b"),
        ("admin", "/admin/users?after=a%00b"),
        ("admin", "/admin/audit?actor=a%00b"),
        ("committee", "/reports/ledger.csv?q=a%00b"),
        ("committee", "/proposals/?q=a%0d%0ab"),
        ("admin", "/admin/users?q=a%09b"),
    ],
)
def test_control_characters_in_a_query_string_are_refused(client, cast, who, url):
    login(client, getattr(cast, who))
    response = client.get(url.replace("{review}", str(cast.proposal_in("review").id)))
    assert response.status_code == 400
    assert "控制字符" in response.text


def test_a_nul_in_the_login_user_name_is_refused_and_not_recorded(client, make):
    make.user("worker", username="zhang")
    attempts = db.session.scalar(select(func.count()).select_from(LoginAttempt))
    response = client.post("/login", data={"username": "zh\x00ang", "password": PASSWORD})
    assert response.status_code == 400 and "控制字符" in response.text
    assert db.session.scalar(select(func.count()).select_from(LoginAttempt)) == attempts


def test_a_line_break_in_the_login_user_name_is_refused_next_to_the_field(client, make):
    make.user("worker", username="zhang")
    response = client.post("/login", data={"username": "zhang\r\n", "password": PASSWORD})
    assert response.status_code == 302  # stripped at the edges, as every text is
    client.post("/logout")
    response = client.post("/login", data={"username": "zh\nang", "password": PASSWORD})
    assert response.status_code == 400 and "只能填写一行" in response.text


def test_a_proposal_form_refuses_a_line_break_in_the_title_and_keeps_them_in_the_reasons(client, cast):
    login(client, cast.author)
    data = {"session_id": str(cast.session.id), "title": "题目", "reason": "一\r\n二", "measures": "措施"}
    data["category"] = "welfare"
    before = rows()
    response = client.post("/proposals/new", data={**data, "title": "第一行\r\n第二行"})
    assert response.status_code == 422 and "只能填写一行" in response.text
    assert rows() == before
    response = client.post("/proposals/new", data=data)
    assert response.status_code == 302
    assert db.session.scalar(select(Proposal.reason).order_by(Proposal.id.desc()).limit(1)) == "一\r\n二"


# -- the database and the files ----------------------------------------------------------------------


def test_a_restarted_database_costs_no_request(app):
    assert db.engine.pool._pre_ping is True


def test_the_database_file_and_the_attachments_are_private(app, cast, client):
    import io

    if db.engine.dialect.name == "sqlite":
        path = db.engine.url.database
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    login(client, cast.author)
    pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    data = {"session_id": str(cast.session.id), "title": "带附件", "reason": "理由", "measures": "措施"}
    data.update(category="welfare", attachments=(io.BytesIO(pdf), "a.pdf"))
    assert client.post("/proposals/new", data=data, content_type="multipart/form-data").status_code == 302
    from proposals.operations.attachments import attachments_dir

    folder = attachments_dir()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    files = list(folder.iterdir())
    assert files and all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
