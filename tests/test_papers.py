"""The printed papers: the compilation, the proposal form, the reply letter, the handling report and the
sign-in slips. Each PDF is read back: its Chinese text extracts, every font is embedded, and a default
edition names no confidential author."""

import io
import re
from datetime import datetime, timedelta

import docx
import flask_babel
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from proposals import stats
from proposals.auth import activation
from proposals.branding import site_name
from proposals.extensions import db
from proposals.i18n import compile_translations
from proposals.models import Assignment, AuditEntry, CalendarOverride, Reply, SignInSlips
from proposals.operations import create_unit, fire_event
from proposals.reports import sign_in
from proposals.reports.figures import percent
from proposals.reports.ledger import COLUMNS

from .conftest import get_user
from .helpers import login

UNION = "示例集团公司工会"
SECRET = "提案人甲"  # the confidential author (Cast.author)


@pytest.fixture(scope="module", autouse=True)
def catalogs():
    compile_translations(force=True)


def zh(msgid: str, **params) -> str:
    with flask_babel.force_locale("zh_Hans_CN"):
        return flask_babel.gettext(msgid, **params)


def pdf_pages(data: bytes) -> list[str]:
    """The text of each page, whitespace taken out (CJK lines wrap anywhere)."""
    assert data.startswith(b"%PDF")
    return [re.sub(r"\s+", "", page.extract_text()) for page in PdfReader(io.BytesIO(data)).pages]


def pdf_text(data: bytes) -> str:
    return "".join(pdf_pages(data))


def font_files(data: bytes) -> dict[str, bool]:
    """Every font the pages use, by name: whether its program is embedded (FontFile, FontFile2 or FontFile3)."""
    found = {}
    for page in PdfReader(io.BytesIO(data)).pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for ref in fonts.get_object().values():
            font = ref.get_object()
            described = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = described.get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            found[str(font["/BaseFont"])] = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    return found


def assert_embedded(data: bytes) -> None:
    fonts = font_files(data)
    assert fonts and all(fonts.values()), fonts


