"""The ledger (.xlsx and CSV) and the compilation (page and PDF)."""

import csv
import io
from datetime import datetime

import flask_babel
import pytest
from openpyxl import load_workbook

from proposals.i18n import compile_translations
from proposals.operations import fire_event
from proposals.reports.columns import LABELS
from proposals.reports.ledger import COLUMNS

from .helpers import login


@pytest.fixture(scope="module", autouse=True)
def catalogs():
    compile_translations(force=True)  # with every parts/*.po, even after a plain `pybabel compile`


def zh(msgid: str, **params) -> str:
    """A message as the Chinese pages say it."""
    with flask_babel.force_locale("zh_Hans_CN"):
        return flask_babel.gettext(msgid, **params)


def workbook_rows(data: bytes) -> list[dict]:
    sheet = load_workbook(io.BytesIO(data)).active
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(COLUMNS, row, strict=True)) for row in rows[1:]]


def csv_rows(data: bytes) -> list[dict]:
    assert data.startswith("\ufeff".encode())  # Excel needs the BOM to read UTF-8
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    return [dict(zip(COLUMNS, row, strict=True)) for row in rows[1:]]


@pytest.fixture
def handled(cast):
    """A draft, one proposal under review and one closed: replied (A) and rated satisfied."""
    draft = cast.proposal_in("draft", title="草稿不进台账")
    review = cast.proposal_in("review", title="审查中的提案")
    closed = cast.proposal_in("closed", title="已办结的提案", confidential=True)
    return draft, review, closed


