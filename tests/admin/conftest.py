"""What the administration page tests share: logging in, Chinese messages, reading forms back."""

import re

import pytest
from flask_babel import gettext
from markupsafe import escape
from sqlalchemy import func, select

from proposals.extensions import db

from ..helpers import login, request_context


@pytest.fixture
def zh(app):
    """The Chinese of a message as a page shows it; failing when the message has no translation."""

    def translate(msgid: str, **params) -> str:
        with request_context(app, "/"):
            text = gettext(msgid, **params)
        assert text != (msgid % params if params else msgid), f"no Chinese for {msgid!r}"
        return str(escape(text))

    return translate


@pytest.fixture
def admin(make, client):
    user = make.user("union_admin", username="admin", name="徐丽")
    login(client, user)
    return client


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def field_error(page: str, field: str) -> str:
    """The error shown next to a field, or '' when there is none."""
    found = re.search(rf'<p class="field-error" id="{field}-error">(.*?)</p>', page)
    return found.group(1) if found else ""


def input_value(page: str, field: str) -> str | None:
    found = re.search(rf'<input[^>]*\bname="{field}"[^>]*>', page)
    if not found:
        return None
    value = re.search(r'value="([^"]*)"', found.group(0))
    return value.group(1) if value else ""
