"""Importing the roster and paper proposals: all rows or none, errors by row and column, page and command line."""

import csv
import io
from dataclasses import replace

import flask_babel
import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from proposals.auth import activation
from proposals.extensions import db
from proposals.i18n import compile_translations
from proposals.models import HistoryEntry, Notification, OrgUnit, Proposal, User
from proposals.reports import proposal_import
from proposals.reports.columns import LABELS
from proposals.reports.tables import ImportRefused

from .conftest import PASSWORD, get_user
from .helpers import login


@pytest.fixture(scope="module", autouse=True)
def catalogs():
    compile_translations(force=True)  # with every parts/*.po, even after a plain `pybabel compile`


def zh(msgid: str, **params) -> str:
    """A message as the Chinese pages and commands say it."""
    with flask_babel.force_locale("zh_Hans_CN"):
        return flask_babel.gettext(msgid, **params)


def where(row: int, key: str) -> str:
    """How the command line names a cell."""
    return f"{zh('row %(row)d', row=row)}, {zh(LABELS[key])} ({key})"


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8-sig") -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def counts() -> tuple[int, ...]:
    """Every kind of row an import may write."""
    models = (User, OrgUnit, Proposal, HistoryEntry, Notification)
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in models)


ROSTER = [
    ["用户名", "姓名", "角色", "部门编码", "部门名称", "代表团编码", "代表团名称", "电子邮箱", "密码"],
    ["wang", "王五", "职工代表", "", "", "D1", "第一代表团", "wang@example.cn", ""],
    ["li", "李四", "Department liaison, delegate", "HR", "人力资源部", "D1", "", "", "S3cret-Pass!"],
    ["zhao", "赵六", "工会管理员、领导", "", "", "", "", "", ""],
]


