"""The import templates (导入模板): an .xlsx with the header row, an example row and, on a second sheet,
what each column takes and the values allowed in it (roles, unit codes, sessions, categories, yes/no),
read from the database when it is made, in the reader's language. The import page offers it as a
button; the example row is marked so nobody imports it by mistake (its user names do not exist).
"""

import io

from flask_babel import gettext
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from sqlalchemy import select

from workflow import ROLES
from workflow.errors import N_

from ..extensions import db
from ..i18n import role_label
from ..models import Category, CongressSession, OrgUnit
from .columns import label

EXAMPLE = N_("Example: delete this row before importing.")
YES_NO = N_("是 or 否 (also 1/0, yes/no)")
# what each column takes: key -> msgid (None: the allowed values are listed from the database)
HINTS = {
    "username": N_("The user name people sign in with: letters, digits, . _ -"),
    "name": N_("The person's full name"),
    "roles": N_("One or more roles, separated by 、; a role held in a grassroots union takes its code: 职工代表@FGS1"),
    "department": N_("The code of the person's department (a new code also needs its name)"),
    "department_name": N_("The department's name, for a new code or to rename it"),
    "delegation": N_("The code of the person's delegation (a new code also needs its name)"),
    "delegation_name": N_("The delegation's name, for a new code or to rename it"),
    "email": N_("An email address, optional"),
    "password": N_("Leave empty: an initial password is generated, shown once"),
    "active": YES_NO,
    "mobile": N_("An 11-digit mainland mobile number, optional (for SMS)"),
    "wecom_id": N_("The person's id in 企业微信, optional"),
    "dingtalk_id": N_("The person's id in 钉钉, optional"),
    "feishu_id": N_("The person's id in 飞书, optional"),
    "session_code": N_("The code of the session"),
    "author_username": N_("The author's user name"),
    "title": N_("The proposal's subject (案由)"),
    "reason": N_("Why: the situation and its causes"),
    "measures": N_("What should be done"),
    "category": N_("A category's code or name"),
    "confidential": YES_NO,
    "desired_department": N_("The code or name of the department the author would like to handle it, optional"),
    "cosigner_usernames": N_("The co-signers' user names, separated by 、 (as many as the session asks for)"),
}


def _units(kind: str) -> list[str]:
    rows = db.session.scalars(select(OrgUnit).where(OrgUnit.kind == kind, OrgUnit.active).order_by(OrgUnit.code))
    return [f"{u.code}（{u.name}）" for u in rows]


def _allowed(key: str) -> list[str]:
    """The values the column may hold, as the database has them now ([] when any text will do)."""
    if key == "roles":  # and after them, the grassroots unions a role may be held in (role@CODE)
        return [role_label(role) for role in ROLES] + [f"@{unit}" for unit in _units("grassroots")]
    if key in ("department", "desired_department"):
        return _units("department")
    if key == "delegation":
        return _units("delegation")
    if key == "session_code":
        rows = db.session.scalars(select(CongressSession).order_by(CongressSession.created_at.desc()))
        return [f"{s.code}（{s.name}）" for s in rows]
    if key == "category":
        rows = db.session.scalars(select(Category).where(Category.retired.is_(False)).order_by(Category.position))
        return [f"{c.code}（{c.name}）" for c in rows]
    if key in ("active", "confidential"):
        return ["是", "否"]
    return []


def _example(kind: str) -> dict[str, str]:
    """One filled-in row that reads like a real one (the first unit, session and category there are)."""

    def first(key: str, fallback: str) -> str:
        values = _allowed(key)
        return values[0].split("（")[0] if values else fallback

    if kind == "roster":
        return {
            "username": "zhangsan.example",
            "name": "张三",
            "roles": "、".join((role_label("worker"), role_label("delegate"))),
            "department": first("department", "HQ"),
            "delegation": first("delegation", "D1"),
            "email": "zhangsan@example.com",
            "active": "是",
            "mobile": "13800000000",
        }
    return {
        "session_code": first("session_code", "S1"),
        "author_username": "zhangsan.example",
        "title": "关于增设夜班职工休息室的提案",
        "reason": "夜班职工在班间休息时没有固定场所。",
        "measures": "在二号楼一层设夜班休息室，配备座椅和饮水设备。",
        "category": first("category", "welfare"),
        "confidential": "否",
        "desired_department": first("department", ""),
        "cosigner_usernames": "lisi.example、wangwu.example",
    }


def workbook(kind: str, keys: tuple[str, ...], required: tuple[str, ...]) -> bytes:
    """The template of `kind` ("roster" or "proposals") as .xlsx bytes."""
    book = Workbook()
    sheet = book.active
    sheet.title = gettext("Template")
    sheet.append([label(key) for key in keys])
    example = _example(kind)
    sheet.append([example.get(key, "") for key in keys])
    sheet.cell(row=2, column=len(keys) + 1, value=gettext(EXAMPLE))
    bold, grey = Font(bold=True), PatternFill("solid", fgColor="EEEEEE")
    for cell in sheet[1]:
        cell.font = bold
    for cell in sheet[2]:
        cell.fill = grey
    for index, key in enumerate(keys, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = max(12, len(label(key)) * 2 + 4)

    help_sheet = book.create_sheet(gettext("Allowed values"))
    help_sheet.append([gettext("Column"), gettext("Required"), gettext("What to enter"), gettext("Allowed values")])
    for cell in help_sheet[1]:
        cell.font = bold
    for key in keys:
        allowed = _allowed(key)
        help_sheet.append(
            [
                label(key),
                gettext("yes") if key in required else gettext("no"),
                gettext(HINTS[key]) if key in HINTS else "",
                "、".join(allowed),
            ]
        )
    for letter, width in zip("ABCD", (18, 8, 60, 80), strict=True):
        help_sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