def test_the_ledger_has_a_row_per_proposal_with_every_field(client, cast, handled):
    draft, review, closed = handled
    login(client, cast.committee)
    response = client.get("/reports/ledger.xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response.headers["Content-Disposition"]
    header = next(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    assert header[:6] == tuple(zh(LABELS[key]) for key in COLUMNS[:6])
    rows = {r["id"]: r for r in workbook_rows(response.data)}
    assert set(rows) == {review.id, closed.id}  # drafts never
    row = rows[closed.id]
    lead = closed.lead_assignment
    assert (row["number"], row["title"], row["state"], row["category"]) == (1, "已办结的提案", zh("Closed"), "生活福利")
    assert (row["author"], row["author_username"], row["confidential"]) == ("提案人甲", cast.author.username, zh("yes"))
    assert (row["lead_department"], row["cohandlers"]) == (cast.lead_dept.name, cast.co_dept.name)
    assert row["reply_deadline"].date() == lead.reply_deadline and row["ack_deadline"].date() == lead.ack_deadline
    assert (row["overdue"], row["on_time"], row["outcome"], row["reply"]) == (zh("no"), zh("yes"), "A", "已解决。")
    assert row["rating"] == zh("Satisfied") and row["rounds"] == 1
    assert isinstance(row["closed_on"], datetime) and isinstance(row["submitted_on"], datetime)
    assert rows[review.id]["number"] is None and rows[review.id]["state"] == zh("Under review")


def test_csv_is_the_same_ledger(client, cast, handled):
    login(client, cast.supervisor)
    xlsx = workbook_rows(client.get("/reports/ledger.xlsx").data)
    response = client.get("/reports/ledger.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = csv_rows(response.data)
    assert [r["id"] for r in rows] == [str(r["id"]) for r in xlsx]
    assert [r["title"] for r in rows] == [r["title"] for r in xlsx]
    assert rows[0]["reply_deadline"] == xlsx[0]["reply_deadline"].date().isoformat()  # numbered ones first


def test_the_ledger_is_filtered_like_the_list(client, cast, handled, make):
    _, review, closed = handled
    elsewhere = make.proposal(author=cast.author, session=make.new_session())
    fire_event(elsewhere.id, "submit", cast.author)
    login(client, cast.committee)
    ids = [r["id"] for r in workbook_rows(client.get(f"/reports/ledger.xlsx?session={cast.session.id}").data)]
    assert sorted(ids) == sorted([review.id, closed.id])
    ids = [r["id"] for r in workbook_rows(client.get("/reports/ledger.xlsx?state=closed&state=review").data)]
    assert sorted(ids) == sorted([review.id, closed.id])
    assert [r["id"] for r in workbook_rows(client.get("/reports/ledger.xlsx?outcome=A").data)] == [closed.id]
    ids = [r["id"] for r in workbook_rows(client.get(f"/reports/ledger.xlsx?department={cast.co_dept.id}").data)]
    assert ids == [closed.id]
    assert workbook_rows(client.get("/reports/ledger.xlsx?overdue=1").data) == []


def test_a_wrong_filter_gets_a_message_and_no_file(client, cast):
    login(client, cast.committee)
    response = client.get("/reports/ledger.xlsx?session=abc&overdue=maybe")
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert "field-error" in response.text
    assert client.get("/reports/?state=nonsense").status_code == 400


def test_confidential_authors_are_masked_for_those_who_may_not_know_them(client, cast, handled):
    _, _, closed = handled
    login(client, cast.leader)
    row = next(r for r in workbook_rows(client.get("/reports/ledger.xlsx").data) if r["id"] == closed.id)
    assert row["author"] == zh("(confidential)")
    assert row["author_username"] is None and row["author_delegation"] is None
    row = next(r for r in csv_rows(client.get("/reports/ledger.csv").data) if r["id"] == str(closed.id))
    assert cast.author.name not in row.values() and cast.author.username not in row.values()


@pytest.mark.parametrize("role", ["worker", "delegate", "department_handler", "delegation_head"])
def test_only_oversight_roles_export_the_ledger(client, make, role):
    login(client, make.user(role))
    for url in ("/reports/", "/reports/ledger.xlsx", "/reports/ledger.csv"):
        assert client.get(url).status_code == 403


def test_the_reports_page_offers_downloads_with_the_chosen_filters(client, cast):
    login(client, cast.admin)
    page = client.get(f"/reports/?session={cast.session.id}&overdue=1")
    assert page.status_code == 200
    assert f"/reports/ledger.xlsx?session={cast.session.id}&amp;overdue=1" in page.text
    assert f"/reports/sessions/{cast.session.id}/compilation.pdf" in page.text


def test_the_compilation_lists_accepted_proposals_with_their_replies(client, cast, handled):
    _, review, closed = handled
    login(client, cast.worker)  # disclosure: every worker may read it
    page = client.get(f"/reports/sessions/{cast.session.id}/compilation")
    assert page.status_code == 200
    assert "已办结的提案" in page.text and "已解决。" in page.text and zh("No. %(number)s", number=1) in page.text
    assert "审查中的提案" not in page.text  # not accepted
    assert cast.author.name not in page.text  # confidential: masked for a worker
    client.post("/logout")
    login(client, cast.committee)  # printed and handed out: masked for the committee too
    assert cast.author.name not in client.get(f"/reports/sessions/{cast.session.id}/compilation").text
    client.post("/logout")
    login(client, cast.admin)  # the internal edition names them, for union administrators
    internal = client.get(f"/reports/sessions/{cast.session.id}/compilation?edition=internal").text
    assert cast.author.name in internal


def test_the_compilation_as_pdf(client, cast, handled):
    login(client, cast.committee)
    response = client.get(f"/reports/sessions/{cast.session.id}/compilation.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF") and b"NotoSerifSC" in response.data  # embedded: tests/test_papers.py
    assert response.data.count(b"/Type /Page\n") + response.data.count(b"/Type /Page\r") >= 3 or (
        response.data.count(b"/Type /Page") - response.data.count(b"/Type /Pages") >= 3
    )  # cover, contents, one proposal
    assert client.get("/reports/sessions/9999/compilation.pdf").status_code == 404


def test_export_ledger_command(runner, cast, handled, tmp_path):
    target = tmp_path / "ledger.csv"
    result = runner.invoke(args=["export-ledger", str(target), "--as", cast.committee.username])
    assert result.exit_code == 0, result.output
    assert len(csv_rows(target.read_bytes())) == 2
    result = runner.invoke(args=["export-ledger", str(tmp_path / "x.xlsx"), "--as", cast.worker.username])
    assert result.exit_code != 0


def test_every_column_has_a_label():
    assert set(COLUMNS) <= set(LABELS)


def test_text_that_looks_like_a_formula_stays_text(client, cast):
    proposal = cast.proposal_in("review", title='=HYPERLINK("http://example.invalid","点此")')
    login(client, cast.committee)
    sheet = load_workbook(io.BytesIO(client.get("/reports/ledger.xlsx").data)).active
    cell = sheet.cell(2, COLUMNS.index("title") + 1)
    assert (cell.value, cell.data_type) == (proposal.title, "s")
    row = csv_rows(client.get("/reports/ledger.csv").data)[0]
    assert row["title"] == "'" + proposal.title  # Excel shows it as text; the import takes the apostrophe off