def upload(client, kind: str, data: bytes, filename: str):
    return client.post(
        f"/imports/{kind}",
        data={f"{kind}-file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


# -- the roster -------------------------------------------------------------------------------------


def test_the_roster_creates_units_and_users_with_their_roles(runner, app, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(csv_bytes(ROSTER))
    result = runner.invoke(args=["import-roster", str(path)])
    assert result.exit_code == 0, result.output
    hr = db.session.scalar(select(OrgUnit).where(OrgUnit.code == "HR"))
    d1 = db.session.scalar(select(OrgUnit).where(OrgUnit.code == "D1"))
    assert (hr.kind, hr.name, d1.kind, d1.name) == ("department", "人力资源部", "delegation", "第一代表团")
    wang, li, zhao = get_user("wang"), get_user("li"), get_user("zhao")
    assert (wang.roles, wang.delegation_id, wang.email) == ({"delegate"}, d1.id, "wang@example.cn")
    assert (li.roles, li.department_id, li.delegation_id) == ({"department_handler", "delegate"}, hr.id, d1.id)
    assert zhao.roles == {"union_admin", "leader"}
    assert li.check_password("S3cret-Pass!")
    # no password for the others (none hashed): activation codes, printed once, kept only as their HMAC
    printed = dict(line.split("\t") for line in result.output.splitlines() if "\t" in line)
    assert set(printed) == {"wang", "zhao"} and wang.password_hash is None and not wang.must_change_password
    assert wang.activation_code_hash == activation.digest(printed["wang"]) != printed["wang"]


def test_a_second_roster_updates_and_never_clears(runner, make, tmp_path):
    dept = make.unit("department", code="FIN", name="财务处")
    make.user("worker", username="qian", name="钱七", email="qian@example.cn", department_id=dept.id)
    rows = [
        ["username", "name", "roles", "department", "department_name", "email", "active"],
        ["qian", "", "delegate", "", "", "", "否"],
        ["", "", "", "FIN", "财务部", "", ""],
    ]  # a row that only renames a unit
    path = tmp_path / "roster.xlsx"
    path.write_bytes(xlsx_bytes(rows))
    result = runner.invoke(args=["import-roster", str(path)])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    qian = get_user("qian")
    assert (qian.name, qian.email, qian.department_id) == ("钱七", "qian@example.cn", dept.id)  # empty: unchanged
    assert qian.roles == {"delegate"} and not qian.active
    assert db.session.get(OrgUnit, dept.id).name == "财务部"
    assert qian.check_password(PASSWORD)  # no password given: the old one stays


def test_a_roster_with_bad_rows_changes_nothing_and_says_where(runner, make, tmp_path):
    make.unit("delegation", code="DX")
    make.user("worker", username="taken")
    rows = [
        ROSTER[0],
        ["sun", "孙八", "代表", "", "", "", "", "", ""],  # unknown role
        ["zhou", "", "worker", "NEW", "", "", "", "not-an-email", "short"],  # no name, unknown unit, bad email...
        ["sun", "孙八", "worker", "", "", "DX", "", "", ""],  # the same user twice
        ["wu", "吴九", "worker", "DX", "", "", "", "", ""],  # DX is a delegation, not a department
    ]
    path = tmp_path / "roster.csv"
    path.write_bytes(csv_bytes(rows))
    before = counts()
    result = runner.invoke(args=["import-roster", str(path)])
    assert result.exit_code == 1
    assert counts() == before
    output = result.output
    for row, key in [(2, "roles"), (3, "name"), (3, "department"), (3, "email"), (3, "password"), (4, "username")]:
        assert where(row, key) in output, (row, key)
    assert where(5, "department") in output and "代表" in output
    assert zh("Nothing was imported: %(n)d problems.", n=7) in output


def test_check_only_changes_nothing(runner, app, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(csv_bytes(ROSTER))
    before = counts()
    result = runner.invoke(args=["import-roster", "--check", str(path)])
    assert result.exit_code == 0 and zh("The file is fine; nothing was changed.") in result.output
    assert counts() == before


def test_the_roster_page_keeps_activation_codes_for_slips_never_on_the_page(client, make):
    login(client, make.user("union_admin"))
    page = client.get("/imports/")
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.text
    response = upload(client, "roster", xlsx_bytes(ROSTER), "名册.xlsx")
    assert response.status_code == 200
    generated = zh(
        "%(n)d new users have no password: they sign in through the company directory or a sign-in provider, "
        "or activate their accounts with a code.",
        n=2,
    )
    assert zh("Users created: %(n)s", n=3) in response.text and generated in response.text
    assert 'class="secret"' not in response.text  # printed or shown once, from the slips (tests/test_papers.py)
    assert get_user("wang") is not None
    assert generated not in client.get("/imports/").text
    assert zh("Sign-in slips to hand over") in client.get("/imports/").text


def test_the_page_lists_every_problem_by_row_and_column(client, make):
    login(client, make.user("union_admin"))
    before = counts()
    bad = [ROSTER[0], ["wang", "王五", "国王", "", "", "", "", "", ""]]
    response = upload(client, "roster", csv_bytes(bad), "roster.csv")
    assert response.status_code == 422
    assert counts() == before
    assert f"<td>2</td><td>{zh('Roles')}</td>" in response.text and "国王" in response.text


@pytest.mark.parametrize(
    "data, filename, message",
    [
        (b"", "roster.csv", ("The file is empty.", {})),
        (b"not a workbook", "roster.xlsx", ("This file cannot be read as an Excel workbook.", {})),
        (b"username\nx\n", "roster.txt", ("Upload an .xlsx or .csv file.", {})),
        ("姓名\n王五\n".encode(), "roster.csv", ("Missing columns: %(names)s.", {"names": "用户名 (username)"})),
    ],
)
def test_unreadable_files_get_a_clear_message(client, make, data, filename, message):
    login(client, make.user("union_admin"))
    response = upload(client, "roster", data, filename)
    msgid, params = message
    if "names" in params:
        params = {"names": f"{zh(LABELS['username'])} (username)"}
    assert response.status_code == 422 and zh(msgid, **params) in response.text


def test_a_csv_saved_by_excel_in_chinese_is_read(client, make):
    login(client, make.user("union_admin"))
    response = upload(client, "roster", csv_bytes(ROSTER, "gb18030"), "名册.csv")
    assert response.status_code == 200, response.text
    assert get_user("wang").name == "王五"


@pytest.mark.parametrize("role", ["committee", "leader", "supervisor", "worker"])
def test_only_union_administrators_import(client, make, role):
    login(client, make.user(role))
    assert client.get("/imports/").status_code == 403
    assert upload(client, "roster", csv_bytes(ROSTER), "roster.csv").status_code == 403
    assert get_user("wang") is None


def test_blank_templates_have_the_header_row(client, make):
    login(client, make.user("union_admin"))
    response = client.get("/imports/templates/proposals.csv")
    assert response.status_code == 200
    header = next(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert header[:3] == ["会议编码", "提案人用户名", "案由"]
    assert client.get("/imports/templates/roster.xlsx").status_code == 200
    assert client.get("/imports/templates/other.csv").status_code == 404


# -- proposals collected on paper -------------------------------------------------------------------

PROPOSAL_HEADER = [
    "会议编码",
    "提案人用户名",
    "案由",
    "理由",
    "建议措施",
    "类别",
    "保密",
    "希望承办部门",
    "附议人用户名",
]


def paper_rows(cast) -> list[list[str]]:
    cosigners = f"{cast.delegate1.username}、{cast.delegate2.username}"
    return [
        PROPOSAL_HEADER,
        [
            cast.session.code,
            cast.author.username,
            "关于增设自行车棚的提案",
            "车棚不够。",
            "新建车棚。",
            "welfare",
            "否",
            cast.lead_dept.code,
            cosigners,
        ],
        [
            cast.session.code,
            cast.worker.username,
            "关于延长图书室开放时间的提案",
            "下班后无法借书。",
            "开放到晚八点。",
            "文化建设",
            "是",
            "",
            cosigners,
        ],
    ]


def test_paper_proposals_go_to_review_through_the_usual_steps(runner, cast, tmp_path):
    path = tmp_path / "paper.xlsx"
    path.write_bytes(xlsx_bytes(paper_rows(cast)))
    result = runner.invoke(args=["import-proposals", str(path)])
    assert result.exit_code == 0, result.output
    proposals = list(db.session.scalars(select(Proposal).order_by(Proposal.id)))
    assert [(p.title, p.state, p.author_id) for p in proposals] == [
        ("关于增设自行车棚的提案", "review", cast.author.id),
        ("关于延长图书室开放时间的提案", "review", cast.worker.id),
    ]
    first, second = proposals
    assert (first.desired_department_id, first.category.code, first.confidential) == (
        cast.lead_dept.id,
        "welfare",
        False,
    )
    assert (second.category.code, second.confidential) == ("culture", True)
    assert [h.event for h in first.history] == ["create", "submit", "cosign", "cosign"]
    assert [c.user_id for c in first.cosignatures] == [cast.delegate1.id, cast.delegate2.id]


def test_a_bad_row_changes_nothing(client, cast):
    rows = paper_rows(cast)
    rows.append([cast.session.code, "nobody", "", "理由", "措施", "no-such", "也许", "NOPE", cast.author.username])
    login(client, cast.admin)
    before = counts()
    response = upload(client, "proposals", csv_bytes(rows), "paper.csv")
    assert response.status_code == 422
    assert counts() == before  # not even the two good rows
    text = response.text
    for key in ("author_username", "title", "category", "confidential", "desired_department"):
        assert f"<td>4</td><td>{zh(LABELS[key])}</td>" in text, key
    assert f"<td>4</td><td>{zh(LABELS['cosigner_usernames'])}</td>" in text  # not a delegate, one too few


def test_a_closed_session_takes_no_paper_proposals(runner, cast, tmp_path):
    cast.session.is_open = False
    db.session.commit()
    path = tmp_path / "paper.csv"
    path.write_bytes(csv_bytes(paper_rows(cast)))
    result = runner.invoke(args=["import-proposals", str(path)])
    assert result.exit_code == 1 and where(2, "session_code") in result.output
    assert db.session.scalar(select(func.count()).select_from(Proposal)) == 0


def test_a_refusal_while_writing_takes_back_the_rows_already_written(cast):
    items, problems = proposal_import.check(proposal_import.read("paper.csv", csv_bytes(paper_rows(cast))))
    assert problems == [] and len(items) == 2
    # a rule the check did not foresee refuses the second proposal: the author co-signing it
    items[1] = replace(items[1], cosigners=(items[1].author, *items[1].cosigners[1:]))
    before = counts()
    with pytest.raises(ImportRefused) as refused:
        proposal_import.apply(items)
    assert refused.value.problems[0].row == 3
    assert counts() == before


@pytest.mark.parametrize("extension", ["xlsx", "csv"])
def test_an_exported_ledger_imports_again(client, cast, extension):
    originals = [
        cast.proposal_in("review", title="关于食堂增加窗口的提案", desired_department_id=cast.co_dept.id),
        cast.proposal_in("accepted", title="关于改善宿舍热水供应的提案", category="welfare"),
    ]
    login(client, cast.admin)
    ledger = client.get(f"/reports/ledger.{extension}?session={cast.session.id}")
    assert ledger.status_code == 200
    response = upload(client, "proposals", ledger.data, f"台账.{extension}")
    assert response.status_code == 200, response.text
    ignored = zh("Columns ignored: %(names)s", names="|").split("|")[0]
    assert ignored in response.text  # the ledger's other columns are named, not silently dropped
    copies = list(db.session.scalars(select(Proposal).where(Proposal.id > originals[-1].id).order_by(Proposal.id)))
    fields = (
        "session_id",
        "title",
        "reason",
        "measures",
        "category_id",
        "confidential",
        "desired_department_id",
        "author_id",
        "delegation_id",
    )
    assert sorted(tuple(getattr(p, f) for f in fields) for p in copies) == sorted(
        tuple(getattr(p, f) for f in fields) for p in originals
    )
    assert {p.state for p in copies} == {"review"}
    assert all({c.user_id for c in copy.cosignatures} == {cast.delegate1.id, cast.delegate2.id} for copy in copies)


# -- hostile files ----------------------------------------------------------------------------------

LAUGHS = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE sst [\n<!ENTITY lol "lol">\n'
    + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % ("" if i == 1 else i - 1)) * 10}">\n' for i in range(1, 10))
    + "]>\n"
)


SHEET, STRINGS = "xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"


def rezipped(data: bytes, parts: dict[str, str]) -> bytes:
    """The workbook `data` with some of its parts (by name) replaced or added."""
    import zipfile

    replaced = dict(parts)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = replaced.pop(info.filename, None)
            target.writestr(info, body.encode() if body is not None else source.read(info))
        for name, body in replaced.items():
            target.writestr(name, body.encode())
    return out.getvalue()


def sheet_xml(rows: list[list[str]], tail: str = "") -> str:
    """A first sheet holding these rows as inline strings, and `tail` after the last one."""
    cells = "".join(
        f'<row r="{n}">'
        + "".join(f'<c r="{chr(65 + i)}{n}" t="inlineStr"><is><t>{v}</t></is></c>' for i, v in enumerate(row))
        + "</row>"
        for n, row in enumerate(rows, start=1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{cells}{tail}</sheetData></worksheet>"
    )


def test_openpyxl_parses_workbooks_with_defusedxml():
    import openpyxl.xml.functions

    assert openpyxl.DEFUSEDXML is True
    assert openpyxl.xml.functions.iterparse.__module__.startswith("defusedxml")


@pytest.mark.parametrize(
    "label",
    ["billion laughs", "an entity in the sheet", "malformed sheet XML", "truncated zip"],
)
def test_hostile_workbooks_are_refused_and_change_nothing(client, make, label):
    login(client, make.user("union_admin"))
    plain = xlsx_bytes(ROSTER)
    data = {
        "billion laughs": lambda: rezipped(
            plain,
            {
                SHEET: LAUGHS.replace("sst", "worksheet")
                + sheet_xml([ROSTER[0][:3], ["wang", "&lol9;", "职工代表"]])[39:]
            },
        ),
        "an entity in the sheet": lambda: rezipped(
            plain,
            {
                SHEET: sheet_xml([ROSTER[0][:3], ["wang", "&name;", "职工代表"]]).replace(
                    "<worksheet", '<!DOCTYPE worksheet [<!ENTITY name "王五">]>\n<worksheet', 1
                )
            },
        ),
        "malformed sheet XML": lambda: rezipped(plain, {SHEET: sheet_xml(ROSTER[:2], "<row r=")}),
        "truncated zip": lambda: plain[: len(plain) // 2],
    }[label]()
    before = counts()
    response = upload(client, "roster", data, "roster.xlsx")
    assert response.status_code == 422, response.status_code
    assert zh("This file cannot be read as an Excel workbook.") in response.text
    assert counts() == before and get_user("wang") is None


def test_a_workbook_unpacking_to_too_much_is_refused_unread(client, make, monkeypatch):
    from proposals.reports import tables

    monkeypatch.setattr(tables, "MAX_UNPACKED", 10_000)
    login(client, make.user("union_admin"))
    data = rezipped(xlsx_bytes(ROSTER), {"xl/padding.xml": "<x>" + " " * 20_000 + "</x>"})
    response = upload(client, "roster", data, "roster.xlsx")
    assert response.status_code == 422
    assert zh("The workbook unpacks to too much data.") in response.text


def test_a_csv_field_beyond_the_limit_is_refused(client, make):
    login(client, make.user("union_admin"))
    before = counts()
    data = csv_bytes([ROSTER[0], ["wang", "王五", "职工代表"], ["li", "x" * (128 * 1024 + 1), "职工"]])
    response = upload(client, "roster", data, "roster.csv")
    assert response.status_code == 422, response.status_code
    assert (
        zh("This row cannot be read: a cell is longer than %(kib)d KiB, or a quote is left open.", kib=128)
        in response.text
    )
    assert counts() == before and get_user("wang") is None


@pytest.mark.parametrize("extension", ["xlsx", "csv"])
def test_reading_stops_at_the_row_limit(client, make, monkeypatch, extension):
    """A file with more rows than the limit is refused as soon as the reading passes it: the rows beyond
    are never read (the CSV's end holds a cell beyond the field limit, which would be refused otherwise)."""
    from proposals.reports import roster_import, tables

    monkeypatch.setattr(roster_import, "MAX_ROWS", 5)  # the roster's own limit (the command line's)
    read = []
    monkeypatch.setattr(tables, "_text", lambda value, text=tables._text: read.append(value) or text(value))
    login(client, make.user("union_admin"))
    rows = [ROSTER[0][:3]] + [[f"user{n}", f"用户{n}", "职工"] for n in range(2000)]
    if extension == "xlsx":
        data = rezipped(xlsx_bytes(ROSTER), {SHEET: sheet_xml(rows)})
    else:
        data = csv_bytes(rows) + b'"' + b"x" * (200 * 1024) + b'"\r\n'
    before = counts()
    response = upload(client, "roster", data, f"roster.{extension}")
    assert response.status_code == 422, response.status_code
    assert zh("At most %(max)d rows at a time.", max=5) in response.text
    assert len(read) <= 3 * 10, len(read)
    assert counts() == before


def test_a_sheet_claiming_a_row_far_down_is_refused_without_reading_the_gap(client, make):
    login(client, make.user("union_admin"))
    far = '<row r="1000000000"><c r="A1000000000" t="inlineStr"><is><t>x</t></is></c></row>'
    data = rezipped(xlsx_bytes(ROSTER), {SHEET: sheet_xml(ROSTER[:2], far)})
    response = upload(client, "roster", data, "roster.xlsx")
    assert response.status_code == 422
    from proposals.reports import roster_import

    assert zh("At most %(max)d rows at a time.", max=roster_import.MAX_ROWS) in response.text


@pytest.mark.parametrize("value", ["王\n五", "王\t五", "王&#27;五", "王\u2028五"])
def test_a_single_line_cell_refuses_line_breaks_and_control_characters(client, make, value):
    login(client, make.user("union_admin"))
    before = counts()
    data = rezipped(xlsx_bytes(ROSTER), {SHEET: sheet_xml([ROSTER[0][:3], ["wang", value, "职工代表"]])})
    response = upload(client, "roster", data, "roster.xlsx")
    assert response.status_code == 422
    assert counts() == before and get_user("wang") is None
