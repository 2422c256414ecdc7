"""The audit log: administrative changes are logged with the change, and the union administrators'
page (/admin/audit) shows them with every proposal's history, filtered, paged and exported."""

import csv
import io
from datetime import datetime, timedelta

import pytest
from flask_babel import gettext
from markupsafe import escape
from openpyxl import load_workbook
from sqlalchemy import func, select

from proposals.extensions import db
from proposals.models import AuditEntry, User
from proposals.models.login_attempt import LoginAttempt
from proposals.operations import add_calendar_override, disable_user, reset_password, update_user
from proposals.reports import audit_log, roster_import
from proposals.reports.roster_import import import_roster
from proposals.reports.tables import ImportRefused
from workflow import InvalidPayload

from .helpers import login, request_context


@pytest.fixture
def zh(app):
    def translate(msgid: str, **params) -> str:
        with request_context(app, "/"):
            text = gettext(msgid, **params)
        assert text != (msgid % params if params else msgid), f"no Chinese for {msgid!r}"
        return str(escape(text))

    return translate


@pytest.fixture
def admin(make, client):
    user = make.user("union_admin", username="chair", name="徐丽")
    login(client, user)
    return client


def chair() -> User:
    """The administrator the `admin` client is logged in as."""
    return db.session.scalar(select(User).where(User.username == "chair"))


def table(response) -> str:
    """The log's rows on a page (not the filter form's options)."""
    text = response.text
    return text[text.index("<tbody>") : text.index("</tbody>")] if "<tbody>" in text else ""


def entries(action: str | None = None) -> list[AuditEntry]:
    stmt = select(AuditEntry).order_by(AuditEntry.id)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    return list(db.session.scalars(stmt))


# -- writing the log -------------------------------------------------------------------------------


def test_each_administrative_change_writes_one_entry(make):
    admin = make.user("union_admin")
    user = make.user("worker")
    update_user(user, {"name": "新名字", "roles": ["worker", "delegate"]})
    reset_password(user, {"password": "Another-Secret-26"})
    disable_user(user)
    add_calendar_override({"day": "2031-06-02", "working": False, "note": "厂庆"})
    assert [e.action for e in entries()] == [
        "user.create",
        "user.create",
        "user.update",
        "user.password_reset",
        "user.disable",
        "calendar.add",
    ]
    created, _, changed, *_ = entries()
    assert (created.target_type, created.target_id, created.actor_id) == ("users", admin.id, None)  # the CLI's way
    assert "password" not in created.details
    assert changed.details == {"name": "新名字", "roles": ["delegate", "worker"]}


def test_a_refused_change_logs_nothing(make):
    user = make.user("union_admin")
    before = len(entries())
    with pytest.raises(InvalidPayload):
        disable_user(user)  # the last administrator
    with pytest.raises(InvalidPayload):
        reset_password(user, {"password": "short"})
    assert len(entries()) == before


def test_a_refused_import_logs_nothing_and_an_accepted_one_logs_the_import(make):
    make.user("union_admin")
    before = len(entries())
    with pytest.raises(ImportRefused):
        import_roster(roster_import.read("roster.csv", "username,name,roles\r\na1,甲,no-such-role\r\n".encode()))
    assert len(entries()) == before
    import_roster(roster_import.read("roster.csv", "username,name,roles\r\na1,甲,worker\r\n".encode()))
    assert [e.action for e in entries()[before:]] == ["user.create", "import.roster"]
    assert entries("import.roster")[0].details["users_created"] == 1