def plain(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture
def union(app):
    return create_unit("union", {"code": "GH", "name": UNION})


@pytest.fixture
def handled(cast, union):
    """Closed (A, confidential author), replied in class C, under review; and a draft."""
    closed = cast.proposal_in("closed", title="关于食堂的提案", confidential=True)
    cast.author = cast.make.user("worker", delegation_id=cast.delegation.id, name="提案人乙")  # the others' author
    class_c = cast.proposal_in("in_progress", title="关于停车场的提案")
    fire_event(class_c.id, "acknowledge", cast.cohandler)
    reply = {"text": "场地所限，暂不能解决。", "outcome": "C", "reason": "场地所限。", "contact": "张三 8001"}
    fire_event(class_c.id, "reply", cast.lead, reply)
    class_c = fire_event(class_c.id, "countersign", cast.cohandler)
    review = cast.proposal_in("review", title="审查中的提案")
    cast.proposal_in("draft", title="草稿")
    return closed, class_c, review


# -- the font --------------------------------------------------------------------------------------


def test_the_letterhead_is_the_root_unions_name_or_the_product(app, make):
    assert site_name() == flask_babel.pgettext("product name", "Proposals")  # no union yet: the generic title
    create_unit("union", {"code": "GH1", "name": UNION})
    assert site_name() == UNION


# -- the compilation -------------------------------------------------------------------------------


def test_the_compilation_embeds_its_font_and_its_text_extracts(client, cast, handled):
    closed, class_c, _ = handled
    login(client, cast.committee)
    response = client.get(f"/reports/sessions/{cast.session.id}/compilation.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert b"STSong" not in response.data
    assert_embedded(response.data)
    pages = pdf_pages(response.data)
    assert len(pages) >= 4  # cover, contents, two proposals
    text = "".join(pages)
    assert UNION in text and plain(zh("Compilation of proposals and replies")) in text
    assert "关于食堂的提案" in text and "已解决。" in text and "场地所限，暂不能解决。" in text
    # printed and handed out: masked for everyone, the committee too
    assert SECRET not in text and plain(zh("(confidential)")) in text
    assert zh("Internal") not in text


def test_the_internal_edition_names_them_for_union_administrators_only(client, cast, handled):
    login(client, cast.admin)
    response = client.get(f"/reports/sessions/{cast.session.id}/compilation.pdf?edition=internal")
    assert response.status_code == 200
    assert_embedded(response.data)
    pages = pdf_pages(response.data)
    assert all(zh("Internal") in page for page in pages)  # on every page
    assert SECRET in "".join(pages)
    page = client.get(f"/reports/sessions/{cast.session.id}/compilation?edition=internal")
    assert page.status_code == 200 and SECRET in page.text
    assert client.get(f"/reports/sessions/{cast.session.id}/compilation.pdf?edition=nonsense").status_code == 404
    client.post("/logout")
    login(client, cast.committee)
    for url in ("compilation.pdf?edition=internal", "compilation?edition=internal"):
        assert client.get(f"/reports/sessions/{cast.session.id}/{url}").status_code == 403
    assert SECRET not in client.get(f"/reports/sessions/{cast.session.id}/compilation").text


# -- the proposal form and the reply letter ----------------------------------------------------------


def test_the_proposal_form_has_the_fields_signature_lines_and_the_review_opinion(client, cast, handled):
    closed, _, review = handled
    login(client, cast.worker)  # a disclosed proposal: any worker may read it, not its confidential author
    page = client.get(f"/proposals/{closed.id}")
    assert f"/reports/proposals/{closed.id}/form.pdf" in page.text
    response = client.get(f"/reports/proposals/{closed.id}/form.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert_embedded(response.data)
    text = pdf_text(response.data)
    assert UNION in text and plain(zh("Proposal form")) in text and plain(zh("No. %(number)s", number=1)) in text
    assert "关于食堂的提案" in text and "食堂座位不足" in text and "增加座位" in text
    assert cast.delegate1.name in text and cast.delegate2.name in text  # the co-signers, each to sign
    assert plain(zh("Signature")) in text and plain(zh("Review opinion")) in text
    assert plain(zh("Accept")) in text
    assert SECRET not in text and plain(zh("(confidential)")) in text
    assert client.get(f"/reports/proposals/{review.id}/form.pdf").status_code == 404  # not disclosed to a worker
    client.post("/logout")
    login(client, cast.committee)
    assert SECRET in pdf_text(client.get(f"/reports/proposals/{closed.id}/form.pdf").data)


def test_a_rejected_proposals_form_says_why(client, cast, union):
    rejected = cast.proposal_in("rejected")
    login(client, cast.author)
    text = pdf_text(client.get(f"/reports/proposals/{rejected.id}/form.pdf").data)
    assert plain(zh("Reject")) in text and "不属于职代会职权范围。" in text
    assert plain(zh("Not numbered yet")) in text


def test_the_reply_letter_has_the_union_department_date_class_and_contact(client, cast, handled):
    _, class_c, _ = handled
    reply = class_c.replies[0]
    login(client, cast.worker)
    page = client.get(f"/proposals/{class_c.id}")
    assert f"/reports/proposals/{class_c.id}/replies/{reply.id}/letter.pdf" in page.text
    response = client.get(f"/reports/proposals/{class_c.id}/replies/{reply.id}/letter.pdf")
    assert response.status_code == 200
    assert_embedded(response.data)
    text = pdf_text(response.data)
    assert UNION in text and cast.lead_dept.name.replace(" ", "") in text and "场地所限，暂不能解决。" in text
    assert plain(zh("C: cannot be solved now, kept for reference")) in text and "张三8001" in text
    year = reply.created_at.year
    assert str(year) in text
    assert client.get(f"/reports/proposals/{class_c.id}/replies/{reply.id + 999}/letter.pdf").status_code == 404
    other = handled[0]
    assert client.get(f"/reports/proposals/{other.id}/replies/{reply.id}/letter.pdf").status_code == 404


def test_a_confidential_authors_letter_is_masked_for_a_department(client, cast, handled):
    closed = handled[0]
    login(client, cast.lead)
    text = pdf_text(client.get(f"/reports/proposals/{closed.id}/replies/{closed.replies[0].id}/letter.pdf").data)
    assert SECRET not in text and plain(zh("(confidential)")) in text


def test_a_sessions_forms_and_letters_in_one_pdf_for_the_committee_and_union_staff(client, cast, handled, make):
    closed, class_c, review = handled
    login(client, cast.committee)
    forms = client.get(f"/reports/sessions/{cast.session.id}/forms.pdf")
    assert forms.status_code == 200
    assert_embedded(forms.data)
    text = pdf_text(forms.data)
    assert all(title in text for title in ("关于食堂的提案", "关于停车场的提案", "审查中的提案"))
    assert "草稿" not in text and SECRET in text  # the committee may know the author
    letters = client.get(f"/reports/sessions/{cast.session.id}/letters.pdf")
    assert_embedded(letters.data)
    text = pdf_text(letters.data)
    assert "已解决。" in text and "场地所限，暂不能解决。" in text
    for role in ("leader", "supervisor", "worker", "department_handler"):
        client.post("/logout")
        login(client, make.user(role))
        assert client.get(f"/reports/sessions/{cast.session.id}/forms.pdf").status_code == 403
        assert client.get(f"/reports/sessions/{cast.session.id}/letters.pdf").status_code == 403


# -- the ledger -----------------------------------------------------------------------------------


def test_the_ledger_adds_the_opinion_rounds_countersigners_days_and_a_summary(client, cast, handled):
    closed, class_c, review = handled
    login(client, cast.committee)
    book = load_workbook(io.BytesIO(client.get(f"/reports/ledger.xlsx?session={cast.session.id}").data))
    rows = [dict(zip(COLUMNS, r, strict=True)) for r in list(book.worksheets[0].iter_rows(values_only=True))[1:]]
    row = next(r for r in rows if r["id"] == closed.id)
    assert row["review_opinion"] == zh("Accept") and row["rounds"] == 1
    assert row["countersigned_by"] == cast.co_dept.name
    days = stats.first_reply_working_days(proposal_ids=[closed.id])[closed.id][1]
    assert row["reply_working_days"] == days
    assert next(r for r in rows if r["id"] == review.id)["review_opinion"] is None
    summary = {r[0]: r[1] for r in book.worksheets[1].iter_rows(values_only=True) if r and r[0]}
    numbers = stats.report(cast.session.id, user=cast.committee)
    assert summary[zh("Acceptance rate")] == percent(numbers["rates"]["acceptance_rate"])
    assert summary[zh("Reply rate")] == percent(numbers["rates"]["reply_rate"])
    assert summary[zh("Satisfaction rate")] == percent(numbers["rates"]["satisfaction_rate"])
    assert summary[zh("Proposals counted")] == str(numbers["total"])
    assert summary[zh("Overdue")] == str(numbers["overdue"])


def test_the_average_working_days_to_reply_counts_the_chinese_calendar(app, cast):
    """Assigned on Friday 25 September 2026 (the Mid-Autumn Festival), replied on Friday 9 October or on
    Monday 28 September: the National Day holiday (1-7 October) is off."""
    one = cast.proposal_in("replied")
    two = cast.proposal_in("replied")
    for proposal, replied in ((one, datetime(2026, 10, 9, 2)), (two, datetime(2026, 9, 28, 2))):
        db.session.execute(
            Assignment.__table__.update()
            .where(Assignment.proposal_id == proposal.id)
            .values(assigned_at=datetime(2026, 9, 25, 2))
        )
        db.session.execute(Reply.__table__.update().where(Reply.proposal_id == proposal.id).values(created_at=replied))
    db.session.commit()
    # 26-27 off; 28 Mon, 29 Tue, 30 Wed; 1-7 Oct off; 8 Thu, 9 Fri: 5 working days; to 28 Sep: 1
    found = stats.first_reply_working_days(cast.session.id)
    assert found[one.id] == (cast.lead_dept.id, 5) and found[two.id] == (cast.lead_dept.id, 1)
    numbers = stats.reply_working_days(cast.session.id)
    assert numbers["average"] == 3 and numbers["replied"] == 2
    assert numbers["by_department"][cast.lead_dept.id] == {"average": 3, "replied": 2}
    db.session.add(CalendarOverride(day=datetime(2026, 9, 28).date(), working=False))  # the union's day off
    db.session.commit()
    assert stats.first_reply_working_days(cast.session.id)[two.id][1] == 0


# -- the handling report --------------------------------------------------------------------------


def test_the_handling_report_as_docx_holds_the_figures_of_the_report(client, cast, handled):
    closed, class_c, _ = handled
    login(client, cast.committee)
    response = client.get(f"/reports/sessions/{cast.session.id}/handling-report.docx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    document = docx.Document(io.BytesIO(response.data))
    paragraphs = "\n".join(p.text for p in document.paragraphs)
    cells = {c.text for t in document.tables for row in t.rows for c in row.cells}
    numbers = stats.report(cast.session.id, user=cast.committee)
    for key in ("acceptance_rate", "reply_rate", "closure_rate", "on_time_rate", "satisfaction_rate"):
        assert percent(numbers["rates"][key]) in cells
    assert str(numbers["total"]) in cells
    departments = {row["name"] for row in numbers["by_department"]}
    assert departments and departments <= cells
    assert {row["name"] for row in numbers["by_category"]} <= cells
    assert "场地所限，暂不能解决。" in paragraphs  # class C with its reason
    assert "关于停车场的提案" in paragraphs  # not yet closed
    assert zh("No key proposal was named.") in paragraphs
    assert UNION in paragraphs and SECRET not in paragraphs + "".join(cells)
    pdf = client.get(f"/reports/sessions/{cast.session.id}/handling-report.pdf")
    assert pdf.status_code == 200
    assert_embedded(pdf.data)
    text = pdf_text(pdf.data)
    assert plain(zh("Report on the handling of proposals")) in text and "场地所限，暂不能解决。" in text
    assert percent(numbers["rates"]["acceptance_rate"]) in text


def test_the_handling_report_lists_what_closed_unsatisfied_with_the_authors_words(client, cast, make, union):
    cast.session = make.new_session(max_rehandle=0)  # the first unsatisfied rating closes it
    replied = cast.proposal_in("replied", title="关于浴室的提案")
    fire_event(replied.id, "evaluate", cast.author, {"rating": "unsatisfied", "comment": "热水仍然不足。"})
    login(client, cast.committee)
    document = docx.Document(io.BytesIO(client.get(f"/reports/sessions/{cast.session.id}/handling-report.docx").data))
    paragraphs = [p.text for p in document.paragraphs]
    heading = paragraphs.index(zh("7. Closed unsatisfied, with the author's words"))
    assert "关于浴室的提案" in paragraphs[heading + 1] and paragraphs[heading + 2] == "热水仍然不足。"
    assert zh("No proposal was closed unsatisfied.") not in paragraphs


@pytest.mark.parametrize(
    ("role", "status"), [("leader", 200), ("union_admin", 200), ("supervisor", 403), ("worker", 403)]
)
def test_who_has_the_handling_report(client, cast, make, role, status):
    login(client, make.user(role))
    assert client.get(f"/reports/sessions/{cast.session.id}/handling-report.docx").status_code == status
    assert client.get(f"/reports/sessions/{cast.session.id}/handling-report.pdf").status_code == status
    if status == 200:
        assert "handling-report.docx" in client.get("/reports/").text
        assert "handling-report.docx" in client.get(f"/dashboard/?session={cast.session.id}").text


# -- sign-in slips ----------------------------------------------------------------------------------

ROSTER = "用户名,姓名,角色\r\nwang,王五,职工代表\r\nzhao,赵六,职工\r\n".encode("utf-8-sig")


def upload_roster(client):
    return client.post(
        "/imports/roster",
        data={"roster-file": (io.BytesIO(ROSTER), "roster.csv")},
        content_type="multipart/form-data",
    )


def test_sign_in_slips_are_printed_once_then_gone(client, make, union):
    admin = make.user("union_admin")
    login(client, admin)
    response = upload_roster(client)
    assert response.status_code == 200
    kept = db.session.scalars(select(SignInSlips)).all()
    assert len(kept) == 1 and kept[0].count == 2
    assert "wang" not in kept[0].sealed  # sealed, not in clear
    page = client.get("/imports/")
    assert f"/imports/slips/{kept[0].id}/pdf" in page.text
    slips_pdf = client.post(f"/imports/slips/{kept[0].id}/pdf")
    assert slips_pdf.status_code == 200 and slips_pdf.mimetype == "application/pdf"
    assert slips_pdf.headers["Cache-Control"] == "no-store"
    assert_embedded(slips_pdf.data)
    text = pdf_text(slips_pdf.data)
    assert UNION in text and "王五" in text and "赵六" in text and "wang" in text
    secret = re.search(rf"{re.escape(plain(zh('Activation code')))}(\S+?){re.escape(plain(zh('Activate at')))}", text)
    assert secret and get_user("wang").activation_code_hash == activation.digest(secret.group(1))  # wang's first
    assert db.session.scalars(select(SignInSlips)).all() == []  # gone from the server
    assert client.post(f"/imports/slips/{kept[0].id}/pdf").status_code == 404
    assert client.post(f"/imports/slips/{kept[0].id}/show").status_code == 404
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"sign_in_slips.kept", "sign_in_slips.taken"} <= actions


def test_sign_in_slips_shown_on_screen_once_and_only_to_who_imported(client, make, union):
    admin, other = make.user("union_admin"), make.user("union_admin")
    login(client, admin)
    upload_roster(client)
    kept = db.session.scalar(select(SignInSlips))
    client.post("/logout")
    login(client, other)
    assert f"/imports/slips/{kept.id}/" not in client.get("/imports/").text
    assert client.post(f"/imports/slips/{kept.id}/show").status_code == 404  # not theirs: nothing taken
    assert db.session.scalar(select(SignInSlips).where(SignInSlips.id == kept.id)) is not None
    client.post("/logout")
    login(client, admin)
    page = client.post(f"/imports/slips/{kept.id}/show")
    assert page.status_code == 200 and "王五" in page.text and "wang" in page.text
    assert client.post(f"/imports/slips/{kept.id}/show").status_code == 404


def test_sign_in_slips_expire(client, make, app):
    admin = make.user("union_admin")
    kept = sign_in.seal(admin, [("王五", "wang", "initial-secret")])
    kept.created_at -= timedelta(hours=sign_in.KEEP_HOURS + 1)
    db.session.commit()
    login(client, admin)
    assert f"/imports/slips/{kept.id}/" not in client.get("/imports/").text
    assert client.post(f"/imports/slips/{kept.id}/pdf").status_code == 404
    assert db.session.scalar(select(SignInSlips).where(SignInSlips.id == kept.id)) is None


def test_sign_in_slips_take_a_list_of_name_user_name_and_secret(app, union):
    text = pdf_text(sign_in.to_pdf([("王五", "wang", "abc-123"), ("玥喆", "yue", "xyz-789")], "https://example.cn/"))
    for value in ("王五", "wang", "abc-123", "玥喆", "yue", "xyz-789", "https://example.cn/"):
        assert value in text
    assert text.index("王五") < text.index("abc-123") < text.index("玥喆") < text.index("xyz-789")


def test_the_roster_command_writes_slips(runner, make, tmp_path, union):
    target = tmp_path / "roster.csv"
    target.write_bytes(ROSTER)
    slips = tmp_path / "slips.pdf"
    result = runner.invoke(args=["import-roster", str(target), "--slips", str(slips), "--address", "https://x.cn/"])
    assert result.exit_code == 0, result.output
    text = pdf_text(slips.read_bytes())
    assert "王五" in text and "https://x.cn/" in text
    assert_embedded(slips.read_bytes())
