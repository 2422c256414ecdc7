"""The union's own name (the root `union` unit) stands where the generic title stood: the header, the
login page, mail and the printed documents."""

import re
from datetime import datetime

from sqlalchemy import select

from proposals.closure.compose import compose
from proposals.closure.mail import MailConfig
from proposals.extensions import db
from proposals.models import Notification
from proposals.operations import rename_union

from .admin.conftest import login

UNION = "某某重工集团公司工会"


def pdf_info(pdf: bytes, key: str) -> str:
    """A text of the PDF's document information, as ReportLab writes it: UTF-16 with octal escapes."""
    found = re.search(rb"/" + key.encode() + rb" \(((?:\\.|[^\\)])*)\)", pdf)
    assert found, f"no /{key} in the PDF"
    raw = re.sub(rb"\\([0-7]{1,3}|.)", lambda m: bytes([int(m[1], 8)]) if m[1].isdigit() else m[1], found[1])
    return raw.decode("utf-16")


def test_without_a_union_the_generic_title_shows(client):
    page = client.get("/login").text
    assert "- 提案管理系统</title>" in page and '<p class="login-union">提案管理系统</p>' in page
    assert "- Proposals</title>" in client.get("/login?lang=en").text


def test_the_union_name_is_in_the_header_and_on_the_login_page(client, make):
    make.unit("union", code="GH", name=UNION)
    login_page = client.get("/login").text
    assert f'<p class="login-union">{UNION}</p>' in login_page and f"- {UNION}</title>" in login_page
    login(client, make.user("worker"))
    home = client.get("/", follow_redirects=True).text
    assert f'<span class="brand-mark" aria-hidden="true"></span>{UNION}' in home


def test_the_union_name_is_the_mails_sender_name_and_subject(app, cast):
    make_union = rename_union({"name": UNION})
    assert make_union.kind == "union"
    cast.proposal_in("cosigning")
    notification = db.session.scalars(select(Notification)).first()
    notification.user.email = "someone@union.example.cn"
    message = compose(notification, MailConfig.from_app(app.config), datetime(2026, 3, 2, 8, 0))
    assert message["Subject"].startswith(f"[{UNION}] ")
    assert UNION in message.get_content()


def test_the_union_name_is_on_the_printed_compilation(client, cast):
    rename_union({"name": UNION})
    cast.proposal_in("accepted")
    login(client, cast.committee)
    page = client.get(f"/reports/sessions/{cast.session.id}/compilation").text
    assert f'<p class="compilation-union">{UNION}</p>' in page
    pdf = client.get(f"/reports/sessions/{cast.session.id}/compilation.pdf").data
    assert pdf_info(pdf, "Author") == UNION  # (the cover's text is in compressed page streams)