def test_a_change_made_on_a_page_names_the_administrator_and_address(admin, make):
    worker = make.user("worker", username="zhangsan")
    response = admin.post(f"/admin/users/{worker.id}/disable", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert response.status_code == 302
    (entry,) = entries("user.disable")
    chair = db.session.scalar(select(User).where(User.username == "chair"))
    assert (entry.actor_id, entry.target_id, entry.address) == (chair.id, worker.id, "10.1.2.3")


# -- the page --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["worker", "committee", "supervisor", "leader", "department_handler"])
def test_only_union_administrators_see_the_log(app, make, role):
    client = login(app.test_client(), make.user(role))
    for path in ("/admin/audit", "/admin/audit.csv", "/admin/audit.xlsx"):
        assert client.get(path).status_code == 403


def test_logged_out_is_sent_to_login(client):
    response = client.get("/admin/audit")
    assert response.status_code == 302 and "/login" in response.location


def test_the_page_shows_history_and_administration_in_chinese(admin, cast, zh):
    proposal = cast.proposal_in("accepted")
    response = admin.get("/admin/audit")
    assert zh("Audit log") in response.text
    rows = table(response)
    assert zh("Account created") in rows
    assert escape(proposal.title) in rows
    assert cast.committee.name in rows  # who accepted
    assert f"/proposals/{proposal.id}" in rows
    assert zh("Audit log") in admin.get("/admin/").text  # in the administration menu


def test_filters(admin, cast, zh):
    accepted = cast.proposal_in("accepted")
    cast.proposal_in("review")
    # by actor and action
    rows = table(admin.get("/admin/audit", query_string={"actor": cast.committee.username}))
    assert escape(accepted.title) in rows and zh("Account created") not in rows
    rows = table(admin.get("/admin/audit", query_string={"action": "user.create"}))
    assert zh("Account created") in rows and escape(accepted.title) not in rows
    # by number within a session
    query = {"session": cast.session.id, "number": accepted.number}
    found = audit_log.everything(audit_log.parse(query).filters, cast.admin)
    assert {e["proposal_id"] for e in found} == {accepted.id}
    assert len(found) == len(accepted.history)
    # by target
    found = audit_log.everything(audit_log.parse({"target": "users", "target_id": cast.admin.id}).filters, cast.admin)
    assert [e["action_code"] for e in found] == ["user.create"]
    # by dates (China time): everything is today
    today = (datetime.utcnow() + timedelta(hours=8)).date()  # noqa: DTZ003
    yesterday = (today - timedelta(days=1)).isoformat()
    assert audit_log.everything(audit_log.parse({"end": yesterday}).filters, cast.admin) == []
    just_today = audit_log.parse({"start": today.isoformat(), "end": today.isoformat()}).filters
    assert audit_log.everything(just_today, cast.admin)


@pytest.mark.parametrize(
    "query, field, msgid",
    [
        ({"start": "2026-13-01"}, "start", "Must be a date such as 2026-03-01."),
        ({"start": "2026-03-02", "end": "2026-03-01"}, "end", "Must not be before the start."),
        ({"action": "drop_tables"}, "action", "Unknown action."),
        ({"target": "secrets"}, "target", "Unknown kind of target."),
        ({"number": "12a"}, "number", "Must be a whole number."),
    ],
)
def test_wrong_filters_are_refused_with_a_message(admin, query, field, msgid, zh):
    for path in ("/admin/audit", "/admin/audit.csv"):
        response = admin.get(path, query_string=query)
        assert response.status_code == 400
        assert f'<p class="field-error" id="{field}-error">{zh(msgid)}</p>' in response.text


def test_keyset_pages_walk_the_whole_log_newest_first(admin, make, monkeypatch):
    monkeypatch.setattr(audit_log, "PAGE_SIZE", 7)
    for n in range(20):
        make.user("worker", username=f"w{n:02d}")
    same_moment = datetime(2026, 3, 1, 8, 0)  # ties are ordered by source and id, never lost or repeated
    db.session.add_all(AuditEntry(at=same_moment, action="user.update", details={}) for _ in range(10))
    db.session.commit()
    total = sum(db.session.scalar(select(func.count()).select_from(m)) for m in (AuditEntry, LoginAttempt))
    seen, after = [], None
    while True:
        page = audit_log.page(audit_log.Filters(), chair(), after=after)
        seen += [e["key"] for e in page.entries]
        if not page.next_after:
            break
        after = page.next_after
    assert len(seen) == len(set(seen)) == total
    times = [key.split("|")[0] for key in seen]
    assert times == sorted(times, reverse=True)
    # the page's link to older entries carries the filters
    response = admin.get("/admin/audit", query_string={"action": "user.create"})
    assert "after=" in response.text and "action=user.create" in response.text


def test_exports_are_filtered_chinese_csv_with_bom_and_xlsx(admin, make, zh):
    make.user("worker", username="=cmd|' /C calc'!A0")
    response = admin.get("/admin/audit.csv", query_string={"action": "user.create"})
    assert response.status_code == 200
    assert response.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["时间", "操作人", "操作"]
    assert {row[2] for row in rows[1:]} == {"创建账号"}
    assert any(row[3].startswith("账号") and "'=cmd" not in row[3] for row in rows[1:])
    response = admin.get("/admin/audit.xlsx", query_string={"action": "user.create"})
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet["A1"].value == "时间" and isinstance(sheet["A2"].value, datetime)
    assert sheet.max_row == len(rows)
    assert "attachment" in response.headers["Content-Disposition"]


def test_login_attempts_are_in_the_log(admin, make):
    db.session.add(LoginAttempt(username="ghost", address="192.0.2.9", succeeded=False))
    db.session.commit()
    found = audit_log.everything(audit_log.parse({"actor": "ghost"}).filters, chair())
    assert [(e["action_code"], e["address"], e["actor"]) for e in found] == [("login.failed", "192.0.2.9", "ghost")]


def test_drafts_stay_their_authors_alone_in_the_log_and_its_exports(admin, cast, make):
    draft = make.proposal(title="尚未提交的草稿标题")
    submitted = cast.proposal_in("review")
    for path in ("/admin/audit", "/admin/audit.csv"):
        text = admin.get(path).get_data(as_text=True)
        assert draft.title not in text
        assert submitted.title in text
    found = audit_log.everything(audit_log.Filters(), chair())
    assert draft.id not in {e["proposal_id"] for e in found}
